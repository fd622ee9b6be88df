"""Pure rules of proactive disclosure: no app, no database, no clock.

The caller passes today's local date and the warning window (config key
REGISTRY_WARNING_DAYS, read by the service).

The registry's enumerations are defined here once, with their labels and articles
(``ppid.core.enums`` says how everything that shows them derives from them): the
staleness status, the information categories, the DIP forms, an obligation's scope, an
item's state and the letters of UU KIP Pasal 17.
"""
from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l

from ppid.core.enums import LabelledEnum


class Status(LabelledEnum):
    """Staleness of an (agency, obligation) pair (DOMAIN.md section 5)."""

    BELUM_ADA = ("belum_ada", _l("Belum ada"), None, "○",
                 _l("belum pernah diterbitkan atau dinyatakan nihil"))
    TERLAMBAT = "terlambat", _l("Terlambat"), None, "✗", _l("melewati jatuh tempo")
    SEGERA = "segera", _l("Segera jatuh tempo"), None, "!", _l("jatuh tempo dalam masa peringatan")
    TERKINI = "terkini", _l("Terkini"), None, "✓", _l("diterbitkan dan belum jatuh tempo")
    NIHIL = ("nihil", _l("Nihil"), None, "∅",
             _l("dinyatakan nihil untuk suatu semester dan belum jatuh tempo"))

    def __init__(self, code, label, article, symbol, description):
        self.symbol = symbol            # beside the colour and the text (WCAG 1.4.1)
        self.description = description  # what the status means (legends)

    @classmethod
    def by_severity(cls):
        """Worst first: the order of dashboards, digests and the matrix."""
        return sorted(cls, key=SEVERITY_ORDER.__getitem__)


BELUM_ADA, TERLAMBAT, SEGERA, TERKINI, NIHIL = Status
STATUSES = tuple(Status)
ALERT_STATUSES = (BELUM_ADA, TERLAMBAT, SEGERA)
# Worst first: the order of dashboards and digests.
SEVERITY_ORDER = {TERLAMBAT: 0, BELUM_ADA: 1, SEGERA: 2, NIHIL: 3, TERKINI: 4}


class Category(LabelledEnum):
    """The four categories of public information (DOMAIN.md section 3)."""

    BERKALA = "berkala", _l("Berkala"), "UU KIP Pasal 9"
    SERTA_MERTA = "serta_merta", _l("Serta-merta"), "UU KIP Pasal 10"
    SETIAP_SAAT = "setiap_saat", _l("Setiap saat"), "UU KIP Pasal 11"
    DIKECUALIKAN = "dikecualikan", _l("Dikecualikan"), "UU KIP Pasal 17"


class DipForm(LabelledEnum):
    """Bentuk informasi yang tersedia, the DIP's sixth column (Perki 1/2021)."""

    CETAK = "cetak", _l("Cetak")
    ELEKTRONIK = "elektronik", _l("Elektronik")
    CETAK_ELEKTRONIK = "cetak_elektronik", _l("Cetak dan elektronik")


class AppliesTo(LabelledEnum):
    """Which agencies an obligation of the catalogue applies to."""

    SEMUA = "semua", _l("Semua badan publik")
    UTAMA = "utama", _l("Hanya PPID Utama")


class ItemState(LabelledEnum):
    """A DIP item's life: a draft, then published; a withdrawn item stays public."""

    DRAFT = "draft", _l("Draf")
    PUBLISHED = "published", _l("Terbit")
    WITHDRAWN = "withdrawn", _l("Ditarik")


class Pasal17(LabelledEnum):
    """The letters of UU KIP Pasal 17, each with what it covers: the grounds of exempt
    information (the exemptions register) and of refusing a request."""

    A = "a", _l("penegakan hukum"), "UU KIP Pasal 17 huruf a"
    B = ("b", _l("hak kekayaan intelektual dan persaingan usaha"),
         "UU KIP Pasal 17 huruf b")
    C = "c", _l("pertahanan dan keamanan negara"), "UU KIP Pasal 17 huruf c"
    D = "d", _l("kekayaan alam Indonesia"), "UU KIP Pasal 17 huruf d"
    E = "e", _l("ketahanan ekonomi nasional"), "UU KIP Pasal 17 huruf e"
    F = "f", _l("hubungan luar negeri"), "UU KIP Pasal 17 huruf f"
    G = "g", _l("akta otentik pribadi dan wasiat"), "UU KIP Pasal 17 huruf g"
    H = "h", _l("rahasia pribadi"), "UU KIP Pasal 17 huruf h"
    I = ("i", _l("memorandum internal yang menurut sifatnya dirahasiakan"),  # noqa: E741
         "UU KIP Pasal 17 huruf i")
    J = "j", _l("dikecualikan undang-undang lain"), "UU KIP Pasal 17 huruf j"


