"""Demo requests: every state and outcome across several agencies, some late, one extended,
objections decided and one taken to the Komisi Informasi. Idempotent: runs only when the
registry has no request yet."""
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from ppid.accounts.services import find_user_by_email
from ppid.agencies.models import Agency
from ppid.core.models import OutboxMail
from ppid.core.services import local_today, timezone
from ppid.extensions import db
from ppid.info_requests import rules, services
from ppid.info_requests.models import InfoRequest
from ppid.registry.models import Exemption

WARGA = "warga@demo.ppid.id"

# (key, agency slug, days ago received, requester, information, purpose, owned by warga)
SCENARIOS = [
    ("baru", "dinkes", 1, ("Ahmad Fauzi", "6171010203850001", "Wiraswasta"),
     "Data jumlah kasus demam berdarah dengue (DBD) per kabupaten/kota di Kalimantan Barat "
     "tahun 2025 dan anggaran penanggulangannya.", "Bahan tulisan di media komunitas.", True),
    ("proses", "dinkes", 6, ("Sri Wahyuni", "6171025507900002", "Mahasiswa"),
     "Salinan rencana strategis Dinas Kesehatan 2025-2029 beserta indikator kinerjanya.",
     "Bahan skripsi tentang perencanaan kesehatan daerah.", False),
    ("inbox", "diskominfo", 2, ("Yohanes Eko Prasetyo", "6172011108880003", "Jurnalis"),
     "Daftar proyek pembangunan jalan provinsi tahun anggaran 2026 beserta nilai kontraknya.",
     "Liputan jurnalistik tentang infrastruktur.", False),
    ("terus", "diskominfo", 9, ("Nurhayati", "6104034406920004", "Guru"),
     "Jumlah guru honorer SMA/SMK negeri per kabupaten dan besaran insentifnya tahun 2026.",
     "Advokasi kesejahteraan guru honorer.", False),
    ("panjang", "dinkes", 12, ("Hendrikus Bong", "6171050909870005", "Peneliti LSM"),
     "Laporan realisasi dana Bantuan Operasional Kesehatan (BOK) per puskesmas tahun 2025.",
     "Kajian akuntabilitas anggaran kesehatan.", False),
    ("telat", "disdikbud", 35, ("Rahmat Hidayat", "6171061212800006", "Orang tua murid"),
     "Petunjuk teknis dan daftar penerima beasiswa daerah jenjang SMA tahun 2026.",
     "Memastikan anak kami memenuhi syarat beasiswa.", False),
    ("kabul", "dinkes", 45, ("Ahmad Fauzi", "6171010203850001", "Wiraswasta"),
     "Daftar puskesmas yang melayani rawat inap beserta jumlah tempat tidurnya.",
     "Informasi bagi warga di lingkungan RT kami.", True),
    ("sebagian", "bpbd", 50, ("Theresia Lim", "6171074301950007", "Relawan kebencanaan"),
     "Dokumen kajian risiko bencana banjir Kota Pontianak dan daftar lokasi pengungsian.",
     "Penyusunan rencana kontinjensi tingkat kelurahan.", False),
    ("tolak_sengketa", "dinkes", 70, ("Ahmad Fauzi", "6171010203850001", "Wiraswasta"),
     "Rekam medis dan identitas pasien yang dirujuk dari RSUD ke rumah sakit swasta.",
     "Penelitian pola rujukan pasien.", True),
    ("tidak_dikuasai", "bappeda", 40, ("Muhammad Iqbal", "6171081505930008", "Konsultan"),
     "Data kepemilikan lahan perkebunan sawit per perusahaan di Kabupaten Ketapang.",
     "Kajian tata ruang.", False),
    ("belum", "dpupr", 40, ("Agustina Sari", "6171096608970009", "Arsitek"),
     "Peta digital rencana detail tata ruang kawasan tepi Sungai Kapuas.",
     "Perancangan kawasan wisata tepian.", False),
    ("tarik", "dishub", 20, ("Budi Gunawan", "6171101010820010", "Sopir angkutan"),
     "Jadwal dan tarif resmi angkutan sungai Pontianak-Kapuas Hulu.",
     "Keperluan usaha angkutan.", False),
    ("tolak_buka", "bpkad", 80, ("Fransiska Natalia", "6171114812890011", "Aktivis antikorupsi"),
     "Rincian belanja hibah dan bantuan sosial per penerima tahun 2025.",
     "Pemantauan penggunaan anggaran daerah.", False),
    ("keberatan_baru", "dinkes", 30, ("Ahmad Fauzi", "6171010203850001", "Wiraswasta"),
     "Hasil audit internal pengadaan alat kesehatan tahun 2025.",
     "Pengawasan pengadaan oleh masyarakat.", True),
]


