"""Broadcasts' database work: started when a serta-merta DIP item is published (a hook of
ppid.registry.services), updated and ended by its agency's officers or the PPID Utama, and
mailed to the followers of the government and of the agency through the outbox (queued in
the same transaction, sent after commit; FollowDelivery makes each mail go at most once).
Every change is in the audit log; the caller commits."""
import logging
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ppid.core import audit, auth, jobs
from ppid.core.db import utcnow
from ppid.core.mail import queue_mail
from ppid.extensions import db
from ppid.broadcasts import rules
from ppid.broadcasts.models import (GOVERNMENT, Broadcast, BroadcastUpdate, FollowDelivery,
                                    Subscription)


def mail_url(endpoint, **values):
    """An absolute link for mail, from BASE_URL (never the request's Host header), that
    also works outside a request (the CLI's digest, the demo's seeding)."""
    adapter = current_app.url_map.bind("localhost")
    return current_app.config["BASE_URL"].rstrip("/") + adapter.build(endpoint, values)


log = logging.getLogger(__name__)


class BroadcastError(ValueError):
    """A change refused; ``str(exc)`` is the message for the user."""


class NotAllowed(BroadcastError):
    pass


def _require(actor, broadcast):
    if not auth.can(actor, "broadcast.manage", broadcast):
        raise NotAllowed(_("Anda tidak berwenang mengubah siaran ini."))


def _bump(b, now):
    b.revision = (b.revision or 0) + 1
    b.changed_at = now


# --- The registry's hook -----------------------------------------------------------------

def on_item_event(action, item, *, actor, now):
    """ppid.registry.services calls this after it published, changed or withdrew an item.
    Publishing a serta-merta item starts its broadcast (once: republishing a withdrawn item
    does not start it again); a change of the item moves its crisis page; withdrawing the
    item ends an active broadcast."""
    from ppid.registry.models import SERTA_MERTA
    b = db.session.execute(sa.select(Broadcast).where(Broadcast.dip_item_id == item.id)
                           ).scalar_one_or_none()
    if action == "publish" and item.category == SERTA_MERTA and b is None:
        start(item, actor=actor, now=now)
    elif action == "update" and b is not None:
        _bump(b, now)
    elif action == "withdraw" and b is not None and b.is_active:
        _end(b, _("Informasinya ditarik: %(reason)s", reason=item.withdrawal_reason or ""),
             actor=actor, now=now)


def start(item, *, actor, now=None) -> Broadcast:
    now = now or utcnow()
    b = Broadcast(dip_item_id=item.id, agency_id=item.agency_id, started_at=now,
                  started_by_id=getattr(actor, "id", None), revision=1, changed_at=now)
    db.session.add(b)
    db.session.flush()
    audit.record("broadcast.start", b, actor=actor, now=now,
                 changes={"dip_item_id": item.id, "title": item.title})
    _mail_followers(b, f"broadcast:{b.id}", now=now)
    return b


def post_update(b, body, *, actor, now=None) -> BroadcastUpdate:
    """A new entry of the update log, mailed to the followers."""
    now = now or utcnow()
    _require(actor, b)
    body = (body or "").strip()
    if not body:
        raise BroadcastError(_("Tulis kabar terbarunya."))
    if len(body) > rules.MAX_UPDATE_CHARS:
        raise BroadcastError(_("Kabar terbaru paling banyak %(n)d karakter.",
                               n=rules.MAX_UPDATE_CHARS))
    if not b.is_active:
        raise BroadcastError(_("Siaran ini sudah diakhiri; kabar baru tidak dapat ditambahkan."))
    update = BroadcastUpdate(broadcast_id=b.id, body=body, posted_at=now,
                             posted_by_id=getattr(actor, "id", None))
    db.session.add(update)
    _bump(b, now)
    db.session.flush()
    db.session.refresh(b, ["updates"])
    audit.record("broadcast.update", b, actor=actor, now=now,
                 changes={"update": update.id, "body": body})
    _mail_followers(b, f"update:{update.id}", update=update, now=now)
    return update


