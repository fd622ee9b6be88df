"""Forms of the publication desk (CSRF on every one: ppid.core.forms.BaseForm)."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from ppid.core.forms import (BaseForm, DateTimeLocalField, max_length, no_control_chars,
                             optional, required, required_input)
from ppid.publications import rules

_LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class PublicationForm(BaseForm):
    title = StringField(_l("Judul"), validators=[required(), max_length(200),
                                                 no_control_chars])
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
