"""Forms of the DIP pages: items, versions, withdrawal, nil declarations, the catalogue and
the exempt-information register. They validate input; rules live in services/rules."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, ValidationError

from ppid.core.forms import (BaseForm, DateField, DateTimeLocalField, max_length,
                             no_control_chars, optional, required)
from ppid.core.forms import required_input
from ppid.registry.models import PASAL17_LETTERS
from ppid.registry.rules import AppliesTo, Category, DipForm

def _choices(pairs):
    return [SelectChoice(value, label) for value, label in pairs]


class ItemForm(BaseForm):
    title = StringField(_l("Judul informasi"), validators=[required(), max_length(300),
                                                          no_control_chars])
    summary = TextAreaField(_l("Ringkasan isi informasi"), validators=[required(),
                                                                       max_length(5000)])
    category = SelectField(_l("Kategori"), choices=_choices(Category.choices()))
    obligation_id = SelectField(_l("Memenuhi kewajiban (katalog)"), coerce=int, default=0,
                                description=_l("Kosongkan bila informasi ini tidak memenuhi "
                                               "kewajiban berkala tertentu."))
    holding_unit = StringField(_l("Pejabat atau unit yang menguasai informasi"),
                               validators=[required(), max_length(300), no_control_chars])
    responsible = StringField(_l("Penanggung jawab pembuatan atau penerbitan informasi"),
                              validators=[required(), max_length(300), no_control_chars])
    made_at_place = StringField(_l("Tempat pembuatan informasi"),
                                validators=[optional(), max_length(200), no_control_chars])
    made_on = DateField(_l("Waktu pembuatan informasi"), validators=[optional()])
    form = SelectField(_l("Bentuk informasi yang tersedia"), choices=_choices(DipForm.choices()),
                       default="cetak_elektronik")
    retention = StringField(_l("Jangka waktu penyimpanan (retensi arsip)"),
                            validators=[optional(), max_length(100), no_control_chars],
                            description=_l("Contoh: 5 tahun"))
    event_at = DateTimeLocalField(_l("Waktu kejadian (khusus informasi serta-merta)"),
                                  format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                  validators=[optional()],
                                  description=_l("Untuk bencana, wabah dan keadaan darurat: "
                                                 "kapan peristiwanya terjadi (waktu setempat)."))
    sm_danger = TextAreaField(_l("Bahaya dan besarnya dampak"),
                              validators=[optional(), max_length(3000)])
    sm_affected = TextAreaField(_l("Siapa dan wilayah mana yang terdampak"),
                                validators=[optional(), max_length(3000)])
    sm_actions = TextAreaField(_l("Yang harus dilakukan masyarakat"),
                               validators=[optional(), max_length(3000)],
                               description=_l("Cara menghindari bahaya, jalur dan tempat "
                                              "evakuasi."))
    sm_help = TextAreaField(_l("Tempat meminta bantuan"),
                            validators=[optional(), max_length(3000)],
                            description=_l("Nomor darurat, posko, kontak petugas."))
    sm_response = TextAreaField(_l("Yang dilakukan pemerintah"),
                                validators=[optional(), max_length(3000)])
    document = FileField(_l("Dokumen (opsional)"),
                         description=_l("PDF, dokumen kantor, gambar, CSV atau teks."))
    note = StringField(_l("Catatan versi"), validators=[optional(), max_length(500)])

    def __init__(self, obligations, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.obligation_id.choices = _choices([(0, _l("— tidak ada —"))] + [
            (o.id, f"{o.code}. {o.title}") for o in obligations])

    def validate_event_at(self, field):
        if field.data and self.category.data != "serta_merta":
            raise ValidationError(_l("Waktu kejadian hanya untuk informasi serta-merta."))


class VersionForm(BaseForm):
    document = FileField(_l("Berkas dokumen"))
    note = StringField(_l("Catatan versi"), validators=[optional(), max_length(500)],
                       description=_l("Contoh: laporan semester I 2026"))


class WithdrawForm(BaseForm):
    reason = TextAreaField(_l("Alasan penarikan"), validators=[required(), max_length(2000)])


class NilForm(BaseForm):
    period_year = IntegerField(_l("Tahun"), validators=[
        required_input(_l("Isi tahun.")),
        NumberRange(min=2000, max=2100, message=_l("Tahun antara 2000 dan 2100."))])
    period_semester = SelectField(_l("Semester"), coerce=int,
                                  choices=_choices([(1, _l("Semester I (Januari-Juni)")),
                                                    (2, _l("Semester II (Juli-Desember)"))]))
    reason = TextAreaField(_l("Alasan nihil"), validators=[required(), max_length(2000)],
                           description=_l("Contoh: tidak ada pengadaan barang/jasa pada "
                                          "periode ini."))


class ObligationForm(BaseForm):
    code = StringField(_l("Kode"), validators=[required(), max_length(10), no_control_chars])
    title = StringField(_l("Judul"), validators=[required(), max_length(200), no_control_chars])
    description = TextAreaField(_l("Uraian"), validators=[optional(), max_length(5000)])
    legal_basis = StringField(_l("Dasar hukum"), validators=[optional(), max_length(300)])
    category = SelectField(_l("Kategori"), choices=_choices(Category.choices()))
    period_months = IntegerField(_l("Periode pembaruan (bulan)"), default=6, validators=[
        required_input(_l("Isi periode dalam bulan.")),
        NumberRange(min=1, max=120, message=_l("Antara 1 dan 120 bulan."))])
    applies_to = SelectField(_l("Berlaku bagi"), choices=_choices(AppliesTo.choices()))
    is_active = BooleanField(_l("Aktif"), default=True)


class ExemptionApprovalForm(BaseForm):
    """The head of the body's approval of an exemption (PP 61/2010), as signed."""
    approved_by_name = StringField(_l("Nama pimpinan yang menyetujui"),
                                   validators=[required(), max_length(200), no_control_chars])
    approved_by_position = StringField(_l("Jabatan"),
                                       validators=[required(), max_length(200),
                                                   no_control_chars],
                                       description=_l("Contoh: Gubernur Kalimantan Barat"))
    approved_on = DateField(_l("Tanggal persetujuan"),
                            validators=[required_input(_l("Isi tanggal yang valid."))])


