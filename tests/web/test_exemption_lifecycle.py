"""Exemptions modelled as the law has them (issue #16 section 4: UU KIP Pasal 17 and 20,
PP 61/2010, Perki 1/2021 Pasal 49) and serta-merta announcements with their contents
(section 5: Pasal 10), through the services and the pages."""
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.core.models import AuditEvent
from ppid.core.services import local_today
from ppid.extensions import db
from ppid.registry import services
from ppid.registry.models import DipItem, Exemption
from tests.conftest import login
from tests.services.test_registry_items import SERTA_MERTA_PARTS, _exemption_data, approve
from tests.services.test_registry_staleness import moment, published_item


def _actions(obj_id):
    return db.session.execute(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "Exemption", AuditEvent.object_id == str(obj_id))
        .order_by(AuditEvent.id)).scalars().all()


def test_an_entry_on_letters_g_to_j_may_be_open_ended_but_a_to_f_may_not(factories):
    agency = factories.agency()
    today = local_today()
    with pytest.raises(services.RegistryError, match="Pasal 20"):
        services.save_exemption(agency, None, _exemption_data(
            pasal17_letters="a,h", end_on=None, decree_on=today), actor=None)
    ex = services.save_exemption(agency, None, _exemption_data(
        pasal17_letters="h", end_on=None, decree_on=today), actor=None)
    # the period in words is derived (and stored as derived), never typed
    assert ex.period_text == "selama pemilik rahasia pribadi itu hidup"
    approve(ex)
    assert ex.in_force_on(today + timedelta(days=365 * 50))
    # an end date changes the words with it: they cannot disagree
    services.save_exemption(agency, ex, _exemption_data(
        pasal17_letters="h", decree_on=date(2024, 3, 1), end_on=date(2029, 3, 1)), actor=None)
    assert ex.period_text.startswith("5 tahun, sampai 1 Maret 2029")


def test_an_entry_records_its_document_test_date_and_approval(factories):
    agency = factories.agency()
    today = local_today()
    for bad, message in [({"document": " "}, "dokumen"),
                         ({"tested_on": None}, "uji konsekuensi"),
                         ({"tested_on": today + timedelta(days=1)}, "masa depan"),
                         ({"tested_on": date(2024, 3, 2)}, "sebelum keputusan")]:
        with pytest.raises(services.RegistryError, match=message):
            services.save_exemption(agency, None, _exemption_data(**bad), actor=None)
    ex = services.save_exemption(agency, None, _exemption_data(tested_on=date(2024, 2, 20)),
                                 actor=None)
    for bad, message in [({"approved_by_name": ""}, "nama dan jabatan"),
                         ({"approved_on": today + timedelta(days=1)}, "masa depan"),
                         ({"approved_on": date(2024, 2, 19)}, "uji konsekuensi")]:
        with pytest.raises(services.RegistryError, match=message):
            approve(ex, **bad)
    assert not ex.is_approved
    approve(ex, approved_on=date(2024, 3, 1))
    assert (ex.approved_by_name, ex.approved_on) == ("Kepala Dinas Uji", date(2024, 3, 1))
    assert _actions(ex.id) == ["exemption.create", "exemption.approve"]


def test_an_entry_closes_its_item_only_once_approved_and_a_change_needs_a_new_approval(
        factories):
    agency = factories.agency()
    today = local_today()
    item = published_item(agency, None, today - timedelta(days=30), title="Rekam medis")
    ex = services.save_exemption(agency, None, _exemption_data(
        item_id=item.id, decree_on=today, end_on=today + timedelta(days=365)), actor=None)
    assert item.state == "published" and not ex.in_force_on(today)
    # awaiting approval it exempts nothing: a draft it names may still be published
    approve(ex)
    assert item.state == "draft" and ex.in_force_on(today)
    with pytest.raises(services.RegistryError, match="dikecualikan"):
        services.publish_item(item, actor=None)
    # what the head approved changed: the approval is withdrawn, and the audit says so
    services.save_exemption(agency, ex, _exemption_data(
        item_id=item.id, decree_on=today, end_on=today + timedelta(days=730),
        consequence="Membuka rekam medis mengungkap diagnosis pasien"), actor=None)
    assert not ex.is_approved
    last = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "exemption.update").order_by(AuditEvent.id.desc())).scalars().first()
    assert "approved_on" in json.loads(last.changes)
    # a change of the item it names alone keeps the approval
    approve(ex)
    other = published_item(agency, None, today - timedelta(days=3), state="draft")
    services.save_exemption(agency, ex, _exemption_data(
        item_id=other.id, decree_on=today, end_on=today + timedelta(days=730),
        consequence="Membuka rekam medis mengungkap diagnosis pasien"), actor=None)
    assert ex.is_approved


