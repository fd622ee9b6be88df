"""Pure rules of accounts: e-mail addresses, session lifetimes, reset-mail throttling.

No app, no database, no clock: limits and ``now`` are arguments.
"""
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

EMAIL_MAX_LENGTH = 320


# --- E-mail addresses ------------------------------------------------------------------

class InvalidEmail(ValueError):
    """An address no account may carry (see :func:`email_problem`)."""

    def __init__(self, problem):
        super().__init__(str(EMAIL_PROBLEMS[problem]))
        self.problem = problem


MIXED_SCRIPTS = "mixed_scripts"
TOO_LONG = "too_long"
EMAIL_PROBLEMS = {
    MIXED_SCRIPTS: _l("Alamat e-mail ini mencampur huruf dari beberapa aksara (misalnya huruf "
                      "Latin dengan huruf Sirilik atau Yunani yang tampak sama), sehingga "
                      "mudah tertukar dengan alamat lain. Ketik ulang alamat Anda dengan satu "
                      "jenis huruf saja."),
    TOO_LONG: _l("Alamat e-mail terlalu panjang (paling banyak %(n)d karakter).",
                 n=EMAIL_MAX_LENGTH),
}


def stored_email(address: str) -> str:
    """The form an address is stored and mailed in: NFKC (full-width letters become
    ordinary ones), trimmed, lower case as the registry has always kept it."""
    return unicodedata.normalize("NFKC", (address or "").strip()).lower()


def canonical_email(address: str) -> str:
    """The form addresses are compared in (login, sign-up, reset, e-mail change, the unique
    index): NFKC-normalised and case-folded, so ``Warga@…``, ``ｗａｒｇａ@…`` and
    ``warga@…`` are one address."""
    return unicodedata.normalize("NFKC", stored_email(address).casefold())


# Scripts that UTS #39 ("highly restrictive") lets share one label with Latin.
_HAN_FAMILY = {"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO"}


def _script(ch):
    """The script of a letter, from its Unicode name (``CYRILLIC SMALL LETTER A``)."""
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def _mixes_scripts(part: str) -> bool:
    scripts = {_script(ch) for ch in part if ch.isalpha()}
    if len(scripts) <= 1:
        return False
    return not scripts <= ({"LATIN"} | _HAN_FAMILY)


def _unicode_label(label: str) -> str:
    if label.lower().startswith("xn--"):
        try:
            return label.encode("ascii").decode("idna")
        except UnicodeError:
            return label
    return label


def email_problem(address: str):
    """Why no account may carry ``address`` (a key of EMAIL_PROBLEMS), or None.

    Each part (the local part, every label of the domain, punycode decoded) must be written
    in one script: ``wаrga`` with a Cyrillic ``а`` looks like ``warga`` and would let one
    account pass for another (UTS #39, mixed-script confusables).
    """
    value = stored_email(address)
    if len(value) > EMAIL_MAX_LENGTH:
        return TOO_LONG
    local, _at, domain = value.rpartition("@")
    parts = [local or value] + [_unicode_label(label) for label in domain.split(".") if label]
    if any(_mixes_scripts(part) for part in parts):
        return MIXED_SCRIPTS
    return None


def check_email(address: str) -> str:
    """The stored form of ``address``; raises InvalidEmail when no account may carry it."""
    problem = email_problem(address)
    if problem:
        raise InvalidEmail(problem)
    return stored_email(address)


# --- Session lifetimes -----------------------------------------------------------------

IDLE = "idle"
ABSOLUTE = "absolute"
REVOKED = "revoked"


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta | None       # None: no idle limit
    absolute: timedelta


def session_expiry(limits: SessionLimits, *, issued_at: datetime, seen_at: datetime | None,
                   now: datetime):
    """IDLE or ABSOLUTE when a login must end now, None while it may go on.

    ``issued_at`` is when the user signed in (it travels in the signed session and the
    remember-me cookie); ``seen_at`` the last request of this browser session (None when
    the session is being restored from the remember-me cookie).
    """
    if now - issued_at > limits.absolute or issued_at - now > timedelta(minutes=5):
        return ABSOLUTE
    if limits.idle is not None and seen_at is not None and now - seen_at > limits.idle:
        return IDLE
    return None


# --- Password-reset mail throttling -----------------------------------------------------

@dataclass(frozen=True)
class ResetLimits:
    interval: timedelta          # one mail per address per interval
    per_address_ip: int          # mails to one address asked from one IP, per day
    address_ip_window: timedelta
    per_ip: int                  # requests from one IP (any address) per interval


def reset_mail_allowed(limits: ResetLimits, *, last_mail_at, mails_to_address_from_ip: int,
                       requests_from_ip: int, now: datetime) -> bool:
    """May a reset mail go to this address now? The counts are over the windows of
    ``limits`` and exclude the request being decided."""
    if last_mail_at is not None and now - last_mail_at < limits.interval:
        return False
    if mails_to_address_from_ip >= limits.per_address_ip:
        return False
    return requests_from_ip < limits.per_ip


# --- NIP (Nomor Induk Pegawai) ------------------------------------------------------------

NIP_LENGTH = 18


def nip_problem(nip):
    """Why ``nip`` is no NIP of a civil servant (PP 11/2017 and the BKN's numbering), or
    None. 18 digits: the date of birth (YYYYMMDD), the month of appointment (YYYYMM, after
    the birth), the sex (1 or 2) and a sequence number (not 000). Empty is no problem (the
    field is optional); the caller strips spaces."""
    from datetime import date
    if not nip:
        return None
    if not nip.isdigit() or len(nip) != NIP_LENGTH or not nip.isascii():
        return _l("NIP terdiri atas 18 angka (tanpa spasi atau tanda baca).")
    try:
        born = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return _l("Delapan angka pertama NIP harus tanggal lahir yang ada (TTTTBBHH).")
    year, month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= month <= 12 or year <= born.year:
        return _l("Angka ke-9 sampai ke-14 NIP harus tahun dan bulan pengangkatan (TTTTBB) "
                  "setelah tahun lahir.")
    if nip[14] not in "12":
        return _l("Angka ke-15 NIP (jenis kelamin) harus 1 atau 2.")
    if nip[15:] == "000":
        return _l("Tiga angka terakhir NIP (nomor urut) tidak boleh 000.")
    return None


def clean_nip(value):
    """A NIP as typed (spaces and dots often separate its parts) as stored: digits only."""
    return "".join(ch for ch in (value or "") if not ch.isspace() and ch not in ".-") or None
