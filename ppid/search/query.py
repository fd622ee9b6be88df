"""Any user query, cleaned and parsed into a small tree both backends execute alike.

The language is forgiving: words (all must match), "quoted phrases" (exact words, in
order), (groups), AND / OR / NOT in capitals. Anything else is punctuation: no field
names, wildcards, ranges or boosts, so nothing a citizen types can fail. Words are
analysed as the index analyses text (ppid.search.analysis): a word is matched by its
Sastrawi stem; a function word (stop word) beside other words is left out, and a query of
function words only searches them unstemmed, so it is never emptied.
"""
import re
from dataclasses import dataclass
from typing import Optional, Tuple

from flask_babel import gettext as _

from ppid.search.analysis import REFERENCE_WORDS, STOP_WORDS, TOKEN_RE, stem, tokens

MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 40
CORRECTED_MIN = 4   # shorter words are never corrected ("did you mean")

CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_REFERENCE_RE = re.compile(
    r"\b(" + "|".join(REFERENCE_WORDS) + r")\.?\s+(\d[\w/.\-]*)", re.IGNORECASE)
_LEX_RE = re.compile(r'"([^"]*)"|(\()|(\))|([^\s()"]+)')
_OPERATORS = {"AND", "OR", "NOT"}


class QueryError(ValueError):
    """The query cannot be searched; ``message`` says why, for the user."""

    def __init__(self, message, field_name="q"):
        super().__init__(message)
        self.message = message
        self.field_name = field_name


# --- The tree -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """One word: ``word`` folded as typed, ``stem`` its stem (None: a function word, then
    matched unstemmed)."""
    word: str
    stem: Optional[str]


@dataclass(frozen=True)
class Phrase:
    """Folded words that must occur in this order, unstemmed."""
    words: Tuple[str, ...]


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


# --- Text ---------------------------------------------------------------------------------

def clean(raw):
    """Control characters out, whitespace collapsed, quotes balanced; raises QueryError."""
    text = CONTROL_RE.sub(" ", raw or "")
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


def prepare(raw):
    """The cleaned text, with regulation references outside quotes made into phrases:
    ``Pasal 17 huruf b`` searches the phrase "Pasal 17", ``UU 14/2008`` the phrase."""
    text = clean(raw)
    parts = text.split('"')
    for i in range(0, len(parts), 2):  # even parts are outside quotes
        parts[i] = _REFERENCE_RE.sub(lambda m: f'"{m.group(1)} {m.group(2)}"', parts[i])
    return '"'.join(parts)


def plain_words(text):
    """Words of the query outside quotes and operators, as the user typed them."""
    parts = text.split('"')
    words = []
    for i in range(0, len(parts), 2):
        for w in TOKEN_RE.findall(parts[i]):
            if w not in _OPERATORS:
                words.append(w)
    return words


def replace_word(text, word, replacement):
    """``text`` with its first ``word`` (a whole word) replaced ("did you mean")."""
    return re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", replacement, text, count=1)


# --- Parsing ------------------------------------------------------------------------------

def _atoms(chunk):
    """The nodes of one bare chunk: each word a Term; words joined by "-" or "/" (which
    the index splits into consecutive words) a Phrase."""
    out = []
    for m in TOKEN_RE.finditer(chunk):
        words = tuple(t for t, _p, _s, _e in tokens(m.group(), "query"))
        if len(words) == 1:
            w = words[0]
            out.append(Term(w, None if w in STOP_WORDS else stem(w)))
        elif words:
            out.append(Phrase(words))
    return out


def _phrase(text):
    words = tuple(t for t, _p, _s, _e in tokens(text, "query"))
    return Phrase(words) if words else None


class _Parser:
    def __init__(self, text):
        self.items = []
        for m in _LEX_RE.finditer(text):
            quoted, opening, closing, bare = m.groups()
            if quoted is not None:
                node = _phrase(quoted)
                if node is not None:
                    self.items.append(node)
            elif opening:
                self.items.append("(")
            elif closing:
                self.items.append(")")
            elif bare in _OPERATORS:
                self.items.append(bare)
            else:
                self.items.extend(_atoms(bare))
        self.i = 0

    def peek(self):
        return self.items[self.i] if self.i < len(self.items) else None

    def next(self):
        item = self.peek()
        self.i += 1
        return item

    def expr(self):
        parts = [self.conjunction()]
        while self.peek() == "OR":
            self.next()
            parts.append(self.conjunction())
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self):
        parts = []
        while True:
            item = self.peek()
            if item is None or item in ("OR", ")"):
                break
            if item == "AND":
                self.next()
                continue
            node = self.unary()
            if node is not None:
                parts.append(node)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self):
        item = self.next()
        if item == "NOT":
            nxt = self.peek()
            if nxt is None or nxt in ("OR", ")", "AND"):
                return None
            inner = self.unary()
            return Not(inner) if inner is not None else None
        if item == "(":
            inner = self.expr()
            if self.peek() == ")":
                self.next()
            return inner
        if item == ")":  # unbalanced: ignored
            return None
        return item


def parse(text):
    """The tree of a prepared query (None when nothing searchable is left)."""
    parser = _Parser(text)
    node = parser.expr()
    while parser.peek() is not None:  # a stray ")" ended the expression: go on after it
        parser.next()
        rest = parser.expr()
        if rest is not None:
            node = rest if node is None else And((node, rest))
    return _without_stop_words(node)


def _is_stop(node):
    return isinstance(node, Term) and node.stem is None


def _without_stop_words(node):
    """Function words beside other words are left out of an AND (they would only make
    the query stricter); alone, they are kept (and matched unstemmed)."""
    if isinstance(node, And):
        items = tuple(_without_stop_words(n) for n in node.items)
        kept = tuple(n for n in items if not _is_stop(n))
        if not any(not isinstance(n, Not) for n in kept):
            kept = items
        return kept[0] if len(kept) == 1 else And(kept)
    if isinstance(node, Or):
        return Or(tuple(_without_stop_words(n) for n in node.items))
    if isinstance(node, Not):
        return Not(_without_stop_words(node.item))
    return node


def relaxed(node):
    """For a query of several words or phrases (and maybe NOT clauses) that matched
    nothing: (positive clauses, excluded clauses, how many must match), else None."""
    if not isinstance(node, And):
        return None
    positive = [n for n in node.items if isinstance(n, (Term, Phrase))]
    others = [n for n in node.items if not isinstance(n, (Term, Phrase))]
    if len(positive) < 2 or any(not isinstance(n, Not) for n in others):
        return None
    return tuple(positive), tuple(others), max(1, (len(positive) + 1) // 2)


def highlight_words(node):
    """(stems, exact words) of the positive parts of the query, to mark in snippets."""
    stems, exact = set(), set()

    def walk(n, negated=False):
        if isinstance(n, Term):
            if not negated:
                (exact.add(n.word) if n.stem is None else stems.add(n.stem))
        elif isinstance(n, Phrase):
            if not negated:
                exact.update(n.words)
        elif isinstance(n, (And, Or)):
            for item in n.items:
                walk(item, negated)
        elif isinstance(n, Not):
            walk(n.item, True)
    walk(node)
    return frozenset(stems), frozenset(exact)
