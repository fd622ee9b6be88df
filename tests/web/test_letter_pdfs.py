"""Letters' PDFs (issue #13): a letter's record (its number, content and the data it prints)
is written with the decision; its PDF is rendered after commit by a job, in a limited
child process, and stored once; a download that comes first renders the same letter from
its record and stores nothing. A GET never writes, and no PDF is rendered while a
transaction is open. Traced on the statements the app sends; PDFs read with pdftotext."""
import json
import sys

import pytest
import sqlalchemy as sa

from ppid.core import jobs
from ppid.core.models import Job
from ppid.extensions import db
from ppid.info_requests import services
from ppid.info_requests.models import InfoRequest, Letter, Objection
from tests.conftest import login
from tests.services.test_requests_services import NEW_DIK
from tests.web.test_requests_web import api_data, world  # noqa: F401
from tests.web.test_write_transactions import WRITES, tracing

_WATCH = {"spawns": None}


def _on_audit_event(event, _args):
    if _WATCH["spawns"] is not None and event == "subprocess.Popen":
        _WATCH["spawns"].append(db.engine.pool.checkedout())


sys.addaudithook(_on_audit_event)  # (audit hooks stay; it only records while watched)


def _text(pdftotext, pdf):
    return " ".join(pdftotext(pdf).split())


@pytest.fixture
def decided(client, world):
    """A request refused (tanda bukti, pemberitahuan, penolakan) and objected to (tanda
    bukti keberatan, putusan): letters of all three download routes, no job run yet."""
    resp = client.post("/api/v1/requests", json=api_data())
    assert resp.status_code == 201
    token = resp.get_json()["tracking_url"].rsplit("/", 1)[1]
    req = db.session.execute(sa.select(InfoRequest)).scalar_one()
    services.close_request(req, "ditolak", {"exemption_letters": ["h"],
                                            "exemption_consequence": "Rahasia pribadi",
                                            **NEW_DIK},
                           actor=world.officer, now=services.utcnow())
    obj = services.file_objection(req, "a", "Mohon dibuka.", actor=None, now=services.utcnow())
    db.session.commit()
    services.decide_objection(obj, "menguatkan", "Data pribadi.", actor=world.atasan,
                              now=services.utcnow())
    db.session.commit()
    return token, req.id, obj.id


def _letters():
    return db.session.execute(sa.select(Letter).order_by(Letter.id)).scalars().all()


def _downloads(token, request_id, objection_id):
    """(route, url) of every letter, through each route that serves it."""
    urls = []
    for letter in _letters():
        urls.append(("officer", f"/kelola/permohonan/{request_id}/surat/{letter.id}"))
        urls.append(("citizen", f"/lacak/{token}/surat/{letter.id}"))
        if letter.objection_id is not None:
            urls.append(("atasan", f"/kelola/keberatan/{objection_id}/surat/{letter.id}"))
    return urls


def test_each_decision_writes_its_letter_and_queues_its_pdf(client, world, decided):
    letters = _letters()
    assert [x.kind for x in letters] == ["tanda_bukti", "pemberitahuan", "penolakan",
                                         "tanda_bukti_keberatan", "putusan_keberatan"]
    assert all(x.html and x.sha256 and x.pdf_key is None for x in letters)
    queued = db.session.execute(sa.select(Job.payload).where(
        Job.kind == services.LETTER_PDF_JOB, Job.state == jobs.QUEUED)).scalars().all()
    assert sorted(json.loads(p)["sha256"] for p in queued) == sorted(x.sha256 for x in letters)


def test_a_download_before_the_job_renders_the_letter_and_writes_nothing(
        app, client, world, decided, pdftotext):
    token, request_id, objection_id = decided
    number = db.session.execute(sa.select(InfoRequest.registration_number)).scalar_one()
    logins = {"officer": world.officer, "atasan": world.atasan, "citizen": None}
    seen = {}
    for route, url in _downloads(token, request_id, objection_id):
        if logins[route] is not None:
            login(client, logins[route])
        else:
            client.post("/keluar")
        db.session.commit()
        _WATCH["spawns"] = spawns = []
        try:
            with tracing(db.engine) as log:
                resp = client.get(url)
        finally:
            _WATCH["spawns"] = None
        assert resp.status_code == 200 and resp.mimetype == "application/pdf", url
        assert "BEGIN IMMEDIATE" not in log and not [e for e in log if e.startswith(WRITES)], \
            (url, log)
        assert spawns == [0], (url, spawns)  # rendered in a child, no transaction open
        seen.setdefault(url.rsplit("/", 1)[1], set()).add(_text(pdftotext, resp.data))
    assert all(len(texts) == 1 for texts in seen.values())  # one letter, whichever route
    assert any(number in t and "TANDA BUKTI" in t.upper() for texts in seen.values() for t in texts), seen
    assert all(x.pdf_key is None for x in _letters())  # nothing stored
    assert db.session.execute(sa.select(sa.func.count(Job.id)).where(
        Job.state == jobs.QUEUED)).scalar_one() == 5  # the jobs still to run


def test_the_job_stores_each_pdf_once_and_downloads_serve_it(app, client, world, decided,
                                                            pdftotext):
    token, request_id, objection_id = decided
    login(client, world.officer)
    db.session.commit()
    early = {x.id: _text(pdftotext, client.get(
        f"/kelola/permohonan/{request_id}/surat/{x.id}").data) for x in _letters()}
    db.session.commit()
    assert jobs.run_pending() == {jobs.DONE: 5}
    stored = {x.id: x.pdf_key for x in _letters()}
    assert all(stored.values())
    db.session.commit()
    for letter in _letters():  # a second job for the same letter: nothing to do
        jobs.enqueue(services.LETTER_PDF_JOB, {"request_id": letter.request_id,
                                               "sha256": letter.sha256})
    db.session.commit()
    assert jobs.run_pending() == {jobs.DONE: 5}
    assert {x.id: x.pdf_key for x in _letters()} == stored  # stored once
    from ppid.core.storage import storage
    for letter in _letters():
        with tracing(db.engine) as log:
            resp = client.get(f"/kelola/permohonan/{request_id}/surat/{letter.id}")
        assert resp.data == storage().get(letter.pdf_key)  # served as stored
        assert not [e for e in log if e.startswith(WRITES)]
        assert _text(pdftotext, resp.data) == early[letter.id]  # the same letter either way


def test_an_objection_letter_is_the_same_from_the_atasan_route(app, client, world, decided,
                                                              pdftotext):
    token, request_id, objection_id = decided
    obj = db.session.get(Objection, objection_id)
    letter = next(x for x in _letters() if x.objection_id == obj.id
                  and x.kind == "putusan_keberatan")
    login(client, world.atasan)
    db.session.commit()
    text = _text(pdftotext, client.get(f"/kelola/keberatan/{objection_id}/surat/{letter.id}"
                                       ).data)
    assert obj.registration_number in text and "Data pribadi." in text
