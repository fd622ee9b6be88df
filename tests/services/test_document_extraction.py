"""Document text for search is read after commit, by the job worker, in a child process
with time and memory limits; every format the registry reads, and every way it can fail,
end with the version's text status recorded once (issue #12, finding 2)."""
import io
import json
import os
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from ppid import create_app
from ppid.core import extract, jobs
from ppid.core.jobs import Limits, run_limited
from ppid.core.models import AuditEvent, Job
from ppid.extensions import db
from ppid.registry import services
from ppid.registry.demo import _pdf_bytes
from ppid.registry.models import (TEXT_DONE, TEXT_FAILED, TEXT_NONE, TEXT_PENDING,
                                  DocumentVersion, ImmutableVersionError)
from tests import documents
from tests.services.test_registry_staleness import NOW, TODAY, make_catalogue, published_item

LIMITS = Limits(timeout_seconds=15, memory_mb=512)


def _child_text(data, media_type, max_chars=10_000):
    result = run_limited(extract.__file__, ["text", media_type, max_chars], data, LIMITS)
    assert result.ok, result
    return json.loads(result.output)


FORMATS = [
    ("pdf", extract.PDF, lambda: _pdf_bytes(["Anggaran pendapatan daerah", "halaman dua"]),
     ["Anggaran pendapatan daerah"]),
    ("docx", extract.DOCX, lambda: documents.docx(["Rencana strategis dinas", "Tujuan"]),
     ["Rencana strategis dinas\nTujuan"]),
    ("xlsx", extract.XLSX, lambda: documents.xlsx(["Realisasi belanja", "Triwulan"]),
     ["Realisasi belanja", "Triwulan", "sel sebaris"]),
    ("pptx", extract.PPTX, lambda: documents.pptx(["Paparan kinerja", "Capaian"]),
     ["Paparan kinerja\nCapaian"]),
    ("odt", extract.ODF[0],
     lambda: documents.odt(["Laporan <text:span>tahunan</text:span> dinas", "Penutup"]),
     ["Laporan tahunan dinas\nPenutup"]),
    ("txt", "text/plain", lambda: "Pengumuman serta-merta banjir".encode(), ["banjir"]),
    ("csv", "text/csv", lambda: "kolom;nilai\nsekolah;12\n".encode("cp1252"), ["sekolah;12"]),
]


@pytest.mark.parametrize("ext, media_type, make, expected", FORMATS,
                         ids=[f[0] for f in FORMATS])
def test_every_readable_format_is_read_in_the_limited_child(ext, media_type, make, expected):
    answer = _child_text(make(), media_type)
    assert answer["ok"]
    for words in expected:
        assert words in answer["text"]


def test_the_text_is_bounded_by_max_chars():
    answer = _child_text(documents.docx(["kata " * 10_000]), extract.DOCX, max_chars=100)
    assert 95 <= len(answer["text"]) <= 100
    answer = _child_text(documents.bomb_pdf(pages=3, stream_bytes=20_000), extract.PDF,
                         max_chars=50)
    assert len(answer["text"]) == 50


@pytest.mark.parametrize("data, media_type, reason", [
    (b"%PDF-1.4\nbukan pdf sama sekali", extract.PDF, extract.UNREADABLE),
    (documents.zip_file({"word/document.xml": "<w:document><tidak ditutup"}), extract.DOCX,
     extract.UNREADABLE),
    (documents.zip_file({"[Content_Types].xml": "<Types/>"}), extract.DOCX,
     extract.UNREADABLE),
    (b"\x81\x8d\x8f\x90\x9d", "text/plain", extract.UNREADABLE),
], ids=["not a pdf", "broken xml", "no document part", "not text"])
def test_an_unreadable_document_answers_why(data, media_type, reason):
    assert _child_text(data, media_type) == {"ok": False, "reason": reason}


def test_check_pdf_names_each_kind_of_active_content():
    assert extract.check_pdf(documents.javascript_pdf()) == [extract.JAVASCRIPT]
    assert extract.check_pdf(documents.open_action_javascript_pdf()) == [extract.JAVASCRIPT]
    assert extract.check_pdf(documents.page_aa_javascript_pdf()) == [extract.JAVASCRIPT]
    assert extract.check_pdf(documents.launch_pdf()) == [extract.LAUNCH]
    assert extract.check_pdf(documents.embedded_file_pdf()) == [extract.EMBEDDED_FILE]
    assert extract.check_pdf(documents.rich_media_pdf()) == [extract.RICH_MEDIA]
    assert extract.check_pdf(documents.object_stream_pdf()) == [extract.JAVASCRIPT]
    assert extract.check_pdf(documents.escaped_names_pdf()) == [extract.JAVASCRIPT]
    assert extract.check_pdf(documents.benign_open_action_pdf()) == []


