"""Every command explains itself: `--help` works and shows an example."""

from __future__ import annotations

import re
import subprocess
import sys


def ledger(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ledger", *args], capture_output=True, text=True, timeout=60)


def commands() -> list[str]:
    out = ledger("--help").stdout
    listed = out.split("Commands:", 1)[1]
    return re.findall(r"^  (\w+)\s", listed, flags=re.M)


def test_every_command_has_help_with_an_example() -> None:
    names = commands()
    assert {"run", "runs", "select", "cat", "ls", "sql", "lineage", "verify"} <= set(names)
    for name in names:
        result = ledger(name, "--help")
        assert result.returncode == 0, (name, result.stderr)
        assert "Example: ledger " in result.stdout.replace("\n", " "), f"`ledger {name} --help` shows no example"
