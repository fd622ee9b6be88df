"""Every member of every enumeration, through every place that renders it, in Indonesian and
in English: no raw code, no missing translation (issue 13, section 1).

The enumerations are defined once (``ppid.core.enums`` says how); this test is the proof
that everything derives from them. It builds one world in which every member occurs (every
state, outcome, ground, decision, dispute outcome, way of obtaining and delivering, channel,
staleness status, category, ...), then reads each place that shows enumerated values: the
public pages, the officers' pages and forms, the letters, the CSV exports, the report pages
and the OpenAPI document. In each place, every member it shows must appear by its label in
the page's language, and its code must not appear as visible text unless the label itself
contains it (``Diterima`` holds ``diterima``). Letters are official and stay Indonesian even
when the officer who issues them works in English.

A new member that some place does not render, or renders by its code, or that has no English
label, fails here.
"""
import csv
import html as html_lib
import io
import re
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from werkzeug.datastructures import FileStorage

from ppid.agencies import rules as ag
from ppid.core import auth
from ppid.core.db import utcnow
from ppid.core.enums import REGISTRY
from ppid.core.services import build_calendar, local_today, save_calendar_entry, timezone
from ppid.core.uploads import check_upload
from ppid.broadcasts import rules as bc
from ppid.disputes import rules as dr
from ppid.evaluation import rules as ev
from ppid.extensions import db
from ppid.info_requests import rules as rq
from ppid.info_requests import services as requests
from ppid.info_requests.models import Letter
from ppid.publications import rules as pb
from ppid.registry import rules as rg
from ppid.registry import services as registry
from ppid.registry.demo import _pdf_bytes
from ppid.reports import rules as rp
from tests.conftest import login, make_user, working_days_back
from tests.services.test_registry_items import SERTA_MERTA_PARTS

LANGUAGES = ("id", "en")

# Labels whose English is the Indonesian word on purpose: proper names (the platforms).
SAME_IN_ENGLISH = {"Instagram", "Facebook", "YouTube", "TikTok", "X (Twitter)"}

# Enumerations whose codes are the law's own letters ("Pasal 17 huruf h"): a page shows the
# letter beside its label, as the law cites it, so the code is no leak there.
LETTERED = {rg.Pasal17, rq.ObjectionGround}

# Codes that are ordinary words of a page's own text in that language, so finding them on
# the page says nothing about a code leaking (they are still checked everywhere else).
ORDINARY_WORDS = {"id": {"normal"}, "en": {"normal", "email", "online"}}


# --- The world: every member somewhere ----------------------------------------------------

def _pdf_upload(name="dokumen.pdf", text="Dokumen uji"):
    return FileStorage(io.BytesIO(_pdf_bytes([text])), filename=name,
                       content_type="application/pdf")


def _at(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=timezone())


class World:
    pass


def build_disputes(objections, today, actor, now):
    """Disputes over ``objections``: one ending in each outcome, one at each open stage,
    court cases with every court, party and outcome, an execution, every commission."""
    from ppid.disputes import services as ds
    step, commissions = dr.DisputeAction, list(dr.DisputeCommission)
    decided, disputes = [], []
    plans = [(o, None) for o in rq.DisputeOutcome if o != rq.DisputeOutcome.DALAM_PROSES] + [
        (rq.DisputeOutcome.DALAM_PROSES, s) for s in (dr.DisputeStage.DIAJUKAN,
                                                      dr.DisputeStage.REGISTRASI,
                                                      dr.DisputeStage.MEDIASI,
                                                      dr.DisputeStage.AJUDIKASI)]
    assert len(objections) >= len(plans), (len(objections), len(plans))
    for i, (obj, (outcome, stage)) in enumerate(zip(objections, plans)):
        d = ds.file_dispute(obj, filed_on=today, commission=commissions[i % len(commissions)],
                            actor=actor, now=now)

        def go(s, d=d, **kw):
            ds.record_step(d, s, on=today, actor=actor, now=now, **kw)
        if outcome in (rq.DisputeOutcome.GUGUR, rq.DisputeOutcome.DICABUT):
            go(step(outcome))
        elif outcome == rq.DisputeOutcome.TIDAK_DAPAT_DITERIMA:
            go(step.PUTUSAN, outcome=outcome, decision_number="1/PTS-KI/2026",
               decision_received_on=today)
            decided.append(d)
        elif outcome == rq.DisputeOutcome.MEDIASI_BERHASIL:
            go(step.REGISTRASI, register_number=f"{i}/REG-PSI/2026")
            go(step.MEDIASI)
            go(step.MEDIASI_BERHASIL, summary="Informasi diserahkan dalam 10 hari kerja.")
            ds.record_execution(d, carried_out_on=today, description="Salinan diserahkan.",
                                actor=actor, now=now)
        elif outcome in dr.DECISION_OUTCOMES:
            go(step.REGISTRASI, register_number=f"{i}/REG-PSI/2026")
            go(step.AJUDIKASI)
            go(step.PUTUSAN, outcome=outcome, decision_number=f"{i}/PTS-KI/2026",
               summary="Informasi dibuka.")
            ds.record_decision_received(d, today, actor=actor, now=now)
            decided.append(d)
        elif stage != dr.DisputeStage.DIAJUKAN:
            go(step.REGISTRASI, register_number=f"{i}/REG-PSI/2026")
            if stage == dr.DisputeStage.MEDIASI:
                go(step.MEDIASI)
            elif stage == dr.DisputeStage.AJUDIKASI:
                go(step.MEDIASI)
                go(step.MEDIASI_GAGAL)
        disputes.append(d)
    # Courts: a suit on each decision (both parties), every outcome, one cassation.
    parties, outcomes = list(dr.CourtParty), list(dr.CourtOutcome)
    for i, d in enumerate(decided):
        case = ds.file_court_case(d, level=dr.CourtLevel.PTUN, filed_by=parties[i % 2],
                                  filed_on=today, case_number=f"{i}/G/KI/2026/PTUN.PTK",
                                  actor=actor, now=now)
        ds.decide_court_case(case, decided_on=today, outcome=outcomes[i], received_on=today,
                             actor=actor, now=now)
    cassation = ds.file_court_case(decided[0], level=dr.CourtLevel.MA,
                                   filed_by=dr.CourtParty.PEMOHON, filed_on=today,
                                   actor=actor, now=now)
    ds.decide_court_case(cassation, decided_on=today, outcome=outcomes[len(decided)],
                         actor=actor, now=now)
    return disputes


