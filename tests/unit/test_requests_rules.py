"""Pure rules of requests and objections, with the real 2026 Indonesian calendar."""
from datetime import date

import holidays
import pytest

from ppid.core.calendar import Calendar, Entry
from ppid.info_requests import rules

HOL = holidays.country_holidays("ID", categories=("public", "government"), language="id",
                                years=range(2025, 2028))
CAL = Calendar(holidays=HOL)


# --- Transitions ---------------------------------------------------------------------------

ALLOWED = {
    ("diterima", "diproses"), ("diterima", "diteruskan"), ("diterima", "diperpanjang"),
    ("diterima", "selesai"), ("diterima", "ditarik"),
    ("diproses", "diteruskan"), ("diproses", "diperpanjang"), ("diproses", "selesai"),
    ("diproses", "ditarik"),
    ("diteruskan", "diproses"), ("diteruskan", "diteruskan"), ("diteruskan", "diperpanjang"),
    ("diteruskan", "selesai"), ("diteruskan", "ditarik"),
    ("diperpanjang", "diproses"), ("diperpanjang", "diteruskan"),
    ("diperpanjang", "selesai"), ("diperpanjang", "ditarik"),
}
ALL_PAIRS = [(a, b) for a in rules.STATES for b in rules.STATES]


@pytest.mark.parametrize("from_state,to_state", ALL_PAIRS)
def test_every_transition_is_allowed_or_refused(from_state, to_state):
    if (from_state, to_state) in ALLOWED:
        assert rules.can_transition(from_state, to_state)
        rules.check_transition(from_state, to_state)
    else:
        assert not rules.can_transition(from_state, to_state)
        with pytest.raises(rules.RuleError):
            rules.check_transition(from_state, to_state)


def test_final_states_allow_nothing_and_unknown_states_are_refused():
    for final in rules.FINAL_STATES:
        assert rules.TRANSITIONS[final] == set()
    with pytest.raises(rules.RuleError, match="tidak dikenal"):
        rules.check_transition("diterima", "hilang")


# --- Due dates with the 2026 calendar --------------------------------------------------------

def test_due_date_skips_nyepi_and_idul_fitri_2026():
    # Received Monday 16 March 2026: Nyepi, Idul Fitri and their cuti bersama (18-24 March)
    # and Good Friday (3 April) are not counted.
    d = rules.answer_deadline(CAL, date(2026, 3, 16))
    assert d.effective_start == date(2026, 3, 16)
    assert d.due_on == date(2026, 4, 7)
    skipped = {s.date for s in d.skipped}
    assert {date(2026, 3, 18), date(2026, 3, 19), date(2026, 3, 20), date(2026, 3, 23),
            date(2026, 3, 24), date(2026, 4, 3)} <= skipped
    reasons = {s.date: s.reason for s in d.skipped}
    assert "Nyepi" in reasons[date(2026, 3, 19)]
    assert "Idul Fitri" in reasons[date(2026, 3, 23)]


def test_received_on_a_weekend_counts_from_the_next_working_day():
    d = rules.answer_deadline(CAL, date(2026, 11, 21))  # Saturday
    assert d.effective_start == date(2026, 11, 23)
    assert d.due_on == date(2026, 12, 7)  # DOMAIN.md section 6 example


def test_received_during_idul_fitri_leave():
    d = rules.answer_deadline(CAL, date(2026, 3, 20))  # cuti bersama
    assert d.effective_start == date(2026, 3, 25)
    assert d.due_on == date(2026, 4, 9)  # 3 April (Good Friday) skipped


def test_calendar_table_entry_moves_the_due_date():
    cal = Calendar(holidays=HOL, entries={date(2026, 12, 1): Entry(False, "Hari jadi provinsi")})
    assert rules.answer_deadline(cal, date(2026, 11, 23)).due_on == date(2026, 12, 8)


# --- Extension (Pasal 22(8)) ---------------------------------------------------------------

DUE = date(2026, 4, 7)


