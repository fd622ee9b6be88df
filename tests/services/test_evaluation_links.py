"""The link checker: every URL the registry publishes for an agency is opened and its
answer kept; a link that does not answer is an alert of its agency (the digest and the
dashboard) until it answers again; a link no longer published is forgotten."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.core.alerts import collect_alerts
from ppid.evaluation import links
from ppid.evaluation.models import LinkCheck
from ppid.extensions import db
from tests.conftest import login, make_user
from tests.services.test_registry_staleness import NOW, TODAY, make_catalogue, published_item

DOWN = {"https://dinkes-rusak.example.go.id"}


def checker(url):
    if url in DOWN:
        return None, "ConnectionError"
    return (404, "") if url.endswith("/versi/1") and "rusak" in url else (200, "")


@pytest.fixture
def world(factories):
    a = factories.agency(slug="dinas-tautan", name="Dinas Tautan",
                         website="dinkes-rusak.example.go.id")
    b = factories.agency(slug="dinas-baik", name="Dinas Baik",
                         website="https://baik.example.go.id")
    obs = make_catalogue()
    item = published_item(a, obs["a"], TODAY - timedelta(days=10), title="Profil")
    return a, b, item


def test_published_links_and_their_alerts(ctx, world):
    a, b, item = world
    urls = {(l.agency_id, l.url) for l in links.published_links()}
    assert (a.id, "https://dinkes-rusak.example.go.id") in urls
    assert (b.id, "https://baik.example.go.id") in urls
    assert (a.id, f"http://localhost/badan/{a.slug}") in urls
    assert (a.id, f"http://localhost/badan/{a.slug}/dip/{item.id}/versi/1") in urls
    assert links.website_url("javascript:alert(1)") is None
    assert links.website_url("ftp://x.example") is None
    assert links.website_url("www.dinkes.go.id") == "https://www.dinkes.go.id"
    assert links.website_url("dinkes.go.id:8080/ppid") == "https://dinkes.go.id:8080/ppid"
    assert links.website_url("http://localhost") is None  # not a public site
    assert links.website_url("https://x.go.id:99999999") is None
    checked, failing = links.run_check(checker=checker, now=NOW)
    assert (checked, failing) == (len(urls), 1)
    alerts = collect_alerts(NOW)
    assert [x.kind for x in alerts[a.id] if x.kind == "link"] == ["link"]
    link_alert = next(x for x in alerts[a.id] if x.kind == "link")
    assert "Situs web Dinas Tautan" in link_alert.title
    assert "ConnectionError" in link_alert.detail
    assert not [x for x in alerts.get(b.id, []) if x.kind == "link"]
    # Failing again keeps its first failure; answering again ends the alert.
    first = db.session.execute(sa.select(LinkCheck).where(LinkCheck.is_ok.is_(False))
                               ).scalar_one().failing_since
    links.run_check(checker=checker, now=NOW + timedelta(days=1))
    row = db.session.execute(sa.select(LinkCheck).where(LinkCheck.is_ok.is_(False))
                             ).scalar_one()
    assert row.failing_since == first and row.checked_at == NOW + timedelta(days=1)
    links.run_check(checker=lambda url: (200, ""), now=NOW + timedelta(days=2))
    assert links.failing_links() == []
    assert not [x for x in collect_alerts(NOW).get(a.id, []) if x.kind == "link"]
    # A website no longer published is forgotten.
    a.website = None
    db.session.flush()
    links.run_check(checker=checker, now=NOW + timedelta(days=3))
    assert "https://dinkes-rusak.example.go.id" not in {
        r.url for r in db.session.execute(sa.select(LinkCheck)).scalars()}


def test_the_command_and_the_dashboard(app, client, world, monkeypatch):
    a, _b, _item = world
    officer = make_user(auth.HELPER, a)
    db.session.commit()
    from ppid.evaluation import pack
    monkeypatch.setattr(pack, "check_url", checker)
    result = app.test_cli_runner().invoke(args=["ppid", "check-links"])
    assert result.exit_code == 0 and "tidak dapat dibuka: 1" in result.output
    login(client, officer)
    dash = client.get("/dasbor").get_data(as_text=True)
    assert "Tautan tidak dapat dibuka" in dash and "dinkes-rusak.example.go.id" in dash
