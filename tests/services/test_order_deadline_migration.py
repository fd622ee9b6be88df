"""Orders the atasan decided before order deadlines were recorded (issue #16 section 2)
get their deadline from the decision date by migration e4f1a9c27b58: OBJECTION_ORDER_DAYS
working days with the calendar in force (a registry holiday skipped too), as a new order's
deadline is counted, so the dashboard, the alerts and the annual statistics count them."""
from datetime import date, datetime, timezone

import sqlalchemy as sa
from flask_migrate import upgrade

from ppid import ROOT, create_app
from ppid.core.calendar import add_working_days
from ppid.core.services import build_calendar
from ppid.extensions import db
from ppid.info_requests import rules
from ppid.reports.services import annual_figures

REVISION = "e4f1a9c27b58"
MOMENT = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)


def _row(conn, table, **values):
    t = sa.Table(table, sa.MetaData(), autoload_with=conn)
    return conn.execute(t.insert().values(**values)).inserted_primary_key[0]


def test_old_orders_get_their_deadline_from_the_decision_date(fresh_database_url, tmp_path):
    app = create_app({"ENV": "testing", "DATA_DIR": str(tmp_path),
                      "DATABASE_URL": fresh_database_url})
    with app.app_context():
        migrations = str(ROOT / "migrations")
        from alembic.config import Config
        from alembic.script import ScriptDirectory
        cfg = Config(str(ROOT / "migrations" / "alembic.ini"))
        cfg.set_main_option("script_location", migrations)
        before = ScriptDirectory.from_config(cfg).get_revision(REVISION).down_revision
        upgrade(directory=migrations, revision=before)
        with db.engine.begin() as conn:
            agency = _row(conn, "agency", slug="dinas-lama", name="Dinas Lama", kind="pembantu",
                          is_active=True, created_at=MOMENT, updated_at=MOMENT)
            # a regional holiday inside the order's ten working days
            _row(conn, "calendar_entry", day_on=date(2026, 3, 10), is_working_day=False,
                 reason="Libur daerah uji", created_at=MOMENT)
            req = _row(conn, "info_request", registration_number="UJI/2026/00001", seq=1,
                       year=2026, requester_name="Siti", identity_type="nik",
                       identity_number="6171010203850001", address="Jl. Uji", information="x",
                       purpose="y", obtain_method="melihat", delivery="langsung",
                       addressed_agency_id=agency, agency_id=agency, channel="online",
                       received_at=MOMENT, received_on=date(2026, 2, 2),
                       effective_on=date(2026, 2, 2), due_on=date(2026, 2, 16),
                       state="selesai", is_subject_held=False, created_at=MOMENT,
                       updated_at=MOMENT)
            common = dict(request_id=req, agency_id=agency, grounds="a", statement="s",
                          channel="online", received_at=MOMENT, received_on=date(2026, 2, 20),
                          ground_on=date(2026, 2, 16), due_on=date(2026, 4, 6),
                          decided_on=date(2026, 3, 2), created_at=MOMENT)
            ordered = _row(conn, "objection", registration_number="KEB/1", **common,
                           decision="membuka_seluruhnya")
            upheld = _row(conn, "objection", registration_number="KEB/2", **common,
                          decision="menguatkan")
            carried = _row(conn, "objection", registration_number="KEB/3", **common,
                           decision="menanggapi", carried_out_on=date(2026, 3, 20))
        upgrade(directory=migrations)
        with db.engine.connect() as conn:
            got = dict(conn.execute(sa.text(
                "SELECT id, order_due_on FROM objection")).all())
        cal = build_calendar()
        days = app.config["OBJECTION_ORDER_DAYS"]
        expected = add_working_days(cal, date(2026, 3, 2), days)
        assert expected == rules.order_deadline(cal, date(2026, 3, 2), days).due_on
        assert date(2026, 3, 10) not in (expected,)
        as_date = {k: (v if isinstance(v, date) or v is None else date.fromisoformat(str(v)))
                   for k, v in got.items()}
        assert as_date[ordered] == expected and as_date[carried] == expected
        assert as_date[upheld] is None  # upholding orders nothing
        # the holiday counted: one day later than without it
        assert expected == date(2026, 3, 17)
        # the statistics count them: two orders, one carried out late
        f = annual_figures(2026, now=datetime(2026, 6, 1, 3, tzinfo=timezone.utc))[agency]
        assert (f.objections["ordered"], f.objections["carried_out"]) == (2, 1)
        assert f.objections["order_late"] == 2
        db.session.remove()
        db.engine.dispose()
