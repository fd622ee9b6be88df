"""The publication calendar and the agencies' publication plans (issue #19, section 1).

The PPID Utama reads every agency's month: what is public, scheduled and planned (the time
an agency wished), what is due by each agency's own plan in the month's period, and which
agencies are behind it; each agency's humas read their own. Plans are edited by the
agency's officers (and the PPID Utama), audited, refused with a message when a value is
bad, nothing written. The page needs no JavaScript; a bad month or year is answered with
a message next to its field (400), in Indonesian or English.

Dates are relative to the real clock, in whole months, so that the case holds whenever it
runs: the plans were made three months ago; "last month" and "next month" are the calendar
months around the current one (the registry's zone, Asia/Jakarta).

  Alfa:  2 news items a month; 1 announcement a quarter.
         Last month: 1 news item public (a second one withdrawn): missed, so Alfa is
         flagged behind its plan now (nothing this month yet).
         Next month: a news item scheduled on its 2nd; a draft wishing its 10th.
  Beta:  1 news item a month. Last month 1, this month 1 (a second ago): reached both
         times, not flagged.
"""
import json
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from zoneinfo import ZoneInfo

from ppid.core import auth
from ppid.core.db import utcnow
from ppid.core.models import AuditEvent
from ppid.extensions import db
from ppid.publications import services
from ppid.publications.models import PublicationPlan
from tests.conftest import TEST_PASSWORD, make_agency, make_user
from tests.security import table_counts

UTC = timezone.utc
JAKARTA = ZoneInfo("Asia/Jakarta")


def _this_month():
    today = utcnow().astimezone(JAKARTA).date()
    return date(today.year, today.month, 1)


def _local(day, hour=9):
    return datetime.combine(day, time(hour), tzinfo=JAKARTA).astimezone(UTC)


def _published(agency, humas, main, title, at, kind="berita"):
    pub = services.create_draft(agency, {"title": title, "summary": "Ringkasan.", "body": "Isi.",
                                         "kind": kind}, actor=humas, now=at - timedelta(hours=2))
    services.submit(pub, actor=humas, now=at - timedelta(hours=1))
    services.publish(pub, actor=main, now=at)
    return pub


@pytest.fixture
def world(app):
    with app.app_context():
        a = make_agency(slug="dinas-alfa", name="Dinas Alfa")
        b = make_agency(slug="dinas-beta", name="Dinas Beta")
        ha, hb = make_user(auth.HUMAS, a), make_user(auth.HUMAS, b)
        main, auditor = make_user(auth.MAIN), make_user(auth.AUDITOR)
        now = utcnow()
        made = now - relativedelta(months=3)
        services.save_plan(a, {"berita": (2, "bulanan"), "pengumuman": (1, "triwulanan")},
                           actor=ha, now=made)
        services.save_plan(b, {"berita": (1, "bulanan")}, actor=hb, now=made)
        last, nxt = _this_month() - relativedelta(months=1), _this_month() + relativedelta(months=1)
        _published(a, ha, main, "Alfa bulan lalu", _local(last.replace(day=5)))
        gone = _published(a, ha, main, "Alfa ditarik", _local(last.replace(day=6)))
        services.withdraw(gone, "Keliru.", actor=main, now=_local(last.replace(day=7)))
        _published(b, hb, main, "Beta bulan lalu", _local(last.replace(day=8)))
        _published(b, hb, main, "Beta bulan ini", now - timedelta(seconds=1))
        sched = services.create_draft(a, {"title": "Alfa terjadwal", "summary": "R.",
                                          "body": "Isi."}, actor=ha)
        services.submit(sched, actor=ha)
        services.schedule(sched, _local(nxt.replace(day=2), 10), actor=main)
        services.create_draft(a, {"title": "Alfa rencana", "summary": "R.", "body": "Isi.",
                                  "wished_at": _local(nxt.replace(day=10), 8)}, actor=ha)
        db.session.commit()
        out = {"a": a.slug, "b": b.slug, "a_id": a.id, "ha": ha.email, "hb": hb.email,
               "main": main.email, "auditor": auditor.email, "last": last, "next": nxt}
        db.session.remove()
    return out


