"""The publication desk's services (issue #19): draft, submit, return, resubmit, schedule,
publish, withdraw; rights per role and per agency; every step on the timeline and in the
audit log; a scheduled item public at its time without any write, then recorded by the
job runner."""
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ppid.core import auth, jobs
from ppid.core.db import utcnow
from ppid.core.models import AuditEvent, Job
from ppid.extensions import db
from ppid.publications import services
from ppid.publications.models import Publication, PublicationEvent
from ppid.publications.rules import PublicationState as S
from tests.conftest import make_agency, make_user

DATA = {"title": "Imunisasi HPV di sekolah", "summary": "Ringkasan imunisasi.",
        "body": "Isi **berita**.", "tags": "Kesehatan, imunisasi"}


@pytest.fixture
def world(ctx):
    a, b = make_agency(), make_agency()
    w = {"a": a, "b": b,
         "humas_a": make_user(auth.HUMAS, a), "helper_a": make_user(auth.HELPER, a),
         "humas_b": make_user(auth.HUMAS, b), "atasan_a": make_user(auth.ATASAN, a),
         "main": make_user(auth.MAIN), "auditor": make_user(auth.AUDITOR),
         "citizen": make_user(auth.CITIZEN), "admin": make_user(auth.ADMIN)}
    db.session.commit()
    return w


def _events(pub):
    return db.session.execute(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "Publication", AuditEvent.object_id == str(pub.id))
        .order_by(AuditEvent.id)).scalars().all()


def _timeline(pub):
    return db.session.execute(sa.select(PublicationEvent.step, PublicationEvent.state)
                              .where(PublicationEvent.publication_id == pub.id)
                              .order_by(PublicationEvent.id)).all()


def test_the_whole_flow_on_the_timeline_and_in_the_audit_log(world):
    humas, main = world["humas_a"], world["main"]
    t0 = utcnow()
    pub = services.create_draft(world["a"], DATA, actor=humas, now=t0)
    assert pub.state == S.DRAFT and pub.tag_list == ["kesehatan", "imunisasi"]
    services.update(pub, {"title": "Imunisasi HPV untuk siswi"}, actor=humas, now=t0)
    services.submit(pub, actor=humas, now=t0 + timedelta(minutes=1))
    assert pub.state == S.SUBMITTED and pub.submitted_at is not None
    services.return_to_agency(pub, "Tambahkan jadwal per kabupaten.", actor=main,
                              now=t0 + timedelta(minutes=2))
    assert pub.state == S.RETURNED and pub.return_comment == "Tambahkan jadwal per kabupaten."
    services.update(pub, {"body": "Jadwal: ..."}, actor=humas, now=t0 + timedelta(minutes=3))
    services.submit(pub, actor=humas, now=t0 + timedelta(minutes=4))
    at = utcnow() + timedelta(hours=2)
    services.schedule(pub, at, actor=main, now=t0 + timedelta(minutes=5))
    assert pub.state == S.SCHEDULED and pub.published_at == at
    services.publish(pub, actor=main, now=t0 + timedelta(minutes=6))
    assert pub.state == S.PUBLISHED
    services.withdraw(pub, "Data jadwal keliru.", actor=main, now=t0 + timedelta(minutes=7))
    assert pub.state == S.WITHDRAWN and pub.withdrawal_reason == "Data jadwal keliru."
    db.session.commit()
    steps = ["created", "edited", "submitted", "returned", "edited", "submitted",
             "scheduled", "published", "withdrawn"]
    assert [s for s, _state in _timeline(pub)] == steps
    assert _events(pub) == [f"publication.{s}" for s in steps]
    returned = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "publication.returned")).scalar_one()
    changes = json.loads(returned.changes)
    assert changes["state"] == ["submitted", "returned"]
    assert changes["comment"] == "Tambahkan jadwal per kabupaten."
    assert returned.actor_id == main.id and returned.agency_id == world["a"].id


