"""The publication desk's database work: drafts, photos and attachments, the desk's steps,
the public listings. Every step is on the publication's timeline and in the audit log,
in the caller's transaction (the caller commits). Every service checks the actor's right
itself (ppid.publications.policies), so no caller can skip it.

Uploads are checked and photos re-encoded before any transaction (:func:`prepare_photo`,
:func:`check_attachment`: views call them with no transaction open), so no lock is held
while an image is decoded or a PDF is parsed.
"""
import io
from dataclasses import dataclass
import sqlalchemy as sa
from sqlalchemy.orm import contains_eager
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ppid.agencies.models import Agency
from ppid.core import audit, auth, jobs
from ppid.core.db import utcnow
from ppid.core.storage import put_in_transaction
from ppid.core.uploads import (DOCUMENT_TYPES, CheckedUpload, UploadRejected, check_upload,
                               refuse_active_pdf)
from ppid.extensions import db
from ppid.publications import rules
from ppid.publications.models import (Publication, PublicationAttachment, PublicationEvent,
                                      PublicationPhoto)
from ppid.publications.rules import PublicationState as S
from ppid.publications.rules import Step

FIELDS = ("title", "kind", "summary", "body", "tags", "dip_item_id", "obligation_id",
          "wished_at")
MAX_PHOTOS = 12
MAX_ATTACHMENTS = 10
PHOTO_TYPES = {m: DOCUMENT_TYPES[m] for m in ("image/jpeg", "image/png", "image/webp",
                                             "image/gif")}
PHOTO_LONG_SIDE = 1600   # the copy shown on the page
THUMB_LONG_SIDE = 480    # lists, feeds and og:image
# Refused before decoding: a small file that would expand to a huge bitmap.
PHOTO_MAX_SOURCE_PIXELS = 40_000_000
GO_LIVE_JOB = "publications.go_live"


class PublicationError(ValueError):
    """A step or an input the desk refuses; ``str(exc)`` is the message for the user."""


class NotAllowed(PublicationError):
    """The actor may not do this to this publication (views answer 403 before)."""


def _require(actor, action, obj):
    if not auth.can(actor, action, obj):
        raise NotAllowed(_("Anda tidak berwenang melakukan langkah ini pada publikasi ini."))


def _snapshot(pub):
    return {f: getattr(pub, f) for f in FIELDS}


def _step(pub, step, *, actor, now, comment="", changes=None):
    db.session.add(PublicationEvent(publication_id=pub.id, step=step, state=pub.state,
                                    comment=comment or "", actor_id=getattr(actor, "id", None),
                                    occurred_at=now))
    audit.record(f"publication.{step.value}", pub, actor=actor, now=now,
                 changes=changes or {})


def _move(pub, step, *, actor, now, comment="", changes=None):
    before = pub.state
    try:
        pub.state = rules.next_state(step, pub.state, pub.published_at, now)
    except rules.TransitionRefused as exc:
        raise PublicationError(str(exc)) from None
    pub.updated_at = now
    db.session.flush()
    _step(pub, step, actor=actor, now=now, comment=comment,
          changes={"state": [before, pub.state], **(changes or {})})


# --- Content ---------------------------------------------------------------------------------

def _clean_data(agency, data):
    """The fields of ``data`` checked against the agency: tags parsed, the related DIP item
    and obligation its own. Raises PublicationError."""
    from ppid.registry import rules as registry_rules
    from ppid.registry.models import DipItem, Obligation
    out = dict(data)
    if "kind" in out:
        out["kind"] = out["kind"] or rules.PublicationKind.BERITA.value
        if out["kind"] not in rules.PublicationKind.codes():
            raise PublicationError(_("Jenis publikasi tidak dikenal."))
    if "tags" in out:
        try:
            out["tags"] = rules.stored_tags(rules.parse_tags(out["tags"]))
        except ValueError as exc:
            raise PublicationError(str(exc)) from None
    if len(out.get("body") or "") > rules.MAX_BODY_CHARS:
        raise PublicationError(_("Isi berita paling banyak %(n)d karakter.",
                                 n=rules.MAX_BODY_CHARS))
    if not (out.get("title") or "").strip() and "title" in out:
        raise PublicationError(_("Isi judul."))
    item_id = out.get("dip_item_id") or None
    out["dip_item_id"] = item_id
    if item_id is not None:
        item = db.session.get(DipItem, item_id)
        if item is None or item.agency_id != agency.id:
            raise PublicationError(_("Informasi DIP yang dipilih bukan milik %(name)s.",
                                     name=agency.name))
    ob_id = out.get("obligation_id") or None
    out["obligation_id"] = ob_id
    if ob_id is not None:
        ob = db.session.get(Obligation, ob_id)
        if ob is None or not ob.is_active or not registry_rules.applies_to_agency(
                ob.applies_to, agency.kind):
            raise PublicationError(_("Kewajiban informasi yang dipilih tidak berlaku bagi "
                                     "%(name)s.", name=agency.name))
    wished = out.get("wished_at")
    if wished is not None and wished.tzinfo is None:
        raise PublicationError(_("Waktu terbit yang diinginkan tidak valid."))
    return out


