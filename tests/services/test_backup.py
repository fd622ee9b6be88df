"""Backup and restore round-trip every record and every stored file."""
import hashlib
from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from ppid import ROOT, create_app
from ppid.core import audit, auth
from ppid.core.backup import BackupError, archived_tables, create_backup, restore_backup
from ppid.core.services import save_calendar_entry
from ppid.core.storage import storage
from ppid.extensions import db
from tests.conftest import base_config, make_agency, make_user


def _snapshot():
    out = {}
    for table in archived_tables():
        pk = list(table.primary_key.columns)
        out[table.name] = [dict(r) for r in db.session.execute(
            sa.select(table).order_by(*pk)).mappings()]
    return out


def _migrated_app(tmp_path, url, name):
    app = create_app(base_config(tmp_path / name, url))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def test_round_trip(tmp_path, fresh_database_url):
    source = _migrated_app(tmp_path, fresh_database_url, "source")
    archive = tmp_path / "cadangan.tar.gz"
    with source.app_context():
        utama = make_agency(slug="diskominfo", kind="utama")
        child = make_agency(slug="dinkes", parent_id=utama.id)
        user = make_user(auth.HELPER, child)
        save_calendar_entry(date(2026, 12, 1), False, "Hari jadi", actor=user)
        audit.record("uji.berkas", child, actor=user, changes={"n": 1})
        keys = {storage().put(b"%PDF-1.4 laporan keuangan " + bytes([i])) for i in range(3)}
        # A row that names a stored file, so the file is part of the backup.
        db.session.execute(sa.text("UPDATE agency SET website = :k WHERE slug = 'dinkes'"),
                           {"k": sorted(keys)[0]})
        # The migrations seed the default E-Monev questions, so the target has them too
        # before the restore: the archive's copy, edited here, must replace them.
        db.session.execute(sa.text("UPDATE emonev_question SET text_en = 'Edited' "
                                   "WHERE id = (SELECT MIN(id) FROM emonev_question)"))
        db.session.commit()
        before = _snapshot()
        assert before["emonev_question"]
        manifest = create_backup(archive)
        assert manifest["tables"]["agency"]["rows"] == 2
        assert sorted(keys)[0] in manifest["files"]
        db.session.remove()
        db.engine.dispose()

    # The target: a brand-new data directory and an empty database of the same kind.
    target_url = fresh_database_url.rsplit("/", 1)[0] + "/restored.sqlite3" \
        if fresh_database_url.startswith("sqlite") else None
    if target_url is None:
        pytest.importorskip("psycopg")
        target_url = _second_pg_database(fresh_database_url)
    target = _migrated_app(tmp_path, target_url, "target")
    with target.app_context():
        restore_backup(archive)
        db.session.commit()
        assert _snapshot() == before
        key = sorted(keys)[0]
        assert hashlib.sha256(storage().get(key)).hexdigest() == key
        assert audit.verify_chain()[1] is None
        # Sequences continue after the restored ids (PostgreSQL).
        make_agency(slug="baru")
        db.session.commit()
        # Restoring twice is refused: the database is not empty any more.
        with pytest.raises(BackupError, match="not empty"):
            restore_backup(archive)
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def _second_pg_database(url):
    import uuid
    name = f"ppid_restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def test_corrupt_archive_is_refused(tmp_path, ctx):
    bad = tmp_path / "rusak.tar.gz"
    bad.write_bytes(b"bukan arsip")
    with pytest.raises(BackupError, match="not a readable registry backup"):
        restore_backup(bad)
