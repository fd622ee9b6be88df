"""Withdrawing a request asks for confirmation and says it cannot be undone (issue #15,
section 4): a withdrawal posted without the confirmation changes nothing."""
import re

import sqlalchemy as sa

from ppid.extensions import db
from ppid.info_requests.models import InfoRequest
from tests.web.test_requests_web import form_data, world  # noqa: F401


def test_withdrawal_needs_the_confirmation(client, world):
    resp = client.post("/permohonan/baru", data=form_data(information="Jadwal vaksinasi"),
                       content_type="multipart/form-data")
    token = re.search(r"/lacak/([A-Za-z0-9_-]{20,})", resp.get_data(as_text=True)).group(1)
    page = client.get(f"/lacak/{token}").get_data(as_text=True)
    assert "tidak dapat dibatalkan" in page and 'name="confirm"' in page
    resp = client.post(f"/lacak/{token}/tarik", data={"note": "klik tak sengaja"},
                       follow_redirects=True)
    assert "Centang pernyataan" in resp.get_data(as_text=True)
    req = db.session.execute(sa.select(InfoRequest)).scalar_one()
    db.session.refresh(req)
    assert req.state != "ditarik"
    assert client.post(f"/lacak/{token}/tarik",
                       data={"note": "Sudah dapat", "confirm": "y"}).status_code == 302
    db.session.refresh(req)
    assert req.state == "ditarik"
