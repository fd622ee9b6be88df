"""Demo disputes at every stage: one in adjudication (ground a only, so no mediation), one
that went through mediation, adjudication, the PTUN and its execution, and one settled by
a mediation agreement that the body has not carried out yet (an alert). Idempotent."""
from datetime import timedelta

import sqlalchemy as sa

from ppid.accounts.services import find_user_by_email
from ppid.agencies.models import Agency
from ppid.core.models import OutboxMail
from ppid.core.services import local_today
from ppid.disputes import rules, services
from ppid.disputes.models import Dispute
from ppid.extensions import db
from ppid.info_requests import rules as requests_rules
from ppid.info_requests import services as requests
from ppid.info_requests.demo import _at
from ppid.info_requests.models import Objection
from ppid.info_requests.rules import DisputeOutcome

STEP = rules.DisputeAction


def _request(agency, when, name, nik, info, purpose, *, officer):
    data = {"name": name, "identity_type": "nik", "identity_number": nik,
            "address": "Jl. Ahmad Yani No. 88, Pontianak", "phone": "0812" + nik[-8:],
            "email": f"{nik[-4:]}@contoh.id", "occupation": "Peneliti", "proxy_name": None,
            "information": info, "purpose": purpose, "obtain_method": "salinan",
            "copy_form": "softcopy", "delivery": "email", "agency": agency}
    req, _token = requests.submit_request(data, actor=officer, now=_at(when),
                                          channel="langsung")
    return req


