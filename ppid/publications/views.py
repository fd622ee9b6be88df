"""Pages of the publication desk: the public news pages and feeds, the agencies' drafts,
the PPID Utama's desk."""
import json
from datetime import date, datetime, timezone

import sqlalchemy as sa
from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from ppid.agencies.models import Agency
from ppid.agencies.services import active_agencies
from ppid.agencies.views import get_agency_or_404
from ppid.core import auth, sharing
from ppid.core.db import utcnow
from ppid.core.forms import ConfirmForm
from ppid.core.public_cache import public_page
from ppid.core.services import timezone as local_tz
from ppid.core.storage import storage
from ppid.core.uploads import UploadRejected, send_stored
from ppid.core.web import filter_agency_arg, page_arg
from ppid.extensions import db
from ppid.publications import rules, services
from ppid.publications.forms import (AttachmentForm, PhotoForm, PublicationForm, ReturnForm,
                                     ScheduleForm, WithdrawForm)
from ppid.publications.models import Publication, PublicationAttachment, PublicationPhoto
from ppid.publications.policies import DRAFTERS
from ppid.publications.rules import PublicationState

bp = Blueprint("publications", __name__)

PER_PAGE = 10
FEED_SIZE = 30


# --- loading ------------------------------------------------------------------------------

def _pub_or_404(pub_id):
    pub = db.session.get(Publication, pub_id)
    if pub is None:
        abort(404)
    return pub


def _is_public(pub, now=None):
    return pub.agency.is_active and rules.is_public(pub.state, pub.published_at,
                                                    now or utcnow())


def _readable_or_404(pub_id):
    """A publication as the public sees it; its own officers and the desk see it before
    it is public (a preview). Anyone else: 404, whether it exists or not."""
    pub = _pub_or_404(pub_id)
    if not _is_public(pub) and not auth.can(current_user, "publication.view", pub):
        abort(404)
    return pub


def _managed_or_404(pub_id):
    """An officer's page of a publication: refused (403) to whoever may not see it, so
    another agency's drafts are never shown."""
    pub = _pub_or_404(pub_id)
    auth.authorize("publication.view", pub)
    return pub


def _local(moment):
    return None if moment is None else moment.astimezone(local_tz()).replace(tzinfo=None)


def _aware(local_naive):
    return None if local_naive is None else local_naive.replace(tzinfo=local_tz())


# --- public pages ----------------------------------------------------------------------------

def _tag_arg():
    tag = (request.args.get("tag") or "").strip().lower()[:rules.MAX_TAG_CHARS]
    try:
        tags = rules.parse_tags(tag)
    except ValueError:
        return ""
    return tags[0] if tags else ""


@bp.get("/berita")
@public_page
def news():
    """The government's news page: every agency's published items, newest first."""
    errors = {}
    agencies = active_agencies()
    agency = filter_agency_arg(agencies, errors)
    tag = _tag_arg()
    page = db.paginate(services.public_query(agency=agency, tag=tag or None),
                       page=page_arg(), per_page=PER_PAGE, error_out=False)
    args = {k: v for k, v in (("badan", agency.slug if agency else None), ("tag", tag)) if v}
    return render_template("publications/news.html", page=page, agency=agency, tag=tag,
                           args=args, agencies=agencies, errors=errors), (
        400 if errors else 200)


def _canonical(pub):
    return sharing.absolute("publications.article", pub_id=pub.id,
                            slug=rules.slugify(pub.title))


@bp.get("/berita/<int(max=2147483647):pub_id>")
@bp.get("/berita/<int(max=2147483647):pub_id>/<slug>")
@public_page
def article(pub_id, slug=None):
    pub = _readable_or_404(pub_id)
    return render_template("publications/article.html", pub=pub, agency=pub.agency,
                           body=rules.render_body(pub.body), canonical=_canonical(pub),
                           is_public=_is_public(pub),
                           description=rules.plain_excerpt(pub.summary))


