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

    question = SelectField(_l("Pertanyaan"), choices=[], validators=[required()])
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

    def __init__(self, *args, **kwargs):
        from ppid.evaluation.assessment import attested_question_choices
        super().__init__(*args, **kwargs)
        # This year's attested questions (the year's set: an added one too).
        self.question.choices = [SelectChoice(v, label)
                                 for v, label in attested_question_choices()]


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


def questions_form_class(asked, free_computations):
    """One indicator's questions of a year (``asked``, rules.QuestionDef): for each, its
    text (Indonesian, English), legal basis, weight within the indicator and whether it is
    retired; and one new question (code, how it is answered, its computation among
    ``free_computations``, its texts, basis and weight). The sums are the rule's
    (rules.check_question_set)."""
    from wtforms import BooleanField, StringField
    from wtforms.validators import Optional as OptionalValue
    fields = {}
    for q in asked:
        fields[f"w_{q.value}"] = IntegerField(_l("Bobot %(q)s (persen)", q=q.value), validators=[
            InputRequired(message=_l("Isi bobot 0 sampai 100.")),
            NumberRange(0, 100, message=_l("Bobot harus 0 sampai 100."))])
        fields[f"t_{q.value}"] = StringField(_l("Teks pertanyaan %(q)s", q=q.value),
                                             validators=[optional(), max_length(300),
                                                         no_control_chars])
        fields[f"en_{q.value}"] = StringField(_l("Teks dalam bahasa Inggris %(q)s", q=q.value),
                                              validators=[optional(), max_length(300),
                                                          no_control_chars])
        fields[f"b_{q.value}"] = StringField(_l("Dasar hukum %(q)s", q=q.value),
                                             validators=[optional(), max_length(200),
                                                         no_control_chars])
        fields[f"r_{q.value}"] = BooleanField(_l("Hentikan %(q)s", q=q.value))
    fields["new_code"] = StringField(_l("Kode pertanyaan baru"), validators=[
        optional(), max_length(30), no_control_chars],
        description=_l("Huruf kecil, angka dan garis bawah, misalnya ko_sop_keberatan. "
                       "Kosongkan bila tidak menambah pertanyaan."))
    fields["new_kind"] = SelectField(_l("Cara menjawab"), choices=[
        SelectChoice(v, label) for v, label in rules.QuestionKind.choices()],
        default=rules.QuestionKind.DINYATAKAN.value)
    fields["new_computation"] = SelectField(_l("Perhitungan (untuk pertanyaan yang dihitung)"),
                                            choices=[SelectChoice("", "—")] + [
        SelectChoice(c.value, c.label) for c in free_computations])
    fields["new_text"] = StringField(_l("Teks pertanyaan baru"), validators=[
        optional(), max_length(300), no_control_chars])
    fields["new_text_en"] = StringField(_l("Teks pertanyaan baru dalam bahasa Inggris"),
                                        validators=[optional(), max_length(300),
                                                    no_control_chars])
    fields["new_basis"] = StringField(_l("Dasar hukum pertanyaan baru"), validators=[
        optional(), max_length(200), no_control_chars])
    fields["new_weight"] = IntegerField(_l("Bobot pertanyaan baru (persen)"), validators=[
        OptionalValue(), NumberRange(1, 100, message=_l("Bobot harus 1 sampai 100."))])
    return type("QuestionsForm", (BaseForm,), fields)
