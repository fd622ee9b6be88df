"""An agency's official online channels (issue #19 section 1, issue #18 section 2): each URL
is checked against its platform's hosts; adding, changing and removing one is audited; a
removed channel stays in the history of earlier years; the link checker opens every channel
(here against a real local HTTP server: one page answers, one is missing, one port is
closed) and an unreachable one is an alert; the E-Monev digitalisasi question counts the
channels in use, with the computation shown."""
import socket
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from ppid.agencies import rules, services
from ppid.agencies.models import AgencyChannel
from ppid.core.alerts import collect_alerts
from ppid.core.models import AuditEvent
from ppid.evaluation import assessment, links, pack
from ppid.evaluation.rules import Question as Q
from ppid.extensions import db
from tests.services.test_registry_staleness import NOW

HOSTS = dict(rules.DEFAULT_PLATFORM_HOSTS)


@pytest.mark.parametrize("platform,url,expected", [
    ("instagram", "https://www.instagram.com/dinkeskalbar", "https://www.instagram.com/dinkeskalbar"),
    ("instagram", "instagram.com/dinkeskalbar", "https://instagram.com/dinkeskalbar"),
    ("instagram", "HTTPS://WWW.Instagram.COM/DinkesKalbar", "https://www.instagram.com/DinkesKalbar"),
    ("x", "https://twitter.com/dinkeskalbar", "https://twitter.com/dinkeskalbar"),
    ("youtube", "https://youtu.be/abc", "https://youtu.be/abc"),
    ("whatsapp", "https://www.whatsapp.com/channel/0029VaX", "https://www.whatsapp.com/channel/0029VaX"),
    ("website", "dinkes.kalbarprov.go.id", "https://dinkes.kalbarprov.go.id"),
    ("lainnya", "https://t.me/dinkeskalbar", "https://t.me/dinkeskalbar"),
])
def test_a_url_on_its_platform(platform, url, expected):
    assert rules.check_channel_url(platform, url, HOSTS) == expected


@pytest.mark.parametrize("platform,url,message", [
    ("instagram", "https://www.facebook.com/dinkes", "Alamat Instagram harus di instagram.com"),
    ("instagram", "https://instagram.com.evil.example/dinkes", "harus di instagram.com"),
    ("instagram", "https://notinstagram.com/dinkes", "harus di instagram.com"),
    ("facebook", "javascript:alert(1)", "harus alamat web"),
    ("website", "ftp://dinkes.go.id", "harus alamat web"),
    ("website", "https://localhost/ppid", "tidak ada nama situs yang publik"),
    ("website", "https://user:sandi@dinkes.go.id", "tidak ada nama situs yang publik"),
    ("website", "https://dinkes.go.id:99999999", "tidak valid"),
    ("website", "https://dinkes.go.id/a b", "tidak boleh berisi spasi"),
    ("website", "", "Isi alamat kanal"),
    ("website", "https://x.go.id/" + "a" * 1000, "paling panjang 1000"),
    ("myspace", "https://myspace.com/x", "Pilih platform"),
])
def test_a_url_refused_with_its_reason(app, platform, url, message):
    with app.test_request_context(), force_locale("id"):
        with pytest.raises(rules.ChannelError) as exc:
            rules.check_channel_url(platform, url, HOSTS)
        assert message in str(exc.value.message)


def test_handles(app):
    assert rules.check_handle(" @dinkes.kalbar ") == "@dinkes.kalbar"
    assert rules.check_handle("") is None
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(rules.ChannelError) as exc:
            rules.check_handle("<script>")
        assert exc.value.field == "handle"
        assert "letters, digits" in str(exc.value.message)


def audit_actions(agency):
    return [e.action for e in db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.agency_id == agency.id, AuditEvent.action.like("agency.channel%"))
        .order_by(AuditEvent.id)).scalars()]


