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
from ppid.core.db import utcnow, wants_write_lock
from ppid.core.mail import queue_mail
from ppid.extensions import db
from ppid.broadcasts import rules
from ppid.broadcasts.models import (GOVERNMENT, Broadcast, BroadcastUpdate, FollowDelivery,
                                    MailBounce, Subscription)


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
        Subscription.unsubscribed_at.is_(None),
        Subscription.suspended_at.is_(None))).scalars().all()
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
            mail = queue_mail(s.email, subject, body, now=now, headers=list_headers(s))
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
    lines += [_("Halaman lengkap dan semua kabar terbaru: %(url)s", url=page), ""]
    lines += footer(sub)
    return subject, "\n".join(lines)


def footer(sub):
    """The last lines of every mail to a follower: why it came, the one-click unsubscribe
    and the signed link to manage every subscription of the address."""
    return ["--",
            _("Anda menerima surel ini karena mengikuti %(what)s di %(site)s.",
              what=_target_label(sub), site=current_app.config["GOVERNMENT_NAME"]),
            _("Berhenti mengikuti ini: %(url)s",
              url=mail_url("broadcasts.unsubscribe", token=sub.token)),
            _("Atur semua langganan Anda (frekuensi ringkasan, berhenti): %(url)s",
              url=manage_url(sub))]


def list_headers(sub):
    """RFC 2369 and RFC 8058 header fields of a follower's mail: a mail client's
    unsubscribe button POSTs ``List-Unsubscribe=One-Click`` to the link, no form needed."""
    return {"List-Unsubscribe": f"<{mail_url('broadcasts.unsubscribe', token=sub.token)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"<{sub.target.replace(':', '-')}.ikuti.ppid>",
            "Precedence": "bulk", "Auto-Submitted": "auto-generated"}


def _target_label(sub):
    kind = sub.kind
    if kind == "search":
        return _("pencarian \u201c%(q)s\u201d", q=sub.search_query)
    if kind == "obligation":
        return _("kewajiban \u201c%(obligation)s\u201d %(agency)s",
                 obligation=sub.obligation.title, agency=sub.agency.name)
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
    title, agency_name, changed_at). A reading request (GET, HEAD) reads them in its own
    session, which only reads (one connection a page, not two); a writing one on a
    read-only connection of its own: the banner never waits for a writer's lock (a POST's
    transaction holds SQLite's) and never fails a page, the 503 and 500 pages included; if
    the database cannot answer, no banner."""
    from ppid.agencies.models import Agency
    from ppid.registry.models import DipItem
    t, i, a = Broadcast.__table__, DipItem.__table__, Agency.__table__
    query = (sa.select(t.c.id, i.c.title, a.c.name.label("agency_name"), t.c.changed_at)
             .select_from(t.join(i, i.c.id == t.c.dip_item_id).join(a, a.c.id == t.c.agency_id))
             .where(t.c.ended_at.is_(None), a.c.is_active.is_(True))
             .order_by(t.c.started_at.desc(), t.c.id.desc()))
    if not wants_write_lock():
        session = db.session()
        if session.is_active:
            try:
                with session.no_autoflush:  # (a reading unit has nothing to flush)
                    return session.execute(query).all()
            except sa.exc.SQLAlchemyError:
                session.rollback()  # then, as on a writing request, a connection of its own
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
MANAGE_SALT = "follow-manage"


def _manage_signer():
    from itsdangerous import URLSafeTimedSerializer
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=MANAGE_SALT)


def manage_url(sub):
    """The signed link, in every mail to ``sub``'s address, to the page that lists and
    manages every subscription of the address (valid FOLLOW_MANAGE_LINK_DAYS; the
    unsubscribe link of each mail never expires). It signs the subscription's number, not
    the address: a link in a log or a browser's history names nobody."""
    return mail_url("broadcasts.manage_link", signed=_manage_signer().dumps(sub.id))


