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
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Optional, Sequence

from flask_babel import LazyString
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


# =========================================================================================
# The E-Monev self-assessment (Perki 1/2022; DOMAIN.md section 15)
# =========================================================================================
#
# How a score is computed, exactly
# --------------------------------
# * Each question gives a *numerator* over a *denominator* (e.g. 8 of 11 obligations
#   current; 1 of 1 for a valid attested document): its score is the fraction, 0 to 1, kept
#   exact. A denominator of 0 means the question cannot be scored for that agency (no
#   request to answer on time, no exempt information): it drops out, and the other questions
#   of its indicator are rescaled, as the compliance indicator does (DOMAIN.md section 10).
# * An indicator's score is the mean of its scored questions weighted by their weights
#   within the indicator (``points``, percent: the year's set, QuestionDef, defaults in
#   Question), 0 to 1; ``None`` when none of its questions can be scored.
# * The total is 100 x the mean of the scored indicators weighted by the year's indicator
#   weights (which sum to 100), rounded once, half up, to one decimal, and its band is the
#   E-Monev band of the compliance report (ppid.reports.rules.Band: Informatif 90-100 ...
#   Tidak Informatif below 40).
# * What each missing part would add: a question scoring s adds, if brought to full marks,
#   100 x W_i / (sum of the scored indicators' W) x p_q / (sum of the scored questions'
#   points in its indicator) x (1 - s) points to the total. The list of what is missing is
#   ordered by that gain, largest first.
# * For the government as a whole the questions' numerators and denominators are summed
#   over its agencies (8 of 11 and 5 of 11 make 13 of 22), so an attested document counts
#   as the share of agencies holding a valid one.
# * This is the self-assessment part (80 % of the Komisi Informasi's score); the visit or
#   presentation (20 %) is the commission's, and is not scored here.

EVIDENCE_MAX_BYTES = 2 * 1024 * 1024   # one evidence file per question: a PDF of at most 2 MB
EVIDENCE_TYPES = ("application/pdf", "image/png", "image/jpeg")
ONE_DECIMAL = Decimal("0.1")


class Indicator(LabelledEnum):
    """The E-Monev indicators, with the Komisi Informasi Pusat's 2025 weights (percent) as
    the defaults an administrator may change per year."""

    JENIS_INFORMASI = "jenis_informasi", _l("Jenis informasi"), None, 40
    DIGITALISASI = "digitalisasi", _l("Digitalisasi"), None, 20
    KUALITAS_INFORMASI = "kualitas_informasi", _l("Kualitas informasi"), None, 10
    PELAYANAN_INFORMASI = "pelayanan_informasi", _l("Pelayanan informasi"), None, 10
    KOMITMEN_ORGANISASI = "komitmen_organisasi", _l("Komitmen organisasi"), None, 10
    SARANA_PRASARANA = "sarana_prasarana", _l("Sarana dan prasarana"), None, 10

    def __init__(self, code, label, article=None, default_weight=0):
        self.default_weight = default_weight


INDICATORS = tuple(Indicator)
DEFAULT_INDICATOR_WEIGHTS = {i.value: i.default_weight for i in INDICATORS}


class QuestionKind(LabelledEnum):
    """How a question is answered: computed from the registry, or attested by an officer
    with an uploaded document."""

    DIHITUNG = "dihitung", _l("Dihitung dari registri")
    DINYATAKAN = "dinyatakan", _l("Dinyatakan petugas dengan bukti")


