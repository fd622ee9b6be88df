"""The Whoosh backend (the embedded default, beside SQLite), through Whoosh's public API:
standard fields, writer, searcher, scorer (BM25F), corrector and highlighter.

The index lives under ``<DATA_DIR>/search`` and is derived data: it can be deleted at any
time and is rebuilt from the database (``flask ppid reindex``; automatically, with a log
line, when it is missing, unreadable or of an older schema: that only reads the
database). Changes reach it through the queue (ppid.search.indexing). Every write happens
under :func:`writer_lock` (an fcntl lock on a file in the index directory, so it also
serialises rebuilds and CLI processes), and Whoosh's own WRITELOCK is waited for as well.
"""
import gc
import logging
import shutil
import threading
import time
import warnings
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, time as dtime, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session
from whoosh import index as windex
from whoosh import query as wq
from whoosh import sorting
from whoosh.filedb.filestore import FileStorage
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from ppid.search import query as squery
from ppid.search.analysis import exact_analyzer, stemming_analyzer
from ppid.search.merging import tiered_merge
from ppid.search.sources import iter_all_docs, load_docs

log = logging.getLogger(__name__)

# Bump when the schema or what goes into a field changes: an index of another version is
# not opened but rebuilt from the database (with a warning), see get_index(). Version 2
# was the private-API index of before issue 14.
SCHEMA_VERSION = 3
INDEX_NAME = f"ppid_v{SCHEMA_VERSION}"
# A word's weight in each field: title above summary and document text above the
# agency's name and other secondary words (PostgreSQL's A, B and C, D weights). Summary
# and text share a field: one posting list less to read for each word of a query.
FIELD_BOOSTS = {"title": 4.0, "body": 1.0, "meta": 0.25}
LOCK_TIMEOUT = 120.0
WRITER_LOCK = "ppid-writer.lock"
FACET_FIELDS = ("type", "agency", "category", "year")

_thread_lock = threading.RLock()
_open = {}      # index path -> FileIndex (one per process)
_local = threading.local()  # per thread: index path -> (searcher, its facet columns)


def make_schema():
    """Three stemmed fields ranked by their weight, one exact field for phrases and the
    "did you mean" dictionary, the facets as sortable ID columns, the rest stored."""
    def stemmed(**kw):
        return TEXT(analyzer=stemming_analyzer(), phrase=False, **kw)
    return Schema(
        key=ID(unique=True, stored=True), doc_id=ID(stored=True), public_id=ID(stored=True),
        **{name: ID(stored=True, sortable=True) for name in FACET_FIELDS},
        date=DATETIME(stored=True, sortable=True), title=stemmed(stored=True),
        body=stemmed(), meta=stemmed(), exact=TEXT(analyzer=exact_analyzer()),
        agency_name=STORED, snip=STORED, url=STORED, extra=STORED, hash=STORED)


def index_dir(app=None):
    app = app or current_app
    return Path(app.config.get("SEARCH_INDEX_DIR") or Path(app.config["DATA_DIR"]) / "search")


def doc_fields(doc):
    """The Whoosh fields of one SearchDoc."""
    title, body, text, meta = doc.parts()
    fields = {
        "key": doc.key, "type": doc.doc_type, "doc_id": doc.doc_id,
        "public_id": doc.public_id, "agency": doc.agency or "", "agency_name": doc.agency_name,
        "category": doc.category or "", "year": doc.year, "title": title,
        "body": f"{body}\n{text}", "meta": meta,
        "exact": "\n".join(p for p in (title, body, text, meta) if p),
        "snip": doc.snippet_source(), "url": doc.url, "extra": dict(doc.extra),
        "hash": doc.content_hash(),
    }
    when = doc.date
    if isinstance(when, datetime):
        fields["date"] = when.astimezone(timezone.utc).replace(tzinfo=None) if when.tzinfo else when
    elif isinstance(when, date):
        fields["date"] = datetime.combine(when, dtime())
    return fields


# --- Locking and opening ---------------------------------------------------------------------

@contextmanager
def writer_lock(path=None, timeout=LOCK_TIMEOUT):
    """The single-writer lock of threads and processes (a named lock of Whoosh's
    FileStorage: a file lock in the index directory). Raises TimeoutError when busy."""
    path = Path(path or index_dir())
    path.mkdir(parents=True, exist_ok=True)
    lock = FileStorage(str(path)).lock(WRITER_LOCK)
    deadline = time.monotonic() + timeout
    with _thread_lock:
        while not lock.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"search index writer lock busy: {path}")
            time.sleep(0.02)
        try:
            yield
        finally:
            lock.release()


def _try_open(path):
    """The index at ``path``, None when it is missing, False when it is unreadable (logged)."""
    if not any(path.glob(f"_{INDEX_NAME}_*.toc")):
        return None
    # Whoosh leaves a damaged file open when it fails; it is closed (quietly) when the
    # exception is dropped, still inside this block.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            ix = windex.open_dir(str(path), indexname=INDEX_NAME)
            with ix.searcher() as s:  # opens every segment: a missing file fails here
                s.doc_count()
            return ix
        except Exception as exc:  # noqa: BLE001 - any damage means "rebuild"
            log.warning("search index at %s is unreadable (%s)", path,
                        f"{type(exc).__name__}: {exc}")   # (no reference to its files)
        finally:
            gc.collect()
    return False


