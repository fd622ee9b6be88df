"""The demo data reads as a real year of a PPID's work (issue #17): the previous year's
requests (settled) and twelve monthly compliance snapshots, so the annual report, the trend
and the compliance history have content on first run; and none of its old oddities: a
semester report published before its semester ended, a helper PPID called "Pelaksana" in a
region whose word is "Pembantu", a citizen's display name offered as their legal name."""
import re
from datetime import date

import sqlalchemy as sa

from ppid.core.services import local_today
from ppid.demo import DEMO_PASSWORD
from ppid.extensions import db
from ppid.info_requests.models import InfoRequest
from ppid.info_requests.rules import RequestState
from ppid.registry.models import DipItem, Exemption
from ppid.reports import services as reports
from ppid.reports.models import ComplianceSnapshot
from tests.conftest import login

SEMESTER = re.compile(r"Semester (I{1,2}) Tahun (\d{4})")


def _seed(app, monkeypatch):
    import ppid.demo
    from ppid.core.hooks import hooks
    from ppid.info_requests.demo import seed_requests
    from ppid.registry.demo import seed_registry
    from ppid.reports.demo import seed_snapshots
    monkeypatch.setattr(hooks(app), "seeders", [seed_registry, seed_requests, seed_snapshots])
    return ppid.demo.seed_demo()


def test_the_demo_fills_a_year_and_has_none_of_its_oddities(app, client, monkeypatch):
    summary = _seed(app, monkeypatch)
    today = local_today()
    assert any("riwayat kepatuhan demo: 12 bulan" in line for line in summary), summary

    # A semester's report is published after its semester ended.
    items = db.session.execute(sa.select(DipItem).where(DipItem.published_at.is_not(None))
                               ).scalars().all()
    semestral = [(i, SEMESTER.search(i.title)) for i in items if SEMESTER.search(i.title)]
    assert len(semestral) > 10
    for item, m in semestral:
        year = int(m.group(2))
        ended = date(year, 6, 30) if m.group(1) == "I" else date(year, 12, 31)
        assert item.published_at.date() > ended, (item.title, item.published_at)

    # The region's word for a helper PPID is the one the demo uses (HELPER_LABEL).
    assert app.config["HELPER_LABEL"] == "Pembantu"
    texts = [t for i in items for t in (i.title, i.summary, i.holding_unit, i.responsible)]
    texts += [e.decided_by for e in db.session.execute(sa.select(Exemption)).scalars()]
    assert not [t for t in texts if t and "PPID Pelaksana" in t]
    assert any(t and "PPID Pembantu" in t for t in texts)

    # The previous year: settled requests, so its annual report has figures.
    last_year = db.session.execute(sa.select(InfoRequest).where(
        InfoRequest.received_on.between(date(today.year - 1, 1, 1),
                                         date(today.year - 1, 12, 31)))).scalars().all()
    assert len(last_year) >= 12
    assert {r.state for r in last_year} <= {RequestState.SELESAI, RequestState.DITARIK}
    figures = reports.annual_figures(today.year - 1).values()
    assert sum(f.total for f in figures) == len(last_year)
    assert sum(f.on_time for f in figures) > 0
    assert reports.latest_year_with_requests(today) == today.year - 1

    # Twelve monthly snapshots ending this month, each as the DIP stood then: a trend.
    months = db.session.execute(sa.select(ComplianceSnapshot.month_on).distinct()
                                .order_by(ComplianceSnapshot.month_on)).scalars().all()
    assert len(months) == 12 and months[-1] == today.replace(day=1)
    trend = reports.trend()
    assert len(trend) == 12 and len({s for _m, s in trend}) > 3  # it moves
    assert trend[0][1] < trend[-1][1]  # fewer publications a year ago than today

    # The citizen's request form offers the legal name of their requests, not the account's
    # display name.
    from ppid.accounts.services import find_user_by_email
    warga = find_user_by_email("warga@demo.ppid.id")
    assert "(Warga)" in warga.name
    login(client, warga, password=DEMO_PASSWORD)
    html = client.get("/permohonan/baru").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="name"[^>]*>', html).group(0)
    assert 'value="Ahmad Fauzi"' in field and "(Warga)" not in field

    # The reports page opens on the previous year, with its figures.
    client.post("/keluar")
    login(client, find_user_by_email("utama@demo.ppid.id"), password=DEMO_PASSWORD)
    page = client.get("/kelola/laporan").get_data(as_text=True)
    assert f"<option value=\"{today.year - 1}\" selected>" in page, re.findall(r"<select id=\"tahun\".*?</select>|<h1>.*?</h1>", page, re.S)
