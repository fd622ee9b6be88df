"""The satisfaction survey through the web: the link on the tracking page, the form with no
login, one response per request, clear errors, the public pages (aggregates and approved
comments only, no personal data), the officers' page and moderation."""
import re

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.evaluation import services as ikm
from ppid.evaluation.models import IkmSurvey
from ppid.extensions import db
from ppid.info_requests import services as rq
from tests.conftest import csrf_token_from, login
from tests.services.test_requests_services import GRANT, at, data_for

# Canary personal data of the requester: must never reach a public page.
CANARY = {"name": "Kanari Pemohon Rahasia", "identity_number": "6171999988887777",
          "address": "Jl. Kanari Rahasia 99", "phone": "089999000111",
          "email": "kanari.rahasia@contoh.id"}


@pytest.fixture
def world(factories):
    utama = factories.agency(slug="utama-ikmw", name="PPID Utama Uji", kind="utama")
    a = factories.agency(slug="dinas-a-ikmw", name="Dinas A Web", parent_id=utama.id)
    b = factories.agency(slug="dinas-b-ikmw", name="Dinas B Web", parent_id=utama.id)

    class W:
        pass
    w = W()
    w.a, w.b = a, b
    w.officer_a = factories.user(auth.HELPER, a, name="Petugas A")
    w.officer_b = factories.user(auth.HELPER, b, name="Petugas B")
    w.auditor = factories.user(auth.AUDITOR, None, name="Auditor")
    req, w.token = rq.submit_request(data_for(a, **CANARY), actor=None, now=at(2026, 3, 16))
    rq.close_request(req, "dikabulkan", GRANT, actor=w.officer_a, now=at(2026, 3, 17))
    db.session.commit()
    w.req_id = req.id
    w.survey_token = ikm.token_for(req.id)
    return w


def answers(**over):
    data = {f"u{i}": "3" for i in range(1, 10)}
    data.update(over)
    return data


def test_tracking_page_links_the_survey_until_answered(client, world):
    page = client.get(f"/lacak/{world.token}").get_data(as_text=True)
    assert f"/survei/{world.survey_token}" in page
    form = client.get(f"/survei/{world.survey_token}")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert "Waktu penyelesaian" in html and 'name="u9"' in html
    resp = client.post(f"/survei/{world.survey_token}", data={
        **answers(u1="4"), "comment": "Terima kasih.", "csrf_token": csrf_token_from(html)})
    assert resp.status_code == 302
    done = client.get(f"/survei/{world.survey_token}").get_data(as_text=True)
    assert "sudah diisi" in done and 'name="u1"' not in done
    page = client.get(f"/lacak/{world.token}").get_data(as_text=True)
    assert "/survei/" not in page
    survey = db.session.execute(sa.select(IkmSurvey)).scalar_one()
    assert survey.u1 == 4 and survey.u2 == 3


def test_second_response_and_bad_input_change_nothing(client, world):
    html = client.get(f"/survei/{world.survey_token}").get_data(as_text=True)
    token = csrf_token_from(html)
    # Missing and out-of-scale answers: 422 with the field named, nothing stored.
    bad = client.post(f"/survei/{world.survey_token}",
                      data={**answers(u3="9"), "csrf_token": token})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "Waktu penyelesaian" in body and "Periksa kembali" in body
    missing = answers()
    missing.pop("u5")
    assert client.post(f"/survei/{world.survey_token}",
                       data={**missing, "csrf_token": token}).status_code == 422
    assert client.post(f"/survei/{world.survey_token}",
                       data={**answers(), "comment": "x" * 2001,
                             "csrf_token": token}).status_code == 422
    db.session.expire_all()
    assert not db.session.execute(sa.select(IkmSurvey)).scalar_one().is_answered
    assert client.post(f"/survei/{world.survey_token}",
                       data={**answers(u1="1"), "csrf_token": token}).status_code == 302
    again = client.post(f"/survei/{world.survey_token}",
                        data={**answers(u1="4"), "csrf_token": token})
    assert again.status_code == 200 and "sudah diisi" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.execute(sa.select(IkmSurvey)).scalar_one().u1 == 1


def test_survey_path_is_the_routes_url(app, world):
    with app.test_request_context():
        from flask import url_for
        assert url_for("evaluation.survey", token=world.survey_token) == ikm.survey_path(
            world.req_id)


def test_forged_or_foreign_tokens_are_404(client, world):
    assert client.get("/survei/tidak-ada").status_code == 404
    forged = f"{world.req_id + 1}-" + world.survey_token.split("-", 1)[1]
    assert client.get(f"/survei/{forged}").status_code == 404
    assert client.get(f"/survei/{'9' * 40}-abc").status_code == 404


