"""A serta-merta broadcast in a real browser (issue #19 section 2): the PPID Utama publishes
a serta-merta DIP item; an anonymous citizen on a phone (390 px) sees its banner on the
home page, opens the crisis page, and axe finds no serious issue on either; the PPID Utama
posts an update and ends the broadcast, and the banner is gone."""
import uuid
from datetime import timedelta

from ppid.core import auth
from ppid.core.db import utcnow
from ppid.extensions import db
from ppid.registry import services as reg_services
from tests.conftest import TEST_PASSWORD, make_agency, make_user
from tests.e2e.conftest import ARTIFACTS, axe_violations, in_app, login_in_browser
from tests.web.test_broadcasts import PARTS


def test_broadcast_banner_for_an_anonymous_phone_reader(live_server, page, phone):
    uid = uuid.uuid4().hex[:6]
    title = f"Banjir Kapuas E2E {uid}"
    with in_app(live_server):
        agency = make_agency(slug=f"e2e-bpbd-{uid}", name=f"BPBD E2E {uid}")
        main = make_user(auth.MAIN, email=f"utama-{uid}@e2e.id", name="PPID Utama E2E")
        item = reg_services.create_item(agency, {
            "title": title, "summary": "Peringatan banjir", "holding_unit": "BPBD",
            "responsible": "Kepala BPBD", "made_at_place": "Sintang", "made_on": None,
            "form": "elektronik", "retention": "2 tahun", "category": "serta_merta",
            "obligation_id": None, "event_at": utcnow() - timedelta(hours=2), **PARTS},
            actor=None)
        db.session.commit()
        email, slug, item_id = main.email, agency.slug, item.id
    base = live_server.url
    login_in_browser(page, base, email, TEST_PASSWORD)
    page.goto(f"{base}/badan/{slug}/dip/{item_id}")
    page.get_by_role("button", name="Terbitkan").click()
    page.wait_for_load_state()

    phone.goto(f"{base}/")
    banner = phone.locator(".bc-banner")
    assert banner.is_visible()
    assert title in banner.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "broadcast-banner-phone.png"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    problems = axe_violations(phone)
    assert problems == [], problems
    banner.get_by_role("link", name=title).click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text() == title
    text = phone.locator("main").inner_text()
    positions = [text.index(v) for v in PARTS.values()]
    assert positions == sorted(positions)
    problems = axe_violations(phone)
    assert problems == [], problems
    crisis_url = phone.url

    page.goto(crisis_url)
    page.get_by_role("link", name="Kelola siaran").click()
    page.get_by_label("Kabar terbaru", exact=True).fill("Air mulai surut di Sintang")
    page.get_by_role("button", name="Terbitkan kabar").click()
    page.wait_for_load_state()
    problems = axe_violations(page)
    assert problems == [], problems
    page.get_by_label("Mengapa siaran diakhiri", exact=True).fill("Air telah surut")
    page.get_by_role("button", name="Akhiri siaran").click()
    page.wait_for_load_state()

    phone.goto(crisis_url)
    assert "Air mulai surut di Sintang" in phone.locator("main").inner_text()
    assert "Siaran ini telah diakhiri." in phone.locator("main").inner_text()
    phone.goto(f"{base}/")
    assert phone.locator(".bc-banner").count() == 0
