"""What `ledger run` costs a user: against Guild AI and against bare python.

Targets: `ledger run echo -y` (examples/optimizers, through its guild.yml)
<= 0.2x Guild AI 0.9.0's `guild run echo -y` in the same project, and
<= 150 ms wall (on an idle machine: the first line says how busy it is).
Each run of either is a fresh process, output discarded; the cases take
turns. `python echo.py` and `ledger run hello.py -y` / `python hello.py` are
printed for reference. Then a breakdown of where the ledger run's time goes: the biggest
imports (`python -X importtime`), the in-process phases (timed by wrapping
the library's functions in a driver process), and the run's own child
process (`python executor/op_main.py`) against a bare interpreter.

    .venv/bin/python bench/bench_run.py [--runs 7] [--no-breakdown]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness as h  # noqa: E402
from bench.installed import installed_ledger  # noqa: E402

TARGET_VS_GUILD = 0.2
TARGET_SECONDS = 0.150

# (label, module, attribute, depth): the functions a single run goes through
PHASES = [
    ("parse args + plan_request", "ledger.executor.runner", "plan_request", 0),
    ("resolve the operation (project file / script)", "ledger.executor.run", "resolve_opdef", 1),
    ("resolve flags", "ledger.executor.flags", "resolve", 1),
    ("select + hash source files", "ledger.executor.run", "project_source", 1),
    ("open the event store", "ledger.store", "EventStore.__init__", 1),
    ("execute", "ledger.executor.run", "execute", 0),
    ("blobs.put_bytes", "ledger.blobs", "BlobStore.put_bytes", 1),
    ("store.append (every call)", "ledger.store", "EventStore.append", 1),
    ("rundir.write_meta", "ledger.projections.rundir", "write_meta", 1),
    ("launch.start (spawn the child)", "ledger.executor.launch", "start", 1),
    ("launch.capture (child runs to exit)", "ledger.executor.launch", "capture", 1),
    ("recorder.finish (last chunk + RunStopped)", "ledger.executor.recorder", "OutputRecorder.finish", 1),
    ("store.stream (re-read the run)", "ledger.store", "EventStore.stream", 1),
]

# Runs in a fresh interpreter: imports what `ledger run` imports, wraps the
# phase functions with timers, runs `ledger run ARGS`, prints JSON last.
DRIVER = r"""
import importlib, json, sys, time
t0 = time.perf_counter()
import ledger.cli.app
t1 = time.perf_counter()
phases = json.loads(sys.argv[1])
mods = {m: importlib.import_module(m) for _, m, _, _ in phases}
t2 = time.perf_counter()
totals = {}
def wrap(owner, name, label):
    fn = getattr(owner, name)
    def timed(*a, **k):
        s = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            n, t = totals.get(label, (0, 0.0))
            totals[label] = (n + 1, t + time.perf_counter() - s)
    setattr(owner, name, timed)
for label, m, attr, _ in phases:
    owner = mods[m]
    *cls, name = attr.split(".")
    for c in cls:
        owner = getattr(owner, c)
    wrap(owner, name, label)
t3 = time.perf_counter()
sys.argv = ["ledger", "run", *sys.argv[2:]]
try:
    code = ledger.cli.app.main()
except SystemExit as e:
    code = e.code
t4 = time.perf_counter()
sys.stdout.flush()
print("\n" + json.dumps({"import_cli": t1 - t0, "import_rest": t2 - t1, "main": t4 - t3, "code": code,
                         "totals": totals}))
