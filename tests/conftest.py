"""Test fixtures: one app per session on a real database, emptied after every test.

The database is SQLite in a temporary directory, or PostgreSQL when
PPID_TEST_DATABASE_URL is set (``make test`` runs the suite both ways).
"""
import importlib.util
import os
import re
import socket
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ppid import create_app
from ppid.extensions import db as _db

TEST_PASSWORD = "Uji-Sandi-2026"


def _test_database_url(tmp_path_factory):
    url = os.environ.get("PPID_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def base_config(data_dir, url):
    return {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        # The audit seal's key: long enough for production mode too.
        "AUDIT_KEY_ID": "test",
        "AUDIT_KEY": "test-audit-key-" + "x" * 32,
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": url,
        "WTF_CSRF_ENABLED": False,
        "MAIL_BACKEND": "none",
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": "localhost",
        "BASE_URL": "http://localhost",
    }


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    app = create_app(base_config(data_dir, _test_database_url(tmp_path_factory)))
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _empty_all_tables():
    _db.session.rollback()
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    if _db.engine.dialect.name == "postgresql":
        # TRUNCATE costs about half a millisecond per table even when the table is empty
        # (new files for each), 50 ms a test for the whole schema: truncate only the tables
        # that hold rows (one probe statement finds them), then put every sequence back to
        # its start, as RESTART IDENTITY did, so a test sees the same ids in any order.
        probe = " UNION ALL ".join(
            f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)
        used = [row[0] for row in _db.session.execute(sa.text(probe))]
        if used:
            quoted = ", ".join(f'"{t}"' for t in used)
            _db.session.execute(sa.text(f"TRUNCATE {quoted} CASCADE"))
        _db.session.execute(sa.text(
            "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
            "FROM pg_sequences WHERE schemaname = current_schema() "
            "AND last_value IS NOT NULL"))
    else:
        for t in tables:
            _db.session.execute(sa.text(f'DELETE FROM "{t}"'))
    _db.session.commit()


@pytest.fixture(autouse=True)
def _clean_db(request):
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        with app.app_context():
            _empty_all_tables()


@pytest.fixture
def ctx(app):
    """An application context with the database ready (service tests)."""
    with app.app_context():
        yield app
        _db.session.rollback()


@pytest.fixture
def client(app):
    with app.app_context():
        yield app.test_client()


@pytest.fixture
def fresh_database_url(tmp_path):
    """An empty database of the same kind as the suite's (SQLite file or new PG database)."""
    import uuid
    base = os.environ.get("PPID_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    name = f"ppid_fresh_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


# --- Factories ------------------------------------------------------------------------

_counter = {"n": 0}


def _next():
    _counter["n"] += 1
    return _counter["n"]


def make_agency(slug=None, name=None, kind="pembantu", **kw):
    from ppid.agencies.models import Agency
    n = _next()
    agency = Agency(slug=slug or f"dinas-{n}", name=name or f"Dinas Uji {n}", kind=kind, **kw)
    _db.session.add(agency)
    _db.session.flush()
    return agency


def make_user(role=None, agency=None, email=None, name=None, password=TEST_PASSWORD):
    from ppid.accounts import services
    n = _next()
    roles = [(role, agency.id if agency is not None else None)] if role else []
    user = services.create_user(email or f"user{n}@uji.go.id", name or f"Pengguna {n}",
                                password, actor=None, roles=roles)
    _db.session.flush()
    return user


@pytest.fixture
def factories(ctx):
    class F:
        agency = staticmethod(make_agency)
        user = staticmethod(make_user)
    return F


def wait_until(condition, timeout=20.0):
    """Poll ``condition`` until it is true (True) or ``timeout`` seconds pass (False)."""
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def login(client, user, password=TEST_PASSWORD):
    resp = client.post("/masuk", data={"email": user.email, "password": password})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return resp


def csrf_token_from(html):
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return m.group(1) if m else None


# --- A real local SMTP server -----------------------------------------------------------

class SMTPSink:
    """aiosmtpd on a free loopback port, collecting every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                import email
                msg = email.message_from_bytes(envelope.content)
                sink.messages.append({"to": list(envelope.rcpt_tos), "from": envelope.mail_from,
                                      "subject": str(msg["Subject"]), "message": msg,
                                      "body": _body_text(msg)})
                return "250 OK"

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


def _body_text(msg):
    if msg.is_multipart():
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        return ""
    return msg.get_payload(decode=True).decode(msg.get_content_charset() or "utf-8")


@pytest.fixture
def smtp_server(app):
    """A running SMTP server; the app is switched to send mail to it for this test."""
    sink = SMTPSink().start()
    old = {k: app.config[k] for k in ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
    yield sink
    app.config.update(old)
    sink.stop()


@pytest.fixture
def pdftotext():
    """Text of a PDF (bytes) through poppler's pdftotext, as a reader would see it."""
    import shutil
    import subprocess
    import tempfile
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is required: make test installs it")

    def run(pdf_bytes):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(pdf_bytes)
            f.flush()
            out = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True,
                                 check=True)
        return out.stdout.decode("utf-8")
    return run



def gunicorn_conf(app=None, monkeypatch=None):
    """gunicorn.conf.py loaded as gunicorn loads it, and a stand-in for gunicorn's server
    whose log keeps its messages. Given ``app`` (and ``monkeypatch``), the processes it
    starts get that app's database, data directory and key through the environment."""
    if app is not None:
        for key in ("DATABASE_URL", "DATA_DIR", "SECRET_KEY"):
            monkeypatch.setenv(f"PPID_{key}", str(app.config[key]))
        monkeypatch.setenv("PPID_ENV", "testing")
    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("gunicorn_conf", root / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)

    class Server:
        class log:
            messages = []

            @classmethod
            def info(cls, msg, *args):
                cls.messages.append(msg % args)
    return conf, Server


def working_days_back(cal, day, n):
    """The day ``n`` working days before ``day`` (counting back over working days only)."""
    while n:
        day -= timedelta(days=1)
        if cal.is_working_day(day):
            n -= 1
    return day
