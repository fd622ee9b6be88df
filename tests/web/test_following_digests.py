"""Following an obligation or a saved search, daily and weekly digests (issue #19 section
3), all through a real SMTP server: each item once per subscriber, also when two runs of
the digest overlap or one crashes midway."""
import io
import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from ppid.broadcasts import digest
from ppid.broadcasts import services as bs
from ppid.broadcasts.models import FollowDelivery, Subscription
from ppid.core import auth
from ppid.core.mail import deliver_pending
from ppid.core.models import OutboxMail
from ppid.extensions import db
from ppid.registry import services as registry
from ppid.registry.models import Obligation
from ppid.search import backend
from ppid.search.indexing import drain
from tests.documents import text_pdf
from tests.search_records import make_dip_item

# A Wednesday morning in Jakarta (UTC+7), and the days after it.
DAY0 = datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc)


def day(n, hours=0):
    return DAY0 + timedelta(days=n, hours=hours)


def _link(body, kind):
    return re.search(rf"http://localhost(/ikuti/{kind}/[A-Za-z0-9_.-]+)", body).group(1)


def _digest(app, now):
    """The cron's command at ``now``; returns the mails it sent."""
    out = app.test_cli_runner().invoke(args=["ppid", "send-digest", "--now", now.isoformat()])
    assert out.exit_code == 0, out.output
    return out


def subject(mail):
    from email.header import decode_header, make_header
    return str(make_header(decode_header(mail["subject"])))


def _pdf(text):
    return FileStorage(io.BytesIO(text_pdf(text)), filename="laporan.pdf",
                       content_type="application/pdf")


@pytest.fixture
def obligation_world(factories):
    agency = factories.agency(name="Dinas Kewajiban", slug="dinas-kewajiban")
    officer = factories.user(auth.HELPER, agency)
    main = factories.user(auth.MAIN)
    ob = Obligation(code="Z1", title="Laporan Keuangan Berkala", period_months=6)
    db.session.add(ob)
    db.session.commit()
    return agency, officer, main, ob


def test_follow_an_obligation_new_versions_and_its_staleness(app, client, obligation_world,
                                                              smtp_server):
    agency, officer, main, ob = obligation_world
    assert "/ikuti?badan=dinas-kewajiban&amp;kewajiban=Z1" in client.get(
        "/badan/dinas-kewajiban/kewajiban/Z1").get_data(as_text=True)
    page = client.get("/ikuti?badan=dinas-kewajiban&kewajiban=Z1")
    assert page.status_code == 200 and "Laporan Keuangan Berkala" in page.get_data(as_text=True)
    resp = client.post("/ikuti?badan=dinas-kewajiban&kewajiban=Z1",
                       data={"email": "pemantau@contoh.id", "frequency": "harian"})
    assert resp.status_code == 302
    deliver_pending()
    confirm = smtp_server.messages.pop()
    assert "Laporan Keuangan Berkala" in subject(confirm)
    assert client.post(_link(confirm["body"], "konfirmasi")).status_code == 200
    sub = db.session.execute(sa.select(Subscription)).scalar_one()
    assert sub.target == f"obligation:{agency.id}:{ob.id}" and sub.reported_status == "belum_ada"
    # Nothing published: the status it began with is not news.
    _digest(app, day(0))
    assert smtp_server.messages == []

    item = registry.create_item(agency, {
        "title": "Laporan Keuangan 2026", "summary": "Realisasi", "holding_unit": "",
        "responsible": "", "made_at_place": "", "made_on": None, "form": "elektronik",
        "retention": "", "category": "berkala", "obligation_id": ob.id, "event_at": None},
        actor=officer, now=day(1))
    registry.add_version(item, _pdf("Semester satu"), actor=officer, now=day(1))
    registry.publish_item(item, actor=main, now=day(1))
    db.session.commit()
    _digest(app, day(1, 2))
    [mail] = smtp_server.messages
    assert mail["to"] == ["pemantau@contoh.id"]
    assert "Laporan Keuangan 2026, versi 1" in mail["body"]
    assert "kembali terpenuhi" in mail["body"]

    # Seven months on, nothing new: the obligation is overdue, which is news once.
    _digest(app, day(215))
    assert len(smtp_server.messages) == 2
    assert "terlambat: jatuh tempo" in smtp_server.messages[1]["body"]
    _digest(app, day(216))
    assert len(smtp_server.messages) == 2
    # A new version: it comes, and the obligation is current again.
    registry.add_version(item, _pdf("Semester dua"), actor=officer, now=day(217))
    db.session.commit()
    _digest(app, day(217, 2))
    assert len(smtp_server.messages) == 3
    body = smtp_server.messages[2]["body"]
    assert "versi 2" in body and "versi 1" not in body and "kembali terpenuhi" in body
    assert "/ikuti/berhenti/" in body and "/ikuti/kelola/" in body


