"""The publication desk through the web (issue #19, section 1): CSRF, bad input answered
with messages (never a 500), a humas who cannot publish, anonymous readers who see only
what is public, a scheduled item hidden before its time and shown after it without any
write, checked uploads (a fake image refused, alt text required), sanitised bodies, valid
Atom and JSON Feed, Open Graph metadata and share links, search."""
import io
import json
import time
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage

from ppid.core import auth
from ppid.core.db import utcnow
from ppid.core.services import timezone as local_tz
from ppid.extensions import db
from ppid.publications import services
from ppid.publications.models import Publication, PublicationPhoto
from ppid.publications.rules import PublicationState as S
from tests.conftest import TEST_PASSWORD, csrf_token_from, make_agency, make_user
from tests.security import table_counts

ATOM = "{http://www.w3.org/2005/Atom}"
EVIL_BODY = ("Warga diminta tenang.\n\n<script>alert('xss')</script>\n\n"
             "[klik](javascript:alert(1)) <img src=x onerror=alert(2)> "
             "<a href=\"javascript:alert(3)\">a</a>")


def _client(app, email=None):
    c = app.test_client()
    if email:
        resp = c.post("/masuk", data={"email": email, "password": TEST_PASSWORD})
        assert resp.status_code == 302, email
    return c


@pytest.fixture
def w(app):
    """Two agencies, their humas, a helper officer and the PPID Utama (requests are made
    with no application context pushed, so that clients do not share a login)."""
    with app.app_context():
        a = make_agency(slug="dinkes-uji", name="Dinas Kesehatan Uji")
        b = make_agency(slug="disdik-uji", name="Dinas Pendidikan Uji")
        users = {"humas_a": make_user(auth.HUMAS, a), "humas_b": make_user(auth.HUMAS, b),
                 "helper_a": make_user(auth.HELPER, a), "main": make_user(auth.MAIN)}
        db.session.commit()
        out = SimpleNamespace(a=a.slug, b=b.slug, a_id=a.id, b_id=b.id,
                              emails={k: u.email for k, u in users.items()},
                              ids={k: u.id for k, u in users.items()})
        db.session.remove()
    return out


def _make(app, w, *, title="Berita uji", state="draft", body="Isi berita.", at=None,
          summary="Ringkasan berita.", agency="a", photo=False):
    """A publication in ``state`` through the services (the steps the desk would take)."""
    from ppid.accounts.models import User
    from ppid.agencies.models import Agency
    with app.app_context():
        agency_row = db.session.get(Agency, w.a_id if agency == "a" else w.b_id)
        humas = db.session.get(User, w.ids["humas_a" if agency == "a" else "humas_b"])
        main = db.session.get(User, w.ids["main"])
        pub = services.create_draft(agency_row, {"title": title, "summary": summary,
                                                 "body": body, "tags": "uji, kesehatan"},
                                    actor=humas)
        if photo:
            services.add_photo(pub, services.prepare_photo(_image()), "Petugas dan warga",
                               actor=humas)
        if state != "draft":
            services.submit(pub, actor=humas)
        if state == "returned":
            services.return_to_agency(pub, "Perbaiki judul.", actor=main)
        elif state == "published":
            services.publish(pub, actor=main)
        elif state == "scheduled":
            services.schedule(pub, at, actor=main)
        elif state == "withdrawn":
            services.publish(pub, actor=main)
            services.withdraw(pub, "Keliru.", actor=main)
        db.session.commit()
        pub_id = pub.id
        db.session.remove()
    return pub_id


def _image(name="foto.jpg", fmt="JPEG", size=(900, 600), exif=False):
    img = Image.new("RGB", size, (200, 60, 40))
    out = io.BytesIO()
    kwargs = {}
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "KameraUji"  # Make
        ex[0x8825] = {1: "S", 2: (0.0, 1.0, 2.0)}  # GPSInfo: a latitude
        kwargs["exif"] = ex.tobytes()
    img.save(out, fmt, **kwargs)
    return FileStorage(io.BytesIO(out.getvalue()), filename=name)


def _state(app, pub_id):
    with app.app_context():
        state = db.session.get(Publication, pub_id).state
        db.session.remove()
    return state


