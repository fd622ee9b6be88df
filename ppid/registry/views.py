"""Pages of proactive disclosure: public DIP pages, exports and feeds; officers' pages to
keep items, versions, nil declarations, the catalogue and exemptions; the PPID Utama's
compliance matrix."""
from pathlib import Path

import sqlalchemy as sa
from flask import (Blueprint, Response, abort, current_app, flash, redirect,
                   render_template, request, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from ppid.agencies.models import Agency
from ppid.agencies.views import get_agency_or_404
from ppid.core import auth, dates, extract
from ppid.core.db import utcnow
from ppid.core.exports import csv_response
from ppid.core.forms import ConfirmForm
from ppid.core.pdf import render_pdf
from ppid.core.services import local_today, timezone as local_tz
from ppid.core.storage import storage
from ppid.core.uploads import UploadRejected, send_stored
from ppid.core.web import abort_with, filter_agency_arg, filter_choice_arg
from ppid.extensions import db
from ppid.registry import fragments, rules, services
from ppid.registry.forms import (ExemptionApprovalForm, ExemptionForm, ItemForm, NilForm, ObligationForm, VersionForm,
                                 WithdrawForm)
from ppid.registry.rules import Category, DipForm, ItemState
from ppid.registry.models import (CATEGORIES, PUBLISHED, TEXT_DONE, TEXT_FAILED, TEXT_NONE,
                                  TEXT_PENDING, WITHDRAWN, DipItem, Exemption,
                                  Obligation)

bp = Blueprint("registry", __name__)

# --- loading helpers -----------------------------------------------------------------------

def _item_or_404(item_id, agency=None):
    item = db.session.get(DipItem, item_id)
    if item is None or (agency is not None and item.agency_id != agency.id):
        abort(404)
    return item


def _public_item_or_404(slug, item_id):
    agency = get_agency_or_404(slug)
    item = _item_or_404(item_id, agency)
    if not item.is_public and not auth.can(current_user, "edit", item):
        abort(404)
    return agency, item


def _obligation_or_404(code):
    ob = db.session.execute(sa.select(Obligation).where(Obligation.code == code)
                            ).scalar_one_or_none()
    if ob is None:
        abort(404)
    return ob


def _tz_aware(local_naive):
    return None if local_naive is None else local_naive.replace(tzinfo=local_tz())


def _year_semester():
    """?tahun=&semester= of exports; defaults to the current semester."""
    today = local_today()
    try:
        year = int(request.args.get("tahun") or today.year)
        semester = int(request.args.get("semester") or rules.semester_of(today))
    except ValueError:
        abort_with(400, _("Tahun dan semester harus angka, misalnya tahun=2026&semester=1."))
    if not 2000 <= year <= 2100 or semester not in (1, 2):
        abort_with(400, _("Tahun harus antara 2000 dan 2100 dan semester 1 atau 2."))
    return year, semester


# --- public pages --------------------------------------------------------------------------

@bp.get("/badan/<slug>/dip/<int(max=2147483647):item_id>")
def item(slug, item_id):
    agency, item = _public_item_or_404(slug, item_id)
    hours = rules.hours_to_publish(item.event_at, item.published_at)
    return render_template("registry/item.html", agency=agency, item=item, hours=hours,
                           confirm=ConfirmForm(), serta_merta_parts=rules.SERTA_MERTA_PARTS, text_status_labels=TEXT_STATUS_LABELS,
                           text_error_labels=TEXT_ERROR_LABELS)


# What officers see of a version's text for search (DocumentVersion.text_status and
# text_error, codes of ppid.core.extract.FAILURES).
TEXT_STATUS_LABELS = {
    TEXT_PENDING: _l("menunggu dibaca"),
    TEXT_DONE: _l("siap"),
    TEXT_FAILED: _l("gagal dibaca"),
    TEXT_NONE: _l("tidak ada (jenis berkas ini tidak dibaca)"),
}
TEXT_ERROR_LABELS = {
    extract.TIMEOUT: _l("pembacaan melewati batas waktu"),
    extract.MEMORY: _l("pembacaan melewati batas memori"),
    extract.UNREADABLE: _l("isi berkas tidak dapat dibaca"),
    extract.ENCRYPTED: _l("berkas dilindungi kata sandi"),
    extract.CRASHED: _l("proses pembacaan gagal"),
}


@bp.get("/badan/<slug>/dip/<int(max=2147483647):item_id>/versi/<int(max=2147483647):number>")
def download(slug, item_id, number):
    """Every version stays downloadable, also of withdrawn items (the public history)."""
    _agency, item = _public_item_or_404(slug, item_id)
    version = services.get_version(item, number)
    if version is None:
        abort(404)
    return send_stored(storage().get(version.sha256), version.media_type,
                       version.original_name)


@bp.get("/badan/<slug>/kewajiban/<code>")
def obligation_detail(slug, code):
    agency = get_agency_or_404(slug)
    ob = _obligation_or_404(code)
    if not rules.applies_to_agency(ob.applies_to, agency.kind):
        abort(404)
    pair = services.status_of(agency, ob)
    items = db.session.execute(
        sa.select(DipItem).where(DipItem.agency_id == agency.id, DipItem.obligation_id == ob.id)
        .order_by(DipItem.published_at.desc().nulls_first(), DipItem.id.desc())).scalars().all()
    if not auth.can(current_user, "edit", agency):
        items = [i for i in items if i.is_public]
    latest = services.latest_item_for(agency, ob)
    return render_template("registry/obligation.html", agency=agency, ob=ob, pair=pair,
                           items=items, latest=latest,
                           nils=services.nil_declarations(agency, ob))


@bp.get("/informasi-dikecualikan")
def exemptions():
    from ppid.agencies.services import active_agencies
    errors = {}
    agencies = active_agencies()
    agency = filter_agency_arg(agencies, errors)
    rows = services.exemptions(agency, approved_only=True)
    today = local_today()
    return render_template("registry/exemptions.html", rows=rows, agency=agency, today=today,
                           review_due=rules.exemption_review_due, agencies=agencies,
                           errors=errors), 400 if errors else 200


def _export_columns():
    # Perki 1/2021 DIP columns, in the official order.
    return [_("Nomor"), _("Ringkasan isi informasi"),
            _("Pejabat atau unit/satuan kerja yang menguasai informasi"),
            _("Penanggung jawab pembuatan atau penerbitan informasi"),
            _("Waktu dan tempat pembuatan informasi"), _("Bentuk informasi yang tersedia"),
            _("Jangka waktu penyimpanan atau retensi arsip")]


def _made(item):
    parts = [dates.date_short(item.made_on, empty=""), item.made_at_place or ""]
    return ", ".join(p for p in parts if p)


@bp.get("/badan/<slug>/dip.pdf")
def dip_pdf(slug):
    agency = get_agency_or_404(slug)
    year, semester = _year_semester()
    items = services.dip_for_semester(agency, year, semester)
    pdf = render_pdf("pdf/dip.html", agency=agency, items=items, year=year, semester=semester,
                     columns=_export_columns(), made=_made, generated_on=local_today(),
                     pdf_css=_pdf_css())
    resp = Response(pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = (
        f'inline; filename="dip-{agency.slug}-{year}-s{semester}.pdf"')
    return resp


def _pdf_css():
    path = Path(current_app.static_folder) / "css" / "pdf.css"
    return path.read_text(encoding="utf-8")


@bp.get("/badan/<slug>/dip.csv")
def dip_csv(slug):
    agency = get_agency_or_404(slug)
    year, semester = _year_semester()
    items = services.dip_for_semester(agency, year, semester)
    rows = [_export_columns() + [_("Kategori"), _("Kewajiban"), _("Status"), _("Tautan")]]
    for n, it in enumerate(items, 1):
        rows.append([("" if v is None else str(v)) for v in (
            n, f"{it.title}: {it.summary}" if it.summary else it.title, it.holding_unit,
            it.responsible, _made(it), DipForm.label_of(it.form), it.retention,
            Category.label_of(it.category),
            it.obligation.code if it.obligation else "", ItemState.label_of(it.state),
            url_for("registry.item", slug=agency.slug, item_id=it.id, _external=True))])
    return csv_response(rows, f"dip-{agency.slug}-{year}-s{semester}.csv")


def _atom(items, title, self_url, alternate_url):
    updated = max((i.published_at for i in items), default=None) or utcnow()
    body = render_template("registry/feed.xml", items=items, title=title, self_url=self_url,
                           alternate_url=alternate_url, updated=updated)
    return Response(body, mimetype="application/atom+xml")


@bp.get("/badan/<slug>/dip.atom")
def agency_feed(slug):
    agency = get_agency_or_404(slug)
    return _atom(services.feed_items(agency), _("Publikasi baru: %(name)s", name=agency.name),
                 url_for("registry.agency_feed", slug=slug, _external=True),
                 url_for("agencies.profile", slug=slug, _external=True))


@bp.get("/dip.atom")
def feed():
    return _atom(services.feed_items(), _("Publikasi baru di Registri PPID"),
                 url_for("registry.feed", _external=True), url_for("core.home", _external=True))


# --- the PPID Utama's matrix -----------------------------------------------------------------

@bp.get("/kelola/dip/matriks")
def matrix():
    auth.authorize("view_all")
    q = (request.args.get("q") or "").strip()[:100]
    errors = {}
    status = filter_choice_arg("status", errors, rules.STATUSES, default="",
                               message=_("Status tidak dikenal. Pilih dari daftar."))
    pairs = services.compute_staleness()
    obligations = services.active_obligations()
    counts = services.status_counts(pairs)
    col = {o.id: i for i, o in enumerate(obligations)}
    rows, by_agency = [], {}
    for p in pairs:
        cells = by_agency.get(p.agency.id)
        if cells is None:
            cells = by_agency[p.agency.id] = [None] * len(obligations)
            rows.append((p.agency, cells))
        cells[col[p.obligation.id]] = p.status
    needle = q.lower()
    if needle:
        rows = [r for r in rows if needle in r[0].name.lower()
                or needle in (r[0].short_name or "").lower()]
    if status:
        rows = [r for r in rows if status in r[1]]
    return render_template("registry/matrix.html", rows=rows, obligations=obligations,
                           counts=counts, q=q, status=status, total=len(pairs),
                           errors=errors), 400 if errors else 200


# --- catalogue (PPID Utama) ------------------------------------------------------------------

@bp.get("/kelola/katalog")
def catalogue():
    auth.authorize("manage_catalogue")
    obligations = db.session.execute(sa.select(Obligation).order_by(Obligation.code)
                                     ).scalars().all()
    return render_template("registry/catalogue.html", obligations=obligations)


@bp.route("/kelola/katalog/baru", methods=["GET", "POST"])
def obligation_new():
    auth.authorize("manage_catalogue")
    return _save_obligation(None)


@bp.route("/kelola/katalog/<int(max=2147483647):obligation_id>/ubah", methods=["GET", "POST"])
def obligation_edit(obligation_id):
    auth.authorize("manage_catalogue")
    ob = db.session.get(Obligation, obligation_id) or abort(404)
    return _save_obligation(ob)


def _save_obligation(ob):
    form = ObligationForm(obj=ob)
    if form.validate_on_submit():
        data = {f: getattr(form, f).data for f in services.OBLIGATION_FIELDS}
        data["description"] = data["description"] or ""
        data["legal_basis"] = data["legal_basis"] or ""
        try:
            ob = services.save_obligation(ob, data, actor=current_user)
        except services.RegistryError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Kewajiban %(code)s disimpan; status semua badan publik dihitung ulang.",
                    code=ob.code), "success")
            return redirect(url_for("registry.catalogue"))
    status = 422 if request.method == "POST" else 200
    return render_template("registry/obligation_form.html", form=form, ob=ob), status