def subscription_of_manage_link(signed, *, now=None):
    """(subscription, is_expired) of a manage link: (None, False) for a forged or altered
    one, or one whose subscription is gone; an expired one still names its subscription
    (to mail a fresh link to its address, and to nobody else)."""
    from itsdangerous import BadData, SignatureExpired
    if not signed or len(signed) > 300:
        return None, False
    max_age = int(current_app.config["FOLLOW_MANAGE_LINK_DAYS"]) * 86400
    expired = False
    try:
        sub_id = _manage_signer().loads(signed, max_age=max_age)
    except SignatureExpired as exc:
        sub_id, expired = exc.payload, True
        try:
            sub_id = _manage_signer().load_payload(sub_id)
        except BadData:
            return None, False
    except BadData:
        return None, False
    if not isinstance(sub_id, int) or isinstance(sub_id, bool) or not 0 < sub_id < 2 ** 31:
        return None, False
    return db.session.get(Subscription, sub_id), expired


MANAGE_RESEND_SECONDS = 3600  # one fresh manage link per address an hour


def send_manage_link(sub, *, now=None):
    """Mail a fresh manage link to ``sub``'s address (an expired link's holder asks for
    it; it goes to the address, never to the asker), at most one an hour. Returns whether
    a mail was queued."""
    from datetime import timedelta

    from ppid.core.models import OutboxMail
    now = now or utcnow()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("Tautan untuk mengatur langganan Anda")
        recent = db.session.execute(sa.select(OutboxMail.id).where(
            OutboxMail.to_address == sub.email, OutboxMail.subject == subject,
            OutboxMail.created_at > now - timedelta(seconds=MANAGE_RESEND_SECONDS))).first()
        if recent is not None:
            return False
        mail = queue_mail(sub.email, subject, "\n".join([
            _("Tautan berikut membuka daftar semua langganan alamat ini di %(site)s "
              "(berlaku %(days)d hari):", site=current_app.config["GOVERNMENT_NAME"],
              days=int(current_app.config["FOLLOW_MANAGE_LINK_DAYS"])),
            manage_url(sub), "",
            _("Bila bukan Anda yang memintanya, abaikan surel ini.")]), now=now)
        db.session.flush()
        db.session.add(FollowDelivery(subscription_id=sub.id,
                                      key=f"confirm:{secrets.token_hex(8)}",
                                      outbox_mail_id=mail.id, created_at=now))
    db.session.flush()
    return True


class Target:
    """What a subscription follows, checked: the government, an agency, one agency's
    obligation (that applies to it), or a saved search (words and filters the search
    accepts)."""

    def __init__(self, agency=None, obligation=None, query=None, filters=None):
        self.agency, self.obligation = agency, obligation
        self.query = " ".join((query or "").split()) if query is not None else None
        self.filters = {k: v for k, v in (filters or {}).items()
                        if k in rules.SEARCH_FILTERS and v not in (None, "", "all")}

    @property
    def search_key(self):
        return rules.search_key(self.query, self.filters) if self.query is not None else None

    @property
    def value(self):
        return rules.target_of(None if self.query is not None else getattr(self.agency, "id", None),
                               getattr(self.obligation, "id", None), self.search_key)

    def check(self):
        from ppid.registry import rules as registry_rules
        if self.query is not None:
            from ppid.search import services as search
            if not self.query:
                raise BroadcastError(_("Tuliskan kata yang dicari untuk diikuti."))
            if len(self.query) > rules.MAX_SEARCH_CHARS:
                raise BroadcastError(_("Pencarian paling banyak %(n)d karakter.",
                                       n=rules.MAX_SEARCH_CHARS))
            try:
                params = search_params(self.query, self.filters)
                search.validate(params)
                from ppid.search import query as squery
                if squery.parse(search.prepare_query(self.query)) is None:
                    raise BroadcastError(_("Pencarian ini tidak berisi kata yang dapat dicari."))
            except search.QueryError as exc:
                raise BroadcastError(exc.message) from None
        elif self.obligation is not None:
            if self.agency is None or not self.obligation.is_active or \
                    not registry_rules.applies_to_agency(self.obligation.applies_to,
                                                         self.agency.kind):
                raise BroadcastError(_("Kewajiban ini tidak berlaku bagi badan publik itu."))


def search_params(query, filters, *, per_page=50, page=1):
    from ppid.search.services import SearchParams
    year = filters.get("year")
    try:
        year = int(year) if year not in (None, "") else None
    except (TypeError, ValueError):
        from ppid.search.services import QueryError
        raise QueryError(_("Tahun tidak valid."), "year") from None
    return SearchParams(q=query, type=filters.get("type") or "all",
                        agency=filters.get("agency") or None,
                        category=filters.get("category") or None, year=year, sort="date",
                        page=page, per_page=per_page, facets=False)


