"""End-to-end fixtures: the app served on 127.0.0.1 and Debian's Chromium driven by Playwright.

Skipped (and reported as skipped) when Chromium is not installed; `.ci/run` installs it.
No browser is ever downloaded.
"""
import os
import shutil
import threading
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from ppid import ROOT, create_app
from ppid.extensions import db
from tests.conftest import base_config

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium); e2e tests skipped")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("e2e")
    config = base_config(data_dir, f"sqlite:///{data_dir / 'e2e.sqlite3'}")
    config.pop("SERVER_NAME")
    config["WTF_CSRF_ENABLED"] = True  # the browser goes through CSRF like a person
    app = create_app(config)
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def page(browser, request):
    # bypass_csp lets the test inject axe-core; the CSP header itself is tested elsewhere.
    context = browser.new_context(locale="id-ID", bypass_csp=True)
    pg = context.new_page()
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def phone(browser, request):
    """A phone-sized page (390 x 844, touch) for citizens' flows."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, locale="id-ID", bypass_csp=True)
    pg = context.new_page()
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-phone.png"), full_page=True)
    context.close()


def axe_violations(page, impacts=("serious", "critical")):
    """Run axe-core in the page; the serious and critical violations, as readable strings."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: `make test` installs it with npm")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            f"{[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in impacts]


def login_in_browser(page, base_url, email, password):
    page.goto(f"{base_url}/masuk")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()


def in_app(live_server):
    return live_server.app.app_context()




def click_nav(page, name, exact=False):
    """Click a link of the main navigation as a person does: open its group's menu first
    when it is in one (the header groups its links in <details> menus, issue #17)."""
    import re
    nav = page.get_by_role("navigation", name="Navigasi utama")
    text = re.compile(rf"^\s*{re.escape(name)}\s*$") if exact else name
    menu = nav.locator("details.nav-menu").filter(has=page.locator("a", has_text=text))
    if menu.count() and menu.first.get_attribute("open") is None:
        menu.first.locator("summary").click()
    nav.get_by_role("link", name=name, exact=exact).click()
