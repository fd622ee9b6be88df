"""Demo data of proactive disclosure: the catalogue a-k and a realistic DIP for every demo
agency, with small real PDFs, published on dates that make every status appear.

Idempotent: catalogue entries are matched by code; an agency that already has DIP items or
exemptions gets none added.
"""
import hashlib
import io
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask import current_app
from werkzeug.datastructures import FileStorage

from ppid.agencies.models import KIND_UTAMA, Agency
from ppid.core.db import utcnow
from ppid.core.services import local_today, timezone as local_tz
from ppid.extensions import db
from ppid.registry import rules, services
from ppid.registry.models import DipItem, Exemption, Obligation

PERKI = "Perki No. 1 Tahun 2021 Pasal 11 ayat (1)"

# code, title, description, legal basis
CATALOGUE = [
    ("a", "Profil badan publik",
     "Alamat, tugas dan fungsi, struktur organisasi, gambaran umum setiap satuan kerja, "
     "profil singkat pejabat struktural, dan laporan harta kekayaan pejabat (LHKPN).",
     f"UU No. 14 Tahun 2008 Pasal 9 ayat (2) huruf a; {PERKI} huruf a"),
    ("b", "Ringkasan program dan kegiatan",
     "Untuk setiap program: nama, penanggung jawab dan kontak, target dan capaian, jadwal, "
     "anggaran (sumber dan jumlah), informasi penerimaan pegawai, dan hak masyarakat.",
     f"UU No. 14 Tahun 2008 Pasal 9 ayat (2) huruf b; {PERKI} huruf b"),
    ("c", "Ringkasan kinerja",
     "Uraian kegiatan yang telah dan sedang dijalankan beserta capaiannya, misalnya ringkasan "
     "Laporan Kinerja Instansi Pemerintah (LKjIP).",
     f"UU No. 14 Tahun 2008 Pasal 9 ayat (2) huruf b; {PERKI} huruf c"),
    ("d", "Ringkasan laporan keuangan",
     "Rencana dan realisasi anggaran, neraca, laporan arus kas, dan daftar aset.",
     f"UU No. 14 Tahun 2008 Pasal 9 ayat (2) huruf c; {PERKI} huruf d"),
    ("e", "Ringkasan laporan akses informasi publik",
     "Jumlah permohonan yang diterima, waktu pelayanan, jumlah permohonan yang dikabulkan "
     "dan ditolak, serta alasan penolakan.",
     f"UU No. 14 Tahun 2008 Pasal 9 ayat (2) huruf d; {PERKI} huruf e"),
    ("f", "Peraturan, keputusan dan kebijakan",
     "Peraturan dan kebijakan yang mengikat atau berdampak bagi publik: rancangan beserta "
     "tahapannya, dan yang telah ditetapkan.",
     f"UU No. 14 Tahun 2008 Pasal 9 ayat (2); {PERKI} huruf f"),
    ("g", "Hak dan tata cara memperoleh informasi",
     "Tata cara permohonan informasi, pengajuan keberatan dan sengketa, biaya, serta kontak "
     "PPID.", f"UU No. 14 Tahun 2008 Pasal 9 ayat (2); {PERKI} huruf g"),
    ("h", "Tata cara pengaduan penyalahgunaan wewenang",
     "Cara melaporkan penyalahgunaan wewenang atau pelanggaran oleh pejabat badan publik.",
     f"UU No. 14 Tahun 2008 Pasal 9 ayat (2); {PERKI} huruf h"),
    ("i", "Pengumuman pengadaan barang dan jasa",
     "Rencana umum pengadaan, pengumuman tender dan pemenangnya.",
     f"UU No. 14 Tahun 2008 Pasal 9 ayat (2); {PERKI} huruf i"),
    ("j", "Informasi ketenagakerjaan",
     "Informasi kepegawaian: formasi, penerimaan, dan rekapitulasi pegawai.",
     f"UU No. 14 Tahun 2008 Pasal 9 ayat (2); {PERKI} huruf j"),
    ("k", "Prosedur peringatan dini dan evakuasi keadaan darurat",
     "Prosedur peringatan dini dan evakuasi keadaan darurat di setiap kantor badan publik.",
     f"UU No. 14 Tahun 2008 Pasal 9 ayat (2); {PERKI} huruf k"),
]

