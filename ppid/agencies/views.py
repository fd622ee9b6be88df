import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ppid.accounts.models import RoleAssignment
from ppid.agencies import services
from ppid.agencies.forms import AgencyForm
from ppid.agencies.models import Agency
from ppid.core import auth
from ppid.core.forms import ConfirmForm
from ppid.core.hooks import hooks
from ppid.core.public_cache import public_page
from ppid.core.web import page_arg
from ppid.extensions import db

bp = Blueprint("agencies", __name__)


def get_agency_or_404(slug, *, active_only=True, options=()):
    agency = db.session.execute(sa.select(Agency).where(Agency.slug == slug).options(*options)
                                ).scalar_one_or_none()
    if agency is None or (active_only and not agency.is_active):
        abort(404)
    return agency


@bp.get("/badan/<slug>")
@public_page
def profile(slug):
    # (its parent is named on the page: loaded with it, not by a second statement)
    agency = get_agency_or_404(slug, options=(sa.orm.joinedload(Agency.parent),))
    sections = [s for s in (fn(agency) for fn in hooks().profile_sections) if s]
    return render_template("agencies/profile.html", agency=agency, sections=sections)


@bp.get("/kelola/badan-publik")
def manage():
    auth.authorize("manage_agencies")
    q = (request.args.get("q") or "").strip()[:100]
    stmt = sa.select(Agency).order_by(Agency.kind.desc(), Agency.name)
    if q:
        stmt = stmt.where(sa.func.lower(Agency.name).like(f"%{q.lower()}%"))
    page = db.paginate(stmt, page=page_arg(), per_page=50, error_out=False)
    return render_template("agencies/manage.html", page=page, q=q, toggle_form=ConfirmForm())


def _form(agency=None):
    parents = db.session.execute(sa.select(Agency).where(Agency.is_active.is_(True))
                                 .order_by(Agency.name)).scalars().all()
    if agency is not None:
        parents = [p for p in parents if p.id != agency.id]
    form = AgencyForm(parents, current_app.config["HELPER_LABEL"], obj=agency)
    if agency is not None and request.method == "GET":
        form.parent_id.data = agency.parent_id or 0
    return form


@bp.route("/kelola/badan-publik/baru", methods=["GET", "POST"])
def new():
    auth.authorize("manage_agencies")
    return _save(None)


@bp.route("/kelola/badan-publik/<slug>/ubah", methods=["GET", "POST"])
def edit(slug):
    agency = get_agency_or_404(slug, active_only=False)
    auth.authorize("manage_agencies", agency)
    return _save(agency)


def _save(agency):
    form = _form(agency)
    if form.validate_on_submit():
        data = {f: getattr(form, f).data for f in services.FIELDS if hasattr(form, f)}
        data["parent_id"] = data.get("parent_id") or None
        for key in ("short_name", "address", "phone", "email", "website", "atasan_name",
                    "atasan_position", "atasan_nip", "atasan_office", "atasan_address",
                    "letter_code", "signatory_name", "signatory_position", "signatory_nip"):
            data[key] = data.get(key) or None
        try:
            agency = services.save_agency(agency, data, actor=current_user)
        except services.AgencyError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Data badan publik %(name)s disimpan.", name=agency.name), "success")
            return redirect(url_for("agencies.manage"))
    status = 422 if request.method == "POST" else 200
    return render_template("agencies/form.html", form=form, agency=agency), status


@bp.post("/kelola/badan-publik/<slug>/status")
def toggle(slug):
    agency = get_agency_or_404(slug, active_only=False)
    auth.authorize("manage_agencies", agency)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_active(agency, not agency.is_active, actor=current_user)
    db.session.commit()
    flash(_("%(name)s sekarang %(state)s.", name=agency.name,
            state=_("aktif") if agency.is_active else _("nonaktif")), "success")
    return redirect(url_for("agencies.manage"))


@bp.get("/kelola/badan-publik/<slug>/petugas")
def officers(slug):
    """Officers of one agency: who answers for it (helper officers and its atasan)."""
    agency = get_agency_or_404(slug, active_only=False)
    auth.authorize("view", agency)
    assignments = db.session.execute(
        sa.select(RoleAssignment).where(RoleAssignment.agency_id == agency.id)
        .order_by(RoleAssignment.role)).scalars().all()
    return render_template("agencies/officers.html", agency=agency, assignments=assignments)


# --- Official online channels (issue #19 section 1) -----------------------------------------

def _channel_or_404(agency, channel_id):
    from ppid.agencies.models import AgencyChannel
    row = db.session.get(AgencyChannel, channel_id)
    if row is None or row.agency_id != agency.id or row.is_removed:
        abort(404)
    return row


def _channel_page(agency, form, editing=None, status=200):
    from ppid.agencies.rules import Platform
    return render_template("agencies/channels.html", agency=agency, form=form,
                           editing=editing, channels=services.channels(agency.id),
                           remove_form=ConfirmForm(), Platform=Platform), status


def _save_channel(agency, form, row=None):
    """Validate and save the form (a new channel, or ``row`` changed); the page again with
    the message next to its field otherwise."""
    from ppid.agencies.rules import ChannelError
    if not form.validate_on_submit():
        return _channel_page(agency, form, editing=row, status=422)
    data = {f: getattr(form, f).data for f in services.CHANNEL_FIELDS}
    try:
        if row is None:
            row = services.add_channel(agency, data, actor=current_user)
        else:
            services.update_channel(row, data, actor=current_user)
    except ChannelError as exc:
        db.session.rollback()
        form[exc.field].errors = [*form[exc.field].errors, exc.message]
        return _channel_page(agency, form, editing=row if row and row.id else None,
                             status=422)
    db.session.commit()
    flash(_("Kanal %(url)s disimpan.", url=row.url), "success")
    return redirect(url_for("agencies.channels", slug=agency.slug))


@bp.route("/kelola/badan-publik/<slug>/kanal", methods=["GET", "POST"])
def channels(slug):
    """The agency's official website and social-media channels: its officers and the PPID
    Utama list, add, change and remove them."""
    from ppid.agencies.forms import ChannelForm
    agency = get_agency_or_404(slug)
    auth.authorize("edit", agency)
    if request.method == "GET":
        return _channel_page(agency, ChannelForm(formdata=None))
    return _save_channel(agency, ChannelForm())


@bp.route("/kelola/badan-publik/<slug>/kanal/<int(max=2147483647):channel_id>",
          methods=["GET", "POST"])
def channel_edit(slug, channel_id):
    from ppid.agencies.forms import ChannelForm
    agency = get_agency_or_404(slug)
    auth.authorize("edit", agency)
    row = _channel_or_404(agency, channel_id)
    if request.method == "GET":
        return _channel_page(agency, ChannelForm(obj=row), editing=row)
    return _save_channel(agency, ChannelForm(), row)


@bp.post("/kelola/badan-publik/<slug>/kanal/<int(max=2147483647):channel_id>/hapus")
def channel_remove(slug, channel_id):
    agency = get_agency_or_404(slug)
    auth.authorize("edit", agency)
    row = _channel_or_404(agency, channel_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_channel(row, actor=current_user)
    db.session.commit()
    flash(_("Kanal %(url)s tidak lagi ditampilkan.", url=row.url), "success")
    return redirect(url_for("agencies.channels", slug=agency.slug))
