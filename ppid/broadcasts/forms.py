"""Forms of broadcasts and following (CSRF on every one: ppid.core.forms.BaseForm)."""
from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField

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


class FollowForm(BaseForm):
    email = StringField(_l("E-mail"), validators=[required(), max_length(320),
                                                  email_address()])
