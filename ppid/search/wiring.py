"""The two real sources: published DIP items (with their latest document's text) and the
public request register. Only public fields are read here (DOMAIN.md section 11): never
the requester's name, identity number, address, phone, e-mail or occupation.
"""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ppid.info_requests import rules as request_rules
from ppid.registry.rules import Category
from ppid.search.sources import SearchDoc, register_source

# The category facet's labels (the search page shows them); from the one enumeration.
CATEGORY_LABELS = Category.labels()


def _indexed_label(enum, code):
    """A code's label as the index holds it: Indonesian (the analyzer's language), so a
    document is found by the words a page shows in Indonesian, whoever's action indexed it."""
    member = enum.get(code)
    return member.text("id") if member is not None else (code or "")


def _join(*parts):
    return "\n".join(p for p in parts if p)


# --- DIP items --------------------------------------------------------------------------

def _renamed(obj, *names):
    """True when an existing row's indexed label changed in this flush."""
    state = sa.inspect(obj)
    if state.pending or state.deleted or state.was_deleted:
        return False
    return any(state.attrs[n].history.has_changes() for n in names)


def _when_renamed(foreign_key, *names):
    """A watch of a parent (agency, obligation): the ids of the records whose
    ``foreign_key`` points at it, when one of the labels they index changed."""
    def ids(session, parent):
        if not _renamed(parent, *names):
            return None
        child = foreign_key.class_
        return session.execute(sa.select(child.id).where(foreign_key == parent.id)
                               ).scalars().all()
    return ids


AGENCY_LABELS = ("name", "short_name", "slug")


def load_dip(session, ids):
    from ppid.core.services import local_date
    from ppid.registry.models import PUBLISHED, DipItem, DocumentVersion
    int_ids = [int(i) for i in ids if str(i).isdigit()]
    items = session.execute(
        sa.select(DipItem).options(joinedload(DipItem.agency), joinedload(DipItem.obligation))
        .where(DipItem.id.in_(int_ids), DipItem.state == PUBLISHED)).scalars().all()
    if not items:
        return {}
    latest = (sa.select(DocumentVersion.item_id, sa.func.max(DocumentVersion.number).label("n"))
              .where(DocumentVersion.item_id.in_([it.id for it in items]))
              .group_by(DocumentVersion.item_id).subquery())
    texts = dict(session.execute(
        sa.select(DocumentVersion.item_id, DocumentVersion.extracted_text)
        .join(latest, sa.and_(DocumentVersion.item_id == latest.c.item_id,
                              DocumentVersion.number == latest.c.n))).all())
    out = {}
    for it in items:
        agency = it.agency
        when = it.made_on or (local_date(it.published_at) if it.published_at else None)
        obligation = it.obligation
        out[str(it.id)] = SearchDoc(
            doc_type="dip", doc_id=str(it.id), public_id=str(it.id), title=it.title,
            body=it.summary or "", text=texts.get(it.id) or "",
            meta=_join(agency.name, agency.short_name, it.holding_unit, it.responsible,
                       it.made_at_place,
                       f"{obligation.code}. {obligation.title}" if obligation else "",
                       "Informasi " + _indexed_label(Category, it.category).lower(),
                       str(when.year) if when else ""),
            agency=agency.slug, agency_name=agency.name, category=it.category, date=when,
            url=f"/badan/{agency.slug}/dip/{it.id}",
            extra={"published_on": local_date(it.published_at).isoformat()
                   if it.published_at else ""})
    return out


def all_dip_ids(session):
    from ppid.registry.models import PUBLISHED, DipItem
    return session.execute(sa.select(DipItem.id).where(DipItem.state == PUBLISHED)
                           .order_by(DipItem.id)).scalars().all()


# --- Request register -----------------------------------------------------------------------

def _agencies(session, ids):
    """{id: Agency} for ``ids``: those the session holds loaded, without a query (a new
    request's agency, when its row is written just before commit), the rest in one."""
    from sqlalchemy.orm.util import identity_key

    from ppid.agencies.models import Agency
    found = {}
    for agency_id in ids:
        obj = session.identity_map.get(identity_key(Agency, agency_id))
        if obj is not None and not sa.inspect(obj).expired_attributes:
            found[agency_id] = obj
    missing = set(ids) - set(found)
    if missing:
        found.update((a.id, a) for a in session.execute(
            sa.select(Agency).where(Agency.id.in_(missing))).scalars())
    return found


