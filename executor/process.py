"""Child processes without the subprocess module.

subprocess brings threading, locale, contextlib and more on import: a cost
on every `ledger run`, whose whole start-up is measured against a bare
`python script.py`. The children on that path (the spare interpreter, git's
dirty check) need little: argv, env, pipes, wait and signals.
"""

from __future__ import annotations

import os
import select
import signal
import time


class Process:
    """A child whose standard streams in `piped` (0, 1, 2) are pipes held
    here as `stdin`, `stdout`, `stderr` (unbuffered files); the others are
    /dev/null. `search` looks argv[0] up on PATH. Raises OSError when it
    cannot start."""

    def __init__(self, argv: list[str], env: dict[str, str], piped: tuple[int, ...] = (0, 1, 2),
                 search: bool = False) -> None:  # fmt: skip
        ours: dict[int, int] = {}  # child fd -> our end
        theirs: list[int] = []
        actions: list[tuple] = []
        try:
            for fd in (0, 1, 2):
                if fd in piped:
                    r, w = os.pipe()  # non-inheritable: only the dup2'd end reaches the child
                    mine, child = (w, r) if fd == 0 else (r, w)
                    ours[fd] = mine
                    theirs.append(child)
                    actions.append((os.POSIX_SPAWN_DUP2, child, fd))
                else:
                    actions.append((os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0))
            spawn = os.posix_spawnp if search else os.posix_spawn
            # SIGPIPE and SIGXFSZ back to their defaults, as subprocess does
            self.pid = spawn(argv[0], argv, env, file_actions=actions, setsigdef=(signal.SIGPIPE, signal.SIGXFSZ))
        except BaseException:
            for fd in (*ours.values(), *theirs):
                os.close(fd)
            raise
        for fd in theirs:
            os.close(fd)
        self.stdin = open(ours[0], "wb", buffering=0) if 0 in ours else None
        self.stdout = open(ours[1], "rb", buffering=0) if 1 in ours else None
        self.stderr = open(ours[2], "rb", buffering=0) if 2 in ours else None
        self.returncode: int | None = None

    def send(self, data: bytes) -> None:
        """Write all of `data` to its stdin, then close it."""
        assert self.stdin is not None
        view = memoryview(data)
        try:
            while view:
                view = view[self.stdin.write(view) :]
        finally:
            self.stdin.close()

    def read_all(self, timeout: float) -> bytes | None:
        """Its whole stdout, or None (and it is killed) after `timeout` seconds."""
        assert self.stdout is not None
        deadline = time.monotonic() + timeout
        chunks = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.stdout], [], [], left)[0]:
                self.kill()
                return None
            data = self.stdout.read(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)

    def wait(self) -> int:
        """Its exit status (negative: the signal that ended it)."""
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def close(self) -> None:
        for f in (self.stdin, self.stdout, self.stderr):
            if f is not None:
                f.close()
