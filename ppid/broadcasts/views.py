"""Pages of broadcasts: the banner (every public page), the list and the crisis page of
each broadcast, its feeds, and the officers' page to post updates and end it."""
import json
from datetime import datetime, timezone

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

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

def _target():
    """(agency, obligation) the follow page is about: ?badan=<slug>[&kewajiban=<code>]."""
    import sqlalchemy as sa
    from flask import request

    from ppid.agencies.views import get_agency_or_404
    from ppid.registry.models import Obligation
    slug = (request.args.get("badan") or "").strip()[:100]
    agency = get_agency_or_404(slug) if slug else None
    code = (request.args.get("kewajiban") or "").strip()[:10]
    obligation = None
    if code:
        obligation = db.session.execute(sa.select(Obligation).where(
            Obligation.code == code, Obligation.is_active.is_(True))).scalar_one_or_none()
        if agency is None or obligation is None:
            abort(404)
    return agency, obligation


def _search_target():
    """The saved search the page is about, from the search page's own parameters."""
    from flask import request
    from ppid.broadcasts import rules
    args = request.values
    q = " ".join((args.get("q") or "").split())[:rules.MAX_SEARCH_CHARS + 1]
    filters = {"type": args.get("jenis") or None, "agency": args.get("badan") or None,
               "category": args.get("kategori") or None, "year": args.get("tahun") or None}
    return q, {k: v[:100] for k, v in filters.items() if v}


def _private(response):
    """Pages of one subscription's secret link: never kept by a browser or proxy."""
    from flask import make_response
    response = make_response(response)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _follow_page(template, here, target_kwargs, **page):
    """The follow form of any target: an address (double opt-in) or, signed in, the
    account's address at once; the frequency of the digest either way."""
    from flask import request

    from ppid.broadcasts.forms import FollowForm, SignedInFollowForm
    signed_in = current_user.is_authenticated
    form = SignedInFollowForm() if signed_in else FollowForm()
    if signed_in and request.method == "POST":
        auth.authorize("follow")
    error = None
    if form.validate_on_submit():
        try:
            services.follow(None if signed_in else form.email.data,
                            frequency=form.frequency.data,
                            user=current_user if signed_in else None, **target_kwargs)
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
            return redirect(here)
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, signed_in=signed_in, error=error, here=here,
                           **page), status


@bp.route("/ikuti", methods=["GET", "POST"])
def follow():
    """Follow the government's, one agency's, or one agency's obligation's information."""
    agency, obligation = _target()
    args = {k: v for k, v in (("badan", getattr(agency, "slug", None)),
                              ("kewajiban", getattr(obligation, "code", None))) if v}
    return _follow_page("broadcasts/follow.html", url_for("broadcasts.follow", **args),
                        {"agency": agency, "obligation": obligation},
                        agency=agency, obligation=obligation)


@bp.route("/ikuti/pencarian", methods=["GET", "POST"])
def follow_search():
    """Follow a search: a digest of the public records that newly match it."""
    from flask import request

    from ppid.search.views import TYPE_LABELS, _agency_names, search_url
    q, filters = _search_target()
    shown = {"type_labels": TYPE_LABELS,
             "agency_name": _agency_names({filters["agency"]}).get(filters["agency"])
             if filters.get("agency") else None}
    args = {"q": q, "type": filters.get("type"), "agency": filters.get("agency"),
            "category": filters.get("category"), "year": filters.get("year")}
    here = url_for("broadcasts.follow_search", q=q, **{
        k: v for k, v in (("jenis", filters.get("type")), ("badan", filters.get("agency")),
                          ("kategori", filters.get("category")), ("tahun", filters.get("year")))
        if v})
    problem = None
    try:
        services.Target(query=q, filters=filters).check()
    except services.BroadcastError as exc:
        problem = str(exc)
    if problem and request.method == "GET":
        return render_template("broadcasts/follow_search.html", form=None, problem=problem,
                               q=q, filters=filters, search_link=search_url(args),
                               signed_in=current_user.is_authenticated, here=here,
                               **shown), 400
    return _follow_page("broadcasts/follow_search.html", here,
                        {"query": q, "filters": filters}, q=q, filters=filters,
                        problem=None, search_link=search_url(args), **shown)


@bp.route("/ikuti/konfirmasi/<token>", methods=["GET", "POST"])
def confirm(token):
    """The double opt-in's link. A GET shows one button and changes nothing: mail scanners
    and link previews open every link of a mail, and a subscription they confirmed would
    prove no one's consent. The button (a form with its token) confirms."""
    from flask import request

    from ppid.core.forms import ConfirmForm
    sub = services.by_token(token)
    if sub is None:
        abort(404)
    form = ConfirmForm()
    if (request.method == "POST" and sub.unsubscribed_at is None
            and form.validate_on_submit()):
        services.confirm(sub)
        db.session.commit()
    if sub.unsubscribed_at is not None:
        state = "stopped"
    else:
        state = "confirmed" if sub.confirmed_at is not None else "pending"
    return _private(render_template("broadcasts/followed.html", sub=sub, token=token,
                                    label=services.label(sub), form=form, state=state,
                                    manage=services.manage_url(sub)))


