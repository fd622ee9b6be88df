"""Pages of the E-Monev self-assessment: each PPID reads and works on its own agency's
assessment (computations shown, attestations with evidence), the PPID Utama and the
Kominfo auditor read every agency ranked and the government as a whole (read-only for the
auditor), the administrator adjusts the year's indicator weights. Access is per object
(ppid.core.auth ``view``/``edit`` on the agency or the attestation)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ppid.agencies.models import Agency
from ppid.agencies.views import get_agency_or_404
from ppid.core import auth
from ppid.core.db import utcnow
from ppid.core.services import local_today
from ppid.core.storage import storage
from ppid.core.uploads import UploadRejected, send_stored
from ppid.core.web import abort_with, filter_int_arg
from ppid.evaluation import assessment, rules
from ppid.evaluation.forms import (AttestForm, WithdrawAttestationForm, questions_form_class,
                                   weights_form_class)
from ppid.evaluation.models import EmonevAttestation
from ppid.evaluation.views import bp
from ppid.extensions import db
from ppid.registry.services import warning_days as registry_warning_days
from ppid.reports.rules import NO_BAND_LABEL, Band


def _year_arg(*, ahead=0, errors=None):
    """?tahun=, the current year when absent. Any other value is a 400 with a message, or,
    given ``errors`` (a page's year filter), the current year's page with the message next
    to the filter (issue #17)."""
    today = local_today()
    message = _("Tahun harus angka antara 2000 dan %(y)d.", y=today.year + ahead)
    if errors is not None:
        return filter_int_arg("tahun", errors, lo=2000, hi=today.year + ahead,
                              default=today.year, message=message)
    raw = (request.args.get("tahun") or "").strip()
    if not raw:
        return today.year
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4
            and 2000 <= int(raw) <= today.year + ahead):
        abort_with(400, message)
    return int(raw)


def _fmt(value):
    return "–" if value is None else f"{value:.1f}"


def _pct(score):
    return "–" if score is None else f"{float(score) * 100:.1f}"


def _common(year):
    return {"year": year, "fmt": _fmt, "pct": _pct, "Band": Band, "NO_BAND": NO_BAND_LABEL,
            "Question": rules.Question, "QuestionKind": rules.QuestionKind,
            "Indicator": rules.Indicator, "years": assessment.history_years(local_today().year)}


@bp.get("/kelola/emonev")
def emonev_index():
    """Where the E-Monev link leads: the ranking for those who read every agency, the
    agency's own assessment for its officers."""
    if not current_user.is_authenticated:
        abort(401)
    if auth.can(current_user, "view_all"):
        return redirect(url_for("evaluation.emonev_ranking"))
    ids = current_user.agency_ids(auth.HELPER, auth.ATASAN)
    agencies = db.session.execute(db.select(Agency).where(
        Agency.id.in_(ids), Agency.is_active.is_(True)).order_by(Agency.name)).scalars().all()
    if not agencies:
        abort(403)
    if len(agencies) == 1:
        return redirect(url_for("evaluation.emonev_agency", slug=agencies[0].slug))
    return render_template("evaluation/emonev_choose.html", agencies=agencies)


@bp.get("/kelola/emonev/peringkat")
def emonev_ranking():
    auth.authorize("view_all")
    errors = {}
    year = _year_arg(errors=errors)
    government, ranked = assessment.assess_all(year)
    return render_template("evaluation/emonev_ranking.html", government=government,
                           ranked=ranked, history=assessment.government_history(year),
                           can_weights=auth.can(current_user, "manage_emonev_weights"),
                           errors=errors, **_common(year)), 400 if errors else 200


RANKING_CSV_COLUMNS = ("tahun", "peringkat", "badan_publik", "slug", "nilai", "predikat",
                       *(i.value for i in rules.INDICATORS), "paling_menaikkan_nilai",
                       "tambahan_poin")


@bp.get("/kelola/emonev/peringkat.csv")
def emonev_ranking_csv():
    """The ranking as CSV (the government's row first, unranked): figures and codes for a
    spreadsheet; the band as its label."""
    from ppid.core.exports import csv_response
    auth.authorize("view_all")
    year = _year_arg()
    government, ranked = assessment.assess_all(year)

    def row(place, name, slug, a):
        top = a.gains[0] if a.gains else None
        return [year, place or "", name, slug, "" if a.total is None else str(a.total),
                str(Band.label_of(a.band, NO_BAND_LABEL)),
                *("" if i.shown is None else str(i.shown) for i in a.indicators),
                top.question.value if top else "", str(top.shown) if top else ""]
    rows = [RANKING_CSV_COLUMNS,
            row(None, _("Pemerintah secara keseluruhan"), "", government.assessment)]
    rows += [row(place, r.agency.name, r.agency.slug, r.assessment) for place, r in ranked]
    return csv_response(rows, f"emonev-peringkat-{year}.csv")


@bp.get("/kelola/emonev/<slug>")
def emonev_agency(slug):
    agency = get_agency_or_404(slug)
    auth.authorize("view", agency)
    errors = {}
    year = _year_arg(errors=errors)
    return _agency_page(agency, year, AttestForm(formdata=None), errors=errors,
                        status=400 if errors else 200)


def _agency_page(agency, year, form, error=None, status=200, errors=None):
    result = assessment.assess_agency(agency, year)
    can_edit = auth.can(current_user, "edit", agency)
    rows = assessment.attestations(agency.id)
    today, warning = local_today(), registry_warning_days()
    return render_template(
        "evaluation/emonev_agency.html", agency=agency, result=result,
        question_labels=assessment.questions_for(local_today().year),
        a=result.assessment, history=assessment.history(agency, year), can_edit=can_edit,
        form=form, error=error, attestations=rows,
        statuses={row.id: rules.attestation_status(row.valid_until, today, warning)
                  for row in rows},
        AttestationStatus=rules.AttestationStatus, errors=errors or {}, **_common(year)), status


@bp.post("/kelola/emonev/<slug>/bukti")
def emonev_attest(slug):
    agency = get_agency_or_404(slug)
    auth.authorize("edit", agency)
    year = _year_arg()
    form = AttestForm()
    if not form.validate_on_submit():
        return _agency_page(agency, year, form, status=422)
    try:
        checked = None
        upload = form.document.data
        if upload and getattr(upload, "filename", ""):
            db.session.rollback()  # no transaction is held while a PDF is checked
            checked = assessment.check_evidence(upload)
        if checked is None:
            raise UploadRejected(_("Pilih berkas bukti yang akan diunggah."))
        assessment.attest(agency, form.question.data, checked,
                          statement=form.statement.data, valid_from=form.valid_from.data,
                          valid_until=form.valid_until.data, actor=current_user,
                          now=utcnow())
    except (UploadRejected, assessment.AssessmentError) as exc:
        db.session.rollback()
        message = exc.message if isinstance(exc, assessment.AssessmentError) else str(exc)
        return _agency_page(agency, year, form, error=message, status=422)
    db.session.commit()
    flash(_("Bukti untuk \"%(q)s\" tersimpan.",
            q=assessment.questions_for(local_today().year).label_of(form.question.data)),
          "success")
    return redirect(url_for("evaluation.emonev_agency", slug=agency.slug, tahun=year))


@bp.get("/kelola/emonev/bukti/<int(max=2147483647):attestation_id>")
def emonev_evidence(attestation_id):
    row = db.session.get(EmonevAttestation, attestation_id)
    if row is None:
        abort(404)
    auth.authorize("view", row)
    return send_stored(storage().get(row.sha256), row.media_type, row.original_name)


@bp.post("/kelola/emonev/bukti/<int(max=2147483647):attestation_id>/tarik")
def emonev_withdraw(attestation_id):
    row = db.session.get(EmonevAttestation, attestation_id)
    if row is None:
        abort(404)
    auth.authorize("edit", row)
    form = WithdrawAttestationForm()
    slug = row.agency.slug
    if not form.validate_on_submit():
        flash(_("Tuliskan alasan penarikan bukti."), "error")
        return redirect(url_for("evaluation.emonev_agency", slug=slug) + "#bukti")
    try:
        assessment.withdraw(row, form.reason.data, actor=current_user, now=utcnow())
    except assessment.AssessmentError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("evaluation.emonev_agency", slug=slug) + "#bukti")
    db.session.commit()
    flash(_("Bukti \"%(name)s\" ditarik; tidak lagi dihitung.", name=row.original_name),
          "success")
    return redirect(url_for("evaluation.emonev_agency", slug=slug) + "#bukti")


