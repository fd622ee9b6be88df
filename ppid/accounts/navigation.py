"""Where each role lands after logging in. Features register their dashboards here."""
from flask import url_for

from ppid.core import auth

# role -> endpoint, in priority order; features override with register_landing().
_LANDINGS = [
    (auth.MAIN, "dashboard.index"),
    (auth.HELPER, "dashboard.index"),
    (auth.ATASAN, "dashboard.index"),
    (auth.AUDITOR, "dashboard.index"),
    (auth.ADMIN, "accounts.users"),
    (auth.CITIZEN, "core.home"),
]


def register_landing(role, endpoint):
    for i, (r, _e) in enumerate(_LANDINGS):
        if r == role:
            _LANDINGS[i] = (role, endpoint)


def landing_for(user):
    roles = {r.role for r in user.roles}
    for role, endpoint in _LANDINGS:
        if role in roles:
            return url_for(endpoint)
    return url_for("core.home")
