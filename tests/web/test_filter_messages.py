"""A list's filter given a value it cannot use (issue #17): the page, with the message next
to that filter (aria-invalid, aria-describedby), not a bare error page; the officers' queue
and the public register filter agencies the same way, by slug."""
import re

from ppid.core import auth
from ppid.extensions import db
from tests.conftest import login, make_agency, make_user
from tests.web.test_requests_web import api_data


def _field(html, field_id):
    m = re.search(rf'<div class="field[^"]*">\s*<label for="{field_id}">.*?</div>', html, re.S)
    assert m, field_id
    return m.group(0)


def _world():
    utama = make_agency(slug="utama-f", name="PPID Utama Filter", kind="utama")
    dinkes = make_agency(slug="dinkes", name="Dinas Kesehatan Filter", parent_id=utama.id)
    other = make_agency(slug="dishub", name="Dinas Perhubungan Filter", parent_id=utama.id)
    db.session.commit()
    return utama, dinkes, other


def test_public_register_keeps_the_page_and_says_what_is_wrong_with_the_year(client):
    _world()
    resp = client.get("/permohonan/register?tahun=abc")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "<h1>Register permohonan informasi publik</h1>" in html  # the page, not an error page
    field = _field(html, "f-tahun")
    assert 'class="field has-error"' in field
    assert 'aria-invalid="true" aria-describedby="f-tahun-error"' in field
    assert re.search(r'<p class="error" id="f-tahun-error">Tahun harus angka antara', field)
    assert 'value="abc"' in field  # what was typed stays, to correct it
    assert client.get("/permohonan/register?tahun=2026").status_code == 200


def test_public_register_and_queue_filter_agencies_by_slug(client):
    _, dinkes, other = _world()
    client.post("/api/v1/requests", json=api_data(agency="dinkes"))
    client.post("/api/v1/requests", json=api_data(agency="dishub"))
    public = client.get("/permohonan/register?badan=dinkes").get_data(as_text=True)
    assert '<option value="dinkes" selected>' in public
    assert "Dinas Perhubungan Filter</a>" not in public.split("<tbody>")[1]
    wrong = client.get("/permohonan/register?badan=tidak-ada")
    assert wrong.status_code == 400
    assert 'id="f-badan-error">Pilihan badan publik tidak valid' in wrong.get_data(as_text=True)

    main = make_user(auth.MAIN, email="utama-filter@uji.go.id")
    db.session.commit()
    login(client, main)
    queue = client.get("/kelola/permohonan?badan=dinkes").get_data(as_text=True)
    assert '<option value="dinkes" selected>' in queue  # the same value as the register
    body = queue.split("<tbody>")[1].split("</tbody>")[0]
    assert "Dinas Kesehatan Filter" in body and "Dinas Perhubungan Filter" not in body
    bad = client.get("/kelola/permohonan?badan=abc")
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "<h1>Antrean permohonan</h1>" in html
    assert 'aria-describedby="f-badan-error"' in _field(html, "f-badan")


def test_helper_cannot_filter_the_queue_to_another_agency(client):
    _, dinkes, other = _world()
    helper = make_user(auth.HELPER, agency=dinkes, email="pembantu-filter@uji.go.id")
    db.session.commit()
    login(client, helper)
    resp = client.get(f"/kelola/permohonan?badan={other.slug}")
    assert resp.status_code == 400
    assert 'id="f-badan-error">Pilihan badan publik tidak valid' in resp.get_data(as_text=True)


def test_reports_page_with_a_bad_year_shows_the_message_next_to_the_year(client):
    _world()
    main = make_user(auth.MAIN, email="utama-laporan@uji.go.id")
    db.session.commit()
    login(client, main)
    for value in ("abc", "1999", "3000", "２０２５"):
        resp = client.get(f"/kelola/laporan?tahun={value}")
        assert resp.status_code == 400, value
        html = resp.get_data(as_text=True)
        assert "<h1>Laporan</h1>" in html  # the page itself
        field = _field(html, "tahun")
        assert 'aria-invalid="true" aria-describedby="tahun-error"' in field
        assert 'id="tahun-error">Tahun laporan harus antara 2000 dan' in field
    assert client.get("/kelola/laporan?tahun=2025").status_code == 200


