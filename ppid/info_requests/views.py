"""Web pages of requests: the public form, tracking, the public register, officers' queues
and handling, objections."""
from datetime import date

import sqlalchemy as sa
from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import CombinedMultiDict

from ppid.accounts.models import RoleAssignment, User
from ppid.agencies.models import Agency
from ppid.agencies.services import active_agencies, utama
from ppid.agencies.views import get_agency_or_404
from ppid.core import auth, dates
from ppid.core.auth import authorize, can
from ppid.core.calendar import explain_deadline
from ppid.core.db import utcnow
from ppid.core.exports import csv_response
from ppid.core.pdf import RenderFailed, html_to_pdf_limited, render_html
from ppid.core.services import build_calendar, local_date, local_today, timezone
from ppid.core.storage import storage
from ppid.core.uploads import (DOCUMENT_TYPES, UploadRejected, check_upload, refuse_active_pdf,
                               send_stored)
from ppid.core.web import (MAX_ID, MAX_PAGE, abort_with, client_ip, filter_agency_arg,
                           filter_choice_arg, filter_int_arg, int_arg)
from ppid.extensions import db
from ppid.info_requests import forms, registers, rules, search, services
from ppid.info_requests.models import InfoRequest, Letter, Objection, RequestAttachment
from ppid.info_requests.policies import register_agency_ids
from ppid.reports.rules import WorkingDaysCounter

bp = Blueprint("requests", __name__)

PROXY_TYPES = {k: v for k, v in DOCUMENT_TYPES.items()
               if k in ("application/pdf", "image/png", "image/jpeg")}

MIN_YEAR, MAX_YEAR = 2000, 2100
ID = f"int(max={MAX_ID})"  # URL converter of row ids: a bigger one is simply not found (404)


@bp.app_context_processor
def _request_helpers():
    # Labels come from the enumerations (Jinja globals) and dates from ppid.core.dates.
    return {"rupiah": services.rupiah, "SUBJECT_PENDING": rules.SUBJECT_PENDING,
            "privacy_controller": _privacy_controller,
            "decision_fields": rules.decision_fields,
            "outcomes_showing": rules.outcomes_showing}


def _privacy_controller():
    """The controller the privacy notice names: the PPID Utama (read when a page shows it)."""
    main = utama()
    return main if main is not None and main.is_active else None


@bp.get("/privasi")
def privacy():
    """The privacy notice on a page of its own (UU 27/2022 Pasal 21), linked from the forms."""
    return render_template("info_requests/privacy.html")


# --- Intake -------------------------------------------------------------------------------

def _current_citizen():
    if current_user.is_authenticated and current_user.has_role(auth.CITIZEN):
        return current_user._get_current_object()  # the User itself, not the proxy
    return None


def _read_proxy_letter(form):
    """The checked power-of-attorney upload, or None; adds a field error when refused.
    (That a request through a proxy needs one is the form's check, ``fields.check``.)"""
    upload = form.proxy_letter.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    try:
        return check_upload(upload, allowed=PROXY_TYPES)
    except UploadRejected as exc:
        form.proxy_letter.errors = [*form.proxy_letter.errors, str(exc)]
        return False


def _new_key(form):
    form.submission_key.data = services.new_submission_key()


def _resent(form, template, earlier):
    """A form whose one-time key was used before, under different content: shown again
    with a fresh key and why (nothing of the earlier request is revealed), 409."""
    _new_key(form)
    flash(_("Formulir ini sudah pernah dikirim dan permohonannya sudah terdaftar; isian "
            "yang Anda kirim sekarang berbeda dan belum disimpan. Periksa isiannya, lalu "
            "kirim sekali lagi untuk mengajukannya sebagai permohonan baru."), "error")
    return render_template(template, form=form), 409


@bp.route("/permohonan/baru", methods=["GET", "POST"])
def new():
    agencies = active_agencies()
    citizen = _current_citizen()
    form = forms.RequestForm(agencies)
    if request.method == "GET":
        if citizen is not None:
            # The name of a request is the requester's legal name (as on the identity
            # document): the one they gave on their last request, never the account's
            # display name, which may be a nickname (or say "(Warga)").
            form.name.data = form.name.data or services.last_legal_name(citizen)
            form.email.data = form.email.data or citizen.email
        slug = request.args.get("badan")
        if slug and any(a.slug == slug for a in agencies):
            form.agency.data = slug
        else:
            main = utama()
            form.agency.data = main.slug if main else None
        _new_key(form)
        return render_template("info_requests/new.html", form=form)
    if form.website.data:
        abort_with(400, _("Kiriman ditolak: kolom yang seharusnya kosong terisi. Jika "
                          "Anda manusia, muat ulang formulir lalu kirim kembali."))
    now = utcnow()
    ip = client_ip()
    # The same form posted again (a double click, a refresh, a retry after a timeout) is
    # answered with its request before anything else: no second number, no rate limit.
    key = form.key_sent()
    submission = services.Submission("web", key, form.content_sent(request)) if key else None
    earlier = submission and services.find_submission(submission, now=now)
    if earlier:
        return _submitted_again(earlier, form)
    if services.is_rate_limited(ip, now=now):
        abort_with(429, _("Terlalu banyak permohonan dari alamat Anda dalam waktu "
                          "singkat. Silakan coba lagi nanti atau hubungi PPID."))
    valid = form.validate_on_submit()
    proxy = _read_proxy_letter(form)
    if not valid or proxy is False:
        return render_template("info_requests/new.html", form=form), 422
    data = form.service_data()
    try:
        req, token = services.submit_request(data, actor=citizen, now=now,
                                             requester_user=citizen, proxy_upload=proxy,
                                             ip=ip, submission=submission)
    except services.DuplicateSubmission as dup:  # the same form, committed meanwhile
        db.session.rollback()
        return _submitted_again(dup, form)
    ref = token or str(req.id)
    db.session.commit()
    # Post/redirect/get: a refresh of the receipt reads it again, it posts nothing.
    return redirect(url_for("requests.receipt", ref=ref), 303)


def _submitted_again(earlier, form):
    if not earlier.same:
        db.session.commit()  # (an expired key's removal, if any)
        return _resent(form, "info_requests/new.html", earlier)
    ref = earlier.token or str(earlier.request.id)
    db.session.commit()
    flash(_("Formulir ini sudah terkirim sebelumnya: permohonan Anda tetap satu, dengan "
            "nomor %(n)s.", n=earlier.request.registration_number), "info")
    return redirect(url_for("requests.receipt", ref=ref), 303)


@bp.get("/lacak/<ref>/tanda-terima")
def receipt(ref):
    """The page a submission redirects to: its number, dates and private tracking link."""
    req = _tracked(ref)
    token = None if ref.isdigit() else ref
    return render_template("info_requests/submitted.html", req=req, token=token,
                           track_url=url_for("requests.track", ref=ref, _external=True),
                           ref=ref)


# --- Tracking (citizen) -------------------------------------------------------------------

