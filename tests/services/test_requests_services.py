"""Request and objection services on a real database: numbers, deadlines, letters, mail."""
import socket
import threading
import time
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from ppid.core import auth, jobs
from ppid.core.mail import deliver_pending
from ppid.core.models import AuditEvent, OutboxMail
from ppid.extensions import db
from ppid.disputes.services import file_dispute
from ppid.info_requests import rules, services
from ppid.info_requests.models import InfoRequest, Letter, Objection, RequestEvent

# 16 March 2026, 10:00 in Jakarta (a Monday just before Nyepi and Idul Fitri).
MON_16_MARCH = datetime(2026, 3, 16, 3, 0, tzinfo=timezone.utc)


def at(y, m, d, hour=10):
    return datetime(y, m, d, hour - 7, 0, tzinfo=timezone.utc)  # Jakarta is UTC+7


@pytest.fixture
def world(factories):
    utama = factories.agency(slug="diskominfo", name="Diskominfo Uji", kind="utama",
                             atasan_position="Sekretaris Daerah")
    dinkes = factories.agency(slug="dinkes", name="Dinas Kesehatan Uji", parent_id=utama.id,
                              atasan_position="Kepala Dinas",
                              address="Jl. Ahmad Yani, Pontianak")
    disdik = factories.agency(slug="disdikbud", name="Dinas Pendidikan Uji", parent_id=utama.id)
    officer = factories.user(auth.HELPER, dinkes, name="Budi Petugas")
    main = factories.user(auth.MAIN, None, name="Rina Utama")
    atasan = factories.user(auth.ATASAN, dinkes, name="dr. Hendra Atasan")
    db.session.commit()

    class W:
        pass
    w = W()
    w.utama, w.dinkes, w.disdik, w.officer, w.main, w.atasan = (utama, dinkes, disdik,
                                                                officer, main, atasan)
    return w


def data_for(agency, **over):
    data = {"name": "Siti Pemohon", "identity_type": "nik",
            "identity_number": "6171010203850001", "address": "Jl. Gajah Mada 12, Pontianak",
            "phone": "081234567890", "email": "siti@contoh.id", "occupation": "Guru",
            "proxy_name": None, "information": "Data kasus DBD per kabupaten tahun 2025.",
            "purpose": "Penelitian", "obtain_method": "salinan", "copy_form": "softcopy",
            "delivery": "email", "agency": agency}
    data.update(over)
    return data


def submit(agency, now=MON_16_MARCH, **over):
    req, token = services.submit_request(data_for(agency, **over), actor=None, now=now)
    db.session.commit()
    return req, token


def test_submission_gets_number_dates_receipt_and_mail(world):
    req, token = submit(world.dinkes)
    assert req.registration_number == "KALBAR/2026/00001"
    assert (req.received_on, req.effective_on, req.due_on) == (
        date(2026, 3, 16), date(2026, 3, 16), date(2026, 4, 7))
    assert req.state == "diterima" and req.agency_id == world.dinkes.id
    # Only a hash of the secret token is stored.
    assert token and token not in (req.tracking_token_hash or "")
    assert services.find_by_token(token).id == req.id
    assert services.find_by_token("salah") is None
    assert [ev.action for ev in req.events] == ["diterima"]
    receipt = req.letters[0]
    assert receipt.kind == "tanda_bukti" and receipt.pdf_key is None  # PDF not on the hot path
    assert req.registration_number in receipt.html and "7 April 2026" in receipt.html
    mail, told = db.session.execute(sa.select(OutboxMail).order_by(OutboxMail.id)).scalars()
    assert mail.to_address == "siti@contoh.id"
    assert req.registration_number in mail.subject and token in mail.body_text
    # ... and the agency's officer is told it arrived (tests/web/test_new_request_officers)
    assert told.to_address == world.officer.email and "baru masuk" in told.subject
    assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "request.diterima")).scalar_one() == 1
    second, _ = submit(world.utama)
    assert second.registration_number == "KALBAR/2026/00002"


