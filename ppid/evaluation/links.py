"""The link checker (issue #18, section 2): every URL the registry publishes for an agency
(its website, its official social-media channels, its public PPID page, each published
document's current version) is opened,
from cron (``flask ppid check-links``), and its answer kept in ``link_check``; a link that
does not answer is an alert of its agency, like staleness, in the digest and on the
dashboard, until it answers again. The evidence pack checks its own links again just before
packing (ppid.evaluation.pack).
"""
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ppid.agencies.models import Agency
from ppid.core import audit, dates
from ppid.core.alerts import Alert
from ppid.core.db import utcnow
from ppid.evaluation.models import LinkCheck
from ppid.extensions import db
from ppid.registry.models import PUBLISHED, DipItem, DocumentVersion

URL_LIMIT = 1000
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")  # "host:8080" is no scheme


@dataclass(frozen=True)
class PublishedLink:
    agency_id: int
    url: str
    label: str


def _base():
    return current_app.config["BASE_URL"].rstrip("/")


def website_url(value):
    """An agency's website as a URL to open, or None (not http(s), or too long)."""
    value = (value or "").strip()
    if not value or len(value) > URL_LIMIT or any(c.isspace() for c in value):
        return None
    if _SCHEME.match(value):
        if not value.lower().startswith(("http://", "https://")):
            return None  # javascript:, ftp:, mailto: ... are not pages to open
    else:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return None
    host = parts.hostname or ""
    return value if "." in host else None


def published_links():
    """Every URL the registry publishes for each active agency, in a few queries."""
    base = _base()
    agencies = db.session.execute(sa.select(Agency).where(Agency.is_active.is_(True))
                                  .order_by(Agency.id)).scalars().all()
    out = []
    for a in agencies:
        site = website_url(a.website)
        if site:
            out.append(PublishedLink(a.id, site, _("Situs web %(a)s", a=a.name)))
        out.append(PublishedLink(a.id, f"{base}/badan/{a.slug}",
                                 _("Halaman PPID %(a)s", a=a.name)))
    out += channel_links([a.id for a in agencies], {a.id: a.name for a in agencies})
    slugs = {a.id: a.slug for a in agencies}
    newest = (sa.select(DocumentVersion.item_id, sa.func.max(DocumentVersion.number)
                        .label("n")).group_by(DocumentVersion.item_id).subquery())
    rows = db.session.execute(
        sa.select(DipItem.agency_id, DipItem.id, DipItem.title, newest.c.n)
        .join(newest, newest.c.item_id == DipItem.id)
        .where(DipItem.state == PUBLISHED, DipItem.agency_id.in_(list(slugs)))
        .order_by(DipItem.agency_id, DipItem.id)).all()
    for agency_id, item_id, title, number in rows:
        out.append(PublishedLink(agency_id, f"{base}/badan/{slugs[agency_id]}/dip/{item_id}"
                                            f"/versi/{number}",
                                 _("Dokumen: %(t)s", t=title[:200])))
    return out


def channel_links(agency_ids, names):
    """The official channels (ppid.agencies) of the agencies, one query."""
    from ppid.agencies.models import AgencyChannel
    from ppid.agencies.rules import Platform
    rows = db.session.execute(sa.select(AgencyChannel).where(
        AgencyChannel.agency_id.in_(list(agency_ids)), AgencyChannel.removed_at.is_(None))
        .order_by(AgencyChannel.agency_id, AgencyChannel.id)).scalars().all()
    return [PublishedLink(c.agency_id, c.url, _(
        "Kanal %(platform)s %(a)s%(handle)s", platform=Platform.label_of(c.platform),
        a=names.get(c.agency_id, ""), handle=f" ({c.handle})" if c.handle else ""))
        for c in rows]


def run_check(*, checker, now=None):
    """Open every published link once and keep its answer; links no longer published are
    forgotten. Returns (checked, failing)."""
    from ppid.evaluation.pack import check_many
    now = now or utcnow()
    links = published_links()
    answers = check_many([link.url for link in links], checker)
    known = {(r.agency_id, r.url): r for r in db.session.execute(sa.select(LinkCheck))
             .scalars()}
    seen = set()
    failing = 0
    for link in links:
        key = (link.agency_id, link.url)
        if key in seen:
            continue
        seen.add(key)
        status, error = answers[link.url]
        ok = status is not None and 200 <= status < 400
        row = known.get(key)
        if row is None:
            row = LinkCheck(agency_id=link.agency_id, url=link.url)
            db.session.add(row)
        row.label = link.label[:300]
        row.status = status
        row.is_ok = ok
        row.error = (error or "")[:80]
        row.checked_at = now
        if ok:
            row.failing_since = None
        else:
            failing += 1
            row.failing_since = row.failing_since or now
    for key, row in known.items():
        if key not in seen:
            db.session.delete(row)
    db.session.flush()
    audit.record("links.check", object_type="link_check", actor=None, now=now,
                 changes={"checked": len(seen), "failing": failing})
    return len(seen), failing


def failing_links(agency_ids=None):
    q = sa.select(LinkCheck).where(LinkCheck.is_ok.is_(False))
    if agency_ids is not None:
        q = q.where(LinkCheck.agency_id.in_(list(agency_ids)))
    return db.session.execute(q.order_by(LinkCheck.agency_id, LinkCheck.url)).scalars().all()


def link_alerts(now) -> dict:
    """Alert source (ppid.core.alerts): each agency's links that did not answer."""
    out = {}
    for row in failing_links():
        out.setdefault(row.agency_id, []).append(Alert(
            key=f"link:{row.id}:{row.failing_since.date().isoformat()}", kind="link",
            severity="rusak", title=_("Tautan tidak dapat dibuka: %(l)s", l=row.label),
            detail=_("%(url)s (%(why)s) sejak %(d)s", url=row.url,
                     why=row.status or row.error, d=dates.date_long(row.failing_since)),
            url=row.url))
    return out
