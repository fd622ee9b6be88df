"""Public full-text search over the index: parsing any user query, filters, facets,
highlighted snippets, pagination, sorting and "did you mean".

Only public content is in the index (see sources.py). The officers' search over
requesters' personal data is :mod:`ppid.search.officer`, which queries the database.
"""
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np
from flask_babel import gettext as _
from markupsafe import Markup, escape
from whoosh import query as wq
from whoosh import sorting
from whoosh.highlight import (ContextFragmenter, Formatter, Highlighter, get_text,
                              set_matched_filter, top_fragments)
from whoosh.qparser import GroupPlugin, OperatorsPlugin, PhrasePlugin, QueryParser, syntax

from ppid.core.cache import BoundedCache
from ppid.search import fastpath
from ppid.search import index as sindex
from ppid.search.analysis import REFERENCE_WORDS, fold

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 40
MAX_RESULT_DEPTH = 10_000
TYPES = ("all", "dip", "request")
SORTS = ("relevance", "date")
FACETS = ("type", "agency", "category", "year")
SEARCH_FIELD = "content"
PHRASE_FIELDS = {"content": "exact"}
SUGGEST_BELOW = 3  # offer "did you mean" when fewer results than this

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_REFERENCE_RE = re.compile(
    r"\b(" + "|".join(REFERENCE_WORDS) + r")\.?\s+(\d[\w/.\-]*)", re.IGNORECASE)
_OPERATOR_WORDS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE"}


class QueryError(ValueError):
    """The query cannot be searched; ``message`` says why, for the user."""

    def __init__(self, message, field_name="q"):
        super().__init__(message)
        self.message = message
        self.field_name = field_name


@dataclass
class SearchParams:
    q: str
    type: str = "all"
    agency: Optional[str] = None
    category: Optional[str] = None
    year: Optional[int] = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    facets: bool = True  # the API has no facets: it skips counting them


@dataclass
class Hit:
    type: str
    doc_id: str
    public_id: str
    title: str
    agency: str
    agency_name: str
    category: str
    year: str
    snippet: Markup
    url: str
    extra: Dict[str, str] = field(default_factory=dict)

    def api_dict(self):
        out = {"type": self.type}
        if self.type == "request":
            out["registration_number"] = self.public_id
        else:
            out["id"] = int(self.public_id) if self.public_id.isdigit() else self.public_id
        out.update(title=self.title, agency=self.agency, snippet=str(self.snippet),
                   url=self.url)
        return out


