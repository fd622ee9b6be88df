"""Pages of broadcasts: the banner (every public page), the list and the crisis page of
each broadcast, its feeds, and the officers' page to post updates and end it."""
import json
from datetime import datetime, timezone

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ppid.core import auth
from ppid.core.public_cache import public_page
from ppid.extensions import db
from ppid.broadcasts import services
from ppid.broadcasts.forms import EndForm, UpdateForm
from ppid.broadcasts.models import Broadcast

bp = Blueprint("broadcasts", __name__)


def _stamp(conn):
    return services.stamp(conn)


def _broadcast_or_404(broadcast_id):
    b = db.session.get(Broadcast, broadcast_id)
    if b is None or not b.agency.is_active:
        abort(404)
    return b


def banner_context():
    """``active_broadcasts()`` for the banner of base.html (called once per page; pages
    that do not extend base.html never query)."""
    return {"active_broadcasts": services.banner}


@bp.get("/serta-merta")
@public_page(stamp=_stamp)
def index():
    return render_template("broadcasts/index.html", broadcasts=services.listing())


@bp.get("/serta-merta/<int(max=2147483647):broadcast_id>")
@public_page(stamp=_stamp)
def crisis(broadcast_id):
    from ppid.registry import rules as registry_rules
    b = _broadcast_or_404(broadcast_id)
    item = b.item
    return render_template(
        "broadcasts/crisis.html", b=b, item=item, agency=b.agency,
        parts=[(label, getattr(item, name)) for name, label in registry_rules.SERTA_MERTA_PARTS],
        hours=registry_rules.hours_to_publish(item.event_at, item.published_at))


# --- feeds: each broadcast and each update is an entry -------------------------------------

FEED_SIZE = 50


def _entries():
    out = []
    for b in services.listing()[:FEED_SIZE]:
        page = url_for("broadcasts.crisis", broadcast_id=b.id, _external=True)
        out.append({"id": f"{page}#mulai", "url": page, "title": b.item.title,
                    "summary": b.item.sm_danger or b.item.summary, "at": b.started_at,
                    "author": b.agency.name})
        for u in b.updates:
            out.append({"id": f"{page}#kabar-{u.id}", "url": f"{page}#kabar-{u.id}",
                        "title": _("Kabar terbaru: %(title)s", title=b.item.title),
                        "summary": u.body, "at": u.posted_at, "author": b.agency.name})
        if b.ended_at is not None:
            out.append({"id": f"{page}#selesai", "url": page,
                        "title": _("Siaran berakhir: %(title)s", title=b.item.title),
                        "summary": b.end_note, "at": b.ended_at, "author": b.agency.name})
    out.sort(key=lambda e: e["at"], reverse=True)
    return out[:FEED_SIZE]


@bp.get("/serta-merta.atom")
@public_page(stamp=_stamp)
def feed_atom():
    entries = _entries()
    updated = entries[0]["at"] if entries else datetime(2000, 1, 1, tzinfo=timezone.utc)
    body = render_template("broadcasts/feed.xml", entries=entries, updated=updated)
    return Response(body, mimetype="application/atom+xml")


@bp.get("/serta-merta.json")
@public_page(stamp=_stamp)
def feed_json():
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    out = {"version": "https://jsonfeed.org/version/1.1",
           "title": _("Informasi serta-merta"),
           "home_page_url": url_for("broadcasts.index", _external=True),
           "feed_url": url_for("broadcasts.feed_json", _external=True), "language": "id",
           "items": [{"id": e["id"], "url": e["url"], "title": e["title"],
                      "content_text": e["summary"], "date_published": e["at"].isoformat(),
                      "authors": [{"name": e["author"]}]} for e in _entries()]}
    return Response(json.dumps(out, ensure_ascii=False, indent=1),
                    mimetype="application/feed+json")


# --- officers -------------------------------------------------------------------------------

def _managed_or_404(broadcast_id):
    b = _broadcast_or_404(broadcast_id)
    auth.authorize("broadcast.manage", b)
    return b


def _manage_page(b, status=200, error=None, update_form=None, end_form=None):
    return render_template("broadcasts/manage.html", b=b, item=b.item, agency=b.agency,
                           update_form=update_form or UpdateForm(),
                           end_form=end_form or EndForm(), error=error), status


@bp.get("/kelola/serta-merta/<int(max=2147483647):broadcast_id>")
def manage(broadcast_id):
    return _manage_page(_managed_or_404(broadcast_id))


