"""Compliance pages for the PPID Utama and the Kominfo auditor, and the report downloads.

Reading needs "view_all" (PPID Utama, auditor, administrator) or, for one agency's annual
report, "view" on that agency; writing (the annual report's free texts, publishing its
summary) needs "edit" on the agency, which the auditor never has.
"""
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ppid.agencies.services import active_agencies
from ppid.agencies.views import get_agency_or_404
from ppid.core import auth, dates
from ppid.core.db import utcnow
from ppid.core.exports import csv_response
from ppid.core.forms import ConfirmForm
from ppid.core.pdf import html_to_pdf, render_html
from ppid.core.services import local_today
from ppid.core.web import abort_with, filter_choice_arg, filter_int_arg
from ppid.extensions import db
from ppid.registry import services as registry
from ppid.registry.rules import SEVERITY_ORDER, STATUSES
from ppid.reports import charts, rules, services
from ppid.reports.forms import AnnualTextForm, SubmissionForm
from ppid.reports.models import ANNUAL_TEXT_FIELDS

bp = Blueprint("reports", __name__)


def _labels():
    """What every report template uses besides the enumerations (Jinja globals)."""
    return {"statuses": STATUSES, "text_fields": ANNUAL_TEXT_FIELDS, "fmt": _fmt,
            "policy_texts": rules.POLICY_TEXTS, "implementation_texts":
            rules.IMPLEMENTATION_TEXTS, "constraint_texts": rules.CONSTRAINT_TEXTS,
            "recommendation_texts": rules.RECOMMENDATION_TEXTS}


def _fmt(value):
    if value is None:
        return "–"
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}".replace(".", ",")