# The previous year's requests, all settled, so that its annual report, the registers and
# the compliance history have a year of content on first run: (scenario of _play, agency,
# month, day, subject with {y} for the year).
PREVIOUS_YEAR = [
    ("kabul", "dinkes", 1, 14, "Jumlah tenaga kesehatan per puskesmas tahun {y}."),
    ("tidak_dikuasai", "disdikbud", 2, 3, "Data lulusan perguruan tinggi swasta tahun {y}."),
    ("kabul", "diskominfo", 2, 24, "Daftar menara telekomunikasi berizin tahun {y}."),
    ("belum", "bappeda", 3, 17, "Dokumen kajian lingkungan hidup strategis RPJMD."),
    ("kabul", "dpupr", 4, 8, "Daftar paket pekerjaan jalan dan jembatan tahun {y}."),
    ("tarik", "dishub", 4, 29, "Data kecelakaan angkutan sungai tahun {y}."),
    ("kabul", "disdikbud", 5, 20, "Jumlah sekolah inklusi jenjang SMA tahun {y}."),
    ("tolak_buka", "bpkad", 6, 10, "Rincian belanja perjalanan dinas pimpinan tahun {y}."),
    ("kabul", "bpbd", 7, 15, "Rekapitulasi kejadian bencana per kabupaten tahun {y}."),
    ("kabul", "dinkes", 8, 5, "Cakupan imunisasi dasar lengkap per kabupaten tahun {y}."),
    ("belum", "dlhk", 8, 26, "Peta kawasan rawan kebakaran hutan dan lahan tahun {y}."),
    ("kabul", "diskominfo", 9, 16, "Anggaran dan realisasi program kota cerdas tahun {y}."),
    ("tidak_dikuasai", "dinkes", 10, 7, "Data izin praktik dokter hewan tahun {y}."),
    ("kabul", "disdikbud", 10, 28, "Daftar penerima bantuan seragam sekolah tahun {y}."),
    ("kabul", "bappeda", 11, 18, "Hasil musrenbang provinsi tahun {y}."),
    ("kabul", "dinkes", 12, 9, "Jumlah kasus tuberkulosis per kabupaten tahun {y}."),
]


def _previous_year(helper, disdik, main, atasan, agencies, today):
    """The previous year's requests (PREVIOUS_YEAR), by the people of SCENARIOS."""
    year = today.year - 1
    people = [p for _k, _s, _d, p, _i, _pu, owned in SCENARIOS if not owned]
    made = 0
    for i, (key, slug, month, day, info) in enumerate(PREVIOUS_YEAR):
        agency = agencies.get(slug)
        if agency is None:
            continue
        name, nik, job = people[i % len(people)]
        received = date(year, month, day)
        officer = helper if slug == "dinkes" else (disdik if slug == "disdikbud" else main)
        data = {"name": name, "identity_type": "nik", "identity_number": nik,
                "address": f"Jl. Tanjungpura No. {40 + i}, Pontianak",
                "phone": "0813" + nik[-8:], "email": f"{nik[-4:]}.{i}@contoh.id",
                "occupation": job, "proxy_name": None, "information": info.format(y=year),
                "purpose": "Bahan kajian dan pemantauan layanan publik.",
                "obtain_method": "salinan", "copy_form": "softcopy", "delivery": "email",
                "agency": agency}
        channel = "online" if i % 3 else "langsung"
        req, _token = services.submit_request(data, actor=None if channel == "online"
                                              else officer, now=_at(received),
                                              channel=channel)
        services.review_subject(req, rules.SubjectReview.TAMPILKAN, actor=officer,
                                now=_at(received, 15))
        _play(key, req, officer, main, atasan, None, agencies, received)
        made += 1
    return made