def _subscriptions(w, now):
    """The PPID Utama's officer follows in every state: suspended (three hard bounces),
    stopped, active, and waiting for the confirmation of an address typed in."""
    from ppid.broadcasts import services as following
    from tests.unit.test_following_rules import DSN
    following.follow(None, None, user=w.main, now=now)
    stopped = following.follow(None, w.dinkes, user=w.main, now=now)
    for n in range(3):
        following.record_report(DSN.replace(b"Hilang@Contoh.id", w.main.email.encode())
                                .replace(b"<dsn-1@", f"<dsn-enum-{n}@".encode()), now=now)
    following.unsubscribe(stopped, now=now)
    following.follow(None, w.other, user=w.main, frequency="mingguan", now=now)
    following.follow(w.main.email, w.utama, now=now)


def build_world(factories):
    """One of everything, through the services (the locale of the caller is the officer's)."""
    w = World()
    now = utcnow()
    today = local_today(now)
    cal = build_calendar()
    w.utama = factories.agency(slug="utama", name="PPID Utama Uji", kind="utama")
    w.dinkes = factories.agency(slug="dinkes", name="Dinas Kesehatan Uji", parent_id=w.utama.id,
                                atasan_position="Kepala Dinas")
    w.other = factories.agency(slug="dishub", name="Dinas Perhubungan Uji",
                               parent_id=w.utama.id)
    # One official channel on every platform (the profile and the channels page list them).
    from ppid.agencies import services as agency_services
    for n, platform in enumerate(ag.Platform):
        host = (ag.DEFAULT_PLATFORM_HOSTS.get(platform.value) or ["dinkes.example.go.id"])[0]
        agency_services.add_channel(w.dinkes, {"platform": platform.value,
                                               "url": f"https://{host}/kanal{n}"}, actor=None)
    w.officer = factories.user(auth.HELPER, w.dinkes, name="Budi Petugas")
    w.main = factories.user(auth.MAIN, None, name="Rina Utama")
    w.atasan = factories.user(auth.ATASAN, w.dinkes, name="Hendra Atasan")
    w.auditor = factories.user(auth.AUDITOR, None, name="Audi Auditor")

    identity_numbers = {rq.IdentityType.NIK: "6171010203850001"}
    channels, obtains = list(rq.Channel), list(rq.ObtainMethod)
    deliveries, identities, copies = (list(rq.DeliveryMethod), list(rq.IdentityType),
                                      list(rq.CopyForm))
    w.requests, w.tokens = [], {}

    def submit(i, *, received_at=None, proxy=False):
        channel = channels[i % len(channels)]
        identity = identities[i % len(identities)]
        data = {"name": f"Pemohon Uji {i}", "identity_type": identity,
                "identity_number": identity_numbers.get(identity, "AB-1234567"),
                "address": "Jl. Gajah Mada 12, Pontianak", "phone": "081234567890",
                "email": f"warga{i}@contoh.id", "occupation": "Guru",
                "proxy_name": "Kuasa Uji" if proxy else None,
                "information": f"Rekap anggaran kesehatan {i}", "purpose": "Penelitian",
                "obtain_method": obtains[i % len(obtains)],
                "copy_form": copies[i % len(copies)],
                "delivery": deliveries[i % len(deliveries)], "agency": w.dinkes}
        officer_entry = channel != rq.Channel.ONLINE
        req, token = requests.submit_request(
            data, actor=w.officer if officer_entry else None, now=now, channel=channel,
            received_at=received_at or now,
            proxy_upload=check_upload(_pdf_upload("kuasa.pdf")) if proxy else None)
        w.requests.append(req)
        w.tokens[req.id] = token
        return req

    # States: one request in each (and every channel, identity type, way of obtaining and
    # delivering, copy form among them).
    fresh, withdrawn, processed, forwarded, extended = (submit(i, proxy=i == 0)
                                                        for i in range(5))
    requests.process_request(processed, actor=w.officer, now=now)
    requests.forward_request(forwarded, w.other, actor=w.main, now=now)
    requests.extend_request(extended, None, "Dokumen tersebar di beberapa bidang.",
                            actor=w.officer, now=now)
    requests.withdraw_request(withdrawn, actor=w.officer, now=now, note="Tidak jadi.")
    requests.assign_request(processed, w.officer, actor=w.main, now=now)
    requests.redact_subject(processed, "Anggaran kesehatan (disamarkan)", actor=w.officer,
                            now=now)
    # The subject's review (before the public register shows it), both ways.
    requests.review_subject(fresh, rq.SubjectReview.TAMPILKAN, actor=w.officer, now=now)
    requests.review_subject(extended, rq.SubjectReview.SAMARKAN, "Rekap anggaran",
                            actor=w.officer, now=now)

    # Urgency: one overdue and one due within three working days (entered late, by post).
    submit(10, received_at=_at(today - timedelta(days=25)))
    submit(11, received_at=_at(working_days_back(cal, today, 8)))

    # Outcomes, with every form of information and every Pasal 17 letter.
    grant = {"response_note": "Rekap diberikan", "cost_per_page": 500, "pages": 4,
             "delivery_cost": 10000, "available_on": today + timedelta(days=3),
             "payment_method": rq.PaymentMethod.TRANSFER}
    dik = {"exemption_information": "Data uji tertutup", "exemption_document": "Berkas uji",
           "exemption_public_interest": "Kepentingan publik lebih kecil",
           "exemption_end_on": today + timedelta(days=400)}
    outcomes = [
        (rq.Outcome.DIKABULKAN, {**grant, "info_form": rq.InfoForm.SOFTCOPY}),
        (rq.Outcome.DIKABULKAN_SEBAGIAN, {**grant, "info_form": rq.InfoForm.HARDCOPY,
                                          "exemption_letters": ["h"],
                                          "redacted_parts": "Nama pasien",
                                          "redaction_reason": "Rahasia pribadi",
                                          "payment_method": rq.PaymentMethod.TUNAI,
                                          "exemption_consequence": "Pasien dikenali",
                                          "exemption_decree_number": "188/1/2026",
                                          "exemption_decree_on": today, **dik}),
        (rq.Outcome.DITOLAK, {"exemption_letters": list(rq.Pasal17),
                              "exemption_consequence": "Membahayakan penegakan hukum",
                              "other_statute": "UU 36/2009", **dik}),
        (rq.Outcome.TIDAK_DIKUASAI, {"holding_body": "BPS Provinsi"}),
        (rq.Outcome.BELUM_DIDOKUMENTASIKAN, {"documented_on": today + timedelta(days=20)}),
        (rq.Outcome.DIKABULKAN, {**grant, "info_form": rq.InfoForm.SOFTCOPY_HARDCOPY}),
        (rq.Outcome.DIKABULKAN, {**grant, "info_form": rq.InfoForm.MELIHAT,
                                 "cost_per_page": 0, "delivery_cost": 0,
                                 "payment_method": rq.PaymentMethod.TANPA_BIAYA}),
    ] + [(rq.Outcome.DIKABULKAN, {**grant, "info_form": rq.InfoForm.SOFTCOPY})] * 4
    # (enough objections for every dispute outcome and every open stage of a dispute)
    closed = []
    for i, (outcome, fields) in enumerate(outcomes):
        req = submit(20 + i)
        requests.close_request(req, outcome, fields, actor=w.officer, now=now)
        closed.append(req)
    requests.attach_release(closed[0], check_upload(_pdf_upload("rekap.pdf")),
                            actor=w.officer, now=now)
    requests.record_delivery(closed[0], today, rq.DeliveryMethod.EMAIL, None,
                             actor=w.officer, now=now)  # the timeline's "diserahkan"

    # Objections: every ground, every decision (on a ground it answers), every dispute
    # outcome. Every ground has arisen on one request: answered late (c), its notice (a, b,
    # d, f), and the information promised for yesterday not handed over (e, g); each
    # decision is made on an objection to it whose grounds it answers.
    # (ordering publication fits an objection naming no request only: made further below)
    decisions = [d for d in rq.ObjectionDecision if d is not rq.MENGUMUMKAN]
    late = submit(12, received_at=_at(today - timedelta(days=25)))
    requests.close_request(late, rq.Outcome.DIKABULKAN, {
        **grant, "info_form": rq.InfoForm.SOFTCOPY, "available_on": today - timedelta(days=1)},
        actor=w.officer, now=now)

    def grounds_for(i):
        if i == 0:
            return list(rq.ObjectionGround)
        return [sorted(rq.DECISION_GROUNDS[decisions[i]])[0]]
    objections = [requests.file_objection(late, grounds_for(i), "Informasi belum lengkap.",
                                          actor=None, now=now)
                  for i in range(len(decisions))]
    objections += [requests.file_objection(req, ["d"], "Informasi belum lengkap.",
                                           actor=None, now=now) for req in closed]
    # ... and one received in person from a proxy, with the power of attorney
    objections.append(requests.file_objection(
        closed[0], ["d"], "Diajukan melalui kuasa.", actor=w.officer, now=now,
        channel=rq.Channel.LANGSUNG, received_at=now,
        proxy={"proxy_name": "Kuasa Keberatan Uji", "proxy_identity_number": "6171010203850002",
               "proxy_address": "Jl. Tanjungpura 5, Pontianak"},
        proxy_upload=check_upload(_pdf_upload("kuasa-keberatan.pdf"))))
    for obj, decision in zip(objections, decisions):
        requests.decide_objection(obj, decision, "Alasan tertulis.", actor=w.atasan, now=now)
    # The orders carried out in every way, and one of each status: carried out on time,
    # after the deadline, not yet past it, still waiting within it.
    ex = rq.OrderExecution
    by_decision = {o.decision: o for o in objections[:len(decisions)]}
    requests.carry_out_order(by_decision[rq.MEMBUKA_SELURUHNYA], ex.RILIS, today,
                             "Rekap dibuka.", actor=w.officer, now=now,
                             release=check_upload(_pdf_upload("dibuka.pdf")))
    late_one = by_decision[rq.MEMBUKA_SEBAGIAN]
    late_one.order_due_on = today - timedelta(days=1)  # (its deadline passed yesterday)
    late_one.decided_on = today - timedelta(days=15)
    requests.carry_out_order(late_one, ex.PEMBERITAHUAN_BARU, today, "Pemberitahuan baru.",
                             actor=w.officer, now=now)
    requests.carry_out_order(by_decision[rq.KOREKSI_BIAYA], ex.BIAYA_DIKOREKSI, today, None,
                             actor=w.officer, now=now, corrected_total=2000)
    requests.carry_out_order(by_decision[rq.MENYERAHKAN], ex.DISERAHKAN, today,
                             "Diserahkan di loket.", actor=w.officer, now=now,
                             via=rq.DeliveryMethod.EMAIL)
    by_decision[rq.MENANGGAPI].order_due_on = today - timedelta(days=1)  # not carried out
    requests.decide_objection(objections[len(decisions)], rq.MEMBUKA_SELURUHNYA,
                              "Alasan tertulis.", actor=w.atasan, now=now)  # waiting
    w.disputes = build_disputes(objections, today, w.main, now)
    # Last year's annual report, submitted every way there is.
    from ppid.reports import services as reports
    for method in rp.SubmissionMethod:
        reports.record_submission(w.dinkes, today.year - 1, {
            "submitted_on": today, "recipient": "Komisi Informasi Provinsi",
            "method": method}, actor=w.officer, now=now)
    w.objections = objections
    # A request whose retention period ended: its personal data erased (the timeline says).
    from ppid.info_requests import privacy
    privacy.erase_personal_data(closed[3], now=now)

    # A calendar change moves an open request's due date (the timeline's "tenggat").
    day = today + timedelta(days=1)
    while not cal.is_working_day(day):
        day += timedelta(days=1)
    save_calendar_entry(day, False, "Libur daerah uji", actor=w.main)

    # The registry: every staleness status, category, form, scope and item state.
    obligations = [registry.save_obligation(None, {
        "code": f"o{n}", "title": f"Kewajiban uji {n}", "description": "uraian",
        "legal_basis": "UU 14/2008 Pasal 9", "category": rg.Category.BERKALA,
        "period_months": 6, "applies_to": rg.AppliesTo.SEMUA, "is_active": True}, actor=None)
        for n in range(1, 6)]  # o5: nothing published (belum ada)
    registry.save_obligation(None, {
        "code": "u1", "title": "Kewajiban PPID Utama", "description": "uraian",
        "legal_basis": "UU 14/2008 Pasal 9", "category": rg.Category.BERKALA,
        "period_months": 12, "applies_to": rg.AppliesTo.UTAMA, "is_active": True}, actor=None)
    forms = list(rg.DipForm)

    def item(n, category, obligation=None, days_ago=0, state=rg.ItemState.PUBLISHED):
        when = now - timedelta(days=days_ago)
        it = registry.create_item(w.dinkes, {
            "title": f"Informasi uji {n}", "summary": "Ringkasan", "holding_unit": "Sekretariat",
            "responsible": "Sekretaris", "made_at_place": "Pontianak", "made_on": today,
            "form": forms[n % len(forms)], "retention": "5 tahun", "category": category,
            "obligation_id": obligation.id if obligation else None,
            "event_at": when if category == rg.Category.SERTA_MERTA else None,
            **(SERTA_MERTA_PARTS if category == rg.Category.SERTA_MERTA else {})},
            actor=w.officer, now=when)
        registry.add_version(it, _pdf_upload(f"informasi-{n}.pdf"), "v1", actor=w.officer,
                             now=when)
        if state != rg.ItemState.DRAFT:
            registry.publish_item(it, actor=w.officer, now=when)
        if state == rg.ItemState.WITHDRAWN:
            registry.withdraw_item(it, "Salah unggah", actor=w.officer, now=now)
        return it

    public = [item(1, rg.Category.BERKALA, obligations[0]),               # terkini
              item(2, rg.Category.BERKALA, obligations[1], days_ago=170),  # segera
              item(3, rg.Category.BERKALA, obligations[2], days_ago=200)]  # terlambat
    semester = rg.semester_of(today)
    registry.declare_nil(w.dinkes, obligations[3], today.year, semester, "Tidak ada kegiatan.",
                         actor=w.officer, now=now)                 # nihil
    public += [item(4, rg.Category.SERTA_MERTA),
               item(5, rg.Category.SETIAP_SAAT, state=rg.ItemState.WITHDRAWN)]
    item(6, rg.Category.DIKECUALIKAN, state=rg.ItemState.DRAFT)
    # An objection on ground b naming no request (periodic information overdue for 17
    # days): the publication ordered, and carried out by a new version of the item.
    overdue = registry.save_obligation(None, {
        "code": "o6", "title": "Kewajiban uji 6", "description": "uraian",
        "legal_basis": "UU 14/2008 Pasal 9", "category": rg.Category.BERKALA,
        "period_months": 6, "applies_to": rg.AppliesTo.SEMUA, "is_active": True}, actor=None)
    overdue.created_at = w.dinkes.created_at = now - timedelta(days=400)
    stale = item(7, rg.Category.BERKALA, overdue, days_ago=200)
    periodic, _token = requests.file_periodic_objection(
        w.dinkes, [overdue.id], "Informasi berkala tidak ada di DIP.", identity={
            "requester_name": "Pengaju Berkala Uji", "identity_number": "6171010203850003",
            "address": "Jl. Uji 1, Pontianak", "email": "berkala@contoh.id"},
        actor=None, now=now, purpose="Pemantauan")
    requests.decide_objection(periodic, rq.MENGUMUMKAN, "Alasan tertulis.", actor=w.atasan,
                              now=now)
    fresh = registry.add_version(stale, _pdf_upload("informasi-7-baru.pdf", "Edisi baru"), "v2",
                                 actor=w.officer, now=now)
    requests.carry_out_order(periodic, ex.DIUMUMKAN, today, None, actor=w.officer, now=now,
                             version_ids=[fresh.id])
    objections.insert(0, periodic)  # (the last one stays the undecided proxy's)
    w.periodic_token = _token
    entry = registry.save_exemption(w.dinkes, None, {
        "information": "Rekam medis pasien", "pasal17_letters": ",".join(rq.Pasal17),
        "other_statute": "", "consequence": "Membuka rahasia pribadi",
        "public_interest": "Tidak ada kepentingan publik yang lebih besar",
        "decided_by": "PPID Dinkes", "decree_number": "440/1/2026", "decree_on": today,
        "tested_on": today, "document": "Berkas rekam medis",
        "end_on": today + timedelta(days=365)}, actor=w.officer)
    registry.approve_exemption(entry, {"approved_by_name": "Kepala Dinas Uji",
                                       "approved_by_position": "Kepala Dinas",
                                       "approved_on": today}, actor=w.officer)
    # Satisfaction surveys: an unanswered one (its form), and one comment in each state.
    from ppid.evaluation import services as ikm
    surveys = [s for s in (ikm.survey_of_request(r) for r in w.requests) if s is not None]
    w.open_survey_token = ikm.token_for(surveys[-1].request_id)
    for state, survey in zip(list(ev.CommentState), surveys):
        ikm.respond(survey, {e.value: 3 for e in ev.ELEMENTS}, f"Komentar {state.name}",
                    now=utcnow())
        if state != ev.CommentState.MENUNGGU:
            ikm.moderate(survey, state, actor=w.officer, now=utcnow())
    # E-Monev evidence: valid, expiring soon, expired.
    from ppid.evaluation import assessment
    for question, ends in (("ko_sk_ppid", 800), ("ko_sop", 10), ("ko_maklumat", -10)):
        evidence = assessment.check_evidence(
            _pdf_upload(f"bukti-{question.replace('_', '-')}.pdf"))
        assessment.attest(w.dinkes, question, evidence, statement="Bukti",
                          valid_from=today - timedelta(days=400),
                          valid_until=today + timedelta(days=ends), actor=w.officer)
    w.publication_ids = _publications(w, now)
    _subscriptions(w, now)
    db.session.commit()
    w.ids = [r.id for r in w.requests]
    w.public_item_ids = [it.id for it in public]
    w.objection_ids = [o.id for o in objections]
    w.dispute_ids = [d.id for d in w.disputes]
    w.today = today
    return w