def _tracked(ref):
    """The request behind a tracking reference: a secret token, or an id for its owner."""
    if ref.isascii() and ref.isdigit():
        if not current_user.is_authenticated:
            abort(401)
        if len(ref) > 12 or int(ref) > MAX_ID:
            abort(404)
        req = db.get_or_404(InfoRequest, int(ref))
        authorize("view_request_personal", req)
        return req
    req = services.find_by_token(ref)
    if req is None:
        abort_with(404, _("Tautan pelacakan tidak dikenal. Periksa kembali tautan dari e-mail "
                          "tanda bukti Anda."))
    return req


def _deadline_working(req):
    cal = build_calendar()
    working = explain_deadline(cal, req.received_on, rules.ANSWER_DAYS)
    extension = None
    if req.extended_due_on:
        extension = rules.explain_extension(cal, req.due_on, req.extended_due_on)
    return working, extension


@bp.get("/lacak/<ref>")
def track(ref):
    req = _tracked(ref)
    now = utcnow()
    working, extension = _deadline_working(req)
    window = services.objection_window(req, now=now)
    today = local_today(now)
    return render_template("info_requests/track.html", req=req, ref=ref, working=working,
                           extension=extension, window=window, today=today,
                           is_late=req.late_on(today),
                           releases=[a for a in req.attachments if a.kind == "rilis"],
                           withdraw_form=forms.WithdrawForm())


@bp.get(f"/lacak/<ref>/surat/<{ID}:letter_id>")
def track_letter(ref, letter_id):
    req = _tracked(ref)
    return _send_letter(req, letter_id)


@bp.get(f"/lacak/<ref>/berkas/<{ID}:att_id>")
def track_file(ref, att_id):
    req = _tracked(ref)
    return _send_attachment(req, att_id, kinds=("rilis",))


@bp.route("/lacak/<ref>/keberatan", methods=["GET", "POST"])
def track_object(ref):
    req = _tracked(ref)
    now = utcnow()
    window = services.objection_window(req, now=now)
    form = forms.ObjectionForm()
    status = 200
    if request.method == "POST":
        if not window.is_open:
            flash(window.reason, "error")
            return redirect(url_for("requests.track", ref=ref))
        valid = form.validate_on_submit()
        # A proxy files online too, with the power of attorney checked like every upload.
        proxy_letter = _read_objection_proxy_letter(form)
        if valid and proxy_letter is not False:
            try:
                obj = services.file_objection(req, form.grounds.data, form.statement.data,
                                              actor=_actor(), now=now,
                                              purpose=form.purpose.data,
                                              proxy=form.proxy_data(),
                                              proxy_upload=proxy_letter)
            except services.ServiceError as exc:
                db.session.rollback()
                field = getattr(form, exc.field or "", None)
                if field is not None:
                    field.errors = [*field.errors, str(exc)]
                else:
                    flash(str(exc), "error")
                status = 422
                req = _tracked(ref)
            else:
                db.session.commit()
                flash(_("Keberatan Anda terdaftar dengan nomor %(n)s. Atasan PPID menanggapi "
                        "paling lambat %(d)s.", n=obj.registration_number,
                        d=dates.date_long(obj.due_on)), "success")
                return redirect(url_for("requests.track", ref=ref))
        else:
            status = 422
    return render_template("info_requests/object.html", req=req, ref=ref, form=form,
                           window=window), status


@bp.post("/lacak/<ref>/tarik")
def track_withdraw(ref):
    req = _tracked(ref)
    form = forms.WithdrawForm()
    if not form.validate_on_submit():
        if set(form.errors) - {"confirm"}:  # a bad token or note: as before
            abort_with(400, " ".join(str(e) for errors in form.errors.values() for e in errors))
        flash(" ".join(str(e) for e in form.confirm.errors), "error")
        return redirect(url_for("requests.track", ref=ref, _anchor="tarik"))
    try:
        services.withdraw_request(req, actor=_actor(), now=utcnow(),
                                  note=form.note.data or _("Ditarik oleh pemohon."))
    except services.ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Permohonan ditarik."), "success")
    return redirect(url_for("requests.track", ref=ref))


def _actor():
    return current_user if current_user.is_authenticated else None


@bp.get("/permohonan/saya")
@auth.role_required(auth.CITIZEN)
def mine():
    rows = db.session.execute(sa.select(InfoRequest).where(
        InfoRequest.requester_user_id == current_user.id)
        .order_by(InfoRequest.received_at.desc())).scalars().all()
    # Their objections naming no request (ground b, periodic information not provided).
    periodic = db.session.execute(sa.select(Objection).where(
        Objection.request_id.is_(None), Objection.requester_user_id == current_user.id)
        .order_by(Objection.received_at.desc())).scalars().all()
    return render_template("info_requests/mine.html", rows=rows, periodic=periodic,
                           today=local_today())


# --- Public register ----------------------------------------------------------------------

@bp.get("/permohonan/register")
def register():
    page = int_arg("page", lo=0, hi=MAX_PAGE,
                   message=_("Nomor halaman harus angka antara 1 dan %(n)d.", n=MAX_PAGE))
    page = max(1, page or 1)
    errors = {}
    year = filter_int_arg("tahun", errors, lo=MIN_YEAR, hi=MAX_YEAR,
                          message=_("Tahun harus angka antara %(a)d dan %(b)d.", a=MIN_YEAR,
                                    b=MAX_YEAR))
    state = filter_choice_arg("status", errors, rules.STATES,
                              message=_("Status tidak dikenal. Pilih dari daftar."))
    agencies = active_agencies()
    agency = _agency_filter(agencies, errors)
    result = services.public_register(page=page, per_page=current_app.config["PER_PAGE"],
                                      agency_id=agency.id if agency else None, year=year,
                                      state=state)
    return render_template("info_requests/register.html", page=result, today=local_today(),
                           agencies=agencies, agency=agency, year=year,
                           state=state, errors=errors), 400 if errors else 200


def _agency_filter(agencies, errors):
    """The public register's and the officers' queue's agency filter (by slug)."""
    return filter_agency_arg(agencies, errors)


# --- Officers: queue and intake -----------------------------------------------------------

@bp.get("/kelola/permohonan")
def queue():
    authorize("read_request_queue")
    ids = services.queue_agency_ids(current_user)
    agencies = [a for a in active_agencies() if ids is None or a.id in ids]
    errors = {}
    agency = _agency_filter(agencies, errors)
    agency_id = agency.id if agency else None
    rows = services.request_queue(current_user, now=utcnow(), agency_id=agency_id)
    return render_template("info_requests/queue.html", rows=rows, today=local_today(),
                           agencies=agencies, agency_id=agency_id,
                           errors=errors), 400 if errors else 200


