"""Officers' search over the requests they handle, including the requester's name and
identity number. It queries the DATABASE, restricted to the agencies the officer may
handle, and checks each row with the request policy: personal data never enters the
public Whoosh index (DOMAIN.md section 11).
"""
import sqlalchemy as sa
from flask_babel import gettext as _

from ppid.core import auth
from ppid.core.auth import ATASAN, HELPER, MAIN, policy
from ppid.extensions import db
from ppid.search.query import QueryError, clean as clean_query

MAX_ROWS = 50
MAX_WORDS = 8


@policy("search_requests")
def _search_requests(user, obj):
    """Use the officers' request search: the PPID Utama, or an officer bound to an agency."""
    roles = {r.role for r in user.roles}
    return MAIN in roles or bool(user.agency_ids(HELPER, ATASAN))


def authorize_search():
    auth.authorize("search_requests")


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
    number, e-mail, phone or subject, among those ``user`` may see in full."""
    from ppid.info_requests.models import InfoRequest, Objection
    words = clean_query(q).replace('"', " ").split()[:MAX_WORDS]
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
    stmt = stmt.order_by(InfoRequest.received_at.desc(), InfoRequest.id.desc()).limit(MAX_ROWS)
    rows = db.session.execute(stmt).unique().scalars().all()
    # Defence in depth: the request feature's own rule decides who sees personal data.
    return [r for r in rows if auth.can(user, "view_request_personal", r)]

