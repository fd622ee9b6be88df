"""The web form and the API refuse an impossible identity number with what is wrong
(issue #15, section 4), through the one check of a request's fields."""
import pytest
import sqlalchemy as sa

from ppid.extensions import db
from ppid.info_requests.models import InfoRequest
from tests.web.test_api_contract import VALID, world  # noqa: F401


def _count():
    return db.session.execute(sa.select(sa.func.count()).select_from(InfoRequest)).scalar_one()


@pytest.mark.parametrize("change, says", [
    ({"identity_number": "0000000000000000"}, "satu angka yang berulang"),
    ({"identity_number": "9931993199319931"}, "bukan kode provinsi"),
    ({"identity_number": "6171013502850001"}, "Tanggal lahir dalam NIK"),
    ({"identity_number": "6171010203850000"}, "tidak boleh 0000"),
    ({"identity_type": "paspor", "identity_number": "12345678"}, "Nomor paspor"),
    ({"identity_type": "sim", "identity_number": "000000000000"}, "Nomor SIM"),
    ({"identity_type": "badan_hukum", "identity_number": "123456789"}, "SK pengesahan"),
])
def test_impossible_identity_numbers_are_refused_with_their_reason(client, world, change,
                                                                   says):
    data = {**VALID, **change}
    resp = client.post("/permohonan/baru", data={**data, "website": ""},
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    assert says in resp.get_data(as_text=True)
    resp = client.post("/api/v1/requests", json=data)
    assert resp.status_code == 422
    assert says in resp.get_json()["fields"]["identity_number"]
    assert _count() == 0


def test_a_possible_nik_of_a_woman_is_taken(client, world):
    data = {**VALID, "identity_number": "6171025507900002"}
    assert client.post("/api/v1/requests", json=data).status_code == 201
