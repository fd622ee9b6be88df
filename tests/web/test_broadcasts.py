"""Serta-merta broadcasts (issue #19 section 2): publishing a serta-merta DIP item starts a
broadcast; its banner is on every public page until an officer ends it; the crisis page
shows the announcement's parts in order and the update log newest first; followers of the
government and of the agency get one mail per start and per update, through a real SMTP
server; the pages revalidate with 304 and show fresh content after an update; another
agency's officer can neither update nor end it."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import template_rendered

from ppid.broadcasts import services as bs
from ppid.broadcasts.models import Broadcast, FollowDelivery, Subscription
from ppid.core import auth
from ppid.core.db import utcnow
from ppid.core.mail import deliver_pending
from ppid.core.models import AuditEvent, OutboxMail
from ppid.extensions import db
from ppid.registry import services as registry
from tests.conftest import login

PARTS = {
    "sm_danger": "Banjir setinggi satu meter di bantaran Kapuas",
    "sm_affected": "Warga Kecamatan Sintang dan Sepauk",
    "sm_actions": "Mengungsi ke GOR Pangsuma sebelum malam",
    "sm_help": "Pusdalops BPBD 0565-21112, call center 112",
    "sm_response": "BPBD menyiagakan enam perahu karet dan dapur umum"}
CANARY = "kanari.pengikut.rahasia@contoh.id"


def _item(agency, actor, title="Banjir Sungai Kapuas"):
    return registry.create_item(agency, {
        "title": title, "summary": "Peringatan banjir", "holding_unit": "BPBD",
        "responsible": "Kepala BPBD", "made_at_place": "Sintang", "made_on": None,
        "form": "elektronik", "retention": "2 tahun", "category": "serta_merta",
        "obligation_id": None, "event_at": utcnow() - timedelta(hours=3), **PARTS},
        actor=actor)


def _follow(email, agency=None):
    s = Subscription(email=email, target="government" if agency is None else f"agency:{agency.id}",
                     agency_id=getattr(agency, "id", None), token=bs.new_token(),
                     confirmed_at=utcnow())
    db.session.add(s)
    return s


@pytest.fixture
def world(factories):
    bpbd = factories.agency(name="BPBD Uji", slug="bpbd-uji")
    other = factories.agency(name="Dinas Lain", slug="dinas-lain")
    officer = factories.user(auth.HELPER, bpbd, name="Petugas BPBD")
    stranger = factories.user(auth.HELPER, other, name="Petugas Lain")
    main = factories.user(auth.MAIN, name="PPID Utama")
    db.session.commit()
    return bpbd, other, officer, stranger, main


def _broadcast(world):
    bpbd, _other, officer, _s, _m = world
    item = _item(bpbd, officer)
    registry.publish_item(item, actor=officer)
    db.session.commit()
    return db.session.execute(sa.select(Broadcast).where(Broadcast.dip_item_id == item.id)
                              ).scalar_one()


def test_publishing_a_serta_merta_item_starts_one_audited_broadcast(world):
    b = _broadcast(world)
    assert b.is_active and b.agency_id == world[0].id
    actions = db.session.execute(sa.select(AuditEvent.action)).scalars().all()
    assert "broadcast.start" in actions
    # Withdrawing the item ends it; republishing does not start a second one.
    registry.withdraw_item(b.item, "Salah alamat", actor=world[2])
    db.session.commit()
    assert not b.is_active and "Salah alamat" in b.end_note
    registry.publish_item(b.item, actor=world[2])
    db.session.commit()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Broadcast)).scalar() == 1


def test_other_categories_start_no_broadcast(world):
    bpbd, _o, officer, _s, _m = world
    item = registry.create_item(bpbd, {
        "title": "Profil BPBD", "summary": "x", "holding_unit": "", "responsible": "",
        "made_at_place": "", "made_on": None, "form": "elektronik", "retention": "",
        "category": "setiap_saat", "obligation_id": None, "event_at": None}, actor=officer)
    registry.publish_item(item, actor=officer)
    db.session.commit()
    assert db.session.execute(sa.select(Broadcast)).first() is None


def test_banner_on_public_pages_while_active_and_gone_after_it_ends(app, client, world):
    b = _broadcast(world)
    anon = app.test_client()
    for url in ("/", f"/badan/{world[0].slug}", "/berita", "/serta-merta"):
        html = anon.get(url).get_data(as_text=True)
        assert 'class="bc-banner"' in html and "Banjir Sungai Kapuas" in html, url
        assert f"/serta-merta/{b.id}" in html, url
    login(client, world[2])
    resp = client.post(f"/kelola/serta-merta/{b.id}/akhiri", data={"note": "Air telah surut"})
    assert resp.status_code == 302
    db.session.expire_all()
    for url in ("/", f"/badan/{world[0].slug}", "/berita"):
        assert 'class="bc-banner"' not in anon.get(url).get_data(as_text=True), url
    crisis = anon.get(f"/serta-merta/{b.id}").get_data(as_text=True)
    assert "Siaran ini telah diakhiri." in crisis and "Air telah surut" in crisis
    ended = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "broadcast.end")).scalar_one()
    assert ended.actor_id == world[2].id


def test_crisis_page_parts_in_order_and_update_log_newest_first(app, world):
    b = _broadcast(world)
    now = utcnow()
    bs.post_update(b, "Kabar pertama: air naik", actor=world[2], now=now)
    bs.post_update(b, "Kabar kedua: pengungsian dibuka", actor=world[4],
                   now=now + timedelta(minutes=30))
    db.session.commit()
    html = app.test_client().get(f"/serta-merta/{b.id}").get_data(as_text=True)
    positions = [html.index(text) for text in PARTS.values()]
    assert positions == sorted(positions)
    labels = ["Bahaya dan besarnya dampak", "Siapa dan wilayah mana yang terdampak",
              "Yang harus dilakukan masyarakat", "Tempat meminta bantuan",
              "Yang dilakukan pemerintah"]
    assert [html.index(label) for label in labels] == sorted(html.index(label) for label in labels)
    assert html.index("Kabar kedua") < html.index("Kabar pertama")
    assert html.count("<time datetime=") == 2
    updates = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "broadcast.update").order_by(AuditEvent.id)).scalars().all()
    assert [u.actor_id for u in updates] == [world[2].id, world[4].id]


def test_another_agencys_officer_can_neither_update_nor_end(app, client, world):
    b = _broadcast(world)
    login(client, world[3])
    assert client.get(f"/kelola/serta-merta/{b.id}").status_code == 403
    assert client.post(f"/kelola/serta-merta/{b.id}/kabar",
                       data={"body": "palsu"}).status_code == 403
    assert client.post(f"/kelola/serta-merta/{b.id}/akhiri",
                       data={"note": "palsu"}).status_code == 403
    db.session.expire_all()
    assert b.is_active and b.updates == []
    with pytest.raises(bs.NotAllowed):
        bs.end(b, "palsu", actor=world[3])
    anon = app.test_client()
    assert anon.post(f"/kelola/serta-merta/{b.id}/akhiri", data={"note": "x"}).status_code in (302, 401, 403)
    db.session.rollback()
    assert db.session.get(Broadcast, b.id).is_active


def test_followers_get_one_mail_per_start_and_per_update(app, client, world, smtp_server):
    bpbd, other = world[0], world[1]
    _follow("warga.pemerintah@contoh.id")
    _follow("warga.bpbd@contoh.id", bpbd)
    _follow("warga.lain@contoh.id", other)             # another agency: nothing
    both = _follow("dua.kali@contoh.id")                # government and agency: one mail
    _follow("dua.kali@contoh.id", bpbd)
    pending = Subscription(email="belum.konfirmasi@contoh.id", target="government",
                           token=bs.new_token())        # not confirmed: nothing
    gone = _follow("sudah.berhenti@contoh.id")
    gone.unsubscribed_at = utcnow()
    db.session.add(pending)
    db.session.commit()
    b = _broadcast(world)
    deliver_pending()
    start = sorted(m["to"][0] for m in smtp_server.messages)
    assert start == ["dua.kali@contoh.id", "warga.bpbd@contoh.id", "warga.pemerintah@contoh.id"]
    first = smtp_server.messages[0]
    assert first["subject"].startswith("[Serta-merta] Banjir Sungai Kapuas")
    assert PARTS["sm_help"] in first["body"] and f"/serta-merta/{b.id}" in first["body"]
    assert "/ikuti/berhenti/" in first["body"]
    smtp_server.messages.clear()
    login(client, world[2])
    resp = client.post(f"/kelola/serta-merta/{b.id}/kabar", data={"body": "Air mulai surut"})
    assert resp.status_code == 302
    deliver_pending()  # nothing left: the request already sent its mail after commit
    assert len(smtp_server.messages) == 3
    assert all("Air mulai surut" in m["body"] for m in smtp_server.messages)
    # Queuing the same update again sends nothing more.
    update = db.session.get(Broadcast, b.id).updates[0]
    assert bs._mail_followers(db.session.get(Broadcast, b.id), f"update:{update.id}",
                              update=update, now=utcnow()) == 0
    db.session.commit()
    deliver_pending()
    assert len(smtp_server.messages) == 3
    # One delivery row per address and thing: 3 for the start, 3 for the update.
    assert db.session.execute(sa.select(sa.func.count()).select_from(FollowDelivery)
                              ).scalar() == 6
    assert db.session.execute(sa.select(sa.func.count()).select_from(FollowDelivery).where(
        FollowDelivery.subscription_id == both.id)).scalar() == 0  # its agency one was used


def test_crisis_page_304_unchanged_and_fresh_after_an_update(app, world):
    b = _broadcast(world)
    anon = app.test_client()
    url = f"/serta-merta/{b.id}"
    first = anon.get(url)
    assert first.status_code == 200 and first.headers.getlist("Set-Cookie") == []
    assert first.headers["Cache-Control"] == "public, no-cache"
    etag = first.headers["ETag"]
    assert first.headers.get("Last-Modified")
    seen = []

    def record(sender, template, context, **extra):
        seen.append(template.name)
    template_rendered.connect(record, app)
    try:
        again = anon.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and seen == []
        # An unrelated write elsewhere (another agency's DIP item, audited) does not move
        # the crisis page: still 304, and a full GET is the kept copy, not a new render.
        registry.create_item(world[1], {
            "title": "Profil", "summary": "x", "holding_unit": "", "responsible": "",
            "made_at_place": "", "made_on": None, "form": "elektronik", "retention": "",
            "category": "setiap_saat", "obligation_id": None, "event_at": None}, actor=None)
        db.session.commit()
        assert anon.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert anon.get(url).status_code == 200 and seen == []
        # The home page, which shows everything, does move with it.
        bs.post_update(db.session.get(Broadcast, b.id), "Kabar baru sekali", actor=world[2])
        db.session.commit()
        fresh = anon.get(url, headers={"If-None-Match": etag})
        assert fresh.status_code == 200 and "Kabar baru sekali" in fresh.get_data(as_text=True)
        assert fresh.headers["ETag"] != etag
    finally:
        template_rendered.disconnect(record, app)


def test_feeds_list_the_start_and_each_update(app, world):
    b = _broadcast(world)
    bs.post_update(b, "Kabar untuk umpan", actor=world[2])
    db.session.commit()
    anon = app.test_client()
    atom = anon.get("/serta-merta.atom")
    assert atom.mimetype == "application/atom+xml"
    text = atom.get_data(as_text=True)
    assert "Banjir Sungai Kapuas" in text and "Kabar untuk umpan" in text
    feed = anon.get("/serta-merta.json").get_json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["content_text"] for i in feed["items"]][0] == "Kabar untuk umpan"


def test_follower_addresses_never_reach_public_pages(app, world):
    _follow(CANARY, world[0])
    db.session.commit()
    b = _broadcast(world)
    bs.post_update(b, "Kabar", actor=world[2])
    db.session.commit()
    anon = app.test_client()
    for url in ("/", "/serta-merta", f"/serta-merta/{b.id}", "/serta-merta.atom",
                "/serta-merta.json", f"/badan/{world[0].slug}", "/berita.atom"):
        assert CANARY not in anon.get(url).get_data(as_text=True), url


def test_bad_input_is_refused_with_a_message(app, client, world):
    b = _broadcast(world)
    login(client, world[2])
    resp = client.post(f"/kelola/serta-merta/{b.id}/kabar", data={"body": ""})
    assert resp.status_code == 422
    resp = client.post(f"/kelola/serta-merta/{b.id}/akhiri", data={"note": "selesai"})
    assert resp.status_code == 302
    resp = client.post(f"/kelola/serta-merta/{b.id}/kabar", data={"body": "terlambat"})
    assert resp.status_code == 422 and "sudah diakhiri" in resp.get_data(as_text=True)
    assert client.get("/serta-merta/999999").status_code == 404


def test_a_broadcast_to_many_followers_is_sent_by_the_job_worker_at_once(app, world,
                                                                         smtp_server):
    """The request sends 20 mails after commit; a job sends the rest right away (not at the
    next cron run)."""
    from ppid.core import jobs
    for n in range(45):
        _follow(f"warga{n}@contoh.id", world[0])
    db.session.commit()
    _broadcast(world)
    db.session.rollback()  # (the read above began a transaction; jobs run in their own)
    jobs.run_pending(limit=5)
    assert len(smtp_server.messages) == 45
    assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxMail).where(
        OutboxMail.sent_at.is_(None))).scalar() == 0