def create_draft(agency, data, *, actor, now=None) -> Publication:
    """A new draft of ``agency`` by one of its humas or helper officers."""
    now = now or utcnow()
    _require(actor, "publication.draft", agency)
    clean = _clean_data(agency, {f: data.get(f) for f in FIELDS})
    pub = Publication(agency_id=agency.id, state=S.DRAFT, created_by_id=actor.id,
                      created_at=now, updated_at=now,
                      **{f: (clean[f] if clean[f] is not None or f in (
                          "dip_item_id", "obligation_id", "wished_at") else "")
                         for f in FIELDS})
    db.session.add(pub)
    db.session.flush()
    _step(pub, Step.CREATED, actor=actor, now=now, changes=audit.diff({}, _snapshot(pub)))
    return pub


def update(pub, data, *, actor, now=None) -> Publication:
    now = now or utcnow()
    _require(actor, "publication.edit", pub)
    before = _snapshot(pub)
    clean = _clean_data(pub.agency, {f: data[f] for f in FIELDS if f in data})
    for f, value in clean.items():
        setattr(pub, f, value if value is not None or f in (
            "dip_item_id", "obligation_id", "wished_at") else "")
    changes = audit.diff(before, _snapshot(pub))
    if changes:
        pub.updated_at = now
        db.session.flush()
        _step(pub, Step.EDITED, actor=actor, now=now, changes=changes)
    return pub


# --- Photos and attachments --------------------------------------------------------------

@dataclass(frozen=True)
class PreparedPhoto:
    data: bytes        # the re-encoded copy shown on the page (no EXIF)
    thumbnail: bytes
    media_type: str
    filename: str
    width: int
    height: int


def _encode(img, long_side, fmt):
    copy = img.copy()
    copy.thumbnail((long_side, long_side), Image.LANCZOS)
    out = io.BytesIO()
    if fmt == "JPEG":
        copy.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    else:
        copy.save(out, "PNG", optimize=True)
    return out.getvalue(), copy.size