def test_drafters_of_another_agency_and_other_roles_cannot_touch_a_draft(world):
    pub = services.create_draft(world["a"], DATA, actor=world["humas_a"])
    db.session.commit()
    for who in ("humas_b", "atasan_a", "auditor", "citizen", "admin", "main"):
        user = world[who]
        with pytest.raises(services.NotAllowed):
            services.update(pub, {"title": "Diubah"}, actor=user)
        with pytest.raises(services.NotAllowed):
            services.submit(pub, actor=user)
    for who in ("humas_b", "citizen", "admin", "atasan_a"):
        assert not auth.can(world[who], "publication.view", pub), who
    with pytest.raises(services.NotAllowed):
        services.create_draft(world["a"], DATA, actor=world["humas_b"])
    for who in ("auditor", "citizen", "main", "admin", "atasan_a"):
        with pytest.raises(services.NotAllowed):
            services.create_draft(world["a"], DATA, actor=world[who])
    db.session.rollback()
    assert db.session.get(Publication, pub.id).title == DATA["title"]
    assert _events(pub) == ["publication.created"]


def test_only_the_ppid_utama_reviews(world):
    pub = services.create_draft(world["a"], DATA, actor=world["helper_a"])
    services.submit(pub, actor=world["helper_a"])
    db.session.commit()
    later = utcnow() + timedelta(hours=1)
    for who in ("humas_a", "helper_a", "humas_b", "atasan_a", "auditor", "admin"):
        user = world[who]
        for step in (lambda: services.publish(pub, actor=user),
                     lambda: services.schedule(pub, later, actor=user),
                     lambda: services.return_to_agency(pub, "x", actor=user),
                     lambda: services.withdraw(pub, "x", actor=user)):
            with pytest.raises(services.NotAllowed):
                step()
    db.session.rollback()
    assert db.session.get(Publication, pub.id).state == S.SUBMITTED
    # Once submitted, the agency no longer edits it; the desk does.
    assert not auth.can(world["humas_a"], "publication.edit", pub)
    assert auth.can(world["main"], "publication.edit", pub)


def test_refused_steps_leave_nothing(world):
    humas, main = world["humas_a"], world["main"]
    pub = services.create_draft(world["a"], {**DATA, "summary": ""}, actor=humas)
    db.session.commit()
    with pytest.raises(services.PublicationError):
        services.submit(pub, actor=humas)  # no summary
    db.session.rollback()
    services.update(pub, {"summary": "Ringkasan."}, actor=humas)
    services.submit(pub, actor=humas)
    db.session.commit()
    with pytest.raises(services.PublicationError):
        services.schedule(pub, utcnow() - timedelta(minutes=5), actor=main)
    with pytest.raises(services.PublicationError):
        services.return_to_agency(pub, "   ", actor=main)
    with pytest.raises(services.PublicationError):
        services.withdraw(pub, "belum terbit", actor=main)
    db.session.rollback()
    assert db.session.get(Publication, pub.id).state == S.SUBMITTED
    with pytest.raises(services.PublicationError):
        services.create_draft(world["a"], {**DATA, "tags": ",".join(
            f"t{i}" for i in range(20))}, actor=humas)
    db.session.rollback()


def test_related_items_must_be_the_agencys_own(world):
    from ppid.registry import services as reg
    item_b = reg.create_item(world["b"], {
        "title": "DIP B", "summary": "x", "holding_unit": "x", "responsible": "x",
        "made_at_place": "", "made_on": None, "form": "cetak_elektronik", "retention": "",
        "category": "berkala", "obligation_id": None, "event_at": None}, actor=world["main"])
    db.session.commit()
    with pytest.raises(services.PublicationError):
        services.create_draft(world["a"], {**DATA, "dip_item_id": item_b.id},
                              actor=world["humas_a"])
    db.session.rollback()
    pub = services.create_draft(world["b"], {**DATA, "dip_item_id": item_b.id},
                                actor=world["humas_b"])
    assert pub.dip_item_id == item_b.id