@bp.get("/kelola/cari-permohonan")
@login_required
def officer_search():
    """The officers' search over the requests they handle, personal data included."""
    from ppid.search.query import QueryError
    authorize("search_requests")
    q = request.args.get("q", "")
    rows, error, status = [], None, 200
    if q.strip():
        try:
            rows = search.search_requests(current_user, q)
        except QueryError as exc:
            error, status = exc.message, 400
    return render_template("info_requests/officer_search.html", q=q, rows=rows, error=error,
                           limit=search.OFFICER_MAX_ROWS), status


@bp.get("/kelola/permohonan/ekspor.csv")
def export_csv():
    """The officer's open queue for internal use; identity numbers are masked (DOMAIN.md 11),
    and so is the requester's name for a reader who does not handle the request (the
    auditor)."""
    authorize("read_request_queue")
    queue = services.request_queue(current_user, now=utcnow())
    today = local_today()
    rows = [["nomor_pendaftaran", "diterima", "jatuh_tempo", "status", "tenggat",
             "badan_publik", "nama_pemohon", "nomor_identitas", "saluran", "petugas"]]
    for req, level in queue:
        # Dates stay ISO 8601 for spreadsheets; enumerated values are labels.
        late = rules.Urgency.TERLAMBAT if req.late_on(today) else level
        rows.append([req.registration_number, req.received_on.isoformat(),
                     req.effective_due_on.isoformat(), rules.RequestState.label_of(req.state),
                     late.label, req.agency.name,
                     *((req.requester_name, rules.mask_identity(req.identity_number))
                       if can(current_user, "view_request_personal", req)
                       else (str(registers.MASKED),) * 2),
                     rules.Channel.label_of(req.channel),
                     req.assigned_to.name if req.assigned_to else ""])
    return csv_response(rows, f"antrean-{today}.csv")


@bp.route("/kelola/permohonan/baru", methods=["GET", "POST"])
def enter():
    authorize("enter_request")
    # Helpers enter requests only for their own agencies; the PPID Utama for any.
    agencies = [a for a in active_agencies()
                if can(current_user, "enter_request", a)]
    form = forms.OfficerRequestForm(agencies)
    if request.method == "GET":
        form.received_at.data = utcnow().astimezone(timezone()).replace(
            second=0, microsecond=0, tzinfo=None)
        own = sorted(current_user.agency_ids(auth.HELPER))
        main = utama()
        slug = next((a.slug for a in agencies if own and a.id == own[0]), None)
        form.agency.data = slug or (main.slug if main else None)
        _new_key(form)
        return render_template("info_requests/enter.html", form=form)
    now = utcnow()
    # The same entry posted again is answered with the request it registered.
    key = form.key_sent()
    submission = services.Submission(f"petugas:{current_user.id}", key,
                                     form.content_sent(request)) if key else None
    earlier = submission and services.find_submission(submission, now=now)
    if earlier:
        return _entered_again(earlier, form)
    valid = form.validate_on_submit()
    proxy = _read_proxy_letter(form)
    if not valid or proxy is False:
        return render_template("info_requests/enter.html", form=form), 422
    data = form.service_data()
    authorize("enter_request", data["agency"])  # the choices allow only these; checked again
    received_at = form.received_at.data.replace(tzinfo=timezone())
    try:
        req, token = services.submit_request(data, actor=current_user, now=now,
                                             channel=form.channel.data,
                                             received_at=received_at, proxy_upload=proxy,
                                             submission=submission)
    except services.DuplicateSubmission as dup:
        db.session.rollback()
        return _entered_again(dup, form)
    except services.ServiceError as exc:
        db.session.rollback()
        getattr(form, exc.field or "received_at").errors = [str(exc)]
        return render_template("info_requests/enter.html", form=form), 422
    db.session.commit()
    flash(_("Permohonan %(n)s dicatat; jatuh tempo %(d)s.", n=req.registration_number,
            d=dates.date_long(req.due_on)), "success")
    _tracking_link_flash(req, token)
    return redirect(url_for("requests.detail", request_id=req.id))


def _tracking_link_flash(req, token):
    if token and not req.email:
        flash(_("Pemohon tidak memiliki e-mail. Berikan tautan pelacakan ini kepadanya "
                "(hanya ditampilkan sekali): %(u)s", u=services.tracking_url(token)), "info")


def _entered_again(earlier, form):
    if not earlier.same:
        db.session.commit()
        return _resent(form, "info_requests/enter.html", earlier)
    req = earlier.request
    db.session.commit()
    flash(_("Formulir ini sudah terkirim sebelumnya: permohonan %(n)s sudah dicatat, tidak "
            "dicatat dua kali.", n=req.registration_number), "info")
    _tracking_link_flash(req, earlier.token)
    return redirect(url_for("requests.detail", request_id=req.id))


# --- Officers: one request ----------------------------------------------------------------

def _load(request_id, action="handle_request"):
    req = db.get_or_404(InfoRequest, request_id)
    authorize(action, req)
    return req


def _officers_for(req):
    rows = db.session.execute(sa.select(User).join(RoleAssignment).where(
        sa.or_(sa.and_(RoleAssignment.role == auth.HELPER,
                       RoleAssignment.agency_id == req.agency_id),
               RoleAssignment.role == auth.MAIN), User.is_enabled.is_(True))
        .order_by(User.name)).scalars().unique().all()
    return rows


def _render_detail(req, status=200, **overrides):
    agencies = [a for a in active_agencies() if a.id != req.agency_id]
    assign = forms.AssignForm(_officers_for(req))
    ctx = {
        "forward_form": forms.ForwardForm(agencies),
        "assign_form": assign,
        "extend_form": forms.ExtendForm(),
        "close_form": _close_form(req),
        "delivery_form": forms.DeliveryForm(delivered_via=req.delivery),
        "redact_form": forms.RedactForm(redacted_subject=req.redacted_subject),
        "review_form": forms.ReviewSubjectForm(
            decision=(rules.SubjectReview.SAMARKAN if req.redacted_subject else None),
            redacted_subject=req.redacted_subject),
        "attach_form": forms.AttachForm(),
        "note_form": forms.NoteForm(),
    }
    ctx.update(overrides)
    # The auditor reads the page: no action form, and personal data masked (policies).
    ctx["may_act"] = can(current_user, "handle_request", req)
    ctx["show_personal"] = can(current_user, "view_request_personal", req)
    now = utcnow()
    working, extension = _deadline_working(req)
    cal = build_calendar()
    today = local_today(now)
    # Only the actions the request's state allows, for an officer who may act on it.
    ctx["actions"] = services.allowed_actions(req, today=today) if ctx["may_act"] else ()
    return render_template("info_requests/detail.html", req=req, working=working,
                           extension=extension, today=today, is_late=req.late_on(today),
                           urgency=rules.urgency(cal, req.effective_due_on, today),
                           max_extension=rules.max_extended_due(cal, req.due_on),
                           **ctx), status


def _close_form(req, **kw):
    return forms.CloseForm(services.exemption_choices(req, now=utcnow()), **kw)


