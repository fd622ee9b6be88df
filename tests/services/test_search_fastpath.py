"""The fast path of public search (ppid.search.fastpath) gives Whoosh's own answers.

On generated indexes (the benchmark's corpus: Zipf-distributed Indonesian words, real
DIP titles, 45 agencies), one of a single segment and one of several segments with
updated and removed documents, many random queries of one to three words, with and
without each filter, by relevance and by date, over several pages, must rank the same
documents in the same order with the very same scores, the same total and the same facet
counts as Whoosh's matchers; and the cheaper snippets must be the same text as Whoosh's
Highlighter made.
"""
import random
from datetime import date
from pathlib import Path

import pytest
from whoosh import index as windex
from whoosh import query as wq
from whoosh import sorting

from ppid.extensions import db
from ppid.search import fastpath, services
from ppid.search import index as sindex
from ppid.search.analysis import analyze
from ppid.search.sources import SearchDoc
from ppid.search.testing import generated_corpus, make_dip_item, make_request

N_DOCS = 2400
RNG_SEED = 20261123


# Hand-made texts for what the generator never writes: capitals, accents, joined numbers,
# hyphens, stop words, markup, long runs without a match.
SPECIAL = [
    ("Pengelolaan Anggaran Daérah", "Anggaran daérah yang DIKELOLA oleh Dinas; pengelolaan "
     "keuangan menurut UU 14/2008 Pasal 17 huruf b, serta-merta dan/atau berkala."),
    ("Informasi serta-merta", "Informasi yang wajib diumumkan serta-merta: bencana, wabah, "
     "<b>keadaan darurat</b> &amp; pemadaman. Adanya informasi ini penting bagi masyarakat."),
    ("Laporan 2024", "Laporan realisasi 1.500.000 rupiah, nomor KALBAR/2026/00042, tahun "
     "2024; laporan-laporan kegiatan dilaporkan setiap bulan. " + "kata " * 120 + "laporan"),
    ("Pengadaan", "Pengadaan barang dan jasa: " + "pelaksanaan " * 80 + "pengadaan akhir."),
    ("Kebijakan", ""),
]


def _corpus():
    docs, words = generated_corpus(N_DOCS, RNG_SEED)
    extra = []
    for i, (title, body) in enumerate(SPECIAL):
        extra.append(SearchDoc("dip", f"s{i}", f"s{i}", title, body=body, meta="Dinas Uji",
                               agency="diskominfo", agency_name="Dinas Uji",
                               category="berkala", date=date(2024, 5, i + 1)))
    # Copies of earlier documents (equal scores, in other segments: ties), some undated.
    for i, doc in enumerate(docs[:60]):
        extra.append(SearchDoc(doc.doc_type, f"c{i}", f"c{i}", doc.title, body=doc.body,
                               meta=doc.meta, agency=doc.agency, agency_name=doc.agency_name,
                               category=doc.category, date=None if i % 3 else doc.date,
                               url=doc.url))
    agencies = sorted({doc.agency for doc in docs})
    return docs, extra, words, agencies


def _write(ix, docs, update=False, remove=()):
    writer = ix.writer()
    for doc in docs:
        fields = sindex.doc_fields(doc)
        if update:
            writer.update_document(**fields)
        else:
            writer.add_document(**fields)
    for key in remove:
        writer.delete_by_term("key", key)
    writer.commit(merge=False)


@pytest.fixture(scope="module")
def corpus():
    return _corpus()


