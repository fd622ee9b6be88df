"""The rules of a dispute after an objection (UU KIP Pasal 37-50), table-driven."""
from datetime import date
from types import SimpleNamespace

import pytest

from ppid.core.calendar import Calendar
from ppid.disputes import rules
from ppid.disputes.rules import CourtLevel, DisputeAction as A, DisputeStage as S
from ppid.info_requests.rules import DisputeOutcome as O, RuleError
from tests.unit.test_calendar import CAL

PLAIN = Calendar()


@pytest.mark.parametrize("grounds, available", [
    (["a"], False), (["a", "d"], True), (["c"], True), (["g"], True)])
def test_no_mediation_when_the_only_ground_is_letter_a(grounds, available):
    """UU KIP Pasal 40(2)."""
    assert rules.mediation_available(grounds) is available
    assert (A.MEDIASI in rules.allowed_steps(S.REGISTRASI, grounds)) is available


def test_mediation_on_ground_a_is_refused_with_the_law_s_reason(app):
    with app.test_request_context():
        with pytest.raises(RuleError, match="Pasal 40 ayat 2"):
            rules.check_step(S.REGISTRASI, A.MEDIASI, ["a"])


@pytest.mark.parametrize("stage, step, outcome, to, ends", [
    (S.DIAJUKAN, A.REGISTRASI, None, S.REGISTRASI, None),
    (S.REGISTRASI, A.MEDIASI, None, S.MEDIASI, None),
    (S.MEDIASI, A.MEDIASI_BERHASIL, None, S.SELESAI, O.MEDIASI_BERHASIL),
    (S.MEDIASI, A.MEDIASI_GAGAL, None, S.AJUDIKASI, None),
    (S.REGISTRASI, A.AJUDIKASI, None, S.AJUDIKASI, None),
    (S.AJUDIKASI, A.PUTUSAN, O.DIKABULKAN_SEBAGIAN, S.SELESAI, O.DIKABULKAN_SEBAGIAN),
    (S.DIAJUKAN, A.PUTUSAN, O.TIDAK_DAPAT_DITERIMA, S.SELESAI, O.TIDAK_DAPAT_DITERIMA),
    (S.MEDIASI, A.DICABUT, None, S.SELESAI, O.DICABUT),
    (S.AJUDIKASI, A.GUGUR, None, S.SELESAI, O.GUGUR),
])
def test_the_moves_of_a_dispute(stage, step, outcome, to, ends):
    move = rules.check_step(stage, step, ["c"], outcome=outcome)
    assert (move.stage, move.outcome) == (to, ends)


@pytest.mark.parametrize("stage, step, outcome, message", [
    (S.DIAJUKAN, A.MEDIASI, None, "tidak dapat dicatat"),
    (S.MEDIASI, A.AJUDIKASI, None, "tidak dapat dicatat"),
    (S.AJUDIKASI, A.PUTUSAN, None, "amar putusan"),
    (S.AJUDIKASI, A.PUTUSAN, O.MEDIASI_BERHASIL, "amar putusan"),
    (S.REGISTRASI, A.PUTUSAN, O.DIKABULKAN, "setelah ajudikasi"),
    (S.SELESAI, A.DICABUT, None, "sudah selesai"),
    (S.AJUDIKASI, A.PENGADILAN, None, "tidak dapat dicatat"),
    (S.AJUDIKASI, "lompat", None, "tidak dikenal"),
])
def test_refused_moves_say_why(app, stage, step, outcome, message):
    with app.test_request_context():
        with pytest.raises(RuleError, match=message):
            rules.check_step(stage, step, ["c"], outcome=outcome)


def test_the_commission_s_deadlines_count_working_days():
    # Filed on Friday 11 December 2026: 14 working days to begin (Christmas and the cuti
    # bersama skipped), 100 to settle, counted from its registration.
    start = rules.commission_start_deadline(CAL, date(2026, 12, 11))
    assert start.due_on == date(2027, 1, 6)  # (1 January and Isra Mikraj on 5 January)
    assert {s.date for s in start.skipped} >= {date(2026, 12, 24), date(2026, 12, 25),
                                               date(2027, 1, 1), date(2027, 1, 5)}
    assert rules.commission_deadline(PLAIN, date(2026, 1, 5), None).due_on == date(2026, 5, 25)
    assert rules.commission_deadline(PLAIN, date(2026, 1, 5),
                                     date(2026, 1, 12)).due_on == date(2026, 6, 1)
    assert rules.commission_overdue(PLAIN, S.AJUDIKASI, date(2026, 1, 5), None,
                                    date(2026, 5, 26))
    assert not rules.commission_overdue(PLAIN, S.SELESAI, date(2026, 1, 5), None,
                                        date(2026, 5, 26))


def test_the_court_deadlines():
    """Pasal 47-48: 14 working days from receiving the decision; Pasal 50: 14 days."""
    assert rules.court_filing_deadline(PLAIN, date(2026, 6, 1)).due_on == date(2026, 6, 19)
    assert rules.cassation_deadline(date(2026, 6, 1)) == date(2026, 6, 15)
    assert rules.first_instance_court(True) == CourtLevel.PTUN
    assert rules.first_instance_court(False) == CourtLevel.PN


def _problem(app, level, *, outcome=O.DITOLAK, received=date(2026, 6, 1), first=None,
             filed=date(2026, 6, 5), state=True):
    with app.test_request_context():
        p = rules.court_filing_problem(level, is_state_body=state, outcome=outcome,
                                       decision_received_on=received, first_instance=first,
                                       filed_on=filed)
        return str(p) if p else None


def test_what_may_go_to_court(app):
    assert _problem(app, CourtLevel.PTUN) is None
    assert "final dan mengikat" in _problem(app, CourtLevel.PTUN, outcome=O.MEDIASI_BERHASIL)
    assert "Tata Usaha Negara" in _problem(app, CourtLevel.PN)
    assert "Pengadilan Negeri" in _problem(app, CourtLevel.PTUN, state=False)
    assert "diterima" in _problem(app, CourtLevel.PTUN, received=None)
    assert "sebelum putusan diterima" in _problem(app, CourtLevel.PTUN, filed=date(2026, 5, 1))
    undecided = SimpleNamespace(decided_on=None, decision_received_on=None)
    decided = SimpleNamespace(decided_on=date(2026, 9, 1),
                              decision_received_on=date(2026, 9, 3))
    assert "tingkat pertama" in _problem(app, CourtLevel.MA)
    assert "tingkat pertama" in _problem(app, CourtLevel.MA, first=undecided)
    assert _problem(app, CourtLevel.MA, first=decided, filed=date(2026, 9, 10)) is None
    assert "sebelum putusan pengadilan" in _problem(app, CourtLevel.MA, first=decided,
                                                    filed=date(2026, 9, 2))


def test_what_must_be_carried_out():
    assert rules.needs_execution(O.MEDIASI_BERHASIL) and rules.needs_execution(O.DIKABULKAN)
    assert not rules.needs_execution(O.DITOLAK) and not rules.needs_execution(O.DICABUT)
