"""Pure rules of information requests (permohonan) and objections (keberatan).

No app, no database, no clock: the calendar and ``today`` are arguments. Every deadline is
counted in working days with ``ppid.core.calendar`` (DOMAIN.md section 6).

The enumerations of requests and objections are defined here, once, with their labels and
articles (``ppid.core.enums`` says how forms, pages, letters, reports, search and the
OpenAPI document derive from them). Adding an outcome touches ``Outcome``, its fields in
``REQUIRED_OUTCOME_FIELDS`` / ``OPTIONAL_OUTCOME_FIELDS`` and the notice in
``templates/pdf/letters/pemberitahuan.html``, nothing else.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from ppid.core import dates
from ppid.core.calendar import (Calendar, Deadline, add_working_days, explain_deadline,
                                working_days_between)
from ppid.core.enums import LabelledEnum
from ppid.registry.rules import Pasal17

# --- States (DOMAIN.md section 7) ----------------------------------------------------------


class RequestState(LabelledEnum):
    """A request's state; each change is an event on its timeline."""

    DITERIMA = "diterima", _l("Diterima")        # registered, clock running
    DIPROSES = "diproses", _l("Diproses")        # an officer of the holding agency works on it
    DITERUSKAN = "diteruskan", _l("Diteruskan")  # forwarded (the clock does not restart)
    DIPERPANJANG = "diperpanjang", _l("Diperpanjang"), "UU KIP Pasal 22 ayat (8)"  # once
    SELESAI = "selesai", _l("Selesai")           # closed with an outcome
    DITARIK = "ditarik", _l("Ditarik")           # withdrawn by the requester


DITERIMA, DIPROSES, DITERUSKAN, DIPERPANJANG, SELESAI, DITARIK = RequestState
STATES = tuple(RequestState)
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


class TimelineAction(LabelledEnum):
    """What an event on a request's timeline records."""

    DITERIMA = "diterima", _l("Permohonan diterima dan didaftarkan")
    DIPROSES = "diproses", _l("Permohonan diproses")
    DITERUSKAN = "diteruskan", _l("Permohonan diteruskan")
    DITUGASKAN = "ditugaskan", _l("Petugas ditunjuk")  # an officer of the agency takes it
    DIPERPANJANG = "diperpanjang", _l("Jangka waktu diperpanjang"), "UU KIP Pasal 22 ayat (8)"
    SELESAI = "selesai", _l("Permohonan selesai dengan pemberitahuan tertulis")
    DITARIK = "ditarik", _l("Permohonan ditarik")
    BERKAS = "berkas", _l("Berkas dilampirkan")  # a released document
    DISERAHKAN = "diserahkan", _l("Informasi diserahkan kepada pemohon")  # date and form
    SAMARKAN = "samarkan", _l("Pokok permohonan di register publik disamarkan")
    TENGGAT = "tenggat", _l("Tenggat dihitung ulang karena kalender berubah")
    KEBERATAN = "keberatan", _l("Keberatan diajukan"), "UU KIP Pasal 35"
    KEBERATAN_DIPUTUS = "keberatan_diputus", _l("Keberatan diputus atasan PPID")
    PERINTAH_DILAKSANAKAN = ("perintah_dilaksanakan",
                             _l("Perintah atasan PPID dilaksanakan"), "UU KIP Pasal 36")
    SENGKETA = "sengketa", _l("Sengketa ke Komisi Informasi dicatat"), "UU KIP Pasal 37"
    TINJAU_POKOK = "tinjau_pokok", _l("Pokok permohonan ditinjau untuk register publik")
    DATA_PRIBADI_DIHAPUS = ("data_pribadi_dihapus",
                            _l("Data pribadi pemohon dihapus: masa retensi berakhir"),
                            "UU 27/2022 Pasal 43-44")


class SubjectReview(LabelledEnum):
    """An officer's review of a new request's subject before it shows in public."""

    TAMPILKAN = "tampilkan", _l("Tampilkan apa adanya")  # keep the requester's own text
    SAMARKAN = "samarkan", _l("Samarkan dengan teks pengganti")  # redact, with replacement


class Urgency(LabelledEnum):
    """How close an open request (or an undecided objection) is to its due date."""

    TERLAMBAT = "terlambat", _l("Terlambat")            # past due
    SEGERA = "segera", _l("Segera jatuh tempo")         # due within NEAR_DUE_DAYS working days
    NORMAL = "normal", _l("Berjalan")


# --- What the requester asks for, and how (Perki 1/2021 request form) ---------------------


class IdentityType(LabelledEnum):
    NIK = "nik", _l("NIK (Kartu Tanda Penduduk)")
    PASPOR = "paspor", _l("Nomor paspor")
    SIM = "sim", _l("Nomor SIM")
    BADAN_HUKUM = "badan_hukum", _l("Nomor SK pengesahan badan hukum")


# NIK (UU 24/2013 Administrasi Kependudukan; Permendagri 72/2019 kode wilayah): 2 digits
# province, 2 regency/city, 2 district, the date of birth DDMMYY (day + 40 for women) and
# a 4-digit serial. Province codes as issued, including the Papua codes of Dukcapil (91-97).
NIK_PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35",
    "36", "51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76",
    "81", "82", "91", "92", "93", "94", "95", "96", "97"})


def _nik_birth_possible(dd, mm, yy):
    day = dd - 40 if dd > 40 else dd
    if not 1 <= mm <= 12 or not 1 <= day <= 31 or 31 < dd <= 40:
        return False
    # the century is not in the number: a day that exists in either century will do
    for century in (1900, 2000):
        try:
            date(century + yy, mm, day)
            return True
        except ValueError:
            continue
    return False


# --- The same rules as patterns, which the OpenAPI document states ----------------------
# Written in the part of regular-expression syntax Python and ECMA-262 read alike (see
# ppid.core.patterns); a pattern fits a stripped number exactly when
# :func:`identity_number_problem` finds nothing wrong with it (tests/unit checks both on
# many generated numbers). A regular language each: a NIK's day limits per month (+40 for
# women) and 29 February only in a two-digit year divisible by four (1900 + yy or 2000 + yy
# is then a leap year: 00 is 2000) are spelled out.

_NONZERO_2 = "(?:0[1-9]|[1-9][0-9])"  # 01-99
_MEN_WOMEN = {31: "0[1-9]|[12][0-9]|3[01]|4[1-9]|[56][0-9]|7[01]",
              30: "0[1-9]|[12][0-9]|30|4[1-9]|[56][0-9]|70",
              28: "0[1-9]|1[0-9]|2[0-8]|4[1-9]|5[0-9]|6[0-8]"}
_LEAP_YY = "(?:[02468][048]|[13579][26])"
_NIK_BIRTH = "(?:" + "|".join([
    f"(?:{_MEN_WOMEN[31]})(?:0[13578]|1[02])[0-9]{{2}}",
    f"(?:{_MEN_WOMEN[30]})(?:0[469]|11)[0-9]{{2}}",
    f"(?:{_MEN_WOMEN[28]})02[0-9]{{2}}",
    f"(?:29|69)02{_LEAP_YY}"]) + ")"
_NIK_SERIAL = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"  # not 0000
# One digit repeated sixteen times: only 1111111111111111 has the structure otherwise.
NIK_PATTERN = ("(?!1{16})(?:" + "|".join(sorted(NIK_PROVINCES)) + ")" + _NONZERO_2 * 2
               + _NIK_BIRTH + _NIK_SERIAL)

