"""Sharing (issue #19, section 1): every public page says what it is when shared (Open
Graph and Twitter card, from one macro in the layout), never with a requester's personal
data (DOMAIN.md section 11), its address from BASE_URL without the query string; and
publications, broadcasts and DIP items carry plain share links for WhatsApp, Facebook, X
and Telegram with accessible names.

The crawl is the authorisation matrix's (tests/security): every GET route of the URL map,
built with the seeded world's objects, opened anonymously; each page that answers 200 with
HTML is checked, so a new public page is checked without touching this test.
"""
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from tests.security import seed_world
from tests.security.test_security_authz import build, primary_params, rules_by_endpoint

REQUIRED = ("og:title", "og:description", "og:url", "og:type", "og:site_name",
            "twitter:card", "twitter:title", "twitter:description")
# The seeded requests' personal data (tests/security/__init__.py _request).
CANARIES = ("Pemohon Uji", "6171010203850001", "Jl. Uji No. 1", "081234567890")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
NETWORKS = {"WhatsApp": "https://wa.me/?text=",
            "Facebook": "https://www.facebook.com/sharer/sharer.php?u=",
            "X": "https://x.com/intent/post?", "Telegram": "https://t.me/share/url?url="}


class _Head(HTMLParser):
    """The page's meta tags (each name with every value it was given), its canonical
    link, and the share links with their accessible names."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.metas, self.canonical, self.links, self._link = {}, [], [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("property") or a.get("name")):
            self.metas.setdefault(a.get("property") or a.get("name"), []).append(
                a.get("content") or "")
        elif tag == "link" and a.get("rel") == "canonical":
            self.canonical.append(a.get("href"))
        elif tag == "a" and any(a.get("href", "").startswith(p) for p in NETWORKS.values()):
            self._link = [a["href"], "", a]

    def handle_data(self, data):
        if self._link is not None:
            self._link[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self._link[1] = " ".join(self._link[1].split())
            self.links.append(tuple(self._link))
            self._link = None


def _head(html):
    p = _Head()
    p.feed(html)
    return p


def _meta_problems(url, html, base):
    h = _head(html)
    out = []
    for name in REQUIRED:
        values = h.metas.get(name, [])
        if len(values) != 1 or not values[0].strip():
            out.append(f"{url}: {name} {values!r}")
    og_url = (h.metas.get("og:url") or [""])[0]
    if not og_url.startswith(base + "/") or "?" in og_url:
        out.append(f"{url}: og:url {og_url!r} is not BASE_URL and a path")
    if h.canonical != [og_url]:
        out.append(f"{url}: canonical {h.canonical!r} is not og:url")
    text = " ".join(v for values in h.metas.values() for v in values) + " ".join(h.canonical)
    out += [f"{url}: personal data {c!r} in the metadata" for c in CANARIES if c in text]
    out += [f"{url}: an e-mail address in the metadata" for _m in EMAIL.findall(text)]
    return out


def test_every_public_page_has_sharing_metadata_without_personal_data(app):
    w = seed_world(app)
    rules = rules_by_endpoint(app, "GET")
    prim = primary_params(w)
    base = app.config["BASE_URL"].rstrip("/")
    anon = app.test_client()
    failures, checked = [], []
    for endpoint in sorted(rules):
        if set(rules[endpoint].arguments) - set(prim):
            continue  # no seeded object: the security matrix fails on that route
        url = build(app, rules[endpoint], prim)
        resp = anon.get(url)
        if resp.status_code != 200 or resp.mimetype != "text/html":
            continue
        checked.append(endpoint)
        failures += _meta_problems(url, resp.get_data(as_text=True), base)
    # The crawl really reached the public pages, the ones with their own metadata too.
    assert len(checked) >= 15, checked
    for endpoint in ("core.home", "agencies.profile", "registry.item", "publications.news",
                     "publications.article", "broadcasts.crisis", "search.search_page",
                     "requests.register"):
        assert endpoint in checked, endpoint
    assert not failures, "\n".join(failures)


def test_pages_give_their_own_title_description_image_and_address(app):
    w = seed_world(app)
    anon = app.test_client()
    item = _head(anon.get(f"/badan/{w.a}/dip/{w.item_a}").get_data(as_text=True)).metas
    assert item["og:type"] == ["article"] and item["og:title"][0]
    assert item["og:description"][0].startswith("Dinas")
    # A query string (a search term) is not the page's address.
    search = _head(anon.get("/cari?q=rekam+medis+pemohon").get_data(as_text=True))
    assert search.metas["og:url"] == ["http://localhost/cari"]
    assert "rekam" not in " ".join(search.metas["og:url"] + search.canonical)
    # Without an image of its own: a summary card, or the configured share image.
    home = _head(anon.get("/").get_data(as_text=True)).metas
    assert home["twitter:card"] == ["summary"] and "og:image" not in home
    app.config["SHARE_IMAGE"] = "img/bagikan.png"
    try:
        from ppid.core import public_cache
        public_cache.pages(app).clear()
        home = _head(anon.get("/kalender").get_data(as_text=True)).metas
        assert home["og:image"] == ["http://localhost/static/img/bagikan.png"]
        assert home["twitter:card"] == ["summary_large_image"]
    finally:
        app.config["SHARE_IMAGE"] = None
        public_cache.pages(app).clear()


def _share_links(html):
    return {name: (href, label) for href, label, _a in _head(html).links
            for name, prefix in NETWORKS.items() if href.startswith(prefix)}


def test_publications_broadcasts_and_dip_items_have_plain_share_links(app):
    w = seed_world(app)
    anon = app.test_client()
    pages = {"article": f"/berita/{w.pub_a}", "item": f"/badan/{w.a}/dip/{w.item_a}",
             "crisis": f"/serta-merta/{w.broadcast_a}"}
    for what, url in pages.items():
        resp = anon.get(url)
        assert resp.status_code == 200, (what, resp.status_code)
        html = resp.get_data(as_text=True)
        page = _head(html)
        links = _share_links(html)
        assert set(links) == set(NETWORKS), (what, links)
        own = page.metas["og:url"][0]
        title = page.metas["og:title"][0]
        for name, (href, label) in links.items():
            # The accessible name says where it goes and that it opens a new tab.
            assert label == f"Bagikan ke {name} (membuka tab baru)", label
            query = parse_qs(urlsplit(href).query)
            carried = " ".join(v for values in query.values() for v in values)
            assert own in carried and (name == "Facebook" or title in carried), (what, href)
        # Plain links: no script or frame of any network.
        assert not re.search(r"<(script|iframe)[^>]+(facebook|twitter|x\.com|wa\.me|t\.me)",
                             html)
    # The links live in one labelled navigation region.
    assert 'aria-label="Bagikan halaman ini"' in anon.get(pages["item"]).get_data(as_text=True)
