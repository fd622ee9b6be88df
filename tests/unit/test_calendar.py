"""The working-day rules of DOMAIN.md section 6 with the real 2026 Indonesian calendar."""
from datetime import date

import holidays
import pytest

from ppid.core.calendar import (Calendar, Entry, add_working_days, effective_receipt_day,
                                explain_deadline, working_days_between)

ID_2026 = holidays.country_holidays("ID", years=range(2025, 2028),
                                    categories=("public", "government"), language="id")
CAL = Calendar(holidays=ID_2026)
PLAIN = Calendar()  # weekends only


@pytest.mark.parametrize("day, working", [
    (date(2026, 11, 23), True),    # Monday
    (date(2026, 11, 28), False),   # Saturday
    (date(2026, 11, 29), False),   # Sunday
    (date(2026, 3, 19), False),    # Nyepi (Hari Suci Nyepi)
    (date(2026, 3, 18), False),    # cuti bersama Nyepi
    (date(2026, 3, 23), False),    # cuti bersama Idul Fitri
    (date(2026, 8, 17), False),    # Independence Day, a Monday
    (date(2026, 12, 25), False),   # Christmas
    (date(2026, 12, 24), False),   # cuti bersama Christmas
    (date(2026, 12, 23), True),
])
def test_working_day(day, working):
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize("received, n, due, why", [
    (date(2026, 11, 23), 10, date(2026, 12, 7), "DOMAIN.md example: Monday + 10 = Monday"),
    (date(2026, 3, 16), 10, date(2026, 4, 7), "Nyepi, Idul Fitri and cuti bersama skipped"),
    (date(2026, 8, 10), 10, date(2026, 8, 26), "Independence Day and Maulid Nabi skipped"),
    (date(2026, 12, 18), 10, date(2027, 1, 7),
     "Christmas, cuti bersama, New Year, Isra Mikraj 2027 skipped"),
    (date(2026, 11, 28), 10, date(2026, 12, 14), "received Saturday: counts from Monday"),
    (date(2026, 3, 19), 1, date(2026, 3, 26), "received on Nyepi: effective day 25 March"),
])
def test_deadlines(received, n, due, why):
    assert explain_deadline(CAL, received, n).due_on == due, why


def test_received_on_saturday_moves_to_monday_and_shows_the_skipped_days():
    d = explain_deadline(CAL, date(2026, 11, 28), 10)
    assert d.effective_start == date(2026, 11, 30)
    skipped = [(s.date, s.reason) for s in d.skipped]
    assert skipped[:2] == [(date(2026, 11, 28), "weekend"), (date(2026, 11, 29), "weekend")]
    assert d.due_on == date(2026, 12, 14)


def test_explanation_names_each_holiday():
    d = explain_deadline(CAL, date(2026, 3, 16), 10)
    reasons = {s.date: s.reason for s in d.skipped}
    assert "Nyepi" in reasons[date(2026, 3, 19)]
    assert "Idul Fitri" in reasons[date(2026, 3, 21)]
    assert reasons[date(2026, 3, 28)] == "weekend"
    # Every day between the effective start and the due date is either counted or skipped.
    counted = (d.due_on - d.effective_start).days - sum(
        1 for s in d.skipped if s.date > d.effective_start)
    assert counted == 10


def test_effective_receipt_day():
    assert effective_receipt_day(CAL, date(2026, 11, 23)) == date(2026, 11, 23)
    assert effective_receipt_day(CAL, date(2026, 3, 18)) == date(2026, 3, 25)


def test_calendar_entry_closes_a_day_and_moves_the_deadline():
    before = add_working_days(CAL, date(2026, 11, 23), 10)
    regional = Calendar(holidays=ID_2026,
                        entries={date(2026, 12, 1): Entry(False, "Hari jadi daerah")})
    after = add_working_days(regional, date(2026, 11, 23), 10)
    assert (before, after) == (date(2026, 12, 7), date(2026, 12, 8))
    assert regional.closed_reason(date(2026, 12, 1)) == "Hari jadi daerah"


def test_calendar_entry_can_open_a_listed_holiday():
    opened = Calendar(holidays=ID_2026,
                      entries={date(2026, 12, 24): Entry(True, "Cuti bersama dibatalkan")})
    assert opened.is_working_day(date(2026, 12, 24))
    assert not CAL.is_working_day(date(2026, 12, 24))


def test_holiday_added_after_a_deadline_was_computed_changes_the_recomputed_due_date():
    first = explain_deadline(CAL, date(2026, 11, 23), 10).due_on
    decree = Calendar(holidays=ID_2026,
                      entries={date(2026, 11, 27): Entry(False, "Cuti bersama tambahan (SKB)")})
    second = explain_deadline(decree, date(2026, 11, 23), 10)
    assert first == date(2026, 12, 7)
    assert second.due_on == date(2026, 12, 8)
    assert (date(2026, 11, 27), "Cuti bersama tambahan (SKB)") in [
        (s.date, s.reason) for s in second.skipped]


def test_weekends_only_calendar():
    assert add_working_days(PLAIN, date(2026, 11, 27), 1) == date(2026, 11, 30)
    assert add_working_days(PLAIN, date(2026, 11, 23), 0) == date(2026, 11, 23)


@pytest.mark.parametrize("n", [-1, 367])
def test_out_of_range_counts_are_refused(n):
    with pytest.raises(ValueError):
        explain_deadline(CAL, date(2026, 11, 23), n)


def test_calendar_with_no_working_day_is_an_error_not_a_hang():
    class AllClosed(dict):
        def get(self, day, default=None):
            return "tutup"
    with pytest.raises(ValueError):
        explain_deadline(Calendar(holidays=AllClosed()), date(2026, 1, 1), 1)


def test_working_days_between():
    assert working_days_between(CAL, date(2026, 11, 23), date(2026, 12, 7)) == 10
    assert working_days_between(CAL, date(2026, 11, 23), date(2026, 11, 23)) == 0
    assert working_days_between(CAL, date(2026, 3, 16), date(2026, 4, 7)) == 10
