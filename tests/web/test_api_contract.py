"""The JSON API and the web form check a request's fields with one check, so they accept
and refuse the same inputs; the API keeps the rest of its contract (405 with Allow, every
invalid page number a JSON 400, strict dates and integers)."""
import io

import pytest
import sqlalchemy as sa

from ppid.extensions import db
from ppid.info_requests.models import InfoRequest
from tests.web.test_requests_web import PDF


@pytest.fixture
def world(factories):
    factories.agency(slug="dinkes", name="Dinas Kesehatan Uji")
    db.session.commit()


VALID = {"name": "Siti Pemohon", "identity_type": "nik",
         "identity_number": "6171010203850001", "address": "Jl. Gajah Mada 12, Pontianak",
         "phone": "081234567890", "email": "siti@contoh.id", "occupation": "Guru",
         "proxy_name": "", "information": "Data kasus DBD per kabupaten tahun 2025.",
         "purpose": "Penelitian", "obtain_method": "salinan", "copy_form": "softcopy",
         "delivery": "email", "agency": "dinkes"}

# (change to VALID, the fields refused). "proxy" is the power of attorney: the form names
# its upload field (proxy_letter), the API the proxy_name it cannot take a letter for.
TABLE = [
    ({}, set()),
    ({"name": "   "}, {"name"}),
    ({"name": "x" * 201}, {"name"}),
    ({"name": "x" * 200}, set()),
    ({"name": "Siti\x07Pemohon"}, {"name"}),
    ({"name": "  Siti Pemohon  "}, set()),
    ({"address": "Jl. Gajah Mada 12\r\nPontianak"}, set()),
    ({"identity_number": "617101020385000"}, {"identity_number"}),
    ({"identity_number": "61710102038500011"}, {"identity_number"}),
    ({"identity_number": "\u0666\u0661\u0667\u0661\u0660\u0661\u0660\u0662\u0660\u0663"
                         "\u0668\u0665\u0660\u0660\u0660\u0661"}, {"identity_number"}),
    ({"identity_number": " 6171010203850001 "}, set()),
    ({"identity_type": "paspor", "identity_number": "C 1234567"}, set()),
    ({"identity_type": "paspor", "identity_number": "C1"}, {"identity_number"}),
    ({"identity_type": "sim", "identity_number": "1234#5678"}, {"identity_number"}),
    ({"identity_type": "badan_hukum", "identity_number": "AHU-0012345.AH.01.04/2020"}, set()),
    ({"identity_type": "ktp"}, {"identity_type"}),
    ({"phone": ""}, set()),
    ({"phone": "(0561) 123-456"}, set()),
    ({"phone": "12345"}, {"phone"}),
    ({"phone": "0812 abc 7890"}, {"phone"}),
    ({"email": ""}, {"email"}),
    ({"email": "siti.contoh.id"}, {"email"}),
    ({"email": "siti@contoh"}, {"email"}),
    ({"email": "siti@@contoh.id"}, {"email"}),
    ({"email": "siti..p@contoh.id"}, {"email"}),
    ({"email": " siti@contoh.go.id "}, set()),
    ({"occupation": ""}, set()),
    ({"occupation": "Guru\x00"}, {"occupation"}),
    ({"information": "x" * 5001}, {"information"}),
    ({"purpose": ""}, {"purpose"}),
    ({"obtain_method": "salinan", "copy_form": ""}, {"copy_form"}),
    ({"obtain_method": "melihat", "copy_form": ""}, set()),
    ({"obtain_method": "menyalin"}, {"obtain_method"}),
    ({"copy_form": "faks"}, {"copy_form"}),
    ({"delivery": "drone"}, {"delivery"}),
    ({"proxy_name": "Kuasa Hukum Siti"}, {"proxy"}),
    ({"proxy_name": "   "}, set()),
    ({"name": "", "address": "", "information": "", "purpose": "", "delivery": "x"},
     {"name", "address", "information", "purpose", "delivery"}),
]


def _count():
    return db.session.execute(sa.select(sa.func.count()).select_from(InfoRequest)).scalar_one()


