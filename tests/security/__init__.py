"""Security tests: shared seeded world (two agencies, every role) and small helpers.

The world is built with the features' own services so every kind of object exists: DIP
items with versions, an obligation, exemptions, requests (with letters, a released file
and an objection) in agency A and agency B, a calendar entry, reset token.
"""
import io
from datetime import date, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from ppid.core import auth
from ppid.extensions import db

PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"
RAW_MARKERS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")

ROLES = ("anon", "owner", "citizen", "helper_a", "atasan_a", "main", "auditor", "admin",
         "humas_a")


def table_counts(app):
    """Row count of every table (the "nothing changed" check)."""
    out = {}
    with app.app_context():
        for t in db.metadata.sorted_tables:
            out[t.name] = db.session.execute(
                sa.select(sa.func.count()).select_from(t)).scalar_one()
        db.session.rollback()
    return out


def pdf_file(text="Dokumen uji"):
    from ppid.registry.demo import _pdf_bytes
    return _pdf_bytes([text])


def _published_item(agency, obligation, title, actor, now):
    from ppid.registry import services as reg
    item = reg.create_item(agency, {
        "title": title, "summary": f"Ringkasan {title}", "holding_unit": "Sekretariat",
        "responsible": "Sekretaris", "made_at_place": "Pontianak",
        "made_on": now.date() - timedelta(days=3), "form": "cetak_elektronik",
        "retention": "5 tahun", "category": "berkala",
        "obligation_id": obligation.id if obligation else None, "event_at": None},
        actor=actor, now=now)
    reg.add_version(item, FileStorage(io.BytesIO(pdf_file(title)), filename="dok.pdf",
                                      content_type="application/pdf"), "Versi 1",
                    actor=actor, now=now)
    reg.publish_item(item, actor=actor, now=now)
    return item


def _request(agency, owner, now, info, *, anonymous_email=None):
    from ppid.info_requests import services as rq
    data = {"name": "Pemohon Uji", "identity_type": "nik", "identity_number": "6171010203850001",
            "address": "Jl. Uji No. 1", "phone": "081234567890",
            "email": anonymous_email, "occupation": "Guru", "proxy_name": None,
            "information": info, "purpose": "Penelitian", "obtain_method": "salinan",
            "copy_form": "softcopy", "delivery": "email", "agency": agency}
    req, token = rq.submit_request(data, actor=owner, now=now, requester_user=owner)
    # Reviewed, so that the public register, API and search show its subject.
    rq.review_subject(req, "tampilkan", actor=None, now=now)
    return req, token


def _refuse_and_object(req, officer, owner, now):
    from ppid.info_requests import rules
    from ppid.info_requests import services as rq
    rq.close_request(req, rules.DITOLAK, {
        "exemption_letters": ["h"], "exemption_consequence": "Mengungkap rahasia pribadi.",
        "other_statute": "UU Kesehatan", "exemption_information": "Rekam medis pasien",
        "exemption_document": "Berkas rekam medis",
        "exemption_public_interest": "Rahasia pribadi pasien lebih berat.",
        "exemption_end_on": (now + timedelta(days=5 * 365)).date()},
        actor=officer, now=now + timedelta(minutes=5))
    # filed online by a proxy with the power of attorney (issue #16: proxies online too)
    import hashlib

    from ppid.core.uploads import CheckedUpload
    from ppid.registry.demo import _pdf_bytes
    kuasa = _pdf_bytes(["Surat kuasa keberatan"])
    return rq.file_objection(req, ["a"], "Saya keberatan atas penolakan ini.", actor=owner,
                             now=now + timedelta(minutes=10), proxy={
                                 "proxy_name": "Kuasa Uji", "proxy_identity_number":
                                 "6171010203850002", "proxy_address": "Jl. Uji 2"},
                             proxy_upload=CheckedUpload(kuasa, hashlib.sha256(
                                 kuasa).hexdigest(), len(kuasa), "application/pdf",
                                 "kuasa.pdf"))


