"""Exempt information stays closed (issue #15, section 1; UU KIP Pasal 11(1)(a), 17, 54):
an item of category `dikecualikan` is never published, so neither it nor its documents reach
anyone anonymously, by any route (item page, version history and download, API, feeds,
search, the DIP export)."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.extensions import db
from ppid.registry import services
from ppid.registry.models import DipItem
from tests.conftest import login
from tests.services.test_registry_staleness import TODAY, moment, pdf_upload, published_item

TITLE = "Rincian harga satuan kontrak pengadaan"
SECRET = "Harga satuan rahasia sekali"


def _exempt_draft(agency):
    item = services.create_item(agency, {
        "title": TITLE, "summary": SECRET, "holding_unit": "Pengadaan",
        "responsible": "Sekretaris", "made_at_place": "Pontianak", "made_on": TODAY,
        "form": "elektronik", "retention": "5 tahun", "category": "dikecualikan",
        "obligation_id": None}, actor=None, now=moment(TODAY - timedelta(days=3)))
    services.add_version(item, pdf_upload(SECRET), "v1", actor=None,
                         now=moment(TODAY - timedelta(days=3)))
    return item


@pytest.fixture
def exempt(client, factories):
    agency = factories.agency(slug="dinas-kecuali", name="Dinas Pengecualian Uji")
    officer = factories.user(auth.HELPER, agency)
    item = _exempt_draft(agency)
    db.session.commit()
    return agency, officer, item


def test_publishing_an_exempt_item_is_refused(exempt):
    _agency, _officer, item = exempt
    with pytest.raises(services.RegistryError, match="dikecualikan"):
        services.publish_item(item, actor=None)
    db.session.rollback()
    assert db.session.get(DipItem, item.id).state == "draft"


def test_a_public_item_cannot_become_exempt_by_an_edit(factories):
    agency = factories.agency()
    item = published_item(agency, None, TODAY - timedelta(days=5))
    db.session.commit()
    with pytest.raises(services.RegistryError, match="dikecualikan"):
        services.update_item(item, {"category": "dikecualikan"}, actor=None)
    db.session.rollback()
    assert db.session.get(DipItem, item.id).category == "berkala"


def test_the_database_refuses_a_public_exempt_item(exempt):
    _agency, _officer, item = exempt
    # the invariant holds whatever path writes: a check constraint, not only the service
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(DipItem).where(DipItem.id == item.id)
                           .values(state="published", published_at=moment(TODAY)))
        db.session.flush()
    db.session.rollback()


def test_the_officer_is_told_why_through_the_web(client, exempt):
    agency, officer, item = exempt
    login(client, officer)
    resp = client.post(f"/kelola/dip/{item.id}/terbitkan", data={}, follow_redirects=True)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Informasi yang dikecualikan tidak dapat diterbitkan" in html
    db.session.expire_all()
    assert db.session.get(DipItem, item.id).state == "draft"


def test_no_anonymous_route_reaches_an_exempt_item(client, exempt):
    agency, officer, item = exempt
    login(client, officer)
    client.post(f"/kelola/dip/{item.id}/terbitkan", data={})  # refused
    client.post("/keluar")  # anonymous from here
    slug = agency.slug
    assert client.get(f"/badan/{slug}/dip/{item.id}").status_code == 404
    assert client.get(f"/badan/{slug}/dip/{item.id}/versi/1").status_code == 404
    for url in (f"/badan/{slug}", f"/badan/{slug}/dip.csv", f"/badan/{slug}/dip.atom",
                "/dip.atom", "/api/v1/dip", f"/api/v1/dip?agency={slug}",
                "/api/v1/dip?category=dikecualikan", f"/cari?q=harga+satuan+kontrak",
                "/api/v1/search?q=harga+satuan+kontrak"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        body = resp.get_data(as_text=True)
        assert TITLE not in body and SECRET not in body, url
        assert f"/dip/{item.id}" not in body, url
    pdf = client.get(f"/badan/{slug}/dip.pdf")
    assert pdf.status_code == 200 and TITLE.encode() not in pdf.data
