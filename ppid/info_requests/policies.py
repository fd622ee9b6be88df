"""Who may act on requests and objections (given to the app by the feature's init_app)."""
from ppid.agencies.models import Agency
from ppid.core.auth import ATASAN, CITIZEN, HELPER, MAIN, policy


def _roles(user):
    return {r.role for r in user.roles}


@policy("handle_request")
def handle_request(user, req):
    """Handle a request: the PPID Utama, or a helper officer of the agency holding it."""
    if MAIN in _roles(user):
        return True
    agency_id = getattr(req, "agency_id", None)
    return agency_id is not None and agency_id in user.agency_ids(HELPER)


@policy("view_request_personal")
def view_request_personal(user, req):
    """See the requester's personal data (DOMAIN.md section 11): the handling officers, the
    atasan of an agency with an objection on the request, and the requester themself."""
    if req is None:
        return False
    if handle_request(user, req):
        return True
    if CITIZEN in _roles(user) and req.requester_user_id == user.id:
        return True
    atasan_of = user.agency_ids(ATASAN)
    return any(o.agency_id in atasan_of for o in req.objections)


@policy("decide_objection")
def decide_objection(user, objection):
    """Decide an objection: the atasan PPID of the agency it was filed against."""
    agency_id = getattr(objection, "agency_id", None)
    return agency_id is not None and agency_id in user.agency_ids(ATASAN)


@policy("enter_request")
def enter_request(user, agency):
    """Enter a request received in person, by post, e-mail or phone.

    Without an agency: may the user open the intake form at all (the PPID Utama or any
    helper officer). With the agency the request is addressed to: the PPID Utama for any
    agency, a helper officer only for the agencies they serve, so nobody writes into
    another agency's queue.
    """
    roles = _roles(user)
    if MAIN in roles:
        return True
    if HELPER not in roles:
        return False
    if agency is None:
        return True
    agency_id = agency.id if isinstance(agency, Agency) else getattr(agency, "agency_id", None)
    return agency_id is not None and agency_id in user.agency_ids(HELPER)
