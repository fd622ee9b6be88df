"""Public JSON API, version 1 (shared/spec/API.md). Nothing here returns personal data."""
from flask import jsonify

from flask_babel import gettext as _

from ppid.api.common import bad_param, date_param, int_param, make_api_blueprint
from ppid.core.calendar import explain_deadline
from ppid.core.services import build_calendar

bp = make_api_blueprint("api", __name__)


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


