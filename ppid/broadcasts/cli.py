"""Followers' commands for cron and the mail server:

* ``flask --app wsgi ppid send-digest``: the digests due today (daily and weekly; run it
  once a day, or more often: a digest already sent today is not due again);
* ``flask --app wsgi ppid mail-bounce``: one delivery report (a DSN, RFC 3464, or an ARF
  complaint, RFC 5965) on standard input, as an MTA's pipe delivers it; with
  ``--maildir DIR`` every new message of that Maildir instead (moved to cur/ once taken
  in). docs/deploy.md has the Postfix lines.
"""
import sys
from pathlib import Path

import click

from ppid.cli import cli, now_option
from ppid.extensions import db

MAX_REPORT_BYTES = 5 * 1024 * 1024


@cli.command("send-digest")
@now_option
def send_digest_cmd(now):
    """Mail each follower whose digest is due what is new for them (never twice)."""
    from ppid.broadcasts.digest import send_digests
    from ppid.core.mail import deliver_pending
    n = send_digests(now=now)
    sent = failed = 0
    while True:
        batch_sent, batch_failed = deliver_pending(limit=200, now=now)
        sent, failed = sent + batch_sent, failed + batch_failed
        if not batch_sent:
            break
    click.echo(f"ringkasan: {n} surel diantrekan, {sent} terkirim, {failed} gagal")


def _take(raw, now):
    from ppid.broadcasts import services
    out = services.record_report(raw, now=now)
    db.session.commit()
    return out


@cli.command("mail-bounce")
@click.option("--maildir", type=click.Path(file_okay=False, path_type=Path),
              help="Proses setiap pesan baru di Maildir ini (new/ ke cur/) alih-alih stdin.")
@now_option
def mail_bounce_cmd(maildir, now):
    """Take in delivery reports about mail to followers: hard bounces suspend an address
    after FOLLOW_HARD_BOUNCES, a complaint unsubscribes it at once."""
    totals = {"hard": 0, "soft": 0, "complaint": 0, "suspended": 0, "ignored": 0}
    taken = 0
    if maildir is None:
        raw = sys.stdin.buffer.read(MAX_REPORT_BYTES + 1)
        if len(raw) > MAX_REPORT_BYTES:
            raise click.ClickException("laporan terlalu besar (lebih dari 5 MB)")
        batches = [(None, raw)]
    else:
        new = maildir / "new"
        if not new.is_dir():
            raise click.ClickException(f"{maildir} bukan Maildir (tidak ada new/)")
        (maildir / "cur").mkdir(exist_ok=True)
        batches = ((p, None) for p in sorted(new.iterdir()) if p.is_file())
    for path, raw in batches:
        if path is not None:
            if path.stat().st_size > MAX_REPORT_BYTES:
                click.echo(f"dilewati (terlalu besar): {path.name}", err=True)
                continue
            raw = path.read_bytes()
        out = _take(raw, now)
        for k, v in out.items():
            totals[k] += v
        taken += 1
        if path is not None:  # Maildir: a message read is moved to cur/ with the S flag
            path.rename(maildir / "cur" / f"{path.name.split(':')[0]}:2,S")
    click.echo(f"laporan: {taken}; pentalan keras {totals['hard']}, sementara "
               f"{totals['soft']}, keluhan {totals['complaint']}; alamat ditangguhkan "
               f"{totals['suspended']} langganan; diabaikan {totals['ignored']}")
