"""Pure rules of information requests (permohonan) and objections (keberatan).

No app, no database, no clock: the calendar and ``today`` are arguments. Every deadline is
counted in working days with ``ppid.core.calendar`` (DOMAIN.md section 6).
"""
from dataclasses import dataclass
from datetime import date

from ppid.core.calendar import (Calendar, Deadline, add_working_days, explain_deadline,
                                working_days_between)

# --- States (DOMAIN.md section 7) ----------------------------------------------------------

DITERIMA = "diterima"        # registered, clock running
DIPROSES = "diproses"        # an officer of the holding agency works on it
DITERUSKAN = "diteruskan"    # forwarded (the clock does not restart)
DIPERPANJANG = "diperpanjang"  # extended once (UU KIP Pasal 22(8))
SELESAI = "selesai"          # closed with an outcome
DITARIK = "ditarik"          # withdrawn by the requester

STATES = (DITERIMA, DIPROSES, DITERUSKAN, DIPERPANJANG, SELESAI, DITARIK)
OPEN_STATES = (DITERIMA, DIPROSES, DITERUSKAN, DIPERPANJANG)
FINAL_STATES = (SELESAI, DITARIK)

TRANSITIONS = {
    DITERIMA: {DIPROSES, DITERUSKAN, DIPERPANJANG, SELESAI, DITARIK},
    DIPROSES: {DITERUSKAN, DIPERPANJANG, SELESAI, DITARIK},
    DITERUSKAN: {DIPROSES, DITERUSKAN, DIPERPANJANG, SELESAI, DITARIK},
    # An extended request can still move between agencies, but is extended only once.
    DIPERPANJANG: {DIPROSES, DITERUSKAN, SELESAI, DITARIK},
    SELESAI: set(),
    DITARIK: set(),
}

# --- Outcomes ------------------------------------------------------------------------------

DIKABULKAN = "dikabulkan"
DIKABULKAN_SEBAGIAN = "dikabulkan_sebagian"
DITOLAK = "ditolak"
TIDAK_DIKUASAI = "tidak_dikuasai"
BELUM_DIDOKUMENTASIKAN = "belum_didokumentasikan"
OUTCOMES = (DIKABULKAN, DIKABULKAN_SEBAGIAN, DITOLAK, TIDAK_DIKUASAI, BELUM_DIDOKUMENTASIKAN)

PASAL17_LETTERS = tuple("abcdefghij")
INFO_FORMS = ("softcopy", "hardcopy", "softcopy_hardcopy", "melihat")

# Outcome -> fields the written notice must state (Perki 1/2021 pemberitahuan tertulis).
_GRANT_FIELDS = ("response_note", "info_form", "cost_per_page", "pages", "delivery_cost",
                 "available_on")
REQUIRED_OUTCOME_FIELDS = {
    DIKABULKAN: _GRANT_FIELDS,
    DIKABULKAN_SEBAGIAN: _GRANT_FIELDS + ("exemption_letters", "redacted_parts",
                                          "redaction_reason"),
    DITOLAK: ("exemption_letters", "exemption_consequence"),
    TIDAK_DIKUASAI: (),  # holding_body only "if known"
    BELUM_DIDOKUMENTASIKAN: ("documented_on",),
}
OPTIONAL_OUTCOME_FIELDS = {
    DIKABULKAN: (),
    DIKABULKAN_SEBAGIAN: (),
    DITOLAK: ("other_statute",),
    TIDAK_DIKUASAI: ("holding_body",),
    BELUM_DIDOKUMENTASIKAN: (),
}
OUTCOME_FIELDS = ("response_note", "info_form", "cost_per_page", "pages", "delivery_cost",
                  "available_on", "exemption_letters", "exemption_consequence",
                  "other_statute", "redacted_parts", "redaction_reason", "holding_body",
                  "documented_on")

# --- Deadlines (working days) ------------------------------------------------------------

ANSWER_DAYS = 10             # UU KIP Pasal 22(7)
EXTENSION_DAYS = 7           # UU KIP Pasal 22(8)
OBJECTION_FILING_DAYS = 30   # UU KIP Pasal 36(1)
OBJECTION_ANSWER_DAYS = 30   # UU KIP Pasal 36(2)
DISPUTE_FILING_DAYS = 14     # UU KIP Pasal 37(2)
NEAR_DUE_DAYS = 3            # queues show requests due within 3 working days first
MAX_BACKDATE_DAYS = 30       # an officer enters a request received at most 30 days ago

OBJECTION_GROUNDS = {
    "a": "Permohonan informasi ditolak dengan alasan pengecualian Pasal 17",
    "b": "Informasi berkala (Pasal 9) tidak disediakan",
    "c": "Permintaan informasi tidak ditanggapi",
    "d": "Permintaan informasi ditanggapi tidak sebagaimana yang diminta",
    "e": "Permintaan informasi tidak dipenuhi",
    "f": "Pengenaan biaya yang tidak wajar",
    "g": "Penyampaian informasi melebihi waktu yang diatur undang-undang",
}