# --- rights and forms --------------------------------------------------------------------

def test_humas_drafts_and_submits_but_cannot_publish(app, w):
    humas = _client(app, w.emails["humas_a"])
    resp = humas.post(f"/kelola/badan/{w.a}/publikasi/baru", data={
        "title": "Posko kesehatan mudik", "summary": "Tiga posko buka 24 jam.",
        "body": "Isi **berita**.", "tags": "mudik, kesehatan", "dip_item_id": "0",
        "obligation_id": "0", "wished_at": ""})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    with app.app_context():
        pub_id = db.session.execute(sa.select(Publication.id)).scalar_one()
        db.session.remove()
    assert humas.post(f"/kelola/publikasi/{pub_id}/ajukan").status_code == 302
    assert _state(app, pub_id) == S.SUBMITTED
    for url in ("terbitkan", "jadwalkan", "kembalikan", "tarik"):
        resp = humas.post(f"/kelola/publikasi/{pub_id}/{url}",
                          data={"comment": "x", "reason": "x", "at": "2030-01-01T10:00"})
        assert resp.status_code == 403, url
    assert humas.get("/kelola/meja-publikasi").status_code == 403
    # Submitted: no longer theirs to change.
    assert humas.post(f"/kelola/publikasi/{pub_id}/ubah", data={
        "title": "Diubah", "summary": "x", "body": "x"}).status_code == 403
    assert _state(app, pub_id) == S.SUBMITTED
    main = _client(app, w.emails["main"])
    assert "Posko kesehatan mudik" in main.get("/kelola/meja-publikasi").get_data(as_text=True)
    assert main.post(f"/kelola/publikasi/{pub_id}/terbitkan").status_code == 302
    assert _state(app, pub_id) == S.PUBLISHED


def test_another_agencys_humas_never_sees_or_edits_a_draft(app, w):
    pub_id = _make(app, w, title="Draf rahasia Dinas A")
    other = _client(app, w.emails["humas_b"])
    before = table_counts(app)
    for url in (f"/kelola/publikasi/{pub_id}", f"/kelola/publikasi/{pub_id}/ubah"):
        assert other.get(url).status_code == 403, url
    assert other.get(f"/berita/{pub_id}").status_code == 404
    for url in ("ubah", "ajukan", "foto", "lampiran"):
        assert other.post(f"/kelola/publikasi/{pub_id}/{url}",
                          data={"title": "x", "summary": "x", "body": "x",
                                "alt_text": "x"}).status_code == 403, url
    assert other.get(f"/kelola/badan/{w.a}/publikasi/baru").status_code == 403
    assert "Draf rahasia" not in other.get("/kelola/publikasi").get_data(as_text=True)
    assert table_counts(app) == before
    # Its own helper officer may work on it.
    assert _client(app, w.emails["helper_a"]).get(
        f"/kelola/publikasi/{pub_id}").status_code == 200


def test_csrf_is_required_and_the_pages_token_works(app, w):
    pub_id = _make(app, w)
    humas = _client(app, w.emails["humas_a"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = humas.post(f"/kelola/publikasi/{pub_id}/ajukan")
        assert resp.status_code == 400 and "CSRF" in resp.get_data(as_text=True)
        assert _state(app, pub_id) == S.DRAFT
        token = csrf_token_from(humas.get(f"/kelola/publikasi/{pub_id}").get_data(as_text=True))
        assert token
        resp = humas.post(f"/kelola/publikasi/{pub_id}/ajukan", data={"csrf_token": token})
        assert resp.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _state(app, pub_id) == S.SUBMITTED


@pytest.mark.parametrize("data, message", [
    ({"title": "", "summary": "x", "body": "x"}, "Wajib diisi."),
    ({"title": "x" * 201, "summary": "x", "body": "x"}, "Paling banyak 200 karakter."),
    ({"title": "x", "summary": "x", "body": "x", "tags": ",".join(f"t{i}" for i in range(11))},
     "Paling banyak 10 tag."),
    ({"title": "x", "summary": "x", "body": "x", "wished_at": "besok pagi"},
     "Isi tanggal dan waktu yang valid."),
    ({"title": "x", "summary": "x", "body": "x", "wished_at": "9999-01-01T10:00"},
     "Tanggal harus antara"),
    ({"title": "x", "summary": "x", "body": "x", "dip_item_id": "999999"}, "Pilihan tidak valid"),
    ({"title": "x\x00y", "summary": "x", "body": "x"}, "karakter yang tidak diizinkan"),
])
def test_bad_input_gives_messages_not_500s(app, w, data, message):
    humas = _client(app, w.emails["humas_a"])
    resp = humas.post(f"/kelola/badan/{w.a}/publikasi/baru",
                      data={"dip_item_id": "0", "obligation_id": "0", **data})
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Publication)
                                  ).scalar_one() == 0
        db.session.remove()