# --- items of an agency (its helper officers and the PPID Utama) -----------------------------

@bp.get("/kelola/badan/<slug>/dip")
def manage(slug):
    agency = get_agency_or_404(slug)
    auth.authorize("edit", agency)
    items = db.session.execute(
        sa.select(DipItem).where(DipItem.agency_id == agency.id)
        .order_by(DipItem.state, DipItem.updated_at.desc())).scalars().all()
    pairs = services.compute_staleness(agency_ids=[agency.id])
    return render_template("registry/manage.html", agency=agency, items=items, pairs=pairs,
                           exemptions=services.exemptions(agency), confirm=ConfirmForm(),
                           today=local_today(), review_due=rules.exemption_review_due)


def _applicable_obligations(agency):
    return [o for o in services.active_obligations()
            if rules.applies_to_agency(o.applies_to, agency.kind)]


def _item_data(form):
    data = {f: getattr(form, f).data for f in services.ITEM_FIELDS}
    data["obligation_id"] = data["obligation_id"] or None
    data["event_at"] = _tz_aware(data["event_at"])
    return data


@bp.route("/kelola/badan/<slug>/dip/baru", methods=["GET", "POST"])
def item_new(slug):
    agency = get_agency_or_404(slug)
    auth.authorize("edit", agency)
    form = ItemForm(_applicable_obligations(agency))
    if request.method == "GET" and request.args.get("kewajiban"):
        ob = db.session.execute(sa.select(Obligation).where(
            Obligation.code == request.args["kewajiban"])).scalar_one_or_none()
        if ob is not None:
            form.obligation_id.data = ob.id
            form.category.data = ob.category
            form.title.data = ob.title
    upload_error = None
    if form.validate_on_submit():
        try:
            document = _checked_document(form.document.data)
            item = services.create_item(agency, _item_data(form), actor=current_user)
            if document is not None:
                services.add_version(item, document, form.note.data or "",
                                     actor=current_user)
        except (services.RegistryError, UploadRejected) as exc:
            db.session.rollback()  # nothing half-saved: no item without its document
            upload_error = str(exc)
        else:
            db.session.commit()
            flash(_("Informasi disimpan sebagai draf. Terbitkan bila sudah siap."), "success")
            return redirect(url_for("registry.item", slug=agency.slug, item_id=item.id))
    status = 422 if request.method == "POST" else 200
    return render_template("registry/item_form.html", form=form, agency=agency, item=None,
                           upload_error=upload_error), status


