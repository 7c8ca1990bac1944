"""Envelope time stamps: written by now_ts, read back by parse_ts."""

from datetime import datetime, timedelta, timezone

import pytest

from ledger.sealing import now_ts, parse_ts


def test_a_stamp_reads_back_as_the_utc_instant_it_was_written_at():
    before = datetime.now(timezone.utc)
    ts = now_ts()
    when = parse_ts(ts)
    assert when.tzinfo is not None and when.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= when <= datetime.now(timezone.utc)
    assert when.strftime("%Y-%m-%dT%H:%M:%S.%fZ") == ts


def test_microseconds_are_kept_exactly():
    assert parse_ts("2026-11-26T04:00:00.000001Z") == datetime(2026, 11, 26, 4, 0, 0, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("bad", ["", "2026-11-26T04:00:00.123456", "2026-11-26T04:00:00.123456+02:00", "yesterdayZ"])
def test_anything_but_a_utc_stamp_is_refused(bad):
    with pytest.raises(ValueError):
        parse_ts(bad)