DEFAULT_WARNING_DAYS = 30


@dataclass(frozen=True)
class Staleness:
    status: str
    last_published_on: Optional[date]
    due_on: Optional[date]
    is_nil: bool = False


def due_date(last_published_on: date, period_months: int) -> date:
    """``last_published_on`` + period in calendar months, clamped to the month's end.

    UU KIP Pasal 9(4): periodic information is published at least every 6 months;
    31 August + 6 months = 28 (or 29) February.
    """
    return last_published_on + relativedelta(months=period_months)


def staleness(last_published_on: Optional[date], last_nil_on: Optional[date],
              period_months: int, today: date,
              warning_days: int = DEFAULT_WARNING_DAYS) -> Staleness:
    """The status of one (agency, obligation) pair, DOMAIN.md section 5.

    ``last_published_on`` is the local date on which the newest published version for the
    obligation first became public (``version_published_at``), ``last_nil_on`` the
    effective date of the newest nil declaration, i.e. the last day of the semester it
    covers (``nil_effective_on``; Perki 1/2010: a nil declaration counts as compliant for
    its period), never the day it was typed. A publication wins a tie.
    """
    if last_published_on is None and last_nil_on is None:
        return Staleness(BELUM_ADA, None, None)
    is_nil = last_published_on is None or (last_nil_on is not None
                                            and last_nil_on > last_published_on)
    latest = last_nil_on if is_nil else last_published_on
    due_on = due_date(latest, period_months)
    if today > due_on:
        status = TERLAMBAT
    elif (due_on - today).days <= warning_days:
        status = SEGERA
    else:
        status = NIHIL if is_nil else TERKINI
    return Staleness(status, latest, due_on, is_nil)


def applies_to_agency(applies_to: str, agency_kind: str) -> bool:
    """An obligation applies to every agency unless limited to the PPID Utama."""
    return applies_to == "semua" or (applies_to == "utama" and agency_kind == "utama")


def version_published_at(created_at: datetime, item_published_at: Optional[datetime]):
    """The moment a version first became public.

    ``item_published_at`` is the item's FIRST publication (services.publish_item never
    moves it: republishing a withdrawn item keeps it). A version uploaded while the item
    was a draft became public with that first publication; any later version was uploaded
    while the item was published (a withdrawn item accepts no upload, and an item never
    returns to draft), so it became public at its upload. Hence the later of the two; a
    withdrawal and republication therefore never makes an old version newer.
    """
    if item_published_at is None:
        return None
    return max(created_at, item_published_at)


# UU KIP Pasal 20(1): exemptions under Pasal 17 letters a-f are not permanent, so each
# carries an end date; letters g-j may last as long as their ground (DOMAIN.md 14).
TIME_LIMITED_LETTERS = frozenset("abcdef")

# What an open-ended exemption lasts for, by its ground (the first that applies). The
# text is derived, never typed, so it cannot disagree with the entry's end date.
OPEN_ENDED_PERIODS = (
    ("h", _l("selama pemilik rahasia pribadi itu hidup")),
    ("g", _l("selama akta otentik atau wasiat itu dirahasiakan menurut hukum")),
    ("i", _l("selama sifatnya dirahasiakan, kecuali diputus lain oleh Komisi Informasi "
             "atau pengadilan")),
    ("j", _l("selama jangka waktu yang ditetapkan undang-undang yang mengecualikannya")),
)


def exemption_needs_end_date(letters) -> bool:
    """True when any ground is one of Pasal 17 letters a-f (UU KIP Pasal 20(1))."""
    return any(x in TIME_LIMITED_LETTERS for x in letters)