def test_add_change_remove_audited_and_kept_in_history(ctx, factories):
    a = factories.agency(slug="dinas-kanal", name="Dinas Kanal")
    officer = factories.user("helper", a)
    then = datetime(2025, 3, 1, 2, tzinfo=timezone.utc)
    row = services.add_channel(a, {"platform": "instagram", "url": "instagram.com/dinaskanal",
                                   "handle": "@dinaskanal"}, actor=officer, now=then)
    assert row.url == "https://instagram.com/dinaskanal"
    with pytest.raises(rules.ChannelError) as exc:  # the same address twice
        services.add_channel(a, {"platform": "instagram",
                                 "url": "https://instagram.com/dinaskanal/"}, actor=officer)
    assert "sudah terdaftar" in str(exc.value.message)
    services.update_channel(row, {"platform": "instagram",
                                  "url": "https://www.instagram.com/dinaskanal.resmi",
                                  "handle": "@dinaskanal.resmi"}, actor=officer,
                            now=then + timedelta(days=1))
    with pytest.raises(rules.ChannelError):  # refused: nothing changes
        services.update_channel(row, {"platform": "facebook", "url": row.url}, actor=officer)
    db.session.refresh(row)
    assert row.platform == "instagram"
    services.remove_channel(row, actor=officer, now=NOW)
    assert services.channels(a.id) == []
    assert [c.id for c in services.channels(a.id, at=datetime(2025, 12, 31, tzinfo=timezone.utc))
            ] == [row.id]
    assert audit_actions(a) == ["agency.channel_add", "agency.channel_update",
                                "agency.channel_remove"]
    event = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "agency.channel_update")).scalar_one()
    assert "dinaskanal.resmi" in event.changes and event.actor_id == officer.id
    # The assessment of 2025 counts the channel listed then; 2026's does not.
    r2025 = {r.question: r for r in assessment.question_results(2025, [a], now=NOW)[a.id]}
    r2026 = {r.question: r for r in assessment.question_results(2026, [a], now=NOW)[a.id]}
    assert (r2025[Q.KANAL_RESMI].numerator, r2025[Q.KANAL_RESMI].denominator) == (1, 2)
    assert "Instagram: https://www.instagram.com/dinaskanal.resmi" in " ".join(
        r2025[Q.KANAL_RESMI].details)
    assert (r2026[Q.KANAL_RESMI].numerator, r2026[Q.KANAL_RESMI].denominator) == (0, 2)


class Handler(BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.send_response(200 if self.path.startswith("/ok") else 404)
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, *args):
        pass


@pytest.fixture
def web():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    yield f"http://127.0.0.1:{server.server_address[1]}", f"http://127.0.0.1:{closed}"
    server.shutdown()
    server.server_close()


def test_the_link_checker_opens_every_channel(app, ctx, factories, web, monkeypatch):
    base, closed = web
    monkeypatch.setitem(app.config, "SOCIAL_PLATFORM_HOSTS",
                        {**HOSTS, "instagram": ["127.0.0.1"], "youtube": ["127.0.0.1"]})
    a = factories.agency(slug="dinas-jaring", name="Dinas Jaring")
    officer = factories.user("helper", a)
    then = NOW - timedelta(days=30)
    site = services.add_channel(a, {"platform": "website", "url": f"{base}/ok/situs"},
                                actor=officer, now=then)
    insta = services.add_channel(a, {"platform": "instagram", "url": f"{base}/ok/insta",
                                     "handle": "@jaring"}, actor=officer, now=then)
    tube = services.add_channel(a, {"platform": "youtube", "url": f"{closed}/tube"},
                                actor=officer, now=then)
    assert {(l.agency_id, l.url) for l in links.published_links()} >= {
        (a.id, site.url), (a.id, insta.url), (a.id, tube.url)}
    links.run_check(checker=pack.check_url, now=NOW)
    # The agency's PPID page (this test's BASE_URL has no server) and the closed port fail.
    assert {r.url for r in links.failing_links([a.id])} == {
        tube.url, f"http://localhost/badan/{a.slug}"}
    alerts = [x for x in collect_alerts(NOW).get(a.id, []) if x.kind == "link"
              and "Kanal" in x.title]
    assert len(alerts) == 1 and "Kanal YouTube Dinas Jaring" in alerts[0].title
    assert tube.url in alerts[0].detail
    r = {r.question: r for r in assessment.question_results(2026, [a], now=NOW)[a.id]}[
        Q.KANAL_RESMI]
    assert (r.numerator, r.denominator) == (2, 2)
    text = " ".join(r.details)
    assert "media sosial resmi yang aktif: 1" in text
    assert f"Instagram: {insta.url} (@jaring) – dapat dibuka (HTTP 200" in text
    assert f"YouTube: {tube.url} – tidak dapat dibuka (ConnectionError" in text
    # The Instagram page goes missing: no social-media channel answers, 1 of 2.
    services.update_channel(insta, {"platform": "instagram", "url": f"{base}/hilang",
                                    "handle": "@jaring"}, actor=officer, now=NOW)
    links.run_check(checker=pack.check_url, now=NOW + timedelta(hours=1))
    r = {r.question: r for r in assessment.question_results(
        2026, [a], now=NOW + timedelta(hours=2))[a.id]}[Q.KANAL_RESMI]
    assert (r.numerator, r.denominator) == (1, 2)
    assert "tidak dapat dibuka (404" in " ".join(r.details)
    assert len([x for x in collect_alerts(NOW).get(a.id, []) if x.kind == "link"
                and "Kanal" in x.title]) == 2


def test_the_agency_website_counts_without_a_channel_row(ctx, factories):
    a = factories.agency(slug="dinas-situs", name="Dinas Situs",
                         website="https://dinas-situs.example.go.id")
    r = {r.question: r for r in assessment.question_results(2026, [a], now=NOW)[a.id]}[
        Q.KANAL_RESMI]
    assert (r.numerator, r.denominator) == (1, 2)
    assert "Situs web: https://dinas-situs.example.go.id – belum diperiksa" in " ".join(r.details)
    assert db.session.execute(sa.select(sa.func.count(AgencyChannel.id))).scalar() == 0