def _login(app, email):
    c = app.test_client()
    assert c.post("/masuk", data={"email": email, "password": TEST_PASSWORD}).status_code == 302
    return c


def _section(html, heading_id):
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def _rows(html):
    """The rows of the table of what is due (each up to its end)."""
    body = _section(html, "cal-plan-h").split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [r for r in body.split("</tr>") if "<th" in r]


def test_the_ppid_utama_sees_every_agency_due_and_behind(app, world):
    c = _login(app, world["main"])
    resp = c.get("/kelola/kalender-publikasi")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    behind = _section(html, "cal-behind-h")
    assert "Dinas Alfa" in behind and "Berita kegiatan 0/2 per bulan" in behind
    assert "Dinas Beta" not in behind
    due = _section(html, "cal-plan-h")
    assert due.count("<th scope=\"row\">Dinas Alfa</th>") == 2
    assert due.count("<th scope=\"row\">Dinas Beta</th>") == 1
    assert "Beta bulan ini" in _section(html, "cal-days-h")
    # Last month: Alfa missed (the withdrawn item does not count), Beta reached it.
    last = world["last"]
    html = c.get(f"/kelola/kalender-publikasi?tahun={last.year}&bulan={last.month}"
                 ).get_data(as_text=True)
    rows = _rows(html)
    alfa_news = next(r for r in rows if "Dinas Alfa" in r and "Berita kegiatan" in r)
    assert "Tidak tercapai" in alfa_news and ">1</td>" in alfa_news
    beta = next(r for r in rows if "Dinas Beta" in r)
    assert "Tercapai" in beta and "Tidak tercapai" not in beta
    days = _section(html, "cal-days-h")
    assert "Alfa bulan lalu" in days and "Alfa ditarik" not in days


def test_next_month_shows_what_is_scheduled_and_planned(app, world):
    c = _login(app, world["main"])
    nxt = world["next"]
    html = c.get(f"/kelola/kalender-publikasi?tahun={nxt.year}&bulan={nxt.month}"
                 ).get_data(as_text=True)
    days = _section(html, "cal-days-h")
    assert days.index("Alfa terjadwal") < days.index("Alfa rencana")
    assert f'datetime="{nxt.replace(day=2).isoformat()}"' in days
    assert "Dijadwalkan terbit" in days and "Diinginkan terbit" in days
    row = next(r for r in _rows(html)
               if "Dinas Alfa" in r and "Berita kegiatan" in r)
    cells = [x.split("<", 1)[0] for x in row.split('<td class="num">')[1:]]
    assert cells[1:] == ["0", "1"]  # none public yet, one scheduled
    assert "Belum dimulai" in row


def test_an_agency_sees_only_its_own_calendar(app, world):
    c = _login(app, world["ha"])
    html = c.get("/kelola/kalender-publikasi").get_data(as_text=True)
    assert "Dinas Alfa" in html and "Beta bulan ini" not in html and "Dinas Beta" not in html
    resp = c.get(f"/kelola/kalender-publikasi?badan={world['b']}")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Badan publik tidak dikenal atau bukan badan publik Anda." in html
    assert "Beta bulan ini" not in html
    # The PPID Utama chooses one agency.
    html = _login(app, world["main"]).get(f"/kelola/kalender-publikasi?badan={world['b']}"
                                          ).get_data(as_text=True)
    assert "Beta bulan ini" in html and "Dinas Alfa" not in _section(html, "cal-plan-h")


@pytest.mark.parametrize("query, message", [
    ("bulan=13", "Bulan harus angka 1 sampai 12."),
    ("bulan=0", "Bulan harus angka 1 sampai 12."),
    ("tahun=abc", "Tahun harus angka antara 2000 dan"),
    ("tahun=1999&bulan=5", "Tahun harus angka antara 2000 dan"),
    ("tahun=99999999999999999999", "Tahun harus angka antara 2000 dan"),
    ("bulan=%00", "Bulan harus angka 1 sampai 12."),
])
def test_bad_month_or_year_is_answered_with_a_message(app, world, query, message):
    c = _login(app, world["main"])
    resp = c.get(f"/kelola/kalender-publikasi?{query}")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    assert "Kalender publikasi" in html  # the page, not a bare error


