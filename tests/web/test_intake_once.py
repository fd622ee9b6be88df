"""Intake that takes nothing twice (issue #15, section 4): a submission answers with a
redirect to its receipt (post/redirect/get), and the same form posted twice, or the API
called twice with one Idempotency-Key, registers one request with one number; the gap-free
series is not consumed by a duplicate, also when the two arrive at the same moment."""
import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.core.models import Counter
from ppid.extensions import db
from ppid.info_requests.models import InfoRequest, SubmissionKey
from tests.conftest import login, make_agency, make_user
from tests.web.test_api_contract import VALID


@pytest.fixture
def world(factories):
    factories.agency(slug="dinkes", name="Dinas Kesehatan Uji")
    db.session.commit()


def _numbers():
    return db.session.execute(sa.select(InfoRequest.registration_number)
                              .order_by(InfoRequest.seq)).scalars().all()


def _counter_values():
    return db.session.execute(sa.select(Counter.value).where(
        Counter.name.like("request:%"))).scalars().all()


def _form_key(client, path="/permohonan/baru"):
    html = client.get(path).get_data(as_text=True)
    m = re.search(r'name="submission_key"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="submission_key"', html)
    assert m, "the form carries no one-time key"
    return m.group(1)


def _post_form(client, key, **change):
    return client.post("/permohonan/baru", data={**VALID, **change, "website": "",
                                                 "submission_key": key},
                       content_type="multipart/form-data")


def test_the_form_answers_with_a_redirect_to_its_receipt(client, world):
    key = _form_key(client)
    resp = _post_form(client, key)
    assert resp.status_code == 303
    location = resp.headers["Location"]
    assert re.search(r"/lacak/[A-Za-z0-9_-]{20,}/tanda-terima$", location), location
    page = client.get(location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "KALBAR/" in html and "Tautan pelacakan" in html
    token = re.search(r"/lacak/([A-Za-z0-9_-]{20,})/tanda-terima", location).group(1)
    assert client.get(f"/lacak/{token}").status_code == 200  # the link it shows works


def test_the_same_form_posted_twice_registers_one_request(client, world):
    key = _form_key(client)
    first = _post_form(client, key)
    again = _post_form(client, key)  # a double click, a refresh, a retry after a timeout
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert len(_numbers()) == 1
    html = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "sudah terkirim sebelumnya" in html and _numbers()[0] in html
    # A new form has a new key: a second request is a second number, with no gap.
    _post_form(client, _form_key(client))
    numbers = _numbers()
    assert len(numbers) == 2 and [n[-5:] for n in numbers] == ["00001", "00002"]
    assert _counter_values() == [2]


def test_the_same_form_key_with_other_content_is_not_replayed_nor_stored(client, world):
    key = _form_key(client)
    first = _post_form(client, key)
    other = _post_form(client, key, information="Sesuatu yang lain sama sekali.")
    assert other.status_code == 409
    html = other.get_data(as_text=True)
    assert "sudah pernah dikirim" in html
    number = _numbers()[0]
    assert number not in html and first.headers["Location"] not in html  # nothing revealed
    fresh = re.search(r'name="submission_key"[^>]*value="([^"]+)"', html).group(1)
    assert fresh != key
    assert len(_numbers()) == 1
    assert _post_form(client, fresh, information="Sesuatu yang lain sama sekali."
                      ).status_code == 303
    assert len(_numbers()) == 2


def test_a_refused_form_keeps_its_key_and_registers_once_corrected(client, world):
    key = _form_key(client)
    refused = _post_form(client, key, purpose="")
    assert refused.status_code == 422 and key in refused.get_data(as_text=True)
    assert _post_form(client, key).status_code == 303
    assert _post_form(client, key).status_code == 303
    assert len(_numbers()) == 1


def test_the_officer_entry_posted_twice_records_one_request(app, client, world):
    officer = make_user(auth.MAIN, None)
    db.session.commit()
    login(client, officer)
    key = _form_key(client, "/kelola/permohonan/baru")
    entry = {**VALID, "channel": "langsung", "received_at": "2026-12-02T09:00",
             "submission_key": key}
    first = client.post("/kelola/permohonan/baru", data=entry,
                        content_type="multipart/form-data")
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    again = client.post("/kelola/permohonan/baru", data=entry,
                        content_type="multipart/form-data")
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert len(_numbers()) == 1
    assert "sudah terkirim sebelumnya" in client.get(again.headers["Location"]).get_data(
        as_text=True)


def _api(client, key=None, body=VALID, ip=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    env = {"REMOTE_ADDR": ip} if ip else {}
    return client.post("/api/v1/requests", json=body, headers=headers, environ_base=env)


def test_the_api_with_one_idempotency_key_registers_one_request(client, world):
    first = _api(client, "3f0c1d2e-key-1")
    again = _api(client, "3f0c1d2e-key-1")
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Location"] == first.headers["Location"]
    assert len(_numbers()) == 1
    # The tracking link of the replay is the request's own.
    token = first.get_json()["tracking_url"].rsplit("/", 1)[1]
    assert client.get(f"/lacak/{token}").status_code == 200
    # Without a key, or with another one, a submission is a new request.
    assert _api(client).status_code == 201
    assert _api(client, "3f0c1d2e-key-2").status_code == 201
    assert [n[-5:] for n in _numbers()] == ["00001", "00002", "00003"]
    assert _counter_values() == [3]


def test_a_key_with_another_body_is_refused_and_keys_are_per_client(client, world):
    assert _api(client, "k-1").status_code == 201
    other = _api(client, "k-1", body={**VALID, "purpose": "Liputan"})
    assert other.status_code == 409
    payload = other.get_json()
    assert payload["error"] == "idempotency_key_reused"
    assert "Idempotency-Key" in payload["fields"] and "berbeda" in payload["message"]
    # Another client's same key is its own.
    elsewhere = _api(client, "k-1", ip="203.0.113.9")
    assert elsewhere.status_code == 201 and "Idempotent-Replayed" not in elsewhere.headers
    assert len(_numbers()) == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "kunci dengan spasi", "kunci\u00e9"])
