"""The schema changes only through migrations: one head, and the models match them."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from ppid import ROOT, create_app
from ppid.extensions import db


def test_single_head():
    from alembic.config import Config
    cfg = Config(str(ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert len(heads) == 1, heads


def test_migrations_match_the_models(fresh_database_url, tmp_path):
    app = create_app({"ENV": "testing", "DATA_DIR": str(tmp_path), "DATABASE_URL": fresh_database_url})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as conn:
            # (The PostgreSQL search tables exist only there: ppid.search.models.)
            from ppid.core.db import include_object
            ctx = MigrationContext.configure(conn, opts={
                "compare_type": True, "include_object": include_object(conn.dialect.name)})
            diff = compare_metadata(ctx, db.metadata)
        db.session.remove()
        db.engine.dispose()
    assert diff == [], f"models differ from migrations; run `flask db migrate`: {diff}"
