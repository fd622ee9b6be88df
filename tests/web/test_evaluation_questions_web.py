"""The administrator's page of a year's E-Monev questions: every indicator with its
questions, weights and the way to add one; a save whose weights do not sum to 100 is the
page again, answered 422, with the message (Indonesian or English) and nothing written; a
good save is audited and the agency's assessment asks the new question; a past year is
read-only; no one else reaches it."""
import re

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.core.models import AuditEvent
from ppid.core.services import local_today
from ppid.evaluation import assessment
from ppid.evaluation.models import EmonevQuestion
from ppid.extensions import db
from tests.conftest import login

P = "komitmen_organisasi"


@pytest.fixture
def world(factories):
    utama = factories.agency(slug="utama-tanya", name="PPID Utama Tanya", kind="utama")
    a = factories.agency(slug="dinas-tanya-web", name="Dinas Tanya", parent_id=utama.id)
    admin = factories.user(auth.ADMIN, None)
    main = factories.user(auth.MAIN, None)
    officer = factories.user(auth.HELPER, a)
    db.session.commit()
    return a, admin, main, officer


def ko_data(**over):
    data = {}
    for code in ("ko_sk_ppid", "ko_sop", "ko_maklumat", "ko_anggaran"):
        data[f"{P}-w_{code}"] = "20"
        data[f"{P}-t_{code}"] = ""
    data.update({f"{P}-new_code": "ko_sop_keberatan", f"{P}-new_kind": "dinyatakan",
                 f"{P}-new_computation": "", f"{P}-new_text": "SOP penanganan keberatan",
                 f"{P}-new_text_en": "Objection-handling SOP", f"{P}-new_basis": "",
                 f"{P}-new_weight": "20"})
    data.update(over)
    return data


def rows():
    return db.session.execute(sa.select(sa.func.count(EmonevQuestion.id))).scalar()


@pytest.mark.parametrize("lang,message", [
    ("id", "Bobot pertanyaan indikator Komitmen organisasi harus berjumlah 100; sekarang 95."),
    ("en", "The question weights of the indicator Organisational commitment must sum to 100; "
           "now 95."),
])
def test_weights_that_do_not_sum_are_a_message(client, world, lang, message):
    _a, admin, _main, _officer = world
    login(client, admin)
    if lang == "en":
        client.post("/bahasa", data={"lang": "en", "next": "/"})
    year = local_today().year
    resp = client.post(f"/kelola/emonev/pertanyaan/{P}?tahun={year}",
                       data=ko_data(**{f"{P}-new_weight": "15"}))
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert rows() == 0


def test_the_administrator_adds_a_question_and_the_agency_is_asked_it(client, world):
    a, admin, _main, officer = world
    login(client, admin)
    year = local_today().year
    page = client.get(f"/kelola/emonev/pertanyaan?tahun={year}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for name in ("Jenis informasi", "Digitalisasi", "Sarana dan prasarana"):
        assert name in html
    assert 'name="komitmen_organisasi-w_ko_sop"' in html
    resp = client.post(f"/kelola/emonev/pertanyaan/{P}?tahun={year}", data=ko_data())
    assert resp.status_code == 302
    assert assessment.questions_for(year).source_year == year
    assert db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "emonev.questions")).scalar_one().actor_id == admin.id
    client.post("/keluar")
    login(client, officer)
    html = client.get(f"/kelola/emonev/{a.slug}").get_data(as_text=True)
    assert "SOP penanganan keberatan" in html
    assert re.search(r'<option value="ko_sop_keberatan">SOP penanganan keberatan</option>',
                     html)


def test_a_past_year_is_read_only(client, world):
    _a, admin, _main, _officer = world
    login(client, admin)
    past = local_today().year - 1
    html = client.get(f"/kelola/emonev/pertanyaan?tahun={past}").get_data(as_text=True)
    assert "tidak dapat diubah lagi" in html and 'name="komitmen_organisasi-w_ko_sop"' not in html
    resp = client.post(f"/kelola/emonev/pertanyaan/{P}?tahun={past}", data=ko_data())
    assert resp.status_code == 422 and "tidak dapat diubah lagi" in resp.get_data(as_text=True)
    assert client.post(f"/kelola/emonev/pertanyaan/tidak_ada?tahun={past}",
                       data=ko_data()).status_code == 404
    bad = client.get("/kelola/emonev/pertanyaan?tahun=abc")
    assert bad.status_code == 400 and "Tahun harus angka" in bad.get_data(as_text=True)
    assert 'id="tahun-error"' in bad.get_data(as_text=True)
    assert rows() == 0


def test_no_one_else(client, world):
    _a, _admin, main, officer = world
    for user in (main, officer):
        login(client, user)
        assert client.get("/kelola/emonev/pertanyaan").status_code == 403
        assert client.post(f"/kelola/emonev/pertanyaan/{P}", data=ko_data()).status_code == 403
        client.post("/keluar")
    assert rows() == 0