@bp.post("/kelola/serta-merta/<int(max=2147483647):broadcast_id>/kabar")
def post_update(broadcast_id):
    b = _managed_or_404(broadcast_id)
    form = UpdateForm()
    if not form.validate_on_submit():
        return _manage_page(b, 422, update_form=form)
    try:
        services.post_update(b, form.body.data, actor=current_user)
    except services.BroadcastError as exc:
        db.session.rollback()
        return _manage_page(_broadcast_or_404(broadcast_id), 422, error=str(exc),
                            update_form=form)
    db.session.commit()
    flash(_("Kabar terbaru diterbitkan dan dikirim kepada pengikut."), "success")
    return redirect(url_for("broadcasts.manage", broadcast_id=broadcast_id))


@bp.post("/kelola/serta-merta/<int(max=2147483647):broadcast_id>/akhiri")
def end(broadcast_id):
    b = _managed_or_404(broadcast_id)
    form = EndForm()
    if not form.validate_on_submit():
        return _manage_page(b, 422, end_form=form)
    try:
        services.end(b, form.note.data, actor=current_user)
    except services.BroadcastError as exc:
        db.session.rollback()
        return _manage_page(_broadcast_or_404(broadcast_id), 422, error=str(exc),
                            end_form=form)
    db.session.commit()
    flash(_("Siaran diakhiri; spanduknya tidak tampil lagi."), "success")
    return redirect(url_for("broadcasts.manage", broadcast_id=broadcast_id))


# --- following -----------------------------------------------------------------------------

def _target_agency():
    from flask import request

    from ppid.agencies.views import get_agency_or_404
    slug = (request.args.get("badan") or "").strip()[:100]
    return get_agency_or_404(slug) if slug else None


def _private(response):
    """Pages of one subscription's secret link: never kept by a browser or proxy."""
    from flask import make_response
    response = make_response(response)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/ikuti", methods=["GET", "POST"])
def follow():
    """Follow the government's or one agency's information by e-mail."""
    from ppid.broadcasts.forms import FollowForm
    agency = _target_agency()
    form = FollowForm()
    signed_in = current_user.is_authenticated
    if signed_in:
        form.email.data = form.email.data or current_user.email
    error = None
    from flask import request
    if signed_in and request.method == "POST":
        auth.authorize("follow")
    if form.validate_on_submit() or (signed_in and _confirm_only()):
        try:
            services.follow(form.email.data, agency,
                            user=current_user if signed_in else None)
        except services.BroadcastError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            if signed_in:
                flash(_("Anda kini mengikuti informasi ini; surel dikirim ke alamat akun Anda."),
                      "success")
            else:
                flash(_("Periksa kotak masuk surel Anda dan buka tautan konfirmasinya. "
                        "Tanpa konfirmasi tidak ada surel yang dikirim."), "success")
            return redirect(url_for("broadcasts.follow", **({"badan": agency.slug}
                                                           if agency else {})))
    from flask import request
    status = 422 if request.method == "POST" else 200
    return render_template("broadcasts/follow.html", form=form, agency=agency,
                           signed_in=signed_in, error=error), status


def _confirm_only():
    """A signed-in citizen's one-button form carries only its CSRF token."""
    from ppid.core.forms import ConfirmForm
    from flask import request
    return request.method == "POST" and ConfirmForm().validate_on_submit()


@bp.get("/ikuti/konfirmasi/<token>")
def confirm(token):
    sub = services.by_token(token)
    if sub is None:
        abort(404)
    was_unsubscribed = sub.unsubscribed_at is not None
    if not was_unsubscribed:
        services.confirm(sub)
        db.session.commit()
    return _private(render_template("broadcasts/followed.html", sub=sub, token=token,
                                    confirmed=not was_unsubscribed))


@bp.route("/ikuti/berhenti/<token>", methods=["GET", "POST"])
def unsubscribe(token):
    """The link in every mail: one click (GET), or a mail client's one-click POST (RFC
    8058, no form token: the secret token in the address is the proof)."""
    sub = services.by_token(token)
    if sub is None:
        abort(404)
    services.unsubscribe(sub)
    db.session.commit()
    return _private(render_template("broadcasts/unfollowed.html", sub=sub))


def home_section():
    return "broadcasts/_follow_section.html", {"follow_agency": None}


def profile_section(agency):
    return "broadcasts/_follow_section.html", {"follow_agency": agency}
