"""Forms of broadcasts and following (CSRF on every one: ppid.core.forms.BaseForm)."""
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice

from ppid.core.forms import BaseForm, email_address, max_length, no_control_chars, required
from ppid.broadcasts import rules


class UpdateForm(BaseForm):
    body = TextAreaField(_l("Kabar terbaru"), validators=[
        required(), max_length(rules.MAX_UPDATE_CHARS), no_control_chars],
        description=_l("Apa yang berubah sejak kabar sebelumnya: keadaan, wilayah terdampak, "
                       "yang harus dilakukan warga, tempat bantuan."))


class EndForm(BaseForm):
    note = TextAreaField(_l("Mengapa siaran diakhiri"), validators=[
        required(), max_length(rules.MAX_NOTE_CHARS), no_control_chars],
        description=_l("Tampil di halaman siaran, misalnya: air telah surut dan pengungsi "
                       "sudah kembali ke rumah."))


_FREQUENCY_MESSAGE = _l("Pilih frekuensi ringkasan: harian atau mingguan.")


def _known_frequency(form, field):
    if rules.Frequency.get(field.data) is None:
        raise ValidationError(_FREQUENCY_MESSAGE)


def _frequency():
    return RadioField(_l("Ringkasan informasi baru"),
                      choices=[SelectChoice(v, label) for v, label in rules.Frequency.choices()],
                      default=rules.HARIAN, validate_choice=False,
                      validators=[required(_FREQUENCY_MESSAGE), _known_frequency],
                      description=_l("Informasi serta-merta selalu dikirim segera."))


class FollowForm(BaseForm):
    email = StringField(_l("E-mail"), validators=[required(), max_length(320),
                                                  email_address()])
    frequency = _frequency()


class SignedInFollowForm(BaseForm):
    """A signed-in citizen follows with the account's address: only the frequency."""
    frequency = _frequency()


class FrequencyForm(BaseForm):
    frequency = _frequency()