def _render_decision(req, form, status=200):
    """The decision's second step: the chosen outcome's fields only (without JavaScript the
    request page asks for the outcome first and sends it here); or, with no valid outcome,
    the first step again."""
    now = utcnow()
    today = local_today(now)
    outcome = rules.Outcome.get(form.outcome.data)
    return render_template("info_requests/decision.html", req=req, form=form, outcome=outcome,
                           urgency=rules.urgency(build_calendar(), req.effective_due_on,
                                                 today)), status


def _may_decide(req):
    return rules.RequestAction.PUTUSKAN in services.allowed_actions(
        req, today=local_today(utcnow()))


def _not_decidable(req):
    return _("Permohonan berstatus '%(s)s' tidak dapat ditutup.",
             s=rules.RequestState.label_of(req.state))


@bp.get(f"/kelola/permohonan/<{ID}:request_id>/keputusan")
def decision(request_id):
    req = _load(request_id)
    if not _may_decide(req):
        flash(_not_decidable(req), "error")
        return redirect(url_for("requests.detail", request_id=req.id))
    chosen = request.args.get("outcome")
    form = _close_form(req, outcome=chosen)
    if chosen is not None and rules.Outcome.get(chosen) is None:
        form.outcome.errors = [_("Pilih keputusan yang valid.")]
        return _render_decision(req, form, 400)
    return _render_decision(req, form)


@bp.get(f"/kelola/permohonan/<{ID}:request_id>")
def detail(request_id):
    req = db.get_or_404(InfoRequest, request_id)
    if not can(current_user, "handle_request", req):
        # The atasan deciding an objection reads the request from the objection page: the
        # latest objection they may decide (after forwarding, a later one may belong to the
        # atasan of another agency).
        mine = [o for o in req.objections if can(current_user, "decide_objection", o)]
        if mine:
            return redirect(url_for("requests.objection_detail", objection_id=mine[-1].id))
        authorize("read_request", req)  # the auditor reads it; everyone else: 401/403
    return _render_detail(req)


def _done(req, message):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("requests.detail", request_id=req.id))


def _refused(req, exc, **forms_):
    db.session.rollback()
    flash(str(exc), "error")
    req = db.session.get(InfoRequest, req.id)
    return _render_detail(req, 422, **forms_)


@bp.post(f"/kelola/permohonan/<{ID}:request_id>/proses")
def act_process(request_id):
    req = _load(request_id)
    form = forms.NoteForm()
    if not form.validate_on_submit():
        return _render_detail(req, 422, note_form=form)
    try:
        services.process_request(req, actor=current_user, now=utcnow(), note=form.note.data)
    except services.ServiceError as exc:
        return _refused(req, exc)
    return _done(req, _("Status permohonan: diproses."))


@bp.post(f"/kelola/permohonan/<{ID}:request_id>/teruskan")
def act_forward(request_id):
    req = _load(request_id)
    form = forms.ForwardForm([a for a in active_agencies()
                              if a.id != req.agency_id])
    if not form.validate_on_submit():
        return _render_detail(req, 422, forward_form=form)
    try:
        services.forward_request(req, form.target, actor=current_user, now=utcnow(),
                                 note=form.note.data)
    except services.ServiceError as exc:
        return _refused(req, exc)
    db.session.commit()
    flash(_("Permohonan diteruskan kepada %(a)s.", a=form.target.name), "success")
    if can(current_user, "handle_request", req):
        return redirect(url_for("requests.detail", request_id=req.id))
    return redirect(url_for("requests.queue"))


@bp.post(f"/kelola/permohonan/<{ID}:request_id>/tugaskan")
def act_assign(request_id):
    req = _load(request_id)
    form = forms.AssignForm(_officers_for(req))
    if not form.validate_on_submit():
        return _render_detail(req, 422, assign_form=form)
    try:
        services.assign_request(req, form.chosen, actor=current_user, now=utcnow())
    except services.ServiceError as exc:
        return _refused(req, exc)
    return _done(req, _("Petugas ditunjuk."))


@bp.post(f"/kelola/permohonan/<{ID}:request_id>/perpanjang")
def act_extend(request_id):
    req = _load(request_id)
    form = forms.ExtendForm()
    if not form.validate_on_submit():
        return _render_detail(req, 422, extend_form=form)
    try:
        services.extend_request(req, form.new_due_on.data, form.reason.data,
                                actor=current_user, now=utcnow())
    except services.ServiceError as exc:
        return _refused(req, exc, extend_form=form)
    return _done(req, _("Jangka waktu diperpanjang sampai %(d)s.",
                        d=dates.date_long(req.extended_due_on)))


@bp.post(f"/kelola/permohonan/<{ID}:request_id>/tutup")
def act_close(request_id):
    req = _load(request_id)
    if not _may_decide(req):
        db.session.rollback()
        flash(_not_decidable(req), "error")
        return _render_detail(req, 422)
    form = _close_form(req)
    if not form.validate_on_submit():
        return _render_decision(req, form, 422)
    try:
        services.close_request(req, form.outcome.data, form.outcome_fields(),
                               actor=current_user, now=utcnow())
    except services.ServiceError as exc:
        db.session.rollback()
        errors = getattr(exc, "errors", None)
        message = _("Keputusan belum lengkap: periksa isian yang ditandai.")
        if errors is None and exc.field:  # one field refused (the DIK entry named)
            errors, message = {exc.field: str(exc)}, str(exc)
        req = db.session.get(InfoRequest, request_id)
        if errors is None:  # refused as a whole (a closed request): the request's page
            flash(str(exc), "error")
            return _render_detail(req, 422)
        for name, text in errors.items():
            if hasattr(form, name):
                getattr(form, name).errors = [*getattr(form, name).errors, text]
        flash(message, "error")
        return _render_decision(req, form, 422)
    return _done(req, _("Permohonan selesai; pemberitahuan tertulis diterbitkan."))


@bp.post(f"/kelola/permohonan/<{ID}:request_id>/serahkan")
def act_deliver(request_id):
    req = _load(request_id)
    form = forms.DeliveryForm()
    if not form.validate_on_submit():
        return _render_detail(req, 422, delivery_form=form)
    try:
        services.record_delivery(req, form.delivered_on.data, form.delivered_via.data,
                                 form.note.data, actor=current_user, now=utcnow())
    except services.ServiceError as exc:
        db.session.rollback()
        form.delivered_on.errors = [*form.delivered_on.errors, str(exc)]
        flash(str(exc), "error")
        req = db.session.get(InfoRequest, request_id)
        return _render_detail(req, 422, delivery_form=form)
    return _done(req, _("Penyerahan informasi dicatat."))


@bp.post(f"/kelola/permohonan/<{ID}:request_id>/tarik")
def act_withdraw(request_id):
    req = _load(request_id)
    form = forms.NoteForm()
    if not form.validate_on_submit():
        return _render_detail(req, 422, note_form=form)
    try:
        services.withdraw_request(req, actor=current_user, now=utcnow(),
                                  note=form.note.data or _("Pemohon menarik permohonannya."))
    except services.ServiceError as exc:
        return _refused(req, exc)
    return _done(req, _("Permohonan dicatat sebagai ditarik."))