# code -> (title pattern, summary pattern, holding unit, retention)
ITEM_TEXT = {
    "a": ("Profil {short} Tahun {year}",
          "Alamat, tugas pokok dan fungsi, struktur organisasi, profil pejabat struktural "
          "dan ringkasan LHKPN pejabat {name}.", "Subbagian Umum dan Kepegawaian", "Permanen"),
    "b": ("Ringkasan Program dan Kegiatan {short} Tahun Anggaran {year}",
          "Daftar program dan kegiatan {name}: penanggung jawab, target dan capaian, jadwal "
          "pelaksanaan, serta sumber dan jumlah anggaran.", "Subbagian Perencanaan", "5 tahun"),
    "c": ("Ringkasan Laporan Kinerja (LKjIP) {short} Tahun {prev}",
          "Ringkasan capaian indikator kinerja utama {name} tahun {prev} beserta analisis "
          "keberhasilan dan kendala.", "Subbagian Perencanaan dan Evaluasi", "5 tahun"),
    "d": ("Laporan Realisasi Anggaran {short} Semester {sem} Tahun {sem_year}",
          "Rencana dan realisasi pendapatan dan belanja, neraca, laporan arus kas dan daftar "
          "aset {name}.", "Subbagian Keuangan", "10 tahun"),
    "e": ("Laporan Layanan Informasi Publik {short} Tahun {prev}",
          "Jumlah permohonan informasi yang diterima {name}, waktu layanan, permohonan yang "
          "dikabulkan dan ditolak beserta alasannya.", "PPID {label}", "5 tahun"),
    "f": ("Daftar Peraturan dan Kebijakan {short} Tahun {year}",
          "Peraturan gubernur, keputusan kepala perangkat daerah dan rancangan kebijakan "
          "yang berkaitan dengan layanan {name}.", "Subbagian Hukum dan Tata Laksana",
          "Permanen"),
    "g": ("Maklumat dan Tata Cara Permohonan Informasi {short}",
          "Hak pemohon, tata cara permohonan informasi dan pengajuan keberatan, standar "
          "biaya, serta kontak PPID {name}.", "PPID {label}", "Selama berlaku"),
    "h": ("Tata Cara Pengaduan Penyalahgunaan Wewenang {short}",
          "Saluran pengaduan (LAPOR!, surel, kotak pengaduan) dan alur penanganan laporan "
          "pelanggaran oleh pegawai {name}.", "Sekretariat", "Selama berlaku"),
    "i": ("Rencana Umum Pengadaan dan Pengumuman Tender {short} Tahun {year}",
          "Rencana umum pengadaan barang/jasa, pengumuman tender dan penetapan pemenang "
          "{name} melalui SPSE.", "Pejabat Pengadaan", "5 tahun"),
    "j": ("Rekapitulasi Pegawai {short} Semester {sem} Tahun {sem_year}",
          "Jumlah pegawai menurut golongan, jabatan dan pendidikan, serta informasi formasi "
          "dan penerimaan pegawai {name}.", "Subbagian Umum dan Kepegawaian", "5 tahun"),
    "k": ("Prosedur Peringatan Dini dan Evakuasi Darurat Kantor {short}",
          "Jalur evakuasi, titik kumpul, petugas tanggap darurat dan nomor penting kantor "
          "{name}.", "Subbagian Umum", "Selama berlaku"),
}

