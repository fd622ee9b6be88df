"""Officers act on their own agency only: an officer of agency X gets 403 on agency Y."""
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.extensions import db
from ppid.registry.demo import _pdf_bytes
from ppid.registry.models import DipItem, DocumentVersion
from tests.conftest import login
from tests.services.test_registry_staleness import TODAY, make_catalogue, published_item
from tests.services.test_registry_items import SERTA_MERTA_PARTS


@pytest.fixture
def two_agencies(client, factories):
    obs = make_catalogue()
    x, y = factories.agency(name="Dinas X"), factories.agency(name="Dinas Y")
    officer_x = factories.user(auth.HELPER, x)
    item_y = published_item(y, obs["a"], TODAY - timedelta(days=10))
    db.session.commit()
    login(client, officer_x)
    return obs, x, y, item_y


def _item_form(**kw):
    data = {"title": "Profil Dinas", "summary": "Alamat dan struktur organisasi",
            "category": "berkala", "obligation_id": "0", "holding_unit": "Sekretariat",
            "responsible": "Sekretaris", "made_at_place": "Pontianak", "made_on": "2026-11-01",
            "form": "elektronik", "retention": "5 tahun"}
    data.update(kw)
    return data


def _pdf(name="profil.pdf", text="Profil dinas"):
    return (io.BytesIO(_pdf_bytes([text])), name)


def test_officer_cannot_create_edit_or_upload_on_another_agency(client, two_agencies):
    obs, x, y, item_y = two_agencies
    n_items = db.session.execute(sa.select(sa.func.count(DipItem.id))).scalar_one()
    attempts = [
        ("get", f"/kelola/badan/{y.slug}/dip/baru", None),
        ("post", f"/kelola/badan/{y.slug}/dip/baru", _item_form()),
        ("get", f"/kelola/dip/{item_y.id}/ubah", None),
        ("post", f"/kelola/dip/{item_y.id}/ubah", _item_form(title="Diubah")),
        ("get", f"/kelola/dip/{item_y.id}/unggah", None),
        ("post", f"/kelola/dip/{item_y.id}/unggah", {"document": _pdf(), "note": "x"}),
        ("post", f"/kelola/dip/{item_y.id}/tarik", {"reason": "x"}),
        ("post", f"/kelola/dip/{item_y.id}/terbitkan", {}),
        ("post", f"/kelola/badan/{y.slug}/nihil/a", {"period_year": "2026",
                                                     "period_semester": "2", "reason": "x"}),
        ("get", f"/kelola/badan/{y.slug}/dip", None),
        ("get", f"/kelola/badan/{y.slug}/pengecualian/baru", None),
    ]
    for method, url, data in attempts:
        kwargs = {"data": data, "content_type": "multipart/form-data"} if data is not None else {}
        resp = getattr(client, method)(url, **kwargs)
        assert resp.status_code == 403, (method, url, resp.status_code)
    db.session.expire_all()
    assert db.session.execute(sa.select(sa.func.count(DipItem.id))).scalar_one() == n_items
    assert db.session.get(DipItem, item_y.id).title == "Laporan"
    assert len(db.session.get(DipItem, item_y.id).versions) == 1


