from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import URL

from ppid.core.forms import (BaseForm, email_address, max_length, no_control_chars, optional,
                             required, slug_format)


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
    is_active = BooleanField(_l("Aktif"), default=True)

    def __init__(self, parents, helper_label, **kw):
        super().__init__(**kw)
        self.kind.choices = [("pembantu", _l("PPID %(label)s", label=helper_label)),
                             ("utama", _l("PPID Utama"))]
        self.parent_id.choices = [(0, _l("— tidak ada —"))] + [(a.id, a.name) for a in parents]
