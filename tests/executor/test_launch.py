import os
import sys
from pathlib import Path

from ledger.executor import launch

# 10,000 lines, a write each, a tenth of a millisecond apart
FLOOD = """\
import sys
import time

for i in range(10_000):
    time.sleep(0.0001)
    sys.stdout.write(f"{i:>9}\\n")
sys.stderr.write("done\\n")
"""


def test_a_flood_of_short_writes_is_read_in_large_pieces_and_every_byte_kept(tmp_path: Path) -> None:
    """A script printing line after line, unbuffered, is read in what
    gathered between reads, not a read per write (which cost ledger ten
    times what the write cost the script); nothing is lost or reordered."""
    (tmp_path / "flood.py").write_text(FLOOD)
    proc = launch.start([sys.executable, "flood.py"], tmp_path, {**os.environ, "PYTHONUNBUFFERED": "1"})
    reads: dict[int, list[bytes]] = {0: [], 1: []}
    outcome = launch.capture(proc, lambda data, ms, stream: reads[stream].append(data), tee=False)
    assert outcome.exit_status == 0
    assert b"".join(reads[0]) == b"".join(f"{i:>9}\n".encode() for i in range(10_000))
    assert b"".join(reads[1]) == b"done\n"
    assert len(reads[0]) < 2_500, len(reads[0])  # a read per write: 10,000
