"""Guild's time ranges (`-Fs RANGE`) against a fixed local reference time."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ledger.projections.time_range import RangeError, parse_range

REF = datetime(2019, 5, 1, 14, 35, 23)  # a Wednesday, local time


def local(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(timezone.utc)


@pytest.mark.parametrize(
    "spec, start, end",
    [
        ("this minute", "2019-05-01 14:35:00", "2019-05-01 14:36:00"),
        ("5 minutes ago", "2019-05-01 14:30:00", "2019-05-01 14:31:00"),
        ("1 hour ago", "2019-05-01 13:00:00", "2019-05-01 14:00:00"),
        ("24 hours ago", "2019-04-30 14:00:00", "2019-04-30 15:00:00"),
        ("today", "2019-05-01 00:00:00", "2019-05-02 00:00:00"),
        ("yesterday", "2019-04-30 00:00:00", "2019-05-01 00:00:00"),
        ("2 days ago", "2019-04-29 00:00:00", "2019-04-30 00:00:00"),
        ("this week", "2019-04-29 00:00:00", "2019-05-06 00:00:00"),
        ("2 weeks ago", "2019-04-15 00:00:00", "2019-04-22 00:00:00"),
        ("this month", "2019-05-01 00:00:00", "2019-06-01 00:00:00"),
        ("39 months ago", "2016-02-01 00:00:00", "2016-03-01 00:00:00"),
        ("1 year ago", "2018-01-01 00:00:00", "2019-01-01 00:00:00"),
        ("before 2018-4-29", None, "2018-04-29 00:00:00"),
        ("before 2019-4-29 9:35:05", None, "2019-04-29 09:35:05"),
        ("before 89-4-1", None, "1989-04-01 00:00:00"),
        ("before 4-28 15:45", None, "2019-04-28 15:45:00"),
        ("before today", None, "2019-05-01 00:00:00"),
        ("before 10 minutes ago", None, "2019-05-01 14:25:00"),
        ("after 2018-4-29", "2018-04-29 00:00:00", None),
        ("after 23:30", "2019-05-01 23:30:00", None),
        ("after yesterday", "2019-05-01 00:00:00", None),
        ("after 3 days ago", "2019-04-29 00:00:00", None),
        ("last 2 minutes", "2019-05-01 14:33:23", None),
        ("last hour", "2019-05-01 13:35:23", None),
        ("last 1 hour", "2019-05-01 13:35:23", None),
        ("last 10 days", "2019-04-21 14:35:23", None),
        ("between today and yesterday", "2019-04-30 00:00:00", "2019-05-02 00:00:00"),
        ("between 10 minutes ago and 5 minutes ago", "2019-05-01 14:25:00", "2019-05-01 14:31:00"),
        ("between 1-31 and 1-1", "2019-01-01 00:00:00", "2019-02-01 00:00:00"),
        ("between 0:00:05 and 12:00:45", "2019-05-01 00:00:05", "2019-05-01 12:00:46"),
        ("10:00", "2019-05-01 10:00:00", "2019-05-01 10:01:00"),
        ("2018-10-31 14:30:05", "2018-10-31 14:30:05", "2018-10-31 14:30:06"),
        ("2018-10-31", "2018-10-31 00:00:00", "2018-11-01 00:00:00"),
        ("ToDaY", "2019-05-01 00:00:00", "2019-05-02 00:00:00"),
    ],
)
def test_ranges_read_as_guild_reads_them(spec: str, start: str | None, end: str | None) -> None:
    assert parse_range(spec, REF) == (local(start), local(end))


@pytest.mark.parametrize(
    "spec, said",
    [
        ("aftr last week", "unexpected 'aftr'"),
        ("last 2 weeks", "unexpected 'weeks'"),  # a week back is not one length of time
        ("last month", "unexpected 'month'"),
        ("after the equinox", "unexpected 'the'"),
        ("today and", "unexpected 'and'"),
        ("between today", "unexpected end"),
        ("before 2018-4-31", "day is out of range for month"),
        ("between 11:00 and 24:00", "hour must be in 0..23"),
    ],
)
def test_a_range_that_cannot_be_read_says_where(spec: str, said: str) -> None:
    with pytest.raises(RangeError, match=said):
        parse_range(spec, REF)