def _disputed(agency, officer, owner, now, what):
    """A refused request, its objection and a dispute decided by the Komisi Informasi, with
    a suit at the PTUN awaiting its decision (the dispute pages' forms)."""
    from ppid.disputes import rules as dr
    from ppid.disputes import services as ds
    req, _ = _request(agency, owner, now, what)
    obj = _refuse_and_object(req, officer, owner, now)
    from ppid.core.services import local_date
    day = local_date(now + timedelta(minutes=20))
    dispute = ds.file_dispute(obj, filed_on=day, register_number=f"REG/{agency.slug}",
                              actor=officer, now=now + timedelta(minutes=20))
    for step, kw in ((dr.DisputeAction.AJUDIKASI, {}),
                     (dr.DisputeAction.PUTUSAN, {"outcome": "dikabulkan",
                                                 "decision_number": "1/PTS",
                                                 "decision_received_on": day,
                                                 "summary": "Informasi dibuka."})):
        ds.record_step(dispute, step, on=day, actor=officer, now=now + timedelta(minutes=25),
                       **kw)
    case = ds.file_court_case(dispute, level="ptun", filed_by="badan_publik", filed_on=day,
                              actor=officer, now=now + timedelta(minutes=30))
    return dispute, case


def seed_world(app):
    """Build the world and commit; returns a namespace of ids, slugs and users.

    Tests make their requests with NO application context pushed: a pushed context would
    be shared by every request of every test client (and with it ``g`` and the logged-in
    user), so several clients with different users would see each other's login.
    """
    with app.app_context():
        try:
            return _seed_world()
        finally:
            db.session.remove()