class Question(LabelledEnum):
    """The default questions of the self-assessment (DOMAIN.md section 15), each in one
    indicator, with its weight within the indicator (percent; an indicator's questions sum
    to 100) and how it is answered. A computed question's code is also the name of its
    computation."""

    BERKALA = ("ji_berkala", _l("Informasi berkala tersedia dan terkini"),
               "UU KIP Pasal 9", Indicator.JENIS_INFORMASI, QuestionKind.DIHITUNG, 60)
    SETIAP_SAAT = ("ji_setiap_saat", _l("Informasi yang wajib tersedia setiap saat ada di DIP"),
                   "UU KIP Pasal 11", Indicator.JENIS_INFORMASI, QuestionKind.DIHITUNG, 20)
    DIKECUALIKAN = ("ji_dik", _l("Daftar informasi yang dikecualikan dengan uji konsekuensi"),
                    "Perki 1/2021 Pasal 49", Indicator.JENIS_INFORMASI,
                    QuestionKind.DIHITUNG, 20)
    KANAL_DARING = ("dg_kanal_daring", _l("Permohonan informasi melalui kanal daring"),
                    "Perki 1/2021", Indicator.DIGITALISASI, QuestionKind.DIHITUNG, 40)
    KANAL_RESMI = ("dg_kanal_resmi", _l("Situs web dan media sosial resmi badan publik "
                                        "aktif"),
                   "UU KIP Pasal 7 ayat (3)", Indicator.DIGITALISASI, QuestionKind.DIHITUNG, 30)
    DIP_DARING = ("dg_dip_daring", _l("DIP daring dengan dokumen elektronik"),
                  "Perki 1/2021", Indicator.DIGITALISASI, QuestionKind.DIHITUNG, 30)
    KOLOM_DIP = ("kq_kolom_dip", _l("Kolom DIP lengkap (format Perki 1/2021)"),
                 "Perki 1/2021", Indicator.KUALITAS_INFORMASI, QuestionKind.DIHITUNG, 50)
    MUTAKHIR = ("kq_mutakhir", _l("Dokumen DIP diperbarui dalam 12 bulan terakhir"),
                "UU KIP Pasal 9", Indicator.KUALITAS_INFORMASI, QuestionKind.DIHITUNG, 50)
    TEPAT_WAKTU = ("pl_tepat_waktu", _l("Permohonan dijawab tepat waktu"),
                   "UU KIP Pasal 22", Indicator.PELAYANAN_INFORMASI, QuestionKind.DIHITUNG, 50)
    LAPORAN_TAHUNAN = ("pl_laporan", _l("Laporan layanan informasi publik tahun sebelumnya"),
                       "Perki 1/2021 Pasal 56", Indicator.PELAYANAN_INFORMASI,
                       QuestionKind.DIHITUNG, 25)
    SURVEI_IKM = ("pl_ikm", _l("Survei kepuasan masyarakat (IKM) tahun ini"),
                  "PermenPANRB 14/2017", Indicator.PELAYANAN_INFORMASI,
                  QuestionKind.DIHITUNG, 25)
    SK_PPID = ("ko_sk_ppid", _l("SK penetapan PPID"), "Permendagri 3/2017",
               Indicator.KOMITMEN_ORGANISASI, QuestionKind.DINYATAKAN, 25)
    SOP = ("ko_sop", _l("SOP layanan informasi (DIP, permohonan, uji konsekuensi, "
                        "keberatan, sengketa)"), "Perki 1/2021",
           Indicator.KOMITMEN_ORGANISASI, QuestionKind.DINYATAKAN, 25)
    MAKLUMAT = ("ko_maklumat", _l("Maklumat pelayanan informasi"), "Perki 1/2021",
                Indicator.KOMITMEN_ORGANISASI, QuestionKind.DINYATAKAN, 25)
    ANGGARAN = ("ko_anggaran", _l("Anggaran layanan informasi"), "Perki 1/2021",
                Indicator.KOMITMEN_ORGANISASI, QuestionKind.DINYATAKAN, 25)
    MENU_PPID = ("sp_menu_ppid", _l("Menu PPID daring dengan DIP dan DIK"), "Perki 1/2021",
                 Indicator.SARANA_PRASARANA, QuestionKind.DIHITUNG, 40)
    RUANG_PELAYANAN = ("sp_ruang", _l("Ruang pelayanan informasi"), "Perki 1/2021",
                       Indicator.SARANA_PRASARANA, QuestionKind.DINYATAKAN, 30)
    AKSES_DISABILITAS = ("sp_disabilitas", _l("Sarana akses bagi penyandang disabilitas"),
                         "UU 8/2016 Pasal 24", Indicator.SARANA_PRASARANA,
                         QuestionKind.DINYATAKAN, 30)

    def __init__(self, code, label, article, indicator, kind, points):
        self.indicator = indicator
        self.kind = kind
        self.points = points


QUESTIONS = tuple(Question)
ATTESTED_QUESTIONS = tuple(q for q in QUESTIONS if q.kind is QuestionKind.DINYATAKAN)
# The computations the registry can make: each computed default question's own code.
COMPUTATIONS = tuple(q for q in QUESTIONS if q.kind is QuestionKind.DIHITUNG)