@pytest.mark.parametrize("at, message", [
    ("", "Isi tanggal dan waktu terbit."),
    ("kemarin", "Isi tanggal dan waktu yang valid."),
    ("2020-01-01T10:00", "Waktu terbit harus di masa depan"),
])
def test_bad_schedule_gives_a_message(app, w, at, message):
    pub_id = _make(app, w, state="submitted")
    main = _client(app, w.emails["main"])
    resp = main.post(f"/kelola/publikasi/{pub_id}/jadwalkan", data={"at": at})
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert _state(app, pub_id) == S.SUBMITTED


def test_return_needs_comments_and_shows_them_to_the_agency(app, w):
    pub_id = _make(app, w, state="submitted")
    main = _client(app, w.emails["main"])
    resp = main.post(f"/kelola/publikasi/{pub_id}/kembalikan", data={"comment": "  "})
    assert resp.status_code == 422 and "Wajib diisi." in resp.get_data(as_text=True)
    assert main.post(f"/kelola/publikasi/{pub_id}/kembalikan",
                     data={"comment": "Tambahkan foto kegiatan."}).status_code == 302
    page = _client(app, w.emails["humas_a"]).get(f"/kelola/publikasi/{pub_id}")
    html = page.get_data(as_text=True)
    assert "Tambahkan foto kegiatan." in html and "Dikembalikan dengan catatan" in html


# --- what anonymous readers see ----------------------------------------------------------

def test_anonymous_sees_only_published_items(app, w):
    ids = {state: _make(app, w, title=f"Judul {state}", state=state,
                        at=utcnow() + timedelta(days=1))
           for state in ("draft", "submitted", "returned", "scheduled", "published",
                         "withdrawn")}
    anon = app.test_client()
    pages = "".join(anon.get(u).get_data(as_text=True) for u in (
        "/berita", "/", f"/badan/{w.a}", "/berita.atom", "/berita.json",
        f"/badan/{w.a}/berita.atom", f"/badan/{w.a}/berita.json", f"/berita?badan={w.a}"))
    assert "Judul published" in pages
    for state, pub_id in ids.items():
        status = anon.get(f"/berita/{pub_id}").status_code
        if state == "published":
            assert status == 200
        else:
            assert status == 404, state
            assert f"Judul {state}" not in pages, state


