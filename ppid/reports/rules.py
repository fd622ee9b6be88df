"""Pure rules of compliance reporting: the indicator, the E-Monev bands, working-day spreads.

No app, no database, no clock: the weights, the calendar and the dates are arguments
(DOMAIN.md section 10; ARCHITECTURE.md convention 1).

Choices documented here (DOMAIN.md leaves them open):

* The request share counts the requests *decided on time* among the requests whose outcome
  is known: closed ones (on time or late) and open ones already past their (extended) due
  date (late for sure). Open requests still within their deadline and withdrawn requests
  are not counted either way.
* An agency with no counted requests scores the disclosure part alone, rescaled to 100
  (DOMAIN.md section 10). Symmetrically, an agency with no applicable obligation scores the
  request part alone, rescaled to 100; with neither, the indicator is ``None`` (shown as
  "belum dapat dinilai", no band) rather than a made-up 0 or 100.
"""
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Mapping, Optional

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l

from ppid.core.calendar import Calendar, working_days_between
from ppid.core.enums import LabelledEnum
from ppid.info_requests.rules import ObjectionDecision
from ppid.registry.rules import Status

DEFAULT_WEIGHTS = {"disclosure": 60, "requests": 40}

# Registry statuses that count as compliant: current, due soon, nil.
COMPLIANT_STATUSES = (Status.TERKINI, Status.SEGERA, Status.NIHIL)


class Band(LabelledEnum):
    """The E-Monev bands of the Komisi Informasi, best first, each with its lower bound
    (inclusive) on the 0-100 scale (Perki 1/2022; DOMAIN.md section 10)."""

    INFORMATIF = "informatif", _l("Informatif"), None, 90
    MENUJU_INFORMATIF = "menuju_informatif", _l("Menuju Informatif"), None, 80
    CUKUP_INFORMATIF = "cukup_informatif", _l("Cukup Informatif"), None, 60
    KURANG_INFORMATIF = "kurang_informatif", _l("Kurang Informatif"), None, 40
    TIDAK_INFORMATIF = "tidak_informatif", _l("Tidak Informatif"), None, 0

    def __init__(self, code, label, article=None, lower=0):
        self.lower = lower


INFORMATIF, MENUJU_INFORMATIF, CUKUP_INFORMATIF, KURANG_INFORMATIF, TIDAK_INFORMATIF = Band
BAND_CODES = tuple(Band)
NO_BAND_LABEL = _l("Belum dapat dinilai")  # no score: nothing that is weighted exists


class Sort(LabelledEnum):
    """Orders of the compliance list (the keys are in ``services.SORTS``)."""

    SKOR = "skor", _l("Skor tertinggi")
    SKOR_NAIK = "skor_naik", _l("Skor terendah")
    NAMA = "nama", _l("Nama A-Z")
    NAMA_TURUN = "nama_turun", _l("Nama Z-A")
    TERLAMBAT = "terlambat", _l("Permohonan terlambat terbanyak")
    KEWAJIBAN = "kewajiban", _l("Kewajiban bermasalah terbanyak")


class AnnualText(LabelledEnum):
    """The free-text sections of the annual service report (Perki 1/2021 Pasal 56), each a
    column of ``AnnualReportText``, in the order the report prints them."""

    POLICY = ("policy", _l("Gambaran umum kebijakan pelayanan informasi publik"),
              "Perki 1/2021 Pasal 56")
    FACILITIES = "facilities", _l("Sarana dan prasarana pelayanan informasi")
    STAFF = "staff", _l("Sumber daya manusia yang menangani layanan informasi")
    BUDGET = "budget", _l("Anggaran pelayanan informasi dan realisasinya")
    CONSTRAINTS = "constraints", _l("Kendala internal dalam pelaksanaan layanan informasi")
    CONSTRAINTS_EXTERNAL = ("constraints_external",
                            _l("Kendala eksternal dalam pelaksanaan layanan informasi"))
    RECOMMENDATIONS = "recommendations", _l("Rekomendasi dan rencana tindak lanjut")


# The narrative sections by the part of the report they belong to.
POLICY_TEXTS = (AnnualText.POLICY,)
IMPLEMENTATION_TEXTS = (AnnualText.FACILITIES, AnnualText.STAFF, AnnualText.BUDGET)
CONSTRAINT_TEXTS = (AnnualText.CONSTRAINTS, AnnualText.CONSTRAINTS_EXTERNAL)
RECOMMENDATION_TEXTS = (AnnualText.RECOMMENDATIONS,)


