"""Roles and the one place that decides whether a user may act on an object.

Views call :func:`authorize` (or the :func:`role_required` decorator); they never test
roles inline. Features add policies for their own actions with :func:`policy`.
"""
from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ppid.core.hooks import hooks

CITIZEN = "citizen"
HELPER = "helper"      # petugas PPID Pembantu, bound to agencies
MAIN = "main"          # petugas PPID Utama
ATASAN = "atasan"      # atasan PPID, bound to an agency
AUDITOR = "auditor"    # Kominfo auditor, read-only everywhere
ADMIN = "admin"        # administrator: accounts and settings
HUMAS = "humas"        # public-relations staff of an agency (issue #19): drafts publications

ROLES = (CITIZEN, HELPER, MAIN, ATASAN, AUDITOR, ADMIN, HUMAS)
AGENCY_BOUND_ROLES = (HELPER, ATASAN, HUMAS)
OFFICER_ROLES = (HELPER, MAIN, ATASAN)
STAFF_ROLES = (HELPER, MAIN, ATASAN, AUDITOR, ADMIN, HUMAS)

ROLE_LABELS = {
    CITIZEN: _l("Pemohon (warga)"),
    HELPER: _l("Petugas PPID Pembantu"),
    MAIN: _l("Petugas PPID Utama"),
    ATASAN: _l("Atasan PPID"),
    AUDITOR: _l("Auditor Kominfo"),
    ADMIN: _l("Administrator"),
    HUMAS: _l("Humas badan publik"),
}

def policy(action):
    """Mark ``fn(user, obj) -> bool`` as the rule for ``action``; the module's rules reach an
    app through :func:`register_policies` (the base ones here, a feature's in its init_app)."""
    def mark(fn):
        fn.ppid_policy = action
        return fn
    return mark


def register_policies(app, module):
    """Give ``app`` every rule marked with :func:`policy` in ``module``; one rule an action."""
    table = hooks(app).policies
    for fn in vars(module).values():
        action = getattr(fn, "ppid_policy", None)
        if action is None:
            continue
        if table.get(action, fn) is not fn:
            raise RuntimeError(f"policy {action!r} registered twice")
        table[action] = fn


def _roles(user):
    return {r.role for r in user.roles}


def _agency_of(obj):
    return getattr(obj, "agency_id", None)


def can(user, action, obj=None) -> bool:
    """May ``user`` perform ``action`` (on ``obj``)? Unknown actions are refused."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    rule = hooks().policies.get(action)
    if rule is None:
        raise KeyError(f"no policy for action {action!r}")
    return bool(rule(user, obj))


def authorize(action, obj=None):
    """Abort with 401 (anonymous) or 403 unless the current user may do ``action``."""
    if not current_user.is_authenticated:
        abort(401)
    if not can(current_user, action, obj):
        abort(403)


def role_required(*roles):
    """View decorator: the user must hold at least one of ``roles``."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401)
            if not current_user.is_active or not (_roles(current_user) & set(roles)):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


# --- Base policies -------------------------------------------------------------------

@policy("manage_accounts")
def _manage_accounts(user, obj):
    """Open the account list and create accounts; what may be done to an existing account
    is :func:`may_manage_account`'s decision."""
    return bool(_roles(user) & {ADMIN, MAIN})


# --- Account management: who may change whose account (issue 12) ----------------------
#
# Each role's rights, ranked. An actor manages an account only if the actor outranks every
# role the account holds, and grants or revokes only roles below their own; the
# administrator manages every account (other administrators included) and every role.
# So a PPID Utama officer manages citizens, helper officers, humas and atasan, but not another
# PPID Utama officer (that would let one officer take over a peer's account and act in
# their name), nor an auditor or an administrator, and appoints no PPID Utama officer.
# Humas (an agency's public-relations staff) ranks like a helper officer: the PPID Utama
# appoints both, and neither manages anyone.
ROLE_RANK = {CITIZEN: 0, HELPER: 1, ATASAN: 1, HUMAS: 1, MAIN: 2, AUDITOR: 3, ADMIN: 4}
NO_ROLE_RANK = -1  # an account created by an officer, before it is given a role

EDIT_IDENTITY = "edit_identity"    # name, e-mail (the e-mail only once confirmed)
SET_ENABLED = "set_enabled"
RESET_PASSWORD = "reset_password"  # the old password stops working; a link is mailed
SET_PASSWORD = "set_password"
GRANT_ROLE = "grant_role"
REVOKE_ROLE = "revoke_role"
ACCOUNT_ACTIONS = (EDIT_IDENTITY, SET_ENABLED, RESET_PASSWORD, SET_PASSWORD, GRANT_ROLE,
                   REVOKE_ROLE)


def account_rank(user):
    return max((ROLE_RANK[r.role] for r in user.roles), default=NO_ROLE_RANK)


def may_manage_account(actor, target, action, role=None) -> bool:
    """May ``actor`` do ``action`` (one of ACCOUNT_ACTIONS) to ``target``'s account?
    ``role`` is the role granted or revoked. Every account-management view and service
    asks here; nothing else decides it."""
    if action not in ACCOUNT_ACTIONS:
        raise KeyError(f"no account action {action!r}")
    if action in (GRANT_ROLE, REVOKE_ROLE) and role not in ROLE_RANK:
        return False
    if not can(actor, "manage_accounts"):
        return False
    if ADMIN in _roles(actor):
        return True
    rank = account_rank(actor)
    if account_rank(target) >= rank:
        return False
    return action not in (GRANT_ROLE, REVOKE_ROLE) or ROLE_RANK[role] < rank


def grantable_roles(actor, target):
    """The roles ``actor`` may grant to ``target``, in ROLES order."""
    return [r for r in ROLES if may_manage_account(actor, target, GRANT_ROLE, r)]


def authorize_account(target, action, role=None):
    """Abort with 401 or 403 unless the current user may do ``action`` to ``target``."""
    if not current_user.is_authenticated:
        abort(401)
    if not may_manage_account(current_user, target, action, role):
        abort(403)


@policy("manage_agencies")
def _manage_agencies(user, obj):
    return bool(_roles(user) & {ADMIN, MAIN})


@policy("manage_calendar")
def _manage_calendar(user, obj):
    return MAIN in _roles(user) or ADMIN in _roles(user)


@policy("manage_catalogue")
def _manage_catalogue(user, obj):
    return MAIN in _roles(user)


@policy("view_all")
def _view_all(user, obj):
    """Read internal figures of every agency (compliance, matrix)."""
    return bool(_roles(user) & {MAIN, AUDITOR, ADMIN})


@policy("view")
def _view(user, obj):
    """Read an agency's internal records (not requesters' personal data)."""
    if _roles(user) & {MAIN, AUDITOR}:
        return True
    agency_id = _agency_of(obj)
    return agency_id is not None and agency_id in user.agency_ids(HELPER, ATASAN)


@policy("edit")
def _edit(user, obj):
    """Change an agency's records: its own helper officers, or the PPID Utama."""
    if MAIN in _roles(user):
        return True
    agency_id = _agency_of(obj)
    return agency_id is not None and agency_id in user.agency_ids(HELPER)
