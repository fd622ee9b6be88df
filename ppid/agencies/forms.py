from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, ValidationError

from ppid.accounts.forms import nip_field
from ppid.core.forms import (BaseForm, email_address, max_length, no_control_chars, optional,
                             required, slug_format)


def letter_code_format(form, field):
    import re
    if field.data and not re.fullmatch(r"[A-Z0-9][A-Z0-9.-]{0,29}", field.data):
        raise ValidationError(_l("Kode hanya huruf besar, angka, titik dan tanda hubung."))


class AgencyForm(BaseForm):
    name = StringField(_l("Nama badan publik"),
                       validators=[required(), max_length(200), no_control_chars])
    short_name = StringField(_l("Singkatan"), validators=[optional(), max_length(60)])
    slug = StringField(_l("Slug (alamat halaman)"),
                       description=_l("Huruf kecil, angka dan tanda hubung; dipakai di alamat "
                                      "halaman dan API, sebaiknya tidak diubah."),
                       validators=[required(), max_length(80), slug_format])
    kind = SelectField(_l("Jenis PPID"), choices=[])
    parent_id = SelectField(_l("Induk"), coerce=int, choices=[])
    address = TextAreaField(_l("Alamat"), validators=[optional(), max_length(500)])
    phone = StringField(_l("Telepon"), validators=[optional(), max_length(50)])
    email = EmailField(_l("E-mail"), validators=[optional(), email_address(), max_length(320)])
    website = StringField(_l("Situs web"), validators=[
        optional(), max_length(300),
        URL(message=_l("Alamat situs tidak valid (contoh: https://dinkes.kalbarprov.go.id)."))])
    atasan_name = StringField(_l("Nama atasan PPID"), validators=[optional(), max_length(200)])
    atasan_position = StringField(_l("Jabatan atasan PPID"),
                                  validators=[optional(), max_length(200)])
    atasan_nip = nip_field(_l("NIP atasan PPID"))
    atasan_office = StringField(_l("Kantor atasan PPID (kop surat tanggapan keberatan)"),
                                validators=[optional(), max_length(300), no_control_chars],
                                description=_l("Misalnya: Sekretariat Daerah Provinsi "
                                               "Kalimantan Barat."))
    atasan_address = StringField(_l("Alamat kantor atasan PPID"),
                                 validators=[optional(), max_length(500), no_control_chars])
    letter_code = StringField(_l("Kode PPID pada nomor surat"),
                              validators=[optional(), max_length(30), letter_code_format],
                              description=_l("Huruf besar, angka, titik dan tanda hubung; "
                                             "kosong: slug dalam huruf besar."))
    signatory_name = StringField(_l("Pejabat penanda tangan surat: nama"),
                                 validators=[optional(), max_length(200), no_control_chars],
                                 description=_l("Bila diisi, surat PPID ini ditandatangani "
                                                "pejabat ini, bukan petugas yang bertindak."))
    signatory_position = StringField(_l("Pejabat penanda tangan surat: jabatan"),
                                     validators=[optional(), max_length(200),
                                                 no_control_chars])
    signatory_nip = nip_field(_l("Pejabat penanda tangan surat: NIP"))
    is_active = BooleanField(_l("Aktif"), default=True)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if (self.signatory_position.data or self.signatory_nip.data) \
                and not (self.signatory_name.data or "").strip():
            self.signatory_name.errors = [*self.signatory_name.errors,
                                          _l("Isi nama pejabat penanda tangan.")]
            ok = False
        return ok

    def __init__(self, parents, helper_label, **kw):
        super().__init__(**kw)
        self.kind.choices = [("pembantu", _l("PPID %(label)s", label=helper_label)),
                             ("utama", _l("PPID Utama"))]
        self.parent_id.choices = [(0, _l("— tidak ada —"))] + [(a.id, a.name) for a in parents]


class ChannelForm(BaseForm):
    """An official online channel of an agency: the checks of its address per platform are
    the rule's (ppid.agencies.rules.check_channel_url), so its messages are the service's."""

    platform = SelectField(_l("Platform"), validators=[required()])
    url = StringField(_l("Alamat (URL)"), validators=[required(), max_length(1000),
                                                      no_control_chars],
                      description=_l("Alamat halaman kanal, misalnya "
                                     "https://www.instagram.com/dinkeskalbar."))
    handle = StringField(_l("Nama akun (tidak wajib)"),
                         validators=[optional(), max_length(100), no_control_chars],
                         description=_l("Seperti tertulis di platform, misalnya @dinkeskalbar."))

    def __init__(self, *args, **kwargs):
        from ppid.agencies.rules import Platform
        super().__init__(*args, **kwargs)
        self.platform.choices = Platform.choices()
