"""Forms of the satisfaction survey and its moderation, and of the E-Monev self-assessment
(attestations, the year's weights): input checks only."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from ppid.core.forms import (BaseForm, DateField, max_length, no_control_chars, optional,
                             required, required_input)
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


# --- The E-Monev self-assessment ---------------------------------------------------------------

class AttestForm(BaseForm):
    """An officer's attestation of one question, with its evidence and validity period."""

    question = SelectField(_l("Pertanyaan"), choices=[
        SelectChoice(q.value, q.label) for q in rules.ATTESTED_QUESTIONS],
        validators=[required()])
    statement = TextAreaField(_l("Pernyataan"), validators=[required(), max_length(500),
                                                            no_control_chars],
                              description=_l("Contoh: SK Gubernur Nomor 123 Tahun 2026 "
                                             "tentang PPID, ditandatangani 2 Januari 2026."))
    valid_from = DateField(_l("Berlaku sejak"), validators=[required_input()])
    valid_until = DateField(_l("Berlaku sampai"), validators=[required_input()],
                            years_ahead=10,
                            description=_l("Bukti berhenti dihitung sesudah tanggal ini, dan "
                                           "petugas diingatkan sebelum berakhir."))
    document = FileField(_l("Berkas bukti"),
                         description=_l("PDF, PNG atau JPEG, paling besar 2 MB (batas Komisi "
                                        "Informasi untuk satu pertanyaan)."))


class WithdrawAttestationForm(BaseForm):
    reason = TextAreaField(_l("Alasan penarikan"), validators=[required(), max_length(500),
                                                               no_control_chars])


def weights_form_class():
    """A form with one whole-number field per indicator."""
    fields = {ind.value: IntegerField(ind.label, validators=[
        InputRequired(message=_l("Isi bobot 0 sampai 100.")),
        NumberRange(0, 100, message=_l("Bobot harus 0 sampai 100."))])
        for ind in rules.INDICATORS}
    return type("WeightsForm", (BaseForm,), fields)
