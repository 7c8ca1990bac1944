"""Flags written into a config file: `flags-dest: config:FILE`, as Guild does it.

The project's config file (YAML, JSON or INI, optionally named `FILE.in`)
gives the operation its flags: nested keys become dotted flag names
(`strings.s1`), an INI file's DEFAULT keys are top-level names and each
section's keys are `SECTION.key`. Each run gets a copy of that file at the
root of its run directory (its name without `.in`) with the run's flag
values written in, nested structure kept; the script reads it there.

The legacy spelling `flags-dest: config.yml` writes the flags alone, in a
YAML file of that name: no file is read from the project.

yaml and configparser are imported only here, when an operation uses a
config file.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ledger.errors import DependencyError, ProjectError
from ledger.executor.flags import split_value
from ledger.executor.opdef import LEGACY_CONFIG_DESTS, FlagDef, OpDef
from ledger.executor.script_ast import global_type, list_flagdef

FORMATS = {".yml": "yaml", ".yaml": "yaml", ".json": "json", ".ini": "ini", ".cfg": "ini"}


@dataclass(frozen=True)
class ConfigDest:
    """Where an operation's flags are written: `source` relative to the
    project, `target` in the run directory, `legacy` when no project file is read."""

    source: str
    target: str
    format: str
    legacy: bool = False

    @property
    def name(self) -> str:
        return f"config:{self.source}"


def parse_dest(dest: str) -> ConfigDest | None:
    """The config file a flags-dest names, None when it names none;
    ProjectError when its kind of file is not one ledger can write."""
    if dest in LEGACY_CONFIG_DESTS:
        return ConfigDest(dest, dest, FORMATS[PurePosixPath(dest).suffix], legacy=True)
    kind, sep, path = dest.partition(":")
    if not sep or kind != "config":
        return None
    name = PurePosixPath(path).name
    target = name[:-3] if name.endswith(".in") else name
    return ConfigDest(path, target, format_of(path))


def format_of(path: str, strict: bool = True) -> str:
    """The format of a config file by its name (`FILE.in` as `FILE`); ""
    when ledger cannot write it, a ProjectError if `strict`."""
    name = PurePosixPath(path).name
    fmt = FORMATS.get(PurePosixPath(name[:-3] if name.endswith(".in") else name).suffix.lower(), "")
    if strict and (not path or not fmt):
        raise ProjectError(
            f"config type for {path or '(no file)'} is not supported; use a .yml/.yaml, .json, .ini or .cfg file"
        )
    return fmt


def of_op(opdef: OpDef) -> ConfigDest | None:
    return parse_dest(opdef.flags_dest) if isinstance(opdef.flags_dest, str) else None


def read_project_config(dest: ConfigDest, project_dir: str | os.PathLike[str]) -> dict:
    """The project's config file as nested data ({} for a legacy destination);
    a missing file is a DependencyError, a malformed one a ProjectError."""
    data = project_bytes(dest, project_dir)
    return {} if data is None else parse_config(data, dest)


def project_bytes(dest: ConfigDest, project_dir: str | os.PathLike[str]) -> bytes | None:
    """The project's config file as it is (None for a legacy destination)."""
    if dest.legacy:
        return None
    path = Path(project_dir, dest.source)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DependencyError(
            f"config file {dest.source} (flags-dest) is not in {project_dir}; create it or fix `flags-dest`"
        ) from None
    except OSError as e:
        raise DependencyError(f"cannot read config file {dest.source}: {e.strerror}; check the file") from None


def flags_of(dest: ConfigDest, project_dir: str | os.PathLike[str]) -> dict[str, FlagDef]:
    """The flags the project's config file gives an operation."""
    return imported_flags(read_project_config(dest, project_dir), typed=dest.format != "ini")


def parse_config(data: bytes, dest: ConfigDest, typed: bool = True) -> dict:
    """The config as nested data; an INI file's values as text unless `typed`."""
    where = f"config file {dest.source}"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProjectError(f"{where} is not UTF-8 text; save it as UTF-8") from None
    if dest.format == "yaml":
        value = _load_yaml(text, where)
    elif dest.format == "json":
        try:
            value = json.loads(text) if text.strip() else {}
        except ValueError as e:
            raise ProjectError(f"{where}: invalid JSON: {e}; fix the syntax") from None
    else:
        value = _load_ini(text, where, typed)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProjectError(f"{where} must hold a map of keys to values, not {type(value).__name__}; fix the file")
    return value


