"""A list's filter given a value it cannot use (issue #17): the page, with the message next
to that filter (aria-invalid, aria-describedby), not a bare error page; the officers' queue
and the public register filter agencies the same way, by slug."""
import re

from ppid.core import auth
from ppid.extensions import db
from tests.conftest import login, make_agency, make_user
from tests.web.test_requests_web import api_data


def _field(html, field_id):
    m = re.search(rf'<div class="field[^"]*">\s*<label for="{field_id}">.*?</div>', html, re.S)
    assert m, field_id
    return m.group(0)


def _world():
    utama = make_agency(slug="utama-f", name="PPID Utama Filter", kind="utama")
    dinkes = make_agency(slug="dinkes", name="Dinas Kesehatan Filter", parent_id=utama.id)
    other = make_agency(slug="dishub", name="Dinas Perhubungan Filter", parent_id=utama.id)
    db.session.commit()
    return utama, dinkes, other


def test_public_register_keeps_the_page_and_says_what_is_wrong_with_the_year(client):
    _world()
    resp = client.get("/permohonan/register?tahun=abc")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "<h1>Register permohonan informasi publik</h1>" in html  # the page, not an error page
    field = _field(html, "f-tahun")
    assert 'class="field has-error"' in field
    assert 'aria-invalid="true" aria-describedby="f-tahun-error"' in field
    assert re.search(r'<p class="error" id="f-tahun-error">Tahun harus angka antara', field)
    assert 'value="abc"' in field  # what was typed stays, to correct it
    assert client.get("/permohonan/register?tahun=2026").status_code == 200


def test_public_register_and_queue_filter_agencies_by_slug(client):
    _, dinkes, other = _world()
    client.post("/api/v1/requests", json=api_data(agency="dinkes"))
    client.post("/api/v1/requests", json=api_data(agency="dishub"))
    public = client.get("/permohonan/register?badan=dinkes").get_data(as_text=True)
    assert '<option value="dinkes" selected>' in public
    assert "Dinas Perhubungan Filter</a>" not in public.split("<tbody>")[1]
    wrong = client.get("/permohonan/register?badan=tidak-ada")
    assert wrong.status_code == 400
    assert 'id="f-badan-error">Pilihan badan publik tidak valid' in wrong.get_data(as_text=True)

    main = make_user(auth.MAIN, email="utama-filter@uji.go.id")
    db.session.commit()
    login(client, main)
    queue = client.get("/kelola/permohonan?badan=dinkes").get_data(as_text=True)
    assert '<option value="dinkes" selected>' in queue  # the same value as the register
    body = queue.split("<tbody>")[1].split("</tbody>")[0]
    assert "Dinas Kesehatan Filter" in body and "Dinas Perhubungan Filter" not in body
    bad = client.get("/kelola/permohonan?badan=abc")
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "<h1>Antrean permohonan</h1>" in html
    assert 'aria-describedby="f-badan-error"' in _field(html, "f-badan")


def test_helper_cannot_filter_the_queue_to_another_agency(client):
    _, dinkes, other = _world()
    helper = make_user(auth.HELPER, agency=dinkes, email="pembantu-filter@uji.go.id")
    db.session.commit()
    login(client, helper)
    resp = client.get(f"/kelola/permohonan?badan={other.slug}")
    assert resp.status_code == 400
    assert 'id="f-badan-error">Pilihan badan publik tidak valid' in resp.get_data(as_text=True)


def test_reports_page_with_a_bad_year_shows_the_message_next_to_the_year(client):
    _world()
    main = make_user(auth.MAIN, email="utama-laporan@uji.go.id")
    db.session.commit()
    login(client, main)
    for value in ("abc", "1999", "3000", "２０２５"):
        resp = client.get(f"/kelola/laporan?tahun={value}")
        assert resp.status_code == 400, value
        html = resp.get_data(as_text=True)
        assert "<h1>Laporan</h1>" in html  # the page itself
        field = _field(html, "tahun")
        assert 'aria-invalid="true" aria-describedby="tahun-error"' in field
        assert 'id="tahun-error">Tahun laporan harus antara 2000 dan' in field
    assert client.get("/kelola/laporan?tahun=2025").status_code == 200
