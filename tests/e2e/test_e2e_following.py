"""Following in a real browser on a phone (issue #19 section 3): a signed-in citizen follows
an agency weekly and a search, manages both on the subscriptions page (the frequency,
stop), and axe finds no serious issue on the follow pages, the subscriptions page and the
unsubscribe page."""
import uuid

from ppid.core import auth
from ppid.extensions import db
from tests.conftest import TEST_PASSWORD, make_agency, make_user
from tests.e2e.conftest import axe_violations, in_app, login_in_browser


def test_a_citizen_follows_and_manages_subscriptions_on_a_phone(live_server, phone):
    uid = uuid.uuid4().hex[:6]
    with in_app(live_server):
        agency = make_agency(slug=f"e2e-ikuti-{uid}", name=f"Dinas Ikuti {uid}")
        citizen = make_user(auth.CITIZEN, email=f"warga-{uid}@e2e.id", name="Warga E2E")
        db.session.commit()
        email, slug = citizen.email, agency.slug
    base = live_server.url
    login_in_browser(phone, base, email, TEST_PASSWORD)
    phone.goto(f"{base}/ikuti?badan={slug}")
    assert axe_violations(phone) == []
    phone.get_by_label("Mingguan (sekali seminggu bila ada yang baru)").check()
    phone.get_by_role("button", name="Ikuti").click()
    phone.wait_for_load_state()
    assert "Anda kini mengikuti" in phone.locator("main").inner_text()

    phone.goto(f"{base}/ikuti/pencarian?q=banjir+kapuas")
    assert axe_violations(phone) == []
    phone.get_by_role("button", name="Ikuti").click()
    phone.wait_for_load_state()

    phone.goto(f"{base}/ikuti/langganan")
    table = phone.locator("main table")
    assert f"Dinas Ikuti {uid}" in table.inner_text()
    assert "pencarian “banjir kapuas”" in table.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    problems = axe_violations(phone)
    assert problems == [], problems
    # The search's digest weekly too; then stop following the agency.
    row = phone.locator("tr", has_text="banjir kapuas")
    row.get_by_label("Mingguan (sekali seminggu bila ada yang baru)").check()
    row.get_by_role("button", name="Simpan").click()
    phone.wait_for_load_state()
    assert "diubah" in phone.locator("main").inner_text()
    phone.locator("tr", has_text=f"Dinas Ikuti {uid}").get_by_role(
        "button", name="Berhenti mengikuti").click()
    phone.wait_for_load_state()
    assert "Berhenti" in phone.locator("tr", has_text=f"Dinas Ikuti {uid}").inner_text()
    problems = axe_violations(phone)
    assert problems == [], problems

    with in_app(live_server):
        import sqlalchemy as sa

        from ppid.broadcasts.models import Subscription
        token = db.session.execute(sa.select(Subscription.token).where(
            Subscription.email == email, Subscription.target.like("search:%"))).scalar_one()
        frequency = db.session.execute(sa.select(Subscription.frequency).where(
            Subscription.token == token)).scalar_one()
    assert frequency == "mingguan"
    phone.goto(f"{base}/ikuti/berhenti/{token}")
    problems = axe_violations(phone)
    assert problems == [], problems
    phone.get_by_role("button", name="Berhenti mengikuti").click()
    phone.wait_for_load_state()
    assert "Anda berhenti mengikuti" in phone.locator("main").inner_text()
