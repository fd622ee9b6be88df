"""The daily digest of followers (issue #19 section 3): what was published for what a
subscription follows since its last digest (DIP items other than serta-merta ones, which
went out at once as broadcasts, and the desk's publications), in one mail per
subscription, through the outbox. Each item is recorded per subscription
(FollowDelivery 'dip:<id>' / 'pub:<id>'), so no item is ever mailed twice, however often
the command runs; an unsubscribed or unconfirmed address gets nothing."""
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ppid.broadcasts.models import FollowDelivery, Subscription
from ppid.broadcasts.services import _target_label, mail_url
from ppid.core.db import utcnow
from ppid.core.mail import queue_mail
from ppid.extensions import db

MAX_ITEMS = 50  # one mail lists at most this many; the rest wait for the next digest


def _candidates(sub, since, now):
    from ppid.agencies.models import Agency
    from ppid.publications import services as pubs
    from ppid.publications.models import Publication
    from ppid.registry.models import PUBLISHED, SERTA_MERTA, DipItem
    items = sa.select(DipItem).join(Agency, Agency.id == DipItem.agency_id).where(
        DipItem.state == PUBLISHED, DipItem.category != SERTA_MERTA,
        DipItem.published_at > since, DipItem.published_at <= now, Agency.is_active)
    news = pubs.public_query(now=now).where(Publication.published_at > since)
    if sub.agency_id is not None:
        items = items.where(DipItem.agency_id == sub.agency_id)
        news = news.where(Publication.agency_id == sub.agency_id)
    found = [(f"dip:{i.id}", i.published_at, i.agency.name, i.title,
              mail_url("registry.item", slug=i.agency.slug, item_id=i.id))
             for i in db.session.execute(items.order_by(DipItem.published_at)).scalars()]
    found += [(f"pub:{p.id}", p.published_at, p.agency.name, p.title,
               mail_url("publications.article", pub_id=p.id))
              for p in db.session.execute(news).scalars()]
    return sorted(found, key=lambda f: f[1])


def send_digests(now=None):
    """Queue today's digest of every live subscription; returns the number of mails. The
    caller commits (the mails go out after commit)."""
    from ppid.core import dates
    now = now or utcnow()
    subs = db.session.execute(sa.select(Subscription).where(
        Subscription.confirmed_at.is_not(None), Subscription.unsubscribed_at.is_(None))
        .order_by(Subscription.id)).scalars().all()
    mails = 0
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        for sub in subs:
            since = max(m for m in (sub.confirmed_at, sub.digest_sent_at) if m is not None)
            done = set(db.session.execute(sa.select(FollowDelivery.key).where(
                FollowDelivery.subscription_id == sub.id,
                FollowDelivery.key.like("dip:%") | FollowDelivery.key.like("pub:%"))
            ).scalars())
            fresh = [c for c in _candidates(sub, since, now) if c[0] not in done][:MAX_ITEMS]
            if not fresh:
                continue
            lines = [_("Informasi baru dari %(what)s:", what=_target_label(sub)), ""]
            for _key, at, agency, title, url in fresh:
                lines += [f"- {title}", f"  {agency}, {dates.datetime_short(at)}", f"  {url}"]
            lines += ["", "--", _("Berhenti mengikuti (satu klik): %(url)s",
                                  url=mail_url("broadcasts.unsubscribe", token=sub.token))]
            mail = queue_mail(sub.email, _("Ringkasan harian: %(n)d informasi baru",
                                           n=len(fresh)), "\n".join(lines), now=now)
            db.session.flush()
            for key, *_rest in fresh:
                db.session.add(FollowDelivery(subscription_id=sub.id, key=key,
                                              outbox_mail_id=mail.id, created_at=now))
            sub.digest_sent_at = max(c[1] for c in fresh) if len(fresh) == MAX_ITEMS else now
            mails += 1
    db.session.flush()
    return mails
