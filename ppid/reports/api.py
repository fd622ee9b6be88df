"""GET /api/v1/compliance and GET /api/v1/openapi.json (shared/spec/API.md). Public, no
personal data: figures per agency only."""
from flask import current_app, jsonify, request, url_for

from ppid.api.common import choice_param, list_response, make_api_blueprint, page_params
from ppid.reports import openapi, rules, services

bp = make_api_blueprint("reports_api", __name__)


def compliance_json(f):
    return {
        "agency": f.slug, "name": f.name, "score": f.score, "band": f.band,
        "band_label": rules.Band(f.band).text() if f.band else None,
        "obligations": {s: f.obligations[s] for s in openapi.STATUS_ENUM},
        "requests": {"total": f.requests.total, "on_time": f.requests.on_time,
                     "late": f.requests.late, "open": f.requests.open,
                     "median_days": f.days.median},
    }


@bp.get("/compliance")
def compliance():
    page, per_page = page_params()
    band = choice_param("band", rules.BAND_CODES)
    rows = services.filter_and_sort(services.compliance_overview(), band=band)
    chunk = rows[(page - 1) * per_page: page * per_page]
    return list_response([compliance_json(f) for f in chunk], len(rows), page, per_page)


@bp.get("/openapi.json")
def openapi_document():
    cfg = current_app.config
    privacy = openapi.privacy_notice(cfg["PERSONAL_DATA_RETENTION_YEARS"],
                                     cfg["GOVERNMENT_NAME"],
                                     url_for("requests.privacy", _external=True))
    return jsonify(openapi.document(request.script_root + "/" if request.script_root
                                    else "/", privacy=privacy))