class ExemptionForm(BaseForm):
    information = StringField(_l("Informasi yang dikecualikan"),
                              validators=[required(), max_length(500), no_control_chars])
    document = StringField(_l("Dokumen yang memuat informasi itu"),
                           validators=[required(), max_length(300), no_control_chars],
                           description=_l("Contoh: berkas rekam medis pasien rawat inap"))
    pasal17_letters = StringField(_l("Huruf Pasal 17 UU KIP"),
                                  validators=[optional(), max_length(20)],
                                  description=_l("Satu atau beberapa huruf a-j, dipisah koma; "
                                                 "contoh: a,h"))
    other_statute = StringField(_l("Undang-undang lain (bila ada)"),
                                validators=[optional(), max_length(300)])
    consequence = TextAreaField(_l("Uji konsekuensi: akibat bila informasi dibuka"),
                                validators=[required(), max_length(5000)])
    public_interest = TextAreaField(_l("Pertimbangan kepentingan publik"),
                                    validators=[required(), max_length(5000)])
    tested_on = DateField(_l("Tanggal uji konsekuensi"),
                          validators=[required_input(_l("Isi tanggal yang valid."))])
    decided_by = StringField(_l("Ditetapkan oleh"), validators=[required(), max_length(200)])
    decree_number = StringField(_l("Nomor surat keputusan"),
                                validators=[required(), max_length(120)])
    decree_on = DateField(_l("Tanggal surat keputusan"),
                          validators=[required_input(_l("Isi tanggal yang valid."))])
    # The period in words is derived from the end date (or, open-ended, from the ground).
    # Letters a-f need an end date (UU KIP Pasal 20(1)); g-j may be open-ended.
    end_on = DateField(_l("Tanggal berakhir"), validators=[optional()], years_ahead=100,
                       description=_l("Wajib untuk huruf a-f. Untuk huruf g-j boleh "
                                      "dikosongkan bila berlaku selama dasarnya ada "
                                      "(misalnya rahasia pribadi selama pemiliknya hidup)."))
    # choices: the agency's DIP items (services.exemption_item_choices), set by the view
    item_id = SelectField(_l("Informasi DIP yang ditutup (bila ada)"), coerce=int,
                          choices=[], default=0,
                          description=_l("Butir DIP yang isinya dikecualikan oleh keputusan "
                                         "ini: selama pengecualian berlaku, butir itu dan "
                                         "dokumennya tidak terbuka untuk umum."))

    def validate_pasal17_letters(self, field):
        letters = [x.strip() for x in (field.data or "").split(",") if x.strip()]
        if any(len(x) != 1 or x not in PASAL17_LETTERS for x in letters):
            raise ValidationError(_l("Gunakan huruf a sampai j, dipisah koma."))
