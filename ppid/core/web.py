"""Web plumbing shared by every page: errors, security headers, login, template helpers,
bounded integers from URLs and queries."""
import logging
import re
from urllib.parse import urljoin, urlparse

import sqlalchemy as sa
from flask import (g, has_request_context, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import get_locale, get_translations, refresh
from flask_babel import gettext as _
from markupsafe import escape
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, ValidationError

from ppid.core import auth
from ppid.core.db import is_lock_timeout
from ppid.core.mail import deliver_after_request
from ppid.extensions import db, login_manager

log = logging.getLogger(__name__)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")

ERROR_TITLES = {
    400: _l("Permintaan tidak valid"),
    401: _l("Silakan masuk terlebih dahulu"),
    403: _l("Akses ditolak"),
    404: _l("Halaman tidak ditemukan"),
    405: _l("Metode tidak diizinkan"),
    413: _l("Berkas atau isian terlalu besar"),
    429: _l("Terlalu banyak permintaan"),
    500: _l("Terjadi kesalahan pada sistem"),
    503: _l("Layanan sedang sibuk"),
}
ERROR_TEXTS = {
    400: _l("Permintaan Anda tidak dapat diproses. Periksa kembali isian Anda."),
    403: _l("Anda tidak memiliki hak untuk membuka atau mengubah halaman ini."),
    404: _l("Alamat yang Anda buka tidak ada atau sudah dipindahkan."),
    405: _l("Halaman ini tidak menerima cara pengiriman tersebut."),
    413: _l("Ukuran kiriman melebihi batas yang diizinkan."),
    429: _l("Anda terlalu sering mengirim. Silakan coba lagi beberapa saat lagi."),
    500: _l("Maaf, terjadi kesalahan. Petugas kami telah dicatat kejadiannya; "
            "silakan coba lagi nanti."),
    503: _l("Sistem sedang melayani banyak permintaan lain sehingga permintaan Anda belum "
            "diproses dan belum ada yang tersimpan. Silakan coba lagi dalam beberapa detik."),
}
BUSY_RETRY_AFTER_SECONDS = 2

# Bounds of integers taken from URLs and queries: a bigger one would overflow the database's
# integer (OverflowError on SQLite, DataError on PostgreSQL) instead of getting an answer.
MAX_ID = 2**31 - 1       # row ids are 32-bit integers on both databases
MAX_PAGE = 100_000
_DIGITS = re.compile(r"[0-9]{1,12}")


class BoundedIntegerConverter(IntegerConverter):
    """The ``int`` URL converter of every route: ASCII digits only, at most :data:`MAX_ID`
    unless the rule gives its own ``max``, so a bigger id is not found (404) instead of
    reaching the database. (Werkzeug's own takes any size, and digits of any script.)"""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value):
        if len(value) > len(str(self.max)) + 1:
            raise ValidationError()  # not even parsed: ``int()`` of 5,000 digits is slow
        return super().to_python(value)


