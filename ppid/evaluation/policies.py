"""Who may act on the E-Monev self-assessment (given to the app by the feature's init_app).
Reading and attesting an agency's assessment use the base ``view`` and ``edit`` rules of
ppid.core.auth, per object (an attestation names its agency); the ranking of all agencies
is ``view_all``'s (PPID Utama, auditors, administrators)."""
from ppid.core.auth import ADMIN, policy


@policy("manage_emonev_weights")
def manage_emonev_weights(user, obj):
    """Adjust the indicator weights of a year: the administrator."""
    return any(r.role == ADMIN for r in user.roles)
