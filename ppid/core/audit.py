"""Append-only, hash-chained audit log.

Each event stores the hash of the one before it, so altering or deleting a stored event
breaks the chain from that point; ``flask ppid audit-verify`` finds the first break.
"""
import hashlib
import json
from datetime import date, datetime, timezone
from decimal import Decimal

import sqlalchemy as sa

from ppid.core.db import utcnow
from ppid.core.models import AuditEvent, Counter
from ppid.extensions import db

GENESIS = "0" * 64
CHAIN_COUNTER = "audit-chain"


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def canonical_json(data) -> str:
    return json.dumps(data or {}, sort_keys=True, ensure_ascii=False, default=_jsonable,
                      separators=(",", ":"))


def event_hash(prev_hash, seq, occurred_at, actor_id, action, object_type, object_id,
               agency_id, changes_json) -> str:
    """The hash of one event, over its content and the previous event's hash."""
    material = "\x1f".join(str(x) for x in (
        prev_hash, seq, occurred_at.isoformat(), actor_id, action, object_type,
        object_id, agency_id, changes_json))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)}


def next_counter_value(name: str) -> int:
    """Increment a named counter and return the new value, in one statement.

    The UPDATE holds the counter row's lock (PostgreSQL) or the database's write lock
    (SQLite) until the transaction ends, so values are unique and gap-free.
    """
    table = Counter.__table__
    bump = (sa.update(table).where(table.c.name == name)
            .values(value=table.c.value + 1).returning(table.c.value))
    value = db.session.execute(bump).scalar_one_or_none()
    if value is None:
        # First use: insert, tolerating a concurrent first insert on PostgreSQL.
        try:
            with db.session.begin_nested():
                db.session.execute(sa.insert(table).values(name=name, value=0))
        except sa.exc.IntegrityError:
            pass
        value = db.session.execute(bump).scalar_one()
    return value


def record(action, obj=None, *, actor, changes=None, object_type=None, object_id=None,
           agency_id=None, now=None) -> int:
    """Append an audit event for ``obj`` in the current transaction (the caller commits);
    returns its sequence number.

    ``actor`` is a User, or None for the system (CLI, scheduled jobs). The row is inserted
    at once, as a plain row (the caller's pending objects are flushed with their next
    flush, not one flush per event).
    """
    if obj is not None:
        object_type = object_type or type(obj).__name__
        if object_id is None:
            object_id = getattr(obj, "id", None)
        if agency_id is None:
            agency_id = getattr(obj, "agency_id", None)
    occurred_at = (now or utcnow()).astimezone(timezone.utc)
    table = AuditEvent.__table__
    changes_json = canonical_json(changes)
    actor_id = getattr(actor, "id", None)
    actor_label = actor.email if actor is not None else "sistem"
    object_id = None if object_id is None else str(object_id)
    object_type = object_type or "-"
    with db.session.no_autoflush:
        seq = next_counter_value(CHAIN_COUNTER)  # the lock serialises the chain's writers
        prev_hash = db.session.execute(
            sa.select(table.c.hash).where(table.c.seq == seq - 1)).scalar_one_or_none() \
            or GENESIS
        db.session.execute(sa.insert(table).values(
            seq=seq, occurred_at=occurred_at, actor_id=actor_id, actor_label=actor_label,
            action=action, object_type=object_type, object_id=object_id,
            agency_id=agency_id, changes=changes_json, prev_hash=prev_hash,
            hash=event_hash(prev_hash, seq, occurred_at, actor_id, action, object_type,
                            object_id, agency_id, changes_json)))
    return seq


def verify_chain(batch=5000):
    """Walk the chain in order. Returns (events_checked, first_bad_event_or_None, why)."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        rows = db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq).limit(batch)).scalars().all()
        if not rows:
            return checked, None, None
        for ev in rows:
            if ev.seq != expected_seq:
                return checked, ev, f"missing event(s) before seq {ev.seq} (expected {expected_seq})"
            if ev.prev_hash != prev_hash:
                return checked, ev, "prev_hash does not match the previous event"
            recomputed = event_hash(ev.prev_hash, ev.seq, ev.occurred_at, ev.actor_id, ev.action,
                                    ev.object_type, ev.object_id, ev.agency_id, ev.changes)
            if recomputed != ev.hash:
                return checked, ev, "content does not match its hash (altered)"
            prev_hash = ev.hash
            expected_seq += 1
            checked += 1
            last_seq = ev.seq
        db.session.expunge_all()