def _photo(pub_id, photo_id):
    pub = _readable_or_404(pub_id)
    photo = db.session.get(PublicationPhoto, photo_id)
    if photo is None or photo.publication_id != pub.id:
        abort(404)
    return photo


@bp.get("/berita/<int(max=2147483647):pub_id>/foto/<int(max=2147483647):photo_id>")
def photo(pub_id, photo_id):
    p = _photo(pub_id, photo_id)
    return send_stored(storage().get(p.sha256), p.media_type, p.original_name)


@bp.get("/berita/<int(max=2147483647):pub_id>/foto/<int(max=2147483647):photo_id>/kecil")
def thumbnail(pub_id, photo_id):
    p = _photo(pub_id, photo_id)
    return send_stored(storage().get(p.thumb_key), p.media_type, "kecil-" + p.original_name)


@bp.get("/berita/<int(max=2147483647):pub_id>/lampiran/<int(max=2147483647):file_id>")
def attachment(pub_id, file_id):
    pub = _readable_or_404(pub_id)
    att = db.session.get(PublicationAttachment, file_id)
    if att is None or att.publication_id != pub.id:
        abort(404)
    return send_stored(storage().get(att.sha256), att.media_type, att.original_name)


# --- feeds (Atom like the DIP's feeds, and JSON Feed 1.1) -----------------------------------

def _feed_items(agency=None):
    return services.latest_public(FEED_SIZE, agency=agency)


def _feed_meta(agency):
    if agency is None:
        return (_("Berita %(gov)s", gov=_government()),
                url_for("publications.news", _external=True))
    return (_("Berita %(name)s", name=agency.name),
            url_for("publications.news", badan=agency.slug, _external=True))


def _government():
    from flask import current_app
    return current_app.config["GOVERNMENT_NAME"]


def _entry_url(pub):
    return url_for("publications.article", pub_id=pub.id, slug=rules.slugify(pub.title),
                   _external=True)


def _atom(agency=None):
    items = _feed_items(agency)
    title, home = _feed_meta(agency)
    self_url = (url_for("publications.feed_atom", _external=True) if agency is None else
                url_for("publications.agency_feed_atom", slug=agency.slug, _external=True))
    updated = max((p.updated_at if p.updated_at > p.published_at else p.published_at
                   for p in items), default=datetime(2000, 1, 1, tzinfo=timezone.utc))
    body = render_template("publications/feed.xml", items=items, title=title,
                           self_url=self_url, alternate_url=home, updated=updated,
                           entry_url=_entry_url)
    return Response(body, mimetype="application/atom+xml")


def _json_feed(agency=None):
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    items = _feed_items(agency)
    title, home = _feed_meta(agency)
    self_url = (url_for("publications.feed_json", _external=True) if agency is None else
                url_for("publications.agency_feed_json", slug=agency.slug, _external=True))
    out = {"version": "https://jsonfeed.org/version/1.1", "title": title,
           "home_page_url": home, "feed_url": self_url, "language": "id", "items": []}
    for p in items:
        entry = {"id": _entry_url(p), "url": _entry_url(p), "title": p.title,
                 "summary": p.summary, "content_html": str(rules.render_body(p.body)),
                 "date_published": p.published_at.isoformat(),
                 "date_modified": max(p.updated_at, p.published_at).isoformat(),
                 "authors": [{"name": p.agency.name}], "tags": p.tag_list}
        if p.photos:
            entry["image"] = url_for("publications.thumbnail", pub_id=p.id,
                                     photo_id=p.photos[0].id, _external=True)
        out["items"].append(entry)
    return Response(json.dumps(out, ensure_ascii=False, indent=1),
                    mimetype="application/feed+json")


@bp.get("/berita.atom")
@public_page
def feed_atom():
    return _atom()


@bp.get("/berita.json")
@public_page
def feed_json():
    return _json_feed()


