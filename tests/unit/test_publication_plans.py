"""The publication plans' pure rules (issue #19, section 1): periods, what is due pro rata,
each status, and when an agency is flagged behind its plan."""
from datetime import date

import pytest

from ppid.publications.rules import (Cadence, PlanStatus, expected_by, is_behind,
                                     plan_period, plan_status, previous_period)


@pytest.mark.parametrize("cadence, day, period", [
    (Cadence.BULANAN, date(2026, 2, 14), (date(2026, 2, 1), date(2026, 2, 28))),
    (Cadence.BULANAN, date(2024, 2, 29), (date(2024, 2, 1), date(2024, 2, 29))),
    (Cadence.BULANAN, date(2026, 12, 31), (date(2026, 12, 1), date(2026, 12, 31))),
    (Cadence.TRIWULANAN, date(2026, 12, 2), (date(2026, 10, 1), date(2026, 12, 31))),
    (Cadence.TRIWULANAN, date(2026, 1, 1), (date(2026, 1, 1), date(2026, 3, 31))),
    (Cadence.TRIWULANAN, date(2026, 6, 30), (date(2026, 4, 1), date(2026, 6, 30))),
])
def test_periods(cadence, day, period):
    assert plan_period(cadence, day) == period


def test_previous_period_crosses_the_year():
    assert previous_period(Cadence.BULANAN, date(2026, 1, 9)) == (date(2025, 12, 1),
                                                                  date(2025, 12, 31))
    assert previous_period(Cadence.TRIWULANAN, date(2026, 2, 9)) == (date(2025, 10, 1),
                                                                     date(2025, 12, 31))


def test_expected_by_is_pro_rata_and_bounded():
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    assert expected_by(4, start, end, date(2026, 11, 15)) == 2   # 4 x 15/30
    assert expected_by(4, start, end, date(2026, 11, 1)) == 0    # 4 x 1/30
    assert expected_by(4, start, end, date(2026, 11, 30)) == 4
    assert expected_by(4, start, end, date(2026, 12, 20)) == 4   # after: the whole target
    assert expected_by(4, start, end, date(2026, 10, 20)) == 0   # before: nothing yet


def test_every_status():
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    assert plan_status(4, 0, start, end, date(2026, 10, 31)) == PlanStatus.BELUM_MULAI
    assert plan_status(4, 4, start, end, date(2026, 11, 2)) == PlanStatus.TERCAPAI
    assert plan_status(4, 2, start, end, date(2026, 11, 15)) == PlanStatus.SESUAI
    assert plan_status(4, 1, start, end, date(2026, 11, 15)) == PlanStatus.TERTINGGAL
    assert plan_status(4, 3, start, end, date(2026, 12, 1)) == PlanStatus.TIDAK_TERCAPAI
    assert plan_status(4, 5, start, end, date(2026, 12, 1)) == PlanStatus.TERCAPAI


def test_behind_now_or_missed_last_time_and_not_caught_up():
    assert is_behind(PlanStatus.TERTINGGAL, PlanStatus.TERCAPAI)
    assert is_behind(PlanStatus.SESUAI, PlanStatus.TIDAK_TERCAPAI)
    assert not is_behind(PlanStatus.TERCAPAI, PlanStatus.TIDAK_TERCAPAI)
    assert not is_behind(PlanStatus.SESUAI, PlanStatus.TERCAPAI)
    assert not is_behind(PlanStatus.SESUAI, None)  # the plan is newer than the last period
