"""Forms of the publication desk (CSRF on every one: ppid.core.forms.BaseForm)."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, ValidationError

from ppid.core.forms import (BaseForm, DateTimeLocalField, max_length, no_control_chars,
                             optional, required, required_input)
from ppid.publications import rules

_LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def _choices(enum):
    return [SelectChoice(value, label) for value, label in enum.choices()]


class PublicationForm(BaseForm):
    title = StringField(_l("Judul"), validators=[required(), max_length(200),
                                                 no_control_chars])
    kind = SelectField(_l("Jenis publikasi"), choices=_choices(rules.PublicationKind),
                       default=rules.PublicationKind.BERITA.value,
                       description=_l("Dihitung dalam rencana publikasi badan publik."))
    summary = TextAreaField(_l("Ringkasan"), validators=[required(), max_length(500)],
                            description=_l("Satu atau dua kalimat; tampil di daftar berita, "
                                           "umpan dan pratinjau saat dibagikan."))
    body = TextAreaField(_l("Isi berita"), validators=[required(),
                                                       max_length(rules.MAX_BODY_CHARS)],
                         description=_l("Format sederhana: baris kosong untuk paragraf baru, "
                                        "**tebal**, *miring*, daftar dengan tanda -, judul "
                                        "bagian dengan #, tautan [teks](https://...). HTML "
                                        "tidak diterima."))
    tags = StringField(_l("Tag"), validators=[optional(), max_length(500), no_control_chars],
                       description=_l("Pisahkan dengan koma, misalnya: kesehatan, imunisasi."))
    dip_item_id = SelectField(_l("Terkait informasi DIP"), coerce=int, default=0)
    obligation_id = SelectField(_l("Terkait kewajiban informasi"), coerce=int, default=0)
    wished_at = DateTimeLocalField(_l("Waktu terbit yang diinginkan"), format=_LOCAL,
                                   validators=[optional()],
                                   description=_l("Waktu setempat; PPID Utama menetapkan "
                                                  "jadwal akhirnya."))

    def __init__(self, items=(), obligations=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        none = (0, _l("— tidak ada —"))
        self.dip_item_id.choices = [SelectChoice(*none)] + [
            SelectChoice(i.id, i.title) for i in items]
        self.obligation_id.choices = [SelectChoice(*none)] + [
            SelectChoice(o.id, f"{o.code}. {o.title}") for o in obligations]

    def validate_tags(self, field):
        try:
            rules.parse_tags(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class PhotoForm(BaseForm):
    photo = FileField(_l("Foto"), description=_l("JPEG, PNG, WebP atau GIF."))
    alt_text = StringField(_l("Teks alternatif"), validators=[
        required(_l("Tulis teks alternatif: apa yang terlihat di foto, untuk pembaca yang "
                    "tidak dapat melihatnya.")), max_length(300), no_control_chars],
        description=_l("Contoh: Petugas puskesmas menyuntikkan vaksin kepada seorang siswi."))


class AttachmentForm(BaseForm):
    attachment = FileField(_l("Lampiran"),
                           description=_l("PDF, dokumen kantor, gambar, CSV atau teks."))


class ReturnForm(BaseForm):
    comment = TextAreaField(_l("Catatan untuk badan publik"),
                            validators=[required(), max_length(4000)])


class ScheduleForm(BaseForm):
    at = DateTimeLocalField(_l("Waktu terbit"), format=_LOCAL,
                            validators=[required_input(_l("Isi tanggal dan waktu terbit."))],
                            description=_l("Waktu setempat."))


class WithdrawForm(BaseForm):
    reason = TextAreaField(_l("Alasan penarikan"), validators=[required(), max_length(2000)])


class PlanForm(BaseForm):
    """An agency's publication plan: for each kind, a target (0: none) and its period.
    The fields are made per kind (``target_<kind>``, ``cadence_<kind>``)."""

    @classmethod
    def build(cls, *args, **kwargs):
        class _Plan(cls):
            pass
        for kind in rules.PublicationKind:
            setattr(_Plan, f"target_{kind.value}", IntegerField(
                _l("Paling sedikit"), default=0,
                validators=[optional(), NumberRange(
                    min=0, max=rules.MAX_PLAN_TARGET,
                    message=_l("Isi angka 0 sampai %(n)d (0: tanpa target).",
                               n=rules.MAX_PLAN_TARGET))]))
            setattr(_Plan, f"cadence_{kind.value}", SelectField(
                _l("Setiap"), choices=_choices(rules.Cadence),
                default=rules.Cadence.BULANAN.value))
        return _Plan(*args, **kwargs)

    def rows(self):
        """(kind, its target field, its cadence field) in the kinds' order."""
        return [(k, self[f"target_{k.value}"], self[f"cadence_{k.value}"])
                for k in rules.PublicationKind]

    def targets(self):
        """{kind code: (target, cadence code)} as typed (0 or empty: no target)."""
        return {k.value: (t.data or 0, c.data) for k, t, c in self.rows()}
