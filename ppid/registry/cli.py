"""``flask --app wsgi ppid send-alerts``: the staleness digest, for cron.

Cron line (every working day at 07:00 local time; the command itself sends nothing when an
agency's alerts did not change since its last digest)::

    0 7 * * 1-5  cd /srv/ppid && .venv/bin/flask --app wsgi ppid send-alerts >> /var/log/ppid/alerts.log 2>&1
"""
import click

from ppid.cli import cli, now_option
from ppid.extensions import db


@cli.command("send-alerts")
@now_option
def send_alerts_cmd(now):
    """Send each agency's helper officers one digest of missing, overdue and due-soon
    obligations, expired exemptions and every other registered alert source."""
    from ppid.core.db import utcnow
    from ppid.core.mail import deliver_pending
    from ppid.registry.services import send_digests
    now = now or utcnow()
    mailed, queued = send_digests(now)
    db.session.commit()
    sent, failed = deliver_pending(limit=max(queued, 50))
    click.echo(f"ringkasan: {mailed} badan publik, {queued} e-mail diantrekan; "
               f"terkirim {sent}, gagal {failed}")
