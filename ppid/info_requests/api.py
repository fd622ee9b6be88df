"""JSON API v1 for requests (shared/spec/API.md): submit one, read its public view.

Nothing returned here is personal data (DOMAIN.md section 11).
"""
import re

from flask import current_app, jsonify, request
from flask_babel import gettext as _

from ppid.agencies.services import active_agencies
from ppid.api.common import ApiError, make_api_blueprint
from ppid.core import patterns
from ppid.core.db import utcnow
from ppid.core.services import local_today
from ppid.core.web import client_ip, external_url
from ppid.extensions import db
from ppid.info_requests import fields, services

bp = make_api_blueprint("requests_api", __name__)

# API.md field names (fields.FIELDS); identity_type and proxy_name are optional extras.
FIELDS = fields.FIELDS
MAX_NUMBER = 60  # the length of a registration number's column
MAX_SLUG = 80  # the length of an agency's slug
# The Idempotency-Key header (IETF draft-ietf-httpapi-idempotency-key-header): 1 to 255
# visible ASCII characters, e.g. a UUID the client makes for one submission.
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY = "[!-~]{1,255}"
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY)


def public_view(req, today):
    return {
        "registration_number": req.registration_number,
        "agency": req.agency.slug,
        # A subject no officer has reviewed yet reads "Menunggu peninjauan petugas".
        "subject": str(req.public_subject),
        "status": req.state,
        "outcome": req.outcome,
        "received_on": req.received_on.isoformat(),
        "due_on": req.due_on.isoformat(),
        "extended_due_on": req.extended_due_on.isoformat() if req.extended_due_on else None,
        "closed_on": req.closed_on.isoformat() if req.closed_on else None,
        "is_late": req.late_on(today),
    }


def _agencies_named(slug):
    """{slug: agency} for the active agency a submission names (none for a slug no agency
    can have: the database is not asked about it)."""
    if not isinstance(slug, str) or not 0 < len(slug) <= MAX_SLUG or patterns.has_control(slug):
        return {}
    return {a.slug: a for a in active_agencies(slug)}


def _refusal(checked):
    """The ApiError for a submission :func:`fields.check` refused."""
    errors = {name: str(message) for name, message in checked.errors.items()}
    if "proxy_letter" in errors:
        # A request through a proxy needs the surat kuasa, which JSON does not carry: the
        # web form takes it (and checks it like every upload).
        del errors["proxy_letter"]
        errors["proxy_name"] = _(
            "Permohonan melalui kuasa memerlukan surat kuasa, yang tidak dapat dilampirkan "
            "melalui API. Ajukan permohonan ini melalui formulir %(url)s dan lampirkan surat "
            "kuasanya, atau kosongkan proxy_name jika Anda mengajukan untuk diri sendiri.",
            url=external_url("requests.new"))
    if checked.unknown_agency and set(errors) == {"agency"}:
        slug = str(checked.values["agency"])[:MAX_SLUG]
        message = _("Badan publik %(slug)s tidak ditemukan.", slug=slug)
        return ApiError(404, "not_found", message, {"agency": message})
    return ApiError(422, "validation_failed", _("Periksa kembali isian permohonan."), errors)


def _submission(body, ip):
    """The submission's Idempotency-Key, scoped to this client, or None without one."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        message = _("Idempotency-Key harus 1 sampai 255 karakter ASCII yang terlihat "
                    "(misalnya sebuah UUID).")
        raise ApiError(400, "invalid_idempotency_key", message, {IDEMPOTENCY_HEADER: message})
    return services.Submission(f"api:{ip}", key, body,
                               hours=float(current_app.config["IDEMPOTENCY_KEY_HOURS"]))


def _receipt(req, token, *, status, replayed=False):
    number = req.registration_number
    payload = {"registration_number": number, "received_on": req.received_on.isoformat(),
               "due_on": req.due_on.isoformat(), "status": req.state,
               "tracking_url": services.tracking_url(token)}
    db.session.commit()
    resp = jsonify(payload)
    resp.status_code = status
    resp.headers["Location"] = f"/api/v1/requests/{number}"
    if replayed:
        resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _replay(earlier):
    """The answer to a key used before: its request's receipt again (201, with
    ``Idempotent-Replayed: true``), or a 409 when the key came with another body."""
    if not earlier.same:
        db.session.commit()  # (an expired key's removal, if any)
        message = _("Idempotency-Key ini sudah dipakai untuk permohonan dengan isi yang "
                    "berbeda. Gunakan kunci baru untuk setiap permohonan baru.")
        raise ApiError(409, "idempotency_key_reused", message, {IDEMPOTENCY_HEADER: message})
    return _receipt(earlier.request, earlier.token, status=201, replayed=True)


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
    # A repeated submission (same Idempotency-Key from this client) is answered with its
    # request before anything else: no second number, no rate limit.
    submission = _submission(body, ip)
    earlier = submission and services.find_submission(submission, now=now)
    if earlier:
        return _replay(earlier)
    if services.is_rate_limited(ip, now=now):
        raise ApiError(429, "rate_limited", _("Terlalu banyak permohonan dari alamat "
                                              "Anda; coba lagi nanti."))
    agencies = _agencies_named(body.get("agency"))
    checked = fields.check({name: body.get(name) for name in FIELDS}, agencies=agencies,
                           has_power_of_attorney=False, online=True)
    if not checked.ok:
        raise _refusal(checked)
    data = {**checked.values, "agency": agencies[checked.values["agency"]]}
    try:
        req, token = services.submit_request(data, actor=None, now=now, ip=ip,
                                             submission=submission)
    except services.DuplicateSubmission as dup:  # the same key, committed meanwhile
        db.session.rollback()
        return _replay(dup)
    # Read before the commit expires them (a reload would queue for the write lock again).
    return _receipt(req, token, status=201)


@bp.get("/requests/<path:registration_number>")
def show(registration_number):
    req = None
    if len(registration_number) <= MAX_NUMBER and not patterns.has_control(registration_number):
        req = services.find_by_number(registration_number)
    if req is None:
        raise ApiError(404, "not_found", _("Nomor pendaftaran %(n)s tidak ditemukan.",
                                           n=registration_number[:MAX_NUMBER]))
    return jsonify(public_view(req, local_today()))
