"""Issue #12, finding 2: documents refused at upload, before anything is written.

PDFs with scripts, embedded files, launch actions or rich media (a public document has no
need of them), also when hidden in a compressed object stream or behind #xx escapes, and a
PDF that cannot be checked in time; ZIP-based files (DOCX, XLSX, ODT) whose central
directory says they expand to an extreme size or ratio. Each is answered 422 with the
reason, stores no file and no row, and never takes the database's write lock.
"""
import contextlib
import hashlib
import io
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from ppid.core import auth, jobs
from ppid.core.models import Job
from ppid.extensions import db
from ppid.registry.models import TEXT_DONE, DocumentVersion
from tests import documents
from tests.conftest import login
from tests.services.test_registry_staleness import TODAY, make_catalogue, published_item


@pytest.fixture
def officer_item(client, factories):
    obs = make_catalogue()
    agency = factories.agency(name="Dinas Uji Unggah")
    officer = factories.user(auth.HELPER, agency)
    item = published_item(agency, obs["a"], TODAY - timedelta(days=3))
    db.session.commit()
    jobs.run_pending()
    login(client, officer)
    return agency, item.id


_SPAWNS = {"watch": None}


def _on_audit_event(event, _args):
    watch = _SPAWNS["watch"]
    if watch is not None and event == "subprocess.Popen":
        watch.append(db.engine.pool.checkedout())


sys.addaudithook(_on_audit_event)  # (audit hooks stay; it only records while watched)


@pytest.fixture
def write_locks(app):
    """What the upload did with the database meanwhile: ``writes``, the INSERT, UPDATE and
    DELETE statements sent, and ``at_checks``, for each child process started (the PDF
    check), how many of the app's connections were checked out at that moment (a
    connection held by the request is a transaction, on SQLite a POST's write lock)."""
    @contextlib.contextmanager
    def counting():
        seen = SimpleNamespace(writes=[], at_checks=[])

        def on_execute(conn, cursor, statement, *args):
            if statement.startswith(("INSERT", "UPDATE", "DELETE")):
                seen.writes.append(statement)
        sa.event.listen(db.engine, "before_cursor_execute", on_execute)
        _SPAWNS["watch"] = seen.at_checks
        try:
            yield seen
        finally:
            _SPAWNS["watch"] = None
            sa.event.remove(db.engine, "before_cursor_execute", on_execute)
    return counting


def _stored(app, data):
    key = hashlib.sha256(data).hexdigest()
    return (Path(app.config["DATA_DIR"]) / "files" / key[:2] / key[2:4] / key).exists()


def _versions():
    return db.session.execute(sa.select(sa.func.count(DocumentVersion.id))).scalar_one()


def _upload(client, item_id, data, name):
    return client.post(f"/kelola/dip/{item_id}/unggah",
                       data={"document": (io.BytesIO(data), name), "note": ""},
                       content_type="multipart/form-data")


PDF_REFUSALS = [
    ("document JavaScript", documents.javascript_pdf, "berisi skrip (JavaScript)"),
    ("open action JavaScript", documents.open_action_javascript_pdf, "berisi skrip"),
    ("page additional action", documents.page_aa_javascript_pdf, "berisi skrip"),
    ("launch action", documents.launch_pdf, "menjalankan program"),
    ("embedded file", documents.embedded_file_pdf, "berkas lain yang disematkan"),
    ("rich media", documents.rich_media_pdf, "media interaktif"),
    ("JavaScript in an object stream", documents.object_stream_pdf, "berisi skrip"),
    ("launch in an object stream",
     lambda: documents.object_stream_pdf(b"<< /S /Launch /F (calc.exe) >>"),
     "menjalankan program"),
    ("names behind #xx escapes", documents.escaped_names_pdf, "berisi skrip"),
]


@pytest.mark.parametrize("what, make, message", PDF_REFUSALS, ids=[p[0] for p in PDF_REFUSALS])
def test_active_pdfs_are_refused_before_anything_is_written(app, client, officer_item,
                                                            write_locks, what, make, message):
    agency, item_id = officer_item
    data = make()
    before = _versions()
    db.session.commit()
    with write_locks() as locks:
        resp = _upload(client, item_id, data, "laporan.pdf")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422, page[:500]
    assert message in page and "laporan.pdf" in page
    assert "Dokumen publik tidak memerlukan" in page
    assert _versions() == before and not _stored(app, data)
    assert db.session.execute(sa.select(sa.func.count(Job.id)).where(
        Job.state == jobs.QUEUED)).scalar_one() == 0
    assert locks.writes == []
    # A PDF parsed in a child is parsed with no transaction open: nobody waited for it.
    assert all(held == 0 for held in locks.at_checks), locks.at_checks


