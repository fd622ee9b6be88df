"""Following (issue #19 section 3): double opt-in by e-mail through a real SMTP server, a
signed-in citizen follows at once, one-click unsubscribe honoured, the confirmation mail
throttled, and subscriber addresses never public."""
import re

import sqlalchemy as sa

from ppid.broadcasts import services as bs
from ppid.broadcasts.models import Subscription
from ppid.core import auth
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
    assert client.get(leave).status_code == 200
    db.session.expire_all()
    assert not db.session.get(Subscription, sub.id).is_live
    # RFC 8058 one-click POST works too (no form token), and stays unsubscribed.
    assert client.post(leave).status_code == 200
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
