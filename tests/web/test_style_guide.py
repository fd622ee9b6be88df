"""The living style guide at /gaya and the government's colours (issue #17)."""
import pytest

from ppid import create_app
from ppid.core import auth
from ppid.extensions import db
from tests.conftest import base_config, login, make_user


def test_style_guide_shows_every_component_in_its_states_to_administrators(app, client):
    admin = make_user(auth.ADMIN, email="admin-gaya@uji.go.id")
    db.session.commit()
    assert client.get("/gaya").status_code in (302, 401)
    login(client, admin)
    html = client.get("/gaya").get_data(as_text=True)
    # Buttons, the field in its empty and failed states, the error summary GOV.UK-style.
    for css in ('class="button"', "button button-secondary", "button button-danger",
                "button button-small", 'class="link-button"'):
        assert css in html, css
    assert 'id="kosong-name-help"' in html and 'aria-describedby="kosong-name-help"' in html
    assert 'aria-describedby="name-help name-error" aria-invalid="true"' in html
    assert 'class="error-summary" role="alert" tabindex="-1" data-error-summary' in html
    assert '<a href="#name">Nama lengkap</a>' in html
    # Notices, status tags, a sticky table in its labelled wrapper, pagination.
    for css in ("flash-success", "flash-warning", "flash-error", "st-terlambat", "st-terkini"):
        assert css in html, css
    assert 'class="table-wrap table-sticky" role="region" aria-label="Contoh tabel" tabindex="0"' in html
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert "Gaya tampilan</a>" in html  # in the Pengaturan menu
    # A folded disclosure, one open, and a choice whose fields follow it (reveal).
    assert '<details class="disclosure">' in html and '<details class="disclosure" open>' in html
    assert "data-reveal-form" in html and "data-reveal-control" in html
    assert 'data-reveal-values="a" hidden' in html and "data-reveal-panel disabled hidden" in html


def test_style_guide_is_not_for_officers(app, client):
    helper = make_user(auth.MAIN, email="utama-gaya@uji.go.id")
    citizen = make_user(auth.CITIZEN, email="warga-gaya@uji.go.id")
    db.session.commit()
    login(client, citizen)
    assert client.get("/gaya").status_code == 403
    assert helper  # (the PPID Utama manages accounts too: see the security matrix)


def test_colours_are_configurable_and_checked(tmp_path, client):
    css = client.get("/tema.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "--brand: #0b4f8a;" in css.get_data(as_text=True)
    assert '/tema.css">' in client.get("/").get_data(as_text=True)
    cfg = base_config(tmp_path, f"sqlite:///{tmp_path / 'c.sqlite3'}")
    app = create_app({**cfg, "BRAND_COLOUR": "#7A1F2B", "GOVERNMENT_LOGO": "img/logo.svg"})
    c = app.test_client()
    assert "--brand: #7a1f2b;" in c.get("/tema.css").get_data(as_text=True)
    with app.app_context():
        db.create_all()
    assert 'class="brand-logo" src="/static/img/logo.svg" alt=""' in c.get(
        "/").get_data(as_text=True)
    for bad in ("#ffff00", "blue", "#12345"):
        with pytest.raises(RuntimeError, match="BRAND_COLOUR"):
            create_app({**cfg, "BRAND_COLOUR": bad})
