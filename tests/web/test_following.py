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
    # Opening the link confirms nothing: mail scanners and link previews open every link
    # of a mail, and a subscription they confirmed would prove no one's consent. The
    # page's one button does.
    link = _link(mail["body"], "konfirmasi")
    page = client.get(link)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    assert f'action="{link}"' in page.get_data(as_text=True)
    sub = db.session.execute(sa.select(Subscription)).scalar_one()
    assert sub.confirmed_at is None and not sub.is_live
    confirm = client.post(link)
    assert confirm.status_code == 200 and confirm.headers["Cache-Control"] == "private, no-store"
    assert "langganan Anda aktif" in confirm.get_data(as_text=True)
    db.session.expire_all()
    sub = db.session.execute(sa.select(Subscription)).scalar_one()
    assert sub.is_live
    assert client.post(link).status_code == 200  # twice: still one confirmation
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
    assert client.post("/ikuti/konfirmasi/tidak-ada").status_code == 404
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


def _rows(page):
    """(what, state) of each row of the subscriptions table."""
    html = page.get_data(as_text=True)
    return re.findall(r'<th scope="row">([^<]+)</th>\s*<td>([^<]+)</td>', html)


def test_a_signed_in_citizen_manages_their_subscriptions(app, client, factories):
    agency = factories.agency(name="Dinas Langganan", slug="dinas-langganan")
    citizen = factories.user(auth.CITIZEN, email="warga.kelola@contoh.id")
    other = factories.user(auth.CITIZEN, email="warga.lain@contoh.id")
    db.session.commit()
    assert client.get("/ikuti/langganan").status_code == 302  # sign in first
    mine = bs.follow(None, agency, user=citizen)
    gov = bs.follow(None, None, user=citizen, frequency="mingguan")
    theirs = bs.follow(None, agency, user=other)
    db.session.commit()
    login(client, citizen)
    page = client.get("/ikuti/langganan")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    assert _rows(page) == [("Dinas Langganan", "Aktif"), ("semua badan publik", "Aktif")]
    assert "warga.lain" not in page.get_data(as_text=True)
    # Weekly instead of daily; then stop one; then follow it again.
    assert client.post(f"/ikuti/langganan/{mine.id}", data={
        "ubah": "frekuensi", f"s{mine.id}-frequency": "mingguan"}).status_code == 302
    assert client.post(f"/ikuti/langganan/{gov.id}", data={"ubah": "berhenti"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Subscription, mine.id).frequency == "mingguan"
    assert not db.session.get(Subscription, gov.id).is_live
    assert ("semua badan publik", "Berhenti") in _rows(client.get("/ikuti/langganan"))
    assert client.post(f"/ikuti/langganan/{gov.id}", data={"ubah": "lanjut"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Subscription, gov.id).is_live
    # Bad input: a message, nothing changed; another's subscription does not exist for them.
    bad = client.post(f"/ikuti/langganan/{mine.id}", data={
        "ubah": "frekuensi", f"s{mine.id}-frequency": "tiap menit"})
    assert bad.status_code == 422 and "harian atau mingguan" in bad.get_data(as_text=True)
    assert client.post(f"/ikuti/langganan/{mine.id}", data={"ubah": "apa"}).status_code == 422
    assert client.post(f"/ikuti/langganan/{theirs.id}",
                       data={"ubah": "berhenti"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Subscription, theirs.id).is_live
    assert db.session.get(Subscription, mine.id).frequency == "mingguan"
    actions = db.session.execute(sa.text(
        "SELECT action FROM audit_event WHERE action IN ('follow.frequency', "
        "'follow.unsubscribe', 'follow.resume') ORDER BY id")).scalars().all()
    assert actions == ["follow.frequency", "follow.unsubscribe", "follow.resume"]


def test_an_email_only_subscriber_manages_through_the_signed_link(app, client, factories,
                                                                  smtp_server):
    agency = factories.agency(name="Dinas Tautan", slug="dinas-tautan")
    db.session.commit()
    for target in (agency, None):
        bs.confirm(bs.follow("tautan@contoh.id", target))
    bs.confirm(bs.follow("orang.lain@contoh.id", agency))
    db.session.commit()
    deliver_pending()
    smtp_server.messages.clear()
    officer = factories.user(auth.HELPER, agency)
    db.session.commit()
    registry.publish_item(_item(agency, officer, "Angin puting beliung"), actor=officer)
    db.session.commit()
    deliver_pending()
    mail = next(m for m in smtp_server.messages if m["to"] == ["tautan@contoh.id"])
    link = re.search(r"http://localhost(/ikuti/kelola/\S+)", mail["body"]).group(1)
    anon = app.test_client()
    page = anon.get(link)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    assert _rows(page) == [("Dinas Tautan", "Aktif"), ("semua badan publik", "Aktif")]
    sub = db.session.execute(sa.select(Subscription).where(
        Subscription.email == "tautan@contoh.id", Subscription.agency_id.is_(None))).scalar_one()
    other = db.session.execute(sa.select(Subscription).where(
        Subscription.email == "orang.lain@contoh.id")).scalar_one()
    assert anon.post(f"{link}/{sub.id}", data={"ubah": "frekuensi",
                                               f"s{sub.id}-frequency": "mingguan"}).status_code == 302
    assert anon.post(f"{link}/{other.id}", data={"ubah": "berhenti"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Subscription, sub.id).frequency == "mingguan"
    assert db.session.get(Subscription, other.id).is_live
    # An altered or forged link opens nothing.
    assert anon.get(link[:-3] + "abc").status_code == 404
    assert anon.get("/ikuti/kelola/" + "x" * 2000).status_code == 404
    # The link names no address (it signs a subscription's number).
    assert "tautan" not in link and "contoh" not in link
    # An expired one (FOLLOW_MANAGE_LINK_DAYS) opens nothing but can mail a fresh link
    # to the address (never to whoever holds the old one), once an hour.
    import time
    app.config["FOLLOW_MANAGE_LINK_DAYS"] = 0
    try:
        time.sleep(1.1)
        expired = anon.get(link)
        assert expired.status_code == 410
        html = expired.get_data(as_text=True)
        assert "kedaluwarsa" in html and _rows(expired) == []  # no subscription shown
        assert anon.post(f"{link}/{sub.id}", data={"ubah": "berhenti"}).status_code == 404
        smtp_server.messages.clear()
        assert anon.post(f"{link}/baru").status_code == 200
        assert anon.post(f"{link}/baru").status_code == 200
        deliver_pending()
        [fresh] = smtp_server.messages
        assert fresh["to"] == ["tautan@contoh.id"]
        new_link = re.search(r"http://localhost(/ikuti/kelola/\S+)", fresh["body"]).group(1)
    finally:
        app.config["FOLLOW_MANAGE_LINK_DAYS"] = 60
    assert _rows(anon.get(new_link))[0] == ("Dinas Tautan", "Aktif")
    assert anon.post("/ikuti/kelola/tidak-sah/baru").status_code == 404


def test_no_subscriber_address_on_any_public_page_feed_api_search_or_export(
        app, client, factories, smtp_server):
    """The canary follows everything there is to follow and bounces once; no public
    output names it (DOMAIN.md section 11)."""
    from ppid.registry.models import Obligation
    agency = factories.agency(slug="bpbd-kanari2", name="BPBD Kanari")
    ob = Obligation(code="K9", title="Kewajiban Kanari", period_months=6)
    db.session.add(ob)
    db.session.commit()
    for kwargs in ({"agency": agency}, {}, {"agency": agency, "obligation": ob},
                   {"query": "banjir", "filters": {"agency": "bpbd-kanari2"}}):
        bs.confirm(bs.follow(CANARY, **kwargs))
    db.session.commit()
    from tests.unit.test_following_rules import DSN
    bs.record_report(DSN.replace(b"Hilang@Contoh.id", CANARY.encode()))
    db.session.commit()
    anon = app.test_client()
    urls = ["/", "/serta-merta", "/serta-merta.atom", "/serta-merta.json",
            "/badan/bpbd-kanari2", "/badan/bpbd-kanari2/kewajiban/K9", "/ikuti",
            "/ikuti?badan=bpbd-kanari2&kewajiban=K9", "/ikuti/pencarian?q=banjir",
            "/berita.json", "/berita.atom", "/dip.atom", "/api/v1/agencies",
            "/api/v1/search?q=banjir", "/cari?q=kanari", "/badan/bpbd-kanari2/dip.csv",
            "/permohonan/register"]
    for url in urls:
        resp = anon.get(url)
        assert resp.status_code < 500, url
        assert CANARY not in resp.get_data(as_text=True), url
    officer = factories.user(auth.MAIN)
    db.session.commit()
    login(client, officer)
    for url in ("/kelola/serta-merta/1", "/kelola/dip/matriks", "/ikuti/langganan"):
        assert CANARY not in client.get(url).get_data(as_text=True), url


def test_ended_subscriptions_are_erased_after_the_retention_period(app, factories,
                                                                  smtp_server):
    from ppid.broadcasts.models import FollowDelivery, MailBounce
    from ppid.core.models import OutboxMail
    agency = factories.agency(slug="dinas-retensi")
    db.session.commit()
    long_ago = utcnow() - timedelta(days=120)
    old = bs.follow("lama@contoh.id", agency, now=long_ago)
    bs.confirm(old, now=long_ago)
    bs.unsubscribe(old, now=long_ago + timedelta(days=1))
    never = bs.follow("tak.dikonfirmasi@contoh.id", agency, now=long_ago)
    recent = bs.follow("baru.berhenti@contoh.id", agency)
    bs.confirm(recent)
    bs.unsubscribe(recent)
    live = bs.follow("aktif@contoh.id", agency, now=long_ago)
    bs.confirm(live, now=long_ago)
    db.session.commit()
    from tests.unit.test_following_rules import DSN
    bs.record_report(DSN.replace(b"Hilang@Contoh.id", b"lama@contoh.id"))
    db.session.commit()
    ids = {"old": old.id, "never": never.id}
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["ppid", "purge-personal-data", "--dry-run"])
    assert dry.exit_code == 0 and "akan dihapus beserta alamatnya: 2" in dry.output
    out = runner.invoke(args=["ppid", "purge-personal-data"])
    assert out.exit_code == 0 and "dihapus beserta alamatnya: 2" in out.output, out.output
    emails = set(db.session.execute(sa.select(Subscription.email)).scalars())
    assert emails == {"baru.berhenti@contoh.id", "aktif@contoh.id"}
    outbox = set(db.session.execute(sa.select(OutboxMail.to_address)).scalars())
    assert "lama@contoh.id" not in outbox and "tak.dikonfirmasi@contoh.id" not in outbox
    assert db.session.execute(sa.select(MailBounce)).first() is None
    assert db.session.execute(sa.select(FollowDelivery).where(
        FollowDelivery.subscription_id.in_(list(ids.values())))).first() is None
    events = db.session.execute(sa.text(
        "SELECT changes FROM audit_event WHERE action = 'follow.purge'")).scalars().all()
    assert len(events) == 2 and not any("@" in (e or "") for e in events)
    # Idempotent: a second run erases nothing.
    again = runner.invoke(args=["ppid", "purge-personal-data"])
    assert "dihapus beserta alamatnya: 0" in again.output
