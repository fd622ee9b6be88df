"""A new request's registration number, drawn as the last write before its commit.

The number is gap-free and in order because it comes from the year's counter row
(ppid.core.audit.next_counter_value), whose lock the drawing transaction keeps until it
commits: every submission waits for the one holding it, so the hold caps how many
submissions per second the registry takes (issue #13 section 2). Everything a submission
writes names its number (the request, its audit event, its receipt letter and that
letter's PDF job, the mail), and each of those rows was one statement, one round trip to
PostgreSQL, while the lock was held.

:func:`placeholder_for` and :func:`draw_and_write` reverse that. Inside it, the request and everything the submission
writes carry a *placeholder* (letters and digits only, so escaping for HTML or JSON leaves
it as it is, unique per submission); they are flushed before the draw. Then the number is
drawn and written in place of the placeholder by one statement on PostgreSQL (data-changing
CTEs; on SQLite, whose transaction holds the database's write lock throughout anyway, one
statement per row). The lock is then held for two statements and the commit, whatever the
submission writes. The rows carry the placeholder only inside the uncommitted transaction,
which no other transaction sees; a rollback or a crash takes the number back with
everything else, as before: the series stays gap-free and in order.

What the placeholder may reach is checked after the swap: the number must have replaced it
in every row, else the submission fails (ServiceError, nothing written). A template or text
that transformed the number (upper-cased, cut, URL-encoded) would be caught there.
"""
import hashlib
import json
import secrets

import sqlalchemy as sa
from markupsafe import escape
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ppid.core.models import AuditEvent, Job, OutboxMail
from ppid.extensions import db
from ppid.info_requests.models import InfoRequest, Letter

PLACEHOLDER_PREFIX = "PPIDNOMOR"
# Where a submission may write its number: (class, column) of the rows this session holds.
# The audit event (written by a plain INSERT, not held) and the letters' PDF jobs (which
# name a letter by the hash of its HTML) are swapped as well.
CARRIERS = {InfoRequest: ("registration_number",), Letter: ("html",),
            OutboxMail: ("subject", "body_text")}


_ADDED = "ppid_numbering_added"   # session.info: what was added since the placeholder
_installed = {"done": False}


def new_placeholder() -> str:
    return PLACEHOLDER_PREFIX + secrets.token_hex(12)


def _added(session, obj):
    added = session.info.get(_ADDED)
    if added is not None:
        added.append(obj)   # (a strong reference: a flushed object may leave the identity map)


def _transaction_end(session, transaction):
    if transaction.parent is None:
        session.info.pop(_ADDED, None)


def _install():
    if not _installed["done"]:
        event.listen(Session, "transient_to_pending", _added)
        event.listen(Session, "after_transaction_end", _transaction_end)
        _installed["done"] = True


def placeholder_for(req) -> str:
    """Give ``req`` a placeholder for its registration number and seq, and return it: use
    it wherever the number is written (it is ``req.registration_number`` meanwhile), then
    call :func:`draw_and_write`."""
    _install()
    db.session.info[_ADDED] = []   # every object added from now on: where the number may go
    placeholder = new_placeholder()
    # (year, seq) is unique: a negative seq of its own, until the real one is drawn.
    req.seq, req.registration_number = -1 - secrets.randbelow(2 ** 31 - 2), placeholder
    return placeholder


def draw_and_write(req, placeholder, draw):
    """Flush, call ``draw()`` -> (seq, number), and write the number in place of the
    placeholder wherever it went: the request, its audit events (not yet linked: the
    chainer seals them after commit), its letters and their PDF jobs, its mails. Returns
    (seq, number)."""
    session = db.session
    added = session.info.pop(_ADDED, None)
    if added is None:
        raise RuntimeError("draw_and_write without placeholder_for in this transaction")
    session.flush()   # everything with the placeholder, before the counter's lock
    found = _carriers([req, *added], placeholder)
    seq, number = draw()
    _swap(session, req, found, added, placeholder, seq, number)
    return seq, number


