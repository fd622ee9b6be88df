"""Review findings on requests: intake limited to the helper's agencies, bounded numbers in
URLs, a fixed number of queries on the queue, the atasan's objection lists, the working of a
shorter extension, and the backdating limit of officer intake."""
from datetime import datetime, timedelta, timezone as tz

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.core.auth import can
from ppid.core.calendar import add_working_days
from ppid.core.services import build_calendar, local_date, timezone
from ppid.extensions import db
from ppid.info_requests import services
from ppid.info_requests.models import InfoRequest, Objection
from tests.conftest import login
from tests.web.test_requests_web import api_data, count_requests, form_data, logout
from tests.web.test_requests_web import world  # noqa: F401  (the fixture)

HUGE = "99999999999999999999"


def _local_input(dt):
    """A datetime-local form value in the registry's time zone."""
    return dt.astimezone(timezone()).strftime("%Y-%m-%dT%H:%M")


def _submit(agency, **over):
    data = {"name": "Siti Pemohon", "identity_type": "nik",
            "identity_number": "6171010203850001", "address": "Jl. Gajah Mada 12",
            "phone": "081234567890", "email": "siti@contoh.id", "occupation": None,
            "proxy_name": None, "information": "Data kasus DBD 2025.", "purpose": "Penelitian",
            "obtain_method": "salinan", "copy_form": "softcopy", "delivery": "email",
            "agency": agency}
    data.update(over)
    req, _token = services.submit_request(data, actor=None, now=services.utcnow())
    return req


_objection_seq = {"n": 0}


def _objection(req, agency, *, decided_at=None):
    """An objection row as the services leave it (numbers need not be sequential here)."""
    _objection_seq["n"] += 1
    now = services.utcnow()
    obj = Objection(registration_number=f"UJI/KEB/{_objection_seq['n']:05d}", request=req,
                    agency_id=agency.id, grounds="c", statement="Tidak ditanggapi.",
                    received_at=now, received_on=local_date(now), ground_on=local_date(now),
                    due_on=local_date(now) + timedelta(days=40), created_at=now)
    if decided_at is not None:
        obj.decision = "menguatkan"
        obj.decision_reasons = "Sudah sesuai."
        obj.decided_at = decided_at
        obj.decided_on = local_date(decided_at)
    db.session.add(obj)
    db.session.flush()
    return obj


# --- 3. a helper enters requests only for their own agencies -----------------------------

def test_enter_request_policy_is_bound_to_the_helpers_agencies(world):
    assert can(world.officer, "enter_request")  # may open the intake form
    assert can(world.officer, "enter_request", world.dinkes)
    assert not can(world.officer, "enter_request", world.other)
    assert not can(world.officer, "enter_request", world.utama)
    assert all(can(world.main, "enter_request", a) for a in (world.utama, world.dinkes,
                                                             world.other))
    assert not can(world.atasan, "enter_request")
    assert not can(world.atasan, "enter_request", world.dinkes)
    assert not can(world.citizen, "enter_request", world.dinkes)


def test_helper_cannot_enter_a_request_into_another_agencys_queue(client, world):
    login(client, world.officer)
    html = client.get("/kelola/permohonan/baru").get_data(as_text=True)
    assert 'value="dinkes"' in html
    assert 'value="dishub"' not in html and 'value="diskominfo"' not in html
    received = _local_input(services.utcnow() - timedelta(hours=2))
    resp = client.post("/kelola/permohonan/baru", data=form_data(
        agency="dishub", channel="pos", received_at=received),
        content_type="multipart/form-data")
    assert resp.status_code == 422
    assert 'id="agency-error"' in resp.get_data(as_text=True)
    assert count_requests() == 0
    own = client.post("/kelola/permohonan/baru", data=form_data(
        agency="dinkes", channel="pos", received_at=received),
        content_type="multipart/form-data")
    assert own.status_code == 302
    logout(client)
    login(client, world.main)
    html = client.get("/kelola/permohonan/baru").get_data(as_text=True)
    assert all(f'value="{slug}"' in html for slug in ("dinkes", "dishub", "diskominfo"))
    other = client.post("/kelola/permohonan/baru", data=form_data(
        agency="dishub", channel="telepon", received_at=received),
        content_type="multipart/form-data")
    assert other.status_code == 302
    agencies = db.session.execute(sa.select(InfoRequest.agency_id)
                                  .order_by(InfoRequest.id)).scalars().all()
    assert agencies == [world.dinkes.id, world.other.id]


# --- 4. huge or malformed numbers in URLs get a 4xx, never a 500 -------------------------

