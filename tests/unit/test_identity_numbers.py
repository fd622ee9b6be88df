"""Identity numbers are checked for structure (issue #15, section 4): a NIK's region code
and date of birth (day + 40 for women) must be possible; passport, SIM and legal-entity
numbers have their own rules. Each refusal says what is wrong. The patterns the OpenAPI
document states (rules.IDENTITY_PATTERNS) accept exactly what the rule accepts."""
import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppid.core import patterns
from ppid.info_requests.rules import (IDENTITY_PATTERNS, NIK_PROVINCES, IdentityType,
                                      identity_number_problem)


def problem(number, kind=IdentityType.NIK):
    found = identity_number_problem(kind, number)
    return None if found is None else str(found)


@pytest.mark.parametrize("nik", [
    "6171010203850001",   # Pontianak, born 2 March 1985
    "6171025507900002",   # a woman: day 15 + 40
    "9471012902000001",   # Papua (Dukcapil 94), 29 February 2000
    "1101017112990001",   # a woman born 31 December
])
def test_possible_niks_pass(app, nik):
    with app.test_request_context():
        assert problem(nik) is None


@pytest.mark.parametrize("nik, says", [
    ("0000000000000000", "satu angka yang berulang"),
    ("1111111111111111", "satu angka yang berulang"),
    ("9931993199319931", "(99) bukan kode provinsi"),
    ("6100010203850001", "tidak boleh 00"),
    ("6171000203850001", "tidak boleh 00"),
    ("6171010000000001", "Tanggal lahir dalam NIK"),      # day 00, month 00
    ("6171013213850001", "Tanggal lahir dalam NIK"),      # month 13
    ("6171013502850001", "Tanggal lahir dalam NIK"),      # day 35: neither man nor woman
    ("6171017202850001", "Tanggal lahir dalam NIK"),      # day 72 - 40 = 32
    ("6171013002850001", "Tanggal lahir dalam NIK"),      # 30 February
    ("6171012902010001", "Tanggal lahir dalam NIK"),      # 29 February 1901/2001
    ("6171010203850000", "tidak boleh 0000"),
    ("617101020385000", "tepat 16 angka (Anda mengisi 15"),
    ("61710102038500O1", "tepat 16 angka"),
    ("٦١٧١٠١٠٢٠٣٨٥٠٠٠١", "tepat 16 angka"),                # Arabic-Indic digits
])
def test_impossible_niks_are_refused_with_their_reason(app, nik, says):
    with app.test_request_context():
        assert says in problem(nik)


@pytest.mark.parametrize("kind, number, ok", [
    (IdentityType.PASPOR, "C1234567", True),
    (IdentityType.PASPOR, "C 1234567", True),
    (IdentityType.PASPOR, "AB123456", True),
    (IdentityType.PASPOR, "C1", False),
    (IdentityType.PASPOR, "12345678", False),
    (IdentityType.PASPOR, "C0000000", False),
    (IdentityType.SIM, "1234-5678-9012", True),
    (IdentityType.SIM, "12345678901234", True),
    (IdentityType.SIM, "12345", False),
    (IdentityType.SIM, "000000000000", False),
    (IdentityType.BADAN_HUKUM, "AHU-0012345.AH.01.04/2020", True),
    (IdentityType.BADAN_HUKUM, "C-12345.HT.01.01.TH.2005", True),
    (IdentityType.BADAN_HUKUM, "AHU-000.AH", False),
    (IdentityType.BADAN_HUKUM, "123456789", False),
])
def test_other_identity_numbers_have_their_own_rules(app, kind, number, ok):
    with app.test_request_context():
        assert (problem(number, kind) is None) is ok


# --- The patterns the OpenAPI document states agree with the rule --------------------------


def _agree(kind, number):
    by_pattern = patterns.matches(IDENTITY_PATTERNS[kind], number)
    by_rule = identity_number_problem(kind, number) is None
    assert by_pattern == by_rule, (kind, number, by_pattern, problem(number, kind))


def test_the_nik_pattern_and_rule_agree_on_every_date_of_birth(app):
    """Every DD and MM from 00 to 99 (day + 40 for women, the months' lengths) in leap,
    century and ordinary years, beside every province code and the region and serial
    edges: the pattern accepts exactly the NIKs the rule accepts."""
    with app.test_request_context():
        for dd, mm, yy in itertools.product(range(100), range(100),
                                            (0, 1, 4, 12, 38, 50, 96, 99)):
            _agree(IdentityType.NIK, f"617101{dd:02d}{mm:02d}{yy:02d}0001")
        for code in range(100):
            _agree(IdentityType.NIK, f"{code:02d}71010203850001")
        for region in ("00", "01", "10", "99"):
            _agree(IdentityType.NIK, f"61{region}010203850001")
            _agree(IdentityType.NIK, f"6171{region}0203850001")
        for serial in ("0000", "0001", "0010", "0100", "1000", "9999"):
            _agree(IdentityType.NIK, f"617101020385{serial}")
        for d in "0123456789":
            _agree(IdentityType.NIK, d * 16)
        assert not patterns.matches(IDENTITY_PATTERNS[IdentityType.NIK], "1111111111111111")
        assert {n[:2] for n in NIK_PROVINCES} == NIK_PROVINCES


def _mutants(rng, seed, alphabet, n):
    """Numbers one to three edits away from ``seed``."""
    for _ in range(n):
        chars = list(seed)
        for _edit in range(rng.randint(1, 3)):
            op = rng.randrange(3)
            i = rng.randrange(len(chars) + 1)
            if op == 0 and chars:
                chars[min(i, len(chars) - 1)] = rng.choice(alphabet)
            elif op == 1:
                chars.insert(i, rng.choice(alphabet))
            elif chars:
                del chars[min(i, len(chars) - 1)]
        yield "".join(chars).strip()


SEEDS = {
    IdentityType.NIK: ["6171010203850001", "6171025507900002", "9471012902000001",
                       "1111111111111112"],
    IdentityType.PASPOR: ["C1234567", "AB123456", "C 1234567", "C-000001", "x.0000010"],
    IdentityType.SIM: ["1234-5678-9012", "12345678901234", "111111111112", "0000 0000 0001"],
    IdentityType.BADAN_HUKUM: ["AHU-0012345.AH.01.04/2020", "C-12345.HT.01.01.TH.2005",
                               "A 100", "010 B", "AHU-000.AH"],
}
ALPHABET = "0123456789 .-/AZaz\t\u00e9\u0661#"


@pytest.mark.parametrize("kind", list(IDENTITY_PATTERNS))
def test_each_types_pattern_and_rule_agree_on_generated_numbers(app, kind):
    rng = random.Random(20261202)
    with app.test_request_context():
        for seed in SEEDS[kind]:
            _agree(kind, seed)
            for number in _mutants(rng, seed, ALPHABET, 1500):
                if number:
                    _agree(kind, number)
        for _ in range(3000):  # and numbers of nothing in particular
            number = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 20))).strip()
            if number:
                _agree(kind, number)


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.sampled_from(list(IDENTITY_PATTERNS)).flatmap(
    lambda kind: st.tuples(st.just(kind), st.from_regex(IDENTITY_PATTERNS[kind],
                                                        fullmatch=True))))
def test_what_a_client_generates_from_the_pattern_the_rule_takes(kind_number):
    """Numbers drawn from the pattern itself (as schemathesis and API clients draw them)."""
    from flask import Flask
    kind, number = kind_number
    number = number.strip()
    with Flask(__name__).test_request_context():
        if number and len(number) <= 50:
            _agree(kind, number)
