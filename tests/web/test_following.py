"""Following (issue #19 section 3): double opt-in by e-mail through a real SMTP server, a
signed-in citizen follows at once, one-click unsubscribe honoured, the confirmation mail
throttled, and subscriber addresses never public."""
import re
from datetime import timedelta

import sqlalchemy as sa

from ppid.broadcasts import services as bs
from ppid.broadcasts.models import Subscription
from ppid.core import auth
from ppid.core.db import utcnow
from ppid.core.mail import deliver_pending
from ppid.extensions import db
from ppid.registry import services as registry
from tests.conftest import login
from tests.web.test_broadcasts import CANARY, _item


def _link(body, kind):
    return re.search(rf"http://localhost(/ikuti/{kind}/[A-Za-z0-9_-]+)", body).group(1)


def test_double_opt_in_then_one_click_unsubscribe(app, client, factories, smtp_server):
    agency = factories.agency(name="BPBD Ikuti", slug="bpbd-ikuti")
    officer = factories.user(auth.HELPER, agency)
    db.session.commit()
    resp = client.post("/ikuti?badan=bpbd-ikuti", data={"email": " Warga.Baru@Contoh.id "})
    assert resp.status_code == 302
    deliver_pending()
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["to"] == ["warga.baru@contoh.id"] and "BPBD Ikuti" in mail["subject"]
    # Unconfirmed: a broadcast mails nobody.
    registry.publish_item(_item(agency, officer), actor=officer)
    db.session.commit()
    deliver_pending()
    assert len(smtp_server.messages) == 1
    # Asking again within the hour sends no second confirmation mail (no mail bombing).
    client.post("/ikuti?badan=bpbd-ikuti", data={"email": "warga.baru@contoh.id"})
    deliver_pending()
    assert len(smtp_server.messages) == 1
    confirm = client.get(_link(mail["body"], "konfirmasi"))
    assert confirm.status_code == 200 and confirm.headers["Cache-Control"] == "private, no-store"
    sub = db.session.execute(sa.select(Subscription)).scalar_one()
    assert sub.is_live
    registry.publish_item(_item(agency, officer, "Kebakaran lahan"), actor=officer)
    db.session.commit()
    deliver_pending()
    assert len(smtp_server.messages) == 2
    news = smtp_server.messages[1]
    assert "Kebakaran lahan" in news["subject"]
    leave = _link(news["body"], "berhenti")
    # RFC 2369 / RFC 8058: the mail client's unsubscribe button, POSTing to the same link.
    msg = news["message"]
    assert "".join(msg["List-Unsubscribe"].split()) == f"<http://localhost{leave}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Opening the link (a person, or a mail scanner that opens every link) changes nothing:
    # the page has the one button.
    page = client.get(leave)
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Subscription, sub.id).is_live
    # The mail client's one-click POST (no form token, no cookie) unsubscribes at once.
    fresh = app.test_client()
    assert fresh.post(leave, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.expire_all()
    assert not db.session.get(Subscription, sub.id).is_live
    assert client.post(leave).status_code == 200  # again: still unsubscribed, no error
    registry.publish_item(_item(agency, officer, "Banjir kedua"), actor=officer)
    db.session.commit()
    deliver_pending()
    assert len(smtp_server.messages) == 2
    actions = db.session.execute(sa.text(
        "SELECT action FROM audit_event WHERE action LIKE 'follow.%' ORDER BY id")).scalars().all()
    assert actions == ["follow.create", "follow.confirm", "follow.unsubscribe"]


def test_signed_in_citizen_follows_at_once(app, client, factories):
    citizen = factories.user(auth.CITIZEN, email="warga.akun@contoh.id")
    db.session.commit()
    login(client, citizen)
    page = client.get("/ikuti")
    assert "warga.akun@contoh.id" in page.get_data(as_text=True)
    assert client.post("/ikuti", data={}).status_code == 302
    sub = db.session.execute(sa.select(Subscription)).scalar_one()
    assert sub.is_live and sub.target == "government" and sub.user_id == citizen.id


def test_bad_address_and_unknown_token(app, client):
    resp = client.post("/ikuti", data={"email": "bukan-alamat"})
    assert resp.status_code == 422 and "tidak valid" in resp.get_data(as_text=True)
    assert client.get("/ikuti/konfirmasi/tidak-ada").status_code == 404
    assert client.get("/ikuti/berhenti/" + "x" * 500).status_code == 404
    assert client.get("/ikuti?badan=tidak-ada").status_code == 404


def test_subscriber_address_is_never_public(app, client, factories):
    agency = factories.agency(slug="bpbd-kanari")
    db.session.commit()
    bs.follow(CANARY, agency)
    db.session.commit()
    anon = app.test_client()
    for url in ("/", "/serta-merta", "/serta-merta.atom", "/serta-merta.json",
                "/badan/bpbd-kanari", "/ikuti", "/ikuti?badan=bpbd-kanari", "/berita.json",
                "/api/v1/agencies"):
        assert CANARY not in anon.get(url).get_data(as_text=True), url
    assert "/ikuti?badan=bpbd-kanari" in anon.get("/badan/bpbd-kanari").get_data(as_text=True)


def test_daily_digest_through_the_cli_once_per_item(app, factories, smtp_server):
    from ppid.publications import services as pubs
    agency = factories.agency(name="Dinas Digest", slug="dinas-digest")
    other = factories.agency(name="Dinas Tak Diikuti", slug="dinas-tak-diikuti")
    officer = factories.user(auth.HELPER, agency)
    humas = factories.user(auth.HUMAS, agency)
    main = factories.user(auth.MAIN)
    db.session.commit()
    sub = bs.follow("pengikut.digest@contoh.id", agency)
    bs.confirm(sub)
    gone = bs.follow("berhenti.digest@contoh.id", agency)
    bs.confirm(gone)
    bs.unsubscribe(gone)
    db.session.commit()

    def item(owner, title, category="setiap_saat"):
        it = registry.create_item(owner, {
            "title": title, "summary": "x", "holding_unit": "", "responsible": "",
            "made_at_place": "", "made_on": None, "form": "elektronik", "retention": "",
            "category": category, "obligation_id": None, "event_at": None}, actor=officer)
        registry.publish_item(it, actor=main)
    item(agency, "Standar Pelayanan Dinas Digest")
    item(other, "Informasi dinas lain")
    pub = pubs.create_draft(agency, {"title": "Berita Dinas Digest", "summary": "Ringkas",
                                     "body": "Isi berita."}, actor=humas)
    pubs.submit(pub, actor=humas)
    pubs.publish(pub, actor=main)
    db.session.commit()
    deliver_pending()
    smtp_server.messages.clear()  # the two confirmation mails
    runner = app.test_cli_runner()
    out = runner.invoke(args=["ppid", "send-digest"])
    assert out.exit_code == 0, out.output
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["to"] == ["pengikut.digest@contoh.id"]
    assert "Standar Pelayanan Dinas Digest" in mail["body"] and "Berita Dinas Digest" in mail["body"]
    assert "dinas lain" not in mail["body"] and "/ikuti/berhenti/" in mail["body"]
    # Run again: nothing new, nothing sent; a new item comes alone in the next digest,
    # the next day (a daily digest is sent once a day).
    assert runner.invoke(args=["ppid", "send-digest"]).exit_code == 0
    assert len(smtp_server.messages) == 1
    item(agency, "Laporan Layanan Dinas Digest")
    db.session.commit()
    runner.invoke(args=["ppid", "send-digest"])
    assert len(smtp_server.messages) == 1
    tomorrow = (utcnow() + timedelta(days=1)).isoformat()
    out = runner.invoke(args=["ppid", "send-digest", "--now", tomorrow])
    assert out.exit_code == 0, out.output
    assert len(smtp_server.messages) == 2
    second = smtp_server.messages[1]["body"]
    assert "Laporan Layanan" in second and "Standar Pelayanan" not in second


def test_mail_links_come_from_base_url_outside_a_request_too(app, monkeypatch):
    """The demo's seeding and the cron digest build links with no request and no
    SERVER_NAME (a production setting); the links come from BASE_URL."""
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    monkeypatch.setitem(app.config, "BASE_URL", "https://ppid.example.go.id/")
    with app.app_context():
        assert bs.mail_url("broadcasts.crisis", broadcast_id=3) == \
            "https://ppid.example.go.id/serta-merta/3"
        assert bs.mail_url("broadcasts.unsubscribe", token="abc") == \
            "https://ppid.example.go.id/ikuti/berhenti/abc"
