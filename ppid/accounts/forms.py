from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, ValidationError

from ppid.core import auth
from ppid.core.forms import BaseForm, email_address, max_length, no_control_chars, required


class LoginForm(BaseForm):
    email = EmailField(_l("E-mail"), validators=[required(), email_address(), max_length(320)])
    password = PasswordField(_l("Kata sandi"), validators=[required(), max_length(200)])
    remember = BooleanField(_l("Ingat saya di perangkat ini"))


class PasswordResetRequestForm(BaseForm):
    email = EmailField(_l("E-mail"), validators=[required(), email_address(), max_length(320)])


def password_strength(form, field):
    from flask import current_app
    n = int(current_app.config["PASSWORD_MIN_LENGTH"])
    value = field.data or ""
    if len(value) < n:
        raise ValidationError(_l("Kata sandi minimal %(n)d karakter.", n=n))
    if value.isdigit() or value.lower() == value and value.isalpha():
        raise ValidationError(_l("Gunakan campuran huruf dan angka atau tanda baca."))


class PasswordSetForm(BaseForm):
    password = PasswordField(_l("Kata sandi baru"),
                             validators=[required(), max_length(200), password_strength])
    confirm = PasswordField(_l("Ulangi kata sandi baru"), validators=[
        required(), EqualTo("password", message=_l("Kedua kata sandi tidak sama."))])


class UserForm(BaseForm):
    name = StringField(_l("Nama lengkap"), validators=[required(), max_length(200),
                                                       no_control_chars])
    email = EmailField(_l("E-mail"), validators=[required(), email_address(), max_length(320)])
    is_enabled = BooleanField(_l("Akun aktif"), default=True)


class RoleForm(BaseForm):
    role = SelectField(_l("Peran"), choices=[], validators=[required()])
    agency_id = SelectField(_l("Badan publik / PPID"), choices=[], coerce=int, default=0)

    def __init__(self, agencies, **kw):
        super().__init__(**kw)
        self.role.choices = [(r, auth.ROLE_LABELS[r]) for r in auth.ROLES]
        self.agency_id.choices = [(0, _l("— tidak terikat badan publik —"))] + [
            (a.id, a.name) for a in agencies]

    def validate_agency_id(self, field):
        if self.role.data in auth.AGENCY_BOUND_ROLES and not field.data:
            raise ValidationError(_l("Peran ini harus terikat pada satu badan publik."))
        if self.role.data not in auth.AGENCY_BOUND_ROLES and field.data:
            raise ValidationError(_l("Peran ini tidak terikat pada badan publik; "
                                     "kosongkan pilihan ini."))


class SignupForm(BaseForm):
    """Citizens create their own account to follow their requests in one place."""

    name = StringField(_l("Nama lengkap"), validators=[required(), max_length(200),
                                                       no_control_chars])
    email = EmailField(_l("E-mail"), validators=[required(), email_address(), max_length(320)])
    password = PasswordField(_l("Kata sandi"), description=_l(
        "Minimal 10 karakter, campuran huruf dan angka atau tanda baca."),
        validators=[required(), max_length(200), password_strength])
    confirm = PasswordField(_l("Ulangi kata sandi"), validators=[
        required(), EqualTo("password", message=_l("Kedua kata sandi tidak sama."))])
    # Honeypot: hidden from people (and screen readers), filled in by bots.
    website = StringField(_l("Jangan diisi"))
