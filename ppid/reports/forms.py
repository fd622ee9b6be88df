"""Forms of the reports pages: the free-text sections of the annual service report."""
from wtforms import TextAreaField

from ppid.core.forms import BaseForm, max_length, no_control_chars
from ppid.reports.rules import AnnualText

TEXT_LIMIT = 5000


class AnnualTextForm(BaseForm):
    """Sections the officers write before the annual report is printed (Perki 1/2021
    Pasal 56): facilities, staff, budget, constraints, recommendations."""

    facilities = TextAreaField(AnnualText.FACILITIES.label,
                               validators=[max_length(TEXT_LIMIT), no_control_chars])
    staff = TextAreaField(AnnualText.STAFF.label,
                          validators=[max_length(TEXT_LIMIT), no_control_chars])
    budget = TextAreaField(AnnualText.BUDGET.label,
                           validators=[max_length(TEXT_LIMIT), no_control_chars])
    constraints = TextAreaField(AnnualText.CONSTRAINTS.label,
                                validators=[max_length(TEXT_LIMIT), no_control_chars])
    recommendations = TextAreaField(AnnualText.RECOMMENDATIONS.label,
                                    validators=[max_length(TEXT_LIMIT), no_control_chars])
