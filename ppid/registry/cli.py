"""``flask --app wsgi ppid send-alerts``: the staleness digest, for cron.

Cron line (every working day at 07:00 local time; the command itself sends nothing when an
agency's alerts did not change since its last digest)::

    0 7 * * 1-5  cd /srv/ppid && .venv/bin/flask --app wsgi ppid send-alerts >> /var/log/ppid/alerts.log 2>&1
"""
from datetime import datetime

import click

from ppid.cli import cli
from ppid.extensions import db


@cli.command("send-alerts")
@click.option("--now", "now_text", default=None,
              help="Waktu acuan ISO 8601 dengan zona waktu (untuk uji), bawaan: sekarang.")
def send_alerts_cmd(now_text):
    """Send each agency's helper officers one digest of missing, overdue and due-soon
    obligations, expired exemptions and every other registered alert source."""
    from ppid.core.db import utcnow
    from ppid.core.mail import deliver_pending
    from ppid.registry.services import send_digests
    now = utcnow()
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError:
            raise click.BadParameter("gunakan ISO 8601, misalnya 2026-11-23T07:00:00+07:00",
                                     param_hint="--now") from None
        if now.tzinfo is None:
            raise click.BadParameter("sertakan zona waktu, misalnya +07:00", param_hint="--now")
    mailed, queued = send_digests(now)
    db.session.commit()
    sent, failed = deliver_pending(limit=max(queued, 50))
    click.echo(f"ringkasan: {mailed} badan publik, {queued} e-mail diantrekan; "
               f"terkirim {sent}, gagal {failed}")
