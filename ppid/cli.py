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


def _audit_chain_problem(report):
    bad = report.bad
    why = {
        "missing": f"peristiwa sebelum seq {bad.seq} hilang (seharusnya seq "
                   f"{report.head.seq + 1})",
        "prev_hash": "prev_hash tidak cocok dengan peristiwa sebelumnya",
        "unknown_key": f"disegel dengan kunci '{bad.key_id}' yang tidak dikenal (bukan "
                       "PPID_AUDIT_KEY_ID dan tidak ada di PPID_AUDIT_KEYS)",
        "legacy_after_keyed": "peristiwa tanpa kunci (legacy-sha256) sesudah rantai berkunci "
                              "dimulai: ditulis ulang dengan SHA-256 tanpa kunci",
        "unrecorded_rotation": f"kunci berganti ke '{bad.key_id}' tanpa peristiwa "
                               "audit.key_rotated",
        "altered": "isi tidak cocok dengan segelnya (diubah, atau disegel dengan kunci lain)",
    }[report.kind]
    return (f"RUSAK: rantai utuh sampai seq={report.head.seq}; peristiwa seq={bad.seq} "
            f"(id={bad.id}, {bad.action}): {why}")


def _audit_checkpoint_problem(problem, path):
    cp = problem.checkpoint
    where = f"berkas checkpoint {path}, baris {problem.line_no}"
    if problem.kind == "unreadable":
        return f"RUSAK: {where}: bukan baris checkpoint yang sah ({problem.detail})"
    if problem.kind == "unknown_key":
        return f"RUSAK: {where}: disegel dengan kunci '{problem.detail}' yang tidak dikenal"
    if problem.kind == "bad_seal":
        return f"RUSAK: {where}: segel tidak cocok (baris diubah atau ditambahkan tanpa kunci)"
    if problem.kind == "goes_back":
        return (f"RUSAK: {where}: seq={cp.head.seq} lebih kecil daripada checkpoint "
                f"sebelumnya (seq={problem.detail}); log dipotong lalu checkpoint ditulis lagi?")
    written = f"checkpoint {cp.at:%Y-%m-%d %H:%M:%S} UTC ({where})"
    if problem.kind == "missing":
        gone = (f"seq={cp.head.seq}" if problem.first_seq == cp.head.seq else
                f"seq={problem.first_seq} sampai seq={cp.head.seq}")
        return (f"RUSAK: peristiwa {gone} hilang: "
                f"{written} mencatat rantai sampai seq={cp.head.seq}; peristiwa terbaru telah "
                f"dihapus (seq pertama yang hilang: {problem.first_seq})")
    span = (f"seq={cp.head.seq}" if problem.first_seq == cp.head.seq else
            f"suatu seq antara seq={problem.first_seq} dan seq={cp.head.seq}")
    return (f"RUSAK: peristiwa seq={cp.head.seq} berbeda dari {written}: rantai ditulis ulang "
            f"mulai {span}")


def _age(seconds):
    seconds = max(int(seconds), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} hari {hours} jam"
    if hours:
        return f"{hours} jam {minutes} menit"
    return f"{minutes} menit" if minutes else f"{seconds} detik"


@cli.command("audit-verify")
@click.option("--all-checkpoints", "every", is_flag=True,
              help="Periksa rantai terhadap setiap checkpoint, bukan hanya yang terakhir.")
