"""Append-only audit log: a chain of events, each sealed with a secret key.

**What is sealed.** Every stored field of an event except the row's surrogate ``id`` (a
storage detail; ``seq`` is the event's place in the chain) and the seal itself:
:data:`SEALED_FIELDS`, encoded as one JSON array in that fixed order behind a format tag
(:func:`event_material`). JSON of a fixed list cannot encode two different events alike,
as joined strings could. ``prev_hash`` is the previous event's seal, so altering,
inserting or deleting a stored event breaks the chain from there;
``flask ppid audit-verify`` finds the first break.

**Why a key.** An unkeyed hash can be recomputed by anyone who can write to the database,
so a rewritten chain verified as well as the real one. Events are sealed with
HMAC-SHA256 under ``PPID_AUDIT_KEY``, which lives in the environment, never in the
database or its backups: rewriting the chain needs the key as well as the database.
Each event names the key that sealed it (``key_id``). Rotation: the current key is
``AUDIT_KEY_ID``/``AUDIT_KEY``; retired keys stay in ``AUDIT_KEYS`` (``{"id": "key"}``)
and only verify older events. The first event written under a new key is preceded by an
``audit.key_rotated`` event (sealed with the new key, naming the old and new ids), and the
verifier refuses a change of key without one.

**Events from before the key (``legacy-sha256``).** Databases created before this scheme
hold events sealed with unkeyed SHA-256 over fewer fields (``actor_label`` outside). The
migration marks them ``legacy-sha256`` and leaves them as they are; the verifier checks
them with the old recipe, and only as a prefix: once a keyed event appears, a legacy one
is refused. Resealing history with a new key is exactly what an attacker would do, and it
would vouch for whatever the table held on the day of the upgrade; verifying old events as
legacy and starting the keyed chain at the head is the honest option. Limits: a legacy
event's ``actor_label`` is not protected, and the legacy prefix is only as strong as
unkeyed SHA-256 until the first keyed event links to it (its seal covers the last legacy
hash) and a checkpoint records that keyed head; a chain rewritten from seq 1 entirely as
legacy is caught by a checkpoint only.

**Truncation.** No chain can show that its newest events were deleted: the shortened
chain is still a valid chain. ``flask ppid audit-checkpoint`` (cron) therefore writes the
head's seq, seal, key id and the time, one HMAC-sealed JSON line each time, to a file
opened with O_APPEND outside the database (``AUDIT_CHECKPOINT_FILE``; made append-only or
owned by another user, see docs/deploy.md), and mails the same line to the auditor when
``AUDIT_CHECKPOINT_MAIL_TO`` is set. ``audit-verify`` then requires the checkpointed seq to
exist with that exact seal. **Still undetectable:** deleting events written after the
last checkpoint (the cron interval bounds that window; audit-verify prints the
checkpoint's age), and a holder of the key appending forged events at the head or
checkpoint lines of their own (checkpoints already mailed, or already in an append-only
file, still catch a rewrite of what they covered).

**Linked after commit, by one chainer.** A change's transaction only inserts its event,
unlinked (no ``seq``, ``prev_hash``, seal or key id): writers never read or lock the
chain's head, so they never wait for each other's hashes (a head that every writer locked
until its commit let one submission through per lock hold, on any database). The chainer
(:func:`link_pending`, run by ``flask ppid worker`` about every AUDIT_LINK_INTERVAL_SECONDS,
and once more when it stops) takes the head's lock, gives the committed unlinked events the
next places in the order they were written (``id``) and seals them, in one short transaction
of its own; so the chain stays gap-free and every linked event verifies as before. An event
is unprotected only until it is linked: ``audit-verify`` counts unlinked events younger than
AUDIT_LINK_GRACE_SECONDS as pending and fails on older ones (the chainer is not running, or
something keeps events out of the chain).
"""
import fcntl
import hashlib
import hmac
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from flask import current_app

from ppid.core.db import utcnow
from ppid.core.models import AuditEvent, Counter
from ppid.extensions import db

GENESIS = "0" * 64
CHAIN_COUNTER = "audit-chain"
SYSTEM_LABEL = "sistem"
LEGACY_KEY_ID = "legacy-sha256"
ROTATION_ACTION = "audit.key_rotated"
EVENT_FORMAT = "ppid-audit-event-1"
CHECKPOINT_FORMAT = "ppid-audit-checkpoint-1"
# Every stored column but ``id`` and ``hash``, in the order they are encoded.
SEALED_FIELDS = ("seq", "occurred_at", "actor_id", "actor_label", "action", "object_type",
                 "object_id", "agency_id", "changes", "prev_hash", "key_id")


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


