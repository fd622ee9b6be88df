"""Small things of issue #17: the favicon, the government's logo slot, and one
``text/csv; charset=utf-8`` on every CSV download."""
from ppid.core import auth
from ppid.extensions import db
from tests.conftest import login, make_agency, make_user


def test_every_page_links_the_favicon_in_the_governments_colour(app, client):
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.svg" type="image/svg+xml">' in html
    icon = client.get("/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.data.startswith(b"<svg") and b'fill="#0b4f8a"' in icon.data
    app.config["BRAND_COLOUR"] = "#6b1d1d"
    try:
        assert b'fill="#6b1d1d"' in client.get("/favicon.svg").data
    finally:
        app.config["BRAND_COLOUR"] = "#0b4f8a"


def test_the_logo_slot_is_empty_by_default_and_shows_a_configured_logo(app, client):
    assert app.config["GOVERNMENT_LOGO"] is None
    assert 'class="brand-logo"' not in client.get("/").get_data(as_text=True)
    app.config["GOVERNMENT_LOGO"] = "img/logo-contoh.svg"
    try:
        html = client.get("/kalender").get_data(as_text=True)
    finally:
        app.config["GOVERNMENT_LOGO"] = None
    assert '<img class="brand-logo" src="/static/img/logo-contoh.svg" alt="">' in html


def test_every_csv_download_says_text_csv_utf8_once(client):
    make_agency(slug="csv-a", name="Badan CSV")
    main = make_user(auth.MAIN, email="utama-csv@uji.go.id")
    db.session.commit()
    login(client, main)
    for url in ("/kelola/kepatuhan?format=csv", "/badan/csv-a/dip.csv",
                "/kelola/register/permohonan.csv", "/kelola/permohonan/ekspor.csv",
                "/kelola/laporan/audit.csv?bagian=peringkat"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert resp.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"], url
        assert resp.data.startswith("\ufeff".encode()), url  # spreadsheets read UTF-8
