"""The view in a real browser, on a home made as the demo makes one: load
the runs page, sort it, open a run and see its chart's points, open the
lineage graph, compare two runs, run a SQL query; a running run's page
shows new points without a reload; and a run of tens of megabytes of output
opens at its end, its earlier output a click away."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.e2e.conftest import EXAMPLES, Ledger, with_scripts
from tests.view.browser import SCREENSHOTS, screenshot, start_chromium
from tests.view.test_view_cmd import start_view, stop

pytestmark = pytest.mark.browser
pytest.importorskip("selenium", reason="the test extra is not installed")

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo-like home: a run, a proto of it with an override, a grid batch
    of poly, and a run of examples/curves; and `ledger view` serving it."""
    base = tmp_path_factory.mktemp("view-demo")
    project = base / "optimizers"
    shutil.copytree(EXAMPLES / "optimizers", project)
    ledger = Ledger(base / "home", project)
    ledger("run", "echo", "-y")
    ledger("run", "--proto", "1", "x=2", "z=b", "-y")
    ledger("run", "poly", "x=[0.0,0.25,0.5,0.75]", "--keep-batch", "-y")
    curves = base / "curves"
    shutil.copytree(EXAMPLES / "curves", curves)
    ledger("run", "train.py", "--label", "curve", "-y", cwd=curves)
    proc, url = start_view(base / "home", "--port", "auto")
    yield {"ledger": ledger, "url": url, "base": url.split("/runs")[0], "curves": curves}
    stop(proc)