def test_bad_month_message_in_english(app, world):
    c = _login(app, world["main"])
    c.get("/bahasa?lang=en&next=/")
    resp = c.get("/kelola/kalender-publikasi?bulan=13")
    assert resp.status_code == 400
    assert "Month must be a number from 1 to 12." in resp.get_data(as_text=True)


def test_the_calendar_needs_no_javascript(app, world):
    html = _login(app, world["main"]).get("/kelola/kalender-publikasi").get_data(as_text=True)
    form = html.split('<form method="get" action="/kelola/kalender-publikasi"', 1)
    assert len(form) == 2  # a plain GET form: works without a script
    assert "<script>" not in html and " onclick=" not in html and " onchange=" not in html
    assert '<details class="pub-legend">' in html  # the legend opens without a script
    assert 'rel="prev"' in html and 'rel="next"' in html


def test_plan_is_edited_by_the_agency_audited_and_checked(app, world):
    c = _login(app, world["ha"])
    url = f"/kelola/badan/{world['a']}/rencana-publikasi"
    page = c.get(url).get_data(as_text=True)
    assert 'name="target_berita"' in page and 'value="2"' in page
    data = {"target_berita": "4", "cadence_berita": "bulanan", "target_pengumuman": "0",
            "cadence_pengumuman": "triwulanan", "target_capaian": "3",
            "cadence_capaian": "triwulanan"}
    resp = c.post(url, data=data)
    assert resp.status_code == 302 and "kalender-publikasi" in resp.headers["Location"]
    with app.app_context():
        plans = {p.kind: (p.target, p.cadence) for p in db.session.execute(
            sa.select(PublicationPlan).where(PublicationPlan.agency_id == world["a_id"])
        ).scalars()}
        assert plans == {"berita": (4, "bulanan"), "capaian": (3, "triwulanan")}
        events = db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.action == "publication.plan_changed",
            AuditEvent.agency_id == world["a_id"]).order_by(AuditEvent.id)).scalars().all()
        assert json.loads(events[-1].changes) == {
            "berita": ["2 bulanan", "4 bulanan"], "capaian": [None, "3 triwulanan"],
            "pengumuman": ["1 triwulanan", None]}
        assert events[-1].actor_label == world["ha"]
        count = len(events)
        db.session.remove()
    # The same again: nothing changes, nothing is audited.
    resp = c.post(url, data=data, follow_redirects=True)
    assert "Rencana publikasi tidak berubah." in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "publication.plan_changed",
            AuditEvent.agency_id == world["a_id"])).scalar_one() == count
        db.session.remove()


