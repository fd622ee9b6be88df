"""Bounces and complaints about followers' mail (issue #19 section 3): the MTA pipes each
delivery report to ``flask ppid mail-bounce`` (or it is read from a Maildir); hard bounces
suspend an address after FOLLOW_HARD_BOUNCES, a complaint unsubscribes it at once, and a
suspended address follows again only through double opt-in. Mail through a real SMTP
server."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ppid.broadcasts import services as bs
from ppid.broadcasts.models import MailBounce, Subscription
from ppid.core import auth
from ppid.core.mail import deliver_pending
from ppid.extensions import db
from ppid.registry import services as registry
from tests.unit.test_following_rules import ARF, DSN
from tests.web.test_broadcasts import _item


def dsn(n, address="hilang@contoh.id", status="5.1.1", action="failed"):
    """A DSN with its own Message-ID about one recipient."""
    return (DSN.replace(b"<dsn-1@mx.contoh.id>", f"<dsn-{n}@mx.contoh.id>".encode())
            .replace(b"Hilang@Contoh.id", address.encode())
            .replace(b"Action: failed\nStatus: 5.1.1", f"Action: {action}\nStatus: {status}"
                     .encode(), 1))


def bounce(app, raw):
    out = app.test_cli_runner().invoke(args=["ppid", "mail-bounce"], input=raw)
    assert out.exit_code == 0, out.output
    return out.output


@pytest.fixture
def world(factories):
    agency = factories.agency(name="BPBD Pental", slug="bpbd-pental")
    officer = factories.user(auth.HELPER, agency)
    db.session.commit()
    subs = []
    for target in (agency, None):
        s = bs.follow("hilang@contoh.id", target)
        bs.confirm(s)
        subs.append(s)
    other = bs.follow("tetap@contoh.id", agency)
    bs.confirm(other)
    db.session.commit()
    return agency, officer, subs, other


def _broadcast_recipients(agency, officer, smtp_server, title):
    registry.publish_item(_item(agency, officer, title), actor=officer)
    db.session.commit()
    deliver_pending()
    return sorted(m["to"][0] for m in smtp_server.messages if title in m["body"])


def test_hard_bounces_suspend_the_address_after_the_limit(app, world, smtp_server):
    agency, officer, subs, other = world
    assert app.config["FOLLOW_HARD_BOUNCES"] == 3
    assert "pentalan keras 1" in bounce(app, dsn(1))
    bounce(app, dsn(1))  # the same report again (the MTA retried the pipe): counts once
    bounce(app, dsn(2, status="4.2.2"))  # a soft bounce does not count
    bounce(app, dsn(3, action="delayed", status="4.4.1"))
    bounce(app, dsn(4))
    db.session.expire_all()
    assert all(db.session.get(Subscription, s.id).is_live for s in subs)
    out = bounce(app, dsn(5))
    assert "ditangguhkan 2 langganan" in out
    db.session.expire_all()
    assert [db.session.get(Subscription, s.id).suspended_at is not None for s in subs] == \
        [True, True]
    counts = dict(db.session.execute(sa.select(MailBounce.kind, sa.func.count())
                                     .group_by(MailBounce.kind)).all())
    assert counts == {"hard": 3, "soft": 2}
    # A broadcast now goes to the other follower only.
    assert _broadcast_recipients(agency, officer, smtp_server, "Banjir bandang") == \
        ["tetap@contoh.id"]
    actions = db.session.execute(sa.text(
        "SELECT action FROM audit_event WHERE action IN ('follow.bounce', 'follow.suspend')"
    )).scalars().all()
    assert actions.count("follow.bounce") == 5 and actions.count("follow.suspend") == 2


def test_a_suspended_address_follows_again_through_double_opt_in(app, client, world,
                                                                 smtp_server):
    agency, officer, subs, other = world
    for n in range(3):
        bounce(app, dsn(10 + n))
    deliver_pending()
    smtp_server.messages.clear()  # the world's confirmation mails
    for s in subs:  # they were sent over an hour ago (one an hour at most)
        s.confirm_sent_at -= timedelta(hours=2)
    db.session.commit()
    # The old mails' links no longer confirm it: following again sends a new link.
    old_token = subs[0].token
    assert client.post("/ikuti?badan=bpbd-pental", data={"email": "hilang@contoh.id",
                                                         "frequency": "harian"}).status_code == 302
    deliver_pending()
    [mail] = smtp_server.messages
    link = re.search(r"http://localhost(/ikuti/konfirmasi/\S+)", mail["body"]).group(1)
    assert old_token not in link
    assert client.post(link).status_code == 200  # the page's button confirms
    db.session.expire_all()
    sub = db.session.get(Subscription, subs[0].id)
    assert sub.is_live and sub.suspended_at is None
    # Confirming counts bounces afresh: one more hard bounce does not suspend it again.
    bounce(app, dsn(20))
    db.session.expire_all()
    assert db.session.get(Subscription, subs[0].id).is_live


def test_a_complaint_unsubscribes_at_once(app, world, smtp_server):
    agency, officer, subs, other = world
    raw = ARF.replace(b"Pengadu@Contoh.id", b"Tetap@Contoh.id")
    assert "keluhan 1" in bounce(app, raw)
    db.session.expire_all()
    assert db.session.get(Subscription, other.id).unsubscribed_at is not None
    assert _broadcast_recipients(agency, officer, smtp_server, "Longsor") == \
        ["hilang@contoh.id"]
    reasons = db.session.execute(sa.text(
        "SELECT changes FROM audit_event WHERE action = 'follow.unsubscribe'")).scalars().all()
    assert len(reasons) == 1 and "complaint" in reasons[0]


def test_reports_about_addresses_that_follow_nothing_are_not_kept(app, world):
    out = bounce(app, dsn(30, address="orang.lain@contoh.id"))
    assert "diabaikan 3" in out  # its three recipients follow nothing
    assert bounce(app, b"From: a@b.id\nSubject: Saya sedang cuti\n\nSampai Senin.\n")
    assert db.session.execute(sa.select(MailBounce.email)).scalars().all() == []


def test_reports_from_a_maildir(app, world, tmp_path):
    agency, officer, subs, other = world
    box = tmp_path / "bounces"
    for sub in ("new", "cur", "tmp"):
        (box / sub).mkdir(parents=True)
    for n in range(3):
        (box / "new" / f"17000000{n}.M1P1.mx").write_bytes(dsn(40 + n))
    out = app.test_cli_runner().invoke(args=["ppid", "mail-bounce", "--maildir", str(box)])
    assert out.exit_code == 0, out.output
    assert "laporan: 3" in out.output and "ditangguhkan 2 langganan" in out.output
    assert list((box / "new").iterdir()) == []
    assert sorted(p.name for p in (box / "cur").iterdir()) == [
        f"17000000{n}.M1P1.mx:2,S" for n in range(3)]
    # Read again: nothing new in new/, nothing counted twice.
    again = app.test_cli_runner().invoke(args=["ppid", "mail-bounce", "--maildir", str(box)])
    assert "laporan: 0" in again.output
    bad = app.test_cli_runner().invoke(args=["ppid", "mail-bounce", "--maildir",
                                             str(tmp_path / "tidak-ada")])
    assert bad.exit_code != 0 and "bukan Maildir" in bad.output
