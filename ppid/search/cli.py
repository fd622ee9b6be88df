"""``flask --app wsgi ppid reindex [--check [--repair]]`` (both backends), and for the
Whoosh backend ``ppid search-drain`` (the job worker drains the queue: see indexing.py)."""
import click
from sqlalchemy.orm import Session

from ppid.cli import cli


def check_index(app=None):
    """Compare the database with the index: (missing, stale, extra) lists of keys."""
    from ppid.extensions import db
    from ppid.search import backend
    from ppid.search.sources import iter_all_docs

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
        from ppid.search import backend
        backend.get().refresh(None, {tuple(k.split(":", 1)) for k in missing + stale + extra})
        missing, stale, extra = check_index()
        left = len(missing) + len(stale) + len(extra)
        click.echo(f"Diperbaiki; selisih tersisa: {left}.")
        if not left:
            return
    raise SystemExit(1)


@cli.command("search-drain")
def search_drain_cmd():
    """Apply queued index updates now (the job worker does it every SEARCH_DRAIN_DELAY
    seconds; this is for a deployment without one, or after a failure)."""
    from ppid.search.indexing import drain, pending_count
    applied = drain()
    click.echo(f"{applied} perubahan diterapkan ke indeks; {pending_count()} masih antre.")
