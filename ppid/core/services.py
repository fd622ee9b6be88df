"""Core services: the working-day calendar as the registry knows it, local dates, throttling."""
from datetime import date, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import sqlalchemy as sa
from blinker import Namespace
from flask import current_app

from ppid.core import audit
from ppid.core.calendar import Calendar, Entry
from ppid.core.db import utcnow
from ppid.core.models import CalendarEntry, LoginAttempt
from ppid.extensions import db

signals = Namespace()
# Sent after the calendar table changed (sender: the app); receivers recompute open
# deadlines in the same transaction. Keyword args: actor, days (the dates that changed).
calendar_changed = signals.signal("calendar-changed")


@lru_cache(maxsize=8)
def _national_holidays(categories: tuple, language: str):
    # The holidays object fills further years on demand when a date is looked up.
    return holidays.country_holidays("ID", categories=categories, language=language)


def national_holidays():
    cfg = current_app.config
    return _national_holidays(tuple(cfg["HOLIDAY_CATEGORIES"]), cfg.get("HOLIDAY_LANGUAGE", "id"))


def build_calendar() -> Calendar:
    """The calendar in force: the holidays package plus the registry's calendar table."""
    rows = db.session.execute(sa.select(CalendarEntry.day_on, CalendarEntry.is_working_day,
                                        CalendarEntry.reason))  # plain rows: no ORM objects
    entries = {day: Entry(working, reason) for day, working, reason in rows}
    return Calendar(holidays=_HolidayView(national_holidays()), entries=entries)


class _HolidayView:
    """Read-only date -> name mapping over a ``holidays`` object (which expands by year)."""

    def __init__(self, hol):
        self._hol = hol

    def get(self, day, default=None):
        if day in self._hol:  # membership test loads the year on demand
            return self._hol.get(day)
        return default


def timezone():
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_date(moment) -> date:
    """The local date (registry time zone) of an aware timestamp."""
    return moment.astimezone(timezone()).date()


def local_today(now=None) -> date:
    return local_date(now or utcnow())


def save_calendar_entry(day_on, is_working_day, reason, *, actor):
    """Add or change the calendar entry for ``day_on``; recomputes open deadlines."""
    entry = db.session.execute(
        sa.select(CalendarEntry).where(CalendarEntry.day_on == day_on)).scalar_one_or_none()
    before = None
    if entry is None:
        entry = CalendarEntry(day_on=day_on, created_by_id=getattr(actor, "id", None))
        db.session.add(entry)
    else:
        before = {"is_working_day": entry.is_working_day, "reason": entry.reason}
    entry.is_working_day = bool(is_working_day)
    entry.reason = reason
    db.session.flush()
    audit.record("calendar.save", entry, actor=actor, changes=audit.diff(
        before or {}, {"day_on": day_on, "is_working_day": entry.is_working_day,
                       "reason": reason}))
    calendar_changed.send(current_app._get_current_object(), actor=actor, days=[day_on])
    return entry


def delete_calendar_entry(entry, *, actor):
    day_on = entry.day_on
    audit.record("calendar.delete", entry, actor=actor, changes={
        "day_on": day_on, "is_working_day": entry.is_working_day, "reason": entry.reason})
    db.session.delete(entry)
    db.session.flush()
    calendar_changed.send(current_app._get_current_object(), actor=actor, days=[day_on])


# --- Login throttling -------------------------------------------------------------------

def login_is_throttled(email, ip, *, now=None) -> bool:
    """Too many recent failures for this account or from this address (either blocks)."""
    cfg = current_app.config
    since = (now or utcnow()) - timedelta(seconds=int(cfg["LOGIN_WINDOW_SECONDS"]))
    failures = sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.is_success.is_(False), LoginAttempt.occurred_at >= since)
    # Failures before the account's last successful login no longer count against it.
    last_ok = db.session.execute(sa.select(sa.func.max(LoginAttempt.occurred_at)).where(
        LoginAttempt.email == email, LoginAttempt.is_success.is_(True))).scalar_one()
    account_failures = failures.where(LoginAttempt.email == email)
    if last_ok is not None:
        account_failures = account_failures.where(LoginAttempt.occurred_at > last_ok)
    by_account = db.session.execute(account_failures).scalar_one()
    if by_account >= int(cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        return True
    by_ip = db.session.execute(failures.where(LoginAttempt.ip == ip)).scalar_one()
    return by_ip >= int(cfg["LOGIN_MAX_FAILURES_PER_IP"])


def record_login_attempt(email, ip, *, success, now=None):
    db.session.add(LoginAttempt(email=email[:320], ip=ip[:64], is_success=success,
                                occurred_at=now or utcnow()))
    db.session.flush()
