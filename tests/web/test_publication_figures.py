"""The publication desk's figures on the compliance pages (issue #19, section 1): per agency,
publications per month, the median hours from the first submission to publication and the
drafts returned, on the Kominfo/PPID Utama dashboard, its CSV, the agency's page and the
audit PDF; the same number of statements whatever the number of agencies.

The case is worked by hand (all times UTC; the registry's zone is Asia/Jakarta, UTC+7),
in the two calendar months before the current one (M1 the older, M2 the newer), so that
it holds whenever it runs:

  Agency A                       first submitted         public                hours
  a1  published                  M2 3rd 01:00            M2 3rd 05:00            4
  a2  returned, resubmitted      M1 10th 00:00           M1 12th 00:00          48
  a3  published at local 01:00   M1 start-1d 08:00       M1 start-1d 18:00      10
      on M1's first day (UTC: the day before; it counts in M1)
  a4  scheduled, time passed,    M2 14th 00:00           M2 15th 00:00          24
      not yet recorded by the job runner (public from the clock)
  a5  published                  M2 20th 00:00           M2 20th 01:00           1
  a6  published then withdrawn   M2 5th 00:00            M2 5th 02:00   (not counted)
  a7  returned twice, still returned                                     (returned 1)
  a8  published 14 months ago                                             (outside)

  A: M1 2 publications (a2, a3), M2 3 (a1, a4, a5): 5 in 12 months, 0.4 a month;
     hours 1, 4, 10, 24, 48: median 10; returned drafts a2 and a7: 2.
  B: one publication in M2 after 2.5 hours: median 2.5, nothing returned.
  C: nothing: 0, no median ("–"), 0.
"""
import csv
import io
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from zoneinfo import ZoneInfo

from ppid.core import auth
from ppid.core.db import utcnow
from ppid.extensions import db
from ppid.publications import rules, services
from tests.conftest import TEST_PASSWORD, make_agency, make_user

UTC = timezone.utc
JAKARTA = ZoneInfo("Asia/Jakarta")


def _month_start(months_back):
    today = utcnow().astimezone(JAKARTA).date()
    return date(today.year, today.month, 1) - relativedelta(months=months_back)


def _at(day, hour):
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _pub(agency, humas, title, submitted):
    pub = services.create_draft(agency, {"title": title, "summary": "Ringkasan.",
                                         "body": "Isi."}, actor=humas,
                                now=submitted - timedelta(hours=1))
    services.submit(pub, actor=humas, now=submitted)
    return pub


@pytest.fixture
def world(app):
    with app.app_context():
        a = make_agency(slug="dinas-a", name="Dinas Alfa")
        b = make_agency(slug="dinas-b", name="Dinas Beta")
        make_agency(slug="dinas-c", name="Dinas Gamma")
        ha, hb, main = make_user(auth.HUMAS, a), make_user(auth.HUMAS, b), make_user(auth.MAIN)
        m1, m2 = _month_start(2), _month_start(1)
        p = _pub(a, ha, "a1", _at(m2.replace(day=3), 1))
        services.publish(p, actor=main, now=_at(m2.replace(day=3), 5))
        p = _pub(a, ha, "a2", _at(m1.replace(day=10), 0))
        services.return_to_agency(p, "Perbaiki.", actor=main, now=_at(m1.replace(day=10), 6))
        services.submit(p, actor=ha, now=_at(m1.replace(day=11), 0))
        services.publish(p, actor=main, now=_at(m1.replace(day=12), 0))
        p = _pub(a, ha, "a3", _at(m1 - timedelta(days=1), 8))
        services.publish(p, actor=main, now=_at(m1 - timedelta(days=1), 18))
        p = _pub(a, ha, "a4", _at(m2.replace(day=14), 0))
        services.schedule(p, _at(m2.replace(day=15), 0), actor=main,
                          now=_at(m2.replace(day=14), 1))
        p = _pub(a, ha, "a5", _at(m2.replace(day=20), 0))
        services.publish(p, actor=main, now=_at(m2.replace(day=20), 1))
        p = _pub(a, ha, "a6", _at(m2.replace(day=5), 0))
        services.publish(p, actor=main, now=_at(m2.replace(day=5), 2))
        services.withdraw(p, "Salah data.", actor=main, now=_at(m2.replace(day=6), 0))
        p = _pub(a, ha, "a7", _at(m2.replace(day=7), 0))
        services.return_to_agency(p, "Perbaiki.", actor=main, now=_at(m2.replace(day=7), 1))
        services.submit(p, actor=ha, now=_at(m2.replace(day=8), 0))
        services.return_to_agency(p, "Lagi.", actor=main, now=_at(m2.replace(day=8), 1))
        old = _month_start(14)
        p = _pub(a, ha, "a8", _at(old.replace(day=2), 0))
        services.publish(p, actor=main, now=_at(old.replace(day=2), 3))
        p = _pub(b, hb, "b1", _at(m2.replace(day=9), 0))
        services.publish(p, actor=main, now=_at(m2.replace(day=9), 2) + timedelta(minutes=30))
        db.session.commit()
        ids = {"a": a.id, "b": b.id, "main": main.email, "m1": m1, "m2": m2}
        db.session.remove()
    return ids