# The public register's columns, the only ones a request's document is made of (personal
# data is never loaded, nor read from a request the session holds).
REQUEST_PUBLIC = ("id", "registration_number", "redacted_subject", "information", "state",
                  "outcome", "received_on", "closed_on", "agency_id", "is_subject_held")


def load_requests(session, ids):
    from ppid.info_requests.models import InfoRequest
    int_ids = [int(i) for i in ids if str(i).isdigit()]
    # Only the public register's columns are selected: personal data is never loaded.
    rows = session.execute(
        sa.select(*[getattr(InfoRequest, c) for c in REQUEST_PUBLIC])
        # A subject awaiting an officer's review is not searchable (DOMAIN.md section 11):
        # left out, the request's document is removed, and indexed once it is reviewed.
        .where(InfoRequest.id.in_(int_ids), InfoRequest.is_subject_held.is_(False))).all()
    agencies = _agencies(session, {r.agency_id for r in rows})
    return {str(r.id): _request_doc(r, agencies[r.agency_id]) for r in rows}


def build_request(session, req):
    """The document of a request written in this transaction, from the values the session
    holds (its public columns only, as :func:`load_requests` selects them): no query. None
    when it is not searchable (its subject awaits review); :data:`sources.UNKNOWN` when a
    column is not loaded (then it is loaded from the database)."""
    from ppid.search.sources import UNKNOWN
    state = sa.inspect(req)
    if state.expired_attributes.intersection(REQUEST_PUBLIC) or not state.persistent:
        return UNKNOWN
    if req.is_subject_held:
        return None
    agency = _agencies(session, {req.agency_id}).get(req.agency_id)
    return UNKNOWN if agency is None else _request_doc(req, agency)


def _request_doc(r, agency):
    subject = request_rules.public_subject(r.redacted_subject, r.information)
    received = r.received_on
    return SearchDoc(
        doc_type="request", doc_id=str(r.id), public_id=r.registration_number,
        title=subject, body=subject,
        meta=_join(r.registration_number, agency.name, agency.short_name,
                   "permohonan informasi",
                   _indexed_label(request_rules.RequestState, r.state),
                   _indexed_label(request_rules.Outcome, r.outcome),
                   str(received.year) if received else ""),
        agency=agency.slug, agency_name=agency.name, category="", date=received,
        url=f"/permohonan/register?badan={agency.slug}"
            + (f"&tahun={received.year}" if received else ""),
        extra={"state": r.state or "", "outcome": r.outcome or "",
               "received_on": received.isoformat() if isinstance(received, date) else "",
               "closed_on": r.closed_on.isoformat() if r.closed_on else ""})


def all_request_ids(session):
    from ppid.info_requests.models import InfoRequest
    return session.execute(sa.select(InfoRequest.id).order_by(InfoRequest.id)).scalars().all()


def register_sources(app):
    """Register the DIP and request sources of ``app`` when their features' models exist."""
    from ppid.agencies.models import Agency
    try:
        from ppid.registry.models import DipItem, DocumentVersion, Obligation
    except ImportError:
        DipItem = None
    if DipItem is not None:
        register_source(
            app, "dip",
            {DipItem: lambda s, o: o.id, DocumentVersion: lambda s, o: o.item_id,
             Agency: _when_renamed(DipItem.agency_id, *AGENCY_LABELS),
             Obligation: _when_renamed(DipItem.obligation_id, "code", "title")},
            load_dip, all_dip_ids)
    try:
        from ppid.info_requests.models import InfoRequest
    except ImportError:
        InfoRequest = None
    if InfoRequest is not None:
        register_source(
            app, "request",
            {InfoRequest: lambda s, o: o.id,
             Agency: _when_renamed(InfoRequest.agency_id, *AGENCY_LABELS)},
            load_requests, all_request_ids, build={InfoRequest: build_request})
