"""The fields of an information request (Perki 1/2021 formulir permohonan; DOMAIN.md
section 7): their one check, for the web form and the JSON API alike, and the limits and
patterns the OpenAPI document states (``ppid/reports/openapi.py``), so the three cannot
disagree. Pure: no app, no database; the known agencies are an argument.

Values are checked as sent: a limit counts every character sent, whitespace around a value
is ignored and dropped, a value of only whitespace is no value. The web form and the API
adapt their input to this (the form's select boxes and the API's ``null`` both mean "not
given") and map the errors back to their own fields.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ppid.core import patterns
from ppid.info_requests.rules import (IDENTITY_PATTERNS, CopyForm, DeliveryMethod,
                                      IdentityType, ObtainMethod, identity_number_problem)

# The fields the check reads, in the order of the form.
FIELDS = ("name", "identity_type", "identity_number", "address", "phone", "email",
          "occupation", "proxy_name", "information", "purpose", "obtain_method", "copy_form",
          "delivery", "agency")
LIMITS = {"name": 200, "identity_number": 50, "address": 500, "phone": 30, "email": 254,
          "occupation": 100, "proxy_name": 200, "information": 5000, "purpose": 2000}
# Needed from everyone; an officer's entry may give a telephone number instead of e-mail.
REQUIRED = ("name", "identity_number", "address", "information", "purpose")

# Bodies of the patterns (see ppid.core.patterns): what a value must be once stripped.
# An identity number's is its type's structure rule (rules.IDENTITY_PATTERNS, which agree
# with rules.identity_number_problem: tests/unit/test_identity_numbers.py).
NIK = IDENTITY_PATTERNS[IdentityType.NIK]
PHONE = "[0-9+()-][0-9+() -]{4,28}[0-9+()-]"  # 6 to 30 characters
_ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = f"{_ATOM}(?:\\.{_ATOM})*@(?:{_LABEL}\\.)+[A-Za-z]{{2,63}}"
TEXT = patterns.TEXT
PATTERNS = {"name": TEXT, "address": TEXT, "occupation": TEXT, "proxy_name": TEXT,
            "information": TEXT, "purpose": TEXT, "phone": PHONE, "email": EMAIL}

REQUIRED_MESSAGE = _l("Wajib diisi.")
NOT_TEXT = _l("Harus berupa teks.")
UNKNOWN_AGENCY = _l("Badan publik tidak dikenal. Pilih dari daftar.")
NEEDS_POWER_OF_ATTORNEY = _l("Lampirkan surat kuasa jika permohonan diajukan melalui kuasa.")
_MESSAGES = {
    TEXT: _l("Isian mengandung karakter yang tidak diizinkan."),
    PHONE: _l("Nomor telepon hanya boleh berisi angka, spasi, +, - dan tanda kurung."),
    EMAIL: _l("Alamat e-mail tidak valid (contoh: nama@domain.go.id)."),
}
_CHOICE_MESSAGES = {
    "identity_type": _l("Pilih jenis identitas yang valid."),
    "obtain_method": _l("Pilih cara memperoleh yang valid."),
    "copy_form": _l("Pilih bentuk salinan yang valid."),
    "delivery": _l("Cara pengiriman tidak dikenal. Pilih: langsung, kurir, pos, faksimili, "
                   "atau email."),
}
CHOICES = {"identity_type": IdentityType.codes(), "obtain_method": ObtainMethod.codes(),
           "copy_form": CopyForm.codes(), "delivery": DeliveryMethod.codes()}


@dataclass(frozen=True)
class Checked:
    """The outcome of :func:`check`: the cleaned values (``agency`` is the slug) and, per
    field, what is wrong. ``unknown_agency`` says the only fault of the agency is that no
    active agency has that slug (the API answers it as not found)."""

    values: dict
    errors: dict
    unknown_agency: bool = False

    @property
    def ok(self):
        return not self.errors


def identity_pattern(identity_type):
    """The body an identity number of this type must fit (None or an unknown type: a NIK's;
    an unknown type is refused on its own)."""
    return IDENTITY_PATTERNS.get(identity_type, NIK) if isinstance(identity_type, str) else NIK


def check(sent, *, agencies, has_power_of_attorney, online=True):
    """Check a request's fields as sent (``sent[name]`` a str, or None/absent when not
    given; anything else is refused as not text).

    ``agencies`` holds the slugs of the active agencies it may be addressed to;
    ``has_power_of_attorney`` says whether a surat kuasa came with it (a request through a
    proxy needs one); ``online`` is a citizen's own submission, whose receipt goes to their
    e-mail (an officer's entry needs a telephone number or an e-mail address).
    """
    errors, values = {}, {}
    for name in ("name", "address", "phone", "email", "occupation", "proxy_name",
                 "information", "purpose"):
        values[name] = _text(sent, name, errors, required=name in REQUIRED or (
            name == "email" and online))
    _identity_number(sent, errors, values)
    values["obtain_method"] = _choice(sent, "obtain_method", errors)
    values["copy_form"] = _choice(sent, "copy_form", errors, blank=True)
    if values["obtain_method"] == ObtainMethod.SALINAN and values["copy_form"] is None \
            and "copy_form" not in errors:
        errors["copy_form"] = _l("Pilih bentuk salinan (softcopy atau hardcopy).")
    values["delivery"] = _choice(sent, "delivery", errors)
    if not online and values["phone"] is None and values["email"] is None \
            and not {"phone", "email"} & set(errors):
        errors["phone"] = _l("Isi nomor telepon atau alamat e-mail pemohon.")
    if values["proxy_name"] is not None and not has_power_of_attorney:
        errors["proxy_letter"] = NEEDS_POWER_OF_ATTORNEY
    agency = sent.get("agency")
    if agency is not None and not isinstance(agency, str):
        errors["agency"] = NOT_TEXT
    elif agency not in agencies:
        errors["agency"] = UNKNOWN_AGENCY
    values["agency"] = agency
    unknown = "agency" in errors and isinstance(agency, str)
    return Checked(values, errors, unknown)


def _identity_number(sent, errors, values):
    nik = IdentityType.NIK.value
    values["identity_type"] = _choice(sent, "identity_type", errors, default=nik) or nik
    kind = sent.get("identity_type")
    kind = kind if isinstance(kind, str) and kind in IDENTITY_PATTERNS else None
    values["identity_number"] = _text(sent, "identity_number", errors, required=True,
                                      body=identity_pattern(kind))
    if "identity_number" in errors and errors["identity_number"] is None:
        # The structure of a NIK, passport, SIM or decree number: say what is wrong.
        errors["identity_number"] = identity_number_problem(
            kind, values["identity_number"]) or _l("Nomor identitas tidak sesuai dengan "
                                                   "jenisnya.")


# The objector's identity on an objection naming no request (Perki 1/2021 formulir
# keberatan): the request form's identity fields, checked by the same rules.
IDENTITY_FIELDS = ("name", "identity_type", "identity_number", "address", "phone", "email",
                   "occupation")


def check_identity(sent, *, online=True):
    """Check the identity fields of an objection without a request as :func:`check` checks
    a request's: the same limits, patterns and identity-number rules; online, an e-mail
    address; an officer's entry, a telephone number or an e-mail address."""
    errors, values = {}, {}
    for name in ("name", "address", "phone", "email", "occupation"):
        values[name] = _text(sent, name, errors, required=name in REQUIRED or (
            name == "email" and online))
    _identity_number(sent, errors, values)
    if not online and values["phone"] is None and values["email"] is None \
            and not {"phone", "email"} & set(errors):
        errors["phone"] = _l("Isi nomor telepon atau alamat e-mail pemohon.")
    return Checked(values, errors)


def _text(sent, name, errors, *, required, body=None):
    """The stripped value of a text field, or None when not given; records what is wrong."""
    value = sent.get(name)
    if value is not None and not isinstance(value, str):
        errors[name] = NOT_TEXT
        return None
    if value is not None and len(value) > LIMITS[name]:
        errors[name] = _l("Paling banyak %(n)d karakter.", n=LIMITS[name])
        return None
    value = (value or "").strip()
    if not value:
        if required:
            errors[name] = REQUIRED_MESSAGE
        return None
    body = body or PATTERNS[name]
    if not patterns.matches(body, value):
        # (an identity number's message is its rule's: check() gives it)
        errors[name] = _MESSAGES.get(body)
    return value


def _choice(sent, name, errors, *, default=None, blank=False):
    """One of the field's codes, or ``default`` when not given (``""`` too, if ``blank``)."""
    value = sent.get(name)
    if value is None or (blank and value == ""):
        if default is None and not blank:
            errors[name] = _CHOICE_MESSAGES[name]
        return default
    if value not in CHOICES[name]:
        errors[name] = _CHOICE_MESSAGES[name]
        return None
    return value
