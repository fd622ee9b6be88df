"""The bulk writers used by a rebuild: the files they write are Whoosh's, byte for byte;
several processes give the same index in several segments; failures fail the commit."""
import os
from datetime import date

import pytest
from whoosh import index as windex
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.writing import IndexingError, SegmentWriter

from ppid.extensions import db
from ppid.search import index as sindex
from ppid.search import services
from ppid.search.analysis import exact_analyzer, stemming_analyzer
from ppid.search.sources import SearchDoc
from ppid.search.testing import generated_corpus, make_dip_item, make_request



@pytest.fixture(scope="module")
def records():
    """Field dicts of generated documents, plus a few unusual ones."""
    docs = generated_corpus(450, 11)[0]
    docs += [
        SearchDoc("dip", "9001", "9001", "Tanpa isi"),                    # no body, no date
        SearchDoc("request", "9002", "KALBAR/2026/09002", "Sama", body="Sama",
                  date=date(2026, 1, 2)),
        SearchDoc("dip", "9003", "9003", "laporan " * 400, body="x",       # a long title
                  meta="", agency="dinkes", date=date(2020, 5, 6)),
    ]
    return [sindex.doc_fields(d) for d in docs]


def whoosh_schema():
    """make_schema() with Whoosh's own field classes (how indexes were written before)."""
    schema = Schema(
        key=ID(unique=True, stored=True), type=ID(stored=True, sortable=True),
        doc_id=ID(stored=True), public_id=ID(stored=True),
        agency=ID(stored=True, sortable=True), agency_name=STORED,
        category=ID(stored=True, sortable=True), year=ID(stored=True, sortable=True),
        date=DATETIME(stored=True, sortable=True), title=STORED,
        content=TEXT(analyzer=stemming_analyzer(), phrase=False),
        exact=TEXT(analyzer=exact_analyzer()),
        snip=STORED, url=STORED, extra=STORED, hash=STORED)
    assert schema.names() == sindex.make_schema().names()
    return schema


def segment_files(path):
    """{file extension: bytes} of the one segment in ``path``."""
    files = {}
    for f in path.iterdir():
        if f.suffix != ".toc" and "." in f.name:
            ext = f.name.split(".", 1)[1]
            assert ext not in files, "one segment expected"
            files[ext] = f.read_bytes()
    return files


def build(path, schema, writer_factory, fields_list):
    path.mkdir()
    ix = windex.create_in(str(path), schema, indexname="t")
    writer = writer_factory(ix)
    for fields in fields_list:
        writer.add_document(**fields)
    writer.commit()
    return windex.open_dir(str(path), indexname="t")


@pytest.mark.parametrize("whoosh_mb, bulk_mb", [(128, 128), (128, 0.05), (0.05, 0.02)])
def test_bulk_writer_writes_the_files_whoosh_writes(tmp_path, records, whoosh_mb, bulk_mb,
                                                   monkeypatch):
    # 0.05 MB and less make both pools spill to run files many times.
    runs = []
    save_run = sindex._TermPool._save_run
    monkeypatch.setattr(sindex._TermPool, "_save_run",
                        lambda pool: (runs.append(1), save_run(pool)))
    build(tmp_path / "whoosh", whoosh_schema(),
          lambda ix: SegmentWriter(ix, compound=False, limitmb=whoosh_mb), records)
    build(tmp_path / "bulk", sindex.make_schema(),
          lambda ix: sindex.BulkWriter(ix, compound=False, limitmb=bulk_mb), records)
    assert (len(runs) > 5) == (bulk_mb < 1)
    expected = segment_files(tmp_path / "whoosh")
    written = segment_files(tmp_path / "bulk")
    assert {"pst", "trm", "_stored.col", "_content_len.col"} <= set(expected)
    assert sorted(written) == sorted(expected)
    for ext in expected:
        assert written[ext] == expected[ext], ext