@pytest.fixture(scope="module", params=["one-segment", "segments-deletions"])
def searcher(request, corpus, tmp_path_factory):
    docs, extra, _words, _bench_mod = corpus
    path = tmp_path_factory.mktemp(request.param)
    ix = windex.create_in(str(path), sindex.make_schema(), indexname=sindex.INDEX_NAME)
    if request.param == "one-segment":
        _write(ix, docs + extra)
    else:
        rng = random.Random(7)
        _write(ix, docs[:1200])
        _write(ix, docs[1200:2000])
        _write(ix, docs[2000:] + extra)
        changed = [SearchDoc(d.doc_type, d.doc_id, d.public_id, d.title + " perubahan",
                             body=d.body[: len(d.body) // 2], meta=d.meta, agency=d.agency,
                             agency_name=d.agency_name, category=d.category, date=d.date,
                             url=d.url) for d in rng.sample(docs, 150)]
        _write(ix, changed, update=True)
        _write(ix, [], remove=[d.key for d in rng.sample(docs, 100)])
    s = ix.searcher()
    if request.param != "one-segment":
        assert len(s.leaf_searchers()) >= 4
        assert any(sub.reader().has_deletions() for sub, _o in s.leaf_searchers())
    yield s
    s.close()


def _queries(words, rng, count):
    pool = [w for w in words[:3000] if len(w) > 3]
    out = ["laporan", "Laporan Keuangan", "anggaran daerah", "informasi publik",
           "pengelolaan", "dikelola keuangan", "2024", "serta-merta"]
    while len(out) < count:
        n = rng.choice((1, 1, 2, 2, 3))
        out.append(" ".join(rng.sample(pool[: 300 if n > 1 else 3000], n)))
    return out


def _filters(rng, agencies):
    values = {}
    if rng.random() < 0.4:
        values["agency"] = rng.choice(agencies)
    if rng.random() < 0.25:
        values["type"] = rng.choice(("dip", "request"))
    if rng.random() < 0.15:
        values["category"] = rng.choice(("berkala", "setiap_saat", "serta_merta"))
    if rng.random() < 0.15:
        values["year"] = str(rng.randrange(2019, 2027))
    return values


def _whoosh(searcher, q, filters, sort, limit):
    filter_q = services._filter_query(filters)
    kwargs = {"filter": filter_q, "terms": False}
    if sort == "date":
        kwargs["sortedby"] = sorting.FieldFacet("date", reverse=True)
    else:
        kwargs["optimize"] = True
    results = searcher.search(q, limit=limit, **kwargs)
    total, facets = services._count_matches(searcher, q, filter_q, True)
    return results.top_n, total, facets


def test_fast_path_ranks_counts_and_scores_like_whoosh(searcher, corpus):
    _docs, _extra, words, agencies = corpus
    rng = random.Random(11)
    checked = deep = 0
    for text in _queries(words, rng, 160):
        q = services.parse(services.prepare_query(text), searcher.schema)
        if fastpath.plain_terms(q) is None:
            continue
        for _ in range(3):
            filters = _filters(rng, agencies)
            sort = rng.choice(services.SORTS)
            limit = rng.choice((5, 20, 40, 60))
            fast = fastpath.search(searcher, q, filters=filters, sort=sort, limit=limit,
                                   facets=services.FACETS)
            top_n, total, facets = _whoosh(searcher, q, filters, sort, limit)
            where = (text, filters, sort, limit)
            assert fast is not None, where
            assert fast.docnums == [d for _score, d in top_n], where
            if sort == "relevance":
                # Exactly: the same additions in the same order (so ties break the same way).
                assert fast.scores == [s for s, _d in top_n], where
            assert fast.total == total, where
            assert services._facet_lists(fast.facets) == facets, where
            checked += 1
            deep += total > limit
    assert checked > 300 and deep > 40  # (many answers are longer than the page)


def test_pages_and_facets_of_the_service_match_the_whoosh_path(searcher, corpus,
                                                               monkeypatch):
    _docs, _extra, words, agencies = corpus
    rng = random.Random(12)
    cases = []
    for text in _queries(words, rng, 60):
        q = services.parse(services.prepare_query(text), searcher.schema)
        for page, per_page in ((1, 20), (2, 20), (3, 7)):
            filters = _filters(rng, agencies)
            params = services.SearchParams(
                q=text, type=filters.get("type", "all"), agency=filters.get("agency"),
                category=filters.get("category"),
                year=int(filters["year"]) if "year" in filters else None,
                sort=rng.choice(services.SORTS), page=page, per_page=per_page,
                facets=rng.random() < 0.7)
            cases.append((q, params, services._ranked(searcher, q, params)))
    monkeypatch.setattr(fastpath, "search", lambda *a, **kw: None)
    for q, params, fast in cases:
        assert services._ranked(searcher, q, params) == fast, params


def test_other_query_shapes_use_whoosh(searcher):
    for text in ('"laporan keuangan"', "laporan OR anggaran", "laporan NOT anggaran",
                 "(laporan anggaran) OR dinas", "Pasal 17", "laporan AND (dinas OR badan)"):
        q = services.parse(services.prepare_query(text), searcher.schema)
        assert fastpath.plain_terms(q) is None, text
        assert fastpath.search(searcher, q, limit=10) is None, text


def test_partly_decoded_and_evicted_postings_give_the_same_answers(searcher, corpus,
                                                                   monkeypatch):
    _docs, _extra, words, _bench_mod = corpus
    fastpath.clear_caches()
    frequent, rare = analyze(words[0])[0], None
    for w in words[1500:3000]:
        stems = analyze(w)
        if stems and 3 <= searcher.doc_frequency("content", stems[0]) <= 20:
            rare = stems[0]
            break
    assert rare is not None
    pair = wq.And([wq.Term("content", rare), wq.Term("content", frequent)])
    single = wq.Term("content", frequent)
    for i, q in enumerate((pair, single, pair)):  # some blocks of the frequent word, then all
        fast = fastpath.search(searcher, q, limit=10, facets=services.FACETS)
        top_n, total, facets = _whoosh(searcher, q, {}, "relevance", 10)
        assert fast.docnums == [d for _s, d in top_n]
        assert (fast.total, services._facet_lists(fast.facets)) == (total, facets)
        if i == 0:
            assert not all(fastpath._postings(sub.reader(), frequent.encode()).complete
                           for sub, _o in searcher.leaf_searchers())
    monkeypatch.setattr(fastpath._postings_cache, "limit", 50)
    fastpath.clear_caches()
    for q in (single, pair, single):
        fast = fastpath.search(searcher, q, filters={"type": "dip"}, sort="date", limit=30)
        top_n, total, _facets = _whoosh(searcher, q, {"type": "dip"}, "date", 30)
        assert fast.docnums == [d for _s, d in top_n] and fast.total == total


def test_postings_read_through_whoosh_matchers_give_the_same_answers(searcher, corpus,
                                                                    monkeypatch):
    """Postings of a layout the block reader does not know are read posting by posting."""
    _docs, _extra, words, _bench_mod = corpus
    monkeypatch.setattr(fastpath, "W3LeafMatcher", type("OtherMatcher", (), {}))
    fastpath.clear_caches()
    for text in _queries(words, random.Random(16), 30):
        q = services.parse(services.prepare_query(text), searcher.schema)
        fast = fastpath.search(searcher, q, filters={"category": "berkala"}, limit=20,
                               facets=services.FACETS)
        top_n, total, facets = _whoosh(searcher, q, {"category": "berkala"}, "relevance", 20)
        assert (fast.docnums, fast.scores) == ([d for _s, d in top_n], [s for s, _d in top_n])
        assert (fast.total, services._facet_lists(fast.facets)) == (total, facets)
    fastpath.clear_caches()


# --- Snippets ----------------------------------------------------------------------------

def _whoosh_snippet(hit, stored):
    """The snippet as services made it with Whoosh's Highlighter.highlight_hit."""
    from markupsafe import Markup, escape
    text = stored.get("snip") or ""
    if not text:
        return Markup("")
    for fieldname in services.SNIPPET_FIELDS:
        out = services._highlighter.highlight_hit(hit, fieldname, text=text, top=2)
        if out:
            return Markup(out)
    return Markup(escape(text[:240]) + (" …" if len(text) > 240 else ""))


def test_snippets_are_the_ones_whoosh_highlighting_made(searcher, corpus):
    _docs, _extra, words, _bench_mod = corpus
    rng = random.Random(13)
    texts = _queries(words, rng, 90) + [
        "pengelolaan anggaran", "DIKELOLA", "daerah", "UU 14/2008", "2008", "adanya",
        "laporan kegiatan", '"keadaan darurat"', "informasi OR wabah", "pengadaan akhir",
        "pelaksanaan", "b", "kebijakan", "1.500.000", "KALBAR/2026/00042"]
    compared = marked = 0
    for text in texts:
        q = services.parse(services.prepare_query(text), searcher.schema)
        results = searcher.search(q, limit=12, terms=False)
        words_by_field = services.highlight_words(searcher, q)
        for hit in results:
            stored = hit.fields()
            expected = _whoosh_snippet(hit, stored)
            assert services._snippet(searcher.schema, stored, words_by_field) == expected, \
                (text, hit.docnum)
            compared += 1
            marked += "<mark>" in expected
    assert compared > 500 and marked > 200


def test_marked_tokens_are_the_analyzers(corpus):
    from whoosh.highlight import set_matched_filter
    docs, _extra, words, _bench_mod = corpus
    schema = sindex.make_schema()
    rng = random.Random(14)
    texts = [d.body[:1500] for d in rng.sample(docs, 150)] + [b for _t, b in SPECIAL]
    for text in texts:
        for fieldname in services.SNIPPET_FIELDS:
            analyzer = schema[fieldname].analyzer
            own = sorted(set(analyze(text, stemmed=fieldname == "content")))
            chosen = frozenset(rng.sample(own, min(2, len(own))) + analyze(
                " ".join(rng.sample(words[:400], 2)), stemmed=fieldname == "content"))
            expected = [(t.startchar, t.endchar, t.matched, t.matched and t.text)
                        for t in set_matched_filter(
                            analyzer(text, positions=True, chars=True, mode="index",
                                     removestops=False), chosen)]
            got = [(t.startchar, t.endchar, t.matched, t.matched and t.text)
                   for t in fastpath.marked_tokens(analyzer, text, chosen)]
            if not got:  # nothing can match: Whoosh marks nothing either
                assert not any(m for _s, _e, m, _t in expected)
            else:
                assert got == expected, (fieldname, chosen)


def test_a_stem_keeps_the_end_of_its_word(corpus):
    """What marked_tokens relies on to skip stemming most words of a snippet."""
    import Sastrawi.Stemmer
    from ppid.search.analysis import stem
    _docs, _extra, words, _bench_mod = corpus
    roots = (Path(Sastrawi.Stemmer.__file__).parent / "data" / "kata-dasar.txt").read_text(
        encoding="utf-8").split()
    rng = random.Random(15)
    prefixes = ("", "me", "mem", "men", "meng", "meny", "menge", "pe", "pem", "pen", "peng",
                "peny", "penge", "ber", "be", "ter", "te", "di", "ke", "se", "per", "memper",
                "diper", "ku", "kau")
    forms = set(rng.sample([w for w in words if w.isalpha()], 1500))
    for _ in range(3500):
        root = rng.choice(roots)
        if rng.random() < 0.1 and len(root) > 2:  # an infix: g-el-embung, t-em-ali
            root = root[0] + rng.choice(("el", "em", "er", "in")) + root[1:]
        forms.add(rng.choice(prefixes) + root + rng.choice(fastpath._STEM_ENDINGS))
    for word in forms:
        if len(word) >= 4 and word.isalpha():
            root = stem(word)
            assert word.endswith(tuple(root[1:] + e for e in fastpath._STEM_ENDINGS)), \
                (word, root)


# --- Through the service, on the application's index -------------------------------------

@pytest.fixture
def fresh_index(ctx):
    sindex.clear(ctx)
    yield ctx
    sindex.clear(ctx)


def test_search_results_are_the_same_with_and_without_the_fast_path(fresh_index, factories,
                                                                     monkeypatch):
    a = factories.agency(slug="dinkes", name="Dinas Kesehatan")
    b = factories.agency(slug="disdik", name="Dinas Pendidikan")
    for i in range(12):
        make_dip_item(a if i % 2 else b, f"Laporan anggaran kesehatan {i}",
                      summary=f"Pengelolaan anggaran puskesmas nomor {i} <b>tebal</b>",
                      made_on=date(2020 + i % 5, 1 + i, 3), category="berkala")
    make_request(b, "Mohon salinan laporan anggaran sekolah dasar")
    db.session.commit()
    queries = [("anggaran", {}), ("laporan anggaran", {"agency": "dinkes"}),
               ("kelola", {"sort": "date"}), ("anggaran", {"page": 2, "per_page": 5}),
               ("anggaran", {"type": "request"}), ("puskesmas", {"year": 2021}),
               ("tidak ada", {})]

    def run():
        return [services.search(services.SearchParams(q=q, **kw)) for q, kw in queries]

    fast = run()
    assert fast[0].total == 13 and "<mark>" in str(fast[0].hits[0].snippet)
    monkeypatch.setattr(fastpath, "search", lambda *a, **kw: None)
    slow = run()
    for f, s in zip(fast, slow):
        assert (f.hits, f.total, f.facets, f.suggestion) == (s.hits, s.total, s.facets,
                                                             s.suggestion)
