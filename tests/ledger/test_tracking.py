"""The logging API's client: what a script's `ledger.log` calls put in the
spool, as the recorder reads it back (frames of columns)."""

from __future__ import annotations

import marshal
from array import array
from fractions import Fraction
from pathlib import Path

import pytest

from ledger import tracking


def read_spool(path: Path) -> list[tuple[str, float, int]]:
    """(key, value, step) of every point in the spool, in order."""
    data, points = path.read_bytes(), []
    while data:
        size = int.from_bytes(data[:4], "little")
        tag, keys, key_index, values, steps, _times, sizes = marshal.loads(data[4 : 4 + size])
        data = data[4 + size :]
        assert tag == tracking.COLUMNS
        key_of, value_of = array("I", key_index), array("d", values)
        at = 0
        for step, count in zip(array("q", steps), array("I", sizes)):
            points += [(keys[key_of[i]], value_of[i], step) for i in range(at, at + count)]
            at += count
    return points


@pytest.fixture
def client(tmp_path: Path) -> tracking._Client:
    return tracking._Client(str(tmp_path / "spool"))


def test_points_keep_their_keys_values_and_steps(client: tracking._Client, tmp_path: Path) -> None:
    client.log({"loss": 0.5, "acc": 1}, step=3)
    client.log({"lr": True, "loss": Fraction(1, 4)})  # loss again without a step: the next step
    client.log({"acc": 0.75})  # a key not logged at this step yet: the same step
    client.log({"loss": 0.125})
    client.flush()
    assert read_spool(tmp_path / "spool") == [
        ("loss", 0.5, 3), ("acc", 1.0, 3), ("lr", 1.0, 4), ("loss", 0.25, 4), ("acc", 0.75, 4), ("loss", 0.125, 5),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "metrics",
    [{"loss": "0.5"}, {"loss": b"1"}, {"": 1.0}, {3: 1.0}, {"loss": 0.1, "acc": "high"}, {"x": None}],
)
def test_a_bad_name_or_value_records_nothing_of_the_call(
    client: tracking._Client, tmp_path: Path, metrics: dict
) -> None:
    client.log({"ok": 1.0}, step=1)
    with pytest.raises(TypeError):
        client.log(metrics, step=5)
    client.log({"ok": 2.0})  # the failed call moved neither the step nor the names seen at it
    client.flush()
    assert read_spool(tmp_path / "spool") == [("ok", 1.0, 1), ("ok", 2.0, 2)]


def test_a_number_too_big_for_a_float_fails_the_call_and_keeps_the_columns_aligned(
    client: tracking._Client, tmp_path: Path
) -> None:
    with pytest.raises(OverflowError):
        client.log({"loss": 0.5, "big": 10**400}, step=1)
    client.log({"loss": 0.25}, step=2)
    client.flush()
    assert read_spool(tmp_path / "spool") == [("loss", 0.25, 2)]
