"""Pure rules of the citizens' satisfaction survey (IKM, PermenPANRB 14/2017; DOMAIN.md 15).

No app, no database, no clock: answers, periods and populations are arguments.

The formula, exactly as computed here
-------------------------------------
* Each of the nine elements (U1..U9) is answered on the 1-4 scale.
* The element's mean (nilai rata-rata, NRR) is the sum of its answers over the number of
  respondents, kept exact (a fraction); it is *shown* rounded to 2 decimals.
* The index is ``IKM = (sum over elements of NRR x 1/9) x 25``. The weight is exactly 1/9
  (each element weighs the same). PermenPANRB 14/2017 prints the weight rounded as 0.11,
  with which the best possible survey (all 4) would score 99.00, not 100, and could not
  reach band A's 100 ceiling consistently; we use 1/9 and say so on the results page.
* Nothing is rounded before the end: the index is rounded once, half up, to 2 decimals,
  because the bands' bounds have 2 decimals (A 88.31-100, B 76.61-88.30, C 65.00-76.60,
  D 25.00-64.99).
* The margin of error is the half-width of the 95 % confidence interval of the mean
  respondent score (each respondent's mean answer x 25; the index is their mean when every
  element is answered): 1.96 x s / sqrt(n), with the finite population correction
  sqrt((N - n) / (N - 1)) when the population N (the requests closed in the period) is
  known. It needs at least two respondents; it is rounded half up to 2 decimals.
"""
import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Optional, Sequence

from flask_babel import lazy_gettext as _l

from ppid.core.enums import LabelledEnum

SCALE_MIN, SCALE_MAX = 1, 4
CONVERSION = 25          # the 1-4 mean is multiplied by 25 (PermenPANRB 14/2017 lampiran)
ELEMENT_WEIGHT = Fraction(1, 9)
Z_95 = Decimal("1.96")
TWO_PLACES = Decimal("0.01")


class Element(LabelledEnum):
    """The nine survey elements of PermenPANRB 14/2017, in their order U1..U9."""

    PERSYARATAN = "u1", _l("Persyaratan pelayanan")
    PROSEDUR = "u2", _l("Sistem, mekanisme, dan prosedur")
    WAKTU = "u3", _l("Waktu penyelesaian")
    BIAYA = "u4", _l("Biaya/tarif")
    PRODUK = "u5", _l("Produk spesifikasi jenis pelayanan")
    KOMPETENSI = "u6", _l("Kompetensi pelaksana")
    PERILAKU = "u7", _l("Perilaku pelaksana")
    PENGADUAN = "u8", _l("Penanganan pengaduan, saran, dan masukan")
    SARANA = "u9", _l("Sarana dan prasarana")


ELEMENTS = tuple(Element)


class Answer(LabelledEnum):
    """The 1-4 scale (stored as the number; the code is its text)."""

    SATU = "1", _l("1 - Tidak baik")
    DUA = "2", _l("2 - Kurang baik")
    TIGA = "3", _l("3 - Baik")
    EMPAT = "4", _l("4 - Sangat baik")


class QualityBand(LabelledEnum):
    """The service quality bands (mutu pelayanan) on the 25-100 scale, best first, each
    with its lower bound, inclusive (PermenPANRB 14/2017 lampiran)."""

    A = "A", _l("A (Sangat Baik)"), None, Decimal("88.31")
    B = "B", _l("B (Baik)"), None, Decimal("76.61")
    C = "C", _l("C (Kurang Baik)"), None, Decimal("65.00")
    D = "D", _l("D (Tidak Baik)"), None, Decimal("25.00")

    def __init__(self, code, label, article=None, lower=Decimal(0)):
        self.lower = lower


class CommentState(LabelledEnum):
    """A free comment is read by the officers; the public sees it only once approved."""

    MENUNGGU = "menunggu", _l("Menunggu moderasi")
    DISETUJUI = "disetujui", _l("Ditampilkan untuk publik")
    DITOLAK = "ditolak", _l("Tidak ditampilkan")