@bp.get("/badan/<slug>/berita.atom")
@public_page
def agency_feed_atom(slug):
    return _atom(get_agency_or_404(slug))


@bp.get("/badan/<slug>/berita.json")
@public_page
def agency_feed_json(slug):
    return _json_feed(get_agency_or_404(slug))


# --- the agencies' drafts ----------------------------------------------------------------------

@bp.get("/kelola/publikasi")
def mine():
    """The publications of the signed-in officer's agencies (humas and helper officers)."""
    auth.authorize("publication.draft")
    agency_ids = current_user.agency_ids(*DRAFTERS)
    agencies = db.session.execute(sa.select(Agency).where(Agency.id.in_(sorted(agency_ids)))
                                  .order_by(Agency.name)).scalars().all()
    return render_template("publications/mine.html", pubs=services.of_agencies(agency_ids),
                           agencies=agencies, now=utcnow())


def _form(agency, pub=None):
    items, obligations = services.related_choices(agency)
    form = PublicationForm(items, obligations, obj=pub)
    if pub is not None and request.method == "GET":
        form.dip_item_id.data = pub.dip_item_id or 0
        form.obligation_id.data = pub.obligation_id or 0
        form.tags.data = ", ".join(pub.tag_list)
        form.wished_at.data = _local(pub.wished_at)
    return form


def _form_data(form):
    return {"title": form.title.data, "kind": form.kind.data, "summary": form.summary.data, "body": form.body.data,
            "tags": form.tags.data or "", "dip_item_id": form.dip_item_id.data or None,
            "obligation_id": form.obligation_id.data or None,
            "wished_at": _aware(form.wished_at.data)}


@bp.route("/kelola/badan/<slug>/publikasi/baru", methods=["GET", "POST"])
def new(slug):
    agency = get_agency_or_404(slug)
    auth.authorize("publication.draft", agency)
    form = _form(agency)
    error = None
    if form.validate_on_submit():
        try:
            pub = services.create_draft(agency, _form_data(form), actor=current_user)
        except services.PublicationError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Draf disimpan. Tambahkan foto dan lampiran, lalu ajukan ke PPID Utama."),
                  "success")
            return redirect(url_for("publications.manage", pub_id=pub.id))
    status = 422 if request.method == "POST" else 200
    return render_template("publications/form.html", form=form, agency=agency, pub=None,
                           error=error), status


@bp.route("/kelola/publikasi/<int(max=2147483647):pub_id>/ubah", methods=["GET", "POST"])
def edit(pub_id):
    pub = _managed_or_404(pub_id)
    auth.authorize("publication.edit", pub)
    form = _form(pub.agency, pub)
    error = None
    if form.validate_on_submit():
        try:
            services.update(pub, _form_data(form), actor=current_user)
        except services.PublicationError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Perubahan disimpan."), "success")
            return redirect(url_for("publications.manage", pub_id=pub.id))
    status = 422 if request.method == "POST" else 200
    return render_template("publications/form.html", form=form, agency=pub.agency, pub=pub,
                           error=error), status


def _manage_page(pub, status=200, **forms):
    now = utcnow()
    ctx = {"photo_form": PhotoForm(), "attachment_form": AttachmentForm(),
           "return_form": ReturnForm(), "schedule_form": ScheduleForm(),
           "withdraw_form": WithdrawForm(), "confirm": ConfirmForm(), "error": None}
    ctx.update(forms)
    return render_template(
        "publications/manage.html", pub=pub, agency=pub.agency, now=now,
        shown_state=rules.effective_state(pub.state, pub.published_at, now),
        body=rules.render_body(pub.body), **ctx), status


@bp.get("/kelola/publikasi/<int(max=2147483647):pub_id>")
def manage(pub_id):
    return _manage_page(_managed_or_404(pub_id))


