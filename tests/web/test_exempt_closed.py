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


# --- An item a current entry of the exemptions register (DIK) covers ----------------------

def approve(entry):
    from tests.services.test_registry_items import approve as approve_entry
    return approve_entry(entry)


def _entry(**kw):
    from tests.services.test_registry_items import _exemption_data
    return _exemption_data(**{"decree_number": "188/45/DIK/2026", "decree_on": TODAY,
                              "end_on": TODAY + timedelta(days=365), **kw})


def test_an_item_a_current_exemption_covers_is_not_published(factories):
    agency = factories.agency()
    item = published_item(agency, None, TODAY - timedelta(days=5), state="draft",
                          title="Rekam medis")
    approve(services.save_exemption(agency, None, _entry(item_id=item.id), actor=None))
    with pytest.raises(services.RegistryError, match="188/45/DIK/2026"):
        services.publish_item(item, actor=None)
    # once the exemption has ended (UU KIP Pasal 20), the item may be opened
    other = published_item(agency, None, TODAY - timedelta(days=5), state="draft")
    services.save_exemption(agency, None, _entry(item_id=other.id, decree_on=TODAY - timedelta(
        days=800), end_on=TODAY - timedelta(days=1)), actor=None)
    services.publish_item(other, actor=None)
    assert other.state == "published"


def test_an_entry_may_only_cover_an_item_of_its_own_agency(factories):
    agency, stranger = factories.agency(), factories.agency()
    item = published_item(stranger, None, TODAY, state="draft")
    with pytest.raises(services.RegistryError, match="badan publik ini"):
        services.save_exemption(agency, None, _entry(item_id=item.id), actor=None)


def test_an_exemption_recorded_for_a_public_item_closes_it(client, factories):
    agency = factories.agency(slug="dinas-tutup")
    officer = factories.user(auth.HELPER, agency)
    item = published_item(agency, None, TODAY - timedelta(days=30), title="Rekam medis")
    db.session.commit()
    assert client.get(f"/badan/{agency.slug}/dip/{item.id}/versi/1").status_code == 200
    login(client, officer)
    html = client.get(f"/kelola/badan/{agency.slug}/pengecualian/baru").get_data(as_text=True)
    assert "Informasi DIP yang ditutup" in html and "Rekam medis" in html
    form = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in _entry().items()}
    resp = client.post(f"/kelola/badan/{agency.slug}/pengecualian/baru",
                       data={**form, "item_id": str(item.id)})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    db.session.expire_all()
    # recorded, but not in force before the head of the body approves it (PP 61/2010)
    assert db.session.get(DipItem, item.id).state == "published"
    entry_url = resp.headers["Location"]
    page = client.get(entry_url).get_data(as_text=True)
    assert "Menunggu persetujuan" in page
    entry_id = int(entry_url.rstrip("/").split("/")[-2])
    resp = client.post(f"/kelola/pengecualian/{entry_id}/setujui", data={
        "approved_by_name": "dr. Kepala Dinas", "approved_by_position": "Kepala Dinas",
        "approved_on": TODAY.isoformat()})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    db.session.expire_all()
    closed = db.session.get(DipItem, item.id)
    assert closed.state == "draft" and closed.published_at is not None
    from ppid.core.models import AuditEvent
    assert db.session.execute(sa.select(AuditEvent.action).where(
        AuditEvent.action == "dip.close")).scalar_one() == "dip.close"
    client.post("/keluar")
    slug = agency.slug
    assert client.get(f"/badan/{slug}/dip/{item.id}").status_code == 404
    assert client.get(f"/badan/{slug}/dip/{item.id}/versi/1").status_code == 404
    for url in (f"/badan/{slug}", f"/badan/{slug}/dip.csv", "/dip.atom", "/api/v1/dip",
                "/cari?q=rekam+medis", "/api/v1/search?q=rekam+medis"):
        body = client.get(url).get_data(as_text=True)
        assert f"/dip/{item.id}" not in body, url
    # the register lists the entry, never the item it closes
    body = client.get(f"/informasi-dikecualikan?badan={slug}").get_data(as_text=True)
    assert "188/45/DIK/2026" in body and f"/dip/{item.id}" not in body