_SEP = "[ .-]*"  # what may separate the letters and digits of a passport or SIM number
_LEAD, _TRAIL = f"(?:[.-]{_SEP})?", f"(?:{_SEP}[.-])?"  # (never a space at either end)
_PASPOR_DIGITS = "(?:" + "|".join(  # 6 or 7 digits, not all zeros: i zeros, then 1-9
    f"(?:0{_SEP}){{{i}}}[1-9](?:{_SEP}[0-9]){{{max(0, 5 - i)},{6 - i}}}"
    for i in range(7)) + ")"
PASPOR_PATTERN = f"{_LEAD}[A-Za-z](?:{_SEP}[A-Za-z])?{_SEP}{_PASPOR_DIGITS}{_TRAIL}"


def _other_digits(d):
    return "[" + "".join(r for r in (f"0-{d - 1}" if d > 1 else "0" if d == 1 else "",
                                     f"{d + 1}-9" if d < 8 else "9" if d == 8 else "") if r) + "]"


_DIGIT_CHANGE = "(?:" + "|".join(f"{d}{_SEP}{_other_digits(d)}" for d in range(10)) + ")"
# 12 to 14 digits, not one repeated: j digits, then two that differ, then the rest.
SIM_PATTERN = _LEAD + "(?:" + "|".join(
    f"(?:[0-9]{_SEP}){{{j}}}{_DIGIT_CHANGE}(?:{_SEP}[0-9]){{{max(0, 10 - j)},{12 - j}}}"
    for j in range(13)) + ")" + _TRAIL

_DECREE_CHAR = "[A-Za-z0-9./ -]"
_DECREE_NUMBER = "(?:[1-9][0-9]{2}|[0-9][1-9][0-9]|[0-9]{2}[1-9])"  # 3 digits, not 000
BADAN_HUKUM_PATTERN = (f"(?:[A-Za-z0-9./-]{_DECREE_CHAR}*)?(?:[A-Za-z]{_DECREE_CHAR}*"
                       f"{_DECREE_NUMBER}|{_DECREE_NUMBER}{_DECREE_CHAR}*[A-Za-z])"
                       f"(?:{_DECREE_CHAR}*[A-Za-z0-9./-])?")

IDENTITY_PATTERNS = {IdentityType.NIK: NIK_PATTERN, IdentityType.PASPOR: PASPOR_PATTERN,
                     IdentityType.SIM: SIM_PATTERN,
                     IdentityType.BADAN_HUKUM: BADAN_HUKUM_PATTERN}
_OTHER_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./ -")


def identity_number_problem(identity_type, number):
    """What is wrong with an identity number of this type (a message), or None.

    ``number`` is stripped. Structure only: whether the number exists is Dukcapil's
    register, which the registry does not query. :data:`IDENTITY_PATTERNS` say the same.
    """
    compact = number.replace(" ", "").replace("-", "").replace(".", "")
    if identity_type in (None, IdentityType.NIK):
        if len(number) != 16 or not number.isascii() or not number.isdigit():
            return _l("NIK harus tepat 16 angka (Anda mengisi %(n)d karakter).", n=len(number))
        if len(set(number)) == 1:
            return _l("NIK tidak mungkin berisi satu angka yang berulang.")
        if number[:2] not in NIK_PROVINCES:
            return _l("Dua angka pertama NIK (%(code)s) bukan kode provinsi.", code=number[:2])
        if number[2:4] == "00" or number[4:6] == "00":
            return _l("Kode kabupaten/kota dan kecamatan dalam NIK (angka ke-3 sampai ke-6) "
                      "tidak boleh 00.")
        if not _nik_birth_possible(int(number[6:8]), int(number[8:10]), int(number[10:12])):
            return _l("Tanggal lahir dalam NIK (angka ke-7 sampai ke-12: %(dob)s) tidak "
                      "mungkin; bagi perempuan tanggalnya ditambah 40.", dob=number[6:12])
        if number[12:] == "0000":
            return _l("Nomor urut dalam NIK (empat angka terakhir) tidak boleh 0000.")
        return None
    if not set(number) <= _OTHER_CHARS or not 3 <= len(number) <= 50:
        return _l("Nomor identitas hanya boleh berisi huruf, angka, titik, garis miring, "
                  "spasi dan tanda hubung (3 sampai 50 karakter).")
    if identity_type == IdentityType.PASPOR:
        # Indonesian passports: one or two letters, then 6 or 7 digits (C1234567, AB123456)
        letters = len(compact) - len(compact.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                     "abcdefghijklmnopqrstuvwxyz"))
        digits = compact[letters:]
        if not (1 <= letters <= 2 and 6 <= len(digits) <= 7 and digits.isascii()
                and digits.isdigit() and set(digits) != {"0"}):
            return _l("Nomor paspor terdiri atas satu atau dua huruf lalu 6 atau 7 angka, "
                      "tidak semuanya nol (contoh: C1234567).")
        return None
    if identity_type == IdentityType.SIM:
        if not (12 <= len(compact) <= 14 and compact.isascii() and compact.isdigit()):
            return _l("Nomor SIM terdiri atas 12 sampai 14 angka (spasi, titik dan tanda "
                      "hubung boleh).")
        if len(set(compact)) == 1:
            return _l("Nomor SIM tidak mungkin berisi satu angka yang berulang.")
        return None
    if identity_type == IdentityType.BADAN_HUKUM:
        # an SK pengesahan of Kemenkumham: letters and a number, e.g. AHU-0012345.AH.01.04/2020
        runs = "".join(c if c.isascii() and c.isdigit() else " " for c in number).split()
        if not any(c.isalpha() for c in number) or not any(
                len(r) >= 3 and set(r) != {"0"} for r in runs):
            return _l("Nomor SK pengesahan badan hukum memuat kode dan nomor keputusan "
                      "(contoh: AHU-0012345.AH.01.04 Tahun 2020).")
        return None
    return None


class ObtainMethod(LabelledEnum):
    """Cara memperoleh informasi: inspect it, or get a copy."""

    MELIHAT = "melihat", _l("Melihat"), "UU KIP Pasal 4 ayat (2) huruf a"
    MEMBACA = "membaca", _l("Membaca"), "UU KIP Pasal 4 ayat (2) huruf a"
    MENDENGARKAN = "mendengarkan", _l("Mendengarkan"), "UU KIP Pasal 4 ayat (2) huruf a"
    MENCATAT = "mencatat", _l("Mencatat"), "UU KIP Pasal 4 ayat (2) huruf a"
    SALINAN = "salinan", _l("Mendapatkan salinan"), "UU KIP Pasal 4 ayat (2) huruf c"


class CopyForm(LabelledEnum):
    """The form of the copy asked for (with ``ObtainMethod.SALINAN``)."""

    SOFTCOPY = "softcopy", _l("Softcopy (berkas elektronik)")  # an electronic file
    HARDCOPY = "hardcopy", _l("Hardcopy (salinan cetak)")      # printed, at a cost per page


class DeliveryMethod(LabelledEnum):
    """Cara mendapatkan salinan informasi."""

    LANGSUNG = "langsung", _l("Mengambil langsung")  # the requester collects it
    KURIR = "kurir", _l("Kurir")
    POS = "pos", _l("Pos")
    FAKSIMILI = "faksimili", _l("Faksimili")
    EMAIL = "email", _l("E-mail")                      # a softcopy to the requester's address


