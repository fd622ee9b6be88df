"""What requests contribute to shared pages: dashboard, alerts digest, agency page."""
from ppid.core import auth
from ppid.core.alerts import Alert
from ppid.core.db import utcnow
from ppid.info_requests import rules, services


def dashboard_section(user):
    """Overdue and near-due requests of the officer's agencies, and objections to decide."""
    if not (user.has_role(auth.HELPER) or user.has_role(auth.MAIN)
            or user.has_role(auth.ATASAN)):
        return None
    now = utcnow()
    requests, objections, late_deliveries, arrivals, orders = [], [], [], [], []
    if user.has_role(auth.HELPER) or user.has_role(auth.MAIN):
        requests = [(r, u) for r, u in services.request_queue(user, now=now) if u != "normal"]
        late_deliveries = services.late_deliveries(user, now=now)
        arrivals = services.new_arrivals(user, now=now)  # "baru masuk", from the first moment
        orders = services.order_queue(user, now=now)
    if user.has_role(auth.ATASAN) or user.has_role(auth.MAIN):
        objections = services.objection_queue(user, now=now)
    return "info_requests/_dashboard.html", {"urgent_requests": requests,
                                             "new_requests": arrivals,
                                             "show_new": bool(user.has_role(auth.HELPER)
                                                              or user.has_role(auth.MAIN)),
                                             "pending_objections": objections,
                                             "late_deliveries": late_deliveries,
                                             "orders": orders}


def alert_source(now):
    """Alerts for the digest (an Indonesian e-mail): requests and objections overdue or due
    within 3 working days."""
    out = {}
    for agency_id, items in services.urgent_items(now=now).items():
        for kind, obj, level in items:
            urgency = services.label_id(rules.Urgency, level).lower()
            if kind == "request":
                what, url = "Permohonan", f"/kelola/permohonan/{obj.id}"
                detail = (f"Jatuh tempo {services.tanggal(obj.effective_due_on)}; status "
                          f"{services.label_id(rules.RequestState, obj.state)}.")
            elif kind == "order":
                what, url = "Putusan keberatan", f"/kelola/keberatan/{obj.id}"
                detail = (f"PPID wajib melaksanakan putusan atasan "
                          f"({services.label_id(rules.ObjectionDecision, obj.decision)}) "
                          f"paling lambat {services.tanggal(obj.order_due_on)}.")
            else:
                what, url = "Keberatan", f"/kelola/keberatan/{obj.id}"
                detail = (f"Atasan PPID wajib menanggapi paling lambat "
                          f"{services.tanggal(obj.due_on)}.")
            out.setdefault(agency_id, []).append(Alert(
                key=f"{kind}:{obj.id}:{level}", kind=kind, severity=level,
                title=f"{what} {obj.registration_number}: {urgency}", detail=detail, url=url))
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
