"""Form helpers: validators with messages in the user's language, shared field shapes."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import ValidationError
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional


def required(message=None):
    return DataRequired(message=message or _l("Wajib diisi."))


def required_input(message=None):
    return InputRequired(message=message or _l("Wajib diisi."))


def max_length(n):
    return Length(max=n, message=_l("Paling banyak %(n)d karakter.", n=n))


def length_between(lo, hi):
    return Length(min=lo, max=hi, message=_l("Harus %(lo)d sampai %(hi)d karakter.", lo=lo, hi=hi))


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


def no_control_chars(form, field):
    if field.data and isinstance(field.data, str) and re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]",
                                                                 field.data):
        raise ValidationError(_l("Isian mengandung karakter yang tidak diizinkan."))


class BaseForm(FlaskForm):
    """All forms: CSRF on, surrounding whitespace stripped from text."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if _strip not in filters:
                filters = [_strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ConfirmForm(BaseForm):
    """A bare form for POST buttons (CSRF token only)."""
