"""The request, register and report pages read in English show no Indonesian status and no
Indonesian (or ISO) date (issue 13, section 1); every role's pages, crawled as
test_e2e_layout.py crawls them in Indonesian, pass axe-core at 390 and 1,280 px in English
too, with screenshots under test-artifacts/english/ (issue #17).

A person who switches to English reads every state, outcome, staleness status and date in
English: the labels come from the enumerations, the dates from the one Babel formatter.
"""
import re
import uuid
from datetime import timedelta

import pytest

from ppid.core import auth
from ppid.core.db import utcnow
from ppid.extensions import db
from ppid.info_requests import rules as req_rules
from ppid.info_requests import services as req_services
from ppid.registry.demo import seed_catalogue
from tests.conftest import TEST_PASSWORD, make_agency, make_user
from tests.e2e.conftest import ARTIFACTS, in_app, login_in_browser
from tests.e2e.test_e2e_layout import ROLES, crawl, layout_server, world  # noqa: F401

# Indonesian words a page in English must not show: status and outcome labels (their
# English labels exist) and the month names and abbreviations that differ from English.
INDONESIAN = re.compile(
    r"\b(Diterima|diterima|Diproses|diproses|Diteruskan|Diperpanjang|Selesai|selesai|"
    r"Ditarik|Dikabulkan|dikabulkan|Ditolak|ditolak|Terlambat|terlambat|Tepat waktu|"
    r"Terkini|terkini|Segera|Belum ada|belum ada|Nihil|Berjalan|Menunggu|"
    r"Informatif|Tidak Informatif|Belum dapat dinilai|"
    r"Januari|Februari|Maret|Mei|Juni|Juli|Agustus|Oktober|Desember|"
    r"Agu|Agt|Okt|Des)\b")
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
CODES = re.compile(r"\b(dikabulkan_sebagian|belum_ada|dalam_proses|softcopy_hardcopy|"
                   r"tidak_dikuasai|belum_didokumentasikan|salinan|online)\b")


def _english(page, base_url):
    page.goto(base_url + "/")
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"


def _visible(page):
    return page.locator("main").inner_text()


def _not_english(text):
    """What of ``text`` (a page's main region) is not English: Indonesian status and date
    labels, ISO dates, raw codes."""
    out = []
    for what, pattern in (("Indonesian words", INDONESIAN), ("ISO dates", ISO_DATE),
                          ("raw codes", CODES)):
        found = sorted(set(pattern.findall(text)))
        if found:
            out.append(f"{what} {found}")
    return out


def _assert_english(page, label):
    text = _visible(page)
    found = _not_english(text)
    assert not found, f"{label}: {'; '.join(found)} in:\n{text[:3000]}"


def _data(agency, uid):
    return {"name": f"Warga Uji {uid}", "identity_type": "nik",
            "identity_number": "6171010101900001", "address": "Jl. Ahmad Yani No. 1, Pontianak",
            "phone": "0561 123456", "email": f"warga-{uid}@contoh.id", "occupation": "Guru",
            "proxy_name": None, "information": f"Budget documents of the health office {uid}",
            "purpose": "Research", "obtain_method": "salinan", "copy_form": "softcopy",
            "delivery": "email", "agency": agency}


def test_request_register_and_report_pages_in_english(live_server, page):
    uid = uuid.uuid4().hex[:6]
    with in_app(live_server):
        seed_catalogue()
        agency = make_agency(slug=f"e2e-en-{uid}", name=f"Health Office {uid}",
                             short_name=f"Health {uid}", atasan_name="Head",
                             atasan_position="Head of Office")
        officer = make_user(auth.HELPER, agency, email=f"officer-{uid}@uji.go.id",
                            name=f"Officer {uid}")
        auditor = make_user(auth.AUDITOR, None, email=f"auditor-{uid}@uji.go.id",
                            name=f"Auditor {uid}")
        now = utcnow()
        # One request still open (received three weeks ago: now late), one closed in part.
        late, late_token = req_services.submit_request(
            _data(agency, uid), actor=None, now=now, received_at=now - timedelta(days=21))
        req_services.process_request(late, actor=officer, now=now)
        done, done_token = req_services.submit_request(_data(agency, uid + "b"), actor=None,
                                                       now=now)
        req_services.close_request(done, req_rules.DIKABULKAN_SEBAGIAN, {
            "response_note": "Budget summary", "info_form": "softcopy_hardcopy",
            "cost_per_page": 500, "pages": 10, "delivery_cost": 0,
            "available_on": (now + timedelta(days=3)).date(), "exemption_letters": ["h"],
            "redacted_parts": "Names of patients", "redaction_reason": "Personal data",
            "payment_method": "transfer", "exemption_consequence": "Patients identified",
            "exemption_information": "Names of patients", "exemption_document": "Records",
            "exemption_public_interest": "Privacy weighs more.",
            "exemption_decree_number": "188/1/2026", "exemption_decree_on": now.date(),
            "exemption_end_on": (now + timedelta(days=365)).date()},
            actor=officer, now=now)
        db.session.commit()
        slug, auditor_email = agency.slug, auditor.email

    login_in_browser(page, live_server.url, auditor_email, TEST_PASSWORD)
    page.wait_for_url("**/dasbor")
    _english(page, live_server.url)
    for token, label in ((late_token, "tracking page (open, late)"),
                         (done_token, "tracking page (closed in part)")):
        page.goto(f"{live_server.url}/lacak/{token}")
        page.locator("h1").wait_for()
        _assert_english(page, label)

    page.goto(f"{live_server.url}/permohonan/register?badan={slug}")
    page.locator("table.req-register").wait_for()
    assert "Granted in part" in _visible(page)
    _assert_english(page, "public register")

    page.goto(f"{live_server.url}/kelola/kepatuhan/{slug}")
    page.locator("h1").wait_for()
    _assert_english(page, "agency compliance report")
    page.goto(f"{live_server.url}/kelola/kepatuhan")
    page.locator("h1").wait_for()
    _assert_english(page, "compliance report")


# The request, register and report pages: their status and date labels must be English.
LABELLED = ("/permohonan", "/lacak", "/kelola/permohonan", "/kelola/register",
            "/kelola/laporan", "/kelola/kepatuhan", "/kelola/keberatan", "/kelola/dip/matriks")


def _is_labelled(path):
    return path.startswith(LABELLED) or "/register/" in path


def _registers(role, w):
    """The registers ``role`` may read: the consolidated ones for who reads every agency,
    their agency's for its officers, the public register for everyone."""
    if role in ("main", "auditor"):
        return ["/kelola/register/permohonan", "/kelola/register/keberatan"]
    if role in ("helper_a", "atasan_a"):
        return [f"/kelola/badan/{w.a}/register/permohonan",
                f"/kelola/badan/{w.a}/register/keberatan"]
    return []


def _labels_in_english(page, path):
    if not _is_labelled(path):
        return []
    return _not_english(_visible(page))


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_its_pages_in_english(browser, layout_server, world, role):
    """The crawl of test_e2e_layout.py, in English: the same pages (the navigation each role
    sees, its seeded objects, the registers it may read), at both widths, no serious or
    critical axe violation, no sideways scrolling at 390 px, and no Indonesian status or
    date label on the request, register and report pages."""
    extra = ["/permohonan/register", *_registers(role, world)]
    problems = crawl(browser, layout_server.url, world, role, locale="en-GB", lang="en",
                     out_dir=ARTIFACTS / "english", check=_labels_in_english, extra=extra)
    assert not problems, "\n".join(problems)
