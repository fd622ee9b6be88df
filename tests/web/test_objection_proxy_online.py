"""A proxy (kuasa) files an objection online too (issue #16 section 1), from the request's
tracking page: the proxy's identity and the power of attorney, checked like every upload
(size, real type, name, a PDF's active content), shown to the atasan and on the receipt;
nothing is written when it is refused."""
import io
from datetime import date

import sqlalchemy as sa

from ppid.extensions import db
from ppid.info_requests import services
from ppid.info_requests.models import Letter, Objection, RequestAttachment
from ppid.registry.demo import _pdf_bytes
from tests.conftest import login
from tests.documents import javascript_pdf
from tests.services.test_requests_services import at, submit, world  # noqa: F401 (fixture)

GRANT = {"response_note": "Rekap kasus DBD", "info_form": "softcopy", "cost_per_page": 0,
         "pages": 0, "delivery_cost": 0, "payment_method": "tanpa_biaya"}
PROXY = {"proxy_name": "Andreas Kuasa", "proxy_identity_number": "6171010505800003",
         "proxy_address": "Jl. Tanjungpura 9, Pontianak", "proxy_occupation": "Advokat",
         "proxy_phone": "081350001111"}


def _pdf(data=None, name="kuasa.pdf"):
    return (io.BytesIO(data if data is not None else _pdf_bytes(["Surat kuasa khusus"])),
            name, "application/pdf")


def _counts():
    return tuple(db.session.execute(sa.select(sa.func.count()).select_from(m)).scalar_one()
                 for m in (Objection, Letter, RequestAttachment))


def test_a_proxy_files_online_with_the_power_of_attorney(client, world, app, monkeypatch,
                                                         pdftotext):
    req, token = submit(world.dinkes, now=at(2026, 11, 2))
    services.close_request(req, "dikabulkan", {**GRANT, "available_on": date(2026, 11, 9)},
                           actor=world.officer, now=at(2026, 11, 9))
    db.session.commit()
    monkeypatch.setattr("ppid.info_requests.views.utcnow", lambda: at(2026, 11, 16))
    url = f"/lacak/{token}/keberatan"
    page = client.get(url).get_data(as_text=True)
    assert "Kuasa pemohon (jika diajukan melalui kuasa)" in page
    assert 'enctype="multipart/form-data"' in page
    form = {"grounds": ["d"], "statement": "Rekap bukan per kabupaten.", **PROXY}
    before = _counts()
    old_max = app.config["MAX_UPLOAD_BYTES"]
    app.config["MAX_UPLOAD_BYTES"] = 2048
    try:
        big = client.post(url, data={**form, "proxy_letter": _pdf(
            _pdf_bytes(["Surat kuasa " * 400]))}, content_type="multipart/form-data")
    finally:
        app.config["MAX_UPLOAD_BYTES"] = old_max
    assert big.status_code == 422 and "melebihi batas ukuran" in big.get_data(as_text=True)
    for upload, message in ((None, "surat kuasa"),
                            (_pdf(b"<html><script>alert(1)</script></html>"), "HTML"),
                            (_pdf(b"MZ\x90\x00\x03" + b"\x00" * 64), "program"),
                            (_pdf(javascript_pdf()), "JavaScript"),
                            (_pdf(name="../../kuasa.pdf"), "garis miring"),
                            (_pdf(name="kuasa.docx"), "tidak sesuai")):
        data = dict(form)
        if upload is not None:
            data["proxy_letter"] = upload
        bad = client.post(url, data=data, content_type="multipart/form-data")
        assert bad.status_code == 422, message
        assert message in bad.get_data(as_text=True), message
    # a power of attorney without a proxy's identity
    alone = client.post(url, data={"grounds": ["d"], "statement": "x",
                                   "proxy_letter": _pdf()},
                        content_type="multipart/form-data")
    assert alone.status_code == 422 and "identitas kuasa" in alone.get_data(as_text=True)
    assert _counts() == before  # nothing half-written
    ok = client.post(url, data={**form, "proxy_letter": _pdf()},
                     content_type="multipart/form-data")
    assert ok.status_code == 302, ok.get_data(as_text=True)[:2000]
    obj = db.session.execute(sa.select(Objection)).scalar_one()
    assert (obj.channel, obj.proxy_name, obj.received_by_id) == ("online", "Andreas Kuasa",
                                                                 None)
    [kuasa] = obj.proxy_letters
    assert kuasa.kind == "kuasa_keberatan" and kuasa.request_id == req.id
    letter = next(x for x in req.letters if x.kind == "tanda_bukti_keberatan")
    text = " ".join(pdftotext(services.letter_pdf(letter)).split())
    for expected in ("Andreas Kuasa", "6171010505800003", "Jl. Tanjungpura 9", "Advokat",
                     "081350001111", "Surat kuasa", "dilampirkan", "Formulir daring",
                     "Pengaju keberatan (kuasa pemohon)"):
        assert expected in text, expected
    # the atasan sees the proxy and opens the power of attorney; another agency's not
    login(client, world.atasan)
    page = client.get(f"/kelola/keberatan/{obj.id}").get_data(as_text=True)
    assert "Kuasa pemohon: Andreas Kuasa" in page and "kuasa.pdf" in page
    kuasa_pdf = client.get(f"/kelola/keberatan/{obj.id}/surat-kuasa")
    assert kuasa_pdf.status_code == 200 and kuasa_pdf.data.startswith(b"%PDF")