def index_by_key(ix):
    """Everything searchable, with documents named by key (not by segment docnum)."""
    with ix.searcher() as s:
        reader = s.reader()
        keys = {n: fields["key"] for n, fields in reader.iter_docs()}
        stored = {keys[n]: fields for n, fields in reader.iter_docs()}
        lengths = {(keys[n], f): reader.doc_field_length(n, f)
                   for n in keys for f in ("content", "exact")}
        postings = {}
        for fieldname, term in reader.all_terms():
            m = reader.postings(fieldname, term)
            found = set()
            while m.is_active():
                found.add((keys[m.id()], m.weight(), m.value()))
                m.next()
            postings[fieldname, term] = found
        return stored, lengths, postings


def test_processes_write_the_same_index_in_several_segments(tmp_path, records):
    single = build(tmp_path / "one", sindex.make_schema(), sindex.bulk_writer, records)
    several = build(tmp_path / "two", sindex.make_schema(),
                    lambda ix: sindex.bulk_writer(ix, procs=2, limitmb=0.2), records)
    assert several.doc_count() == single.doc_count() == len(records)
    assert len(several._segments()) == 2
    assert index_by_key(several) == index_by_key(single)


@pytest.fixture
def two_procs(tmp_path, records):
    """(index directory, a two-process bulk writer holding 300 documents)."""
    path = tmp_path / "ix"
    path.mkdir()
    ix = windex.create_in(str(path), sindex.make_schema(), indexname="t")
    writer = sindex.bulk_writer(ix, procs=2)
    for fields in records[:300]:
        writer.add_document(**fields)
    return path, writer


def test_a_failing_process_fails_the_commit(two_procs):
    path, writer = two_procs
    writer.add_document(no_such_field="x")   # fails in a worker, not here
    with pytest.raises(IndexingError, match="no_such_field"):
        writer.commit()
    assert all(not w.process.is_alive() for w in writer._workers)
    assert windex.open_dir(str(path), indexname="t").doc_count() == 0
    windex.open_dir(str(path), indexname="t").writer().cancel()  # the lock is free


class _DiesWhenIndexed(str):
    def encode(self, *args, **kwargs):
        os._exit(3)


def test_a_process_that_dies_fails_the_commit(two_procs, records):
    path, writer = two_procs
    writer.add_document(**dict(records[0], key=_DiesWhenIndexed("dip:x")))
    with pytest.raises(IndexingError, match="ended unexpectedly"):
        writer.commit()
    assert windex.open_dir(str(path), indexname="t").doc_count() == 0
    windex.open_dir(str(path), indexname="t").writer().cancel()


def test_cancel_stops_the_processes(two_procs):
    path, writer = two_procs
    writer.cancel()
    assert all(not w.process.is_alive() for w in writer._workers)
    assert windex.open_dir(str(path), indexname="t").doc_count() == 0
    windex.open_dir(str(path), indexname="t").writer().cancel()


@pytest.mark.parametrize("procs", [1, 2])
def test_bulk_writers_only_fill_an_empty_index(tmp_path, records, procs):
    ix = build(tmp_path / "ix", sindex.make_schema(), lambda ix: ix.writer(), records[:3])
    with pytest.raises(ValueError, match="empty index"):
        sindex.bulk_writer(ix, procs=procs)
    ix.writer().cancel()


@pytest.fixture
def fresh_index(ctx):
    sindex.clear(ctx)
    yield ctx
    sindex.clear(ctx)


def test_rebuild_with_processes(fresh_index, factories):
    a = factories.agency()
    item = make_dip_item(a, "Laporan pengelolaan keuangan daerah")
    req = make_request(a, "Salinan laporan keuangan")
    db.session.commit()
    assert sindex.rebuild(procs=2) == 2
    result = services.search(services.SearchParams(q="keuangan"))
    assert {(h.type, h.doc_id) for h in result.hits} == {("dip", str(item.id)),
                                                         ("request", str(req.id))}
    assert services.search(services.SearchParams(q='"pengelolaan keuangan"')).total == 1