def _checked_document(upload):
    """The uploaded document, checked (services.check_document: a PDF is parsed in a
    limited child process, for up to PDF_CHECK_TIMEOUT_SECONDS) with no transaction open;
    None when no file was chosen. The transaction of the reads before it is ended first,
    since a POST's transaction holds SQLite's write lock: no other writer waits on the
    check, and the writes after it begin a transaction of their own."""
    if not upload or not getattr(upload, "filename", ""):
        return None
    db.session.rollback()  # nothing is written before the check
    return services.check_document(upload)


@bp.route("/kelola/dip/<int(max=2147483647):item_id>/ubah", methods=["GET", "POST"])
def item_edit(item_id):
    item = _item_or_404(item_id)
    auth.authorize("edit", item)
    agency = item.agency
    form = ItemForm(_applicable_obligations(agency), obj=item)
    if request.method == "GET":
        form.obligation_id.data = item.obligation_id or 0
        if item.event_at:
            form.event_at.data = item.event_at.astimezone(local_tz()).replace(tzinfo=None)
    del form.document, form.note  # new documents go through the version upload
    error = None
    if form.validate_on_submit():
        try:
            services.update_item(item, _item_data(form), actor=current_user)
        except services.RegistryError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Perubahan disimpan."), "success")
            return redirect(url_for("registry.item", slug=agency.slug, item_id=item.id))
    status = 422 if request.method == "POST" else 200
    return render_template("registry/item_form.html", form=form, agency=agency, item=item,
                           upload_error=error), status