def _login(app, email):
    c = app.test_client()
    assert c.post("/masuk", data={"email": email, "password": TEST_PASSWORD}).status_code == 302
    return c


def test_month_starts_are_calendar_months_ending_with_today_s():
    assert rules.month_starts(date(2026, 12, 2), 3) == (
        date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1))
    assert rules.month_starts(date(2026, 2, 28), 3) == (
        date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1))
    assert len(rules.month_starts(date(2026, 12, 31))) == 12


def test_figures_match_the_hand_worked_case(app, world):
    with app.app_context():
        figures = services.desk_figures()
        a, b = figures[world["a"]], figures[world["b"]]
        months = dict(a.by_month())
        assert months[world["m1"]] == 2 and months[world["m2"]] == 3
        assert a.total == 5 and a.average_per_month == 0.4
        assert a.median_hours == 10.0 and a.returned == 2
        assert b.total == 1 and b.median_hours == 2.5 and b.returned == 0
        assert len(figures) == 2  # C has nothing


def test_median_of_an_even_count_is_the_mean_of_the_middle_two(app, world):
    """B's 2.5 hours and a second of 3.5 hours: 3.0."""
    from ppid.accounts.models import User
    from ppid.agencies.models import Agency
    with app.app_context():
        b = db.session.get(Agency, world["b"])
        main = db.session.execute(sa.select(User).where(User.email == world["main"])).scalar_one()
        humas = next(u for u in db.session.execute(sa.select(User)).scalars()
                     if u.agency_ids(auth.HUMAS) == {b.id})
        day = world["m2"].replace(day=11)
        p = _pub(b, humas, "b2", _at(day, 0))
        services.publish(p, actor=main, now=_at(day, 3) + timedelta(minutes=30))
        assert services.desk_figures()[b.id].median_hours == 3.0
        db.session.rollback()


def test_compliance_page_csv_and_agency_page_show_them(app, world):
    c = _login(app, world["main"])
    html = c.get("/kelola/kepatuhan?urut=nama").get_data(as_text=True)
    assert "Publikasi 12 bulan" in html and "Median jam pengajuan sampai terbit" in html
    # The desk's figures are a table of their own below the compliance list (beside its
    # fourteen columns they pushed it past a 1,280 px screen).
    html = html.split('id="publikasi"', 1)[1]
    row = html.split(">Dinas Alfa</a></th>", 1)[1].split("</tr>", 1)[0]
    cells = [c.split(">", 1)[1] for c in row.split("<td")[1:]]
    assert [x.split("<", 1)[0] for x in cells[-4:]] == ["5", "0,4", "10", "2"]
    gamma = html.split(">Dinas Gamma</a></th>", 1)[1].split("</tr>", 1)[0]
    assert [x.split(">", 1)[1].split("<", 1)[0] for x in gamma.split("<td")[1:]][-4:] == [
        "0", "0", "–", "0"]

    resp = c.get("/kelola/kepatuhan?format=csv&urut=nama")
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    alfa = next(r for r in rows if r["slug"] == "dinas-a")
    assert (alfa["publikasi_12_bulan"], alfa["publikasi_rata_rata_per_bulan"],
            alfa["median_jam_pengajuan_terbit"], alfa["draf_dikembalikan"]) == (
        "5", "0.4", "10", "2")
    assert alfa[f"publikasi_{world['m1']:%Y_%m}"] == "2"
    assert alfa[f"publikasi_{world['m2']:%Y_%m}"] == "3"
    beta = next(r for r in rows if r["slug"] == "dinas-b")
    assert beta["median_jam_pengajuan_terbit"] == "2.5"

    page = c.get("/kelola/kepatuhan/dinas-a").get_data(as_text=True)
    assert "Publikasi melalui meja publikasi" in page
    assert "rata-rata 0,4 per bulan" in page


