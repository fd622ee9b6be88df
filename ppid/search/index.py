"""The Whoosh index: schema, opening (rebuilding when missing or corrupt), writing.

The index lives under ``<DATA_DIR>/search`` and is derived data: it can be deleted at any
time and is rebuilt from the database. Whoosh allows one writer per index; every write here
happens under :func:`writer_lock` (an fcntl lock on a file in the index directory, so it
also serialises gunicorn workers and CLI processes), and Whoosh's own WRITELOCK is waited
for as well.
"""
import fcntl
import gc
import logging
import os
import shutil
import threading
import time
import warnings
from contextlib import contextmanager
from datetime import date, datetime, time as dtime, timezone
from pathlib import Path

from flask import current_app
from whoosh import index as windex
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from ppid.search.analysis import exact_analyzer, stemming_analyzer
from ppid.search.merging import tiered_merge
from ppid.search.sources import SOURCES, SearchDoc

log = logging.getLogger(__name__)

# Bump when the schema or what goes into a field changes: an index of another version is
# not opened but rebuilt from the database (with a warning), see get_index().
SCHEMA_VERSION = 2
INDEX_NAME = f"ppid_v{SCHEMA_VERSION}"
TITLE_REPEAT = 3   # the title's weight in ``content`` (its term frequency: the title boost)
SNIPPET_SOURCE_CHARS = 1_500   # stored text the snippet is cut from (highlighting cost)
LOCK_TIMEOUT = 120.0

_thread_lock = threading.RLock()
_open = {}      # index path -> FileIndex (one per process)
_local = threading.local()  # per-thread cached searcher


class IndexUnavailable(RuntimeError):
    """The index could not be opened nor rebuilt."""


def make_schema():
    """One stemmed field for matching and ranking, one exact field for phrases.

    ``content`` holds the title (``TITLE_REPEAT`` times: that is the title boost, through
    the term frequency, at no cost per query), the secondary words and the body; it has no
    positions. ``exact`` holds the same text unstemmed, with positions, for "quoted
    phrases" and the "did you mean" dictionary. One field each keeps a query to one posting
    list per word and indexing to two analyses of each text.
    """
    stem = stemming_analyzer()
    exact = exact_analyzer()
    return Schema(
        key=ID(unique=True, stored=True),
        type=ID(stored=True, sortable=True),
        doc_id=ID(stored=True),
        public_id=ID(stored=True),
        agency=ID(stored=True, sortable=True),
        agency_name=STORED,
        category=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        date=DATETIME(stored=True, sortable=True),
        title=STORED,
        content=TEXT(analyzer=stem, phrase=False),
        exact=TEXT(analyzer=exact),
        snip=STORED,
        url=STORED,
        extra=STORED,
        hash=STORED,
    )


def index_dir(app=None):
    app = app or current_app
    return Path(app.config.get("SEARCH_INDEX_DIR") or Path(app.config["DATA_DIR"]) / "search")