@pytest.fixture(scope="module")
def browser():
    driver, profile = start_chromium()
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, script: str, timeout: float = 20.0):
    """The value of `script` once truthy, polled in the page."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {script}")
        time.sleep(0.1)


def css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def test_runs_page_sort_open_run_chart_lineage(demo, browser):
    browser.get(demo["url"])
    rows = css(browser, "table#runs tbody tr")
    assert len(rows) == 8  # echo, its proto, the batch and four trials, the curve run
    assert "curve" in rows[0].text and "completed" in rows[0].text
    assert browser.execute_script("return document.getElementById('integrity').textContent").count("tip") == 1
    screenshot(browser, "runs.png")

    # sort by operation: a click on the header, the server orders the rows
    css(browser, 'a.sort[data-sort="op"]')[0].click()
    wait_for(browser, "return location.search.includes('sort=op')")
    ops = [r.find_elements("css selector", "td")[3].text.split()[0] for r in css(browser, "table#runs tbody tr")]
    assert ops == sorted(ops, reverse=True)
    css(browser, 'a.sort[data-sort="op"]')[0].click()
    wait_for(browser, "return location.search.includes('desc=0')")
    ops = [r.find_elements("css selector", "td")[3].text.split()[0] for r in css(browser, "table#runs tbody tr")]
    assert ops == sorted(ops)

    # open the curve run: its chart has the twenty points it printed
    browser.get(demo["url"])
    css(browser, "table#runs tbody tr:first-child a.run-link")[0].click()
    wait_for(browser, "return document.getElementById('run-head')")
    points = wait_for(browser, "const c = document.querySelector('#charts .chart[data-key=loss]');"
                               "return c && c.data && c.data[0].y.length")  # fmt: skip
    assert points == 20
    drawn = wait_for(browser, "return document.querySelectorAll("
                              "'#charts .chart[data-key=loss] .scatterlayer path.point').length")  # fmt: skip
    assert drawn == 20
    assert len(css(browser, "#charts .chart")) == 2  # loss and acc
    screenshot(browser, "run.png")

    # the proto-derived echo run: its lineage graph links to the run it came from
    proto_run = demo["ledger"]("select", "-Fl", "z=b").out.strip()
    browser.get(f"{demo['base']}/runs/{proto_run}")
    css(browser, "#lineage-link")[0].click()
    nodes = css(browser, "svg#lineage-graph a.node")
    assert len(nodes) == 2
    css(browser, ".lineage")[0].screenshot(str(SCREENSHOTS / "lineage.png"))
    parent = [n for n in nodes if "current" not in n.get_attribute("class")][0]
    parent_id = parent.get_attribute("data-run")
    parent.click()
    wait_for(browser, f"return location.pathname === '/runs/{parent_id}'")
    assert "echo" in css(browser, "#run-head h1")[0].text


def test_compare_two_runs_and_a_sweep(demo, browser):
    browser.get(demo["url"] + "?op=poly")
    boxes = css(browser, 'table#runs input[name="runs"]')
    assert len(boxes) == 4
    boxes[0].click()
    boxes[1].click()
    css(browser, "#compare-selected")[0].click()
    wait_for(browser, "return location.pathname === '/compare'")
    assert len(css(browser, "#compare-table tbody tr")) == 2
    assert "x" in css(browser, "#differing-flags thead")[0].text
    wait_for(browser, "return document.querySelectorAll('#curves-charts .chart .scatterlayer .trace').length === 2")

    # the batch's trials: each flag against the objective, and parallel coordinates
    batch = demo["ledger"]("select", "-Fo", "poly+").out.strip()
    browser.get(f"{demo['base']}/compare?batch={batch}")
    points = wait_for(browser, "const c = document.querySelector('#scatter-charts .chart');"
                               "return c && c.data && c.data[0].x.length")  # fmt: skip
    assert points == 4
    wait_for(browser, "return document.querySelector('#parcoords .parcoords')")
    screenshot(browser, "compare.png")


def test_sql_query(demo, browser):
    browser.get(demo["base"] + "/sql")
    editor = css(browser, "#sql-editor")[0]
    editor.clear()
    editor.send_keys("SELECT op, count(*) AS n FROM runs GROUP BY op ORDER BY op")
    css(browser, "#sql-run")[0].click()
    wait_for(browser, "return document.getElementById('sql-result')")
    rows = [r.text for r in css(browser, "#sql-result tbody tr")]
    assert rows == ["echo 2", "poly 4", "poly+ 1", "train.py 1"]
    assert css(browser, "#download-csv") and css(browser, "#download-parquet")
    editor = css(browser, "#sql-editor")[0]
    editor.clear()
    editor.send_keys("DELETE FROM runs")
    css(browser, "#sql-run")[0].click()
    assert "DELETE is refused" in wait_for(browser, "const e = document.getElementById('sql-error');"
                                                    "return e && e.textContent")  # fmt: skip


def test_a_running_runs_page_shows_new_points_without_reload(demo, browser):
    browser.get(demo["url"])
    browser.execute_script("window.notReloaded = true")
    env = {**os.environ, "LEDGER_HOME": str(demo["ledger"].home)}
    steps = 60  # a point each 0.5 s: half a minute, time enough for a loaded machine to open the page
    run = subprocess.Popen([sys.executable, "-m", "ledger", "run", "train.py", f"epochs={steps}", "delay=0.5",
                            "--label", "live", "-y"], cwd=demo["curves"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        # the runs table shows the new run without a reload
        link = wait_for(browser, "const r = [...document.querySelectorAll('#runs tbody tr')]"
                                 ".find(tr => tr.textContent.includes('live'));"
                                 "return r && r.querySelector('a.run-link').href")  # fmt: skip
        assert browser.execute_script("return window.notReloaded") is True
        browser.get(link)  # (the table is refreshed under the pointer while the run logs: no click)
        wait_for(browser, "return document.getElementById('run-head')")
        browser.execute_script("window.notReloaded = true")
        count = ("const c = document.querySelector('#charts .chart[data-key=loss]');"
                 "return c && c.data ? c.data[0].y.length : 0")
        first = wait_for(browser, count)
        assert first < steps
        wait_for(browser, f"return (() => {{ {count} }})() > {first}", timeout=10)
        assert "loss:" in css(browser, "#output-text")[0].text
        wait_for(browser, "return document.getElementById('run-status').textContent === 'completed'", timeout=90)
        assert browser.execute_script(count) == steps
        assert css(browser, "#output-text")[0].text.count("loss:") == steps
        assert browser.execute_script("return window.notReloaded") is True
    finally:
        run.wait(timeout=120)


LOUD_LINES = 400_000  # 80 bytes each: 32 MB
LOUD = f'import sys\n\nfor i in range({LOUD_LINES}):\n    sys.stdout.write(f"line {{i:07d}} " + "x" * 66 + "\\n")\n'


@pytest.fixture(scope="module")
def loud(tmp_path_factory):
    """A home with a run that printed 32 MB, and `ledger view` serving it."""
    base = tmp_path_factory.mktemp("view-loud")
    ledger = with_scripts(base, {"loud.py": LOUD})
    ledger("run", "loud.py", "-y")
    proc, url = start_view(base / "home", "--port", "auto")
    yield {"url": url, "base": url.split("/runs")[0], "run": ledger("select").out.strip()}
    stop(proc)


def test_a_run_of_tens_of_megabytes_of_output_opens_at_its_end(loud, browser):
    browser.get(loud["url"])
    began = time.monotonic()
    browser.get(f"{loud['base']}/runs/{loud['run']}")
    took = time.monotonic() - began
    shown = "return document.getElementById('output-text').textContent"
    text = browser.execute_script(shown)
    assert text.endswith(f"line {LOUD_LINES - 1:07d} {'x' * 66}\n") and "line 0000000" not in text
    assert len(text) < 1024 * 1024 and took < 15, (len(text), took)
    first = text.split("\n", 1)[0]
    assert css(browser, "#output-earlier")[0].is_displayed()

    css(browser, "#output-more")[0].click()
    more = wait_for(browser, f"const t = document.getElementById('output-text').textContent;"
                             f"return !t.startsWith({first!r}) && t")  # fmt: skip
    assert more.endswith(text) and len(more) > len(text)
    before = int(more.split()[1])
    assert before < int(first.split()[1]) and f"line {before:07d}" in more

    # all of it, as text, from the link
    href = css(browser, "#output-whole")[0].get_attribute("href")
    size = browser.execute_script("return fetch(arguments[0]).then(r => r.text()).then(t => t.length)", href)
    assert size == LOUD_LINES * 80
