"""`flask ppid send-alerts` end to end over a real SMTP server: each agency's helper officers
get one digest with their own items; a second run sends nothing."""
from datetime import date, timedelta

from ppid.core import auth
from ppid.core.alerts import Alert
from ppid.core.hooks import hooks
from ppid.extensions import db
from ppid.registry import services
from tests.services.test_registry_items import _exemption_data
from tests.services.test_registry_staleness import make_catalogue, published_item


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=["ppid", "send-alerts", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_send_alerts_digest_once_per_change(app, client, factories, smtp_server):
    obs = make_catalogue()
    today = date.today()
    x = factories.agency(name="Dinas X")
    y = factories.agency(name="Dinas Y")
    quiet = factories.agency(name="Dinas Tanpa Petugas")
    for code in ("a", "b", "c"):
        published_item(y, obs[code], today - timedelta(days=30))  # all current
    published_item(x, obs["a"], today - timedelta(days=30))         # current
    published_item(x, obs["b"], today - timedelta(days=400))        # overdue
    # c missing for X
    x1 = factories.user(auth.HELPER, x, email="petugas1@x.go.id")
    x2 = factories.user(auth.HELPER, x, email="petugas2@x.go.id")
    factories.user(auth.ATASAN, x, email="atasan@x.go.id")        # not a helper officer
    factories.user(auth.HELPER, y, email="petugas@y.go.id")
    services.save_exemption(y, None, _exemption_data(end_on=today - timedelta(days=3)),
                            actor=None)
    db.session.commit()
    assert quiet is not None

    out = _run(app)
    assert "terkirim 3" in out
    by_to = {m["to"][0]: m for m in smtp_server.messages}
    assert set(by_to) == {"petugas1@x.go.id", "petugas2@x.go.id", "petugas@y.go.id"}
    body_x = by_to["petugas1@x.go.id"]["body"]
    assert "Dinas X" in by_to["petugas1@x.go.id"]["subject"]
    assert "b. Kewajiban b: terlambat" in body_x
    assert "c. Kewajiban c: belum ada" in body_x
    assert "Kewajiban a" not in body_x and "Rekam medis" not in body_x
    assert "/badan/" in body_x and "/kewajiban/b" in body_x
    body_y = by_to["petugas@y.go.id"]["body"]
    assert "Rekam medis pasien" in body_y and "Kewajiban" not in body_y

    # nothing changed: the second run sends nothing
    out = _run(app)
    assert "terkirim 0" in out
    assert len(smtp_server.messages) == 3

    # X publishes c: its set of alerts changes, so X's officers get a new digest, Y nothing
    published_item(db.session.merge(x), db.session.merge(obs["c"]), today)
    db.session.commit()
    _run(app)
    assert len(smtp_server.messages) == 5
    new = smtp_server.messages[3:]
    assert {m["to"][0] for m in new} == {"petugas1@x.go.id", "petugas2@x.go.id"}
    assert "belum ada" not in new[0]["body"] and "terlambat" in new[0]["body"]
    _run(app)
    assert len(smtp_server.messages) == 5


def test_digest_carries_other_features_alerts(app, client, factories, smtp_server):
    make_catalogue()
    x = factories.agency(name="Dinas X")
    factories.user(auth.HELPER, x, email="petugas@x.go.id")
    db.session.commit()
    agency_id = x.id

    def overdue_requests(now):
        return {agency_id: [Alert(key="request:7:terlambat", kind="request",
                                  severity="terlambat", title="Permohonan KALBAR/2026/00007 "
                                  "melewati tenggat", url="/kelola/permohonan/7")]}
    hooks(app).add_alert_source(overdue_requests)
    try:
        _run(app, "--now", "2026-11-23T07:00:00+07:00")
    finally:
        hooks(app).alert_sources.remove(overdue_requests)
    assert len(smtp_server.messages) == 1
    assert "KALBAR/2026/00007" in smtp_server.messages[0]["body"]


def test_send_alerts_refuses_a_bad_time(app, client):
    result = app.test_cli_runner().invoke(args=["ppid", "send-alerts", "--now", "kemarin"])
    assert result.exit_code != 0 and "ISO 8601" in result.output