def _publications(w, now):
    """One publication in each state of the desk, and one that took every step."""
    import io as _io

    from PIL import Image

    from ppid.publications import services as desk
    from ppid.publications.rules import PublicationState as PS
    humas = w.humas = make_user(auth.HUMAS, w.dinkes, name="Nur Humas")

    def draft(title):
        return desk.create_draft(w.dinkes, {"title": title, "summary": "Ringkasan",
                                            "body": "Isi", "tags": "uji"}, actor=humas)
    out = {}
    for state in PS:
        pub = out[state] = draft(f"Publikasi {state.name}")
        if state == PS.DRAFT:
            continue
        desk.submit(pub, actor=humas)
        if state == PS.RETURNED:
            desk.return_to_agency(pub, "Perbaiki.", actor=w.main)
        elif state == PS.SCHEDULED:
            desk.schedule(pub, now + timedelta(days=3), actor=w.main)
        elif state in (PS.PUBLISHED, PS.WITHDRAWN):
            desk.publish(pub, actor=w.main)
        if state == PS.WITHDRAWN:
            desk.withdraw(pub, "Keliru.", actor=w.main)
    every = draft("Publikasi setiap langkah")
    desk.update(every, {"title": "Publikasi setiap langkah (diubah)"}, actor=humas)
    img = _io.BytesIO()
    Image.new("RGB", (40, 30), (10, 90, 160)).save(img, "PNG")
    photo = desk.add_photo(every, desk.prepare_photo(FileStorage(
        _io.BytesIO(img.getvalue()), filename="foto.png")), "Foto uji", actor=humas)
    desk.remove_photo(every, photo, actor=humas)
    att = desk.add_attachment(every, check_upload(FileStorage(
        _io.BytesIO(b"Jadwal;Senin\n"), filename="jadwal.csv")), actor=humas)
    desk.remove_attachment(every, att, actor=humas)
    desk.submit(every, actor=humas)
    desk.return_to_agency(every, "Perbaiki.", actor=w.main)
    desk.submit(every, actor=humas)
    desk.publish(every, actor=w.main)
    # A plan with a target of every kind and both periods (the plan page shows them all;
    # the calendar's legend explains every status).
    desk.save_plan(w.dinkes, {k.value: (i + 1, list(pb.Cadence)[i % 2].value)
                              for i, k in enumerate(pb.PublicationKind)}, actor=humas)
    late = draft("Publikasi terjadwal yang terbit")
    desk.submit(late, actor=humas)
    at = now + timedelta(seconds=1)
    desk.schedule(late, at, actor=w.main, now=now)
    desk.go_live(late.id, now=at)
    desk.withdraw(late, "Ditarik.", actor=w.main, now=at)
    db.session.flush()
    return [p.id for p in out.values()] + [every.id, late.id]


