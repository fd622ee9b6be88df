"""Public JSON API, version 1 (shared/spec/API.md). Nothing here returns personal data."""
from flask import jsonify

from ppid.api.common import date_param, int_param, make_api_blueprint
from ppid.core.calendar import explain_deadline
from ppid.core.services import build_calendar

bp = make_api_blueprint("api", __name__)

DEADLINE_YEARS = (1990, 2100)  # the years /deadline answers for (inclusive)
MAX_WORKING_DAYS = 60


@bp.get("/deadline")
def deadline():
    start = date_param("from", required=True, years=DEADLINE_YEARS)
    n = int_param("working_days", required=True, lo=1, hi=MAX_WORKING_DAYS)
    result = explain_deadline(build_calendar(), start, n)
    return jsonify({
        "from": result.start.isoformat(),
        "effective_start": result.effective_start.isoformat(),
        "working_days": result.working_days,
        "due_on": result.due_on.isoformat(),
        "skipped": [{"date": s.date.isoformat(), "reason": s.reason} for s in result.skipped],
    })


