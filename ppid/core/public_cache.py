"""Public pages that a browser or a reverse proxy can keep (issue #19, section 2).

An anonymous GET of a page decorated with :func:`public_page` is validated before it is
rendered: its ETag is a digest of the page's address, the reader's language, the day (the
registry's pages count days: deadlines, staleness), the deployment and the *content stamp*,
which moves with every committed state change. Every state change writes an audit event in
its own transaction (ARCHITECTURE.md), so the stamp is the newest event's id and the newest
linked ``seq``: the first moves when a change commits, the second when the chainer links an
event a slower transaction committed after a newer one (PostgreSQL hands out ids before
commit). Both are read from their indexes, one row each. Beside it, every committed write
of this host's processes touches a stamp file (:func:`init_app`), which also covers writes
that leave no audit event and a database emptied and refilled (tests, a restore).

- ``If-None-Match`` naming the ETag (or ``If-Modified-Since`` not older than the stamp's
  time, without an ``If-None-Match``) answers 304 without rendering;
- otherwise the page is rendered once per ETag in this process (a small byte-bounded
  cache, each copy kept at most PUBLIC_PAGE_CACHE_SECONDS, like the registry's sections),
  so a surge on an unchanged page costs one render per worker and update;
- a page whose rendering touched the session (a CSRF token, a flashed message) is neither
  kept nor given a validator: nothing personal or per-visitor is ever shared.

Signed-in users keep ``Cache-Control: private, no-store`` (ppid.core.web).
"""
import hashlib
import os
from datetime import datetime, time, timezone
from functools import lru_cache, wraps
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, g, make_response, request, session
from werkzeug.http import http_date
from flask_login import current_user

from ppid.core.cache import BoundedCache
from ppid.extensions import db

_KEY = "ppid_public_pages"


def _state(app):
    state = app.extensions.get(_KEY)
    if state is None:
        state = app.extensions[_KEY] = {
            "pages": BoundedCache(int(app.config["PUBLIC_PAGE_CACHE_BYTES"]),
                                  lifetime=float(app.config["PUBLIC_PAGE_CACHE_SECONDS"])),
            "deployment": _deployment_token(),
        }
    return state


def pages(app):
    """The rendered pages ``app``'s process keeps (a BoundedCache)."""
    return _state(app)["pages"]


def _deployment_token():
    """The same in every worker of one deployment, different after templates, catalogues
    or code change (their newest modification time)."""
    root = Path(__file__).resolve().parent.parent.parent
    newest = 0.0
    for top in ("templates", "translations", "ppid"):
        for dirpath, _dirs, files in os.walk(root / top):
            for name in files:
                if name.endswith((".html", ".mo", ".py")):
                    try:
                        newest = max(newest, os.stat(os.path.join(dirpath, name)).st_mtime)
                    except OSError:
                        pass
    return str(int(newest))


_READS = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "SHOW", "SET", "BEGIN")


def init_app(app):
    """Every committed write of this host's processes (web workers, job worker, CLI) touches
    ``<DATA_DIR>/public-content.stamp`` once the commit is done (when the connection goes
    back to the pool), so pages also move with writes that leave no audit event (demo
    data, imports); the audit part of the stamp covers writers on other hosts."""
    from sqlalchemy import event
    _state(app)["stamp_file"] = stamp_file = Path(app.config["DATA_DIR"]) / "public-content.stamp"
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "after_cursor_execute")
    def _wrote(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip()[:9].upper().startswith(_READS):
            conn.info["ppid_wrote"] = True

    @event.listens_for(engine, "commit")
    def _committing(conn):
        if conn.info.pop("ppid_wrote", False):
            conn.info["ppid_committed_write"] = True

    @event.listens_for(engine, "rollback")
    def _rolled_back(conn):
        # A connection the database dropped is invalidated: reading its info would ask it
        # to reconnect inside the failed transaction (PendingRollbackError at teardown).
        if not conn.invalidated:
            conn.info.pop("ppid_wrote", None)

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection, record):
        if record is not None and record.info.pop("ppid_committed_write", False):
            touch(stamp_file)


def touch(stamp_file):
    """Move the file's modification time to now, to the nanosecond (a plain touch has the
    kernel's coarse clock: two commits within a few milliseconds would look like one)."""
    import time as _time
    try:
        stamp_file.touch()
        ns = _time.time_ns()
        previous = os.stat(stamp_file).st_mtime_ns
        os.utime(stamp_file, ns=(ns, max(ns, previous + 1)))
    except OSError:  # a read-only data directory: the audit stamp still moves
        pass


def _file_stamp():
    try:
        return os.stat(_state(current_app)["stamp_file"]).st_mtime_ns
    except (OSError, KeyError):
        return 0


def content_stamp():
    """(newest audit event id, newest linked seq): one indexed read each, in one statement
    on a pooled connection of its own (no ORM session is begun for a 304)."""
    with db.engine.connect() as conn:
        row = conn.execute(_STAMP).first()
    return (row[0] or 0, row[1] or 0) if row is not None else (0, 0)


_STAMP = sa.text("SELECT max(id), max(seq) FROM audit_event")


def _shareable():
    """An anonymous GET with nothing of its own in the session (a flashed message)."""
    return (request.method in ("GET", "HEAD") and current_user.is_anonymous
            and "_flashes" not in session)


