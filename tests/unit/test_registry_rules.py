"""Staleness rules (DOMAIN.md section 5), table-driven; no app, no database."""
from datetime import date, datetime, timedelta, timezone

import pytest

from ppid.registry import rules
from ppid.registry.rules import BELUM_ADA, NIHIL, SEGERA, TERKINI, TERLAMBAT

D = date


@pytest.mark.parametrize("published, months, due", [
    (D(2025, 8, 31), 6, D(2026, 2, 28)),    # month end: 31 Aug + 6 months
    (D(2023, 8, 31), 6, D(2024, 2, 29)),    # leap year
    (D(2024, 2, 29), 12, D(2025, 2, 28)),   # from a leap day
    (D(2024, 2, 29), 48, D(2028, 2, 29)),
    (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2026, 3, 31), 6, D(2026, 9, 30)),
    (D(2026, 1, 15), 6, D(2026, 7, 15)),
    (D(2026, 7, 31), 6, D(2027, 1, 31)),
    (D(2026, 12, 31), 3, D(2027, 3, 31)),
])
def test_due_date_month_arithmetic(published, months, due):
    assert rules.due_date(published, months) == due


@pytest.mark.parametrize("published, nil, months, today, warning, status, due", [
    # never published, never declared nil
    (None, None, 6, D(2026, 5, 1), 30, BELUM_ADA, None),
    # 31 Aug + 6 months = 28 Feb: on the due day it is due soon, the day after overdue
    (D(2025, 8, 31), None, 6, D(2026, 2, 28), 30, SEGERA, D(2026, 2, 28)),
    (D(2025, 8, 31), None, 6, D(2026, 3, 1), 30, TERLAMBAT, D(2026, 2, 28)),
    # leap year: due 29 Feb 2024; 29 Feb is not yet overdue
    (D(2023, 8, 31), None, 6, D(2024, 2, 29), 30, SEGERA, D(2024, 2, 29)),
    (D(2023, 8, 31), None, 6, D(2024, 3, 1), 30, TERLAMBAT, D(2024, 2, 29)),
    # the warning window boundary: exactly 30 days before due is due soon, 31 is current
    (D(2026, 1, 15), None, 6, D(2026, 6, 15), 30, SEGERA, D(2026, 7, 15)),
    (D(2026, 1, 15), None, 6, D(2026, 6, 14), 30, TERKINI, D(2026, 7, 15)),
    # a configured window of 7 days
    (D(2026, 1, 15), None, 6, D(2026, 7, 8), 7, SEGERA, D(2026, 7, 15)),
    (D(2026, 1, 15), None, 6, D(2026, 7, 7), 7, TERKINI, D(2026, 7, 15)),
    # a period changed: the same publication is current at 12 months, overdue at 3
    (D(2026, 1, 15), None, 12, D(2026, 6, 1), 30, TERKINI, D(2027, 1, 15)),
    (D(2026, 1, 15), None, 3, D(2026, 6, 1), 30, TERLAMBAT, D(2026, 4, 15)),
    (D(2026, 1, 15), None, 1, D(2026, 2, 1), 30, SEGERA, D(2026, 2, 15)),
    # nil declarations count as current for their period
    (None, D(2026, 3, 1), 6, D(2026, 4, 1), 30, NIHIL, D(2026, 9, 1)),
    (D(2025, 1, 1), D(2026, 3, 1), 6, D(2026, 4, 1), 30, NIHIL, D(2026, 9, 1)),
    # ... and expire like a publication
    (None, D(2025, 3, 1), 6, D(2026, 4, 1), 30, TERLAMBAT, D(2025, 9, 1)),
    (None, D(2026, 3, 1), 6, D(2026, 8, 20), 30, SEGERA, D(2026, 9, 1)),
    # a publication newer than the nil declaration makes it current again; ties go to it
    (D(2026, 3, 2), D(2026, 3, 1), 6, D(2026, 4, 1), 30, TERKINI, D(2026, 9, 2)),
    (D(2026, 3, 1), D(2026, 3, 1), 6, D(2026, 4, 1), 30, TERKINI, D(2026, 9, 1)),
])
def test_staleness(published, nil, months, today, warning, status, due):
    st = rules.staleness(published, nil, months, today, warning)
    assert (st.status, st.due_on) == (status, due)
    assert st.is_nil == (status == NIHIL or (nil is not None and (published is None
                                                                   or nil > published)))


def test_staleness_default_window_is_30_days():
    assert rules.staleness(D(2026, 1, 15), None, 6, D(2026, 6, 15)).status == SEGERA
    assert rules.staleness(D(2026, 1, 15), None, 6, D(2026, 6, 14)).status == TERKINI


@pytest.mark.parametrize("applies_to, kind, expected", [
    ("semua", "pembantu", True), ("semua", "utama", True),
    ("utama", "utama", True), ("utama", "pembantu", False),
])
def test_applicability(applies_to, kind, expected):
    assert rules.applies_to_agency(applies_to, kind) is expected


