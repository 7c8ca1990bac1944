"""Tables on a terminal are fitted to it, round floats, line up wide
characters and colour statuses; piped, the same commands print the plain,
full-precision text scripts rely on."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios

from rich.cells import cell_len

from tests.e2e.conftest import Ledger

ANSI = re.compile(r"\x1b\[[0-9;]*m")
LONG_LABEL = "a label long enough that no eighty-column terminal can show it whole " * 2
WIDTH = 80


def on_terminal(ledger: Ledger, *args: str, **env: str) -> str:
    """`ledger ARGS` with its stdout on a pseudo-terminal WIDTH columns wide."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, WIDTH, 0, 0))
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    environment.update(LEDGER_HOME=str(ledger.home), TERM="xterm-256color", **env)
    proc = subprocess.Popen([sys.executable, "-m", "ledger", *args], cwd=ledger.cwd, env=environment,
                            stdout=follower, stderr=subprocess.PIPE)  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    return b"".join(chunks).decode().replace("\r\n", "\n")


def two_runs(ledger: Ledger) -> None:
    (ledger.cwd / "fit.py").write_text("lr = 0.1\nprint(f'loss: {lr / 3}')\n")
    ledger("run", "fit.py", "-l", LONG_LABEL, "-y")
    ledger("run", "fit.py", "lr=0.2", "-l", "日本語のラベル", "-y")


def test_runs_fit_the_terminal_and_colour_statuses(ledger: Ledger) -> None:
    two_runs(ledger)
    shown = on_terminal(ledger, "runs")
    lines = [ANSI.sub("", line) for line in shown.splitlines() if line.strip()]
    assert len(lines) == 2 and all(cell_len(line) <= WIDTH for line in lines), lines
    assert "…" in lines[1] and "日本語のラベル" in lines[0]
    assert "\x1b[32m" in shown  # completed in green
    assert "\x1b[" not in on_terminal(ledger, "runs", NO_COLOR="1")
    piped = ledger("runs").out
    assert LONG_LABEL.strip() in piped and "\x1b[" not in piped  # piped: whole, plain


def test_sql_and_compare_round_floats_on_a_terminal_only(ledger: Ledger) -> None:
    two_runs(ledger)
    query = "SELECT label, 1/3 AS third FROM runs ORDER BY seq"
    shown = ANSI.sub("", on_terminal(ledger, "sql", query))
    assert "0.333333" in shown and "0.3333333333" not in shown
    assert "0.3333333333333333" in ledger("sql", query).out
    compare = ANSI.sub("", on_terminal(ledger, "compare", "--cols", "=lr,loss"))
    assert "0.0666667" in compare and "0.06666666666" not in compare
    assert "0.06666666666666667" in ledger("compare", "--cols", "=lr,loss").out


def test_wide_characters_keep_columns_aligned(ledger: Ledger) -> None:
    two_runs(ledger)
    query = "SELECT label[1:3] AS name, 42 AS n FROM runs ORDER BY seq"
    lines = [ANSI.sub("", line) for line in on_terminal(ledger, "sql", query).splitlines() if line.strip()]
    rows = [line for line in lines if line.rstrip().endswith("42")]
    assert len(rows) == 2 and len({cell_len(line.rstrip()) for line in rows}) == 1, rows


def test_a_table_too_wide_keeps_whole_ids_and_leaves_out_columns_on_the_right(ledger: Ledger) -> None:
    (ledger.cwd / "wide.py").write_text(
        "lr = 0.1\n" + "".join(f"print('metric_number_{i}: {{}}'.format(lr / 3))\n" for i in range(6))
    )
    ledger("run", "wide.py", "-l", LONG_LABEL, "-y")
    run_id = ledger("select").out.strip()
    shown = [ANSI.sub("", line) for line in on_terminal(ledger, "compare").splitlines() if line.strip()]
    assert all(cell_len(line) <= WIDTH for line in shown), shown
    assert shown[1].startswith(run_id[:8] + " ")  # the id whole, never cut to fit
    assert "metric_number_5" not in shown[0]  # left out, not squeezed into unreadable cells
    assert "0.0333333" in shown[1] and shown[1].count("…") == 1  # only the label is cut; numbers are whole


def test_runs_info_rounds_scalars_on_a_terminal_only(ledger: Ledger) -> None:
    two_runs(ledger)
    shown = ANSI.sub("", on_terminal(ledger, "runs", "info"))
    assert "loss: 0.0666667 (step 0; min 0.0666667, max 0.0666667)" in shown
    assert "loss: 0.06666666666666667" in ledger("runs", "info").out