@pytest.mark.parametrize("make", [documents.benign_open_action_pdf,
                                  lambda: documents.object_stream_pdf(b"[3 0 R /Fit]")],
                         ids=["open action that shows page 1", "clean object stream"])
def test_passive_pdfs_that_need_parsing_are_accepted(app, client, officer_item, make):
    agency, item_id = officer_item
    resp = _upload(client, item_id, make(), "laporan.pdf")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:800]
    db.session.commit()
    assert jobs.run_pending() == {jobs.DONE: 1}
    version = db.session.execute(sa.select(DocumentVersion).where(
        DocumentVersion.item_id == item_id, DocumentVersion.number == 2)).scalar_one()
    assert version.text_status == TEXT_DONE and "Dokumen publik" in version.extracted_text


def test_a_pdf_that_cannot_be_checked_in_time_is_refused(app, client, officer_item):
    agency, item_id = officer_item
    data = documents.object_stream_pdf(b"[3 0 R /FitH 800]")  # needs parsing: a child
    saved = app.config["PDF_CHECK_TIMEOUT_SECONDS"]
    app.config["PDF_CHECK_TIMEOUT_SECONDS"] = 0.001  # not even time to start
    try:
        resp = _upload(client, item_id, data, "lambat.pdf")
    finally:
        app.config["PDF_CHECK_TIMEOUT_SECONDS"] = saved
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "lambat.pdf tidak dapat diperiksa dalam 0.001 detik" in page
    assert not _stored(app, data)


def test_a_new_item_with_an_active_pdf_is_not_created_either(app, client, officer_item):
    agency, item_id = officer_item
    from ppid.registry.models import DipItem
    items = db.session.execute(sa.select(sa.func.count(DipItem.id))).scalar_one()
    resp = client.post(f"/kelola/badan/{agency.slug}/dip/baru", data={
        "title": "Profil", "summary": "Ringkasan", "category": "berkala", "obligation_id": "0",
        "holding_unit": "Sekretariat", "responsible": "Sekretaris",
        "made_at_place": "Pontianak", "made_on": "2026-11-01", "form": "elektronik",
        "retention": "5 tahun", "document": (io.BytesIO(documents.launch_pdf()), "p.pdf")},
        content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "menjalankan program" in resp.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(DipItem.id))).scalar_one() == items


# --- ZIP-based files ------------------------------------------------------------------------

def test_a_zip_bomb_docx_is_refused_from_its_central_directory(app, client, officer_item,
                                                               write_locks):
    agency, item_id = officer_item
    data = documents.zip_bomb_docx(60 * 1024 * 1024)  # ~60 KB that opens to 60 MB
    assert len(data) < 200_000
    db.session.commit()
    with write_locks() as locks:
        resp = _upload(client, item_id, data, "laporan.docx")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "kali lebih besar daripada berkasnya (batas 100 kali)" in page
    assert not _stored(app, data)
    assert locks.writes == []


def test_zip_limits_are_configurable(app, client, officer_item):
    agency, item_id = officer_item
    data = documents.docx(["Rencana kerja " * 2000])  # ordinary: expands ~30x
    saved = {k: app.config[k] for k in ("UPLOAD_ZIP_MAX_EXPANDED_BYTES",
                                        "UPLOAD_ZIP_MAX_MEMBERS")}
    try:
        app.config["UPLOAD_ZIP_MAX_EXPANDED_BYTES"] = 16 * 1024
        resp = _upload(client, item_id, data, "rencana.docx")
        assert resp.status_code == 422
        assert "mengembang menjadi 0.03 MB saat dibuka, melebihi batas 0.02 MB" in \
            resp.get_data(as_text=True)
        app.config.update(saved, UPLOAD_ZIP_MAX_MEMBERS=1)
        resp = _upload(client, item_id, data, "rencana.docx")
        assert resp.status_code == 422
        assert "terdiri atas 2 bagian, melebihi batas 1 bagian" in resp.get_data(as_text=True)
    finally:
        app.config.update(saved)
    resp = _upload(client, item_id, data, "rencana.docx")
    assert resp.status_code == 302


def test_a_broken_zip_is_refused_with_a_message(app, client, officer_item):
    agency, item_id = officer_item
    data = documents.docx(["Laporan"])
    broken = data[:len(data) - 30]  # the end of central directory cut off
    resp = _upload(client, item_id, broken, "laporan.docx")
    assert resp.status_code == 422
    assert "rusak: isinya tidak dapat dibaca sebagai Word" in resp.get_data(as_text=True)
