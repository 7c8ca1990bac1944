"""requires:, env: and steps: on a small prepare -> train project."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tests.e2e.conftest import Ledger, assert_output


def run_dir(ledger: Ledger, ref: str = "1") -> Path:
    return Path(ledger("select", ref, "--path").out.strip())


def test_requires_links_the_latest_prepare_and_copies_the_file(pipeline: Ledger) -> None:
    pipeline("run", "prepare", "rows=2", "-y")
    pipeline("run", "prepare", "rows=4", "-y")
    out = pipeline("run", "train", "lr=0.3", "-y").out
    assert out.splitlines()[0] == "trained on 4 rows with lr=0.3 config=depth=2 mode=fast"
    train = run_dir(pipeline)
    prepared = run_dir(pipeline, "2")
    assert os.path.islink(train / "data.txt")
    assert os.path.realpath(train / "data.txt") == str((prepared / "data.txt").resolve())
    copied = train / "conf" / "config.txt"
    assert copied.read_text() == "depth=2\n" and not os.path.islink(copied)


def test_each_resolution_is_an_event(pipeline: Ledger) -> None:
    pipeline("run", "prepare", "-y")
    prepare_id = pipeline("select").out.strip()
    pipeline("run", "train", "-y")
    log = pipeline("log", "1").out
    resolved = [line for line in log.splitlines() if "DependencyResolved" in line]
    assert len(resolved) == 2
    assert f"operation prepare from run {prepare_id[:8]}" in resolved[0]
    assert "file config.txt from project" in resolved[1]
    sha = hashlib.sha256(b"depth=2\n").hexdigest()
    lineage = pipeline("lineage", "1").out
    assert f"requires operation prepare from run {prepare_id[:8]}, linked: data.txt" in lineage
    assert f"requires file config.txt from the project, copied: conf/config.txt ({sha[:12]})" in lineage


def test_a_named_run_satisfies_the_requirement(pipeline: Ledger) -> None:
    pipeline("run", "prepare", "rows=5", "-y")
    first = pipeline("select").out.strip()
    pipeline("run", "prepare", "rows=1", "-y")
    out = pipeline("run", "train", f"prepare={first[:8]}", "-y").out
    assert out.startswith("trained on 5 rows")
    assert "prepare=" not in pipeline("runs", "-s").out.splitlines()[0]  # a requirement is not a flag


def test_env_is_set_recorded_and_redacted(pipeline: Ledger) -> None:
    pipeline("run", "prepare", "-y")
    assert "mode=fast" in pipeline("run", "train", "-y").out
    env = (run_dir(pipeline) / ".ledger" / "attrs" / "env").read_text()
    assert "MODE: fast" in env
    assert "s3cret-value" not in env and "API_TOKEN:" in env
    assert "s3cret-value" not in pipeline("log", "1", "--json").out


def test_a_pipeline_runs_its_steps_as_children_with_flags_passed_down(pipeline: Ledger) -> None:
    out = pipeline("run", "all", "lr=0.7", "-y", merged=True).out
    assert_output(
        """
INFO: [ledger] running prepare: prepare rows=3
prepared 3 rows
INFO: [ledger] running train: train lr=0.7
trained on 3 rows with lr=0.7 config=depth=2 mode=fast
loss: 1.4
""",
        out,
    )
    assert_output(
        """
[1]  train    completed  lr=0.7
[2]  prepare  completed  rows=3
[3]  all      completed  lr=0.7 rows=3
""",
        pipeline("runs", "-s").out,
    )
    pipe = run_dir(pipeline, "3")
    assert sorted(p.name for p in pipe.iterdir() if p.name != ".ledger") == ["prepare", "train"]
    assert os.path.realpath(pipe / "train") == str(run_dir(pipeline, "1").resolve())
    lineage = pipeline("lineage", "1").out
    assert "<- step of pipeline" in lineage and "all  (completed)" in lineage
    tree = pipeline("lineage", "3", "--descendants").out
    assert tree.count("[step of ") == 2 and "trial of" not in tree


def test_needed_skips_a_run_already_done(pipeline: Ledger) -> None:
    pipeline("run", "prepare", "-y")
    result = pipeline("run", "prepare", "--needed", "-y")
    assert "has the same flags (--needed)" in result.err
    assert len(pipeline("runs").out.splitlines()) == 1


def test_proto_of_a_pipeline_replays_it(pipeline: Ledger) -> None:
    pipeline("run", "all", "lr=0.2", "-y")
    pipe = pipeline("select", "3").out.strip()
    out = pipeline("run", "--proto", pipe, "rows=6", "-y", merged=True).out
    assert "running train: train lr=0.2" in out and "prepared 6 rows" in out
    assert pipeline("runs", "-s").out.splitlines()[2].split()[1:4] == ["all", "completed", "lr=0.2"]


def test_runs_info_shows_resolutions_and_steps(pipeline: Ledger) -> None:
    pipeline("run", "all", "-y")
    train, prepare, pipe = (pipeline("select", ref).out.strip() for ref in ("1", "2", "3"))
    info = pipeline("runs", "info", "1").out
    sha = hashlib.sha256(b"depth=2\n").hexdigest()
    assert f"dependencies:\n  prepare: operation from run {prepare} (linked)\n    data.txt: " in info
    assert f"  config.txt: file from project (copied)\n    conf/config.txt: {sha}\n" in info
    steps = pipeline("runs", "info", "3").out
    assert pipe in steps and f"steps:\n  prepare: {prepare} (completed)\n  train: {train} (completed)" in steps
