"""What a run's process executes: `python -u .../executor/op_main.py [--globals LITERAL | --stdin] MAIN [ARGS...]`.

MAIN is a script path (`echo.py`, `src/train`) or a module name (`echo`,
`pkg.train`) under the current directory (the run directory). With
`--globals`, the script's module-level assignments of those names are
rewritten to the given values before it runs (names it does not assign are
pre-set as globals). With `--stdin`, ledger has done that already and sends
the compiled code and the flags, marshalled, on stdin (see `compiled`): the
run's interpreter then imports nothing to apply them. ARGS become
sys.argv[1:]. The script runs as `__main__` and the process exits as
`python SCRIPT` would. With `--wait PID` it is a spare started ahead of its
run (executor/spare.py) and reads the rest of its command line from stdin.

Only the stdlib and ledger.executor.inject are imported: this is on every run's path.
"""

from __future__ import annotations

import os
import sys
import types

# json, tokenize and traceback are imported only when needed: every import
# here is paid by every run before the user's first line executes

USAGE = "usage: python executor/op_main.py [--globals LITERAL | --stdin] MAIN [ARGS...]"


def main(argv: list[str] | None = None, stdin: bytes | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--wait"] and len(argv) == 2:
        argv, stdin = _wait(int(argv[1]))
    code = None
    if argv[:1] == ["--stdin"]:
        # ledger compiled the script with its flags already (see `compiled`)
        import marshal

        code, flags = marshal.loads(sys.stdin.buffer.read() if stdin is None else stdin)
        argv = argv[1:]
    else:
        flags, argv = _take_globals(argv)
    if not argv:
        _fail(USAGE)
    spec, args = argv[0], argv[1:]
    cwd = os.getcwd()
    found = find_main(spec, cwd)
    if found is None:
        _fail(f"op_main: cannot find module or script {spec!r} in {cwd}")
    path, package = found
    run(path, args, flags, package, cwd, code)


def _wait(parent: int) -> tuple[list[str], bytes | None]:
    """As a spare (executor/spare.py): started before its run was planned,
    wait for it on stdin, then become the process of that run. Exits
    quietly when ledger has nothing for it, or is gone."""
    import marshal

    _die_with(parent)
    try:
        data = sys.stdin.buffer.read()
    except KeyboardInterrupt:
        os._exit(130)
    if not data:
        os._exit(0)
    cwd, env, argv, stdin = marshal.loads(data)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    # what a fresh start would have taken from PYTHONPATH: after sys.path[0]
    added = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p not in sys.path]
    sys.path[1:1] = added
    return argv, stdin


def _die_with(parent: int) -> None:
    """SIGKILL when the ledger process dies, so a killed `ledger run` leaves
    no orphan computing in the dark (Linux; elsewhere stdin's end of file
    stops a waiting spare)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before the line above
        os._exit(0)


def compiled(cwd: str, spec: str, flags: dict, cache_dir: str | None = None) -> bytes | None:
    """What `--stdin` reads: the script of MAIN `spec` with its globals
    rewritten to `flags`, compiled, and the flags, marshalled. Done by the
    ledger process, so the run's own interpreter starts as fast as `python
    script.py`; `cache_dir` holds the script's analysis (where to rewrite).
    None when the script cannot be compiled: then the run's process reports
    it, as python would."""
    import marshal

    from ledger.errors import LedgerError
    from ledger.executor.inject import rewrite_globals

    found = find_main(spec, cwd)
    if found is None:
        return None
    full = os.path.abspath(os.path.join(cwd, found[0]))
    try:
        with open(full, "rb") as fh:
            data = fh.read()
        slots = None
        if cache_dir is not None:  # where an unchanged script's slots were kept
            from ledger.executor.project import script_analysis

            slots = script_analysis(data, found[0], cache_dir)["slots"]
        code = compile(rewrite_globals(read_source(data), flags, slots), full, "exec")
        return marshal.dumps((code, flags))
    except (SyntaxError, ValueError, OSError, LedgerError):
        return None


def find_main(spec: str, cwd: str) -> tuple[str, str | None] | None:
    """(path relative to cwd, package) for MAIN, or None when it does not exist."""
    if spec.endswith(".py") or "/" in spec or os.sep in spec:
        rel = spec if spec.endswith(".py") else spec + ".py"
        return (rel, None) if os.path.isfile(os.path.join(cwd, rel)) else None
    parts = spec.split(".")
    base = os.path.join(*parts)
    if os.path.isfile(os.path.join(cwd, base + ".py")):
        return base + ".py", ".".join(parts[:-1]) or None
    if os.path.isfile(os.path.join(cwd, base, "__main__.py")):
        return os.path.join(base, "__main__.py"), spec
    return None


def run(path: str, args: list[str], flags: dict | None, package: str | None, cwd: str, code=None) -> None:
    full = os.path.abspath(os.path.join(cwd, path))
    if code is not None:
        pass  # compiled by ledger, flags applied
    elif flags:
        from ledger.executor.inject import rewrite_globals

        code = compile(rewrite_globals(_read_source(full), flags), full, "exec")
    else:
        with open(full, "rb") as fh:  # compile() honours a PEP 263 coding line itself
            code = compile(fh.read(), full, "exec")
    module = types.ModuleType("__main__")
    module.__dict__.update(flags or {})
    module.__file__ = full
    module.__package__ = package
    module.__builtins__ = __builtins__
    sys.modules["__main__"] = module
    sys.argv = [path] + list(args)
    script_dir = os.path.dirname(full)
    sys.path[0:1] = [cwd] if script_dir == cwd or package else [cwd, script_dir]
    try:
        exec(code, module.__dict__)
    except SystemExit:
        raise
    except KeyboardInterrupt as e:
        _print_user_traceback(e)
        sys.exit(130)
    except BaseException as e:  # as python itself would: traceback, status 1
        _print_user_traceback(e)
        sys.exit(1)


def _take_globals(argv: list[str]) -> tuple[dict | None, list[str]]:
    if argv[:1] == ["--globals"]:
        if len(argv) < 2:
            _fail(USAGE)
        raw, argv = argv[1], argv[2:]
    elif argv and argv[0].startswith("--globals="):
        raw, argv = argv[0].split("=", 1)[1], argv[1:]
    else:
        return None, argv
    flags = _literal(raw)
    if not isinstance(flags, dict):
        _fail("op_main: --globals must be a dict of name: value (a Python or JSON literal)")
    return flags, argv


def _literal(raw: str):
    """--globals as a Python literal (what ledger writes: `ast` is imported
    for the rewrite anyway, while `json` would bring in `re`), else JSON."""
    import ast

    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        import json

        try:
            return json.loads(raw)
        except ValueError as e:
            _fail(f"op_main: --globals is neither a Python nor a JSON literal: {e}")


def read_source(data: bytes) -> str:
    """A script's bytes as python decodes them: a PEP 263 coding line, a BOM."""
    if any(b"coding" in line for line in data.split(b"\n", 2)[:2]):
        import io
        import tokenize  # a PEP 263 declaration: let tokenize read it

        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)  # utf-8-sig drops a BOM
    return data[3:].decode() if data.startswith(b"\xef\xbb\xbf") else data.decode()


def _read_source(full: str) -> str:
    with open(full, "rb") as fh:
        return read_source(fh.read())


def _print_user_traceback(e: BaseException) -> None:
    # Drop the frames of this module so the traceback starts in the script.
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    import traceback

    traceback.print_exception(type(e), e, tb)
    sys.stderr.flush()


def _fail(message: str) -> None:
    print(message, file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