@bp.post("/kelola/dip/<int(max=2147483647):item_id>/terbitkan")
def item_publish(item_id):
    item = _item_or_404(item_id)
    auth.authorize("edit", item)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    republish = item.state == WITHDRAWN
    try:
        services.publish_item(item, actor=current_user)
    except services.RegistryError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Informasi diterbitkan kembali dengan tanggal terbit semula; unggah versi "
                "baru untuk memperbaruinya.") if republish else _("Informasi diterbitkan."),
              "success")
    return redirect(url_for("registry.item", slug=item.agency.slug, item_id=item.id))


@bp.route("/kelola/dip/<int(max=2147483647):item_id>/tarik", methods=["GET", "POST"])
def item_withdraw(item_id):
    item = _item_or_404(item_id)
    auth.authorize("edit", item)
    form = WithdrawForm()
    error = None
    if form.validate_on_submit():
        try:
            services.withdraw_item(item, form.reason.data, actor=current_user)
        except services.RegistryError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Informasi ditarik; riwayatnya tetap terbuka untuk publik."), "success")
            return redirect(url_for("registry.item", slug=item.agency.slug, item_id=item.id))
    status = 422 if request.method == "POST" else 200
    return render_template("registry/withdraw.html", form=form, item=item, error=error), status


@bp.route("/kelola/dip/<int(max=2147483647):item_id>/unggah", methods=["GET", "POST"])
def version_upload(item_id):
    item = _item_or_404(item_id)
    auth.authorize("edit", item)
    form = VersionForm()
    error = None
    if form.validate_on_submit():
        try:
            document = _checked_document(form.document.data)  # as item_new: no transaction
            version = services.add_version(item, document, form.note.data or "",
                                           actor=current_user)
        except (services.RegistryError, UploadRejected) as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Versi %(n)d diunggah.", n=version.number), "success")
            return redirect(url_for("registry.item", slug=item.agency.slug, item_id=item.id))
    status = 422 if request.method == "POST" else 200
    return render_template("registry/upload.html", form=form, item=item, error=error), status