class SubmissionMethod(LabelledEnum):
    """How an annual report was submitted to its recipient."""

    SURAT = "surat", _l("Surat resmi")
    SUREL = "surel", _l("Surat elektronik")
    APLIKASI = "aplikasi", _l("Aplikasi atau laman penerima")
    LANGSUNG = "langsung", _l("Diserahkan langsung")


def annual_report_due(year: int) -> date:
    """The report on ``year`` is due three months after the year ends: 31 March
    (Perki 1/2021 Pasal 56)."""
    return date(year + 1, 3, 31)


# Objection decisions: the atasan upholds or overturns the PPID (every decision that orders
# the PPID to act overturns what it did).
UPHELD_DECISIONS = (ObjectionDecision.MENGUATKAN,)
OVERTURNED_DECISIONS = tuple(d for d in ObjectionDecision if d not in UPHELD_DECISIONS)

WINDOW_MONTHS = 12


class WeightsError(ValueError):
    """The configured weights are unusable."""


def check_weights(weights: Mapping) -> dict:
    """Weights as {"disclosure": w1, "requests": w2}, both >= 0, summing to 100."""
    try:
        d = float(weights["disclosure"])
        r = float(weights["requests"])
    except (KeyError, TypeError, ValueError):
        raise WeightsError("COMPLIANCE_WEIGHTS needs numeric 'disclosure' and 'requests'") \
            from None
    if d < 0 or r < 0 or abs(d + r - 100) > 1e-9:
        raise WeightsError("COMPLIANCE_WEIGHTS must be non-negative and sum to 100")
    return {"disclosure": d, "requests": r}


def round1(value: float) -> float:
    """One decimal, halves rounded up (89.95 -> 90.0), as a score is printed."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def compliance_score(compliant: int, applicable: int, on_time: int, counted: int,
                     weights: Mapping = DEFAULT_WEIGHTS) -> Optional[float]:
    """The registry's compliance indicator, 0-100 with one decimal (DOMAIN.md section 10).

    ``compliant`` of ``applicable`` obligations are current, due soon or nil-declared;
    ``on_time`` of ``counted`` requests (last 12 months) were decided on time. A part with
    nothing to count drops out and the other is rescaled to 100; None when both are empty.
    """
    w = check_weights(weights)
    if not 0 <= compliant <= applicable or not 0 <= on_time <= counted:
        raise ValueError("counts out of range")
    parts = []
    if applicable:
        parts.append((w["disclosure"], compliant / applicable))
    if counted:
        parts.append((w["requests"], on_time / counted))
    total_weight = sum(weight for weight, _share in parts)
    if not parts:
        return None
    if total_weight == 0:
        # e.g. weights 100/0 and only requests to count: nothing that is weighted exists.
        return None
    return round1(100 * sum(weight * share for weight, share in parts) / total_weight)


def band(score: Optional[float]) -> Optional[str]:
    """E-Monev band code of a score: Informatif 90-100, Menuju Informatif 80-89.9, Cukup
    Informatif 60-79.9, Kurang Informatif 40-59.9, Tidak Informatif below 40."""
    if score is None:
        return None
    for member in Band:
        if score >= member.lower:
            return member
    return TIDAK_INFORMATIF


def window_start(today: date, months: int = WINDOW_MONTHS) -> date:
    """First day counted in the "last 12 months" ending today (today included)."""
    return today - relativedelta(months=months) + relativedelta(days=1)


# --- Requests: on time, late -------------------------------------------------------------

@dataclass(frozen=True)
class RequestTally:
    total: int = 0       # received in the period, withdrawn included
    on_time: int = 0     # closed no later than the (extended) due date
    late: int = 0        # closed late, or open past the due date
    open: int = 0        # still open (late or not)
    withdrawn: int = 0

    @property
    def counted(self):
        """Requests whose timeliness is known: the indicator's denominator."""
        return self.on_time + self.late


