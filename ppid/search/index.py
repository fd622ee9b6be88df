"""The Whoosh index: schema, opening (rebuilding when missing or corrupt), writing.

The index lives under ``<DATA_DIR>/search`` and is derived data: it can be deleted at any
time and is rebuilt from the database. Whoosh allows one writer per index; every write here
happens under :func:`writer_lock` (an fcntl lock on a file in the index directory, so it
also serialises gunicorn workers and CLI processes), and Whoosh's own WRITELOCK is waited
for as well.
"""
import fcntl
import gc
import heapq
import logging
import marshal
import multiprocessing
import multiprocessing.connection
import os
import shutil
import threading
import time
import warnings
from array import array
from contextlib import contextmanager
from datetime import date, datetime, time as dtime, timezone
from itertools import groupby, repeat
from operator import itemgetter, mul
from pathlib import Path

import numpy as np
from flask import current_app
from whoosh import index as windex
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.system import pack_uint
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import IndexingError, SegmentWriter

from ppid.search.analysis import (exact_analyzer, exact_term_positions, stemming_analyzer,
                                  stemmed_term_counts)
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


# --- Fields ------------------------------------------------------------------------------
# Whoosh asks a field for (term bytes, frequency, weight, encoded value) per distinct term
# of a document. The classes below give exactly what their Whoosh parents give (the tests
# compare them) without the analyzer's Token stream, the slow part of indexing; the text
# fields through analysis.stemmed_term_counts() and exact_term_positions(). The analyzers
# stay the fields' for queries and highlighting, and any other value or call takes
# Whoosh's path. An index's TOC names these classes: renaming one makes existing indexes
# unreadable (and so rebuilt).

def _fast_path(value, kwargs):
    return isinstance(value, str) and kwargs.get("mode", "index") == "index" and (
        not kwargs.keys() - {"mode"})


_FREQ_VALUES = tuple(pack_uint(n) for n in range(256))
_ONE = pack_uint(1)
_POSITION_TAILS = {}   # position -> the pickled [position] that Positions.encode() appends
_POSITION_TAILS_MAX = 10_000


class StemmedText(TEXT):
    """Stemmed words with frequencies (no positions): the ``content`` field."""

    def __init__(self):
        super().__init__(analyzer=stemming_analyzer(), phrase=False)

    def index(self, value, **kwargs):
        """Postings of ``value``, as TEXT.index() gives them with the stemming analyzer."""
        if not _fast_path(value, kwargs):
            return super().index(value, **kwargs)
        return [(term, n, float(n), _FREQ_VALUES[n] if n < 256 else pack_uint(n))
                for term, n in stemmed_term_counts(value).items()]


class ExactText(TEXT):
    """Folded words with positions (phrases, "did you mean"): the ``exact`` field."""

    def __init__(self):
        super().__init__(analyzer=exact_analyzer())

    def index(self, value, **kwargs):
        """Postings of ``value``, as TEXT.index() gives them with the exact analyzer."""
        if not _fast_path(value, kwargs):
            return super().index(value, **kwargs)
        encode = self.format.encode
        tails = _POSITION_TAILS
        postings = []
        for term, positions in exact_term_positions(value).items():
            n = len(positions)
            if n == 1:  # most terms occur once in a document
                pos = positions[0]
                tail = tails.get(pos)
                if tail is None:
                    tail = encode(positions)[len(_ONE):]
                    if pos < _POSITION_TAILS_MAX:
                        tails[pos] = tail
                # A new bytes object per posting, as encode() gives: a postings block
                # pickles its values, and pickle would shorten repeats of one object.
                vbytes = _ONE + tail
            else:
                vbytes = encode(positions)
            postings.append((term, n, float(n), vbytes))
        return postings


class FastID(ID):
    """An ID field (the whole value is its one term), without Whoosh's Token machinery."""

    def index(self, value, **kwargs):
        """Postings of ``value``, as ID.index() gives them."""
        if not _fast_path(value, kwargs):
            return super().index(value, **kwargs)
        return [(value.encode("utf-8"), 1, self.format.field_boost, b"")]


_DATE_POSTINGS = {}   # naive datetime -> its postings (the same dates recur)
_DATE_POSTINGS_MAX = 50_000