@now_option
def audit_verify_cmd(every, now):
    """Check the audit log's chain, then the chain against the latest checkpoint (every
    one with --all-checkpoints); exits 1 at any problem."""
    from sqlalchemy.orm import Session

    from ppid.core import audit
    from ppid.core.db import utcnow
    path = audit.checkpoint_path()
    try:
        checkpoints, problems = audit.read_checkpoints(path)
    except OSError as exc:
        raise click.ClickException(f"berkas checkpoint {path} tidak dapat dibaca: {exc}") \
            from None
    # Only reads: on SQLite, without holding the write lock through a long walk.
    with Session(db.engine.execution_options(ppid_read_only=True)) as session:
        report = audit.walk_chain(session=session)
        problems += audit.check_checkpoints(checkpoints, every=every, session=session)
        waiting = audit.unlinked(now or utcnow(), session=session)
    if report.ok:
        click.echo(f"OK: {report.checked} peristiwa audit, rantai hash utuh.")
        if report.key_periods:
            click.echo("Kunci: " + ", ".join(f"{key_id} (seq {first}-{last})"
                                             for key_id, first, last in report.key_periods))
        ids = [key_id for key_id, _, _ in report.key_periods]
        for key_id in sorted({k for k in ids if ids.count(k) > 1}):
            click.echo(f"PERINGATAN: kunci '{key_id}' menyegel lagi sesudah digantikan; wajar "
                       "hanya sesaat bila rotasi tidak serentak di semua proses, selain itu "
                       "tanda pemalsuan dengan kunci lama.", err=True)
    else:
        click.echo(_audit_chain_problem(report), err=True)
    for problem in problems:
        click.echo(_audit_checkpoint_problem(problem, path), err=True)
    if checkpoints:
        latest = checkpoints[-1]
        age = _age(((now or utcnow()) - latest.at).total_seconds())
        click.echo(f"Checkpoint terakhir: seq={latest.head.seq}, ditulis "
                   f"{latest.at:%Y-%m-%d %H:%M:%S} UTC ({age} lalu).")
        if report.ok and not problems:
            click.echo(f"OK: rantai cocok dengan {len(checkpoints)} checkpoint." if every else
                       "OK: rantai cocok dengan checkpoint terakhir.")
        newer = report.head.seq - latest.head.seq
        if report.ok and not problems and newer > 0:
            click.echo(f"{newer} peristiwa sesudahnya belum tercakup checkpoint: penghapusannya "
                       "tidak dapat dideteksi sampai checkpoint berikutnya.")
    else:
        click.echo(f"PERINGATAN: belum ada checkpoint di {path}; penghapusan peristiwa "
                   "terbaru tidak dapat dideteksi. Jadwalkan 'flask ppid audit-checkpoint' "
                   "(cron).", err=True)
    if waiting.pending:
        click.echo(f"{waiting.pending} peristiwa audit terbaru menunggu ditautkan ke rantai "
                   "(oleh 'flask ppid worker'); belum diperiksa.")
    if waiting.overdue:
        grace = current_app.config["AUDIT_LINK_GRACE_SECONDS"]
        oldest = f"{waiting.oldest_at:%Y-%m-%d %H:%M:%S}"
        click.echo(f"GAGAL: {waiting.overdue} peristiwa audit belum ditautkan ke rantai lebih "
                   f"dari {grace} detik (yang tertua dicatat {oldest} UTC), sehingga belum "
                   "bersegel. Pastikan 'flask ppid worker' berjalan (ia menautkannya), atau "
                   "jalankan 'flask ppid audit-link'.", err=True)
    if not report.ok or problems or waiting.overdue:
        raise SystemExit(1)


@cli.command("audit-link")
def audit_link_cmd():
    """Link the audit events written since the chainer last ran (the job worker does this
    about every AUDIT_LINK_INTERVAL_SECONDS)."""
    from ppid.core import audit
    click.echo(f"{audit.link_pending()} peristiwa audit ditautkan ke rantai.")


@cli.command("audit-checkpoint")
@now_option
def audit_checkpoint_cmd(now):
    """Append the audit chain's head to the checkpoint file (and mail it to the auditor),
    after checking the chain since the previous checkpoint (cron)."""
    from ppid.core import audit
    from ppid.core.mail import deliver_pending
    path = audit.checkpoint_path()
    try:
        result = audit.write_checkpoint(now=now)
    except OSError as exc:
        db.session.rollback()
        raise click.ClickException(f"berkas checkpoint {path} tidak dapat dibaca atau "
                                   f"ditambah: {exc}") from None
    for problem in result.problems:
        click.echo(_audit_checkpoint_problem(problem, path), err=True)
    if result.chain is not None and not result.chain.ok:
        click.echo(_audit_chain_problem(result.chain), err=True)
    if result.written is None:
        db.session.rollback()
        click.echo("Checkpoint tidak ditulis: log audit tidak cocok dengan checkpoint "
                   "sebelumnya atau rantainya rusak; selidiki dengan 'flask ppid audit-verify "
                   "--all-checkpoints'.", err=True)
        raise SystemExit(1)
    db.session.commit()
    head = result.head
    click.echo(f"Checkpoint ditulis ke {path}: seq={head.seq}, hash={head.hash[:16]}..., "
               f"kunci={head.key_id or '-'}.")
    if result.mailed_to:
        deliver_pending()
        click.echo(f"Salinannya masuk antrean surel untuk {result.mailed_to} (dikirim sekarang, "
                   "atau nanti oleh 'flask ppid send-mail').")
    if result.problems:
        raise SystemExit(1)


@cli.command("send-mail")
@click.option("--limit", default=500, show_default=True)
def send_mail_cmd(limit):
    """Send (or retry) queued mail from the outbox."""
    from ppid.core.mail import deliver_pending
    sent, failed = deliver_pending(limit=limit)
    click.echo(f"terkirim {sent}, gagal {failed}")


def _echo_jobs(outcomes):
    from ppid.core import jobs
    click.echo(f"pekerjaan latar: {outcomes[jobs.DONE]} selesai, {outcomes[jobs.RETRIED]} "
               f"akan diulang, {outcomes[jobs.FAILED]} gagal")


@cli.command("worker")
@click.option("--once", is_flag=True, help="Jalankan pekerjaan yang siap, lalu berhenti "
                                           "(cron, uji).")