@bp.post(f"/kelola/permohonan/<{ID}:request_id>/samarkan")
def act_redact(request_id):
    req = _load(request_id)
    form = forms.RedactForm()
    if not form.validate_on_submit():
        return _render_detail(req, 422, redact_form=form)
    services.redact_subject(req, form.redacted_subject.data, actor=current_user, now=utcnow())
    return _done(req, _("Pokok permohonan di register publik diperbarui."))


@bp.post(f"/kelola/permohonan/<{ID}:request_id>/tinjau-pokok")
def act_review_subject(request_id):
    """Review the subject before the public register shows it: keep it, or redact it."""
    req = _load(request_id)
    form = forms.ReviewSubjectForm()
    if not form.validate_on_submit():
        return _render_detail(req, 422, review_form=form)
    try:
        services.review_subject(req, form.decision.data, form.redacted_subject.data,
                                actor=current_user, now=utcnow())
    except services.ServiceError as exc:
        db.session.rollback()
        req = db.session.get(InfoRequest, request_id)
        getattr(form, exc.field or "decision").errors = [str(exc)]
        return _render_detail(req, 422, review_form=form)
    if req.redacted_subject:
        return _done(req, _("Pokok permohonan ditinjau: register publik menampilkan teks "
                            "pengganti."))
    return _done(req, _("Pokok permohonan ditinjau: register publik menampilkannya apa "
                        "adanya."))


@bp.post(f"/kelola/permohonan/<{ID}:request_id>/berkas")
def act_attach(request_id):
    req = _load(request_id)
    form = forms.AttachForm(CombinedMultiDict((request.files, request.form)))
    if not form.validate_on_submit():
        return _render_detail(req, 422, attach_form=form)
    try:
        checked = check_upload(form.file.data)
        services.attach_release(req, checked, actor=current_user, now=utcnow(),
                                note=form.note.data)
    except UploadRejected as exc:
        form.file.errors = [str(exc)]
        return _render_detail(req, 422, attach_form=form)
    except services.ServiceError as exc:
        return _refused(req, exc)
    return _done(req, _("Berkas dilampirkan pada jawaban."))


@bp.get(f"/kelola/permohonan/<{ID}:request_id>/surat/<{ID}:letter_id>")
def officer_letter(request_id, letter_id):
    req = _load(request_id, "view_request_personal")
    return _send_letter(req, letter_id)


@bp.get(f"/kelola/permohonan/<{ID}:request_id>/berkas/<{ID}:att_id>")
def officer_file(request_id, att_id):
    req = _load(request_id, "view_request_personal")
    return _send_attachment(req, att_id, kinds=("rilis", "surat_kuasa", "kuasa_keberatan"))


def _send_letter(req, letter_id):
    letter = db.session.get(Letter, letter_id)
    if letter is None or letter.request_id != req.id:
        abort(404)
    name, html, key = letter.filename, letter.html, letter.pdf_key
    db.session.rollback()  # no transaction is open while a letter renders
    pdf = services.stored_or_rendered_pdf(key, html)  # a download stores nothing
    return send_stored(pdf, "application/pdf", name)


def _send_attachment(req, att_id, *, kinds):
    att = db.session.get(RequestAttachment, att_id)
    if att is None or att.request_id != req.id or att.kind not in kinds:
        abort(404)
    return send_stored(storage().get(att.storage_key), att.media_type, att.filename)


# --- Objections (atasan) ------------------------------------------------------------------

@bp.get("/kelola/keberatan")
def objections():
    authorize("read_objection_queue")
    rows = services.objection_queue(current_user, now=utcnow())
    stmt = (sa.select(Objection).where(Objection.decision.is_not(None))
            .options(selectinload(Objection.request))
            .order_by(Objection.decided_at.desc(), Objection.id.desc()).limit(50))
    ids = services.objection_list_agency_ids(current_user)
    if ids is not None:
        stmt = stmt.where(Objection.agency_id.in_(ids or [-1]))
    decided = db.session.execute(stmt).scalars().all()
    return render_template("info_requests/objections.html", rows=rows, decided=decided,
                           today=local_today())


def _load_objection(objection_id, action="read_objection"):
    obj = db.get_or_404(Objection, objection_id)
    authorize(action, obj)
    return obj


def _render_objection(obj, status=200, **overrides):
    """The objection's page; ``dispute_file_form`` overrides the dispute filing form
    (ppid.disputes, which shows the dispute itself on its own page)."""
    ctx = {"decide_form": forms.DecideForm(), "dispute_file_form": None,
           "carry_form": forms.CarryOutForm()}
    ctx.update(overrides)
    # The decisions that can fit: ground b without a request is upheld or ordered
    # published; an objection about a request never is ordered published.
    allowed = (rules.PERIODIC_DECISIONS if obj.is_periodic else
               [d for d in rules.OBJECTION_DECISIONS if d is not rules.MENGUMUMKAN])
    ctx["decide_form"].decision.choices = forms.options([(d.value, d.label) for d in allowed])
    # The auditor reads the page: no action form, and personal data masked (policies).
    ctx["may_decide"] = can(current_user, "decide_objection", obj)
    ctx["may_record_dispute"] = can(current_user, "record_dispute", obj)
    ctx["show_personal"] = can(current_user, "view_objection_personal", obj)
    ctx["may_carry_out"] = can(current_user, "carry_out_order", obj)
    today = local_today()
    cal = build_calendar()
    ctx["order_working"] = services.order_working(obj, cal)
    ctx["order_status"] = obj.order_status_on(today)
    ctx["order_days"] = services.order_days()
    if obj.request is not None:
        # The objection's own steps on the request's timeline (its number leads their note).
        ctx["objection_events"] = [e for e in obj.request.events
                                   if (e.note or "").startswith(obj.registration_number)]
        ctx["letters"] = obj.request.letters
        ctx["periodic"] = []
    else:
        # Ground b without a request: its own timeline and letters, and beside it each
        # obligation's staleness history (publications, overdue spells).
        from ppid.registry.services import fulfilling_versions, staleness_history
        ctx["objection_events"] = list(obj.events)
        ctx["letters"] = obj.own_letters
        ctx["periodic"] = [(link, staleness_history(obj.agency, link.obligation))
                           for link in obj.obligations]
        form = ctx["carry_form"]
        if not form.versions.choices and obj.obligations:
            form.versions.choices = forms.options([
                (str(v.id), f"{link.obligation.code}. {item.title}, versi {v.number} "
                            f"({dates.date_long(public_on)})")
                for link in obj.obligations
                for v, item, public_on in fulfilling_versions(
                    obj.agency, [link.obligation], since=link.overdue_on)])
    return render_template("info_requests/objection.html", obj=obj, req=obj.request,
                           party=obj.party,
                           today=today, is_late=obj.late_on(today),
                           dispute_deadline=rules.dispute_deadline(cal, obj.decided_on,
                                                                   obj.due_on), **ctx), status