def _subscription(email, target):
    return db.session.execute(sa.select(Subscription).where(
        Subscription.email == email, Subscription.target == target.value)
    ).scalar_one_or_none()


def follow(email, agency=None, *, obligation=None, query=None, filters=None,
           frequency=rules.HARIAN, user=None, now=None):
    """Follow the government (nothing given), an agency, one of an agency's obligations or
    a saved search (``query`` with its ``filters``), with a digest of ``frequency``. A
    signed-in citizen follows with the account's address at once; an address typed in gets
    a confirmation mail (double opt-in), at most one an hour. Returns the subscription.
    Whether the address already followed is not revealed to the caller's page (the same
    answer either way); following again with another frequency changes it."""
    now = now or utcnow()
    target = Target(agency, obligation, query, filters)
    target.check()
    if rules.Frequency.get(frequency) is None:
        raise BroadcastError(_("Pilih frekuensi ringkasan: harian atau mingguan."))
    email = rules.stored_email(user.email if user is not None else email)
    if not rules.is_email(email):
        raise BroadcastError(_("Alamat e-mail tidak valid (contoh: nama@domain.go.id)."))
    sub = _subscription(email, target)
    if sub is None:
        import json
        sub = Subscription(email=email, target=target.value,
                           agency_id=None if query is not None else getattr(agency, "id", None),
                           obligation_id=getattr(obligation, "id", None),
                           search_query=target.query,
                           search_filters=json.dumps(target.filters, sort_keys=True)
                           if query is not None else None,
                           frequency=str(frequency), token=new_token(), created_at=now)
        db.session.add(sub)
        db.session.flush()
        audit.record("follow.create", sub, actor=user, now=now,
                     changes={"target": sub.target, "frequency": sub.frequency},
                     agency_id=sub.agency_id)
    elif user is not None and sub.frequency != frequency:
        # The owner, signed in, changes it; an address typed in changes nothing of a live
        # subscription (anyone can type anyone's address).
        _set_frequency(sub, frequency, actor=user, now=now)
    if user is not None:
        sub.user_id = user.id
    if sub.is_live:
        return sub
    if user is not None:
        _confirmed(sub, now, actor=user)
        return sub
    if sub.unsubscribed_at is not None or sub.suspended_at is not None:
        sub.token = new_token()  # the old links (in old mails) no longer confirm it
    sub.unsubscribed_at = None
    sub.confirmed_at = None
    sub.frequency = str(frequency)
    recent = sub.confirm_sent_at is not None and \
        (now - sub.confirm_sent_at).total_seconds() < CONFIRM_RESEND_SECONDS
    if not recent:
        sub.confirm_sent_at = now
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            mail = queue_mail(
                email, _("Konfirmasi: ikuti informasi %(what)s", what=_target_label(sub)),
                "\n".join([
                    _("Seseorang (semoga Anda) ingin menerima surel dari %(site)s tentang "
                      "informasi %(what)s: informasi serta-merta segera, dan ringkasan "
                      "%(frequency)s untuk yang lain.", site=current_app.config["GOVERNMENT_NAME"],
                      what=_target_label(sub), frequency=_frequency_word(sub.frequency)), "",
                    _("Untuk mulai menerimanya, buka tautan ini:"),
                    mail_url("broadcasts.confirm", token=sub.token), "",
                    _("Bila bukan Anda, abaikan surel ini: tanpa konfirmasi tidak ada "
                      "surel lain yang dikirim.")]), now=now)
        db.session.flush()
        # The confirmation mail is the subscription's too: erased with it (retention).
        db.session.add(FollowDelivery(subscription_id=sub.id,
                                      key=f"confirm:{secrets.token_hex(8)}",
                                      outbox_mail_id=mail.id, created_at=now))
    db.session.flush()
    return sub


def _frequency_word(frequency):
    return _("mingguan") if frequency == rules.MINGGUAN else _("harian")