def _moment(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def event_material(event) -> bytes:
    """The bytes an event's seal covers: its :data:`SEALED_FIELDS` as a JSON array."""
    values = [EVENT_FORMAT]
    for name in SEALED_FIELDS:
        value = event[name]
        values.append(_moment(value) if name == "occurred_at" else value)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def seal(key: bytes, material: bytes) -> str:
    return hmac.digest(key, material, "sha256").hex()


def legacy_event_hash(prev_hash, seq, occurred_at, actor_id, action, object_type, object_id,
                      agency_id, changes_json) -> str:
    """The unkeyed hash of events written before the keyed chain (``legacy-sha256``)."""
    material = "\x1f".join(str(x) for x in (
        prev_hash, seq, occurred_at.isoformat(), actor_id, action, object_type,
        object_id, agency_id, changes_json))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def keyring(cfg=None) -> dict:
    """Every key that may verify an event, by id: the retired ones and the current one."""
    cfg = cfg if cfg is not None else current_app.config
    keys = {key_id: key.encode("utf-8") for key_id, key in cfg["AUDIT_KEYS"].items()}
    keys[cfg["AUDIT_KEY_ID"]] = cfg["AUDIT_KEY"].encode("utf-8")
    return keys


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)}


@dataclass(frozen=True)
class Head:
    """A point of the chain: an event's seq, seal and key id (seq 0: the empty chain)."""

    seq: int
    hash: str
    key_id: Optional[str]


EMPTY = Head(0, GENESIS, None)


def next_counter_value(name: str, session=None) -> int:
    """Increment a named counter and return the new value, in one statement.

    The UPDATE holds the counter row's lock (PostgreSQL) or the database's write lock
    (SQLite) until the transaction ends, so values are unique and gap-free; take it as late
    in the transaction as the caller can.
    """
    session = session or db.session
    table = Counter.__table__
    bump = (sa.update(table).where(table.c.name == name)
            .values(value=table.c.value + 1).returning(table.c.value))
    value = session.execute(bump).scalar_one_or_none()
    if value is None:
        # First use: insert, tolerating a concurrent first insert on PostgreSQL.
        try:
            with session.begin_nested():
                session.execute(sa.insert(table).values(name=name, value=0))
        except sa.exc.IntegrityError:
            pass
        value = session.execute(bump).scalar_one()
    return value


def record(action, obj=None, *, actor, changes=None, object_type=None, object_id=None,
           agency_id=None, now=None) -> None:
    """Append an audit event for ``obj`` in the current transaction (the caller commits).

    ``actor`` is a User, or None for the system (CLI, scheduled jobs). One plain INSERT of
    the event, unlinked: the chainer gives it its place and seal after commit
    (:func:`link_pending`), so a writer neither reads nor locks the chain's head.
    """
    if obj is not None:
        object_type = object_type or type(obj).__name__
        if object_id is None:
            object_id = getattr(obj, "id", None)
        if agency_id is None:
            agency_id = getattr(obj, "agency_id", None)
    occurred_at = (now or utcnow()).astimezone(timezone.utc)
    row = {"occurred_at": occurred_at, "actor_id": getattr(actor, "id", None),
           "actor_label": actor.email if actor is not None else SYSTEM_LABEL,
           "action": action, "object_type": object_type or "-",
           "object_id": None if object_id is None else str(object_id),
           "agency_id": None if agency_id is None else int(agency_id),
           "changes": canonical_json(changes)}
    with db.session.no_autoflush:  # the caller's pending objects go with its next flush
        db.session.execute(sa.insert(AuditEvent.__table__).values(**row))


# --- Linking: the chainer ------------------------------------------------------------------

LINK_BATCH = 1000


def _head(session) -> Head:
    table = AuditEvent.__table__
    row = session.execute(sa.select(table.c.seq, table.c.hash, table.c.key_id)
                          .where(table.c.seq.is_not(None))
                          .order_by(table.c.seq.desc()).limit(1)).first()
    return Head(row.seq, row.hash, row.key_id) if row is not None else EMPTY


