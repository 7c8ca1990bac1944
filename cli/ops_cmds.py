"""What is here to run and whether ledger works: `ledger ops` and `ledger check`."""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Optional

import typer

import ledger as ledger_package
from ledger import __version__
from ledger.cli.command import Commands
from ledger.cli.render import table, to_json
from ledger.errors import LedgerError
from ledger.executor.project import find_project_file, load_project
from ledger.executor.run import cache_dir
from ledger.home import Home
from ledger.projections.index import connect, log_last_seq

app = Commands()

# the libraries a user's problem report needs the versions of; extras may be absent
LIBRARIES = ("duckdb", "typer", "pydantic", "PyYAML", "scikit-optimize", "numpy", "tensorboard", "fastapi", "plotly")


def _operations(project_dir: Path, filters: list[str]) -> list[dict[str, Any]]:
    """The project's operations as `ops` shows them, sorted by name. An
    operation whose scripts cannot be read is listed with the reason."""
    project = load_project(project_dir, cache_dir(Home()))
    if project is None:
        return []
    try:
        default = project.default_op()
    except LedgerError:  # the default operation cannot be read: it is listed below with the reason
        default = None
    listed = []
    for name in sorted(project.ops):
        if filters and not any(f in name for f in filters):
            continue
        declared = project.ops[name]
        entry: dict[str, Any] = {"name": name, "description": declared.description, "default": False}
        try:
            opdef = project.op(name)
        except LedgerError as e:
            entry.update(error=str(e), flags={})
            listed.append(entry)
            continue
        entry["default"] = default is not None and default.name == name
        entry["main"] = opdef.main
        entry["exec"] = opdef.exec
        entry["flags"] = {
            f.name: {"default": f.default, "type": f.type, "choices": f.choices, "description": f.description}
            for f in sorted(opdef.flags.values(), key=lambda f: f.name)
        }
        listed.append(entry)
    return listed


@app.command("ops")
def ops(
    filters: Optional[list[str]] = typer.Argument(None, metavar="FILTER", help="Show operations whose name has this."),
    project: Path = typer.Option(Path("."), "-p", "--project", metavar="DIR", help="The project's folder."),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Show each operation's flags too."),
    as_json: bool = typer.Option(False, "--json", help="JSON for tools, flags included."),
) -> None:
    """List the operations of the project's guild.yml, with their descriptions.

    Example: ledger ops -v
    """
    if not project.is_dir():
        raise LedgerError(f"no folder {project}; give the project's folder with -p DIR")
    listed = _operations(project, list(filters or ()))
    if as_json:
        typer.echo(to_json(listed))
        return
    if not listed:
        if find_project_file(project) is None:
            typer.echo(f"no guild.yml in {project.resolve()}; scripts run by path: ledger run train.py", err=True)
        return
    rows = [[op["name"], op["description"].splitlines()[0] if op["description"] else ""] for op in listed]
    if not verbose:
        typer.echo(table(rows))
        return
    for row, op in zip(rows, listed):
        typer.echo(f"{row[0]}  {row[1]}".rstrip())
        if "error" in op:
            typer.echo(f"  cannot be run: {op['error']}")
        for name, flag in op["flags"].items():
            words = [name if flag["default"] is None else f"{name}={flag['default']}"]
            if flag["description"]:
                words.append(flag["description"])
            if flag["choices"]:
                words.append(f"(one of {', '.join(map(str, flag['choices']))})")
            typer.echo("  " + "  ".join(words))


def _version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


@app.command("check")
def check(as_json: bool = typer.Option(False, "--json", help="JSON for tools.")) -> None:
    """Show ledger's version, Python, libraries and home, and check the home can be read.

    Example: ledger check
    """
    home = Home()
    facts: dict[str, Any] = {
        "ledger_version": __version__,
        "ledger_install_location": str(Path(ledger_package.__file__).resolve().parent),
        "python_version": platform.python_version(),
        "python_exe": sys.executable,
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
    }
    facts.update({f"{name.lower()}_version": _version_of(name) for name in LIBRARIES})
    facts["ledger_home"] = str(home.path)
    problem = None
    if not (home.path / "events").is_dir():
        facts["home_status"] = "empty (nothing recorded yet)"
    else:
        try:
            facts["log_events"] = log_last_seq(home)
            con = connect(home)
            try:
                (facts["index_runs"],) = con.execute("SELECT count(*) FROM runs").fetchone() or (0,)
            finally:
                con.close()
            facts["home_status"] = "ok (run `ledger verify` to check every hash)"
        except LedgerError as e:
            problem = str(e)
            facts["home_status"] = f"error: {problem}"
    if as_json:
        typer.echo(to_json(facts))
    else:
        typer.echo(table([[f"{k}:", str(v)] for k, v in facts.items()], sep=" "))
    if problem:
        raise typer.Exit(1)