def _form_fields(client, data):
    resp = client.post("/permohonan/baru", data={**data, "website": ""},
                       content_type="multipart/form-data")
    if resp.status_code == 303:  # registered: redirected to its receipt
        return set()
    assert resp.status_code == 422, resp.status_code
    html = resp.get_data(as_text=True)
    names = {name for name in VALID if f'id="{name}-error"' in html}
    if 'id="proxy_letter-error"' in html:
        names.add("proxy")
    assert names, html[:2000]
    return names


def _api_fields(client, data):
    resp = client.post("/api/v1/requests", json=data)
    if resp.status_code == 201:
        return set()
    assert resp.status_code == 422, (resp.status_code, resp.get_json())
    body = resp.get_json()
    assert body["error"] == "validation_failed" and all(body["fields"].values())
    names = set(body["fields"])
    if "proxy_name" in names and "Ajukan" in body["fields"]["proxy_name"]:
        names = names - {"proxy_name"} | {"proxy"}
    return names


@pytest.mark.parametrize("change,refused", TABLE)
def test_form_and_api_accept_and_refuse_the_same_inputs(client, world, change, refused):
    data = {**VALID, **change}
    before = _count()
    assert _form_fields(client, data) == refused
    assert _api_fields(client, data) == refused
    assert _count() == before + (2 if not refused else 0)


def test_both_store_the_same_cleaned_values(client, world):
    data = {**VALID, "name": "  Siti Pemohon ", "identity_number": " 6171010203850001",
            "email": "siti@contoh.id  ", "phone": "", "occupation": "  "}
    assert client.post("/permohonan/baru", data=data,
                       content_type="multipart/form-data").status_code == 303
    assert client.post("/api/v1/requests", json=data).status_code == 201
    rows = db.session.execute(sa.select(InfoRequest).order_by(InfoRequest.id)).scalars().all()
    stored = [(r.requester_name, r.identity_number, r.email, r.phone, r.occupation)
              for r in rows]
    assert stored == [("Siti Pemohon", "6171010203850001", "siti@contoh.id", None, None)] * 2


def test_the_api_refuses_a_proxy_and_names_the_form_that_takes_the_letter(client, world):
    resp = client.post("/api/v1/requests", json={**VALID, "proxy_name": "Kuasa Hukum Siti"})
    assert resp.status_code == 422
    message = resp.get_json()["fields"]["proxy_name"]
    assert "surat kuasa" in message and "/permohonan/baru" in message
    # The same request with its letter, through the form, is registered.
    resp = client.post("/permohonan/baru", data={
        **VALID, "proxy_name": "Kuasa Hukum Siti", "proxy_letter": (io.BytesIO(PDF), "k.pdf")},
        content_type="multipart/form-data")
    assert resp.status_code == 303
    assert _count() == 1


def test_api_types_are_strict_and_null_is_absent(client, world):
    resp = client.post("/api/v1/requests", json={**VALID, "phone": 81234567890,
                                                 "identity_number": 6171010203850001})
    assert resp.status_code == 422
    assert set(resp.get_json()["fields"]) == {"phone", "identity_number"}
    resp = client.post("/api/v1/requests", json={**VALID, "phone": None, "occupation": None,
                                                 "proxy_name": None, "identity_type": None})
    assert resp.status_code == 201, resp.get_json()


def test_an_unknown_agency_is_not_found_for_the_api_and_a_field_error_on_the_form(client,
                                                                                   world):
    resp = client.post("/api/v1/requests", json={**VALID, "agency": "badan-fiktif"})
    assert resp.status_code == 404
    body = resp.get_json()
    assert body["error"] == "not_found" and "agency" in body["fields"]
    # With other mistakes too it is one 422 naming them all.
    resp = client.post("/api/v1/requests", json={**VALID, "agency": "badan-fiktif",
                                                 "email": "x"})
    assert resp.status_code == 422 and set(resp.get_json()["fields"]) == {"agency", "email"}
    assert _form_fields(client, {**VALID, "agency": "badan-fiktif"}) == {"agency"}
    assert _count() == 0


# --- 405 answers carry Allow ---------------------------------------------------------------