def _carriers(objects, placeholder):
    """[(object, [columns])] of ``objects`` naming the placeholder, found before the draw;
    one anywhere else than in :data:`CARRIERS` is a programming error, raised before a
    number is taken."""
    found, seen = [], set()
    for obj in objects:
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        state = sa.inspect(obj)
        if not state.persistent:
            continue   # added, then removed again: never written
        names = [a.key for a in state.mapper.column_attrs
                 if isinstance(state.dict.get(a.key), str) and placeholder in state.dict[a.key]]
        if not names:
            continue
        allowed = CARRIERS.get(type(obj), ())
        if set(names) - set(allowed):
            raise RuntimeError(f"the registration number would be written into "
                               f"{type(obj).__name__}.{sorted(set(names) - set(allowed))}, "
                               f"which ppid.info_requests.numbering does not rewrite")
        found.append((obj, names))
    return found


def _swap(session, req, found, added, placeholder, seq, number):
    html_number = str(escape(number))
    json_number = json.dumps(number, ensure_ascii=False)[1:-1]
    IR, AE, LT = InfoRequest.__table__, AuditEvent.__table__, Letter.__table__
    MT, JT = OutboxMail.__table__, Job.__table__
    # (statement, rows it must change: None = any number)
    statements = [
        (sa.update(IR).where(IR.c.id == req.id, IR.c.registration_number == placeholder)
         # (updated_at: as inserted, a moment ago; its onupdate is not run inside a CTE)
         .values(seq=seq, registration_number=number, updated_at=req.updated_at), 1),
        # The submission's own events, unlinked until after commit (nothing is sealed yet).
        (sa.update(AE).where(AE.c.object_type == type(req).__name__,
                             AE.c.object_id == str(req.id), AE.c.seq.is_(None))
         .values(changes=sa.func.replace(AE.c.changes, placeholder, json_number)), None),
    ]
    memory = [(req, {"seq": seq, "registration_number": number})]
    shas = {}
    for obj, _names in found:
        if isinstance(obj, Letter):
            html = obj.html.replace(placeholder, html_number)
            sha = hashlib.sha256(html.encode("utf-8")).hexdigest()
            shas[obj.sha256] = sha
            statements.append((sa.update(LT).where(LT.c.id == obj.id).values(
                html=sa.func.replace(LT.c.html, placeholder, html_number), sha256=sha), 1))
            memory.append((obj, {"html": html, "sha256": sha}))
        elif isinstance(obj, OutboxMail):
            statements.append((sa.update(MT).where(MT.c.id == obj.id).values(
                subject=sa.func.replace(MT.c.subject, placeholder, number),
                body_text=sa.func.replace(MT.c.body_text, placeholder, number)), 1))
            memory.append((obj, {"subject": obj.subject.replace(placeholder, number),
                                 "body_text": obj.body_text.replace(placeholder, number)}))
    if shas:
        for job in [o for o in added if isinstance(o, Job) and sa.inspect(o).persistent]:
            payload = job.payload or ""
            for old, new in shas.items():
                payload = payload.replace(old, new)
            if payload != job.payload:
                statements.append((sa.update(JT).where(JT.c.id == job.id)
                                   .values(payload=payload), 1))
                memory.append((job, {"payload": payload}))
    changed = _execute(session, [stmt for stmt, _n in statements])
    for (stmt, expected), rows in zip(statements, changed):
        if expected is not None and rows != expected:
            raise RuntimeError(f"the registration number changed {rows} rows of "
                               f"{stmt.table.name}, not {expected}")
    for obj, values in memory:
        for name, value in values.items():
            set_committed_value(obj, name, value)


def _execute(session, statements):
    """Run the statements, in one round trip on PostgreSQL (each a data-changing CTE, run
    once and to completion), else one after the other; the rows each changed."""
    if session.get_bind().dialect.name != "postgresql":
        return [session.execute(stmt).rowcount for stmt in statements]
    ctes = [stmt.returning(sa.literal(1).label("x")).cte(f"swap_{i}")
            for i, stmt in enumerate(statements)]
    counts = [sa.select(sa.func.count()).select_from(c).scalar_subquery() for c in ctes]
    return list(session.execute(sa.select(*counts)).one())
