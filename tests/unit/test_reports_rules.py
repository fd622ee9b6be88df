"""Compliance indicator, E-Monev bands and working-day spreads, computed by hand."""
from datetime import date

import pytest

from ppid.core.calendar import Calendar, working_days_between
from ppid.reports import rules


# --- The indicator -----------------------------------------------------------------------

def test_score_both_parts_default_weights():
    # 9 of 11 obligations compliant, 15 of 20 requests on time:
    # 60 * 9/11 + 40 * 15/20 = 49.0909... + 30 = 79.0909... -> 79.1
    assert rules.compliance_score(9, 11, 15, 20) == 79.1
    assert rules.band(79.1) == rules.CUKUP_INFORMATIF


def test_score_perfect_and_zero():
    assert rules.compliance_score(11, 11, 5, 5) == 100.0
    assert rules.compliance_score(0, 11, 0, 5) == 0.0
    assert rules.band(100.0) == rules.INFORMATIF
    assert rules.band(0.0) == rules.TIDAK_INFORMATIF


def test_no_requests_scores_disclosure_alone_rescaled():
    # 8 of 10 compliant, no request counted: 60 * 0.8 / 60 * 100 = 80.0
    assert rules.compliance_score(8, 10, 0, 0) == 80.0
    assert rules.band(80.0) == rules.MENUJU_INFORMATIF


def test_no_applicable_obligations_scores_requests_alone_rescaled():
    # 3 of 4 on time, no obligation applies: 40 * 0.75 / 40 * 100 = 75.0
    assert rules.compliance_score(0, 0, 3, 4) == 75.0


def test_neither_part_gives_no_score_and_no_band():
    assert rules.compliance_score(0, 0, 0, 0) is None
    assert rules.band(None) is None


def test_configurable_weights():
    # 50/50: 50 * 9/10 + 50 * 1/2 = 45 + 25 = 70.0
    assert rules.compliance_score(9, 10, 1, 2, {"disclosure": 50, "requests": 50}) == 70.0
    # 100/0: only disclosure counts; requests-only agency cannot be scored.
    assert rules.compliance_score(9, 10, 0, 2, {"disclosure": 100, "requests": 0}) == 90.0
    assert rules.compliance_score(0, 0, 2, 2, {"disclosure": 100, "requests": 0}) is None


@pytest.mark.parametrize("weights", [{"disclosure": 60}, {"disclosure": 70, "requests": 40},
                                     {"disclosure": -10, "requests": 110},
                                     {"disclosure": "x", "requests": 40}])
def test_bad_weights_are_refused(weights):
    with pytest.raises(rules.WeightsError):
        rules.compliance_score(1, 1, 1, 1, weights)


def test_counts_out_of_range_are_refused():
    with pytest.raises(ValueError):
        rules.compliance_score(5, 4, 0, 0)


def test_rounding_half_up():
    # A score is shown with one decimal; a half rounds up, so the band matches the figure.
    assert rules.round1(89.95) == 90.0
    assert rules.round1(89.94) == 89.9
    assert rules.round1(59.95) == 60.0


@pytest.mark.parametrize("score,code", [
    (100, rules.INFORMATIF), (90, rules.INFORMATIF), (89.9, rules.MENUJU_INFORMATIF),
    (80, rules.MENUJU_INFORMATIF), (79.9, rules.CUKUP_INFORMATIF), (60, rules.CUKUP_INFORMATIF),
    (59.9, rules.KURANG_INFORMATIF), (40, rules.KURANG_INFORMATIF),
    (39.9, rules.TIDAK_INFORMATIF), (0, rules.TIDAK_INFORMATIF)])
def test_band_boundaries(score, code):
    assert rules.band(score) == code


def test_band_labels():
    assert rules.MENUJU_INFORMATIF.label == "Menuju Informatif"
    assert len(rules.BAND_CODES) == 5


# --- Requests: on time, late -------------------------------------------------------------

def test_classify_requests():
    today = date(2026, 6, 30)
    due = date(2026, 6, 10)
    assert rules.classify_request("selesai", due, date(2026, 6, 10), today) == "on_time"
    assert rules.classify_request("selesai", due, date(2026, 6, 11), today) == "late"
    assert rules.classify_request("diproses", due, None, today) == "late"
    assert rules.classify_request("diproses", date(2026, 7, 1), None, today) == "pending"
    assert rules.classify_request("ditarik", due, None, today) == "withdrawn"


def test_tally_counts_rows():
    today = date(2026, 6, 30)
    rows = [("selesai", date(2026, 6, 10), date(2026, 6, 9), 3),
            ("selesai", date(2026, 6, 10), date(2026, 6, 12), 1),
            ("diterima", date(2026, 6, 1), None, 2),      # open and late
            ("diproses", date(2026, 7, 10), None, 4),     # open, not yet due
            ("ditarik", date(2026, 6, 1), None, 1)]
    t = rules.tally(rows, today)
    assert (t.total, t.on_time, t.late, t.open, t.withdrawn) == (11, 3, 3, 6, 1)
    assert t.counted == 6


def test_window_start():
    assert rules.window_start(date(2026, 11, 23)) == date(2025, 11, 24)
    assert rules.window_start(date(2024, 2, 29)) == date(2023, 3, 1)


# --- Spread ----------------------------------------------------------------------------------

def test_spread_odd_and_even():
    # values 1, 2, 3, 4, 10: median 3; q1 at position 1 -> 2; q3 at position 3 -> 4
    s = rules.spread({1: 1, 2: 1, 3: 1, 4: 1, 10: 1})
    assert (s.count, s.minimum, s.q1, s.median, s.q3, s.maximum) == (5, 1, 2, 3, 4, 10)
    # values 2, 4, 6, 8: median at 1.5 -> 5; q1 at 0.75 -> 3.5; q3 at 2.25 -> 6.5
    s = rules.spread({2: 1, 4: 1, 6: 1, 8: 1})
    assert (s.q1, s.median, s.q3) == (3.5, 5.0, 6.5)


def test_spread_with_counts_and_empty():
    # 5 x 3 days, 1 x 9 days: sorted 3,3,3,3,3,9 -> median 3, q3 at 3.75 -> 3
    s = rules.spread({3: 5, 9: 1})
    assert (s.count, s.median, s.q3, s.maximum) == (6, 3.0, 3.0, 9.0)
    assert rules.spread({}) == rules.Spread(0, None, None, None, None, None)
    assert rules.spread({4: 1}).median == 4.0


def test_days_taken_uses_the_calendar_once_per_pair():
    holidays = {date(2026, 12, 25): "Hari Raya Natal"}
    cal = Calendar(holidays=holidays)
    counter = rules.WorkingDaysCounter(cal)
    rows = [(date(2026, 12, 21), date(2026, 12, 28), 2),   # Tue..Mon minus Fri 25 -> 4
            (date(2026, 12, 21), date(2026, 12, 21), 1),   # same day -> 0
            (date(2026, 12, 21), None, 5)]                 # still open: ignored
    counts = rules.days_taken_counts(counter, rows)
    assert counts == {4: 2, 0: 1}
    assert counts and working_days_between(cal, date(2026, 12, 21), date(2026, 12, 28)) == 4
    assert rules.merge_counts({4: 2}, {4: 1, 1: 1}) == {4: 3, 1: 1}


def test_helpers():
    assert rules.split_letters("h, i,") == ["h", "i"]
    assert rules.split_letters(None) == []
    assert rules.share(1, 3) == 33.3
    assert rules.share(1, 0) is None
