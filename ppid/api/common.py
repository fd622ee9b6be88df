"""Shared pieces of the JSON API: errors, pagination, parameter parsing."""
from datetime import date

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

MAX_PER_PAGE = 100


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
    if raw is None or raw == "":
        if required:
            raise bad_param(name, _("Parameter %(name)s wajib diisi.", name=name))
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_param(name, _("%(name)s harus bilangan bulat.", name=name)) from None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise bad_param(name, _("%(name)s harus antara %(lo)s dan %(hi)s.", name=name, lo=lo,
                                hi=hi))
    return value


def date_param(name, *, required=False):
    raw = request.args.get(name)
    if raw is None or raw == "":
        if required:
            raise bad_param(name, _("Parameter %(name)s wajib diisi (format YYYY-MM-DD).",
                                    name=name))
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise bad_param(name, _("%(name)s harus tanggal dengan format YYYY-MM-DD, "
                                "misalnya 2026-03-16.", name=name)) from None


def page_params():
    page = int_param("page", 1, lo=1, hi=100000)
    per_page = int_param("per_page", 20, lo=1, hi=MAX_PER_PAGE)
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
        from ppid.core.web import error_response
        return error_response(exc.code)

    @bp.after_request
    def _cors(response):
        # Public data: any site may read it; no cookie is honoured for these endpoints.
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
        return response

    csrf.exempt(bp)
    return bp