def _wipe(path):
    for child in path.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        elif child.name != WRITER_LOCK:
            child.unlink(missing_ok=True)


def get_index(app=None):
    """The open index; a missing, corrupt or older index is rebuilt from the database."""
    app = app or current_app
    path = index_dir(app)
    ix = _open.get(str(path)) or _try_open(path)
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
    _open[str(path)] = ix
    return ix


def forget(app=None):
    """Drop this process's handles on the index (after it was rebuilt or deleted)."""
    key = str(index_dir(app))
    _open.pop(key, None)
    s, _cols = getattr(_local, "searchers", {}).pop(key, (None, None))
    if s is not None and not s.is_closed:
        try:
            s.close()
        except Exception:  # noqa: BLE001 - closing readers of deleted files
            pass


def searcher(app=None):
    """(A searcher for this thread, refreshed when the index changed; its facet columns)."""
    ix = get_index(app)
    key = str(index_dir(app))
    cache = _local.__dict__.setdefault("searchers", {})
    s, cols = cache.get(key, (None, None))
    if s is None or s.is_closed or not s.up_to_date():
        # A fresh searcher, never Searcher.refresh(): its reader reuse brings back
        # segments merged away and misses new deletions (whoosh-reloaded 2.7.5).
        if s is not None and not s.is_closed:
            s.close()
        s, cols = ix.searcher(), {}
        cache[key] = (s, cols)
    return s, cols


# --- Writing ---------------------------------------------------------------------------------

@contextmanager
def committing(writer, **options):
    """Commit ``writer`` after the block; when the block or the commit itself raises,
    cancel it, which releases Whoosh's WRITELOCK (else the next writer waits for it)."""
    try:
        yield writer
        writer.commit(**options)
    except BaseException:
        try:
            writer.cancel()
        except Exception:  # noqa: BLE001 - a commit that failed half-way closed it already
            log.warning("search index: cancelling a failed writer failed", exc_info=True)
        raise


def write_docs(ix, docs):
    """Apply {key: SearchDoc or None} (None = remove) in one commit; caller holds the lock."""
    if not docs:
        return
    # Only segments of about the new one's size are merged (see merging.py): Whoosh's
    # default would rewrite a large segment into many small commits.
    with committing(ix.writer(timeout=LOCK_TIMEOUT), mergetype=tiered_merge) as writer:
        for key, doc in docs.items():
            if doc is None:
                writer.delete_by_term("key", key)
            else:
                writer.update_document(**doc_fields(doc))


def refresh(app, keys, lock_timeout=LOCK_TIMEOUT):
    """Write the (doc_type, doc_id) ``keys`` anew from the database. Loading and writing
    happen under the lock, so writes land in the order their states were read."""
    from ppid.extensions import db
    app = app or current_app
    ix = get_index(app)
    with writer_lock(index_dir(app), lock_timeout):
        with Session(db.engine.execution_options(ppid_read_only=True)) as session:
            docs = load_docs(session, keys)
            session.rollback()  # release the read (SQLite) before the index write
        write_docs(ix, docs)
    return len(docs)


def fill(ix, docs, procs=1, limitmb=128):
    """Write ``docs`` into the new, empty index ``ix`` with Whoosh's writer: ``procs`` > 1
    builds one segment per process (multisegment); ``limitmb`` is each one's memory."""
    multi = {"procs": procs, "multisegment": True} if procs > 1 else {}
    count = 0
    with committing(ix.writer(limitmb=limitmb, timeout=LOCK_TIMEOUT, **multi)) as writer:
        for doc in docs:
            writer.add_document(**doc_fields(doc))
            count += 1
    return count


def _rebuild_locked(path, procs=1, limitmb=128):
    """Create an empty index at ``path`` and fill it from the database (lock held). It
    only reads the database: rows still queued are applied again by the next drain."""
    from ppid.extensions import db
    path.mkdir(parents=True, exist_ok=True)
    _wipe(path)
    ix = windex.create_in(str(path), make_schema(), indexname=INDEX_NAME)
    with Session(db.engine.execution_options(ppid_read_only=True)) as session:
        count = fill(ix, iter_all_docs(session), procs=procs, limitmb=limitmb)
        session.rollback()
    log.info("search index rebuilt at %s with %d documents", path, count)
    return ix


def rebuild(app=None, procs=1, limitmb=128):
    """Rebuild the whole index from the database; returns the number of documents."""
    path = index_dir(app)
    with writer_lock(path):
        forget(app)
        ix = _open[str(path)] = _rebuild_locked(path, procs=procs, limitmb=limitmb)
    return ix.doc_count()


