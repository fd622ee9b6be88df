"""The audit log: every change appends a hash-chained event; tampering is found."""
import sqlalchemy as sa

from ppid.core import audit
from ppid.core.models import AuditEvent
from ppid.extensions import db


def _events():
    return db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()


def test_chain_links_every_event(ctx, factories):
    agency = factories.agency()
    for i in range(5):
        audit.record("uji.ubah", agency, actor=None, changes={"i": i})
    db.session.commit()
    events = _events()
    assert [e.seq for e in events] == list(range(1, 6))
    assert events[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:]))
    assert events[0].agency_id == agency.id and events[0].object_type == "Agency"
    assert audit.verify_chain() == (5, None, None)


def test_altered_event_is_found(ctx, factories):
    agency = factories.agency()
    for i in range(4):
        audit.record("uji.ubah", agency, actor=None, changes={"i": i})
    db.session.commit()
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 3)
                       .values(changes='{"i":99}'))
    db.session.commit()
    checked, bad, why = audit.verify_chain()
    assert checked == 2 and bad.seq == 3 and "altered" in why


def test_deleted_event_is_found(ctx, factories):
    agency = factories.agency()
    for i in range(4):
        audit.record("uji.ubah", agency, actor=None, changes={"i": i})
    db.session.commit()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 2))
    db.session.commit()
    checked, bad, why = audit.verify_chain()
    assert checked == 1 and bad.seq == 3 and "missing" in why


def test_audit_verify_command(app, ctx, factories):
    agency = factories.agency()
    audit.record("uji.ubah", agency, actor=None)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ppid", "audit-verify"])
    assert result.exit_code == 0 and "rantai hash utuh" in result.output
    db.session.execute(sa.update(AuditEvent).values(action="uji.palsu"))
    db.session.commit()
    result = runner.invoke(args=["ppid", "audit-verify"])
    assert result.exit_code == 1 and "seq=1" in result.output


def test_diff_lists_only_changed_fields():
    assert audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": [2, 3], "c": [None, 4]}


def test_rolled_back_change_leaves_no_event_and_no_gap(ctx, factories):
    agency = factories.agency()
    db.session.commit()
    audit.record("uji.batal", agency, actor=None)
    db.session.rollback()
    audit.record("uji.jadi", agency, actor=None)
    db.session.commit()
    assert [(e.seq, e.action) for e in _events()] == [(1, "uji.jadi")]
