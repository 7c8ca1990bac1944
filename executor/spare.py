"""A Python interpreter started ahead of the run it will serve.

Two interpreter starts are most of `ledger run`'s cost. The run's own
interpreter cannot start after ledger has planned the run, but it need not
wait for it either: a spare is started first (`prestart`) and waits on its
stdin while this process imports, plans and appends; then `hand` sends it
the run (working directory, environment, op_main's arguments and input) and
it becomes exactly the process `python -u op_main.py ARGS` would have been,
in a fresh interpreter, on the machine's other core. A batch keeps one
spare ready for its next trial the same way.

A spare is only used when it is what a fresh start would be: the same
interpreter, and the same PYTHON* variables (they shape the interpreter as
it starts; PYTHONPATH excepted, which op_main applies to sys.path).
"""

from __future__ import annotations

import _thread
import marshal
import os
import sys

from ledger.executor.process import Process

OP_MAIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "op_main.py")

_lock = _thread.allocate_lock()
_spare: tuple[Process, str, dict[str, str]] | None = None  # process, python, startup env
_refill = False  # start the next spare as soon as one is taken (a batch's trials)


def op_main_argv(python: str = sys.executable) -> list[str]:
    """How a run's main module is started: op_main by path, not `-m`
    (runpy's import is a measurable part of every run's start-up)."""
    return [python, "-u", OP_MAIN]


def prestart(python: str = sys.executable) -> None:
    """Start a spare now, unless one is waiting already."""
    global _spare
    with _lock:
        if _spare is not None:
            return
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        try:
            proc = Process([*op_main_argv(python), "--wait", str(os.getpid())], env)
        except OSError:
            return  # the run will start its interpreter itself, and report why it cannot
        _spare = (proc, python, env)


def keep_ready(on: bool = True) -> None:
    """While on, taking the spare starts the next one (for a batch)."""
    global _refill
    _refill = on
    if on:
        prestart()
    else:
        discard()


def hand(argv: list[str], cwd: str, env: dict[str, str], stdin: bytes | None) -> Process | None:
    """The spare, now running `argv` (op_main's command line) in `cwd` with
    `env`; None when there is no spare that fits, and the caller starts the
    process itself."""
    global _spare
    base = op_main_argv(argv[0]) if argv else []
    if argv[: len(base)] != base:
        return None
    with _lock:
        spare, _spare = _spare, None
    try:
        if spare is None:
            return None
        proc, python, startup = spare
        if python != argv[0] or _shaping(startup) != _shaping(env):
            _stop(proc)
            return None
        try:
            proc.send(marshal.dumps((str(cwd), env, argv[len(base) :], stdin)))
        except BrokenPipeError:  # it died waiting (Ctrl-C, say): a fresh start will do
            _stop(proc)
            return None
        return proc
    finally:
        if _refill:
            prestart(argv[0])


def discard() -> None:
    """Stop the spare, if any: nothing more to run."""
    global _spare
    with _lock:
        spare, _spare = _spare, None
    if spare is not None:
        _stop(spare[0])


def _stop(proc: Process) -> None:
    proc.kill()  # it has run no user code: nothing to lose
    proc.wait()
    proc.close()


def _shaping(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith("PYTHON") and k != "PYTHONPATH"}
