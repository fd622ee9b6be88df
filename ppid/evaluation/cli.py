"""``flask --app wsgi ppid ikm-remind``: remind requesters, once, of their unanswered
satisfaction survey (IKM_REMINDER_DAYS after the request closed), for cron::

    15 8 * * *  cd /srv/ppid && .venv/bin/flask --app wsgi ppid ikm-remind >> /var/log/ppid/ikm.log 2>&1
"""
import click

from ppid.cli import cli, now_option
from ppid.extensions import db


@cli.command("ikm-remind")
@now_option
def ikm_remind_cmd(now):
    """Queue the one reminder of each unanswered survey that is due."""
    from ppid.core.db import utcnow
    from ppid.evaluation.services import send_reminders
    sent = send_reminders(now=now or utcnow())
    db.session.commit()
    click.echo(f"pengingat survei IKM: {sent} dikirim")