class Channel(LabelledEnum):
    """How the request reached the PPID; officers enter all but ``online``."""

    ONLINE = "online", _l("Formulir daring")     # the public form, or the API
    LANGSUNG = "langsung", _l("Datang langsung")  # in person, at the service desk
    POS = "pos", _l("Pos / surat")
    EMAIL = "email", _l("E-mail")
    TELEPON = "telepon", _l("Telepon")


OFFICER_CHANNELS = tuple(c for c in Channel if c is not Channel.ONLINE)
# An objection is made in writing: online, in person (a written form), by post or e-mail,
# never by telephone (DOMAIN.md section 14; Perki 1/2021 Pasal 39).
OBJECTION_CHANNELS = (Channel.ONLINE, Channel.LANGSUNG, Channel.POS, Channel.EMAIL)
OFFICER_OBJECTION_CHANNELS = tuple(c for c in OBJECTION_CHANNELS if c is not Channel.ONLINE)


class AttachmentKind(LabelledEnum):
    RILIS = "rilis", _l("dokumen informasi")        # a released document
    SURAT_KUASA = "surat_kuasa", _l("surat kuasa")  # the requester's power of attorney
    # the power of attorney of a proxy filing an objection (Perki 1/2021 Pasal 39)
    KUASA_KEBERATAN = "kuasa_keberatan", _l("surat kuasa pengajuan keberatan")


# --- Outcomes (the written notice, UU KIP Pasal 22 ayat (7)) ------------------------------


_NOTICE = "UU KIP Pasal 22 ayat (7)"
_NOTICE_EXEMPT = _NOTICE + " dan Pasal 17"  # the exempt part is named by its Pasal 17 letters


class Outcome(LabelledEnum):
    """How a request is closed: what its written notice (pemberitahuan tertulis) says."""

    DIKABULKAN = "dikabulkan", _l("Dikabulkan seluruhnya"), _NOTICE
    DIKABULKAN_SEBAGIAN = "dikabulkan_sebagian", _l("Dikabulkan sebagian"), _NOTICE_EXEMPT
    DITOLAK = "ditolak", _l("Ditolak (informasi dikecualikan)"), _NOTICE_EXEMPT
    TIDAK_DIKUASAI = "tidak_dikuasai", _l("Informasi tidak dikuasai"), _NOTICE
    BELUM_DIDOKUMENTASIKAN = ("belum_didokumentasikan",
                              _l("Informasi belum didokumentasikan"), _NOTICE)


DIKABULKAN, DIKABULKAN_SEBAGIAN, DITOLAK, TIDAK_DIKUASAI, BELUM_DIDOKUMENTASIKAN = Outcome
OUTCOMES = tuple(Outcome)
GRANTED = (DIKABULKAN, DIKABULKAN_SEBAGIAN)

PASAL17_LETTERS = tuple(Pasal17)


class PaymentMethod(LabelledEnum):
    """How the requester pays the costs stated in the written notice (Perki 1/2021)."""

    TANPA_BIAYA = "tanpa_biaya", _l("Tanpa biaya")
    TUNAI = "tunai", _l("Tunai di loket layanan PPID")
    TRANSFER = "transfer", _l("Transfer ke rekening kas daerah")


PAYMENT_METHODS = tuple(PaymentMethod)


class InfoForm(LabelledEnum):
    """The form in which a granted request's information is given."""

    SOFTCOPY = "softcopy", _l("Softcopy (berkas elektronik)")
    HARDCOPY = "hardcopy", _l("Hardcopy (salinan cetak)")
    SOFTCOPY_HARDCOPY = "softcopy_hardcopy", _l("Softcopy dan hardcopy")
    MELIHAT = "melihat", _l("Melihat / membaca langsung")  # inspected at the PPID, no copy


INFO_FORMS = tuple(InfoForm)

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
    DIKABULKAN: ("other_costs", "payment_method"),
    # the withheld part rests on a consequence test too (Perki 1/2021 Pasal 49)
    DIKABULKAN_SEBAGIAN: ("other_costs", "payment_method", "exemption_consequence",
                          "other_statute"),
    DITOLAK: ("other_statute",),
    TIDAK_DIKUASAI: ("holding_body",),
    BELUM_DIDOKUMENTASIKAN: (),
}
OUTCOME_FIELDS = ("response_note", "info_form", "cost_per_page", "pages", "delivery_cost",
                  "other_costs", "payment_method", "available_on", "exemption_letters", "exemption_consequence",
                  "other_statute", "redacted_parts", "redaction_reason", "holding_body",
                  "documented_on")


class InformationStatus(LabelledEnum):
    """Whether the body holds the information asked for: the register permohonan's "status
    informasi" column (Perki 1/2021 lampiran), read from the written notice's outcome."""

    # Derived, never stored: the codes only name the members.
    DIKUASAI = "di_bawah_penguasaan", _l("Di bawah penguasaan")  # held by this body
    TIDAK_DIKUASAI = "tidak_di_bawah_penguasaan", _l("Tidak di bawah penguasaan"), _NOTICE
    BELUM_DIDOKUMENTASIKAN = ("belum_didokumentasikan", _l("Belum didokumentasikan"),
                              _NOTICE)


def information_status(outcome):
    """The status of the information a closed request asked for (None while no notice says
    it): held, unless the notice says it is not held or not yet documented."""
    if outcome is None or outcome not in OUTCOMES:
        return None
    if outcome == TIDAK_DIKUASAI:
        return InformationStatus.TIDAK_DIKUASAI
    if outcome == BELUM_DIDOKUMENTASIKAN:
        return InformationStatus.BELUM_DIDOKUMENTASIKAN
    return InformationStatus.DIKUASAI


class LetterKind(LabelledEnum):
    """The letters a request gets; each is ``templates/pdf/letters/<code>.html``."""

    TANDA_BUKTI = "tanda_bukti", _l("Tanda Bukti Penerimaan Permohonan Informasi Publik")
    PEMBERITAHUAN = "pemberitahuan", _l("Pemberitahuan Tertulis"), "UU KIP Pasal 22 ayat (7)"
    PENOLAKAN = "penolakan", _l("Surat Keputusan PPID tentang Penolakan Permohonan Informasi")
    PERPANJANGAN = ("perpanjangan", _l("Pemberitahuan Perpanjangan Jangka Waktu"),
                    "UU KIP Pasal 22 ayat (8)")
    TANDA_BUKTI_KEBERATAN = "tanda_bukti_keberatan", _l("Tanda Bukti Penerimaan Keberatan")
    PUTUSAN_KEBERATAN = ("putusan_keberatan", _l("Tanggapan Atasan PPID atas Keberatan"),
                         "UU KIP Pasal 36 ayat (2)")

    @property
    def is_decree(self):
        """A decree (surat keputusan) is "ditetapkan"; the other letters are dated."""
        return self is LetterKind.PENOLAKAN


# --- Deadlines (working days) ------------------------------------------------------------

