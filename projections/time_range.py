"""Guild's time ranges (`-Fs/--started RANGE`), read in local time.

    today, yesterday, this week, 3 days ago       a whole minute/hour/day/week/month/year
    last 30 minutes, last hour, last 2 days       from exactly that long ago until now
    before 2026-01-01, after 10:00, after 2 days ago
    between 2026-01-01 and 2026-01-31, between 9:00 and 17:00
    2026-01-15, 2026-01-15 14:30                  that day, that minute

`N UNIT ago` is the whole unit N units back (`1 week ago` is last Monday to
this Monday); `before X` ends where X starts, `after X` starts where a unit
range ends and where an explicit date or time begins. `last N` takes only
minutes, hours and days: a month back is not one length of time. A month
range ends at the first of the next month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from ledger.errors import LedgerError
from ledger.limits import is_digits

_UNITS = {
    "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute",
    "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
    "day": "day", "days": "day", "week": "week", "weeks": "week",
    "month": "month", "months": "month", "year": "year", "years": "year",
}  # fmt: skip
_WORDS = {"today", "yesterday", "this", "last", "ago", "before", "after", "between", "and"}
_DATE = re.compile(r"^(?:(\d{2}|\d{4})-)?(\d{1,2})-(\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


class RangeError(LedgerError):
    """A time range that cannot be read."""


@dataclass(frozen=True)
class _Span:
    """A time range as typed, in UTC."""

    start: datetime
    end: datetime
    explicit: bool  # a date or time as written, not a unit range


def parse_range(text: str, now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
    """(start, end) in UTC for a range typed by the user; either may be
    None (open). A run matches when start <= its time < end."""
    ref = (now or datetime.now()).replace(microsecond=0)
    words = text.lower().split()
    try:
        start, end = _Reader(words, ref).whole()
    except ValueError as e:  # a day or an hour out of range
        raise RangeError(f"time range {text!r}: {e}; write e.g. 2026-01-31 or 23:59") from None
    except OverflowError:  # `last 99999999999 days`: before any date a clock can show
        raise RangeError(
            f"time range {text!r} reaches too far back; write e.g. 'last 30 days' or 'before 2020-01-01'"
        ) from None
    except _Unexpected as e:
        what = f"unexpected {e.word!r}" if e.word else "unexpected end"
        raise RangeError(
            f"time range {text!r}: {what}; write e.g. 'last 1 hour', today, 'this week', 'after 2026-01-01'"
            " or 'between 9:00 and 17:00'"
        ) from None
    return _utc(start), _utc(end)


def _utc(when: datetime | None) -> datetime | None:
    return None if when is None else when.astimezone(timezone.utc)  # a naive time is local


class _Unexpected(Exception):
    def __init__(self, word: str) -> None:
        self.word = word


class _Reader:
    def __init__(self, words: list[str], ref: datetime) -> None:
        self.words = words
        self.i = 0
        self.ref = ref

    def peek(self, ahead: int = 0) -> str:
        at = self.i + ahead
        return self.words[at] if at < len(self.words) else ""

    def take(self) -> str:
        word = self.peek()
        if not word:
            raise _Unexpected("")
        self.i += 1
        return word

    def whole(self) -> tuple[datetime | None, datetime | None]:
        word = self.peek()
        if word == "before":
            self.take()
            span = self.span()
            out: tuple[datetime | None, datetime | None] = (None, span.start)
        elif word == "after":
            self.take()
            span = self.span()
            out = (span.start if span.explicit else span.end, None)
        elif word == "between":
            self.take()
            first = self.span()
            if self.take() != "and":
                raise _Unexpected(self.words[self.i - 1])
            second = self.span()
            out = (min(first.start, second.start), max(first.end, second.end))
        elif word == "last":
            self.take()
            count = int(self.take()) if is_digits(self.peek()) else 1
            unit = _UNITS.get(self.take())
            if unit not in ("minute", "hour", "day"):
                raise _Unexpected(self.words[self.i - 1])
            out = (self.ref - timedelta(**{f"{unit}s": count}), None)
        else:
            span = self.span()
            out = (span.start, span.end)
        if self.peek():
            raise _Unexpected(self.peek())
        return out

    def span(self) -> _Span:
        word = self.take()
        if word == "today":
            return self.unit("day", 0)
        if word == "yesterday":
            return self.unit("day", 1)
        if word == "this":
            unit = _UNITS.get(self.take())
            if unit is None:
                raise _Unexpected(self.words[self.i - 1])
            return self.unit(unit, 0)
        if is_digits(word) and self.peek() in _UNITS:
            unit = _UNITS[self.take()]
            if self.take() != "ago":
                raise _Unexpected(self.words[self.i - 1])
            return self.unit(unit, int(word))
        return self.explicit(word)

    def unit(self, unit: str, back: int) -> _Span:
        ref = self.ref
        if unit in ("minute", "hour", "day", "week"):
            floor = {
                "minute": ref.replace(second=0),
                "hour": ref.replace(minute=0, second=0),
                "day": datetime.combine(ref.date(), time()),
                "week": datetime.combine(ref.date() - timedelta(days=ref.weekday()), time()),
            }[unit]
            step = timedelta(**{f"{unit}s": 1})
            start = floor - back * step
            return _Span(start, start + step, False)
        if unit == "month":
            months = ref.year * 12 + ref.month - 1 - back
            start = datetime(months // 12, months % 12 + 1, 1)
            return _Span(start, datetime((months + 1) // 12, (months + 1) % 12 + 1, 1), False)
        start = datetime(ref.year - back, 1, 1)
        return _Span(start, datetime(ref.year - back + 1, 1, 1), False)

    def explicit(self, word: str) -> _Span:
        day: date | None = None
        m = _DATE.match(word)
        if m:
            year = int(m.group(1)) if m.group(1) else self.ref.year
            if m.group(1) and len(m.group(1)) == 2:  # as strptime reads %y
                year += 1900 if year >= 69 else 2000
            day = date(year, int(m.group(2)), int(m.group(3)))
            if not _TIME.match(self.peek()):
                start = datetime.combine(day, time())
                return _Span(start, start + timedelta(days=1), True)
            word = self.take()
        t = _TIME.match(word)
        if not t:
            raise _Unexpected(word)
        seconds = t.group(3)
        at = time(int(t.group(1)), int(t.group(2)), int(seconds or 0))
        start = datetime.combine(day or self.ref.date(), at)
        return _Span(start, start + timedelta(seconds=1 if seconds else 60), True)