def _seed_world():
    from ppid.accounts import services as accounts
    from ppid.agencies.models import Agency
    from ppid.core.db import utcnow
    from ppid.core.services import save_calendar_entry
    from ppid.core.uploads import CheckedUpload
    from ppid.info_requests import services as rq
    from ppid.registry import services as reg
    from tests.conftest import TEST_PASSWORD

    now = utcnow()
    u = Agency(slug="sec-utama", name="PPID Utama Uji", kind="utama", atasan_name="Sekda",
               atasan_position="Sekretaris Daerah")
    db.session.add(u)
    db.session.flush()
    a = Agency(slug="sec-a", name="Dinas A", kind="pembantu", parent_id=u.id,
               atasan_name="Kepala A", atasan_position="Kepala Dinas")
    b = Agency(slug="sec-b", name="Dinas B", kind="pembantu", parent_id=u.id,
               atasan_name="Kepala B", atasan_position="Kepala Dinas")
    db.session.add_all([a, b])
    db.session.flush()

    def user(key, roles):
        return accounts.create_user(f"{key}@sec.uji.go.id", f"Pengguna {key}", TEST_PASSWORD,
                                    actor=None, roles=roles)

    users = {
        "owner": user("owner", [(auth.CITIZEN, None)]),
        "citizen": user("citizen", [(auth.CITIZEN, None)]),
        "helper_a": user("helper_a", [(auth.HELPER, a.id)]),
        "helper_b": user("helper_b", [(auth.HELPER, b.id)]),
        "atasan_a": user("atasan_a", [(auth.ATASAN, a.id)]),
        "main": user("main", [(auth.MAIN, None)]),
        "auditor": user("auditor", [(auth.AUDITOR, None)]),
        "admin": user("admin", [(auth.ADMIN, None)]),
        "humas_a": user("humas_a", [(auth.HUMAS, a.id)]),
    }
    db.session.flush()
    main = users["main"]

    ob = reg.save_obligation(None, {
        "code": "a", "title": "Profil badan publik", "description": "Profil",
        "legal_basis": "Perki 1/2021", "category": "berkala", "period_months": 6,
        "applies_to": "semua", "is_active": True}, actor=main, now=now)
    # A second obligation nobody has published: every agency is overdue on it.
    reg.save_obligation(None, {
        "code": "b", "title": "Ringkasan program", "description": "Program",
        "legal_basis": "Perki 1/2021", "category": "berkala", "period_months": 6,
        "applies_to": "semua", "is_active": True}, actor=main, now=now)
    item_a = _published_item(a, ob, "Profil Dinas A", main, now)
    item_b = _published_item(b, ob, "Profil Dinas B", main, now)
    ex_a = reg.save_exemption(a, None, {
        "information": "Rekam medis", "pasal17_letters": "h", "other_statute": "",
        "consequence": "Rahasia pribadi", "public_interest": "Data agregat terbuka",
        "decided_by": "PPID A", "decree_number": "1/A", "decree_on": date(2025, 1, 2),
        "tested_on": date(2025, 1, 2), "document": "Berkas rekam medis",
        "end_on": date(2030, 1, 2)}, actor=main, now=now)
    ex_b = reg.save_exemption(b, None, {
        "information": "Dokumen tender", "pasal17_letters": "b", "other_statute": "",
        "consequence": "Persaingan usaha", "public_interest": "Hasil tender terbuka",
        "decided_by": "PPID B", "decree_number": "1/B", "decree_on": date(2025, 1, 2),
        "tested_on": date(2025, 1, 2), "document": "Dokumen penawaran tender",
        "end_on": date(2030, 1, 2)}, actor=main, now=now)

    req_a, _ = _request(a, users["owner"], now, "Data kasus DBD 2025")
    obj_a = _refuse_and_object(req_a, users["helper_a"], users["owner"], now)
    pdf = pdf_file("Dokumen rilis")
    import hashlib
    att_a = rq.attach_release(req_a, CheckedUpload(pdf, hashlib.sha256(pdf).hexdigest(),
                                                   len(pdf), "application/pdf", "rilis.pdf"),
                              actor=users["helper_a"], now=now + timedelta(minutes=15))
    req_b, _ = _request(b, users["citizen"], now, "Data tender 2025")
    obj_b = _refuse_and_object(req_b, users["helper_b"], users["citizen"], now)
    att_b = rq.attach_release(req_b, CheckedUpload(pdf, hashlib.sha256(pdf).hexdigest(),
                                                   len(pdf), "application/pdf", "rilis.pdf"),
                              actor=users["helper_b"], now=now + timedelta(minutes=15))
    dispute_a, case_a = _disputed(a, users["helper_a"], users["owner"], now, "Data gizi 2025")
    dispute_b, case_b = _disputed(b, users["helper_b"], users["citizen"], now, "Data PBJ 2025")
    req_t, token = _request(a, None, now, "Permohonan anonim", anonymous_email="anon@uji.id")
    from ppid.evaluation import assessment
    evidence = CheckedUpload(pdf, hashlib.sha256(pdf).hexdigest(), len(pdf), "application/pdf",
                             "sk-ppid.pdf")
    ev_a, ev_b = (assessment.attest(agency, "ko_sk_ppid", evidence, statement="SK PPID",
                                    valid_from=date(now.year, 1, 1),
                                    valid_until=date(now.year + 2, 1, 1), actor=officer,
                                    now=now) for agency, officer in
                  ((a, users["helper_a"]), (b, users["helper_b"])))
    from ppid.agencies import services as agencies
    ch_a, ch_b = (agencies.add_channel(agency, {
        "platform": "instagram", "url": f"https://www.instagram.com/{agency.slug}"},
        actor=main, now=now) for agency in (a, b))
    entry = save_calendar_entry(date(now.year, 12, 31), False, "Cuti bersama uji", actor=main)
    db.session.flush()

    from ppid.core.models import CalendarEntry
    from ppid.info_requests.models import Letter
    entry_id = getattr(entry, "id", None) or db.session.execute(
        sa.select(CalendarEntry.id)).scalars().first()
    letter_a = db.session.execute(sa.select(Letter).where(
        Letter.request_id == req_a.id).order_by(Letter.id.desc())).scalars().first()
    letter_b = db.session.execute(sa.select(Letter).where(
        Letter.request_id == req_b.id).order_by(Letter.id.desc())).scalars().first()
    pub_a, photo_a, file_a, pub_b = _publications(a, b, users, main, pdf, now)
    broadcast_a, broadcast_b = (_broadcast(agency, main, now) for agency in (a, b))
    from ppid.broadcasts import services as following
    sub_a = following.follow(None, a, user=users["owner"], now=now).id  # the owner follows A
    reset_token = accounts.make_reset_token(users["citizen"])
    role_id = users["helper_b"].roles[0].id
    db.session.commit()
    return SimpleNamespace(
        users={k: v.id for k, v in users.items()},
        emails={k: v.email for k, v in users.items()},
        utama=u.slug, a=a.slug, b=b.slug, a_id=a.id, b_id=b.id,
        item_a=item_a.id, item_b=item_b.id, ex_a=ex_a.id, ex_b=ex_b.id, ob_id=ob.id,
        req_a=req_a.id, req_b=req_b.id, number_a=req_a.registration_number,
        obj_a=obj_a.id, obj_b=obj_b.id, att_a=att_a.id, att_b=att_b.id,
        dispute_a=dispute_a.id, dispute_b=dispute_b.id, case_a=case_a.id, case_b=case_b.id,
        letter_a=letter_a.id, letter_b=letter_b.id, req_t=req_t.id, token=token,
        entry_id=entry_id, reset_token=reset_token, role_id=role_id,
        ev_a=ev_a.id, ev_b=ev_b.id, ch_a=ch_a.id, ch_b=ch_b.id,
        pub_a=pub_a, photo_a=photo_a, file_a=file_a, pub_b=pub_b,
        broadcast_a=broadcast_a, broadcast_b=broadcast_b, sub_a=sub_a,
        year=now.year - 1)