SERTA_MERTA = {
    "bpbd": [("Peringatan Dini Banjir Kabupaten Sintang dan Sekadau",
              "Tinggi muka air Sungai Kapuas di atas siaga; warga di bantaran sungai diminta "
              "bersiap mengungsi ke titik kumpul yang ditetapkan.", 3.5, {
                  "sm_danger": "Banjir luapan Sungai Kapuas dan Sungai Melawi; genangan "
                               "diperkirakan 0,5 sampai 1,5 meter dalam 24 jam ke depan.",
                  "sm_affected": "Warga bantaran sungai di Kecamatan Sintang, Sepauk dan "
                                 "Sekadau Hilir, sekitar 4.200 kepala keluarga.",
                  "sm_actions": "Amankan dokumen dan barang berharga, matikan listrik saat air "
                                "masuk rumah, mengungsi ke SDN 03 Sintang atau GOR Sekadau.",
                  "sm_help": "Pusdalops BPBD 0565-21112 (24 jam), call center 112, posko di "
                             "kantor camat setempat.",
                  "sm_response": "BPBD menyiagakan 6 perahu karet, dapur umum dan tenda "
                                 "pengungsian; Dinas Sosial menyalurkan logistik."}),
             ("Status Siaga Darurat Kebakaran Hutan dan Lahan",
              "Penetapan status siaga darurat karhutla, titik panas terpantau dan imbauan "
              "kepada masyarakat untuk tidak membakar lahan.", 6.0, {
                  "sm_danger": "Kebakaran hutan dan lahan gambut; 84 titik panas terpantau "
                               "satelit dalam tiga hari terakhir.",
                  "sm_affected": "Kabupaten Ketapang, Kubu Raya dan Kota Pontianak, terutama "
                                 "permukiman di sekitar lahan gambut.",
                  "sm_actions": "Jangan membakar lahan atau sampah, laporkan api sedini "
                                "mungkin, gunakan masker bila berada di luar ruangan.",
                  "sm_help": "Posko Satgas Karhutla 0561-736541, call center 112.",
                  "sm_response": "Satgas gabungan memadamkan api darat dan udara; patroli "
                                 "pencegahan di desa rawan."})],
    "dinkes": [("Kewaspadaan Kasus Demam Berdarah Dengue",
                "Peningkatan kasus DBD di Kota Pontianak; imbauan 3M Plus dan lokasi fogging "
                "terjadwal.", 20.0, {
                    "sm_danger": "Kasus DBD naik dua kali lipat dibanding bulan lalu; dua kasus "
                                 "berat dirawat di rumah sakit.",
                    "sm_affected": "Warga Kota Pontianak, terutama anak-anak di Pontianak "
                                   "Barat dan Pontianak Utara.",
                    "sm_actions": "Lakukan 3M Plus, periksakan demam lebih dari dua hari ke "
                                  "puskesmas terdekat.",
                    "sm_help": "Puskesmas terdekat; layanan informasi Dinkes 0561-734117.",
                    "sm_response": "Pengasapan terjadwal, pembagian larvasida dan pemantauan "
                                   "jentik oleh kader."})],
    "dlhk": [("Kualitas Udara Tidak Sehat Akibat Kabut Asap",
              "Indeks Standar Pencemar Udara di Pontianak mencapai kategori tidak sehat; "
              "masyarakat diminta mengurangi kegiatan di luar ruangan.", 2.0, {
                  "sm_danger": "ISPU PM2,5 mencapai 180 (tidak sehat) akibat kabut asap.",
                  "sm_affected": "Kota Pontianak dan Kabupaten Kubu Raya; kelompok rentan: "
                                 "anak, lansia, ibu hamil dan penderita penyakit paru.",
                  "sm_actions": "Kurangi kegiatan di luar ruangan, gunakan masker, tutup "
                                "jendela rumah.",
                  "sm_help": "Posko kesehatan di puskesmas; informasi ISPU di laman DLHK.",
                  "sm_response": "Pemantauan ISPU tiap jam dan koordinasi pemadaman dengan "
                                 "Satgas Karhutla."})],
}

