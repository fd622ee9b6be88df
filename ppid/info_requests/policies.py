"""Who may act on requests and objections (given to the app by the feature's init_app).

Reading and acting are separate rules: the Kominfo auditor reads every request, objection
and register (``read_*``) and acts on none (``handle_request``, ``decide_objection``,
``record_dispute`` never hold for an auditor), and sees personal data only where
``view_request_personal`` says so, which it never does for an auditor (DOMAIN.md
section 11). Pages render their action forms only where the acting rule holds.
"""
from ppid.agencies.models import Agency
from ppid.core.auth import ADMIN, ATASAN, AUDITOR, CITIZEN, HELPER, MAIN, policy


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
    return bool(atasan_of) and any(o.agency_id in atasan_of for o in req.objections)


@policy("search_requests")
def search_requests(user, obj):
    """Use the officers' request search (personal data included): the PPID Utama, or an
    officer bound to an agency."""
    return MAIN in _roles(user) or bool(user.agency_ids(HELPER, ATASAN))


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


@policy("record_dispute")
def record_dispute(user, objection):
    """Record that the requester took an objection to the Komisi Informasi: the atasan who
    decides it, or the officers handling its request."""
    if objection is None:
        return False
    # (an objection naming no request, ground b, is handled by its agency's PPID)
    return decide_objection(user, objection) or handle_request(
        user, objection.request if objection.request is not None else objection)


@policy("enter_objection")
def enter_objection(user, req):
    """Register an objection received in person, by post or e-mail about ``req``: the
    officers handling it (the PPID Utama, or a helper officer of the agency holding it)."""
    if req is None:
        return False
    return handle_request(user, req)


@policy("carry_out_order")
def carry_out_order(user, objection):
    """Record how the atasan's order was carried out: the PPID handling the request (the
    PPID Utama, or a helper officer of the agency holding it), never the auditor."""
    if objection is None:
        return False
    return handle_request(user, objection.request if objection.request is not None
                          else objection)


@policy("view_objection_personal")
def view_objection_personal(user, objection):
    """See the objector's personal data: on an objection about a request, whoever sees the
    request's (``view_request_personal``); on one naming no request (ground b), the
    officers of its agency and the PPID Utama, its atasan, and the citizen who filed it.
    Never the auditor, never the public (DOMAIN.md section 11)."""
    if objection is None:
        return False
    if objection.request is not None:
        return view_request_personal(user, objection.request)
    if handle_request(user, objection) or decide_objection(user, objection):
        return True
    return (CITIZEN in _roles(user) and objection.requester_user_id is not None
            and objection.requester_user_id == user.id)


# --- Reading (the auditor reads everything, changes nothing) ------------------------------

@policy("read_request_queue")
def read_request_queue(user, obj):
    """Open the officers' request queue: helper and PPID Utama officers (their own
    agencies' requests) and the auditor (every agency's, read-only)."""
    return bool(_roles(user) & {HELPER, MAIN, AUDITOR})


@policy("read_objection_queue")
def read_objection_queue(user, obj):
    """Open the list of objections: the atasan PPID, the PPID Utama and the auditor."""
    return bool(_roles(user) & {ATASAN, MAIN, AUDITOR})


@policy("read_request")
def read_request(user, req):
    """Read a request on the officers' page: its handling officers, and the auditor
    (read-only, personal data masked)."""
    if req is None:
        return False
    return handle_request(user, req) or AUDITOR in _roles(user)


@policy("read_objection")
def read_objection(user, objection):
    """Read an objection: whoever decides it or records its dispute, and the auditor."""
    if objection is None:
        return False
    return record_dispute(user, objection) or AUDITOR in _roles(user)


@policy("read_register")
def read_register(user, agency):
    """Read the registers of Perki 1/2021 (register permohonan, register keberatan).

    ``agency`` None: the consolidated registers of every PPID, for the PPID Utama, the
    auditor and the administrator. One agency's: those, and its own helper officers and
    atasan. Which rows show personal data is ``view_request_personal``'s decision, row by
    row.
    """
    if _roles(user) & {MAIN, AUDITOR, ADMIN}:
        return True
    if agency is None:
        return False
    agency_id = agency.id if isinstance(agency, Agency) else getattr(agency, "agency_id", None)
    return agency_id is not None and agency_id in user.agency_ids(HELPER, ATASAN)


def register_agency_ids(user):
    """The agencies whose registers ``user`` reads; None means all (and the consolidated
    registers). For the navigation and the registers' index page."""
    if _roles(user) & {MAIN, AUDITOR, ADMIN}:
        return None
    return set(user.agency_ids(HELPER, ATASAN))


@policy("read_registers")
def read_registers(user, obj):
    """Open the registers' index: whoever reads at least one register."""
    ids = register_agency_ids(user)
    return ids is None or bool(ids)
