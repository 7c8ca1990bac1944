"""Saved queries: `.sql` files shipped in `ledger.queries` and the user's
own in `$LEDGER_HOME/queries/`, each run in the sandbox of `ledger sql`
with its declared `$NAME` parameters."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.home import Home
from ledger.projections.sql import QueryError, run_sql

if TYPE_CHECKING:
    import duckdb

_PARAM = re.compile(r"--\s*param\s+(\w+)\s*(=\s*([^:]*?))?\s*:\s*(.*)$")


def _package_dir() -> Path:
    return Path(str(files("ledger.queries")))


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    default: str | None = None  # None: required


@dataclass(frozen=True)
class SavedQuery:
    """A `.sql` file: its first comment line is the description, lines
    `-- param NAME[=DEFAULT]: text` declare `$NAME` parameters."""

    name: str
    description: str
    sql: str
    path: Path
    source: str  # "package" or "user"
    params: tuple[Param, ...] = field(default_factory=tuple)
    problem: str | None = None  # why the file cannot be used (it is still listed, with this)


def parse_saved(path: Path, source: str) -> SavedQuery:
    """The query in `path`; one that cannot be read is kept with its
    problem, so one bad file does not hide the others."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        problem = f"{path} is not UTF-8 text (byte {e.object[e.start]:#04x} at offset {e.start}); save it as UTF-8"
        return SavedQuery(path.stem, f"cannot be read: {problem}", "", path, source, problem=problem)
    except OSError as e:
        problem = f"cannot read {path}: {e.strerror}; check the file"
        return SavedQuery(path.stem, problem, "", path, source, problem=problem)
    description = ""
    params = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            if stripped:
                break
            continue
        m = _PARAM.match(stripped)
        if m:
            name, has_default, default, desc = m.groups()
            params.append(Param(name, desc.strip(), (default or "").strip().strip("'\"") if has_default else None))
        elif not description:
            description = stripped.lstrip("-").strip()
    return SavedQuery(path.stem, description, text, path, source, tuple(params))


def saved_queries(home: Home) -> dict[str, SavedQuery]:
    """Every saved query by name; the user's own override shipped ones."""
    found: dict[str, SavedQuery] = {}
    for folder, source in ((_package_dir(), "package"), (home.queries_dir, "user")):
        if folder.is_dir():
            for path in sorted(folder.glob("*.sql")):
                if path.is_file():  # not a folder, nor a FIFO that would block the read
                    found[path.stem] = parse_saved(path, source)
    return dict(sorted(found.items()))


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"--param {pair!r} is not key=value; write e.g. --param run=abc123")
        out[key.strip()] = value
    return out


def run_saved(
    home: Home,
    name: str,
    params: Mapping[str, str] | None = None,
    *,
    writes_to: Path | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> duckdb.DuckDBPyRelation:
    """Run saved query `name` with `params`. Values are passed as strings
    (a run id like `12e4...` must not turn into a number): a query casts
    where it needs another type, e.g. `$lines::INTEGER`."""
    queries = saved_queries(home)
    query = queries.get(name)
    if query is None:
        raise QueryError(f"no saved query named {name!r}; `ledger query --list` shows them")
    if query.problem:
        raise QueryError(f"saved query {name}: {query.problem}")
    given = dict(params or {})
    declared = {p.name for p in query.params}
    unknown = sorted(set(given) - declared)
    if unknown:
        hint = ", ".join(sorted(declared)) or "none"
        raise QueryError(f"query {name} has no parameter {unknown[0]!r} (its parameters: {hint})")
    values: dict[str, Any] = {}
    for p in query.params:
        if p.name in given:
            values[p.name] = given[p.name]
        elif p.default is not None:
            values[p.name] = p.default
        else:
            raise QueryError(f"query {name} needs --param {p.name}=VALUE ({p.description})")
    used = [p.name for p in query.params if re.search(rf"\${p.name}\b", query.sql)]
    return run_sql(home, query.sql, {k: values[k] for k in used}, writes_to=writes_to, con=con)
