"""The privacy notice read on a phone (issue #15 section 5): the request form and /privasi
show it without horizontal scrolling, and pass axe-core's serious and critical checks."""
from ppid.extensions import db
from tests.conftest import make_agency
from tests.e2e.conftest import axe_violations, in_app


def test_the_privacy_notice_reads_on_a_phone(live_server, phone):
    with in_app(live_server):
        make_agency(slug="diskominfo-e2e-privasi", name="Diskominfo E2E Privasi", kind="utama",
                    email="ppid@contoh.go.id", phone="0561 000000",
                    address="Jl. Ahmad Yani, Pontianak")
        db.session.commit()
    for path in ("/permohonan/baru", "/privasi"):
        phone.goto(live_server.url + path)
        notice = phone.locator(".privacy-notice").first
        notice.scroll_into_view_if_needed()
        assert notice.is_visible(), path
        # (the controller is the first PPID Utama of the live server's shared database)
        assert "Pengendali data" in notice.inner_text() and "PPID Utama" in \
            notice.inner_text(), path
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), \
            path
        assert axe_violations(phone) == [], path