def test_register_bounds_page_and_year(client, world):
    client.post("/api/v1/requests", json=api_data())
    req = db.session.execute(sa.select(InfoRequest)).scalar_one()
    for query in (f"tahun={HUGE}", "tahun=1999", "tahun=2101", "tahun=-5", "tahun=٢٠٢٦",
                  "tahun=2_026"):
        resp = client.get(f"/permohonan/register?{query}")
        assert resp.status_code == 400, query
        assert "Tahun harus angka antara 2000 dan 2100" in resp.get_data(as_text=True), query
    for query in (f"page={HUGE}", "page=100001", "page=abc", "page=1e3"):
        resp = client.get(f"/permohonan/register?{query}")
        assert resp.status_code == 400, query
        assert "Nomor halaman harus angka antara 1 dan 100000" in resp.get_data(as_text=True)
    assert req.registration_number in client.get(
        f"/permohonan/register?tahun={req.year}&page=0").get_data(as_text=True)
    assert client.get("/permohonan/register?page=100000&tahun=").status_code == 200
    assert req.registration_number not in client.get(
        "/permohonan/register?tahun=2000").get_data(as_text=True)


def test_queue_filter_and_ids_in_paths_are_bounded(client, world):
    client.post("/api/v1/requests", json=api_data())
    req = db.session.execute(sa.select(InfoRequest)).scalar_one()
    login(client, world.main)
    for value in (HUGE, str(2**31), "abc", "0", "-1"):
        resp = client.get(f"/kelola/permohonan?badan={value}")
        assert resp.status_code == 400, value
        assert "Pilihan badan publik tidak valid" in resp.get_data(as_text=True)
    assert client.get("/kelola/permohonan?badan=").status_code == 200
    # An agency that does not exist: the queue with the message next to its filter.
    assert client.get(f"/kelola/permohonan?badan={2**31 - 1}").status_code == 400
    assert req.registration_number in client.get(
        f"/kelola/permohonan?badan={world.dinkes.id}").get_data(as_text=True)
    for url in (f"/kelola/permohonan/{HUGE}", f"/kelola/permohonan/{2**31}",
                f"/kelola/permohonan/{req.id}/surat/{HUGE}",
                f"/kelola/permohonan/{req.id}/berkas/{HUGE}", f"/kelola/keberatan/{HUGE}",
                f"/kelola/keberatan/{HUGE}/surat/1", f"/lacak/{HUGE}",
                f"/lacak/{HUGE}/surat/{HUGE}"):
        assert client.get(url).status_code == 404, url
    for url in (f"/kelola/permohonan/{HUGE}/proses", f"/kelola/keberatan/{HUGE}/putus"):
        assert client.post(url, data={}).status_code == 404, url
    logout(client)
    login(client, world.citizen)
    assert client.get(f"/lacak/{HUGE}").status_code == 404
    assert client.get("/lacak/²³").status_code == 404  # digits to str.isdigit, not to int()


# --- 5. the queue, its export and the objection list in a fixed number of queries -------

def _count_queries(app, fetch):
    statements = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        with app.app_context():  # a fresh session: nothing cached from setting up
            resp = fetch()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", on_execute)
    assert resp.status_code == 200
    return len(statements)


def _grow_to(factories, world, n):
    """Open requests, each at its own agency and assigned to its own officer, each with a
    pending objection, until there are ``n``."""
    while count_requests() < n:
        agency = factories.agency()
        officer = factories.user(auth.HELPER, agency)
        req = _submit(agency)
        req.assigned_to_id = officer.id
        _objection(req, agency)
    db.session.commit()


def test_queue_export_and_objections_do_not_query_per_row(app, client, world, factories):
    login(client, world.main)
    pages = {"queue": lambda: client.get("/kelola/permohonan"),
             "csv": lambda: client.get("/kelola/permohonan/ekspor.csv"),
             "objections": lambda: client.get("/kelola/keberatan")}
    _grow_to(factories, world, 3)
    few = {name: _count_queries(app, fetch) for name, fetch in pages.items()}
    _grow_to(factories, world, 12)
    many = {name: _count_queries(app, fetch) for name, fetch in pages.items()}
    assert many == few
    csv_text = client.get("/kelola/permohonan/ekspor.csv").get_data(as_text=True)
    assert csv_text.count("Pengguna ") == 12  # every row names its officer
    html = client.get("/kelola/permohonan").get_data(as_text=True)
    assert html.count("Pengguna ") == 12


# --- 6. the atasan's decided objections are filtered in SQL -------------------------------

