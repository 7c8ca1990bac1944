"""The package's imports, read from its source: no cycle among the imports
a module makes when it is loaded, none hidden behind an import inside a
function either, and dependencies that run one way (`ledger` core <-
`projections` <- `executor` <- `cli`, see DESIGN's layout)."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

import ledger

PACKAGE = Path(ledger.__file__).resolve().parent  # ledger/, its subpackages linked in
SUBPACKAGES = ("cli", "executor", "projections", "queries", "view")

# module -> the layers it must not import
FORBIDDEN = {
    "core": ("cli", "executor", "projections", "view"),
    "projections": ("cli", "executor", "view"),
    "executor": ("cli", "view"),
}
EXCEPTIONS = {
    "ledger.__main__": "`python -m ledger` is the command line itself",
    "ledger.api": "the Python API is a facade over projections.sql, not imported by `import ledger`",
}
# code that runs inside the user's interpreter imports nothing of ledger
IN_USERS_INTERPRETER = ("ledger.executor.op_main", "ledger.executor.inject")


def project_modules() -> dict[str, Path]:
    """Module name -> file, for every module of the package."""
    modules = {}
    files = [Path(d, f) for d, _, names in os.walk(PACKAGE, followlinks=True) for f in names if f.endswith(".py")]
    for path in sorted(files):  # the subpackages are links: walked through
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(("ledger", *parts))] = path
    return modules


def imports(tree: ast.Module, module: str, is_package: bool, load_time: bool) -> set[str]:
    """Every module named by an import; with `load_time`, by one that runs
    when the module loads: at its top level, in its classes, under
    `if`/`try`/`with` (not under `if TYPE_CHECKING:`), not in functions."""
    found: set[str] = set()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if load_time and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".") if is_package else module.split(".")[:-1]
                parent = parent[: len(parent) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        stack.extend(ast.iter_child_nodes(node))
    return found


def import_graph(load_time: bool = True) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (when it loads, or at all)."""
    modules = project_modules()
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        imported = imports(tree, name, path.name == "__init__.py", load_time)
        graph[name] = {target for target in imported if target in modules and target != name}
    return graph


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in SUBPACKAGES else "core"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan's)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_a_cycle(graph, group) for group in groups]


def _a_cycle(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """A path from the group's first module back to itself, within the group."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    todo = [start]
    while todo:
        node = todo.pop(0)
        for nxt in sorted(graph[node] & members):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                todo.append(nxt)
    return group


def test_the_graph_sees_the_package() -> None:
    graph = import_graph()
    assert {"ledger.store", "ledger.cli.app", "ledger.executor.run", "ledger.projections.index"} <= set(graph)
    assert "ledger.store" in graph["ledger.home"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


@pytest.mark.parametrize("load_time", [True, False], ids=["when-loaded", "function-local-too"])
def test_no_import_cycle_among_the_packages_modules(load_time: bool) -> None:
    found = cycles(import_graph(load_time))
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in found)


def test_dependencies_run_one_way() -> None:
    wrong = []
    for module, targets in import_graph(load_time=False).items():
        if module in EXCEPTIONS:
            continue
        banned = FORBIDDEN.get(layer(module), ())
        wrong += [f"{module} imports {target}" for target in sorted(targets) if layer(target) in banned]
    assert not wrong, "\n".join(wrong)


def test_the_code_run_in_the_users_interpreter_imports_nothing_of_ledger() -> None:
    graph = import_graph(load_time=False)
    for module in IN_USERS_INTERPRETER:
        assert graph[module] == set(), module
