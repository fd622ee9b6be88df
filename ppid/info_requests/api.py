"""JSON API v1 for requests (shared/spec/API.md): submit one, read its public view.

Nothing returned here is personal data (DOMAIN.md section 11).
"""
from flask import jsonify, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ppid.agencies.services import active_agencies
from ppid.api.common import ApiError, make_api_blueprint
from ppid.core.db import utcnow
from ppid.core.services import local_today
from ppid.core.web import client_ip
from ppid.extensions import db
from ppid.info_requests import forms, services

bp = make_api_blueprint("requests_api", __name__)

# API.md field names; identity_type and proxy_name are optional extras.
FIELDS = ("name", "identity_type", "identity_number", "address", "phone", "email",
          "occupation", "proxy_name", "information", "purpose", "obtain_method", "copy_form",
          "delivery", "agency")


def public_view(req, today):
    return {
        "registration_number": req.registration_number,
        "agency": req.agency.slug,
        "subject": req.public_subject,
        "status": req.state,
        "outcome": req.outcome,
        "received_on": req.received_on.isoformat(),
        "due_on": req.due_on.isoformat(),
        "extended_due_on": req.extended_due_on.isoformat() if req.extended_due_on else None,
        "closed_on": req.closed_on.isoformat() if req.closed_on else None,
        "is_late": req.late_on(today),
    }


def _formdata(body):
    data, errors = MultiDict(), {}
    for name in FIELDS:
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            errors[name] = _("Harus berupa teks.")
            continue
        data[name] = str(value)
    if "identity_type" not in data:
        data["identity_type"] = "nik"
    return data, errors


@bp.post("/requests")
def submit():
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # absurdly nested JSON: not a request object
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", _("Kirim objek JSON dengan Content-Type "
                                              "application/json."))
    now = utcnow()
    ip = client_ip()
    if services.is_rate_limited(ip, now=now):
        raise ApiError(429, "rate_limited", _("Terlalu banyak permohonan dari alamat "
                                              "Anda; coba lagi nanti."))
    formdata, type_errors = _formdata(body)
    form = forms.RequestForm(active_agencies(formdata.get("agency", "")),
                             formdata=formdata, meta={"csrf": False})
    form.validate()
    fields = {name: " ".join(str(e) for e in errs) for name, errs in form.errors.items()
              if name in FIELDS}
    fields.update(type_errors)
    if fields:
        raise ApiError(422, "validation_failed",
                       _("Periksa kembali isian permohonan."), fields)
    data = form.service_data()
    req, token = services.submit_request(data, actor=None, now=now, ip=ip)
    # Read before the commit expires them (a reload would queue for the write lock again).
    number = req.registration_number
    payload = {"registration_number": number, "received_on": req.received_on.isoformat(),
               "due_on": req.due_on.isoformat(), "status": req.state,
               "tracking_url": services.tracking_url(token)}
    db.session.commit()
    resp = jsonify(payload)
    resp.status_code = 201
    resp.headers["Location"] = f"/api/v1/requests/{number}"
    return resp


@bp.get("/requests/<path:registration_number>")
def show(registration_number):
    req = services.find_by_number(registration_number[:60])
    if req is None:
        raise ApiError(404, "not_found", _("Nomor pendaftaran %(n)s tidak ditemukan.",
                                           n=registration_number[:60]))
    return jsonify(public_view(req, local_today()))