# --- The configurable question set of a year -------------------------------------------------
#
# The administrator (or Kominfo) may add, edit and retire questions and change their weights
# within an indicator, per year. A year's set is versioned: it is stored for that year
# (ppid.evaluation.models.EmonevQuestion), a year without its own set takes the latest
# earlier year's, and a year that has passed cannot be changed, so an earlier year's
# assessment keeps the questions it was answered with. An added question is attested with
# evidence, or computed by one of the registry's computations (COMPUTATIONS) not already in
# use in that year.

QUESTION_CODE = re.compile(r"[a-z][a-z0-9_]{2,29}")
QUESTION_TEXT_LIMIT = 300
BASIS_LIMIT = 200


class QuestionDef:
    """One question of a year's set: its code, indicator, how it is answered, its weight
    within the indicator (percent, ``points``), the computation of a computed question, and
    its text (a default question without text of its own keeps its translated label).
    Equal to (and hashed like) its code, so it stands wherever a Question member does."""

    __slots__ = ("value", "indicator", "kind", "points", "computation", "text_id", "text_en",
                 "basis", "is_retired", "position")

    def __init__(self, value, indicator, kind, points, computation=None, text_id=None,
                 text_en=None, basis=None, is_retired=False, position=0):
        self.value = value
        self.indicator = Indicator(indicator)
        self.kind = QuestionKind(kind)
        self.points = points
        self.computation = computation
        self.text_id = text_id or None
        self.text_en = text_en or None
        self.basis = basis or None
        self.is_retired = bool(is_retired)
        self.position = position

    def __eq__(self, other):
        if isinstance(other, QuestionDef):
            return self.value == other.value
        return isinstance(other, str) and self.value == other

    def __hash__(self):
        return hash(self.value)

    def __str__(self):
        return self.value

    def __repr__(self):
        return f"<QuestionDef {self.value} {self.indicator.value} {self.points}>"

    @property
    def builtin(self):
        return Question.get(self.value)

    @property
    def label(self):
        builtin = self.builtin
        if self.text_id is None and builtin is not None:
            return builtin.label
        return LazyString(self._text)

    def _text(self):
        from flask_babel import get_locale
        locale = get_locale()
        if self.text_en and locale is not None and locale.language == "en":
            return self.text_en
        return self.text_id or self.value

    @property
    def article(self):
        builtin = self.builtin
        return self.basis or (builtin.article if builtin is not None else "")

    def replace(self, **changes):
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return QuestionDef(**values)


def default_question_set():
    """The default questions of DOMAIN.md section 15 (Question), as a year's set."""
    return tuple(QuestionDef(q.value, q.indicator, q.kind, q.points,
                             q.value if q.kind is QuestionKind.DIHITUNG else None, position=n)
                 for n, q in enumerate(QUESTIONS, start=1))


def active(questions):
    """The questions of a set that are asked (not retired), in indicator order, then by
    position."""
    order = {ind: n for n, ind in enumerate(INDICATORS)}
    return tuple(sorted((q for q in questions if not q.is_retired),
                        key=lambda q: (order[q.indicator], q.position, q.value)))


class AttestationStatus(LabelledEnum):
    """An attested document's validity on a day (its alert, like staleness)."""

    BERLAKU = "berlaku", _l("Berlaku")
    SEGERA = "segera", _l("Segera berakhir")
    KEDALUWARSA = "kedaluwarsa", _l("Kedaluwarsa")


def attestation_status(valid_until: date, today: date, warning_days: int) -> AttestationStatus:
    """Expired after ``valid_until``; due soon within ``warning_days`` of it."""
    if today > valid_until:
        return AttestationStatus.KEDALUWARSA
    if (valid_until - today).days <= warning_days:
        return AttestationStatus.SEGERA
    return AttestationStatus.BERLAKU


def attestation_counts(valid_from: date, valid_until: date, attested_on: date,
                       as_of: date) -> bool:
    """An attested document counts on ``as_of`` when it was attested by then and is valid
    then."""
    return attested_on <= as_of and valid_from <= as_of <= valid_until