def test_a_malformed_idempotency_key_is_a_400(client, world, key):
    resp = client.post("/api/v1/requests", json=VALID,
                       headers={"Idempotency-Key": key.encode("utf-8").decode("latin-1")})
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_idempotency_key"
    assert _numbers() == []


@pytest.mark.parametrize("prune", [False, True])
def test_an_expired_key_registers_a_new_request(app, client, world, monkeypatch, prune):
    """(``prune``: every lookup also prunes everyone's expired keys, as one in fifty does.)"""
    if prune:
        from ppid.info_requests import services
        monkeypatch.setattr(services.secrets, "randbelow", lambda n: 0)
    assert _api(client, "k-expiring").status_code == 201
    row = db.session.execute(sa.select(SubmissionKey)).scalar_one()
    assert row.expires_at - row.created_at == timedelta(hours=app.config[
        "IDEMPOTENCY_KEY_HOURS"])
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.session.commit()
    again = _api(client, "k-expiring")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert len(_numbers()) == 2
    assert _api(client, "k-expiring").headers["Idempotent-Replayed"] == "true"
    assert len(_numbers()) == 2


def _concurrently(app, n, send):
    """``n`` threads, each with its own client and connection, send at one moment."""
    db.session.commit()
    db.session.remove()  # SQLite: this thread holds no lock meanwhile
    start = threading.Barrier(n)
    results, errors = [None] * n, []

    def worker(i):
        try:
            with app.app_context():
                c = app.test_client()
                start.wait()
                results[i] = send(c)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    return results


@pytest.mark.parametrize("n", [2, 4])
def test_concurrent_identical_api_calls_give_one_request_and_no_gap(app, client, world, n):
    def send(c):
        resp = _api(c, "same-moment-key")
        return resp.status_code, resp.get_json()

    results = _concurrently(app, n, send)
    assert {status for status, _b in results} == {201}
    assert len({body["registration_number"] for _s, body in results}) == 1
    assert len({body["tracking_url"] for _s, body in results}) == 1
    assert len(_numbers()) == 1
    assert _counter_values() == [1]
    assert _api(client).status_code == 201  # the next one takes the next number
    assert [n_[-5:] for n_ in _numbers()] == ["00001", "00002"]


def test_concurrent_identical_form_posts_give_one_request_and_no_gap(app, client, world):
    key = _form_key(client)

    def send(c):
        resp = _post_form(c, key)
        return resp.status_code, resp.headers.get("Location")

    results = _concurrently(app, 3, send)
    assert {status for status, _l in results} == {303}
    assert len({location for _s, location in results}) == 1
    assert len(_numbers()) == 1 and _counter_values() == [1]


def test_two_submissions_past_the_lookup_at_once_still_register_one(app, client, world,
                                                                    monkeypatch):
    """PostgreSQL, where two writers run side by side: both look the key up before either
    has committed (held at a barrier), so both go on to claim it; the second waits on the
    key's unique constraint, then finds the first request instead of drawing a number.
    (SQLite serialises writing transactions: the second one's lookup already finds it.)"""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("two writing transactions at once need PostgreSQL")
    from ppid.info_requests import services
    original_find, original_submit = services.find_submission, services.submit_request
    barrier, seen = threading.Barrier(2, timeout=20), threading.local()
    raised = []

    def find(submission, *, now):
        found = original_find(submission, now=now)
        if not getattr(seen, "looked", False):  # each thread's first lookup, in the view
            seen.looked = True
            barrier.wait()
        return found

    def submit(*args, **kwargs):
        try:
            return original_submit(*args, **kwargs)
        except services.DuplicateSubmission:
            raised.append("duplicate found by the claim")
            raise

    monkeypatch.setattr(services, "find_submission", find)
    monkeypatch.setattr(services, "submit_request", submit)

    def send(c):
        resp = _api(c, "both-past-the-lookup")
        return resp.status_code, resp.get_json(), resp.headers.get("Idempotent-Replayed")

    results = _concurrently(app, 2, send)
    assert raised == ["duplicate found by the claim"]
    assert [s for s, _b, _r in results] == [201, 201]
    assert sorted(str(r) for _s, _b, r in results) == ["None", "true"]
    assert len({b["registration_number"] for _s, b, _r in results}) == 1
    assert len(_numbers()) == 1 and _counter_values() == [1]