def test_officer_creates_uploads_and_publishes_on_own_agency(client, two_agencies):
    obs, x, y, item_y = two_agencies
    resp = client.post(f"/kelola/badan/{x.slug}/dip/baru", data=_item_form(
        obligation_id=str(obs["a"].id), document=_pdf(), note="Edisi 2026"),
        content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    item = db.session.execute(sa.select(DipItem).where(DipItem.agency_id == x.id)).scalar_one()
    assert item.state == "draft" and len(item.versions) == 1
    assert client.post(f"/kelola/dip/{item.id}/terbitkan").status_code == 302
    resp = client.post(f"/kelola/dip/{item.id}/unggah",
                       data={"document": _pdf(text="Profil edisi 2"), "note": "revisi"},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    db.session.expire_all()
    item = db.session.get(DipItem, item.id)
    assert item.state == "published" and [v.number for v in item.versions] == [1, 2]
    page = client.get(f"/badan/{x.slug}/dip/{item.id}").get_data(as_text=True)
    assert "profil.pdf" in page and "revisi" in page


@pytest.mark.parametrize("name, data, message", [
    ("laporan.pdf", b"MZ\x90\x00" + b"\x00" * 100, "adalah program"),
    ("halaman.html", b"<html><script>alert(1)</script></html>", "HTML atau skrip"),
    ("../laporan.pdf", b"%PDF-1.4", "garis miring"),
    ("kosong.pdf", b"", "kosong"),
])
def test_refused_upload_shows_the_reason_and_saves_nothing(client, two_agencies, name, data,
                                                           message):
    obs, x, y, item_y = two_agencies
    resp = client.post(f"/kelola/badan/{x.slug}/dip/baru",
                       data=_item_form(document=(io.BytesIO(data), name)),
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(DipItem.id)).where(
        DipItem.agency_id == x.id)).scalar_one() == 0  # no item without its document
    assert db.session.execute(sa.select(sa.func.count(DocumentVersion.id))).scalar_one() == 1


def test_anonymous_is_sent_to_login_and_main_officer_may_edit_any_agency(client, factories):
    obs = make_catalogue()
    y = factories.agency()
    main = factories.user(auth.MAIN)
    db.session.commit()
    resp = client.get(f"/kelola/badan/{y.slug}/dip/baru")
    assert resp.status_code == 302 and "/masuk" in resp.headers["Location"]
    login(client, main)
    assert client.get(f"/kelola/badan/{y.slug}/dip/baru").status_code == 200
    resp = client.post(f"/kelola/badan/{y.slug}/dip/baru", data=_item_form(),
                       content_type="multipart/form-data")
    assert resp.status_code == 302


def test_catalogue_and_matrix_are_for_the_ppid_utama(client, factories):
    make_catalogue()
    x = factories.agency()
    helper = factories.user(auth.HELPER, x)
    db.session.commit()
    login(client, helper)
    assert client.get("/kelola/katalog").status_code == 403
    assert client.get("/kelola/dip/matriks").status_code == 403


def test_officer_edits_own_item_and_serta_merta_times(client, two_agencies, factories):
    obs, x, y, item_y = two_agencies
    item = published_item(x, obs["a"], TODAY - timedelta(days=10))
    db.session.commit()
    assert client.get(f"/kelola/dip/{item.id}/ubah").status_code == 200
    resp = client.post(f"/kelola/dip/{item.id}/ubah", data=_item_form(
        title="Profil Dinas X 2026", obligation_id=str(obs["a"].id)))
    assert resp.status_code == 302
    # an event time only makes sense for serta-merta information
    resp = client.post(f"/kelola/dip/{item.id}/ubah", data=_item_form(
        event_at="2026-11-20T05:00"))
    assert resp.status_code == 422 and "serta-merta" in resp.get_data(as_text=True)
    resp = client.post(f"/kelola/dip/{item.id}/ubah", data=_item_form(
        title="Profil Dinas X 2026", category="serta_merta", event_at="2026-11-20T05:00"))
    # a serta-merta item says what the danger is, who is affected, what to do... (Pasal 10)
    assert resp.status_code == 422 and "Lengkapi isi pengumuman" in resp.get_data(as_text=True)
    resp = client.post(f"/kelola/dip/{item.id}/ubah", data=_item_form(
        title="Profil Dinas X 2026", category="serta_merta", event_at="2026-11-20T05:00",
        **SERTA_MERTA_PARTS))
    assert resp.status_code == 302
    db.session.expire_all()
    item = db.session.get(DipItem, item.id)
    assert item.title == "Profil Dinas X 2026" and item.event_at is not None
    assert item.event_at.utcoffset().total_seconds() == 0  # stored as UTC
    assert item.event_at.hour == 22  # 05:00 in Asia/Jakarta
