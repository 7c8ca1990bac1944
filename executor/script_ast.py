"""What a Python script says about its flags, read from its AST.

A script's flags are its module-level literal assignments (`x = 1.0`), or,
when it uses argparse, its `--options`. `analyse` returns them with the
position of each literal assignment (its "slot", which ledger.executor.inject
rewrites), as plain data that can be cached by the script's hash.
"""

from __future__ import annotations

import ast
import io
import tokenize
from typing import Any

from ledger.errors import ProjectError
from ledger.executor.opdef import FlagDef

_LITERAL_TYPES = (bool, int, float, str)
_ARGPARSE_TYPES = {"int": "int", "float": "float", "str": "string", "bool": "boolean"}


def analyse(source: str) -> dict[str, Any]:
    """{"flags": name -> FlagDef as a dict, "dest": "globals" | "args",
    "slots": [[name, line, col, end_line, end_col], ...]} of a script.

    Raises ProjectError when the script is not valid Python."""
    tree = _parse(source)
    flags, dest = _flags(tree)
    return {
        "flags": {n: f.to_dict() for n, f in flags.items()},
        "dest": dest,
        "slots": _slots(tree),
        "params": _params(tree),
        "click": {n: f.to_dict() for n, f in _click_flags(tree).items()},
    }


def literal_slots(source: str) -> list[list]:
    """[name, line, col, end_line, end_col] of each module-level assignment
    of a literal, the places `inject.rewrite_globals` may rewrite."""
    return _slots(ast.parse(source))


def read_source(data: bytes) -> str:
    """A script's bytes as python decodes them: a PEP 263 coding line, a BOM."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)  # utf-8-sig drops a BOM


def type_of(value: Any) -> str | None:
    """The flag type a default value implies: 1.0 -> float, 2 -> int..."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return None


def _flags(tree: ast.Module) -> tuple[dict, str]:
    if _uses_argparse(tree):
        return _argparse_flags(tree), "args"
    flags = {}
    for name, node in _global_assigns(tree):
        if name in flags or name.startswith("_"):
            continue
        if _is_literal_list(node):  # `l = [1, 2, "foo"]`: one flag, `1 2 foo`, split back into a list
            flags[name] = list_flagdef(name, ast.literal_eval(node))
            continue
        if not _is_literal(node):
            continue
        value = _literal(node)  # None too: Guild makes a None global a flag without a default
        flags[name] = FlagDef(name=name, default=value, type=global_type(value))
    return flags, "globals"


