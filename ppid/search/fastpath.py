"""The fast path of public search: plain words (AND), optional filters, relevance or date.

Most public queries are one to three plain words, perhaps with a filter. Whoosh answers
them by walking its matchers in Python, posting by posting; here the posting lists are
decoded a block at a time into numpy arrays (cached per segment: a segment's files never
change) and intersected, filtered, scored, ranked and counted with array operations.

The answer is Whoosh's own, computed another way: the same BM25F formula, constants and
statistics, the per-term scores added in the order Whoosh's matcher tree adds them, ties
broken the way its collectors break them (lower document number first), the same filter
and deletion semantics. tests/services/test_search_fastpath.py holds the two side by side.
Any other query shape (phrases, OR, NOT, groups) or an index this module does not know how
to read gets None from :func:`search`, and the caller uses Whoosh.
"""
import bisect
import io
import pickle
import struct
import threading
import zlib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from typing import Dict, List

import numpy as np
from whoosh import columns
from whoosh import query as wq
from whoosh.analysis import CompositeAnalyzer, IDTokenizer, StopFilter, Token
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PerDocReader
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import SegmentReader
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from ppid.core.cache import BoundedCache
from ppid.search import analysis

SEARCH_FIELD = "content"
# Memory for decoded postings, per process (about 6 bytes a posting): the frequent words of
# a 300,000-record index fit; the others are decoded again when asked for.
POSTINGS_CACHE_BYTES = 64 * 1024 * 1024
# Memory for per-document columns (field length, date, facet codes: about 13 bytes a
# document).
COLUMNS_CACHE_BYTES = 24 * 1024 * 1024

_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)

_postings_cache = BoundedCache(POSTINGS_CACHE_BYTES)
_columns_cache = BoundedCache(COLUMNS_CACHE_BYTES)


def clear_caches():
    """Forget every decoded posting list and column (tests, and memory on demand)."""
    _postings_cache.clear()
    _columns_cache.clear()


@dataclass
class FastResult:
    """The ranked top of a search, as global document numbers of the searcher."""

    docnums: List[int]
    scores: List[float]  # relevance scores (empty when sorted by date)
    total: int
    facets: Dict[str, Counter] = field(default_factory=dict)


# --- What the fast path takes -----------------------------------------------------------

def plain_terms(q):
    """The words of ``q`` when it is one plain word or an AND of plain words in the
    search field, else None (the query needs Whoosh)."""
    subs = q.subqueries if type(q) is wq.And else [q]
    if not subs or (type(q) is wq.And and q.boost != 1.0):
        return None
    words = []
    for sub in subs:
        if (type(sub) is not wq.Term or sub.fieldname != SEARCH_FIELD or sub.boost != 1.0
                or sub.minquality or not isinstance(sub.text, str)):
            return None
        words.append(sub.text)
    return words


def _bm25_params(searcher):
    weighting = searcher.weighting
    if type(weighting) is not BM25F or not searcher.schema[SEARCH_FIELD].scorable:
        return None
    return weighting._field_B.get(SEARCH_FIELD, weighting.B), weighting.K1


def _filterable(schema, name):
    """Whether a filter on ``name`` can read the field's column: an ID field (one term,
    the value itself) whose column holds the same bytes."""
    field_obj = schema[name] if name in schema else None
    return (field_obj is not None and field_obj.column_type is not None
            and type(field_obj.analyzer) is IDTokenizer)


def _leaves(searcher):
    """(segment reader, docnum offset) of each segment, or None for readers of a kind
    this module cannot read."""
    out = []
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if type(reader) is not SegmentReader or type(reader._perdoc) is not W3PerDocReader:
            return None
        out.append((reader, offset))
    return out


# --- Per-segment data, cached ---------------------------------------------------------

def _cached(cache, reader, name, build):
    """``build()`` (a value and its size), cached under the segment and ``name``.

    A segment's files are written once and named by a random segment id, so the id names
    its postings and columns across searchers (a new searcher after every index change
    keeps them); deletions are not in these files and are read from each reader."""
    segment = reader.segment()
    key = (segment.indexname, segment.segid, reader.doc_count_all(), name)
    value = cache.get(key)
    if value is None:
        value, size = build()
        cache.put(key, value, size)
    return value


def _numeric_array(creader, dtype):
    """A whole numeric column as an array (read at once where the format allows)."""
    if (type(creader) is columns.NumericColumn.Reader
            and creader._fixedlen == np.dtype(dtype).itemsize):
        # Big-endian values of the first _count documents; the rest hold the default.
        count = min(creader._count, creader._doccount)
        raw = creader._dbfile.get(creader._basepos, count * creader._fixedlen)
        values = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder(">"), count=count)
        out = np.full(creader._doccount, creader._default, dtype=dtype)
        out[:count] = values
        return out
    return np.fromiter(iter(creader), dtype=dtype)