def test_matrix_compliance_and_registers_keep_the_page_with_the_message(client):
    _world()
    main = make_user(auth.MAIN, email="utama-matriks@uji.go.id")
    db.session.commit()
    login(client, main)
    for url, heading, field_id, text in (
            ("/kelola/dip/matriks?status=hijau", "<h1>Matriks kepatuhan informasi berkala</h1>",
             "status", "Status tidak dikenal. Pilih dari daftar."),
            ("/kelola/kepatuhan?urut=acak", "<h1>Kepatuhan badan publik</h1>", "urut",
             "Urutan tidak dikenal. Pilih dari daftar."),
            ("/kelola/kepatuhan?predikat=hebat&format=csv", "<h1>Kepatuhan badan publik</h1>",
             "predikat", "Predikat tidak dikenal. Pilih dari daftar."),
            ("/kelola/register/permohonan?bulan=13", "<h1>Register permohonan informasi publik",
             "f-bulan", "Bulan harus angka 1 sampai 12"),
            ("/kelola/register/keberatan?putusan=x", "<h1>Register keberatan", "f-putusan",
             "Tanggapan yang dipilih tidak dikenal"),
            ("/kelola/emonev/peringkat?tahun=20x6", "<h1>", "tahun",
             "Tahun harus angka antara 2000 dan"),
            ("/kelola/pengguna?role=raja", "<h1>Kelola pengguna</h1>", "role",
             "Peran tidak dikenal. Pilih dari daftar.")):
        resp = client.get(url)
        assert resp.status_code == 400, url
        assert resp.mimetype == "text/html", url  # a bad CSV filter gives the page, no export
        html = resp.get_data(as_text=True)
        assert heading in html, url
        field = _field(html, field_id)
        assert f'aria-invalid="true" aria-describedby="{field_id}-error"' in field, url
        assert f'id="{field_id}-error">{text}' in field, url
    assert client.get("/kelola/dip/matriks?status=terkini").status_code == 200
    assert client.get("/kelola/kepatuhan?urut=nama&predikat=none").status_code == 200


def test_public_pages_keep_the_page_with_the_message(client):
    _world()
    for url, field_id, text in (
            ("/kalender?year=abc", "f-year", "Tahun harus angka antara 2000 dan 2100."),
            ("/ikm?tahun=1999", "tahun", "Tahun harus angka antara 2000 dan"),
            ("/ikm/dinkes?tahun=abc", "tahun", "Tahun harus angka antara 2000 dan"),
            ("/berita?badan=tidak-ada", "f-badan", "Pilihan badan publik tidak valid."),
            ("/informasi-dikecualikan?badan=tidak-ada", "f-badan",
             "Pilihan badan publik tidak valid."),
            ("/permohonan/register?status=hilang", "f-status", "Status tidak dikenal."),
            ("/cari?q=profil&jenis=semuanya", "jenis", "Jenis harus salah satu dari"),
            ("/cari?q=profil&tahun=abc", "tahun", "Tahun harus angka antara 1900 dan 2200.")):
        resp = client.get(url)
        assert resp.status_code == 400, url
        html = resp.get_data(as_text=True)
        assert "Kode galat" not in html, url
        field = _field(html, field_id)
        assert f'aria-describedby="{field_id}-error"' in field, url
        assert f'id="{field_id}-error">{text}' in field, url
    assert 'value="abc"' in _field(client.get("/kalender?year=abc").get_data(as_text=True),
                                   "f-year")  # what was typed stays, to correct it
    assert client.get("/kalender?year=2026").status_code == 200
    assert client.get("/berita?badan=dinkes").status_code == 200
    assert client.get("/informasi-dikecualikan?badan=dinkes").status_code == 200


# --- every list filter, found from the URL map ------------------------------------------------

import inspect  # noqa: E402
import types  # noqa: E402

from tests.security import login_as, seed_world  # noqa: E402
from tests.security.test_security_authz import (EXPECT, build, primary_params,  # noqa: E402
                                                rules_by_endpoint)

# How a view reads its query string: request.args.get("x"), request.args["x"], args.get("x")
# (a parser given request.args), and the filter helpers of ppid.core.web.
_READS = re.compile(r'(?:request\.args(?:\.get\(|\[)|\bargs\.get\()\s*"([a-z_]+)"'
                    r'|\b(?:\w*_arg|_choice)\(\s*(?:args,\s*)?"([a-z_]+)"')
