"""Out-of-range values get a clear answer, never a 500 (issue #12, finding 6).

Every integer in a route is bounded by the URL converter (a bigger one is simply not found),
every integer read from a query answers a 400 with a message when out of range, every date
and date-time field of every form is bounded to a plausible range, and a search whose index
directory is unusable answers 503 with a message. The 5xx found by the form fuzzing
(test_security_form_fuzz.py) each have their regression test here.
"""
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from ppid.extensions import db
from tests.security import login_as, seed_world, table_counts
from tests.security.test_security_authz import build, primary_params, rules_by_endpoint
from tests.services.test_registry_items import SERTA_MERTA_PARTS

PPID = Path(__file__).resolve().parents[2] / "ppid"
TOO_BIG = [2**31, 2**63, 2**64, 10**30, int("9" * 400)]


def _count(app, model):
    with app.app_context():
        try:
            return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
        finally:
            db.session.remove()


# --- Integers in routes ------------------------------------------------------------------

def _integer_arguments(rule):
    return [name for name, conv in rule._converters.items()
            if isinstance(conv, IntegerConverter)]


def test_every_integer_in_a_route_is_bounded_so_a_huge_one_is_not_found(app):
    """/kelola/pengguna/<2**64> and the like were 500s (OverflowError binding the id)."""
    w = seed_world(app)
    clients = [login_as(app, w, role) for role in ("admin", "main")]
    prim = primary_params(w)
    failures, checked = [], 0
    for method in ("GET", "POST"):
        for endpoint, rule in sorted(rules_by_endpoint(app, method).items()):
            for name in _integer_arguments(rule):
                for value in TOO_BIG:
                    # Built with a placeholder: url_for itself refuses a value over the bound.
                    url = build(app, rule, {**prim, name: 424242}).replace("424242", str(value))
                    for c in clients:
                        resp = c.open(url, method=method)
                        checked += 1
                        if resp.status_code != 404:
                            failures.append(f"{method} {url}: {resp.status_code}")
    assert checked > 200
    assert not failures, "\n".join(failures)


def test_route_integers_in_other_scripts_or_with_signs_are_not_found(app):
    w = seed_world(app)
    admin = login_as(app, w, "admin")
    for url in (f"/kelola/pengguna/{'١٢'}", "/kelola/pengguna/+1", "/kelola/pengguna/-1",
                "/kelola/pengguna/1_0", f"/kelola/pengguna/{'9' * 5000}",
                f"/kalender/{'9' * 5000}/hapus"):
        resp = admin.open(url, method="POST" if url.endswith("hapus") else "GET")
        assert resp.status_code == 404, (url, resp.status_code)


# --- Integers in queries -----------------------------------------------------------------

def query_names():
    """The query parameters the application reads, found in its source (so a new one is
    covered without editing this test), plus those Flask-SQLAlchemy's paginate reads."""
    names = {"page", "per_page"}
    pattern = re.compile(r"""(?:args\.get\(|args\[|_?int_arg\(|int_param\(|date_param\()
                             \s*["']([a-z_]+)["']""", re.X)
    for path in PPID.rglob("*.py"):
        names.update(pattern.findall(path.read_text(encoding="utf-8")))
    return sorted(names)


def test_query_names_are_found():
    names = query_names()
    for expected in ("page", "tahun", "year", "semester", "badan", "q", "working_days"):
        assert expected in names, names