def _no_transaction():
    """Uploads are checked and photos re-encoded with no transaction open (a POST's reads
    would otherwise hold SQLite's write lock meanwhile)."""
    db.session.rollback()


@bp.post("/kelola/publikasi/<int(max=2147483647):pub_id>/foto")
def photo_add(pub_id):
    pub = _managed_or_404(pub_id)
    auth.authorize("publication.edit", pub)
    form = PhotoForm()
    if form.validate_on_submit():
        upload = form.photo.data
        try:
            _no_transaction()
            prepared = services.prepare_photo(upload)
            pub = _pub_or_404(pub_id)
            services.add_photo(pub, prepared, form.alt_text.data, actor=current_user)
        except (services.PublicationError, UploadRejected) as exc:
            db.session.rollback()
            return _manage_page(_pub_or_404(pub_id), 422, photo_form=form, error=str(exc))
        db.session.commit()
        flash(_("Foto ditambahkan."), "success")
        return redirect(url_for("publications.manage", pub_id=pub_id))
    return _manage_page(pub, 422, photo_form=form)


@bp.post("/kelola/publikasi/<int(max=2147483647):pub_id>/foto/<int(max=2147483647):photo_id>/hapus")
def photo_remove(pub_id, photo_id):
    pub = _managed_or_404(pub_id)
    auth.authorize("publication.edit", pub)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    photo = db.session.get(PublicationPhoto, photo_id)
    if photo is None or photo.publication_id != pub.id:
        abort(404)
    services.remove_photo(pub, photo, actor=current_user)
    db.session.commit()
    flash(_("Foto dihapus."), "success")
    return redirect(url_for("publications.manage", pub_id=pub_id))


@bp.post("/kelola/publikasi/<int(max=2147483647):pub_id>/lampiran")
def attachment_add(pub_id):
    pub = _managed_or_404(pub_id)
    auth.authorize("publication.edit", pub)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.attachment.data
        try:
            _no_transaction()
            checked = services.check_attachment(upload)
            pub = _pub_or_404(pub_id)
            services.add_attachment(pub, checked, actor=current_user)
        except (services.PublicationError, UploadRejected) as exc:
            db.session.rollback()
            return _manage_page(_pub_or_404(pub_id), 422, attachment_form=form,
                                error=str(exc))
        db.session.commit()
        flash(_("Lampiran ditambahkan."), "success")
        return redirect(url_for("publications.manage", pub_id=pub_id))
    return _manage_page(pub, 422, attachment_form=form)


@bp.post("/kelola/publikasi/<int(max=2147483647):pub_id>/lampiran/<int(max=2147483647):file_id>/hapus")
def attachment_remove(pub_id, file_id):
    pub = _managed_or_404(pub_id)
    auth.authorize("publication.edit", pub)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    att = db.session.get(PublicationAttachment, file_id)
    if att is None or att.publication_id != pub.id:
        abort(404)
    services.remove_attachment(pub, att, actor=current_user)
    db.session.commit()
    flash(_("Lampiran dihapus."), "success")
    return redirect(url_for("publications.manage", pub_id=pub_id))


def _step_view(pub_id, action, form, run, done_message, form_name=None):
    pub = _managed_or_404(pub_id)
    auth.authorize(action, pub)
    if form.validate_on_submit():
        try:
            run(pub, form)
        except services.PublicationError as exc:
            db.session.rollback()
            return _manage_page(_pub_or_404(pub_id), 422, error=str(exc),
                                **({form_name: form} if form_name else {}))
        db.session.commit()
        flash(done_message, "success")
        return redirect(url_for("publications.manage", pub_id=pub_id))
    if form_name is None:
        abort(400)  # a bare button whose token is missing or wrong
    return _manage_page(pub, 422, **{form_name: form})


@bp.post("/kelola/publikasi/<int(max=2147483647):pub_id>/ajukan")
def submit(pub_id):
    return _step_view(pub_id, "publication.submit", ConfirmForm(),
                      lambda pub, _f: services.submit(pub, actor=current_user),
                      _("Publikasi diajukan ke PPID Utama."))


