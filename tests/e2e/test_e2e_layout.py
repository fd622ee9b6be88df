"""Every role's main pages in Chromium at a phone's width (390 px) and a desktop's (1,280 px)
(issue #17): axe-core finds no serious or critical violation, nothing scrolls sideways at
390 px except inside a labelled table wrapper, and a screenshot of each page at each width
is written under test-artifacts/layout/ for a reviewer (test_e2e_english.py crawls the
same pages in English, into test-artifacts/english/).

The pages are crawled, not listed: for each role, the links of the main navigation that
role sees on its landing page (so a feature that adds a nav link is checked here without
touching this test), plus the pages of one seeded object per role.
"""
import re
import threading
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from ppid import create_app
from ppid.extensions import db
from tests.conftest import TEST_PASSWORD, base_config
from tests.e2e.conftest import ARTIFACTS, axe_violations
from tests.security import seed_world

WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
ROLES = ("anon", "owner", "helper_a", "atasan_a", "main", "auditor", "admin", "humas_a")

# Where an element may be wider than the page: inside a table wrapper that says it scrolls.
OVERFLOW_JS = """() => {
  const vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= vw + 1) return [];
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right <= vw + 1 || r.width === 0) continue;
    if (el.closest('.table-wrap')) continue;
    const hiddenParent = el.parentElement && el.parentElement.closest('details:not([open])');
    if (hiddenParent) continue;
    out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).replace(/ /g, '.') : '')
             + ' ' + Math.round(r.right) + 'px');
    if (out.length > 5) break;
  }
  return out;
}"""


@pytest.fixture(scope="module")
def layout_server(tmp_path_factory):
    """An app of its own (the security tests' world has fixed codes and slugs, which the
    other browser tests' objects would collide with)."""
    data_dir = tmp_path_factory.mktemp("e2e-layout")
    config = base_config(data_dir, f"sqlite:///{data_dir / 'layout.sqlite3'}")
    config.pop("SERVER_NAME")
    config["WTF_CSRF_ENABLED"] = True
    app = create_app(config)
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def world(layout_server):
    return seed_world(layout_server.app)


def _login(page, base, email):
    page.goto(f"{base}/masuk")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_load_state()


def _nav_links(page, base):
    hrefs = page.eval_on_selector_all(
        "header nav a[href]", "els => els.map(e => e.getAttribute('href'))")
    out = []
    for h in hrefs:
        path = urlsplit(h).path if h.startswith("http") else h
        if path.startswith("/") and path not in out:
            out.append(path)
    return out


def _object_pages(role, w):
    if role == "owner":
        return ["/permohonan/saya"]
    if role in ("helper_a", "main"):
        return [f"/kelola/permohonan/{w.req_a}", f"/badan/{w.a}"]
    if role == "atasan_a":
        return [f"/kelola/keberatan/{w.obj_a}"]
    return [f"/badan/{w.a}"]


def crawl(browser, base, world, role, *, locale="id-ID", lang=None, out_dir, check=None,
          extra=()):
    """Load each page ``role`` reaches (the landing page, its navigation's links, its seeded
    objects' pages, and ``extra``) at both widths: axe-core's serious and critical violations, sideways
    scrolling at 390 px outside a table wrapper, and ``check(page, path)``'s findings are
    returned as problems; a full-page screenshot of each is written to ``out_dir`` with a
    line per page (axe count, header height) in ``out_dir/<role>.txt``. ``lang`` ("en")
    is chosen with the header's language switch after signing in."""
    out_dir.mkdir(parents=True, exist_ok=True)
    problems, report = [], []
    for width_name, (width, height) in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale=locale, bypass_csp=True,
                                      is_mobile=width_name == "phone")
        page = context.new_page()
        if role != "anon":
            _login(page, base, world.emails[role])
        if lang:
            page.goto(f"{base}/bahasa?lang={lang}&next=/")
            assert page.locator("html").get_attribute("lang") == lang, (role, lang)
        page.goto(base + "/")
        paths = ["/"] + [p for p in _nav_links(page, base) if p != "/"]
        paths += [p for p in [*_object_pages(role, world), *extra] if p not in paths]
        for path in paths:
            resp = page.goto(base + path)
            assert resp.status < 400, (role, path, resp.status)
            if lang:
                assert page.locator("html").get_attribute("lang") == lang, (role, path)
            header_h = page.evaluate("document.querySelector('header').getBoundingClientRect().height")
            found = axe_violations(page)
            report.append(f"{role} {width_name} {path} header={header_h:.0f}px axe={len(found)}")
            problems += [f"{role} {width_name} {path}: {v}" for v in found]
            if width_name == "phone":
                wide = page.evaluate(OVERFLOW_JS)
                if wide:
                    problems.append(f"{role} phone {path}: scrolls sideways: {wide}")
            if check is not None:
                problems += [f"{role} {width_name} {path}: {p}" for p in check(page, path)]
            name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
            page.screenshot(path=str(out_dir / f"{role}-{width_name}-{name}.png"), full_page=True)
        context.close()
    (out_dir / f"{role}.txt").write_text("\n".join(report) + "\n")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_main_pages_of_each_role_at_phone_and_desktop_width(browser, layout_server, world, role):
    problems = crawl(browser, layout_server.url, world, role, out_dir=ARTIFACTS / "layout")
    assert not problems, "\n".join(problems)


