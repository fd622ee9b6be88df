"""The index-time fast path of the text fields gives exactly what Whoosh's own path gives
with the same analyzers (no app, no index)."""
import random
from datetime import datetime

import pytest
from whoosh.fields import DATETIME, ID, TEXT

from ppid.search import analysis
from ppid.search import index as sindex
from ppid.search.analysis import _KEEP, exact_analyzer, stemming_analyzer, stop_words
from ppid.search.testing import generated_corpus



def whoosh_content():
    return TEXT(analyzer=stemming_analyzer(), phrase=False)


def whoosh_exact():
    return TEXT(analyzer=exact_analyzer())


def assert_same_postings(text):
    assert list(sindex.StemmedText().index(text)) == list(whoosh_content().index(text)), text
    assert list(sindex.ExactText().index(text)) == list(whoosh_exact().index(text)), text


@pytest.fixture(scope="module")
def corpus():
    """Documents of the search benchmark's generator (Sastrawi's words, real titles)."""
    return generated_corpus(400, 7)[0]


def test_generated_corpus(corpus):
    for doc in corpus:
        fields = sindex.doc_fields(doc)
        assert_same_postings(fields["content"])
        assert_same_postings(fields["exact"])


def test_generated_corpus_again_from_the_token_cache(corpus):
    analysis._token_cache.clear()
    for doc in corpus[:50]:
        sindex.ExactText().index(doc.title)
    for doc in corpus[:100]:
        fields = sindex.doc_fields(doc)
        assert_same_postings(fields["content"])
        assert_same_postings(fields["exact"])


@pytest.mark.parametrize("text", [
    "",
    "   \n\t ",
    "UU 14/2008 Pasal 17 ayat (2) huruf b",
    "KALBAR/2026/00042 dan kalbar/2026/00043",
    "Rp 1.500.000 dan Rp1.500.000,00 atau 2.5",
    "12/12/12 14-2008 2008.14 14/2008/",
    "serta-merta buku-buku dan/atau ibu-ibu-ibu",
    "a-b-c x/y.z -- . / - laporan- -laporan",
    "CAFÉ Ñusantara Ané e\u0301 ﬁle İstanbul Straße",
    "٣/٢٠٢٠ ²³ ½ x_y 3rd 10km COVID-19",
    " ".join(sorted(_KEEP)),
    " ".join(sorted(stop_words())[:80]),
    "yang dan di ke dari tidak baru lama pengelolaan dikelola mengelola",
    "laporan " * 300 + "keuangan",   # frequencies above 255
    "Laporan LAPORAN laporan lApOrAn",
    "Laporan\nLaporan\n\nkeuangan 14/\n2008\n",   # tokens never span lines
])
def test_edge_cases(text):
    assert_same_postings(text)


def test_very_long_text():
    rng = random.Random(3)
    words = ["pengelolaan", "keuangan", "14/2008", "serta-merta", "yang", "dan", "Ané",
             "pasal", "KALBAR/2026/00042", "tahun", "dikelola", "informasi"]
    # Positions well past the fast path's cache of single positions.
    assert_same_postings(" ".join(rng.choice(words) for _ in range(30_000)))


def test_a_bounded_token_cache_gives_the_same_postings(corpus, monkeypatch):
    monkeypatch.setattr(analysis, "_TOKEN_CACHE_MAX", 50)
    analysis._token_cache.clear()
    for doc in corpus[:40]:
        fields = sindex.doc_fields(doc)
        assert_same_postings(fields["content"])
        assert_same_postings(fields["exact"])
        assert len(analysis._token_cache) <= 50


def test_other_values_take_whoosh_path():
    words = ["Laporan", "keuangan", "yang"]
    assert list(sindex.StemmedText().index(words)) == list(whoosh_content().index(words))
    assert list(sindex.ExactText().index(words)) == list(whoosh_exact().index(words))
    with pytest.raises(ValueError):
        list(sindex.ExactText().index(42))


def test_each_position_value_is_a_new_object():
    # A postings block pickles its values: one object repeated would be written shorter
    # than Whoosh writes it, and the index files would differ.
    postings = sindex.ExactText().index("satu dua satu tiga empat")
    singles = [vbytes for _term, n, _w, vbytes in postings if n == 1]
    first = sindex.ExactText().index("lima enam")
    assert len({id(v) for v in singles + [v for *_x, v in first]}) == len(singles) + 2


def test_fields_keep_the_analyzers_for_queries():
    schema = sindex.make_schema()
    assert schema["content"].analyzer == stemming_analyzer()
    assert schema["exact"].analyzer == exact_analyzer()
    assert not schema["content"].format.supports("positions")
    assert schema["exact"].format.supports("positions")


@pytest.mark.parametrize("value", ["dip:12", "", "KALBAR/2026/00042", "Dinas Ané", "2026"])
def test_id_fields(value):
    for kwargs in ({}, {"unique": True, "stored": True}, {"stored": True, "sortable": True}):
        assert list(sindex.FastID(**kwargs).index(value)) == list(ID(**kwargs).index(value))


@pytest.mark.parametrize("value", [datetime(2026, 1, 2), datetime(1999, 12, 31, 23, 59, 59, 9),
                                   datetime(1, 1, 1), datetime(9999, 12, 31)])
def test_date_field(value):
    fast, whoosh = sindex.FastDATETIME(stored=True, sortable=True), DATETIME(stored=True)
    assert list(fast.index(value)) == list(whoosh.index(value))
    assert list(fast.index(value)) == list(whoosh.index(value))   # from its cache
    assert list(fast.index([value])) == list(whoosh.index([value]))


def test_schema_uses_the_fast_fields():
    schema = sindex.make_schema()
    assert type(schema["content"]) is sindex.StemmedText
    assert type(schema["exact"]) is sindex.ExactText
    assert type(schema["key"]) is sindex.FastID and schema["key"].unique
    assert type(schema["date"]) is sindex.FastDATETIME
