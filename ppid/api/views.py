"""Public JSON API, version 1 (shared/spec/API.md). Nothing here returns personal data."""
from flask import Blueprint, jsonify
from werkzeug.exceptions import HTTPException

from flask_babel import gettext as _

from ppid.api.common import ApiError, bad_param, date_param, int_param
from ppid.core.calendar import explain_deadline
from ppid.core.services import build_calendar

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.errorhandler(ApiError)
def _api_error(exc):
    return exc.response()


@bp.errorhandler(HTTPException)
def _http_error(exc):
    from ppid.core.web import error_response
    return error_response(exc.code)


@bp.after_request
def _cors(response):
    # Public, read-mostly data: any site may read it (no cookies are honoured here).
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    return response


@bp.get("/deadline")
def deadline():
    start = date_param("from", required=True)
    n = int_param("working_days", required=True, lo=1, hi=60)
    if not 1990 <= start.year <= 2100:
        raise bad_param("from", _("Tanggal harus antara tahun 1990 dan 2100."))
    result = explain_deadline(build_calendar(), start, n)
    return jsonify({
        "from": result.start.isoformat(),
        "effective_start": result.effective_start.isoformat(),
        "working_days": result.working_days,
        "due_on": result.due_on.isoformat(),
        "skipped": [{"date": s.date.isoformat(), "reason": s.reason} for s in result.skipped],
    })


