"""What a requirement is, as a project file declares it: `requires:` and
`env:` normalised to plain values (stored with the operation), apart from
resolving them (ledger.executor.requires)."""

from __future__ import annotations

from typing import Any

from ledger.errors import ProjectError
from ledger.executor import config_files
from ledger.executor.values import format_value

SOURCE_KEYS = ("operation", "file", "url", "module", "config")
ENTRY_KEYS = frozenset(
    {
        "operation", "file", "config", "name", "select", "target-path", "path", "target-type", "rename",
        "description", "flag-name", "always-pull", "optional", "help", "sha256", "post-process",
    }
)  # fmt: skip



def normalize_requires(v: Any, where: str) -> tuple:
    """`requires:` as a tuple of plain dicts: {"kind", "source", "select",
    "target_path", "target_type", "rename", "name"}; ProjectError when it
    cannot be used."""
    if v is None:
        return ()
    items = v if isinstance(v, list) else [v]
    out = []
    for item in items:
        if isinstance(item, str):
            raise ProjectError(
                f"{where}: requirement {item!r} names a model resource, which ledger does not support; "
                f"write `- operation: {item}` or `- file: {item}`"
            )
        if not isinstance(item, dict):
            raise ProjectError(f"{where}: invalid requirement {item!r}; write `- operation: NAME` or `- file: PATH`")
        sources = [k for k in SOURCE_KEYS if k in item]
        if len(sources) != 1 or sources[0] not in ("operation", "file", "config"):
            raise ProjectError(
                f"{where}: requirement {item!r} is not supported;"
                " ledger resolves `operation:`, `file:` and `config:` sources"
            )
        unknown = sorted(str(k) for k in item if str(k) not in ENTRY_KEYS)
        if unknown:
            raise ProjectError(f"{where}: requirement {item!r}: `{unknown[0]}` is not supported by ledger")
        kind = sources[0]
        source = str(item[kind] or "").strip()
        if not source:
            raise ProjectError(f"{where}: requirement {item!r} has an empty `{kind}`")
        target_type = item.get("target-type") or ("link" if kind == "operation" else "copy")
        if target_type not in ("link", "copy"):
            raise ProjectError(f"{where}: requirement {source!r}: target-type must be link or copy")
        if kind == "config" and (target_type != "copy" or item.get("select")):
            # the run gets the file written with its flags: there is nothing to link or select
            raise ProjectError(
                f"{where}: requirement {source!r}: a config file is written whole for the run;"
                " drop `select` and `target-type`"
            )
        req = {
            "kind": kind,
            "source": source,
            "select": [str(s) for s in _as_list(item.get("select"))],
            "target_path": str(item.get("target-path") or item.get("path") or ""),
            "target_type": target_type,
            "rename": _renames(item.get("rename"), where),
            "name": str(item.get("name") or item.get("flag-name") or source),
        }
        if kind == "config":
            try:
                config_files.dest_of(req)
            except ProjectError as e:
                raise ProjectError(f"{where}: {e}") from None
        out.append(req)
    return tuple(out)


def normalize_env(v: Any, where: str) -> dict[str, str]:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise ProjectError(f"{where}: `env` must be a map of NAME: VALUE")
    return {str(k): x if isinstance(x, str) else format_value(x) for k, x in v.items()}


def _renames(v: Any, where: str) -> list[list[str]]:
    """`rename: "from to"`, or a list of those or of {pattern, repl} maps."""
    out = []
    for item in _as_list(v):
        if isinstance(item, str):
            parts = item.split()
            if len(parts) != 2:
                raise ProjectError(f"{where}: invalid rename {item!r}; write `rename: PATTERN REPLACEMENT`")
            out.append(parts)
        elif isinstance(item, dict) and "pattern" in item:
            out.append([str(item["pattern"]), str(item.get("repl") or "")])
        else:
            raise ProjectError(f"{where}: invalid rename {item!r}; write `rename: PATTERN REPLACEMENT`")
    return out


def _as_list(v: Any) -> list:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]
