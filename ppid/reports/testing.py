"""Small builders of report data for tests: requests and objections inserted directly with
the dates a test wants (no mail, no letters), so hand-computed figures stay readable."""
from datetime import datetime, time, timezone

from ppid.extensions import db
from ppid.disputes.models import Dispute
from ppid.info_requests.models import InfoRequest, Objection

_seq = {"n": 0}


def add_request(agency, received_on, due_on, *, state="diterima", closed_on=None,
                outcome=None, extended_due_on=None, effective_on=None, letters=None,
                other_statute=None, number=None):
    _seq["n"] += 1
    n = _seq["n"]
    req = InfoRequest(
        registration_number=number or f"UJI/{received_on.year}/{n:05d}", seq=n,
        year=received_on.year, requester_name="Pemohon Rahasia", identity_type="nik",
        identity_number="6171000000000001", address="Jl. Rahasia 1", phone="0811111",
        email=f"pemohon{n}@contoh.id", information=f"Informasi uji {n}", purpose="Uji",
        obtain_method="salinan", copy_form="softcopy", delivery="email",
        addressed_agency_id=agency.id, agency_id=agency.id, channel="online",
        received_at=datetime.combine(received_on, time(3, 0), tzinfo=timezone.utc),
        received_on=received_on, effective_on=effective_on or received_on, due_on=due_on,
        extended_due_on=extended_due_on, state=state, outcome=outcome, closed_on=closed_on,
        exemption_letters=letters, other_statute=other_statute)
    db.session.add(req)
    db.session.flush()
    return req


def add_objection(req, received_on, due_on, *, decision=None, decided_on=None,
                  dispute_filed_on=None, dispute_outcome=None):
    _seq["n"] += 1
    obj = Objection(
        registration_number=f"UJI/KEB/{received_on.year}/{_seq['n']:05d}", request_id=req.id,
        agency_id=req.agency_id, grounds="a", statement="Kasus posisi uji",
        received_at=datetime.combine(received_on, time(3, 0), tzinfo=timezone.utc),
        received_on=received_on, ground_on=received_on, due_on=due_on, decision=decision,
        decided_on=decided_on)
    db.session.add(obj)
    db.session.flush()
    if dispute_filed_on is not None:
        closed = dispute_outcome not in (None, "dalam_proses")
        db.session.add(Dispute(
            objection_id=obj.id, agency_id=obj.agency_id, commission="provinsi",
            filed_on=dispute_filed_on, stage="selesai" if closed else "diajukan",
            outcome=dispute_outcome if closed else None,
            closed_on=dispute_filed_on if closed else None))
        db.session.flush()
    return obj
