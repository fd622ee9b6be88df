"""``flask --app wsgi ppid publish-due``: record every scheduled publication whose time has
come as published. The job runner (``flask ppid worker``) does this at each one's moment;
this command is for a deployment without it (cron) and for checks. Pages never need it:
they read a scheduled publication's visibility from the clock."""
import click

from ppid.cli import cli, now_option
from ppid.extensions import db


@cli.command("publish-due")
@now_option
def publish_due_cmd(now):
    """Record the scheduled publications whose time has come as published."""
    from ppid.publications.services import go_live_due
    n = go_live_due(now=now)
    db.session.commit()
    click.echo(f"publikasi terjadwal yang kini tercatat terbit: {n}")
