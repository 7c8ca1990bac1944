"""Bytes a small run costs on disk: `ledger run echo -y` against Guild AI's
`guild run echo -y`, each in a fresh home (examples/optimizers).

Printed for each: the bytes on disk (blocks, as `du` counts them) and of
content, of the first run and of a second one (whose source files are
already stored), with where they go (log, blobs, run directory). A
measurement, not a timing: no target, one run is enough.

    .venv/bin/python bench/bench_bytes.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness as h  # noqa: E402


def kib(n: int) -> str:
    return f"{n / 1024:.0f} KiB"


def parts(home: Path) -> str:
    return ", ".join(f"{p.name} {kib(h.du_bytes(p)[0])}" for p in sorted(home.iterdir()) if p.is_dir())


def bench() -> None:
    print(h.machine_note(), flush=True)
    work = h.scratch("bytes")
    ledger_home, guild_home = work / "ledger-home", work / "guild-home"
    echo, guild_echo = h.project_copy(work / "echo"), h.project_copy(work / "guild-echo")
    guild = h.guild()
    guild_home.mkdir()  # Guild does not create its home
    for name, argv, cwd, env, home in (
        ("ledger", [h.LEDGER, "run", "echo", "-y"], echo, h.env_for(ledger_home), ledger_home),
        (f"guild {h.GUILD_VERSION}", [guild, "run", "echo", "-y"], guild_echo,
         h.env_for(None, GUILD_HOME=str(guild_home)), guild_home),
    ):  # fmt: skip
        h.run(argv, cwd, env)
        first = h.du_bytes(home)
        h.run([*argv[:-1], "x=2", "-y"], cwd, env)
        second = h.du_bytes(home)
        h.info_line(
            "bytes-per-run",
            f"{name}: first run {kib(first[0])} on disk ({kib(first[1])} of content), second run"
            f" +{kib(second[0] - first[0])} (+{kib(second[1] - first[1])}); home after two: {parts(home)}",
        )


def main() -> None:
    h.main_guard(bench)


if __name__ == "__main__":
    main()