def _extend(**kw):
    args = dict(state="diproses", due_on=DUE, extended_due_on=None,
                new_due_on=date(2026, 4, 16), reason="Dokumen di arsip daerah.",
                today=date(2026, 4, 1))
    args.update(kw)
    rules.check_extension(CAL, **args)


def test_extension_to_at_most_seven_working_days():
    assert rules.max_extended_due(CAL, DUE) == date(2026, 4, 16)
    _extend()
    _extend(new_due_on=date(2026, 4, 10))
    with pytest.raises(rules.RuleError, match="16 April 2026"):
        _extend(new_due_on=date(2026, 4, 17))


def test_extension_only_once_with_reasons_before_the_due_date():
    with pytest.raises(rules.RuleError, match="satu kali"):
        _extend(extended_due_on=date(2026, 4, 10))
    with pytest.raises(rules.RuleError, match="satu kali"):
        _extend(state="diperpanjang")
    with pytest.raises(rules.RuleError, match="Alasan"):
        _extend(reason="  ")
    _extend(today=DUE)  # on the due date itself it is still in time
    with pytest.raises(rules.RuleError, match="paling lambat"):
        _extend(today=date(2026, 4, 8))


def test_extension_refused_when_closed_or_not_later_or_not_a_working_day():
    for state in ("selesai", "ditarik"):
        with pytest.raises(rules.RuleError):
            _extend(state=state)
    with pytest.raises(rules.RuleError, match="setelah"):
        _extend(new_due_on=DUE)
    with pytest.raises(rules.RuleError, match="bukan hari kerja"):
        _extend(new_due_on=date(2026, 4, 11))  # Saturday


def test_extension_working_is_explained_up_to_the_chosen_date():
    # Due Tuesday 7 April 2026; extended to Tuesday 14 April: 5 working days, the weekend of
    # 11-12 April skipped; nothing after 14 April is counted or listed.
    short = rules.explain_extension(CAL, DUE, date(2026, 4, 14))
    assert (short.start, short.working_days, short.due_on) == (DUE, 5, date(2026, 4, 14))
    assert [s.date for s in short.skipped] == [date(2026, 4, 11), date(2026, 4, 12)]
    full = rules.explain_extension(CAL, DUE, rules.max_extended_due(CAL, DUE))
    assert (full.working_days, full.due_on) == (rules.EXTENSION_DAYS, date(2026, 4, 16))
    one = rules.explain_extension(CAL, DUE, date(2026, 4, 8))
    assert (one.working_days, one.due_on, one.skipped) == (1, date(2026, 4, 8), ())


# --- Late flags ----------------------------------------------------------------------------

def test_late_flags():
    assert not rules.is_late(DUE, None, None, DUE)
    assert rules.is_late(DUE, None, None, date(2026, 4, 8))
    assert not rules.is_late(DUE, date(2026, 4, 16), None, date(2026, 4, 15))
    assert rules.is_late(DUE, date(2026, 4, 16), None, date(2026, 4, 17))
    # Closed requests: judged by their closing day, not today.
    assert not rules.is_late(DUE, None, date(2026, 4, 7), date(2026, 12, 1))
    assert rules.is_late(DUE, None, date(2026, 4, 8), date(2026, 4, 8))


def test_urgency_and_queue_order():
    assert rules.urgency(CAL, DUE, date(2026, 4, 8)) == "terlambat"
    # 2 April: due 7 April is 2 working days away (3 April is Good Friday).
    assert rules.urgency(CAL, DUE, date(2026, 4, 2)) == "segera"
    assert rules.urgency(CAL, DUE, date(2026, 3, 25)) == "normal"
    today = date(2026, 4, 2)
    dues = [date(2026, 4, 30), date(2026, 4, 6), date(2026, 3, 31), date(2026, 4, 20)]
    ordered = sorted(dues, key=lambda d: rules.queue_sort_key(CAL, d, today))
    assert ordered == [date(2026, 3, 31), date(2026, 4, 6), date(2026, 4, 20),
                       date(2026, 4, 30)]


# --- Outcomes ------------------------------------------------------------------------------