def _link_batch(session, batch) -> int:
    """Link up to ``batch`` unlinked events after the head, in one transaction (the
    caller's, which commits)."""
    # One chainer at a time: the head's counter row (PostgreSQL's row lock; on SQLite the
    # write lock this transaction already holds). What follows reads after the lock.
    next_counter_value(CHAIN_COUNTER, session)
    table = AuditEvent.__table__
    rows = session.execute(sa.select(table).where(table.c.seq.is_(None))
                           .order_by(table.c.id).limit(batch)).mappings().all()
    if not rows:
        return 0
    cfg = current_app.config
    key_id, key = cfg["AUDIT_KEY_ID"], cfg["AUDIT_KEY"].encode("utf-8")
    head = _head(session)
    seq, prev_hash = head.seq, head.hash
    if head.key_id is not None and head.key_id != key_id:
        # The key changed since the head was sealed: the change is an event itself.
        seq += 1
        rotation = {"seq": seq, "occurred_at": utcnow(), "actor_id": None,
                    "actor_label": SYSTEM_LABEL, "action": ROTATION_ACTION,
                    "object_type": "AuditKey", "object_id": key_id, "agency_id": None,
                    "changes": canonical_json({"key_id": [head.key_id, key_id]}),
                    "prev_hash": prev_hash, "key_id": key_id}
        rotation["hash"] = prev_hash = seal(key, event_material(rotation))
        session.execute(sa.insert(table).values(**rotation))
    links = []
    for row in rows:
        seq += 1
        event = dict(row) | {"seq": seq, "prev_hash": prev_hash, "key_id": key_id}
        prev_hash = seal(key, event_material(event))
        links.append({"row_id": row["id"], "l_seq": seq, "l_prev": event["prev_hash"],
                      "l_hash": prev_hash, "l_key": key_id})
    done = session.execute(
        sa.update(table).where(table.c.id == sa.bindparam("row_id"), table.c.seq.is_(None))
        .values(seq=sa.bindparam("l_seq"), prev_hash=sa.bindparam("l_prev"),
                hash=sa.bindparam("l_hash"), key_id=sa.bindparam("l_key"))
        .execution_options(synchronize_session=False), links)
    if done.rowcount not in (len(links), -1):
        raise RuntimeError("audit events were linked by another chainer meanwhile")
    counter = Counter.__table__
    session.execute(sa.update(counter).where(counter.c.name == CHAIN_COUNTER)
                    .values(value=seq))
    return len(rows)


def has_unlinked(session=None) -> bool:
    """Whether any event waits for the chainer, read without taking a write lock."""
    table = AuditEvent.__table__
    query = sa.select(table.c.id).where(table.c.seq.is_(None)).limit(1)
    if session is not None:
        return session.execute(query).first() is not None
    with db.engine.execution_options(ppid_read_only=True).connect() as conn:
        return conn.execute(query).first() is not None


def link_pending(batch=LINK_BATCH) -> int:
    """The chainer: link every committed unlinked event into the chain, in the order they
    were written, each batch in a short transaction of its own (so it must not be called
    inside one of the caller's); returns how many it linked."""
    from sqlalchemy.orm import Session
    if db.session.registry.has() and db.session().in_transaction():
        raise RuntimeError("commit (or roll back) before linking: the chainer's transaction "
                           "would wait for this one")
    linked = 0
    while has_unlinked():
        with Session(db.engine) as session:
            n = _link_batch(session, batch)
            session.commit()
        linked += n
        if n < batch:
            break
    return linked


def run_chainer(app, stop, interval=None):
    """The chainer's loop (a thread of ``flask ppid worker``): link what is pending every
    ``interval`` seconds (AUDIT_LINK_INTERVAL_SECONDS) until ``stop`` is set, then once
    more, so nothing committed before the stop is left unlinked."""
    import logging
    log = logging.getLogger(__name__)
    interval = float(interval if interval is not None
                     else app.config["AUDIT_LINK_INTERVAL_SECONDS"])
    while True:
        stopping = stop.is_set()
        try:
            with app.app_context():
                link_pending()
        except Exception:  # noqa: BLE001 - e.g. the database restarting: try again later
            log.exception("audit chainer: could not link events; trying again")
        if stopping:
            return
        stop.wait(interval)


@dataclass(frozen=True)
class Unlinked:
    """Events not linked yet: ``pending`` ones younger than the grace period, ``overdue``
    ones older (a failure: nothing links them), ``oldest_at`` the oldest one's time."""

    pending: int = 0
    overdue: int = 0
    oldest_at: Optional[datetime] = None