def global_type(value: Any) -> str | None:
    """The type Guild gives a flag read from a global: a number default is a
    `number` (so x=2 stays 2 where the script had 1.0), a None one is untyped."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return type_of(value)


def list_flagdef(name: str, items: list) -> FlagDef:
    """A list read from a script or a config file is one flag, as Guild has
    it: its items as text (`1 2 foo`), passed split, each read as a value."""
    text = " ".join(("true" if v else "false") if isinstance(v, bool) else str(v) for v in items)
    return FlagDef(name=name, default=text, arg_split=True)


def _params(tree: ast.Module) -> dict[str, Any]:
    """Module-level dicts and SimpleNamespaces of literals, the places a
    `global:NAME`, `dict:NAME` or `namespace:NAME` flags-dest names:
    name -> {"kind", "value", "slot": [line, col, end_line, end_col], "flags"}."""
    out: dict[str, Any] = {}
    for name, node in _global_assigns(tree):
        kind, value = None, None
        if isinstance(node, ast.Dict):
            kind, value = "dict", _const(node)
        elif isinstance(node, ast.Call) and _callee(node.func) == "SimpleNamespace" and not node.args:
            kind = "namespace"
            named = all(k.arg for k in node.keywords)
            value = {k.arg: _const(k.value) for k in node.keywords if k.arg} if named else None
        if kind is None or not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            continue
        flags = {}
        for key, default in _flat(value):
            if default is None or isinstance(default, _LITERAL_TYPES):
                flags[key] = FlagDef(name=key, default=default, type=global_type(default)).to_dict()
            elif isinstance(default, list) and all(isinstance(v, _LITERAL_TYPES) for v in default):
                flags[key] = list_flagdef(key, default).to_dict()
        slot = [node.lineno, node.col_offset, node.end_lineno, node.end_col_offset]
        out[name] = {"kind": kind, "value": value, "slot": slot, "flags": flags}
    return out


def _flat(d: dict, prefix: str = ""):
    """(dotted key, value) of a nested dict: {"a": {"b": 1}} -> ("a.b", 1)."""
    for key, value in d.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _callee(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _slots(tree: ast.Module) -> list[list]:
    return [
        [name, node.lineno, node.col_offset, node.end_lineno, node.end_col_offset]
        for name, node in _global_assigns(tree)
        if _is_literal(node) or _is_literal_list(node)
    ]


# --- AST helpers -------------------------------------------------------------


def _parse(source: str) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError as e:
        raise ProjectError(
            f"cannot read the script's flags: syntax error at line {e.lineno}: {e.msg}; fix the script"
        ) from None


def _global_assigns(tree: ast.Module):
    """(name, value node) of each top-level `name = value` / `name: T = value`."""
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            yield stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            yield stmt.target.id, stmt.value


def _is_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value is None or isinstance(node.value, _LITERAL_TYPES)
    return (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, (ast.USub, ast.UAdd))
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
        and not isinstance(node.operand.value, bool)
    )


def _is_literal_list(node: ast.AST) -> bool:
    return isinstance(node, ast.List) and all(_is_literal(e) for e in node.elts)


def _literal(node: ast.AST) -> Any:
    if not _is_literal(node):
        return None
    return ast.literal_eval(node)


def _uses_argparse(tree: ast.Module) -> bool:
    imported = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "argparse" for a in node.names):
            imported = True
        elif isinstance(node, ast.ImportFrom) and node.module == "argparse":
            imported = True
    return imported and any(_is_add_argument(n) for n in ast.walk(tree))


def _is_add_argument(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "add_argument"
    )


def _argparse_flags(tree: ast.Module) -> dict:
    flags: dict[str, Any] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not _is_add_argument(node):
            continue
        options = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        long_opts = [o for o in options if o.startswith("--") and len(o) > 2]
        if not long_opts:
            continue  # positional or short-only: not passable as --name value
        name = long_opts[0][2:]
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        flags.setdefault(name, _argparse_flagdef(name, kw))
    return dict(sorted(flags.items()))


def _argparse_flagdef(name: str, kw: dict) -> FlagDef:
    action = _const(kw.get("action"))
    default = _const(kw.get("default"))
    arg_switch = None
    if action in ("store_true", "store_false"):
        arg_switch = action == "store_true"
        kind: str | None = "boolean"
        default = (not arg_switch) if default is None else default
    else:
        type_node = kw.get("type")
        kind = _ARGPARSE_TYPES.get(type_node.id) if isinstance(type_node, ast.Name) else None
    arg_bool = kind == "boolean" and arg_switch is None
    choices = _const(kw.get("choices"))
    nargs = _const(kw.get("nargs"))
    if nargs in ("+", "*") or (isinstance(nargs, int) and not isinstance(nargs, bool) and nargs > 1):
        # several values to one option: one flag, its text split apart (Guild's arg-split);
        # untyped, as argparse reads each item by the option's own type
        listed = default if isinstance(default, (list, tuple)) else None
        text = list_flagdef(name, list(listed)).default if listed is not None else default
        return FlagDef(name=name, default=text, description=_const(kw.get("help")) or "",
                       required=_const(kw.get("required")) is True, arg_split=True)  # fmt: skip
    return FlagDef(
        name=name,
        default=default,
        type=kind,
        choices=tuple(choices) if isinstance(choices, (list, tuple)) and choices else None,
        description=_const(kw.get("help")) or "",
        required=_const(kw.get("required")) is True,
        arg_switch=arg_switch,
        arg_bool=arg_bool,
    )


def _click_flags(tree: ast.Module) -> dict[str, FlagDef]:
    """The options of a Click command (`@click.option("--lr", type=float,
    default=0.1)`), for `flags-dest: args:click`: each named as Click names
    its parameter, passed as its long option."""
    flags: dict[str, FlagDef] = {}
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for deco in node.decorator_list:
            if isinstance(deco, ast.Call) and _callee(deco.func) == "option":
                flagdef = _click_option(deco)
                if flagdef is not None:
                    flags.setdefault(flagdef.name, flagdef)
    return dict(sorted(flags.items()))


def _click_option(call: ast.Call) -> FlagDef | None:
    decls = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    longs = [d.split("/")[0][2:] for d in decls if d.startswith("--") and len(d.split("/")[0]) > 2]
    named = [d for d in decls if d.isidentifier()]
    if not longs:
        return None  # short options only: not passable as --name value
    name = named[0] if named else longs[0].replace("-", "_")
    kw = {k.arg: k.value for k in call.keywords if k.arg}
    default = _const(kw.get("default"))
    switch = _const(kw.get("is_flag")) is True or any("/" in d for d in decls)
    kind: str | None = None
    choices = None
    type_node = kw.get("type")
    if switch:
        kind, default = "boolean", bool(default)
    elif isinstance(type_node, ast.Call) and _callee(type_node.func) == "Choice" and type_node.args:
        listed = _const(type_node.args[0])
        choices = tuple(listed) if isinstance(listed, (list, tuple)) and listed else None
    elif type_node is not None:
        kind = _ARGPARSE_TYPES.get(_callee(type_node) or "") or _CLICK_TYPES.get(_callee(type_node) or "")
    elif default is not None:
        kind = type_of(default)
    return FlagDef(
        name=name,
        default=default,
        type=kind,
        choices=choices,
        description=_const(kw.get("help")) or "",
        required=_const(kw.get("required")) is True,
        arg_name=longs[0] if longs[0] != name else None,
        arg_switch=True if switch else None,
    )


_CLICK_TYPES = {"INT": "int", "FLOAT": "float", "STRING": "string", "BOOL": "boolean"}


def _const(node: ast.AST | None) -> Any:
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