def test_outcome_required_fields():
    assert rules.validate_outcome("dikabulkan", {}).keys() == {
        "response_note", "info_form", "cost_per_page", "pages", "delivery_cost",
        "available_on"}
    full = {"response_note": "Salinan", "info_form": "softcopy", "cost_per_page": 500,
            "pages": 10, "delivery_cost": 0, "available_on": date(2026, 4, 1)}
    # A notice with costs states the way of payment (UU KIP Pasal 22(7)); no cost, none.
    assert rules.validate_outcome("dikabulkan", full) == {
        "payment_method": "Sebutkan cara pembayaran biaya."}
    assert rules.validate_outcome("dikabulkan", {**full, "cost_per_page": 0}) == {}
    assert rules.validate_outcome("dikabulkan", {**full, "payment_method": "emas"}) == {
        "payment_method": "Pilih cara pembayaran yang valid."}
    full["payment_method"] = "transfer"
    assert rules.validate_outcome("dikabulkan", full) == {}
    assert set(rules.validate_outcome("dikabulkan_sebagian", full)) == {
        "exemption_letters", "redacted_parts", "redaction_reason"}
    assert set(rules.validate_outcome("ditolak", {})) == {"exemption_letters",
                                                         "exemption_consequence"}
    assert rules.validate_outcome("ditolak", {"exemption_letters": ["k"],
                                              "exemption_consequence": "x"}) == {
        "exemption_letters": "Huruf Pasal 17 harus di antara a sampai j."}
    assert rules.validate_outcome("tidak_dikuasai", {}) == {}
    assert set(rules.validate_outcome("belum_didokumentasikan", {})) == {"documented_on"}
    assert "outcome" in rules.validate_outcome("entah", {})
    assert rules.validate_outcome("dikabulkan", {**full, "pages": -1}) == {
        "pages": "Harus bilangan bulat 0 atau lebih."}


def test_total_cost():
    assert rules.total_cost(500, 40, 15000) == 35000


# --- Objections ----------------------------------------------------------------------------

def test_objection_window_after_a_notice():
    closed = date(2026, 3, 16)
    w = rules.objection_window(CAL, state="selesai", due_on=DUE, extended_due_on=None,
                               closed_on=closed, today=date(2026, 3, 17))
    assert w.is_open and w.ground_on == closed
    # 30 working days after 16 March 2026, skipping the Nyepi/Idul Fitri leave and Good Friday.
    assert w.deadline_on == date(2026, 5, 6)
    on_last = rules.objection_window(CAL, state="selesai", due_on=DUE, extended_due_on=None,
                                     closed_on=closed, today=date(2026, 5, 6))
    assert on_last.is_open
    late = rules.objection_window(CAL, state="selesai", due_on=DUE, extended_due_on=None,
                                  closed_on=closed, today=date(2026, 5, 7))
    assert late.is_possible and not late.is_open
    assert "6 Mei 2026" in late.reason


def test_objection_window_after_a_lapsed_due_date():
    not_yet = rules.objection_window(CAL, state="diproses", due_on=DUE, extended_due_on=None,
                                     closed_on=None, today=DUE)
    assert not not_yet.is_possible
    lapsed = rules.objection_window(CAL, state="diproses", due_on=DUE, extended_due_on=None,
                                    closed_on=None, today=date(2026, 4, 8))
    assert lapsed.is_open and lapsed.ground_on == DUE
    extended = rules.objection_window(CAL, state="diperpanjang", due_on=DUE,
                                      extended_due_on=date(2026, 4, 16), closed_on=None,
                                      today=date(2026, 4, 10))
    assert not extended.is_possible
    withdrawn = rules.objection_window(CAL, state="ditarik", due_on=DUE, extended_due_on=None,
                                       closed_on=date(2026, 3, 20), today=date(2026, 3, 25))
    assert not withdrawn.is_possible


def test_atasan_answers_in_30_working_days_and_late_flag():
    d = rules.objection_deadline(CAL, date(2026, 3, 16))
    assert d.due_on == date(2026, 5, 6)
    assert not rules.objection_is_late(d.due_on, None, date(2026, 5, 6))
    assert rules.objection_is_late(d.due_on, None, date(2026, 5, 7))
    assert rules.objection_is_late(d.due_on, date(2026, 5, 8), date(2026, 5, 8))
    assert not rules.objection_is_late(d.due_on, date(2026, 5, 1), date(2026, 12, 1))