def test_obligation_that_does_not_exist_or_apply(app, client, obligation_world):
    agency, officer, main, ob = obligation_world
    assert client.get("/ikuti?badan=dinas-kewajiban&kewajiban=TIDAK").status_code == 404
    assert client.get("/ikuti?kewajiban=Z1").status_code == 404  # an agency's obligation
    ob.applies_to = "utama"  # the PPID Utama's alone: not this agency's
    db.session.commit()
    resp = client.post("/ikuti?badan=dinas-kewajiban&kewajiban=Z1",
                       data={"email": "pemantau@contoh.id", "frequency": "harian"})
    assert resp.status_code == 422 and "tidak berlaku" in resp.get_data(as_text=True)
    resp = client.post("/ikuti", data={"email": "pemantau@contoh.id", "frequency": "tiap jam"})
    assert resp.status_code == 422 and "harian atau mingguan" in resp.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Subscription)).scalar() == 0


@pytest.fixture
def fresh_index(app):
    with app.app_context():
        backend.get(app).clear(app)
    yield
    with app.app_context():
        backend.get(app).clear(app)


def test_saved_search_digest_lists_new_matching_records_once(app, client, factories,
                                                             fresh_index, smtp_server):
    a = factories.agency(slug="dinkes-cari", name="Dinas Kesehatan Cari")
    b = factories.agency(slug="disdik-cari", name="Dinas Pendidikan Cari")
    make_dip_item(a, "Anggaran puskesmas lama", summary="Realisasi anggaran puskesmas")
    db.session.commit()
    drain()
    # From the search page's own parameters: the words and the agency filter.
    page = client.get("/cari?q=anggaran+puskesmas&badan=dinkes-cari")
    assert "/ikuti/pencarian?q=anggaran+puskesmas&amp;badan=dinkes-cari" in \
        page.get_data(as_text=True)
    here = "/ikuti/pencarian?q=anggaran+puskesmas&badan=dinkes-cari"
    shown = client.get(here + "&jenis=dip").get_data(as_text=True)
    assert "Dinas Kesehatan Cari" in shown and "Daftar Informasi Publik" in shown
    assert client.get(here).status_code == 200
    assert client.post(here, data={"email": "pencari@contoh.id",
                                   "frequency": "harian"}).status_code == 302
    deliver_pending()
    confirm = smtp_server.messages.pop()
    assert client.post(_link(confirm["body"], "konfirmasi")).status_code == 200
    sub = db.session.execute(sa.select(Subscription)).scalar_one()
    assert sub.search_query == "anggaran puskesmas" and sub.filters == {"agency": "dinkes-cari"}

    new = make_dip_item(a, "Anggaran puskesmas 2027", summary="Rencana anggaran puskesmas")
    make_dip_item(b, "Anggaran puskesmas sekolah", summary="anggaran puskesmas")  # agency b
    make_dip_item(a, "Jadwal imunisasi", summary="Jadwal")  # other words
    db.session.commit()
    drain()
    _digest(app, day(0))
    [mail] = smtp_server.messages
    assert "Anggaran puskesmas 2027" in mail["body"]
    assert f"/badan/dinkes-cari/dip/{new.id}" in mail["body"]
    for absent in ("lama", "sekolah", "imunisasi"):
        assert absent not in mail["body"]
    assert "/cari?q=anggaran+puskesmas" in mail["body"]
    # The next day, nothing new: no mail. One more match: it alone.
    _digest(app, day(1))
    assert len(smtp_server.messages) == 1
    make_dip_item(a, "Anggaran puskesmas keliling", summary="anggaran puskesmas")
    db.session.commit()
    drain()
    _digest(app, day(2))
    assert len(smtp_server.messages) == 2
    body = smtp_server.messages[1]["body"]
    assert "keliling" in body and "2027" not in body


def test_a_saved_search_needs_words_the_search_accepts(app, client):
    resp = client.get("/ikuti/pencarian?q=")
    assert resp.status_code == 400 and "kata yang dicari" in resp.get_data(as_text=True)
    resp = client.get("/ikuti/pencarian?q=" + "a" * 600)
    assert resp.status_code == 400 and "500 karakter" in resp.get_data(as_text=True)
    resp = client.get("/ikuti/pencarian?q=banjir&tahun=abc")
    assert resp.status_code == 400 and "Tahun tidak valid" in resp.get_data(as_text=True)
    resp = client.post("/ikuti/pencarian?q=banjir&tahun=abc",
                       data={"email": "a@contoh.id", "frequency": "harian"})
    assert resp.status_code == 422
    assert db.session.execute(sa.select(sa.func.count()).select_from(Subscription)).scalar() == 0


def _published_item(agency, officer, main, title, now):
    item = registry.create_item(agency, {
        "title": title, "summary": "x", "holding_unit": "", "responsible": "",
        "made_at_place": "", "made_on": None, "form": "elektronik", "retention": "",
        "category": "setiap_saat", "obligation_id": None, "event_at": None},
        actor=officer, now=now)
    registry.publish_item(item, actor=main, now=now)
    return item


