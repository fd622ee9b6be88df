"""Followers' digests (issue #19 section 3), daily or weekly as each subscriber chose
(rules.Frequency; broadcasts go at once, ppid.broadcasts.services). What a digest lists
depends on what the subscription follows:

* the government or an agency: DIP items published since the last digest (not serta-merta
  ones, which went out as broadcasts) and the desk's publications;
* one agency's obligation: each new version of its published items, and the obligation
  turning stale (overdue, or never published) or current again (registry staleness);
* a saved search: public records that match it now and did not before, found through
  the search's public interface (``ppid.search.services.search``), so the same on Whoosh
  and on PostgreSQL.

Each item is recorded per subscription (FollowDelivery, unique per subscription and key),
so no item is ever mailed twice. Each subscription is done in a transaction of its own
that first moves its ``digest_sent_at`` from the value the run read (compare and set): of
two runs at once only one mails it, and a run that crashes midway leaves the ones it
finished done (their mail is in the outbox) and the rest for the next run.
"""
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ppid.broadcasts import rules
from ppid.broadcasts.models import FollowDelivery, Subscription
from ppid.broadcasts.services import _target_label, footer, list_headers, mail_url
from ppid.core.db import utcnow
from ppid.core.mail import queue_mail
from ppid.core.services import local_date, local_today
from ppid.extensions import db

log = logging.getLogger(__name__)

MAX_ITEMS = 50  # one mail lists at most this many; the rest wait for the next digest
SEARCH_PAGES = 3  # a saved search looks at its newest 3 x 50 matches


@dataclass(frozen=True)
class Entry:
    key: str
    at: Optional[datetime]
    agency: str
    title: str
    url: str


def _absolute(path):
    return current_app.config["BASE_URL"].rstrip("/") + path


def _published(sub, floor, now):
    """The government's or an agency's new DIP items and publications."""
    from ppid.agencies.models import Agency
    from ppid.publications import services as pubs
    from ppid.publications.models import Publication
    from ppid.registry.models import PUBLISHED, SERTA_MERTA, DipItem
    items = sa.select(DipItem).join(Agency, Agency.id == DipItem.agency_id).where(
        DipItem.state == PUBLISHED, DipItem.category != SERTA_MERTA,
        DipItem.published_at > floor, DipItem.published_at <= now, Agency.is_active)
    news = pubs.public_query(now=now).where(Publication.published_at > floor)
    if sub.agency_id is not None:
        items = items.where(DipItem.agency_id == sub.agency_id)
        news = news.where(Publication.agency_id == sub.agency_id)
    found = [Entry(f"dip:{i.id}", i.published_at, i.agency.name, i.title,
                   mail_url("registry.item", slug=i.agency.slug, item_id=i.id))
             for i in db.session.execute(items.order_by(DipItem.published_at)).scalars()]
    found += [Entry(f"pub:{p.id}", p.published_at, p.agency.name, p.title,
                    mail_url("publications.article", pub_id=p.id))
              for p in db.session.execute(news).scalars()]
    return found


def obligation_status(sub, now):
    from ppid.registry import services as registry
    return registry.status_of(sub.agency, sub.obligation, now=now)


def _obligation(sub, floor, now):
    """New versions of the obligation's published items, and a change of its status
    between current and not current since the status last told."""
    from ppid.core import dates
    from ppid.registry import rules as registry_rules
    from ppid.registry.models import PUBLISHED, DipItem, DocumentVersion
    rows = db.session.execute(
        sa.select(DocumentVersion, DipItem).join(DipItem, DocumentVersion.item_id == DipItem.id)
        .where(DipItem.agency_id == sub.agency_id, DipItem.obligation_id == sub.obligation_id,
               DipItem.state == PUBLISHED,
               sa.or_(DocumentVersion.created_at > floor, DipItem.published_at > floor))
        .order_by(DocumentVersion.id)).all()
    found = []
    for version, item in rows:
        at = registry_rules.version_published_at(version.created_at, item.published_at)
        if at is None or not floor < at <= now:
            continue
        found.append(Entry(f"ver:{version.id}", at, sub.agency.name,
                           _("%(title)s, versi %(n)d", title=item.title, n=version.number),
                           mail_url("registry.item", slug=item.agency.slug, item_id=item.id)))
    st = obligation_status(sub, now)
    before = registry_rules.Status.get(sub.reported_status)
    if before is None or _is_current(before) != _is_current(st.status):
        page = mail_url("registry.obligation_detail", slug=sub.agency.slug,
                        code=sub.obligation.code)
        if _is_current(st.status):
            title = _("Kewajiban \u201c%(obligation)s\u201d kembali terpenuhi (%(status)s)",
                      obligation=sub.obligation.title, status=st.status.label)
        elif st.due_on is not None:
            title = _("Kewajiban \u201c%(obligation)s\u201d terlambat: jatuh tempo %(due)s",
                      obligation=sub.obligation.title, due=dates.date_long(st.due_on))
        else:
            title = _("Kewajiban \u201c%(obligation)s\u201d belum pernah diterbitkan",
                      obligation=sub.obligation.title)
        if before is not None:  # the first status is the baseline, not news
            found.append(Entry(f"status:{st.status}:{st.due_on or '-'}", now, sub.agency.name,
                               title, page))
    sub.reported_status = str(st.status)
    return found


