"""Forms of the satisfaction survey and its moderation: input checks only."""
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ppid.core.forms import BaseForm, max_length, no_control_chars, optional, required
from ppid.evaluation import rules

COMMENT_LIMIT = 2000
ANSWER_CHOICES = [SelectChoice(int(a.value), a.label) for a in rules.Answer]


def _element_field(element):
    return RadioField(element.label, choices=ANSWER_CHOICES, coerce=int,
                      validators=[InputRequired(message=_l("Pilih nilai 1 sampai 4."))])


class SurveyForm(BaseForm):
    u1 = _element_field(rules.Element.PERSYARATAN)
    u2 = _element_field(rules.Element.PROSEDUR)
    u3 = _element_field(rules.Element.WAKTU)
    u4 = _element_field(rules.Element.BIAYA)
    u5 = _element_field(rules.Element.PRODUK)
    u6 = _element_field(rules.Element.KOMPETENSI)
    u7 = _element_field(rules.Element.PERILAKU)
    u8 = _element_field(rules.Element.PENGADUAN)
    u9 = _element_field(rules.Element.SARANA)
    comment = TextAreaField(_l("Saran atau komentar (tidak wajib)"),
                            validators=[optional(), max_length(COMMENT_LIMIT), no_control_chars],
                            description=_l("Jangan menulis data pribadi. Komentar dibaca "
                                           "petugas PPID dan hanya ditampilkan untuk publik "
                                           "setelah diperiksa."))

    def element_fields(self):
        return [self[el.value] for el in rules.ELEMENTS]


class ModerateForm(BaseForm):
    survey_id = IntegerField(validators=[required()])
    state = SelectField(_l("Keputusan"), choices=[SelectChoice(v, label) for v, label in (
        rules.CommentState.choices((rules.CommentState.DISETUJUI,
                                    rules.CommentState.DITOLAK)))], validators=[required()])
