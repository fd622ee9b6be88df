"""What requests contribute to shared pages: dashboard, alerts digest, agency page."""
from ppid.core import auth
from ppid.core.alerts import Alert
from ppid.core.db import utcnow
from ppid.info_requests import services

SEVERITY_TITLES = {"terlambat": "terlambat", "segera": "jatuh tempo dalam 3 hari kerja"}


def dashboard_section(user):
    """Overdue and near-due requests of the officer's agencies, and objections to decide."""
    if not (user.has_role(auth.HELPER) or user.has_role(auth.MAIN)
            or user.has_role(auth.ATASAN)):
        return None
    now = utcnow()
    requests, objections = [], []
    if user.has_role(auth.HELPER) or user.has_role(auth.MAIN):
        requests = [(r, u) for r, u in services.request_queue(user, now=now) if u != "normal"]
    if user.has_role(auth.ATASAN) or user.has_role(auth.MAIN):
        objections = services.objection_queue(user, now=now)
    return "info_requests/_dashboard.html", {"urgent_requests": requests,
                                             "pending_objections": objections}


def alert_source(now):
    """Alerts for the digest: requests and objections overdue or due within 3 working days."""
    out = {}
    for agency_id, items in services.urgent_items(now=now).items():
        for kind, obj, level in items:
            if kind == "request":
                alert = Alert(
                    key=f"request:{obj.id}:{level}", kind="request", severity=level,
                    title=f"Permohonan {obj.registration_number} {SEVERITY_TITLES[level]}",
                    detail=f"Jatuh tempo {obj.effective_due_on.isoformat()}; status {obj.state}.",
                    url=f"/kelola/permohonan/{obj.id}")
            else:
                alert = Alert(
                    key=f"objection:{obj.id}:{level}", kind="objection", severity=level,
                    title=f"Keberatan {obj.registration_number} {SEVERITY_TITLES[level]}",
                    detail=f"Atasan PPID wajib menanggapi paling lambat "
                           f"{obj.due_on.isoformat()}.",
                    url=f"/kelola/keberatan/{obj.id}")
            out.setdefault(agency_id, []).append(alert)
    return out


def profile_section(agency):
    """Request statistics and recent register entries on the public agency page."""
    import sqlalchemy as sa

    from ppid.extensions import db
    from ppid.info_requests.models import InfoRequest
    now = utcnow()
    recent = db.session.execute(sa.select(InfoRequest).where(InfoRequest.agency_id == agency.id)
                                .order_by(InfoRequest.received_at.desc()).limit(5)).scalars().all()
    return "info_requests/_profile.html", {
        "request_stats": services.agency_stats(agency.id, now=now), "recent_requests": recent,
        "profile_agency": agency, "profile_today": services.local_today(now)}