def _at(day, hour=9):
    return datetime.combine(day, time(hour, 0), tzinfo=timezone())


def _slugs():
    return {a.slug: a for a in db.session.execute(sa.select(Agency)).scalars()}


def _demo_pdf(name, text):
    """A small real PDF, checked as an upload is."""
    import io

    from werkzeug.datastructures import FileStorage

    from ppid.core.uploads import check_upload
    from ppid.registry.demo import _pdf_bytes
    return check_upload(FileStorage(io.BytesIO(_pdf_bytes([text])), filename=name,
                                    content_type="application/pdf"))


def seed_requests(summary):
    if db.session.execute(sa.select(InfoRequest.id).limit(1)).first() is not None:
        summary.append("permohonan demo: sudah ada, tidak ditambah")
        return
    agencies = _slugs()
    if "dinkes" not in agencies or "diskominfo" not in agencies:
        return
    warga = find_user_by_email(WARGA)
    helper = find_user_by_email("dinkes@demo.ppid.id")
    disdik = find_user_by_email("disdik@demo.ppid.id") or helper
    main = find_user_by_email("utama@demo.ppid.id") or helper
    atasan = find_user_by_email("atasan.dinkes@demo.ppid.id") or main
    first_mail = db.session.execute(sa.select(sa.func.max(OutboxMail.id))).scalar() or 0
    today = local_today()
    made = 0
    for key, slug, days_ago, (name, nik, job), info, purpose, owned in SCENARIOS:
        agency = agencies.get(slug)
        if agency is None:
            continue
        received = today - timedelta(days=days_ago)
        officer = helper if slug == "dinkes" else (disdik if slug == "disdikbud" else main)
        citizen = warga if owned and warga is not None else None
        data = {"name": name, "identity_type": "nik", "identity_number": nik,
                "address": f"Jl. Gajah Mada No. {10 + made}, Pontianak", "phone": "0812" +
                nik[-8:], "email": None if citizen else f"{nik[-4:]}@contoh.id",
                "occupation": job, "proxy_name": None, "information": info,
                "purpose": purpose, "obtain_method": "salinan", "copy_form": "softcopy",
                "delivery": "email", "agency": agency}
        channel = "online" if made % 3 else "langsung"
        req, _token = services.submit_request(
            data, actor=citizen if channel == "online" else officer, now=_at(received),
            channel=channel, requester_user=citizen)
        if key != "baru":  # the newest one waits for its review, as new requests do
            # An officer looked at the subject on the day it came in: the public register
            # shows it (REQUEST_SUBJECT_HOLD holds it until then).
            services.review_subject(req, rules.SubjectReview.TAMPILKAN,
                                    actor=officer, now=_at(received, 15))
        _play(key, req, officer, main, atasan, citizen, agencies, received)
        made += 1
    made += _previous_year(helper, disdik, main, atasan, agencies, today)
    made += _periodic_objection(agencies, warga, atasan, today)
    # Demo addresses are not real: keep their mail out of the SMTP queue.
    db.session.execute(sa.update(OutboxMail).where(OutboxMail.id > first_mail).values(
        is_abandoned=True, last_error="data demo: tidak dikirim"))
    db.session.flush()
    summary.append(f"permohonan demo: {made} (semua status dan keputusan, termasuk keberatan "
                   f"dan sengketa)")


