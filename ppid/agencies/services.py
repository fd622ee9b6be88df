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
