"""A new request's registration number, drawn as the last write before its commit.

The number is gap-free and in order because it comes from the year's counter row
(ppid.core.audit.next_counter_value), whose lock the drawing transaction keeps until it
commits: every submission waits for the one holding it, so the hold caps how many
submissions per second the registry takes (issue #13 section 2). Everything a submission
writes names its number (the request, its audit event, its receipt letter and that
letter's PDF job, the mail), and each of those rows was one statement, one round trip to
PostgreSQL, while the lock was held.

:func:`placeholder_for` and :func:`draw_and_write` reverse that. The request and
everything the submission writes carry a *placeholder* (letters and digits only, so HTML
and JSON escaping leave it as it is; unique per submission), as does the receipt letter for
its own number; all of it is flushed before any counter is touched. Then the registration
number is drawn, then the receipt's letter number (its agency's counter, always after the
registration counter, so no submission holds a letter counter while it waits for the
registration counter), and both are written in place of the placeholders by one statement
on PostgreSQL (data-changing CTEs; on SQLite, whose transaction holds the database's write
lock throughout anyway, one statement per row). The registration counter is then held for
two statements and the commit, whatever the submission writes. The placeholders exist only
inside the uncommitted transaction, which no other transaction sees; a rollback or a crash
takes the numbers back with everything else: the series stay gap-free and in order.

Checks: where the placeholders went is found before the draw, and a column outside
:data:`CARRIERS` is refused then (RuntimeError, no number taken); after the swap every
statement must have changed exactly its row (else RuntimeError: the caller's transaction
rolls back). A template that transformed the number (upper-cased, cut, URL-encoded) would
transform the placeholder too and is not caught here: the receipt is compared with one
rendered directly with the number in tests/services/test_requests_numbering.py.
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
# Where a submission may write its numbers: (class, columns) of the rows this session holds.
# The audit event (written by a plain INSERT, not held) and the letters' PDF jobs (which
# name a letter by the hash of its HTML) are swapped as well.
CARRIERS = {InfoRequest: ("registration_number",), Letter: ("html", "number"),
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


def letter_placeholder(year) -> tuple:
    """(year, seq, number) for a letter whose number is drawn by :func:`draw_and_write`
    (its ``letter`` argument): no seq yet (the unique series ignores it), a placeholder."""
    return year, None, new_placeholder()


def draw_and_write(req, placeholder, draw, letter=None):
    """Flush, call ``draw()`` -> (seq, number), then ``letter``'s draw if given
    ((placeholder, draw() -> (year, seq, number)): the receipt's letter number, from its
    agency's counter, taken after the registration counter so that one is never waited for
    while holding it), and write the numbers in place of the placeholders wherever they
    went: the request, its audit events (not yet linked: the chainer seals them after
    commit), its letters and their PDF jobs, its mails. Returns (seq, number)."""
    session = db.session
    added = session.info.pop(_ADDED, None)
    if added is None:
        raise RuntimeError("draw_and_write without placeholder_for in this transaction")
    session.flush()   # everything with the placeholders, before the counters' locks
    placeholders = [placeholder] + ([letter[0]] if letter else [])
    found = _carriers([req, *added], placeholders)
    seq, number = draw()
    numbers = {placeholder: number}
    letter_drawn = None
    if letter:
        letter_drawn = letter[1]()
        numbers[letter[0]] = letter_drawn[2]
    _swap(session, req, found, added, placeholder, seq, numbers, letter, letter_drawn)
    return seq, number


def _carriers(objects, placeholders):
    """[(object, [columns])] of ``objects`` naming a placeholder, found before the draw;
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
                 if isinstance(state.dict.get(a.key), str)
                 and any(p in state.dict[a.key] for p in placeholders)]
        if not names:
            continue
        allowed = CARRIERS.get(type(obj), ())
        if set(names) - set(allowed):
            raise RuntimeError(f"a number would be written into "
                               f"{type(obj).__name__}.{sorted(set(names) - set(allowed))}, "
                               f"which ppid.info_requests.numbering does not rewrite")
        found.append((obj, names))
    return found


def _replaced(text, numbers):
    for placeholder, number in numbers.items():
        text = text.replace(placeholder, number)
    return text


def _sql_replaced(column, numbers):
    for placeholder, number in numbers.items():
        column = sa.func.replace(column, placeholder, number)
    return column


def _swap(session, req, found, added, placeholder, seq, numbers, letter, letter_drawn):
    number = numbers[placeholder]
    as_html = {p: str(escape(n)) for p, n in numbers.items()}
    as_json = {p: json.dumps(n, ensure_ascii=False)[1:-1] for p, n in numbers.items()}
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
         .values(changes=_sql_replaced(AE.c.changes, as_json)), None),
    ]
    memory = [(req, {"seq": seq, "registration_number": number})]
    shas = {}
    for obj, _names in found:
        if isinstance(obj, Letter):
            html = _replaced(obj.html, as_html)
            sha = hashlib.sha256(html.encode("utf-8")).hexdigest()
            shas[obj.sha256] = sha
            values = {"html": html, "sha256": sha}
            if letter and obj.number == letter[0]:
                values.update(year=letter_drawn[0], seq=letter_drawn[1],
                              number=letter_drawn[2])
            statements.append((sa.update(LT).where(LT.c.id == obj.id).values(
                {**values, "html": _sql_replaced(LT.c.html, as_html)}), 1))
            memory.append((obj, values))
        elif isinstance(obj, OutboxMail):
            statements.append((sa.update(MT).where(MT.c.id == obj.id).values(
                subject=_sql_replaced(MT.c.subject, numbers),
                body_text=_sql_replaced(MT.c.body_text, numbers)), 1))
            memory.append((obj, {"subject": _replaced(obj.subject, numbers),
                                 "body_text": _replaced(obj.body_text, numbers)}))
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