class FastDATETIME(DATETIME):
    """A DATETIME field that remembers the postings (8 tiers of terms) of recent dates."""

    def index(self, value, **kwargs):
        """Postings of ``value``, as DATETIME.index() gives them."""
        # Aware datetimes equal across time zones would share a key: Whoosh's path.
        if type(value) is not datetime or value.tzinfo is not None or kwargs:
            return super().index(value, **kwargs)
        postings = _DATE_POSTINGS.get(value)
        if postings is None:
            postings = tuple(super().index(value))
            if len(_DATE_POSTINGS) >= _DATE_POSTINGS_MAX:
                _DATE_POSTINGS.clear()
            _DATE_POSTINGS[value] = postings
        return postings


def make_schema():
    """One stemmed field for matching and ranking, one exact field for phrases.

    ``content`` holds the title (``TITLE_REPEAT`` times: that is the title boost, through
    the term frequency, at no cost per query), the secondary words and the body; it has no
    positions. ``exact`` holds the same text unstemmed, with positions, for "quoted
    phrases" and the "did you mean" dictionary. One field each keeps a query to one posting
    list per word and indexing to two analyses of each text.
    """
    return Schema(
        key=FastID(unique=True, stored=True),
        type=FastID(stored=True, sortable=True),
        doc_id=FastID(stored=True),
        public_id=FastID(stored=True),
        agency=FastID(stored=True, sortable=True),
        agency_name=STORED,
        category=FastID(stored=True, sortable=True),
        year=FastID(stored=True, sortable=True),
        date=FastDATETIME(stored=True, sortable=True),
        title=STORED,
        content=StemmedText(),
        exact=ExactText(),
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


# --- Bulk writing ------------------------------------------------------------------------
# Whoosh's SegmentWriter keeps one tuple per posting in a PostingPool, sorts them all at
# commit and then looks up the document's field length once per posting: at ~135
# postings a record that is most of a rebuild. BulkWriter writes the same segment (the
# tests compare the files byte for byte) with the postings grouped by term as they
# arrive and written a block at a time. It only fills a new, empty index (what a rebuild
# does): documents arrive in docnum order and no old segment is merged in.

_BULK_BATCH = 200   # documents per message to a worker process


class _FieldPostings:
    """The postings of one field in arrival (docnum) order, as flat arrays."""

    __slots__ = ("term_ids", "tids", "docs", "weights", "values", "value_size")

    def __init__(self, value_size):
        self.term_ids = {}            # term bytes -> term id
        self.tids = array("I")        # per posting: term id, docnum, weight, value
        self.docs = array("I")
        self.weights = array("d")
        self.value_size = value_size  # None: values vary in size; 0: no values; n bytes
        self.values = [] if value_size is None else bytearray()

    def add(self, docnum, terms, weights, values):
        """Add one document's postings; returns the bytes of memory they take, roughly."""
        ids = self.term_ids
        known = len(ids)
        tids = list(map(ids.get, terms))
        if None in tids:  # new terms (a document's terms are distinct)
            for i, tid in enumerate(tids):
                if tid is None:
                    tids[i] = ids[terms[i]] = len(ids)
        self.tids.extend(tids)
        self.docs.extend(repeat(docnum, len(terms)))
        self.weights.extend(weights)
        size = 16 * len(terms)
        if self.value_size is None:
            self.values.extend(values)
            size += 8 * len(terms) + sum(map(len, values)) + 33 * len(terms)
        elif self.value_size:
            joined = b"".join(values)
            if len(joined) != self.value_size * len(terms):
                raise ValueError(f"posting values are not {self.value_size} bytes each")
            self.values += joined
            size += len(joined)
        return size + 150 * (len(ids) - known)   # a new term: its bytes and dict entry

    def sorted_terms(self):
        """(term, docnums, weights, values) per term in term order; values is a list, the
        concatenated fixed-size values, or None."""
        # (numpy's uintc and double are the C types of array codes "I" and "d")
        tids = np.frombuffer(self.tids, dtype=np.uintc)
        counts = np.bincount(tids, minlength=len(self.term_ids))
        order = np.argsort(tids, kind="stable")
        ends = np.cumsum(counts).tolist()
        docs = array("I", np.frombuffer(self.docs, dtype=np.uintc)[order].tobytes())
        weights = array("d", np.frombuffer(self.weights, dtype=np.double)[order].tobytes())
        size = self.value_size
        if size is None:
            values = list(map(self.values.__getitem__, order.tolist()))
        elif size:
            values = np.frombuffer(self.values, dtype=np.dtype((np.void, size)))[order]
            values = values.tobytes()
        del order
        for term, tid in sorted(self.term_ids.items()):
            end = ends[tid]
            start = end - int(counts[tid])
            if size is None:
                vals = values[start:end]
            elif size:
                vals = values[start * size:end * size]
            else:
                vals = None
            yield term, docs[start:end], weights[start:end], vals


class _TermPool:
    """The postings of a BulkWriter, grouped by term.

    In memory each field keeps flat arrays, grouped with one stable argsort when written,
    so a term's postings stay in docnum order without comparing postings. Past
    ``limitmb`` they are written, grouped, to a run file; at the end the runs are merged
    term by term (a term's postings from later runs come after, so they are appended).
    """

    def __init__(self, tempstore, limitmb):
        self.tempstore = tempstore
        self.limit = limitmb * 1024 * 1024
        self.size = 0
        self.fields = {}    # fieldname -> _FieldPostings
        self.lengths = {}   # fieldname -> bytearray: length byte per docnum (0: none)
        self.runs = []      # run file names, oldest first

    def add(self, fieldname, value_size, docnum, terms, weights, values):
        postings = self.fields.get(fieldname)
        if postings is None:
            postings = self.fields[fieldname] = _FieldPostings(value_size)
        self.size += postings.add(docnum, terms, weights, values)
        if self.size > self.limit:
            self._save_run()

    def set_length(self, fieldname, docnum, length_byte):
        lengths = self.lengths.setdefault(fieldname, bytearray())
        if len(lengths) < docnum:
            lengths.extend(bytes(docnum - len(lengths)))
        lengths.append(length_byte)

    def _memory_terms(self):
        for fieldname in sorted(self.fields):
            for term, docs, weights, values in self.fields[fieldname].sorted_terms():
                yield fieldname, term, docs, weights, values

    def _save_run(self):
        name = f"{random_name()}.run"
        with self.tempstore.create_file(name).raw_file() as f:
            for fieldname, term, docs, weights, values in self._memory_terms():
                marshal.dump((fieldname, term, docs.tobytes(), weights.tobytes(), values), f)
        self.runs.append(name)
        self.fields = {}
        self.size = 0

    def _read_run(self, name):
        with self.tempstore.open_file(name).raw_file() as f:
            while True:
                try:
                    fieldname, term, docs, weights, values = marshal.load(f)
                except EOFError:
                    break
                yield fieldname, term, array("I", docs), array("d", weights), values
        self.tempstore.delete_file(name)

    def terms(self):
        """(fieldname, term, docnums, weights, values) per term, in (fieldname, term) order."""
        if not self.runs:
            yield from self._memory_terms()
            return
        sources = [self._read_run(name) for name in self.runs] + [self._memory_terms()]
        # heapq.merge keeps equal keys in the order of the sources: oldest run first.
        merged = heapq.merge(*sources, key=itemgetter(0, 1))
        for _key, parts in groupby(merged, key=itemgetter(0, 1)):
            fieldname, term, docs, weights, values = next(parts)
            for _f, _t, more_docs, more_weights, more_values in parts:
                docs += more_docs
                weights += more_weights
                if values is not None:
                    values = values + more_values
            yield fieldname, term, docs, weights, values

    def cleanup(self):
        for name in self.runs:
            try:
                self.tempstore.delete_file(name)
            except OSError:   # (read and deleted already)
                pass
        self.runs = []


def _write_term(fieldwriter, term, docs, weights, values, value_size, lengths):
    """Write one term's postings block by block, as W3PostingsWriter.add_posting() would
    fill and flush its block buffer one posting at a time."""
    fieldwriter.start_term(term)
    pw = fieldwriter._postwriter
    limit = pw._blocklimit
    count = len(docs)
    for start in range(0, count, limit):
        end = start + limit
        ids = docs[start:end]
        block_weights = weights[start:end]
        pw._ids = ids
        pw._weights = array("f", block_weights)
        top = max(block_weights)
        pw._maxweight = top if top > 0 else 0
        if value_size is None:
            vals = values[start:end]
            pw._values = vals if all(vals) else [v for v in vals if v]
        elif value_size:
            pw._values = [values[start * value_size:end * value_size]]
        else:
            pw._values = []
        # Length bytes of the documents (0 = no length, which add_posting() skips).
        found = bytes(map(lengths.__getitem__, ids)).replace(b"\0", b"") if lengths else b""
        if found:
            pw._minlength = byte_to_length(min(found))
            pw._maxlength = byte_to_length(max(found))
        else:
            pw._minlength, pw._maxlength = None, 0
        if end < count:
            pw._write_block()
    fieldwriter.finish_term()   # writes the last block


class BulkWriter(SegmentWriter):
    """A SegmentWriter for filling a new, empty index, with a faster posting pool."""

    def __init__(self, ix, limitmb=128, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        if self.segments:
            self.cancel()
            raise ValueError("BulkWriter only fills an empty index")
        if type(self.codec) is not W3Codec:  # _write_term() fills W3's block buffers
            self.cancel()
            raise ValueError(f"BulkWriter writes the W3 codec only, not {self.codec!r}")
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                self.cancel()
                raise ValueError(f"BulkWriter does not write term vectors or spelling "
                                 f"fields ({name})")
        self.pool = _TermPool(self._tempstorage, limitmb)

    def add_document(self, **fields):
        """Add a document, as SegmentWriter.add_document() does."""
        self._check_state()
        schema = self.schema
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        postings = []
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    items = list(field.index(value))
                    if items:
                        terms, freqs, weights, values = zip(*items)
                        boost = self._field_boost(fields, fieldname, docboost)
                        weights = list(map(mul, weights, repeat(boost)))
                        if field.scorable:
                            length = sum(freqs)
                        postings.append((fieldname, field.format.fixed_value_size(),
                                         terms, weights, values))
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None,
                                       length)
                if length:
                    self.pool.set_length(fieldname, docnum, length_to_byte(length))
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column,
                                                  field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        # Into the pool only once the whole document is analysed.
        for fieldname, value_size, terms, weights, values in postings:
            self.pool.add(fieldname, value_size, docnum, terms, weights, values)
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        lengths = self.pool.lengths
        for field_lengths in lengths.values():
            field_lengths.extend(bytes(self.docnum - len(field_lengths)))
        current = None
        for fieldname, term, docs, weights, values in self.pool.terms():
            if fieldname != current:
                if current is not None:
                    fieldwriter.finish_field()
                current = fieldname
                fieldobj = self.schema[fieldname]
                fieldwriter.start_field(fieldname, fieldobj)
                value_size = fieldobj.format.fixed_value_size()
                field_lengths = lengths.get(fieldname)
            _write_term(fieldwriter, term, docs, weights, values, value_size, field_lengths)
        if current is not None:
            fieldwriter.finish_field()
        fieldwriter.close()

    def finish_segment(self):
        """Write this writer's segment and return it, without a TOC (worker processes)."""
        if not self._added:
            self._close_segment()
            return None
        return self._finalize_segment()


def _bulk_worker(storage, indexname, limitmb, jobs, results):
    """A worker process of ParallelBulkWriter: one segment from the batches it receives.

    Answers each batch with "done", and the end (None) with its segment; any failure
    with "error" and exit status 1.
    """
    try:
        writer = BulkWriter(storage.open_index(indexname), limitmb=limitmb, _lk=False)
        while True:
            batch = jobs.recv()
            if batch is None:
                break
            for fields in batch:
                writer.add_document(**fields)
            results.send(("done", None))
        results.send(("ok", writer.finish_segment()))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails
        try:
            results.send(("error", f"{type(exc).__name__}: {exc}"))
        except OSError:   # the parent is gone
            pass
        raise SystemExit(1) from None


class _Worker:
    __slots__ = ("process", "jobs", "results", "busy", "segment", "finished")

    def __init__(self, process, jobs, results):
        self.process, self.jobs, self.results = process, jobs, results
        self.busy = False       # a batch was sent and not yet answered
        self.segment = None
        self.finished = False   # answered the end with its segment


# A batch takes a worker seconds; this long without a word from any means it is stuck.
WORKER_SILENCE_LIMIT = 300.0


class ParallelBulkWriter(SegmentWriter):
    """Fills a new, empty index with ``procs`` worker processes, one segment each.

    Like Whoosh's MpWriter with ``multisegment=True``, but each process runs a
    BulkWriter, and a process that fails makes the commit fail (MpWriter drops its
    documents silently). A batch goes to a worker only when it has answered the one
    before, so a pipe write never waits on a busy or dead worker.
    """

    def __init__(self, ix, procs=2, limitmb=128, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)   # takes the lock; stays empty
        self._procs = procs
        self._limitmb = limitmb
        self._workers = []
        self._batch = []
        if self.segments:
            self.cancel()
            raise ValueError("ParallelBulkWriter only fills an empty index")

    def add_document(self, **fields):
        """Queue a document for a worker process."""
        self._check_state()
        self._batch.append(fields)
        if len(self._batch) >= _BULK_BATCH:
            self._send(self._batch)
            self._batch = []

    def _start(self):
        # Spawned, not forked: a fork copies the locks other threads hold at that moment
        # (a web worker's background drainer, logging), and a child that needs one waits
        # forever. A spawned child also inherits no pipe end but its own two, so a
        # worker's death closes its pipes (EOF, EPIPE) for the parent to see.
        context = multiprocessing.get_context("spawn")
        for _ in range(self._procs):
            job_r, job_w = context.Pipe(duplex=False)
            res_r, res_w = context.Pipe(duplex=False)
            process = context.Process(
                target=_bulk_worker, daemon=True,
                args=(self.storage, self.indexname, self._limitmb, job_r, res_w))
            process.start()
            job_r.close()
            res_w.close()
            self._workers.append(_Worker(process, job_w, res_r))

    def _send(self, message):
        if not self._workers:
            self._start()
        while True:
            idle = [w for w in self._workers if not w.busy and not w.finished]
            if idle:
                break
            if all(w.finished for w in self._workers):
                raise IndexingError("search index workers have finished")
            self._wait()
        self._post(idle[0], message)

    def _post(self, worker, message):
        try:
            worker.jobs.send(message)
        except OSError:
            self._wait()   # raises the worker's error, if it left one
            raise IndexingError("search index worker ended unexpectedly") from None
        worker.busy = True

    def _wait(self):
        """Take the next answers; raises IndexingError when a worker failed or died."""
        running = [w for w in self._workers if not w.finished]
        if not running:
            return
        conns = {w.results: w for w in running}
        sentinels = {w.process.sentinel: w for w in running}
        ready_list = multiprocessing.connection.wait(list(conns) + list(sentinels),
                                                     timeout=WORKER_SILENCE_LIMIT)
        if not ready_list:
            raise IndexingError(f"search index workers did not answer for "
                                f"{WORKER_SILENCE_LIMIT:.0f} s")
        for ready in ready_list:
            worker = conns.get(ready)
            if worker is None:
                worker = sentinels[ready]
                if worker.results.poll():
                    continue   # its last answer is read through its pipe
                if not worker.finished:
                    raise IndexingError("search index worker ended unexpectedly")
                continue
            try:
                status, detail = worker.results.recv()
            except EOFError:
                raise IndexingError("search index worker ended unexpectedly") from None
            if status == "error":
                raise IndexingError(f"search index worker failed: {detail}")
            worker.busy = False
            if status == "ok":
                worker.finished, worker.segment = True, detail

    def commit(self, mergetype=None, optimize=None, merge=None):
        """Wait for the workers and write the TOC listing their segments."""
        self._check_state()
        try:
            if self._batch:
                self._send(self._batch)
                self._batch = []
            segments = self._finish_workers()
        except BaseException:
            self.cancel()
            raise
        self._close_segment()
        self._commit_toc(self.segments + segments)
        self._finish()

    def _finish_workers(self):
        for worker in self._workers:
            while worker.busy:
                self._wait()
            self._post(worker, None)
        while not all(w.finished for w in self._workers):
            self._wait()
        for worker in self._workers:
            worker.process.join()
            worker.jobs.close()
            worker.results.close()
        return [w.segment for w in self._workers if w.segment is not None]

    def cancel(self):
        """Stop the workers and drop everything written."""
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.terminate()
            worker.process.join()
            worker.jobs.close()
            worker.results.close()
        super().cancel()


def bulk_writer(ix, procs=1, limitmb=128, timeout=LOCK_TIMEOUT):
    """A writer that fills the new, empty index ``ix`` (rebuilds, benchmarks).

    ``procs`` > 1 builds one segment per process; ``limitmb`` is the posting memory of
    each before it spills to temporary files.
    """
    if procs > 1:
        return ParallelBulkWriter(ix, procs=procs, limitmb=limitmb, timeout=timeout)
    return BulkWriter(ix, limitmb=limitmb, timeout=timeout)


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
        writer = bulk_writer(ix, procs=procs, limitmb=limitmb)
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
