"""Forms of the dispute pages: each records one thing that happened, with its date."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField

from ppid.core.forms import BaseForm, DateField, max_length, no_control_chars, optional
from ppid.core.forms import required, required_input
from ppid.disputes import rules
from ppid.info_requests.forms import one_of, options

COMMISSIONS = rules.DisputeCommission.choices()
DECISIONS = [(o.value, o.label) for o in rules.DECISION_OUTCOMES]
PARTIES = rules.CourtParty.choices()
COURT_OUTCOMES = rules.CourtOutcome.choices()
_DATE = _l("Isi tanggal yang valid.")


class FileForm(BaseForm):
    filed_on = DateField(_l("Tanggal diajukan ke Komisi Informasi"),
                         validators=[required_input(_DATE)])
    commission = SelectField(_l("Komisi Informasi"), choices=options(COMMISSIONS),
                             validate_choice=False,
                             validators=[one_of(COMMISSIONS, _l("Pilih Komisi Informasi."))])
    register_number = StringField(_l("Nomor register sengketa (bila sudah ada)"),
                                  validators=[optional(), max_length(120), no_control_chars])
    note = TextAreaField(_l("Catatan"), validators=[optional(), max_length(2000)],
                         render_kw={"rows": 2})


class StepForm(BaseForm):
    """One step at the commission; which steps are offered depends on the stage."""
    step = SelectField(_l("Tahap"), choices=[], validate_choice=False)
    on = DateField(_l("Tanggal"), validators=[required_input(_DATE)])
    register_number = StringField(_l("Nomor register sengketa"),
                                  validators=[optional(), max_length(120), no_control_chars])
    outcome = SelectField(_l("Amar putusan"), choices=options(DECISIONS), validate_choice=False,
                          validators=[optional()])
    decision_number = StringField(_l("Nomor putusan"),
                                  validators=[optional(), max_length(120), no_control_chars])
    decision_received_on = DateField(_l("Tanggal putusan diterima badan publik"),
                                     validators=[optional()])
    summary = TextAreaField(_l("Isi kesepakatan atau amar putusan"),
                            validators=[optional(), max_length(5000)], render_kw={"rows": 3})
    note = TextAreaField(_l("Catatan"), validators=[optional(), max_length(2000)],
                         render_kw={"rows": 2})


class ReceivedForm(BaseForm):
    received_on = DateField(_l("Tanggal putusan diterima badan publik"),
                            validators=[required_input(_DATE)])


class CourtForm(BaseForm):
    level = SelectField(_l("Pengadilan"), choices=[], validate_choice=False)
    filed_by = SelectField(_l("Diajukan oleh"), choices=options(PARTIES), validate_choice=False,
                           validators=[one_of(PARTIES, _l("Pilih pihak yang mengajukan."))])
    filed_on = DateField(_l("Tanggal diajukan"), validators=[required_input(_DATE)])
    case_number = StringField(_l("Nomor perkara"),
                              validators=[optional(), max_length(120), no_control_chars])


class CourtDecisionForm(BaseForm):
    decided_on = DateField(_l("Tanggal putusan"), validators=[required_input(_DATE)])
    outcome = SelectField(_l("Amar putusan"), choices=options(COURT_OUTCOMES),
                          validate_choice=False,
                          validators=[one_of(COURT_OUTCOMES, _l("Pilih amar putusan."))])
    received_on = DateField(_l("Tanggal putusan diterima"), validators=[optional()])
    summary = TextAreaField(_l("Ringkasan putusan"), validators=[optional(), max_length(5000)],
                            render_kw={"rows": 2})


class ExecutionForm(BaseForm):
    carried_out_on = DateField(_l("Tanggal dilaksanakan"), validators=[required_input(_DATE)])
    description = TextAreaField(_l("Yang dilaksanakan badan publik"),
                                validators=[required(), max_length(5000)],
                                render_kw={"rows": 3},
                                description=_l("Contoh: salinan informasi diserahkan kepada "
                                               "pemohon melalui surel pada tanggal ..."))
