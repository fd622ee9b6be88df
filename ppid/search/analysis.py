"""Indonesian text analysis for the search index.

Two analyzers share one tokenizer:

- :func:`stemming_analyzer` (lower-cased, accent-folded, Indonesian stop words removed,
  Sastrawi stems) so that "kelola", "pengelolaan" and "dikelola" meet;
- :func:`exact_analyzer` (lower-cased and accent-folded only) for "quoted phrases" and
  the "did you mean" dictionary.

Numbers and references stay whole: "14/2008", "KALBAR/2026/00042" and "1.500.000" are one
token each. At index time the parts of such a token ("14", "2008") are added at the same
position, so a query for "2008" alone still finds "UU 14/2008", while a phrase query stays
positional. "Pasal 17" is matched as the phrase "pasal 17" (see services.prepare_query).
"""
import re
import threading
import unicodedata
from collections import Counter
from functools import lru_cache
from itertools import chain

from whoosh.analysis import Filter, StopFilter, Token, Tokenizer

# A word, or several words/numbers joined by "/", "." or "-" without spaces.
TOKEN_RE = re.compile(r"[^\W_]+(?:[/.\-][^\W_]+)*", re.UNICODE)
PART_SPLIT_RE = re.compile(r"[/.\-]")
_DIGIT_RE = re.compile(r"\d")

# Regulation references that should match as a unit: "Pasal 17", "UU 14/2008", "Perki 1/2021".
REFERENCE_WORDS = ("pasal", "ayat", "huruf", "uu", "pp", "perda", "perki", "pergub",
                   "perbup", "perwali", "permendagri", "nomor", "no", "tahun")

# Stop words: Sastrawi's list (the de-facto Indonesian list), less words that carry meaning
# in this domain ("tidak" in "tidak dikuasai", "baru", "akhir", "tahun").
_KEEP = {"tidak", "baru", "akhir", "awal", "tahun", "bulan", "hari", "masa", "pasal",
         "nomor", "umum", "penting", "kurang", "lebih", "lama"}


@lru_cache(maxsize=1)
def stop_words():
    from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory
    words = set(StopWordRemoverFactory().get_stop_words())
    return frozenset(w for w in words if w not in _KEEP)


_stemmer = None
_stemmer_lock = threading.Lock()


def _get_stemmer():
    global _stemmer
    if _stemmer is None:
        with _stemmer_lock:
            if _stemmer is None:
                from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
                from Sastrawi.Stemmer.Stemmer import Stemmer
                from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
                # The bare stemmer: we cache in stem() (Sastrawi's own cache is unbounded).
                _stemmer = Stemmer(ArrayDictionary(StemmerFactory().get_words()))
    return _stemmer


def _is_stemmed(word):
    return len(word) >= 4 and word.isalpha()


@lru_cache(maxsize=200_000)
def stem(word):
    """Sastrawi stem of one lower-case word; numbers and short words are left alone."""
    if not _is_stemmed(word):
        return word
    result = _get_stemmer().stem_word(word)
    return result or word


def fold(text):
    """Lower case and without accents ("Ané" -> "ane")."""
    text = text.lower()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text, mode="index"):
    """(text, position, startchar, endchar) for each token of ``text``.

    ``mode="index"`` also yields the parts of joined numbers at the same position.
    """
    pos = 0
    for m in TOKEN_RE.finditer(text):
        raw = m.group()
        start = m.start()
        if raw.isalpha():  # the common case: one plain word
            yield fold(raw), pos, start, m.end()
            pos += 1
        elif _DIGIT_RE.search(raw):
            yield fold(raw), pos, start, m.end()
            if mode == "index" and PART_SPLIT_RE.search(raw):
                offset = start
                for part in PART_SPLIT_RE.split(raw):
                    if part:
                        yield fold(part), pos, offset, offset + len(part)
                    offset += len(part) + 1
            pos += 1
        else:
            # Words joined by "-" (serta-merta) or "/" (dan/atau) are separate words.
            offset = start
            for part in PART_SPLIT_RE.split(raw):
                if part:
                    yield fold(part), pos, offset, offset + len(part)
                    pos += 1
                offset += len(part) + 1


