"""``flask --app wsgi ppid snapshot``: store this month's compliance figures, for cron.

Idempotent per month: run it as often as you like, each agency gets one snapshot per month
(the first run of the month). Cron line (daily at 01:30 local time, so a missed day is
caught up the next)::

    30 1 * * *  cd /srv/ppid && .venv/bin/flask --app wsgi ppid snapshot >> /var/log/ppid/snapshot.log 2>&1
"""
import click

from ppid.cli import cli, now_option
from ppid.extensions import db


@cli.command("snapshot")
@now_option
def snapshot_cmd(now):
    """Store this month's compliance figures of every agency (once per month)."""
    from ppid.core.db import utcnow
    from ppid.reports.services import take_snapshot
    now = now or utcnow()
    added = take_snapshot(now=now)
    db.session.commit()
    click.echo(f"snapshot kepatuhan: {added} badan publik ditambahkan")