def _pdf(html, filename):
    return Response(html_to_pdf(html), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"'})


def _year_arg(year):
    today = local_today()
    if not 2000 <= year <= today.year:
        abort_with(404, _("Tahun laporan harus antara 2000 dan %(y)d.", y=today.year))
    return year


def _trend_chart(points, title, chart_id):
    return charts.line_chart([(dates.date_month(m), s) for m, s in points], title=title,
                             desc=_("Skor kepatuhan per bulan, skala 0 sampai 100."),
                             chart_id=chart_id)


# --- Compliance -------------------------------------------------------------------------------

@bp.get("/kelola/kepatuhan")
def compliance():
    auth.authorize("view_all")
    q = (request.args.get("q") or "").strip()[:100]
    errors = {}
    sort = filter_choice_arg("urut", errors, rules.Sort.codes(), default="skor",
                             message=_("Urutan tidak dikenal. Pilih dari daftar."))
    band = filter_choice_arg("predikat", errors, (*rules.BAND_CODES, "none"), default="",
                             message=_("Predikat tidak dikenal. Pilih dari daftar."))
    rows = services.compliance_overview()
    shown = services.filter_and_sort(rows, sort=sort, band=band or None, q=q or None)
    band_counts = {code: 0 for code in rules.BAND_CODES}
    band_counts["none"] = 0
    for f in rows:
        band_counts[f.band or "none"] += 1
    if request.args.get("format") == "csv" and not errors:
        return csv_response(services.compliance_csv(shown), "kepatuhan.csv")
    chart = charts.bar_chart(
        [(c.label, band_counts[c]) for c in rules.Band],
        title=_("Jumlah badan publik per predikat"), chart_id="chart-bands",
        label_width=160)
    return render_template("reports/compliance.html", rows=shown, total=len(rows), sort=sort,
                           band=band, q=q, band_counts=band_counts,
                           chart=chart, weights=services.weights(),
                           window_start=rules.window_start(local_today()), errors=errors,
                           **_labels()), 400 if errors else 200


@bp.get("/kelola/kepatuhan/<slug>")
def agency_compliance(slug):
    auth.authorize("view_all")
    agency = get_agency_or_404(slug)
    now = utcnow()
    today = local_today(now)
    figures = services.compliance_overview(now, agency_ids=[agency.id])
    f = figures[0]
    pairs = registry.compute_staleness(now, agency_ids=[agency.id])
    problems = sorted(services.overdue_obligations(pairs),
                      key=lambda p: (SEVERITY_ORDER[p.status], p.obligation.code))
    start = rules.window_start(today)
    late = services.late_requests(start, today, agency_ids=[agency.id], today=today)
    points = services.trend(agency.id)
    chart = _trend_chart(points, _("Tren skor kepatuhan %(name)s", name=agency.name),
                         "chart-trend")
    return render_template("reports/agency.html", agency=agency, f=f, pairs=pairs,
                           problems=problems, late=late, points=points, chart=chart,
                           window_start=start, **_labels())


# --- Reports ------------------------------------------------------------------------------------

def _report_agencies(user):
    """Agencies whose annual report ``user`` may open (all of them with view_all)."""
    agencies = active_agencies()
    if auth.can(user, "view_all"):
        return agencies
    return [a for a in agencies if auth.can(user, "view", a)]


@bp.get("/kelola/laporan")
def index():
    if not current_user.is_authenticated:
        auth.authorize("view_all")  # 401
    agencies = _report_agencies(current_user)
    if not agencies and not auth.can(current_user, "view_all"):
        auth.authorize("view_all")  # 403
    today = local_today()
    errors = {}
    # A year that is not one of the list's: the page of the default year, with the message
    # next to the year filter (issue #17), answered 400.
    # Without a year: the latest year that has requests (issue #17), not an empty one.
    default = services.latest_year_with_requests(
        today, agency_ids=None if auth.can(current_user, "view_all") else
        [a.id for a in agencies])
    year = filter_int_arg("tahun", errors, lo=2000, hi=today.year, default=default,
                          message=_("Tahun laporan harus antara 2000 dan %(y)d.", y=today.year))
    return _index_page(year, agencies, errors=errors, status=400 if errors else 200)


def _index_page(year, agencies, submission_form=None, status=200, errors=None):
    from ppid.agencies.services import utama
    today = local_today()
    years = list(range(today.year, max(1999, today.year - 10), -1))
    main_agency = utama()
    return render_template(
        "reports/index.html", year=year, years=years, agencies=agencies,
        due_on=rules.annual_report_due(year), submissions=services.annual_submissions(
            None, year), may_record=main_agency is not None and auth.can(
            current_user, "edit", main_agency) and year < today.year,
        submission_form=submission_form or SubmissionForm(formdata=None),
        errors=errors or {}, **_labels()), status


@bp.get("/kelola/laporan/tahunan/<int:year>.<fmt>")
def annual_consolidated(year, fmt):
    auth.authorize("view_all")
    _year_arg(year)
    ctx = services.annual_context(year)
    if fmt == "csv":
        return csv_response(services.annual_csv(ctx), f"laporan-layanan-{year}.csv")
    if fmt == "pdf":
        html = render_html("pdf/reports/annual.html", **ctx, **_labels())
        return _pdf(html, f"laporan-layanan-{year}.pdf")
    if fmt == "html":
        return render_html("pdf/reports/annual.html", **ctx, **_labels())
    abort_with(404, _("Format laporan tidak dikenal."))


@bp.get("/kelola/laporan/tahunan/<int:year>/<slug>.<fmt>")
def annual_agency(year, slug, fmt):
    agency = get_agency_or_404(slug)
    auth.authorize("view", agency)
    _year_arg(year)
    ctx = services.annual_context(year, agency=agency)
    name = f"laporan-layanan-{agency.slug}-{year}"
    if fmt == "csv":
        return csv_response(services.annual_csv(ctx), f"{name}.csv")
    if fmt == "pdf":
        return _pdf(render_html("pdf/reports/annual.html", **ctx, **_labels()), f"{name}.pdf")
    if fmt == "html":
        return render_html("pdf/reports/annual.html", **ctx, **_labels())
    abort_with(404, _("Format laporan tidak dikenal."))


@bp.route("/kelola/laporan/tahunan/<int:year>/<slug>/isian", methods=["GET", "POST"])
def annual_text(year, slug):
    agency = get_agency_or_404(slug)
    if request.method == "POST":
        auth.authorize("edit", agency)
    else:
        auth.authorize("view", agency)
    _year_arg(year)
    text = services.annual_text(agency.id, year)
    editable = auth.can(current_user, "edit", agency)
    form = AnnualTextForm(obj=text)
    if editable and form.validate_on_submit():
        try:
            services.save_annual_text(agency, year, {f: form[f].data for f in
                                                     ANNUAL_TEXT_FIELDS},
                                      actor=current_user, now=utcnow())
        except services.ReportError as exc:
            db.session.rollback()
            abort_with(400, str(exc))
        db.session.commit()
        flash(_("Isian laporan tahunan disimpan."), "success")
        return redirect(url_for("reports.annual_text", year=year, slug=slug))
    return _annual_text_page(agency, year, form, text, editable)


def _annual_text_page(agency, year, form, text, editable, submission_form=None, status=200):
    return render_template("reports/annual_text.html", agency=agency, year=year, form=form,
                           text=text, editable=editable, confirm=ConfirmForm(),
                           due_on=rules.annual_report_due(year),
                           submissions=services.annual_submissions(agency, year),
                           submission_form=submission_form or SubmissionForm(formdata=None),
                           may_record=editable and year < local_today().year,
                           **_labels()), status


@bp.post("/kelola/laporan/tahunan/<int:year>/penyampaian")
def record_consolidated_submission(year):
    """The consolidated report's submission, recorded by the PPID Utama."""
    from ppid.agencies.services import utama
    main_agency = utama()
    if main_agency is None:
        abort_with(404, _("PPID Utama belum ditetapkan."))
    auth.authorize("edit", main_agency)
    _year_arg(year)
    return _record_submission(None, year, url_for("reports.index", tahun=year),
                              lambda form: _index_page(year, _report_agencies(current_user),
                                                       form, 422))


@bp.post("/kelola/laporan/tahunan/<int:year>/<slug>/penyampaian")
def record_submission(year, slug):
    agency = get_agency_or_404(slug)
    auth.authorize("edit", agency)
    _year_arg(year)
    return _record_submission(
        agency, year, url_for("reports.annual_text", year=year, slug=slug),
        lambda form: _annual_text_page(agency, year, AnnualTextForm(
            obj=services.annual_text(agency.id, year), formdata=None),
            services.annual_text(agency.id, year), True, form, 422))


def _record_submission(agency, year, back, refused):
    """Record it and go ``back``; a refusal shows the page again (``refused(form)``) with
    the message beside the form and what was typed kept."""
    form = SubmissionForm()
    if form.validate_on_submit():
        try:
            services.record_submission(agency, year, {f: form[f].data for f in (
                "submitted_on", "recipient", "method", "reference", "note")},
                actor=current_user, now=utcnow())
        except services.ReportError as exc:
            db.session.rollback()
            form.submitted_on.errors = list(form.submitted_on.errors) + [str(exc)]
        else:
            db.session.commit()
            flash(_("Penyampaian laporan dicatat."), "success")
            return redirect(back)
    return refused(form)


@bp.post("/kelola/laporan/tahunan/<int:year>/<slug>/terbitkan")
def publish_summary(year, slug):
    agency = get_agency_or_404(slug)
    auth.authorize("edit", agency)
    _year_arg(year)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort_with(400, _("Formulir tidak sah; muat ulang halaman lalu coba lagi."))
    now = utcnow()
    ctx = services.annual_context(year, agency=agency, now=now)
    pdf = html_to_pdf(render_html("pdf/reports/annual_summary.html", **ctx, **_labels()))
    try:
        item, is_new = services.publish_summary(agency, year, pdf, actor=current_user, now=now)
    except services.ReportError as exc:
        db.session.rollback()
        abort_with(400, str(exc))
    db.session.commit()
    if is_new:
        flash(_("Ringkasan laporan tahun %(y)d diterbitkan sebagai dokumen kewajiban e.",
                y=year), "success")
    else:
        flash(_("Ringkasan laporan tahun %(y)d sudah terbit dan isinya tidak berubah; "
                "tidak ada versi baru.", y=year), "info")
    return redirect(url_for("registry.item", slug=agency.slug, item_id=item.id))


@bp.get("/kelola/laporan/audit.<fmt>")
def audit_report(fmt):
    auth.authorize("view_all")
    ctx = services.audit_context()
    if fmt == "csv":
        part = request.args.get("bagian") or "peringkat"
        if part == "peringkat":
            text = services.compliance_csv(ctx["rows"], ctx["obligations"], ctx["matrix"])
        elif part == "kewajiban":
            text = services.overdue_csv(ctx["overdue"])
        elif part == "permohonan":
            text = services.late_csv(ctx["late"])
        else:
            abort_with(400, _("Bagian laporan tidak dikenal."))
        return csv_response(text, f"audit-kepatuhan-{part}.csv")
    if fmt in ("pdf", "html"):
        chart = _trend_chart(ctx["trend"], _("Tren rata-rata skor kepatuhan"),
                             "chart-audit-trend")
        html = render_html("pdf/reports/audit.html", chart=chart, **ctx, **_labels())
        return html if fmt == "html" else _pdf(html, "audit-kepatuhan.pdf")
    abort_with(404, _("Format laporan tidak dikenal."))


# --- Dashboard section -------------------------------------------------------------------------

def dashboard_section(user):
    """PPID Utama and auditors: the five lowest-scoring agencies. Helper officers: the way to
    their agencies' annual report."""
    ctx = {"worst": None, "agencies": [], "year": local_today().year - 1}
    if user.has_role(auth.MAIN) or user.has_role(auth.AUDITOR):
        rows = [f for f in services.compliance_overview() if f.score is not None]
        ctx["worst"] = sorted(rows, key=lambda f: (f.score, f.name.lower()))[:5]
    helper_ids = user.agency_ids(auth.HELPER)
    if helper_ids:
        ctx["agencies"] = [a for a in active_agencies() if a.id in helper_ids]
    if ctx["worst"] is None and not ctx["agencies"]:
        return None
    ctx.update(_labels())
    return "reports/dashboard_section.html", ctx


def can_view_all(user):
    return auth.can(user, "view_all")