@pytest.mark.parametrize("value", ["abc", "101", "-1", "2.5"])
def test_a_bad_target_is_refused_with_a_message_and_nothing_written(app, world, value):
    c = _login(app, world["ha"])
    before = table_counts(app)
    resp = c.post(f"/kelola/badan/{world['a']}/rencana-publikasi",
                  data={"target_berita": value, "cadence_berita": "bulanan",
                        "target_capaian": "5", "cadence_capaian": "bulanan"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Isi angka 0 sampai 100 (0: tanpa target)." in html
    assert 'aria-invalid="true"' in html
    assert table_counts(app) == before


def test_a_bad_cadence_is_refused(app, world):
    c = _login(app, world["ha"])
    before = table_counts(app)
    resp = c.post(f"/kelola/badan/{world['a']}/rencana-publikasi",
                  data={"target_berita": "3", "cadence_berita": "mingguan"})
    assert resp.status_code == 422
    assert table_counts(app) == before


def test_who_may_change_a_plan(app, world):
    url = f"/kelola/badan/{world['a']}/rencana-publikasi"
    assert _login(app, world["hb"]).post(url, data={"target_berita": "9",
                                                    "cadence_berita": "bulanan"}
                                         ).status_code == 403
    assert _login(app, world["auditor"]).get(url).status_code == 403
    assert _login(app, world["main"]).post(url, data={"target_berita": "9",
                                                      "cadence_berita": "bulanan"}
                                           ).status_code == 302
    # The auditor reads every calendar, and changes nothing.
    assert _login(app, world["auditor"]).get("/kelola/kalender-publikasi").status_code == 200


def test_the_plan_form_carries_its_csrf_token(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        c = _login_csrf(app, world["ha"])
        before = table_counts(app)
        resp = c.post(f"/kelola/badan/{world['a']}/rencana-publikasi",
                      data={"target_berita": "9", "cadence_berita": "bulanan"})
        assert resp.status_code in (400, 422)
        assert table_counts(app) == before
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _login_csrf(app, email):
    import re
    c = app.test_client()
    page = c.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    assert c.post("/masuk", data={"email": email, "password": TEST_PASSWORD,
                                  "csrf_token": token.group(1)}).status_code == 302
    return c


def test_publication_kind_is_chosen_and_checked(app, world):
    c = _login(app, world["ha"])
    url = f"/kelola/badan/{world['a']}/publikasi/baru"
    assert "Jenis publikasi" in c.get(url).get_data(as_text=True)
    base = {"title": "Pengumuman libur", "summary": "Ringkasan.", "body": "Isi.",
            "dip_item_id": "0", "obligation_id": "0"}
    before = table_counts(app)
    bad = c.post(url, data={**base, "kind": "gosip"})
    assert bad.status_code == 422 and table_counts(app) == before
    assert c.post(url, data={**base, "kind": "pengumuman"}).status_code == 302
    with app.app_context():
        from ppid.publications.models import Publication
        pub = db.session.execute(sa.select(Publication).where(
            Publication.title == "Pengumuman libur")).scalar_one()
        assert pub.kind == "pengumuman"
        db.session.remove()


def test_calendar_statements_do_not_grow_with_agencies(app, world):
    c = _login(app, world["main"])
    count = {"n": 0}

    def on_execute(*_a, **_k):
        count["n"] += 1

    def statements():
        c.get("/kelola/kalender-publikasi")
        count["n"] = 0
        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", on_execute)
        try:
            assert c.get("/kelola/kalender-publikasi").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", on_execute)
        return count["n"]

    few = statements()
    with app.app_context():
        from ppid.accounts.models import User
        main = db.session.execute(sa.select(User).where(User.email == world["main"])).scalar_one()
        for i in range(6):
            ag = make_agency(slug=f"tambahan-{i}")
            humas = make_user(auth.HUMAS, ag)
            services.save_plan(ag, {"berita": (1 + i, "bulanan")}, actor=humas)
            _published(ag, humas, main, f"Tambahan {i}", utcnow() - timedelta(seconds=2))
        db.session.commit()
        db.session.remove()
    assert statements() == few


def test_demo_plans_are_seeded_once_and_shown(app):
    from ppid.accounts import services as accounts
    from ppid.demo import ACCOUNTS, DEMO_PASSWORD
    from ppid.publications.demo import PLANS, seed_plans, seed_publications
    with app.app_context():
        agencies = {slug: make_agency(slug=slug, name=f"Dinas {slug}")
                    for slug in ("dinkes", "disdikbud")}
        for email, name, roles in ACCOUNTS:
            if any(slug in (None, *agencies) for _role, slug in roles):
                user = accounts.create_user(email, name, DEMO_PASSWORD, actor=None)
                for role, slug in roles:
                    accounts.add_role(user, role, agencies[slug].id if slug else None,
                                      actor=None)
        summary = []
        seed_publications(summary)
        seed_plans(summary)
        seed_plans(summary)
        db.session.commit()
        assert "sudah ada" in summary[-1]
        plans = db.session.execute(sa.select(PublicationPlan)).scalars().all()
        assert len(plans) == sum(len(t) for _s, _e, t in PLANS)
        kinds = {p.kind for p in db.session.execute(
            sa.select(services.Publication)).scalars()}
        assert {"berita", "pengumuman", "capaian", "program"} <= kinds
        db.session.remove()
    c = app.test_client()
    assert c.post("/masuk", data={"email": "utama@demo.ppid.id",
                                  "password": DEMO_PASSWORD}).status_code == 302
    html = c.get("/kelola/kalender-publikasi").get_data(as_text=True)
    due = _section(html, "cal-plan-h")
    assert "Dinas dinkes" in due and "Dinas disdikbud" in due
