"""The web form and the API refuse an impossible identity number with what is wrong
(issue #15, section 4), through the one check of a request's fields, in Indonesian and in
English; nothing is registered."""
import pytest
import sqlalchemy as sa

from ppid.extensions import db
from ppid.info_requests.models import InfoRequest
from tests.web.test_api_contract import VALID, world  # noqa: F401


def _count():
    return db.session.execute(sa.select(sa.func.count()).select_from(InfoRequest)).scalar_one()


@pytest.mark.parametrize("change, says, says_en", [
    ({"identity_number": "0000000000000000"}, "satu angka yang berulang", "repeated"),
    ({"identity_number": "1111111111111111"}, "satu angka yang berulang", "repeated"),
    ({"identity_number": "9931993199319931"}, "(99) bukan kode provinsi", "province"),
    ({"identity_number": "6100010203850001"}, "tidak boleh 00", "00"),
    ({"identity_number": "6171013502850001"}, "Tanggal lahir dalam NIK", "date of birth"),
    ({"identity_number": "6171013102850001"}, "Tanggal lahir dalam NIK", "date of birth"),
    ({"identity_number": "6171012902010001"}, "Tanggal lahir dalam NIK", "date of birth"),
    ({"identity_number": "6171010203850000"}, "tidak boleh 0000", "0000"),
    ({"identity_number": "617101020385"}, "tepat 16 angka (Anda mengisi 12", "16 digits"),
    ({"identity_type": "paspor", "identity_number": "12345678"}, "Nomor paspor", "passport"),
    ({"identity_type": "paspor", "identity_number": "C0000000"}, "Nomor paspor", "passport"),
    ({"identity_type": "sim", "identity_number": "000000000000"}, "Nomor SIM", "licence"),
    ({"identity_type": "sim", "identity_number": "1234#5678"}, "hanya boleh berisi", "only"),
    ({"identity_type": "badan_hukum", "identity_number": "123456789"}, "SK pengesahan",
     "decree"),
])
def test_impossible_identity_numbers_are_refused_with_their_reason(client, world, change,
                                                                   says, says_en):
    data = {**VALID, **change}
    resp = client.post("/permohonan/baru", data={**data, "website": ""},
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    assert says in resp.get_data(as_text=True)
    resp = client.post("/api/v1/requests", json=data)
    assert resp.status_code == 422
    assert says in resp.get_json()["fields"]["identity_number"]
    with client.session_transaction() as session:
        session["lang"] = "en"
    english = client.post("/api/v1/requests", json=data).get_json()
    assert says_en.lower() in english["fields"]["identity_number"].lower(), english
    assert _count() == 0


@pytest.mark.parametrize("change", [
    {"identity_number": "6171025507900002"},          # a woman: day 15 + 40
    {"identity_number": "6171012902000001"},          # 29 February 2000
    {"identity_type": "paspor", "identity_number": "C 1234567"},
    {"identity_type": "sim", "identity_number": "1234-5678-9012"},
    {"identity_type": "badan_hukum", "identity_number": "AHU-0012345.AH.01.04/2020"},
])
def test_possible_numbers_are_taken_by_form_and_api(client, world, change):
    data = {**VALID, **change}
    assert client.post("/api/v1/requests", json=data).status_code == 201
    assert client.post("/permohonan/baru", data={**data, "website": ""},
                       content_type="multipart/form-data").status_code == 303
    assert _count() == 2


@pytest.mark.parametrize("kind", [{}, [], 1, "ktp"])
def test_an_identity_type_of_no_known_kind_is_a_422_not_a_500(client, world, kind):
    """(Found by the live schemathesis run: an object as identity_type was looked up in the
    table of patterns.)"""
    resp = client.post("/api/v1/requests", json={**VALID, "identity_type": kind})
    assert resp.status_code == 422
    assert "identity_type" in resp.get_json()["fields"]
    assert _count() == 0
