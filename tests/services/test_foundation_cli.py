import sqlalchemy as sa

from ppid.accounts.models import User
from ppid.agencies.models import Agency
from ppid.core import auth
from ppid.extensions import db


def test_deadline_command_shows_its_working(app, ctx):
    result = app.test_cli_runner().invoke(args=["ppid", "deadline", "2026-03-16", "10"])
    assert result.exit_code == 0, result.output
    assert "Jatuh tempo    : 2026-04-07" in result.output
    assert "2026-03-19" in result.output and "Nyepi" in result.output


def test_deadline_command_refuses_bad_dates(app, ctx):
    result = app.test_cli_runner().invoke(args=["ppid", "deadline", "16/03/2026", "10"])
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output


def test_seed_demo_is_idempotent_and_realistic(app, ctx):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["ppid", "seed-demo"])
    assert first.exit_code == 0, first.output
    counts = (db.session.execute(sa.select(sa.func.count()).select_from(Agency)).scalar_one(),
              db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one())
    second = runner.invoke(args=["ppid", "seed-demo"])
    assert second.exit_code == 0, second.output
    again = (db.session.execute(sa.select(sa.func.count()).select_from(Agency)).scalar_one(),
             db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one())
    assert counts == again
    assert counts[0] >= 41
    names = db.session.execute(sa.select(Agency.name)).scalars().all()
    assert "Dinas Kesehatan" in names and "Badan Penanggulangan Bencana Daerah" in names
    roles = {r.role for u in db.session.execute(sa.select(User)).scalars() for r in u.roles}
    assert roles == set(auth.ROLES)  # a demo account for every role (humas too, #19)
