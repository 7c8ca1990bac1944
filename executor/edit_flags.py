"""`ledger run --edit-flags`: the run's flags in an editor before it runs,
as Guild does. The editor is $VISUAL, else $EDITOR, else vi; the file holds
one `name: value` line per flag, values written as on the command line."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile

from ledger.errors import LedgerError
from ledger.executor.plan import Flag
from ledger.executor.values import format_value


def edited_args(args: list[str], flags: dict[str, Flag], op: str) -> list[str]:
    """`args` (the operation, flags and batch files as given) with the flag
    assignments replaced by the edited flags: each changed value, and each
    value given before; a flag whose line was deleted takes its default."""
    before = {name: format_value(flag.value) for name, flag in sorted(flags.items())}
    after = _edit(before, op)
    given = {a.partition("=")[0].strip() for a in args if "=" in a}
    kept = [a for a in args if "=" not in a]
    return kept + [f"{name}={text}" for name, text in after.items() if name in given or before.get(name) != text]


def _edit(values: dict[str, str], op: str) -> dict[str, str]:
    head = f"# Flags of {op}: change values, save and quit to run; a deleted line takes the flag's default.\n"
    body = "".join(f"{name}: {text}\n" for name, text in values.items())
    fd, path = tempfile.mkstemp(prefix="ledger-flags-", suffix=".yml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(head + body)
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        try:
            code = subprocess.run([*shlex.split(editor), path]).returncode
        except (OSError, ValueError) as e:
            raise LedgerError(f"cannot start the editor {editor!r} ({e}); set VISUAL or EDITOR") from None
        if code != 0:
            raise LedgerError(f"the editor exited with status {code}; nothing ran")
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    finally:
        os.unlink(path)
    return _parse(text)


def _parse(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise LedgerError(f"line {number} of the edited flags is not NAME: VALUE ({line.strip()!r}); nothing ran")
        out[name.strip()] = value.strip()
    return out
