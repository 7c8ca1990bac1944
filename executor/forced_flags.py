"""`ledger run --force-flags`: flags the operation does not define, and
values its flags would refuse, accepted as Guild accepts them.

The run's operation is changed to match, and recorded so: an undefined flag
gets an untyped definition of its own, and a defined flag given a value its
type, choices or bounds refuse loses those checks. A proto of the run then
replays what it ran with.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ledger.errors import FlagError
from ledger.executor.flags import resolve
from ledger.executor.opdef import FlagDef, OpDef


def force(opdef: OpDef, given: dict[str, Any]) -> OpDef:
    """`opdef` accepting every assignment in `given` (name -> value as typed)."""
    flags = dict(opdef.flags)
    for name, raw in given.items():
        flagdef = flags.get(name)
        if flagdef is None:
            flags[name] = FlagDef(name=name)
        elif not _accepts(opdef, flagdef, raw):
            flags[name] = replace(flagdef, type=None, choices=None, min=None, max=None)
    return opdef.replace(flags=flags)


def _accepts(opdef: OpDef, flagdef: FlagDef, raw: Any) -> bool:
    alone = opdef.replace(flags={flagdef.name: replace(flagdef, required=False)})
    try:
        resolve(alone, {flagdef.name: raw})
    except FlagError:
        return False
    return True
