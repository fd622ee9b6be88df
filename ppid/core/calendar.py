"""Working days (hari kerja), as UU KIP counts every deadline.

Pure functions: the caller supplies the calendar (holidays plus the registry's own
entries); nothing here reads the clock, the app or the database.

A working day is Monday to Friday that is neither a national holiday nor cuti bersama
nor an extra non-working day in the registry's calendar table; a table entry may also
declare a listed day a working day after all (DOMAIN.md section 6).
"""
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Mapping

WEEKEND = "weekend"
MAX_WORKING_DAYS = 366  # guard against runaway loops on absurd input
# A calendar with no working day for this long is broken (e.g. every day closed).
_MAX_SCAN_DAYS = 3660


@dataclass(frozen=True)
class Entry:
    """A row of the registry's calendar table: a date, open or closed, and why."""

    is_working_day: bool
    reason: str


@dataclass(frozen=True)
class Calendar:
    """National holidays (date -> name; a ``holidays`` object works) and table entries."""

    holidays: Mapping[date, str] = field(default_factory=dict)
    entries: Mapping[date, Entry] = field(default_factory=dict)

    def closed_reason(self, day: date):
        """Why ``day`` is not a working day, or None if it is one."""
        entry = self.entries.get(day)
        if entry is not None:
            return None if entry.is_working_day else entry.reason
        name = self.holidays.get(day)
        if name:
            return name
        if day.weekday() >= 5:
            return WEEKEND
        return None

    def is_working_day(self, day: date) -> bool:
        return self.closed_reason(day) is None


@dataclass(frozen=True)
class Skipped:
    date: date
    reason: str


@dataclass(frozen=True)
class Deadline:
    """A deadline with its working shown: every non-working day passed over and why."""

    start: date
    effective_start: date
    working_days: int
    due_on: date
    skipped: tuple


def effective_receipt_day(cal: Calendar, received_on: date) -> date:
    """A request received on a non-working day counts as received on the next working day."""
    day = received_on
    for _ in range(_MAX_SCAN_DAYS):
        if cal.is_working_day(day):
            return day
        day += timedelta(days=1)
    raise ValueError("calendar has no working day within ten years")


def add_working_days(cal: Calendar, start: date, n: int) -> date:
    """The n-th working day after ``start``; the day after ``start`` is the first candidate."""
    return explain_deadline(cal, start, n, from_receipt=False).due_on


def explain_deadline(cal: Calendar, start: date, n: int, *, from_receipt: bool = True) -> Deadline:
    """Due date ``n`` working days after ``start`` with every skipped day and its reason.

    With ``from_receipt`` (the default, UU KIP Pasal 22(7)) a non-working ``start`` first
    moves to the effective receipt day; the days passed over on the way are listed too.
    """
    if n < 0 or n > MAX_WORKING_DAYS:
        raise ValueError(f"working days must be between 0 and {MAX_WORKING_DAYS}")
    skipped = []
    day = start
    if from_receipt:
        for _ in range(_MAX_SCAN_DAYS):
            reason = cal.closed_reason(day)
            if reason is None:
                break
            skipped.append(Skipped(day, reason))
            day += timedelta(days=1)
        else:
            raise ValueError("calendar has no working day within ten years")
    effective = day
    counted = 0
    scanned = 0
    while counted < n:
        day += timedelta(days=1)
        scanned += 1
        if scanned > _MAX_SCAN_DAYS:
            raise ValueError("calendar has no working day within ten years")
        reason = cal.closed_reason(day)
        if reason is None:
            counted += 1
        else:
            skipped.append(Skipped(day, reason))
    return Deadline(start, effective, n, day, tuple(skipped))


def working_days_between(cal: Calendar, start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end <= start).

    Used for "how many working days did the answer take" in reports.
    """
    if end <= start:
        return 0
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            count += 1
    return count
