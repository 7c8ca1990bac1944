"""Every byte a run prints is kept, at a cost linear in the bytes: lines
without a newline (progress bars), `\\r` redraws, a line of many
megabytes, and short lines that must not balloon the log."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from ledger.events import OutputCaptured
from ledger.executor.launch import READ_BYTES
from ledger.executor.recorder import CHUNK_BYTES
from ledger.home import Home
from tests.e2e.conftest import Ledger

PROGRESS_BAR = """\
import sys
import time

for i in range(10_000):
    sys.stdout.write(f"\\r{i:5d} [" + "#" * (i // 500) + " " * (20 - i // 500) + "]")
    sys.stdout.flush()
sys.stdout.write("\\rstill drawing")
sys.stdout.flush()
time.sleep(60)
"""


def chunks(home: Path) -> list[OutputCaptured]:
    h = Home(home)
    (run,) = {e.run for e in h.store.read()}
    return [e.data for e in h.store.stream(run) if isinstance(e.data, OutputCaptured)]


def project_with(tmp_path: Path, name: str, text: str) -> Ledger:
    project = tmp_path / "proj"
    project.mkdir()
    (project / name).write_text(text)
    return Ledger(tmp_path / "home", project)


def recorded(ledger: Ledger, ending: bytes, within: float = 30.0) -> bytes:
    deadline = time.monotonic() + within
    while True:
        out = subprocess.run([sys.executable, "-m", "ledger", "cat", "--output"], cwd=ledger.cwd, capture_output=True,
                             env={**os.environ, "LEDGER_HOME": str(ledger.home)}).stdout  # fmt: skip
        if out.endswith(ending) or time.monotonic() > deadline:
            return out
        time.sleep(0.2)


def test_a_progress_bar_is_kept_while_live_and_after_kill_9(tmp_path: Path) -> None:
    ledger = project_with(tmp_path, "bar.py", PROGRESS_BAR)
    terminal = tmp_path / "terminal"
    with terminal.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ledger", "run", "bar.py", "-y"], cwd=ledger.cwd,
                                env={**os.environ, "LEDGER_HOME": str(ledger.home)}, stdout=out)  # fmt: skip
    try:
        live = recorded(ledger, b"\rstill drawing")  # no newline ever came: recorded within its second anyway
    finally:
        proc.kill()
        proc.wait(timeout=30)
    printed = terminal.read_bytes()
    assert live.endswith(b"\rstill drawing") and live.count(b"\r") == 10_001
    assert ledger("runs", "-s").out.split() == ["[1]", "bar.py", "terminated"]
    after = recorded(ledger, b"\rstill drawing")
    assert after == printed == live
    # 10,000 redraws are stored as bytes, not indexed one by one: the line never ended
    recorded_chunks = chunks(ledger.home)
    assert sum(len(c.index) for c in recorded_chunks) == 0
    assert sum(c.bytes for c in recorded_chunks) == len(printed)


ONE_LINE = """\
import sys

piece = "0123456789abcdef" * 65536  # 1 MiB
for i in range({mib}):
    sys.stdout.write(piece)
{end}
"""


def timed_run(ledger: Ledger, script: str) -> float:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "ledger", "run", script, "-y"], cwd=ledger.cwd,
                          env={**os.environ, "LEDGER_HOME": str(ledger.home)}, stdout=subprocess.DEVNULL,
                          timeout=600)  # fmt: skip
    assert proc.returncode == 0
    return time.monotonic() - start


def test_a_50_mb_line_is_kept_in_bounded_chunks_in_linear_time(tmp_path: Path) -> None:
    """Before, a long line was re-copied at every read: 120 MB took 218 s.
    Now no chunk holds more than about 4 MiB, and the 50 MB line costs
    about what 50 MB of 64-byte lines does."""
    mib = 50
    ledger = project_with(tmp_path, "line.py", ONE_LINE.format(mib=mib, end=""))
    lines = "\n".join(["import sys", "", 'line = "0123456789abcdef" * 4 + "\\n"',
                       f"for i in range({mib} * 16384):", "    sys.stdout.write(line)", ""])  # fmt: skip
    (ledger.cwd / "lines.py").write_text(lines)
    one_line = timed_run(ledger, "line.py")
    short_lines = timed_run(ledger, "lines.py")
    h = Home(ledger.home)
    runs = [r for r in dict.fromkeys(e.run for e in h.store.read())]
    recorded_chunks = [e.data for e in h.store.stream(runs[0]) if isinstance(e.data, OutputCaptured)]
    data = b"".join(h.blobs.read(c.blob) for c in recorded_chunks)
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(b"0123456789abcdef" * 65536 * mib).hexdigest()
    assert max(c.bytes for c in recorded_chunks) <= CHUNK_BYTES + READ_BYTES
    assert sum(c.lines for c in recorded_chunks) == 1  # the run's last line, without a newline
    assert one_line < 4 * short_lines + 5, (one_line, short_lines)


SHORT_LINES = """\
import sys

for i in range(400_000):
    sys.stdout.write("1234\\n")
"""


def test_short_lines_do_not_balloon_the_log(tmp_path: Path) -> None:
    """2 MB of 5-byte lines: the log and the output blobs together stay
    within 1.2 x the bytes printed, plus a small cost per chunk."""
    ledger = project_with(tmp_path, "short.py", SHORT_LINES)
    ledger("run", "short.py", "-y")
    recorded_chunks = chunks(ledger.home)
    printed = 400_000 * 5
    assert sum(c.bytes for c in recorded_chunks) == printed
    assert sum(c.lines for c in recorded_chunks) == 400_000
    log = sum(p.stat().st_size for p in (ledger.home / "events").glob("*.jsonl"))
    blobs = sum(Home(ledger.home).blobs.path(c.blob).stat().st_size for c in recorded_chunks)
    other_events = 8_000  # the run's other events: created, flags, source code, started, stopped
    assert log + blobs <= 1.2 * printed + 1024 * len(recorded_chunks) + other_events, (log, blobs)
    assert ledger("cat", "--output").out == "1234\n" * 400_000


def test_output_index_of_the_run_directory_has_a_line_per_line(tmp_path: Path) -> None:
    """`.ledger/output.index` keeps Guild's form (a time and a stream per
    line), live and after a rebuild, also for a last line without newline."""
    ledger = project_with(tmp_path, "mixed.py", "import sys\nprint('a')\nprint('b', file=sys.stderr)\n"
                                                "sys.stdout.write('no newline')\n")  # fmt: skip
    ledger("run", "mixed.py", "-y")
    (run_dir,) = (ledger.home / "runs").iterdir()
    live = (run_dir / ".ledger" / "output.index").read_text().splitlines()
    assert len(live) == 3 and sorted(line.split()[1] for line in live) == ["0", "0", "1"]
    assert (run_dir / ".ledger" / "output").read_bytes().count(b"\n") == 2
    import shutil

    shutil.rmtree(run_dir)
    ledger("rebuild")
    assert (run_dir / ".ledger" / "output.index").read_text().splitlines() == live


def test_a_last_line_without_newline_is_the_runs_last_line(tmp_path: Path) -> None:
    """A line without newline followed by a normal exit is the run's last line."""
    ledger = project_with(tmp_path, "tail.py", "import sys\nsys.stdout.write('done 100%')\n")
    ledger("run", "tail.py", "-y")
    assert ledger("cat", "--output").out == "done 100%"
    assert sum(c.lines for c in chunks(ledger.home)) == 1
