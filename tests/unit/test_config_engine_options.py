"""The database engine's options: a deployment that sets some of its own
(PPID_SQLALCHEMY_ENGINE_OPTIONS='{"pool_size": 10}') keeps the registry's defaults for the
others, above all pool_pre_ping, which reconnects after a PostgreSQL restart."""
from flask import Flask

from ppid.config import Defaults, load_config


def engine_options(tmp_path, url, options=None):
    overrides = {"DATA_DIR": str(tmp_path), "DATABASE_URL": url}
    if options is not None:
        overrides["SQLALCHEMY_ENGINE_OPTIONS"] = options
    return load_config(Flask(__name__), overrides)["SQLALCHEMY_ENGINE_OPTIONS"]


PG = "postgresql://ppid@127.0.0.1/ppid"


def test_postgresql_pings_pooled_connections_by_default(tmp_path):
    assert engine_options(tmp_path, PG) == {"pool_pre_ping": True}


def test_options_of_the_deployment_keep_pre_ping(tmp_path):
    assert engine_options(tmp_path, PG, {"pool_size": 10}) == {
        "pool_size": 10, "pool_pre_ping": True}


def test_a_deployment_may_still_turn_pre_ping_off(tmp_path):
    assert engine_options(tmp_path, PG, {"pool_pre_ping": False}) == {"pool_pre_ping": False}


def test_sqlite_keeps_its_lock_timeout_beside_other_options(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert engine_options(tmp_path, url, {"echo": False}) == {
        "echo": False, "connect_args": {"timeout": float(Defaults.DB_LOCK_TIMEOUT_SECONDS)}}