def test_number_format_is_configurable_and_sequences_per_year(app, world):
    old = app.config["REQUEST_NUMBER_FORMAT"]
    app.config["REQUEST_NUMBER_FORMAT"] = "PPID-{prefix}-{seq}/{year}"
    try:
        req, _ = submit(world.dinkes, now=at(2027, 1, 4))
        assert req.registration_number == "PPID-KALBAR-1/2027"
    finally:
        app.config["REQUEST_NUMBER_FORMAT"] = old
    req2026, _ = submit(world.dinkes)
    assert req2026.registration_number == "KALBAR/2026/00001"


def test_officer_entry_records_channel_and_real_receipt_time(world):
    received = at(2026, 3, 20, 14)  # Friday, cuti bersama Idul Fitri
    req, token = services.submit_request(data_for(world.dinkes, email=None), actor=world.officer,
                                         now=at(2026, 3, 25), channel="pos",
                                         received_at=received)
    db.session.commit()
    assert req.channel == "pos" and req.received_at == received
    assert req.effective_on == date(2026, 3, 25) and req.due_on == date(2026, 4, 9)
    assert req.created_by_id == world.officer.id and token
    assert db.session.execute(sa.select(OutboxMail)).first() is None  # no address given
    with pytest.raises(services.ServiceError):
        services.submit_request(data_for(world.dinkes), actor=world.officer, now=at(2026, 3, 25),
                                channel="merpati")


def test_officer_entry_backdated_at_most_thirty_days_numbered_in_its_receipt_year(world):
    now = at(2027, 1, 5)
    late = services.submit_request(data_for(world.dinkes), actor=world.officer, now=now,
                                   channel="pos", received_at=at(2026, 12, 28))[0]
    db.session.commit()
    # Received in 2026 and entered in 2027: numbered in the year of its receipt.
    assert (late.registration_number, late.year) == ("KALBAR/2026/00001", 2026)
    current, _ = submit(world.dinkes, now=now)
    assert current.registration_number == "KALBAR/2027/00001"
    with pytest.raises(services.ServiceError, match="paling lama 30 hari") as exc:
        services.submit_request(data_for(world.dinkes), actor=world.officer, now=now,
                                channel="pos", received_at=at(2026, 12, 1))
    assert exc.value.field == "received_at" and "hubungi PPID Utama" in str(exc.value)
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(InfoRequest)
                              ).scalar_one() == 2


def test_forward_keeps_the_clock_and_lands_in_the_agency_queue(world):
    req, _ = submit(world.utama)
    assert [r.id for r, _u in services.request_queue(world.main, now=MON_16_MARCH)] == [req.id]
    assert services.request_queue(world.officer, now=MON_16_MARCH) == []
    services.forward_request(req, world.dinkes, actor=world.main, now=at(2026, 3, 17))
    db.session.commit()
    assert req.state == "diteruskan" and req.agency_id == world.dinkes.id
    assert req.due_on == date(2026, 4, 7)
    assert [r.id for r, _u in services.request_queue(world.officer, now=at(2026, 3, 17))] == [
        req.id]
    with pytest.raises(services.ServiceError):
        services.forward_request(req, world.dinkes, actor=world.main, now=at(2026, 3, 17))


def test_extension_service_and_letter(world, pdftotext):
    req, _ = submit(world.dinkes)
    services.process_request(req, actor=world.officer, now=at(2026, 3, 17))
    services.extend_request(req, None, "Data dari 243 puskesmas masih dihimpun.",
                            actor=world.officer, now=at(2026, 4, 6))
    db.session.commit()
    assert req.state == "diperpanjang" and req.extended_due_on == date(2026, 4, 16)
    with pytest.raises(services.ServiceError, match="satu kali"):
        services.extend_request(req, None, "lagi", actor=world.officer, now=at(2026, 4, 7))
    db.session.rollback()
    letter = next(x for x in req.letters if x.kind == "perpanjangan")
    text = " ".join(pdftotext(services.letter_pdf(letter)).split())
    for needle in (req.registration_number, "7 April 2026", "16 April 2026", "243 puskesmas"):
        assert needle in text
    late, _ = submit(world.dinkes)
    with pytest.raises(services.ServiceError, match="7 April 2026"):
        services.extend_request(late, None, "terlambat", actor=world.officer, now=at(2026, 4, 8))


def _close(req, outcome, fields, world, now=None):
    services.close_request(req, outcome, fields, actor=world.officer, now=now or at(2026, 3, 17))
    db.session.commit()
    return req


