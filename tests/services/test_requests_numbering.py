"""A new request's registration number, drawn as the last write before the commit
(ppid/info_requests/numbering.py; issue #13 section 2): what the submission writes carries
a placeholder until the number is drawn, then the number, everywhere, exactly as if it had
been written directly; on PostgreSQL the counter's lock is held for one statement and the
commit."""
import hashlib
import json

import pytest
import sqlalchemy as sa

from ppid.core import audit
from ppid.core.models import AuditEvent, Counter, Job, OutboxMail
from ppid.extensions import db
from ppid.info_requests import numbering, services
from ppid.info_requests.models import InfoRequest, Letter, RequestEvent
from tests.services.test_requests_services import MON_16_MARCH, data_for, world  # noqa: F401


def _everything_written(req_id):
    """Every text the submission stored: request, letters, their jobs, mails, audit."""
    texts = []
    for table in (InfoRequest.__table__, Letter.__table__, RequestEvent.__table__,
                  OutboxMail.__table__, Job.__table__, AuditEvent.__table__):
        for row in db.session.execute(sa.select(table)).mappings():
            texts += [str(v) for v in row.values() if v is not None]
    return texts


def test_the_number_is_everywhere_the_placeholder_was(app, world, monkeypatch):
    """Request, audit event, receipt letter (its HTML, hash and PDF job), mail: each holds
    the drawn number, none the placeholder; the letter is byte for byte the letter rendered
    with the number itself; the audit chain links and verifies."""
    # A number with characters HTML escapes (the letter) and JSON escapes (the audit).
    monkeypatch.setitem(app.config, "REQUEST_NUMBER_FORMAT", '{prefix}&"{year}"/{seq:05d}')
    made = []
    monkeypatch.setattr(numbering, "new_placeholder",
                        lambda: made.append(f"PPIDNOMOR{len(made):024d}") or made[-1])
    req, token = services.submit_request(data_for(world.dinkes), actor=None, now=MON_16_MARCH)
    number = req.registration_number
    assert number == 'KALBAR&"2026"/00001' and req.seq == 1
    receipt = req.letters[0]
    # The same letter issued directly with the number (same letter number, same moment).
    direct = services.issue_letter(req, "tanda_bukti", now=MON_16_MARCH, actor=None,
                                   drawn=(receipt.year, receipt.seq, receipt.number))
    assert direct.html == receipt.html and direct.sha256 == receipt.sha256
    req.letters.remove(direct)
    for obj in list(db.session.new):   # the direct letter and its job: compared, not kept
        db.session.expunge(obj)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(InfoRequest, req.id)
    assert (stored.seq, stored.registration_number) == (1, number)
    letter = db.session.execute(sa.select(Letter)).scalar_one()
    assert "KALBAR&amp;&#34;2026&#34;/00001" in letter.html
    assert letter.sha256 == hashlib.sha256(letter.html.encode()).hexdigest()
    job = db.session.execute(sa.select(Job).where(
        Job.kind == services.LETTER_PDF_JOB)).scalar_one()
    assert json.loads(job.payload) == {"request_id": req.id, "sha256": letter.sha256}
    mails = db.session.execute(sa.select(OutboxMail)).scalars().all()
    mail = next(m for m in mails if m.to_address == "siti@contoh.id")
    assert mail.subject.startswith(f"[{number}]") and f"nomor {number}." in mail.body_text
    # The officers' notice of a new request, written before the draw too.
    assert [m for m in mails if m is not mail] and all(
        m.subject.startswith(f"[{number}]") and number in m.body_text for m in mails)
    event = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "request.diterima")).scalar_one()
    assert json.loads(event.changes)["registration_number"] == number
    assert letter.seq == 1 and letter.number and letter.number in letter.html
    assert not [t for t in _everything_written(req.id) for p in made if p in t]
    db.session.rollback()   # (the chainer runs in transactions of its own)
    assert audit.link_pending() >= 1
    checked, bad, why = audit.verify_chain()
    assert bad is None, why


def test_a_placeholder_where_it_cannot_be_swapped_fails_before_the_draw(world):
    """Only the columns numbering.CARRIERS names are rewritten: the placeholder anywhere
    else is refused before a number is drawn (none is taken, nothing is written)."""
    req = InfoRequest(**{k: v for k, v in _request_fields(world.dinkes).items()})
    placeholder = numbering.placeholder_for(req)
    db.session.add(req)
    db.session.flush()
    db.session.add(RequestEvent(request=req, occurred_at=MON_16_MARCH, actor_label="Sistem",
                                action="diterima", note=f"Nomor {placeholder}"))
    drawn = []
    with pytest.raises(RuntimeError, match="RequestEvent"):
        numbering.draw_and_write(req, placeholder, lambda: drawn.append(1) or (1, "X/1"))
    assert drawn == []
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(InfoRequest)
                              ).scalar_one() == 0


