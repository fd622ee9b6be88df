"""Public full-text search, the same on both backends: any user query (ppid.search.query),
filters, facet counts, ranking or newest first, paging, highlighted snippets, "did you
mean", and a fallback to documents matching most of the words when none match all.

Only public content is indexed (see sources.py). The officers' search over requesters'
personal data is ppid.info_requests.search.search_requests, which queries the database.
"""
import logging
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from flask_babel import gettext as _
from markupsafe import Markup, escape
from whoosh.highlight import ContextFragmenter, Formatter, get_text, highlight

from ppid.core.cache import BoundedCache
from ppid.search import backend
from ppid.search import query as squery
from ppid.search.analysis import exact_analyzer, fold, stemming_analyzer
from ppid.search.query import (CONTROL_RE as _CONTROL_RE, MAX_QUERY_CHARS,  # noqa: F401
                               MAX_QUERY_WORDS, QueryError, clean as clean_query,
                               prepare as prepare_query)

log = logging.getLogger(__name__)

MAX_RESULT_DEPTH = 10_000
TYPES = ("all", "dip", "request")
SORTS = ("relevance", "date")
FACETS = ("type", "agency", "category", "year")
SUGGEST_BELOW = 3  # offer "did you mean" when fewer results than this
SNIPPET_CHARS = 240


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

    def filters(self):
        """{field: value} of the filters asked for (exact values)."""
        values = {"type": self.type if self.type in ("dip", "request") else None,
                  "agency": self.agency, "category": self.category,
                  "year": str(self.year) if self.year else None}
        return {name: value for name, value in values.items() if value}


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
    partial: bool = False   # no document has every word: these have most of them

    @property
    def pages(self):
        return max(1, -(-self.total // self.params.per_page))

    @property
    def page(self):
        return self.params.page


@dataclass
class Page:
    """What a backend answers: the stored fields of the hits asked for, the total and the
    facet counts ({facet: {value: count}})."""
    stored: List[dict]
    total: int
    facets: Dict[str, Dict[str, int]]


def facet_lists(counters):
    """{facet: [(value, count)]}: years newest first, the others most frequent first;
    documents without a value are not counted."""
    out = {}
    for name in FACETS:
        items = [(k, v) for k, v in (counters or {}).get(name, {}).items() if k]
        if name == "year":
            items.sort(key=lambda kv: kv[0], reverse=True)
        else:
            items.sort(key=lambda kv: (-kv[1], kv[0]))
        out[name] = items
    return out


# --- Snippets ---------------------------------------------------------------------------

class MarkFormatter(Formatter):
    """Matches in <mark>; everything else HTML-escaped."""

    between = " … "

    def _text(self, text):
        return str(escape(text))

    def format_token(self, text, token, replace=False):
        return f"<mark>{escape(get_text(text, token, replace))}</mark>"


_fragmenter = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70)
_formatter = MarkFormatter()
_analyzers = {"stems": stemming_analyzer(), "exact": exact_analyzer()}
# The last snippets made, by (text, words): a snippet is a pure function of them, and
# popular queries show the same records again and again.
_snippets = BoundedCache(4096)


def snippet(text, stems, exact):
    """``text`` with the query's words marked (their stems, or the exact words of phrases),
    cut around the best two passages; else its beginning."""
    if not text:
        return Markup("")
    key = (text, stems, exact)
    out = _snippets.get(key)
    if out is None:
        out = _make_snippet(text, stems, exact)
        _snippets.put(key, out)
    return out


def _make_snippet(text, stems, exact):
    for kind, words in (("stems", stems), ("exact", exact)):
        if not words:
            continue
        try:
            out = highlight(text, words, _analyzers[kind], _fragmenter, _formatter, top=2,
                            mode="index")
        except Exception:  # noqa: BLE001 - a snippet is decoration; fall back to plain text
            log.exception("search: highlighting failed")
            out = ""
        if out:
            return Markup(out)
    plain = text[:SNIPPET_CHARS]
    return Markup(escape(plain) + (" …" if len(text) > SNIPPET_CHARS else ""))


# --- Searching ----------------------------------------------------------------------------

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
    validate(params)
    text = prepare_query(params.q)
    node = squery.parse(text)
    engine = backend.get(app)
    if node is None:
        return SearchResult(params, [], 0, facet_lists({}), suggest(engine, app, text))
    page = engine.execute(app, node, params)
    partial = False
    if page.total == 0:
        relaxed = squery.relaxed(node)
        if relaxed is not None:
            page = engine.execute(app, node, params, relaxed=relaxed)
            partial = page.total > 0
    stems, exact = squery.highlight_words(node)
    shown = ("type", "doc_id", "public_id", "title", "agency", "agency_name", "category",
             "year", "url")
    hits = [Hit(**{f: s[f] for f in shown}, extra=s.get("extra") or {},
                snippet=snippet(s.get("snip") or "", stems, exact)) for s in page.stored]
    suggestion = suggest(engine, app, text) if page.total < SUGGEST_BELOW or partial else None
    return SearchResult(params, hits, page.total, facet_lists(page.facets), suggestion,
                        partial)


def suggest(engine, app, text):
    """ "Did you mean": ``text`` with its words that occur nowhere in the index replaced
    by the closest that do (the backend's ``corrections``), or None."""
    typed = squery.plain_words(text)
    words = {fold(w) for w in typed}
    words = {w for w in words if len(w) >= squery.CORRECTED_MIN and w.isalpha()}
    fixes = engine.corrections(app, words) if words else {}
    for word in typed:
        if fold(word) in fixes:
            text = squery.replace_word(text, word, fixes[fold(word)])
    return text if fixes else None