render_objection = _render_objection  # (for the disputes feature's filing form)


def _read_objection_proxy_letter(form):
    """The checked power of attorney of a proxy's objection, None, or False (refused: the
    field says why). Checked like every upload, a PDF's active content too."""
    upload = form.proxy_letter.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    try:
        checked = check_upload(upload, allowed=PROXY_TYPES)
        if checked.media_type == "application/pdf":
            refuse_active_pdf(checked)
        return checked
    except UploadRejected as exc:
        form.proxy_letter.errors = [*form.proxy_letter.errors, str(exc)]
        return False


@bp.route("/kelola/keberatan/baru", methods=["GET", "POST"])
def objection_enter():
    """An officer registers an objection received in person, by post or e-mail: first the
    request it is about (by its number), then the objection, with each ground's window."""
    authorize("enter_request")
    number = (request.values.get("permohonan") or "").strip()
    lookup = forms.ObjectionLookupForm(request.args if request.method == "GET" else None)
    # (a number with control characters is no number: PostgreSQL refuses NUL in text)
    plausible = number and len(number) <= 60 and number.isprintable()
    req = services.find_by_number(number) if plausible else None
    if req is None:
        status = 200
        if number:
            lookup.permohonan.errors = [_("Permohonan dengan nomor itu tidak ditemukan.")]
            status = 404 if request.method == "GET" else 422
        return render_template("info_requests/objection_enter.html", lookup=lookup, req=None,
                               form=None, window=None), status
    authorize("enter_objection", req)
    now = utcnow()
    form = forms.OfficerObjectionForm()
    if request.method == "GET":
        form.received_at.data = now.astimezone(timezone()).replace(
            second=0, microsecond=0, tzinfo=None)
        return render_template("info_requests/objection_enter.html", lookup=lookup, req=req,
                               form=form, window=services.objection_window(req, now=now))
    valid = form.validate_on_submit()
    proxy_letter = _read_objection_proxy_letter(form)
    received_at = (form.received_at.data.replace(tzinfo=timezone())
                   if form.received_at.data else None)
    window = services.objection_window(
        req, now=now, today=local_date(received_at) if received_at else None)
    if not valid or proxy_letter is False:
        return render_template("info_requests/objection_enter.html", lookup=lookup, req=req,
                               form=form, window=window), 422
    try:
        obj = services.file_objection(req, form.grounds.data, form.statement.data,
                                      actor=current_user, now=now, channel=form.channel.data,
                                      received_at=received_at, purpose=form.purpose.data,
                                      proxy=form.proxy_data(), proxy_upload=proxy_letter)
    except services.ServiceError as exc:
        db.session.rollback()
        field = getattr(form, exc.field or "grounds", None) or form.grounds
        field.errors = [*field.errors, str(exc)]
        req = services.find_by_number(number)
        return render_template("info_requests/objection_enter.html", lookup=lookup, req=req,
                               form=form, window=window), 422
    db.session.commit()
    flash(_("Keberatan %(n)s dicatat; atasan PPID menanggapi paling lambat %(d)s.",
            n=obj.registration_number, d=dates.date_long(obj.due_on)), "success")
    return redirect(url_for("requests.objection_detail", objection_id=obj.id))


# --- Objections on ground b naming no request (UU KIP Pasal 35(1) huruf b) ---------------

def _periodic_agency(agencies):
    """The agency chosen by ``?badan=<slug>`` (or the posted one) among ``agencies``, or
    None; an unknown slug is a 404 with the reason."""
    slug = (request.values.get("badan") or "").strip()
    if not slug:
        return None
    agency = next((a for a in agencies if a.slug == slug), None)
    if agency is None:
        abort_with(404, _("Badan publik tidak dikenal. Pilih dari daftar."))
    return agency


def _periodic_form_page(template, *, agencies, agency, form, windows, status=200, **extra):
    return render_template(template, agencies=agencies, agency=agency, form=form,
                           windows=windows, **extra), status


def _file_periodic(form, agency, *, actor, now, requester_user, channel="online",
                   received_at=None):
    """Validate and file; returns the objection and token, or None with the errors placed
    on the form's fields (nothing written)."""
    valid = form.validate_on_submit()
    proxy_letter = _read_objection_proxy_letter(form)
    if not valid or proxy_letter is False:
        return None
    try:
        return services.file_periodic_objection(
            agency, form.obligations.data, form.statement.data,
            identity=form.identity_data(), actor=actor, now=now, channel=channel,
            received_at=received_at, purpose=form.purpose.data, proxy=form.proxy_data(),
            proxy_upload=proxy_letter, requester_user=requester_user)
    except services.ServiceError as exc:
        db.session.rollback()
        name = {"requester_name": "name"}.get(exc.field, exc.field)
        field = getattr(form, name or "obligations", None) or form.obligations
        field.errors = [*field.errors, str(exc)]
        return None


@bp.route("/keberatan/informasi-berkala", methods=["GET", "POST"])
@auth.role_required(auth.CITIZEN)
def periodic_object():
    """A signed-in citizen objects that an agency did not provide periodic information
    (UU KIP Pasal 35(1) huruf b): no request, the agency and the obligations, each within
    30 working days of the day it became overdue."""
    agencies = active_agencies()
    agency = _periodic_agency(agencies)
    form = forms.PeriodicObjectionForm()
    template = "info_requests/periodic_object.html"
    if agency is None:
        return _periodic_form_page(template, agencies=agencies, agency=None, form=None,
                                   windows=None)
    now = utcnow()
    windows = services.periodic_windows(agency, now=now)
    form.set_obligations(windows)
    citizen = _current_citizen()
    if request.method == "GET":
        # (their legal name as on their last request, as the request form offers it)
        form.name.data = form.name.data or services.last_legal_name(citizen) or citizen.name
        form.email.data = form.email.data or citizen.email
        form.obligations.data = [str(w.obligation.id) for w in windows
                                 if w.window.is_open][:1]
        return _periodic_form_page(template, agencies=agencies, agency=agency, form=form,
                                   windows=windows)
    ip = client_ip()
    if services.is_rate_limited(ip, now=now):
        abort_with(429, _("Terlalu banyak kiriman dari alamat Anda dalam waktu singkat. "
                          "Silakan coba lagi nanti atau hubungi PPID."))
    filed = _file_periodic(form, agency, actor=citizen, now=now, requester_user=citizen)
    if filed is None:
        return _periodic_form_page(template, agencies=agencies, agency=agency, form=form,
                                   windows=windows, status=422)
    obj, _token = filed
    services.record_submission_hit(ip, now=now)
    db.session.commit()
    flash(_("Keberatan Anda terdaftar dengan nomor %(n)s. Atasan PPID menanggapi paling "
            "lambat %(d)s.", n=obj.registration_number, d=dates.date_long(obj.due_on)),
          "success")
    return redirect(url_for("requests.track_objection", ref=str(obj.id)), 303)


