"""The Whoosh backend (the embedded default, beside SQLite), through Whoosh's public API:
standard fields, writer, searcher, scorer (BM25F) and corrector.

The index lives under ``<DATA_DIR>/search`` and is derived data: it can be deleted at any
time and is rebuilt from the database (``flask ppid reindex``; automatically, with a log
line, when it is missing, unreadable or of an older schema). Changes reach it through the
queue (ppid.search.indexing). Every write happens under :func:`writer_lock` (an fcntl
lock on a file in the index directory, so it also serialises the indexer, searches that
catch up and CLI processes), and Whoosh's own WRITELOCK is waited for as well.
"""
import fcntl
import gc
import heapq
import logging
import os
import shutil
import threading
import time
import warnings
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, time as dtime, timezone
from pathlib import Path

from flask import current_app
from whoosh import index as windex
from whoosh import query as wq
from whoosh import sorting
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from ppid.search import query as squery
from ppid.search.analysis import exact_analyzer, fold, stemming_analyzer
from ppid.search.merging import tiered_merge
from ppid.search.sources import SearchDoc, registered

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
RANK_ALL_BELOW = 2_000   # one word's matches up to which ranked() scores them all
SNIPPET_SOURCE_CHARS = 1_500   # stored text the snippet is cut from (highlighting cost)
LOCK_TIMEOUT = 120.0

_thread_lock = threading.RLock()
_open = {}      # index path -> FileIndex (one per process)
_local = threading.local()  # per-thread cached searcher


class IndexUnavailable(RuntimeError):
    """The index could not be opened nor rebuilt."""


def make_schema():
    """Three stemmed fields ranked by their weight, one exact field for phrases and the
    "did you mean" dictionary, the facets as sortable ID columns, the rest stored."""
    def stemmed(**kw):
        return TEXT(analyzer=stemming_analyzer(), phrase=False, **kw)
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
        title=stemmed(stored=True),
        body=stemmed(),
        meta=stemmed(),
        exact=TEXT(analyzer=exact_analyzer()),
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


def snippet_source(doc: SearchDoc):
    """The stored text snippets are cut from: the summary (a request's subject), else the
    document text, else the secondary words."""
    return (doc.body or doc.text or doc.meta)[:SNIPPET_SOURCE_CHARS]


