import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, ValidationError

from ppid.accounts import rules
from ppid.core import auth
from ppid.core.forms import BaseForm, email_address, max_length, no_control_chars, required


def _nfkc(value):
    # Full-width letters and signs (＠) become ordinary ones before the address is checked.
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


def account_email(form, field):
    """An address an account may carry: one script per part, not too long once normalised."""
    problem = rules.email_problem(field.data or "")
    if problem:
        raise ValidationError(rules.EMAIL_PROBLEMS[problem])


def nip_field(label=_l("NIP")):
    """An optional NIP (18 digits, its parts checked: rules.nip_problem); spaces and dots
    typed between its parts are dropped."""
    def check(form, field):
        problem = rules.nip_problem(field.data)
        if problem:
            raise ValidationError(problem)
    return StringField(label, filters=[rules.clean_nip], validators=[check],
                       description=_l("18 angka, misalnya 198503122010011003."))


class ProfileForm(BaseForm):
    """An officer's position and NIP: the signature block of the letters they sign."""

    position = StringField(_l("Jabatan"), filters=[lambda v: (v or "").strip() or None],
                           validators=[max_length(200), no_control_chars])
    nip = nip_field()


def email_field(label=_l("E-mail"), *, new_address=True):
    """The e-mail field of every accounts form; ``new_address``: one being set (sign-up,
    officer forms, e-mail change), checked for look-alike letters too."""
    validators = [required(), email_address(), max_length(320)]
    return EmailField(label, filters=[_nfkc],
                      validators=validators + ([account_email] if new_address else []))


class LoginForm(BaseForm):
    email = email_field(new_address=False)
    password = PasswordField(_l("Kata sandi"), validators=[required(), max_length(200)])
    remember = BooleanField(_l("Ingat saya di perangkat ini"))


class PasswordResetRequestForm(BaseForm):
    email = email_field(new_address=False)


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


def current_password_field():
    return PasswordField(_l("Kata sandi saat ini"), validators=[required(), max_length(200)])


class PasswordChangeForm(PasswordSetForm):
    """The owner's own change: the current password first (a stolen session alone cannot
    lock the owner out)."""

    current_password = current_password_field()


class EmailChangeForm(BaseForm):
    new_email = email_field(_l("E-mail baru"))
    current_password = current_password_field()


class UserForm(BaseForm):
    name = StringField(_l("Nama lengkap"), validators=[required(), max_length(200),
                                                       no_control_chars])
    email = email_field()
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
    email = email_field()
    password = PasswordField(_l("Kata sandi"), description=_l(
        "Minimal 10 karakter, campuran huruf dan angka atau tanda baca."),
        validators=[required(), max_length(200), password_strength])
    confirm = PasswordField(_l("Ulangi kata sandi"), validators=[
        required(), EqualTo("password", message=_l("Kedua kata sandi tidak sama."))])
    # Honeypot: hidden from people (and screen readers), filled in by bots.
    website = StringField(_l("Jangan diisi"))