@pytest.mark.parametrize("method,url,allowed", [
    ("put", "/api/v1/agencies", {"GET"}),
    ("delete", "/api/v1/requests", {"POST"}),
    ("post", "/api/v1/deadline", {"GET"}),
    ("patch", "/api/v1/requests/KALBAR/2026/00001", {"GET"}),
])
def test_api_405_is_json_with_allow(client, method, url, allowed):
    resp = getattr(client, method)(url)
    assert resp.status_code == 405
    assert resp.is_json and set(resp.get_json()) == {"error", "message", "fields"}
    assert allowed <= {m.strip() for m in resp.headers["Allow"].split(",")}


def test_html_405_has_allow_too(client):
    resp = client.put("/permohonan/baru")
    assert resp.status_code == 405 and resp.mimetype == "text/html"
    assert {"GET", "POST"} <= {m.strip() for m in resp.headers["Allow"].split(",")}


# --- Parameters ------------------------------------------------------------------------------

@pytest.mark.parametrize("url,field", [
    ("/api/v1/agencies?page=", "page"),
    ("/api/v1/agencies?per_page=", "per_page"),
    ("/api/v1/dip?page=", "page"),
    ("/api/v1/compliance?page=", "page"),
    ("/api/v1/search?q=data&page=", "page"),
    ("/api/v1/agencies?page=%2B1", "page"),
    ("/api/v1/agencies?page=1_0", "page"),
    ("/api/v1/agencies?page=%201", "page"),
    ("/api/v1/agencies?page=%D9%A1", "page"),
    ("/api/v1/agencies?page=1.0", "page"),
    ("/api/v1/search?q=data&page=101", "page"),
    ("/api/v1/search?q=data&year=", "year"),
    ("/api/v1/search?q=data&year=2%20000", "year"),
    ("/api/v1/search?q=data&type=", "type"),
    ("/api/v1/search?q=data&sort=", "sort"),
    ("/api/v1/search?q=", "q"),
    ("/api/v1/search?q=%20%09", "q"),
    ("/api/v1/search?q=" + "+".join(["kata"] * 41), "q"),
    ("/api/v1/search?q=data" + "+" * 500, "q"),
    ("/api/v1/search?q=data&agency=a%00b", "agency"),
    ("/api/v1/dip?category=", "category"),
    ("/api/v1/dip?q=a%00b", "q"),
    ("/api/v1/dip?agency=" + "+" * 81, "agency"),
    ("/api/v1/compliance?band=", "band"),
    ("/api/v1/deadline?from=2026-W11-1&working_days=10", "from"),
    ("/api/v1/deadline?from=2026-03-16&working_days=", "working_days"),
    ("/api/v1/deadline?from=2026-03-16&working_days=%2B10", "working_days"),
    ("/api/v1/deadline?from=1989-12-31&working_days=1", "from"),
    ("/api/v1/deadline?from=2101-01-01&working_days=1", "from"),
])
def test_invalid_parameters_are_a_json_400_naming_them(client, url, field):
    resp = client.get(url)
    assert resp.status_code == 400, resp.get_data(as_text=True)[:300]
    body = resp.get_json()
    assert set(body) == {"error", "message", "fields"}
    assert body["error"] == "invalid_parameter" and body["fields"].get(field), body


@pytest.mark.parametrize("url", [
    "/api/v1/deadline?from=1990-01-01&working_days=1",
    "/api/v1/deadline?from=2100-12-31&working_days=60",
    "/api/v1/search?q=data&page=100&per_page=100",
    "/api/v1/search?q=" + "+".join(["kata"] * 40),
    "/api/v1/search?q=%22",
    "/api/v1/search?q=data&agency=",
    "/api/v1/dip?q=&agency=",
])
def test_the_bounds_themselves_are_accepted(client, url):
    assert client.get(url).status_code == 200


def test_unknown_filters_of_the_dip_are_not_found(client, world):
    for query, field in (("agency=tidak-ada", "agency"), ("obligation=zz", "obligation")):
        resp = client.get(f"/api/v1/dip?{query}")
        assert resp.status_code == 404 and resp.get_json()["fields"].get(field)