@pytest.mark.parametrize("value", [str(2**64), "-" + str(2**63 + 1), "9" * 5000, "0", "١٢"])
def test_every_query_integer_out_of_range_is_a_4xx_never_a_500(app, value):
    """Every GET route with every query parameter the application reads set to the value,
    as the roles that see the most pages: never a 5xx."""
    w = seed_world(app)
    clients = {role: login_as(app, w, role) for role in ("admin", "main")}
    prim = {**primary_params(w), "fmt": "html"}
    names = query_names()
    failures = []
    for endpoint, rule in sorted(rules_by_endpoint(app, "GET").items()):
        url = build(app, rule, prim).split("?")[0]
        if re.search(r"/(surat|berkas|versi)/|\.pdf$", url):
            continue  # files: no query is read, and rendering PDFs here is slow
        for role, c in clients.items():
            resp = c.get(url, query_string={n: value for n in names})
            if resp.status_code >= 500:
                failures.append(f"GET {url} as {role}: {resp.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("url", ["/kelola/pengguna", "/kelola/badan-publik"])
@pytest.mark.parametrize("page", [str(2**64), str(2**63), "100001", "-5", "x"])
def test_a_page_number_out_of_range_is_a_400_with_a_message(app, url, page):
    """Officer lists paginated by Flask-SQLAlchemy: ?page=2**64 was a 500 (the offset
    overflowed the database's integer)."""
    w = seed_world(app)
    admin = login_as(app, w, "admin")
    resp = admin.get(url, query_string={"page": page})
    assert resp.status_code == 400, resp.status_code
    assert "Nomor halaman harus angka antara 1 dan 100000" in resp.get_data(as_text=True)
    assert admin.get(url, query_string={"page": "1"}).status_code == 200
    assert admin.get(url, query_string={"page": ""}).status_code == 200


# --- Dates in forms ----------------------------------------------------------------------

def _item_form(**kw):
    data = {"title": "Banjir di Kapuas", "summary": "Informasi banjir", "category": "serta_merta",
            "obligation_id": "0", "holding_unit": "BPBD", "responsible": "Kepala BPBD",
            "form": "elektronik", "event_at": "2026-01-05T08:00", **SERTA_MERTA_PARTS}
    data.update(kw)
    if data["category"] != "serta_merta":
        data.update(dict.fromkeys(SERTA_MERTA_PARTS, ""))
    return data


@pytest.mark.parametrize("event_at", ["0001-01-01T00:00", "0001-01-01T06:59", "1899-12-31T23:59",
                                      "9999-12-31T23:59"])
def test_a_serta_merta_event_time_out_of_range_is_refused_with_a_message(app, event_at):
    """Found by the form fuzzing: a serta-merta event at year 1 was a 500 (OverflowError
    converting local time to UTC in ppid/core/db.py); 9999 was stored."""
    from ppid.registry.models import DipItem
    w = seed_world(app)
    helper = login_as(app, w, "helper_a")
    before = table_counts(app)
    for url in (f"/kelola/badan/{w.a}/dip/baru", f"/kelola/dip/{w.item_a}/ubah"):
        resp = helper.post(url, data=_item_form(event_at=event_at))
        assert resp.status_code == 422, (url, resp.status_code)
        body = resp.get_data(as_text=True)
        assert "Tanggal harus antara 1 Januari 1900 dan" in body, body[:3000]
    assert table_counts(app) == before
    # A plausible event time is stored.
    resp = helper.post(f"/kelola/badan/{w.a}/dip/baru", data=_item_form())
    assert resp.status_code == 302
    assert _count(app, DipItem) == before["registry_dip_item"] + 1


@pytest.mark.parametrize("made_on", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_an_implausible_date_of_making_is_refused(app, made_on):
    """Found by the form fuzzing: DIP items made in year 1 or 9999 were accepted."""
    w = seed_world(app)
    helper = login_as(app, w, "helper_a")
    before = table_counts(app)
    resp = helper.post(f"/kelola/badan/{w.a}/dip/baru",
                       data=_item_form(category="berkala", event_at="", made_on=made_on))
    assert resp.status_code == 422
    assert "Tanggal harus antara" in resp.get_data(as_text=True)
    assert table_counts(app) == before


def _years_later(day, years):
    return day.replace(year=day.year + years) if (day.month, day.day) != (2, 29) \
        else date(day.year + years, 2, 28)


def test_the_latest_date_is_today_plus_the_configured_years(app):
    from ppid.core.services import local_today
    w = seed_world(app)
    helper = login_as(app, w, "helper_a")
    years = app.config["DATE_YEARS_AHEAD"]
    with app.app_context():
        last = _years_later(local_today(), years)

    def made_on(day):
        return helper.post(f"/kelola/badan/{w.a}/dip/baru", data=_item_form(
            category="berkala", event_at="", made_on=day.isoformat())).status_code

    assert made_on(last) == 302
    assert made_on(last + timedelta(days=1)) == 422
    app.config["DATE_YEARS_AHEAD"] = years + 5
    try:
        assert made_on(last + timedelta(days=1)) == 302
    finally:
        app.config["DATE_YEARS_AHEAD"] = years


def test_an_exemption_may_end_a_lifetime_ahead_but_not_later(app):
    """Pasal 17 letters g-j last as long as their ground (DOMAIN.md 14): the end date of an
    exempt-information entry goes up to 100 years ahead."""
    from ppid.core.services import local_today
    w = seed_world(app)
    helper = login_as(app, w, "helper_a")
    with app.app_context():
        last = _years_later(local_today(), 100)
    url = f"/kelola/badan/{w.a}/pengecualian/baru"
    assert helper.post(url, data=_exemption(end_on=last)).status_code == 302
    resp = helper.post(url, data=_exemption(end_on=last + timedelta(days=1)))
    assert resp.status_code == 422
    assert "Tanggal harus antara" in resp.get_data(as_text=True)


def _exemption(**kw):
    data = {"information": "Rekam medis pasien", "pasal17_letters": "h", "other_statute": "",
            "consequence": "Membuka rahasia pribadi", "public_interest": "Data agregat terbuka",
            "decided_by": "PPID A", "decree_number": "2/A", "decree_on": "2025-01-02",
            "tested_on": "2024-12-20", "document": "Berkas rekam medis"}
    data.update({k: v.isoformat() if isinstance(v, date) else v for k, v in kw.items()})
    return data


def test_every_date_field_of_every_form_is_bounded(app):
    """No form declares a date or date-time field WTForms leaves unbounded: each is one of
    ppid.core.forms' bounded fields (a new form cannot forget)."""
    import wtforms
    from wtforms.fields.core import UnboundField

    from ppid.core import forms as core_forms

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    found, unbounded = 0, []
    for form_cls in subclasses(wtforms.Form):
        if not form_cls.__module__.startswith("ppid."):
            continue
        for name in dir(form_cls):
            unbound = getattr(form_cls, name, None)
            if not isinstance(unbound, UnboundField):
                continue
            cls = unbound.field_class
            if issubclass(cls, (wtforms.DateField, wtforms.DateTimeField, wtforms.TimeField,
                                wtforms.MonthField)):
                found += 1
                if not issubclass(cls, core_forms.BoundedDates):
                    unbounded.append(f"{form_cls.__module__}.{form_cls.__name__}.{name}")
    assert found >= 11, found
    assert not unbounded, unbounded


@pytest.mark.parametrize("case", ["received_at year 1", "received_at year 9999",
                                  "filed_on year 1", "new_due_on year 9999",
                                  "available_on year 1", "calendar day 9999",
                                  "calendar day 1899"])
def test_officer_dates_out_of_range_are_refused_with_a_message(app, case):
    w = seed_world(app)
    main = login_as(app, w, "main")
    from tests.security.test_security_csrf_headers import _request_form
    posts = {
        "received_at year 1": ("/kelola/permohonan/baru", {
            **_request_form(w.a), "channel": "langsung", "received_at": "0001-01-01T00:00"}),
        "received_at year 9999": ("/kelola/permohonan/baru", {
            **_request_form(w.a), "channel": "langsung", "received_at": "9999-12-31T23:59"}),
        "filed_on year 1": (f"/kelola/keberatan/{w.obj_a}/sengketa", {
            "filed_on": "0001-01-01", "commission": "provinsi", "note": ""}),
        "new_due_on year 9999": (f"/kelola/permohonan/{w.req_t}/perpanjang", {
            "new_due_on": "9999-12-31", "reason": "Dokumen tersebar di beberapa unit."}),
        "available_on year 1": (f"/kelola/permohonan/{w.req_t}/tutup", {
            "outcome": "dikabulkan", "response_note": "Diberikan", "info_form": "softcopy",
            "available_on": "0001-01-01"}),
        "calendar day 9999": ("/kalender", {"day_on": "9999-12-31", "reason": "Libur"}),
        "calendar day 1899": ("/kalender", {"day_on": "1899-12-31", "reason": "Libur"}),
    }
    url, data = posts[case]
    before = table_counts(app)
    resp = main.post(url, data=data)
    assert 400 <= resp.status_code < 500, resp.status_code
    # A receipt time has its legal bounds (not in the future, not long past) and message.
    message = ("tidak boleh di masa depan" if case == "received_at year 9999"
               else "Tanggal harus antara")
    assert message in resp.get_data(as_text=True)
    assert table_counts(app) == before


@pytest.mark.parametrize("year", ["1999", "2101", str(2**64), "x", "\u0662\u0660\u0662\u0666"])
def test_a_calendar_year_out_of_range_is_a_400_with_a_message(app, year):
    resp = app.test_client().get("/kalender", query_string={"year": year})
    assert resp.status_code == 400
    assert "Tahun harus angka antara 2000 dan 2100" in resp.get_data(as_text=True)


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_the_public_deadline_calculator_bounds_its_date(app, start):
    resp = app.test_client().get("/kalender", query_string={"start": start,
                                                            "working_days": "60"})
    assert resp.status_code == 200
    assert "Tanggal harus antara" in resp.get_data(as_text=True)


def test_a_utc_column_refuses_a_datetime_it_cannot_hold_with_a_clear_error():
    """The last line of defence behind the forms: a local time of year 1 cannot be
    converted to UTC; the column says so instead of an OverflowError."""
    from ppid.core.db import UTCDateTime
    col = UTCDateTime()
    local = timezone(timedelta(hours=7))
    with pytest.raises(ValueError, match="out of range"):
        col.process_bind_param(datetime(1, 1, 1, 0, 0, tzinfo=local), None)
    assert col.process_bind_param(datetime(2026, 1, 1, 7, 0, tzinfo=local), None) == \
        datetime(2026, 1, 1, 0, 0)


# --- Search with an unusable index -------------------------------------------------------

@pytest.fixture
def unusable_index(app, tmp_path, request):
    """The search index directory made unusable the way ``request.param`` says (the
    embedded Whoosh backend: PostgreSQL's own full-text search has no index directory)."""
    from ppid.search import index as sindex
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    paths = {"a file": blocker, "missing and cannot be created": blocker / "search"}
    old = {k: app.config.get(k) for k in ("SEARCH_INDEX_DIR", "SEARCH_BACKEND")}
    app.config.update(SEARCH_INDEX_DIR=str(paths[request.param]), SEARCH_BACKEND="whoosh")
    yield request.param
    with app.app_context():
        sindex.forget(app)
    app.config.update(old)


@pytest.mark.parametrize("unusable_index", ["a file", "missing and cannot be created"],
                         indirect=True)
def test_search_with_an_unusable_index_answers_503_with_a_message(app, unusable_index):
    w = seed_world(app)
    anon = app.test_client()
    resp = anon.get("/cari", query_string={"q": "profil"})
    assert resp.status_code == 503, resp.status_code
    body = resp.get_data(as_text=True)
    assert "Pencarian sedang tidak tersedia" in body
    assert 'name="q"' in body  # the search page itself, so the visitor can try again
    assert resp.headers.get("Retry-After")
    resp = anon.get("/api/v1/search", query_string={"q": "profil"})
    assert resp.status_code == 503
    assert resp.json["error"] == "search_unavailable"
    assert "Pencarian sedang tidak tersedia" in resp.json["message"]
    assert resp.headers.get("Retry-After")
    # The rest of the site works: the home page and an officer's request search.
    assert anon.get("/").status_code == 200
    main = login_as(app, w, "main")
    assert main.get("/kelola/cari-permohonan", query_string={"q": "DBD"}).status_code < 500


# --- Control characters in text ----------------------------------------------------------

@pytest.mark.parametrize("text", ["\x00", "alasan\x00", "a\x1bb"])
def test_control_characters_in_any_text_field_are_refused_with_a_message(app, text):
    """Found by the form fuzzing on PostgreSQL: a NUL in a free-text field without its own
    check (a withdrawal reason, a note) was a 500 (PostgreSQL refuses NUL in text). Every
    text of every form refuses control characters; tabs and line breaks stay allowed."""
    w = seed_world(app)
    helper = login_as(app, w, "helper_a")
    anon = app.test_client()
    before = table_counts(app)
    posts = [(helper, f"/kelola/dip/{w.item_a}/tarik", {"reason": text}),
             (helper, f"/kelola/permohonan/{w.req_t}/tarik", {"note": text}),
             (anon, f"/lacak/{w.token}/tarik", {"note": text}),
             (helper, f"/kelola/badan/{w.a}/dip/baru", _item_form(category="berkala",
                                                                  event_at="", summary=text))]
    for c, url, data in posts:
        resp = c.post(url, data=data)
        assert 400 <= resp.status_code < 500, (url, resp.status_code)
        assert "Isian mengandung karakter yang tidak diizinkan" in resp.get_data(as_text=True), url
    assert table_counts(app) == before
    resp = helper.post(f"/kelola/dip/{w.item_a}/tarik", data={"reason": "Baris satu\r\n\tdua"})
    assert resp.status_code == 302