GRANT = {"response_note": "Salinan rekap kasus DBD 2025", "info_form": "hardcopy",
         "cost_per_page": 500, "pages": 40, "delivery_cost": 15000,
         "available_on": date(2026, 3, 30), "payment_method": "tunai"}
# A DIK entry made by the decision that refuses (its SK penolakan decrees it) ...
NEW_DIK = {"exemption_information": "Rekam medis dan identitas pasien",
           "exemption_document": "Berkas rekam medis rumah sakit rujukan",
           "exemption_public_interest": "Perlindungan rahasia pribadi pasien lebih besar "
                                        "daripada kepentingan publik untuk mengetahuinya.",
           "exemption_end_on": date(2031, 3, 17)}
# ... or by a partial grant (decreed beforehand by the PPID: Perki 1/2021 Pasal 49).
DECREED_DIK = {**NEW_DIK, "exemption_decree_number": "188.4/12/PPID-DINKES/2026",
               "exemption_decree_on": date(2026, 3, 2)}


def _letter_text(req, kind, pdftotext):
    letter = next(x for x in req.letters if x.kind == kind)
    return " ".join(pdftotext(services.letter_pdf(letter)).split())


def test_notice_letters_carry_each_outcomes_required_fields(world, pdftotext):
    granted = _close(submit(world.dinkes)[0], "dikabulkan", GRANT, world)
    text = _letter_text(granted, "pemberitahuan", pdftotext)
    for needle in (granted.registration_number, "16 Maret 2026", "17 Maret 2026",
                   "DIKABULKAN SELURUHNYA", "Salinan rekap kasus DBD 2025", "Rp 500",
                   "40 lembar", "Rp 15.000", "Rp 35.000", "30 Maret 2026"):
        assert needle in text, needle
    assert granted.total_cost == 35000

    partial = _close(submit(world.dinkes)[0], "dikabulkan_sebagian", {
        **GRANT, **DECREED_DIK, "exemption_letters": ["h"],
        "redacted_parts": "Nama dan alamat pasien", "exemption_consequence": "Pasien dikenali",
        "redaction_reason": "Rahasia pribadi pasien"}, world)
    text = _letter_text(partial, "pemberitahuan", pdftotext)
    for needle in ("DIKABULKAN SEBAGIAN", "Nama dan alamat pasien", "Rahasia pribadi pasien",
                   "huruf h", "Rp 35.000"):
        assert needle in text, needle

    refused = _close(submit(world.dinkes)[0], "ditolak", {
        **NEW_DIK, "exemption_letters": ["a", "h"],
        "exemption_consequence": "Mengganggu penyidikan", "other_statute": "UU Kesehatan"},
        world)
    notice = _letter_text(refused, "pemberitahuan", pdftotext)
    decree = _letter_text(refused, "penolakan", pdftotext)
    deadline = services.tanggal(rules.objection_window(
        services.build_calendar(), state="selesai", due_on=refused.due_on,
        extended_due_on=None, closed_on=refused.closed_on, today=refused.closed_on).deadline_on)
    assert deadline == "7 Mei 2026"
    for text in (notice, decree):
        # Each Pasal 17 letter with what it covers (a letter prints labels, never codes).
        for needle in (refused.registration_number, "huruf a (penegakan hukum)", "huruf h",
                       "rahasia pribadi", "Mengganggu penyidikan", deadline):
            assert needle in text, needle
    assert "penolakan" in decree.lower() and "30 (tiga puluh) hari kerja" in decree
    assert "UU Kesehatan" in decree

    not_held = _close(submit(world.dinkes)[0], "tidak_dikuasai",
                      {"holding_body": "Kantor Wilayah BPN Kalimantan Barat"}, world)
    assert "Kantor Wilayah BPN Kalimantan Barat" in _letter_text(not_held, "pemberitahuan",
                                                                   pdftotext)
    later = _close(submit(world.dinkes)[0], "belum_didokumentasikan",
                   {"documented_on": date(2026, 6, 30)}, world)
    assert "30 Juni 2026" in _letter_text(later, "pemberitahuan", pdftotext)

    receipt = _letter_text(granted, "tanda_bukti", pdftotext)
    for needle in (granted.registration_number, "16 Maret 2026", "7 April 2026",
                   "6171010203850001"):
        assert needle in receipt, needle


