"""What a run's process executes: `python -u .../executor/op_main.py [--flags-fd FD] MAIN [ARGS...]`,
or `python -I -S .../executor/op_main.py --exec COMMAND [ARGS...]`.

MAIN is a script path (`echo.py`, `src/train`) or a module name (`echo`,
`pkg.train`) under the current directory (the run directory); `find_main`
says which file that is, here and when ledger plans the run. ARGS become
sys.argv[1:]. The script runs as `__main__`, and the process exits as
`python SCRIPT` would; `ps` shows the script's name on the command line.

With `--flags-fd FD`, ledger sends the run's globals flags on that pipe,
marshalled with the script already compiled with its module-level
assignments rewritten to them (see ledger.executor.run.flags_payload). The
pipe, not stdin: a run's stdin is the user's, for input() and pdb.

With `--exec`, the process becomes COMMAND (an `exec:` operation's, found
on PATH as a shell would), with the environment and directory ledger gave
it. Either way it first asks to be killed when the ledger process that
started it dies (Linux's PR_SET_PDEATHSIG, which survives the exec): this
is the one place that does.

This module runs inside the user's interpreter: it imports only the
standard library, nothing else of ledger.
"""

from __future__ import annotations

import importlib
import marshal
import os
import signal
import sys
import types
from collections.abc import Callable

USAGE = "usage: python executor/op_main.py [--flags-fd FD] MAIN [ARGS...] | --exec COMMAND [ARGS...]"
# The pid of the ledger process that started this one, which this process
# must not outlive (a killed `ledger run` leaves no orphan computing in the dark).
OWNER_VARIABLE = "LEDGER_OWNER_PID"
_PR_SET_PDEATHSIG = 1


def main(argv: list[str] | None = None) -> None:
    _die_with_owner()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--exec"]:
        execute(argv[1:])
    code, flags = None, None
    if argv[:1] == ["--flags-fd"]:
        if len(argv) < 2 or not (argv[1].isascii() and argv[1].isdigit()):
            raise _fail(USAGE)
        code, flags = _read_payload(int(argv[1]))
        argv = argv[2:]
        # a process started ahead of its run (executor/standby.py) may have
        # looked into the run directory before the source code was there
        importlib.invalidate_caches()
    if not argv:
        raise _fail(USAGE)
    spec, args = argv[0], argv[1:]
    cwd = os.getcwd()
    found = find_main(spec, lambda rel: os.path.isfile(os.path.join(cwd, rel)))
    if found is None:
        raise _fail(f"op_main: cannot find module or script {spec!r} in {cwd}")
    path, package = found
    run(path, args, flags, package, cwd, code)


def _die_with_owner() -> None:
    """Be killed when the owner dies (Linux); killed now if it died already.
    The script does not see the variable."""
    owner = os.environ.pop(OWNER_VARIABLE, "")
    if not (owner.isascii() and owner.isdigit()) or not sys.platform.startswith("linux"):
        return
    import ctypes  # here, not above: ledger imports this module too (find_main) and has no use for it

    try:
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != int(owner):  # it died before the signal was asked for
        os.kill(os.getpid(), signal.SIGKILL)


def execute(argv: list[str]) -> None:
    """Become the command `argv`, with the environment this process was
    given, not Python's: the interpreter may have added LC_CTYPE to its own
    (PEP 538), and the owner's variable is not the command's."""
    if not argv:
        raise _fail(USAGE)
    env = _given_environment()
    env.pop(OWNER_VARIABLE, None)
    try:
        os.execvpe(argv[0], argv, env)
    except OSError as e:
        print(f"op_main: cannot start {argv[0]}: {e.strerror}", file=sys.stderr)
        sys.exit(127)  # as a shell says a command it cannot run


def _given_environment() -> dict[str, str]:
    try:
        with open("/proc/self/environ", "rb") as fh:  # as exec gave it, before the interpreter's changes
            given = fh.read()
    except OSError:
        return dict(os.environ)
    pairs = (entry.partition(b"=") for entry in given.split(b"\0") if entry)
    return {os.fsdecode(name): os.fsdecode(value) for name, _, value in pairs}


def _read_payload(fd: int) -> tuple[types.CodeType | None, dict]:
    with open(fd, "rb") as pipe:  # closes it: the script's own children do not inherit it
        data = pipe.read()
    try:
        code, flags = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        raise _fail("op_main: the flags sent by ledger are incomplete; run the operation again")
    return code, flags


def find_main(spec: str, is_file: Callable[[str], bool]) -> tuple[str, str | None] | None:
    """(path, package) of the file a `main` names, or None. `is_file` says
    whether a path relative to the source root exists.

    `echo.py` is that file; `echo` is echo.py; `pkg.train` is pkg/train.py
    (package `pkg`) or pkg/train/__main__.py (package `pkg.train`); a path
    without `.py` (`src/train`) is src/train.py or src/train/__main__.py
    (package `train`, imported from src)."""
    if spec.endswith(".py"):
        return (spec, None) if is_file(spec) else None
    if "/" in spec:
        prefix, _, name = spec.rstrip("/").rpartition("/")
        parts = [name]
    else:
        prefix, parts = "", spec.split(".")
    base = "/".join(p for p in (prefix, *parts) if p)
    if is_file(base + ".py"):
        return base + ".py", ".".join(parts[:-1]) or None
    if is_file(base + "/__main__.py"):
        return base + "/__main__.py", ".".join(parts)
    return None


def run(path: str, args: list[str], flags: dict | None, package: str | None, cwd: str, code=None) -> None:
    full = os.path.abspath(os.path.join(cwd, path))
    if code is None:
        with open(full, "rb") as fh:  # compile() honours a PEP 263 coding line itself
            code = compile(fh.read(), full, "exec")
    module = types.ModuleType("__main__")
    module.__dict__.update(flags or {})  # a flag the script does not assign is still a global
    module.__file__ = full
    module.__package__ = package
    module.__builtins__ = __builtins__  # type: ignore[attr-defined]
    sys.modules["__main__"] = module
    sys.argv = [path, *args]
    script_dir = os.path.dirname(full)
    root = script_dir  # a script's imports start beside it; a package's where its top package is
    for _ in package.split(".") if package else ():
        root = os.path.dirname(root)
    sys.path[0:1] = [cwd] if root == cwd else [cwd, root]
    try:
        exec(code, module.__dict__)
    except SystemExit:
        raise
    except KeyboardInterrupt as e:
        # a terminal's Ctrl-C reaches this process twice, from the terminal
        # and passed on by ledger: the second must not cut the traceback short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _print_user_traceback(e)
        sys.exit(130)
    except BaseException as e:  # as python itself would: traceback, status 1
        _print_user_traceback(e)
        sys.exit(1)


def _print_user_traceback(e: BaseException) -> None:
    # imported here, as the script failed: every run of a script that does
    # not fail would pay for it
    import traceback

    # Drop the frames of this module so the traceback starts in the script.
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    traceback.print_exception(type(e), e, tb)
    sys.stderr.flush()


def _fail(message: str) -> SystemExit:
    """Say what is wrong; the exit to raise (status 2, a usage error)."""
    print(message, file=sys.stderr)
    return SystemExit(2)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        # Ctrl-C before the script began, or a second one while its traceback
        # printed: the frames would be ledger's, not the script's
        sys.exit(130)
