"""Submissions hold SQLite's single write lock only for their writes.

Their reads (rate limit, agency choices, validation) run in a deferred transaction first,
and nothing after the commit begins another writing one, so concurrent submissions queue
for the lock as briefly as possible. Traced on the statements the app really sends.
"""
import contextlib
import re

import pytest
import sqlalchemy as sa

from ppid.extensions import db
from tests.web.test_requests_web import api_data, count_requests, form_data, world  # noqa: F401


@pytest.fixture
def trace(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's transaction modes only")

    @contextlib.contextmanager
    def tracing():
        log = []

        def on_execute(conn, cursor, statement, params, context, many):
            if statement.startswith("BEGIN"):
                log.append(statement)
            else:  # "SELECT agency", "INSERT info_request", ...
                kind = statement.split()[0]
                table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", statement)
                log.append(f"{kind} {table.group(1) if table else ''}".strip())

        def on_commit(conn):
            log.append("COMMIT")
        sa.event.listen(db.engine, "before_cursor_execute", on_execute)
        sa.event.listen(db.engine, "commit", on_commit)
        try:
            yield log
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", on_execute)
            sa.event.remove(db.engine, "commit", on_commit)
    return tracing


def _transactions(log):
    """[(begin statement, [statement kinds...]), ...] in order."""
    out = []
    for entry in log:
        if entry.startswith("BEGIN"):
            out.append((entry, []))
        elif out:
            out[-1][1].append(entry)
    return out


def test_api_submission_reads_first_then_writes_once(app, client, world, trace):
    app.config.update(RATELIMIT_ENABLED=True)
    try:
        with trace() as log:
            resp = client.post("/api/v1/requests", json=api_data())
    finally:
        app.config.update(RATELIMIT_ENABLED=False)
    assert resp.status_code == 201
    txns = _transactions(log)
    begins = [b for b, _ in txns]
    # The reads (rate limit count, agency list) in a deferred transaction ...
    assert begins[0] == "BEGIN" and not any(k.startswith("INSERT") for k in txns[0][1])
    assert "SELECT agency" in txns[0][1] and "SELECT request_submission_hit" in txns[0][1]
    # ... then exactly one writing transaction, which commits, and nothing after it.
    assert begins.count("BEGIN IMMEDIATE") == 1 and begins[-1] == "BEGIN IMMEDIATE"
    assert txns[-1][1][-1] == "COMMIT" and "INSERT info_request" in txns[-1][1]
    # The agency validated in the read phase is not read again under the lock.
    assert "SELECT agency" not in txns[-1][1]
    assert resp.headers["Location"].endswith(resp.get_json()["registration_number"])


def test_invalid_api_submission_never_takes_the_write_lock(client, world, trace):
    with trace() as log:
        resp = client.post("/api/v1/requests", json=api_data(agency="tidak-ada", email="x"))
    assert resp.status_code == 422
    assert set(resp.get_json()["fields"]) == {"agency", "email"}
    assert not [b for b, _ in _transactions(log) if b == "BEGIN IMMEDIATE"]
    assert count_requests() == 0


def test_web_form_submission_reads_first_and_its_page_only_reads(client, world, trace):
    with trace() as log:
        resp = client.post("/permohonan/baru", data=form_data(),
                           content_type="multipart/form-data")
    assert resp.status_code == 201
    txns = _transactions(log)
    writing = [i for i, (b, _) in enumerate(txns) if b == "BEGIN IMMEDIATE"]
    assert len(writing) == 1 and txns[0][0] == "BEGIN"
    # The confirmation page after the commit reloads what it shows in deferred reads.
    after = txns[writing[0] + 1:]
    assert after and all(b == "BEGIN" and not any(k.startswith("INSERT") for k in s)
                         for b, s in after)
    assert not {"SELECT agency", "SELECT user"} & set(txns[writing[0]][1])
    assert "COMMIT" in txns[writing[0]][1]
    page = resp.get_data(as_text=True)
    number = db.session.execute(sa.text("SELECT registration_number FROM info_request")
                                ).scalar_one()
    assert number in page


def test_flags_do_not_leak_into_the_next_request_of_a_shared_context(client, world, trace):
    """Tests (and CLI-driven requests) share one app context, and so its ``g``: a POST
    after a finished submission must again write under the lock."""
    assert client.post("/permohonan/baru", data=form_data(),
                       content_type="multipart/form-data").status_code == 201
    with trace() as log:
        assert client.post("/api/v1/requests", json=api_data()).status_code == 201
    assert [b for b, _ in _transactions(log)].count("BEGIN IMMEDIATE") == 1


def test_a_signed_in_citizen_is_not_read_again_under_the_write_lock(client, world, trace):
    from tests.conftest import login
    login(client, world.citizen)
    with trace() as log:
        resp = client.post("/permohonan/baru", data=form_data(),
                           content_type="multipart/form-data")
    assert resp.status_code == 201
    txns = _transactions(log)
    reads = [s for b, s in txns if b == "BEGIN"][0]
    writing = [s for b, s in txns if b == "BEGIN IMMEDIATE"]
    assert "SELECT user" in reads and len(writing) == 1
    assert not {"SELECT agency", "SELECT user"} & set(writing[0])
    req = db.session.execute(sa.text("SELECT requester_user_id FROM info_request")).one()
    assert req.requester_user_id == world.citizen.id