def test_outcome_without_its_fields_is_refused_and_changes_nothing(world):
    req, _ = submit(world.dinkes)
    with pytest.raises(services.ServiceError) as exc:
        services.close_request(req, "ditolak", {"exemption_letters": []}, actor=world.officer,
                               now=at(2026, 3, 17))
    assert set(exc.value.errors) == {"exemption_letters", "exemption_consequence",
                                     "exemption_information", "exemption_public_interest",
                                     "exemption_document"}  # the DIK entry it rests on, too
    db.session.rollback()
    assert db.session.get(InfoRequest, req.id).state == "diterima"


def test_issued_letter_is_frozen_and_pdf_rendered_once(world, pdftotext):
    req, _ = submit(world.dinkes)
    letter = req.letters[0]
    html, digest = letter.html, letter.sha256
    db.session.commit()
    early = services.letter_pdf(letter)  # before its job: rendered, nothing stored
    assert letter.pdf_key is None
    db.session.commit()
    assert jobs.run_pending() == {jobs.DONE: 1}  # after commit, once
    first = services.letter_pdf(letter)
    assert letter.pdf_key and pdftotext(first) == pdftotext(early)
    world.dinkes.name = "Nama Baru Dinas"
    db.session.commit()
    assert services.letter_pdf(letter) == first
    assert letter.html == html and letter.sha256 == digest
    assert "Nama Baru Dinas" not in letter.html


def test_mail_reaches_a_real_smtp_server(world, smtp_server):
    req, token = submit(world.dinkes)
    services.process_request(req, actor=world.officer, now=at(2026, 3, 17))
    db.session.commit()
    sent, failed = deliver_pending(now=at(2026, 3, 17))
    assert (sent, failed) == (3, 0)  # the receipt, the officer's notice, "diproses"
    subjects = [m["subject"] for m in smtp_server.messages]
    assert all(req.registration_number in s for s in subjects)
    assert smtp_server.messages[0]["to"] == ["siti@contoh.id"]
    assert token in smtp_server.messages[0]["body"]
    assert "7 April 2026" in smtp_server.messages[0]["body"]
    assert smtp_server.messages[1]["to"] == [world.officer.email]
    assert "diproses" in smtp_server.messages[2]["subject"]


def test_rolled_back_change_sends_no_mail(world, smtp_server):
    req, _ = submit(world.dinkes)
    deliver_pending()
    before = len(smtp_server.messages)
    services.process_request(req, actor=world.officer, now=at(2026, 3, 17))
    db.session.rollback()
    deliver_pending()
    assert len(smtp_server.messages) == before


def test_objection_filed_in_time_gets_number_and_deadline(world, pdftotext):
    req = _close(submit(world.dinkes)[0], "ditolak", {
        **NEW_DIK, "exemption_letters": ["h"], "exemption_consequence": "Rahasia pribadi"},
        world)
    obj = services.file_objection(req, ["a", "f"], "Informasi dapat dibuka sebagian.",
                                  actor=None, now=at(2026, 3, 25))
    db.session.commit()
    assert obj.registration_number == "KALBAR/KEB/2026/00001"
    assert obj.ground_on == date(2026, 3, 17) and obj.agency_id == world.dinkes.id
    assert obj.due_on == rules.objection_deadline(services.build_calendar(),
                                                  date(2026, 3, 25)).due_on
    assert [o.id for o, _ in services.objection_queue(world.atasan, now=at(2026, 3, 25))] == [
        obj.id]
    services.decide_objection(obj, "membuka_sebagian", "Bagian non-pribadi dapat dibuka.",
                              actor=world.atasan, now=at(2026, 4, 1))
    file_dispute(obj, filed_on=date(2026, 4, 6), register_number="Reg. 12/KI/2026",
                 actor=world.main, now=at(2026, 4, 7))
    db.session.commit()
    text = _letter_text(req, "putusan_keberatan", pdftotext)
    for needle in (obj.registration_number, req.registration_number, "1 April 2026",
                   "SEBAGIAN", "Bagian non-pribadi dapat dibuka."):
        assert needle in text, needle
    assert obj.dispute_filed_on == date(2026, 4, 6)
    actions = [ev.action for ev in req.events]
    assert actions[-3:] == ["keberatan", "keberatan_diputus", "sengketa"]
    with pytest.raises(services.ServiceError, match="sudah diputus"):
        services.decide_objection(obj, "menguatkan", "x", actor=world.atasan,
                                  now=at(2026, 4, 2))