def end(b, note, *, actor, now=None):
    """End a broadcast: its banner goes; the crisis page stays, marked ended."""
    now = now or utcnow()
    _require(actor, b)
    note = (note or "").strip()
    if not note:
        raise BroadcastError(_("Tuliskan mengapa siaran diakhiri (misalnya: air telah surut, "
                               "warga sudah kembali ke rumah)."))
    if len(note) > rules.MAX_NOTE_CHARS:
        raise BroadcastError(_("Catatan paling banyak %(n)d karakter.", n=rules.MAX_NOTE_CHARS))
    if not b.is_active:
        raise BroadcastError(_("Siaran ini sudah diakhiri."))
    _end(b, note, actor=actor, now=now)


def _end(b, note, *, actor, now):
    b.ended_at = now
    b.ended_by_id = getattr(actor, "id", None)
    b.end_note = note
    _bump(b, now)
    db.session.flush()
    audit.record("broadcast.end", b, actor=actor, now=now, changes={"note": note})


# --- Mail -------------------------------------------------------------------------------

def _mail_followers(b, key, *, update=None, now):
    """Queue one mail per live follower of the government or of the agency, unless this
    ``key`` was already mailed to that subscription."""
    target = rules.target_of(b.agency_id)
    subs = db.session.execute(sa.select(Subscription).where(
        Subscription.target.in_((GOVERNMENT, target)),
        Subscription.confirmed_at.is_not(None),
        Subscription.unsubscribed_at.is_(None))).scalars().all()
    chosen = rules.recipients(subs, b.agency_id)
    if not chosen:
        return 0
    done = set(db.session.execute(sa.select(FollowDelivery.subscription_id).where(
        FollowDelivery.key == key,
        FollowDelivery.subscription_id.in_([s.id for s in chosen]))).scalars())
    sent = 0
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        for s in chosen:
            if s.id in done:
                continue
            subject, body = _message(b, s, update)
            mail = queue_mail(s.email, subject, body, now=now)
            db.session.flush()
            db.session.add(FollowDelivery(subscription_id=s.id, key=key,
                                          outbox_mail_id=mail.id, created_at=now))
            sent += 1
    db.session.flush()
    if sent:
        # The request's own after-commit delivery sends 20; the job worker sends the rest
        # at once instead of waiting for the cron's send-mail.
        jobs.enqueue(DELIVER_JOB, {"key": key})
    return sent


DELIVER_JOB = "broadcasts.deliver"
DELIVER_BATCHES = 100  # at most 100 x 200 mails per job; a later run takes the rest


def _deliver_prepare(payload):
    from ppid.core.models import OutboxMail
    waiting = db.session.execute(sa.select(OutboxMail.id).where(
        OutboxMail.sent_at.is_(None), OutboxMail.is_abandoned.is_(False)).limit(1)).first()
    return jobs.ChildCall() if waiting is not None else None


def _deliver_apply(payload, _output):
    from ppid.core.mail import deliver_pending
    for _batch in range(DELIVER_BATCHES):
        sent, _failed = deliver_pending(limit=200)
        if not sent:
            break


def deliver_job():
    """The job kind that sends a broadcast's mail from the outbox right after commit, in
    the worker itself (nothing to isolate)."""
    return jobs.JobKind(DELIVER_JOB, None, _deliver_prepare, _deliver_apply,
                        lambda payload, reason: None)


