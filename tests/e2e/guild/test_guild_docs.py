"""Guild's documented behaviour, as doc tests on our own fixture projects.

Each file in docs/ names its project in a front matter block; each
indented `$ ledger ...` line is run in a copy of that project on one home,
and what it prints (stderr then stdout, as a terminal shows them) must
match the lines below it as doctest matches them (`...` for any text). A
last line `<exit N>` checks the exit code (0 when left out). `$ cat FILE`
prints a file of the project.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.e2e.conftest import assert_output
from tests.e2e.guild.conftest import use

DOCS = sorted((Path(__file__).parent / "docs").glob("*.md"))


def examples(text: str) -> list[tuple[str, str, int]]:
    """(command, expected output, exit code) of each example of a doc."""
    out: list[tuple[str, str, int]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("    $ "):
            cmd, expected = line[6:], []
            i += 1
            while i < len(lines) and lines[i].startswith("    ") and not lines[i].startswith("    $ "):
                expected.append(lines[i][4:])
                i += 1
            code = 0
            if expected and expected[-1].startswith("<exit "):
                code = int(expected.pop()[6:-1])
            out.append((cmd, "\n".join(expected), code))
            continue
        i += 1
    return out


def project_of(text: str) -> str:
    head = text.split("---")[1]
    return next(line.split(":", 1)[1].strip() for line in head.splitlines() if line.startswith("project:"))


@pytest.mark.parametrize("doc", DOCS, ids=[d.stem for d in DOCS])
def test_doc(doc: Path, tmp_path: Path) -> None:
    text = doc.read_text()
    ledger, project = use(project_of(text), tmp_path)
    for cmd, expected, code in examples(text):
        args = shlex.split(cmd)
        if args[0] == "cat":
            assert_output(expected, (project / args[1]).read_text())
            continue
        assert args[0] == "ledger", cmd
        result = ledger(*args[1:], check=False, merged=True)
        assert result.code == code, f"{cmd}: exit {result.code}\n{result.out}"
        assert "Traceback" not in result.out, result.out
        try:
            assert_output(expected, result.out)
        except AssertionError as e:
            raise AssertionError(f"{doc.name}: {cmd}\n{e}") from None