def unlinked(now=None, grace_seconds=None, session=None) -> Unlinked:
    from datetime import timedelta
    session = session or db.session
    now = now or utcnow()
    grace = float(grace_seconds if grace_seconds is not None
                  else current_app.config["AUDIT_LINK_GRACE_SECONDS"])
    table = AuditEvent.__table__
    limit = now - timedelta(seconds=grace)
    row = session.execute(sa.select(
        sa.func.count(), sa.func.count().filter(table.c.occurred_at < limit),
        sa.func.min(table.c.occurred_at)).where(table.c.seq.is_(None))).one()
    total, overdue, oldest = row
    return Unlinked(pending=total - overdue, overdue=overdue, oldest_at=oldest)


# --- Verifying the chain -----------------------------------------------------------------

@dataclass
class ChainReport:
    """What a walk of the chain found. ``kind`` names the failure for callers that word it
    themselves: missing, prev_hash, unknown_key, legacy_after_keyed, unrecorded_rotation,
    altered."""

    checked: int = 0
    bad: object = None  # the first bad event (a row with the event's columns)
    kind: Optional[str] = None
    why: Optional[str] = None
    head: Head = EMPTY  # the last event that verified (or the starting point)
    key_periods: list = field(default_factory=list)  # [key_id, first_seq, last_seq]

    @property
    def ok(self):
        return self.bad is None


def _event_problem(ev, prev: Head, keys: dict, keyed_since: Optional[int]):
    """(kind, why) for the first thing wrong with ``ev`` after ``prev``, or None."""
    if ev.seq != prev.seq + 1:
        return "missing", f"missing event(s) before seq {ev.seq} (expected {prev.seq + 1})"
    if ev.prev_hash != prev.hash:
        return "prev_hash", "prev_hash does not match the previous event"
    if ev.key_id == LEGACY_KEY_ID:
        if keyed_since is not None:
            return "legacy_after_keyed", (f"unkeyed ({LEGACY_KEY_ID}) event after the keyed "
                                          f"chain began at seq {keyed_since}")
        recomputed = legacy_event_hash(ev.prev_hash, ev.seq, ev.occurred_at, ev.actor_id,
                                       ev.action, ev.object_type, ev.object_id, ev.agency_id,
                                       ev.changes)
        if not hmac.compare_digest(recomputed, ev.hash):
            return "altered", "content does not match its hash (altered)"
        return None
    key = keys.get(ev.key_id)
    if key is None:
        return "unknown_key", (f"sealed with key id {ev.key_id!r}, which is neither "
                               "AUDIT_KEY_ID nor in AUDIT_KEYS")
    if not hmac.compare_digest(seal(key, event_material(ev._mapping)), ev.hash):
        return "altered", "content does not match its seal (altered, or sealed with another key)"
    if prev.key_id is not None and ev.key_id != prev.key_id and not (
            ev.action == ROTATION_ACTION
            and ev.changes == canonical_json({"key_id": [prev.key_id, ev.key_id]})):
        return "unrecorded_rotation", (f"key changes from {prev.key_id!r} to {ev.key_id!r} "
                                       f"without an {ROTATION_ACTION} event")
    return None


def walk_chain(after: Optional[Head] = None, batch=5000, session=None) -> ChainReport:
    """Verify the chain in seq order from its start, or from ``after`` (a point already
    verified, e.g. a checkpoint that matched), up to the head. ``session``: default
    ``db.session``; a read-only one keeps a long walk from holding SQLite's write lock."""
    session = session or db.session
    keys = keyring()
    report = ChainReport(head=after or EMPTY)
    prev = report.head
    keyed_since = prev.seq if prev.key_id not in (None, LEGACY_KEY_ID) else None
    table = AuditEvent.__table__
    while True:
        rows = session.execute(sa.select(table).where(table.c.seq > prev.seq)
                               .order_by(table.c.seq).limit(batch)).all()
        if not rows:
            return report
        for ev in rows:
            problem = _event_problem(ev, prev, keys, keyed_since)
            if problem is not None:
                report.bad, (report.kind, report.why) = ev, problem
                return report
            if keyed_since is None and ev.key_id != LEGACY_KEY_ID:
                keyed_since = ev.seq
            if report.key_periods and report.key_periods[-1][0] == ev.key_id:
                report.key_periods[-1][2] = ev.seq
            else:
                report.key_periods.append([ev.key_id, ev.seq, ev.seq])
            prev = report.head = Head(ev.seq, ev.hash, ev.key_id)
            report.checked += 1


def verify_chain(batch=5000):
    """Walk the chain in order. Returns (events_checked, first_bad_event_or_None, why)."""
    report = walk_chain(batch=batch)
    return report.checked, report.bad, report.why