def exemption_period_problem(letters, end_on: Optional[date],
                             decree_on: Optional[date]) -> Optional[str]:
    """Why an exemption's period is wrong, or None. Letters a-f need an end date; an end
    date, when given, is after the decree."""
    if end_on is None and exemption_needs_end_date(letters):
        return _l("Pengecualian berdasarkan Pasal 17 huruf a sampai f tidak bersifat "
                  "permanen (UU KIP Pasal 20): isi tanggal berakhirnya.")
    if end_on is None and not letters:
        return _l("Pengecualian berdasarkan undang-undang lain: isi tanggal berakhir "
                  "yang ditetapkan undang-undang itu, atau pilih huruf j.")
    if end_on is not None and decree_on is not None and end_on <= decree_on:
        return _l("Tanggal berakhir harus sesudah tanggal penetapan.")
    return None


def exemption_period_text(letters, end_on: Optional[date], decree_on: Optional[date],
                          date_long=None):
    """The period of an exemption in words, derived from its end date (or, open-ended,
    from its ground): '5 tahun, sampai 14 Maret 2029'. ``date_long`` formats a date."""
    if end_on is None:
        for letter, text in OPEN_ENDED_PERIODS:
            if letter in letters:
                return text
        return _l("tanpa batas waktu")
    until = date_long(end_on) if date_long else end_on.isoformat()
    if decree_on is not None and end_on > decree_on:
        span = relativedelta(end_on, decree_on)
        if span.days == 0 and (span.years or span.months):
            if span.months == 0:
                return _l("%(n)s tahun, sampai %(d)s", n=span.years, d=until)
            if span.years == 0:
                return _l("%(n)s bulan, sampai %(d)s", n=span.months, d=until)
    return _l("sampai %(d)s", d=until)


def exemption_review_due(end_on: Optional[date], today: date) -> bool:
    """UU KIP Pasal 20: exemption is for a limited period; once ended it must be reviewed.
    An open-ended entry (letters g-j) never falls due."""
    return end_on is not None and today > end_on


def exemption_in_force(end_on: Optional[date], today: date, *,
                       approved_on: Optional[date]) -> bool:
    """UU KIP Pasal 17, 20; PP 61/2010: an entry closes its information once the head of
    the body has approved it, until its end date (open-ended entries: for as long as
    their ground lasts, i.e. until changed)."""
    if approved_on is None or approved_on > today:
        return False
    return not exemption_review_due(end_on, today)


def exemption_approval_problem(name: str, position: str, approved_on: Optional[date],
                               tested_on: Optional[date], today: date) -> Optional[str]:
    """Why a recorded approval is wrong, or None."""
    if not (name or "").strip() or not (position or "").strip():
        return _l("Isi nama dan jabatan pimpinan badan publik yang menyetujui.")
    if approved_on is None:
        return _l("Isi tanggal persetujuan.")
    if approved_on > today:
        return _l("Tanggal persetujuan tidak boleh di masa depan.")
    if tested_on is not None and approved_on < tested_on:
        return _l("Persetujuan tidak boleh sebelum uji konsekuensi dilakukan.")
    return None


# What a serta-merta announcement says (UU KIP Pasal 10; Perki 1/2021), in the order its
# page shows it: the DipItem columns and their headings.
SERTA_MERTA_PARTS = (
    ("sm_danger", _l("Bahaya dan besarnya dampak")),
    ("sm_affected", _l("Siapa dan wilayah mana yang terdampak")),
    ("sm_actions", _l("Yang harus dilakukan masyarakat")),
    ("sm_help", _l("Tempat meminta bantuan")),
    ("sm_response", _l("Yang dilakukan pemerintah")),
)


def serta_merta_problems(event_at, parts: dict) -> list:
    """What a serta-merta item still lacks (UU KIP Pasal 10): the event's time, so hours to
    publication are known, and each part of the announcement. [] when complete."""
    out = []
    if event_at is None:
        out.append(_l("Isi waktu kejadian: informasi serta-merta mencatat kapan peristiwanya "
                      "terjadi."))
    missing = [label for name, label in SERTA_MERTA_PARTS if not (parts.get(name) or "").strip()]
    if missing:
        out.append(_l("Lengkapi isi pengumuman serta-merta: %(parts)s.",
                      parts=", ".join(str(x) for x in missing)))
    return out


def hours_to_publish(event_at: Optional[datetime], published_at: Optional[datetime]):
    """Serta-merta (UU KIP Pasal 10): hours from the event to publication, one decimal."""
    if event_at is None or published_at is None:
        return None
    return round((published_at - event_at).total_seconds() / 3600, 1)


