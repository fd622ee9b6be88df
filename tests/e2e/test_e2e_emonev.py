"""The E-Monev self-assessment in a real browser (issue #18, "Done when"): a helper officer
opens the assessment from the navigation, reads what is missing, attests the SK PPID with a
PDF through the form (the total rises by what the list promised), and downloads the
evidence pack; the pages pass axe-core."""
import io
import re
import uuid
import zipfile
from datetime import timedelta

from ppid.core import auth
from ppid.core.services import local_today
from tests.conftest import TEST_PASSWORD, make_user
from tests.e2e.conftest import ARTIFACTS, axe_violations, in_app, login_in_browser
from tests.e2e.conftest import click_nav
from tests.e2e.test_e2e_flows import _agency, _fetch, _pdf, _pdf_text


def _total(page):
    text = page.locator("dl.facts dd").first.inner_text()
    return float(re.search(r"([0-9]+\.[0-9])", text).group(1))


def test_officer_attests_and_downloads_the_evidence_pack(live_server, page):
    uid = uuid.uuid4().hex[:6]
    with in_app(live_server):
        from ppid.extensions import db
        agency = _agency(uid, "Dinas Perhubungan")
        officer = make_user(auth.HELPER, agency, email=f"emonev-{uid}@uji.go.id")
        db.session.commit()
        email, slug = officer.email, agency.slug
        evidence = ARTIFACTS / f"sk-ppid-{uid}.pdf"
        ARTIFACTS.mkdir(exist_ok=True)
        evidence.write_bytes(_pdf(f"SK PPID {uid}"))
        today = local_today()

    login_in_browser(page, live_server.url, email, TEST_PASSWORD)
    page.wait_for_url("**/dasbor")
    click_nav(page, "E-Monev", exact=True)
    page.wait_for_url(f"**/kelola/emonev/{slug}")
    page.get_by_role("heading", name=re.compile("Penilaian mandiri E-Monev")).wait_for()
    assert axe_violations(page) == []
    before = _total(page)
    missing = page.locator("#kurang + ol li").filter(has_text="SK penetapan PPID")
    promised = float(re.search(r"\+([0-9]+\.[0-9]) poin", missing.inner_text()).group(1))

    form = page.locator("form[enctype='multipart/form-data']")
    form.get_by_label("Pertanyaan").select_option(label="SK penetapan PPID")
    form.get_by_label("Pernyataan").fill(f"SK Kepala Dinas Nomor {uid} tentang PPID")
    form.get_by_label("Berlaku sejak").fill((today - timedelta(days=30)).isoformat())
    form.get_by_label("Berlaku sampai").fill((today + timedelta(days=700)).isoformat())
    form.get_by_label("Berkas bukti").set_input_files(str(evidence))
    form.get_by_role("button", name="Simpan bukti").click()
    page.get_by_text("tersimpan").first.wait_for()
    assert f"sk-ppid-{uid}.pdf" in page.locator("#bukti + .table-wrap table").inner_text()
    after = _total(page)
    assert abs((after - before) - promised) <= 0.1, (before, after, promised)
    assert axe_violations(page) == []

    href = page.get_by_role("link", name="Unduh paket bukti (ZIP)").get_attribute("href")
    resp = _fetch(page, href)
    assert resp.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(resp.body()))
    names = z.namelist()
    # One PDF per active question of the year's set (the set is configurable: #18), after
    # the index.
    with in_app(live_server):
        from ppid.evaluation.assessment import questions_for
        active = {q.value for q in questions_for(today.year).active}
    assert names[0] == "00-indeks.pdf"
    per_question = {n[3:-4] for n in names[1:] if re.fullmatch(r"\d\d-\w+\.pdf", n)}
    assert per_question == active, (sorted(per_question), sorted(active))
    sk = next(n for n in names if n.endswith("ko_sk_ppid.pdf"))
    text = _pdf_text(z.read(sk))
    assert f"SK PPID {uid}" in text and "Halaman dokumen bukti menyusul" in text
    assert "manifest.csv" in names