def _field_lengths(reader, docnums):
    """The quantised length of the search field of each of ``docnums``, as Whoosh scores
    with it (1 in a segment without lengths, Whoosh's default)."""
    def build():
        perdoc = reader._perdoc
        name = "_%s_len" % SEARCH_FIELD
        if not perdoc.has_column(name):
            return np.zeros(0, dtype=np.uint8), 1
        lengths = _numeric_array(perdoc.column_reader(name, LENGTHS_COLUMN), np.uint8)
        return lengths, lengths.nbytes
    lengths = _cached(_columns_cache, reader, "lengths", build)
    if not len(lengths):
        return np.ones(len(docnums), dtype=np.float64)
    return _LENGTHS[lengths[docnums]]


def _dates(reader, fieldname):
    def build():
        n = reader.doc_count_all()
        if reader.has_column(fieldname):
            values = _numeric_array(reader.column_reader(fieldname, translate=False),
                                    np.uint64)
        else:
            coltype = reader.schema[fieldname].column_type
            values = np.full(n, coltype.default_value(), dtype=np.uint64)
        return values, values.nbytes
    return _cached(_columns_cache, reader, "date:" + fieldname, build)


def column_codes(reader, fieldname):
    """(codes, values) of a sortable text field in one segment: ``values[codes[docnum]]``
    is the document's value ("" for none), decoded as the facet counts show it."""
    def build():
        n = reader.doc_count_all()
        if not reader.has_column(fieldname):
            return (np.zeros(n, dtype=np.uint8), [""]), n
        index = {}
        codes = np.fromiter(
            (index.setdefault(v, len(index))
             for v in reader.column_reader(fieldname, translate=False)),
            dtype=np.int32, count=n)
        if len(index) <= 256:
            codes = codes.astype(np.uint8)
        values = [v.decode("utf-8") if isinstance(v, bytes) else str(v or "") for v in index]
        return (codes, values), codes.nbytes + 100 * len(values)
    return _cached(_columns_cache, reader, "codes:" + fieldname, build)