# --- Reading a place ----------------------------------------------------------------------

def visible_text(markup):
    """What a reader sees: the text without tags, scripts, styles and attribute values."""
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", markup)
    markup = re.sub(r"(?s)<!--.*?-->", " ", markup)
    text = re.sub(r"(?s)<[^>]+>", " ", markup)
    return re.sub(r"\s+", " ", html_lib.unescape(text))


def csv_text(body):
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    return " | ".join(" | ".join(r) for r in rows[1:])  # cells, not the column names


def get(client, url, status=200):
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.get_data(as_text=True)[:300])
    return resp.get_data(as_text=True)


def as_user(client, user):
    client.post("/keluar")
    login(client, user)


def set_language(client, lang):
    client.post("/bahasa", data={"lang": lang, "next": "/"})


ALL = "all"


def places(client, w, lang):
    """{place: (visible text, {enumeration: members it must show, or ALL})}."""
    out = {}

    def page(name, text, expects):
        out[name] = (text, expects)

    set_language(client, lang)
    tokens = [w.tokens[i] for i in w.ids]
    page("tracking pages", " ".join(visible_text(get(client, f"/lacak/{t}")) for t in tokens)
         + " " + visible_text(get(client, f"/lacak-keberatan/{w.periodic_token}")),
         {rq.RequestState: ALL, rq.Outcome: ALL, rq.InfoForm: ALL, rg.Pasal17: ALL,
          rq.ObjectionDecision: ALL, rq.DisputeOutcome: ALL, rq.LetterKind: ALL,
          rq.TimelineAction: ALL})
    page("register", visible_text(get(client, "/permohonan/register")),
         {rq.RequestState: ALL, rq.Outcome: ALL})
    page("follow form", visible_text(get(client, "/ikuti")), {bc.Frequency: ALL})
    page("request form", visible_text(get(client, "/permohonan/baru")),
         {rq.IdentityType: ALL, rq.ObtainMethod: ALL, rq.CopyForm: ALL, rq.DeliveryMethod: ALL})
    page("satisfaction survey", visible_text(get(client, f"/survei/{w.open_survey_token}")),
         {ev.Element: ALL, ev.Answer: ALL})
    page("satisfaction results", visible_text(get(client, "/ikm/dinkes")),
         {ev.Element: ALL, ev.QualityBand: ALL})
    closed = w.tokens[w.ids[-1]]  # its objection window is open
    page("objection form", visible_text(get(client, f"/lacak/{closed}/keberatan")),
         {rq.ObjectionGround: ALL})

    as_user(client, w.main)
    set_language(client, lang)
    page("officer pages", " ".join(
        visible_text(get(client, f"/kelola/permohonan/{i}")) for i in w.ids),
        {rq.Channel: ALL, rq.IdentityType: ALL, rq.ObtainMethod: ALL, rq.CopyForm: ALL,
         rq.DeliveryMethod: ALL, rq.AttachmentKind: ALL, rq.Urgency: ALL, rq.Outcome: ALL,
         rq.InfoForm: ALL, rg.Pasal17: ALL, rq.RequestState: ALL, rq.SubjectReview: ALL,
         rq.PaymentMethod: ALL, rq.RequestAction: ALL})
    # The decision's second step (without JavaScript): each outcome's own fields.
    open_id = next(r.id for r in w.requests if r.state in rq.OPEN_STATES)
    page("decision pages", " ".join(
        visible_text(get(client, f"/kelola/permohonan/{open_id}/keputusan?outcome={o}"))
        for o in rq.OUTCOMES),
        {rq.Outcome: ALL, rq.InfoForm: ALL, rq.PaymentMethod: ALL, rg.Pasal17: ALL})
    page("officer entry form", visible_text(get(client, "/kelola/permohonan/baru")),
         {rq.Channel: set(rq.OFFICER_CHANNELS)})
    page("queue", visible_text(get(client, "/kelola/permohonan")),
         {rq.Urgency: ALL, rq.RequestState: set(rq.OPEN_STATES)})
    page("queue CSV", csv_text(get(client, "/kelola/permohonan/ekspor.csv")),
         {rq.Urgency: ALL, rq.RequestState: set(rq.OPEN_STATES), rq.Channel: ALL})
    page("objection pages", " ".join(
        visible_text(get(client, f"/kelola/keberatan/{i}")) for i in w.objection_ids),
        {rq.ObjectionGround: ALL, rq.ObjectionDecision: ALL, rq.DisputeOutcome: ALL,
         rq.OrderStatus: ALL, rq.OrderExecution: ALL})
    # The registers of Perki 1/2021 (consolidated, every year the world's rows fall in).
    years = sorted({r.received_on.year for r in w.requests})
    page("request register", " ".join(
        visible_text(get(client, f"/kelola/register/permohonan?tahun={y}")) + " "
        + csv_text(get(client, f"/kelola/register/permohonan.csv?tahun={y}"))
        for y in years),
        {rq.InformationStatus: ALL, rq.Outcome: ALL, rq.InfoForm: ALL, rq.ObtainMethod: ALL,
         rq.RequestState: set(rq.STATES) - {rq.SELESAI}})
    years = sorted({o.received_on.year for o in w.objections})
    page("objection register", " ".join(
        visible_text(get(client, f"/kelola/register/keberatan?tahun={y}")) + " "
        + csv_text(get(client, f"/kelola/register/keberatan.csv?tahun={y}"))
        for y in years),
        {rq.ObjectionGround: ALL, rq.ObjectionDecision: ALL, rq.DisputeOutcome: ALL})
    page("disputes", visible_text(get(client, "/kelola/sengketa")),
         {dr.DisputeStage: ALL, rq.DisputeOutcome: ALL, dr.CourtLevel: {
             dr.CourtLevel.PTUN, dr.CourtLevel.MA}})
    page("dispute pages", " ".join(
        visible_text(get(client, f"/kelola/sengketa/{i}")) for i in w.dispute_ids),
        {dr.DisputeStage: ALL, rq.DisputeOutcome: ALL, dr.DisputeAction: ALL,
         dr.DisputeCommission: ALL, dr.CourtLevel: ALL, dr.CourtOutcome: ALL,
         dr.CourtParty: ALL})
    page("catalogue", visible_text(get(client, "/kelola/katalog")),
         {rg.Category: {rg.Category.BERKALA}, rg.AppliesTo: ALL})
    page("obligation form", visible_text(get(client, "/kelola/katalog/baru")),
         {rg.Category: ALL, rg.AppliesTo: ALL})
    page("matrix", visible_text(get(client, "/kelola/dip/matriks")), {rg.Status: ALL})
    page("satisfaction comments", visible_text(get(client, "/kelola/ikm/dinkes")),
         {ev.CommentState: ALL, ev.QualityBand: ALL})
    page("E-Monev assessment", visible_text(get(client, "/kelola/emonev/dinkes")),
         {ev.Indicator: ALL, ev.Question: ALL, ev.QuestionKind: ALL,
          ev.AttestationStatus: ALL})
    page("E-Monev ranking", visible_text(get(client, "/kelola/emonev/peringkat")),
         {ev.Indicator: ALL})
    page("DIP management", visible_text(get(client, "/kelola/badan/dinkes/dip")),
         {rg.Status: ALL, rg.Category: ALL, rg.ItemState: ALL})
    page("DIP item form", visible_text(get(client, "/kelola/badan/dinkes/dip/baru")),
         {rg.Category: ALL, rg.DipForm: ALL})
    page("agency page", visible_text(get(client, "/badan/dinkes")),
         {rg.Status: ALL, rq.RequestState: {rq.DITERIMA, rq.SELESAI}})
    page("agency channels", visible_text(get(client, "/kelola/badan-publik/dinkes/kanal")),
         {ag.Platform: ALL})
    page("agency profile's channels", visible_text(get(client, "/badan/dinkes")),
         {ag.Platform: ALL})
    page("exemptions", visible_text(get(client, "/informasi-dikecualikan")), {rg.Pasal17: ALL})
    year, semester = w.today.year, rg.semester_of(w.today)
    page("DIP CSV", csv_text(get(client, f"/badan/dinkes/dip.csv?tahun={year}"
                                         f"&semester={semester}")),
         {rg.Category: {rg.Category.BERKALA, rg.Category.SERTA_MERTA},
          rg.DipForm: {rg.DipForm.ELEKTRONIK}, rg.ItemState: {rg.ItemState.PUBLISHED}})
    page("DIP items", " ".join(visible_text(get(client, f"/badan/dinkes/dip/{i}"))
                               for i in w.public_item_ids),
         {rg.DipForm: ALL, rg.Category: set(rg.Category) - {rg.Category.DIKECUALIKAN},
          rg.ItemState: {rg.ItemState.PUBLISHED, rg.ItemState.WITHDRAWN}})
    page("compliance", visible_text(get(client, "/kelola/kepatuhan")),
         {rp.Band: ALL, rp.Sort: ALL, rg.Status: ALL})
    page("agency compliance", visible_text(get(client, "/kelola/kepatuhan/dinkes")),
         {rg.Status: {rg.TERLAMBAT, rg.BELUM_ADA}, rq.RequestState: {rq.DITERIMA}})
    page("audit report", visible_text(get(client, "/kelola/laporan/audit.html")),
         {rg.Status: ALL})
    page("audit CSV", " | ".join(csv_text(get(client, f"/kelola/laporan/audit.csv?bagian={p}"))
                                 for p in ("peringkat", "kewajiban", "permohonan")),
         {rg.Status: ALL, rq.RequestState: {rq.DITERIMA}})
    page("annual report", visible_text(get(client, f"/kelola/laporan/tahunan/{year}.html")),
         {rq.Outcome: ALL, rq.ObjectionDecision: ALL, rq.DisputeOutcome: ALL, rg.Pasal17: ALL,
          rp.AnnualText: ALL})
    page("subscriptions", visible_text(get(client, "/ikuti/langganan")),
         {bc.SubscriptionState: ALL, bc.Frequency: ALL})
    page("publication desk", " ".join(
        visible_text(get(client, f"/kelola/publikasi/{i}")) for i in w.publication_ids),
        {pb.PublicationState: ALL, pb.Step: ALL})
    page("publication plan", visible_text(get(client, "/kelola/badan/dinkes/rencana-publikasi")),
         {pb.PublicationKind: ALL, pb.Cadence: ALL})
    page("publication calendar", visible_text(get(client, "/kelola/kalender-publikasi")),
         {pb.PlanStatus: ALL, pb.PublicationKind: ALL, pb.Cadence: set(pb.Cadence)})
    page("annual report texts", visible_text(get(
        client, f"/kelola/laporan/tahunan/{year}/dinkes/isian")), {rp.AnnualText: ALL})
    page("annual report submissions", visible_text(get(
        client, f"/kelola/laporan/tahunan/{year - 1}/dinkes/isian")),
        {rp.SubmissionMethod: ALL})
    as_user(client, w.atasan)
    set_language(client, lang)
    # (an objection about a request is never ordered published: that decision is for an
    # objection naming no request, ground b; tests/web/test_objection_ground_b.py)
    page("objection decision form", visible_text(get(
        client, f"/kelola/keberatan/{w.objection_ids[-1]}")),
        {rq.ObjectionDecision: set(rq.ObjectionDecision) - {rq.MENGUMUMKAN}})
    client.post("/keluar")
    return out