def worker_cmd(once):
    """Run background jobs (document text, ...) in limited child processes, link new
    audit events into the chain (the chainer, a thread of its own, ppid.core.audit) and
    apply the search queue to the Whoosh index (the search indexer, another thread,
    ppid.search.indexing); gunicorn.conf.py starts it beside the web workers. SIGTERM or
    Ctrl-C stops it after the current job, then both threads do a last round."""
    import os
    import signal
    import threading

    stop = threading.Event()
    app = current_app._get_current_object()
    # Background work yields the CPU to the web workers' requests: this process, its
    # chainer and the children it starts (a letter's PDF, a document's text) run niced.
    os.nice(int(app.config["JOB_NICE"]))

    def on_signal(*_args):
        for sig in (signal.SIGTERM, signal.SIGINT):  # a second signal must not cut the job
            signal.signal(sig, signal.SIG_IGN)
        stop.set()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    outcomes = run_background(app, stop, once=once)
    if once:
        from ppid.core import audit
        from ppid.search.indexing import drain
        _echo_jobs(outcomes)
        click.echo(f"{audit.link_pending()} peristiwa audit ditautkan ke rantai.")
        click.echo(f"{drain(app)} perubahan diterapkan ke indeks pencarian.")


def run_background(app, stop, *, once=False):
    """The worker's job loop until ``stop`` (a threading.Event) is set, beside its two
    threads (unless ``once``): the audit chainer and the search indexer. The threads stop
    only after the job loop has ended, so their last rounds take what its last job
    committed (a document's text queues its item for the index, and audits it): stopped
    together, a job finishing after their last round left its item stale in the index
    until the next start (``reindex --check`` after bench/load.sh: ``usang: dip:53``)."""
    import threading

    from ppid.core import audit
    from ppid.core.jobs import run_worker
    from ppid.search.indexing import run_indexer
    threads_stop = threading.Event()
    threads = [] if once else [
        threading.Thread(target=target, args=(app, threads_stop), name=name)
        for name, target in (("audit-chainer", audit.run_chainer),
                             ("search-indexer", run_indexer))]
    for thread in threads:
        thread.start()
    try:
        return run_worker(app, stop, once=once)
    finally:
        threads_stop.set()
        for thread in threads:
            thread.join()


@cli.command("storage-gc")
@click.option("--grace-hours", type=click.FloatRange(min=0), default=None,
              help="Hanya berkas yang lebih tua dari ini (bawaan: PPID_STORAGE_GC_GRACE_HOURS).")
@click.option("--delete", "do_delete", is_flag=True,
              help="Hapus berkasnya; tanpa ini hanya didaftar (uji coba).")
def storage_gc_cmd(grace_hours, do_delete):
    """List (or with --delete remove) stored files that no row names, older than a grace
    period: what a process killed between writing a file and committing its row left."""
    from ppid.core.storage import remove_unless_referenced, unreferenced_files
    hours = float(current_app.config["STORAGE_GC_GRACE_HOURS"]) if grace_hours is None \
        else grace_hours
    found = unreferenced_files(hours * 3600)
    for key, size, age in found:
        click.echo(f"tidak dirujuk: {key} ({size} bait, {age / 3600:.1f} jam)")
    if not do_delete:
        click.echo(f"{len(found)} berkas tidak dirujuk baris mana pun (lebih tua dari "
                   f"{hours:g} jam); uji coba, tidak ada yang dihapus: tambahkan --delete.")
        return
    removed = remove_unless_referenced([key for key, _size, _age in found])
    click.echo(f"{len(removed)} berkas dihapus.")


def _echo_queued_jobs():
    import sqlalchemy as sa

    from ppid.core import jobs
    from ppid.core.models import Job
    queued = db.session.execute(sa.select(sa.func.count(Job.id))
                                .where(Job.state == jobs.QUEUED)).scalar_one()
    db.session.rollback()
    if queued:
        click.echo(f"{queued} pekerjaan latar (teks dokumen untuk pencarian) menunggu "
                   "'flask --app wsgi ppid worker'; make run menjalankannya di samping "
                   "gunicorn.")


@cli.command("seed-demo")
def seed_demo_cmd():
    """Load the demo province and demo accounts (idempotent). The text of their documents
    is read by the job worker (`flask ppid worker`, started by gunicorn.conf.py)."""
    from ppid.demo import seed_demo
    summary = seed_demo()
    for line in summary:
        click.echo(line)
    _echo_queued_jobs()


@cli.command("seed-if-empty")
def seed_if_empty_cmd():
    """Load the demo data only when the database has no agency yet (used by make run)."""
    import sqlalchemy as sa

    from ppid.agencies.models import Agency
    if db.session.execute(sa.select(Agency.id).limit(1)).first() is None:
        from ppid.demo import seed_demo
        for line in seed_demo():
            click.echo(line)
        _echo_queued_jobs()
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
    from ppid.accounts.rules import InvalidEmail
    try:
        services.create_user(email, name, password, actor=None, roles=[(auth.ADMIN, None)])
    except InvalidEmail as exc:  # look-alike letters from several scripts
        raise click.ClickException(str(exc)) from None
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
@click.option("--allow-broken-audit", is_flag=True,
              help="Pulihkan juga bila log audit di arsip tidak lolos pemeriksaan (disimpan "
                   "sebagai bukti; audit-verify tetap melaporkannya).")
def restore_cmd(src, allow_broken_audit):
    """Restore an archive into an empty, migrated database and data directory."""
    from ppid.core.backup import BackupError, restore_backup
    try:
        manifest = restore_backup(src, allow_broken_audit=allow_broken_audit)
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