def test_a_scheduled_item_appears_at_its_time_without_a_write(app, w):
    at = utcnow() + timedelta(seconds=2)
    pub_id = _make(app, w, title="Pengumuman terjadwal", state="scheduled", at=at)
    anon = app.test_client()
    first = anon.get("/berita")
    assert "Pengumuman terjadwal" not in first.get_data(as_text=True)
    assert anon.get(f"/berita/{pub_id}").status_code == 404
    home = anon.get("/")
    before = table_counts(app)
    time.sleep(max(0.0, (at - utcnow()).total_seconds()) + 0.2)
    # The kept copies and validators of before its moment are not served after it.
    again = anon.get("/berita", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert "Pengumuman terjadwal" in again.get_data(as_text=True)
    assert anon.get(f"/berita/{pub_id}").status_code == 200
    assert "Pengumuman terjadwal" in anon.get("/").get_data(as_text=True)
    assert anon.get("/", headers={"If-None-Match": home.headers["ETag"]}).status_code == 200
    assert "Pengumuman terjadwal" in anon.get("/berita.atom").get_data(as_text=True)
    assert table_counts(app) == before  # reading wrote nothing
    assert _state(app, pub_id) == S.SCHEDULED  # until the job runner records it


def test_news_page_is_paged_and_filtered(app, w):
    for i in range(12):
        _make(app, w, title=f"Berita nomor {i:02d}", state="published",
              agency="a" if i % 2 else "b")
    anon = app.test_client()
    p1 = anon.get("/berita").get_data(as_text=True)
    p2 = anon.get("/berita?page=2").get_data(as_text=True)
    assert p1.count("Berita nomor") == 10 and p2.count("Berita nomor") == 2
    assert "Berita nomor 11" in p1 and "Berita nomor 00" in p2  # newest first
    only_a = anon.get(f"/berita?badan={w.a}").get_data(as_text=True)
    assert only_a.count("Berita nomor") == 6
    unknown = anon.get("/berita?badan=tidak-ada")  # the page, the message by the filter
    assert unknown.status_code == 400
    assert 'id="f-badan-error">Pilihan badan publik tidak valid' in unknown.get_data(
        as_text=True)
    assert anon.get("/berita?page=abc").status_code in (200, 400)
    assert anon.get("/berita?tag=kesehatan").get_data(as_text=True).count("Berita nomor") == 10
    assert "Berita nomor" not in anon.get("/berita?tag=lain").get_data(as_text=True)


# --- uploads -----------------------------------------------------------------------------

def _photo_count(app):
    with app.app_context():
        n = db.session.execute(sa.select(sa.func.count()).select_from(PublicationPhoto)
                               ).scalar_one()
        db.session.remove()
    return n


@pytest.mark.parametrize("upload, message", [
    (lambda: FileStorage(io.BytesIO(b"ini bukan gambar, hanya teks"), filename="foto.jpg"),
     "tidak diterima"),
    (lambda: FileStorage(io.BytesIO(b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"rusak" * 50),
                         filename="foto.jpg"), "tidak dapat dibaca sebagai gambar"),
    (lambda: FileStorage(io.BytesIO(b"<svg onload=alert(1)></svg>"), filename="foto.svg"),
     "tidak diterima"),
    (lambda: FileStorage(io.BytesIO(b"%PDF-1.4 bukan foto"), filename="foto.jpg"),
     "tidak diterima"),
    (lambda: _image(name="foto.png"), "tidak sesuai dengan ekstensi"),
])
def test_a_fake_image_is_refused(app, w, upload, message):
    pub_id = _make(app, w)
    humas = _client(app, w.emails["humas_a"])
    resp = humas.post(f"/kelola/publikasi/{pub_id}/foto",
                      data={"photo": upload(), "alt_text": "Foto kegiatan"},
                      content_type="multipart/form-data")
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert _photo_count(app) == 0


def test_alt_text_is_required(app, w):
    pub_id = _make(app, w)
    humas = _client(app, w.emails["humas_a"])
    resp = humas.post(f"/kelola/publikasi/{pub_id}/foto",
                      data={"photo": _image(), "alt_text": "   "},
                      content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "Tulis teks alternatif" in resp.get_data(as_text=True)
    assert _photo_count(app) == 0


def test_a_photo_is_reencoded_with_a_thumbnail_and_no_metadata(app, w):
    pub_id = _make(app, w)
    humas = _client(app, w.emails["humas_a"])
    resp = humas.post(f"/kelola/publikasi/{pub_id}/foto",
                      data={"photo": _image(size=(2400, 1600), exif=True),
                            "alt_text": "Petugas menimbang balita"},
                      content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    with app.app_context():
        photo = db.session.execute(sa.select(PublicationPhoto)).scalar_one()
        photo_id, size = photo.id, (photo.width, photo.height)
        db.session.remove()
    assert size == (1600, 1067)
    big = humas.get(f"/berita/{pub_id}/foto/{photo_id}")
    thumb = humas.get(f"/berita/{pub_id}/foto/{photo_id}/kecil")
    assert big.status_code == thumb.status_code == 200
    assert big.mimetype == "image/jpeg" and len(thumb.data) < len(big.data)
    for data in (big.data, thumb.data):
        img = Image.open(io.BytesIO(data))
        assert max(img.size) <= 1600
        assert not img.getexif(), "EXIF (camera, GPS position) must not be published"
        assert b"KameraUji" not in data
    assert max(Image.open(io.BytesIO(thumb.data)).size) == services.THUMB_LONG_SIDE
    # Not public yet: the photo of a draft is not served to anonymous readers.
    assert app.test_client().get(f"/berita/{pub_id}/foto/{photo_id}").status_code == 404


def test_attachments_are_checked(app, w):
    pub_id = _make(app, w)
    humas = _client(app, w.emails["humas_a"])
    resp = humas.post(f"/kelola/publikasi/{pub_id}/lampiran", data={"attachment": FileStorage(
        io.BytesIO(b"MZ\x90\x00program"), filename="jadwal.pdf")},
        content_type="multipart/form-data")
    assert resp.status_code == 422 and "tidak diterima" in resp.get_data(as_text=True)
    resp = humas.post(f"/kelola/publikasi/{pub_id}/lampiran", data={"attachment": FileStorage(
        io.BytesIO(b"Jadwal imunisasi;Senin\n"), filename="jadwal.csv")},
        content_type="multipart/form-data")
    assert resp.status_code == 302
    assert "jadwal.csv" in humas.get(f"/kelola/publikasi/{pub_id}").get_data(as_text=True)


# --- the page itself -------------------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.tags, self.attrs, self.metas = [], [], {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)
        d = dict(attrs)
        if tag == "meta" and "content" in d:
            self.metas[d.get("property") or d.get("name")] = d["content"]


def test_a_script_in_the_body_never_reaches_the_page_or_the_feeds(app, w):
    pub_id = _make(app, w, title="Berita berbahaya", body=EVIL_BODY, state="published")
    anon = app.test_client()
    html = anon.get(f"/berita/{pub_id}").get_data(as_text=True)
    assert "Warga diminta tenang." in html
    body = html.split('class="pub-body">', 1)[1].split("</div>", 1)[0]
    parsed = _Tags(body)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not any(n.startswith("on") for n, _v in parsed.attrs)
    assert not any(v and "javascript:" in v.lower() for _n, v in parsed.attrs)
    assert "<script>alert" not in html
    feed = json.loads(anon.get("/berita.json").get_data(as_text=True))
    content = feed["items"][0]["content_html"]
    for content in (content, ET.fromstring(anon.get("/berita.atom").data).find(
            f"{ATOM}entry/{ATOM}content").text):
        parsed = _Tags(content)  # (typed HTML stays text, inert)
        assert "Warga diminta tenang." in content
        assert "script" not in parsed.tags and "img" not in parsed.tags
        assert not any(n.startswith("on") for n, _v in parsed.attrs)
        assert not any(v and "javascript:" in v.lower() for _n, v in parsed.attrs)


def test_open_graph_twitter_card_and_share_links(app, w):
    pub_id = _make(app, w, title="Imunisasi & gizi", state="published", photo=True)
    html = app.test_client().get(f"/berita/{pub_id}").get_data(as_text=True)
    page = _Tags(html)
    m = page.metas
    assert m["og:title"] == "Imunisasi & gizi" and m["og:type"] == "article"
    assert m["og:url"].startswith("http://localhost/berita/")
    assert m["og:description"] == "Ringkasan berita."
    assert m["og:image"].startswith("http://localhost/berita/") and m["og:image:alt"]
    assert m["twitter:card"] == "summary_large_image"
    assert m["twitter:title"] == "Imunisasi & gizi"
    assert "article:published_time" in m
    hrefs = [v for n, v in page.attrs if n == "href"]
    for prefix in ("https://wa.me/?text=", "https://www.facebook.com/sharer/sharer.php?u=",
                   "https://x.com/intent/post?", "https://t.me/share/url?url="):
        assert any(h.startswith(prefix) for h in hrefs), prefix
    # Plain links: no script of any network on the page.
    srcs = [v for n, v in page.attrs if n == "src"]
    assert not any("facebook" in s or "twitter" in s or "x.com" in s for s in srcs)
    # (the one script is the registry's own progressive enhancement, from its own origin)
    assert page.tags.count("script") == 1
    assert [s for s in srcs if s.endswith(".js")] == ["/static/js/ppid.js"]


def test_feeds_are_valid_atom_and_json_feed(app, w):
    first = _make(app, w, title="Berita pertama", state="published")
    second = _make(app, w, title="Berita kedua", state="published", agency="b", photo=True)
    _make(app, w, title="Masih draf")
    anon = app.test_client()
    resp = anon.get("/berita.atom")
    assert resp.mimetype == "application/atom+xml"
    root = ET.fromstring(resp.data)
    assert root.tag == f"{ATOM}feed"
    for name in ("title", "id", "updated"):
        assert root.find(f"{ATOM}{name}").text
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Berita kedua", "Berita pertama"]
    for e in entries:
        for name in ("id", "updated", "published", "summary"):
            assert e.find(f"{ATOM}{name}").text, name
        assert e.find(f"{ATOM}author/{ATOM}name").text
        assert e.find(f"{ATOM}link").get("href").startswith("http://localhost/berita/")
    resp = anon.get("/berita.json")
    assert resp.mimetype == "application/feed+json"
    feed = json.loads(resp.data)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] and feed["feed_url"].endswith("/berita.json")
    assert [i["title"] for i in feed["items"]] == ["Berita kedua", "Berita pertama"]
    for item in feed["items"]:
        assert item["id"] and item["url"].startswith("http://localhost/berita/")
        assert item["date_published"].endswith("+00:00") and item["content_html"]
    assert feed["items"][0]["image"].startswith("http://localhost/berita/")
    assert "kesehatan" in feed["items"][0]["tags"]
    agency_feed = json.loads(anon.get(f"/badan/{w.a}/berita.json").data)
    assert [i["title"] for i in agency_feed["items"]] == ["Berita pertama"]
    agency_atom = ET.fromstring(anon.get(f"/badan/{w.b}/berita.atom").data)
    assert [e.find(f"{ATOM}title").text for e in agency_atom.findall(f"{ATOM}entry")] == [
        "Berita kedua"]
    assert first != second


def _drain(app):
    """Apply the search queue, as the job worker does (a search never applies it)."""
    from ppid.search.indexing import drain
    with app.app_context():
        drain()
        db.session.remove()


def test_published_items_are_found_by_search(app, w):
    from ppid.search import backend
    with app.app_context():
        backend.get(app).clear(app)
    pub_id = _make(app, w, title="Fogging demam berdarah kelurahan", state="submitted",
                   body="Penyemprotan zzkelambuuji di tiga kelurahan.")
    anon = app.test_client()
    assert anon.get("/api/v1/search?q=zzkelambuuji").get_json()["total"] == 0
    main = _client(app, w.emails["main"])
    assert main.post(f"/kelola/publikasi/{pub_id}/terbitkan").status_code == 302
    _drain(app)
    data = anon.get("/api/v1/search?q=zzkelambuuji").get_json()
    assert data["total"] == 1
    assert data["items"][0]["url"].endswith(f"/berita/{pub_id}/fogging-demam-berdarah-kelurahan")
    assert main.post(f"/kelola/publikasi/{pub_id}/tarik", data={"reason": "Keliru"}
                     ).status_code == 302
    _drain(app)
    assert anon.get("/api/v1/search?q=zzkelambuuji").get_json()["total"] == 0
    with app.app_context():
        backend.get(app).clear(app)


def test_schedule_through_the_desk_takes_local_time(app, w):
    pub_id = _make(app, w, state="submitted")
    main = _client(app, w.emails["main"])
    with app.app_context():
        zone = local_tz()
    local = (utcnow() + timedelta(days=2)).astimezone(zone).replace(
        second=0, microsecond=0, tzinfo=None)
    resp = main.post(f"/kelola/publikasi/{pub_id}/jadwalkan",
                     data={"at": local.strftime("%Y-%m-%dT%H:%M")})
    assert resp.status_code == 302
    with app.app_context():
        pub = db.session.get(Publication, pub_id)
        assert pub.state == S.SCHEDULED
        assert pub.published_at == local.replace(tzinfo=zone)
        db.session.remove()
    assert app.test_client().get(f"/berita/{pub_id}").status_code == 404