def _submitted(world):
    pub = services.create_draft(world["a"], DATA, actor=world["humas_a"])
    services.submit(pub, actor=world["humas_a"])
    return pub


def test_a_scheduled_item_is_public_at_its_time_without_a_write(world):
    main = world["main"]
    pub = _submitted(world)
    at = utcnow() + timedelta(hours=3)
    services.schedule(pub, at, actor=main)
    db.session.commit()
    ids = lambda now: [p.id for p in db.session.execute(  # noqa: E731
        services.public_query(now=now)).scalars()]
    assert ids(utcnow()) == [] and ids(at - timedelta(seconds=1)) == []
    assert ids(at) == [pub.id] and ids(at + timedelta(days=1)) == [pub.id]
    assert services.clock_stamp(at - timedelta(seconds=1)) != services.clock_stamp(at)
    # The job that records it was queued for that moment; it does nothing before.
    job = db.session.execute(sa.select(Job).where(
        Job.kind == services.GO_LIVE_JOB)).scalar_one()
    assert abs((job.run_after - at).total_seconds()) < 5
    assert services.go_live(pub.id, now=at - timedelta(seconds=1)) is False
    assert services.go_live(pub.id, now=at) is True
    db.session.commit()
    assert pub.state == S.PUBLISHED
    assert _events(pub)[-1] == "publication.went_live"
    went = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "publication.went_live")).scalar_one()
    assert went.actor_id is None  # the system


def test_the_job_runner_records_the_moment(world, ctx):
    main = world["main"]
    pub = _submitted(world)
    services.schedule(pub, utcnow() + timedelta(seconds=1), actor=main)
    db.session.commit()
    import time
    time.sleep(1.2)
    outcomes = jobs.run_pending(ctx)
    assert outcomes["done"] == 1
    db.session.expire_all()
    assert db.session.get(Publication, pub.id).state == S.PUBLISHED


def test_returned_scheduled_item_is_no_longer_due(world, ctx):
    main = world["main"]
    pub = _submitted(world)
    services.schedule(pub, utcnow() + timedelta(seconds=1), actor=main)
    services.return_to_agency(pub, "Ganti foto.", actor=main)
    db.session.commit()
    assert pub.published_at is None
    db.session.rollback()
    import time
    time.sleep(1.2)
    assert jobs.run_pending(ctx)["done"] == 1  # it ran, and found nothing to do
    db.session.expire_all()
    assert db.session.get(Publication, pub.id).state == S.RETURNED


def test_desk_queue_holds_every_agency(world):
    pa = _submitted(world)
    pb = services.create_draft(world["b"], DATA, actor=world["humas_b"])
    services.submit(pb, actor=world["humas_b"], now=utcnow() + timedelta(seconds=1))
    draft = services.create_draft(world["b"], DATA, actor=world["humas_b"])
    db.session.commit()
    submitted, scheduled = services.desk_queue()
    assert [p.id for p in submitted] == [pa.id, pb.id] and scheduled == []
    assert draft.id not in [p.id for p in submitted]


def test_publish_due_command_records_what_is_due(world, ctx):
    pub = _submitted(world)
    at = utcnow() + timedelta(hours=1)
    services.schedule(pub, at, actor=world["main"])
    db.session.commit()
    runner = ctx.test_cli_runner()
    early = runner.invoke(args=["ppid", "publish-due", "--now",
                                (at - timedelta(minutes=1)).isoformat()])
    assert early.exit_code == 0 and early.output.strip().endswith(": 0")
    due = runner.invoke(args=["ppid", "publish-due", "--now", at.isoformat()])
    assert due.exit_code == 0 and due.output.strip().endswith(": 1"), due.output
    db.session.expire_all()
    assert db.session.get(Publication, pub.id).state == S.PUBLISHED
