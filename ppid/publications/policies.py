"""Who may do what on the publication desk (registered with ppid.core.auth).

An agency's humas and helper officers draft and submit their own agency's publications,
and change them only while they are theirs (a draft, or returned to them); the PPID Utama
reviews every agency's submissions and alone schedules, publishes, returns and withdraws.
Nobody of one agency sees or changes another agency's publications before they are public.
"""
from ppid.core.auth import AUDITOR, HELPER, HUMAS, MAIN, policy
from ppid.publications import rules

DRAFTERS = (HUMAS, HELPER)


def _roles(user):
    return {r.role for r in user.roles}


def drafts_for(user, agency_id):
    return agency_id is not None and agency_id in user.agency_ids(*DRAFTERS)


@policy("publication.draft")
def _draft(user, agency):
    """Write a new publication for ``agency`` (or, without one, for any agency of theirs)."""
    if agency is None:
        return bool(user.agency_ids(*DRAFTERS))
    return drafts_for(user, getattr(agency, "id", None))


@policy("publication.view")
def _view(user, pub):
    """See a publication in any state, with its timeline."""
    if _roles(user) & {MAIN, AUDITOR}:
        return True
    return drafts_for(user, getattr(pub, "agency_id", None))


@policy("publication.edit")
def _edit(user, pub):
    """Change its content, photos and attachments."""
    if pub is None:
        return False
    if MAIN in _roles(user) and pub.state in rules.DESK_EDITS:
        return True
    return pub.state in rules.AGENCY_EDITS and drafts_for(user, pub.agency_id)


@policy("publication.submit")
def _submit(user, pub):
    return (pub is not None and pub.state in rules.TRANSITIONS[rules.Step.SUBMITTED][0]
            and drafts_for(user, pub.agency_id))


@policy("publication.review")
def _review(user, pub):
    """The desk: the queue of every agency, return, schedule, publish, withdraw."""
    return MAIN in _roles(user)


@policy("publication.calendar")
def _calendar(user, agency):
    """The publication calendar: every agency's (the PPID Utama and the auditor), or, with
    ``agency``, that agency's (also its own humas and helper officers)."""
    if _roles(user) & {MAIN, AUDITOR}:
        return True
    if agency is None:
        return bool(user.agency_ids(*DRAFTERS))
    return drafts_for(user, getattr(agency, "id", None))


@policy("publication.calendar_all")
def _calendar_all(user, _obj=None):
    """Every agency's calendar and plan progress (the PPID Utama, the auditor)."""
    return bool(_roles(user) & {MAIN, AUDITOR})


@policy("publication.plan")
def _plan(user, agency):
    """Change an agency's publication plan: its humas and helper officers, the PPID Utama."""
    if MAIN in _roles(user):
        return True
    return drafts_for(user, getattr(agency, "id", None))