class IndonesianTokenizer(Tokenizer):
    """Whoosh tokenizer over :func:`tokens` (lower-cased and folded already)."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = fold(value)
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        for text, pos, s, e in tokens(value, "query" if mode == "query" else "index"):
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = text
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + s
                t.endchar = start_char + e
            yield t


class SastrawiStemFilter(Filter):
    """Replaces each word by its Sastrawi stem (cached)."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, tokens):
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


def stemming_analyzer():
    # renumber=False keeps the position gaps where stop words were.
    return (IndonesianTokenizer()
            | StopFilter(stoplist=stop_words(), minsize=1, renumber=False)
            | SastrawiStemFilter())


def exact_analyzer():
    return IndonesianTokenizer()


def analyze(text, stemmed=True, mode="index"):
    """The terms the index sees for ``text`` (handy in tests and for debugging)."""
    analyzer = stemming_analyzer() if stemmed else exact_analyzer()
    return [t.text for t in analyzer(text, mode=mode)]


# --- Index-time fast path ----------------------------------------------------------------
# Indexing through the analyzers costs a Token object and a chain of generators per word.
# At index time the functions below give the same terms straight from the regex matches:
# each distinct raw token is analysed once (by tokens(), so the rules stay in one place)
# and remembered, so a token seen before costs one dict lookup. The analyzers stay for
# queries and highlighting; tests/unit/test_search_fast_index.py proves both agree.

_TOKEN_CACHE_MAX = 200_000   # bounds the memory of a long-running process
_token_cache = {}   # raw token -> (((exact term, relative position), ...), (stem, ...), width)


def _learn(raw):
    """Analyse one raw token (a TOKEN_RE match) for both fields and remember the result."""
    stops = stop_words()
    exact, stems, width = [], [], 0
    for text, pos, _start, _end in tokens(raw, "index"):
        exact.append((text.encode("utf-8"), pos))
        if text not in stops:
            # Only words go through the (cached) stemmer: unique numbers and references
            # would push the words out of its cache.
            stems.append((stem(text) if _is_stemmed(text) else text).encode("utf-8"))
        width = pos + 1
    entry = (tuple(exact), tuple(stems), width)
    if len(_token_cache) >= _TOKEN_CACHE_MAX:
        _token_cache.clear()
    _token_cache[raw] = entry
    return entry


_last_lines = {}   # line -> its entries, from the previous call (see _entries)


def _entries(text):
    """The cache entries of the raw tokens of ``text``, in order.

    Tokens never span a line, so each line is analysed once per call, and the lines of the
    previous call are reused: the two text fields of a document hold the same title, body
    and secondary lines, and the title three times.
    """
    global _last_lines
    previous = _last_lines
    lines = {}
    get = _token_cache.get
    entries = []
    for line in text.split("\n"):
        found = lines.get(line)
        if found is None:
            found = previous.get(line)
            if found is None:
                found = [get(raw) or _learn(raw) for raw in TOKEN_RE.findall(line)]
            lines[line] = found
        entries += found
    _last_lines = lines
    return entries


def stemmed_term_counts(text):
    """{term bytes: frequency} of ``text`` as :func:`stemming_analyzer` indexes it, in the
    order of first occurrence."""
    return Counter(chain.from_iterable(e[1] for e in _entries(text)))


def exact_term_positions(text):
    """{term bytes: [position, ...]} of ``text`` as :func:`exact_analyzer` indexes it, in
    the order of first occurrence."""
    positions = {}
    get = positions.get
    pos = 0
    for exact, _stems, width in _entries(text):
        for term, offset in exact:
            at = get(term)
            if at is None:
                positions[term] = [pos + offset]
            else:
                at.append(pos + offset)
        pos += width
    return positions