"""


def bench(runs: int, breakdown: bool) -> None:
    h.compile_packages()
    print(h.machine_note(), flush=True)
    work = h.scratch("run")
    home = work / "home"
    env = h.env_for(home)
    hello = work / "hello"
    hello.mkdir()
    (hello / "hello.py").write_text('print("hello")\n')
    echo = h.project_copy(work / "echo")
    guild = h.guild()
    guild_echo = h.project_copy(work / "guild-echo")
    guild_env = h.env_for(None, GUILD_HOME=str(work / "guild-home"))
    (work / "guild-home").mkdir()  # Guild does not create its home

    installed = installed_ledger()
    cases = {
        "python hello.py": lambda: h.wall([h.PY, "hello.py"], hello, env),
        "installed ledger run echo -y": lambda: h.wall([installed, "run", "echo", "-y"], echo, env),
        "ledger run hello.py -y": lambda: h.wall([h.LEDGER, "run", "hello.py", "-y"], hello, env),
        "python echo.py": lambda: h.wall([h.PY, "echo.py"], echo, env),
        "ledger run echo -y": lambda: h.wall([h.LEDGER, "run", "echo", "-y"], echo, env),
        "guild run echo -y": lambda: h.wall([guild, "run", "echo", "-y"], guild_echo, guild_env),
    }
    h.interleaved(cases, 1)  # warm the page cache and the homes; not counted
    s = h.interleaved(cases, runs)
    h.ratio_line("run-vs-guild", "ledger run echo -y", s["ledger run echo -y"],
                 f"guild {h.GUILD_VERSION} run echo -y", s["guild run echo -y"], TARGET_VS_GUILD)
    h.seconds_line("run-wall", "ledger run echo -y, installed from the wheel", s["installed ledger run echo -y"],
                   TARGET_SECONDS)  # fmt: skip
    editable = h.median(s["ledger run echo -y"])
    h.info_line("run-wall-editable", f"ledger run echo -y of the editable install (make's venv) {editable:.3f} s")
    for subject, baseline in (("ledger run echo -y", "python echo.py"), ("ledger run hello.py -y", "python hello.py")):
        ratio = h.median(s[subject]) / h.median(s[baseline])
        h.info_line("run-vs-python", f"{subject} {h.median(s[subject]):.3f} s = {ratio:.2f}x {baseline}"
                    f" {h.median(s[baseline]):.3f} s")
    if breakdown:
        show_breakdown(hello, echo, env, runs)


def show_breakdown(hello: Path, echo: Path, env: dict[str, str], runs: int) -> None:
    print("# where `ledger run hello.py -y` spends its time", flush=True)
    floor = {
        "python -c pass": lambda: h.wall([h.PY, "-c", "pass"], hello, env),
        "python -I -S -c pass": lambda: h.wall([h.PY, "-I", "-S", "-c", "pass"], hello, env),
        "python executor/op_main.py hello.py": lambda: h.wall(
            [h.PY, "-u", str(h.ROOT / "executor" / "op_main.py"), "hello.py"], hello, env),
        "python -c 'import ledger.cli.app'": lambda: h.wall(
            [h.PY, "-c", "import ledger.cli.app"], hello, env),
    }
    f = h.interleaved(floor, runs)
    for name, xs in f.items():
        print(f"#   {name:<52} {h.median(xs) * 1000:7.1f} ms", flush=True)

    total, tops = h.import_times([h.LEDGER, "run", "hello.py", "-y"], hello, env)
    print(f"#   imports in the ledger process (python -X importtime, self times summed): {total * 1000:.1f} ms;"
          " biggest top-level imports (cumulative):", flush=True)
    for cum, name in tops:
        print(f"#     {cum * 1000:7.1f} ms  {name}", flush=True)
    total, tops = h.import_times(["-u", str(h.ROOT / "executor" / "op_main.py"), "hello.py"], hello, env)
    print(f"#   imports in the run's child (op_main): {total * 1000:.1f} ms; biggest:", flush=True)
    for cum, name in tops[:6]:
        print(f"#     {cum * 1000:7.1f} ms  {name}", flush=True)

    for label, project, args in (("hello.py", hello, ["hello.py", "-y"]), ("echo", echo, ["echo", "-y"])):
        samples = [_phases(project, env, args) for _ in range(max(3, runs // 2))]
        best = min(samples, key=lambda r: r["main"])  # the least disturbed run
        print(f"#   in-process phases of `ledger run {' '.join(args)}` (fastest of {len(samples)} driver runs):",
              flush=True)
        print(f"#     {'import ledger.cli.app':<50} {best['import_cli'] * 1000:7.1f} ms", flush=True)
        print(f"#     {'import the rest of the run path':<50} {best['import_rest'] * 1000:7.1f} ms", flush=True)
        print(f"#     {'ledger run ... (cli.app.main) total':<50} {best['main'] * 1000:7.1f} ms", flush=True)
        for name, _, _, depth in PHASES:
            n, t = best["totals"].get(name, (0, 0.0))
            if n:
                pad = "  " * depth
                print(f"#       {pad}{name:<{48 - 2 * depth}} {t * 1000:7.1f} ms  ({n} call{'s' * (n != 1)})",
                      flush=True)


def _phases(project: Path, env: dict[str, str], args: list[str]) -> dict:
    phases = json.dumps(PHASES)
    proc = h.run([h.PY, "-c", DRIVER, phases, *args], project, env)
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-breakdown", action="store_true")
    args = parser.parse_args()
    h.main_guard(lambda: bench(args.runs, not args.no_breakdown))


if __name__ == "__main__":
    main()