def _request_fields(agency):
    from datetime import date
    return dict(year=2026, requester_name="Siti", identity_number="6171010203850001",
                address="Jl. Uji", information="Data uji.", purpose="Uji",
                obtain_method="melihat", delivery="langsung", addressed_agency_id=agency.id,
                agency_id=agency.id, received_at=MON_16_MARCH, received_on=date(2026, 3, 16),
                effective_on=date(2026, 3, 16), due_on=date(2026, 3, 30), state="diterima",
                created_at=MON_16_MARCH)


def test_postgres_the_counter_is_held_for_two_statements_and_the_commit(app, world):
    """From the registration counter's UPDATE to the commit, two statements: the receipt's
    letter number (its agency's counter, taken after the registration counter, so a
    submission never holds it while waiting for the other) and the swap of both numbers
    into every row (the request, its event, letter, job and mail were written before)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's lock hold (SQLite's transaction holds the write lock)")
    services.submit_request(data_for(world.dinkes), actor=None, now=MON_16_MARCH)
    db.session.commit()   # (first use: the counters' rows exist now)
    seen = []

    def record(conn, cursor, statement, params, *args):
        seen.append((statement.lstrip(), params))

    sa.event.listen(db.engine, "after_cursor_execute", record)
    try:
        req, _token = services.submit_request(data_for(world.dinkes), actor=None,
                                              now=MON_16_MARCH)
        db.session.commit()
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", record)
    draws = [i for i, (s, p) in enumerate(seen) if s.startswith("UPDATE counter")]
    names = [next(v for v in seen[i][1].values() if str(v).startswith(("request:", "letter:")))
             for i in draws]
    assert [n.split(":")[0] for n in names] == ["request", "letter"]
    tail = [s for s, _p in seen[draws[0] + 1:]]
    assert len(tail) == 2 and tail[0].startswith("UPDATE counter") \
        and tail[1].startswith("WITH swap_0 AS"), tail
    assert req.registration_number == "KALBAR/2026/00002"
    assert db.session.execute(sa.select(Counter.value).where(
        Counter.name == "request:KALBAR:2026")).scalar_one() == 2


def _killed_submitter(data_dir, url, agency_id, ready):
    """Submits one request, then a second that stops with its number drawn (the counter
    locked, its rows written with the placeholder), until it is killed."""
    import time

    from ppid import create_app
    from tests.conftest import base_config
    app = create_app(base_config(data_dir, url))
    with app.app_context():
        from ppid.agencies.models import Agency
        agency = db.session.get(Agency, agency_id)
        services.submit_request(data_for(agency), actor=None, now=MON_16_MARCH)
        db.session.commit()
        real = services.next_registration_number

        def drawn_then_stuck(year):
            got = real(year)
            ready.set()
            time.sleep(600)
            return got
        services.next_registration_number = drawn_then_stuck
        services.submit_request(data_for(agency), actor=None, now=MON_16_MARCH)


@pytest.mark.slow
def test_a_sigkill_with_the_number_drawn_loses_nothing_and_leaves_no_gap(app, world):
    """A process killed between the draw and the commit: its transaction is gone whole
    (no placeholder anywhere, the counter as before), and the next submission takes the
    next number: the series has no gap."""
    import multiprocessing
    import os
    import signal
    agency_id = world.dinkes.id
    db.session.rollback()
    mp = multiprocessing.get_context("spawn")
    ready = mp.Event()
    child = mp.Process(target=_killed_submitter, args=(
        app.config["DATA_DIR"], app.config["SQLALCHEMY_DATABASE_URI"], agency_id, ready))
    child.start()
    try:
        assert ready.wait(120), "the submitter did not get going"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.join(30)
    assert child.exitcode == -signal.SIGKILL
    db.session.rollback()
    numbers = db.session.execute(sa.select(InfoRequest.registration_number)).scalars().all()
    assert numbers == ["KALBAR/2026/00001"]
    assert not [t for t in _everything_written(None) if numbering.PLACEHOLDER_PREFIX in t]
    req, _token = services.submit_request(data_for(db.session.merge(world.dinkes)),
                                          actor=None, now=MON_16_MARCH)
    db.session.commit()
    assert req.registration_number == "KALBAR/2026/00002"
    assert [letter.seq for letter in db.session.execute(
        sa.select(Letter).order_by(Letter.id)).scalars()] == [1, 2]
