"""Form helpers: validators with messages in the user's language, shared field shapes."""
import re
from datetime import date, datetime

import wtforms
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import ValidationError
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from ppid.core import dates


def required(message=None):
    return DataRequired(message=message or _l("Wajib diisi."))


def required_input(message=None):
    return InputRequired(message=message or _l("Wajib diisi."))


def max_length(n):
    return Length(max=n, message=_l("Paling banyak %(n)d karakter.", n=n))


def email_address():
    # check_deliverability=False: no DNS look-ups while validating a form.
    return Email(message=_l("Alamat e-mail tidak valid (contoh: nama@domain.go.id)."),
                 check_deliverability=False)


def optional():
    return Optional()


_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slug_format(form, field):
    if field.data and not _SLUG.match(field.data):
        raise ValidationError(_l("Gunakan huruf kecil, angka dan tanda hubung saja "
                                 "(contoh: dinas-kesehatan)."))


# Control characters other than tab and line breaks: never typed, and PostgreSQL refuses
# NUL in text (a 500 at the INSERT).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CONTROL_CHARS_MESSAGE = _l("Isian mengandung karakter yang tidak diizinkan.")


def no_control_chars(form, field):
    if field.data and isinstance(field.data, str) and _CONTROL.search(field.data):
        raise ValidationError(CONTROL_CHARS_MESSAGE)


# --- Dates ---------------------------------------------------------------------------------

EARLIEST_DATE = date(1900, 1, 1)


def _years_after(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class BoundedDates:
    """A date or date-time field that refuses, with a message, a day outside
    [``earliest``, ``latest``]: by default 1 January 1900 to today plus ``years_ahead``
    years (the configured ``DATE_YEARS_AHEAD`` unless the field needs more). WTForms takes any year from 1 to 9999, which overflows
    deadline arithmetic and the conversion of a local time to UTC, and was never meant.
    Fields with a tighter legal range (a receipt time) keep their own checks as well."""

    def __init__(self, label=None, validators=None, *, earliest=None, latest=None,
                 years_ahead=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.earliest, self.latest = earliest or EARLIEST_DATE, latest
        self.years_ahead = years_ahead

    def bounds(self):
        latest = self.latest
        if latest is None:
            from flask import current_app

            from ppid.core.services import local_today
            years = self.years_ahead or int(current_app.config["DATE_YEARS_AHEAD"])
            latest = _years_after(local_today(), years)
        return self.earliest, latest

    def pre_validate(self, form):
        super().pre_validate(form)
        value = self.data
        if value is None:
            return
        day = value.date() if isinstance(value, datetime) else value
        lo, hi = self.bounds()
        if not lo <= day <= hi:
            raise ValidationError(_("Tanggal harus antara %(lo)s dan %(hi)s.",
                                    lo=dates.date_long(lo), hi=dates.date_long(hi)))


class DateField(BoundedDates, wtforms.DateField):
    """The date field of every form (see :class:`BoundedDates`)."""


class DateTimeLocalField(BoundedDates, wtforms.DateTimeLocalField):
    """The local date-time field of every form (see :class:`BoundedDates`)."""


# WTForms ships no Indonesian catalogue; its built-in messages are translated here.
WTFORMS_ID = {
    "This field is required.": "Wajib diisi.",
    "Not a valid date value.": "Isi tanggal yang valid (format TTTT-BB-HH).",
    "Not a valid datetime value.": "Isi tanggal dan waktu yang valid.",
    "Not a valid time value.": "Isi waktu yang valid (JJ:MM).",
    "Not a valid integer value.": "Isi bilangan bulat.",
    "Not a valid decimal value.": "Isi angka yang valid.",
    "Not a valid float value.": "Isi angka yang valid.",
    "Not a valid choice.": "Pilihan tidak valid.",
    "Not a valid choice": "Pilihan tidak valid.",
    "Invalid Choice: could not coerce.": "Pilihan tidak valid.",
    "Invalid email address.": "Alamat e-mail tidak valid.",
    "Invalid URL.": "Alamat situs tidak valid.",
    "Invalid input.": "Isian tidak valid.",
    "Field must be equal to %(other_name)s.": "Isian harus sama dengan %(other_name)s.",
    "Number must be at least %(min)s.": "Angka paling kecil %(min)s.",
    "Number must be at most %(max)s.": "Angka paling besar %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Angka harus antara %(min)s dan %(max)s.",
    "Date must be at least %(min)s.": "Tanggal paling awal %(min)s.",
    "Date must be at most %(max)s.": "Tanggal paling akhir %(max)s.",
    "Date must be between %(min)s and %(max)s.": "Tanggal harus antara %(min)s dan %(max)s.",
    "Field must be at least %(min)d character long.": "Paling sedikit %(min)d karakter.",
    "Field must be at least %(min)d characters long.": "Paling sedikit %(min)d karakter.",
    "Field cannot be longer than %(max)d character.": "Paling banyak %(max)d karakter.",
    "Field cannot be longer than %(max)d characters.": "Paling banyak %(max)d karakter.",
    "This field cannot be edited.": "Isian ini tidak dapat diubah.",
    "This field is disabled and cannot have a value.": "Isian ini nonaktif dan harus kosong.",
    "The CSRF token is missing.": "Token formulir (CSRF) tidak ada; muat ulang halaman.",
    "The CSRF token has expired.": "Formulir kedaluwarsa; muat ulang halaman.",
    "The CSRF token is invalid.": "Token formulir (CSRF) tidak sah; muat ulang halaman.",
    "The CSRF tokens do not match.": "Token formulir (CSRF) tidak cocok; muat ulang halaman.",
}


class _WTFormsTranslations:
    """Indonesian for WTForms' built-in messages when the page is in Indonesian."""

    def _indonesian(self):
        from flask_babel import get_locale
        locale = get_locale()
        return locale is None or locale.language == "id"

    def gettext(self, string):
        return WTFORMS_ID.get(string, string) if self._indonesian() else string

    def ngettext(self, singular, plural, n):
        string = singular if n == 1 else plural
        return WTFORMS_ID.get(string, string) if self._indonesian() else string


_TRANSLATIONS = _WTFormsTranslations()


class BaseForm(FlaskForm):
    """All forms: CSRF on, surrounding whitespace stripped from text, control characters
    refused in every text (with the field's error), messages localised."""

    class Meta:
        def get_translations(self, form):
            return _TRANSLATIONS

        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if _strip not in filters:
                filters = [_strip, _refuse_control_chars, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)

        def render_field(self, field, render_kw):
            # The CSRF field is hidden and never labelled: rendered without an id, so a page
            # holding several forms does not repeat id="csrf_token" (issue #17).
            if field.type == "CSRFTokenField":
                render_kw = {**render_kw, "id": False}
            # An attribute given as None is left out, not written as the word "None"
            # (``aria-describedby=... if errors else None`` in a template).
            merged = {**(field.render_kw or {}), **render_kw}
            return field.widget(field, **{k: v for k, v in merged.items() if v is not None})


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _refuse_control_chars(value):
    # A filter's ValueError becomes the field's error (WTForms' process_errors).
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValueError(CONTROL_CHARS_MESSAGE)
    return value


class ConfirmForm(BaseForm):
    """A bare form for POST buttons (CSRF token only)."""
