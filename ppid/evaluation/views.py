"""Pages of the satisfaction survey (IKM): the private survey link (no login), the public
results of the government and of each agency, and the officers' results with comment
moderation ("view" on the agency reads, "edit" moderates)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ppid.agencies.services import active_agencies
from ppid.agencies.views import get_agency_or_404
from ppid.core import auth
from ppid.core.db import utcnow
from ppid.core.services import local_today
from ppid.core.web import abort_with, filter_int_arg
from ppid.evaluation import rules, services
from ppid.evaluation.forms import ModerateForm, SurveyForm
from ppid.evaluation.models import IkmSurvey
from ppid.extensions import db
from ppid.reports import charts

bp = Blueprint("evaluation", __name__)


def _year_arg(errors):
    """?tahun= of a results page, the current year when absent; a value it cannot use is
    ``errors["tahun"]`` (the page of the current year, the message next to the year filter,
    answered 400: issue #17)."""
    today = local_today()
    return filter_int_arg("tahun", errors, lo=2000, hi=today.year, default=today.year,
                          message=_("Tahun harus angka antara 2000 dan %(y)d.", y=today.year))


def _fmt(value):
    return "–" if value is None else f"{value:.2f}"


def _trend_chart(points, chart_id):
    data = [(f"{y} S{s}", None if r.index is None else float(r.index)) for y, s, r in points]
    return charts.line_chart(data, title=_("Tren IKM per semester"),
                             desc=_("Indeks kepuasan masyarakat per semester, skala 25 "
                                    "sampai 100."), chart_id=chart_id,
                             y_ticks=(25, 65, 76.61, 88.31, 100))


def _results_context(year, agency=None):
    agency_id = agency.id if agency is not None else None
    points = services.trend(agency_id=agency_id, years=services.years_with_surveys(year))
    return {"year": year, "res": services.result(year, agency_id=agency_id),
            "semesters": [services.result(year, semester=s, agency_id=agency_id)
                          for s in (1, 2)],
            "points": points, "chart": _trend_chart(points, "ikm-tren"),
            "elements": rules.ELEMENTS, "fmt": _fmt, "QualityBand": rules.QualityBand}


# --- The survey (private link, no login) ----------------------------------------------------

@bp.route("/survei/<token>", methods=["GET", "POST"])
def survey(token):
    found = services.survey_for_token(token)
    if found is None:
        abort(404)
    form = SurveyForm()
    page = {"survey": found, "form": form, "elements": rules.ELEMENTS}
    if found.is_answered:
        return render_template("evaluation/survey.html", done=True, **page)
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("evaluation/survey.html", done=False, **page), 422
        try:
            services.respond(found, {c.name: c.data for c in form.element_fields()},
                             form.comment.data, now=utcnow())
        except services.SurveyError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("evaluation.survey", token=token))
        db.session.commit()
        flash(_("Terima kasih, tanggapan Anda telah tersimpan."), "success")
        return redirect(url_for("evaluation.survey", token=token))
    return render_template("evaluation/survey.html", done=False, **page)


# --- Public results -------------------------------------------------------------------------

@bp.get("/ikm")
def public_government():
    errors = {}
    year = _year_arg(errors)
    agencies = active_agencies()
    return render_template("evaluation/public.html", agency=None,
                           per_agency=services.agency_results(year, agencies), errors=errors,
                           **_results_context(year)), 400 if errors else 200


@bp.get("/ikm/<slug>")
def public_agency(slug):
    agency = get_agency_or_404(slug)
    errors = {}
    year = _year_arg(errors)
    return render_template("evaluation/public.html", agency=agency, per_agency=None,
                           comments=services.approved_comments(agency.id, year), errors=errors,
                           **_results_context(year, agency)), 400 if errors else 200


# --- Officers -------------------------------------------------------------------------------

@bp.route("/kelola/ikm/<slug>", methods=["GET", "POST"])
def officer_agency(slug):
    agency = get_agency_or_404(slug)
    auth.authorize("edit" if request.method == "POST" else "view", agency)
    errors = {}
    year = _year_arg(errors)
    form = ModerateForm()
    if request.method == "POST":
        if errors:
            abort_with(400, errors["tahun"])
        if not form.validate_on_submit():
            abort_with(400, _("Keputusan moderasi tidak valid."))
        found = db.session.get(IkmSurvey, form.survey_id.data)
        if found is None or found.agency_id != agency.id:
            abort(404)
        try:
            services.moderate(found, form.state.data, actor=current_user, now=utcnow())
        except services.SurveyError as exc:
            db.session.rollback()
            abort_with(400, exc.message)
        db.session.commit()
        flash(_("Keputusan moderasi tersimpan."), "success")
        return redirect(url_for("evaluation.officer_agency", slug=slug, tahun=year))
    return render_template("evaluation/officer.html", agency=agency,
                           comments=services.officer_comments(agency.id, year),
                           can_moderate=auth.can(current_user, "edit", agency),
                           CommentState=rules.CommentState, errors=errors,
                           **_results_context(year, agency)), 400 if errors else 200


def survey_link(req):
    """For the tracking page: the survey link of a closed request not answered yet."""
    found = services.survey_of_request(req)
    if found is None or found.is_answered:
        return None
    return services.survey_path(req.id)


def dashboard_section(user):
    if not (user.has_role(auth.HELPER) or user.has_role(auth.MAIN)):
        return None
    if user.has_role(auth.MAIN):
        agencies = active_agencies()
    else:
        ids = set(user.agency_ids(auth.HELPER))
        agencies = [a for a in active_agencies() if a.id in ids]
    if not agencies:
        return None
    pending = services.pending_comment_count([a.id for a in agencies])
    return "evaluation/_dashboard.html", {"ikm_agencies": agencies, "ikm_pending": pending}


def profile_section(agency):
    year = local_today().year
    return "evaluation/_profile.html", {"ikm_agency": agency, "ikm_year": year,
                                        "ikm_res": services.kept_result(year,
                                                                        agency_id=agency.id)}
