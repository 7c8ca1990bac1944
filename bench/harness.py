"""What the command-level benchmarks share: timing fresh `ledger` processes,
result lines, profiles, and big histories generated through the store's API.

Every figure is the median of several runs; cases that are compared take
turns (baseline, subject, baseline, subject ...) so a slow spell of the
machine (2 cores, other jobs) hits both alike. A benchmark is a measurement,
not a test: it reports PASS/FAIL per target and exits 0 either way.
"""

from __future__ import annotations

import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PY = str(BIN / "python")
LEDGER = str(BIN / "ledger")
OUT = ROOT / "bench" / "out"
EXAMPLE = ROOT / "examples" / "optimizers"
PACKAGES = ("ledger", "projections", "executor", "cli")
# Guild AI, the baseline of the run benchmarks, in a venv of its own
GUILD_VERSION = "0.9.0"
GUILD_VENV = OUT / "guild-venv"


class BenchError(RuntimeError):
    """A command the benchmark needs failed: the figure cannot be taken."""


# -- setting up ----------------------------------------------------------------


def compile_packages() -> None:
    """PYTHONDONTWRITEBYTECODE=1 is set here: without compiling first, every
    timed `ledger` would compile its modules from source, which no installed
    copy does."""
    subprocess.run([PY, "-m", "compileall", "-q", *PACKAGES], cwd=ROOT, check=True)


def machine_note() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"# machine: {os.cpu_count()} cores, load average {load} (figures are noisy when load is high)"