def prepare_photo(file_storage) -> PreparedPhoto:
    """Check an uploaded photo (size, real type, name: ppid.core.uploads) and re-encode it:
    the copy shown (at most PHOTO_LONG_SIDE pixels on its long side, turned upright, its
    metadata such as a GPS position dropped) and a thumbnail. Needs no database: views call
    it before their writing transaction. Raises UploadRejected."""
    checked = check_upload(file_storage, allowed=PHOTO_TYPES)
    name = checked.filename
    broken = UploadRejected(_("Berkas %(name)s tidak dapat dibaca sebagai gambar. Simpan "
                              "ulang fotonya sebagai JPEG atau PNG lalu unggah kembali.",
                              name=name))
    try:
        with Image.open(io.BytesIO(checked.data)) as probe:
            width, height = probe.size
            if width * height > PHOTO_MAX_SOURCE_PIXELS:
                raise UploadRejected(_("Foto %(name)s terlalu besar (%(w)d x %(h)d piksel); "
                                       "perkecil hingga paling banyak %(mp)d megapiksel.",
                                       name=name, w=width, h=height,
                                       mp=PHOTO_MAX_SOURCE_PIXELS // 1_000_000))
            probe.verify()
        with Image.open(io.BytesIO(checked.data)) as img:
            img.seek(0)  # an animated GIF: its first frame
            img = ImageOps.exif_transpose(img)
            has_alpha = img.mode in ("RGBA", "LA", "PA") or (
                img.mode == "P" and "transparency" in img.info)
            img = img.convert("RGBA" if has_alpha else "RGB")
            fmt = "PNG" if has_alpha else "JPEG"
            data, size = _encode(img, PHOTO_LONG_SIDE, fmt)
            thumb, _size = _encode(img, THUMB_LONG_SIDE, fmt)
    except UploadRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError,
            SyntaxError, EOFError):
        raise broken from None
    stem = name.rsplit(".", 1)[0]
    ext = "png" if fmt == "PNG" else "jpg"
    return PreparedPhoto(data=data, thumbnail=thumb,
                         media_type="image/png" if fmt == "PNG" else "image/jpeg",
                         filename=f"{stem}.{ext}", width=size[0], height=size[1])


def add_photo(pub, photo: PreparedPhoto, alt_text, *, actor, now=None) -> PublicationPhoto:
    now = now or utcnow()
    _require(actor, "publication.edit", pub)
    alt_text = " ".join((alt_text or "").split())
    if not alt_text:
        raise PublicationError(_("Tulis teks alternatif foto: apa yang terlihat, untuk "
                                 "pembaca yang tidak dapat melihat gambarnya."))
    if len(alt_text) > 300:
        raise PublicationError(_("Teks alternatif paling banyak 300 karakter."))
    if len(pub.photos) >= MAX_PHOTOS:
        raise PublicationError(_("Paling banyak %(n)d foto per publikasi.", n=MAX_PHOTOS))
    key = put_in_transaction(db.session, photo.data)
    thumb = put_in_transaction(db.session, photo.thumbnail)
    row = PublicationPhoto(publication_id=pub.id, sha256=key, thumb_key=thumb,
                           media_type=photo.media_type, original_name=photo.filename,
                           size=len(photo.data), width=photo.width, height=photo.height,
                           alt_text=alt_text, uploaded_by_id=actor.id, created_at=now)
    db.session.add(row)
    pub.updated_at = now
    db.session.flush()
    db.session.refresh(pub, ["photos"])
    _step(pub, Step.PHOTO_ADDED, actor=actor, now=now, changes={
        "photo": row.id, "sha256": key, "alt_text": alt_text, "original_name": photo.filename})
    return row


def remove_photo(pub, photo, *, actor, now=None):
    now = now or utcnow()
    _require(actor, "publication.edit", pub)
    if photo.publication_id != pub.id:
        raise PublicationError(_("Foto ini bukan bagian dari publikasi ini."))
    changes = {"photo": photo.id, "sha256": photo.sha256, "alt_text": photo.alt_text}
    db.session.delete(photo)
    pub.updated_at = now
    db.session.flush()
    db.session.refresh(pub, ["photos"])
    _step(pub, Step.PHOTO_REMOVED, actor=actor, now=now, changes=changes)


def check_attachment(file_storage) -> CheckedUpload:
    """Every check of an attachment that needs no database (as the DIP's documents: size,
    real type, name, ZIP expansion, a PDF's active content). Raises UploadRejected."""
    checked = check_upload(file_storage)
    if checked.media_type == "application/pdf":
        refuse_active_pdf(checked)
    return checked


def add_attachment(pub, checked: CheckedUpload, *, actor, now=None) -> PublicationAttachment:
    now = now or utcnow()
    _require(actor, "publication.edit", pub)
    if len(pub.attachments) >= MAX_ATTACHMENTS:
        raise PublicationError(_("Paling banyak %(n)d lampiran per publikasi.",
                                 n=MAX_ATTACHMENTS))
    key = put_in_transaction(db.session, checked.data)
    row = PublicationAttachment(publication_id=pub.id, sha256=key,
                                original_name=checked.filename, media_type=checked.media_type,
                                size=checked.size, uploaded_by_id=actor.id, created_at=now)
    db.session.add(row)
    pub.updated_at = now
    db.session.flush()
    db.session.refresh(pub, ["attachments"])
    _step(pub, Step.ATTACHMENT_ADDED, actor=actor, now=now, changes={
        "attachment": row.id, "sha256": key, "original_name": checked.filename,
        "size": checked.size, "media_type": checked.media_type})
    return row


def remove_attachment(pub, attachment, *, actor, now=None):
    now = now or utcnow()
    _require(actor, "publication.edit", pub)
    if attachment.publication_id != pub.id:
        raise PublicationError(_("Lampiran ini bukan bagian dari publikasi ini."))
    changes = {"attachment": attachment.id, "sha256": attachment.sha256,
               "original_name": attachment.original_name}
    db.session.delete(attachment)
    pub.updated_at = now
    db.session.flush()
    db.session.refresh(pub, ["attachments"])
    _step(pub, Step.ATTACHMENT_REMOVED, actor=actor, now=now, changes=changes)


# --- The desk's steps ------------------------------------------------------------------------

def _ready_to_review(pub):
    if not (pub.summary or "").strip() or not (pub.body or "").strip():
        raise PublicationError(_("Lengkapi ringkasan dan isi berita sebelum diajukan."))


def submit(pub, *, actor, now=None):
    """The agency hands its draft (or its corrected, returned one) to the desk."""
    now = now or utcnow()
    _require(actor, "publication.submit", pub)
    _ready_to_review(pub)
    pub.submitted_at = now
    pub.return_comment = None
    _move(pub, Step.SUBMITTED, actor=actor, now=now)


def return_to_agency(pub, comment, *, actor, now=None):
    """The desk sends it back with comments; the agency corrects and submits again."""
    now = now or utcnow()
    _require(actor, "publication.review", pub)
    comment = (comment or "").strip()
    if not comment:
        raise PublicationError(_("Tulis catatan untuk badan publik: apa yang perlu diperbaiki."))
    pub.return_comment = comment
    was_scheduled = pub.state == S.SCHEDULED
    _move(pub, Step.RETURNED, actor=actor, now=now, comment=comment,
          changes={"comment": comment})
    if was_scheduled:
        pub.published_at = None  # no longer due


def schedule(pub, at, *, actor, now=None):
    """Set the moment it becomes public; the job runner records it then (GO_LIVE_JOB),
    while every page reads it from the clock before that."""
    now = now or utcnow()
    _require(actor, "publication.review", pub)
    problem = rules.check_schedule(at, now)
    if problem is not None:
        raise PublicationError(str(problem))
    _ready_to_review(pub)
    before = pub.published_at
    pub.published_at = at
    _move(pub, Step.SCHEDULED, actor=actor, now=now, changes={"published_at": [before, at]})
    delay = max(0.0, (at - utcnow()).total_seconds())
    jobs.enqueue(GO_LIVE_JOB, {"publication_id": pub.id, "at": at.isoformat()},
                 delay_seconds=delay)


def publish(pub, *, actor, now=None):
    """Publish at once."""
    now = now or utcnow()
    _require(actor, "publication.review", pub)
    _ready_to_review(pub)
    before = pub.published_at
    pub.published_at = now
    _move(pub, Step.PUBLISHED, actor=actor, now=now, changes={"published_at": [before, now]})


def withdraw(pub, reason, *, actor, now=None):
    """Take a public item down; the reason is kept (and shown to officers)."""
    now = now or utcnow()
    _require(actor, "publication.review", pub)
    reason = (reason or "").strip()
    if not reason:
        raise PublicationError(_("Tuliskan alasan penarikan."))
    pub.withdrawn_at = now
    pub.withdrawal_reason = reason
    _move(pub, Step.WITHDRAWN, actor=actor, now=now, comment=reason,
          changes={"reason": reason})


def go_live(publication_id, *, now=None):
    """Record that a scheduled publication's time has come (the job runner, as the system):
    its state becomes ``published``, so the search index and the pages' validators move.
    Nothing happens when it was returned, rescheduled later or withdrawn meanwhile."""
    now = now or utcnow()
    pub = db.session.get(Publication, publication_id)
    if pub is None or pub.state != S.SCHEDULED or pub.published_at is None \
            or pub.published_at > now:
        return False
    _move(pub, Step.WENT_LIVE, actor=None, now=now)
    return True


def go_live_due(now=None):
    """Every scheduled publication whose time has come (``flask ppid publish-due``)."""
    now = now or utcnow()
    ids = db.session.execute(sa.select(Publication.id).where(
        Publication.state == S.SCHEDULED, Publication.published_at <= now)
        .order_by(Publication.published_at)).scalars().all()
    return sum(1 for i in ids if go_live(i, now=now))


def _go_live_prepare(payload):
    pub = db.session.get(Publication, payload["publication_id"])
    if pub is None or pub.state != S.SCHEDULED:
        return None  # returned or withdrawn meanwhile: nothing to do
    return jobs.ChildCall()


def _go_live_apply(payload, _output):
    pub = db.session.get(Publication, payload["publication_id"])
    if pub is not None and pub.state == S.SCHEDULED and pub.published_at is not None \
            and pub.published_at > utcnow():
        # Rescheduled later: the job queued by that step does it.
        return
    go_live(payload["publication_id"])


def go_live_job():
    """The job kind that records a scheduled publication as published at its time; it runs
    in the worker itself (nothing to isolate in a child)."""
    return jobs.JobKind(GO_LIVE_JOB, None, _go_live_prepare, _go_live_apply,
                        lambda payload, reason: None)


# --- Reading ---------------------------------------------------------------------------------

def visible(now=None):
    """The SQL condition of a public publication at ``now`` (rules.is_public)."""
    now = now or utcnow()
    return sa.and_(Publication.state.in_((S.SCHEDULED, S.PUBLISHED)),
                   Publication.published_at <= now)


def public_query(*, now=None, agency=None, tag=None):
    q = (sa.select(Publication).join(Agency, Agency.id == Publication.agency_id)
         .where(visible(now), Agency.is_active.is_(True)))
    if agency is not None:
        q = q.where(Publication.agency_id == agency.id)
    if tag:
        q = q.where(Publication.tags.like(f"%,{tag},%", escape="\\"))
    return q.order_by(Publication.published_at.desc(), Publication.id.desc())


def latest_public(limit=5, *, now=None, agency=None):
    return db.session.execute(public_query(now=now, agency=agency).limit(limit)).scalars().all()


def clock_stamp(now=None, *, conn=None):
    """What the public pages show that moves with the clock, not with a write: the scheduled
    publications whose time has come and that the job runner has not recorded yet. Part
    of every public page's validator (ppid.core.public_cache), so a page kept before such a
    moment is not served after it."""
    now = now or utcnow()
    t = Publication.__table__
    # On the content stamp's connection (no ORM session for a 304), or a read-only one of
    # its own: it never waits for a writer's lock.
    query = sa.select(sa.func.count(), sa.func.max(t.c.published_at)).where(
        t.c.state == S.SCHEDULED.value, t.c.published_at <= now)
    if conn is not None:
        count, newest = conn.execute(query).one()
    else:
        with db.engine.execution_options(ppid_read_only=True).connect() as own:
            count, newest = own.execute(query).one()
    return f"pub:{count}:{newest}"


def desk_queue():
    """The PPID Utama's queue: submissions of every agency (oldest first), then what is
    scheduled (soonest first)."""
    submitted = db.session.execute(
        sa.select(Publication).where(Publication.state == S.SUBMITTED)
        .order_by(Publication.submitted_at, Publication.id)).scalars().all()
    scheduled = db.session.execute(
        sa.select(Publication).where(Publication.state == S.SCHEDULED,
                                     Publication.published_at > utcnow())
        .order_by(Publication.published_at, Publication.id)).scalars().all()
    return submitted, scheduled


def recent_for_desk(limit=20):
    return db.session.execute(
        sa.select(Publication).where(Publication.state.in_((S.RETURNED, S.PUBLISHED,
                                                            S.WITHDRAWN, S.SCHEDULED)))
        .order_by(Publication.updated_at.desc(), Publication.id.desc()).limit(limit)
    ).scalars().all()


def of_agencies(agency_ids):
    if not agency_ids:
        return []
    return db.session.execute(
        sa.select(Publication).where(Publication.agency_id.in_(sorted(agency_ids)))
        .order_by(Publication.updated_at.desc(), Publication.id.desc())).scalars().all()


def related_choices(agency):
    """(DIP items of the agency, obligations that apply to it) for the form's choices."""
    from ppid.registry import rules as registry_rules
    from ppid.registry.models import DipItem, Obligation
    items = db.session.execute(sa.select(DipItem).where(DipItem.agency_id == agency.id)
                               .order_by(DipItem.title)).scalars().all()
    obligations = [o for o in db.session.execute(
        sa.select(Obligation).where(Obligation.is_active.is_(True))
        .order_by(Obligation.code)).scalars()
        if registry_rules.applies_to_agency(o.applies_to, agency.kind)]
    return items, obligations



# --- Figures for the compliance pages ------------------------------------------------------

def _seconds_between(start, end):
    """``end - start`` in seconds, in SQL (SQLite keeps timestamps as text)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", end - start)
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0


def desk_figures(now=None, *, agency_ids=None, months=rules.FIGURE_MONTHS):
    """Every agency's (or ``agency_ids``') :class:`rules.PublicationFigures` over the last
    ``months`` calendar months (local time), in three GROUP BY queries whatever the number
    of agencies: publications made public per agency and month (the month a CASE over the
    months' first moments, so no dialect's date functions are needed), the median of
    first-submission-to-public hours (window functions: the middle row, or the mean of the
    two middle rows), and the drafts returned. Agencies with nothing have no entry: use
    ``empty_figures``."""
    from datetime import datetime, time as dtime, timezone as dtz

    from ppid.core.services import local_today, timezone as local_zone
    now = now or utcnow()
    zone = local_zone()
    starts = rules.month_starts(local_today(now), months)
    bounds = [datetime.combine(d, dtime(0), tzinfo=zone).astimezone(dtz.utc) for d in starts]
    p, e = Publication, PublicationEvent
    in_window = sa.and_(visible(now), p.published_at >= bounds[0])

    def scoped(q, column=p.agency_id):
        return q if agency_ids is None else q.where(column.in_(sorted(agency_ids)))

    bucket = sa.case(*[(p.published_at >= b, i) for i, b in reversed(list(enumerate(bounds)))],
                     else_=0)
    counts = {}
    for agency_id, i, n in db.session.execute(scoped(
            sa.select(p.agency_id, bucket, sa.func.count()).where(in_window)
            .group_by(p.agency_id, bucket))):
        counts.setdefault(agency_id, [0] * months)[int(i)] = n

    first = (sa.select(e.publication_id, sa.func.min(e.occurred_at).label("at"))
             .where(e.step == Step.SUBMITTED.value).group_by(e.publication_id).subquery())
    hours = _seconds_between(first.c.at, p.published_at) / 3600.0
    ranked = scoped(
        sa.select(p.agency_id.label("agency_id"), hours.label("h"),
                  sa.func.row_number().over(partition_by=p.agency_id, order_by=hours)
                  .label("rn"),
                  sa.func.count().over(partition_by=p.agency_id).label("n"))
        .join(first, first.c.publication_id == p.id).where(in_window)).subquery()
    # The middle row (n odd) or the two middle rows (n even): 2 rn in [n, n + 2].
    medians = dict(db.session.execute(
        sa.select(ranked.c.agency_id, sa.func.avg(ranked.c.h))
        .where(ranked.c.rn * 2 >= ranked.c.n, ranked.c.rn * 2 <= ranked.c.n + 2)
        .group_by(ranked.c.agency_id)).all())

    returned = dict(db.session.execute(scoped(
        sa.select(p.agency_id, sa.func.count(sa.distinct(e.publication_id)))
        .join(p, p.id == e.publication_id)
        .where(e.step == Step.RETURNED.value, e.occurred_at >= bounds[0],
               e.occurred_at <= now)
        .group_by(p.agency_id))).all())

    out = {}
    for agency_id in set(counts) | set(medians) | set(returned):
        median = medians.get(agency_id)
        out[agency_id] = rules.PublicationFigures(
            months=starts, per_month=tuple(counts.get(agency_id, [0] * months)),
            median_hours=None if median is None else round(float(median), 1),
            returned=returned.get(agency_id, 0))
    return out


def empty_figures(now=None, months=rules.FIGURE_MONTHS):
    from ppid.core.services import local_today
    return rules.PublicationFigures(months=rules.month_starts(local_today(now), months),
                                    per_month=(0,) * months)


# --- Publication plans -----------------------------------------------------------------------

def plans_of(agency_ids=None):
    """The plans' targets of the active agencies (or of ``agency_ids``), by agency name and
    the kinds' order."""
    from ppid.publications.models import PublicationPlan
    q = (sa.select(PublicationPlan).join(Agency, Agency.id == PublicationPlan.agency_id)
         .where(Agency.is_active.is_(True)).options(contains_eager(PublicationPlan.agency)))
    if agency_ids is not None:
        q = q.where(PublicationPlan.agency_id.in_(sorted(agency_ids)))
    order = {k.value: i for i, k in enumerate(rules.PublicationKind)}
    return sorted(db.session.execute(q).scalars().all(),
                  key=lambda p: (p.agency.name.lower(), order[p.kind]))