@bp.route("/kelola/emonev/bobot", methods=["GET", "POST"])
def emonev_weights():
    auth.authorize("manage_emonev_weights")
    errors = {}
    year = _year_arg(ahead=1, errors=errors if request.method == "GET" else None)
    current = assessment.weights_for(year)
    form_class = weights_form_class()
    form = form_class(data=current.weights) if request.method == "GET" else form_class()
    error = None
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                assessment.save_weights(year, {i.value: form[i.value].data
                                               for i in rules.INDICATORS},
                                        actor=current_user, now=utcnow())
            except (rules.WeightsError, assessment.AssessmentError) as exc:
                db.session.rollback()
                error = exc.message
            else:
                db.session.commit()
                flash(_("Bobot indikator tahun %(y)d tersimpan.", y=year), "success")
                return redirect(url_for("evaluation.emonev_weights", tahun=year))
    status = 422 if request.method == "POST" else 400 if errors else 200
    return render_template("evaluation/emonev_weights.html", form=form, current=current,
                           error=error, errors=errors, indicators=rules.INDICATORS,
                           questions=assessment.questions_for(year).active, year=year,
                           years=list(range(year - 4, local_today().year + 2))), status


def dashboard_section(user):
    """Helper officers: their agencies' expired and expiring evidence and the links of
    theirs that do not answer; readers of every agency: the way to the ranking."""
    from ppid.evaluation import links
    ids = sorted(user.agency_ids(auth.HELPER))
    reads_all = auth.can(user, "view_all")
    if not ids and not reads_all:
        return None
    expiring = assessment.expiring_attestations(ids) if ids else []
    broken = links.failing_links(ids) if ids else []
    agencies = db.session.execute(db.select(Agency).where(Agency.id.in_(ids)).order_by(
        Agency.name)).scalars().all() if ids else []
    return "evaluation/_emonev_dashboard.html", {
        "emonev_expiring": expiring, "emonev_agencies": agencies, "emonev_all": reads_all,
        "emonev_broken": broken,
        "AttestationStatus": rules.AttestationStatus}


