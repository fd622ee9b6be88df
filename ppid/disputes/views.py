"""Pages of disputes after an objection: the list, a dispute's page with its stages,
deadlines (with their working), court cases and execution, and the forms that record
each step. Only the steps the dispute's stage allows are offered."""
import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ppid.core import auth
from ppid.core.auth import authorize, can
from ppid.core.db import utcnow
from ppid.core.services import build_calendar, local_today
from ppid.core.web import MAX_ID, abort_with
from ppid.disputes import forms, rules, services
from ppid.disputes.models import CourtCase, Dispute
from ppid.extensions import db
from ppid.info_requests.models import Objection
from ppid.info_requests.services import ServiceError

bp = Blueprint("disputes", __name__)
ID = f"int(max={MAX_ID})"


def file_form():
    """The filing form on the objection page (a Jinja global)."""
    form = forms.FileForm(formdata=None)
    form.commission.data = services.default_commission()
    return form


def step_form(dispute, formdata=None):
    form = forms.StepForm(formdata=formdata) if formdata is not None else forms.StepForm(
        formdata=None)
    form.step.choices = forms.options(
        (s.value, s.label) for s in rules.allowed_steps(dispute.stage, dispute.grounds))
    return form


def court_form(formdata=None):
    form = forms.CourtForm(formdata=formdata) if formdata is not None else forms.CourtForm(
        formdata=None)
    form.level.choices = forms.options(
        (level.value, level.label) for level in (rules.first_instance_court(True),
                                                 rules.CourtLevel.MA))
    return form


def _load(dispute_id, action="handle_dispute"):
    dispute = db.get_or_404(Dispute, dispute_id)
    authorize(action, dispute)
    return dispute


def _render(dispute, status=200, **overrides):
    cal = build_calendar()
    ctx = {"step_form": step_form(dispute), "received_form": forms.ReceivedForm(formdata=None),
           "court_form": court_form(), "court_decision_form": forms.CourtDecisionForm(
               formdata=None), "execution_form": forms.ExecutionForm(formdata=None),
           "error": None}
    ctx.update(overrides)
    today = local_today()
    return render_template(
        "disputes/detail.html", dispute=dispute, obj=dispute.objection,
        req=dispute.objection.request, deadlines=services.deadlines(dispute, cal),
        today=today, overdue=rules.commission_overdue(cal, dispute.stage, dispute.filed_on,
                                                      dispute.registered_on, today),
        awaiting_execution=services.awaiting_execution(dispute),
        may_act=can(current_user, "handle_dispute", dispute),
        mediation_available=rules.mediation_available(dispute.grounds),
        DECISION_OUTCOMES=rules.DECISION_OUTCOMES, **ctx), status


def _refused(dispute, exc, **overrides):
    db.session.rollback()
    dispute = db.session.get(Dispute, dispute.id)
    return _render(dispute, 422, error=str(exc), **overrides)


def _done(dispute, message):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("disputes.detail", dispute_id=dispute.id))


@bp.get("/kelola/sengketa")
@auth.role_required(auth.MAIN, auth.HELPER, auth.ATASAN, auth.AUDITOR)
def index():
    year = request.args.get("tahun", "").strip()
    error = None
    if year and not (re.fullmatch(r"[0-9]{4}", year) and 2000 <= int(year) <= 2100):
        error, year = _("Tahun harus antara 2000 dan 2100."), ""
    roles = {r.role for r in current_user.roles}
    ids = None if roles & {auth.MAIN, auth.AUDITOR} else sorted(
        current_user.agency_ids(auth.HELPER, auth.ATASAN))
    rows = services.disputes_for(ids, year=int(year) if year else None)
    cal = build_calendar()
    today = local_today()
    return render_template("disputes/index.html", rows=[
        (d, services.deadlines(d, cal), rules.commission_overdue(
            cal, d.stage, d.filed_on, d.registered_on, today), services.awaiting_execution(d))
        for d in rows], year=year, error=error), (422 if error else 200)


