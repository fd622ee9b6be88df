"""DIP items, immutable versions, refused uploads, nil declarations, exemptions, audit."""
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from ppid.core import jobs
from ppid.core.models import AuditEvent
from ppid.core.storage import storage
from ppid.core.uploads import UploadRejected
from ppid.extensions import db
from ppid.registry import rules, services
from ppid.registry.models import (DocumentVersion, ImmutableVersionError, NilDeclaration)
from tests.services.test_registry_staleness import (NOW, TODAY, make_catalogue, moment,
                                                    pdf_upload, published_item)


def _draft(agency, ob=None):
    return services.create_item(agency, {
        "title": "Laporan Keuangan", "summary": "Realisasi anggaran", "holding_unit": "Keuangan",
        "responsible": "Sekretaris", "made_at_place": "Pontianak", "made_on": TODAY,
        "form": "cetak_elektronik", "retention": "10 tahun", "category": "berkala",
        "obligation_id": ob.id if ob else None}, actor=None, now=NOW)


def _stored_files(app):
    root = Path(app.config["DATA_DIR"]) / "files"
    return {p.name for p in root.glob("*/*/*")} if root.exists() else set()


def _actions():
    return [a for (a,) in db.session.execute(sa.select(AuditEvent.action).order_by(
        AuditEvent.id))]  # the order written (seq: the chain's, once linked)


def test_versions_are_immutable_and_old_ones_stay(factories):
    obs = make_catalogue()
    agency = factories.agency()
    item = published_item(agency, obs["a"], TODAY - timedelta(days=40),
                          versions=[TODAY - timedelta(days=2)])
    db.session.commit()
    jobs.run_pending()  # the text for search is extracted after commit, by the job worker
    assert [v.number for v in item.versions] == [1, 2]
    first = item.versions[0]
    first_id = first.id
    assert storage().get(first.sha256)[:5] == b"%PDF-"
    assert "versi 1" in first.extracted_text  # PDF text kept for search
    first.note = "diubah"
    with pytest.raises(ImmutableVersionError):
        db.session.flush()
    db.session.rollback()
    v = db.session.get(DocumentVersion, first_id)
    db.session.delete(v)
    with pytest.raises(ImmutableVersionError):
        db.session.flush()
    db.session.rollback()


def test_same_content_is_stored_once(app, factories):
    agency = factories.agency()
    a, b = _draft(agency), _draft(agency)
    before = _stored_files(app)
    va = services.add_version(a, pdf_upload("sama"), actor=None, now=NOW)
    vb = services.add_version(b, pdf_upload("sama"), actor=None, now=NOW)
    assert va.sha256 == vb.sha256
    assert _stored_files(app) - before == {va.sha256}


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


@pytest.mark.parametrize("name, data, message", [
    ("besar.pdf", None, "melebihi batas ukuran"),
    ("laporan.pdf", EXE, "adalah program"),
    ("halaman.html", b"<!doctype html><html><body><script>alert(1)</script></body></html>",
     "berisi HTML atau skrip"),
    ("laporan.pdf", b"<html><body>bukan pdf</body></html>", "berisi HTML atau skrip"),
    ("../../etc/passwd.pdf", b"%PDF-1.4 x", "tidak boleh mengandung garis miring"),
    ("..\\rahasia.pdf", b"%PDF-1.4 x", "tidak boleh mengandung garis miring"),
    ("kosong.pdf", b"", "kosong"),
])
def test_refused_uploads_store_nothing(app, factories, name, data, message):
    agency = factories.agency()
    item = _draft(agency)
    db.session.commit()
    old_max = app.config["MAX_UPLOAD_BYTES"]
    if data is None:
        app.config["MAX_UPLOAD_BYTES"] = 1024
        data = b"%PDF-1.4\n" + b"0" * 2048
    before_files = _stored_files(app)
    before_audit = len(_actions())
    try:
        with pytest.raises(UploadRejected) as exc:
            services.add_version(item, FileStorage(io.BytesIO(data), filename=name),
                                 actor=None, now=NOW)
    finally:
        app.config["MAX_UPLOAD_BYTES"] = old_max
    db.session.rollback()
    assert message in str(exc.value)
    assert db.session.execute(sa.select(sa.func.count(DocumentVersion.id))).scalar_one() == 0
    assert _stored_files(app) == before_files
    assert len(_actions()) == before_audit


