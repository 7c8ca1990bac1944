"""--proto beyond the reference: chains, trials as protos, deleted and purged
protos, --plan, and the audit trail (log, lineage, diff)."""

from __future__ import annotations

import json

from tests.e2e.conftest import Ledger, assert_output


def test_lineage_follows_a_chain_of_five_protos(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    for x in range(2, 7):
        ledger("run", "--proto", ledger("select").out.strip(), f"x={x}", "-y")
    steps = json.loads(ledger("lineage", "--json").out)
    assert len(steps) == 6
    assert [s["relation"] for s in steps] == ["proto"] * 5 + [None]
    for i, step in enumerate(steps[:-1]):
        flag = step["changes"]["flags"]["x"]
        assert flag == {"old": float(5 - i), "new": float(6 - i), "origin": "user"}
        assert "sourcecode_digest" not in step["changes"]  # the proto's source, unchanged
    text = ledger("lineage").out
    assert text.count("<- proto") == 5
    assert "x: 5.0 -> 6.0 (user)" in text


def test_trials_of_a_batch_are_protos_and_lineage_shows_the_batch(ledger: Ledger) -> None:
    ledger("run", "echo", "x=[1,2]", "--keep-batch", "-y")
    trial = ledger("select", "1").out.strip()
    assert_output("2.0 5 'a'", ledger("run", "--proto", trial, "y=5", "-y", merged=True).out)
    steps = json.loads(ledger("lineage", "--json").out)
    assert [s["relation"] for s in steps] == ["proto", "batch", None]
    assert steps[0]["changes"]["flags"] == {"y": {"old": 2, "new": 5, "origin": "user"}}
    assert steps[1]["trial_flags"] == {"x": 2.0}
    assert steps[2]["op"] == "echo+"
    tree = json.loads(ledger("lineage", "--descendants", "--json", steps[2]["run"]).out)
    assert sorted(c["relation"] for c in tree["children"]) == ["batch", "batch"]
    grandchildren = [g for c in tree["children"] for g in c["children"]]
    assert [g["relation"] for g in grandchildren] == ["proto"]


def test_a_deleted_run_is_still_a_proto(ledger: Ledger) -> None:
    ledger("run", "echo", "x=4", "-y")
    first = ledger("select").out.strip()
    ledger("delete", "1", "-y")
    assert ledger("runs", "-s").out.strip() == ""
    assert_output("4.0 2 'a'", ledger("run", "--proto", first, "-y", merged=True).out)
    steps = json.loads(ledger("lineage", "--json").out)
    assert steps[1]["run"] == first and steps[1]["deleted"] is True


def test_purged_source_needs_force_sourcecode(ledger: Ledger) -> None:
    (ledger.cwd / "solo.py").write_text("print('solo')\n")
    ledger("run", "solo.py", "-y")
    first = ledger("select").out.strip()
    (ledger.cwd / "solo.py").write_text("print('solo-2')\n")
    ledger("delete", "1", "-y")
    ledger("purge", "1", "-y")
    result = ledger.fails("run", "--proto", first, "-y")
    assert "--force-sourcecode" in result.err
    assert_output("solo-2", ledger("run", "--proto", first, "--force-sourcecode", "-y", merged=True).out)


def test_plan_prints_the_events_and_appends_nothing(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    first = ledger("select").out.strip()
    before = ledger.log_bytes()
    out = ledger("run", "--proto", first, "x=9", "--plan").out
    assert ledger.log_bytes() == before
    lines = out.splitlines()
    assert lines[0].startswith("RunCreated") and f"proto={first[:8]}" in lines[0]
    assert any(line.startswith("FlagSet") and "x=9.0 (user)" in line for line in lines)
    assert any(line.startswith("FlagSet") and "y=2 (proto)" in line for line in lines)
    assert any(line.startswith("SourcecodeCopied") and f"from {first[:8]}" in line for line in lines)


def test_log_and_diff(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    (ledger.cwd / "echo.py").write_text((ledger.cwd / "echo.py").read_text().replace("print(", "print('v2')\nprint("))
    ledger("run", "--proto", ledger("select").out.strip(), "x=2", "--force-sourcecode", "-y")
    log = ledger("log", "1").out.splitlines()
    assert [line.split()[3] for line in log] == [
        "RunCreated", "FlagSet", "FlagSet", "FlagSet", "LabelSet", "SourcecodeCopied",
        "RunStarted", "OutputCaptured", "ScalarsLogged", "RunStopped",
    ]
    events = [json.loads(line) for line in ledger("log", "1", "--json").out.splitlines()]
    assert events[0]["data"]["proto"] and all(e["hash"] for e in events)
    diff = ledger("diff", "2", "1").out
    assert "flag x: 1.0 -> 2.0" in diff
    assert "metric loss: 1.0 (step 0; min 1.0, max 1.0) -> 2.0 (step 0; min 2.0, max 2.0)" in diff
    assert "+print('v2')" in diff


def test_bad_proto_input_appends_nothing(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    first = ledger("select").out.strip()
    ledger.fails("run", "--proto", "ffffffff", "-y")
    ledger.fails("run", "--proto", first, "nope=1", "-y")
    ledger.fails("run", "nope-op", "--proto", first, "-y")
    ledger.fails("run", "--proto", first, "x=abc", "-y")