def test_late_objection_is_refused_with_the_date_it_was_due(world):
    req = _close(submit(world.dinkes)[0], "tidak_dikuasai", {}, world)
    with pytest.raises(services.ServiceError, match="7 Mei 2026"):
        services.file_objection(req, ["d"], "Terlambat", actor=None, now=at(2026, 5, 8))
    open_req, _ = submit(world.dinkes)
    with pytest.raises(services.ServiceError, match="jatuh tempo"):
        services.file_objection(open_req, ["c"], "Belum dijawab", actor=None,
                                now=at(2026, 3, 20))
    obj = services.file_objection(open_req, ["c"], "Tidak dijawab", actor=None,
                                  now=at(2026, 4, 8))
    assert obj.ground_on == date(2026, 4, 7)


def test_calendar_change_recomputes_open_deadlines_and_logs_it(world):
    from ppid.core.services import save_calendar_entry
    req, _ = submit(world.dinkes, now=at(2026, 11, 23))
    closed = _close(submit(world.dinkes, now=at(2026, 11, 23))[0], "tidak_dikuasai", {}, world,
                    now=at(2026, 11, 24))
    other, _ = submit(world.dinkes, now=at(2026, 11, 24))
    obj = services.file_objection(closed, ["d"], "Keberatan", actor=None, now=at(2026, 11, 25))
    db.session.commit()
    assert req.due_on == date(2026, 12, 7)
    old_obj_due = obj.due_on
    save_calendar_entry(date(2026, 12, 1), False, "Hari jadi provinsi", actor=world.main)
    db.session.commit()
    assert req.due_on == date(2026, 12, 8)
    assert other.due_on == date(2026, 12, 9)
    assert obj.due_on > old_obj_due
    assert closed.due_on == date(2026, 12, 7)  # closed requests keep their history
    logged = db.session.execute(sa.select(RequestEvent).where(
        RequestEvent.request_id == req.id, RequestEvent.action == "tenggat")).scalar_one()
    # The timeline says the deadline was recomputed; the audit event keeps both dates.
    assert logged.note is None
    audited = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "request.tenggat", AuditEvent.object_id == str(req.id))
    ).scalar_one()
    assert "2026-12-07" in audited.changes and "2026-12-08" in audited.changes
    assert any(ev.action == "tenggat" and obj.registration_number in ev.note
               for ev in closed.events)


def test_alert_source_and_dashboard_list_overdue_and_near_due(world):
    from ppid.core.alerts import collect_alerts
    from ppid.info_requests.hooks import dashboard_section
    overdue, _ = submit(world.dinkes)
    near, _ = submit(world.dinkes, now=at(2026, 3, 25))  # due 9 April
    submit(world.dinkes, now=at(2026, 4, 6))  # due 20 April: not yet urgent
    alerts = collect_alerts(at(2026, 4, 8))
    mine = {a.key: a for a in alerts.get(world.dinkes.id, []) if a.kind == "request"}
    assert set(mine) == {f"request:{overdue.id}:terlambat", f"request:{near.id}:segera"}
    assert mine[f"request:{overdue.id}:terlambat"].url == f"/kelola/permohonan/{overdue.id}"
    template, ctx = dashboard_section(world.officer)
    assert template == "info_requests/_dashboard.html"
    citizen = None
    assert dashboard_section(world.officer) is not None and citizen is None


def test_withdraw_and_redact_are_audited(world):
    req, _ = submit(world.dinkes)
    services.redact_subject(req, "Permohonan data kesehatan (disamarkan)", actor=world.officer,
                            now=at(2026, 3, 17))
    services.withdraw_request(req, actor=None, now=at(2026, 3, 18), note="Tidak jadi")
    db.session.commit()
    assert req.public_subject == "Permohonan data kesehatan (disamarkan)"
    assert req.state == "ditarik" and req.closed_on == date(2026, 3, 18)
    actions = set(db.session.execute(sa.select(AuditEvent.action)).scalars())
    assert {"request.samarkan", "request.ditarik"} <= actions
    with pytest.raises(services.ServiceError):
        services.process_request(req, actor=world.officer, now=at(2026, 3, 19))


