"""Records made directly through the models, for the search tests and bench/bench_search.py."""
from datetime import date, datetime, timezone

from ppid.extensions import db

_n = {"seq": 0}


def _next():
    _n["seq"] += 1
    return _n["seq"]


def make_dip_item(agency, title, *, summary="", state="published", category="berkala",
                  made_on=None, text=None, **kw):
    """A DIP item (published by default), with one document version when ``text`` is given."""
    from ppid.registry.models import DipItem
    now = datetime(2026, 1, 10, 3, 0, tzinfo=timezone.utc)
    item = DipItem(agency_id=agency.id, title=title, summary=summary, state=state,
                   category=category, made_on=made_on,
                   published_at=now if state != "draft" else None, **kw)
    db.session.add(item)
    db.session.flush()
    if text is not None:
        add_version(item, text)
    return item


def add_version(item, text):
    from ppid.registry.models import DocumentVersion
    number = len(item.versions) + 1
    version = DocumentVersion(item_id=item.id, number=number, sha256=f"{_next():064x}",
                              original_name=f"dokumen-{number}.pdf", size=len(text),
                              media_type="application/pdf", extracted_text=text)
    db.session.add(version)
    db.session.flush()
    db.session.refresh(item)
    return version


def make_request(agency, information, *, name="Budi Santoso", identity="6171010101010001",
                 address="Jl. Ahmad Yani No. 1, Pontianak", phone="081234567890",
                 email="budi@example.org", received_on=date(2026, 2, 2), state="diterima",
                 outcome=None, redacted_subject=None, **kw):
    from ppid.info_requests.models import InfoRequest
    seq = _next()
    req = InfoRequest(
        registration_number=f"UJI/{received_on.year}/{seq:05d}", seq=seq,
        year=received_on.year, requester_name=name, identity_number=identity,
        address=address, phone=phone, email=email, information=information,
        purpose="Penelitian", obtain_method="salinan", copy_form="softcopy",
        delivery="email", addressed_agency_id=agency.id, agency_id=agency.id,
        received_at=datetime.combine(received_on, datetime.min.time(), tzinfo=timezone.utc),
        received_on=received_on, effective_on=received_on, due_on=received_on,
        state=state, outcome=outcome, redacted_subject=redacted_subject, **kw)
    db.session.add(req)
    db.session.flush()
    return req