ANSWER_DAYS = 10             # UU KIP Pasal 22(7)
EXTENSION_DAYS = 7           # UU KIP Pasal 22(8)
OBJECTION_FILING_DAYS = 30   # UU KIP Pasal 36(1)
OBJECTION_ANSWER_DAYS = 30   # UU KIP Pasal 36(2)
DISPUTE_FILING_DAYS = 14     # UU KIP Pasal 37(2)
NEAR_DUE_DAYS = 3            # queues show requests due within 3 working days first
MAX_BACKDATE_DAYS = 30       # an officer enters a request received at most 30 days ago

# --- Objections and disputes (UU KIP Pasal 35-38) -----------------------------------------


class ObjectionGround(LabelledEnum):
    """The grounds of an objection, the letters of UU KIP Pasal 35 ayat (1)."""

    A = ("a", _l("Permohonan informasi ditolak dengan alasan pengecualian Pasal 17"),
         "UU KIP Pasal 35 ayat (1) huruf a")
    B = ("b", _l("Informasi berkala (Pasal 9) tidak disediakan"),
         "UU KIP Pasal 35 ayat (1) huruf b")
    C = "c", _l("Permintaan informasi tidak ditanggapi"), "UU KIP Pasal 35 ayat (1) huruf c"
    D = ("d", _l("Permintaan informasi ditanggapi tidak sebagaimana yang diminta"),
         "UU KIP Pasal 35 ayat (1) huruf d")
    E = "e", _l("Permintaan informasi tidak dipenuhi"), "UU KIP Pasal 35 ayat (1) huruf e"
    F = "f", _l("Pengenaan biaya yang tidak wajar"), "UU KIP Pasal 35 ayat (1) huruf f"
    G = ("g", _l("Penyampaian informasi melebihi waktu yang diatur undang-undang"),
         "UU KIP Pasal 35 ayat (1) huruf g")


OBJECTION_GROUNDS = tuple(ObjectionGround)


class ObjectionDecision(LabelledEnum):
    """The atasan PPID's written answer to an objection (UU KIP Pasal 36 ayat (2)): upholding
    the PPID, or an order the PPID carries out (:data:`ORDER_DECISIONS`)."""

    MENGUATKAN = ("menguatkan", _l("Menguatkan keputusan PPID"),  # upholds the PPID
                  "UU KIP Pasal 36 ayat (2)")
    MEMBUKA_SELURUHNYA = ("membuka_seluruhnya",                # orders disclosure in full
                          _l("Memerintahkan informasi dibuka seluruhnya"),
                          "UU KIP Pasal 36 ayat (2)")
    MEMBUKA_SEBAGIAN = ("membuka_sebagian",                    # orders disclosure in part
                        _l("Memerintahkan informasi dibuka sebagian"),
                        "UU KIP Pasal 36 ayat (2)")
    MENANGGAPI = ("menanggapi",                                # orders an answer (ground c)
                  _l("Memerintahkan PPID menanggapi permohonan"),
                  "UU KIP Pasal 35 ayat (1) huruf c dan Pasal 36 ayat (2)")
    KOREKSI_BIAYA = ("koreksi_biaya",                          # orders the fee corrected (f)
                     _l("Memerintahkan PPID mengoreksi biaya"),
                     "UU KIP Pasal 35 ayat (1) huruf f dan Pasal 36 ayat (2)")
    MENYERAHKAN = ("menyerahkan",                              # orders delivery (g)
                   _l("Memerintahkan PPID menyerahkan informasi"),
                   "UU KIP Pasal 35 ayat (1) huruf g dan Pasal 36 ayat (2)")
    # orders the periodic information published (b, an objection naming no request)
    MENGUMUMKAN = ("mengumumkan", _l("Memerintahkan PPID mengumumkan informasi berkala"),
                   "UU KIP Pasal 9, Pasal 35 ayat (1) huruf b dan Pasal 36 ayat (2)")


(MENGUATKAN, MEMBUKA_SELURUHNYA, MEMBUKA_SEBAGIAN, MENANGGAPI, KOREKSI_BIAYA,
 MENYERAHKAN, MENGUMUMKAN) = ObjectionDecision
OBJECTION_DECISIONS = tuple(ObjectionDecision)
# Decisions that order the PPID to do something, which the registry follows to completion.
ORDER_DECISIONS = (MEMBUKA_SELURUHNYA, MEMBUKA_SEBAGIAN, MENANGGAPI, KOREKSI_BIAYA,
                   MENYERAHKAN, MENGUMUMKAN)
# The decisions an objection naming no request (ground b, periodic information) can get:
# there is no request to open, answer, charge or deliver.
PERIODIC_DECISIONS = (MENGUATKAN, MENGUMUMKAN)
# The grounds each decision answers (UU KIP Pasal 35 ayat (1)): upholding answers any;
# disclosure answers information withheld or not given; an answer order the unanswered
# request; a fee correction the unreasonable fee; a delivery order the late delivery.
DECISION_GROUNDS = {
    MENGUATKAN: frozenset("abcdefg"),
    MEMBUKA_SELURUHNYA: frozenset("abcde"),
    MEMBUKA_SEBAGIAN: frozenset("abcde"),
    MENANGGAPI: frozenset("ce"),
    KOREKSI_BIAYA: frozenset("f"),
    MENYERAHKAN: frozenset("eg"),
    MENGUMUMKAN: frozenset("b"),
}


class OrderExecution(LabelledEnum):
    """How the PPID carried out the atasan's order (what it did, recorded with its date)."""

    PEMBERITAHUAN_BARU = ("pemberitahuan_baru", _l("Pemberitahuan tertulis baru diterbitkan"),
                          "UU KIP Pasal 22 ayat (7)")
    RILIS = "rilis", _l("Informasi dibuka dan dilampirkan")   # a released document
    BIAYA_DIKOREKSI = "biaya_dikoreksi", _l("Biaya dikoreksi")  # the corrected total
    DISERAHKAN = "diserahkan", _l("Informasi diserahkan kepada pemohon")
    # the periodic information published in the DIP (the item and version are recorded)
    DIUMUMKAN = "diumumkan", _l("Informasi berkala diumumkan dalam DIP"), "UU KIP Pasal 9"


# The ways each order may be carried out.
ORDER_EXECUTIONS = {
    MEMBUKA_SELURUHNYA: (OrderExecution.RILIS, OrderExecution.PEMBERITAHUAN_BARU,
                         OrderExecution.DISERAHKAN),
    MEMBUKA_SEBAGIAN: (OrderExecution.RILIS, OrderExecution.PEMBERITAHUAN_BARU,
                       OrderExecution.DISERAHKAN),
    MENANGGAPI: (OrderExecution.PEMBERITAHUAN_BARU,),
    KOREKSI_BIAYA: (OrderExecution.BIAYA_DIKOREKSI,),
    MENYERAHKAN: (OrderExecution.DISERAHKAN,),
    MENGUMUMKAN: (OrderExecution.DIUMUMKAN,),
}


class OrderStatus(LabelledEnum):
    """Where an atasan's order stands (the objection page, the dashboard, the statistics)."""

    BERJALAN = "berjalan", _l("Menunggu pelaksanaan")      # within its deadline
    TERLAMBAT = "terlambat", _l("Belum dilaksanakan, melewati batas waktu")
    DILAKSANAKAN = "dilaksanakan", _l("Dilaksanakan")
    DILAKSANAKAN_TERLAMBAT = ("dilaksanakan_terlambat",
                              _l("Dilaksanakan setelah batas waktu"))