def classify_request(state: str, due_on: date, closed_on: Optional[date], today: date) -> str:
    """One of "withdrawn", "on_time", "late", "pending" (open, not yet due).

    A request is late when its (extended) due date passed before it closed (DOMAIN.md
    section 7); ``due_on`` is the effective (extended) due date.
    """
    if state == "ditarik":
        return "withdrawn"
    if state == "selesai":
        return "late" if closed_on is not None and closed_on > due_on else "on_time"
    return "late" if today > due_on else "pending"


def tally(rows: Iterable, today: date) -> RequestTally:
    """Tally (state, effective_due_on, closed_on, count) rows of one agency."""
    total = on_time = late = open_ = withdrawn = 0
    for state, due_on, closed_on, count in rows:
        total += count
        kind = classify_request(state, due_on, closed_on, today)
        if kind == "withdrawn":
            withdrawn += count
            continue
        if state != "selesai":
            open_ += count
        if kind == "on_time":
            on_time += count
        elif kind == "late":
            late += count
    return RequestTally(total, on_time, late, open_, withdrawn)


# --- Working days taken: median and spread ------------------------------------------------

@dataclass(frozen=True)
class Spread:
    """Working days taken to answer: count, min, lower quartile, median, upper quartile, max."""

    count: int
    minimum: Optional[float]
    q1: Optional[float]
    median: Optional[float]
    q3: Optional[float]
    maximum: Optional[float]


def _quantile(sorted_counts, n, p):
    """Linear-interpolated quantile (the "inclusive" method) of n values given as sorted
    (value, count) pairs."""
    pos = p * (n - 1)
    lo_index = int(pos)
    frac = pos - lo_index

    def nth(k):
        seen = 0
        for value, count in sorted_counts:
            seen += count
            if k < seen:
                return value
        return sorted_counts[-1][0]

    lo = nth(lo_index)
    if frac == 0:
        return float(lo)
    hi = nth(lo_index + 1)
    return float(lo + (hi - lo) * frac)


def spread(counts: Mapping[int, int]) -> Spread:
    """Median and quartiles of values given as {value: how many}. Empty -> all None."""
    items = sorted((v, c) for v, c in counts.items() if c > 0)
    n = sum(c for _v, c in items)
    if n == 0:
        return Spread(0, None, None, None, None, None)
    return Spread(n, float(items[0][0]), _quantile(items, n, 0.25), _quantile(items, n, 0.5),
                  _quantile(items, n, 0.75), float(items[-1][0]))


class _MemoLookup:
    """date -> holiday name (or None), each date asked of the wrapped mapping once."""

    def __init__(self, mapping):
        self._mapping = mapping
        self._memo = {}

    def get(self, day, default=None):
        try:
            value = self._memo[day]
        except KeyError:
            value = self._memo[day] = self._mapping.get(day)
        return default if value is None else value


class WorkingDaysCounter:
    """Working days between dates on one calendar, remembering each pair once.

    Requests share their (receipt, closing) dates, so a year of requests needs a few
    thousand calls of :func:`ppid.core.calendar.working_days_between`, not one per request.
    """

    def __init__(self, cal: Calendar):
        # The same calendar, with each holiday look-up remembered (a ``holidays`` object
        # answers slowly, and a year of requests asks about the same few hundred days).
        self.cal = Calendar(holidays=_MemoLookup(cal.holidays), entries=cal.entries)
        self._memo = {}

    def __call__(self, start: date, end: date) -> int:
        key = (start, end)
        value = self._memo.get(key)
        if value is None:
            value = self._memo[key] = working_days_between(self.cal, start, end)
        return value


def days_taken_counts(counter: WorkingDaysCounter, rows: Iterable) -> dict:
    """{working days: how many} from (effective_receipt_on, closed_on, count) rows."""
    out = {}
    for start, end, count in rows:
        if start is None or end is None:
            continue
        days = counter(start, end)
        out[days] = out.get(days, 0) + count
    return out


def merge_counts(*counts: Mapping[int, int]) -> dict:
    out = {}
    for c in counts:
        for k, v in c.items():
            out[k] = out.get(k, 0) + v
    return out


def split_letters(text: Optional[str]) -> list:
    """Pasal 17 letters stored as "h,i" -> ["h", "i"]."""
    return [x.strip() for x in (text or "").split(",") if x.strip()]


def share(part: int, whole: int) -> Optional[float]:
    """Percentage with one decimal, None when there is nothing to divide."""
    return round1(100 * part / whole) if whole else None
