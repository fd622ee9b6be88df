"""An atasan decision that is carried out (issue #16 section 2): decisions that answer every
ground, each with written reasons in the atasan's letter; an order gets a deadline
(OBJECTION_ORDER_DAYS working days, shown with its working) on the PPID's dashboard and in
the digests; the PPID records how it carried it out (audited, on the objection's and the
request's timelines); an order not carried out by its deadline is an alert and counts in
the annual figures; the requester is told of the decision and of the last day to go to the
Komisi Informasi (UU KIP Pasal 37(2)). Who may act, and no 500 on bad input."""
import io
from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from ppid.core import auth
from ppid.core.models import AuditEvent, OutboxMail
from ppid.core.services import build_calendar
from ppid.extensions import db
from ppid.info_requests import hooks, rules, services
from ppid.info_requests.models import Objection
from ppid.registry.demo import _pdf_bytes
from ppid.reports.services import annual_context, annual_csv, annual_figures
from tests.conftest import login
from tests.documents import javascript_pdf
from tests.services.test_requests_services import at, submit, world  # noqa: F401 (fixture)

GRANT = {"response_note": "Rekap kasus DBD", "info_form": "softcopy", "cost_per_page": 500,
         "pages": 40, "delivery_cost": 0, "available_on": date(2026, 10, 30),
         "payment_method": "tunai"}


def _objected(world, grounds=("a", "d", "f")):
    """A request granted on Monday 26 October 2026 and objected to on 28 October."""
    req, _token = submit(world.dinkes, now=at(2026, 10, 19))
    services.close_request(req, "dikabulkan", GRANT, actor=world.officer,
                           now=at(2026, 10, 26))
    obj = services.file_objection(req, list(grounds), "Biaya salinan Rp 500 per lembar "
                                  "tidak wajar; sebagian data tidak diberikan.", actor=None,
                                  now=at(2026, 10, 28))
    db.session.commit()
    return req, obj


def _audit(obj):
    return db.session.execute(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "Objection", AuditEvent.object_id == str(obj.id))
        .order_by(AuditEvent.id)).scalars().all()


def _pdf(name="dibuka.pdf", data=None):
    return FileStorage(io.BytesIO(data or _pdf_bytes(["Rekap kasus DBD lengkap"])),
                       filename=name, content_type="application/pdf")


def test_every_decision_answers_the_grounds_it_fits(world):
    for decision, grounds in rules.DECISION_GROUNDS.items():
        assert grounds, decision
    assert set().union(*rules.DECISION_GROUNDS.values()) == set("abcdefg")
    assert set(rules.ORDER_DECISIONS) == set(rules.OBJECTION_DECISIONS) - {rules.MENGUATKAN}
    assert set(rules.ORDER_EXECUTIONS) == set(rules.ORDER_DECISIONS)
    # every decision has its article; every order a way of carrying it out
    assert all(d.article for d in rules.ObjectionDecision)
    _req, obj = _objected(world, grounds=("a",))
    with pytest.raises(services.ServiceError, match="huruf f"):
        services.decide_objection(obj, rules.KOREKSI_BIAYA, "Biaya tidak wajar.",
                                  actor=world.atasan, now=at(2026, 11, 2))
    with pytest.raises(services.ServiceError, match="huruf e, g"):
        services.decide_objection(obj, rules.MENYERAHKAN, "Serahkan.", actor=world.atasan,
                                  now=at(2026, 11, 2))
    assert obj.decision is None


