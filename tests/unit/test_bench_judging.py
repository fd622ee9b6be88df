"""The load and durability benchmarks' judgement of what a run stored (bench/load.py):
which missing registration numbers a 201 implies, and what counts as a duplicate."""
import importlib.util
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def load():
    path = Path(__file__).resolve().parents[2] / "bench" / "load.py"
    spec = importlib.util.spec_from_file_location("ppid_bench_load", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seqs(year, *numbers):
    return [(year, n) for n in numbers]


def test_a_whole_series_has_no_gap(load):
    stored = seqs(2026, 1, 2, 3, 4)
    got = load.judge_series(stored, seqs(2026, 2, 4), {2026: 4})
    assert got == load.Series((), (), 0)


def test_a_missing_answered_number_is_a_gap_the_201_implies(load):
    got = load.judge_series(seqs(2026, 1, 2, 4), seqs(2026, 3, 4), {2026: 4})
    assert got.implied_gaps == ((2026, 3),)
    assert got.unanswered_gaps == ()


def test_a_missing_number_below_an_answered_one_is_implied_even_if_never_answered(load):
    # 5 was committed (answered 201) after 3 was: 3 missing means a committed request lost.
    got = load.judge_series(seqs(2026, 1, 2, 4, 5), seqs(2026, 5), {2026: 5})
    assert got.implied_gaps == ((2026, 3),)


def test_numbers_above_every_answered_one_are_only_reported(load):
    # 3 stored without a 201 (its worker died after the commit); 4 drawn by the counter
    # but not stored: no client was told either is stored.
    got = load.judge_series(seqs(2026, 1, 2, 3), seqs(2026, 1, 2), {2026: 4})
    assert got.implied_gaps == ()
    assert got.unanswered_gaps == ((2026, 4),)


def test_an_answered_number_beyond_the_counter_and_the_rows_is_lost(load):
    # The database came back older than what it answered (an fsync that lied).
    got = load.judge_series(seqs(2026, 1, 2), seqs(2026, 1, 2, 3, 4), {2026: 2})
    assert got.implied_gaps == ((2026, 3), (2026, 4))


def test_years_are_separate_series(load):
    stored = seqs(2025, 1, 2) + seqs(2026, 2)
    got = load.judge_series(stored, seqs(2025, 2) + seqs(2026, 2), {})
    assert got.implied_gaps == ((2026, 1),)
    assert got.unanswered_gaps == ()


def test_a_number_stored_twice_is_a_duplicate(load):
    assert load.judge_series(seqs(2026, 1, 2, 2), seqs(2026, 2), {}).duplicates == 1


def test_registration_numbers_parse_to_year_and_sequence(load):
    assert load.parse_registration_number("KALBAR/2026/00042") == (2026, 42)
    assert load.parse_registration_number("A/B/2025/7") == (2025, 7)


def test_a_submission_stored_twice_under_two_numbers_is_a_duplicate(load):
    texts = ["Salinan laporan (muatan-Thread-1-1)", "Salinan laporan (muatan-Thread-1-2)",
             "Salinan laporan (muatan-Thread-1-1)", "no marker", "no marker"]
    assert load.duplicated_submissions(texts) == 1


def test_outages_fail_cleanly_with_a_5xx_or_a_connection_error(load):
    assert load.is_outage_error(500) and load.is_outage_error(503)
    assert load.is_outage_error("conn:ConnectionRefusedError")
    assert not load.is_outage_error(201)
    assert not load.is_outage_error(422)  # a refusal of good input is not an outage


def test_outcomes_are_split_around_the_fault_and_the_recovery(load):
    results = [
        (201, 0.1, 0.0),    # answered before the fault at t=1
        (500, 0.5, 0.8),    # in flight at the fault
        ("conn:ConnectionRefusedError", 0.0, 2.0),
        (201, 0.2, 3.0),    # begun before the recovery at t=3.2 (the first 201 after it)
        (201, 0.1, 3.2),    # begun once recovered
        (500, 0.1, 4.0),    # an error after the recovery: not reconnected cleanly
    ]
    got = load.split_by_fault(results, 1.0, 3.2)
    assert got.before == {201: 1}
    assert got.outage == {500: 1, "conn:ConnectionRefusedError": 1, 201: 1}
    assert got.after == {201: 1, 500: 1}


def test_without_a_recovery_everything_after_the_fault_is_the_outage(load):
    got = load.split_by_fault([(201, 0.1, 0.0), (500, 0.1, 5.0)], 1.0, None)
    assert got.after == {} and got.outage == {500: 1}