def seed_disputes(summary):
    if db.session.execute(sa.select(Dispute.id).limit(1)).first() is not None:
        return
    agencies = {a.slug: a for a in db.session.execute(sa.select(Agency)).scalars()}
    main = find_user_by_email("utama@demo.ppid.id")
    atasan = find_user_by_email("atasan.dinkes@demo.ppid.id") or main
    if main is None or "dinkes" not in agencies:
        return
    first_mail = db.session.execute(sa.select(sa.func.max(OutboxMail.id))).scalar() or 0
    today = local_today()
    made = 0

    # 1. This year's refusal upheld by the atasan (requests demo): registered, adjudicated.
    upheld = db.session.execute(
        sa.select(Objection).where(Objection.decision == requests_rules.MENGUATKAN)
        .order_by(Objection.id)).scalars().first()
    if upheld is not None:
        filed = upheld.decided_on + timedelta(days=8)
        d = services.file_dispute(upheld, filed_on=filed, actor=main, now=_at(filed))
        services.record_step(d, STEP.REGISTRASI, on=filed + timedelta(days=6),
                             register_number=f"045/REG-PSI/{filed.year}", actor=main,
                             now=_at(filed + timedelta(days=6)))
        if filed + timedelta(days=14) <= today:
            services.record_step(d, STEP.AJUDIKASI, on=filed + timedelta(days=14), actor=main,
                                 note="Mediasi tidak tersedia (alasan keberatan huruf a).",
                                 now=_at(filed + timedelta(days=14)))
        made += 1

    # 2. Last year: refused, upheld, disputed; mediation failed, adjudication granted part,
    #    the body sued at the PTUN and lost, then released the information.
    start = today - timedelta(days=420)
    dinkes = agencies["dinkes"]
    req = _request(dinkes, start, "Lestari Wulandari", "6171016405880012",
                   "Data jumlah tenaga kesehatan per puskesmas beserta status kepegawaiannya "
                   "tahun 2025.", "Kajian pemerataan tenaga kesehatan.", officer=main)
    requests.close_request(req, requests_rules.DITOLAK, {
        "exemption_letters": ["h"], "exemption_consequence":
            "Daftar memuat nama dan status kepegawaian perorangan.", "other_statute": "",
        "exemption_information": "Data kepegawaian perorangan tenaga kesehatan",
        "exemption_document": "Daftar nominatif pegawai puskesmas",
        "exemption_public_interest": "Rekapitulasi tanpa nama dapat diumumkan.",
        "exemption_end_on": None}, actor=main, now=_at(start + timedelta(days=5)))
    obj = requests.file_objection(req, ["a", "d"], "Rekapitulasi per puskesmas tidak memuat "
                                  "data pribadi.", actor=main,
                                  now=_at(start + timedelta(days=12)))
    requests.decide_objection(obj, requests_rules.MENGUATKAN, "Daftar tenaga kesehatan memuat "
                              "data pribadi pegawai.", actor=atasan,
                              now=_at(start + timedelta(days=20)))

    def at(days):
        return start + timedelta(days=days)

    d = services.file_dispute(obj, filed_on=at(30), register_number=f"012/REG-PSI/{at(30).year}",
                              actor=main, now=_at(at(30)))
    services.record_step(d, STEP.MEDIASI, on=at(45), actor=main, now=_at(at(45)))
    services.record_step(d, STEP.MEDIASI_GAGAL, on=at(60), actor=main, now=_at(at(60)),
                         note="Para pihak tidak mencapai kesepakatan.")
    services.record_step(d, STEP.PUTUSAN, on=at(120), outcome=DisputeOutcome.DIKABULKAN_SEBAGIAN,
                         decision_number=f"012/PTS-KIP/{at(120).year}",
                         decision_received_on=at(123),
                         summary="Rekapitulasi jumlah tenaga kesehatan per puskesmas dan "
                                 "status kepegawaian dibuka tanpa nama perorangan.",
                         actor=main, now=_at(at(123)))
    services.file_court_case(d, level=rules.CourtLevel.PTUN, filed_by=rules.CourtParty.BADAN_PUBLIK,
                             filed_on=at(135), case_number=f"21/G/KI/{at(135).year}/PTUN.PTK",
                             actor=main, now=_at(at(135)))
    services.decide_court_case(d.court_cases[0], decided_on=at(220),
                               outcome=rules.CourtOutcome.DITOLAK, received_on=at(224),
                               summary="Gugatan badan publik ditolak; putusan Komisi Informasi "
                                       "dikuatkan.", actor=main, now=_at(at(224)))
    services.record_execution(d, carried_out_on=at(245), description=(
        "Rekapitulasi tenaga kesehatan per puskesmas diserahkan kepada pemohon melalui surel "
        "dan diumumkan di DIP Dinas Kesehatan."), actor=main, now=_at(at(245)))
    made += 1

    # 3. Last year: not answered, objection not answered either, a mediation agreement the
    #    body has yet to carry out.
    agency = agencies.get("bpkad") or dinkes
    start = today - timedelta(days=400)
    req = _request(agency, start, "Markus Aloysius", "6171021702910013",
                   "Daftar penerima hibah organisasi kemasyarakatan tahun 2025 beserta "
                   "nilainya.", "Pemantauan hibah daerah.", officer=main)
    lapsed = req.effective_due_on + timedelta(days=3)
    obj = requests.file_objection(req, ["c"], "Permohonan kami tidak ditanggapi sampai batas "
                                  "waktunya.", actor=main, now=_at(lapsed))
    filed = obj.due_on + timedelta(days=5)
    d = services.file_dispute(obj, filed_on=filed, actor=main, now=_at(filed))
    services.record_step(d, STEP.REGISTRASI, on=filed + timedelta(days=7),
                         register_number=f"031/REG-PSI/{filed.year}", actor=main,
                         now=_at(filed + timedelta(days=7)))
    services.record_step(d, STEP.MEDIASI, on=filed + timedelta(days=20), actor=main,
                         now=_at(filed + timedelta(days=20)))
    services.record_step(d, STEP.MEDIASI_BERHASIL, on=filed + timedelta(days=34),
                         summary="BPKAD menyerahkan daftar penerima hibah beserta nilainya "
                                 "dalam 10 hari kerja.", actor=main,
                         now=_at(filed + timedelta(days=34)))
    made += 1
    db.session.execute(sa.update(OutboxMail).where(OutboxMail.id > first_mail).values(
        is_abandoned=True, last_error="data demo: tidak dikirim"))
    db.session.flush()
    summary.append(f"sengketa demo: {made} (registrasi, mediasi, ajudikasi, PTUN, "
                   f"pelaksanaan)")