def test_every_state_change_is_audited(factories):
    obs = make_catalogue()
    agency = factories.agency()
    item = _draft(agency, obs["a"])
    with pytest.raises(services.RegistryError, match="Unggah dokumennya"):
        services.publish_item(item, actor=None, now=NOW)
    services.add_version(item, pdf_upload(), actor=None, now=NOW)
    services.update_item(item, {"title": "Laporan Keuangan 2026"}, actor=None, now=NOW)
    services.publish_item(item, actor=None, now=NOW)
    with pytest.raises(services.RegistryError, match="alasan"):
        services.withdraw_item(item, " ", actor=None, now=NOW)
    services.withdraw_item(item, "Dokumen keliru", actor=None, now=NOW)
    assert item.state == "withdrawn" and item.withdrawal_reason == "Dokumen keliru"
    with pytest.raises(services.RegistryError):
        services.add_version(item, pdf_upload(), actor=None, now=NOW)
    services.declare_nil(agency, obs["b"], 2026, 2, "tidak ada", actor=None, now=NOW)
    acts = _actions()
    for action in ("catalogue.create", "dip.create", "dip.version", "dip.update",
                   "dip.publish", "dip.withdraw", "dip.nil"):
        assert action in acts


def test_nil_declaration_once_per_period(factories):
    obs = make_catalogue()
    agency = factories.agency()
    services.declare_nil(agency, obs["b"], 2026, 2, "tidak ada", actor=None, now=NOW)
    with pytest.raises(services.RegistryError, match="sudah ada"):
        services.declare_nil(agency, obs["b"], 2026, 2, "lagi", actor=None, now=NOW)
    with pytest.raises(services.RegistryError, match="tidak berlaku"):
        services.declare_nil(agency, obs["u"], 2026, 2, "bukan utama", actor=None, now=NOW)
    decl = db.session.execute(sa.select(NilDeclaration)).scalar_one()
    assert decl.period_label == "Semester II 2026" and decl.declared_on == TODAY


# A complete serta-merta announcement (UU KIP Pasal 10): what each part says.
SERTA_MERTA_PARTS = {
    "sm_danger": "Banjir setinggi satu meter", "sm_affected": "Warga bantaran Sungai Kapuas",
    "sm_actions": "Mengungsi ke GOR Pangsuma", "sm_help": "Pusdalops BPBD 0561-112",
    "sm_response": "BPBD menyiagakan perahu karet dan dapur umum"}


def _exemption_data(**kw):
    data = {"information": "Rekam medis pasien", "pasal17_letters": "h", "other_statute": "",
            "consequence": "mengungkap rahasia pribadi", "public_interest": "data agregat",
            "decided_by": "PPID Dinkes", "decree_number": "440/1/2024",
            "decree_on": date(2024, 3, 1), "end_on": date(2026, 3, 1),
            "document": "Berkas rekam medis pasien"}
    data.update(kw)
    data.setdefault("tested_on", data["decree_on"])
    return data


def approve(entry, **kw):
    """The head of the body's approval, recorded (an entry is in force once approved)."""
    return services.approve_exemption(entry, {
        "approved_by_name": "Kepala Dinas Uji", "approved_by_position": "Kepala Dinas",
        "approved_on": entry.decree_on, **kw}, actor=None)


def test_exemptions_need_a_basis_and_raise_review_alerts(factories):
    make_catalogue()
    agency = factories.agency()
    with pytest.raises(services.RegistryError, match="Pasal 17"):
        services.save_exemption(agency, None, _exemption_data(pasal17_letters="z"), actor=None)
    with pytest.raises(services.RegistryError, match="dasar pengecualian"):
        services.save_exemption(agency, None, _exemption_data(pasal17_letters=""), actor=None)
    ex = services.save_exemption(agency, None, _exemption_data(pasal17_letters="h, a"),
                                 actor=None)
    assert ex.letters == ["a", "h"]
    # awaiting the head's approval: an alert of its own, and not yet in force
    alerts = services.registry_alerts(NOW)[agency.id]
    assert sorted(a.key for a in alerts if a.kind == "exemption") == [
        f"exemption-approval:{ex.id}", f"exemption:{ex.id}:2026-03-01"]
    approve(ex)
    alerts = services.registry_alerts(NOW)[agency.id]
    assert [a.key for a in alerts if a.kind == "exemption"] == [f"exemption:{ex.id}:2026-03-01"]
    # a new end date is a new decision: the approval is withdrawn until given again
    services.save_exemption(agency, ex, _exemption_data(end_on=date(2028, 3, 1)), actor=None)
    assert not ex.is_approved and not ex.in_force_on(TODAY)
    assert [a.key for a in services.registry_alerts(NOW)[agency.id]
            if a.kind == "exemption"] == [f"exemption-approval:{ex.id}"]
    approve(ex)
    assert ex.in_force_on(TODAY)
    assert all(a.kind != "exemption" for a in services.registry_alerts(NOW)[agency.id])
    assert not rules.exemption_review_due(ex.end_on, TODAY)