def test_atasan_sees_their_decided_objections_behind_fifty_of_other_agencies(client, world):
    now = services.utcnow()
    mine_req = _submit(world.dinkes)
    mine = _objection(mine_req, world.dinkes, decided_at=now - timedelta(days=3))
    other_req = _submit(world.other)
    others = [_objection(other_req, world.other, decided_at=now - timedelta(minutes=i + 1))
              for i in range(51)]
    pending = _objection(mine_req, world.dinkes)
    db.session.commit()
    login(client, world.atasan)
    html = client.get("/kelola/keberatan").get_data(as_text=True)
    assert mine.registration_number in html and pending.registration_number in html
    assert not any(o.registration_number + "<" in html for o in others)
    logout(client)
    login(client, world.main)
    html = client.get("/kelola/keberatan").get_data(as_text=True)
    decided = html.split("Keberatan yang sudah diputus")[1]
    assert decided.count("<li>") == 50 and mine.registration_number not in decided


# --- 7. the atasan lands on an objection they may decide ----------------------------------

def test_atasan_is_sent_to_the_latest_objection_they_may_decide(client, world):
    req = _submit(world.dinkes)
    first = _objection(req, world.dinkes, decided_at=services.utcnow())
    own = _objection(req, world.dinkes)
    _objection(req, world.other)  # filed after the request moved to another agency
    db.session.commit()
    login(client, world.atasan)
    resp = client.get(f"/kelola/permohonan/{req.id}")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/kelola/keberatan/{own.id}")
    assert client.get(resp.headers["Location"]).status_code == 200
    assert first.id < own.id
    logout(client)
    login(client, world.stranger)
    assert client.get(f"/kelola/permohonan/{req.id}").status_code == 403


# --- 8. a shorter extension is explained up to its own date -------------------------------

def test_shorter_extension_is_explained_up_to_the_chosen_date(client, world):
    req = _submit(world.dinkes)
    cal = build_calendar()
    chosen = add_working_days(cal, req.due_on, 3)
    services.extend_request(req, chosen, "Data puskesmas masih dihimpun.",
                            actor=world.officer, now=services.utcnow())
    db.session.commit()
    login(client, world.officer)
    html = client.get(f"/kelola/permohonan/{req.id}").get_data(as_text=True)
    assert "Perpanjangan: 3 hari kerja setelah jatuh tempo semula " \
           f"{services.tanggal(req.due_on)}" in html
    assert f"Diperpanjang sampai {services.tanggal(chosen)}" in html
    after = add_working_days(cal, req.due_on, 7)
    assert services.tanggal(after) not in html.split("Perpanjangan:")[1].split("</section>")[0]


# --- 9. officer intake may be backdated by at most 30 days --------------------------------

def test_officer_intake_backdated_beyond_thirty_days_is_refused(client, world):
    login(client, world.officer)
    now = services.utcnow()
    resp = client.post("/kelola/permohonan/baru", data=form_data(
        channel="pos", received_at=_local_input(now - timedelta(days=40))),
        content_type="multipart/form-data")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="received_at-error"' in html
    assert "paling lama 30 hari sebelum hari ini" in html and "hubungi PPID Utama" in html
    assert count_requests() == 0
    ok = client.post("/kelola/permohonan/baru", data=form_data(
        channel="pos", received_at=_local_input(now - timedelta(days=29))),
        content_type="multipart/form-data")
    assert ok.status_code == 302
    req = db.session.execute(sa.select(InfoRequest)).scalar_one()
    assert req.received_on == local_date(now - timedelta(days=29))
    assert req.year == req.received_on.year


@pytest.mark.parametrize("days,refused", [(31, True), (30.5, True), (29, False)])
def test_backdating_limit_in_the_service(world, days, refused):
    now = datetime(2026, 3, 25, 3, tzinfo=tz.utc)
    data = {"name": "Siti", "identity_type": "nik", "identity_number": "6171010203850001",
            "address": "Jl. A", "phone": "0812345678", "email": None, "occupation": None,
            "proxy_name": None, "information": "Data", "purpose": "Riset",
            "obtain_method": "melihat", "copy_form": None, "delivery": "langsung",
            "agency": world.dinkes}
    received = now - timedelta(days=days)
    if refused:
        with pytest.raises(services.ServiceError, match="hubungi PPID Utama") as exc:
            services.submit_request(data, actor=world.officer, now=now, channel="pos",
                                    received_at=received)
        assert exc.value.field == "received_at"
        db.session.rollback()
        assert count_requests() == 0
    else:
        req, _token = services.submit_request(data, actor=world.officer, now=now,
                                              channel="pos", received_at=received)
        assert req.received_at == received