# Objection decisions of the atasan PPID.
MENGUATKAN = "menguatkan"              # upholds the PPID's decision
MEMBUKA_SELURUHNYA = "membuka_seluruhnya"  # orders disclosure in full
MEMBUKA_SEBAGIAN = "membuka_sebagian"      # orders disclosure in part
OBJECTION_DECISIONS = (MENGUATKAN, MEMBUKA_SELURUHNYA, MEMBUKA_SEBAGIAN)

DISPUTE_OUTCOMES = ("dalam_proses", "dikabulkan", "dikabulkan_sebagian", "ditolak",
                    "mediasi_berhasil", "dicabut")


class RuleError(ValueError):
    """A change refused by a rule; ``str(exc)`` is the message for the user."""


# --- Transitions -------------------------------------------------------------------------

def public_subject(redacted_subject, information) -> str:
    """The subject shown in public (register, search): the officer's redaction if any,
    else the request text on one line, at most 200 characters (DOMAIN.md section 11)."""
    if redacted_subject:
        return redacted_subject
    text = " ".join((information or "").split())
    return text if len(text) <= 200 else text[:197] + "..."


def can_transition(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, set())


def check_transition(from_state: str, to_state: str) -> None:
    if from_state not in TRANSITIONS or to_state not in TRANSITIONS:
        raise RuleError(f"Status tidak dikenal: {from_state} -> {to_state}.")
    if not can_transition(from_state, to_state):
        raise RuleError(f"Permohonan berstatus '{from_state}' tidak dapat diubah menjadi "
                        f"'{to_state}'.")


def is_open(state: str) -> bool:
    return state in OPEN_STATES


# --- Due dates ---------------------------------------------------------------------------

def answer_deadline(cal: Calendar, received_on: date):
    """Deadline (with its working) to answer: 10 working days after the effective receipt
    day (UU KIP Pasal 22(7))."""
    return explain_deadline(cal, received_on, ANSWER_DAYS)


def max_extended_due(cal: Calendar, due_on: date) -> date:
    """Latest extended due date: 7 working days after the original one (Pasal 22(8))."""
    return add_working_days(cal, due_on, EXTENSION_DAYS)


def explain_extension(cal: Calendar, due_on: date, extended_due_on: date) -> Deadline:
    """The working of an extension as chosen: the working days after the original due date
    up to the extended one (at most 7, Pasal 22(8)), with the days skipped on the way."""
    n = working_days_between(cal, due_on, extended_due_on)
    return explain_deadline(cal, due_on, n, from_receipt=False)


def check_extension(cal: Calendar, *, state: str, due_on: date, extended_due_on,
                    new_due_on: date, reason: str, today: date) -> None:
    """Extension is allowed once, with written reasons, decided no later than the original
    due date, to at most 7 working days after it (UU KIP Pasal 22(8))."""
    if not is_open(state):
        raise RuleError("Permohonan yang sudah selesai atau ditarik tidak dapat diperpanjang.")
    if extended_due_on is not None or state == DIPERPANJANG:
        raise RuleError("Jangka waktu permohonan hanya dapat diperpanjang satu kali.")
    if not (reason or "").strip():
        raise RuleError("Alasan perpanjangan wajib dituliskan.")
    if today > due_on:
        raise RuleError(f"Perpanjangan harus diputuskan paling lambat pada tanggal jatuh tempo "
                        f"semula ({due_on.isoformat()}).")
    limit = max_extended_due(cal, due_on)
    if new_due_on <= due_on:
        raise RuleError("Tanggal jatuh tempo baru harus setelah jatuh tempo semula.")
    if new_due_on > limit:
        raise RuleError(f"Perpanjangan paling lama 7 hari kerja, yaitu sampai "
                        f"{limit.isoformat()}.")
    if not cal.is_working_day(new_due_on):
        raise RuleError(f"Tanggal jatuh tempo baru ({new_due_on.isoformat()}) bukan hari kerja.")


def effective_due(due_on: date, extended_due_on) -> date:
    return extended_due_on or due_on


def is_late(due_on: date, extended_due_on, closed_on, today: date) -> bool:
    """Late: the (extended) due date passed before the request closed (or, if open, today)."""
    limit = effective_due(due_on, extended_due_on)
    return (closed_on or today) > limit


def urgency(cal: Calendar, due_on: date, today: date) -> str:
    """'terlambat' (past due), 'segera' (due within 3 working days) or 'normal'."""
    if today > due_on:
        return "terlambat"
    if working_days_between(cal, today, due_on) <= NEAR_DUE_DAYS:
        return "segera"
    return "normal"


