"""The main navigation (issue #17): grouped menus built from the features' hooks, that work
without JavaScript (<details>), with one nav landmark and the page shown marked."""
import re

import pytest

from ppid.core import auth
from ppid.core.hooks import NAV_GROUP_KEYS, hooks
from ppid.extensions import db
from tests.conftest import login, make_agency, make_user


def _nav(html):
    found = re.findall(r'<nav class="site-nav"[^>]*>(.*?)</nav>', html, re.S)
    assert len(found) == 1, "exactly one main navigation"
    return found[0]


def _top_level(nav):
    """The header's entries: direct links and group summaries, in order."""
    out = []
    nav = re.sub(r'<ul class="nav-sub">.*?</ul>', "", nav, flags=re.S)
    for m in re.finditer(r'<li( class="nav-group[^"]*")?>\s*(?:<details class="nav-menu">\s*'
                         r'<summary>([^<]+)|<a href="([^"]+)"[^>]*>([^<]+)</a>)', nav):
        out.append(("group", m.group(2).strip()) if m.group(2) else ("link", m.group(4).strip()))
    return out


def test_every_nav_link_has_a_known_group_or_none(app):
    h = hooks(app)
    assert set(h.nav_groups.values()) <= set(NAV_GROUP_KEYS)
    assert set(h.nav_groups) <= {e for _l, e, _p in h.nav}
    with pytest.raises(ValueError):
        h.add_nav("Salah", "core.privacy_x", group="tidak-ada")


def test_add_nav_stays_backwards_compatible(app):
    h = hooks(app)
    h.add_nav("Tanpa grup", "core.set_language")  # the old three-argument call
    assert ("Tanpa grup", "core.set_language", None) in h.nav
    assert "core.set_language" not in h.nav_groups
    h.nav.remove(("Tanpa grup", "core.set_language", None))


def test_main_officer_header_is_grouped(app, client):
    user = make_user(auth.MAIN, email="utama-nav@uji.go.id")
    db.session.commit()
    login(client, user)
    html = client.get("/kelola/permohonan").get_data(as_text=True)
    nav = _nav(html)
    top = _top_level(nav)
    groups = [label for kind, label in top if kind == "group"]
    assert groups == ["Layanan", "Informasi", "Laporan", "Pengaturan"]
    assert len(top) <= 9, top  # was 16 links on two lines
    # Every link of the features is still there, inside its menu.
    for label in ("Antrean permohonan", "Keberatan", "Sengketa", "Register PPID", "E-Monev",
                  "Meja publikasi", "Matriks kepatuhan", "Kepatuhan", "Katalog kewajiban",
                  "Kelola badan publik", "Kelola pengguna", "Kalender hari kerja", "Dasbor"):
        assert f">{label}</a>" in nav, label
    # The page shown is marked, once, and its group says it holds it.
    assert nav.count('aria-current="page"') == 1
    assert re.search(r'<a href="/kelola/permohonan" aria-current="page">Antrean permohonan</a>',
                     nav)
    assert re.search(r'class="nav-group nav-group-current">\s*<details class="nav-menu">\s*'
                     r'<summary>Layanan', nav)
    # Menus open without JavaScript: <details>, closed by default.
    assert "<details class=\"nav-menu\">" in nav and "open" not in nav


def test_anonymous_visitor_sees_the_public_links_and_no_officer_menu(client):
    nav = _nav(client.get("/").get_data(as_text=True))
    top = _top_level(nav)
    labels = [label for _k, label in top]
    assert "Laporan" not in labels and "Pengaturan" not in labels
    # A group with one link for this visitor is that link, not a menu of one.
    assert ("link", "Register permohonan") in top
    assert ("link", "Ajukan permohonan") in top
    assert ("group", "Informasi") in top
    assert "Antrean permohonan" not in nav and "Kelola pengguna" not in nav
    assert 'href="/" aria-current="page"' in nav


def test_a_page_under_a_nav_link_marks_that_link(app, client):
    agency = make_agency()
    user = make_user(auth.HELPER, agency=agency, email="pembantu-nav@uji.go.id")
    db.session.commit()
    login(client, user)
    nav = _nav(client.get("/kelola/permohonan/baru").get_data(as_text=True))
    assert 'href="/kelola/permohonan" class="nav-section"' in nav
    assert 'aria-current="page"' not in nav.split("Antrean permohonan")[0].rsplit("<li", 1)[-1]


def test_navigation_in_english(app, client):
    user = make_user(auth.MAIN, email="utama-en@uji.go.id")
    db.session.commit()
    login(client, user)
    client.get("/bahasa?lang=en&next=/")
    nav = _nav(client.get("/").get_data(as_text=True))
    groups = [label for kind, label in _top_level(nav) if kind == "group"]
    assert len(groups) == 4 and "Layanan" not in groups
