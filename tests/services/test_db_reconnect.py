"""PostgreSQL: the application reconnects by itself when its pooled connections die (a
server restart or failover) — pool_pre_ping replaces a dead one on checkout, so the first
request after the outage does not fail. bench/durability.py measures the same with the
server itself killed under load; these tests kill one idle pooled connection's backend."""
import os
import time

import psycopg
import pytest
import sqlalchemy as sa

from ppid import create_app
from ppid.extensions import db
from tests.conftest import base_config

URL = os.environ.get("PPID_TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(not URL, reason="PostgreSQL only (PPID_TEST_DATABASE_URL)")


@pytest.fixture
def make_app(tmp_path):
    apps = []

    def make(**overrides):
        app = create_app({**base_config(tmp_path, URL), **overrides})
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def kill_pooled_backend(app):
    """Terminate the server process behind the app's idle pooled connection, as a server
    restart would; returns its pid."""
    with app.app_context():
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        db.session.commit()
        db.session.remove()  # the connection goes back to the pool, idle
    with psycopg.connect(URL, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
        for _ in range(100):
            if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s",
                                 (pid,)).fetchone():
                break
            time.sleep(0.02)
    return pid


def test_a_dead_pooled_connection_is_replaced_on_checkout(make_app):
    app = make_app()
    dead = kill_pooled_backend(app)
    with app.app_context():
        assert db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar() != dead


def test_a_deployments_own_engine_options_keep_the_reconnect(make_app):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 2})
    dead = kill_pooled_backend(app)
    with app.app_context():
        assert db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar() != dead


def test_without_pre_ping_the_first_use_after_the_outage_fails(make_app):
    # The control: what the pre-ping saves (an error answered to the first request).
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False})
    kill_pooled_backend(app)
    with app.app_context(), pytest.raises(sa.exc.OperationalError):
        db.session.execute(sa.text("SELECT 1"))
