"""``flask --app wsgi ppid reindex [--check [--repair]]`` (both backends), and for the
Whoosh backend ``ppid search-drain`` and ``ppid search-indexer``."""
import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ppid.cli import cli


def check_index(app=None):
    """Compare the database with the index: (missing, stale, extra) lists of keys."""
    from ppid.extensions import db
    from ppid.search import backend
    from ppid.search.index import iter_all_docs

    indexed = {stored["key"]: stored.get("hash")
               for stored in backend.get(app).stored_documents(app)}
    missing, stale = [], []
    seen = set()
    with Session(db.engine.execution_options(ppid_read_only=True)) as session:
        for doc in iter_all_docs(session):
            seen.add(doc.key)
            have = indexed.get(doc.key)
            if have is None:
                missing.append(doc.key)
            elif have != doc.content_hash():
                stale.append(doc.key)
    extra = sorted(k for k in indexed if k not in seen)
    return missing, stale, extra


def repair_keys(keys, app=None):
    """Write the given keys (doc_type:doc_id) anew: PostgreSQL at once, Whoosh through
    the queue, drained here."""
    from ppid.core.db import utcnow
    from ppid.extensions import db
    from ppid.search import backend
    from ppid.search.indexing import drain
    from ppid.search.models import SearchPending
    if backend.name(app) == "postgresql":
        from ppid.search import postgres
        with Session(db.engine) as session:
            postgres.write(session, {tuple(k.split(":", 1)) for k in keys})
            session.commit()
        return len(keys)
    if keys:
        with Session(db.engine) as session:
            now = utcnow()
            session.execute(sa.insert(SearchPending.__table__), [
                {"doc_type": k.split(":", 1)[0], "doc_id": k.split(":", 1)[1], "queued_at": now}
                for k in keys])
            session.commit()
    return drain(app)


@cli.command("reindex")
@click.option("--check", "check_only", is_flag=True,
              help="Hanya membandingkan: daftar rekaman yang hilang dari atau usang di indeks.")
@click.option("--repair", "do_repair", is_flag=True,
              help="Bersama --check: indeks ulang rekaman yang berbeda.")
@click.option("--procs", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Jumlah proses penulis saat membangun ulang.")
def reindex_cmd(check_only, do_repair, procs):
    """Rebuild the search index from the database, or check it (exit 1 when it drifted)."""
    from ppid.search import backend
    if not check_only:
        if do_repair:
            raise click.UsageError("--repair hanya bersama --check")
        count = backend.get().rebuild(procs=procs)
        click.echo(f"Indeks pencarian dibangun ulang: {count} dokumen.")
        return
    missing, stale, extra = check_index()
    for label, keys in (("hilang", missing), ("usang", stale), ("berlebih", extra)):
        for key in keys[:200]:
            click.echo(f"{label}: {key}")
        if len(keys) > 200:
            click.echo(f"{label}: ... dan {len(keys) - 200} lainnya")
    drift = len(missing) + len(stale) + len(extra)
    if not drift:
        click.echo("OK: indeks pencarian sesuai dengan basis data.")
        return
    click.echo(f"Selisih: {len(missing)} hilang, {len(stale)} usang, {len(extra)} berlebih.",
               err=True)
    if do_repair:
        repair_keys(missing + stale + extra)
        missing, stale, extra = check_index()
        left = len(missing) + len(stale) + len(extra)
        click.echo(f"Diperbaiki; selisih tersisa: {left}.")
        if not left:
            return
    raise SystemExit(1)


@cli.command("search-drain")
def search_drain_cmd():
    """Apply queued index updates (after an indexing failure; safe to run from cron)."""
    from ppid.search import backend
    from ppid.search.indexing import drain, pending_count
    if backend.name() == "postgresql":
        click.echo("PostgreSQL: indeks ditulis bersama rekamannya; tidak ada antrean.")
        return
    applied = drain()
    click.echo(f"{applied} perubahan diterapkan ke indeks; {pending_count()} masih antre.")


@cli.command("search-indexer")
def search_indexer_cmd():
    """Apply queued index updates continuously (gunicorn.conf.py starts it with the app
    server; SIGTERM or Ctrl-C stops it after a last drain)."""
    import signal
    import threading

    from flask import current_app

    from ppid.search import backend
    from ppid.search.indexing import run_indexer
    if backend.name() == "postgresql":
        click.echo("PostgreSQL: indeks ditulis bersama rekamannya; pengindeks tidak diperlukan.")
        return
    stop = threading.Event()

    def on_signal(*_args):
        # One stop is enough: under systemd the whole group gets SIGTERM and then gunicorn
        # sends its own; a second one must not kill the last drain (or the exit).
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        stop.set()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    run_indexer(current_app._get_current_object(), stop)
