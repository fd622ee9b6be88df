"""Agencies: create, change, deactivate (never delete one that has records)."""
import sqlalchemy as sa

from ppid.agencies.models import KIND_UTAMA, Agency
from ppid.core import audit
from ppid.extensions import db

FIELDS = ("name", "short_name", "slug", "kind", "parent_id", "address", "phone", "email",
          "website", "atasan_name", "atasan_position", "atasan_nip", "atasan_office",
          "atasan_address", "letter_code", "signatory_name", "signatory_position",
          "signatory_nip", "is_active")


class AgencyError(ValueError):
    """A change that would break a rule; its message is shown to the user."""


def _snapshot(agency):
    return {f: getattr(agency, f) for f in FIELDS}


def slug_taken(slug, exclude_id=None):
    q = sa.select(Agency.id).where(Agency.slug == slug)
    if exclude_id:
        q = q.where(Agency.id != exclude_id)
    return db.session.execute(q).first() is not None


def utama():
    """The government's PPID Utama (there is at most one, active or not), or None."""
    return db.session.execute(
        sa.select(Agency).where(Agency.kind == KIND_UTAMA).order_by(Agency.id).limit(1)
    ).scalar_one_or_none()


def active_agencies(slug=None):
    """The active agencies, PPID Utama first, then by name; only the one with ``slug`` when
    that is given (validating a submission needs no list to show)."""
    stmt = sa.select(Agency).where(Agency.is_active.is_(True))
    if slug is not None:
        stmt = stmt.where(Agency.slug == slug)
    return db.session.execute(stmt.order_by(Agency.kind.desc(), Agency.name)).scalars().all()


def save_agency(agency, data, *, actor):
    """Create (agency is None) or update an agency from a dict of FIELDS."""
    from flask_babel import gettext as _
    is_new = agency is None
    if slug_taken(data["slug"], exclude_id=None if is_new else agency.id):
        raise AgencyError(_("Slug %(slug)s sudah dipakai badan publik lain.", slug=data["slug"]))
    if data.get("kind") == KIND_UTAMA:
        existing = utama()
        if existing is not None and (is_new or existing.id != agency.id):
            raise AgencyError(_("Sudah ada PPID Utama (%(name)s); satu pemerintah hanya "
                                "memiliki satu PPID Utama.", name=existing.name))
    if not is_new and data.get("parent_id") == agency.id:
        raise AgencyError(_("Badan publik tidak dapat menjadi induk dirinya sendiri."))
    before = {} if is_new else _snapshot(agency)
    if is_new:
        agency = Agency()
        db.session.add(agency)
    for f in FIELDS:
        if f in data:
            setattr(agency, f, data[f])
    agency.parent_id = agency.parent_id or None
    db.session.flush()
    changes = audit.diff(before, _snapshot(agency))
    if changes:
        audit.record("agency.create" if is_new else "agency.update", agency, actor=actor,
                     changes=changes)
    return agency


def set_active(agency, is_active, *, actor):
    if agency.is_active == is_active:
        return agency
    agency.is_active = is_active
    db.session.flush()
    audit.record("agency.activate" if is_active else "agency.deactivate", agency, actor=actor,
                 changes={"is_active": [not is_active, is_active]})
    return agency


# --- Official online channels (issue #19 section 1) -----------------------------------------

CHANNEL_FIELDS = ("platform", "url", "handle")


def _platform_hosts():
    from flask import current_app
    return current_app.config["SOCIAL_PLATFORM_HOSTS"]


def channels(agency_id, *, at=None):
    """The agency's channels in use (at the moment ``at``, else now), by platform."""
    from ppid.agencies.models import AgencyChannel
    q = sa.select(AgencyChannel).where(AgencyChannel.agency_id == agency_id)
    if at is None:
        q = q.where(AgencyChannel.removed_at.is_(None))
    else:
        q = q.where(AgencyChannel.created_at <= at, sa.or_(
            AgencyChannel.removed_at.is_(None), AgencyChannel.removed_at > at))
    return db.session.execute(q.order_by(AgencyChannel.platform, AgencyChannel.id)
                              ).scalars().all()


def _checked_channel(agency, data, exclude_id=None):
    """(platform, url, handle) checked, or ChannelError (nothing written)."""
    from flask_babel import lazy_gettext as _l

    from ppid.agencies import rules
    platform = rules.Platform.get(data.get("platform"))
    if platform is None:
        raise rules.ChannelError(_l("Pilih platform dari daftar."), "platform")
    url = rules.check_channel_url(platform, data.get("url"), _platform_hosts())
    handle = rules.check_handle(data.get("handle"))
    live = [c for c in channels(agency.id) if c.id != exclude_id]
    if any(c.url.rstrip("/").lower() == url.rstrip("/").lower() for c in live):
        raise rules.ChannelError(_l("Alamat ini sudah terdaftar sebagai kanal badan publik "
                                    "ini."))
    if exclude_id is None and len(live) >= rules.CHANNELS_PER_AGENCY:
        raise rules.ChannelError(_l("Paling banyak %(n)d kanal per badan publik.",
                                    n=rules.CHANNELS_PER_AGENCY), "platform")
    return platform.value, url, handle


def add_channel(agency, data, *, actor, now=None):
    """Register an official channel of ``agency`` (platform, url, handle). Raises
    ppid.agencies.rules.ChannelError."""
    from ppid.agencies.models import AgencyChannel
    from ppid.core.db import utcnow
    now = now or utcnow()
    platform, url, handle = _checked_channel(agency, data)
    row = AgencyChannel(agency_id=agency.id, platform=platform, url=url, handle=handle,
                        created_by_id=getattr(actor, "id", None), created_at=now,
                        updated_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record("agency.channel_add", row, actor=actor, now=now, agency_id=agency.id,
                 changes={"platform": platform, "url": url, "handle": handle})
    return row


def update_channel(row, data, *, actor, now=None):
    """Change a channel's platform, address or name. Raises ChannelError."""
    from ppid.core.db import utcnow
    now = now or utcnow()
    before = {f: getattr(row, f) for f in CHANNEL_FIELDS}
    platform, url, handle = _checked_channel(row.agency, data, exclude_id=row.id)
    row.platform, row.url, row.handle = platform, url, handle
    changes = audit.diff(before, {f: getattr(row, f) for f in CHANNEL_FIELDS})
    if changes:
        row.updated_at = now
        db.session.flush()
        audit.record("agency.channel_update", row, actor=actor, now=now,
                     agency_id=row.agency_id, changes=changes)
    return row


def remove_channel(row, *, actor, now=None):
    """Stop listing a channel (it stays in the history of earlier years)."""
    from ppid.core.db import utcnow
    now = now or utcnow()
    if row.removed_at is not None:
        return row
    row.removed_at = now
    row.removed_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record("agency.channel_remove", row, actor=actor, now=now, agency_id=row.agency_id,
                 changes={"platform": row.platform, "url": row.url})
    return row
