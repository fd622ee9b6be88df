"""Hostile input: XSS payloads in every text field rendered escaped (pages, feeds, CSV,
PDFs), spreadsheet formulas neutralised, SQL-injection strings and oversized or malformed
bodies answered 4xx without creating anything."""
import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa

from ppid.extensions import db
from tests.security import PAYLOAD, RAW_MARKERS, login_as, pdf_file, seed_world, table_counts
from tests.security.test_security_csrf_headers import _request_form

SQLI = ["' OR 1=1 --", "1; DROP TABLE agency", "x' UNION SELECT password_hash FROM \"user\" --"]


def _assert_escaped(resp, where):
    body = resp.get_data(as_text=True)
    for marker in RAW_MARKERS:
        assert marker not in body, f"unescaped payload in {where}"
    return body


def _query(app, stmt):
    with app.app_context():
        try:
            return db.session.execute(stmt).all()
        finally:
            db.session.remove()


def test_xss_payloads_are_escaped_everywhere(app, pdftotext):
    from ppid.agencies.models import Agency
    from ppid.info_requests.models import InfoRequest, Letter
    from ppid.registry.models import DipItem

    w = seed_world(app)
    anon, helper, main = (login_as(app, w, r) for r in ("anon", "helper_a", "main"))

    # 1. Every text field of the public request form; the valid submission is stored...
    form = _request_form(w.a, name=PAYLOAD, address=PAYLOAD, occupation=PAYLOAD,
                         information=PAYLOAD, purpose=PAYLOAD, proxy_name=PAYLOAD)
    form["proxy_letter"] = (io.BytesIO(pdf_file("Surat kuasa")), "kuasa.pdf")
    resp = anon.post("/permohonan/baru", data=form, content_type="multipart/form-data",
                     follow_redirects=True)  # to the receipt (post/redirect/get)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    _assert_escaped(resp, "submitted page")
    # ... and an invalid one (payload in the validated fields too) is re-shown escaped.
    bad = _request_form(PAYLOAD, name=PAYLOAD, identity_number=PAYLOAD, email=PAYLOAD,
                        phone=PAYLOAD, address=PAYLOAD, information=PAYLOAD, purpose=PAYLOAD,
                        obtain_method=PAYLOAD, copy_form=PAYLOAD, delivery=PAYLOAD,
                        identity_type=PAYLOAD, occupation=PAYLOAD)
    resp = anon.post("/permohonan/baru", data=bad)
    assert resp.status_code == 422
    _assert_escaped(resp, "request form with errors")

    # 2. An officer-created DIP item, published.
    item = {"title": PAYLOAD, "summary": PAYLOAD, "holding_unit": PAYLOAD,
            "responsible": PAYLOAD, "made_at_place": PAYLOAD, "retention": PAYLOAD,
            "category": "berkala", "obligation_id": "0", "form": "cetak_elektronik",
            "made_on": "2026-01-05", "note": PAYLOAD}
    resp = helper.post(f"/kelola/badan/{w.a}/dip/baru", data=item)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    (item_id,) = _query(app, sa.select(sa.func.max(DipItem.id)))[0]
    assert helper.post(f"/kelola/dip/{item_id}/terbitkan").status_code == 302
    # A second one whose cells start with spreadsheet formula characters.
    formula = {**item, "title": "=HYPERLINK(\"http://evil.example\")", "summary": "-cmd",
               "holding_unit": "+1+1", "responsible": "@SUM(A1)", "made_at_place": "Pontianak",
               "retention": "-2+3"}
    resp = helper.post(f"/kelola/badan/{w.a}/dip/baru", data=formula)
    assert resp.status_code == 302
    (formula_id,) = _query(app, sa.select(sa.func.max(DipItem.id)))[0]
    assert helper.post(f"/kelola/dip/{formula_id}/terbitkan").status_code == 302

    # 3. The agency's name and other texts (slug unchanged); 4. a calendar reason.
    resp = main.post(f"/kelola/badan-publik/{w.a}/ubah", data={
        "name": PAYLOAD, "short_name": PAYLOAD[:60], "slug": w.a, "kind": "pembantu",
        "parent_id": "0", "address": PAYLOAD, "phone": "", "email": "",
        "website": "", "atasan_name": PAYLOAD, "atasan_position": PAYLOAD, "is_active": "y"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    assert _query(app, sa.select(Agency.name).where(Agency.slug == w.a))[0][0] == PAYLOAD
    resp = main.post("/kalender", data={"day_on": "2026-12-30", "reason": PAYLOAD})
    assert resp.status_code == 302
    # Formula characters where internal and audit CSVs pick up names: agency B's name and
    # a requester's name (a citizen chooses it).
    resp = main.post(f"/kelola/badan-publik/{w.b}/ubah", data={
        "name": "=1+2 Dinas B", "short_name": "-B", "slug": w.b, "kind": "pembantu",
        "parent_id": "0", "is_active": "y"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    assert anon.post("/permohonan/baru", data=_request_form(
        w.b, name="@SUM(1+1)", information="+cmd")).status_code == 303

    req_id, number = _query(app, sa.select(InfoRequest.id, InfoRequest.registration_number)
                            .where(InfoRequest.requester_name == PAYLOAD))[0]
    pages = {
        "home": anon.get("/"), "agency page": anon.get(f"/badan/{w.a}"),
        "item page": anon.get(f"/badan/{w.a}/dip/{item_id}"),
        "obligation page": anon.get(f"/badan/{w.a}/kewajiban/a"),
        "calendar": anon.get("/kalender?year=2026"),
        "register": anon.get("/permohonan/register"),
        "request form": anon.get(f"/permohonan/baru?badan={w.a}"),
        "exemptions": anon.get(f"/informasi-dikecualikan?badan={w.a}"),
        "search": anon.get("/cari", query_string={"q": PAYLOAD}),
        "search hits": anon.get("/cari", query_string={"q": "alert"}),
        "404 page": anon.get("/badan/" + PAYLOAD.replace("/", "")),
        "login next": anon.get("/masuk", query_string={"next": PAYLOAD}),
        "register filter": anon.get("/permohonan/register",
                                    query_string={"badan": PAYLOAD, "status": PAYLOAD}),
        "calendar calculator": anon.get("/kalender", query_string={
            "start": PAYLOAD, "working_days": PAYLOAD}),
        "officer list filter": main.get("/kelola/pengguna", query_string={"q": PAYLOAD}),
        "matrix filter": main.get("/kelola/dip/matriks", query_string={"q": PAYLOAD}),
        "officer queue": main.get("/kelola/permohonan"),
        "officer detail": main.get(f"/kelola/permohonan/{req_id}"),
        "officer search": main.get("/kelola/cari-permohonan", query_string={"q": "alert"}),
        "dashboard": helper.get("/dasbor"),
        "manage dip": helper.get(f"/kelola/badan/{w.a}/dip"),
        "edit item": helper.get(f"/kelola/dip/{item_id}/ubah"),
        "agencies": main.get("/kelola/badan-publik"),
        "agency form": main.get(f"/kelola/badan-publik/{w.a}/ubah"),
        "matrix": main.get("/kelola/dip/matriks"),
        "compliance": main.get("/kelola/kepatuhan"),
        "agency compliance": main.get(f"/kelola/kepatuhan/{w.a}"),
        "reports": main.get("/kelola/laporan"),
        "annual html": main.get(f"/kelola/laporan/tahunan/2026/{w.a}.html"),
        "audit html": main.get("/kelola/laporan/audit.html"),
    }
    for where, resp in pages.items():
        # (400: a filter value it cannot use, the page with the message next to the filter)
        assert resp.status_code in (200, 400, 404), (where, resp.status_code)
        _assert_escaped(resp, where)
    assert "&lt;script&gt;" in pages["item page"].get_data(as_text=True)

    # Atom feeds: escaped and well-formed XML.
    for url in ("/dip.atom", f"/badan/{w.a}/dip.atom"):
        resp = anon.get(url)
        body = _assert_escaped(resp, url)
        root = ET.fromstring(body.encode())
        titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")]
        assert PAYLOAD in titles  # the reader gets the text back, as text

    # JSON API returns the text as data (never interpreted as HTML by a browser).
    resp = anon.get("/api/v1/dip", query_string={"agency": w.a})
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"

    # CSV exports: every cell starting with = + - @ is neutralised.
    formulas = []
    for where, resp in {"dip csv": anon.get(f"/badan/{w.a}/dip.csv"),
                        "queue csv": main.get("/kelola/permohonan/ekspor.csv"),
                        "audit csv": main.get("/kelola/laporan/audit.csv"),
                        "audit csv obligations": main.get(
                            "/kelola/laporan/audit.csv?bagian=kewajiban"),
                        "audit csv late requests": main.get(
                            "/kelola/laporan/audit.csv?bagian=permohonan"),
                        "annual csv": main.get(f"/kelola/laporan/tahunan/2026/{w.a}.csv"),
                        "consolidated csv": main.get("/kelola/laporan/tahunan/2026.csv")
                        }.items():
        assert resp.status_code == 200, where
        rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
        formulas += [(where, cell) for row in rows for cell in row
                     if cell[:1] in ("=", "+", "@") or (cell[:1] == "-" and not _is_number(cell))]
    dip_csv = anon.get(f"/badan/{w.a}/dip.csv").get_data(as_text=True)
    for text in ("'=HYPERLINK", "'+1+1", "'-2+3", "'@SUM(A1)"):
        assert text in dip_csv

    # PDFs: the payload shows as literal text (it was escaped in the HTML behind them).
    text = pdftotext(anon.get(f"/badan/{w.a}/dip.pdf").data)
    assert "<script>" in text and "alert(1)" in text
    letter_id = _query(app, sa.select(sa.func.min(Letter.id)).where(
        Letter.request_id == req_id))[0][0]
    resp = main.get(f"/kelola/permohonan/{req_id}/surat/{letter_id}")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    text = pdftotext(resp.data)
    assert "<script>" in text and number in text
    assert not formulas, f"CSV cells that a spreadsheet runs as formulas: {formulas}"


def _is_number(cell):
    try:
        float(cell)
        return True
    except ValueError:
        return False


# --- SQL injection, oversized and malformed input ------------------------------------------

def _agency_rows(app):
    from ppid.agencies.models import Agency
    return _query(app, sa.select(Agency.id, Agency.slug, Agency.name).order_by(Agency.id))


def test_sql_injection_strings_get_4xx_or_harmless_answers(app):
    from ppid.search.indexing import drain
    w = seed_world(app)
    anon, main = login_as(app, w, "anon"), login_as(app, w, "main")
    with app.app_context():
        # Apply the seeded world's queued search changes (the job worker's work), so the
        # counts below compare only what the hostile strings could have done.
        drain(app)
    agencies, before = _agency_rows(app), table_counts(app)
    failures = []
    for s in SQLI:
        not_found = {  # a lookup by key: the string is just a key that does not exist
            anon: [f"/badan/{s}", f"/badan/{s}/dip.csv", f"/badan/{s}/dip.atom",
                   f"/api/v1/agencies/{s}/obligations", f"/api/v1/requests/{s}",
                   f"/lacak/{s}", f"/badan/{w.a}/kewajiban/{s}",
                   "/informasi-dikecualikan?badan=" + s],
            main: [f"/kelola/badan-publik/{s}/ubah", f"/kelola/kepatuhan/{s}",
                   f"/kelola/badan/{w.a}/nihil/{s}"],
        }
        for c, urls in not_found.items():
            for url in urls:
                resp = c.get(url)
                if resp.status_code not in (400, 404):
                    failures.append(f"GET {url}: {resp.status_code}")
        filters = {  # a filter or search text: 200 with nothing leaked, or a clear 400
            anon: ["/cari", "/api/v1/search", "/api/v1/dip", "/permohonan/register",
                   "/api/v1/compliance", "/api/v1/agencies"],
            main: ["/kelola/pengguna", "/kelola/badan-publik", "/kelola/dip/matriks",
                   "/kelola/cari-permohonan", "/kelola/kepatuhan", "/kelola/permohonan"],
        }
        for c, urls in filters.items():
            for url in urls:
                for key in ("q", "agency", "badan", "category", "tahun", "year", "status",
                            "sort", "role", "page", "predikat", "type"):
                    resp = c.get(url, query_string={key: s})
                    if resp.status_code not in (200, 400, 404):
                        failures.append(f"GET {url}?{key}={s}: {resp.status_code}")
                    elif "password_hash" in resp.get_data(as_text=True) and "pbkdf2" in \
                            resp.get_data(as_text=True):
                        failures.append(f"GET {url}?{key}={s}: leaks password hashes")
        # Forms: the string in validated fields is refused with 422, nothing stored.
        resp = anon.post("/permohonan/baru", data=_request_form(s, identity_number=s))
        if resp.status_code != 422:
            failures.append(f"POST /permohonan/baru: {resp.status_code}")
        resp = anon.post("/api/v1/requests", json={**_request_form(s), "identity_number": s})
        if resp.status_code != 422:
            failures.append(f"POST /api/v1/requests: {resp.status_code}")
        resp = anon.post("/masuk", data={"email": s, "password": s})
        if resp.status_code not in (401, 422):
            failures.append(f"POST /masuk: {resp.status_code}")
        resp = main.post("/kelola/badan-publik/baru", data={
            "name": "Dinas Baru", "slug": s, "kind": "pembantu", "parent_id": "0"})
        if resp.status_code != 422:
            failures.append(f"POST /kelola/badan-publik/baru slug={s}: {resp.status_code}")
    assert not failures, "\n".join(failures)
    assert _agency_rows(app) == agencies
    after = table_counts(app)
    # Only the failed logins are recorded (the throttle's own table).
    assert {t: n for t, n in after.items() if t != "login_attempt"} == \
        {t: n for t, n in before.items() if t != "login_attempt"}


MEGA = "x" * (1024 * 1024)


@pytest.mark.parametrize("case", ["invalid json", "json array", "json string", "json null",
                                  "wrong content type", "form encoded", "empty body",
                                  "unknown fields", "wrong types", "huge field",
                                  "deeply nested", "huge number"])
def test_malformed_api_bodies_get_4xx_and_create_nothing(app, case):
    w = seed_world(app)
    c = app.test_client()
    valid = {**_request_form(w.a)}
    bodies = {
        "invalid json": dict(data="{\"name\": ", content_type="application/json"),
        "json array": dict(json=[valid]),
        "json string": dict(json="halo"),
        "json null": dict(data="null", content_type="application/json"),
        "wrong content type": dict(data=json.dumps(valid), content_type="text/plain"),
        "form encoded": dict(data=valid),
        "empty body": dict(data="", content_type="application/json"),
        "unknown fields": dict(json={"is_admin": True, "agency_id": 1, "state": "selesai"}),
        "wrong types": dict(json={**valid, "name": ["a"], "information": {"a": 1},
                                  "email": None, "purpose": True}),
        "huge field": dict(json={**valid, "information": MEGA}),
        "deeply nested": dict(data="[" * 100_000 + "]" * 100_000,
                              content_type="application/json"),
        "huge number": dict(data='{"name": 1' + "0" * 5000 + "}",
                            content_type="application/json"),
    }
    before = table_counts(app)
    resp = c.post("/api/v1/requests", **bodies[case])
    assert 400 <= resp.status_code < 500, (case, resp.status_code)
    assert resp.headers["Content-Type"].startswith("application/json"), case
    assert "error" in resp.json
    assert table_counts(app) == before


def test_oversized_and_malformed_form_posts_get_4xx(app):
    w = seed_world(app)
    anon, main = login_as(app, w, "anon"), login_as(app, w, "main")
    before = table_counts(app)
    failures = []
    cases = [
        (anon, "/permohonan/baru", _request_form(w.a, information=MEGA)),
        (anon, "/permohonan/baru", _request_form(w.a, name=MEGA, purpose=MEGA)),
        (anon, "/permohonan/baru", {f"f{i}": "1" for i in range(10_000)}),
        (anon, "/masuk", {"email": MEGA, "password": MEGA}),
        (anon, "/daftar", {"email": MEGA, "name": MEGA, "password": MEGA}),
        (main, "/kalender", {"day_on": "2026-13-45", "reason": MEGA}),
        (main, f"/kelola/badan/{w.a}/dip/baru", {"title": MEGA, "summary": MEGA,
                                                 "category": "x", "form": "y"}),
        (main, "/kelola/badan-publik/baru", {"name": MEGA, "slug": MEGA}),
        (main, "/kelola/katalog/baru", {"code": MEGA, "title": MEGA, "period_months": MEGA}),
        (main, f"/kelola/permohonan/{w.req_a}/perpanjang", {"new_due_on": "x", "reason": MEGA}),
        (main, f"/kelola/permohonan/{w.req_a}/samarkan", {"redacted_subject": MEGA}),
    ]
    for c, url, data in cases:
        resp = c.post(url, data=data)
        if not 400 <= resp.status_code < 500:
            failures.append(f"POST {url}: {resp.status_code}")
    # Wrong content types on forms.
    for url in ("/permohonan/baru", "/masuk"):
        for kw in (dict(data="{}", content_type="application/json"),
                   dict(data="\x00\xff" * 100, content_type="application/octet-stream"),
                   dict(data="--x\r\nbroken", content_type="multipart/form-data; boundary=x")):
            resp = anon.post(url, **kw)
            if not 400 <= resp.status_code < 500:
                failures.append(f"POST {url} {kw['content_type']}: {resp.status_code}")
    # 10,000 query parameters on pages and the API: never a 5xx.
    many = "&".join(f"p{i}={i}" for i in range(10_000))
    for url in ("/", "/cari", "/api/v1/dip", "/api/v1/search", "/permohonan/register",
                "/api/v1/agencies"):
        resp = anon.get(f"{url}?{many}")
        if resp.status_code >= 500:
            failures.append(f"GET {url} with 10000 params: {resp.status_code}")
    assert not failures, "\n".join(failures)
    after = table_counts(app)
    assert {t: n for t, n in after.items() if t != "login_attempt"} == \
        {t: n for t, n in before.items() if t != "login_attempt"}


def test_personal_data_never_reaches_public_outputs_or_auditors(app):
    """DOMAIN.md 11: identity number, address, phone, e-mail and name of requesters stay
    out of public pages, feeds, the public API, search and auditors' views."""
    w = seed_world(app)
    secrets = ("6171010203850001", "081234567890", "Jl. Uji No. 1", "anon@uji.id",
               "Pemohon Uji", "617101")
    anon, auditor = login_as(app, w, "anon"), login_as(app, w, "auditor")
    outputs = {
        "register": anon.get("/permohonan/register"),
        "api request": anon.get(f"/api/v1/requests/{w.number_a}"),
        "search name": anon.get("/cari", query_string={"q": "Pemohon"}),
        "api search": anon.get("/api/v1/search", query_string={"q": "Pemohon", "type": "all"}),
        "agency page": anon.get(f"/badan/{w.a}"),
        "feed": anon.get("/dip.atom"),
        "api compliance": anon.get("/api/v1/compliance"),
        "auditor dashboard": auditor.get("/dasbor"),
        "auditor compliance": auditor.get(f"/kelola/kepatuhan/{w.a}"),
        "auditor audit report": auditor.get("/kelola/laporan/audit.html"),
        "auditor late csv": auditor.get("/kelola/laporan/audit.csv?bagian=permohonan"),
        "auditor annual": auditor.get(f"/kelola/laporan/tahunan/{w.year + 1}/{w.a}.html"),
        # The auditor reads the officers' pages and the registers, personal data masked.
        "auditor queue": auditor.get("/kelola/permohonan"),
        "auditor queue csv": auditor.get("/kelola/permohonan/ekspor.csv"),
        "auditor request": auditor.get(f"/kelola/permohonan/{w.req_a}"),
        "auditor objections": auditor.get("/kelola/keberatan"),
        "auditor objection": auditor.get(f"/kelola/keberatan/{w.obj_a}"),
        "auditor register": auditor.get(f"/kelola/register/permohonan?tahun={w.year + 1}"),
        "auditor register csv": auditor.get(
            f"/kelola/register/permohonan.csv?tahun={w.year + 1}"),
        "auditor agency register": auditor.get(
            f"/kelola/badan/{w.a}/register/keberatan.csv?tahun={w.year + 1}"),
    }
    leaks = []
    # Searching by a requester's identity number or phone finds nothing of theirs (the
    # query itself is echoed in the search box, so look for the request instead), while
    # its public subject does find it.
    assert w.number_a in anon.get("/cari", query_string={"q": "kasus DBD"}).get_data(
        as_text=True)
    for q in ("6171010203850001", "081234567890", "anon@uji.id"):
        for url in ("/cari", "/api/v1/search"):
            body = anon.get(url, query_string={"q": q}).get_data(as_text=True)
            leaks += [(f"{url}?q={q}", n) for n in (w.number_a, "Data kasus DBD") if n in body]
    for where, resp in outputs.items():
        assert resp.status_code == 200, (where, resp.status_code)
        body = resp.get_data(as_text=True)
        leaks += [(where, s) for s in secrets if s in body]
    assert not leaks, leaks
