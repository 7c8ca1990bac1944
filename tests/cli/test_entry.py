"""The `ledger` command as a shell sees it: --version, python -m ledger,
shell completion, and commands imported only when used."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ledger import __version__


def ledger(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ledger", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        **kw,
    )


def test_version() -> None:
    result = ledger("--version")
    assert result.returncode == 0 and result.stdout == f"ledger {__version__}\n"


def test_no_arguments_prints_the_help() -> None:
    result = ledger()
    assert result.returncode == 0 and result.stdout.startswith("Usage: ledger [OPTIONS] COMMAND")


def test_completion_script_for_each_shell() -> None:
    for shell, says in [
        ("bash", "complete -o default -F _ledger_completion ledger"),
        ("zsh", "compdef _ledger_completion ledger"),
        ("fish", "complete --command ledger"),
    ]:
        result = ledger("--show-completion", shell, env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
        assert result.returncode == 0, result.stderr
        assert says in result.stdout and "_LEDGER_COMPLETE=complete_" in result.stdout


def test_install_completion_writes_the_script_and_sources_it(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    result = ledger("--install-completion", "bash", env=env)
    assert result.returncode == 0, result.stderr
    script = tmp_path / ".bash_completions" / "ledger.sh"
    assert "_LEDGER_COMPLETE=complete_bash" in script.read_text()
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text()


def complete(words: str) -> list[str]:
    """What bash completion offers for the last of `words`, as the
    installed script asks for it."""
    env = {"_LEDGER_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
    result = ledger(env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_completion_offers_commands_and_their_options() -> None:
    assert complete("ledger ru") == ["run", "runs"]
    assert complete("ledger runs --filter-") == [
        "--filter-op", "--filter-label", "--filter-tag", "--filter-comment", "--filter-digest"
    ]
    assert "--max-trials" in complete("ledger run --ma")


def modules_after(*args: str) -> set[str]:
    """The ledger.cli modules `ledger ARGS` imported."""
    code = (
        "import sys\nfrom ledger.cli.app import main\n"
        f"code = main({list(args)!r})\n"
        "print(' '.join(m for m in sys.modules if m.startswith('ledger.cli.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.splitlines()[-1].split())


def test_a_command_imports_only_its_own_module() -> None:
    shared = {"ledger.cli.app", "ledger.cli.command"}
    # its module, the small helpers that decide how its tables look and declare the run filters
    # (compare's); no other command's module
    helpers = {"ledger.cli.terminal_table", "ledger.cli.run_filters"}
    assert modules_after("sql", "--help") == shared | {"ledger.cli.query_cmds"} | helpers
    assert "ledger.cli.run_cmd" not in modules_after("runs", "--help")
    assert modules_after("--version") == {"ledger.cli.app"}


def test_the_console_script_loads_the_command_then_collects_as_usual() -> None:
    # the collector rests while the command loads; the command itself runs
    # with it on, what loaded set aside (a long `ledger view` must collect)
    code = (
        "import gc, sys\nfrom ledger.cli import app, console\n"
        "def probe(argv=None):\n"
        "    print(gc.isenabled(), gc.get_freeze_count() > 0, 'ledger.cli.runs_cmds' in sys.modules)\n"
        "    return 3\n"
        "app.main = probe\nsys.argv = ['ledger', 'runs', '-n', '1']\nconsole.entry()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout) == (3, "True True True\n"), result.stderr