def test_only_pdfs_that_could_hide_active_content_are_parsed():
    # Plain PDFs (the demo's, the registry's own) are cleared from their bytes: no child.
    assert not extract.pdf_needs_check(_pdf_bytes(["Laporan"]))
    assert not extract.pdf_needs_check(documents.bomb_pdf(pages=2, stream_bytes=1000))
    for make in (documents.object_stream_pdf, documents.escaped_names_pdf,
                 documents.javascript_pdf, documents.benign_open_action_pdf):
        assert extract.pdf_needs_check(make())


# --- The limits --------------------------------------------------------------------------------

def _script(tmp_path, body):
    path = tmp_path / "child.py"
    path.write_text(body)
    return path


def test_the_child_is_killed_at_its_wall_clock_timeout(tmp_path):
    script = _script(tmp_path, "import time\ntime.sleep(60)\n")
    result = run_limited(script, [], b"", Limits(0.5, 256))
    assert result.failure == jobs.TIMEOUT


def test_the_child_is_stopped_at_its_cpu_limit(tmp_path):
    # A busy loop under a longer wall clock: RLIMIT_CPU (timeout rounded up + 1 s) ends it.
    script = _script(tmp_path, "import signal, time\nwhile True: pass\n")
    result = run_limited(script, [], b"", Limits(1.2, 256))
    assert result.failure == jobs.TIMEOUT


def test_the_child_cannot_take_more_memory_than_its_limit(tmp_path):
    script = _script(tmp_path, "block = bytearray(400 * 1024 * 1024)\nprint('allocated')\n")
    result = run_limited(script, [], b"", Limits(10, 128))
    assert result.failure == jobs.MEMORY
    assert run_limited(script, [], b"", Limits(10, 1024)).output.strip() == b"allocated"


def test_the_child_gets_no_secrets_and_writes_no_files(tmp_path, monkeypatch):
    monkeypatch.setenv("PPID_SECRET_KEY", "rahasia-sekali")
    target = tmp_path / "written.txt"
    script = _script(tmp_path, "import json, os, sys\n"
                               "print(json.dumps(sorted(k for k in os.environ)))\n"
                               "sys.stdout.flush()\n"
                               f"with open({str(target)!r}, 'w') as f:\n"
                               "    f.write('x' * 10)\n")
    result = run_limited(script, [], b"", Limits(10, 256))
    assert result.failure == jobs.CRASHED  # writing a file exceeds RLIMIT_FSIZE
    assert not target.exists() or target.stat().st_size == 0
    env = json.loads(result.output) if result.output else []
    assert not [k for k in env if k.startswith("PPID_")]


def test_a_crashing_child_is_reported_as_such(tmp_path):
    script = _script(tmp_path, "raise RuntimeError('rusak')\n")
    result = run_limited(script, [], b"", Limits(10, 256))
    assert result.failure == jobs.CRASHED and "rusak" in result.detail


# --- Through the registry ----------------------------------------------------------------------

@pytest.fixture
def item(factories):
    obs = make_catalogue()
    agency = factories.agency()
    item = published_item(agency, obs["a"], TODAY - timedelta(days=5))
    db.session.commit()
    jobs.run_pending()
    return item


def _upload(item, data, name):
    version_id = services.add_version(item, FileStorage(io.BytesIO(data), filename=name),
                                      actor=None, now=NOW).id
    db.session.commit()
    return version_id


def _status(version_id):
    db.session.rollback()
    v = db.session.get(DocumentVersion, version_id)
    out = (v.text_status, v.text_error, v.extracted_text)
    db.session.rollback()
    return out


def test_a_docx_is_found_by_its_words_once_the_worker_read_it(item):
    from ppid.search import services as search
    version_id = _upload(item, documents.docx(["Peta rawan longsor kabupaten"]), "peta.docx")
    assert _status(version_id)[0] == TEXT_PENDING
    assert jobs.run_pending() == {jobs.DONE: 1}
    status, error, text = _status(version_id)
    assert (status, error) == (TEXT_DONE, None) and "rawan longsor" in text
    from ppid.search.indexing import drain
    drain()   # (the worker's search indexer applies the queue; a search never does)
    hits = search.search(search.SearchParams(q="longsor")).hits
    assert [h.public_id for h in hits] == [str(item.id)]


def test_an_unreadable_document_fails_at_once_without_retrying(item):
    broken = documents.zip_file({
        "[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document><tidak"})
    version_id = _upload(item, broken, "rusak.docx")
    assert jobs.run_pending() == {jobs.DONE: 1}  # the job did its work: the file is bad
    assert _status(version_id) == (TEXT_FAILED, extract.UNREADABLE, None)
    events = db.session.execute(sa.select(AuditEvent.changes).where(
        AuditEvent.action == "dip.version_text")).scalars().all()
    assert json.loads(events[-1])["reason"] == extract.UNREADABLE
    db.session.rollback()