class DisputeOutcome(LabelledEnum):
    """Where a dispute taken to the Komisi Informasi stands, and how it ended (UU KIP Pasal
    37-39; Perki 1/2013). The dispute's stages and court cases: ppid.disputes."""

    DALAM_PROSES = "dalam_proses", _l("Dalam proses")  # the commission has 100 working days
    DIKABULKAN = ("dikabulkan", _l("Dikabulkan seluruhnya"),
                  "Perki 1/2013 (putusan ajudikasi)")
    DIKABULKAN_SEBAGIAN = ("dikabulkan_sebagian", _l("Dikabulkan sebagian"),
                           "Perki 1/2013 (putusan ajudikasi)")
    DITOLAK = "ditolak", _l("Ditolak"), "Perki 1/2013 (putusan ajudikasi)"
    TIDAK_DAPAT_DITERIMA = ("tidak_dapat_diterima", _l("Tidak dapat diterima"),
                            "Perki 1/2013 (putusan sela atau akhir)")
    MEDIASI_BERHASIL = ("mediasi_berhasil", _l("Mediasi berhasil (kesepakatan)"),
                        "UU KIP Pasal 39")  # an agreement: final and binding
    GUGUR = "gugur", _l("Gugur"), "Perki 1/2013"
    DICABUT = "dicabut", _l("Dicabut pemohon"), "Perki 1/2013"


DISPUTE_OUTCOMES = tuple(DisputeOutcome)


class RuleError(ValueError):
    """A change refused by a rule; ``str(exc)`` is the message for the user."""


# --- Transitions -------------------------------------------------------------------------

# Shown in public instead of a subject no officer has reviewed yet (REQUEST_SUBJECT_HOLD).
SUBJECT_PENDING = _l("Menunggu peninjauan petugas")


def public_subject(redacted_subject, information, *, is_held=False):
    """The subject shown in public (register, API, profile): the officer's redaction if any,
    else, while the subject waits for an officer's review, :data:`SUBJECT_PENDING`, else
    the request text on one line, at most 200 characters (DOMAIN.md section 11)."""
    if redacted_subject:
        return redacted_subject
    if is_held:
        return SUBJECT_PENDING
    text = " ".join((information or "").split())
    return text if len(text) <= 200 else text[:197] + "..."


def can_transition(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, set())


def check_transition(from_state: str, to_state: str) -> None:
    if from_state not in TRANSITIONS or to_state not in TRANSITIONS:
        raise RuleError(f"Status tidak dikenal: {from_state} -> {to_state}.")
    if not can_transition(from_state, to_state):
        raise RuleError(f"Permohonan berstatus '{state_text(from_state)}' tidak dapat diubah "
                        f"menjadi '{state_text(to_state)}'.")


def state_text(state) -> str:
    """A state's label in Indonesian, the language of the rules' messages."""
    member = RequestState.get(state)
    return member.text("id") if member is not None else str(state)


def _day(day) -> str:
    return dates.date_long(day, "id")


# A request no officer of the agency holding it has taken up yet: registered, or forwarded
# to it. The officers' dashboards list these as "baru masuk" from the moment they arrive.
NEW_ARRIVAL_STATES = (DITERIMA, DITERUSKAN)


def is_new_arrival(state: str) -> bool:
    return state in NEW_ARRIVAL_STATES


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
                        f"semula ({_day(due_on)}).")
    limit = max_extended_due(cal, due_on)
    if new_due_on <= due_on:
        raise RuleError("Tanggal jatuh tempo baru harus setelah jatuh tempo semula.")
    if new_due_on > limit:
        raise RuleError(f"Perpanjangan paling lama 7 hari kerja, yaitu sampai "
                        f"{_day(limit)}.")
    if not cal.is_working_day(new_due_on):
        raise RuleError(f"Tanggal jatuh tempo baru ({_day(new_due_on)}) bukan hari kerja.")


def effective_due(due_on: date, extended_due_on) -> date:
    return extended_due_on or due_on


def is_late(due_on: date, extended_due_on, closed_on, today: date) -> bool:
    """Late: the (extended) due date passed before the request closed (or, if open, today)."""
    limit = effective_due(due_on, extended_due_on)
    return (closed_on or today) > limit


def urgency(cal: Calendar, due_on: date, today: date) -> Urgency:
    """TERLAMBAT (past due), SEGERA (due within 3 working days) or NORMAL."""
    if today > due_on:
        return Urgency.TERLAMBAT
    if working_days_between(cal, today, due_on) <= NEAR_DUE_DAYS:
        return Urgency.SEGERA
    return Urgency.NORMAL


def queue_sort_key(cal: Calendar, due_on: date, today: date):
    """Overdue first, then due within 3 working days, then the rest (the order of
    ``Urgency``); each by due date."""
    return (_URGENCY_RANK[urgency(cal, due_on, today)], due_on)


_URGENCY_RANK = {u: rank for rank, u in enumerate(Urgency)}


# --- Outcomes ----------------------------------------------------------------------------

def total_cost(cost_per_page: int, pages: int, delivery_cost: int, other_costs=0) -> int:
    """Copy cost (Rp per page x pages) plus delivery plus other costs (biaya lain-lain;
    Perki 1/2021 pemberitahuan tertulis)."""
    return int(cost_per_page) * int(pages) + int(delivery_cost) + int(other_costs or 0)


# Outcomes whose information rests on a DIK entry (the refused one, the withheld part).
EXEMPT_OUTCOMES = (DIKABULKAN_SEBAGIAN, DITOLAK)


def holder_text(outcome) -> str:
    """Who holds the information, as the written notice states it (UU KIP Pasal 22(7)
    huruf a), in Indonesian: this body, another body, or not yet documented."""
    if outcome == TIDAK_DIKUASAI:
        return "Tidak dikuasai badan publik ini (dikuasai badan publik lain)"
    if outcome == BELUM_DIDOKUMENTASIKAN:
        return "Belum didokumentasikan"
    return "Dikuasai badan publik ini"


# --- Delivery ----------------------------------------------------------------------------

def delivery_overdue(outcome, available_on, delivered_on, today: date):
    """Late delivery: granted information promised for ``available_on`` and not handed over
    by then. Returns the day the ground arose (objection ground g, UU KIP Pasal 35(1) huruf
    g): ``available_on`` itself, the last day the promise held, as the lapse of a due date
    is the ground of an unanswered request (:func:`objection_window`); the objection window
    runs from it. None when the information is not late (or nothing was promised)."""
    if outcome not in GRANTED or available_on is None:
        return None
    handed = delivered_on if delivered_on is not None else today
    return available_on if handed > available_on else None


def check_delivery(*, state, outcome, delivered_on_before, received_on, delivered_on,
                   via, today) -> None:
    """What recording "informasi diserahkan" needs: a granted request not yet delivered,
    a date between its receipt and today, and a known form of delivery."""
    if state != SELESAI or outcome not in GRANTED:
        raise RuleError("Penyerahan informasi hanya dicatat untuk permohonan yang dikabulkan "
                        "(seluruhnya atau sebagian).")
    if delivered_on_before is not None:
        raise RuleError(f"Penyerahan informasi sudah dicatat pada {_day(delivered_on_before)}.")
    if delivered_on is None:
        raise RuleError("Tanggal penyerahan wajib diisi.")
    if delivered_on < received_on or delivered_on > today:
        raise RuleError(f"Tanggal penyerahan harus antara {_day(received_on)} dan hari ini.")
    if DeliveryMethod.get(via) is None:
        raise RuleError("Pilih cara penyerahan yang valid.")