class WeightsError(ValueError):
    """Unusable indicator weights; ``message`` is lazily translated, for the page."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def check_indicator_weights(weights) -> dict:
    """{indicator code: int} for every indicator, whole numbers 0-100 summing to 100."""
    out = {}
    for ind in INDICATORS:
        value = weights.get(ind.value) if hasattr(weights, "get") else None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise WeightsError(_l("Bobot %(name)s harus bilangan bulat 0 sampai 100.",
                                  name=ind.label))
        out[ind.value] = value
    unknown = set(weights) - set(out)
    if unknown:
        raise WeightsError(_l("Indikator tidak dikenal: %(codes)s.",
                              codes=", ".join(sorted(map(str, unknown)))))
    total = sum(out.values())
    if total != 100:
        raise WeightsError(_l("Jumlah bobot harus 100; sekarang %(total)d.", total=total))
    return out


class QuestionSetError(WeightsError):
    """An unusable question set; ``message`` is lazily translated, for the page."""


def check_question_set(questions) -> tuple:
    """The active questions of a year's set (see ``active``), or QuestionSetError: every
    code well formed and used once, a computed question's computation one of COMPUTATIONS
    used once, an added question with its text, and in every indicator at least one active
    question whose weights (whole numbers 1-100) sum to 100."""
    seen, computations = set(), set()
    for q in questions:
        if not QUESTION_CODE.fullmatch(q.value or ""):
            raise QuestionSetError(_l("Kode pertanyaan hanya huruf kecil, angka dan garis "
                                      "bawah, diawali huruf, 3 sampai 30 karakter."))
        if q.value in seen:
            raise QuestionSetError(_l("Kode pertanyaan %(code)s sudah dipakai.", code=q.value))
        seen.add(q.value)
        if q.builtin is None and not (q.text_id or "").strip():
            raise QuestionSetError(_l("Tuliskan teks pertanyaan %(code)s.", code=q.value))
        for text in (q.text_id, q.text_en):
            if text and len(text) > QUESTION_TEXT_LIMIT:
                raise QuestionSetError(_l("Teks pertanyaan paling panjang %(n)d karakter.",
                                          n=QUESTION_TEXT_LIMIT))
        if q.basis and len(q.basis) > BASIS_LIMIT:
            raise QuestionSetError(_l("Dasar hukum paling panjang %(n)d karakter.",
                                      n=BASIS_LIMIT))
        if q.kind is QuestionKind.DIHITUNG:
            if Question.get(q.computation) not in COMPUTATIONS:
                raise QuestionSetError(_l("Pilih perhitungan pertanyaan %(code)s dari "
                                          "daftar.", code=q.value))
            if not q.is_retired:
                if q.computation in computations:
                    raise QuestionSetError(_l(
                        "Perhitungan \"%(c)s\" sudah dipakai pertanyaan lain tahun ini.",
                        c=Question(q.computation).label))
                computations.add(q.computation)
        elif q.computation:
            raise QuestionSetError(_l("Pertanyaan yang dinyatakan dengan bukti tidak memakai "
                                      "perhitungan."))
    asked = active(questions)
    for ind in INDICATORS:
        mine = [q for q in asked if q.indicator is ind]
        if not mine:
            raise QuestionSetError(_l("Indikator %(name)s harus memiliki paling sedikit satu "
                                      "pertanyaan aktif.", name=ind.label))
        for q in mine:
            if isinstance(q.points, bool) or not isinstance(q.points, int) \
                    or not 1 <= q.points <= 100:
                raise QuestionSetError(_l("Bobot pertanyaan \"%(q)s\" harus bilangan bulat 1 "
                                          "sampai 100.", q=q.label))
        total = sum(q.points for q in mine)
        if total != 100:
            raise QuestionSetError(_l("Bobot pertanyaan indikator %(name)s harus berjumlah "
                                      "100; sekarang %(total)d.", name=ind.label,
                                      total=total))
    return asked


@dataclass(frozen=True)
class QuestionResult:
    """One question's answer: ``numerator`` of ``denominator`` (e.g. 8 of 11 obligations
    current), with the computation shown as ``details`` lines."""

    question: Question
    numerator: Fraction
    denominator: int
    details: tuple = ()

    @property
    def score(self) -> Optional[Fraction]:
        if not self.denominator:
            return None
        return Fraction(self.numerator) / self.denominator


def question_result(question, numerator, denominator, details=()) -> QuestionResult:
    if denominator < 0 or not 0 <= numerator <= denominator:
        raise ValueError("numerator out of range")
    return QuestionResult(question, Fraction(numerator), int(denominator), tuple(details))


def pool(results_per_agency, questions=None) -> list:
    """The government's question results: numerators and denominators summed over its
    agencies (each a list of QuestionResult), in the order of the year's active questions
    (``questions``; the defaults when not given)."""
    questions = active(default_question_set() if questions is None else questions)
    totals = {q: [Fraction(0), 0] for q in questions}
    for results in results_per_agency:
        for r in results:
            if r.question in totals:
                totals[r.question][0] += r.numerator
                totals[r.question][1] += r.denominator
    return [QuestionResult(q, n, d) for q, (n, d) in totals.items()]


def round1(value) -> Decimal:
    """Half up to one decimal (89.95 -> 90.0), as a score is printed."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class IndicatorScore:
    indicator: Indicator
    weight: int
    score: Optional[Fraction]       # 0..1, None when no question can be scored
    results: tuple

    @property
    def shown(self) -> Optional[Decimal]:
        return None if self.score is None else round1(self.score * 100)