def round2(value) -> Decimal:
    """Half up to 2 decimals (88.305 -> 88.31, never banker's 88.30)."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def validate_answers(answers) -> dict:
    """{element code: error} for a mapping of element code -> int; empty when valid."""
    errors = {}
    for el in ELEMENTS:
        value = answers.get(el.value)
        if not isinstance(value, int) or isinstance(value, bool) or not (
                SCALE_MIN <= value <= SCALE_MAX):
            errors[el.value] = _l("Pilih nilai 1 sampai 4.")
    return errors


def band_for(index) -> Optional[QualityBand]:
    """The quality band of a rounded index, or None below 25 or for no index."""
    if index is None:
        return None
    for band in QualityBand:
        if index >= band.lower:
            return band
    return None


@dataclass(frozen=True)
class IkmResult:
    respondents: int
    element_means: dict        # element code -> exact Fraction
    index_exact: Optional[Fraction]
    index: Optional[Decimal]   # rounded half up to 2 decimals
    band: Optional[QualityBand]
    margin: Optional[Decimal]  # 95 % half-width, index points; None below 2 respondents
    population: Optional[int]

    def element_mean_shown(self, code):
        value = self.element_means.get(code)
        return None if value is None else round2(value)


def compute_ikm(responses: Sequence[dict], *, population: Optional[int] = None) -> IkmResult:
    """The IKM of ``responses`` (each a mapping element code -> 1..4, all nine answered).

    ``population`` is the number of users the survey could have reached (the closed
    requests of the period), for the finite population correction of the margin.
    """
    n = len(responses)
    if n == 0:
        return IkmResult(0, {}, None, None, None, None, population)
    means = {el.value: Fraction(sum(r[el.value] for r in responses), n) for el in ELEMENTS}
    exact = sum((m * ELEMENT_WEIGHT for m in means.values()), Fraction(0)) * CONVERSION
    index = round2(exact)
    return IkmResult(n, means, exact, index, band_for(index),
                     margin_of_error(responses, population=population), population)


def respondent_score(response) -> Fraction:
    """One respondent's score on the 25-100 scale: the mean of their answers x 25."""
    return Fraction(sum(response[el.value] for el in ELEMENTS), len(ELEMENTS)) * CONVERSION


def margin_of_error(responses, *, population=None) -> Optional[Decimal]:
    """Half-width of the 95 % confidence interval of the index, in index points."""
    n = len(responses)
    if n < 2:
        return None
    scores = [respondent_score(r) for r in responses]
    mean = sum(scores, Fraction(0)) / n
    variance = sum(((s - mean) ** 2 for s in scores), Fraction(0)) / (n - 1)  # sample
    half = Decimal(math.sqrt(variance)) * Z_95 / Decimal(math.sqrt(n))
    if population is not None and population > 1:
        population = max(population, n)
        half *= Decimal(math.sqrt((population - n) / (population - 1)))
    return round2(half)


def semester_of(day: date) -> int:
    """1 for January-June, 2 for July-December."""
    return 1 if day.month <= 6 else 2


def period_bounds(year: int, semester: Optional[int] = None) -> tuple:
    """[start, end) dates of a year or of one of its semesters."""
    if semester is None:
        return date(year, 1, 1), date(year + 1, 1, 1)
    if semester == 1:
        return date(year, 1, 1), date(year, 7, 1)
    if semester == 2:
        return date(year, 7, 1), date(year + 1, 1, 1)
    raise ValueError(semester)


def survey_token(secret: str, request_id: int) -> str:
    """The private survey link's token of a request: a keyed hash of its id, so the
    tracking page and the closing notice can both show it without storing it. Changing
    the secret key invalidates unanswered links (as it does sessions)."""
    mac = hmac.new(secret.encode(), f"ikm-survey:{request_id}".encode(), hashlib.sha256)
    return f"{request_id}-{mac.hexdigest()[:32]}"


def parse_survey_token(secret: str, token: str) -> Optional[int]:
    """The request id a token was made for, or None for a forged or malformed one."""
    head, _sep, _mac = (token or "").partition("-")
    if not head.isdigit() or len(token) > 60:
        return None
    request_id = int(head)
    return request_id if hmac.compare_digest(survey_token(secret, request_id), token) else None


def reminder_due(*, invited_on: date, responded: bool, reminded: bool, today: date,
                 after_days: int) -> bool:
    """At most one reminder, ``after_days`` calendar days after the invitation."""
    return not responded and not reminded and (today - invited_on).days >= after_days
