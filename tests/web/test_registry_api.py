"""API v1 of the registry: shapes as API.md says, pagination, and JSON 4xx errors."""
from datetime import date, timedelta

import pytest

from ppid.extensions import db
from tests.services.test_registry_staleness import make_catalogue, published_item


@pytest.fixture
def data(client, factories):
    obs = make_catalogue()
    utama = factories.agency(slug="utama-uji", name="PPID Utama Uji", kind="utama")
    dinkes = factories.agency(slug="dinkes-uji", name="Dinas Kesehatan Uji", parent_id=utama.id)
    today = date.today()
    item = published_item(dinkes, obs["a"], today - timedelta(days=30),
                          title="Profil Dinas Kesehatan", versions=[today - timedelta(days=2)])
    published_item(dinkes, obs["b"], today - timedelta(days=30), title="Draf", state="draft")
    published_item(utama, obs["u"], today - timedelta(days=10), title="Rencana Strategis")
    db.session.commit()
    return {"obs": obs, "utama": utama, "dinkes": dinkes, "item": item}


def test_agencies(client, data):
    body = client.get("/api/v1/agencies").get_json()
    assert body["total"] == 2 and body["page"] == 1 and body["per_page"] == 20
    assert body["items"][0] == {"slug": "utama-uji", "name": "PPID Utama Uji", "kind": "utama",
                                "parent": None}
    assert body["items"][1]["parent"] == "utama-uji"
    body = client.get("/api/v1/agencies?per_page=1&page=2").get_json()
    assert [a["slug"] for a in body["items"]] == ["dinkes-uji"] and body["total"] == 2


def test_agency_obligations(client, data):
    resp = client.get("/api/v1/agencies/dinkes-uji/obligations")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["total"] == 3  # u applies to the PPID Utama only
    by = {o["code"]: o for o in body["items"]}
    assert set(by["a"]) == {"code", "title", "category", "period_months", "status",
                            "last_published_on", "due_on"}
    assert by["a"]["status"] == "terkini" and by["a"]["period_months"] == 6
    assert date.fromisoformat(by["a"]["due_on"]) > date.fromisoformat(by["a"]["last_published_on"])
    assert by["b"] == {"code": "b", "title": "Kewajiban b", "category": "berkala",
                       "period_months": 6, "status": "belum_ada", "last_published_on": None,
                       "due_on": None}
    utama = client.get("/api/v1/agencies/utama-uji/obligations").get_json()
    assert {o["code"] for o in utama["items"]} == {"a", "b", "c", "u"}


def test_dip_items_and_versions(client, data):
    body = client.get("/api/v1/dip?agency=dinkes-uji").get_json()
    assert body["total"] == 1  # drafts are not public
    item = body["items"][0]
    assert set(item) == {"id", "agency", "title", "summary", "category", "obligation",
                         "holding_unit", "responsible", "made_at_place", "made_on", "form",
                         "retention", "versions"}
    assert item["agency"] == "dinkes-uji" and item["obligation"] == "a"
    assert [v["number"] for v in item["versions"]] == [1, 2]
    v = item["versions"][0]
    assert set(v) == {"number", "published_at", "sha256", "size", "media_type", "download_url"}
    assert len(v["sha256"]) == 64 and v["media_type"] == "application/pdf"
    assert "+00:00" in v["published_at"]
    path = v["download_url"].split("localhost", 1)[1]
    assert client.get(path).data.startswith(b"%PDF")


@pytest.mark.parametrize("query, expected", [
    ("category=berkala", 2), ("category=serta_merta", 0), ("obligation=u", 1),
    ("q=profil", 1), ("q=PROFIL%20DINAS", 1), ("q=100%25", 0), ("", 2),
])
def test_dip_filters(client, data, query, expected):
    assert client.get(f"/api/v1/dip?{query}").get_json()["total"] == expected


@pytest.mark.parametrize("url, status, field", [
    ("/api/v1/dip?category=rahasia", 400, "category"),
    ("/api/v1/dip?obligation=zz", 404, "obligation"),
    ("/api/v1/dip?agency=tidak-ada", 404, "agency"),
    ("/api/v1/dip?per_page=101", 400, "per_page"),
    ("/api/v1/dip?page=0", 400, "page"),
    ("/api/v1/dip?page=abc", 400, "page"),
    ("/api/v1/dip?q=" + "x" * 201, 400, "q"),
    ("/api/v1/agencies?per_page=0", 400, "per_page"),
    ("/api/v1/agencies/tidak-ada/obligations", 404, None),
    ("/api/v1/agencies/dinkes-uji/obligations?page=-1", 400, "page"),
])
def test_bad_parameters_get_json_errors(client, data, url, status, field):
    resp = client.get(url)
    assert resp.status_code == status
    body = resp.get_json()
    assert body["error"] and body["message"]
    if field:
        assert field in body["fields"]


def test_withdraw_and_republish_changes_no_published_at(client, data):
    """Review finding: republishing rewrote versions[].published_at and the status."""
    from ppid.registry import services

    def snapshot():
        item = client.get("/api/v1/dip?agency=dinkes-uji").get_json()["items"][0]
        obligations = client.get("/api/v1/agencies/dinkes-uji/obligations").get_json()
        return ([v["published_at"] for v in item["versions"]],
                next(o for o in obligations["items"] if o["code"] == "a"))

    before = snapshot()
    old = published_item(data["dinkes"], data["obs"]["c"], date.today() - timedelta(days=400),
                         title="Ringkasan lama")
    services.withdraw_item(data["item"], "keliru", actor=None)
    services.publish_item(data["item"], actor=None)
    services.withdraw_item(old, "keliru", actor=None)
    services.publish_item(old, actor=None)
    db.session.commit()
    assert snapshot() == before
    body = client.get("/api/v1/dip?agency=dinkes-uji&obligation=c").get_json()
    assert body["items"][0]["versions"][0]["published_at"].startswith(
        old.published_at.isoformat()[:10])
    c = next(o for o in client.get("/api/v1/agencies/dinkes-uji/obligations").get_json()[
        "items"] if o["code"] == "c")
    assert c["status"] == "terlambat"
    assert c["last_published_on"] == (date.today() - timedelta(days=400)).isoformat()