def imported_flags(config: dict, typed: bool = True) -> dict[str, FlagDef]:
    """A flag for each leaf of the config, typed as Guild types imported values:
    numbers are `number`, a list is one value whose items are passed split.
    Not `typed` (an INI file's values, text read as whatever they look
    like), a value given is read the same way: `b=yes` where the file has 0."""
    flags = {}
    for name, value in _flat(config):
        if isinstance(value, list):
            flags[name] = list_flagdef(name, value)
        elif value is None or isinstance(value, (bool, int, float, str)):
            flags[name] = FlagDef(name=name, default=value, type=global_type(value) if typed else None)
    return flags


def written(dest: ConfigDest, data: bytes | None, opdef: OpDef, values: dict[str, Any]) -> bytes:
    """The run's copy of the config file `data` (None: an empty one) with
    each flag's value at the key its arg-name (else its name) dots into.
    An INI file's other values stay as written (`yes` is not made `True`)."""
    merged = {} if data is None else parse_config(data, dest, typed=dest.format != "ini")
    for name, value in sorted(values.items()):
        flagdef = opdef.flags.get(name)
        if flagdef is not None and flagdef.arg_skip:
            continue
        key = (flagdef.arg_name if flagdef is not None else None) or name
        _set_dotted(merged, key, _config_value(value, flagdef))
    if dest.format == "yaml":
        import yaml  # heavy: only for a run that writes a YAML config

        return yaml.safe_dump(merged, default_flow_style=False, sort_keys=True).encode()
    if dest.format == "json":
        return json.dumps(merged, sort_keys=True).encode()
    return _dump_ini(merged).encode()


# --- helpers -----------------------------------------------------------------


def _load_yaml(text: str, where: str) -> Any:
    import yaml  # heavy: only for an operation whose flags live in a YAML file

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ProjectError(f"{where}: invalid YAML{at}: {problem}; fix the syntax") from None


def _load_ini(text: str, where: str, typed: bool = True) -> dict:
    """DEFAULT's keys at the top, each section's own keys under its name,
    each value typed as Guild reads it: int, else float, else boolean, else text."""
    import configparser

    # DEFAULT read as a section of its own, so a section lists only its own keys
    parser = configparser.ConfigParser(default_section="\0", interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as e:
        raise ProjectError(f"{where}: invalid INI: {str(e).splitlines()[0]}; fix the syntax") from None
    out: dict[str, Any] = {}
    for section in parser.sections():
        items = {
            key: _ini_value(parser, section, key) if typed else parser.get(section, key)
            for key in parser.options(section)
        }
        if section == "DEFAULT":
            out.update(items)
        else:
            out[section] = items
    return out


def _ini_value(parser: Any, section: str, key: str) -> Any:
    for read in (parser.getint, parser.getfloat, parser.getboolean):
        try:
            return read(section, key)
        except ValueError:
            continue
    return parser.get(section, key)


def _dump_ini(data: dict) -> str:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    for key, value in sorted(data.items()):
        if not isinstance(value, dict):
            parser["DEFAULT"][key] = str(value)
    for key, value in sorted(data.items()):
        if isinstance(value, dict):
            parser[key] = {k: str(v) for k, v in sorted(_flat(value))}
    out = io.StringIO()
    parser.write(out)
    return out.getvalue()


def _config_value(value: Any, flagdef: FlagDef | None) -> Any:
    value = split_value(value, flagdef)
    return list(value) if isinstance(value, tuple) else value


def _flat(d: dict, prefix: str = ""):
    for key, value in d.items():
        if isinstance(value, dict) and value:
            yield from _flat(value, f"{prefix}{key}.")
        elif not isinstance(value, dict):
            yield f"{prefix}{key}", value


def _set_dotted(d: dict, key: str, value: Any) -> None:
    *path, last = key.split(".")
    for part in path:
        if not isinstance(d.get(part), dict):
            d[part] = {}
        d = d[part]
    d[last] = value