def test_an_order_carried_out_from_decision_to_execution(client, world, pdftotext):
    req, obj = _objected(world)
    services.decide_objection(obj, rules.MEMBUKA_SELURUHNYA, "Data agregat tidak memuat data "
                              "pribadi; tidak ada dasar pengecualian.", actor=world.atasan,
                              now=at(2026, 11, 2))
    db.session.commit()
    # 10 working days after Monday 2 November 2026, shown with its working
    assert obj.order_due_on == date(2026, 11, 16)
    working = services.order_working(obj)
    assert working.working_days == 10 and working.due_on == date(2026, 11, 16)
    assert {s.date for s in working.skipped} >= {date(2026, 11, 7), date(2026, 11, 8)}
    assert obj.order_status_on(date(2026, 11, 3)) == rules.OrderStatus.BERJALAN
    dispute_on = rules.dispute_deadline(build_calendar(), obj.decided_on, obj.due_on)
    assert dispute_on == date(2026, 11, 20)
    # the atasan's letter: the decision, its article, the reasons, the order and its
    # deadline, the last day for the Komisi Informasi, on the atasan's letterhead
    letter = next(x for x in req.letters if x.kind == "putusan_keberatan")
    text = " ".join(pdftotext(services.letter_pdf(letter)).split())
    assert "MEMERINTAHKAN INFORMASI DIBUKA SELURUHNYA" in text
    assert "UU KIP Pasal 36 ayat (2)" in text and "Data agregat tidak memuat" in text
    assert "16 November 2026" in text and "20 November 2026" in text
    assert "Kepala Dinas" in text and "membuka_seluruhnya" not in text
    # the requester is told: decision, deadline of the order, the Komisi Informasi date
    mail = db.session.execute(sa.select(OutboxMail).where(
        OutboxMail.subject.contains("Tanggapan atasan"))).scalar_one()
    assert "Memerintahkan informasi dibuka seluruhnya" in mail.body_text
    assert "16 November 2026" in mail.body_text and "20 November 2026" in mail.body_text
    # the PPID's dashboard lists the order
    login(client, world.officer)
    dash = client.get("/dasbor").get_data(as_text=True)
    assert obj.registration_number in dash and "Putusan atasan PPID yang harus" in dash
    page = client.get(f"/kelola/keberatan/{obj.id}").get_data(as_text=True)
    assert "Catat pelaksanaan putusan" in page and "16 November 2026" in page
    # a fee correction does not fit a disclosure order; a fake PDF is refused
    bad = client.post(f"/kelola/keberatan/{obj.id}/laksanakan", data={
        "execution": "biaya_dikoreksi", "carried_out_on": "2026-11-10",
        "corrected_total": "0"})
    assert bad.status_code == 422 and "tidak sesuai" in bad.get_data(as_text=True)
    for body, message in ((b"<html><script>alert(1)</script></html>", "HTML"),
                          (javascript_pdf(), "JavaScript")):
        fake = client.post(f"/kelola/keberatan/{obj.id}/laksanakan", data={
            "execution": "rilis", "carried_out_on": "2026-11-10", "note": "Rekap dibuka.",
            "file": (io.BytesIO(body), "rekap.pdf", "application/pdf")},
            content_type="multipart/form-data")
        assert fake.status_code == 422 and message in fake.get_data(as_text=True)
    assert db.session.get(Objection, obj.id).carried_out_on is None
    ok = client.post(f"/kelola/keberatan/{obj.id}/laksanakan", data={
        "execution": "rilis", "carried_out_on": "2026-11-10", "note": "Rekap dibuka.",
        "file": (io.BytesIO(_pdf_bytes(["Rekap kasus DBD lengkap"])), "rekap.pdf",
                 "application/pdf")}, content_type="multipart/form-data")
    assert ok.status_code == 302, ok.get_data(as_text=True)[:2000]
    obj = db.session.get(Objection, obj.id)
    assert (obj.carried_out_on, obj.execution) == (date(2026, 11, 10), "rilis")
    assert obj.order_status_on(date(2026, 12, 1)) == rules.OrderStatus.DILAKSANAKAN
    assert [a.filename for a in obj.request.attachments if a.kind == "rilis"] == ["rekap.pdf"]
    # on the request's timeline and the objection's, and in the audit log
    actions = [e.action for e in obj.request.events]
    assert actions[-2:] == ["berkas", "perintah_dilaksanakan"]
    assert _audit(obj) == ["objection.file", "objection.decide", "objection.carry_out"]
    page = client.get(f"/kelola/keberatan/{obj.id}").get_data(as_text=True)
    assert "Riwayat keberatan" in page and "Perintah atasan PPID dilaksanakan" in page
    assert "Catat pelaksanaan putusan" not in page  # carried out once
    again = client.post(f"/kelola/keberatan/{obj.id}/laksanakan", data={
        "execution": "pemberitahuan_baru", "carried_out_on": "2026-11-11", "note": "x"})
    assert again.status_code == 422 and "sudah dicatat" in again.get_data(as_text=True)
    # no longer on the dashboard; counted as carried out, on time
    assert obj.registration_number not in client.get("/dasbor").get_data(as_text=True)
    f = annual_figures(2026, now=at(2026, 12, 1))[world.dinkes.id]
    assert (f.objections["ordered"], f.objections["carried_out"],
            f.objections["order_late"]) == (1, 1, 0)
    assert f.objections[rules.MEMBUKA_SELURUHNYA] == 1


