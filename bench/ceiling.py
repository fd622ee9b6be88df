"""The ceiling of the load bench: a bare Flask app whose one POST route inserts one row.

bench/load.py serves it with the same gunicorn configuration as the registry (the same
workers, bind and timeouts; gunicorn.conf.py's background processes switched off, since
it has none), on the same kind of database opened the same way (SQLite: the registry's
connection recipe from ppid.core.db, WAL and BEGIN IMMEDIATE; PostgreSQL: the same driver
and engine options), and loads it with the same clients. The registry's submissions per
second, as a share of this one's inserts per second, says how much of what the database
and the web server could do a submission leaves, whatever the machine.

    PPID_CEILING_DATABASE_URL=sqlite:////tmp/x.sqlite3 gunicorn bench.ceiling:app
"""
import json
import os

import sqlalchemy as sa
from flask import Flask, Response, request

TABLE = "bench_ceiling_hit"


def engine_for(url):
    """An engine on ``url`` opened as the registry opens its database: the engine options
    of ppid.config and the transactions of ppid.core.db."""
    from ppid.config import load_config
    from ppid.core.db import install_transactions
    cfg = load_config(Flask(__name__), {"DATABASE_URL": url, "ENV": "testing"})
    engine = sa.create_engine(cfg["SQLALCHEMY_DATABASE_URI"], **cfg["SQLALCHEMY_ENGINE_OPTIONS"])
    install_transactions(engine, float(cfg["DB_LOCK_TIMEOUT_SECONDS"]))
    return engine


def create_table(url):
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
        serial = "INTEGER PRIMARY KEY" if engine.dialect.name == "sqlite" else "SERIAL PRIMARY KEY"
        conn.exec_driver_sql(f"CREATE TABLE {TABLE} (id {serial}, body TEXT NOT NULL)")
    engine.dispose()


def count_rows(url):
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        n = conn.exec_driver_sql(f"SELECT count(*) FROM {TABLE}").scalar_one()
    engine.dispose()
    return n


def create_app(url):
    app = Flask(__name__)
    engine = engine_for(url)
    insert = sa.text(f"INSERT INTO {TABLE} (body) VALUES (:body) RETURNING id")

    @app.post("/api/v1/requests")
    def hit():
        body = request.get_data(as_text=True)
        with engine.begin() as conn:  # a POST: BEGIN IMMEDIATE on SQLite
            row_id = conn.execute(insert, {"body": body}).scalar_one()
        return Response(json.dumps({"registration_number": f"CEILING/1/{row_id}"}),
                        status=201, mimetype="application/json")

    return app


if os.environ.get("PPID_CEILING_DATABASE_URL"):
    app = create_app(os.environ["PPID_CEILING_DATABASE_URL"])