def semester_range(year: int, semester: int):
    """First and last day of a semester (DIP exports per year and semester)."""
    if semester == 1:
        return date(year, 1, 1), date(year, 6, 30)
    return date(year, 7, 1), date(year, 12, 31)


def semester_of(day: date) -> int:
    return 1 if day.month <= 6 else 2


def semester_index(year: int, semester: int) -> int:
    """A running number of semesters (one more per semester), for ordering and arithmetic."""
    return year * 2 + semester - 1


def semester_from_index(index: int):
    """The (year, semester) of a ``semester_index``."""
    return index // 2, index % 2 + 1


def nil_effective_on(year: int, semester: int) -> date:
    """The date a nil declaration for (year, semester) stands for in staleness: the LAST day
    of the semester it covers (``semester_range``), whatever day it was typed.

    DOMAIN.md section 3: a nil declaration counts as compliant "for that period". Nothing
    to report for a semester is a statement about the whole semester, usually made just
    after it ends; it therefore counts as if the information had been published, current,
    on the semester's last day, and the obligation is current until that day plus the
    obligation's period (``due_date``): a nil for Semester I 2026 (ends 30 June) on a
    6-month obligation is current until 30 December 2026, so the next semester must be
    published or declared nil in its turn. A nil for a long-past semester thus stays
    overdue, however recently it was typed.
    """
    return semester_range(year, semester)[1]


def nil_periods_open(today: date):
    """The semesters a nil may be declared for on ``today``: the previous semester and the
    current one, as ((year, semester), (year, semester)), oldest first.

    A declaration for a semester further back would be history written after the fact (and
    would already be overdue); one for a later semester would promise the future.
    """
    current = semester_index(today.year, semester_of(today))
    return semester_from_index(current - 1), semester_from_index(current)


def semester_label(year: int, semester: int) -> str:
    return f"Semester {'I' if semester == 1 else 'II'} {year}"


# --- Staleness history (an objection on ground b, UU KIP Pasal 35(1) huruf b) --------------

@dataclass(frozen=True)
class HistoryEntry:
    """One publication of an (agency, obligation) pair: a document version that became
    public, or a nil declaration (its effective day, ``nil_effective_on``); how long it
    kept the obligation current, and the overdue spell that followed it, if any."""

    on: date
    is_nil: bool
    label: str
    due_on: date
    stale_from: Optional[date] = None     # the first overdue day after it
    stale_until: Optional[date] = None    # the day a later publication ended it (None: ongoing)
    item_id: Optional[int] = None
    version_number: Optional[int] = None


@dataclass(frozen=True)
class StalenessHistory:
    """A pair's publications in order with the overdue spells between them, and the day
    the current overdue spell began (None while the obligation is not overdue)."""

    entries: tuple
    overdue_since: Optional[date]
    never_published: bool


def staleness_history(publications, period_months: int, today: date,
                      applies_from: date) -> StalenessHistory:
    """Every overdue spell of one pair (DOMAIN.md section 5), from ``publications``: tuples
    (on, is_nil, label, item_id, version_number) in any order. A publication keeps the
    obligation current until ``due_date``; the next day it is overdue (``staleness``'s
    ``today > due_on``) until a later publication. A pair never published is overdue from
    ``applies_from`` (the day the registry first held the obligation for the agency:
    ``belum_ada``). The current spell's first day is where the 30-working-day window of an
    objection on ground b runs from (UU KIP Pasal 36(1)); a new spell opens a new window."""
    rows = sorted(publications, key=lambda p: (p[0], not p[1]))  # a publication wins a tie
    if not rows:
        return StalenessHistory((), applies_from, True)
    entries = []
    for i, (on, is_nil, label, item_id, number) in enumerate(rows):
        due = due_date(on, period_months)
        later = [r[0] for r in rows[i + 1:] if r[0] > on]
        # Publications on or before this one's due date carry the obligation on.
        nxt = later[0] if later else None
        stale_from = stale_until = None
        if nxt is None:
            if today > due:
                stale_from = due + relativedelta(days=1)
        elif nxt > due:
            stale_from, stale_until = due + relativedelta(days=1), nxt
        entries.append(HistoryEntry(on, bool(is_nil), label, due, stale_from, stale_until,
                                    item_id, number))
    # The spell running today: after the latest publication (the furthest due date wins).
    last_due = max(e.due_on for e in entries)
    overdue_since = last_due + relativedelta(days=1) if today > last_due else None
    return StalenessHistory(tuple(entries), overdue_since, False)
