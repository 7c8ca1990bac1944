"""A run reads the terminal ledger runs in: `input()` and `breakpoint()`
work, while the flags of a globals-style script reach it on a pipe of its
own, never on standard input."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.conftest import Ledger, with_scripts

ASK = """\
greeting = "hello"
name = input("name? ")
print(f"{greeting}, {name}!")
breakpoint()
print("done")
"""


class Terminal:
    """`ledger ARGS` with stdin, stdout and stderr on a pseudo-terminal."""

    def __init__(self, ledger: Ledger, *args: str) -> None:
        self.leader, follower = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k != "PYTHONBREAKPOINT"}
        env.update(LEDGER_HOME=str(ledger.home), TERM="dumb")
        self.proc = subprocess.Popen([sys.executable, "-m", "ledger", *args], cwd=ledger.cwd, env=env,
                                     stdin=follower, stdout=follower, stderr=follower, start_new_session=True)  # fmt: skip
        os.close(follower)
        self.seen = b""

    def expect(self, text: str, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        while text.encode() not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"no {text!r} on the terminal; it shows:\n{self.seen.decode(errors='replace')}"
            if select.select([self.leader], [], [], left)[0]:
                try:
                    chunk = os.read(self.leader, 4096)
                except OSError:  # the terminal closed
                    chunk = b""
                assert chunk, f"the terminal closed before {text!r}:\n{self.seen.decode(errors='replace')}"
                self.seen += chunk

    def type(self, line: str) -> None:
        os.write(self.leader, line.encode() + b"\n")

    def close(self) -> int:
        code = self.proc.wait(timeout=30)
        os.close(self.leader)
        return code


def test_input_and_breakpoint_read_the_terminal(tmp_path: Path) -> None:
    ledger = with_scripts(tmp_path, {"ask.py": ASK})
    terminal = Terminal(ledger, "run", "ask.py", "greeting=hi", "-y")
    try:
        terminal.expect("name? ")
        terminal.type("world")
        terminal.expect("hi, world!")
        terminal.expect("(Pdb)")
        terminal.type("p greeting * 2")
        terminal.expect("'hihi'")
        terminal.type("c")
        terminal.expect("done")
    finally:
        code = terminal.close()
    assert code == 0
    output = ledger("cat", "--output", "1").out
    assert "name? " in output and "hi, world!" in output and output.endswith("done\n")


def test_trials_run_side_by_side_read_no_terminal(tmp_path: Path) -> None:
    """--workers 2: each trial runs in a process group of its own, outside
    the terminal's job, where a read would stop it for good; its input()
    meets the end of its input at once instead."""
    script = 'x = 1\ntry:\n    input("name? ")\nexcept EOFError:\n    print("no terminal")\n'
    ledger = with_scripts(tmp_path, {"ask.py": script})
    terminal = Terminal(ledger, "run", "ask.py", "x=[1,2]", "--workers", "2", "-y")
    try:
        terminal.expect("no terminal")
    finally:
        code = terminal.close()
    assert code == 0
    assert all("no terminal" in ledger("cat", "--output", index).out for index in ("1", "2"))