def test_an_order_that_lapses_is_an_alert_and_counts_late(client, world, app):
    req, obj = _objected(world)
    services.decide_objection(obj, rules.KOREKSI_BIAYA, "Biaya salinan softcopy tidak "
                              "boleh dikenakan per lembar.", actor=world.atasan,
                              now=at(2026, 11, 2))
    db.session.commit()
    # within its deadline: no alert yet; two working days before it: due soon
    assert not [a for a in hooks.alert_source(at(2026, 11, 3)).get(world.dinkes.id, [])
                if a.kind == "order"]
    soon = [a for a in hooks.alert_source(at(2026, 11, 12)).get(world.dinkes.id, [])
            if a.kind == "order"]
    assert [a.severity for a in soon] == ["segera"]
    late = [a for a in hooks.alert_source(at(2026, 11, 17)).get(world.dinkes.id, [])
            if a.kind == "order"]
    assert [a.severity for a in late] == ["terlambat"]
    assert obj.registration_number in late[0].title and "16 November 2026" in late[0].detail
    assert late[0].url == f"/kelola/keberatan/{obj.id}"
    # in the e-mail digest of the PPID's officers
    from ppid.registry import services as registry_services
    registry_services.send_digests(now=at(2026, 11, 17))
    db.session.commit()
    digest = db.session.execute(sa.select(OutboxMail).where(
        OutboxMail.to_address == world.officer.email)).scalars().all()
    assert any(obj.registration_number in m.body_text and "Putusan keberatan" in m.body_text
               for m in digest)
    # counted late while not carried out, in the figures and the annual report
    f = annual_figures(2026, now=at(2026, 11, 17))[world.dinkes.id]
    assert (f.objections["ordered"], f.objections["carried_out"],
            f.objections["order_late"]) == (1, 0, 1)
    with app.test_request_context():
        ctx = annual_context(2026, now=at(2026, 11, 17))
    rows = annual_csv(ctx).splitlines()
    header = rows[0].split(",")
    dinkes = dict(zip(header, next(r for r in rows if ",dinkes," in r).split(",")))
    assert (dinkes["putusan_memerintahkan"], dinkes["putusan_terlambat"],
            dinkes["keberatan_koreksi_biaya"]) == ("1", "1", "1")
    login(client, world.main)
    report = client.get("/kelola/laporan/tahunan/2026.html").get_data(as_text=True)
    assert "Putusan yang memerintahkan PPID" in report and "koreksi_biaya" not in report
    # carried out late: still counted late, and carried out
    services.carry_out_order(obj, rules.OrderExecution.BIAYA_DIKOREKSI, date(2026, 11, 18),
                             "Biaya softcopy dihapus.", actor=world.officer,
                             now=at(2026, 11, 18), corrected_total=0)
    db.session.commit()
    assert obj.order_status_on(date(2026, 11, 18)) == rules.OrderStatus.DILAKSANAKAN_TERLAMBAT
    assert obj.corrected_total == 0
    note = obj.request.events[-1].note
    assert "Rp 20.000" in note and "Rp 0" in note and "melewati batas waktu" in note
    f = annual_figures(2026, now=at(2026, 11, 20))[world.dinkes.id]
    assert (f.objections["carried_out"], f.objections["order_late"]) == (1, 1)
    assert not [a for a in hooks.alert_source(at(2026, 11, 20)).get(world.dinkes.id, [])
                if a.kind == "order"]


