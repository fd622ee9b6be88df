import pytest


def test_deadline_contract(client):
    body = client.get("/api/v1/deadline?from=2026-03-16&working_days=10").json
    assert set(body) == {"from", "effective_start", "working_days", "due_on", "skipped"}
    assert body["due_on"] == "2026-04-07"
    assert {"date": "2026-03-19", "reason": "Hari Suci Nyepi"} in body["skipped"]


def test_received_on_a_holiday(client):
    body = client.get("/api/v1/deadline?from=2026-08-17&working_days=1").json
    assert body["effective_start"] == "2026-08-18"
    assert body["due_on"] == "2026-08-19"


@pytest.mark.parametrize("query, field", [
    ("from=16-03-2026&working_days=10", "from"),
    ("from=2026-02-30&working_days=10", "from"),
    ("from=2026-03-16&working_days=0", "working_days"),
    ("from=2026-03-16&working_days=1000", "working_days"),
    ("from=2026-03-16&working_days=sepuluh", "working_days"),
    ("working_days=10", "from"),
    ("from=2026-03-16", "working_days"),
    ("from=0001-01-01&working_days=10", "from"),
])
def test_bad_input_is_a_clear_400(client, query, field):
    resp = client.get(f"/api/v1/deadline?{query}")
    assert resp.status_code == 400
    assert resp.is_json
    assert field in resp.json["fields"] and resp.json["message"]