def label_in(app, member, lang):
    with app.test_request_context(), force_locale(lang):
        return str(member.label)


def check_place(app, name, text, expects, lang):
    problems = []
    words = ORDINARY_WORDS[lang]
    for enum, members in expects.items():
        for member in (list(enum) if members == ALL else members):
            label = label_in(app, member, lang)
            if label.casefold() not in text.casefold():
                problems.append(f"{enum.__name__}.{member.name}: label {label!r} missing")
            code = member.value
            if code.casefold() in label.casefold() or code in words or enum in LETTERED:
                continue
            if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text):
                problems.append(f"{enum.__name__}.{member.name}: raw code {code!r} shown")
    return [f"{name} [{lang}]: {p}" for p in problems]


# --- The tests ----------------------------------------------------------------------------

def test_every_label_has_its_english_translation(app):
    """The English catalogue (compiled) translates every label and legend."""
    missing = []
    for name, enum in sorted(REGISTRY.items()):
        for member in enum:
            texts = [member.label] + ([member.description] if hasattr(member, "description")
                                      else [])
            for text in texts:
                with app.test_request_context():
                    with force_locale("id"):
                        indonesian = str(text)
                    with force_locale("en"):
                        english = str(text)
                if english == indonesian and indonesian not in SAME_IN_ENGLISH:
                    missing.append(f"{name}.{member.name}: {indonesian!r}")
    assert not missing, "no English translation (compile the catalogue?):\n" + "\n".join(missing)