NIL_CASES = {("penghubung", "i"), ("brida", "i"), ("satpolpp", "i")}


def raw_pdf(objects, *, root=1, version=b"1.4"):
    """A PDF of ``objects`` (bodies of objects 1..n, bytes) with a classic xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, root, xref))
    return out.getvalue()


def _pdf_bytes(lines):
    """A minimal valid one-page PDF (Helvetica) with real, extractable text."""
    def esc(s):
        return (s.encode("cp1252", "replace").decode("cp1252")
                .replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)"))
    ops = ["BT", "/F1 11 Tf", "14 TL", "56 790 Td"]
    for i, line in enumerate(lines):
        if i == 0:
            ops += ["/F1 14 Tf", f"({esc(line)}) Tj", "T*", "/F1 11 Tf"]
        else:
            ops += [f"({esc(line)}) Tj", "T*"]
    ops.append("ET")
    stream = "\n".join(ops).encode("cp1252", "replace")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
            b"/Encoding /WinAnsiEncoding >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    return raw_pdf(objs)


def _wrap(text, width=90):
    words, lines, cur = text.split(), [], ""
    for w in words:
        if len(cur) + len(w) + 1 > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    if cur:
        lines.append(cur)
    return lines


def _moment(day, hour=9):
    return datetime.combine(day, time(hour, 0), tzinfo=local_tz())


def _scenario(slug, code):
    """Deterministic spread: ~50% current, ~12% due soon, ~20% overdue, ~15% missing."""
    if (slug, code) in NIL_CASES:
        return "nihil"
    h = int(hashlib.sha256(f"{slug}:{code}".encode()).hexdigest()[:8], 16) % 100
    if h < 50:
        return "terkini"
    if h < 62:
        return "segera"
    if h < 83:
        return "terlambat"
    return "belum_ada"


def seed_catalogue():
    existing = {o.code for o in db.session.execute(sa.select(Obligation)).scalars()}
    added = 0
    for code, title, description, basis in CATALOGUE:
        if code in existing:
            continue
        services.save_obligation(None, {
            "code": code, "title": title, "description": description, "legal_basis": basis,
            "category": "berkala", "period_months": 6, "applies_to": "semua",
            "is_active": True}, actor=None)
        added += 1
    return added


def _label():
    """The region's word for a helper PPID (HELPER_LABEL: "Pembantu" or "Pelaksana")."""
    return current_app.config["HELPER_LABEL"]


def _ppid_of(agency):
    return "PPID Utama" if agency.kind == KIND_UTAMA else f"PPID {_label()}"


def _document(agency, title, summary, day):
    lines = [title, agency.name, f"Pemerintah Provinsi Kalimantan Barat - {day:%d-%m-%Y}", ""]
    lines += _wrap(summary)
    lines += ["", f"Dokumen ini diterbitkan oleh {_ppid_of(agency)} sebagai informasi publik",
              "berdasarkan UU No. 14 Tahun 2008 tentang Keterbukaan Informasi Publik."]
    return _pdf_bytes(lines)


def _publish_item(agency, ob, title, summary, unit, retention, day, *, category="berkala",
                  extra_versions=(), event_at=None, extra=None):
    """Create, document and publish an item as of ``day`` (and later versions)."""
    now = _moment(day)
    item = services.create_item(agency, {
        "title": title, "summary": summary, "holding_unit": unit,
        "responsible": f"Sekretaris {agency.short_name or agency.name}",
        "made_at_place": "Pontianak", "made_on": day - timedelta(days=7),
        "form": "cetak_elektronik", "retention": retention, "category": category,
        "obligation_id": ob.id if ob else None, "event_at": event_at, **(extra or {})},
        actor=None, now=now)
    slug_title = "".join(c if c.isalnum() else "-" for c in title.lower())[:90].strip("-")
    data = _document(agency, title, summary, day)
    services.add_version(item, FileStorage(io.BytesIO(data), filename=f"{slug_title}.pdf",
                                           content_type="application/pdf"),
                         "Versi pertama", actor=None, now=now)
    services.publish_item(item, actor=None, now=now)
    for n, later in enumerate(extra_versions, 2):
        data = _document(agency, f"{title} (pemutakhiran)", summary, later)
        services.add_version(item, FileStorage(io.BytesIO(data),
                                               filename=f"{slug_title}-v{n}.pdf"),
                             f"Pemutakhiran {later:%B %Y}", actor=None, now=_moment(later))
    return item


