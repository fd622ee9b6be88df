"""Shared pieces of the JSON API: errors, pagination, parameter parsing.

The parameters' bounds and patterns are constants here (or beside the check that uses
them), and the OpenAPI document (ppid/reports/openapi.py) states the same constants.
A parameter given empty is a value like any other: an empty number, date or choice is a 400;
an empty free-text filter filters nothing.
"""
import re
from datetime import date

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ppid.core import patterns

MAX_PAGE = 100_000
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
INTEGER = "-?[0-9]+"  # ASCII digits only: int() would also take " 1", "1_000", "+1" or "١"
_INTEGER = re.compile(INTEGER)
_MAX_DIGITS = 12  # longer is outside every range here, and int() of it is not free
# The longest request line the HTTP server takes (gunicorn.conf.py's limit_request_line): the
# longest URL every operation's documented parameters can make fits in it (tests/unit).
MAX_REQUEST_LINE = 8190
ISO_DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"  # date.fromisoformat() alone also takes 2026-W11-1
_ISO_DATE = re.compile(ISO_DATE)


class ApiError(Exception):
    def __init__(self, status, code, message, fields=None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}

    def response(self):
        return jsonify(error=self.code, message=self.message, fields=self.fields), self.status


def bad_param(name, message):
    return ApiError(400, "invalid_parameter", message, {name: message})


def int_param(name, default=None, *, lo=None, hi=None, required=False):
    raw = request.args.get(name)
    if raw is None:
        if required:
            raise bad_param(name, _("Parameter %(name)s wajib diisi.", name=name))
        return default
    if not _INTEGER.fullmatch(raw):
        raise bad_param(name, _("%(name)s harus bilangan bulat.", name=name))
    value = int(raw) if len(raw.lstrip("-")) <= _MAX_DIGITS else None
    if value is None or (lo is not None and value < lo) or (hi is not None and value > hi):
        raise bad_param(name, _("%(name)s harus antara %(lo)s dan %(hi)s.", name=name, lo=lo,
                                hi=hi))
    return value


def date_param(name, *, required=False, years=None):
    """A YYYY-MM-DD date (within ``years``, an inclusive (first, last) pair, if given)."""
    raw = request.args.get(name)
    if raw is None:
        if required:
            raise bad_param(name, _("Parameter %(name)s wajib diisi (format YYYY-MM-DD).",
                                    name=name))
        return None
    try:
        if not _ISO_DATE.fullmatch(raw):
            raise ValueError
        value = date.fromisoformat(raw)
    except ValueError:
        raise bad_param(name, _("%(name)s harus tanggal dengan format YYYY-MM-DD, "
                                "misalnya 2026-03-16.", name=name)) from None
    if years is not None and not years[0] <= value.year <= years[1]:
        raise bad_param(name, _("Tanggal harus antara tahun %(lo)d dan %(hi)d.", lo=years[0],
                                hi=years[1]))
    return value


def text_param(name, max_len):
    """A free-text parameter, stripped ("" when absent or blank); at most ``max_len``
    characters as sent, no control characters."""
    raw = request.args.get(name, "")
    if len(raw) > max_len:
        raise bad_param(name, _("%(name)s paling banyak %(n)d karakter.", name=name, n=max_len))
    if patterns.has_control(raw):
        raise bad_param(name, _("%(name)s mengandung karakter yang tidak diizinkan.",
                                name=name))
    return raw.strip()


def choice_param(name, choices, default=None):
    """One of ``choices``, or ``default`` when absent (given empty, it is not one of them)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if raw not in choices:
        raise bad_param(name, _("%(name)s harus salah satu dari: %(v)s.", name=name,
                                v=", ".join(choices)))
    return raw


def page_params(max_page=MAX_PAGE):
    page = int_param("page", 1, lo=1, hi=max_page)
    per_page = int_param("per_page", DEFAULT_PER_PAGE, lo=1, hi=MAX_PER_PAGE)
    return page, per_page


def list_response(items, total, page, per_page):
    return jsonify(items=items, total=total, page=page, per_page=per_page)


def make_api_blueprint(name, import_name):
    """A blueprint under /api/v1 with the API's JSON errors, CORS and no CSRF (no cookies)."""
    from ppid.extensions import csrf

    bp = Blueprint(name, import_name, url_prefix="/api/v1")

    @bp.errorhandler(ApiError)
    def _api_error(exc):
        return exc.response()

    @bp.errorhandler(HTTPException)
    def _http_error(exc):
        from ppid.core.web import http_exception_response
        return http_exception_response(exc)

    @bp.after_request
    def _cors(response):
        # Public data: any site may read it; no cookie is honoured for these endpoints.
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
        return response

    csrf.exempt(bp)
    return bp