def _remembered(name, read):
    """``read(conn)`` on a pooled connection of its own (no ORM session is begun for a 304),
    remembered in this process while this host has committed no write (the stamp file is
    unchanged) and for at most PUBLIC_PAGE_STAMP_SECONDS: a surge of conditional requests
    costs a stat(), not a database round trip each. Writes of other hosts (and the clock's
    own moments) are seen within that bound. The file is read before the database, so a
    write that commits meanwhile is seen by the next request."""
    import time as _time
    state = _state(current_app)
    memo = state.setdefault("memo", {})
    written = _file_stamp()
    window = float(current_app.config["PUBLIC_PAGE_STAMP_SECONDS"])
    now = _time.monotonic()
    hit = memo.get(name)
    if hit is not None and hit[0] == written and now - hit[1] < window:
        return written, hit[2]
    with db.engine.execution_options(ppid_read_only=True).connect() as conn:
        value = read(conn)
    memo[name] = (written, now, value)
    return written, value


def _global_stamp(conn):
    from ppid.core.hooks import hooks
    row = conn.execute(_STAMP).first()
    ident, seq = (row[0] or 0, row[1] or 0) if row is not None else (0, 0)
    # What moves with the clock (a scheduled publication's moment), from the features.
    clock = "|".join(fn(conn=conn) for fn in hooks().page_stamps)
    return f"{ident}|{seq}|{clock}", None


def _validators(extra="", stamp=None):
    """(ETag, Last-Modified) of the current request's page. ``stamp(conn)`` -> (text, time
    or None) replaces the global content stamp for pages that know exactly what they show
    (a broadcast's crisis page)."""
    from zoneinfo import ZoneInfo

    from ppid.core.services import local_today
    if stamp is None:
        written, (content, changed) = _remembered("global", _global_stamp)
    else:
        _written, (content, changed) = _remembered(stamp.__qualname__, stamp)
        written = 0  # other writes of this host do not move this page
    today = local_today()
    # The host and scheme too: pages name their own address (og:url), and a forged Host
    # header must never reach another reader's copy.
    key = "|".join((request.scheme, request.host, request.full_path, _language(),
                    today.isoformat(), _state(current_app)["deployment"], content,
                    str(written), extra))
    etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    # The page changes with the stamp and with the day, whichever came last.
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    times = [datetime.combine(today, time(0), zone).astimezone(timezone.utc)]
    if written:
        times.append(datetime.fromtimestamp(written / 1e9, timezone.utc))
    if changed is not None:
        times.append(changed if changed.tzinfo else changed.replace(tzinfo=timezone.utc))
    return etag, max(times).replace(microsecond=0)


def _language():
    """The reader's language as the app's locale selector chooses it (a plain string):
    Flask-Babel's get_locale() parses a babel Locale anew on every request, a tenth of a
    304's time."""
    from ppid import _select_locale
    return _select_locale()


@lru_cache(maxsize=64)
def _http_date(modified):
    return http_date(modified)


def _mark(response, etag, modified):
    # Set as strings (Werkzeug's set_etag and last_modified quote and format anew each time).
    response.headers["ETag"] = f'"{etag}"'
    response.headers["Last-Modified"] = _http_date(modified)
    # Stored by browsers and proxies, revalidated on every use; nginx may keep it for one
    # second (docs/deploy.md; nginx does not pass X-Accel-Expires on to the client).
    response.headers["Cache-Control"] = "public, no-cache"
    response.headers["X-Accel-Expires"] = str(
        int(current_app.config["PUBLIC_PAGE_PROXY_SECONDS"]))
    return response


def _not_modified(etag, modified):
    if request.if_none_match:
        return request.if_none_match.contains(etag)
    since = request.if_modified_since
    # Last-Modified has whole seconds: a change within the stamp's own second would hide.
    settled = (datetime.now(timezone.utc) - modified).total_seconds() > 1
    return since is not None and settled and since >= modified


def public_page(view=None, *, extra=None, stamp=None):
    """Decorator of a public page's view; ``extra()`` may add to the page's key (e.g. what
    its banner shows when that is not in the audit log); ``stamp(conn)`` -> (text, time)
    replaces the global content stamp (see :func:`_validators`)."""
    def decorate(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            if not _shareable():
                return fn(*args, **kwargs)
            etag, modified = _validators(extra() if extra else "", stamp)
            if _not_modified(etag, modified):
                return _mark(current_app.response_class(status=304), etag, modified)
            pages = _state(current_app)["pages"]
            kept = pages.get(etag)
            if kept is not None:
                body, mimetype = kept
                return _mark(current_app.response_class(body, mimetype=mimetype), etag,
                             modified)
            before = session.modified
            response = make_response(fn(*args, **kwargs))
            token_made = current_app.config["WTF_CSRF_FIELD_NAME"] in g  # Flask-WTF set it
            if (response.status_code != 200 or response.direct_passthrough or token_made
                    or (session.modified and not before)):
                return response  # per-visitor (a form's CSRF token) or not a page
            body = response.get_data()
            pages.put(etag, (body, response.mimetype), size=len(body))
            return _mark(response, etag, modified)
        return wrapper
    return decorate(view) if view is not None else decorate