def _answer(client, world, comment):
    html = client.get(f"/survei/{world.survey_token}").get_data(as_text=True)
    client.post(f"/survei/{world.survey_token}", data={
        **answers(), "comment": comment, "csrf_token": csrf_token_from(html)})


def test_public_pages_show_aggregates_and_approved_comments_only(client, world):
    _answer(client, world, "Komentar kanari " + CANARY["phone"])
    for url in ("/ikm", f"/ikm/{world.a.slug}", f"/ikm/{world.a.slug}?tahun=2026",
                "/ikm?tahun=2026", f"/badan/{world.a.slug}"):
        resp = client.get(url)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, url
        for value in CANARY.values():
            assert value not in html, (url, value)
        if url.startswith("/ikm"):  # (the register on the agency page is public anyway)
            assert "KALBAR/" not in html  # responses are not tied to a request in public
    page = client.get(f"/ikm/{world.a.slug}?tahun=2026").get_data(as_text=True)
    assert "75.00" in page and "C (Kurang Baik)" in page  # all 3s: 3 x 25
    assert "1 dari 1 permohonan selesai" in page
    assert "<svg" in page and "1/9" in page
    assert "Belum ada komentar yang ditampilkan" in page
    # The officer approves: now public.
    login(client, world.officer_a)
    officer = client.get(f"/kelola/ikm/{world.a.slug}?tahun=2026")
    assert officer.status_code == 200
    html = officer.get_data(as_text=True)
    assert "Komentar kanari" in html and "Menunggu moderasi" in html
    survey_id = db.session.execute(sa.select(IkmSurvey.id)).scalar_one()
    resp = client.post(f"/kelola/ikm/{world.a.slug}?tahun=2026", data={
        "survey_id": survey_id, "state": "disetujui", "csrf_token": csrf_token_from(html)})
    assert resp.status_code == 302
    client.post("/keluar", data={"csrf_token": csrf_token_from(html)})
    page = client.get(f"/ikm/{world.a.slug}?tahun=2026").get_data(as_text=True)
    assert "Komentar kanari" in page


def test_officers_of_another_agency_and_auditors_cannot_moderate(client, world):
    _answer(client, world, "Komentar uji.")
    survey_id = db.session.execute(sa.select(IkmSurvey.id)).scalar_one()
    login(client, world.officer_b)
    assert client.get(f"/kelola/ikm/{world.a.slug}").status_code == 403
    html = client.get(f"/kelola/ikm/{world.b.slug}").get_data(as_text=True)
    # B's officer posting A's survey on B's page: not found, nothing changes.
    resp = client.post(f"/kelola/ikm/{world.b.slug}", data={
        "survey_id": survey_id, "state": "disetujui", "csrf_token": csrf_token_from(html)})
    assert resp.status_code == 404
    db.session.expire_all()
    assert db.session.get(IkmSurvey, survey_id).comment_state == "menunggu"


def test_bad_year_and_state_are_clear_errors(client, world):
    for bad in ("abcd", "1999"):  # the page, the message next to the year (issue #17)
        resp = client.get(f"/ikm?tahun={bad}")
        assert resp.status_code == 400
        assert 'id="tahun-error">Tahun harus angka antara 2000 dan' in resp.get_data(
            as_text=True)
    login(client, world.officer_a)
    html = client.get(f"/kelola/ikm/{world.a.slug}").get_data(as_text=True)
    resp = client.post(f"/kelola/ikm/{world.a.slug}", data={
        "survey_id": "x", "state": "hapus", "csrf_token": csrf_token_from(html)})
    assert resp.status_code == 400
    assert "Keputusan moderasi tidak valid" in resp.get_data(as_text=True)


def test_the_agency_page_shows_a_new_answer_at_once(client, world):
    """The agency page keeps the IKM result it computed until a survey is written
    (ppid.core.generations); an answer is written by a bare UPDATE, which no flush sees,
    so it moves the generation itself."""
    from ppid.core.services import local_today
    year = local_today().year
    if year != 2026:
        pytest.skip("the world's request closed in 2026; the page shows this year's IKM")
    before = client.get(f"/badan/{world.a.slug}").get_data(as_text=True)
    assert "Belum ada tanggapan survei tahun 2026" in before
    _answer(client, world, "")
    after = client.get(f"/badan/{world.a.slug}").get_data(as_text=True)
    assert "IKM 2026: 75.00" in after and "1 responden" in after
    # Another agency's kept result is its own.
    other = client.get(f"/badan/{world.b.slug}").get_data(as_text=True)
    assert "Belum ada tanggapan survei tahun 2026" in other