# --- Checkpoints: the head, written outside the database --------------------------------

@dataclass(frozen=True)
class Checkpoint:
    line_no: int
    head: Head
    at: datetime  # when it was written
    mac_key_id: str


@dataclass(frozen=True)
class CheckpointProblem:
    """Something wrong with a checkpoint line or with the chain against a checkpoint.

    kind: unreadable (not a checkpoint line), unknown_key, bad_seal, goes_back (a lower seq
    than an earlier line), missing (the checkpointed events are gone: ``first_seq`` is the
    first missing one), rewritten (the event at the checkpointed seq has another seal:
    rewritten somewhere in ``first_seq``..``checkpoint.head.seq``)."""

    kind: str
    line_no: int
    checkpoint: Optional[Checkpoint] = None
    first_seq: Optional[int] = None
    detail: str = ""


def checkpoint_path() -> Path:
    cfg = current_app.config
    return Path(cfg["AUDIT_CHECKPOINT_FILE"] or Path(cfg["DATA_DIR"]) / "audit-checkpoints.jsonl")


def _checkpoint_material(head: Head, at: str, mac_key_id: str) -> bytes:
    return json.dumps([CHECKPOINT_FORMAT, head.seq, head.hash, head.key_id, at, mac_key_id],
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def checkpoint_line(head: Head, now: datetime) -> str:
    """One JSON line for ``head``, sealed with the current key (no newline)."""
    cfg = current_app.config
    at, mac_key_id = _moment(now), cfg["AUDIT_KEY_ID"]
    mac = seal(cfg["AUDIT_KEY"].encode("utf-8"), _checkpoint_material(head, at, mac_key_id))
    return json.dumps({"format": CHECKPOINT_FORMAT, "seq": head.seq, "hash": head.hash,
                       "key_id": head.key_id, "at": at, "mac_key_id": mac_key_id,
                       "mac": mac}, sort_keys=True, separators=(",", ":"))


def _parse_line(line_no: int, text: str, keys: dict):
    """A Checkpoint, or a CheckpointProblem for a line that is not a sealed checkpoint."""
    try:
        data = json.loads(text)
        head = Head(data["seq"], data["hash"], data["key_id"])
        if data["format"] != CHECKPOINT_FORMAT or not isinstance(head.seq, int) \
                or isinstance(head.seq, bool) or head.seq < 0 or not isinstance(head.hash, str) \
                or not isinstance(data["mac"], str) or not isinstance(data["mac_key_id"], str):
            raise ValueError("not a checkpoint")
        at = datetime.fromisoformat(data["at"])
        if at.tzinfo is None:
            raise ValueError("time without zone")
    except (ValueError, KeyError, TypeError) as exc:
        return CheckpointProblem("unreadable", line_no, detail=str(exc))
    key = keys.get(data["mac_key_id"])
    if key is None:
        return CheckpointProblem("unknown_key", line_no, detail=data["mac_key_id"])
    expected = seal(key, _checkpoint_material(head, data["at"], data["mac_key_id"]))
    if not hmac.compare_digest(expected, data["mac"]):
        return CheckpointProblem("bad_seal", line_no)
    return Checkpoint(line_no, head, at, data["mac_key_id"])


def read_checkpoints(path: Optional[Path] = None):
    """(checkpoints, problems) of the checkpoint file, in file order; a missing file has
    none. A line whose seal fails, or whose seq is lower than an earlier line's, is a
    problem (it is not used as a checkpoint)."""
    path = path or checkpoint_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], []
    keys = keyring()
    checkpoints, problems = [], []
    for line_no, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            parsed = _parse_line(line_no, line.decode("utf-8"), keys)
        except UnicodeDecodeError as exc:
            parsed = CheckpointProblem("unreadable", line_no, detail=str(exc))
        if isinstance(parsed, CheckpointProblem):
            problems.append(parsed)
        elif checkpoints and parsed.head.seq < checkpoints[-1].head.seq:
            problems.append(CheckpointProblem("goes_back", line_no, parsed,
                                              detail=str(checkpoints[-1].head.seq)))
        else:
            checkpoints.append(parsed)
    return checkpoints, problems


def _seals_at(session, seqs) -> dict:
    """{seq: (hash, key_id)} of the events at these seqs that exist."""
    table = AuditEvent.__table__
    seqs = sorted(set(seqs))
    found = {}
    for i in range(0, len(seqs), 500):
        for seq, hash_, key_id in session.execute(
                sa.select(table.c.seq, table.c.hash, table.c.key_id)
                .where(table.c.seq.in_(seqs[i:i + 500]))):
            found[seq] = (hash_, key_id)
    return found


