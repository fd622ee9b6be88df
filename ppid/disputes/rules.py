"""Pure rules of an information dispute after the atasan's answer: the Komisi Informasi
(UU KIP Pasal 37-40; Perki 1/2013), the courts (Pasal 47-50) and the execution of what was
agreed or decided. No app, no database, no clock: callers pass the calendar and today.

A dispute moves through stages (``DisputeStage``): filed, registered by the commission,
mediation, adjudication, and closed with an outcome (``DisputeOutcome``, defined with the
objections in ppid.info_requests.rules). Each move is a ``DisputeAction``; :func:`allowed_steps`
says which steps a stage allows, :func:`check_step` why one is refused. Adding a step
touches its member here, its row in ``_MOVES`` and, when it needs a field, the form.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from flask_babel import lazy_gettext as _l

from ppid.core.calendar import Calendar, Deadline, explain_deadline
from ppid.core.enums import LabelledEnum
from ppid.info_requests.rules import DisputeOutcome, ObjectionGround, RuleError

# UU KIP Pasal 38(1): the commission begins within 14 working days of receiving the
# dispute; Pasal 38(2): it settles it within 100 working days.
COMMISSION_START_DAYS = 14
COMMISSION_SETTLE_DAYS = 100
# Pasal 47-48: a party that rejects the adjudication decision sues within 14 working days
# of receiving it; Pasal 50: cassation within 14 days of receiving the court's decision.
COURT_FILING_DAYS = 14
CASSATION_DAYS = 14


class DisputeCommission(LabelledEnum):
    """Which Komisi Informasi hears the dispute (UU KIP Pasal 27 ayat 2-3)."""

    PUSAT = "pusat", _l("Komisi Informasi Pusat"), "UU KIP Pasal 27 ayat (2)"
    PROVINSI = "provinsi", _l("Komisi Informasi Provinsi"), "UU KIP Pasal 27 ayat (3)"
    KABUPATEN_KOTA = ("kabupaten_kota", _l("Komisi Informasi Kabupaten/Kota"),
                      "UU KIP Pasal 27 ayat (3)")


class DisputeStage(LabelledEnum):
    """Where a dispute is at the commission."""

    DIAJUKAN = "diajukan", _l("Diajukan, menunggu registrasi")
    REGISTRASI = "registrasi", _l("Teregistrasi"), "UU KIP Pasal 38 ayat (1)"
    MEDIASI = "mediasi", _l("Mediasi"), "UU KIP Pasal 40"
    AJUDIKASI = "ajudikasi", _l("Ajudikasi nonlitigasi"), "UU KIP Pasal 42"
    SELESAI = "selesai", _l("Selesai di Komisi Informasi")


class DisputeAction(LabelledEnum):
    """What happens to a dispute, each a timeline entry: the filing, the steps at the
    commission (those in ``_MOVES``), the courts and the execution."""

    DIAJUKAN = "diajukan", _l("Diajukan ke Komisi Informasi"), "UU KIP Pasal 37"
    REGISTRASI = "registrasi", _l("Diregistrasi Komisi Informasi")
    MEDIASI = "mediasi", _l("Mediasi dimulai"), "UU KIP Pasal 40"
    MEDIASI_BERHASIL = ("mediasi_berhasil", _l("Mediasi berhasil: kesepakatan"),
                        "UU KIP Pasal 39")
    MEDIASI_GAGAL = "mediasi_gagal", _l("Mediasi tidak mencapai kesepakatan")
    AJUDIKASI = "ajudikasi", _l("Ajudikasi dimulai"), "UU KIP Pasal 42"
    PUTUSAN = "putusan", _l("Putusan Komisi Informasi"), "UU KIP Pasal 46"
    DICABUT = "dicabut", _l("Dicabut pemohon")
    GUGUR = "gugur", _l("Gugur")
    PUTUSAN_DITERIMA = "putusan_diterima", _l("Putusan Komisi Informasi diterima")
    PENGADILAN = "pengadilan", _l("Diajukan ke pengadilan"), "UU KIP Pasal 47-50"
    PUTUSAN_PENGADILAN = "putusan_pengadilan", _l("Putusan pengadilan")
    PELAKSANAAN = "pelaksanaan", _l("Pelaksanaan oleh badan publik")


class CourtLevel(LabelledEnum):
    """The courts after the commission: first instance by the kind of body (UU KIP Pasal
    47), then cassation (Pasal 50)."""

    PTUN = ("ptun", _l("Pengadilan Tata Usaha Negara"),
            "UU KIP Pasal 47 ayat (1)")  # the body is a state body
    PN = "pn", _l("Pengadilan Negeri"), "UU KIP Pasal 47 ayat (2)"  # any other body
    MA = "ma", _l("Mahkamah Agung (kasasi)"), "UU KIP Pasal 50"


class CourtOutcome(LabelledEnum):
    """How a court decided."""

    DIKABULKAN = "dikabulkan", _l("Gugatan dikabulkan")
    DIKABULKAN_SEBAGIAN = "dikabulkan_sebagian", _l("Gugatan dikabulkan sebagian")
    DITOLAK = "ditolak", _l("Gugatan ditolak")
    TIDAK_DAPAT_DITERIMA = "tidak_dapat_diterima", _l("Gugatan tidak dapat diterima")
    DICABUT = "dicabut", _l("Gugatan dicabut")


class CourtParty(LabelledEnum):
    """Who takes a decision to court."""

    PEMOHON = "pemohon", _l("Pemohon informasi")
    BADAN_PUBLIK = "badan_publik", _l("Badan publik")


# The outcomes a commission's decision (putusan) may have; the others end a dispute by a
# step of their own (mediation, withdrawal, lapse).
DECISION_OUTCOMES = (DisputeOutcome.DIKABULKAN, DisputeOutcome.DIKABULKAN_SEBAGIAN,
                     DisputeOutcome.DITOLAK, DisputeOutcome.TIDAK_DAPAT_DITERIMA)
# Outcomes that oblige the body to do something, which the registry follows to its
# execution (a mediation agreement, or a decision granting the request).
OUTCOMES_TO_EXECUTE = (DisputeOutcome.MEDIASI_BERHASIL, DisputeOutcome.DIKABULKAN,
                       DisputeOutcome.DIKABULKAN_SEBAGIAN)

# stage -> {step: (next stage, outcome it ends with or None)}
_MOVES = {
    DisputeStage.DIAJUKAN: {DisputeAction.REGISTRASI: (DisputeStage.REGISTRASI, None),
                     DisputeAction.PUTUSAN: (DisputeStage.SELESAI, "decision"),
                     DisputeAction.DICABUT: (DisputeStage.SELESAI, DisputeOutcome.DICABUT),
                     DisputeAction.GUGUR: (DisputeStage.SELESAI, DisputeOutcome.GUGUR)},
    DisputeStage.REGISTRASI: {DisputeAction.MEDIASI: (DisputeStage.MEDIASI, None),
                       DisputeAction.AJUDIKASI: (DisputeStage.AJUDIKASI, None),
                       DisputeAction.PUTUSAN: (DisputeStage.SELESAI, "decision"),
                       DisputeAction.DICABUT: (DisputeStage.SELESAI, DisputeOutcome.DICABUT),
                       DisputeAction.GUGUR: (DisputeStage.SELESAI, DisputeOutcome.GUGUR)},
    DisputeStage.MEDIASI: {DisputeAction.MEDIASI_BERHASIL: (DisputeStage.SELESAI, DisputeOutcome.MEDIASI_BERHASIL),
                    DisputeAction.MEDIASI_GAGAL: (DisputeStage.AJUDIKASI, None),
                    DisputeAction.DICABUT: (DisputeStage.SELESAI, DisputeOutcome.DICABUT),
                    DisputeAction.GUGUR: (DisputeStage.SELESAI, DisputeOutcome.GUGUR)},
    DisputeStage.AJUDIKASI: {DisputeAction.PUTUSAN: (DisputeStage.SELESAI, "decision"),
                      DisputeAction.DICABUT: (DisputeStage.SELESAI, DisputeOutcome.DICABUT),
                      DisputeAction.GUGUR: (DisputeStage.SELESAI, DisputeOutcome.GUGUR)},
    DisputeStage.SELESAI: {},
}


def mediation_available(grounds) -> bool:
    """UU KIP Pasal 40(2): no mediation when the only ground is letter a (a refusal on
    Pasal 17 exemptions): that is adjudicated."""
    return set(grounds) != {ObjectionGround.A}


def allowed_steps(stage, grounds) -> list:
    """The steps a dispute at ``stage`` may take next, in a useful order."""
    steps = list(_MOVES[DisputeStage(stage)])
    if not mediation_available(grounds):
        steps = [s for s in steps if s != DisputeAction.MEDIASI]
    return steps


@dataclass(frozen=True)
class Move:
    stage: str
    outcome: Optional[str]


def check_step(stage, step, grounds, *, outcome=None) -> Move:
    """The stage a step leads to and the outcome it ends with; RuleError when refused.
    A decision (``DisputeAction.PUTUSAN``) needs one of DECISION_OUTCOMES as ``outcome``."""
    stage, step = DisputeStage(stage), DisputeAction.get(step)
    if step is None:
        raise RuleError(_l("Tahap sengketa tidak dikenal."))
    if step == DisputeAction.MEDIASI and not mediation_available(grounds):
        raise RuleError(_l("Mediasi tidak tersedia bila alasan keberatan hanya huruf a "
                           "(penolakan berdasarkan pengecualian Pasal 17): sengketa langsung "
                           "diselesaikan melalui ajudikasi (UU KIP Pasal 40 ayat 2)."))
    moves = _MOVES[stage]
    if step not in moves:
        if stage == DisputeStage.SELESAI:
            raise RuleError(_l("Sengketa ini sudah selesai di Komisi Informasi."))
        raise RuleError(_l("Tahap %(step)s tidak dapat dicatat saat sengketa berada pada "
                           "tahap %(stage)s.", step=step.label, stage=stage.label))
    to_stage, ends = moves[step]
    if ends == "decision":
        if outcome not in DECISION_OUTCOMES:
            raise RuleError(_l("Pilih amar putusan Komisi Informasi."))
        if stage != DisputeStage.AJUDIKASI and outcome != DisputeOutcome.TIDAK_DAPAT_DITERIMA:
            raise RuleError(_l("Sebelum ajudikasi, Komisi Informasi hanya dapat menyatakan "
                               "permohonan tidak dapat diterima; putusan atas pokok sengketa "
                               "diberikan setelah ajudikasi."))
        ends = outcome
    return Move(to_stage, ends)


def commission_start_deadline(cal: Calendar, filed_on: date) -> Deadline:
    """The commission begins within 14 working days of receiving the dispute (Pasal 38(1))."""
    return explain_deadline(cal, filed_on, COMMISSION_START_DAYS)


def commission_deadline(cal: Calendar, filed_on: date, registered_on: Optional[date]):
    """The commission settles the dispute within 100 working days (Pasal 38(2)), counted
    from the start of its process (its registration; until then, the filing)."""
    return explain_deadline(cal, registered_on or filed_on, COMMISSION_SETTLE_DAYS)


def commission_overdue(cal: Calendar, stage, filed_on: date, registered_on, today) -> bool:
    return DisputeStage(stage) != DisputeStage.SELESAI and today > commission_deadline(
        cal, filed_on, registered_on).due_on


def first_instance_court(is_state_body: bool) -> CourtLevel:
    """UU KIP Pasal 47: the PTUN when the body is a state body, the district court
    otherwise."""
    return CourtLevel.PTUN if is_state_body else CourtLevel.PN


def court_filing_deadline(cal: Calendar, decision_received_on: date) -> Deadline:
    """A suit against the commission's adjudication decision: within 14 working days of
    receiving it (UU KIP Pasal 47-48)."""
    return explain_deadline(cal, decision_received_on, COURT_FILING_DAYS)


def cassation_deadline(court_decision_received_on: date) -> date:
    """Cassation to the Mahkamah Agung: within 14 days of receiving the court's decision
    (UU KIP Pasal 50); calendar days."""
    return court_decision_received_on + timedelta(days=CASSATION_DAYS)


def court_filing_problem(level, *, is_state_body: bool, outcome, decision_received_on,
                         first_instance, filed_on: date) -> Optional[str]:
    """Why a court case cannot be recorded, or None. ``first_instance`` is the case at the
    first-instance court, if any (for cassation)."""
    level = CourtLevel.get(level)
    if level is None:
        return _l("Pilih pengadilan.")
    if level in (CourtLevel.PTUN, CourtLevel.PN):
        if outcome not in DECISION_OUTCOMES:
            return _l("Gugatan ke pengadilan hanya atas putusan ajudikasi Komisi Informasi; "
                      "kesepakatan mediasi bersifat final dan mengikat (UU KIP Pasal 39).")
        if level != first_instance_court(is_state_body):
            return (_l("Badan publik negara digugat di Pengadilan Tata Usaha Negara (UU KIP "
                       "Pasal 47 ayat 1).") if is_state_body else
                    _l("Badan publik selain badan publik negara digugat di Pengadilan Negeri "
                       "(UU KIP Pasal 47 ayat 2)."))
        if first_instance is not None:
            return _l("Gugatan atas putusan ini sudah dicatat.")
        if decision_received_on is None:
            return _l("Catat dahulu tanggal putusan Komisi Informasi diterima: jangka waktu "
                      "gugatan dihitung sejak itu.")
        if filed_on < decision_received_on:
            return _l("Gugatan tidak mungkin diajukan sebelum putusan diterima.")
        return None
    # cassation
    if first_instance is None or first_instance.decided_on is None:
        return _l("Kasasi diajukan atas putusan pengadilan tingkat pertama: catat dahulu "
                  "putusannya.")
    received = first_instance.decision_received_on or first_instance.decided_on
    if filed_on < received:
        return _l("Kasasi tidak mungkin diajukan sebelum putusan pengadilan diterima.")
    return None


def needs_execution(outcome) -> bool:
    return outcome in OUTCOMES_TO_EXECUTE
