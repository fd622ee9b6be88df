"""Who may follow a dispute (given to the app by the feature's init_app)."""
from ppid.core.auth import AUDITOR, policy
from ppid.info_requests.policies import record_dispute


def _roles(user):
    return {r.role for r in user.roles}


@policy("handle_dispute")
def handle_dispute(user, obj):
    """Record a dispute's steps (``obj`` is the dispute, or the objection when filing):
    whoever may record that an objection went to the Komisi Informasi — its atasan and
    the officers handling its request (ppid.info_requests.policies.record_dispute)."""
    objection = getattr(obj, "objection", obj)
    return record_dispute(user, objection)


@policy("view_dispute")
def view_dispute(user, dispute):
    """Read a dispute: those who handle it, and the Kominfo auditor (read-only)."""
    return AUDITOR in _roles(user) or handle_dispute(user, dispute)
