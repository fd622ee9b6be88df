"""``flask --app wsgi ppid ...``: commands for operators and cron."""
from datetime import date, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from ppid.extensions import db

cli = AppGroup("ppid", help="Perintah pengelolaan registri PPID.")


class AwareDateTime(click.ParamType):
    """An ISO 8601 moment with its time zone, e.g. 2026-11-23T07:00:00+07:00."""

    name = "waktu"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail("gunakan ISO 8601, misalnya 2026-11-23T07:00:00+07:00", param, ctx)
        if moment.tzinfo is None:
            self.fail("sertakan zona waktu, misalnya +07:00", param, ctx)
        return moment


def now_option(command):
    """``--now``: the reference moment of a scheduled command (for tests); default now."""
    return click.option("--now", type=AwareDateTime(), default=None,
                        help="Waktu acuan ISO 8601 dengan zona waktu (untuk uji), "
                             "bawaan: sekarang.")(command)


@cli.command("deadline")
@click.argument("start")
@click.argument("working_days", type=int)
def deadline_cmd(start, working_days):
    """Due date WORKING_DAYS working days after START (YYYY-MM-DD), with skipped days."""
    from ppid.core.calendar import explain_deadline
    from ppid.core.services import build_calendar
    try:
        start_on = date.fromisoformat(start)
    except ValueError:
        raise click.BadParameter("gunakan format YYYY-MM-DD, misalnya 2026-03-16",
                                 param_hint="START") from None
    if not 1 <= working_days <= 366:
        raise click.BadParameter("antara 1 dan 366", param_hint="WORKING_DAYS")
    result = explain_deadline(build_calendar(), start_on, working_days)
    click.echo(f"Diterima       : {result.start.isoformat()}")
    click.echo(f"Efektif mulai  : {result.effective_start.isoformat()}")
    click.echo(f"Hari kerja     : {result.working_days}")
    click.echo(f"Jatuh tempo    : {result.due_on.isoformat()}")
    if result.skipped:
        click.echo("Hari yang dilewati:")
        for s in result.skipped:
            reason = "akhir pekan" if s.reason == "weekend" else s.reason
            click.echo(f"  {s.date.isoformat()} ({s.date.strftime('%a')}): {reason}")


@cli.command("audit-verify")
def audit_verify_cmd():
    """Check the audit log's hash chain; exits 1 at the first broken link."""
    from ppid.core.audit import verify_chain
    checked, bad, why = verify_chain()
    if bad is None:
        click.echo(f"OK: {checked} peristiwa audit, rantai hash utuh.")
        return
    click.echo(f"RUSAK: {checked} peristiwa pertama utuh; peristiwa seq={bad.seq} "
               f"(id={bad.id}, {bad.action}): {why}", err=True)
    raise SystemExit(1)


@cli.command("send-mail")
@click.option("--limit", default=500, show_default=True)
def send_mail_cmd(limit):
    """Send (or retry) queued mail from the outbox."""
    from ppid.core.mail import deliver_pending
    sent, failed = deliver_pending(limit=limit)
    click.echo(f"terkirim {sent}, gagal {failed}")


@cli.command("seed-demo")
def seed_demo_cmd():
    """Load the demo province and demo accounts (idempotent)."""
    from ppid.demo import seed_demo
    summary = seed_demo()
    for line in summary:
        click.echo(line)


@cli.command("seed-if-empty")
def seed_if_empty_cmd():
    """Load the demo data only when the database has no agency yet (used by make run)."""
    import sqlalchemy as sa

    from ppid.agencies.models import Agency
    if db.session.execute(sa.select(Agency.id).limit(1)).first() is None:
        from ppid.demo import seed_demo
        for line in seed_demo():
            click.echo(line)
    else:
        click.echo("Basis data sudah berisi; data demo tidak dimuat ulang.")


@cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", default="Administrator")
@click.password_option()
def create_admin_cmd(email, name, password):
    """Create an administrator account (first set-up of a production registry)."""
    from ppid.accounts import services
    from ppid.core import auth
    if services.find_user_by_email(email):
        raise click.ClickException("e-mail itu sudah dipakai")
    if len(password) < int(current_app.config["PASSWORD_MIN_LENGTH"]):
        raise click.ClickException("kata sandi terlalu pendek")
    services.create_user(email, name, password, actor=None, roles=[(auth.ADMIN, None)])
    db.session.commit()
    click.echo(f"administrator {email} dibuat")


@cli.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False, writable=True))
def backup_cmd(dest):
    """Write a consistent archive (database rows, stored files, manifest with hashes)."""
    from ppid.core.backup import create_backup
    manifest = create_backup(dest)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(f"cadangan ditulis ke {dest}: {rows} baris di {len(manifest['tables'])} tabel, "
               f"{len(manifest['files'])} berkas")


@cli.command("restore")
@click.argument("src", type=click.Path(exists=True, dir_okay=False))
def restore_cmd(src):
    """Restore an archive into an empty, migrated database and data directory."""
    from ppid.core.backup import BackupError, restore_backup
    try:
        manifest = restore_backup(src)
    except BackupError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(f"dipulihkan dari {src}: {rows} baris, {len(manifest['files'])} berkas")
    reindex = cli.commands.get("reindex")
    if reindex is not None:
        click.echo("membangun ulang indeks pencarian ...")
        click.get_current_context().invoke(reindex)