@bp.route("/kelola/keberatan/informasi-berkala/baru", methods=["GET", "POST"])
def periodic_objection_enter():
    """An officer registers an objection on ground b received in person, by post or
    e-mail, with the channel and the real time of receipt."""
    authorize("enter_request")
    agency = _periodic_agency(active_agencies())
    if agency is not None:  # an officer registers for the agencies they serve only
        authorize("enter_request", agency)
    agencies = [a for a in active_agencies() if can(current_user, "enter_request", a)]
    template = "info_requests/periodic_objection_enter.html"
    if agency is None:
        return _periodic_form_page(template, agencies=agencies, agency=None, form=None,
                                   windows=None)
    now = utcnow()
    form = forms.OfficerPeriodicObjectionForm()
    if request.method == "GET":
        form.received_at.data = now.astimezone(timezone()).replace(
            second=0, microsecond=0, tzinfo=None)
        windows = services.periodic_windows(agency, now=now)
        form.set_obligations(windows)
        return _periodic_form_page(template, agencies=agencies, agency=agency, form=form,
                                   windows=windows)
    received_at = (form.received_at.data.replace(tzinfo=timezone())
                   if form.received_at.data else None)
    today = local_date(received_at) if received_at and received_at <= now else None
    windows = services.periodic_windows(agency, now=now, today=today)
    form.set_obligations(windows)
    filed = _file_periodic(form, agency, actor=current_user, now=now, requester_user=None,
                           channel=form.channel.data, received_at=received_at)
    if filed is None:
        return _periodic_form_page(template, agencies=agencies, agency=agency, form=form,
                                   windows=windows, status=422)
    obj, token = filed
    db.session.commit()
    flash(_("Keberatan %(n)s dicatat; atasan PPID menanggapi paling lambat %(d)s.",
            n=obj.registration_number, d=dates.date_long(obj.due_on)), "success")
    if token:
        flash(_("Tautan pelacakan pribadi pengaju keberatan (berikan hanya kepadanya): "
                "%(u)s", u=services.objection_tracking_url(token)), "info")
    return redirect(url_for("requests.objection_detail", objection_id=obj.id))


def _tracked_objection(ref):
    """The objection naming no request behind a tracking reference: its secret token, or
    its id for the citizen who filed it."""
    if ref.isascii() and ref.isdigit():
        if not current_user.is_authenticated:
            abort(401)
        if len(ref) > 12 or int(ref) > MAX_ID:
            abort(404)
        obj = db.get_or_404(Objection, int(ref))
        if obj.request is not None:
            abort(404)
        authorize("view_objection_personal", obj)
        return obj
    obj = services.find_objection_by_token(ref)
    if obj is None:
        abort_with(404, _("Tautan pelacakan tidak dikenal. Periksa kembali tautan dari e-mail "
                          "tanda bukti Anda."))
    return obj


@bp.get("/lacak-keberatan/<ref>")
def track_objection(ref):
    """The objector's page of an objection naming no request: where it stands, the
    atasan's decision and its carrying out, the letters, and each obligation's history."""
    from ppid.registry.services import staleness_history
    obj = _tracked_objection(ref)
    today = local_today()
    cal = build_calendar()
    return render_template(
        "info_requests/track_objection.html", obj=obj, ref=ref, today=today,
        is_late=obj.late_on(today), order_status=obj.order_status_on(today),
        dispute_deadline=rules.dispute_deadline(cal, obj.decided_on, obj.due_on),
        periodic=[(link, staleness_history(obj.agency, link.obligation))
                  for link in obj.obligations])


@bp.get(f"/lacak-keberatan/<ref>/surat/<{ID}:letter_id>")
def track_objection_letter(ref, letter_id):
    obj = _tracked_objection(ref)
    return _send_objection_letter(obj, letter_id)


@bp.get(f"/kelola/keberatan/<{ID}:objection_id>")
def objection_detail(objection_id):
    return _render_objection(_load_objection(objection_id))


@bp.post(f"/kelola/keberatan/<{ID}:objection_id>/putus")
def objection_decide(objection_id):
    obj = db.get_or_404(Objection, objection_id)
    authorize("decide_objection", obj)
    form = forms.DecideForm()
    if not form.validate_on_submit():
        return _render_objection(obj, 422, decide_form=form)
    try:
        services.decide_objection(obj, form.decision.data, form.reasons.data,
                                  actor=current_user, now=utcnow())
    except services.ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_objection(db.session.get(Objection, objection_id), 422, decide_form=form)
    db.session.commit()
    flash(_("Putusan keberatan disimpan; surat tanggapan diterbitkan."), "success")
    return redirect(url_for("requests.objection_detail", objection_id=obj.id))


@bp.post(f"/kelola/keberatan/<{ID}:objection_id>/laksanakan")
def objection_carry_out(objection_id):
    """The PPID records how it carried out the atasan's order."""
    obj = db.get_or_404(Objection, objection_id)
    authorize("carry_out_order", obj)
    form = forms.CarryOutForm(CombinedMultiDict((request.files, request.form)))
    if not form.validate_on_submit():
        return _render_objection(obj, 422, carry_form=form)
    release = None
    try:
        if form.execution.data == rules.OrderExecution.RILIS and form.file.data:
            release = check_upload(form.file.data)
            if release.media_type == "application/pdf":
                refuse_active_pdf(release)  # (no write yet: the check runs in a child)
        services.carry_out_order(obj, form.execution.data, form.carried_out_on.data,
                                 form.note.data, actor=current_user, now=utcnow(),
                                 corrected_total=form.corrected_total.data, release=release,
                                 via=form.delivered_via.data or None,
                                 version_ids=form.versions.data)
    except UploadRejected as exc:
        form.file.errors = [str(exc)]
        return _render_objection(obj, 422, carry_form=form)
    except services.ServiceError as exc:
        db.session.rollback()
        field = getattr(form, exc.field or "execution", None) or form.execution
        field.errors = [*field.errors, str(exc)]
        flash(str(exc), "error")
        return _render_objection(db.session.get(Objection, objection_id), 422,
                                 carry_form=form)
    db.session.commit()
    flash(_("Pelaksanaan putusan atasan PPID dicatat."), "success")
    return redirect(url_for("requests.objection_detail", objection_id=obj.id))


@bp.get(f"/kelola/keberatan/<{ID}:objection_id>/surat/<{ID}:letter_id>")
def objection_letter(objection_id, letter_id):
    # Letters name and address the requester: for those who act on the objection only.
    obj = _load_objection(objection_id, "record_dispute")
    if obj.request is None:
        return _send_objection_letter(obj, letter_id)
    return _send_letter(obj.request, letter_id)