# --- What the officer may do now (the request page shows these, and only these) ----------

class RequestAction(LabelledEnum):
    """An officer's action on one request; :func:`allowed_actions` says which a state
    allows (the request page offers those, the action's route refuses the others)."""

    PROSES = "proses", _l("Tandai sedang diproses")
    PUTUSKAN = "putuskan", _l("Putuskan dan terbitkan pemberitahuan tertulis"), _NOTICE
    TUNJUK = "tunjuk", _l("Tunjuk petugas")
    TERUSKAN = "teruskan", _l("Teruskan ke badan publik lain")
    PERPANJANG = "perpanjang", _l("Perpanjang jangka waktu"), "UU KIP Pasal 22 ayat (8)"
    TARIK = "tarik", _l("Catat permohonan ditarik")
    SERAHKAN = "serahkan", _l("Catat informasi diserahkan")
    LAMPIRKAN = "lampirkan", _l("Lampirkan dokumen informasi")
    TINJAU_POKOK = "tinjau_pokok", _l("Tinjau pokok permohonan di register publik")


def allowed_actions(state, *, is_extended=False, outcome=None, is_delivered=False,
                    extension_open=True):
    """The officer's actions a request's state allows, in the order the page offers them.

    Open requests (DOMAIN.md section 7): processed once it has arrived (registered,
    forwarded or extended, TRANSITIONS); decided, assigned, forwarded or withdrawn while
    open; extended once, while the original due date has not passed (``extension_open``,
    UU KIP Pasal 22(8)). A granted request's information is recorded as handed over once.
    Documents are attached in every state but withdrawn; the subject the public register
    shows is reviewed in every state (a withdrawn request stays on the register too)."""
    if state not in TRANSITIONS:
        return ()
    out = []
    if can_transition(state, DIPROSES):
        out.append(RequestAction.PROSES)
    if is_open(state):
        out += [RequestAction.PUTUSKAN, RequestAction.TUNJUK, RequestAction.TERUSKAN]
        if (not is_extended and extension_open
                and can_transition(state, DIPERPANJANG)):
            out.append(RequestAction.PERPANJANG)
        out.append(RequestAction.TARIK)
    if state == SELESAI and outcome in GRANTED and not is_delivered:
        out.append(RequestAction.SERAHKAN)
    if state != DITARIK:
        out.append(RequestAction.LAMPIRKAN)
    out.append(RequestAction.TINJAU_POKOK)
    return tuple(out)


# The fields of a DIK entry a refusal or a partial grant names, or makes with the decision
# (Perki 1/2021 Pasal 49): the entry to rest on, or the new entry's own fields.
EXEMPTION_ENTRY_FIELDS = ("exemption_id", "exemption_information", "exemption_document",
                          "exemption_public_interest", "exemption_tested_on",
                          "exemption_decree_number", "exemption_decree_on",
                          "exemption_end_on")


def decision_fields(outcome) -> frozenset:
    """The fields the decision form shows for ``outcome``: what its written notice states
    (required or optional), and for a refusal or a partial grant the DIK entry it rests on.
    Empty for a value that is no outcome."""
    if outcome not in OUTCOMES:
        return frozenset()
    names = set(REQUIRED_OUTCOME_FIELDS[outcome]) | set(OPTIONAL_OUTCOME_FIELDS[outcome])
    if outcome in EXEMPT_OUTCOMES:
        names |= set(EXEMPTION_ENTRY_FIELDS)
    return frozenset(names)


def outcomes_showing(*fields) -> tuple:
    """The outcomes whose decision form shows any of ``fields`` (the page reveals them for
    those)."""
    return tuple(o for o in OUTCOMES if decision_fields(o) & set(fields))


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
    allowed = set(REQUIRED_OUTCOME_FIELDS[outcome]) | set(OPTIONAL_OUTCOME_FIELDS[outcome])
    for name in ("cost_per_page", "pages", "delivery_cost", "other_costs"):
        value = fields.get(name)
        if name in allowed and not _blank(value):
            if not isinstance(value, int) or value < 0:
                errors[name] = "Harus bilangan bulat 0 atau lebih."
    if outcome in GRANTED and not errors:
        payment = fields.get("payment_method")
        if not _blank(payment) and payment not in PAYMENT_METHODS:
            errors["payment_method"] = "Pilih cara pembayaran yang valid."
        elif _blank(payment) and total_cost(fields.get("cost_per_page") or 0,
                                            fields.get("pages") or 0,
                                            fields.get("delivery_cost") or 0,
                                            fields.get("other_costs") or 0) > 0:
            errors["payment_method"] = "Sebutkan cara pembayaran biaya."
    letters = fields.get("exemption_letters") or []
    if letters and any(x not in PASAL17_LETTERS for x in letters):
        errors["exemption_letters"] = "Huruf Pasal 17 harus di antara a sampai j."
    if fields.get("info_form") and fields["info_form"] not in INFO_FORMS:
        errors["info_form"] = "Pilih bentuk informasi yang valid."
    return errors


# --- Objections --------------------------------------------------------------------------

@dataclass(frozen=True)
class GroundWindow:
    """One ground's own 30-working-day window (UU KIP Pasal 36(1)): the day it arose and
    the last day to object on it; None dates when it has not arisen."""

    ground: str
    arisen_on: date | None
    deadline_on: date | None
    is_open: bool
    reason: str  # why it cannot be filed now (Indonesian), "" when open


@dataclass(frozen=True)
class ObjectionWindow:
    """Whether an objection can be filed today, and the ground date and deadline (of the
    grounds open now: the earliest ground, the latest deadline); ``grounds`` holds each
    ground's own window."""

    is_possible: bool      # some ground has arisen
    is_open: bool          # ... and today is within its 30 working days
    ground_on: date | None
    deadline_on: date | None
    reason: str
    grounds: dict = None


# Grounds whose day is the written notice's (a refusal, an answer not as asked, a fee).
NOTICE_GROUNDS = ("a", "b", "d", "f")
# Grounds whose day is the promised delivery date that passed without delivery.
DELIVERY_GROUNDS = ("e", "g")


def ground_arisen_on(ground, *, state, outcome, due_on, extended_due_on, closed_on,
                     available_on, delivered_on, today):
    """The day ``ground`` arose on a request, or None (DOMAIN.md section 14): the notice
    date (a, b, d, f); the lapsed (extended) due date of a request not answered by then
    (c); the promised delivery date passed without delivery (e, g; :func:`delivery_overdue`).
    A withdrawn request gives no ground."""
    if state == DITARIK:
        return None
    if ground in NOTICE_GROUNDS:
        return closed_on if state == SELESAI else None
    if ground == "c":
        limit = effective_due(due_on, extended_due_on)
        answered = closed_on if state == SELESAI else None
        return limit if (answered or today) > limit else None
    if ground in DELIVERY_GROUNDS:
        return delivery_overdue(outcome, available_on, delivered_on, today)
    return None


def _not_arisen_reason(ground, limit):
    if ground in NOTICE_GROUNDS:
        return "belum ada pemberitahuan tertulis atas permohonan ini"
    if ground == "c":
        return (f"permohonan dijawab sebelum jatuh temponya ({_day(limit)})" if limit
                else "jatuh tempo permohonan belum terlewati")
    return "tidak ada informasi yang dijanjikan dan terlambat diserahkan"