def test_audit_pdf_has_the_publication_part(app, world, pdftotext):
    c = _login(app, world["main"])
    resp = c.get("/kelola/laporan/audit.pdf")
    assert resp.status_code == 200
    text = pdftotext(resp.data)
    assert "6. Publikasi badan publik" in text
    part = text.split("6. Publikasi badan publik")[-1]
    assert "Dinas Alfa" in part and "Draf dikembalikan" in part


def test_same_statements_for_many_agencies(app, world):
    """The compliance page with 3 agencies and with 11, each of the 8 new ones with
    publications, returns and a median: the same number of statements (no N+1)."""
    c = _login(app, world["main"])
    engine_count = {"n": 0}

    seen = []

    def on_execute(_conn, _cursor, statement, *_a, **_k):
        engine_count["n"] += 1
        seen.append(statement[:70].replace("\n", " "))

    def statements():
        c.get("/kelola/kepatuhan")  # what a session checks once in a while is done now
        engine_count["n"] = 0
        seen.clear()
        sa.event.listen(db.engine, "before_cursor_execute", on_execute)
        try:
            assert c.get("/kelola/kepatuhan").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", on_execute)
        return engine_count["n"]

    with app.app_context():
        few = statements()
        from ppid.accounts.models import User
        main = db.session.execute(sa.select(User).where(User.email == world["main"])).scalar_one()
        for i in range(8):
            ag = make_agency(slug=f"tambahan-{i}")
            humas = make_user(auth.HUMAS, ag)
            day = world["m2"].replace(day=2 + i)
            p = _pub(ag, humas, f"t{i}", _at(day, 0))
            services.return_to_agency(p, "Perbaiki.", actor=main, now=_at(day, 1))
            services.submit(p, actor=humas, now=_at(day, 2))
            services.publish(p, actor=main, now=_at(day, 3 + i))
        db.session.commit()
        assert len(services.desk_figures()) == 10
        many = statements()
        db.session.remove()
    assert many == few, "\n".join(seen)


def test_the_demo_s_figures_worked_by_hand(app):
    """The demo desk (ppid/publications/demo.py): every story is submitted 30 minutes after
    it is drafted and published 2 hours after it: 1.5 hours. Dinkes: two published (12 and
    4 days ago), one scheduled for tomorrow (not public yet), none returned. Disdikbud: one
    published (7 days ago), the festival returned once."""
    from ppid.accounts import services as accounts
    from ppid.demo import ACCOUNTS, DEMO_PASSWORD
    from ppid.publications.demo import seed_publications
    with app.app_context():
        agencies = {slug: make_agency(slug=slug, name=f"Dinas {slug}")
                    for slug in ("dinkes", "disdikbud")}
        for email, name, roles in ACCOUNTS:
            if any(slug in (None, *agencies) for _role, slug in roles):
                user = accounts.create_user(email, name, DEMO_PASSWORD, actor=None)
                for role, slug in roles:
                    accounts.add_role(user, role, agencies[slug].id if slug else None,
                                      actor=None)
        seed_publications([])
        db.session.commit()
        figures = services.desk_figures()
        dinkes, disdik = figures[agencies["dinkes"].id], figures[agencies["disdikbud"].id]
        assert (dinkes.total, dinkes.median_hours, dinkes.returned) == (2, 1.5, 0)
        assert (disdik.total, disdik.median_hours, disdik.returned) == (1, 1.5, 1)
        db.session.remove()