def queue_sort_key(cal: Calendar, due_on: date, today: date):
    """Overdue first, then due within 3 working days, then the rest; each by due date."""
    rank = {"terlambat": 0, "segera": 1, "normal": 2}[urgency(cal, due_on, today)]
    return (rank, due_on)


# --- Outcomes ----------------------------------------------------------------------------

def total_cost(cost_per_page: int, pages: int, delivery_cost: int) -> int:
    """Copy cost (Rp per page x pages) plus delivery (Perki 1/2021 pemberitahuan tertulis)."""
    return int(cost_per_page) * int(pages) + int(delivery_cost)


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def validate_outcome(outcome: str, fields: dict) -> dict:
    """Field -> message for each field the outcome's written notice needs and lacks."""
    if outcome not in OUTCOMES:
        return {"outcome": "Pilih keputusan yang valid."}
    errors = {}
    for name in REQUIRED_OUTCOME_FIELDS[outcome]:
        if _blank(fields.get(name)):
            errors[name] = "Wajib diisi untuk keputusan ini."
    for name in ("cost_per_page", "pages", "delivery_cost"):
        value = fields.get(name)
        if name in REQUIRED_OUTCOME_FIELDS[outcome] and not _blank(value):
            if not isinstance(value, int) or value < 0:
                errors[name] = "Harus bilangan bulat 0 atau lebih."
    letters = fields.get("exemption_letters") or []
    if letters and any(x not in PASAL17_LETTERS for x in letters):
        errors["exemption_letters"] = "Huruf Pasal 17 harus di antara a sampai j."
    if fields.get("info_form") and fields["info_form"] not in INFO_FORMS:
        errors["info_form"] = "Pilih bentuk informasi yang valid."
    return errors


# --- Objections --------------------------------------------------------------------------

@dataclass(frozen=True)
class ObjectionWindow:
    """Whether an objection can be filed today, and the ground date and deadline."""

    is_possible: bool      # there is a ground (closed, or the due date lapsed)
    is_open: bool          # ... and today is within the 30 working days
    ground_on: date | None
    deadline_on: date | None
    reason: str


def objection_window(cal: Calendar, *, state: str, due_on: date, extended_due_on,
                     closed_on, today: date) -> ObjectionWindow:
    """The 30-working-day window to object (UU KIP Pasal 36(1)).

    The ground arises on the notice date (a closed request) or when the (extended) due date
    lapsed unanswered; the window runs 30 working days after that day.
    """
    if state == DITARIK:
        return ObjectionWindow(False, False, None, None, "Permohonan telah ditarik.")
    if state == SELESAI and closed_on is not None:
        ground = closed_on
    else:
        limit = effective_due(due_on, extended_due_on)
        if today <= limit:
            return ObjectionWindow(False, False, None, None,
                                   f"Keberatan dapat diajukan setelah ada pemberitahuan "
                                   f"tertulis atau setelah jatuh tempo {limit.isoformat()} "
                                   f"terlewati.")
        ground = limit
    deadline = add_working_days(cal, ground, OBJECTION_FILING_DAYS)
    if today > deadline:
        return ObjectionWindow(True, False, ground, deadline,
                               f"Batas waktu pengajuan keberatan telah lewat; keberatan "
                               f"seharusnya diajukan paling lambat {deadline.isoformat()}.")
    return ObjectionWindow(True, True, ground, deadline, "")


def objection_deadline(cal: Calendar, received_on: date):
    """The atasan answers within 30 working days of receipt (UU KIP Pasal 36(2))."""
    return explain_deadline(cal, received_on, OBJECTION_ANSWER_DAYS)


def objection_is_late(due_on: date, decided_on, today: date) -> bool:
    return (decided_on or today) > due_on


def dispute_deadline(cal: Calendar, decided_on, due_on: date) -> date:
    """Last day to take the dispute to the Komisi Informasi: 14 working days after the
    atasan's answer, or after the atasan's deadline lapsed (UU KIP Pasal 37(2))."""
    return add_working_days(cal, decided_on or due_on, DISPUTE_FILING_DAYS)


def validate_grounds(grounds) -> list:
    cleaned = sorted({g for g in grounds or [] if g})
    if not cleaned:
        raise RuleError("Pilih paling sedikit satu alasan keberatan.")
    unknown = [g for g in cleaned if g not in OBJECTION_GROUNDS]
    if unknown:
        raise RuleError("Alasan keberatan harus di antara huruf a sampai g.")
    return cleaned


# --- Registration numbers ----------------------------------------------------------------

def format_number(fmt: str, *, prefix: str, year: int, seq: int) -> str:
    """Registration number from the configured format, e.g. KALBAR/2026/00042."""
    return fmt.format(prefix=prefix, year=year, seq=seq)


def mask_identity(number: str) -> str:
    """Identity number for internal exports: first 4 and last 2 digits (DOMAIN.md 11)."""
    if not number:
        return ""
    if len(number) <= 6:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 6) + number[-2:]