def test_the_public_register_lists_approved_entries_with_their_approval(client, factories):
    agency = factories.agency(slug="dinkes-dik")
    pending = services.save_exemption(agency, None, _exemption_data(
        information="Catatan konseling pasien", pasal17_letters="h", end_on=None),
        actor=None)
    approved = approve(services.save_exemption(agency, None, _exemption_data(
        information="Rekam medis pasien rawat inap", pasal17_letters="h", end_on=None),
        actor=None))
    db.session.commit()
    body = client.get("/informasi-dikecualikan?badan=dinkes-dik").get_data(as_text=True)
    assert approved.information in body and pending.information not in body
    assert "selama pemilik rahasia pribadi itu hidup" in body
    assert "Kepala Dinas Uji, Kepala Dinas" in body
    assert "Berkas rekam medis pasien" in body


def test_the_approval_page_and_its_authorisation(client, factories):
    a, b = factories.agency(slug="dinas-a"), factories.agency(slug="dinas-b")
    officer_a, officer_b = factories.user(auth.HELPER, a), factories.user(auth.HELPER, b)
    ex = services.save_exemption(a, None, _exemption_data(), actor=None)
    db.session.commit()
    approval = {"approved_by_name": "dr. Kepala", "approved_by_position": "Kepala Dinas",
                "approved_on": "2024-03-01"}
    login(client, officer_b)
    assert client.post(f"/kelola/pengecualian/{ex.id}/setujui",
                       data=approval).status_code == 403
    client.post("/keluar")
    login(client, officer_a)
    page = client.get(f"/kelola/pengecualian/{ex.id}/ubah").get_data(as_text=True)
    assert "Menunggu persetujuan" in page and 'name="approved_by_name"' in page
    resp = client.post(f"/kelola/pengecualian/{ex.id}/setujui",
                       data=dict(approval, approved_on=(local_today() + timedelta(days=1)).isoformat()))
    assert resp.status_code == 422
    assert "tidak boleh di masa depan" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(Exemption, ex.id).is_approved
    resp = client.post(f"/kelola/pengecualian/{ex.id}/setujui", data=approval)
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Exemption, ex.id).approved_by_name == "dr. Kepala"
    page = client.get(f"/kelola/pengecualian/{ex.id}/ubah").get_data(as_text=True)
    assert "Disetujui oleh dr. Kepala (Kepala Dinas)" in page
    assert 'name="approved_by_name"' not in page


def _serta_merta(**kw):
    return {"title": "Peringatan dini banjir", "summary": "Sungai Kapuas siaga",
            "holding_unit": "BPBD", "responsible": "Kalaksa", "made_at_place": "Sintang",
            "made_on": local_today(), "form": "elektronik", "retention": "2 tahun",
            "category": "serta_merta", "obligation_id": None,
            "event_at": moment(local_today(), 3), **SERTA_MERTA_PARTS, **kw}


def test_a_serta_merta_item_needs_its_event_time_and_every_part(factories):
    agency = factories.agency()
    with pytest.raises(services.RegistryError, match="waktu kejadian"):
        services.create_item(agency, _serta_merta(event_at=None), actor=None)
    with pytest.raises(services.RegistryError,
                       match="Lengkapi isi pengumuman serta-merta: Tempat meminta bantuan"):
        services.create_item(agency, _serta_merta(sm_help="  "), actor=None)
    with pytest.raises(services.RegistryError, match="hanya untuk informasi serta-merta"):
        services.create_item(agency, _serta_merta(category="berkala", event_at=None),
                             actor=None)
    item = services.create_item(agency, _serta_merta(), actor=None)
    assert item.sm_help == SERTA_MERTA_PARTS["sm_help"]
    # an item saved before the parts existed is not published without them
    item.sm_danger = None
    db.session.flush()
    with pytest.raises(services.RegistryError, match="Bahaya dan besarnya dampak"):
        services.publish_item(item, actor=None)


def test_the_serta_merta_page_shows_the_parts_in_the_law_s_order(client, factories):
    agency = factories.agency(slug="bpbd-uji")
    item = services.create_item(agency, _serta_merta(), actor=None,
                                now=moment(local_today(), 8))
    services.publish_item(item, actor=None, now=moment(local_today(), 9))
    db.session.commit()
    body = client.get(f"/badan/bpbd-uji/dip/{item.id}").get_data(as_text=True)
    positions = [body.index(SERTA_MERTA_PARTS[name]) for name in (
        "sm_danger", "sm_affected", "sm_actions", "sm_help", "sm_response")]
    assert positions == sorted(positions)
    assert "Diumumkan 6.0 jam setelah kejadian" in body