def test_an_answer_order_needs_the_written_notice_first(world):
    req, _token = submit(world.dinkes, now=at(2026, 10, 1))
    # unanswered: the due date (15 October) lapsed; ground c
    obj = services.file_objection(req, ["c"], "Tidak ditanggapi.", actor=None,
                                  now=at(2026, 10, 20))
    services.decide_objection(obj, rules.MENANGGAPI, "PPID wajib menanggapi.",
                              actor=world.atasan, now=at(2026, 10, 26))
    with pytest.raises(services.ServiceError, match="pemberitahuan tertulis"):
        services.carry_out_order(obj, rules.OrderExecution.PEMBERITAHUAN_BARU,
                                 date(2026, 10, 28), "Dijawab.", actor=world.officer,
                                 now=at(2026, 10, 28))
    services.close_request(req, "dikabulkan", {**GRANT, "available_on": date(2026, 11, 2)},
                           actor=world.officer, now=at(2026, 10, 28))
    with pytest.raises(services.ServiceError, match="antara tanggal putusan"):
        services.carry_out_order(obj, rules.OrderExecution.PEMBERITAHUAN_BARU,
                                 date(2026, 10, 20), "Dijawab.", actor=world.officer,
                                 now=at(2026, 10, 28))
    services.carry_out_order(obj, rules.OrderExecution.PEMBERITAHUAN_BARU, date(2026, 10, 28),
                             "Pemberitahuan tertulis diterbitkan.", actor=world.officer,
                             now=at(2026, 10, 28))
    assert obj.order_status_on(date(2026, 10, 28)) == rules.OrderStatus.DILAKSANAKAN


def test_upholding_orders_nothing(world):
    _req, obj = _objected(world)
    services.decide_objection(obj, rules.MENGUATKAN, "Biaya sesuai standar.",
                              actor=world.atasan, now=at(2026, 11, 2))
    assert obj.order_due_on is None and obj.order_status_on(date(2026, 12, 1)) is None
    with pytest.raises(services.ServiceError, match="tidak memuat perintah"):
        services.carry_out_order(obj, rules.OrderExecution.PEMBERITAHUAN_BARU,
                                 date(2026, 11, 3), "x", actor=world.officer,
                                 now=at(2026, 11, 3))


def test_the_order_days_setting(app, world):
    app.config["OBJECTION_ORDER_DAYS"] = 5
    try:
        _req, obj = _objected(world)
        services.decide_objection(obj, rules.MEMBUKA_SEBAGIAN, "Sebagian dapat dibuka.",
                                  actor=world.atasan, now=at(2026, 11, 2))
        assert obj.order_due_on == date(2026, 11, 9)
    finally:
        app.config["OBJECTION_ORDER_DAYS"] = 10
    from ppid.config import check_order_days
    for bad in (0, "x", 61, "2.5"):
        with pytest.raises(RuntimeError, match="OBJECTION_ORDER_DAYS"):
            check_order_days({"OBJECTION_ORDER_DAYS": bad})