@bp.get("/kelola/emonev/<slug>/paket.zip")
def emonev_pack(slug):
    """The evidence pack of the agency for the year (ppid.evaluation.pack): its links are
    checked now, so this takes a moment."""
    from flask import Response

    from ppid.evaluation import pack
    agency = get_agency_or_404(slug)
    auth.authorize("view", agency)
    year = _year_arg()
    body = pack.build_pack(agency, year)
    resp = Response(body, mimetype="application/zip")
    resp.headers["Content-Disposition"] = f'attachment; filename="{pack.pack_name(agency, year)}"'
    return resp


# --- The question set of a year ---------------------------------------------------------------

def _free_computations(year_questions, indicator):
    """The computations no active question of the year uses (a computed question to add)."""
    used = {q.computation for q in year_questions.active if q.computation}
    return [c for c in rules.COMPUTATIONS if c.value not in used]


def _questions_form(year_questions, indicator, formdata=None):
    asked = [q for q in year_questions.active if q.indicator is indicator]
    form_class = questions_form_class(asked, _free_computations(year_questions, indicator))
    if formdata is None:
        data = {}
        for q in asked:
            data[f"w_{q.value}"] = q.points
            data[f"t_{q.value}"] = q.text_id or (q.builtin.text("id") if q.builtin else "")
            data[f"en_{q.value}"] = q.text_en or ""
            data[f"b_{q.value}"] = q.basis or ""
        return form_class(formdata=None, data=data, prefix=indicator.value), asked
    return form_class(prefix=indicator.value), asked


def _questions_page(year, bound=None, error=None, status=200, errors=None):
    current = assessment.questions_for(year)
    today = local_today()
    editable = today.year <= year <= today.year + 1
    forms = {}
    for ind in rules.INDICATORS:
        if bound is not None and bound[0] is ind:
            forms[ind] = (bound[1], bound[2])
        else:
            forms[ind] = _questions_form(current, ind)
    return render_template(
        "evaluation/emonev_questions.html", year=year, current=current, forms=forms,
        editable=editable, error=error, error_indicator=bound[0] if bound else None,
        indicators=rules.INDICATORS, weights=assessment.weights_for(year),
        retired=[q for q in current.questions if q.is_retired],
        years=list(range(year - 4, today.year + 2)), Question=rules.Question,
        errors=errors or {}), status


@bp.get("/kelola/emonev/pertanyaan")
def emonev_questions():
    """The year's questions, by indicator: the administrator adds, edits and retires them
    and changes their weights (this year and next; a past year's set is read-only)."""
    auth.authorize("manage_emonev_weights")
    errors = {}
    year = _year_arg(ahead=1, errors=errors)
    return _questions_page(year, errors=errors, status=400 if errors else 200)


@bp.post("/kelola/emonev/pertanyaan/<indicator>")
def emonev_questions_save(indicator):
    auth.authorize("manage_emonev_weights")
    year = _year_arg(ahead=1)
    ind = rules.Indicator.get(indicator)
    if ind is None:
        abort(404)
    current = assessment.questions_for(year)
    form, asked = _questions_form(current, ind, formdata=True)
    if not form.validate_on_submit():
        return _questions_page(year, (ind, form, asked), status=422)
    changes = {q.value: {"text_id": form[f"t_{q.value}"].data,
                         "text_en": form[f"en_{q.value}"].data,
                         "basis": form[f"b_{q.value}"].data,
                         "weight": form[f"w_{q.value}"].data,
                         "retire": form[f"r_{q.value}"].data} for q in asked}
    new = None
    if (form.new_code.data or "").strip():
        new = {"code": form.new_code.data, "kind": form.new_kind.data,
               "computation": form.new_computation.data, "text_id": form.new_text.data,
               "text_en": form.new_text_en.data, "basis": form.new_basis.data,
               "weight": form.new_weight.data}
    try:
        assessment.save_indicator_questions(year, ind, changes, new, actor=current_user,
                                            now=utcnow())
    except (rules.WeightsError, assessment.AssessmentError) as exc:
        db.session.rollback()
        return _questions_page(year, (ind, form, asked), error=exc.message, status=422)
    db.session.commit()
    flash(_("Pertanyaan indikator %(name)s tahun %(y)d tersimpan.", name=ind.label, y=year),
          "success")
    return redirect(url_for("evaluation.emonev_questions", tahun=year) + f"#{ind.value}")
