"""No stored file stays behind a failed upload (issue #12, finding 2): a file written for a
transaction that does not commit is removed unless a row names the same content; what a
killed process left anyway is listed and removed by ``flask ppid storage-gc``."""
import hashlib
import io
import os
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from ppid.core import jobs
from ppid.core.storage import reference_columns, remove_unless_referenced, storage
from ppid.extensions import db
from ppid.registry import services
from ppid.registry.demo import _pdf_bytes
from tests.services.test_registry_staleness import NOW, TODAY, make_catalogue, published_item


def _key(data):
    return hashlib.sha256(data).hexdigest()


def _item_deleted_elsewhere(item):
    """The item as this session last read it, while another transaction removed its row
    meanwhile: writing a version for it fails after the file was stored (the item's UPDATE
    matches no row, or the version's INSERT breaks its foreign key)."""
    from ppid.registry.models import DipItem
    item = db.session.get(DipItem, item.id)
    db.session.expunge(item)  # keeps what it read
    db.session.rollback()     # (this test's session holds SQLite's write lock while open)
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM search_pending"))
        conn.execute(sa.text("DELETE FROM registry_dip_item WHERE id = :id"), {"id": item.id})
    db.session.add(item)
    return item


FAILED_WRITE = (sa.exc.IntegrityError, sa.orm.exc.StaleDataError)


@pytest.fixture
def lone_item(factories):
    agency = factories.agency()
    item = services.create_item(agency, {
        "title": "Draf tanpa dokumen", "summary": "", "category": "berkala",
        "form": "elektronik"}, actor=None, now=NOW)
    db.session.commit()
    return item


def test_a_file_written_for_a_failed_insert_is_removed(app, lone_item):
    data = _pdf_bytes(["Dokumen yang gagal disimpan"])
    item = _item_deleted_elsewhere(lone_item)
    with pytest.raises(FAILED_WRITE):
        services.add_version(item, FileStorage(io.BytesIO(data), filename="gagal.pdf"),
                             actor=None, now=NOW)
    assert storage().exists(_key(data))  # written before the row, as always
    db.session.rollback()
    assert not storage().exists(_key(data))


def test_a_file_another_row_names_stays(app, factories, lone_item):
    data = _pdf_bytes(["Isi yang sama di dua tempat"])
    obs = make_catalogue()
    other = published_item(factories.agency(), obs["a"], TODAY - timedelta(days=1))
    services.add_version(other, FileStorage(io.BytesIO(data), filename="sama.pdf"),
                         actor=None, now=NOW)
    db.session.commit()
    item = _item_deleted_elsewhere(lone_item)
    with pytest.raises(FAILED_WRITE):
        services.add_version(item, FileStorage(io.BytesIO(data), filename="sama.pdf"),
                             actor=None, now=NOW)
    db.session.rollback()
    assert storage().exists(_key(data))  # the other item's version still has its file


def test_a_file_removed_under_a_committing_row_is_stored_again(app, factories):
    """Transaction A's failed upload (or storage-gc) removes content that transaction B,
    still open, just found stored: B's commit stores it again, so B's row keeps its file."""
    data = _pdf_bytes(["Dua unggahan berisi sama pada saat yang sama"])
    storage().put(data)  # what A wrote
    agency = factories.agency()
    item = services.create_item(agency, {"title": "B", "category": "berkala",
                                         "form": "elektronik"}, actor=None, now=NOW)
    services.add_version(item, FileStorage(io.BytesIO(data), filename="b.pdf"),
                         actor=None, now=NOW)  # B: found it stored, not committed yet
    assert remove_unless_referenced([_key(data)]) == [_key(data)]  # A rolls back: no row
    assert not storage().exists(_key(data))
    db.session.commit()  # B
    assert storage().exists(_key(data))
    assert storage().get(_key(data)) == data


def _age(key, hours):
    path = storage()._path(key)
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_storage_gc_lists_then_removes_only_old_unreferenced_files(app, factories):
    obs = make_catalogue()
    item = published_item(factories.agency(), obs["a"], TODAY - timedelta(days=1))
    db.session.commit()
    jobs.run_pending()
    named = item.versions[0].sha256
    old_orphan = storage().put(b"ditinggalkan proses yang mati " + os.urandom(8))
    young_orphan = storage().put(b"unggahan yang sedang berjalan " + os.urandom(8))
    _age(named, 48)
    _age(old_orphan, 48)
    _age(young_orphan, 1)
    db.session.rollback()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["ppid", "storage-gc"])
    assert dry.exit_code == 0, dry.output
    assert f"tidak dirujuk: {old_orphan}" in dry.output
    assert young_orphan not in dry.output and named not in dry.output
    assert "uji coba, tidak ada yang dihapus" in dry.output
    assert storage().exists(old_orphan)
    done = runner.invoke(args=["ppid", "storage-gc", "--delete"])
    assert done.exit_code == 0, done.output
    assert not storage().exists(old_orphan)
    assert storage().exists(young_orphan) and storage().exists(named)
    shorter = runner.invoke(args=["ppid", "storage-gc", "--grace-hours", "0", "--delete"])
    assert shorter.exit_code == 0 and not storage().exists(young_orphan)
    assert storage().exists(named)


def test_every_sha256_sized_column_says_whether_it_names_a_stored_file():
    """A row names a stored file through a String(64) column called sha256 or *_key; any
    other String(64) column must be one of these, or storage-gc would not know it."""
    names = {(c.table.name, c.name) for c in reference_columns()}
    assert ("registry_document_version", "sha256") in names
    assert ("request_attachment", "storage_key") in names
    assert ("request_letter", "pdf_key") in names
    # token: a follower's secret link (ppid.broadcasts), not a file.
    not_files = {"ip", "nonce", "hash", "prev_hash", "token"}
    for table in db.metadata.sorted_tables:
        for col in table.columns:
            if isinstance(col.type, sa.String) and col.type.length == 64 \
                    and (table.name, col.name) not in names:
                assert col.name in not_files or col.name.endswith("_hash"), \
                    f"{table.name}.{col.name}: a storage key (name it *_key) or not?"
