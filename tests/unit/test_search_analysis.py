"""The Indonesian analysis and query preparation (no app, no index)."""
import pytest

from ppid.search.analysis import (STOP_WORDS, exact_analyzer, fold, stem, stemming_analyzer,
                                  tokens)
from ppid.search.query import QueryError, clean as clean_query, prepare as prepare_query


def analyze(text, stemmed=True, mode="index"):
    """The terms the index sees for ``text``."""
    analyzer = stemming_analyzer() if stemmed else exact_analyzer()
    return [t.text for t in analyzer(text, mode=mode)]


def test_kelola_pengelolaan_dikelola_share_a_stem():
    assert {stem(w) for w in ("kelola", "pengelolaan", "dikelola", "mengelola")} == {"kelola"}
    assert analyze("Pengelolaan") == analyze("dikelola") == ["kelola"]


def test_stems_are_cached():
    stem.cache_clear()
    stem("keuangan")
    stem("keuangan")
    info = stem.cache_info()
    assert info.hits == 1 and info.misses == 1


def test_numbers_and_references_stay_whole():
    assert analyze("UU 14/2008", stemmed=False, mode="query") == ["uu", "14/2008"]
    # At index time the parts are added at the same position, so "2008" alone matches.
    indexed = [(t, p) for t, p, _s, _e in tokens("UU 14/2008 Pasal 17")]
    assert indexed == [("uu", 0), ("14/2008", 1), ("14", 1), ("2008", 1), ("pasal", 2),
                       ("17", 3)]
    assert "kalbar/2026/00042" in analyze("KALBAR/2026/00042", stemmed=False, mode="query")
    assert analyze("Rp 1.500.000", stemmed=False, mode="query") == ["rp", "1.500.000"]


def test_character_offsets_point_into_the_original_text():
    text = "Laporan (UU 14/2008)."
    for word, _pos, start, end in tokens(text):
        assert fold(text[start:end]) == word


def test_lower_case_and_accent_folding():
    assert analyze("CAFÉ Ñusantara", stemmed=False) == ["cafe", "nusantara"]
    assert fold("Ané") == "ane"


def test_stop_words_are_removed_from_the_stemmed_field_only():
    assert "yang" in STOP_WORDS and "dan" in STOP_WORDS
    assert "tidak" not in STOP_WORDS  # "tidak dikuasai" is an outcome
    assert analyze("laporan yang dan keuangan") == ["lapor", "uang"]
    assert analyze("laporan yang dan keuangan", stemmed=False) == [
        "laporan", "yang", "dan", "keuangan"]


def test_content_words_stay_and_meet_their_affixed_forms():
    """Sastrawi's stop list removed "kerja", "baik" and "sama" before stemming."""
    assert analyze("kerja baik sama") == ["kerja", "baik", "sama"]
    assert analyze("pekerjaan kebaikan bersama kinerja") == ["kerja", "baik", "sama", "kerja"]


def test_the_parser_makes_one_tree_for_both_backends():
    from ppid.search.query import And, Not, Or, Phrase, Term, parse, prepare
    assert parse(prepare("laporan keuangan")) == And((Term("laporan", "lapor"),
                                                      Term("keuangan", "uang")))
    assert parse(prepare('"laporan keuangan" OR anggaran')) == Or((
        Phrase(("laporan", "keuangan")), Term("anggaran", "anggar")))
    assert parse(prepare("kontrak NOT (jembatan OR jalan)")) == And((
        Term("kontrak", "kontrak"), Not(Or((Term("jembatan", "jembatan"),
                                             Term("jalan", "jalan"))))))
    assert parse(prepare("UU 14/2008")) == Phrase(("uu", "14/2008"))
    assert parse(prepare("serta-merta")) == Phrase(("serta", "merta"))


def test_function_words_are_left_out_beside_others_and_kept_alone():
    from ppid.search.query import And, Term, parse
    assert parse("data yang dikecualikan") == And((Term("data", "data"),
                                                    Term("dikecualikan", "kecuali")))
    assert parse("yang dan") == And((Term("yang", None), Term("dan", None)))
    assert parse("yang") == Term("yang", None)


@pytest.mark.parametrize("q", ["AND", "OR", "NOT", "(", ")", "((", "NOT NOT", "* ? ~",
                               "AND OR NOT", ") laporan (", "()"])
def test_the_parser_never_fails(q):
    from ppid.search.query import parse
    parse(q)


def test_a_fallback_needs_most_of_the_words():
    from ppid.search.query import parse, relaxed
    assert relaxed(parse("anggaran")) is None
    assert relaxed(parse("a OR b")) is None
    assert relaxed(parse("pengelolaan anggaran"))[2] == 1
    assert relaxed(parse("irigasi bendungan waduk"))[2] == 2
    assert relaxed(parse("irigasi bendungan waduk pompa kolam"))[2] == 3
    positive, excluded, _n = relaxed(parse("irigasi bendungan NOT sawah"))
    assert len(positive) == 2 and len(excluded) == 1


def test_hyphenated_words_are_separate_words():
    assert analyze("serta-merta buku-buku", stemmed=False) == ["serta", "merta", "buku", "buku"]


def test_regulation_references_become_phrases():
    assert prepare_query("penolakan Pasal 17 huruf b") == 'penolakan "Pasal 17" huruf b'
    assert prepare_query("uu 14/2008") == '"uu 14/2008"'
    assert prepare_query('"pasal 17 ayat 2" lain') == '"pasal 17 ayat 2" lain'


def test_queries_are_cleaned():
    assert clean_query("  laporan\x00\x1b keuangan\u200b ") == "laporan keuangan"
    assert clean_query('"laporan keuangan') == "laporan keuangan"
    assert clean_query('"a" "b') == '"a" b'


@pytest.mark.parametrize("q", ["", "   ", "\x00\x01", "x" * 501, "kata " * 41])
def test_unusable_queries_raise_a_message(q):
    with pytest.raises(QueryError) as info:
        clean_query(q)
    assert info.value.message