def _deleted_mask(reader):
    """True for the segment's deleted documents (fixed for the reader's lifetime)."""
    mask = reader.__dict__.get("_ppid_deleted")
    if mask is None:
        mask = np.zeros(reader.doc_count_all(), dtype=bool)
        deleted = reader.deleted_docs_set
        if deleted:
            mask[np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = True
        reader.__dict__["_ppid_deleted"] = mask
    return mask


_INT = struct.Struct("!i")


class _TermPostings:
    """One term's postings in one segment (deleted documents included: deletions change,
    postings do not), decoded a block at a time as searches need them.

    ``ids`` and ``weights`` hold every posting; a block not decoded yet holds its last
    docnum (known from the block directory) in each of its places, which keeps ``ids``
    sorted, so one binary search finds a docnum once its block is decoded."""

    def __init__(self, counts, maxids, spans=None, buf=b""):
        self.n = int(sum(counts))
        self.maxids = np.asarray(maxids, dtype=np.int64)
        self.counts = np.asarray(counts, dtype=np.int64)
        self.firsts = np.concatenate(([0], np.cumsum(self.counts)[:-1])).astype(np.int64)
        self.ids = np.repeat(self.maxids.astype(np.int32), self.counts)
        # Term frequencies fit 16 bits; any other weight turns the array to float64.
        self.weights = np.zeros(self.n, dtype=np.uint16)
        self.decoded = np.zeros(len(self.counts), dtype=bool)
        self.complete = False
        self._spans = spans  # (data start, data end, compressed?) of each block in buf
        self._buf = buf
        self._lock = threading.Lock()

    @classmethod
    def of_pairs(cls, ids, weights):
        """Postings already decoded (inlined ones, or read through a matcher)."""
        ids = np.asarray(ids, dtype=np.int64)
        out = cls([len(ids)], [ids[-1] if len(ids) else 0])
        out._store(np.arange(len(ids)), ids, np.asarray(weights, dtype=np.float64))
        out.decoded[:] = True
        out.complete = True
        return out

    def size(self):
        """Bytes held, roughly (postings, the block directory, the undecoded data)."""
        return self.n * (4 + self.weights.itemsize) + 120 * len(self.counts) + len(self._buf)

    def ensure(self, blocks=None):
        """Decode the given blocks (all when None) if not decoded yet."""
        if self.complete:
            return
        with self._lock:
            todo = np.flatnonzero(~self.decoded) if blocks is None else \
                blocks[~self.decoded[blocks]]
            if len(todo):
                self._decode(todo)
            if self.decoded.all():
                self.complete = True
                self._buf = b""

    def ensure_for(self, docnums):
        """Decode the blocks that would hold ``docnums`` (sorted)."""
        if self.complete:
            return
        blocks = np.unique(np.searchsorted(self.maxids, docnums, side="left"))
        blocks = blocks[blocks < len(self.counts)]
        # Past half the blocks, decoding them all costs little more than choosing.
        self.ensure(None if 2 * len(blocks) > len(self.counts) else blocks)

    def _decode(self, blocks):
        view, spans, counts = memoryview(self._buf), self._spans, self.counts
        deltas, weights = [], []
        for k in blocks.tolist():
            start, end, compressed = spans[k]
            _unpack(view[start:end], compressed, int(counts[k]), deltas, weights)
        self._fill(blocks, deltas, weights)

    def _fill(self, blocks, deltas, weights):
        """Store the unpacked (deltas, weights) of ``blocks``, in that order."""
        counts = self.counts[blocks]
        total = int(counts.sum())
        flat = np.fromiter(chain.from_iterable(deltas), dtype=np.int64, count=total)
        # Each block's deltas start from 0: a running sum less the sum before the block.
        sums = np.cumsum(flat)
        ends = np.cumsum(counts)
        ids = sums - np.repeat(np.concatenate(([0], sums[ends[:-1] - 1])), counts)
        places = np.repeat(self.firsts[blocks] - (ends - counts), counts) + np.arange(total)
        self._store(places, ids, np.fromiter(chain.from_iterable(weights), dtype=np.float64,
                                              count=total))
        self.decoded[blocks] = True

    def _store(self, places, ids, weights):
        if self.weights.dtype != np.float64 and not np.all(
                (weights >= 0) & (weights < 65536) & (weights == np.floor(weights))):
            self.weights = self.weights.astype(np.float64)
        self.ids[places] = ids
        self.weights[places] = weights


def _unpack(data, compressed, count, deltas, weights):
    """Append one W3 block's docnum deltas and weights to the two lists.

    Its data is a pickled (docnum deltas from 0, weights, values) tuple, zlib-compressed or
    not; the weights are None (all 1), one number (which Whoosh reads as a 32-bit float)
    or one number each."""
    if compressed:
        data = zlib.decompress(data)
    ids, block_weights, _values = pickle.loads(data)
    deltas.append(ids)
    if block_weights is None:
        block_weights = (1.0,) * count
    elif isinstance(block_weights, float):
        block_weights = (float(np.float32(block_weights)),) * count
    weights.append(block_weights)


def _read_postings(reader, btext, full):
    """A term's postings in a segment: the block directory of Whoosh's W3 format, read
    from the postings file at once (and every block decoded, if ``full``), or every
    posting through Whoosh's matcher for any other layout."""
    info = reader.term_info(SEARCH_FIELD, btext)
    if info.is_inlined():
        ids, weights, _values = info.inlined_postings()
        return _TermPostings.of_pairs(ids, weights)
    m = reader.postings(SEARCH_FIELD, btext)
    if isinstance(m, FilterMatcher):
        m = m.child
    if type(m) is W3LeafMatcher and not m._byteids:
        offset, length = info.extent()
        if isinstance(length, tuple):  # (whoosh-reloaded 2.7.5 reads it as a 1-tuple)
            length = length[0]
        buf = m._postfile.get(offset, length)
        view = memoryview(buf)
        counts, maxids, spans, deltas, weights = [], [], [], [], []
        stream = io.BytesIO(buf)
        pos = 4  # after the header tag
        while pos + 4 <= len(buf):
            blocklen = _INT.unpack_from(buf, pos)[0]
            end = pos + 4 + abs(blocklen)
            stream.seek(pos + 4)
            # (count, last docnum, max weight, compression, min length, max length)
            count, maxid, _w, compressed, _mn, _mx = pickle.load(stream)
            start = stream.tell()
            counts.append(count)
            maxids.append(maxid)
            spans.append((start, end, compressed))
            if full:
                _unpack(view[start:end], compressed, count, deltas, weights)
            if blocklen < 0:  # the last block
                postings = _TermPostings(counts, maxids, spans, buf)
                if full:
                    postings._fill(np.arange(len(counts)), deltas, weights)
                    postings.ensure()  # (marks it complete)
                return postings
            pos = end
    # Any other layout: Whoosh's own matcher (not moved yet), posting by posting.
    ids, weights = [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return _TermPostings.of_pairs(ids, weights)


def _postings(reader, btext, full=False):
    """A term's cached postings in a segment (all blocks decoded if ``full``)."""
    def build():
        postings = _read_postings(reader, btext, full)
        return postings, postings.size()
    postings = _cached(_postings_cache, reader, ("post", btext), build)
    if full:
        postings.ensure()
    return postings


# --- Searching -------------------------------------------------------------------------

def _sum_order(dfs):
    """The order in which Whoosh adds the terms' scores in one segment: And builds a
    Huffman-like tree of IntersectionMatchers keyed by 0 - doc frequency (its sort and
    insort never order two equal keys, so they keep their places), and a node's score is
    left + right. Returned as a nested tuple of term indexes."""
    nodes = sorted(((0 - df, i) for i, df in enumerate(dfs)), key=lambda x: x[0])
    while len(nodes) > 1:
        a = nodes.pop(0)
        b = nodes.pop(0)
        bisect.insort_right(nodes, (a[0] + b[0], (a[1], b[1])), key=lambda x: x[0])
    return nodes[0][1]


def _add(tree, scores):
    if isinstance(tree, int):
        return scores[tree]
    return _add(tree[0], scores) + _add(tree[1], scores)


def _top(keys_first, docnums, limit, descending):
    """Indexes of the first ``limit`` by (key, docnum): key descending or ascending,
    lower docnum first among equal keys, as Whoosh's collectors order them."""
    n = len(docnums)
    keys = -keys_first if descending else keys_first
    if n > limit:
        kth = np.partition(keys, limit - 1)[limit - 1]
        chosen = np.flatnonzero(keys <= kth)
    else:
        chosen = np.arange(n)
    order = np.lexsort((docnums[chosen], keys[chosen]))
    return chosen[order[:limit]]


def search(searcher, q, *, filters=None, sort="relevance", limit=20, facets=()):
    """The top ``limit`` documents for ``q`` (see :func:`plain_terms`) that have every
    (field, value) of ``filters``, by relevance (BM25F) or by ``date`` (newest first),
    with the total and, for each name in ``facets``, the matches per value; None when
    the query or the index needs Whoosh's own search."""
    schema = searcher.schema
    filters = dict(filters or {})
    words = plain_terms(q)
    if sort == "relevance":
        params = _bm25_params(searcher)
    else:  # (Whoosh sorts by the column only where there is one)
        params = (None, None) if searcher.reader().has_column("date") else None
    if not words or params is None or not all(_filterable(schema, f) for f in filters):
        return None
    leaves = _leaves(searcher)
    if leaves is None:
        return None
    B, K1 = params
    btexts = [schema[SEARCH_FIELD].to_bytes(w) for w in words]

    idfs = None  # (statistics of the whole index, computed where a segment matches)
    keys, docs = [], []
    counters = {name: Counter() for name in facets}
    total = 0
    for reader, offset in leaves:
        if not all((SEARCH_FIELD, bt) in reader for bt in btexts):
            continue
        # The shortest list gives the candidates; deletions and filters thin them before
        # the longer lists are searched (whose blocks are decoded only where needed).
        dfs = [reader.doc_frequency(SEARCH_FIELD, bt) for bt in btexts]
        order = sorted(range(len(btexts)), key=dfs.__getitem__)
        posts = [_postings(reader, bt, full=i == order[0]) for i, bt in enumerate(btexts)]
        first = posts[order[0]]
        cand = first.ids
        keep = ~_deleted_mask(reader)[cand]
        for name, value in filters.items():
            codes, values = column_codes(reader, name)
            if value not in values:  # no document of this segment has the value
                keep[:] = False
                break
            keep &= codes[cand] == values.index(value)
        where = {order[0]: np.flatnonzero(keep)}
        cand = cand[keep]
        for i in order[1:]:
            if not len(cand):
                break
            post = posts[i]
            post.ensure_for(cand)
            pos = np.minimum(np.searchsorted(post.ids, cand), post.n - 1)
            hit = post.ids[pos] == cand
            cand = cand[hit]
            where = {k: v[hit] for k, v in where.items()}
            where[i] = pos[hit]
        if not len(cand):
            continue
        total += len(cand)
        for name, counter in counters.items():
            codes, values = column_codes(reader, name)
            counts = np.bincount(codes[cand], minlength=len(values))
            for code in np.flatnonzero(counts):
                counter[values[code]] += int(counts[code])
        if sort == "relevance":
            if idfs is None:
                idfs = [searcher.idf(SEARCH_FIELD, bt) for bt in btexts]
                avgfl = searcher.avg_field_length(SEARCH_FIELD) or 1
                k1_plus_1, one_minus_b = K1 + 1, 1 - B
            lengths = _field_lengths(reader, cand)
            norm = K1 * (one_minus_b + B * lengths / avgfl)
            term_scores = []
            for i, post in enumerate(posts):
                tf = post.weights[where[i]].astype(np.float64)
                term_scores.append(idfs[i] * ((tf * k1_plus_1) / (tf + norm)))
            keys.append(_add(_sum_order(dfs), term_scores))
        else:
            keys.append(_dates(reader, "date")[cand])
        docs.append(cand.astype(np.int64) + offset)

    if not docs:
        return FastResult([], [], 0, counters)
    keys = np.concatenate(keys)
    docs = np.concatenate(docs)
    if sort == "relevance":
        chosen = _top(keys, docs, limit, descending=True)
        return FastResult(docs[chosen].tolist(), keys[chosen].tolist(), total, counters)
    # Newest first: Whoosh sorts by 0 - value, i.e. the largest value first, and a
    # document without a date holds the column's default (the largest value).
    chosen = _top(~keys, docs, limit, descending=False)
    return FastResult(docs[chosen].tolist(), [], total, counters)


# --- Snippets --------------------------------------------------------------------------

def _analyzer_shape(analyzer):
    """(stop words, stems?) of the project's two analyzers, None for any other."""
    if type(analyzer) is analysis.IndonesianTokenizer:
        return frozenset(), False
    items = getattr(analyzer, "items", None)
    if (type(analyzer) is CompositeAnalyzer and len(items) == 3
            and type(items[0]) is analysis.IndonesianTokenizer
            and type(items[1]) is StopFilter and items[1].min <= 1 and items[1].max is None
            and type(items[2]) is analysis.SastrawiStemFilter):
        return items[1].stops, True
    return None


# What Sastrawi may strip from a word's end (Context: particle, possessive, derivational).
_STEM_ENDINGS = tuple(sorted({d + p + q for d in ("", "is", "isme", "isasi", "i", "kan", "an")
                              for p in ("", "ku", "mu", "nya")
                              for q in ("", "lah", "kah", "tah", "pun")}))


def marked_tokens(analyzer, text, words):
    """The tokens Whoosh's highlighter makes of ``text`` (``analyzer`` in index mode,
    stop words kept, ``matched`` set for the terms in ``words``), without stemming every
    word: Sastrawi costs tens of microseconds per word it has not seen, most of the cost
    of a page of snippets.

    A word is stemmed only when it could stem to one of ``words``. Sastrawi returns the
    word itself or a root left by stripping prefixes from the start (rewriting at most its
    first letter: meny-apu -> sapu, peng-elola-an -> kelola, mem-per-oleh -> oleh) and
    suffixes from the end, so a word stemming to ``w`` ends with ``w[1:]`` and one of
    ``_STEM_ENDINGS`` (checked on some 480,000 words: a 100,000-record index's vocabulary
    and affixed forms of Sastrawi's root words; tests/services/test_search_fastpath.py
    checks a sample). Returns None for an analyzer of another shape, and an empty tuple
    when nothing in ``text`` can match."""
    shape = _analyzer_shape(analyzer)
    if shape is None:
        return None
    stops, stems = shape
    cores, endings = _cores_and_endings(frozenset(words))
    if not words or (text.isascii() and not any(c in text.lower() for c in cores)):
        return ()  # (ASCII folds letter by letter: no token can hold a core)
    return _marked(text, words, stops, stems, cores, endings)


@lru_cache(maxsize=64)
def _cores_and_endings(words):
    # (the same words for every snippet of a page)
    cores = tuple({w[1:] for w in words})
    return cores, tuple({c + e for c in cores for e in _STEM_ENDINGS})


def _marked(text, words, stops, stems, cores, endings):
    stem = analysis.stem
    t = Token(positions=True, chars=True, removestops=False, mode="index")
    for term, pos, start, end in analysis.tokens(text, "index"):
        t.boost = 1.0
        t.pos, t.startchar, t.endchar = pos, start, end
        t.stopped = term in stops
        if (stems and not t.stopped and any(c in term for c in cores)
                and term.endswith(endings)):
            term = stem(term)
        t.text = term
        t.matched = term in words
        yield t