def _confirmed(sub, now, *, actor=None, action="follow.confirm"):
    sub.confirmed_at = now
    sub.unsubscribed_at = None
    sub.suspended_at = None
    sub.digest_covered_at = now
    sub.digest_sent_at = None
    _baseline(sub, now)
    db.session.flush()
    audit.record(action, sub, actor=actor, now=now, changes={"target": sub.target},
                 agency_id=sub.agency_id)


def _baseline(sub, now):
    """What is already there when a subscription begins is not news: an obligation's status
    now, a saved search's matches now."""
    from ppid.broadcasts import digest
    if sub.kind == "obligation":
        sub.reported_status = str(digest.obligation_status(sub, now).status)
    elif sub.kind == "search":
        known = set(db.session.execute(sa.select(FollowDelivery.key).where(
            FollowDelivery.subscription_id == sub.id)).scalars())
        for entry in digest.search_matches(sub):
            key = entry.key
            if key not in known:
                db.session.add(FollowDelivery(subscription_id=sub.id, key=key,
                                              outbox_mail_id=None, created_at=now))
                known.add(key)


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


def unsubscribe(sub, *, actor=None, now=None, reason="link"):
    """From any mail's link, a mail client's one-click POST, the subscriptions page or a
    complaint: no more mail for this subscription, from this moment."""
    now = now or utcnow()
    if sub.unsubscribed_at is None:
        sub.unsubscribed_at = now
        db.session.flush()
        audit.record("follow.unsubscribe", sub, actor=actor, now=now,
                     changes={"target": sub.target, "reason": reason},
                     agency_id=sub.agency_id)
    return sub


def resume(sub, *, actor=None, now=None):
    """Follow again, from the owner's page (signed in, or the address's signed link: both
    prove the address): a stopped or suspended subscription is live again at once, and
    what was published meanwhile is not news."""
    now = now or utcnow()
    if sub.is_live:
        return sub
    if sub.confirmed_at is None and sub.unsubscribed_at is None:
        raise BroadcastError(_("Langganan ini menunggu konfirmasi: buka tautan di surel "
                               "konfirmasinya."))
    _confirmed(sub, now, actor=actor, action="follow.resume")
    return sub


def set_frequency(sub, frequency, *, actor=None, now=None):
    now = now or utcnow()
    if rules.Frequency.get(frequency) is None:
        raise BroadcastError(_("Pilih frekuensi ringkasan: harian atau mingguan."))
    if sub.unsubscribed_at is not None:
        raise BroadcastError(_("Langganan ini sudah berhenti; ikuti lagi untuk mengubahnya."))
    if sub.frequency != frequency:
        _set_frequency(sub, frequency, actor=actor, now=now)
    return sub


def _set_frequency(sub, frequency, *, actor, now):
    old, sub.frequency = sub.frequency, str(frequency)
    db.session.flush()
    audit.record("follow.frequency", sub, actor=actor, now=now,
                 changes={"frequency": [old, sub.frequency]}, agency_id=sub.agency_id)


def subscriptions_of(*, user=None, email=None):
    """A person's subscriptions, the live ones first: a signed-in citizen's (made while
    signed in, or with the account's address), or an address's (the signed link)."""
    q = sa.select(Subscription)
    if user is not None:
        q = q.where(sa.or_(Subscription.user_id == user.id,
                           Subscription.email == rules.stored_email(user.email)))
    else:
        q = q.where(Subscription.email == rules.stored_email(email))
    subs = db.session.execute(q.order_by(Subscription.created_at, Subscription.id)
                              ).scalars().all()
    return sorted(subs, key=lambda s: s.unsubscribed_at is not None)


def state(sub):
    return rules.state_of(sub.confirmed_at, sub.unsubscribed_at, sub.suspended_at)


def label(sub):
    """What the subscription follows, for its owner's page."""
    return _target_label(sub)


# --- Bounces and complaints ----------------------------------------------------------------