def _seed_agency(agency, obligations, today):
    counts = {"items": 0, "nil": 0}
    year = today.year
    short = agency.short_name or agency.name
    for ob in obligations:
        text = ITEM_TEXT.get(ob.code)
        if text is None:
            continue
        scenario = _scenario(agency.slug, ob.code)
        if scenario == "belum_ada":
            continue
        if scenario == "nihil":
            declared = today - timedelta(days=20)  # for the semester it was declared in
            services.declare_nil(agency, ob, declared.year, rules.semester_of(declared),
                                 "Tidak ada kegiatan pengadaan barang/jasa yang diumumkan "
                                 "pada periode ini.", actor=None, now=_moment(declared))
            counts["nil"] += 1
            continue
        h = int(hashlib.sha256(f"{agency.slug}{ob.code}d".encode()).hexdigest()[:6], 16)
        period_ago = today - relativedelta(months=ob.period_months)
        if scenario == "terkini":
            day = today - timedelta(days=20 + h % 110)
        elif scenario == "segera":
            day = period_ago + timedelta(days=4 + h % 20)
        else:
            day = period_ago - timedelta(days=15 + h % 300)
        title_p, summary_p, unit, retention = text
        extra = ()
        if scenario == "terkini" and h % 3 == 0:
            # An older first edition and a newer one: the public sees the history.
            extra = (day,)
            day = day - relativedelta(months=ob.period_months)
        # A semester's report covers the last semester that ended before it was published.
        sem_year, sem = (day.year - 1, "II") if day.month <= 6 else (day.year, "I")
        fmt = {"short": short, "name": agency.name, "year": day.year, "prev": day.year - 1,
               "sem": sem, "sem_year": sem_year}
        unit = unit.format(label=_label())
        _publish_item(agency, ob, title_p.format(**fmt), summary_p.format(**fmt), unit,
                      retention, day, extra_versions=extra)
        counts["items"] += 1
    for title, summary, hours, parts in SERTA_MERTA.get(agency.slug, []):
        day = today - timedelta(days=10 + int(hours))
        # Published at 09:00 on ``day``, ``hours`` after the event.
        _publish_item(agency, None, title, summary, "Bidang Kedaruratan dan Logistik",
                      "2 tahun", day, category="serta_merta",
                      event_at=_moment(day) - timedelta(hours=hours), extra=parts)
        counts["items"] += 1
    return counts