@pytest.fixture
def agency_world(factories):
    agency = factories.agency(name="Dinas Ringkasan", slug="dinas-ringkasan")
    officer = factories.user(auth.HELPER, agency)
    main = factories.user(auth.MAIN)
    db.session.commit()
    return agency, officer, main


def _live(email, agency, frequency="harian", now=DAY0 - timedelta(days=1)):
    sub = bs.follow(email, agency, frequency=frequency, now=now)
    bs.confirm(sub, now=now)
    return sub


def test_weekly_digest_comes_once_in_seven_days_the_daily_one_each_day(
        app, agency_world, smtp_server):
    agency, officer, main = agency_world
    _live("harian@contoh.id", agency)
    _live("mingguan@contoh.id", agency, "mingguan")
    db.session.commit()
    deliver_pending(now=day(0))
    smtp_server.messages.clear()
    _published_item(agency, officer, main, "Informasi hari nol", day(0))
    db.session.commit()
    _digest(app, day(0, 3))
    assert sorted(m["to"][0] for m in smtp_server.messages) == ["harian@contoh.id",
                                                                "mingguan@contoh.id"]
    weekly = next(m for m in smtp_server.messages if m["to"] == ["mingguan@contoh.id"])
    assert subject(weekly).startswith("Ringkasan mingguan")
    smtp_server.messages.clear()
    for n in range(1, 7):
        _published_item(agency, officer, main, f"Informasi hari {n}", day(n))
        db.session.commit()
        _digest(app, day(n, 3))
    assert [m["to"] for m in smtp_server.messages] == [["harian@contoh.id"]] * 6
    smtp_server.messages.clear()
    _digest(app, day(7, 3))
    [weekly] = smtp_server.messages
    assert weekly["to"] == ["mingguan@contoh.id"]
    assert all(f"Informasi hari {n}" in weekly["body"] for n in range(1, 7))
    assert "hari nol" not in weekly["body"]


def test_two_runs_at_once_mail_each_subscriber_once(app, agency_world, smtp_server,
                                                    monkeypatch):
    agency, officer, main = agency_world
    subs = [_live(f"serentak{i}@contoh.id", agency) for i in range(3)]
    ids = [s.id for s in subs]
    _published_item(agency, officer, main, "Informasi serentak", day(0))
    db.session.commit()
    db.session.remove()
    # Both runs read the same list of due subscriptions before either mails any.
    barrier = threading.Barrier(2, timeout=30)
    real = digest.digest_one
    first = {}

    def digest_one(sub_id, read_sent_at, now):
        if threading.get_ident() not in first:
            first[threading.get_ident()] = True
            barrier.wait()
        return real(sub_id, read_sent_at, now)

    monkeypatch.setattr(digest, "digest_one", digest_one)
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                results.append(digest.send_digests(now=day(0, 3)))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sum(results) == 3
    with app.app_context():
        deliver_pending(now=day(0, 3))
        per_sub = db.session.execute(
            sa.select(FollowDelivery.subscription_id, sa.func.count())
            .where(FollowDelivery.key.like("dip:%")).group_by(FollowDelivery.subscription_id)
        ).all()
        assert sorted(per_sub) == [(i, 1) for i in ids]
    digests = [m for m in smtp_server.messages if "Informasi serentak" in m["body"]]
    assert sorted(m["to"][0] for m in digests) == [f"serentak{i}@contoh.id" for i in range(3)]


def test_a_run_that_crashes_midway_leaves_the_rest_for_the_next(app, agency_world,
                                                                smtp_server, monkeypatch):
    agency, officer, main = agency_world
    for i in range(3):
        _live(f"mogok{i}@contoh.id", agency)
    _published_item(agency, officer, main, "Informasi mogok", day(0))
    db.session.commit()
    real = digest.queue_mail
    calls = []

    def crashing(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 2:
            raise RuntimeError("the process died here")
        return real(*args, **kwargs)

    monkeypatch.setattr(digest, "queue_mail", crashing)
    with pytest.raises(RuntimeError):
        digest.send_digests(now=day(0, 3))
    monkeypatch.setattr(digest, "queue_mail", real)
    # The first is done (its mail is in the outbox); the second was rolled back whole.
    assert db.session.execute(sa.select(OutboxMail.to_address).where(
        OutboxMail.subject.like("Ringkasan%"))).scalars().all() == ["mogok0@contoh.id"]
    # The next run (the same day) does the other two, and not the first again.
    assert digest.send_digests(now=day(0, 4)) == 2
    deliver_pending(now=day(0, 4))
    digests = [m["to"][0] for m in smtp_server.messages if "Informasi mogok" in m["body"]]
    assert sorted(digests) == ["mogok0@contoh.id", "mogok1@contoh.id", "mogok2@contoh.id"]