@pytest.mark.parametrize("end_on, today, due", [
    (D(2026, 5, 1), D(2026, 5, 1), False),
    (D(2026, 5, 1), D(2026, 5, 2), True),
    (None, D(2026, 5, 2), False),
])
def test_exemption_review_due(end_on, today, due):
    assert rules.exemption_review_due(end_on, today) is due


def test_version_published_at_is_the_later_of_upload_and_publication():
    t0 = datetime(2026, 1, 1, 8, tzinfo=timezone.utc)
    t1 = t0 + timedelta(days=3)
    assert rules.version_published_at(t0, t1) == t1   # uploaded as a draft
    assert rules.version_published_at(t1, t0) == t1   # new version of a published item
    assert rules.version_published_at(t0, None) is None


def test_hours_to_publish():
    event = datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc)
    assert rules.hours_to_publish(event, event + timedelta(hours=5, minutes=30)) == 5.5
    assert rules.hours_to_publish(None, event) is None


@pytest.mark.parametrize("year, semester, start, end", [
    (2026, 1, D(2026, 1, 1), D(2026, 6, 30)),
    (2026, 2, D(2026, 7, 1), D(2026, 12, 31)),
])
def test_semester_range(year, semester, start, end):
    assert rules.semester_range(year, semester) == (start, end)
    assert rules.semester_of(start) == semester == rules.semester_of(end)


def test_republication_does_not_make_an_old_version_newer():
    """The item's first publication is what counts; a later version counts from its upload."""
    first = datetime(2026, 1, 10, 2, tzinfo=timezone.utc)
    draft_upload = first - timedelta(days=5)
    later_upload = first + timedelta(days=200)
    assert rules.version_published_at(draft_upload, first) == first
    assert rules.version_published_at(later_upload, first) == later_upload


@pytest.mark.parametrize("year, semester, effective", [
    (2026, 1, D(2026, 6, 30)),
    (2026, 2, D(2026, 12, 31)),
    (2024, 1, D(2024, 6, 30)),
])
def test_nil_counts_from_the_end_of_its_semester(year, semester, effective):
    assert rules.nil_effective_on(year, semester) == effective
    assert rules.semester_range(year, semester)[1] == effective


@pytest.mark.parametrize("year, semester, today, status, due", [
    # Semester I 2026 (ends 30 June): current until 30 June + 6 months, whenever typed
    (2026, 1, D(2026, 7, 2), NIHIL, D(2026, 12, 30)),
    (2026, 1, D(2026, 11, 23), NIHIL, D(2026, 12, 30)),
    (2026, 1, D(2026, 12, 1), SEGERA, D(2026, 12, 30)),
    (2026, 1, D(2026, 12, 31), TERLAMBAT, D(2026, 12, 30)),
    # Semester II 2026 declared during the semester: until the end of the next one
    (2026, 2, D(2026, 8, 1), NIHIL, D(2027, 6, 30)),
    # a nil for a long-past semester is overdue, not current
    (2025, 2, D(2026, 11, 23), TERLAMBAT, D(2026, 6, 30)),
    (2024, 1, D(2026, 11, 23), TERLAMBAT, D(2024, 12, 30)),
])
def test_staleness_of_a_nil_follows_its_period(year, semester, today, status, due):
    st = rules.staleness(None, rules.nil_effective_on(year, semester), 6, today)
    assert (st.status, st.due_on, st.is_nil) == (status, due, True)
    assert st.last_published_on == rules.nil_effective_on(year, semester)


def test_a_publication_on_the_last_day_of_the_semester_wins_over_its_nil():
    st = rules.staleness(D(2026, 6, 30), rules.nil_effective_on(2026, 1), 6, D(2026, 7, 1))
    assert (st.status, st.is_nil) == (TERKINI, False)


@pytest.mark.parametrize("today, previous, current", [
    (D(2026, 1, 1), (2025, 2), (2026, 1)),
    (D(2026, 6, 30), (2025, 2), (2026, 1)),
    (D(2026, 7, 1), (2026, 1), (2026, 2)),
    (D(2026, 11, 23), (2026, 1), (2026, 2)),
    (D(2026, 12, 31), (2026, 1), (2026, 2)),
])
def test_nil_periods_open_are_the_previous_and_the_current_semester(today, previous, current):
    assert rules.nil_periods_open(today) == (previous, current)


@pytest.mark.parametrize("year, semester", [(2025, 2), (2026, 1), (2026, 2), (2000, 1)])
def test_semester_index_round_trip_and_order(year, semester):
    index = rules.semester_index(year, semester)
    assert rules.semester_from_index(index) == (year, semester)
    assert rules.semester_index(year, 1) < rules.semester_index(year, 2) \
        < rules.semester_index(year + 1, 1)
    assert rules.semester_label(year, semester).startswith("Semester ")