def test_who_may_carry_out_an_order(client, world, factories):
    _req, obj = _objected(world)
    services.decide_objection(obj, rules.MEMBUKA_SELURUHNYA, "Dibuka.", actor=world.atasan,
                              now=at(2026, 11, 2))
    db.session.commit()
    other = factories.user(auth.HELPER, world.disdik, name="Petugas Disdik")
    auditor = factories.user(auth.AUDITOR, None, name="Audi Auditor")
    db.session.commit()
    form = {"execution": "pemberitahuan_baru", "carried_out_on": "2026-11-10",
            "note": "Pemberitahuan baru."}
    login(client, other)
    assert client.post(f"/kelola/keberatan/{obj.id}/laksanakan", data=form).status_code == 403
    assert client.get(f"/kelola/keberatan/{obj.id}").status_code == 403
    client.post("/keluar")
    login(client, auditor)
    page = client.get(f"/kelola/keberatan/{obj.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Pelaksanaan putusan oleh PPID" in text and "Catat pelaksanaan putusan" not in text
    assert client.post(f"/kelola/keberatan/{obj.id}/laksanakan", data=form).status_code == 403
    client.post("/keluar")
    # the atasan decides, the PPID carries out
    login(client, world.atasan)
    assert client.post(f"/kelola/keberatan/{obj.id}/laksanakan", data=form).status_code == 403
    client.post("/keluar")
    assert db.session.get(Objection, obj.id).carried_out_on is None
    login(client, world.officer)
    assert client.post(f"/kelola/keberatan/{obj.id}/laksanakan", data=form).status_code == 302


@pytest.mark.parametrize("form", [
    {},
    {"execution": "hapus_semua", "carried_out_on": "2026-11-10", "note": "x"},
    {"execution": "pemberitahuan_baru", "carried_out_on": "bukan tanggal", "note": "x"},
    {"execution": "pemberitahuan_baru", "carried_out_on": "2026-13-45", "note": "x"},
    {"execution": "pemberitahuan_baru", "carried_out_on": "2030-01-01", "note": "x"},
    {"execution": "pemberitahuan_baru", "carried_out_on": "2026-11-10", "note": ""},
    {"execution": "pemberitahuan_baru", "carried_out_on": "2026-11-10", "note": "a\x00b"},
    {"execution": "rilis", "carried_out_on": "2026-11-10", "note": "tanpa berkas"},
    {"execution": "diserahkan", "carried_out_on": "2026-11-10", "note": "x",
     "delivered_via": "merpati"},
    {"execution": "pemberitahuan_baru", "carried_out_on": "2026-11-10", "note": "x",
     "corrected_total": "-5"},
    {"execution": ["rilis", "diserahkan"], "carried_out_on": "2026-11-10", "note": "x"},
])
def test_bad_input_to_the_execution_form_is_refused_not_a_500(client, world, form):
    _req, obj = _objected(world)
    services.decide_objection(obj, rules.MEMBUKA_SELURUHNYA, "Dibuka.", actor=world.atasan,
                              now=at(2026, 11, 2))
    db.session.commit()
    login(client, world.officer)
    resp = client.post(f"/kelola/keberatan/{obj.id}/laksanakan", data=form)
    assert resp.status_code == 422, resp.get_data(as_text=True)[:1500]
    assert db.session.get(Objection, obj.id).carried_out_on is None
    decide = client.post(f"/kelola/keberatan/{obj.id}/putus",
                         data={"decision": "menguatkan", "reasons": "x"})
    assert decide.status_code in (403, 422)
    assert client.post("/kelola/keberatan/99999999/laksanakan", data=form).status_code == 404


def test_the_demo_has_orders_carried_out_and_lapsed_and_a_proxys_objection(app, ctx):
    assert app.test_cli_runner().invoke(args=["ppid", "seed-demo"]).exit_code == 0
    today = services.local_today()
    orders = db.session.execute(sa.select(Objection).where(
        Objection.order_due_on.is_not(None))).scalars().all()
    statuses = {o.order_status_on(today) for o in orders}
    assert {rules.OrderStatus.DILAKSANAKAN, rules.OrderStatus.TERLAMBAT} <= statuses
    proxied = [o for o in db.session.execute(sa.select(Objection)).scalars() if o.proxy_name]
    assert proxied and proxied[0].channel == "pos" and proxied[0].proxy_letters
    assert proxied[0].ground_list == ["g"]


def test_a_calendar_change_moves_an_open_orders_deadline(world):
    from ppid.core.services import save_calendar_entry
    _req, obj = _objected(world)
    services.decide_objection(obj, rules.MEMBUKA_SELURUHNYA, "Dibuka.", actor=world.atasan,
                              now=at(2026, 11, 2))
    db.session.commit()
    assert obj.order_due_on == date(2026, 11, 16)
    save_calendar_entry(date(2026, 11, 10), False, "Libur daerah", actor=world.main)
    db.session.commit()
    assert obj.order_due_on == date(2026, 11, 17)
    assert obj.request.events[-1].action == "tenggat"
    # carried out: the deadline it was carried out under stays
    services.carry_out_order(obj, rules.OrderExecution.PEMBERITAHUAN_BARU, date(2026, 11, 12),
                             "Pemberitahuan baru.", actor=world.officer, now=at(2026, 11, 12))
    db.session.commit()
    save_calendar_entry(date(2026, 11, 11), False, "Libur daerah kedua", actor=world.main)
    db.session.commit()
    assert obj.order_due_on == date(2026, 11, 17)
