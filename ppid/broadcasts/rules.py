"""Pure rules of broadcasts and following (no app, no database, no clock of their own)."""
import re

MAX_UPDATE_CHARS = 5000
MAX_NOTE_CHARS = 2000


def target_of(agency_id):
    """Subscription.target: the whole government (None) or one agency."""
    return "government" if agency_id is None else f"agency:{int(agency_id)}"


def stored_email(address):
    return (address or "").strip().lower()


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def is_email(address):
    return bool(_EMAIL.match(address or "")) and len(address) <= 320


def recipients(subscriptions, agency_id):
    """The live subscriptions to mail about a broadcast of ``agency_id``: those of the
    government and of that agency, one per address (the agency's own first, so its
    unsubscribe link is the one the reader most likely means)."""
    wanted = {"government", target_of(agency_id)}
    chosen = {}
    for s in sorted(subscriptions, key=lambda s: (s.target == "government", s.id)):
        if s.target in wanted and s.confirmed_at is not None and s.unsubscribed_at is None:
            chosen.setdefault(s.email, s)
    return list(chosen.values())