def clear(app=None):
    """Delete the index files (tests; the next use rebuilds from the database)."""
    path = index_dir(app)
    with writer_lock(path):
        forget(app)
        _wipe(path)


def stored_documents(app=None):
    """Every stored document of the index (checks and tests)."""
    with get_index(app).searcher() as s:
        return [fields for _n, fields in s.reader().iter_docs()]


# --- Searching -------------------------------------------------------------------------------

def to_query(node):
    """The Whoosh query of a query tree (ppid.search.query)."""
    if isinstance(node, squery.Term):
        if node.stem is None:   # a function word: unstemmed
            return wq.Term("exact", node.word)
        return wq.Or([wq.Term(name, node.stem, boost=boost)
                      for name, boost in FIELD_BOOSTS.items()])
    if isinstance(node, squery.Phrase):
        if len(node.words) == 1:
            return wq.Term("exact", node.words[0])
        return wq.Phrase("exact", list(node.words))
    if isinstance(node, squery.Not):
        return wq.Not(to_query(node.item))
    kind = wq.And if isinstance(node, squery.And) else wq.Or
    return kind([to_query(n) for n in node.items])


def retrying(fn):
    """A file deleted or damaged under an open searcher: reopen the index once (which
    rebuilds it from the database if it is unreadable) and try again."""
    def run(app, *args, **kwargs):
        try:
            return fn(app, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - whoosh raises many kinds on damaged files
            log.warning("search failed on the index (%s: %s); reopening it",
                        type(exc).__name__, str(exc))
            forget(app)
            return fn(app, *args, **kwargs)
    run.__doc__ = fn.__doc__
    return run


@retrying
def execute(app, node, params, relaxed=None):
    """One page of results (ppid.search.services.Page) for a query tree, or, with
    ``relaxed`` (positive clauses, excluded clauses, how many must match), for documents
    matching most of the clauses, those matching more ranked first.

    The matching documents are found unscored (posting lists, ``Query.docs``: counted,
    filtered, their facets read from the sortable columns); only the page's tiers are
    ranked, by Whoosh's searcher (BM25F), which skips blocks that cannot reach the page."""
    from ppid.search.services import Page
    s, cols = searcher(app)
    reader = s.reader()

    def docs(n):   # (words by sets of their posting lists; phrases and NOT by Whoosh)
        if isinstance(n, squery.Term) and n.stem is not None:
            return set().union(*(reader.postings(f, n.stem).all_ids() for f in FIELD_BOOSTS
                                 if (f, n.stem) in reader))
        if isinstance(n, squery.Or):
            return set().union(*map(docs, n.items))
        required = [i for i in getattr(n, "items", ()) if not isinstance(i, squery.Not)]
        if isinstance(n, squery.And) and required:
            return set.intersection(*map(docs, required)).difference(
                *(docs(i.item) for i in n.items if isinstance(i, squery.Not)))
        return set(to_query(n).docs(s))
    filters = params.filters()
    if relaxed is None:
        q, tiers = to_query(node), [docs(node)]
    else:
        positive, excluded, minmatch = relaxed
        coord = Counter(d for n in positive for d in docs(n))
        dropped = set().union(*(docs(n.item) for n in excluded))
        q = wq.Or([to_query(n) for n in positive])
        tiers = [{d for d, n in coord.items() if n == k and d not in dropped}
                 for k in range(len(positive), minmatch - 1, -1)]
    if filters:
        allowed = set(wq.And([wq.Term(f, v) for f, v in filters.items()]).docs(s))
        tiers = [t & allowed for t in tiers]
    start, end = (params.page - 1) * params.per_page, params.page * params.per_page
    order = sorting.FieldFacet("date", reverse=True) if params.sort == "date" else None
    top, base = [], 0   # top: the documents from position ``base`` on
    for tier in tiers:
        if base + len(tier) <= start:
            base += len(tier)   # a tier wholly before the page
            continue
        # (All of the query's matches: no filter, so Whoosh may skip blocks that cannot
        # reach the page.)
        only = tier if filters or relaxed is not None else None
        results = s.search(q, filter=only, limit=end - base - len(top), sortedby=order,
                           terms=False)
        top += [results.docnum(i) for i in range(results.scored_length())]
        if base + len(top) >= end:
            break
    matched = set().union(*tiers)
    facets = {}
    if params.facets and matched:
        for name in FACET_FIELDS:
            if name not in cols:   # (read once per searcher: an index generation)
                cols[name] = list(reader.column_reader(name))
            facets[name] = Counter(map(cols[name].__getitem__, matched))
    return Page([s.stored_fields(d) for d in top[start - base:end - base]], len(matched),
                facets)


@retrying
def corrections(app, words):
    """{word: the closest word of the index} for the (folded) ``words`` it does not hold."""
    s, _cols = searcher(app)
    reader, corrector = s.reader(), s.corrector("exact")
    out = {}
    for w in words:
        if not reader.doc_frequency("exact", w):
            options = corrector.suggest(w, limit=1, maxdist=2, prefix=1)
            if options and options[0] != w:
                out[w] = options[0]
    return out