@bp.post("/kelola/publikasi/<int(max=2147483647):pub_id>/kembalikan")
def send_back(pub_id):
    return _step_view(pub_id, "publication.review", ReturnForm(),
                      lambda pub, f: services.return_to_agency(pub, f.comment.data,
                                                               actor=current_user),
                      _("Publikasi dikembalikan ke badan publiknya dengan catatan."),
                      "return_form")


@bp.post("/kelola/publikasi/<int(max=2147483647):pub_id>/jadwalkan")
def schedule(pub_id):
    return _step_view(pub_id, "publication.review", ScheduleForm(),
                      lambda pub, f: services.schedule(pub, _aware(f.at.data),
                                                       actor=current_user),
                      _("Publikasi dijadwalkan."), "schedule_form")


@bp.post("/kelola/publikasi/<int(max=2147483647):pub_id>/terbitkan")
def publish(pub_id):
    return _step_view(pub_id, "publication.review", ConfirmForm(),
                      lambda pub, _f: services.publish(pub, actor=current_user),
                      _("Publikasi diterbitkan."))


@bp.post("/kelola/publikasi/<int(max=2147483647):pub_id>/tarik")
def withdraw(pub_id):
    return _step_view(pub_id, "publication.review", WithdrawForm(),
                      lambda pub, f: services.withdraw(pub, f.reason.data,
                                                       actor=current_user),
                      _("Publikasi ditarik."), "withdraw_form")


# --- the PPID Utama's desk ----------------------------------------------------------------

@bp.get("/kelola/meja-publikasi")
def desk():
    auth.authorize("publication.review")
    submitted, scheduled = services.desk_queue()
    return render_template("publications/desk.html", submitted=submitted,
                           scheduled=scheduled, recent=services.recent_for_desk(),
                           now=utcnow())


# --- sections of other pages ------------------------------------------------------------------

def home_section():
    items = services.latest_public(5)
    if not items:
        return None
    return "publications/_home.html", {"news_items": items}


def profile_section(agency):
    items = services.latest_public(5, agency=agency)
    can_draft = auth.can(current_user, "publication.draft", agency)
    if not items and not can_draft:
        return None
    return "publications/_profile.html", {"news_items": items, "news_agency": agency,
                                          "can_draft": can_draft}


def dashboard_section(user):
    drafter = auth.can(user, "publication.draft")
    reviewer = auth.can(user, "publication.review")
    if not (drafter or reviewer):
        return None
    ctx = {"pub_drafter": drafter, "pub_reviewer": reviewer, "pub_waiting": 0,
           "pub_returned": 0}
    if reviewer:
        submitted, _scheduled = services.desk_queue()
        ctx["pub_waiting"] = len(submitted)
    if drafter:
        ctx["pub_returned"] = sum(1 for p in services.of_agencies(user.agency_ids(*DRAFTERS))
                                  if p.state == PublicationState.RETURNED)
    return "publications/_dashboard.html", ctx



@bp.app_template_filter("pub_slug")
def _pub_slug(title):
    return rules.slugify(title)


@bp.app_template_filter("pub_body")
def _pub_body(text):
    return rules.render_body(text)


@bp.app_template_global("effective_state")
def _effective_state(state, published_at, now):
    return rules.effective_state(state, published_at, now)


# --- the publication calendar and the agencies' plans ------------------------------------------

def _calendar_agencies():
    """The agencies whose calendar the signed-in user reads: every active one for the PPID
    Utama and the auditor, else their own (humas, helper officers)."""
    q = sa.select(Agency).where(Agency.is_active.is_(True)).order_by(Agency.name)
    if not auth.can(current_user, "publication.calendar_all"):
        q = q.where(Agency.id.in_(sorted(current_user.agency_ids(*DRAFTERS))))
    return db.session.execute(q).scalars().all()