@bp.route("/kelola/badan/<slug>/nihil/<code>", methods=["GET", "POST"])
def nil_new(slug, code):
    agency = get_agency_or_404(slug)
    auth.authorize("edit", agency)
    ob = _obligation_or_404(code)
    form = NilForm()
    if request.method == "GET":
        today = local_today()
        form.period_year.data = today.year
        form.period_semester.data = rules.semester_of(today)
    error = None
    if form.validate_on_submit():
        try:
            services.declare_nil(agency, ob, form.period_year.data, form.period_semester.data,
                                 form.reason.data, actor=current_user)
        except services.RegistryError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Pernyataan nihil untuk %(title)s dicatat dan diumumkan.",
                    title=f"{ob.code}. {ob.title}"), "success")
            return redirect(url_for("registry.obligation_detail", slug=slug, code=code))
    status = 422 if request.method == "POST" else 200
    return render_template("registry/nil_form.html", form=form, agency=agency, ob=ob,
                           error=error), status


# --- exemptions ------------------------------------------------------------------------------

@bp.route("/kelola/badan/<slug>/pengecualian/baru", methods=["GET", "POST"])
def exemption_new(slug):
    agency = get_agency_or_404(slug)
    auth.authorize("edit", agency)
    return _save_exemption(agency, None)


@bp.route("/kelola/pengecualian/<int(max=2147483647):exemption_id>/ubah", methods=["GET", "POST"])
def exemption_edit(exemption_id):
    ex = db.session.get(Exemption, exemption_id) or abort(404)
    auth.authorize("edit", ex)
    return _save_exemption(ex.agency, ex)