def _broadcast(agency, main, now):
    """A published serta-merta item of ``agency``, hence its broadcast (issue #19)."""
    from ppid.broadcasts.models import Broadcast
    from ppid.registry import services as reg
    item = reg.create_item(agency, {
        "title": f"Banjir {agency.name}", "summary": "Peringatan", "holding_unit": "BPBD",
        "responsible": "Kepala", "made_at_place": "Pontianak", "made_on": None,
        "form": "elektronik", "retention": "2 tahun", "category": "serta_merta",
        "obligation_id": None, "event_at": now - timedelta(hours=2),
        "sm_danger": "Banjir", "sm_affected": "Warga", "sm_actions": "Mengungsi",
        "sm_help": "Posko 112", "sm_response": "Perahu karet"}, actor=main, now=now)
    reg.publish_item(item, actor=main, now=now)
    db.session.flush()
    return db.session.execute(sa.select(Broadcast.id).where(
        Broadcast.dip_item_id == item.id)).scalar_one()


def image_file(name="foto.png", size=(64, 48), fmt="PNG"):
    """A small real image as an upload."""
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", size, (40, 120, 200)).save(out, fmt)
    return FileStorage(io.BytesIO(out.getvalue()), filename=name)


def _publications(a, b, users, main, pdf, now):
    """Agency A's published publication (a photo, an attachment) and agency B's draft."""
    import hashlib

    from ppid.core.uploads import CheckedUpload
    from ppid.publications import services as pubs
    humas = users["humas_a"]
    pub_a = pubs.create_draft(a, {"title": "Berita Dinas A", "summary": "Ringkasan A",
                                  "body": "Isi berita A", "tags": "uji"}, actor=humas, now=now)
    photo = pubs.add_photo(pub_a, pubs.prepare_photo(image_file()), "Foto kegiatan A",
                           actor=humas, now=now)
    att = pubs.add_attachment(pub_a, CheckedUpload(pdf, hashlib.sha256(pdf).hexdigest(),
                                                   len(pdf), "application/pdf", "siaran.pdf"),
                              actor=humas, now=now)
    pubs.submit(pub_a, actor=humas, now=now)
    pubs.publish(pub_a, actor=main, now=now)
    pub_b = pubs.create_draft(b, {"title": "Draf Dinas B", "summary": "Ringkasan B",
                                  "body": "Isi B", "tags": ""}, actor=users["helper_b"], now=now)
    return pub_a.id, photo.id, att.id, pub_b.id


def login_as(app, world, role):
    """A new test client logged in as ``role`` (or anonymous)."""
    from tests.conftest import TEST_PASSWORD
    c = app.test_client()
    if role != "anon":
        resp = c.post("/masuk", data={"email": world.emails[role], "password": TEST_PASSWORD})
        assert resp.status_code == 302, (role, resp.status_code)
    return c
