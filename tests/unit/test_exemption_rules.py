"""Exemptions as UU KIP Pasal 17 and 20 and PP 61/2010 have them, and what a serta-merta
announcement says (Pasal 10): pure rules."""
from datetime import date, datetime, timezone

import pytest
from flask_babel import force_locale

from ppid.registry import rules

DECREE = date(2024, 3, 14)
TODAY = date(2026, 12, 2)


@pytest.mark.parametrize("letters, needs", [
    (["a"], True), (["f"], True), (["a", "h"], True), (["g"], False), (["h"], False),
    (["i", "j"], False), ([], False)])
def test_only_letters_a_to_f_need_an_end_date(letters, needs):
    assert rules.exemption_needs_end_date(letters) is needs


def test_the_period_problems(app):
    with app.test_request_context():
        assert "Pasal 20" in str(rules.exemption_period_problem(["c"], None, DECREE))
        assert rules.exemption_period_problem(["h"], None, DECREE) is None
        assert rules.exemption_period_problem(["j"], None, DECREE) is None
        # another statute alone: its own term, as a date (or the officer picks letter j)
        assert "undang-undang lain" in str(rules.exemption_period_problem([], None, DECREE))
        assert rules.exemption_period_problem([], date(2030, 1, 1), DECREE) is None
        assert "sesudah" in str(rules.exemption_period_problem(["a"], DECREE, DECREE))
        assert rules.exemption_period_problem(["a"], date(2029, 3, 14), DECREE) is None


def test_the_period_text_is_derived_from_the_end_date_or_the_ground(app):
    def text(letters, end_on, lang="id"):
        with app.test_request_context(), force_locale(lang):
            return str(rules.exemption_period_text(letters, end_on, DECREE,
                                                   date_long=lambda d: d.isoformat()))
    assert text(["a"], date(2029, 3, 14)) == "5 tahun, sampai 2029-03-14"
    assert text(["b"], date(2024, 9, 14)) == "6 bulan, sampai 2024-09-14"
    assert text(["b"], date(2025, 9, 14)) == "sampai 2025-09-14"  # 1 year 6 months
    assert text(["h"], None) == "selama pemilik rahasia pribadi itu hidup"
    assert text(["i", "j"], None).startswith("selama sifatnya dirahasiakan")
    assert text(["j"], None).startswith("selama jangka waktu yang ditetapkan")
    assert text(["a"], date(2029, 3, 14), "en") == "5 years, until 2029-03-14"
    assert text(["h"], None, "en") == "for the lifetime of the owner of the personal secret"


@pytest.mark.parametrize("end_on, approved_on, in_force", [
    (date(2029, 1, 1), None, False),               # awaiting the head's approval
    (date(2029, 1, 1), date(2026, 12, 3), False),  # approved with a date still to come
    (date(2029, 1, 1), date(2026, 1, 5), True),
    (None, date(2026, 1, 5), True),                # open-ended (letters g-j)
    (date(2026, 12, 2), date(2026, 1, 5), True),   # its last day
    (date(2026, 12, 1), date(2026, 1, 5), False),  # ended: to be reviewed (Pasal 20)
])
def test_an_entry_is_in_force_once_approved_until_its_end(end_on, approved_on, in_force):
    assert rules.exemption_in_force(end_on, TODAY, approved_on=approved_on) is in_force


def test_the_approval_problems(app):
    def problem(name="dr. Kepala", position="Kepala Dinas", on=date(2026, 1, 5),
                tested=date(2026, 1, 2)):
        with app.test_request_context():
            p = rules.exemption_approval_problem(name, position, on, tested, TODAY)
            return str(p) if p else None
    assert problem() is None
    assert "nama dan jabatan" in problem(name=" ")
    assert "nama dan jabatan" in problem(position="")
    assert "tanggal persetujuan" in problem(on=None)
    assert "masa depan" in problem(on=date(2026, 12, 3))
    assert "uji konsekuensi" in problem(on=date(2026, 1, 1))


def test_a_serta_merta_announcement_names_what_it_lacks(app):
    parts = {name: "isi" for name, _label in rules.SERTA_MERTA_PARTS}
    event = datetime(2026, 11, 30, 3, tzinfo=timezone.utc)
    with app.test_request_context():
        assert rules.serta_merta_problems(event, parts) == []
        problems = [str(p) for p in rules.serta_merta_problems(None, dict(parts, sm_help=" "))]
        assert len(problems) == 2 and "waktu kejadian" in problems[0]
        assert problems[1] == "Lengkapi isi pengumuman serta-merta: Tempat meminta bantuan."
