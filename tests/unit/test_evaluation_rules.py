"""The IKM formula of PermenPANRB 14/2017 against worked examples, with its rounding."""
import statistics
from decimal import Decimal
from fractions import Fraction

import pytest

from ppid.evaluation import rules

COLS = [f"u{i}" for i in range(1, 10)]


def resp(*values):
    assert len(values) == 9
    return dict(zip(COLS, values))


# Worked example (four respondents):
#   R1 4 3 3 4 3 4 4 3 3   R2 3 3 2 4 3 3 4 2 3   R3 4 4 4 4 4 4 4 3 4   R4 2 3 2 4 3 3 3 2 2
# Element sums 13 13 11 16 13 14 15 10 12, means 3.25 3.25 2.75 4.00 3.25 3.50 3.75 2.50
# 3.00; sum of means 29.25; IKM = 29.25 x 1/9 x 25 = 81.25, band B (76.61-88.30).
# With the regulation's printed weight 0.11 it would be 29.25 x 0.11 x 25 = 80.44.
WORKED = [resp(4, 3, 3, 4, 3, 4, 4, 3, 3), resp(3, 3, 2, 4, 3, 3, 4, 2, 3),
          resp(4, 4, 4, 4, 4, 4, 4, 3, 4), resp(2, 3, 2, 4, 3, 3, 3, 2, 2)]


def test_worked_example():
    r = rules.compute_ikm(WORKED)
    assert r.respondents == 4
    assert [r.element_mean_shown(c) for c in COLS] == [Decimal(x) for x in (
        "3.25", "3.25", "2.75", "4.00", "3.25", "3.50", "3.75", "2.50", "3.00")]
    assert r.index_exact == Fraction(8125, 100)
    assert r.index == Decimal("81.25")
    assert r.band is rules.QualityBand.B
    # The documented choice: weight exactly 1/9, not the printed 0.11.
    assert rules.ELEMENT_WEIGHT == Fraction(1, 9)
    printed = sum(Decimal(sum(x[c] for x in WORKED)) / 4 for c in COLS) * Decimal("0.11") * 25
    assert rules.round2(printed) == Decimal("80.44") != r.index


def test_rounding_is_once_at_the_end_and_half_up():
    # Seven respondents answering 3 everywhere and one answering 4: total 225 over 8 x 9
    # answers, IKM = 225 / 72 x 25 = 78.125 exactly; half up 78.13 (half-even: 78.12).
    r = rules.compute_ikm([resp(*[3] * 9)] * 7 + [resp(*[4] * 9)])
    assert r.index_exact == Fraction(78125, 1000)
    assert r.index == Decimal("78.13")
    # Rounding the element means first (3.125 -> 3.13) would give 78.25: not done.
    assert r.element_mean_shown("u1") == Decimal("3.13")
    assert rules.round2(Decimal("3.13") * 9 / 9 * 25) == Decimal("78.25") != r.index


def test_extremes():
    assert rules.compute_ikm([resp(*[4] * 9)]).index == Decimal("100.00")
    assert rules.compute_ikm([resp(*[4] * 9)]).band is rules.QualityBand.A
    low = rules.compute_ikm([resp(*[1] * 9)])
    assert low.index == Decimal("25.00") and low.band is rules.QualityBand.D
    none = rules.compute_ikm([])
    assert none.index is None and none.band is None and none.margin is None


@pytest.mark.parametrize("value,band", [
    ("100", "A"), ("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"),
    ("65.00", "C"), ("64.99", "D"), ("25.00", "D"), ("24.99", None)])
def test_band_bounds(value, band):
    found = rules.band_for(Decimal(value))
    assert (found.value if found else None) == band


def test_margin_of_error_95():
    scores = [sum(x.values()) / 9 * 25 for x in WORKED]
    expected = 1.96 * statistics.stdev(scores) / 4 ** 0.5
    r = rules.compute_ikm(WORKED)
    assert r.margin == Decimal(f"{expected:.2f}") == Decimal("13.03")
    # Finite population: 4 answered of 10 requests closed.
    fpc = rules.compute_ikm(WORKED, population=10)
    assert fpc.margin == Decimal(f"{expected * (6 / 9) ** 0.5:.2f}")
    # Everybody answered: no sampling error left.
    assert rules.compute_ikm(WORKED, population=4).margin == Decimal("0.00")
    assert rules.compute_ikm(WORKED[:1]).margin is None


def test_validate_answers():
    assert rules.validate_answers(WORKED[0]) == {}
    bad = dict(WORKED[0], u3=5, u4=0)
    bad.pop("u9")
    assert set(rules.validate_answers(bad)) == {"u3", "u4", "u9"}
    assert set(rules.validate_answers(dict(WORKED[0], u1=True))) == {"u1"}


def test_survey_token_is_keyed_and_bound_to_its_request():
    token = rules.survey_token("kunci", 42)
    assert rules.parse_survey_token("kunci", token) == 42
    assert rules.parse_survey_token("lain", token) is None
    forged = "43-" + token.split("-", 1)[1]
    assert rules.parse_survey_token("kunci", forged) is None
    for junk in ("", "abc", "42", "42-", "x" * 100):
        assert rules.parse_survey_token("kunci", junk) is None


def test_periods_and_reminder():
    from datetime import date
    assert rules.period_bounds(2026, 1) == (date(2026, 1, 1), date(2026, 7, 1))
    assert rules.period_bounds(2026, 2) == (date(2026, 7, 1), date(2027, 1, 1))
    assert rules.semester_of(date(2026, 6, 30)) == 1 and rules.semester_of(date(2026, 7, 1)) == 2
    kw = dict(invited_on=date(2026, 3, 1), today=date(2026, 3, 8), after_days=7)
    assert rules.reminder_due(responded=False, reminded=False, **kw)
    assert not rules.reminder_due(responded=False, reminded=True, **kw)
    assert not rules.reminder_due(responded=True, reminded=False, **kw)
    assert not rules.reminder_due(responded=False, reminded=False,
                                  **dict(kw, today=date(2026, 3, 7)))