def doc_fields(doc: SearchDoc):
    """The Whoosh fields of one document."""
    title, body = doc.title or "", doc.body or ""
    if body == title:  # (a request's subject is both)
        body = ""
    fields = {
        "key": doc.key, "type": doc.doc_type, "doc_id": doc.doc_id,
        "public_id": doc.public_id, "agency": doc.agency or "", "agency_name": doc.agency_name,
        "category": doc.category or "", "year": doc.year, "title": title,
        "body": f"{body}\n{doc.text or ''}", "meta": doc.meta or "",
        "exact": "\n".join(p for p in (title, body, doc.text, doc.meta) if p),
        "snip": snippet_source(doc), "url": doc.url, "extra": dict(doc.extra),
        "hash": doc.content_hash(),
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
        opened = _open_checked(path)
        gc.collect()
    if isinstance(opened, str):
        log.warning("search index at %s is unreadable (%s)", path, opened)
        return False
    return opened


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
    """The open index; a missing, corrupt or older index is rebuilt from the database."""
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


def iter_all_docs(session, batch=500):
    """Every public document of every source, loaded in batches from the database."""
    for src in list(registered().values()):
        ids = [str(i) for i in src.all_ids(session)]
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            loaded = src.load(session, chunk)
            for i in chunk:
                doc = loaded.get(i)
                if doc is not None:
                    yield doc
            session.expunge_all()


def fill(ix, docs, procs=1, limitmb=128):
    """Write ``docs`` into the new, empty index ``ix`` with Whoosh's writer: ``procs`` > 1
    builds one segment per process (multisegment); ``limitmb`` is each one's memory."""
    if procs > 1:
        writer = ix.writer(procs=procs, multisegment=True, limitmb=limitmb,
                           timeout=LOCK_TIMEOUT)
    else:
        writer = ix.writer(limitmb=limitmb, timeout=LOCK_TIMEOUT)
    count = 0
    with committing(writer):
        for doc in docs:
            writer.add_document(**doc_fields(doc))
            count += 1
    return count


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
    with Session(db.engine.execution_options(ppid_read_only=True)) as session:
        # Changes queued before this point are covered by the rebuild; later ones stay queued.
        pending = session.execute(sa.select(SearchPending.id)).scalars().all()
        count = fill(ix, iter_all_docs(session), procs=procs, limitmb=limitmb)
        session.rollback()
    from ppid.search.indexing import _holds_write_transaction
    if _holds_write_transaction():
        pending = []   # (this thread's transaction holds SQLite's lock: a drain does it)
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


def stored_documents(app=None):
    """Every stored document of the index (checks and tests)."""
    with get_index(app).searcher() as s:
        return [fields for _n, fields in s.reader().iter_docs()]


# --- Searching ---------------------------------------------------------------------------

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
    if isinstance(node, squery.And):
        return wq.And([to_query(n) for n in node.items])
    if isinstance(node, squery.Or):
        return wq.Or([to_query(n) for n in node.items])
    if isinstance(node, squery.Not):
        return wq.Not(to_query(node.item))
    raise TypeError(node)


_segment_columns = {}   # (segment id, field) -> its values by document (segments never change)


def columns(s, names):
    """{field: the value of each document, by global docnum} of the sortable ID fields,
    read through Whoosh's column readers once per segment."""
    out = {name: [] for name in names}
    live = set()
    for leaf, _base in s.reader().leaf_readers():
        if not leaf.doc_count_all():
            continue   # (an empty index has no columns)
        sid = leaf.segment().segment_id()
        for name in names:
            key = (sid, name)
            live.add(key)
            values = _segment_columns.get(key)
            if values is None:
                values = _segment_columns[key] = list(leaf.column_reader(name))
            out[name] += values
    for key in [k for k in _segment_columns if k not in live]:
        del _segment_columns[key]   # (merged away; one index per process)
    return out


def before_search(app=None):
    """Catch up with the queue first when no indexer is applying it (see indexing.py)."""
    from ppid.search.indexing import catch_up
    catch_up(app)


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


def matching(s, node):
    """The (global) document numbers a query tree matches, by set operations on posting
    lists (``reader.postings``); Whoosh's matcher tree only for phrases. Unscored: this
    counts and filters, the searcher ranks."""
    reader = s.reader()

    def postings(field, text):
        if (field, text) not in reader:
            return set()
        return set(reader.postings(field, text).all_ids())
    if isinstance(node, squery.Term):
        if node.stem is None:
            return postings("exact", node.word)
        return set().union(*(postings(name, node.stem) for name in FIELD_BOOSTS))
    if isinstance(node, squery.Phrase):
        return set(to_query(node).docs(s))
    if isinstance(node, squery.Or):
        return set().union(*(matching(s, n) for n in node.items))
    if isinstance(node, squery.Not):
        return set(reader.all_doc_ids()) - matching(s, node.item)
    if isinstance(node, squery.And):
        required = [n for n in node.items if not isinstance(n, squery.Not)]
        docs = (set.intersection(*(matching(s, n) for n in required)) if required
                else matching(s, squery.Not(squery.Or(tuple(n.item for n in node.items)))))
        for n in node.items:
            if isinstance(n, squery.Not) and required:
                docs -= matching(s, n.item)
        return docs
    raise TypeError(node)


def _terms(node, negated=False):
    """(field, text, boost) of the words of a tree without phrases, else None."""
    if isinstance(node, squery.Term):
        if negated:
            return []
        if node.stem is None:
            return [("exact", node.word, 1.0)]
        return [(name, node.stem, boost) for name, boost in FIELD_BOOSTS.items()]
    if isinstance(node, squery.Not):
        return [] if _terms(node.item, True) is not None else None
    if isinstance(node, (squery.And, squery.Or)):
        parts = [_terms(n, negated) for n in node.items]
        return None if any(p is None for p in parts) else [t for p in parts for t in p]
    return None


def ranked(s, terms, docs, limit):
    """The first ``limit`` of ``docs`` by the score Whoosh's searcher gives them for these
    terms (BM25F, each term's score times its field's boost, added as And and Or add
    them; lower document number first on a tie), read from the terms' scored posting
    lists (``searcher.postings``) for these documents only."""
    scores = dict.fromkeys(docs, 0.0)
    ordered = sorted(docs)
    reader = s.reader()
    for field, text, boost in set(terms):
        if (field, text) not in reader:
            continue
        m = s.postings(field, text)
        if len(ordered) * 16 < reader.doc_frequency(field, text):
            for d in ordered:   # few documents: jump to each
                m.skip_to(d)
                if not m.is_active():
                    break
                if m.id() == d:
                    scores[d] += boost * m.score()
        else:
            while m.is_active():
                d = m.id()
                if d in scores:
                    scores[d] += boost * m.score()
                m.next()
    return heapq.nsmallest(limit, scores, key=lambda d: (-scores[d], d))


@retrying
def execute(app, node, params, relaxed=None):
    """One page of results (ppid.search.services.Page) for a query tree, or, with
    ``relaxed`` (positive clauses, excluded clauses, how many must match), for documents
    matching most of the clauses, those matching more ranked first.

    The matching documents are found unscored (filtered and counted through the facet
    columns); only the page's tiers are ranked, by Whoosh's searcher (BM25F)."""
    from ppid.search.services import FACETS, Page
    s = searcher(app)
    filters = params.filters()
    cols = columns(s, FACETS)

    def kept(docs):
        return {d for d in docs if all(cols[f][d] == v for f, v in filters.items())}
    if relaxed is None:
        q = to_query(node)
        matched = kept(matching(s, node))
        tiers = [matched]
    else:
        positive, excluded, minmatch = relaxed
        clauses = [to_query(n) for n in positive]
        coord = Counter()
        for n in positive:
            coord.update(matching(s, n))
        dropped = set()
        for n in excluded:
            dropped |= matching(s, n.item)
        matched = kept(d for d, n in coord.items() if n >= minmatch and d not in dropped)
        q = wq.Or(clauses)
        tiers = [{d for d in matched if coord[d] == k}
                 for k in range(len(clauses), minmatch - 1, -1)]
    start, end = (params.page - 1) * params.per_page, params.page * params.per_page
    order = sorting.FieldFacet("date", reverse=True) if params.sort == "date" else None
    top, base = [], 0   # top: the documents from position ``base`` on
    terms = _terms(node if relaxed is None else squery.Or(relaxed[0]))
    for docs in tiers:
        if not docs:
            continue
        if base + len(docs) <= start:
            base += len(docs)   # a tier wholly before the page
            continue
        # (All of the query's matches: no filter, so Whoosh may skip blocks that cannot
        # reach the page.)
        need = end - base - len(top)
        # Many documents of one unfiltered word: Whoosh's own block-max ranking skips
        # most of them; else scoring just these documents is quicker.
        if terms is not None and order is None and (
                filters or not isinstance(node, squery.Term) or len(docs) <= RANK_ALL_BELOW):
            top += ranked(s, terms, docs, need)
        else:
            only = docs if filters or relaxed is not None else None
            results = s.search(q, filter=only, limit=need, sortedby=order, terms=False)
            top += [results.docnum(i) for i in range(results.scored_length())]
        if base + len(top) >= end:
            break
    stored = [s.stored_fields(d) for d in top[start - base:end - base]]
    facets = {}
    if params.facets:
        facets = {name: Counter(cols[name][d] for d in matched) for name in FACETS}
    return Page(stored, len(matched), facets)


@retrying
def suggest(app, text):
    """ "Did you mean" for words that occur nowhere in the index, or None."""
    s = searcher(app)
    reader = s.reader()
    corrector = s.corrector("exact")
    changed = False
    corrected = text
    for word in squery.plain_words(text):
        w = fold(word)
        if len(w) < 4 or not w.isalpha():
            continue
        if reader.doc_frequency("exact", w):
            continue
        options = corrector.suggest(w, limit=1, maxdist=2, prefix=1)
        if options and options[0] != w:
            corrected = squery.replace_word(corrected, word, options[0])
            changed = True
    return corrected if changed else None
