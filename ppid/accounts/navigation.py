"""Where each role lands after logging in. Features override a role's landing page with
``hooks(app).set_landing(role, endpoint)``."""
from flask import url_for

from ppid.core import auth
from ppid.core.hooks import hooks

# role -> endpoint, in priority order.
_LANDINGS = (
    (auth.MAIN, "dashboard.index"),
    (auth.HELPER, "dashboard.index"),
    (auth.ATASAN, "dashboard.index"),
    (auth.HUMAS, "dashboard.index"),
    (auth.AUDITOR, "dashboard.index"),
    (auth.ADMIN, "accounts.users"),
    (auth.CITIZEN, "core.home"),
)


def landing_for(user):
    roles = {r.role for r in user.roles}
    overrides = hooks().landings
    for role, endpoint in _LANDINGS:
        if role in roles:
            return url_for(overrides.get(role, endpoint))
    return url_for("core.home")
