"""Requests in search. The public register in the public search, through the search source
hook (ppid.search.sources.register_source): only the register's public columns, never the
requester's name, identity number, address, phone, e-mail or occupation (DOMAIN.md section
11). The officers' search over the requests they handle, personal data included, queries
the database instead, restricted to what the officer may see in full."""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from ppid.core import auth
from ppid.core.auth import ATASAN, HELPER, MAIN
from ppid.extensions import db
from ppid.info_requests import rules

# The public register's columns, the only ones a request's document is made of (personal
# data is never loaded, nor read from a request the session holds).
PUBLIC = ("id", "registration_number", "redacted_subject", "information", "state",
          "outcome", "received_on", "closed_on", "agency_id", "is_subject_held")


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


def load(session, ids):
    from ppid.info_requests.models import InfoRequest
    int_ids = [int(i) for i in ids if str(i).isdigit()]
    rows = session.execute(
        sa.select(*[getattr(InfoRequest, c) for c in PUBLIC])
        # A subject awaiting an officer's review is not searchable (DOMAIN.md section 11):
        # left out, the request's document is removed, and indexed once it is reviewed.
        .where(InfoRequest.id.in_(int_ids), InfoRequest.is_subject_held.is_(False))).all()
    agencies = _agencies(session, {r.agency_id for r in rows})
    return {str(r.id): _document(r, agencies[r.agency_id]) for r in rows}


def build(session, req):
    """The document of a request written in this transaction, from the values the session
    holds (its public columns only, as :func:`load` selects them): no query. None when it
    is not searchable (its subject awaits review); ``sources.UNKNOWN`` when a column is not
    loaded (then it is loaded from the database)."""
    from ppid.search.sources import UNKNOWN
    state = sa.inspect(req)
    if state.expired_attributes.intersection(PUBLIC) or not state.persistent:
        return UNKNOWN
    if req.is_subject_held:
        return None
    agency = _agencies(session, {req.agency_id}).get(req.agency_id)
    return UNKNOWN if agency is None else _document(req, agency)


def _document(r, agency):
    from ppid.search.sources import SearchDoc, indexed_label, lines
    subject = rules.public_subject(r.redacted_subject, r.information)
    received = r.received_on
    return SearchDoc(
        doc_type="request", doc_id=str(r.id), public_id=r.registration_number,
        title=subject, body=subject,
        meta=lines(r.registration_number, agency.name, agency.short_name,
                   "permohonan informasi", indexed_label(rules.RequestState, r.state),
                   indexed_label(rules.Outcome, r.outcome),
                   str(received.year) if received else ""),
        agency=agency.slug, agency_name=agency.name, category="", date=received,
        url=f"/permohonan/register?badan={agency.slug}"
            + (f"&tahun={received.year}" if received else ""),
        extra={"state": r.state or "", "outcome": r.outcome or "",
               "received_on": received.isoformat() if isinstance(received, date) else "",
               "closed_on": r.closed_on.isoformat() if r.closed_on else ""})


def all_ids(session):
    from ppid.info_requests.models import InfoRequest
    return session.execute(sa.select(InfoRequest.id).order_by(InfoRequest.id)).scalars().all()


def register(app):
    from ppid.agencies.models import Agency
    from ppid.info_requests.models import InfoRequest
    from ppid.search.sources import AGENCY_LABELS, register_source, when_renamed
    register_source(app, "request",
                    {InfoRequest: lambda s, o: o.id,
                     Agency: when_renamed(InfoRequest.agency_id, *AGENCY_LABELS)},
                    load, all_ids, build={InfoRequest: build})


# --- The officers' search ------------------------------------------------------------------

OFFICER_MAX_ROWS = 50
OFFICER_MAX_WORDS = 8


def _like_pattern(word):
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _scope(stmt, user, InfoRequest, Objection):
    """Only requests of agencies the officer handles (or whose objections they decide)."""
    if user.has_role(MAIN):
        return stmt
    helper_of = user.agency_ids(HELPER)
    atasan_of = user.agency_ids(ATASAN)
    conds = []
    if helper_of:
        conds.append(InfoRequest.agency_id.in_(helper_of))
    if atasan_of:
        conds.append(InfoRequest.id.in_(sa.select(Objection.request_id)
                                        .where(Objection.agency_id.in_(atasan_of))))
    if not conds:
        return stmt.where(sa.false())
    return stmt.where(sa.or_(*conds))


def search_requests(user, q):
    """Requests matching every word of ``q`` in the number, requester name, identity
    number, e-mail, phone or subject, among those ``user`` may see in full (personal data
    never enters the public search)."""
    from ppid.info_requests.models import InfoRequest, Objection
    from ppid.search.query import QueryError, clean
    words = clean(q).replace('"', " ").split()[:OFFICER_MAX_WORDS]
    if not words:
        raise QueryError(_("Masukkan kata yang dicari."))
    fields = (InfoRequest.registration_number, InfoRequest.requester_name,
              InfoRequest.identity_number, InfoRequest.email, InfoRequest.phone,
              InfoRequest.information, InfoRequest.redacted_subject)
    stmt = sa.select(InfoRequest)
    for word in words:
        pattern = _like_pattern(word)
        stmt = stmt.where(sa.or_(*[sa.func.lower(f).like(pattern, escape="\\")
                                   for f in fields]))
    stmt = _scope(stmt, user, InfoRequest, Objection)
    stmt = stmt.order_by(InfoRequest.received_at.desc(), InfoRequest.id.desc()
                         ).limit(OFFICER_MAX_ROWS)
    rows = db.session.execute(stmt).unique().scalars().all()
    # Defence in depth: the request feature's own rule decides who sees personal data.
    return [r for r in rows if auth.can(user, "view_request_personal", r)]