STICKY_JS = """(sel) => {
  const wrap = document.querySelector(sel);
  const table = wrap.querySelector('table');
  const head = table.tHead.rows[0].getBoundingClientRect();
  const first = table.tBodies[0].rows[0].getBoundingClientRect();
  const out = {label: wrap.getAttribute('aria-label'), focusable: wrap.tabIndex === 0,
               fits: wrap.scrollWidth <= wrap.clientWidth + 1,
               firstRowBelowHeader: first.top >= head.bottom - 1};
  wrap.scrollTop = 60; wrap.scrollLeft = 300;
  const w = wrap.getBoundingClientRect();
  const h = table.tHead.rows[0].cells[0].getBoundingClientRect();
  const rowHead = table.tBodies[0].querySelector('th[scope=row]');
  out.headerStays = Math.abs(h.top - w.top) < 3;
  out.firstColumnStays = rowHead ? Math.abs(rowHead.getBoundingClientRect().left - w.left) < 3 : null;
  return out;
}"""


def test_officer_tables_keep_header_and_first_column_and_fit_a_desktop(browser, layout_server,
                                                                       world):
    live_server = layout_server
    context = browser.new_context(viewport={"width": 1280, "height": 500}, locale="id-ID")
    page = context.new_page()
    _login(page, live_server.url, world.emails["main"])
    for path, fits in (("/kelola/dip/matriks", True), ("/kelola/kepatuhan", True)):
        page.goto(live_server.url + path)
        got = page.evaluate(STICKY_JS, ".table-sticky")
        assert got["label"] and got["focusable"], (path, got)
        assert got["firstRowBelowHeader"], (path, got)  # the header hides no row
        assert got["fits"] is fits, (path, got)          # 1,280 px: no sideways scrolling
        assert got["headerStays"], (path, got)
        if path.endswith("matriks"):
            assert got["firstColumnStays"] in (True, None), (path, got)
    context.close()


STATS_JS = """() => Array.from(document.querySelectorAll('.req-stats .stat')).map(b => {
  const r = b.getBoundingClientRect(), dt = b.querySelector('dt').getBoundingClientRect(),
        dd = b.querySelector('dd').getBoundingClientRect();
  return {top: Math.round(r.top), left: Math.round(r.left), right: Math.round(r.right),
          inside: dt.left >= r.left - 1 && dt.right <= r.right + 1 && dd.top >= r.top - 1
                  && dd.bottom <= r.bottom + 1 && dt.top >= r.top - 1 && dt.bottom <= r.bottom + 1};
})"""


def test_agency_statistics_stay_together_at_desktop_and_phone_width(browser, layout_server,
                                                                    world):
    """The agency page's request figures (issue #17): at 1,280 px the four on one row, at
    390 px two per row, each label with its number in one box, nothing past the page."""
    for (width, height), per_row in (((1280, 900), 4), ((390, 844), 2)):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="id-ID")
        page = context.new_page()
        page.goto(f"{layout_server.url}/badan/{world.a}")
        boxes = page.evaluate(STATS_JS)
        assert len(boxes) == 4, boxes
        assert all(b["inside"] for b in boxes), (width, boxes)
        assert len({b["top"] for b in boxes[:per_row]}) == 1, (width, boxes)  # one row
        assert all(b["right"] <= width for b in boxes), (width, boxes)
        if per_row < 4:
            assert boxes[per_row]["top"] > boxes[0]["top"], (width, boxes)
        context.close()