def _message(b, sub, update):
    from ppid.core import dates
    from ppid.registry.rules import SERTA_MERTA_PARTS
    item = b.item
    page = mail_url("broadcasts.crisis", broadcast_id=b.id)
    leave = mail_url("broadcasts.unsubscribe", token=sub.token)
    if update is None:
        subject = _("[Serta-merta] %(title)s", title=item.title)
        lines = [_("%(agency)s mengumumkan informasi serta-merta:", agency=b.agency.name), "",
                 item.title, ""]
        if item.event_at:
            lines += [_("Waktu kejadian: %(t)s", t=dates.datetime_short(item.event_at)), ""]
        for name, label in SERTA_MERTA_PARTS:
            lines += [str(label), getattr(item, name) or "", ""]
    else:
        subject = _("[Serta-merta] Kabar terbaru: %(title)s", title=item.title)
        lines = [_("Kabar terbaru dari %(agency)s (%(t)s):", agency=b.agency.name,
                   t=dates.datetime_short(update.posted_at)), "", update.body, ""]
    lines += [_("Halaman lengkap dan semua kabar terbaru: %(url)s", url=page), "",
              "--",
              _("Anda menerima surel ini karena mengikuti %(what)s di %(site)s.",
                what=_target_label(sub), site=current_app.config["GOVERNMENT_NAME"]),
              _("Berhenti mengikuti (satu klik): %(url)s", url=leave)]
    return subject, "\n".join(lines)


def _target_label(sub):
    if sub.agency_id is None:
        return _("semua badan publik")
    return sub.agency.name


# --- Reading ------------------------------------------------------------------------------

def active():
    """The active broadcasts, newest first (the banner)."""
    return db.session.execute(
        sa.select(Broadcast).where(Broadcast.ended_at.is_(None))
        .order_by(Broadcast.started_at.desc(), Broadcast.id.desc())).scalars().all()


def banner():
    """The active broadcasts for the banner of every page, newest first, as rows (id,
    title, agency_name, changed_at). Read on a read-only connection of its own: the banner
    never waits for a writer's lock (a POST's transaction holds SQLite's) and never fails a
    page, the 503 and 500 pages included; if the database cannot answer, no banner."""
    from ppid.agencies.models import Agency
    from ppid.registry.models import DipItem
    t, i, a = Broadcast.__table__, DipItem.__table__, Agency.__table__
    query = (sa.select(t.c.id, i.c.title, a.c.name.label("agency_name"), t.c.changed_at)
             .select_from(t.join(i, i.c.id == t.c.dip_item_id).join(a, a.c.id == t.c.agency_id))
             .where(t.c.ended_at.is_(None), a.c.is_active.is_(True))
             .order_by(t.c.started_at.desc(), t.c.id.desc()))
    try:
        with db.engine.execution_options(ppid_read_only=True).connect() as conn:
            return conn.execute(query).all()
    except sa.exc.SQLAlchemyError as exc:
        log.warning("the broadcast banner could not be read: %s", exc)
        return []


def listing():
    return db.session.execute(
        sa.select(Broadcast).order_by(Broadcast.ended_at.is_not(None),
                                      Broadcast.started_at.desc(), Broadcast.id.desc())
    ).scalars().all()


def stamp(conn):
    """(text, time) that the broadcast pages' validator is made of: they show nothing that
    does not move it (every start, update and end, and an edit of a broadcast's item, bump
    a revision; a renamed agency moves its updated_at). Read instead of the global content
    stamp, so a surge of unrelated writes does not re-render the crisis page."""
    from ppid.agencies.models import Agency
    t = Broadcast.__table__
    count, revisions, changed = conn.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(t.c.revision), 0),
        sa.func.max(t.c.changed_at))).one()
    agencies = conn.execute(sa.select(sa.func.max(Agency.__table__.c.updated_at))).scalar()
    moments = [m for m in (changed, agencies) if m is not None]
    return f"bc:{count}:{revisions}:{changed}:{agencies}", max(moments, default=None)


def bench_crisis_path():
    """The crisis page bench/bench_broadcast.py measures: the newest broadcast's."""
    from flask import url_for
    b = db.session.execute(sa.select(Broadcast).order_by(Broadcast.ended_at.is_not(None),
                                                         Broadcast.id.desc()).limit(1)
                           ).scalar_one_or_none()
    if b is None:
        return None
    with current_app.test_request_context():
        return url_for("broadcasts.crisis", broadcast_id=b.id)