def _as_datetime(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return datetime.combine(value, dtime())
    return None


def doc_fields(doc: SearchDoc):
    """The Whoosh fields of one document."""
    title, body, meta = doc.title or "", doc.body or "", doc.meta or ""
    if body == title:  # (a request's subject is both)
        body = ""
    fields = {
        "key": doc.key, "type": doc.doc_type, "doc_id": doc.doc_id,
        "public_id": doc.public_id, "agency": doc.agency or "", "agency_name": doc.agency_name,
        "category": doc.category or "", "year": doc.year, "title": doc.title,
        "content": "\n".join([title] * TITLE_REPEAT + [meta, body]),
        "exact": f"{title}\n{body}\n{meta}",
        "snip": (doc.body or doc.meta)[:SNIPPET_SOURCE_CHARS],
        "url": doc.url, "extra": dict(doc.extra), "hash": doc.content_hash(),
    }
    when = _as_datetime(doc.date)
    if when is not None:
        fields["date"] = when
    return fields


# --- Locking -----------------------------------------------------------------------------

@contextmanager
def writer_lock(path=None, timeout=LOCK_TIMEOUT):
    """The single-writer lock (threads and processes). Raises TimeoutError when busy."""
    path = Path(path or index_dir())
    path.mkdir(parents=True, exist_ok=True)
    with _thread_lock:
        fd = os.open(path / "ppid-writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise TimeoutError(f"search index writer lock busy: {path}") from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


# --- Opening -----------------------------------------------------------------------------

def _try_open(path):
    """The index at ``path``, None when it is missing, False when it is unreadable (logged)."""
    if not any(path.glob(f"_{INDEX_NAME}_*.toc")):
        return None
    # Whoosh leaves a damaged file open when it fails; it is closed (quietly) when the
    # exception is dropped, still inside this block.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        problem = _open_checked(path)
        gc.collect()
    if isinstance(problem, str):
        log.warning("search index at %s is unreadable (%s)", path, problem)
        return False
    return problem


def _open_checked(path):
    try:
        ix = windex.open_dir(str(path), indexname=INDEX_NAME)
        with ix.searcher() as s:  # opens every segment: a missing file fails here
            s.doc_count()
        return ix
    except Exception as exc:  # noqa: BLE001 - any damage means "rebuild"
        return f"{type(exc).__name__}: {exc}"


def _wipe(path):
    for child in path.iterdir():
        if child.name == "ppid-writer.lock":
            continue
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            try:
                child.unlink()
            except FileNotFoundError:
                pass


def get_index(app=None):
    """The open index; a missing or corrupt index is rebuilt from the database first."""
    app = app or current_app
    path = index_dir(app)
    key = str(path)
    ix = _open.get(key)
    if ix is not None:
        return ix
    ix = _try_open(path)
    if not ix:
        with writer_lock(path):
            ix = _try_open(path)  # another process may have rebuilt it meanwhile
            if not ix:
                reason = "missing" if ix is None else "corrupt"
                if ix is None and any(path.glob("_ppid_v*.toc")):
                    reason = f"of an older schema (this version is {SCHEMA_VERSION})"
                log.warning("search index %s at %s: rebuilding it from the database",
                            reason, path)
                ix = _rebuild_locked(path)
    _open[key] = ix
    return ix


def stored_documents(app=None):
    """Every stored document of the index (checks and tests)."""
    with get_index(app).searcher() as s:
        return [fields for _n, fields in s.reader().iter_docs()]


def forget(app=None):
    """Drop this process's handles on the index (after it was rebuilt or deleted)."""
    key = str(index_dir(app))
    _open.pop(key, None)
    cache = getattr(_local, "searchers", {})
    s = cache.pop(key, None)
    if s is not None and not s.is_closed:
        try:
            s.close()
        except Exception:  # noqa: BLE001 - closing readers of deleted files
            pass


def searcher(app=None):
    """A searcher for this thread, refreshed when the index changed."""
    ix = get_index(app)
    key = str(index_dir(app))
    cache = getattr(_local, "searchers", None)
    if cache is None:
        cache = _local.searchers = {}
    s = cache.get(key)
    if s is None or s.is_closed or not s.up_to_date():
        # A fresh searcher, never Searcher.refresh(): its reader reuse brings back
        # segments merged away and misses new deletions (whoosh-reloaded 2.7.5).
        cache.pop(key, None)
        if s is not None and not s.is_closed:
            s.close()
        s = ix.searcher()
    cache[key] = s
    return s


# --- Writing -----------------------------------------------------------------------------

def write_docs(ix, docs):
    """Apply {key: SearchDoc or None} (None = remove) in one commit; caller holds the lock."""
    if not docs:
        return
    writer = ix.writer(timeout=LOCK_TIMEOUT)
    try:
        for key, doc in docs.items():
            if doc is None:
                writer.delete_by_term("key", key)
            else:
                writer.update_document(**doc_fields(doc))
    except BaseException:
        writer.cancel()
        raise
    # Only segments of about the new one's size are merged (see merging.py): Whoosh's
    # default would rewrite a large segment into many small commits.
    writer.commit(mergetype=tiered_merge)


def iter_all_docs(session, batch=500):
    """Every public document of every source, loaded in batches from the database."""
    for src in list(SOURCES.values()):
        ids = [str(i) for i in src.all_ids(session)]
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            loaded = src.load(session, chunk)
            for i in chunk:
                doc = loaded.get(i)
                if doc is not None:
                    yield doc
            session.expunge_all()


def _rebuild_locked(path, procs=1, limitmb=128):
    """Create an empty index at ``path`` and fill it from the database (lock held)."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from ppid.extensions import db
    from ppid.search.models import SearchPending

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    _wipe(path)
    ix = windex.create_in(str(path), make_schema(), indexname=INDEX_NAME)
    count = 0
    with Session(db.engine.execution_options(ppid_read_only=True)) as session:
        # Changes queued before this point are covered by the rebuild; later ones stay queued.
        pending = session.execute(sa.select(SearchPending.id)).scalars().all()
        kwargs = {"limitmb": limitmb}
        if procs > 1:
            kwargs.update(procs=procs, multisegment=True)
        writer = ix.writer(timeout=LOCK_TIMEOUT, **kwargs)
        try:
            for doc in iter_all_docs(session):
                writer.add_document(**doc_fields(doc))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        session.rollback()
    with Session(db.engine) as session:
        for start in range(0, len(pending), 500):
            session.execute(sa.delete(SearchPending)
                            .where(SearchPending.id.in_(pending[start:start + 500])))
        session.commit()
    log.info("search index rebuilt at %s with %d documents", path, count)
    return ix


def rebuild(app=None, procs=1, limitmb=128):
    """Rebuild the whole index from the database; returns the number of documents."""
    app = app or current_app
    path = index_dir(app)
    with writer_lock(path):
        forget(app)
        ix = _rebuild_locked(path, procs=procs, limitmb=limitmb)
    _open[str(path)] = ix
    return ix.doc_count()


def clear(app=None):
    """Delete the index files (tests; the next use rebuilds from the database)."""
    app = app or current_app
    path = index_dir(app)
    with writer_lock(path):
        forget(app)
        _wipe(path)