def check_checkpoints(checkpoints, every=False, session=None) -> list:
    """Problems of the chain against the latest checkpoint (or ``every`` one): the
    checkpointed seq must exist with the checkpointed seal and key id. A mismatch is
    narrowed down with the earlier checkpoints: the rewrite starts after the last one that
    still matches."""
    if not checkpoints:
        return []
    session = session or db.session
    chosen = checkpoints if every else checkpoints[-1:]
    seals = _seals_at(session, (cp.head.seq for cp in checkpoints if cp.head.seq > 0))

    def matches(cp):
        return cp.head.seq == 0 or seals.get(cp.head.seq) == (cp.head.hash, cp.head.key_id)

    problems = []
    for cp in chosen:
        if matches(cp):
            continue
        if cp.head.seq not in seals:
            table = AuditEvent.__table__
            below = session.execute(sa.select(sa.func.max(table.c.seq))
                                    .where(table.c.seq < cp.head.seq)).scalar() or 0
            problems.append(CheckpointProblem("missing", cp.line_no, cp, first_seq=below + 1))
        else:
            earlier = [e for e in checkpoints if e.head.seq < cp.head.seq and matches(e)]
            start = max((e.head.seq for e in earlier), default=0) + 1
            problems.append(CheckpointProblem("rewritten", cp.line_no, cp, first_seq=start))
    return problems


@contextmanager
def _checkpoint_file(path: Path):
    """The checkpoint file opened for appending (O_APPEND, so an append-only file, chattr
    +a, accepts it; created if missing), locked against a concurrent audit-checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if created:
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        yield fd
    finally:
        os.close(fd)  # releases the lock


def _append_line(fd, line: str):
    data = line.encode("utf-8") + b"\n"
    size = os.fstat(fd).st_size
    if size and os.pread(fd, 1, size - 1) != b"\n":
        data = b"\n" + data  # a torn last line stays a line of its own
    os.write(fd, data)
    os.fsync(fd)


def append_checkpoint(line: str, path: Optional[Path] = None) -> Path:
    """Append one line to the checkpoint file and make it durable."""
    path = path or checkpoint_path()
    with _checkpoint_file(path) as fd:
        _append_line(fd, line)
    return path


@dataclass
class CheckpointResult:
    written: Optional[str] = None  # the line, when one was written
    head: Optional[Head] = None
    chain: Optional[ChainReport] = None  # the walk since the previous checkpoint
    problems: list = field(default_factory=list)  # file problems, or why none was written
    mailed_to: Optional[str] = None


def write_checkpoint(*, now=None) -> CheckpointResult:
    """Verify the chain from the latest checkpoint to the head, then append the head to the
    checkpoint file and queue it to ``AUDIT_CHECKPOINT_MAIL_TO`` (the caller commits).
    Nothing is written when the chain no longer matches the latest checkpoint or breaks
    after it: a checkpoint must never vouch for a tampered chain."""
    from flask_babel import gettext as _

    from ppid.core.mail import queue_mail
    now = now or utcnow()
    path = checkpoint_path()
    with _checkpoint_file(path) as fd:
        checkpoints, problems = read_checkpoints(path)
        result = CheckpointResult(problems=problems)
        latest = checkpoints[-1] if checkpoints else None
        if latest is not None:
            mismatch = check_checkpoints([latest])
            if mismatch:
                result.problems += mismatch
                return result
        result.chain = walk_chain(after=latest.head if latest else None)
        if not result.chain.ok:
            return result
        result.head = result.chain.head
        result.written = checkpoint_line(result.head, now)
        _append_line(fd, result.written)
    to = current_app.config.get("AUDIT_CHECKPOINT_MAIL_TO")
    if to:
        queue_mail(to, _("Checkpoint log audit PPID: seq %(seq)d", seq=result.head.seq), _(
            "Checkpoint log audit registri PPID, ditulis %(at)s.\n\n"
            "Simpan surel ini. Baris di bawah mencatat peristiwa terakhir log audit; bila "
            "nanti peristiwa itu hilang atau berubah, log audit telah dipotong atau ditulis "
            "ulang. Perintah 'flask ppid audit-verify' memeriksanya terhadap berkas "
            "checkpoint di server.\n\n%(line)s\n", at=_moment(now), line=result.written),
            now=now)
        result.mailed_to = to
    return result