EXEMPTIONS = {
    "dinkes": [{
        "information": "Rekam medis dan data kesehatan pribadi pasien",
        "document": "Berkas rekam medis pasien rumah sakit daerah dan puskesmas",
        "pasal17_letters": "h", "other_statute": "UU No. 17 Tahun 2023 tentang Kesehatan",
        "consequence": "Membuka rekam medis mengungkap rahasia pribadi pasien dan dapat "
                       "menimbulkan stigma serta diskriminasi.",
        "public_interest": "Kepentingan publik terpenuhi melalui data agregat yang tidak "
                           "menyebut identitas pasien.",
        "decided_by": "PPID {label} Dinas Kesehatan", "decree_number": "440/112/DINKES-2024",
        # letter h: a personal secret is exempt for the owner's life (open-ended)
        "years": 2, "end_years": None,
        "approver": ("dr. Erna Yulianti, M.Kes.", "Kepala Dinas Kesehatan")}],
    "biro-pbj": [{
        "information": "Dokumen penawaran peserta tender sebelum penetapan pemenang",
        "document": "Dokumen penawaran peserta tender pengadaan barang/jasa",
        "pasal17_letters": "b", "other_statute": "",
        "consequence": "Membuka penawaran sebelum penetapan pemenang merusak persaingan usaha "
                       "yang sehat antarpeserta tender.",
        "public_interest": "Penawaran dibuka setelah pemenang ditetapkan; pengumuman hasil "
                           "tender tetap terbuka.",
        "decided_by": "PPID Utama Provinsi Kalimantan Barat",
        "decree_number": "027/45/BIRO-PBJ-2023", "years": 3, "end_years": -1,
        "approver": ("H. Ria Norsan", "Gubernur Kalimantan Barat")}],
    "kesbangpol": [{
        "information": "Data hasil deteksi dini potensi konflik sosial",
        "document": "Laporan intelijen deteksi dini Badan Kesbangpol",
        "pasal17_letters": "a,c", "other_statute": "",
        "consequence": "Membuka data deteksi dini dapat membahayakan upaya pencegahan konflik "
                       "dan keselamatan sumber informasi.",
        "public_interest": "Ringkasan kondisi keamanan umum diumumkan secara berkala.",
        "decided_by": "PPID {label} Badan Kesbangpol", "decree_number": "300/78/KBP-2025",
        "years": 1, "end_years": 4,
        "approver": ("H. Ria Norsan", "Gubernur Kalimantan Barat"),
        # published by mistake before the consequence test: the entry closes it again
        "item": ("Laporan deteksi dini potensi konflik sosial triwulan I",
                 "Hasil pemantauan potensi konflik sosial per kecamatan.", "Bidang Kewaspadaan",
                 "5 tahun")}],
}


def seed_registry(summary):
    today = local_today(utcnow())
    added = seed_catalogue()
    db.session.flush()
    obligations = services.active_obligations()
    agencies = db.session.execute(sa.select(Agency).order_by(Agency.id)).scalars().all()
    has_items = {a for (a,) in db.session.execute(sa.select(DipItem.agency_id).distinct())}
    has_ex = {a for (a,) in db.session.execute(sa.select(Exemption.agency_id).distinct())}
    n_items = n_nil = n_ex = 0
    for agency in agencies:
        if agency.id not in has_items:
            counts = _seed_agency(agency, obligations, today)
            n_items += counts["items"]
            n_nil += counts["nil"]
        if agency.id not in has_ex:
            for spec in EXEMPTIONS.get(agency.slug, []):
                decree_on = date(today.year - spec["years"], 3, 14)
                data = {k: v for k, v in spec.items() if k in services.EXEMPTION_FIELDS}
                data["decided_by"] = data["decided_by"].format(label=_label())
                data["decree_on"] = decree_on
                data["tested_on"] = decree_on - timedelta(days=10)
                ends = spec["end_years"]
                data["end_on"] = (None if ends is None else
                                  today + relativedelta(years=ends) if ends > 0
                                  else today - timedelta(days=40))
                if "item" in spec:
                    data["item_id"] = _publish_item(agency, None, *spec["item"],
                                                    decree_on - timedelta(days=20),
                                                    category="setiap_saat").id
                entry = services.save_exemption(agency, None, data, actor=None,
                                                now=_moment(decree_on - timedelta(days=10)))
                name, position = spec["approver"]
                services.approve_exemption(entry, {
                    "approved_by_name": name, "approved_by_position": position,
                    "approved_on": decree_on}, actor=None, now=_moment(decree_on))
                n_ex += 1
    db.session.flush()
    summary.append(f"registri DIP: {added} kewajiban katalog baru, {n_items} informasi, "
                   f"{n_nil} pernyataan nihil, {n_ex} informasi dikecualikan")
