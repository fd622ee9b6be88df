"""The public agency page's registry section, rendered once per change of the registry.

The section (the DIP by category, obligations with their status, nil declarations) costs
about as much as the rest of the page together, and changes far more rarely than it is
viewed: it depends only on the registry's records, the date and the viewer's language
(and whether the viewer may edit it). Every flush that changes one of those records
writes a new random *generation* into the ``counter`` table, in the same transaction
(ppid.core.generations); a worker process reuses a section it rendered only while the
generation it read is the current one, so a change made through any process shows on the
next view everywhere.
A short lifetime bounds what a change made behind the application's back could leave.
"""
from ppid.core import generations
from ppid.core.cache import BoundedCache
from ppid.core.models import CalendarEntry

GENERATION = "registry-generation"
LIFETIME = 300.0  # seconds


def watched_classes():
    from ppid.agencies.models import Agency
    from ppid.registry.models import DipItem, DocumentVersion, Exemption, NilDeclaration, \
        Obligation
    return (Agency, Obligation, DipItem, DocumentVersion, NilDeclaration, Exemption,
            CalendarEntry)


def install_listeners():
    generations.register(GENERATION, watched_classes)


def current_generation(session):
    return generations.current(session, GENERATION)


sections = BoundedCache(512, lifetime=LIFETIME)  # rendered sections


def cached(key, session, render):
    """``render()``'s HTML for ``key`` under the registry's current generation."""
    full_key = (current_generation(session), *key)
    html = sections.get(full_key)
    if html is None:
        html = render()
        sections.put(full_key, html)
    return html
