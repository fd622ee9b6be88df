"""``flask --app wsgi ppid snapshot``: store this month's compliance figures, for cron.

Idempotent per month: run it as often as you like, each agency gets one snapshot per month
(the first run of the month). Cron line (daily at 01:30 local time, so a missed day is
caught up the next)::

    30 1 * * *  cd /srv/ppid && .venv/bin/flask --app wsgi ppid snapshot >> /var/log/ppid/snapshot.log 2>&1
"""
from datetime import datetime

import click

from ppid.cli import cli
from ppid.extensions import db


@cli.command("snapshot")
@click.option("--now", "now_text", default=None,
              help="Waktu acuan ISO 8601 dengan zona waktu (untuk uji), bawaan: sekarang.")
def snapshot_cmd(now_text):
    """Store this month's compliance figures of every agency (once per month)."""
    from ppid.core.db import utcnow
    from ppid.reports.services import take_snapshot
    now = utcnow()
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError:
            raise click.BadParameter("gunakan ISO 8601, misalnya 2026-11-01T01:30:00+07:00",
                                     param_hint="--now") from None
        if now.tzinfo is None:
            raise click.BadParameter("sertakan zona waktu, misalnya +07:00", param_hint="--now")
    added = take_snapshot(now=now)
    db.session.commit()
    click.echo(f"snapshot kepatuhan: {added} badan publik ditambahkan")