@bp.post(f"/kelola/keberatan/<{ID}:objection_id>/sengketa")
def file(objection_id):
    obj = db.get_or_404(Objection, objection_id)
    authorize("handle_dispute", obj)
    form = forms.FileForm()
    if form.validate_on_submit():
        try:
            dispute = services.file_dispute(
                obj, filed_on=form.filed_on.data, commission=form.commission.data,
                register_number=form.register_number.data, note=form.note.data,
                actor=current_user, now=utcnow())
        except ServiceError as exc:
            db.session.rollback()
            form.filed_on.errors = list(form.filed_on.errors) + [str(exc)]
        else:
            return _done(dispute, _("Sengketa ke Komisi Informasi dicatat."))
    from ppid.info_requests.views import render_objection
    return render_objection(db.session.get(Objection, objection_id), 422,
                            dispute_file_form=form)


@bp.get(f"/kelola/sengketa/<{ID}:dispute_id>")
def detail(dispute_id):
    return _render(_load(dispute_id, "view_dispute"))


def _record(dispute, form, slot, act, message):
    """Validate ``form`` and run ``act(form)`` (one service call); done, commit and go back
    to the dispute's page with ``message``; refused, show the page again with the message
    and the form as typed (``slot``: its name in the page's context)."""
    if not form.validate_on_submit():
        return _render(dispute, 422, **{slot: form})
    try:
        act(form)
    except ServiceError as exc:
        return _refused(dispute, exc, **{slot: form})
    return _done(dispute, message)


@bp.post(f"/kelola/sengketa/<{ID}:dispute_id>/tahap")
def step(dispute_id):
    dispute = _load(dispute_id)
    return _record(dispute, step_form(dispute, request.form), "step_form", lambda f: (
        services.record_step(
            dispute, f.step.data, on=f.on.data, outcome=f.outcome.data or None,
            register_number=f.register_number.data, decision_number=f.decision_number.data,
            decision_received_on=f.decision_received_on.data, summary=f.summary.data,
            note=f.note.data, actor=current_user, now=utcnow())),
        _("Tahap sengketa dicatat."))


@bp.post(f"/kelola/sengketa/<{ID}:dispute_id>/putusan-diterima")
def received(dispute_id):
    dispute = _load(dispute_id)
    return _record(dispute, forms.ReceivedForm(), "received_form", lambda f: (
        services.record_decision_received(dispute, f.received_on.data, actor=current_user,
                                          now=utcnow())),
        _("Tanggal putusan diterima dicatat."))


@bp.post(f"/kelola/sengketa/<{ID}:dispute_id>/pengadilan")
def court(dispute_id):
    dispute = _load(dispute_id)
    return _record(dispute, court_form(request.form), "court_form", lambda f: (
        services.file_court_case(dispute, level=f.level.data, filed_by=f.filed_by.data,
                                 filed_on=f.filed_on.data, case_number=f.case_number.data,
                                 actor=current_user, now=utcnow())),
        _("Perkara di pengadilan dicatat."))


@bp.post(f"/kelola/sengketa/<{ID}:dispute_id>/pengadilan/<{ID}:case_id>/putusan")
def court_decision(dispute_id, case_id):
    dispute = _load(dispute_id)
    case = db.session.get(CourtCase, case_id)
    if case is None or case.dispute_id != dispute.id:
        abort_with(404, _("Perkara tidak ditemukan."))
    return _record(dispute, forms.CourtDecisionForm(), "court_decision_form", lambda f: (
        services.decide_court_case(case, decided_on=f.decided_on.data,
                                   outcome=f.outcome.data, received_on=f.received_on.data,
                                   summary=f.summary.data, actor=current_user, now=utcnow())),
        _("Putusan pengadilan dicatat."))


@bp.post(f"/kelola/sengketa/<{ID}:dispute_id>/pelaksanaan")
def execution(dispute_id):
    dispute = _load(dispute_id)
    return _record(dispute, forms.ExecutionForm(), "execution_form", lambda f: (
        services.record_execution(dispute, carried_out_on=f.carried_out_on.data,
                                  description=f.description.data, actor=current_user,
                                  now=utcnow())),
        _("Pelaksanaan dicatat."))


def may_see_list(user):
    """The navigation link: those who handle disputes, and the auditor."""
    return bool({r.role for r in user.roles} & {auth.MAIN, auth.HELPER, auth.ATASAN,
                                                  auth.AUDITOR})