def test_demo_seeder_is_idempotent_and_covers_every_state(app, ctx, monkeypatch):
    import ppid.demo
    from ppid.core.hooks import hooks
    from ppid.info_requests.demo import seed_requests
    monkeypatch.setattr(hooks(app), "seeders", [seed_requests])
    ppid.demo.seed_demo()
    count = db.session.execute(sa.select(sa.func.count()).select_from(InfoRequest)).scalar_one()
    ppid.demo.seed_demo()
    assert db.session.execute(sa.select(sa.func.count()).select_from(
        InfoRequest)).scalar_one() == count >= 10
    rows = db.session.execute(sa.select(InfoRequest)).scalars().all()
    assert {r.state for r in rows} == set(rules.STATES)
    assert {r.outcome for r in rows if r.outcome} == set(rules.OUTCOMES)
    assert any(r.extended_due_on for r in rows)
    assert all(r.exemption_consequence for r in rows  # issue 15: the withheld part's test
               if r.outcome == rules.DIKABULKAN_SEBAGIAN)
    today = services.local_today()
    assert any(r.late_on(today) for r in rows)
    objs = db.session.execute(sa.select(Objection)).scalars().all()
    assert any(o.decision for o in objs)  # (their disputes: ppid.disputes.demo)
    assert any(r.requester_user and r.requester_user.email == "warga@demo.ppid.id"
               for r in rows)
    assert db.session.execute(sa.select(OutboxMail).where(
        OutboxMail.is_abandoned.is_(False))).first() is None


# --- Concurrency -----------------------------------------------------------------------------

@pytest.mark.slow
def test_concurrent_submissions_get_unique_gap_free_numbers(app, world):
    agency_id = world.dinkes.id
    db.session.rollback()  # SQLite: this thread must not hold the write lock meanwhile
    threads_n, per_thread = 8, 7  # 56 submissions
    errors, numbers = [], []
    lock = threading.Lock()
    start = threading.Barrier(threads_n)

    def worker():
        try:
            with app.app_context():
                from ppid.agencies.models import Agency
                agency = db.session.get(Agency, agency_id)
                db.session.commit()  # SQLite: release the write lock before waiting
                start.wait()
                for _ in range(per_thread):
                    req, _t = services.submit_request(data_for(agency), actor=None,
                                                      now=MON_16_MARCH)
                    number = req.registration_number
                    db.session.commit()
                    with lock:
                        numbers.append(number)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    began = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    elapsed = time.monotonic() - began
    assert errors == []
    total = threads_n * per_thread
    assert len(numbers) == len(set(numbers)) == total
    assert sorted(numbers) == [f"KALBAR/2026/{i:05d}" for i in range(1, total + 1)]
    stored = db.session.execute(sa.select(InfoRequest.seq).order_by(InfoRequest.seq)).scalars()
    assert list(stored) == list(range(1, total + 1))
    assert elapsed < 10, f"{total} concurrent submissions took {elapsed:.1f} s"


def test_smtp_down_keeps_mail_queued(app, world):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    old = {k: app.config[k] for k in ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port)
    try:
        req, _ = submit(world.dinkes)
        sent, failed = deliver_pending()
        assert (sent, failed) == (0, 2)  # the receipt and the officer's notice
        for mail in db.session.execute(sa.select(OutboxMail)).scalars():
            assert mail.sent_at is None and mail.attempts == 1 and not mail.is_abandoned
        assert db.session.get(InfoRequest, req.id) is not None
        assert db.session.execute(sa.select(Letter)).first() is not None
    finally:
        app.config.update(old)


def test_requests_due_command_lists_overdue_requests(app, world):
    req, _ = submit(world.dinkes, now=at(2026, 1, 5))
    result = app.test_cli_runner().invoke(args=["ppid", "requests-due"])
    assert result.exit_code == 0, result.output
    assert "terlambat" in result.output and req.registration_number in result.output