def _month_args(errors, today):
    from ppid.core.web import filter_int_arg
    year = filter_int_arg("tahun", errors, lo=2000, hi=today.year + 5, default=today.year,
                          message=_("Tahun harus angka antara 2000 dan %(y)d.",
                                    y=today.year + 5))
    month = filter_int_arg("bulan", errors, lo=1, hi=12, default=today.month,
                           message=_("Bulan harus angka 1 sampai 12."))
    return date(year, month, 1)


def _shift(first_day, months):
    index = first_day.year * 12 + first_day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@bp.get("/kelola/kalender-publikasi")
def calendar():
    """What is public, scheduled and planned in a month, across agencies for the PPID Utama
    (and the auditor), each agency's own for its humas; and the agencies' plans: what is
    due in the month's period, and who is behind."""
    auth.authorize("publication.calendar")
    from ppid.core.services import local_today
    now = utcnow()
    today = local_today(now)
    errors = {}
    first = _month_args(errors, today)
    agencies = _calendar_agencies()
    slug = (request.args.get("badan") or "").strip()[:100]
    chosen = None
    if slug:
        chosen = next((a for a in agencies if a.slug == slug), None)
        if chosen is None:
            errors["badan"] = _("Badan publik tidak dikenal atau bukan badan publik Anda.")
    ids = [chosen.id] if chosen else [a.id for a in agencies]
    progress = services.plan_progress(first, agency_ids=ids, now=now)
    this_month = date(today.year, today.month, 1)
    current = progress if first == this_month else services.plan_progress(
        this_month, agency_ids=ids, now=now)
    behind = {}
    for row in current:
        if row.is_behind:
            behind.setdefault(row.plan.agency, []).append(row)
    entries = services.calendar_entries(first, agency_ids=ids, now=now)
    days = {}
    for e in entries:
        days.setdefault(e.at.astimezone(local_tz()).date(), []).append(e)
    prev, nxt = _shift(first, -1), _shift(first, 1)
    return render_template(
        "publications/calendar.html", first=first, days=sorted(days.items()),
        progress=progress, behind=sorted(behind.items(), key=lambda kv: kv[0].name.lower()),
        agencies=agencies, chosen=chosen, errors=errors, now=now, today=today,
        plannable=[a for a in ([chosen] if chosen else agencies)
                   if auth.can(current_user, "publication.plan", a)],
        prev=prev if prev.year >= 2000 else None,
        next=nxt if nxt.year <= today.year + 5 else None,
        is_current=first == this_month, plan_status_help=rules.PLAN_STATUS_HELP), \
        400 if errors else 200


@bp.route("/kelola/badan/<slug>/rencana-publikasi", methods=["GET", "POST"])
def plan(slug):
    """An agency's publication plan: a target per kind of publication and period."""
    from ppid.publications.forms import PlanForm
    from ppid.publications.models import PublicationPlan
    agency = get_agency_or_404(slug)
    auth.authorize("publication.plan", agency)
    form = PlanForm.build()
    rows = {p.kind: p for p in db.session.execute(sa.select(PublicationPlan).where(
        PublicationPlan.agency_id == agency.id)).scalars()}
    if request.method == "GET":
        for kind, target, cadence in form.rows():
            row = rows.get(kind.value)
            target.data = row.target if row else 0
            cadence.data = row.cadence if row else rules.Cadence.BULANAN.value
    error = None
    if form.validate_on_submit():
        try:
            changes = services.save_plan(agency, form.targets(), actor=current_user)
        except services.PublicationError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Rencana publikasi disimpan.") if changes else
                  _("Rencana publikasi tidak berubah."), "success" if changes else "info")
            return redirect(url_for("publications.calendar", badan=agency.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("publications/plan.html", form=form, agency=agency, rows=rows,
                           error=error), status