def _plan_text(target, cadence):
    return f"{target} {rules.Cadence(cadence).value}"


def save_plan(agency, targets, *, actor, now=None):
    """Set ``agency``'s plan from ``{kind code: (target, cadence code)}``: a target of 0
    removes that kind's. Checks every value before changing anything; one audit event with
    what changed (nothing when nothing did). Returns the changes."""
    from ppid.publications.models import PublicationPlan
    now = now or utcnow()
    if not auth.can(actor, "publication.plan", agency):
        raise NotAllowed(_("Anda tidak berwenang mengubah rencana publikasi badan publik "
                           "ini."))
    clean = {}
    for kind, (target, cadence) in targets.items():
        if kind not in rules.PublicationKind.codes():
            raise PublicationError(_("Jenis publikasi tidak dikenal."))
        if cadence not in rules.Cadence.codes():
            raise PublicationError(_("Periode rencana tidak dikenal."))
        if not isinstance(target, int) or not 0 <= target <= rules.MAX_PLAN_TARGET:
            raise PublicationError(_("Target %(kind)s harus angka 0 sampai %(n)d.",
                                     kind=rules.PublicationKind(kind).label,
                                     n=rules.MAX_PLAN_TARGET))
        clean[kind] = (target, cadence)
    rows = {p.kind: p for p in db.session.execute(sa.select(PublicationPlan).where(
        PublicationPlan.agency_id == agency.id)).scalars()}
    before = {k: _plan_text(p.target, p.cadence) for k, p in rows.items()}
    for kind, (target, cadence) in clean.items():
        row = rows.get(kind)
        if target == 0:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            db.session.add(PublicationPlan(agency_id=agency.id, kind=kind, cadence=cadence,
                                           target=target, updated_by_id=actor.id,
                                           created_at=now, updated_at=now))
        elif (row.target, row.cadence) != (target, cadence):
            row.target, row.cadence = target, cadence
            row.updated_by_id, row.updated_at = actor.id, now
    after = dict(before)
    for kind, (target, cadence) in clean.items():
        if target == 0:
            after.pop(kind, None)
        else:
            after[kind] = _plan_text(target, cadence)
    changes = audit.diff(before, after)
    if changes:
        db.session.flush()
        audit.record("publication.plan_changed", agency, actor=actor, now=now,
                     changes=changes, agency_id=agency.id)
    return changes