def test_every_change_is_on_the_timeline_in_the_audit_log_and_mailed(world):
    from ppid.core.uploads import CheckedUpload

    def outbox():
        return db.session.execute(sa.select(sa.func.count()).select_from(OutboxMail)).scalar_one()

    def audits():
        return db.session.execute(sa.select(sa.func.count()).select_from(
            AuditEvent).where(AuditEvent.action.like("request.%"))).scalar_one()

    req, _ = submit(world.utama)
    steps = [
        lambda: services.forward_request(req, world.dinkes, actor=world.main,
                                         now=at(2026, 3, 17)),
        lambda: services.process_request(req, actor=world.officer, now=at(2026, 3, 17, 11)),
        lambda: services.assign_request(req, world.officer, actor=world.officer,
                                        now=at(2026, 3, 17, 12)),
        lambda: services.extend_request(req, date(2026, 4, 14), "Arsip di gudang",
                                        actor=world.officer, now=at(2026, 4, 1)),
        lambda: services.attach_release(req, CheckedUpload(b"isi", "0" * 64, 3, "text/plain",
                                                           "rekap.txt"),
                                        actor=world.officer, now=at(2026, 4, 2)),
        lambda: services.close_request(req, "dikabulkan", GRANT, actor=world.officer,
                                       now=at(2026, 4, 6)),
        lambda: services.redact_subject(req, "Data kesehatan", actor=world.officer,
                                        now=at(2026, 4, 7)),
    ]
    for step in steps:
        events, mails, logged = len(req.events), outbox(), audits()
        step()
        db.session.commit()
        assert len(req.events) == events + 1
        assert outbox() == mails + 1
        assert audits() == logged + 1
    assert [e.action for e in req.events] == ["diterima", "diteruskan", "diproses",
                                              "ditugaskan", "diperpanjang", "berkas", "selesai",
                                              "samarkan"]
    assert req.events[1].actor_label == world.main.name
    assert (req.events[1].from_state, req.events[1].to_state) == ("diterima", "diteruskan")


def test_agency_statistics_count_in_sql_what_the_rules_say_per_request(world):
    """The agency page's counts, made by GROUP BY, equal the rules applied request by
    request (late: the due date, extended if it was, passed before closing or today)."""
    from tests.search_records import make_request
    today = date(2026, 3, 20)
    now = datetime(2026, 3, 20, 5, 0, tzinfo=timezone.utc)  # 12:00 in Pontianak
    cases = [  # state, outcome, due_on, extended_due_on, closed_on
        (rules.DITERIMA, None, date(2026, 3, 25), None, None),            # open, in time
        (rules.DIPROSES, None, date(2026, 3, 19), None, None),            # open, late
        (rules.DIPERPANJANG, None, date(2026, 3, 10), date(2026, 3, 24), None),  # extended
        (rules.DIPERPANJANG, None, date(2026, 3, 1), date(2026, 3, 19), None),   # late anyway
        (rules.SELESAI, rules.DIKABULKAN, date(2026, 3, 5), None, date(2026, 3, 5)),  # due day
        (rules.SELESAI, rules.DITOLAK, date(2026, 3, 5), None, date(2026, 3, 6)),     # late
        (rules.SELESAI, rules.DIKABULKAN_SEBAGIAN, date(2026, 3, 5), date(2026, 3, 12),
         date(2026, 3, 11)),
        (rules.DITARIK, None, date(2026, 3, 1), None, date(2026, 3, 2)),  # withdrawn
        (rules.DITARIK, None, date(2026, 2, 1), None, date(2026, 3, 2)),  # not counted late
    ]
    for i, (state, outcome, due, ext, closed) in enumerate(cases):
        req = make_request(world.dinkes, f"Permohonan {i}", state=state, outcome=outcome)
        req.due_on, req.extended_due_on, req.closed_on = due, ext, closed
    make_request(world.disdik, "Badan lain").due_on = date(2026, 1, 1)  # not this agency's
    db.session.commit()
    stats = services.agency_stats(world.dinkes.id, now=now)
    expected = {"total": 9, "open": 4, "closed": 3, "withdrawn": 2, "late": 0,
                "outcomes": {o: 0 for o in rules.OUTCOMES}}
    for state, outcome, due, ext, closed in cases:
        if state == rules.DITARIK:
            continue
        expected["late"] += rules.is_late(due, ext, closed, today)
        if outcome:
            expected["outcomes"][outcome] += 1
    assert expected["late"] == 3
    assert stats == expected