def _periodic_objection(agencies, citizen, atasan, today):
    """An objection on ground b with no request (UU KIP Pasal 35(1) huruf b): the demo
    citizen objects that Dinas Kesehatan let a periodic obligation go overdue, on the first
    one whose window is open in the demo registry; the atasan orders it published."""
    agency = agencies.get("dinkes")
    if agency is None or citizen is None:
        return 0
    now = _at(today, 10)
    open_ = [w for w in services.periodic_windows(agency, now=now) if w.window.is_open]
    open_.sort(key=lambda w: w.history.never_published)  # one with a history, if any
    if not open_:
        return 0
    ob = open_[0].obligation
    obj, _token = services.file_periodic_objection(
        agency, [ob.id], f"{ob.title} tidak diperbarui di DIP sejak jatuh temponya.",
        identity={"requester_name": citizen.name, "identity_type": "nik",
                  "identity_number": "6171015508900004",
                  "address": "Jl. Gajah Mada No. 40, Pontianak", "email": citizen.email,
                  "occupation": "Wiraswasta"},
        actor=citizen, now=now, purpose="Memantau program kesehatan daerah.",
        requester_user=citizen)
    services.decide_objection(obj, rules.MENGUMUMKAN, f"{ob.title} adalah informasi berkala "
                              f"yang wajib diumumkan paling singkat enam bulan sekali (UU KIP "
                              f"Pasal 9).", actor=atasan, now=_at(today, 14))
    return 1