@bp.route("/ikuti/berhenti/<token>", methods=["GET", "POST"])
def unsubscribe(token):
    """The unsubscribe link of every mail and its List-Unsubscribe header. A GET shows one
    button and changes nothing: mail scanners and link previews open every link of a
    mail, and must not unsubscribe anyone (RFC 8058 section 1). The button, and a mail
    client's one-click POST (RFC 8058, body ``List-Unsubscribe=One-Click``, no form token:
    the secret token in the address is the proof), unsubscribe at once."""
    from flask import request
    sub = services.by_token(token)
    if sub is None:
        abort(404)
    if request.method == "POST":
        services.unsubscribe(sub)
        db.session.commit()
        return _private(render_template("broadcasts/unfollowed.html", sub=sub,
                                        label=services.label(sub), done=True,
                                        manage=services.manage_url(sub)))
    return _private(render_template("broadcasts/unfollowed.html", sub=sub, token=token,
                                    label=services.label(sub),
                                    done=sub.unsubscribed_at is not None,
                                    manage=services.manage_url(sub)))


# --- a person's subscriptions ----------------------------------------------------------------

def _subscriptions_page(subs, action, status=200, error=None):
    from ppid.broadcasts.forms import FrequencyForm
    rows = []
    for sub in subs:
        form = FrequencyForm(formdata=None, prefix=f"s{sub.id}", frequency=sub.frequency)
        rows.append({"sub": sub, "label": services.label(sub), "state": services.state(sub),
                     "form": form, "action": action(sub)})
    return _private(render_template("broadcasts/subscriptions.html", rows=rows,
                                    error=error)), status


def _change(sub, back):
    """A change of one subscription from its owner's page: a new frequency, stop, or
    follow again (a suspended or stopped one; the owner has the address's link)."""
    from flask import request

    from ppid.broadcasts.forms import FrequencyForm
    from ppid.core.forms import ConfirmForm
    what = request.form.get("ubah")
    try:
        if what == "berhenti" and ConfirmForm().validate_on_submit():
            services.unsubscribe(sub, actor=_actor())
            message = _("Anda berhenti mengikuti %(what)s.", what=services.label(sub))
        elif what == "frekuensi":
            form = FrequencyForm(prefix=f"s{sub.id}")
            if not form.validate_on_submit():
                raise services.BroadcastError(
                    " ".join(str(e) for errs in form.errors.values() for e in errs))
            services.set_frequency(sub, form.frequency.data, actor=_actor())
            message = _("Frekuensi ringkasan %(what)s diubah.", what=services.label(sub))
        elif what == "lanjut" and ConfirmForm().validate_on_submit():
            services.resume(sub, actor=_actor())
            message = _("Anda kembali mengikuti %(what)s.", what=services.label(sub))
        else:
            raise services.BroadcastError(_("Formulir kedaluwarsa; muat ulang halaman lalu "
                                            "kirim kembali."))
    except services.BroadcastError as exc:
        db.session.rollback()
        return None, str(exc)
    db.session.commit()
    flash(message, "success")
    return redirect(back), None


def _actor():
    return current_user if current_user.is_authenticated else None


@bp.get("/ikuti/langganan")
@login_required
def subscriptions():
    """A signed-in citizen's subscriptions (those made signed in or with the account's
    address)."""
    return _subscriptions_page(services.subscriptions_of(user=current_user),
                               lambda s: url_for("broadcasts.subscription_change", sub_id=s.id))


@bp.post("/ikuti/langganan/<int(max=2147483647):sub_id>")
@login_required
def subscription_change(sub_id):
    sub = db.session.get(services.Subscription, sub_id)
    mine = services.subscriptions_of(user=current_user)
    if sub is None or sub not in mine:
        abort(404)
    response, error = _change(sub, url_for("broadcasts.subscriptions"))
    if response is not None:
        return response
    return _subscriptions_page(services.subscriptions_of(user=current_user),
                               lambda s: url_for("broadcasts.subscription_change", sub_id=s.id),
                               422, error)


def _linked_email_or_404(signed):
    sub, expired = services.subscription_of_manage_link(signed)
    if sub is None or expired:
        abort(404)
    return sub.email


@bp.get("/ikuti/kelola/<signed>")
def manage_link(signed):
    """Every subscription of one address, from the signed link in each mail to it. An
    expired link says so, and offers to mail a fresh one to the address."""
    sub, expired = services.subscription_of_manage_link(signed)
    if sub is None:
        abort(404)
    if expired:
        from ppid.core.forms import ConfirmForm
        return _private(render_template("broadcasts/manage_expired.html", signed=signed,
                                        form=ConfirmForm(), sent=False)), 410
    email = sub.email
    return _subscriptions_page(services.subscriptions_of(email=email),
                               lambda s: url_for("broadcasts.manage_link_change",
                                                 signed=signed, sub_id=s.id))


@bp.post("/ikuti/kelola/<signed>/baru")
def manage_link_renew(signed):
    """An expired manage link's holder asks for a fresh one: it goes to the address."""
    from ppid.core.forms import ConfirmForm
    sub, expired = services.subscription_of_manage_link(signed)
    if sub is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.send_manage_link(sub)
        db.session.commit()
        return _private(render_template("broadcasts/manage_expired.html", signed=signed,
                                        form=form, sent=True))
    return _private(render_template("broadcasts/manage_expired.html", signed=signed,
                                    form=form, sent=False)), 422


@bp.post("/ikuti/kelola/<signed>/<int(max=2147483647):sub_id>")
def manage_link_change(signed, sub_id):
    email = _linked_email_or_404(signed)
    sub = db.session.get(services.Subscription, sub_id)
    if sub is None or sub.email != email:
        abort(404)
    response, error = _change(sub, url_for("broadcasts.manage_link", signed=signed))
    if response is not None:
        return response
    return _subscriptions_page(services.subscriptions_of(email=email),
                               lambda s: url_for("broadcasts.manage_link_change",
                                                 signed=signed, sub_id=s.id), 422, error)


def home_section():
    return "broadcasts/_follow_section.html", {"follow_agency": None}


def profile_section(agency):
    return "broadcasts/_follow_section.html", {"follow_agency": agency}