# --- The publication calendar ---------------------------------------------------------------

@dataclass(frozen=True)
class PlanProgress:
    """One target of a plan in the period of a calendar month: what is public in it, what
    is scheduled in it, its status; ``is_behind`` only for the period holding today."""

    plan: object
    start: object
    end: object
    published: int
    scheduled: int
    status: rules.PlanStatus
    is_behind: bool


def _utc(day):
    from datetime import datetime, time as dtime, timezone as dtz

    from ppid.core.services import timezone as local_zone
    return datetime.combine(day, dtime(0), tzinfo=local_zone()).astimezone(dtz.utc)


def plan_progress(day, *, agency_ids=None, now=None):
    """Every plan target's progress in its period holding ``day`` (a month's or a
    quarter's), with the flag of an agency behind its plan when that period holds today.
    Two queries whatever the number of agencies: the plans, and one GROUP BY (agency,
    kind) counting public and scheduled publications in the month, the quarter and the
    periods before them; the rules decide."""
    from datetime import timedelta

    from ppid.core.services import local_today
    now = now or utcnow()
    today = local_today(now)
    plans = plans_of(agency_ids)
    if not plans:
        return []
    periods = {}
    for cadence in rules.Cadence:
        current = rules.plan_period(cadence, day)
        periods[cadence.value] = (current, rules.previous_period(cadence, day))
    lo = min(p[1][0] for p in periods.values())
    hi = max(p[0][1] for p in periods.values()) + timedelta(days=1)
    p = Publication
    live = p.state.in_((S.SCHEDULED, S.PUBLISHED))

    def count(start, end, public):
        in_period = sa.and_(p.published_at >= _utc(start),
                            p.published_at < _utc(end + timedelta(days=1)))
        when = sa.and_(in_period, p.published_at <= now) if public else sa.and_(
            in_period, p.published_at > now, p.state == S.SCHEDULED)
        return sa.func.sum(sa.case((when, 1), else_=0))

    columns = []
    for cadence in rules.Cadence:
        (start, end), (pstart, pend) = periods[cadence.value]
        columns += [count(start, end, True), count(start, end, False),
                    count(pstart, pend, True)]
    q = (sa.select(p.agency_id, p.kind, *columns)
         .where(live, p.published_at >= _utc(lo), p.published_at < _utc(hi))
         .group_by(p.agency_id, p.kind))
    agencies = {plan.agency_id for plan in plans}
    q = q.where(p.agency_id.in_(sorted(agencies)))
    tallies = {(r[0], r[1]): [int(v or 0) for v in r[2:]] for r in db.session.execute(q)}
    index = {c.value: 3 * i for i, c in enumerate(rules.Cadence)}
    out = []
    for plan in plans:
        (start, end), (pstart, pend) = periods[plan.cadence]
        i = index[plan.cadence]
        published, scheduled, before = (tallies.get((plan.agency_id, plan.kind))
                                        or [0] * (3 * len(index)))[i:i + 3]
        status = rules.plan_status(plan.target, published, start, end, today)
        behind = False
        if start <= today <= end:
            from ppid.core.services import local_date
            judged = local_date(plan.created_at) <= pend  # the plan existed then
            previous = (rules.plan_status(plan.target, before, pstart, pend, today)
                        if judged else None)
            behind = rules.is_behind(status, previous)
        out.append(PlanProgress(plan, start, end, published, scheduled, status, behind))
    return out


