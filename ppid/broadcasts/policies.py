"""Who may update and end a broadcast: the officers of its agency (helper officers and
humas) and the PPID Utama. An officer of another agency may not (403)."""
from ppid.core.auth import AUDITOR, HELPER, HUMAS, MAIN, policy


@policy("broadcast.manage")
def _manage(user, broadcast):
    if MAIN in {r.role for r in user.roles}:
        return True
    agency_id = getattr(broadcast, "agency_id", None)
    return agency_id is not None and agency_id in user.agency_ids(HELPER, HUMAS)


@policy("follow")
def _follow(user, obj):
    """A signed-in user follows with the account's address; the auditor, read-only
    everywhere, does not (it changes nothing)."""
    return AUDITOR not in {r.role for r in user.roles}
