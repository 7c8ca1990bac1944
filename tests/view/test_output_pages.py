"""A run's output on its page comes a page at a time from the log: the
page starts with the end of it, earlier pages follow back to the first
byte, each from a line's start, and the whole of it streams as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.events import OutputCaptured
from ledger.home import Home
from ledger.view.run_data import OUTPUT_TAIL
from tests.e2e.conftest import Ledger, with_scripts
from tests.view.conftest import client_for

LINES = 40_000  # about 1.3 MB: five pages and more
# a pause past the recorder's 1 s cadence halfway: pages that span two chunks
CHATTY = f"""\
import time

for i in range({LINES}):
    if i == {LINES // 2}:
        time.sleep(1.5)
    print(f"line {{i:06d}} " + "x" * (i % 40))
"""


@pytest.fixture(scope="module")
def chatty(tmp_path_factory) -> tuple[Ledger, str, bytes]:
    """A home with one run of LINES lines of output; its id and output."""
    ledger = with_scripts(Path(tmp_path_factory.mktemp("output-pages")), {"chatty.py": CHATTY})
    ledger("run", "chatty.py", "-y")
    run_id = ledger("select").out.strip()
    return ledger, run_id, ledger("cat", "--output").out.encode()


def test_the_page_shows_the_end_and_earlier_pages_go_back_to_the_first_byte(chatty):
    ledger, run_id, whole = chatty
    assert whole.count(b"\n") == LINES and len(whole) > 4 * OUTPUT_TAIL
    home = Home(ledger.home)
    assert sum(isinstance(e.data, OutputCaptured) for e in home.store.stream(run_id)) >= 2
    client = client_for(home)
    html = client.get(f"/runs/{run_id}").text
    assert f"line {LINES - 1:06d}" in html and "line 000000" not in html
    assert len(html) < OUTPUT_TAIL + 64 * 1024  # the page holds a page of output, not all of it

    page = client.get(f"/api/runs/{run_id}/output").json()
    assert page["total"] == page["offset"] == len(whole)
    pages = [page]
    while pages[-1]["start"] > 0:
        pages.append(client.get(f"/api/runs/{run_id}/output", params={"before": pages[-1]["start"]}).json())
        assert len(pages) < 20
    assert len(pages) >= 5
    assert "".join(p["text"] for p in reversed(pages)).encode() == whole
    for p in pages:
        assert p["text"].startswith("line ") and p["text"].endswith("\n")
        assert len(p["text"]) <= OUTPUT_TAIL
        assert whole[p["start"] : p["offset"]] == p["text"].encode()


def test_new_output_from_an_offset_and_the_whole_output_as_text(chatty):
    ledger, run_id, whole = chatty
    client = client_for(Home(ledger.home))
    middle = len(whole) // 2
    rest = client.get(f"/api/runs/{run_id}/output", params={"offset": middle}).json()
    assert rest["text"].encode() == whole[middle:] and rest["offset"] == len(whole)
    got = client.get(f"/runs/{run_id}/output")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/plain")
    assert got.content == whole
