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


def exemption_review_due(end_on: Optional[date], today: date) -> bool:
    """UU KIP Pasal 20: exemption is for a limited period; once ended it must be reviewed."""
    return end_on is not None and today > end_on


def exemption_in_force(end_on: Optional[date], today: date) -> bool:
    """UU KIP Pasal 17, 20: an entry closes its information until its end date."""
    return end_on is not None and not exemption_review_due(end_on, today)


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