def ground_windows(cal: Calendar, *, state, outcome, due_on, extended_due_on, closed_on,
                   available_on, delivered_on, today) -> dict:
    """{ground: GroundWindow} for every ground of Pasal 35(1) on a request: each runs 30
    working days from the day it arose, so a ground that arises later opens its own window
    (UU KIP Pasal 36(1))."""
    out = {}
    limit = effective_due(due_on, extended_due_on)
    for ground in OBJECTION_GROUNDS:
        arisen = ground_arisen_on(ground, state=state, outcome=outcome, due_on=due_on,
                                  extended_due_on=extended_due_on, closed_on=closed_on,
                                  available_on=available_on, delivered_on=delivered_on,
                                  today=today)
        letter = f"huruf {ground.value}"
        if arisen is None:
            why = ("permohonan telah ditarik" if state == DITARIK else
                   _not_arisen_reason(ground, limit if ground == "c" and state == SELESAI
                                      else None))
            out[ground.value] = GroundWindow(ground.value, None, None, False,
                                             f"Alasan keberatan {letter} belum timbul: {why}.")
            continue
        deadline = add_working_days(cal, arisen, OBJECTION_FILING_DAYS)
        if today > deadline:
            out[ground.value] = GroundWindow(
                ground.value, arisen, deadline, False,
                f"Keberatan dengan alasan {letter} hanya dapat diajukan dalam 30 hari kerja "
                f"sejak {_day(arisen)}, yaitu paling lambat {_day(deadline)}; batas waktu "
                f"itu telah lewat.")
        elif today < arisen:
            out[ground.value] = GroundWindow(
                ground.value, arisen, deadline, False,
                f"Alasan keberatan {letter} baru timbul pada {_day(arisen)}.")
        else:
            out[ground.value] = GroundWindow(ground.value, arisen, deadline, True, "")
    return out


def objection_window(cal: Calendar, *, state: str, due_on: date, extended_due_on,
                     closed_on, today: date, outcome=None, available_on=None,
                     delivered_on=None) -> ObjectionWindow:
    """The windows to object (UU KIP Pasal 36(1)), every ground's own (``grounds``) and
    together: open while any ground's window is."""
    if state == DITARIK:
        return ObjectionWindow(False, False, None, None, "Permohonan telah ditarik.", {})
    grounds = ground_windows(cal, state=state, outcome=outcome, due_on=due_on,
                             extended_due_on=extended_due_on, closed_on=closed_on,
                             available_on=available_on, delivered_on=delivered_on,
                             today=today)
    arisen = [w for w in grounds.values() if w.arisen_on is not None]
    open_ = [w for w in arisen if w.is_open]
    if open_:
        return ObjectionWindow(True, True, min(w.arisen_on for w in open_),
                               max(w.deadline_on for w in open_), "", grounds)
    if not arisen:
        limit = effective_due(due_on, extended_due_on)
        return ObjectionWindow(False, False, None, None,
                               f"Keberatan dapat diajukan setelah ada pemberitahuan "
                               f"tertulis atau setelah jatuh tempo {_day(limit)} "
                               f"terlewati.", grounds)
    deadline = max(w.deadline_on for w in arisen)
    return ObjectionWindow(True, False, min(w.arisen_on for w in arisen), deadline,
                           f"Batas waktu pengajuan keberatan telah lewat; keberatan "
                           f"seharusnya diajukan paling lambat {_day(deadline)}.", grounds)


def check_grounds_open(window: ObjectionWindow, grounds) -> date:
    """Every ground chosen must be within its own window; returns the day the earliest of
    them arose (the objection's ``ground_on``). RuleError naming the window otherwise."""
    for g in grounds:
        gw = (window.grounds or {}).get(g)
        if gw is None or not gw.is_open:
            raise RuleError(gw.reason if gw is not None else window.reason)
    return min(window.grounds[g].arisen_on for g in grounds)


def periodic_ground_window(cal: Calendar, *, title, status_label, overdue_since,
                           last_published_on, due_on, today: date) -> GroundWindow:
    """Ground b on an agency's periodic obligation, with no request (UU KIP Pasal 35(1)
    huruf b): it arises the day the obligation became overdue (its staleness history's
    current spell) and may be objected to within 30 working days of that day (Pasal
    36(1)); a later overdue spell opens its own window."""
    if overdue_since is None:
        until = f", berlaku sampai {_day(due_on)}" if due_on else ""
        last = f"terakhir diumumkan {_day(last_published_on)}" if last_published_on else ""
        return GroundWindow("b", None, None, False,
                            f"Informasi berkala '{title}' tidak terlambat ({status_label}"
                            f"{': ' + last if last else ''}{until}); alasan keberatan huruf "
                            f"b belum timbul.")
    deadline = add_working_days(cal, overdue_since, OBJECTION_FILING_DAYS)
    if today > deadline:
        return GroundWindow("b", overdue_since, deadline, False,
                            f"Keberatan atas informasi berkala '{title}' hanya dapat diajukan "
                            f"dalam 30 hari kerja sejak informasi itu terlambat diumumkan "
                            f"({_day(overdue_since)}), yaitu paling lambat {_day(deadline)}; "
                            f"batas waktu itu telah lewat.")
    if today < overdue_since:
        return GroundWindow("b", overdue_since, deadline, False,
                            f"Informasi berkala '{title}' baru terlambat pada "
                            f"{_day(overdue_since)}.")
    return GroundWindow("b", overdue_since, deadline, True, "")


def objection_deadline(cal: Calendar, received_on: date):
    """The atasan answers within 30 working days of receipt (UU KIP Pasal 36(2))."""
    return explain_deadline(cal, received_on, OBJECTION_ANSWER_DAYS)


def objection_is_late(due_on: date, decided_on, today: date) -> bool:
    return (decided_on or today) > due_on


def check_decision_fits(decision, grounds, *, periodic=False) -> None:
    """A decision answers at least one of the objection's grounds (DECISION_GROUNDS); an
    objection naming no request (``periodic``, ground b) is upheld or ordered published,
    and only such an objection is ordered published (it names the obligations)."""
    member = ObjectionDecision.get(decision)
    if member is None:
        raise RuleError("Pilih putusan yang valid.")
    if periodic and member not in PERIODIC_DECISIONS:
        raise RuleError("Keberatan atas informasi berkala yang tidak disediakan (tanpa "
                        "permohonan) diputus dengan menguatkan PPID atau memerintahkan PPID "
                        "mengumumkan informasi berkala itu.")
    if not periodic and member is MENGUMUMKAN:
        raise RuleError("Perintah mengumumkan informasi berkala hanya untuk keberatan yang "
                        "menyebut kewajiban informasi berkala badan publik (tanpa "
                        "permohonan).")
    if not set(grounds or []) & DECISION_GROUNDS[member]:
        fits = ", ".join(sorted(DECISION_GROUNDS[member]))
        raise RuleError(f"Putusan '{member.text('id')}' hanya sesuai untuk keberatan dengan "
                        f"alasan huruf {fits} (UU KIP Pasal 35 ayat (1)).")


def order_deadline(cal: Calendar, decided_on: date, days: int):
    """The PPID carries out the atasan's order within ``days`` working days of the
    decision (ORDER_DAYS setting, default 10), with its working shown."""
    return explain_deadline(cal, decided_on, days, from_receipt=False)