@dataclass(frozen=True)
class Gain:
    """What bringing one question to full marks would add to the total, in points."""

    question: Question
    points: Fraction
    score: Fraction

    @property
    def shown(self) -> Decimal:
        return round1(self.points)


@dataclass(frozen=True)
class Assessment:
    indicators: tuple               # IndicatorScore, in indicator order
    total_exact: Optional[Fraction]
    total: Optional[Decimal]        # 0-100, one decimal, half up
    band: Optional[str]             # ppid.reports.rules.Band code
    gains: tuple                    # Gain, largest first

    def result_of(self, question):
        for ind in self.indicators:
            for r in ind.results:
                if r.question == question:
                    return r
        return None


def score_assessment(results, weights, questions=None) -> Assessment:
    """Indicator scores, the total, its band and the gains, from question results, the
    year's indicator weights (checked: whole numbers summing to 100) and the year's
    questions with their weights within their indicator (the defaults when not given)."""
    from ppid.reports.rules import band as emonev_band
    weights = check_indicator_weights(weights)
    questions = active(default_question_set() if questions is None else questions)
    by_question = {r.question: r for r in results}
    indicators = []
    for ind in INDICATORS:
        rs = tuple(_as_asked(by_question.get(q), q)
                   for q in questions if q.indicator is ind)
        scored = [r for r in rs if r.score is not None]
        points = sum(r.question.points for r in scored)
        score = (sum((r.score * r.question.points for r in scored), Fraction(0)) / points
                 if points else None)
        indicators.append(IndicatorScore(ind, weights[ind.value], score, rs))
    scored_weight = sum(i.weight for i in indicators if i.score is not None)
    if not scored_weight:
        return Assessment(tuple(indicators), None, None, None, ())
    total_exact = sum((i.score * i.weight for i in indicators if i.score is not None),
                      Fraction(0)) * 100 / scored_weight
    total = round1(total_exact)
    gains = []
    for i in indicators:
        if i.score is None or not i.weight:
            continue
        points = sum(r.question.points for r in i.results if r.score is not None)
        for r in i.results:
            if r.score is None or r.score >= 1:
                continue
            gain = Fraction(100 * i.weight, scored_weight) * Fraction(
                r.question.points, points) * (1 - r.score)
            gains.append(Gain(r.question, gain, r.score))
    order = {q: n for n, q in enumerate(questions)}
    gains.sort(key=lambda g: (-g.points, order[g.question]))
    return Assessment(tuple(indicators), total_exact, total, emonev_band(float(total)),
                      tuple(gains))


def _as_asked(result, question):
    """The result as the question the year asks (its weight, its text), or no answer."""
    if result is None:
        return QuestionResult(question, Fraction(0), 0)
    return QuestionResult(question, result.numerator, result.denominator, result.details)


def rank(rows):
    """[(rank or None, key, Assessment)] best total first; equal totals share a rank; an
    agency that cannot be scored comes last, unranked. ``rows`` are (key, Assessment)."""
    scored = sorted((r for r in rows if r[1].total is not None), key=lambda r: -r[1].total)
    out, previous, place = [], None, 0
    for n, (key, a) in enumerate(scored, start=1):
        if a.total != previous:
            place, previous = n, a.total
        out.append((place, key, a))
    out.extend((None, key, a) for key, a in rows if a.total is None)
    return out


def annual_report_year(year: int) -> int:
    """The annual service report a year's assessment asks for: the previous year's, due by
    31 March (Perki 1/2021 Pasal 56)."""
    return year - 1
