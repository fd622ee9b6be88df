"""Indonesian text analysis, shared by both search backends (Whoosh and PostgreSQL).

Two analyzers share one tokenizer:

- :func:`stemming_analyzer` (lower-cased, accent-folded, function words removed, Sastrawi
  stems) so that "kelola", "pengelolaan" and "dikelola" meet, and "kinerja" and "kerja";
- :func:`exact_analyzer` (lower-cased and accent-folded only) for "quoted phrases", queries
  made only of function words, and the "did you mean" vocabulary.

Numbers and references stay whole: "14/2008", "KALBAR/2026/00042" and "1.500.000" are one
token each. At index time the parts of such a token ("14", "2008") are added at the same
position, so a query for "2008" alone still finds "UU 14/2008", while a phrase query stays
positional. "Pasal 17" is matched as the phrase "pasal 17" (see query.prepare).
"""
import re
import threading
import unicodedata
from functools import lru_cache

from whoosh.analysis import Filter, StopFilter, Token, Tokenizer

# A word, or several words/numbers joined by "/", "." or "-" without spaces.
TOKEN_RE = re.compile(r"[^\W_]+(?:[/.\-][^\W_]+)*", re.UNICODE)
PART_SPLIT_RE = re.compile(r"[/.\-]")
_DIGIT_RE = re.compile(r"\d")

# Regulation references that should match as a unit: "Pasal 17", "UU 14/2008", "Perki 1/2021".
REFERENCE_WORDS = ("pasal", "ayat", "huruf", "uu", "pp", "perda", "perki", "pergub",
                   "perbup", "perwali", "permendagri", "nomor", "no", "tahun")

# Function words only: conjunctions, prepositions, demonstratives, particles and a few
# auxiliaries, which carry no subject of their own. Reviewed by hand: no word here is the
# root or the surface form of a content word (Sastrawi's list of about 800 words had
# "kerja", "baik", "sama", "tahun" ...). Applied before stemming, at index and query time
# alike; a query made only of these words searches them unstemmed (see query.py).
STOP_WORDS = frozenset("""
    yang dan atau serta di ke dari pada kepada untuk bagi dengan dalam oleh tentang
    terhadap sebagai secara karena agar supaya bahwa jika kalau maka namun tetapi tapi
    melainkan sedangkan hingga sampai sejak ketika saat selama ini itu tersebut adalah
    ialah merupakan yaitu yakni juga pun lah kah tah nya para si sang akan sudah telah
    sedang masih pernah sebuah seorang suatu antara per
""".split())


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


@lru_cache(maxsize=200_000)
def stem(word):
    """Sastrawi stem of one lower-case word; numbers and short words are left alone."""
    if len(word) < 4 or not word.isalpha():
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
            | StopFilter(stoplist=STOP_WORDS, minsize=1, renumber=False)
            | SastrawiStemFilter())


def exact_analyzer():
    return IndonesianTokenizer()