def env_for(home: Path | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPROFILEIMPORTTIME"}
    if home is not None:
        env["LEDGER_HOME"] = str(home)
    env.update(extra)
    return env


def project_copy(dest: Path, source: Path = EXAMPLE) -> Path:
    """A fresh copy of an example project (runs must not write into the repo)."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(source, dest)
    return dest


def scratch(name: str) -> Path:
    """An empty folder under bench/out for one benchmark's throw-away state."""
    path = OUT / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def guild() -> str:
    """The `guild` command of Guild AI GUILD_VERSION, installed into
    bench/out/guild-venv on first use (pip, from the package index)."""
    command = GUILD_VENV / "bin" / "guild"
    if not command.exists():
        print(f"# installing guildai=={GUILD_VERSION} into {GUILD_VENV} (once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(GUILD_VENV)], check=True)
        proc = subprocess.run([str(GUILD_VENV / "bin" / "pip"), "install", "--quiet", f"guildai=={GUILD_VERSION}"],
                              capture_output=True, text=True)  # fmt: skip
        if proc.returncode != 0 or not command.exists():
            raise BenchError(f"cannot install guildai=={GUILD_VERSION}: {proc.stderr.strip()[-300:]}")
    return str(command)


def du_bytes(path: Path) -> tuple[int, int]:
    """(bytes on disk, as `du` counts blocks; bytes of content) under `path`."""
    on_disk = content = 0
    for p in [path, *path.rglob("*")]:
        st = p.lstat()
        on_disk += st.st_blocks * 512
        content += st.st_size if p.is_file() and not p.is_symlink() else 0
    return on_disk, content


# -- timing --------------------------------------------------------------------


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True)
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise BenchError(f"{' '.join(argv)} exited {proc.returncode}: {' | '.join(tail)}")
    return proc


def wall(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall seconds of one fresh process, output discarded (as when piped)."""
    start = time.perf_counter()
    proc = subprocess.run(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise BenchError(f"{' '.join(argv)} exited {proc.returncode}: {' | '.join(tail)}")
    return elapsed


def interleaved(cases: dict[str, Callable[[], float]], runs: int) -> dict[str, list[float]]:
    """Samples per case; each callable returns the seconds it measured (so it
    can leave its own setup out). The cases take turns, run after run."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, fn in cases.items():
            samples[name].append(fn())
    return samples


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def spread(xs: list[float]) -> str:
    """How far the samples scatter around their median: a noise warning."""
    m = median(xs)
    pct = (max(xs) - min(xs)) / m * 100 if m else 0.0
    note = f"{len(xs)} runs, spread {pct:.0f}%"
    return note + " NOISY" if pct > 50 else note


# -- result lines ------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def ratio_line(
    name: str, subject: str, subj: list[float], baseline: str, base: list[float], target: float, at_least: bool = False
) -> bool:
    """`name: subject 0.083 s vs baseline 0.021 s = 3.95x (target <= 4x) PASS`;
    the ratio is subject/baseline medians. Returns whether it passed."""
    s, b = median(subj), median(base)
    r = s / b
    ok = r >= target if at_least else r <= target
    sign = ">=" if at_least else "<="
    print(
        f"{name}: {subject} {s:.3f} s vs {baseline} {b:.3f} s = {r:.2f}x (target {sign} {target:g}x) "
        f"{_verdict(ok)}  [{spread(subj)}]",
        flush=True,
    )
    return ok


def speedup_line(name: str, fast: str, fast_s: list[float], slow: str, slow_s: list[float], target: float) -> bool:
    """`name: slow X s / fast Y s = 1.8x faster (target >= 1.7x) PASS`."""
    f, s = median(fast_s), median(slow_s)
    r = s / f
    ok = r >= target
    print(
        f"{name}: {slow} {s:.3f} s / {fast} {f:.3f} s = {r:.2f}x faster (target >= {target:g}x) "
        f"{_verdict(ok)}  [{spread(fast_s)}]",
        flush=True,
    )
    return ok


def seconds_line(name: str, subject: str, samples: list[float], target: float) -> bool:
    """`name: subject 0.150 s (target <= 0.2 s) PASS`."""
    v = median(samples)
    ok = v <= target
    print(f"{name}: {subject} {v:.3f} s (target <= {target:g} s) {_verdict(ok)}  [{spread(samples)}]", flush=True)
    return ok


def info_line(name: str, text: str) -> None:
    print(f"{name}: {text}", flush=True)


# -- finding out why -------------------------------------------------------------


def profile(argv: list[str], cwd: Path, env: dict[str, str], top: int = 15) -> str:
    """cProfile of `ledger ARGS...` in a fresh process, as text: the project's
    own functions by cumulative time (which step is slow), then every
    function by self time (what inside it burns the time)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "prof"
        # through the console script's own function
        driver = Path(tmp) / "ledger_main.py"
        driver.write_text("from ledger.cli.console import entry\nentry()\n")
        run([PY, "-m", "cProfile", "-o", str(out), str(driver), *argv], cwd, env)
        text = []
        for title, key, restrict in (
            ("project functions by cumulative time", "cumulative", r"/(ledger|projections|executor|cli)/[a-z_]+\.py"),
            ("all functions by self time", "tottime", None),
        ):
            buf = io.StringIO()
            stats = pstats.Stats(str(out), stream=buf).sort_stats(key)
            stats.print_stats(*([restrict] if restrict else []), top)
            lines = buf.getvalue().splitlines()
            first = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
            text.append(f"  -- {title}")
            text += [
                "    " + line.replace(str(ROOT) + "/", "").replace(sys.base_prefix + "/lib/", "")
                for line in lines[first:]
                if line.strip()
            ]
    return "\n".join(text)


def import_times(
    argv: list[str], cwd: Path, env: dict[str, str], top: int = 12
) -> tuple[float, list[tuple[float, str]]]:
    """(total import seconds, the `top` biggest top-level imports by
    cumulative seconds) of `python -X importtime ARGV`, read from stderr."""
    proc = subprocess.run(
        [PY, "-X", "importtime", *argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True
    )
    total, tops = 0.0, []
    for line in proc.stderr.decode(errors="replace").splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cum_us, name = line[len("import time:") :].split("|", 2)
        total += int(self_us) / 1e6
        # a top-level import is not indented under the one that pulled it in
        if not name.startswith("  "):
            tops.append((int(cum_us) / 1e6, name.strip()))
    tops.sort(reverse=True)
    return total, tops[:top]


# -- generated histories ---------------------------------------------------------

GENERATOR_VERSION = 1  # bump when the shape of generated histories changes: caches are rebuilt


CHAIN_RUNS = 101  # a chain of 101 runs is 100 protos deep


def history(runs: int, chain: int | None = None) -> tuple[Path, dict]:
    """A home holding about `runs` runs (10 events each, as real runs write
    them), cached under bench/out/hist-RUNS. `chain` of them, spread evenly
    through the log, form one proto chain (CHAIN_RUNS when None; a cached
    history with any chain will do then). Returns (home, facts) where facts
    has `events`, `chain_tip`, `chain_root`, `plain_run`, `project`."""
    home = OUT / f"hist-{runs}"
    meta = home / "bench.json"
    if meta.exists():
        facts = json.loads(meta.read_text())
        if facts.get("version") == GENERATOR_VERSION and chain in (None, facts.get("chain")):
            return home, facts
    chain = chain or CHAIN_RUNS
    shutil.rmtree(home, ignore_errors=True)
    print(f"# generating a history of {runs:,} runs in {home} (cached for next time) ...", flush=True)
    start = time.perf_counter()
    facts = build(home, runs, chain)
    facts.update(version=GENERATOR_VERSION, chain=chain)
    # the DuckDB index is a projection built on first use: build it now, untimed
    run([LEDGER, "runs", "-s"], ROOT, env_for(home))
    meta.write_text(json.dumps(facts, indent=1))
    print(f"# generated {facts['events']:,} events in {time.perf_counter() - start:.1f} s", flush=True)
    return home, facts


TX_EVENTS = 500  # events per generated transaction (real runs write 1-6; big ones are quicker to generate)
BATCH_EVERY = 250  # one 4-trial grid batch per this many runs
PROTO_EVERY = 10  # one run in this many is started from an earlier run's proto


def build(home: Path, runs: int, chain: int) -> dict:
    """Write the history: one real `ledger run echo -y` (its events are the
    template, its blobs serve every generated run), then generated runs with
    the same event shapes, appended through EventStore.append."""
    import random

    from ledger.home import Home

    project = project_copy(OUT / f"{home.name}-project")
    run([LEDGER, "run", "echo", "-y"], project, env_for(home))
    store = Home(home).store
    first = list(store.read())
    gen = _Generator(store, {e.type: e.data for e in first}, random.Random(runs), home)
    real = first[0].run
    gen.made[real] = (
        first[0].seq,
        {e.data.name: e.seq for e in first if e.type == "FlagSet"},
        next(e.seq for e in first if e.type == "SourcecodeCopied"),
        {e.data.name: e.data.value for e in first if e.type == "FlagSet"},
    )
    chain_at = {1 + k * (runs - 1) // chain: k for k in range(chain)}
    chain_ids: list[str] = []
    plain: list[str] = [real]
    i = 1
    while i < runs:
        if i in chain_at:
            chain_ids.append(gen.run(i, proto=chain_ids[-1] if chain_ids else None))
            i += 1
        elif i % BATCH_EVERY == 0 and i + 5 <= runs and not any(j in chain_at for j in range(i, i + 5)):
            gen.batch(i, trials=4)
            i += 5
        elif i % PROTO_EVERY == 0:
            gen.run(i, proto=gen.rng.choice(plain))
            i += 1
        else:
            plain.append(gen.run(i))
            i += 1
        gen.flush(TX_EVENTS)
    gen.flush(0)
    return {
        "events": store.last_seq,
        "runs": runs,
        "chain_tip": chain_ids[-1],
        "chain_root": chain_ids[0],
        "plain_run": real,
        "project": str(project),
    }


class _Generator:
    """Appends runs shaped like ledger.executor.plan.run_events + launch + recorder
    write them; knows each seq before the append (it is the only writer)."""

    def __init__(self, store, template: dict, rng, home: Path) -> None:
        self.store, self.t, self.rng, self.home = store, template, rng, home
        self.pending: list = []
        self.made: dict[str, tuple[int, dict[str, int], int, dict]] = {}

    def add(self, run_id: str, data, cause: int | None = None) -> int:
        from ledger.events import NewEvent

        self.pending.append(NewEvent(run_id, data, cause))
        return self.store.last_seq + len(self.pending)

    def flush(self, at_least: int) -> None:
        if self.pending and len(self.pending) >= at_least:
            self.store.append(self.pending)
            self.pending = []

    def new_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def run(
        self, i: int, proto: str | None = None, batch: str | None = None, trial: int = 0, values: dict | None = None
    ) -> str:
        from dataclasses import replace

        from ledger.events import FlagSet, LabelSet, RunStopped, ScalarLogged

        t, rid = self.t, self.new_id()
        values = values or {"x": (i % 17) / 4, "y": i % 5, "z": "abcd"[i % 4]}
        origins = {n: "default" for n in values} | {"x": "user"}
        causes: dict[str, int | None] = {}
        params: dict = {"flags": {"x": values["x"]}}
        created_cause = src_cause = None
        if proto:
            created_cause, pflags, src_cause, pvalues = self.made[proto]
            values = {**values, **{n: v for n, v in pvalues.items() if n != "y"}}
            origins = {n: "proto" for n in values} | {"y": "user"}
            causes = {n: pflags.get(n) for n in values if n != "y"}
            params = {"flags": {"y": values["y"]}}
        if batch:
            origins["x"] = "batch"
            params = {"flags": {}, "trial": trial}
        created = replace(
            t["RunCreated"], random_seed=self.rng.getrandbits(32), proto=proto, batch=batch, params=params
        )
        created_seq = self.add(rid, created, created_cause)
        flag_seqs = {n: self.add(rid, FlagSet(n, values[n], origins[n]), causes.get(n)) for n in sorted(values)}
        self.add(rid, LabelSet(f"x={values['x']:.2f} y={values['y']} z={values['z']}"))
        src = t["SourcecodeCopied"]
        if proto:
            src = replace(src, origin="proto", from_run=proto)
        src_seq = self.add(rid, src, src_cause)
        self.add(rid, replace(t["RunStarted"], cwd=str(self.home / "runs" / rid)))
        self.add(rid, t["OutputCaptured"])
        self.add(rid, ScalarLogged("loss", float(values["x"]), 0))
        self.add(rid, RunStopped("completed", 0))
        self.made[rid] = (created_seq, flag_seqs, src_seq, values)
        return rid

    def batch(self, i: int, trials: int) -> str:
        from dataclasses import replace

        from ledger.events import LabelSet, RunDeleted, RunStopped, TrialSpawned
        from ledger.executor.batch_spec import BatchSpec
        from ledger.executor.plan import Flag
        from ledger.executor.values import Values

        t, bid = self.t, self.new_id()
        grid = tuple(float(k) for k in range(1, trials + 1))
        spec = BatchSpec(
            flags={"x": Flag(Values(grid), "user"), "y": Flag(2, "default"), "z": Flag("a", "default")},
            optimizer="+",
            opt_flags={},
            opt_flags_given={},
            trials=None,
            keep_batch=False,
        )
        self.add(
            bid,
            replace(
                t["RunCreated"],
                op=t["RunCreated"].op + "+",
                kind="batch",
                params=spec.params(),
                random_seed=self.rng.getrandbits(32),
            ),
        )
        self.add(bid, LabelSet(""))
        self.add(bid, t["SourcecodeCopied"])
        self.add(bid, replace(t["RunStarted"], cwd=str(self.home / "runs" / bid)))
        for k, x in enumerate(grid):
            values = {"x": x, "y": 2, "z": "a"}
            # the trial's id is drawn first so TrialSpawned can name it, as the batch does
            state = self.rng.getstate()
            tid = self.new_id()
            self.rng.setstate(state)
            self.add(bid, TrialSpawned(trial=tid, index=k, flags=values))
            self.run(i + k + 1, batch=bid, trial=k, values=values)
        self.add(bid, RunStopped("completed", 0))
        self.add(bid, RunDeleted())
        return bid


def copy_home(src: Path, dest: Path) -> Path:
    """A throw-away copy of a cached home, for benchmarks that append to it."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("index.lock"))
    return dest


def main_guard(fn: Callable[[], None]) -> None:
    """Run a benchmark; a failed command is reported, never a traceback, and
    the exit status stays 0 (a missed figure is a result)."""
    try:
        fn()
    except BenchError as e:
        print(f"ERROR: {e}", flush=True)
    sys.exit(0)