# --- Following ----------------------------------------------------------------------------

def new_token():
    return secrets.token_urlsafe(32)


CONFIRM_RESEND_SECONDS = 3600  # one confirmation mail per address and target per hour


def _subscription(email, agency):
    return db.session.execute(sa.select(Subscription).where(
        Subscription.email == email,
        Subscription.target == rules.target_of(getattr(agency, "id", None)))
    ).scalar_one_or_none()


def follow(email, agency=None, *, user=None, now=None):
    """Follow the government (``agency`` None) or an agency. A signed-in citizen follows
    with the account's address at once; an address typed in gets a confirmation mail
    (double opt-in), at most one an hour. Returns the subscription. Whether the address
    already followed is not revealed to the caller's page (the same answer either way)."""
    now = now or utcnow()
    email = rules.stored_email(user.email if user is not None else email)
    if not rules.is_email(email):
        raise BroadcastError(_("Alamat e-mail tidak valid (contoh: nama@domain.go.id)."))
    sub = _subscription(email, agency)
    if sub is None:
        sub = Subscription(email=email, target=rules.target_of(getattr(agency, "id", None)),
                           agency_id=getattr(agency, "id", None), token=new_token(),
                           created_at=now)
        db.session.add(sub)
        db.session.flush()
        audit.record("follow.create", sub, actor=user, now=now,
                     changes={"target": sub.target}, agency_id=sub.agency_id)
    if user is not None:
        sub.user_id = user.id
    if sub.is_live:
        return sub
    if user is not None:
        _confirmed(sub, now, actor=user)
        return sub
    if sub.unsubscribed_at is not None:
        sub.token = new_token()  # the old links (in old mails) no longer confirm it
    sub.unsubscribed_at = None
    sub.confirmed_at = None
    recent = sub.confirm_sent_at is not None and \
        (now - sub.confirm_sent_at).total_seconds() < CONFIRM_RESEND_SECONDS
    if not recent:
        sub.confirm_sent_at = now
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            queue_mail(email, _("Konfirmasi: ikuti informasi %(what)s", what=_target_label(sub)),
                       "\n".join([
                           _("Seseorang (semoga Anda) ingin menerima surel dari %(site)s tentang "
                             "informasi %(what)s: informasi serta-merta segera, dan ringkasan "
                             "harian untuk yang lain.", site=current_app.config["GOVERNMENT_NAME"],
                             what=_target_label(sub)), "",
                           _("Untuk mulai menerimanya, buka tautan ini:"),
                           mail_url("broadcasts.confirm", token=sub.token), "",
                           _("Bila bukan Anda, abaikan surel ini: tanpa konfirmasi tidak ada "
                             "surel lain yang dikirim.")]), now=now)
    db.session.flush()
    return sub


def _confirmed(sub, now, *, actor=None):
    sub.confirmed_at = now
    sub.unsubscribed_at = None
    db.session.flush()
    audit.record("follow.confirm", sub, actor=actor, now=now, changes={"target": sub.target},
                 agency_id=sub.agency_id)


def by_token(token):
    if not token or len(token) > 64:
        return None
    return db.session.execute(sa.select(Subscription).where(Subscription.token == token)
                              ).scalar_one_or_none()


def confirm(sub, *, now=None):
    now = now or utcnow()
    if sub.unsubscribed_at is None and sub.confirmed_at is None:
        _confirmed(sub, now)
    return sub


def unsubscribe(sub, *, now=None):
    """One click, from any mail's link: no more mail for this subscription."""
    now = now or utcnow()
    if sub.unsubscribed_at is None:
        sub.unsubscribed_at = now
        db.session.flush()
        audit.record("follow.unsubscribe", sub, actor=None, now=now,
                     changes={"target": sub.target}, agency_id=sub.agency_id)
    return sub

