"""Public pages a browser or reverse proxy can keep (issue #19, section 2): an anonymous GET
sets no cookie, answers validators (ETag, Last-Modified) and Cache-Control, a conditional
request for an unchanged page is a 304 without rendering, and a change gives fresh content."""
import pytest
from flask import template_rendered

from ppid.agencies.models import Agency
from ppid.core import auth
from ppid.extensions import db
from tests.conftest import login


@pytest.fixture
def renders(app):
    seen = []

    def record(sender, template, context, **extra):
        seen.append(template.name)
    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


def _page_urls(factories):
    agency = factories.agency(name="Dinas Cache Uji", slug="dinas-cache-uji")
    db.session.commit()
    return ["/", f"/badan/{agency.slug}"]


def test_anonymous_public_pages_set_no_cookie_and_send_validators(app, factories):
    for url in _page_urls(factories):
        c = app.test_client()
        resp = c.get(url)
        assert resp.status_code == 200, url
        assert resp.headers.getlist("Set-Cookie") == [], url
        assert resp.headers.get("ETag"), url
        assert resp.headers.get("Last-Modified"), url
        assert resp.headers["Cache-Control"] == "public, no-cache", url
        assert 'name="csrf_token"' not in resp.get_data(as_text=True), url


def test_unchanged_page_answers_304_without_rendering(app, factories, renders):
    for url in _page_urls(factories):
        c = app.test_client()
        first = c.get(url)
        etag = first.headers["ETag"]
        renders.clear()
        again = c.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.get_data() == b""
        assert again.headers["ETag"] == etag
        assert again.headers.getlist("Set-Cookie") == []
        assert renders == [], f"{url} was rendered for a 304: {renders}"
        # A full request of the unchanged page is served without rendering it again.
        full = c.get(url)
        assert full.status_code == 200 and full.get_data() == first.get_data()
        assert renders == []


def test_a_change_gives_fresh_content_and_a_new_etag(app, factories):
    urls = _page_urls(factories)
    c = app.test_client()
    before = {url: c.get(url).headers["ETag"] for url in urls}
    agency = db.session.execute(db.select(Agency).filter_by(slug="dinas-cache-uji")).scalar_one()
    agency.name = "Dinas Cache Berganti"
    db.session.commit()
    for url in urls:
        resp = c.get(url, headers={"If-None-Match": before[url]})
        assert resp.status_code == 200, url
        assert resp.headers["ETag"] != before[url]
        assert "Dinas Cache Berganti" in resp.get_data(as_text=True), url


def test_if_modified_since_answers_304_for_a_settled_page(app, factories):
    import time
    url = _page_urls(factories)[0]
    c = app.test_client()
    time.sleep(2.1)
    first = c.get(url)
    resp = c.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert resp.status_code == 304


def test_language_switch_is_a_plain_get_and_each_language_has_its_etag(app, factories):
    url = _page_urls(factories)[0]
    c = app.test_client()
    indonesian = c.get(url)
    assert 'method="get"' in indonesian.get_data(as_text=True)
    resp = c.get("/bahasa", query_string={"lang": "en", "next": url})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(url)
    english = c.get(url, headers={"If-None-Match": indonesian.headers["ETag"]})
    assert english.status_code == 200
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert english.headers["ETag"] != indonesian.headers["ETag"]
    # The language comes from the reader's cookie: caches must key on it.
    assert "Cookie" in english.headers.get("Vary", "")
    # A foreign target is refused on GET as on POST.
    evil = c.get("/bahasa", query_string={"lang": "en", "next": "//evil.example/"})
    assert evil.headers["Location"].endswith("/")
    assert "evil.example" not in evil.headers["Location"]


def test_signed_in_readers_get_no_shared_copy(app, client, factories):
    urls = _page_urls(factories)
    user = factories.user(auth.CITIZEN)
    db.session.commit()
    login(client, user)
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200
        assert "ETag" not in resp.headers
        assert resp.headers["Cache-Control"] == "private, no-store"
        assert user.name in resp.get_data(as_text=True)


def test_a_page_with_a_form_keeps_its_token_and_is_not_shared(app, factories):
    """The login page needs a CSRF token: it gets one (and the cookie), and is not kept."""
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        c = app.test_client()
        resp = c.get("/masuk")
        assert 'name="csrf_token"' in resp.get_data(as_text=True)
        assert "ETag" not in resp.headers
        assert any(h.startswith("session=") for h in resp.headers.getlist("Set-Cookie"))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_flashed_message_is_not_served_from_the_shared_copy(app, factories):
    url = _page_urls(factories)[0]
    c = app.test_client()
    shared = c.get(url)
    with c.session_transaction() as sess:
        sess["_flashes"] = [("info", "Pesan khusus untuk pembaca ini")]
    own = c.get(url)
    assert "Pesan khusus untuk pembaca ini" in own.get_data(as_text=True)
    assert "ETag" not in own.headers
    assert "Pesan khusus" not in c.get(url).get_data(as_text=True)
    assert c.get(url).headers["ETag"] == shared.headers["ETag"]


def test_a_forged_host_never_reaches_another_readers_copy(app, factories):
    """Pages name their own address (og:url, canonical, share links) from BASE_URL, never
    from the Host header (ppid.core.sharing); each host has its own copy and validator all
    the same."""
    url = _page_urls(factories)[1]
    c = app.test_client()
    forged = c.get(url, headers={"Host": "evil.example"})
    assert forged.status_code == 200
    assert "evil.example" not in forged.get_data(as_text=True)
    honest = c.get(url)
    assert "evil.example" not in honest.get_data(as_text=True)
    assert honest.headers["ETag"] != forged.headers["ETag"]