def test_every_enumeration_is_walked(app):
    """A new enumeration must be added to the walk below (or it goes unchecked)."""
    walked = {rq.RequestState, rq.Outcome, rq.InfoForm, rq.ObjectionDecision,
              rq.DisputeOutcome, rq.LetterKind, rq.TimelineAction, rq.IdentityType,
              rq.ObtainMethod, rq.CopyForm, rq.DeliveryMethod, rq.Channel, rq.AttachmentKind,
              rq.Urgency, rq.ObjectionGround, rq.SubjectReview, rq.InformationStatus,
              rg.Pasal17, rg.Status, rg.Category, rg.DipForm,
              rg.AppliesTo, rg.ItemState, rp.Band, rp.Sort, rp.AnnualText,
              ev.Element, ev.Answer, ev.QualityBand, ev.CommentState, ev.Indicator,
              ev.QuestionKind, ev.Question, ev.AttestationStatus,
              pb.PublicationState, pb.Step, rq.PaymentMethod, pb.PublicationKind,
              pb.Cadence, pb.PlanStatus,
              dr.DisputeCommission, dr.DisputeStage, dr.DisputeAction, dr.CourtLevel,
              dr.CourtOutcome, dr.CourtParty, rp.SubmissionMethod, rq.OrderExecution,
              rq.OrderStatus, bc.Frequency, bc.SubscriptionState, ag.Platform,
              rq.RequestAction}
    assert set(REGISTRY.values()) == walked


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_member_in_every_place(app, client, factories, lang):
    if lang == "en":
        # The officer works in English: what the services write (letters) stays Indonesian.
        with app.test_request_context(), force_locale("en"):
            w = build_world(factories)
    else:
        w = build_world(factories)
    problems = []
    for name, (text, expects) in places(client, w, lang).items():
        problems += check_place(app, name, text, expects, lang)
    assert not problems, "\n".join(problems)