def int_arg(name, *, lo, hi, message, default=None):
    """An integer query parameter within [lo, hi]: ``default`` when absent or empty, a 400
    with ``message`` otherwise. Only ASCII digits are accepted (``int()`` would also take
    "1_000", " 7" or digits of other scripts)."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    if not _DIGITS.fullmatch(raw) or not lo <= int(raw) <= hi:
        abort_with(400, message)
    return int(raw)


def filter_int_arg(name, errors, *, lo, hi, message, default=None):
    """A list filter's whole number from the query string: like :func:`int_arg`, but a bad
    value does not end the request: ``errors[name] = message`` and ``default`` is used, so
    the page shows the list with the message next to its filter (issue #17); the view
    answers 400 when ``errors`` holds anything."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    if not _DIGITS.fullmatch(raw) or not lo <= int(raw) <= hi:
        errors[name] = message
        return default
    return int(raw)


def filter_choice_arg(name, errors, choices, *, message, default=None):
    """A list filter's choice from the query string: one of ``choices`` (codes), ``default``
    when absent or empty; any other value is ``errors[name] = message`` and ``default``,
    as :func:`filter_int_arg` does."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    if raw not in choices:
        errors[name] = message
        return default
    return raw


def filter_agency_arg(agencies, errors, name="badan"):
    """The agency a list is filtered to, by its slug in ``?badan=`` (the same on every list),
    among ``agencies``; an unknown value is ``errors[name]``, a message next to the filter,
    and no agency. (A number is an agency id, as the queue's links once had.)"""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    for a in agencies:
        if a.slug == raw or (raw.isascii() and raw.isdigit() and str(a.id) == raw):
            return a
    errors[name] = _("Pilihan badan publik tidak valid. Pilih dari daftar.")
    return None


def page_arg(name="page"):
    """The page number of a list (1 when absent), refused with a message beyond the bounds;
    given to ``db.paginate(page=...)``, which would otherwise read it unbounded."""
    return int_arg(name, lo=1, hi=MAX_PAGE, default=1,
                   message=_("Nomor halaman harus angka antara 1 dan %(n)d.", n=MAX_PAGE))


def nav_items():
    """The main navigation: the links features added to ``hooks().nav`` that the user may see,
    in registration order, each with its group (None: on its own) and whether it is the page
    being shown (``current``) or a page under it (``section``)."""
    from ppid.core.hooks import hooks
    h = hooks()
    here = request.path if has_request_context() else ""
    items = []
    for label, endpoint, pred in h.nav:
        if pred is not None and not (current_user.is_authenticated and pred(current_user)):
            continue
        url = url_for(endpoint)
        current = has_request_context() and request.endpoint == endpoint
        section = not current and url != "/" and here.startswith(url.rstrip("/") + "/")
        items.append({"label": label, "url": url, "endpoint": endpoint,
                      "group": h.nav_groups.get(endpoint), "current": current,
                      "section": section})
    return items


def nav_menu():
    """The main navigation as the header shows it: the links without a group first, then one
    entry per group of NAV_GROUPS the user has links in, ``{"key", "label", "items",
    "current"}``; a group with a single link for this user is that link."""
    from ppid.core.hooks import NAV_GROUPS
    items = nav_items()
    out = [dict(i, kind="link") for i in items if i["group"] is None]
    for key, label in NAV_GROUPS:
        members = [i for i in items if i["group"] == key]
        if len(members) == 1:
            out.append(dict(members[0], kind="link"))
        elif members:
            out.append({"kind": "group", "key": key, "label": label, "items": members,
                        "current": any(i["current"] or i["section"] for i in members)})
    return out


def wants_json():
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def error_response(status, message=None, code=None):
    title = str(ERROR_TITLES.get(status, _("Kesalahan")))
    text = message or str(ERROR_TEXTS.get(status, ""))
    if wants_json():
        return jsonify(error=code or str(status), message=text or title, fields={}), status
    try:
        return render_template("errors/error.html", status=status, title=title, text=text), status
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        log.exception("rendering the error page failed")
        return (f"<!doctype html><html lang='id'><title>{status}</title><h1>{status}</h1>"
                f"<p>{escape(title)}</p></html>"), status


def http_exception_response(exc, message=None):
    """:func:`error_response` for an HTTPException, keeping the headers it carries (Allow on
    a 405, Retry-After on a 429, WWW-Authenticate on a 401)."""
    body, status = error_response(exc.code, message or getattr(exc, "ppid_message", None))
    return body, status, [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]


def is_safe_redirect(target):
    """Only same-host http(s) targets; refuses //evil, absolute foreign URLs, backslashes."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return False
    ref = urlparse(request.host_url)
    test = urlparse(urljoin(request.host_url, target))
    return test.scheme in ("http", "https") and test.netloc == ref.netloc


def _translations():
    """This request's catalogue: looked up once, not on each of a page's many ``_()``."""
    try:
        return g.ppid_translations
    except AttributeError:
        g.ppid_translations = get_translations()
        return g.ppid_translations


def install_template_gettext(app):
    """Flask-Babel's template callables, reading the catalogue cached by _translations()
    (Flask-Babel's own look it up on every call: ~13 us each, ~60 calls a page)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n))


def _add_core_nav(app):
    """The links of the core pages; the features add theirs in their own init_app."""
    from ppid.core.hooks import hooks
    h = hooks(app)
    h.add_nav(_l("Badan publik"), "core.home")
    h.add_nav(_l("Dasbor"), "dashboard.index",
              lambda user: any(user.has_role(r) for r in auth.STAFF_ROLES))
    h.add_nav(_l("Kalender hari kerja"), "core.calendar", group="informasi")
    h.add_nav(_l("Kelola badan publik"), "agencies.manage",
              lambda user: auth.can(user, "manage_agencies"), group="pengaturan")
    h.add_nav(_l("Kelola pengguna"), "accounts.users",
              lambda user: auth.can(user, "manage_accounts"), group="pengaturan")
    h.add_nav(_l("Gaya tampilan"), "core.style_guide",
              lambda user: auth.can(user, "manage_accounts"), group="pengaturan")


def init_app(app):
    # Before any blueprint adds its rules: every <int:...> of the app is bounded.
    app.url_map.converters["int"] = BoundedIntegerConverter
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    _add_core_nav(app)

    @login_manager.user_loader
    def load_user(login_token):
        # Session versions, ended logins and lifetimes: ppid.accounts.sessions.
        from ppid.accounts.sessions import load_user as load
        return load(login_token)

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            return error_response(401)
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))

    @app.before_request
    def fresh_locale():
        # The locale is cached on the app context, which tests (and CLI-driven requests)
        # may share between requests: choose it anew for every request.
        refresh()
        g.pop("ppid_translations", None)

    install_template_gettext(app)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, _(
            "Formulir kedaluwarsa atau tidak sah (token CSRF). Muat ulang halaman lalu "
            "kirim kembali."), code="csrf")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code == 401 and not wants_json():
            return unauthorized()
        return http_exception_response(exc)

    @app.errorhandler(sa.exc.OperationalError)
    def database_error(exc):
        db.session.rollback()
        if not is_lock_timeout(exc):
            return unexpected(exc)
        # Another writer held the lock longer than DB_LOCK_TIMEOUT_SECONDS: nothing of this
        # request was stored, and trying again shortly is the right thing to do.
        log.warning("database lock not granted in time on %s %s: %s", request.method,
                    request.path, exc.orig)
        body, status = error_response(503, code="database_busy")
        return body, status, {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)}

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return error_response(500)

    @app.after_request
    def security_headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["ENV"] == "production":
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # (is_anonymous reads no column: after a POST's commit, is_authenticated would load
        # the user again, in a second writing transaction.)
        if not current_user.is_anonymous:
            h.setdefault("Cache-Control", "private, no-store")
        return response

    @app.after_request
    def send_queued_mail(response):
        # Mail queued by this request goes out after the response has been sent.
        if g.pop("ppid_outbox_dirty", False):
            response.call_on_close(lambda: _deliver_in_context(app))
        return response

    @app.context_processor
    def template_helpers():
        return {
            "can": lambda action, obj=None: auth.can(current_user, action, obj),
            "role_labels": auth.ROLE_LABELS,
            "helper_label": app.config["HELPER_LABEL"],
            "government_name": app.config["GOVERNMENT_NAME"],
            "languages": app.config["LANGUAGES"],
            "nav_items": nav_items,
            "nav_menu": nav_menu,
            "get_locale": get_locale,
        }

    app.jinja_env.globals["ppid_roles"] = auth
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def _deliver_in_context(app):
    with app.app_context():
        deliver_after_request()


def external_url(endpoint, **values):
    """An absolute link for mail: from BASE_URL, never from the request's Host header
    (a forged Host would otherwise poison password-reset links)."""
    from flask import current_app
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def abort_with(status, message):
    """Abort with a specific message shown on the error page (or in the JSON error)."""
    from werkzeug.exceptions import default_exceptions
    exc = default_exceptions[status]()
    exc.ppid_message = message
    raise exc


def client_ip():
    # Behind the documented nginx, ProxyFix (configured in production) sets remote_addr.
    return (request.remote_addr or "unknown") if has_request_context() else "cli"

