"""Batch files: trials listed in a CSV, JSON or YAML file (`ledger run op @trials.csv`).

A CSV file has a header row of flag names and one row per trial; a JSON or
YAML file is a list of maps of flag name to value (a single map is one
trial). `save` writes trials back in the form the extension names, so
`--save-trials trials.csv` then `@trials.csv` runs the same batch.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from ledger.errors import FlagError
from ledger.executor.values import decode, format_value

FORMATS = {".csv": "csv", ".json": "json", ".yml": "yaml", ".yaml": "yaml"}


def split_args(args: list[str]) -> tuple[list[str], list[str]]:
    """(batch file paths, other arguments): `@trials.csv` names a batch file."""
    files = [a[1:] for a in args if a.startswith("@")]
    return files, [a for a in args if not a.startswith("@")]


def load_all(paths: list[str], cwd: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The trials of every file, in the order given."""
    out: list[dict[str, Any]] = []
    for path in paths:
        out.extend(load(Path(cwd, path), path))
    return out


def load(full: Path, shown: str) -> list[dict[str, Any]]:
    kind = FORMATS.get(full.suffix.lower())
    if kind is None:
        raise FlagError(f"unsupported batch file extension for {shown}; use .csv, .json, .yml or .yaml")
    try:
        text = full.read_bytes().decode("utf-8")
    except OSError as e:
        raise FlagError(f"cannot read batch file {shown}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise FlagError(f"batch file {shown} is not UTF-8 text") from None
    if kind == "csv":
        return _csv_trials(text, shown)
    return _structured_trials(text, shown, kind)


def save(path: str | os.PathLike[str], trials: list[dict[str, Any]]) -> None:
    """Write `trials` to `path` in the format its extension names (CSV by default)."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower(), "csv")
    names = sorted({name for trial in trials for name in trial})
    if kind == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(names)
        for trial in trials:
            writer.writerow([_csv_cell(trial[n]) if n in trial else "" for n in names])
        text = buf.getvalue()
    elif kind == "json":
        text = json.dumps(trials, indent=2) + "\n"
    else:
        import yaml  # heavy: only for a YAML batch file

        text = yaml.safe_dump(trials, default_flow_style=False, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- helpers -----------------------------------------------------------------


def _csv_cell(value: Any) -> str:
    return value if isinstance(value, str) else format_value(value)


def _csv_trials(text: str, shown: str) -> list[dict[str, Any]]:
    rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
    if not rows:
        raise FlagError(f"batch file {shown} is empty: give a header row of flag names, then one row per trial")
    header = [name.strip() for name in rows[0]]
    if not all(header) or len(set(header)) != len(header):
        raise FlagError(f"batch file {shown}: the header row must name each flag once, e.g. `x,y`")
    trials = []
    for lineno, row in enumerate(rows[1:], 2):
        if len(row) > len(header):
            raise FlagError(f"batch file {shown}: line {lineno} has {len(row)} values for {len(header)} flags")
        trials.append({name: decode(value) for name, value in zip(header, row)})
    return trials


def _structured_trials(text: str, shown: str, kind: str) -> list[dict[str, Any]]:
    if kind == "json":
        try:
            data = json.loads(text)
        except ValueError as e:
            raise FlagError(f"batch file {shown} is not valid JSON: {e}") from None
    else:
        import yaml  # heavy: only for a YAML batch file

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise FlagError(f"batch file {shown} is not valid YAML{where}") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise FlagError(f"batch file {shown} must hold a list of maps of flag values, e.g. `- {{x: 1}}`")
    return [{str(k): v for k, v in item.items()} for item in data]
