"""Every page and JSON endpoint of the view, on the fixture home of the
index tests (runs A, B from A, batch C with three trials, staged D from B,
deleted E): 200 and the data the fixture put there."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb

from tests.projections.test_index_fixture import rid


def test_runs_page_lists_live_runs_newest_first_with_flags_and_metrics(client, fx):
    page = client.get("/runs")
    assert page.status_code == 200
    body = page.text
    for name in ("a", "b", "c", "d", "t1", "t2", "t3"):
        assert f'data-run="{fx.ids[name]}"' in body
    assert fx.ids["e"] not in body  # deleted
    data = client.get("/api/runs").json()
    assert data["total"] == 7
    ids = [r["id"] for r in data["runs"]]
    assert ids[0] == fx.ids["d"] and ids[-1] == fx.ids["a"]
    assert [r["index"] for r in data["runs"]] == list(range(1, 8))
    a = data["runs"][-1]
    assert a["flags"] == {"lr": "0.1", "epochs": "2", "opt": "sgd"}
    assert a["metrics"] == {"loss": 0.5, "acc": 0.7}
    assert a["status"] == "completed" and a["label"] == "lr=0.1 first" and a["tags"] == ["baseline"]
    assert set(data["flag_names"]) == {"lr", "epochs", "opt"} and data["metric_keys"] == ["acc", "loss"]


def test_runs_sort_by_attribute_flag_and_metric(client, fx):
    def order(**params):
        return [r["id"] for r in client.get("/api/runs", params=params).json()["runs"]]

    by_loss = order(sort="metric:loss")
    assert by_loss[:4] == [fx.ids["t2"], fx.ids["t3"], fx.ids["t1"], fx.ids["a"]]
    assert order(sort="metric:loss", desc=1)[0] == fx.ids["b"]
    by_lr = order(sort="flag:lr", desc=1)
    assert by_lr[0] == fx.ids["t3"]
    assert order(sort="label")[:2] == [fx.ids["b"], fx.ids["c"]]  # "from a", "grid"
    assert order(sort="index", desc=1)[0] == fx.ids["a"]  # oldest first
    page = client.get("/runs", params={"sort": "metric:loss"}).text
    assert page.index(fx.ids["t2"]) < page.index(fx.ids["a"])


def test_runs_filters_and_where_box(client, fx):
    def ids(**params):
        return {r["id"] for r in client.get("/api/runs", params=params).json()["runs"]}

    assert ids(op="train+") == {fx.ids["c"]}
    assert ids(status="error") == {fx.ids["b"]}
    assert ids(tag="baseline") == {fx.ids["a"]}
    assert ids(label="LR=0.") == {fx.ids["a"], fx.ids["t1"], fx.ids["t2"], fx.ids["t3"]}
    assert ids(where="batch IS NOT NULL AND id IN (SELECT run FROM scalars WHERE value < 0.25)") == {
        fx.ids["t2"], fx.ids["t3"]}
    bad = client.get("/api/runs", params={"where": "nope = 1"})
    assert bad.status_code == 400 and "SQL error" in bad.json()["error"]
    assert "SQL error" in client.get("/runs", params={"where": "nope = 1"}).text


def test_runs_page_pages_server_side(client, fx):
    first = client.get("/api/runs", params={"size": 25}).json()
    assert first["pages"] == 1
    # the page size is one of the offered ones; a page past the end is empty
    assert client.get("/api/runs", params={"page": 2}).json()["runs"] == []


def test_run_page_shows_flags_origins_source_output_artifacts_scalars_lineage(client, fx):
    b = fx.ids["b"]
    page = client.get(f"/runs/{b}")
    assert page.status_code == 200
    html = page.text
    assert "from a" in html and "status-error" in html
    assert 'FlagSet seq' in html and f'/api/events/{fx.seqs["a_lr"]}' in html  # lr replays A's FlagSet
    assert "origin-proto" in html and "origin-user" in html
    assert "train.py" in html and "util.py" in html
    assert "ValueError: boom" in html  # its output, both chunks
    assert 'id="lineage-graph"' in html and f'href="/runs/{fx.ids["a"]}"' in html
    detail = client.get(f"/api/runs/{b}").json()
    flags = {f["name"]: f for f in detail["flags"]}
    assert flags["lr"]["origin"] == "proto" and flags["lr"]["cause"] == fx.seqs["a_lr"]
    assert flags["lr"]["cause_run"] == fx.ids["a"]
    assert flags["epochs"]["origin"] == "user" and flags["epochs"]["value"] == "3"
    assert detail["proto"] == fx.ids["a"]

    a = client.get(f"/api/runs/{fx.ids['a']}").json()
    assert [x["path"] for x in a["artifacts"]] == ["model.bin"]
    assert [c["text"] for c in a["comments"]] == ["good baseline"]
    scalars = client.get(f"/api/runs/{fx.ids['a']}/scalars").json()
    assert scalars["loss"]["step"] == [1, 2] and scalars["loss"]["value"] == [1.0, 0.5]
    assert len(scalars["acc"]["ts"]) == 2
    out = client.get(f"/api/runs/{b}/output", params={"offset": 0}).json()
    assert out["text"].endswith("ValueError: boom\n") and out["offset"] == len(out["text"].encode())
    assert client.get(f"/api/runs/{b}/output", params={"offset": out["offset"]}).json()["text"] == ""
    live = client.get(f"/api/runs/{b}/live", params={"offset": 0}).json()
    assert live["status"]["status"] == "error" and live["scalars"]["loss"]["value"] == [2.0]
    # a run is named in URLs as on the command line too: an id prefix
    assert client.get(f"/runs/{b[:10]}").status_code == 200


def test_lineage_graph_links_protos_batches_and_descendants(client, fx):
    graph = client.get(f"/api/runs/{fx.ids['b']}/lineage").json()
    levels = {n["id"]: n["level"] for n in graph["nodes"]}
    assert levels == {fx.ids["a"]: -1, fx.ids["b"]: 0, fx.ids["d"]: 1}
    assert {(e["from"], e["to"], e["relation"]) for e in graph["edges"]} == {
        (fx.ids["a"], fx.ids["b"], "proto"), (fx.ids["b"], fx.ids["d"], "proto")}
    batch = client.get(f"/api/runs/{fx.ids['c']}/lineage").json()
    assert {e["relation"] for e in batch["edges"]} == {"trial"} and len(batch["nodes"]) == 4
    html = client.get(f"/runs/{fx.ids['t1']}").text
    assert f'href="/runs/{fx.ids["c"]}"' in html


def test_diff_against_proto_and_another_run(client, fx):
    page = client.get(f"/runs/{fx.ids['b']}/diff")
    assert page.status_code == 200 and "flag epochs: 2 -&gt; 3" in page.text
    other = client.get(f"/api/runs/{fx.ids['a']}/diff", params={"against": fx.ids["b"][:8]}).json()
    assert other["against"] == fx.ids["b"] and "flag epochs: 3 -> 2" in other["diff"]
    assert client.get(f"/api/runs/{fx.ids['a']}/diff").status_code == 404  # no proto, none named


def test_compare_selected_runs_and_a_batch(client, fx):
    t1, t2, t3 = fx.ids["t1"], fx.ids["t2"], fx.ids["t3"]
    data = client.get("/api/compare", params={"batch": fx.ids["c"]}).json()
    assert data["ids"] == [t1, t2, t3]
    assert data["objective"] == {"key": "loss", "direction": "minimize"}
    assert data["differing_flags"] == ["lr"] and data["numeric_flags"] == ["lr"]
    assert [r["metrics"]["loss"] for r in data["runs"]] == [0.3, 0.1, 0.2]
    assert data["series"][t2]["loss"]["value"] == [0.9, 0.1]
    assert data["table"]["headers"][:4] == ["run", "op", "status", "label"]
    page = client.get("/compare", params=[("runs", fx.ids["a"]), ("runs", fx.ids["b"])])
    assert page.status_code == 200
    assert 'id="differing-flags"' in page.text and "epochs" in page.text
    assert client.get("/compare").status_code == 404


def test_sql_page_runs_queries_saved_queries_and_downloads(client, fx):
    page = client.get("/sql", params={"q": "SELECT label FROM runs WHERE status = 'error'"})
    assert page.status_code == 200 and "<td>from a</td>" in page.text
    data = client.get("/api/sql", params={"q": "SELECT count(*) AS n FROM runs"}).json()
    assert data == {"columns": ["n"], "rows": [[8]], "truncated": False}
    saved = client.get("/api/sql", params={"saved": "flag-origins", "p.run": fx.ids["b"]}).json()
    assert "origin" in saved["columns"] and len(saved["rows"]) == 3
    names = [q["name"] for q in client.get("/api/queries").json()]
    assert "best-trials" in names and "flag-origins" in names
    assert "best-trials" in client.get("/sql").text
    got = client.get("/sql/result.csv", params={"q": "SELECT id, label FROM runs ORDER BY seq LIMIT 2"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(got.text)))[1] == [fx.ids["a"], "lr=0.1 first"]
    parquet = client.get("/sql/result.parquet", params={"q": "SELECT id FROM runs ORDER BY seq"})
    assert parquet.status_code == 200 and parquet.content[:4] == b"PAR1"
    path = Path(fx.home.path).parent / "got.parquet"
    with open(path, "wb") as fh:
        fh.write(parquet.content)
    assert duckdb.sql(f"SELECT count(*) FROM '{path}'").fetchall() == [(8,)]


def test_integrity_status_on_every_page_and_verify_on_demand(client, fx):
    tip = client.get("/api/tip").json()
    assert tip["seq"] == fx.home.store.last_seq and tip["hash"] == fx.home.store.last_hash
    for url in ("/runs", f"/runs/{fx.ids['a']}", f"/compare?batch={fx.ids['c']}", "/sql", "/integrity"):
        html = client.get(url).text
        assert 'id="integrity"' in html and tip["hash"][:12] in html, url
    assert client.get("/api/integrity").json()["last_verify"] is None
    # the fixture's source files name blobs it never stored: verify says so
    done = client.get("/api/integrity", params={"verify": 1}).json()["last_verify"]
    assert done["ok"] is False and done["bad_blob"] == "a" * 64 and "missing" in done["summary"]
    assert "FAILED" in client.get("/runs").text
    assert client.get("/integrity?verify=1").status_code == 200  # redirected to the status page


def test_events_files_static_and_unknown_things(client, fx):
    ev = client.get(f"/api/events/{fx.seqs['a_lr']}").json()
    assert ev["type"] == "FlagSet" and ev["data"]["name"] == "lr"
    assert client.get("/api/events/999999").status_code == 404
    assert client.get("/runs/ffffffff").status_code == 404
    assert client.get("/api/runs/ffffffff").json()["error"].startswith("no run matches")
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and b"plotly" in js.content[:2000].lower()
    assert client.get("/static/view.js").status_code == 200
    assert client.get("/static/nothing.css").status_code == 404
    assert client.get("/").status_code == 200  # redirected to /runs


def test_rid_helper_names_fixture_runs(fx):
    assert fx.ids["a"] == rid("runa")