def test_item_refuses_an_obligation_of_the_ppid_utama(factories):
    obs = make_catalogue()
    agency = factories.agency()
    with pytest.raises(services.RegistryError, match="hanya berlaku"):
        _draft(agency, obs["u"])


@pytest.mark.parametrize("year, semester, message", [
    (2026, 1, None),                 # the previous semester (TODAY is in Semester II 2026)
    (2026, 2, None),                 # the current one
    (2025, 2, "Semester II 2025 sudah lewat lebih dari satu periode"),
    (2021, 1, "Semester I 2021 sudah lewat lebih dari satu periode"),
    (2027, 1, "Semester I 2027 belum berjalan"),
    (2030, 2, "Semester II 2030 belum berjalan"),
])
def test_nil_only_for_the_current_or_the_previous_semester(factories, year, semester,
                                                          message):
    obs = make_catalogue()
    agency = factories.agency()
    db.session.commit()
    before = len(_actions())
    if message is None:
        decl = services.declare_nil(agency, obs["b"], year, semester, "tidak ada",
                                    actor=None, now=NOW)
        assert (decl.period_year, decl.period_semester) == (year, semester)
        return
    with pytest.raises(services.RegistryError) as exc:
        services.declare_nil(agency, obs["b"], year, semester, "tidak ada", actor=None,
                         now=NOW)
    text = str(exc.value)
    assert message in text
    assert "semester berjalan (Semester II 2026)" in text
    assert "semester sebelumnya (Semester I 2026)" in text
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count(NilDeclaration.id))).scalar_one() == 0
    assert len(_actions()) == before


def test_nil_periods_follow_the_local_date_of_now(factories):
    """1 January 2027 00:30 in Jakarta is still 31 December 2026 in UTC."""
    obs = make_catalogue()
    agency = factories.agency()
    new_year = moment(date(2027, 1, 1), 0).replace(minute=30)
    services.declare_nil(agency, obs["a"], 2027, 1, "tidak ada", actor=None, now=new_year)
    services.declare_nil(agency, obs["b"], 2026, 2, "tidak ada", actor=None, now=new_year)
    with pytest.raises(services.RegistryError, match="lebih dari satu periode"):
        services.declare_nil(agency, obs["c"], 2026, 1, "tidak ada", actor=None,
                             now=new_year)


def test_republication_keeps_the_first_publication_and_is_audited(factories):
    obs = make_catalogue()
    agency = factories.agency()
    item = published_item(agency, obs["a"], TODAY - timedelta(days=300))
    first = item.published_at
    services.withdraw_item(item, "Dokumen keliru", actor=None, now=NOW - timedelta(hours=2))
    with pytest.raises(services.RegistryError, match="ditarik"):
        services.add_version(item, pdf_upload(), actor=None, now=NOW)
    services.publish_item(item, actor=None, now=NOW)
    assert item.published_at == first and item.withdrawal_reason is None
    with pytest.raises(services.RegistryError, match="sudah diterbitkan"):
        services.publish_item(item, actor=None, now=NOW)
    events = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "dip.publish").order_by(AuditEvent.id)).scalars().all()
    assert len(events) == 2
    first_change, again = (json.loads(e.changes) for e in events)
    assert first_change["state"] == ["draft", "published"] and "published_at" in first_change
    assert again["state"] == ["withdrawn", "published"] and "republished_at" in again
    assert "published_at" not in again     # the publication moment did not move