def _play(key, req, officer, main, atasan, citizen, agencies, received):
    grant = {"response_note": "Salinan dokumen dalam format PDF.", "info_form": "softcopy",
             "cost_per_page": 0, "pages": 12, "delivery_cost": 0,
             "available_on": received + timedelta(days=10)}
    # The DIK entry a refusal rests on: the agency's own in force, else one made by the
    # decision (decreed by its SK penolakan).
    entry = db.session.execute(sa.select(Exemption).where(
        Exemption.agency_id == req.agency_id,
        sa.or_(Exemption.end_on.is_(None), Exemption.end_on > received))
        .order_by(Exemption.id)).scalars().first()
    dik = {"exemption_id": entry.id} if entry is not None else {
        "exemption_information": req.information[:200],
        "exemption_document": "Berkas permohonan dan dokumen sumber informasi",
        "exemption_public_interest": "Kepentingan publik terpenuhi melalui rekapitulasi yang "
                                     "tidak memuat data yang dikecualikan.",
        "exemption_end_on": received + timedelta(days=5 * 365)}
    if key == "proses":
        services.process_request(req, actor=officer, now=_at(received + timedelta(days=1)))
        services.assign_request(req, officer, actor=officer,
                                now=_at(received + timedelta(days=1), 10))
    elif key == "terus":
        services.forward_request(req, agencies["disdikbud"], actor=main,
                                 now=_at(received + timedelta(days=1)),
                                 note="Informasi dikuasai Dinas Pendidikan dan Kebudayaan.")
    elif key == "panjang":
        services.process_request(req, actor=officer, now=_at(received + timedelta(days=1)))
        services.extend_request(req, None, "Data realisasi dari 243 puskesmas masih dihimpun "
                                "dan diverifikasi.", actor=officer,
                                now=_at(received + timedelta(days=7)))
    elif key == "telat":
        services.process_request(req, actor=officer, now=_at(received + timedelta(days=3)))
    elif key == "kabul":
        services.process_request(req, actor=officer, now=_at(received + timedelta(days=1)))
        services.close_request(req, rules.DIKABULKAN, grant, actor=officer,
                               now=_at(received + timedelta(days=6)))
        # Handed over in time; the partial grant below is not yet: a late delivery.
        services.record_delivery(req, received + timedelta(days=8), "email",
                                 "Salinan dikirim ke alamat e-mail pemohon.", actor=officer,
                                 now=_at(received + timedelta(days=8), 14))
    elif key == "sebagian":
        services.close_request(req, rules.DIKABULKAN_SEBAGIAN, {
            **grant, "cost_per_page": 500, "pages": 40, "delivery_cost": 15000,
            "info_form": "hardcopy", "exemption_letters": ["c"], "payment_method": "tunai",
            "other_costs": 5000, **dik, "exemption_decree_number": "360/21/BPBD-2026",
            "exemption_decree_on": received - timedelta(days=30),
            "redacted_parts": "Koordinat gudang logistik dan rute distribusi darurat.",
            "redaction_reason": "Dapat membahayakan keamanan logistik saat bencana.",
            "exemption_consequence": "Gudang dan rute yang diketahui umum dapat dijarah atau "
                                     "disabotase ketika bencana terjadi."},
            actor=main, now=_at(received + timedelta(days=8)))
        # Not handed over by the promised day: the requester's proxy objects by post on
        # ground g (its own window, from that day); the atasan orders delivery, and the
        # order lapses without being carried out (an alert, counted late).
        promised = received + timedelta(days=10)
        obj = services.file_objection(
            req, ["g"], "Salinan kajian risiko yang dijanjikan belum juga diterima.",
            actor=main, now=_at(promised + timedelta(days=8)), channel=rules.Channel.POS,
            received_at=_at(promised + timedelta(days=7)),
            purpose="Penyusunan rencana kontinjensi relawan.",
            proxy={"proxy_name": "Yohanes Kuasa", "proxy_identity_number": "6171070907880004",
                   "proxy_address": "Jl. Imam Bonjol No. 3, Pontianak",
                   "proxy_occupation": "Koordinator relawan", "proxy_phone": "081352220004"},
            proxy_upload=_demo_pdf("surat-kuasa.pdf", "Surat kuasa khusus pengajuan keberatan"))
        services.decide_objection(obj, rules.MENYERAHKAN, "Informasi telah dinyatakan dapat "
                                  "diberikan sebagian; penyerahannya tidak boleh ditunda.",
                                  actor=main, now=_at(promised + timedelta(days=12)))
    elif key in ("tolak_sengketa", "tolak_buka", "keberatan_baru"):
        services.close_request(req, rules.DITOLAK, {
            "exemption_letters": ["h"] if key != "tolak_buka" else ["i"],
            "exemption_consequence": "Membuka informasi ini dapat mengungkap rahasia pribadi "
                                     "dan riwayat kesehatan seseorang." if key != "tolak_buka"
            else "Dokumen berupa memorandum internal yang masih dalam pembahasan.",
            "other_statute": "UU No. 17 Tahun 2023 tentang Kesehatan Pasal 4"
            if key != "tolak_buka" else "", **dik}, actor=officer,
            now=_at(received + timedelta(days=5)))
        filed = received + timedelta(days=12)
        obj = services.file_objection(req, ["a"] if key != "tolak_buka" else ["a", "d"],
                                      "Saya menilai informasi ini dapat dibuka dengan "
                                      "menghitamkan data pribadi.", actor=citizen,
                                      now=_at(filed))
        if key == "tolak_sengketa":
            services.decide_objection(obj, rules.MENGUATKAN, "Informasi memuat data kesehatan "
                                      "pribadi yang dilindungi; penghitaman tidak menghilangkan "
                                      "risiko identifikasi.", actor=atasan,
                                      now=_at(filed + timedelta(days=20)))
            # its dispute at the Komisi Informasi: ppid.disputes.demo
        elif key == "tolak_buka":
            services.decide_objection(obj, rules.MEMBUKA_SEBAGIAN, "Rekapitulasi per penerima "
                                      "lembaga dapat dibuka; data penerima perorangan "
                                      "dihitamkan.", actor=main,
                                      now=_at(filed + timedelta(days=25)))
            # carried out by the PPID within its deadline: the release attached
            services.carry_out_order(obj, rules.OrderExecution.RILIS,
                                     filed + timedelta(days=31), "Rekapitulasi hibah per "
                                     "penerima lembaga diserahkan; data perorangan dihitamkan.",
                                     actor=officer, now=_at(filed + timedelta(days=31), 11),
                                     release=_demo_pdf("rekap-hibah.pdf",
                                                       "Rekapitulasi hibah per lembaga"))
    elif key == "tidak_dikuasai":
        services.close_request(req, rules.TIDAK_DIKUASAI, {
            "holding_body": "Dinas Perkebunan dan Peternakan serta Kantor Wilayah BPN "
                            "Kalimantan Barat"}, actor=main, now=_at(received + timedelta(days=4)))
    elif key == "belum":
        services.process_request(req, actor=main, now=_at(received + timedelta(days=2)))
        # Closed late on purpose: the register shows it as late.
        services.close_request(req, rules.BELUM_DIDOKUMENTASIKAN, {
            "documented_on": received + timedelta(days=90)}, actor=main,
            now=_at(received + timedelta(days=25)))
    elif key == "tarik":
        services.withdraw_request(req, actor=main, now=_at(received + timedelta(days=2)),
                                  note="Pemohon menarik permohonan melalui telepon.")