@dataclass
class SearchResult:
    params: SearchParams
    hits: List[Hit]
    total: int
    facets: Dict[str, List[tuple]]
    suggestion: Optional[str] = None

    @property
    def pages(self):
        return max(1, -(-self.total // self.params.per_page))

    # The pager macro's interface.
    @property
    def page(self):
        return self.params.page

    @property
    def has_prev(self):
        return self.params.page > 1

    @property
    def has_next(self):
        return self.params.page < self.pages

    @property
    def prev_num(self):
        return self.params.page - 1

    @property
    def next_num(self):
        return self.params.page + 1


# --- Query text ---------------------------------------------------------------------------

def clean_query(raw):
    """Control characters out, whitespace collapsed, quotes balanced; raises QueryError."""
    text = _CONTROL_RE.sub(" ", raw or "")
    text = " ".join(text.split())
    if not text:
        raise QueryError(_("Masukkan kata yang dicari."))
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(_("Kata pencarian terlalu panjang: paling banyak %(n)d karakter.",
                           n=MAX_QUERY_CHARS))
    if text.count('"') % 2:
        i = text.rfind('"')
        text = text[:i] + text[i + 1:]
    if len(text.split()) > MAX_QUERY_WORDS:
        raise QueryError(_("Terlalu banyak kata: paling banyak %(n)d kata.", n=MAX_QUERY_WORDS))
    return text


def prepare_query(raw):
    """The cleaned text, with regulation references outside quotes made into phrases:
    ``Pasal 17 huruf b`` searches the phrase "Pasal 17", ``UU 14/2008`` the phrase."""
    text = clean_query(raw)
    parts = text.split('"')
    for i in range(0, len(parts), 2):  # even parts are outside quotes
        parts[i] = _REFERENCE_RE.sub(lambda m: f'"{m.group(1)} {m.group(2)}"', parts[i])
    return '"'.join(parts)


def _phrase_target(node):
    """The exact field a phrase node must search, or None (no field yet = the default)."""
    return PHRASE_FIELDS.get(node.fieldname or SEARCH_FIELD)


def _phrases_to_exact(parser, group):
    """Quoted phrases search the unstemmed fields, so they match exactly."""
    for i, node in enumerate(group):
        if isinstance(node, syntax.GroupNode):
            seen = set()
            kept = []
            for child in node:
                if isinstance(child, PhrasePlugin.PhraseNode) and _phrase_target(child):
                    child.set_fieldname(_phrase_target(child), override=True)
                    if child.fieldname in seen:
                        continue
                    seen.add(child.fieldname)
                kept.append(child)
            node.nodes = kept
            group[i] = _phrases_to_exact(parser, node)
        elif isinstance(node, PhrasePlugin.PhraseNode) and _phrase_target(node):
            node.set_fieldname(_phrase_target(node), override=True)
    return group


class _ExactPhrasePlugin:
    def taggers(self, parser):
        return ()

    def filters(self, parser):
        return [(_phrases_to_exact, 120)]


def make_parser(schema):
    """A forgiving parser: words (AND), "phrases", (groups), AND/OR/NOT; no field names,
    wildcards, ranges or boosts (a "*" or ":" is just punctuation)."""
    parser = QueryParser(SEARCH_FIELD, schema, plugins=[PhrasePlugin(), GroupPlugin(),
                                                        OperatorsPlugin()])
    parser.add_plugin(_ExactPhrasePlugin())
    return parser


def parse(text, schema):
    try:
        q = make_parser(schema).parse(text)
    except Exception:  # noqa: BLE001 - a query the parser chokes on: search its words
        log.info("search: falling back to plain words for %r", text[:100])
        words = " ".join(re.findall(r"\w+", text))
        q = make_parser(schema).parse(words) if words else wq.NullQuery
    return q


# --- Highlighting ---------------------------------------------------------------------

class MarkFormatter(Formatter):
    """Matches in <mark>; everything else HTML-escaped."""

    between = " … "

    def _text(self, text):
        return str(escape(text))

    def format_token(self, text, token, replace=False):
        return f"<mark>{escape(get_text(text, token, replace))}</mark>"


_highlighter = Highlighter(fragmenter=ContextFragmenter(maxchars=240, surround=70),
                           formatter=MarkFormatter())
SNIPPET_FIELDS = (SEARCH_FIELD, "exact")


def highlight_words(searcher, q):
    """{field: the words of ``q`` to mark in it}, as Whoosh's Highlighter takes them from a
    search made without recording matched terms (the query's terms found in the index)."""
    reader = searcher.reader()
    out = {}
    for fieldname in SNIPPET_FIELDS:
        from_bytes = searcher.schema[fieldname].from_bytes
        out[fieldname] = frozenset(
            from_bytes(t) for _f, t in q.existing_terms(reader, fieldname=fieldname,
                                                        expand=True))
    return out


def _highlight(schema, fieldname, text, words):
    """What Whoosh's Highlighter.highlight_hit makes of ``text`` (re-tokenizing it) for a
    known set of words; fastpath.marked_tokens spares it stemming words that cannot match."""
    hl = _highlighter
    analyzer = schema[fieldname].analyzer
    tokens = fastpath.marked_tokens(analyzer, text, words)
    if tokens is None:
        tokens = set_matched_filter(analyzer(text, positions=True, chars=True, mode="index",
                                             removestops=False), words)
    tokens = hl._merge_matched_tokens(tokens)
    fragments = top_fragments(hl.fragmenter.fragment_tokens(text, tokens), 2, hl.scorer,
                              hl.order, minscore=1)
    return hl.formatter.format(fragments)


# The last snippets made, by (text, words): a snippet is a pure function of them, and
# popular queries show the same records again and again.
_snippets = BoundedCache(4096)


def _snippet(schema, stored, words):
    """The stored snippet text with the query's words marked, else its beginning."""
    text = stored.get("snip") or ""
    if not text:
        return Markup("")
    # (Not keyed by the schema object, which each reopened searcher has anew: the fields'
    # analyzers are the code's, the same for every index of this SCHEMA_VERSION.)
    key = (text, *(words.get(f) for f in SNIPPET_FIELDS))
    out = _snippets.get(key)
    if out is None:
        out = _make_snippet(schema, text, words)
        _snippets.put(key, out)
    return out


def _make_snippet(schema, text, words):
    for fieldname in SNIPPET_FIELDS:
        if not words.get(fieldname):
            continue  # nothing of the query in this field: nothing to mark
        try:
            out = _highlight(schema, fieldname, text, words[fieldname])
        except Exception:  # noqa: BLE001 - a snippet is decoration; fall back to plain text
            log.exception("search: highlighting failed")
            out = ""
        if out:
            return Markup(out)
    plain = text[:240]
    return Markup(escape(plain) + (" …" if len(text) > 240 else ""))


# --- Searching -------------------------------------------------------------------------

def _filter_values(params):
    """{field: value} of the filters asked for (ID fields: exact values)."""
    values = {}
    if params.type in ("dip", "request"):
        values["type"] = params.type
    if params.agency:
        values["agency"] = params.agency
    if params.category:
        values["category"] = params.category
    if params.year:
        values["year"] = str(params.year)
    return values


def _filter_query(values):
    terms = [wq.Term(name, value) for name, value in values.items()]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else wq.And(terms)


def _facet_lists(counters):
    """{facet: [(value, count)]}: years newest first, the others most frequent first;
    documents without a value are not counted."""
    out = {}
    for name in FACETS:
        items = [(k, v) for k, v in counters.get(name, {}).items() if k]
        if name == "year":
            items.sort(key=lambda kv: kv[0], reverse=True)
        else:
            items.sort(key=lambda kv: (-kv[1], kv[0]))
        out[name] = items
    return out


def _count_matches(searcher, q, filter_q, facets):
    """(total, {facet: [(value, count)]}): one unscored pass over the matching documents.

    Counting reads the facet columns as cached codes (fastpath.column_codes), so it costs
    an array lookup per match instead of Whoosh's per-document grouping, and the ranking
    pass can skip (optimize)."""
    cq = wq.And([q, filter_q]) if filter_q is not None else q
    total = 0
    counters = {name: Counter() for name in (FACETS if facets else ())}
    for sub, _offset in searcher.leaf_searchers():
        ids = np.fromiter(cq.docs(sub), dtype=np.int64)
        total += len(ids)
        if not len(ids):
            continue
        reader = sub.reader()
        for name, counter in counters.items():
            codes, values = fastpath.column_codes(reader, name)
            counts = np.bincount(codes[ids], minlength=len(values))
            for code in np.flatnonzero(counts):
                counter[values[code]] += int(counts[code])
    return total, _facet_lists(counters)


def _plain_words(text):
    """Words of the query outside quotes and operators, as the user typed them."""
    parts = text.split('"')
    words = []
    for i in range(0, len(parts), 2):
        for w in re.findall(r"[^\W_]+(?:[/.\-][^\W_]+)*", parts[i]):
            if w not in _OPERATOR_WORDS:
                words.append(w)
    return words


def suggest(searcher, text):
    """ "Did you mean" for words that occur nowhere in the index, or None."""
    reader = searcher.reader()
    corrector = searcher.corrector("exact")
    changed = False
    corrected = text
    for word in _plain_words(text):
        w = fold(word)
        if len(w) < 4 or not w.isalpha():
            continue
        if reader.doc_frequency("exact", w):
            continue
        options = corrector.suggest(w, limit=1, maxdist=2, prefix=1)
        if options and options[0] != w:
            corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", options[0], corrected,
                               count=1)
            changed = True
    return corrected if changed else None


def validate(params):
    if params.type not in TYPES:
        raise QueryError(_("Jenis harus salah satu dari: %(v)s.", v=", ".join(TYPES)), "type")
    if params.sort not in SORTS:
        raise QueryError(_("Urutan harus salah satu dari: %(v)s.", v=", ".join(SORTS)), "sort")
    if params.year is not None and not 1900 <= params.year <= 2200:
        raise QueryError(_("Tahun tidak valid."), "year")
    if params.page < 1 or params.per_page < 1:
        raise QueryError(_("Halaman tidak valid."), "page")
    if (params.page - 1) * params.per_page >= MAX_RESULT_DEPTH:
        raise QueryError(_("Halaman terlalu jauh; persempit pencarian dengan filter."), "page")
    for name in ("agency", "category"):
        value = getattr(params, name)
        if value is not None and (len(value) > 100 or _CONTROL_RE.search(value)):
            raise QueryError(_("Nilai filter tidak valid."), name)


def search(params: SearchParams, app=None) -> SearchResult:
    """Run a public search; raises QueryError (a 400 for the user) for unusable input."""
    from ppid.search.indexing import drain_if_pending
    validate(params)
    text = prepare_query(params.q)
    drain_if_pending(app)
    try:
        return _search(params, text, app)
    except Exception as exc:  # noqa: BLE001 - whoosh raises many kinds on damaged files
        # A file deleted or damaged under an open searcher: reopen the index once (which
        # rebuilds it from the database if it is unreadable) and search again.
        log.warning("search failed on the index (%s: %s); reopening it", type(exc).__name__,
                    str(exc))
        sindex.forget(app)
        return _search(params, text, app)


def _ranked(searcher, q, params):
    """(global docnums of the first page * per_page results in order, total, facets)."""
    limit = params.page * params.per_page
    filters = _filter_values(params)
    try:
        fast = fastpath.search(searcher, q, filters=filters, sort=params.sort, limit=limit,
                               facets=FACETS if params.facets else ())
    except Exception:  # noqa: BLE001 - it only saves time: Whoosh's matchers still answer
        log.exception("search: the fast path failed; searching with Whoosh's matchers")
        fast = None
    if fast is not None:
        return fast.docnums, fast.total, _facet_lists(fast.facets)
    # Phrases, OR, NOT, groups: Whoosh's own matchers.
    filter_q = _filter_query(filters)
    kwargs = {"filter": filter_q, "terms": False}
    if params.sort == "date":
        kwargs.update(sortedby=sorting.FieldFacet("date", reverse=True))
    else:
        # Block-max skipping: only documents that can reach the top ``limit`` are scored;
        # the exact total (and the facets) come from one unscored pass (_count_matches).
        kwargs["optimize"] = True
    results = searcher.search(q, limit=limit, **kwargs)
    docnums = [results.docnum(i) for i in range(results.scored_length())]
    total, facets = _count_matches(searcher, q, filter_q, params.facets)
    return docnums, total, facets


def _search(params, text, app):
    searcher = sindex.searcher(app)
    q = parse(text, searcher.schema)
    if q is wq.NullQuery or isinstance(q, wq.NullQuery.__class__):
        return SearchResult(params, [], 0, {n: [] for n in FACETS},
                            suggest(searcher, text))
    docnums, total, facets = _ranked(searcher, q, params)
    start = (params.page - 1) * params.per_page
    page = docnums[start:start + params.per_page]
    words = highlight_words(searcher, q) if page else {}
    hits = []
    for docnum in page:
        stored = searcher.stored_fields(docnum)
        hits.append(Hit(type=stored.get("type", ""), doc_id=stored.get("doc_id", ""),
                        public_id=stored.get("public_id", ""), title=stored.get("title", ""),
                        agency=stored.get("agency", ""),
                        agency_name=stored.get("agency_name", ""),
                        category=stored.get("category", ""), year=stored.get("year", ""),
                        snippet=_snippet(searcher.schema, stored, words),
                        url=stored.get("url", ""), extra=stored.get("extra") or {}))
    suggestion = suggest(searcher, text) if total < SUGGEST_BELOW else None
    return SearchResult(params, hits, total, facets, suggestion)