_HELPERS = {"filter_agency_arg": "badan", "page_arg": "page"}  # helpers with a default name
_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\(")

# Query values that are not a list's filter, each for a reason; every other one a GET page
# reads is walked below.
NOT_FILTERS = {
    "page": "the pager's own links; a bad page number is refused by page_arg (400)",
    "q": "free text: any value is a search",
    "next": "where to go after signing in or choosing a language",
    "lang": "the language switch (redirects)",
    "format": "csv asks for the export; anything else is the page",
    "tag": "a news tag: free text, an unusable one shows all news",
    "kewajiban": "prefills the new DIP item form's obligation (a convenience, not a filter)",
    "start": "the deadline calculator's form (WTForms, errors next to its fields)",
    "working_days": "the deadline calculator's form",
}
# Query values of one page that are not filters there.
NOT_FILTERS_AT = {
    ("requests.new", "badan"): "preselects the request form's agency",
    ("broadcasts.follow", "badan"): "the agency to follow: an unknown one is not found (404)",
    ("requests.agency_register_requests", "badan"): "one PPID's register: no agency filter",
    ("requests.agency_register_objections", "badan"): "one PPID's register: no agency filter",
    # The search a reader follows: its terms are shown as a sentence with a link back to
    # the search (no filter fields); one it cannot follow is the page with the problem, 400.
    **{("broadcasts.follow_search", name): "the terms of the search to follow"
       for name in ("jenis", "badan", "kategori", "tahun")},
    **{(f"requests.{where}register_requests", "putusan"): "the objection register's filter"
       for where in ("", "agency_")},
    **{(f"requests.{where}register_objections", name): "the request register's filter"
       for where in ("", "agency_") for name in ("status", "keputusan")},
}
# Facet values of the search page: an unknown agency or category matches nothing and is
# shown as a filter the reader can remove (the facets list only values that exist).
FACETS = {("search.search_page", "badan"), ("search.search_page", "kategori")}
# What a view needs in its query to read its filters at all.
PREFIX = {"search.search_page": "q=profil"}
BAD = "abc\u00e9"  # no year, no code, no slug of the seeded world


def _source_params(fn, seen=None, depth=0):
    """The query names ``fn`` reads, following calls to ppid's own functions two levels
    down (helpers such as _year_arg, parse_filters, _agency_filter)."""
    seen = set() if seen is None else seen
    fn = inspect.unwrap(fn)
    if fn in seen or not getattr(fn, "__module__", "").startswith("ppid"):
        return set()
    seen.add(fn)
    try:
        src = inspect.getsource(fn)
    except (OSError, TypeError):
        return set()
    names = {a or b for a, b in _READS.findall(src)}
    names |= {param for helper, param in _HELPERS.items() if re.search(rf"\b{helper}\(", src)}
    if depth < 2:
        for called in _CALL.findall(src):
            target = fn.__globals__.get(called.split(".")[0])
            for part in called.split(".")[1:]:
                target = getattr(target, part, None) if isinstance(target, types.ModuleType) \
                    else None
            if isinstance(target, types.FunctionType):
                names |= _source_params(target, seen, depth + 1)
    return names


def _filters(app):
    """(endpoint, rule, query name) of every HTML GET page that reads a filter value."""
    out = []
    for endpoint, rule in sorted(rules_by_endpoint(app, "GET").items()):
        if "api" in endpoint.split(".")[0] or re.search(r"\.(csv|pdf|zip|atom|json|css|<fmt>)$",
                                                        rule.rule):
            continue
        for name in sorted(_source_params(app.view_functions[endpoint])):
            if name not in NOT_FILTERS and (endpoint, name) not in FACETS | set(NOT_FILTERS_AT):
                out.append((endpoint, rule, name))
    return out


def _reader(endpoint):
    """A role that may open the page (the security matrix's 200), the PPID Utama first."""
    expected = EXPECT[endpoint]
    for role in ("main", "admin", "helper_a", "atasan_a", "auditor", "humas_a", "owner",
                 "anon"):
        if expected.get(role) == 200:
            return role
    return None


def test_every_list_filter_answers_a_bad_value_with_the_page_and_its_message(app):
    """Walk the URL map: every GET page that reads a query value (other than NOT_FILTERS)
    given a value it cannot use answers 400 or 422 with the page itself (not the error
    page) and the message next to that filter: the field aria-invalid, described by an
    error paragraph. A filter added later is walked without touching this test."""
    found = _filters(app)
    names = {(e, n) for e, _r, n in found}
    # The walk sees the filters it is meant to (a broken scan would walk nothing).
    for expected in (("registry.matrix", "status"), ("reports.compliance", "urut"),
                     ("reports.compliance", "predikat"), ("reports.index", "tahun"),
                     ("evaluation.emonev_ranking", "tahun"), ("core.calendar", "year"),
                     ("requests.register", "status"), ("requests.queue", "badan"),
                     ("requests.register_requests", "bulan"), ("publications.news", "badan"),
                     ("registry.exemptions", "badan"), ("evaluation.public_government",
                                                        "tahun")):
        assert expected in names, expected
    w = seed_world(app)
    params = primary_params(w)
    clients, failures = {}, []
    for endpoint, rule, name in found:
        role = _reader(endpoint)
        if role is None:
            continue
        client = clients.get(role) or clients.setdefault(role, login_as(app, w, role))
        url = build(app, rule, params)
        url += ("&" if "?" in url else "?") + "&".join(
            filter(None, (PREFIX.get(endpoint), f"{name}={BAD}")))
        resp = client.get(url)
        html = resp.get_data(as_text=True)
        where = f"{endpoint} ?{name}= as {role} ({url})"
        if resp.status_code not in (400, 422):
            failures.append(f"{where}: {resp.status_code}")
            continue
        if "Kode galat" in html:
            failures.append(f"{where}: the bare error page")
            continue
        marked = re.search(r'aria-invalid="true" aria-describedby="([\w-]+)-error"', html)
        if not marked or f'id="{marked.group(1)}-error"' not in html:
            failures.append(f"{where}: no message next to the filter")
    assert not failures, "\n".join(failures)
