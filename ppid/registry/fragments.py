"""The public agency page's registry section, rendered once per change of the registry.

The section (the DIP by category, obligations with their status, nil declarations) costs
about as much as the rest of the page together, and changes far more rarely than it is
viewed: it depends only on the registry's records, the date and the viewer's language
(and whether the viewer may edit it). Every flush that changes one of those records
writes a new random *generation* into the ``counter`` table, in the same transaction; a
worker process reuses a section it rendered only while the generation it read is the
current one, so a change made through any process shows on the next view everywhere.
A short lifetime bounds what a change made behind the application's back could leave.
"""
import secrets

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from ppid.core.cache import BoundedCache
from ppid.core.models import CalendarEntry, Counter

GENERATION = "registry-generation"
LIFETIME = 300.0  # seconds
_installed = {"done": False}


def watched_classes():
    from ppid.agencies.models import Agency
    from ppid.registry.models import DipItem, DocumentVersion, Exemption, NilDeclaration, \
        Obligation
    return (Agency, Obligation, DipItem, DocumentVersion, NilDeclaration, Exemption,
            CalendarEntry)


def _upsert(conn, value):
    table = Counter.__table__
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).values(name=GENERATION, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=[table.c.name],
                                            set_={"value": value}))


def _after_flush(session, _flush_context):
    classes = watched_classes()
    if any(isinstance(obj, classes)
           for objs in (session.new, session.dirty, session.deleted) for obj in objs):
        # Random, not incremented: a database emptied and refilled (tests, a restore)
        # never meets a generation an old cache entry was made under.
        _upsert(session.connection(), secrets.randbits(62))


def install_listeners():
    if not _installed["done"]:
        event.listen(Session, "after_flush", _after_flush)
        _installed["done"] = True


def current_generation(session):
    table = Counter.__table__
    return session.execute(sa.select(table.c.value).where(table.c.name == GENERATION)
                           ).scalar_one_or_none()


sections = BoundedCache(512, lifetime=LIFETIME)  # rendered sections


def cached(key, session, render):
    """``render()``'s HTML for ``key`` under the registry's current generation."""
    full_key = (current_generation(session), *key)
    html = sections.get(full_key)
    if html is None:
        html = render()
        sections.put(full_key, html)
    return html