def test_images_and_legacy_office_files_queue_no_job(item):
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
           b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe"
           b"\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
    jobs_before = db.session.execute(sa.select(sa.func.count(Job.id))).scalar_one()
    version_id = _upload(item, png, "bagan.png")
    assert _status(version_id) == (TEXT_NONE, None, None)
    assert db.session.execute(sa.select(sa.func.count(Job.id))).scalar_one() == jobs_before
    db.session.rollback()


def test_a_versions_text_is_written_once_and_nothing_else_ever(item):
    version = item.versions[0]
    assert version.text_status == TEXT_DONE
    version.extracted_text = "ditimpa"
    with pytest.raises(ImmutableVersionError):
        db.session.flush()
    db.session.rollback()
    version_id = _upload(item, documents.docx(["Isi"]), "isi.docx")
    version = db.session.get(DocumentVersion, version_id)
    version.note = "diubah bersama teksnya"
    version.text_status = TEXT_DONE
    with pytest.raises(ImmutableVersionError):
        db.session.flush()
    db.session.rollback()


def test_a_version_gone_pending_twice_is_recorded_once(item):
    """Two workers may both finish a job whose lease expired: the second changes nothing."""
    version_id = _upload(item, documents.docx(["Sekali saja"]), "sekali.docx")
    version = db.session.get(DocumentVersion, version_id)
    services.record_text(version, text="pertama")
    services.record_text(version, error=extract.TIMEOUT)
    db.session.commit()
    assert _status(version_id) == (TEXT_DONE, None, "pertama")


def test_text_with_nul_characters_is_stored_on_every_database(item):
    version_id = _upload(item, documents.docx(["Nol"]), "nol.docx")
    version = db.session.get(DocumentVersion, version_id)
    services.record_text(version, text="awal\x00akhir")
    db.session.commit()
    assert _status(version_id)[2] == "awalakhir"


def test_the_child_imports_neither_flask_nor_the_app():
    """The extraction script runs with the standard library and pypdf only: quick to
    start, and no app or database connection in the process that parses untrusted files."""
    script = ("import runpy, sys\nsys.argv = ['x']\n"
              f"runpy.run_path({extract.__file__!r}, run_name='not_main')\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in "
              "('flask', 'ppid', 'sqlalchemy')))\n")
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True,
                         check=True, env={"PATH": os.environ["PATH"]})
    assert out.stdout.strip() == b"[]"


def test_the_migration_marks_old_texts_and_queues_the_documents_never_read(
        fresh_database_url, tmp_path):
    """Before this revision only PDFs had text, extracted at upload: they are done, and
    the other readable types get a job each; downgrading removes both again."""
    from flask_migrate import downgrade, upgrade

    from ppid import ROOT
    app = create_app({"ENV": "testing", "DATA_DIR": str(tmp_path),
                      "DATABASE_URL": fresh_database_url})
    directory = str(ROOT / "migrations")
    now = "2026-11-01 03:00:00"
    with app.app_context():
        upgrade(directory=directory, revision="b7e1a0c41201")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO agency (id, slug, name, kind, is_active, created_at, updated_at) "
                "VALUES (1, 'dinas', 'Dinas', 'pembantu', true, :now, :now)"), {"now": now})
            conn.execute(sa.text(
                "INSERT INTO registry_dip_item (id, agency_id, category, title, summary, "
                "holding_unit, responsible, made_at_place, form, retention, state, "
                "created_at, updated_at) VALUES (1, 1, 'berkala', 'T', '', '', '', '', "
                "'elektronik', '', 'published', :now, :now)"), {"now": now})
            for n, (media_type, text) in enumerate([
                    (extract.PDF, "teks lama"), (extract.PDF, ""), (extract.DOCX, None),
                    ("image/png", None)], 1):
                conn.execute(sa.text(
                    "INSERT INTO registry_document_version (id, item_id, number, sha256, "
                    "original_name, size, media_type, created_at, note, extracted_text) "
                    "VALUES (:n, 1, :n, :key, 'f', 1, :type, :now, '', :text)"),
                    {"n": n, "key": f"{n:064x}", "type": media_type, "now": now,
                     "text": text})
        upgrade(directory=directory, revision="c4d2e9f01202")
        with db.engine.connect() as conn:
            statuses = conn.execute(sa.text(
                "SELECT id, text_status FROM registry_document_version ORDER BY id")).all()
            queued = conn.execute(sa.text("SELECT kind, payload, state, max_attempts "
                                          "FROM job")).all()
        assert [s for _id, s in statuses] == [TEXT_DONE, TEXT_DONE, TEXT_PENDING, TEXT_NONE]
        assert [(k, json.loads(p), s, m) for k, p, s, m in queued] == [
            (services.DOCUMENT_TEXT_JOB, {"version_id": 3}, jobs.QUEUED, 3)]
        downgrade(directory=directory, revision="b7e1a0c41201")
        with db.engine.connect() as conn:
            assert not sa.inspect(conn).has_table("job")
            columns = {c["name"] for c in sa.inspect(conn).get_columns(
                "registry_document_version")}
        assert "text_status" not in columns
        db.session.remove()
        db.engine.dispose()