@bp.get(f"/kelola/keberatan/<{ID}:objection_id>/surat-kuasa")
def objection_proxy_letter(objection_id):
    """The proxy's power of attorney (surat kuasa): for those who see the objector's
    personal data; 404 for an objection filed by the requester themself."""
    obj = _load_objection(objection_id, "view_objection_personal")
    att = next(iter(obj.proxy_letters), None)
    if att is None:
        abort(404)
    return send_stored(storage().get(att.storage_key), att.media_type, att.filename)


def _send_objection_letter(obj, letter_id):
    letter = db.session.get(Letter, letter_id)
    if letter is None or letter.objection_id != obj.id:
        abort(404)
    name, html, key = letter.filename, letter.html, letter.pdf_key
    db.session.rollback()  # no transaction is open while a letter renders
    pdf = services.stored_or_rendered_pdf(key, html)
    return send_stored(pdf, "application/pdf", name)


# --- The registers of Perki 1/2021 (officers, PPID Utama, auditor) -----------------------

REGISTER_KINDS = ("permohonan", "keberatan")


@bp.get("/kelola/register")
def registers_index():
    """The registers the user may read: the consolidated ones, and each PPID's."""
    authorize("read_registers")
    ids = register_agency_ids(current_user)
    agencies = db.session.execute(sa.select(Agency).order_by(
        Agency.kind.desc(), Agency.name)).scalars().all()
    if ids is not None:
        agencies = [a for a in agencies if a.id in ids]
    return render_template("info_requests/registers.html", agencies=agencies,
                           consolidated=ids is None)


def _register(kind, fmt, slug=None):
    agency = None
    if slug is not None:
        agency = get_agency_or_404(slug, active_only=False)  # a closed agency's ledger stays
    authorize("read_register", agency)
    today = local_today()
    consolidated = agency is None
    choosable = None
    if consolidated:
        choosable = db.session.execute(sa.select(Agency).order_by(
            Agency.kind.desc(), Agency.name)).scalars().all()
    f = registers.parse_filters(request.args, kind=kind, today=today, agencies=choosable)
    select = registers.request_selection if kind == "permohonan" else \
        registers.objection_selection
    stmt = select(f, agency_id=agency.id if agency else None)
    cols = registers.columns(kind, consolidated=consolidated)
    cal = build_calendar()
    counter = WorkingDaysCounter(cal)

    def rows_of(items, offset=0):
        if kind == "permohonan":
            return [registers.request_row(x, offset + i, user=current_user, counter=counter,
                                          today=today, consolidated=consolidated)
                    for i, x in enumerate(items, 1)]
        return [registers.objection_row(x, offset + i, user=current_user, today=today,
                                        consolidated=consolidated)
                for i, x in enumerate(items, 1)]

    name = f"register-{kind}-{agency.slug if agency else 'gabungan'}-{f.year}" + (
        f"-{f.month:02d}" if f.month else "")
    messages = list(f.messages)
    if fmt != "html" and messages:
        fmt = "html"  # an export of another selection than asked would mislead: the page says
    if fmt in ("csv", "pdf"):
        items = db.session.execute(stmt).scalars().all()
        limit = int(current_app.config["REGISTER_PDF_MAX_ROWS"])
        if fmt == "pdf" and len(items) > limit:
            messages.append(_("Register PDF memuat paling banyak %(n)d baris; periode ini "
                              "berisi %(m)d. Pilih satu bulan, atau unduh CSV.",
                              n=limit, m=len(items)))
            fmt = "html"
        else:
            rows = rows_of(items)
            if fmt == "csv":
                return csv_response(registers.csv_rows(cols, rows), name + ".csv")
            html = render_html(f"pdf/registers/{kind}.html", cols=cols, rows=rows,
                               agency=agency, filters=f, today=today, cell=registers.cell,
                               government_name=current_app.config["GOVERNMENT_NAME"])
            db.session.rollback()  # no transaction is open while the PDF renders
            try:
                pdf = html_to_pdf_limited(html)
            except RenderFailed:
                current_app.logger.exception("register PDF failed")
                messages.append(_("Register PDF tidak dapat dibuat saat ini (terlalu besar "
                                  "atau sistem sibuk). Pilih periode yang lebih pendek, atau "
                                  "unduh CSV."))
                fmt = "html"
                agency = db.session.get(Agency, agency.id) if agency else None
            else:
                return Response(pdf, mimetype="application/pdf", headers={
                    "Content-Disposition": f'inline; filename="{name}.pdf"'})
    per_page = current_app.config["PER_PAGE"]
    page = db.paginate(select(f, agency_id=agency.id if agency else None), page=f.page,
                       per_page=per_page, error_out=False)
    rows = rows_of(page.items, (page.page - 1) * per_page)
    endpoint = (f"requests.{'agency_' if agency else ''}register_"
                f"{'requests' if kind == 'permohonan' else 'objections'}")
    url_args = {**f.query_args(), **({"slug": agency.slug} if agency else {})}
    return render_template("info_requests/register_internal.html", kind=kind, cols=cols,
                           rows=rows, page=page, agency=agency, filters=f,
                           messages=messages, agencies=choosable, endpoint=endpoint,
                           url_args=url_args, cell=registers.cell,
                           masked_any=any(r.get("name") is registers.MASKED for r in rows),
                           months=[(m, date(f.year, m, 1)) for m in range(1, 13)],
                           errors=f.errors), 400 if f.errors else 200


@bp.get("/kelola/register/permohonan")
def register_requests():
    return _register("permohonan", "html")


@bp.get("/kelola/register/permohonan.csv")
def register_requests_csv():
    return _register("permohonan", "csv")


@bp.get("/kelola/register/permohonan.pdf")
def register_requests_pdf():
    return _register("permohonan", "pdf")


@bp.get("/kelola/badan/<slug>/register/permohonan")
def agency_register_requests(slug):
    return _register("permohonan", "html", slug)


@bp.get("/kelola/badan/<slug>/register/permohonan.csv")
def agency_register_requests_csv(slug):
    return _register("permohonan", "csv", slug)


@bp.get("/kelola/badan/<slug>/register/permohonan.pdf")
def agency_register_requests_pdf(slug):
    return _register("permohonan", "pdf", slug)


@bp.get("/kelola/register/keberatan")
def register_objections():
    return _register("keberatan", "html")


@bp.get("/kelola/register/keberatan.csv")
def register_objections_csv():
    return _register("keberatan", "csv")


@bp.get("/kelola/register/keberatan.pdf")
def register_objections_pdf():
    return _register("keberatan", "pdf")


@bp.get("/kelola/badan/<slug>/register/keberatan")
def agency_register_objections(slug):
    return _register("keberatan", "html", slug)


@bp.get("/kelola/badan/<slug>/register/keberatan.csv")
def agency_register_objections_csv(slug):
    return _register("keberatan", "csv", slug)


@bp.get("/kelola/badan/<slug>/register/keberatan.pdf")
def agency_register_objections_pdf(slug):
    return _register("keberatan", "pdf", slug)