def order_status(decision, order_due_on, carried_out_on, today: date):
    """An order's status (OrderStatus), or None for a decision that orders nothing."""
    if decision not in ORDER_DECISIONS or order_due_on is None:
        return None
    if carried_out_on is not None:
        return (OrderStatus.DILAKSANAKAN_TERLAMBAT if carried_out_on > order_due_on
                else OrderStatus.DILAKSANAKAN)
    return OrderStatus.TERLAMBAT if today > order_due_on else OrderStatus.BERJALAN


def check_order_execution(*, decision, order_due_on, carried_out_before, how, done_on,
                          decided_on, today, corrected_total=None) -> None:
    """What recording the carrying out of an order needs: an order not carried out yet, a
    way that fits it, a date between the decision and today, a corrected fee if the fee
    was corrected."""
    if decision not in ORDER_DECISIONS or order_due_on is None:
        raise RuleError("Putusan ini tidak memuat perintah yang harus dilaksanakan PPID.")
    if carried_out_before is not None:
        raise RuleError(f"Pelaksanaan putusan sudah dicatat pada {_day(carried_out_before)}.")
    if how not in ORDER_EXECUTIONS[ObjectionDecision(decision)]:
        allowed = "; ".join(m.text("id") for m in ORDER_EXECUTIONS[ObjectionDecision(decision)])
        raise RuleError(f"Cara pelaksanaan tidak sesuai dengan putusan; pilih: {allowed}.")
    if done_on is None:
        raise RuleError("Tanggal pelaksanaan wajib diisi.")
    if done_on < decided_on or done_on > today:
        raise RuleError(f"Tanggal pelaksanaan harus antara tanggal putusan "
                        f"({_day(decided_on)}) dan hari ini.")
    if how == OrderExecution.BIAYA_DIKOREKSI and (
            corrected_total is None or not isinstance(corrected_total, int)
            or corrected_total < 0):
        raise RuleError("Sebutkan biaya yang telah dikoreksi (Rp, bilangan bulat 0 atau lebih).")


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


# --- Letter numbers (DOMAIN.md section 13) ------------------------------------------------

_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")

# The placeholders a letter number's format may use.
LETTER_NUMBER_FIELDS = ("seq", "kind", "ppid", "prefix", "year", "month", "month_roman")


def ppid_code(letter_code, slug) -> str:
    """The PPID's code in its letter numbers: the one set for it, else its slug."""
    return (letter_code or "").strip() or (slug or "").upper()


def format_letter_number(fmt: str, *, seq: int, kind_code: str, ppid: str, prefix: str,
                         issued_on: date) -> str:
    """An outgoing letter number, e.g. ``007/SK-TOLAK/PPID-DINKES/2026`` from
    ``{seq:03d}/{kind}/PPID-{ppid}/{year}``; placeholders: LETTER_NUMBER_FIELDS."""
    return fmt.format(seq=seq, kind=kind_code, ppid=ppid, prefix=prefix, year=issued_on.year,
                      month=issued_on.month, month_roman=_ROMAN[issued_on.month - 1])


def check_letter_number_format(fmt: str, kind_codes: dict) -> None:
    """A bad setting fails at start-up: an unknown placeholder, no {seq} (numbers must
    differ), or a letter kind without its code."""
    if "{seq" not in (fmt or ""):
        raise ValueError(f"LETTER_NUMBER_FORMAT harus memuat {{seq}}: {fmt!r}")
    try:
        format_letter_number(fmt, seq=1, kind_code="X", ppid="P", prefix="P",
                             issued_on=date(2026, 1, 1))
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"LETTER_NUMBER_FORMAT tidak valid: {fmt!r} ({exc}); placeholder: "
                         f"{', '.join(LETTER_NUMBER_FIELDS)}") from None
    missing = [k.value for k in LetterKind if not (kind_codes or {}).get(k.value)]
    if missing:
        raise ValueError(f"LETTER_KIND_CODES tanpa kode untuk: {', '.join(missing)}")


def mask_identity(number: str) -> str:
    """Identity number for internal exports: first 4 and last 2 digits (DOMAIN.md 11)."""
    if not number:
        return ""
    if len(number) <= 6:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 6) + number[-2:]


# --- Personal data: retention and erasure (UU 27/2022; DOMAIN.md section 11) --------------

# The archive practice: a request's file is kept five years after it closed (issue #15).
DEFAULT_RETENTION_YEARS = 5

# The requester's personal data erased when the retention period ends, in this order (the
# power of attorney, a file, goes with them: ppid.info_requests.privacy). All of the
# model's PERSONAL_FIELDS: see ppid.info_requests.privacy for why the name and the
# occupation go too.
ERASED_FIELDS = ("requester_name", "identity_number", "address", "phone", "email",
                 "occupation", "proxy_name")
# How the purge's summary names them.
ERASED_FIELD_NAMES = {"requester_name": "nama", "identity_number": "nomor identitas",
                      "address": "alamat", "phone": "telepon", "email": "e-mail",
                      "occupation": "pekerjaan", "proxy_name": "nama kuasa",
                      "surat_kuasa": "surat kuasa", "requester_user": "tautan ke akun",
                      "objection_proxy": "identitas kuasa keberatan"}
# What a letter's frozen text shows where an erased value stood.
ERASED_MARK = "[dihapus]"


@dataclass(frozen=True)
class ObjectionStage:
    """What retention needs to know of one objection: decided when, and its dispute."""

    decided_on: date = None
    dispute_filed_on: date = None
    dispute_outcome: str = None
    dispute_recorded_on: date = None  # the last time its dispute was recorded


def handling_ended_on(state, closed_on, objections=()):
    """The day the handling of a request ended: the request closed (``selesai`` or
    ``ditarik``), every objection decided by the atasan (UU KIP Pasal 36), and every
    dispute taken to the Komisi Informasi recorded with an outcome other than ``dalam
    proses`` (Pasal 37-38). None while any of them is open: such a request is never
    purged, however old."""
    if state not in FINAL_STATES or closed_on is None:
        return None
    ended = closed_on
    for obj in objections:
        if obj.decided_on is None:
            return None
        ended = max(ended, obj.decided_on)
        if obj.dispute_filed_on is not None:
            if obj.dispute_outcome in (None, DisputeOutcome.DALAM_PROSES):
                return None
            ended = max(ended, obj.dispute_recorded_on or obj.dispute_filed_on)
    return ended


def add_years(day: date, years: int) -> date:
    """``day`` moved by whole years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def retention_ends_on(ended_on, years: int):
    """The day the personal data of a request whose handling ended on ``ended_on`` may be
    erased: ``years`` later (UU 27/2022 Pasal 16 ayat (2) huruf g: erased once the
    retention period ends). None while the handling has not ended."""
    if ended_on is None:
        return None
    return add_years(ended_on, years)


def is_retention_over(ended_on, years: int, today: date) -> bool:
    ends = retention_ends_on(ended_on, years)
    return ends is not None and today >= ends


def retention_cutoff(today: date, years: int) -> date:
    """A closing day no later than which every request whose retention is over today
    closed (what the purge's query narrows to; :func:`is_retention_over` decides). A day
    of margin for 29 February."""
    return add_years(today, -years) + timedelta(days=1)