def _save_exemption(agency, ex):
    form = ExemptionForm(obj=ex)
    form.item_id.choices = services.exemption_item_choices(agency)
    error = None
    if form.validate_on_submit():
        data = {f: getattr(form, f).data for f in services.EXEMPTION_FIELDS
                if f != "period_text"}
        was_approved = ex is not None and ex.is_approved
        try:
            ex = services.save_exemption(agency, ex, data, actor=current_user)
        except services.RegistryError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            if was_approved and not ex.is_approved:
                flash(_("Isi pengecualian diubah, sehingga persetujuan pimpinan dicabut: "
                        "pengecualian ini tidak berlaku sampai disetujui lagi."), "warning")
            elif not ex.is_approved:
                flash(_("Pengecualian dicatat. Ia berlaku setelah persetujuan pimpinan badan "
                        "publik dicatat di bawah."), "success")
                return redirect(url_for("registry.exemption_edit", exemption_id=ex.id))
            else:
                flash(_("Daftar informasi yang dikecualikan diperbarui."), "success")
            return redirect(url_for("registry.manage", slug=agency.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("registry/exemption_form.html", form=form, agency=agency, ex=ex,
                           error=error, approval=ExemptionApprovalForm(formdata=None),
                           approval_error=None, today=local_today(),
                           review_due=rules.exemption_review_due), status


@bp.post("/kelola/pengecualian/<int(max=2147483647):exemption_id>/setujui")
def exemption_approve(exemption_id):
    """Record the head of the body's approval of an entry (PP 61/2010)."""
    ex = db.session.get(Exemption, exemption_id) or abort(404)
    auth.authorize("edit", ex)
    approval = ExemptionApprovalForm()
    error = None
    if approval.validate_on_submit():
        data = {f: getattr(approval, f).data for f in services.APPROVAL_FIELDS}
        try:
            services.approve_exemption(ex, data, actor=current_user)
        except services.RegistryError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Persetujuan pimpinan dicatat: pengecualian ini berlaku."), "success")
            return redirect(url_for("registry.manage", slug=ex.agency.slug))
    form = ExemptionForm(obj=ex, formdata=None)
    form.item_id.choices = services.exemption_item_choices(ex.agency)
    return render_template("registry/exemption_form.html", form=form, agency=ex.agency, ex=ex,
                           error=None, approval=approval, approval_error=error,
                           today=local_today(), review_due=rules.exemption_review_due), 422


# --- sections of other pages -------------------------------------------------------------------

def dashboard_section(user):
    """Helper officers: their agencies' missing/overdue/due-soon obligations first.
    PPID Utama and auditors: the totals and the way to the matrix."""
    agency_ids = sorted(user.agency_ids(auth.HELPER))
    ctx = {"todo": [], "agencies": [], "totals": None}
    if agency_ids:
        pairs = services.compute_staleness(agency_ids=agency_ids)
        todo = sorted((p for p in pairs if p.needs_action),
                      key=lambda p: (p.agency.name, rules.SEVERITY_ORDER[p.status],
                                     p.obligation.code))
        latest = _latest_items(agency_ids)
        ctx["todo"] = [(p, latest.get((p.agency.id, p.obligation.id))) for p in todo]
        ctx["agencies"] = db.session.execute(
            sa.select(Agency).where(Agency.id.in_(agency_ids)).order_by(Agency.name)
        ).scalars().all()
        ctx["agency_counts"] = services.status_counts(pairs)
    if auth.can(user, "view_all"):
        ctx["totals"] = services.status_counts(services.compute_staleness())
    if not agency_ids and ctx["totals"] is None:
        return None
    return "registry/dashboard_section.html", ctx


def _latest_items(agency_ids):
    """(agency_id, obligation_id) -> newest non-withdrawn item id, in one query."""
    rows = db.session.execute(
        sa.select(DipItem.agency_id, DipItem.obligation_id, sa.func.max(DipItem.id))
        .where(DipItem.agency_id.in_(agency_ids), DipItem.obligation_id.is_not(None),
               DipItem.state != WITHDRAWN)
        .group_by(DipItem.agency_id, DipItem.obligation_id)).all()
    return {(a, o): i for a, o, i in rows}


def profile_section(agency):
    """On the public agency page: the DIP by category, obligations with status, serta-merta
    timing, exports and feeds; rendered again only when the registry changed (or the date,
    the language, or whether the viewer may edit it: see ppid.registry.fragments)."""
    key = ("profile", agency.id, local_today().isoformat(), str(get_locale()),
           auth.can(current_user, "edit", agency))
    html = fragments.cached(key, db.session, lambda: render_template(
        "registry/profile_section.html", agency=agency,
        context=_profile_section_context(agency)))
    return "_fragment.html", {"html": Markup(html)}


def _profile_section_context(agency):
    pairs = services.compute_staleness(agency_ids=[agency.id])
    items = db.session.execute(
        sa.select(DipItem).where(DipItem.agency_id == agency.id,
                                 DipItem.state.in_((PUBLISHED, WITHDRAWN)))
        .order_by(DipItem.published_at.desc())).scalars().all()
    by_category = {c: [i for i in items if i.category == c and i.state == PUBLISHED]
                   for c in CATEGORIES}
    withdrawn = [i for i in items if i.state == WITHDRAWN]
    serta_merta = [(i, rules.hours_to_publish(i.event_at, i.published_at))
                   for i in by_category["serta_merta"]]
    today = local_today()
    n_exempt = db.session.execute(sa.select(sa.func.count()).select_from(Exemption).where(
        Exemption.agency_id == agency.id)).scalar_one()
    return {
        "pairs": pairs, "by_category": by_category, "withdrawn": withdrawn,
        "serta_merta": serta_merta, "year": today.year, "semester": rules.semester_of(today),
        "n_exempt": n_exempt, "nils": services.nil_declarations(agency)}


@bp.app_template_filter("filesize")
def _filesize(n):
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"