def test_letters_print_every_member_in_indonesian(app, factories):
    """Letters are official: labels in Indonesian, whoever issued them in which language."""
    with app.test_request_context(), force_locale("en"):
        build_world(factories)
    letters = db.session.execute(sa.select(Letter)).scalars().all()
    by_kind = {}
    for letter in letters:
        by_kind.setdefault(letter.kind, []).append(visible_text(letter.html))
    text = {k: " ".join(v) for k, v in by_kind.items()}
    expects = {
        rq.LetterKind.TANDA_BUKTI: {rq.IdentityType: ALL, rq.ObtainMethod: ALL,
                                    rq.CopyForm: ALL, rq.DeliveryMethod: ALL,
                                    rq.Channel: ALL},
        rq.LetterKind.PEMBERITAHUAN: {rq.Outcome: ALL, rq.InfoForm: ALL, rg.Pasal17: ALL},
        rq.LetterKind.PENOLAKAN: {rg.Pasal17: ALL},
        rq.LetterKind.PERPANJANGAN: {},
        rq.LetterKind.TANDA_BUKTI_KEBERATAN: {rq.ObjectionGround: ALL},
        rq.LetterKind.PUTUSAN_KEBERATAN: {rq.ObjectionDecision: ALL, rq.ObjectionGround: ALL},
    }
    problems = []
    for kind in rq.LetterKind:
        body = text.get(kind.value, "")
        problems += check_place(app, f"letter {kind.value}", body,
                                {rq.LetterKind: {kind}, **expects[kind]}, "id")
        for month in ("January", "February", "March", "May", "June", "July", "August",
                      "October", "December"):
            if month in body:
                problems.append(f"letter {kind.value}: English date ({month})")
    assert not problems, "\n".join(problems)


def test_openapi_enums_are_the_enumerations(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    expected = {
        ("Obligation", "status"): rg.Status, ("Obligation", "category"): rg.Category,
        ("DipItem", "category"): rg.Category, ("DipItem", "form"): rg.DipForm,
        ("NewRequest", "identity_type"): rq.IdentityType,
        ("NewRequest", "obtain_method"): rq.ObtainMethod,
        ("NewRequest", "copy_form"): rq.CopyForm, ("NewRequest", "delivery"): rq.DeliveryMethod,
        ("RequestReceipt", "status"): rq.RequestState,
        ("PublicRequest", "status"): rq.RequestState, ("PublicRequest", "outcome"): rq.Outcome,
        ("Compliance", "band"): rp.Band,
    }
    for (schema, prop), enum in expected.items():
        # None and "" say "not given" where a field is optional: no member of the enumeration.
        values = [v for v in schemas[schema]["properties"][prop]["enum"] if v not in (None, "")]
        assert values == enum.codes(), (schema, prop)
    assert sorted(schemas["Compliance"]["properties"]["obligations"]["required"]) == sorted(
        rg.Status.codes())
