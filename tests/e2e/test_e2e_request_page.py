"""The officer's request page and the atasan's objection page in Chromium (issue #17).

The request page shows the request, its deadline and only the actions its state allows; its
decision is outcome first (a two-step form without JavaScript, fields shown on change with
it). Measured here at 1,280 px and 390 px: the page heights and the axe-core findings are
written to test-artifacts/request-page/measures.txt with a screenshot of each page.
"""
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from ppid import create_app
from ppid.extensions import db
from tests.conftest import TEST_PASSWORD, base_config
from tests.e2e.conftest import ARTIFACTS, axe_violations
from tests.security import _request, seed_world

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
OUT = ARTIFACTS / "request-page"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("e2e-reqpage")
    config = base_config(data_dir, f"sqlite:///{data_dir / 'reqpage.sqlite3'}")
    config.pop("SERVER_NAME")
    config["WTF_CSRF_ENABLED"] = True
    app = create_app(config)
    with app.app_context():
        db.create_all()
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{srv.server_port}", app=app)
    srv.shutdown()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def world(server):
    """The security tests' world plus agency A's requests in diterima (new, its subject not
    reviewed yet), diproses and decided (granted, not yet delivered)."""
    w = seed_world(server.app)
    from ppid.accounts.models import User
    from ppid.agencies.models import Agency
    from ppid.core.db import utcnow
    from ppid.info_requests import rules
    from ppid.info_requests import services as rq
    with server.app.app_context():
        a = db.session.get(Agency, w.a_id)
        owner = db.session.get(User, w.users["owner"])
        helper = db.session.get(User, w.users["helper_a"])
        now = utcnow()
        new, _t = rq.submit_request({
            "name": "Pemohon Baru", "identity_type": "nik", "identity_number": "6171010203850001",
            "address": "Jl. Uji No. 2", "phone": "081234567891", "email": None,
            "occupation": "Guru", "proxy_name": None, "information": "Data jalan rusak 2025",
            "purpose": "Penelitian", "obtain_method": "salinan", "copy_form": "softcopy",
            "delivery": "email", "agency": a}, actor=owner, now=now, requester_user=owner)
        busy, _t = _request(a, owner, now, "Data irigasi 2025")
        rq.process_request(busy, actor=helper, now=now + timedelta(minutes=1))
        granted, _t = _request(a, owner, now, "Data sekolah 2025")
        rq.close_request(granted, rules.DIKABULKAN, {
            "response_note": "Daftar sekolah", "info_form": "softcopy", "cost_per_page": 0,
            "pages": 3, "delivery_cost": 0, "available_on": (now + timedelta(days=2)).date()},
            actor=helper, now=now + timedelta(minutes=2))
        db.session.commit()
        w.req_new, w.req_busy, w.req_granted = new.id, busy.id, granted.id
    return w


def _context(browser, width_name, **kw):
    width, height = WIDTHS[width_name]
    return browser.new_context(viewport={"width": width, "height": height}, locale="id-ID",
                               bypass_csp=True, is_mobile=width_name == "phone", **kw)


def _login(page, base, email):
    page.goto(f"{base}/masuk")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_load_state()


def _height(page):
    return page.evaluate("document.documentElement.scrollHeight")


def _measure(browser, server, email, pages):
    """(name, width, height, axe findings) of each page at both widths; screenshots."""
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for width_name in WIDTHS:
        context = _context(browser, width_name)
        page = context.new_page()
        _login(page, server.url, email)
        for name, path in pages:
            resp = page.goto(server.url + path)
            assert resp.status == 200, (name, resp.status)
            found = axe_violations(page)
            rows.append((name, width_name, _height(page), found))
            page.screenshot(path=str(OUT / f"{name}-{width_name}.png"), full_page=True)
        context.close()
    with open(OUT / "measures.txt", "a") as out:
        for name, width_name, height, found in rows:
            out.write(f"{name} {width_name} height={height}px axe={len(found)}\n")
    return rows


