"""The web face: language, errors, security headers, cookies, CSRF, agencies, calendar."""
from datetime import date

import sqlalchemy as sa

from ppid.agencies.models import Agency
from ppid.core import auth
from ppid.core.models import AuditEvent
from ppid.extensions import db
from tests.conftest import login


def test_home_is_indonesian_and_english_is_available(client, factories):
    factories.agency(name="Dinas Kesehatan")
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="id">' in html and "Daftar PPID" in html
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "List of PPIDs" in html


def test_error_pages_are_indonesian(client):
    resp = client.get("/tidak-ada")
    assert resp.status_code == 404
    assert "Halaman tidak ditemukan" in resp.get_data(as_text=True)


def test_csrf_failure_page(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = client.post("/masuk", data={"email": "a@b.id", "password": "x"})
        assert resp.status_code == 400
        assert "token CSRF" in resp.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_security_headers(client):
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_flags(client, factories, app):
    user = factories.user(auth.CITIZEN)
    db.session.commit()
    resp = login(client, user)
    cookie = next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_insecure_secret_key(tmp_path):
    import pytest

    from ppid import create_app
    with pytest.raises(RuntimeError, match="PPID_SECRET_KEY"):
        create_app({"ENV": "production", "SECRET_KEY": "dev-insecure-change-me",
                    "DATA_DIR": str(tmp_path)})
    app = create_app({"ENV": "production", "SECRET_KEY": "k" * 40, "AUDIT_KEY_ID": "k1",
                      "AUDIT_KEY": "a" * 40, "DATA_DIR": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] and not app.debug


def _main_officer(client, factories):
    user = factories.user(auth.MAIN)
    db.session.commit()
    login(client, user)
    return user


def test_create_and_edit_agency_is_audited(client, factories):
    _main_officer(client, factories)
    resp = client.post("/kelola/badan-publik/baru", data={
        "name": "Dinas Perhubungan", "slug": "dishub", "kind": "pembantu", "parent_id": "0",
        "is_active": "y"})
    assert resp.status_code == 302
    agency = db.session.execute(sa.select(Agency).where(Agency.slug == "dishub")).scalar_one()
    resp = client.post("/kelola/badan-publik/dishub/ubah", data={
        "name": "Dinas Perhubungan Provinsi", "slug": "dishub", "kind": "pembantu",
        "parent_id": "0", "is_active": "y"})
    assert resp.status_code == 302
    actions = db.session.execute(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "Agency", AuditEvent.object_id == str(agency.id))).scalars().all()
    assert actions == ["agency.create", "agency.update"]


def test_agency_bad_input_gets_specific_messages(client, factories):
    _main_officer(client, factories)
    factories.agency(slug="dinkes")
    db.session.commit()
    resp = client.post("/kelola/badan-publik/baru", data={
        "name": "D" * 201, "slug": "Bukan Slug!", "kind": "pembantu", "parent_id": "0",
        "website": "bukan-url"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Paling banyak 200 karakter." in html
    assert "Gunakan huruf kecil, angka dan tanda hubung" in html
    assert "Alamat situs tidak valid" in html
    resp = client.post("/kelola/badan-publik/baru", data={
        "name": "Dinas Lain", "slug": "dinkes", "kind": "pembantu", "parent_id": "0"})
    assert resp.status_code == 422 and "sudah dipakai" in resp.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Agency)).scalar_one() == 1


def test_only_one_ppid_utama(client, factories):
    _main_officer(client, factories)
    factories.agency(slug="diskominfo", kind="utama")
    db.session.commit()
    resp = client.post("/kelola/badan-publik/baru", data={
        "name": "PPID Utama Kedua", "slug": "kedua", "kind": "utama", "parent_id": "0"})
    assert resp.status_code == 422 and "Sudah ada PPID Utama" in resp.get_data(as_text=True)


def test_deactivated_agency_disappears_from_home_but_is_kept(client, factories):
    _main_officer(client, factories)
    factories.agency(slug="lama", name="Dinas Lama")
    db.session.commit()
    assert client.post("/kelola/badan-publik/lama/status").status_code == 302
    client.get("/")  # the flash message naming the agency is shown once
    assert "Dinas Lama" not in client.get("/").get_data(as_text=True)
    assert db.session.execute(sa.select(Agency).where(Agency.slug == "lama")).scalar_one()


def test_calendar_entry_changes_deadlines_and_signals(client, factories):
    from ppid.core.services import calendar_changed
    _main_officer(client, factories)
    seen = []

    def receiver(sender, **kw):
        seen.append(kw["days"])
    calendar_changed.connect(receiver)
    try:
        api = "/api/v1/deadline?from=2026-11-23&working_days=10"
        assert client.get(api).json["due_on"] == "2026-12-07"
        resp = client.post("/kalender", data={"day_on": "2026-12-01", "reason": "Hari jadi Kota"})
        assert resp.status_code == 302
        body = client.get(api).json
        assert body["due_on"] == "2026-12-08"
        assert {"date": "2026-12-01", "reason": "Hari jadi Kota"} in body["skipped"]
        assert seen == [[date(2026, 12, 1)]]
        page = client.get("/kalender?year=2026").get_data(as_text=True)
        assert "Hari jadi Kota" in page
    finally:
        calendar_changed.disconnect(receiver)


def test_calendar_page_calculator_shows_its_working(client):
    html = client.get("/kalender?start=2026-03-16&working_days=10").get_data(as_text=True)
    assert "Hari Suci Nyepi" in html and "7 April 2026" in html
    resp = client.get("/kalender?start=kemarin&working_days=10")
    assert resp.status_code == 200 and "Isi tanggal yang valid" in resp.get_data(as_text=True)


def test_unexpected_error_is_an_indonesian_500_page(tmp_path):
    from ppid import create_app
    from tests.conftest import base_config
    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite3'}"))
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/uji-galat")
    def boom():
        raise RuntimeError("rahasia internal")
    resp = app.test_client().get("/uji-galat")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 500
    assert "Terjadi kesalahan pada sistem" in html and "rahasia internal" not in html
