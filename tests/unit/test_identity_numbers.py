"""Identity numbers are checked for structure (issue #15, section 4): a NIK's region code
and date of birth (day + 40 for women) must be possible; passport, SIM and legal-entity
numbers have their own rules. Each refusal says what is wrong."""
import pytest

from ppid.info_requests.rules import IdentityType, identity_number_problem


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
