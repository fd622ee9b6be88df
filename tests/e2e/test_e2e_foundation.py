"""The foundation in a real browser: language, login, the calendar, accessibility."""
from ppid.core import auth
from ppid.extensions import db
from tests.conftest import TEST_PASSWORD, make_agency, make_user
from tests.e2e.conftest import axe_violations, in_app, login_in_browser


def test_public_pages_on_a_phone_are_accessible(live_server, phone):
    with in_app(live_server):
        make_agency(name="Dinas Kesehatan E2E")
        db.session.commit()
    phone.goto(live_server.url + "/")
    assert phone.locator("h1").first.is_visible()
    assert "Dinas Kesehatan E2E" in phone.content()
    # No horizontal scrolling on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    for path in ("/", "/masuk", "/kalender?start=2026-03-16&working_days=10", "/daftar"):
        phone.goto(live_server.url + path)
        assert axe_violations(phone) == [], path


def test_language_switch_and_calendar_calculator(live_server, page):
    page.goto(live_server.url + "/kalender")
    page.get_by_label("Tanggal diterima").fill("2026-03-16")
    page.get_by_label("Jumlah hari kerja").fill("10")
    page.get_by_role("button", name="Hitung").click()
    assert "07 April 2026" in page.content() or "7 April 2026" in page.content()
    assert "Hari Suci Nyepi" in page.content()
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"


def test_main_officer_adds_a_regional_holiday(live_server, page):
    with in_app(live_server):
        user = make_user(auth.MAIN, email="utama-e2e@uji.go.id")
        db.session.commit()
        email = user.email
    login_in_browser(page, live_server.url, email, TEST_PASSWORD)
    page.goto(live_server.url + "/kalender?year=2026")
    page.get_by_label("Tanggal", exact=True).fill("2026-12-01")
    page.get_by_label("Keterangan").fill("Hari jadi daerah (E2E)")
    page.get_by_role("button", name="Simpan entri").click()
    assert "Kalender diperbarui" in page.content()
    assert "Hari jadi daerah (E2E)" in page.content()
    assert axe_violations(page) == []
