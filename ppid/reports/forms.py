"""Forms of the reports pages: the free-text sections of the annual service report."""
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from ppid.core.forms import BaseForm, max_length, no_control_chars

TEXT_LIMIT = 5000


class AnnualTextForm(BaseForm):
    """Sections the officers write before the annual report is printed (Perki 1/2021
    Pasal 56): facilities, staff, budget, constraints, recommendations."""

    facilities = TextAreaField(_l("Sarana dan prasarana pelayanan informasi"),
                               validators=[max_length(TEXT_LIMIT), no_control_chars])
    staff = TextAreaField(_l("Sumber daya manusia yang menangani layanan informasi"),
                          validators=[max_length(TEXT_LIMIT), no_control_chars])
    budget = TextAreaField(_l("Anggaran pelayanan informasi dan realisasinya"),
                           validators=[max_length(TEXT_LIMIT), no_control_chars])
    constraints = TextAreaField(_l("Kendala dalam pelaksanaan layanan informasi"),
                                validators=[max_length(TEXT_LIMIT), no_control_chars])
    recommendations = TextAreaField(_l("Rekomendasi dan rencana tindak lanjut"),
                                    validators=[max_length(TEXT_LIMIT), no_control_chars])