def _is_current(status):
    from ppid.registry import rules as registry_rules
    return status not in (registry_rules.TERLAMBAT, registry_rules.BELUM_ADA)


def search_matches(sub):
    """A saved search's newest public matches, as entries (key 'hit:<type>:<id>'): exact
    matches only (a search that falls back to records with most of the words finds
    nothing new here)."""
    from ppid.search import services as search
    from ppid.broadcasts.services import search_params
    found = []
    for page in range(1, SEARCH_PAGES + 1):
        params = search_params(sub.search_query, sub.filters, page=page, per_page=MAX_ITEMS)
        result = search.search(params)
        if result.partial:
            return []
        found += [Entry(f"hit:{h.type}:{h.doc_id}", None, h.agency_name, h.title,
                        _absolute(h.url)) for h in result.hits]
        if page * MAX_ITEMS >= result.total:
            break
    return found


def _candidates(sub, floor, now):
    if sub.kind == "search":
        return search_matches(sub)
    if sub.kind == "obligation":
        return _obligation(sub, floor, now)
    return sorted(_published(sub, floor, now), key=lambda e: e.at)


def due(now):
    """(id, digest_sent_at) of every live subscription whose digest is due on ``now``'s
    local date (rules.digest_due)."""
    today = local_today(now)
    rows = db.session.execute(sa.select(Subscription.id, Subscription.frequency,
                                        Subscription.digest_sent_at).where(
        Subscription.confirmed_at.is_not(None), Subscription.unsubscribed_at.is_(None),
        Subscription.suspended_at.is_(None)).order_by(Subscription.id)).all()
    return [(sid, sent) for sid, frequency, sent in rows
            if rules.digest_due(frequency, local_date(sent) if sent else None, today)]


def send_digests(now=None):
    """Queue the digest of every subscription due today; returns the number of mails.
    Commits once per subscription (see the module's docstring); the mails go out after."""
    now = now or utcnow()
    todo = due(now)
    db.session.commit()
    mails = 0
    for sub_id, read_sent_at in todo:
        try:
            if digest_one(sub_id, read_sent_at, now):
                mails += 1
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return mails


def digest_one(sub_id, read_sent_at, now) -> bool:
    """One subscription's digest, in the caller's transaction: False when another run took
    it since ``read_sent_at`` was read, or there is nothing new (no mail)."""
    from ppid.core import dates
    t = Subscription.__table__
    same = t.c.digest_sent_at.is_(None) if read_sent_at is None \
        else t.c.digest_sent_at == read_sent_at
    taken = db.session.execute(sa.update(t).where(
        t.c.id == sub_id, same, t.c.unsubscribed_at.is_(None), t.c.suspended_at.is_(None))
        .values(digest_sent_at=now))
    if taken.rowcount != 1:
        return False  # another run has it (or it ended meanwhile)
    sub = db.session.get(Subscription, sub_id)
    db.session.refresh(sub)
    floor = max(m for m in (sub.confirmed_at, sub.digest_covered_at) if m is not None)
    done = set(db.session.execute(sa.select(FollowDelivery.key).where(
        FollowDelivery.subscription_id == sub.id)).scalars())
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            candidates = _candidates(sub, floor, now)
        except Exception as exc:  # noqa: BLE001 - one search must not stop the others
            from ppid.search.services import QueryError
            if not isinstance(exc, (QueryError, OSError)):
                raise
            log.warning("digest of subscription %s skipped: %s", sub.id, exc)
            return False
        fresh = [c for c in candidates if c.key not in done][:MAX_ITEMS]
        if sub.kind != "search":
            dated = [c.at for c in fresh if c.at is not None]
            truncated = len(fresh) == MAX_ITEMS and dated
            sub.digest_covered_at = max(dated) if truncated else now
        if not fresh:
            db.session.flush()
            return False
        weekly = sub.frequency == rules.MINGGUAN
        lines = [_("Informasi baru tentang %(what)s:", what=_target_label(sub)), ""]
        for e in fresh:
            lines.append(f"- {e.title}")
            lines.append(f"  {e.agency}, {dates.datetime_short(e.at)}" if e.at else f"  {e.agency}")
            lines.append(f"  {e.url}")
        if sub.kind == "search":
            lines += ["", _("Semua hasil pencarian ini: %(url)s", url=_search_url(sub))]
        lines += [""] + footer(sub)
        subject = (_("Ringkasan mingguan: %(n)d informasi baru", n=len(fresh)) if weekly
                   else _("Ringkasan harian: %(n)d informasi baru", n=len(fresh)))
        mail = queue_mail(sub.email, subject, "\n".join(lines), now=now,
                          headers=list_headers(sub))
        db.session.flush()
        for e in fresh:
            db.session.add(FollowDelivery(subscription_id=sub.id, key=e.key,
                                          outbox_mail_id=mail.id, created_at=now))
        db.session.flush()
    return True


def _search_url(sub):
    f = sub.filters
    params = {"q": sub.search_query, "jenis": f.get("type"), "badan": f.get("agency"),
              "kategori": f.get("category"), "tahun": f.get("year"), "urut": "date"}
    return mail_url("search.search_page", **{k: v for k, v in params.items() if v})