def test_request_and_objection_pages_measured(browser, server, world):
    rows = _measure(browser, server, world.emails["helper_a"], [
        ("request-diterima", f"/kelola/permohonan/{world.req_new}"),
        ("request-diproses", f"/kelola/permohonan/{world.req_busy}"),
        ("request-dikabulkan", f"/kelola/permohonan/{world.req_granted}"),
        ("request-ditolak-keberatan", f"/kelola/permohonan/{world.req_a}"),
        ("decision-step2-ditolak", f"/kelola/permohonan/{world.req_busy}/keputusan"
                                   f"?outcome=ditolak")])
    rows += _measure(browser, server, world.emails["atasan_a"], [
        ("objection-undecided", f"/kelola/keberatan/{world.obj_a}")])
    problems = [f"{n} {w}: {f}" for n, w, _h, found in rows for f in found]
    assert not problems, "\n".join(problems)
    heights = {(n, w): h for n, w, h, _f in rows}
    assert heights[("request-diterima", "desktop")] < 2000, heights


def _fresh_request(server, world, info, *, process=False):
    from ppid.accounts.models import User
    from ppid.agencies.models import Agency
    from ppid.core.db import utcnow
    from ppid.info_requests import services as rq
    with server.app.app_context():
        a = db.session.get(Agency, world.a_id)
        owner = db.session.get(User, world.users["owner"])
        req, _t = _request(a, owner, utcnow(), info)
        if process:
            rq.process_request(req, actor=db.session.get(User, world.users["helper_a"]),
                               now=utcnow())
        db.session.commit()
        return req.id


def _state(server, request_id):
    from ppid.info_requests.models import InfoRequest
    with server.app.app_context():
        req = db.session.get(InfoRequest, request_id)
        return req.state, req.outcome


def test_decision_without_javascript_is_a_two_step_form(browser, server, world):
    request_id = _fresh_request(server, world, "Data posyandu 2025", process=True)
    context = _context(browser, "desktop", java_script_enabled=False)
    page = context.new_page()
    _login(page, server.url, world.emails["helper_a"])
    page.goto(f"{server.url}/kelola/permohonan/{request_id}")
    # step 1: the outcome only; no outcome's field is shown
    assert not page.get_by_label("Akan didokumentasikan paling lambat").is_visible()
    assert not page.get_by_label("Informasi yang diberikan").is_visible()
    page.get_by_label("Keputusan", exact=True).select_option(
        label="Informasi belum didokumentasikan")
    page.get_by_role("button", name="Lanjut: isi keputusan").click()
    # step 2: that outcome's field alone
    page.get_by_role("heading", name="Keputusan atas permohonan").wait_for()
    assert page.get_by_label("Akan didokumentasikan paling lambat").is_visible()
    for other in ("Informasi yang diberikan", "Konsekuensi apabila informasi dibuka",
                  "Badan publik yang menguasai informasi (jika diketahui)"):
        assert page.get_by_label(other).count() == 0, other
    page.get_by_role("button", name="Simpan keputusan dan terbitkan surat").click()
    # refused (the date is required): the same step, its message, the outcome kept
    page.get_by_text("Wajib diisi untuk keputusan ini.").first.wait_for()
    assert "Informasi belum didokumentasikan" in page.locator("main").inner_text()
    page.screenshot(path=str(OUT / "decision-nojs-refused.png"), full_page=True)
    page.get_by_label("Akan didokumentasikan paling lambat").fill("2030-01-31")
    page.get_by_role("button", name="Simpan keputusan dan terbitkan surat").click()
    page.get_by_text("Permohonan selesai; pemberitahuan tertulis diterbitkan.").wait_for()
    assert _state(server, request_id) == ("selesai", "belum_didokumentasikan")
    context.close()