@dataclass(frozen=True)
class CalendarEntry:
    """A publication on the calendar: public or scheduled at ``at``, or planned for it
    (the time its agency wished, not yet scheduled by the desk)."""

    publication: object
    at: object
    is_planned: bool


def calendar_entries(first_day, *, agency_ids=None, now=None):
    """The month of ``first_day``: publications public or scheduled in it, and those not
    yet scheduled whose wished time falls in it (withdrawn ones left out), by time. One
    query, the agencies loaded with it."""
    from datetime import timedelta
    now = now or utcnow()
    start = _utc(first_day)
    end = _utc((first_day + timedelta(days=32)).replace(day=1))
    p = Publication
    timed = sa.and_(p.state.in_((S.SCHEDULED, S.PUBLISHED)), p.published_at >= start,
                    p.published_at < end)
    planned = sa.and_(p.state.in_((S.DRAFT, S.SUBMITTED, S.RETURNED)), p.wished_at >= start,
                      p.wished_at < end)
    q = (sa.select(p).join(Agency, Agency.id == p.agency_id)
         .where(Agency.is_active.is_(True), sa.or_(timed, planned))
         .options(contains_eager(p.agency)))
    if agency_ids is not None:
        q = q.where(p.agency_id.in_(sorted(agency_ids)))
    out = []
    for pub in db.session.execute(q).scalars():
        is_planned = pub.state not in (S.SCHEDULED, S.PUBLISHED)
        out.append(CalendarEntry(pub, pub.wished_at if is_planned else pub.published_at,
                                 is_planned))
    return sorted(out, key=lambda e: (e.at, e.publication.id))
