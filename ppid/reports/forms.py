"""Forms of the reports pages: the free-text sections of the annual service report, and
the record of its submission."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf

from ppid.core.forms import (BaseForm, DateField, max_length, no_control_chars, optional,
                             required, required_input)
from ppid.reports.rules import AnnualText, SubmissionMethod

TEXT_LIMIT = 5000


class AnnualTextForm(BaseForm):
    """Sections the officers write before the annual report is printed (Perki 1/2021
    Pasal 56): the policy overview, facilities, staff, budget, internal and external
    constraints, recommendations."""

    policy = TextAreaField(AnnualText.POLICY.label,
                           validators=[max_length(TEXT_LIMIT), no_control_chars])
    facilities = TextAreaField(AnnualText.FACILITIES.label,
                               validators=[max_length(TEXT_LIMIT), no_control_chars])
    staff = TextAreaField(AnnualText.STAFF.label,
                          validators=[max_length(TEXT_LIMIT), no_control_chars])
    budget = TextAreaField(AnnualText.BUDGET.label,
                           validators=[max_length(TEXT_LIMIT), no_control_chars])
    constraints = TextAreaField(AnnualText.CONSTRAINTS.label,
                                validators=[max_length(TEXT_LIMIT), no_control_chars])
    constraints_external = TextAreaField(AnnualText.CONSTRAINTS_EXTERNAL.label,
                                         validators=[max_length(TEXT_LIMIT),
                                                     no_control_chars])
    recommendations = TextAreaField(AnnualText.RECOMMENDATIONS.label,
                                    validators=[max_length(TEXT_LIMIT), no_control_chars])


class SubmissionForm(BaseForm):
    """When, how and to whom the annual report was submitted."""
    submitted_on = DateField(_l("Tanggal disampaikan"),
                             validators=[required_input(_l("Isi tanggal yang valid."))])
    recipient = StringField(_l("Disampaikan kepada"),
                            validators=[required(), max_length(200), no_control_chars],
                            description=_l("Contoh: Komisi Informasi Provinsi Kalimantan "
                                           "Barat; Gubernur; DPRD"))
    method = SelectField(_l("Cara penyampaian"), choices=[
        SelectChoice(v, label) for v, label in SubmissionMethod.choices()],
        validate_choice=False, validators=[AnyOf(SubmissionMethod.codes(),
                                                 message=_l("Pilih cara penyampaian."))])
    reference = StringField(_l("Nomor surat pengantar atau tanda terima"),
                            validators=[optional(), max_length(120), no_control_chars])
    note = TextAreaField(_l("Catatan"), validators=[optional(), max_length(2000)],
                         render_kw={"rows": 2})