def test_decision_with_javascript_shows_the_chosen_outcomes_fields_in_place(browser, server,
                                                                             world):
    request_id = _fresh_request(server, world, "Data puskesmas 2025", process=True)
    context = _context(browser, "desktop")
    page = context.new_page()
    _login(page, server.url, world.emails["helper_a"])
    page.goto(f"{server.url}/kelola/permohonan/{request_id}")
    assert not page.get_by_role("button", name="Lanjut: isi keputusan").is_visible()
    select = page.get_by_label("Keputusan", exact=True)
    select.select_option(label="Dikabulkan seluruhnya")
    assert page.get_by_label("Informasi yang diberikan").is_visible()
    assert not page.get_by_label("Konsekuensi apabila informasi dibuka").is_visible()
    select.select_option(label="Ditolak (informasi dikecualikan)")
    assert not page.get_by_label("Informasi yang diberikan").is_visible()
    assert not page.get_by_label("Bagian yang dihitamkan").is_visible()  # partial grants only
    assert page.get_by_label("Konsekuensi apabila informasi dibuka").is_visible()
    assert not axe_violations(page)
    page.get_by_label("h. rahasia pribadi", exact=False).check()
    page.get_by_label("Konsekuensi apabila informasi dibuka").fill(
        "Membuka rekam medis mengungkap rahasia pribadi pasien.")
    page.get_by_label("Entri Daftar Informasi yang Dikecualikan (DIK)").select_option(index=1)
    page.screenshot(path=str(OUT / "decision-js-ditolak.png"), full_page=True)
    page.get_by_role("button", name="Simpan keputusan dan terbitkan surat").click()
    page.get_by_text("Permohonan selesai; pemberitahuan tertulis diterbitkan.").wait_for()
    assert _state(server, request_id) == ("selesai", "ditolak")
    context.close()


def _tab_to(page, selector, limit=120):
    """Press Tab until the element matching ``selector`` has the focus (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_officer_decides_with_the_keyboard_only(browser, server, world):
    request_id = _fresh_request(server, world, "Data gizi balita 2025")
    context = _context(browser, "desktop")
    page = context.new_page()
    _login(page, server.url, world.emails["helper_a"])
    page.goto(f"{server.url}/kelola/permohonan/{request_id}")
    _tab_to(page, "select#outcome")
    for _ in range(4):  # the fourth outcome: not held by this body
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") == "tidak_dikuasai"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "holding_body"
    page.keyboard.type("BPS Provinsi Kalimantan Barat")
    page.keyboard.press("Tab")
    assert "Simpan keputusan" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.get_by_text("Permohonan selesai; pemberitahuan tertulis diterbitkan.").wait_for()
    assert _state(server, request_id) == ("selesai", "tidak_dikuasai")
    context.close()


def test_citizen_files_a_request_with_the_keyboard_only(browser, server, world):
    """Tab through the citizen's form, typing into each field, choosing with the arrow keys,
    and send it with Enter: no mouse."""
    context = _context(browser, "phone")
    page = context.new_page()
    page.goto(f"{server.url}/permohonan/baru")
    typed = {"name": "Rina Warga", "identity_number": "6171010203850001",
             "address": "Jl. Ahmad Yani 1, Pontianak", "phone": "081234567899",
             "email": "rina-keyboard@contoh.id", "occupation": "Wiraswasta",
             "information": "Data jalan rusak per kecamatan 2025",
             "purpose": "Laporan warga"}
    seen = []
    _tab_to(page, "input[name=name]")
    for _ in range(60):
        el = page.evaluate("""() => { const e = document.activeElement;
            return {tag: e.tagName.toLowerCase(), name: e.name || '', type: e.type || '',
                    text: e.textContent || ''}; }""")
        if el["tag"] == "button" and "Kirim permohonan" in el["text"]:
            break
        seen.append(el["name"])
        if el["name"] in typed:
            page.keyboard.type(typed[el["name"]])
        elif el["name"] == "agency":
            page.keyboard.press("ArrowDown")  # the first agency
        page.keyboard.press("Tab")
    else:
        raise AssertionError(f"never reached the submit button: {seen}")
    assert "website" not in seen  # the honeypot is out of the tab order
    assert set(typed) <= set(seen), seen
    page.keyboard.press("Enter")
    page.get_by_text("Permohonan Anda telah diterima", exact=False).first.wait_for()
    context.close()
