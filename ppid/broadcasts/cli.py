"""``flask --app wsgi ppid send-digest``: the followers' daily digest (cron, once a day)."""
import click

from ppid.cli import cli, now_option
from ppid.extensions import db


@cli.command("send-digest")
@now_option
def send_digest_cmd(now):
    """Mail each follower what was published since their last digest (never twice)."""
    from ppid.broadcasts.digest import send_digests
    from ppid.core.mail import deliver_pending
    n = send_digests(now=now)
    db.session.commit()
    sent, failed = deliver_pending(limit=max(50, n))
    click.echo(f"ringkasan harian: {n} surel diantrekan, {sent} terkirim, {failed} gagal")
