"""Whether a planned run's process can start, asked before anything is appended.

A start that fails (a program that is not installed, a file that is not a
program, quotes that do not close) is bad input: it must be refused in one
line with nothing recorded, not appended as a run that errored.
"""

from __future__ import annotations

import os
import posixpath
import shutil
from collections.abc import Callable

from ledger.errors import ProjectError
from ledger.executor import plan
from ledger.executor.plan import RunSpec
from ledger.executor.run import Prepared

# the first bytes of a file execve(2) runs: a script with its interpreter, or
# a Linux binary
_PROGRAM_MAGIC = (b"#!", b"\x7fELF")


def check_prepared(prepared: Prepared) -> None:
    """check_startable for a run as prepared (its project files at hand)."""
    check_startable(prepared.spec, prepared.sources.get)


def check_startable(spec: RunSpec, read_source: Callable[[str], bytes | None]) -> None:
    """ProjectError when the run's process cannot be started: its command
    line cannot be built, or its program is missing, not executable, not
    readable or not a program. `read_source(path)` gives a source file's
    bytes (None when they are not at hand)."""
    opdef = spec.opdef
    try:
        argv = plan.command(opdef, spec.flag_values)
    except ValueError as e:  # shlex: quotes that do not close
        field = "exec" if opdef.exec else "main"
        text = opdef.exec if opdef.exec else opdef.main
        raise ProjectError(
            f"operation {opdef.name!r}: cannot split `{field}: {text}` into arguments ({e}); check its quotes"
        ) from None
    if not argv:
        raise ProjectError(f"operation {opdef.name!r}: `exec` is empty; give the command to run")
    if opdef.exec:
        _check_program(argv[0], spec, read_source)


def _check_program(program: str, spec: RunSpec, read_source: Callable[[str], bytes | None]) -> None:
    if "/" not in program:
        if shutil.which(program) is None:
            raise ProjectError(
                f"cannot find program {program!r} on PATH; install it, or check `exec` of operation {spec.op!r}"
            )
        return
    if os.path.isabs(program):
        _check_file(program, program)
        return
    # a path relative to the run directory, which holds the run's source files
    rel = posixpath.normpath(program)
    source = {f.path: f for f in spec.source.files}
    if rel not in source:
        raise ProjectError(
            f"{program} is not in the run's source code, so the run cannot start it;"
            " check the path, or select it with a `sourcecode:` rule"
        )
    if not source[rel].mode & 0o111:
        raise ProjectError(f"{rel} is not executable; make it so (chmod +x {rel}), or run a Python script (.py)")
    data = read_source(rel)
    if data is not None and not data.startswith(_PROGRAM_MAGIC):
        raise ProjectError(
            f"{rel} is neither a program nor a script that names its interpreter (#!);"
            " add a #! line, or run a Python script (.py)"
        )


def _check_file(path: str, shown: str) -> None:
    if not os.path.isfile(path):
        raise ProjectError(f"{shown} is not a file; give a program or a script to run")
    if not os.access(path, os.X_OK):
        raise ProjectError(
            f"{shown} is not executable; give a Python script (.py), or a program or script with execute permission"
        )
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return  # execute-only: the system can still run it
    if not head.startswith(_PROGRAM_MAGIC):
        raise ProjectError(
            f"{shown} is neither a program nor a script that names its interpreter (#!);"
            " add a #! line, or give a Python script (.py)"
        )