def test_dispute_deadline_and_grounds():
    # 14 and 15 May 2026 (Ascension and its cuti bersama) are not counted.
    assert rules.dispute_deadline(CAL, date(2026, 5, 4), date(2026, 5, 6)) == date(2026, 5, 26)
    assert rules.validate_grounds(["c", "a", "a"]) == ["a", "c"]
    with pytest.raises(rules.RuleError):
        rules.validate_grounds([])
    with pytest.raises(rules.RuleError):
        rules.validate_grounds(["h"])


def test_number_format_and_masking():
    assert rules.format_number("{prefix}/{year}/{seq:05d}", prefix="KALBAR", year=2026,
                               seq=42) == "KALBAR/2026/00042"
    assert rules.mask_identity("6171010203850001") == "6171**********01"


def test_public_subject_prefers_the_redaction_and_shortens_the_text():
    from ppid.info_requests.rules import public_subject
    assert public_subject("Data kesehatan (disamarkan)", "Rekam medis Budi") == \
        "Data kesehatan (disamarkan)"
    assert public_subject(None, "  Salinan\n laporan   keuangan ") == "Salinan laporan keuangan"
    long = public_subject("", "kata " * 100)
    assert len(long) == 200 and long.endswith("...")


# --- Delivery (issue #15: late delivery, objection ground g) -------------------------------

def test_delivery_overdue_gives_the_day_the_ground_arose():
    promised = date(2026, 4, 1)
    overdue = rules.delivery_overdue
    assert overdue("dikabulkan", promised, None, date(2026, 4, 1)) is None  # not yet
    assert overdue("dikabulkan", promised, None, date(2026, 4, 2)) == promised
    assert overdue("dikabulkan_sebagian", promised, None, date(2026, 5, 2)) == promised
    assert overdue("dikabulkan", promised, date(2026, 4, 1), date(2026, 6, 1)) is None
    assert overdue("dikabulkan", promised, date(2026, 4, 3), date(2026, 6, 1)) == promised
    assert overdue("ditolak", promised, None, date(2026, 6, 1)) is None  # nothing promised
    assert overdue("dikabulkan", None, None, date(2026, 6, 1)) is None


def test_check_delivery_refuses_what_cannot_be_recorded():
    ok = dict(state="selesai", outcome="dikabulkan", delivered_on_before=None,
              received_on=date(2026, 3, 2), delivered_on=date(2026, 3, 20), via="pos",
              today=date(2026, 3, 20))
    rules.check_delivery(**ok)
    for over, message in (({"outcome": "ditolak"}, "dikabulkan"),
                          ({"state": "diproses"}, "dikabulkan"),
                          ({"delivered_on_before": date(2026, 3, 10)}, "sudah dicatat"),
                          ({"delivered_on": None}, "wajib diisi"),
                          ({"delivered_on": date(2026, 3, 21)}, "harus antara"),
                          ({"delivered_on": date(2026, 3, 1)}, "harus antara"),
                          ({"via": "merpati"}, "cara penyerahan")):
        with pytest.raises(rules.RuleError, match=message):
            rules.check_delivery(**{**ok, **over})


def test_letter_numbers_from_the_format():
    assert rules.format_letter_number("{seq:03d}/{kind}/PPID-{ppid}/{year}", seq=7,
                                      kind_code="SK-TOLAK", ppid="DINKES", prefix="KALBAR",
                                      issued_on=date(2026, 11, 3)) == "007/SK-TOLAK/PPID-DINKES/2026"
    assert rules.format_letter_number("{prefix}.{ppid}/{month_roman}/{seq}", seq=12,
                                      kind_code="PT", ppid="X", prefix="KALBAR",
                                      issued_on=date(2026, 4, 1)) == "KALBAR.X/IV/12"
    assert rules.ppid_code(None, "dinkes") == "DINKES"
    assert rules.ppid_code(" DKS ", "dinkes") == "DKS"
