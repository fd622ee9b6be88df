"""The accounts migration (b7e1a0c41201) on existing rows: addresses are stored
NFKC-normalised, compared case-folded, and two accounts that would become one stop the
upgrade with their ids instead of being merged silently."""
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from ppid import ROOT, create_app
from ppid.extensions import db

BEFORE, THIS = "56530f3fa96a", "b7e1a0c41201"


def _app(url, tmp_path):
    return create_app({"ENV": "testing", "DATA_DIR": str(tmp_path), "DATABASE_URL": url})


def _insert_users(*emails):
    for i, email in enumerate(emails, 1):
        db.session.execute(sa.text(
            'INSERT INTO "user" (id, email, name, password_hash, is_enabled, created_at, '
            "password_changed_at) VALUES (:id, :email, :name, 'x', :on, :at, :at)"),
            {"id": i, "email": email, "name": f"Lama {i}", "on": True,
             "at": "2026-01-01 00:00:00"})
    db.session.commit()


def test_existing_addresses_are_normalised(fresh_database_url, tmp_path):
    app = _app(fresh_database_url, tmp_path)
    directory = str(ROOT / "migrations")
    with app.app_context():
        upgrade(directory=directory, revision=BEFORE)
        _insert_users("Warga@UJI.go.id", "ｂｏｍ@uji.go.id", "straße@uji.de")
        upgrade(directory=directory, revision=THIS)
        rows = db.session.execute(sa.text(
            'SELECT email, email_normalised, session_version FROM "user" ORDER BY id')).all()
        assert [tuple(r) for r in rows] == [
            ("warga@uji.go.id", "warga@uji.go.id", 0),
            ("bom@uji.go.id", "bom@uji.go.id", 0),
            ("straße@uji.de", "strasse@uji.de", 0)]
        db.session.commit()
        downgrade(directory=directory, revision=BEFORE)
        db.session.remove()
        db.engine.dispose()


def test_addresses_that_would_collide_stop_the_upgrade(fresh_database_url, tmp_path, capfd):
    app = _app(fresh_database_url, tmp_path)
    directory = str(ROOT / "migrations")
    with app.app_context():
        upgrade(directory=directory, revision=BEFORE)
        _insert_users("bom@uji.go.id", "ｂｏｍ@uji.go.id")
        with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits 1
            upgrade(directory=directory, revision=THIS)
        assert "1 and 2 (bom@uji.go.id)" in capfd.readouterr().err
        db.session.rollback()
        assert db.session.execute(sa.text('SELECT email FROM "user" ORDER BY id')
                                  ).scalars().all() == ["bom@uji.go.id", "ｂｏｍ@uji.go.id"]
        # Nothing was half-done: once the operator changes one, the upgrade goes through.
        db.session.execute(sa.text('UPDATE "user" SET email = \'bom2@uji.go.id\' WHERE id = 2'))
        db.session.commit()
        upgrade(directory=directory, revision=THIS)
        assert db.session.execute(sa.text('SELECT email_normalised FROM "user" ORDER BY id')
                                  ).scalars().all() == ["bom@uji.go.id", "bom2@uji.go.id"]
        db.session.remove()
        db.engine.dispose()