def record_report(raw: bytes, *, now=None) -> dict:
    """Take in one delivery report (a DSN or an ARF complaint, rules.parse_report) about
    mail to followers: a hard bounce counts towards the address's suspension
    (FOLLOW_HARD_BOUNCES since it last confirmed), a complaint unsubscribes every
    subscription of the address at once. Addresses that follow nothing are not recorded
    (no personal data kept for nothing); a report already taken in counts once. Returns
    {'hard': n, 'soft': n, 'complaint': n, 'suspended': n, 'ignored': n}."""
    now = now or utcnow()
    report_id, reports = rules.parse_report(raw)
    out = {"hard": 0, "soft": 0, "complaint": 0, "suspended": 0, "ignored": 0}
    limit = int(current_app.config["FOLLOW_HARD_BOUNCES"])
    for r in reports:
        subs = db.session.execute(sa.select(Subscription).where(
            Subscription.email == r.email)).scalars().all()
        if not subs:
            out["ignored"] += 1
            continue
        if report_id is not None and db.session.execute(sa.select(MailBounce.id).where(
                MailBounce.report_id == report_id, MailBounce.email == r.email)).first():
            out["ignored"] += 1
            continue
        bounce = MailBounce(email=r.email, kind=r.kind, status=r.status,
                            diagnostic=r.diagnostic, report_id=report_id, received_at=now)
        db.session.add(bounce)
        db.session.flush()
        audit.record(f"follow.{'complaint' if r.kind == rules.COMPLAINT else 'bounce'}", bounce,
                     actor=None, now=now, changes={"kind": r.kind, "status": r.status,
                                                   "subscriptions": [s.id for s in subs]})
        out[r.kind] += 1
        if r.kind == rules.COMPLAINT:
            for s in subs:
                unsubscribe(s, now=now, reason="complaint")
        elif r.kind == rules.HARD:
            live = [s for s in subs if s.is_live]
            since = max((s.confirmed_at for s in subs if s.confirmed_at), default=None)
            q = sa.select(sa.func.count()).where(MailBounce.email == r.email,
                                                 MailBounce.kind == rules.HARD)
            if since is not None:
                q = q.where(MailBounce.received_at >= since)
            if live and rules.should_suspend(db.session.execute(q).scalar(), limit):
                for s in live:
                    s.suspended_at = now
                    audit.record("follow.suspend", s, actor=None, now=now,
                                 changes={"target": s.target, "hard_bounces": limit},
                                 agency_id=s.agency_id)
                out["suspended"] += len(live)
    db.session.flush()
    return out


# --- Retention -----------------------------------------------------------------------------

def purge(*, now=None, dry_run=False) -> int:
    """Erase the subscriptions that ended (unsubscribed, or never confirmed) more than
    FOLLOW_RETENTION_DAYS ago, with their mail in the outbox and the address's delivery
    reports once it follows nothing else (UU 27/2022: kept no longer than needed).
    Audited without the address. Returns the number erased."""
    from datetime import timedelta

    from ppid.core.models import OutboxMail
    now = now or utcnow()
    cutoff = now - timedelta(days=int(current_app.config["FOLLOW_RETENTION_DAYS"]))
    ended = db.session.execute(sa.select(Subscription).where(sa.or_(
        Subscription.unsubscribed_at < cutoff,
        sa.and_(Subscription.confirmed_at.is_(None), Subscription.created_at < cutoff,
                sa.or_(Subscription.confirm_sent_at.is_(None),
                       Subscription.confirm_sent_at < cutoff))))
        .order_by(Subscription.id)).scalars().all()
    if dry_run:
        return len(ended)
    for sub in ended:
        mail_ids = [m for m in db.session.execute(sa.select(FollowDelivery.outbox_mail_id).where(
            FollowDelivery.subscription_id == sub.id,
            FollowDelivery.outbox_mail_id.is_not(None))).scalars()]
        db.session.execute(sa.delete(FollowDelivery).where(
            FollowDelivery.subscription_id == sub.id))
        if mail_ids:
            # A digest's or broadcast's mail is one address's: erased with it.
            db.session.execute(sa.delete(OutboxMail).where(OutboxMail.id.in_(mail_ids),
                                                           OutboxMail.to_address == sub.email))
        email, sub_id, target, agency_id = sub.email, sub.id, sub.target, sub.agency_id
        db.session.delete(sub)
        db.session.flush()
        if db.session.execute(sa.select(Subscription.id).where(
                Subscription.email == email)).first() is None:
            db.session.execute(sa.delete(MailBounce).where(MailBounce.email == email))
        audit.record("follow.purge", None, actor=None, now=now, object_type="Subscription",
                     object_id=sub_id, agency_id=agency_id, changes={"target": target})
    db.session.flush()
    return len(ended)
