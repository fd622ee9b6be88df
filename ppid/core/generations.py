"""Named *generations*: values that move with every change of given records, so a process
can keep what it computed from those records (a page section) until they change.

A feature registers a name and the model classes its kept work depends on
(:func:`register`, in its ``init_app``). Every flush that adds, changes or deletes an
object of one of them writes a new random value under that name into the ``counter``
table, in the flush's own transaction: the change and its new generation commit or roll
back together, and a change committed by any process is seen by every other at its next
read. Random, not incremented, so a database emptied and refilled (tests, a restore)
never meets a value an old cache entry was made under. A change written by a bare UPDATE
or DELETE statement is not seen by a flush: its writer calls :func:`move`. The names and
their classes are the same for every app (the listener is the ORM's, for every session).

:func:`current` reads every registered generation in one statement and remembers them for
the rest of the request (a page that asks for two reads once); a flush in the request
forgets them, so what a writer renders afterwards is keyed on what it wrote. The registry's
section of the agency page and the IKM result it shows are kept this way
(ppid.registry.fragments).
"""
import secrets

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from ppid.core.models import Counter

_WATCHED = {}   # name -> callable returning the model classes it watches
_MEMO = "ppid_generations"
_installed = {"done": False}


def register(name, classes):
    """Watch ``classes()`` (a callable, so models are imported late) under ``name``."""
    _WATCHED[name] = classes
    if not _installed["done"]:
        event.listen(Session, "after_flush", _after_flush)
        _installed["done"] = True


def _upsert(conn, name, value):
    table = Counter.__table__
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).values(name=name, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=[table.c.name],
                                            set_={"value": value}))


def _after_flush(session, _flush_context):
    changed = [obj for objs in (session.new, session.dirty, session.deleted) for obj in objs]
    if not changed:
        return
    moved = False
    for name, classes in _WATCHED.items():
        watched = classes()
        if any(isinstance(obj, watched) for obj in changed):
            _upsert(session.connection(), name, secrets.randbits(62))
            moved = True
    if moved:
        _forget()


def move(session, name):
    """A new value for ``name`` in ``session``'s transaction: for a change written by a
    statement rather than through the session's objects (no flush sees it)."""
    _upsert(session.connection(), name, secrets.randbits(62))
    _forget()


def _memo():
    """The current request's WSGI environment (one per request, also where a test's
    application context outlives its requests), or None outside a request."""
    from flask import has_request_context, request
    return request.environ if has_request_context() else None


def _forget():
    holder = _memo()
    if holder is not None:
        holder.pop(_MEMO, None)


def current(session, name):
    """The current value of generation ``name`` (None before its first change)."""
    holder = _memo()
    values = holder.get(_MEMO) if holder is not None else None
    if values is None:
        table = Counter.__table__
        values = dict(session.execute(sa.select(table.c.name, table.c.value)
                                      .where(table.c.name.in_(sorted(_WATCHED)))).all())
        if holder is not None:
            holder[_MEMO] = values
    return values.get(name)
