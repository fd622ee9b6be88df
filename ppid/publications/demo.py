"""Demo publications: two agencies' humas through the desk, in every state (published with
photos and tags, submitted, scheduled, returned with comments, a draft), so that `make
run` shows the news pages, the home page's list and the desk's queue.

Idempotent: nothing is added when any publication exists.
"""
import io
from datetime import timedelta

import sqlalchemy as sa
from PIL import Image, ImageDraw
from werkzeug.datastructures import FileStorage

from ppid.accounts.services import find_user_by_email
from ppid.agencies.models import Agency
from ppid.core.db import utcnow
from ppid.extensions import db
from ppid.publications import services
from ppid.publications.models import Publication


def _photo(colour, label):
    img = Image.new("RGB", (1200, 800), colour)
    draw = ImageDraw.Draw(img)
    for i in range(0, 1200, 60):
        draw.line([(i, 800), (i + 400, 0)], fill=tuple(min(255, c + 25) for c in colour),
                  width=12)
    draw.rectangle([60, 640, 1140, 740], fill=(255, 255, 255))
    draw.text((90, 670), label, fill=(20, 20, 20))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return FileStorage(io.BytesIO(out.getvalue()), filename="foto-kegiatan.jpg",
                       content_type="image/jpeg")


# slug, humas e-mail, [(title, summary, body, tags, days ago, what happens, photo)]
STORIES = [
    ("dinkes", "humas.dinkes@demo.ppid.id", [
        ("Imunisasi HPV untuk 120.000 siswi kelas 5 dan 6 SD",
         "Dinas Kesehatan memulai imunisasi HPV gratis di sekolah dasar di 14 kabupaten/kota.",
         "Imunisasi HPV mencegah **kanker leher rahim**. Petugas puskesmas datang ke sekolah "
         "sesuai jadwal.\n\n## Yang perlu disiapkan orang tua\n\n- Kartu identitas anak\n"
         "- Surat persetujuan yang dibagikan sekolah\n\nInformasi lengkap: "
         "[jadwal per kabupaten](https://dinkes.kalbarprov.go.id/imunisasi).",
         "kesehatan, imunisasi, sekolah", 12, "published", ((46, 110, 160), "Imunisasi HPV")),
        ("Posko kesehatan arus mudik di tiga pelabuhan",
         "Tiga posko kesehatan buka 24 jam di Pelabuhan Dwikora, Kendawangan dan Teluk Batang.",
         "Posko melayani pemeriksaan tekanan darah, obat-obatan dasar dan rujukan gawat "
         "darurat.\n\n> Pemudik yang merasa kurang sehat diminta singgah di posko.",
         "kesehatan, mudik", 4, "published", ((170, 80, 60), "Posko mudik")),
        ("Pencanangan Bulan Gizi Anak",
         "Bulan Gizi Anak dicanangkan bersama posyandu se-Kalimantan Barat.",
         "Kegiatan meliputi penimbangan, pemberian vitamin A dan penyuluhan gizi seimbang.",
         "gizi, posyandu", 0, "scheduled", None),
        ("Hasil pemantauan kualitas air minum isi ulang",
         "Ringkasan uji laboratorium depot air minum isi ulang semester II.",
         "Sebanyak 212 depot diperiksa; 9 depot diminta memperbaiki proses sterilisasi.",
         "air minum, pengawasan", 0, "submitted", None),
    ]),
    ("disdikbud", "humas.disdik@demo.ppid.id", [
        ("Pendaftaran beasiswa afirmasi pendidikan menengah dibuka",
         "Siswa SMA/SMK dari keluarga kurang mampu dapat mendaftar hingga akhir bulan.",
         "Pendaftaran dilakukan melalui sekolah masing-masing. Syarat:\n\n"
         "1. Terdaftar di data terpadu kesejahteraan sosial\n2. Nilai rapor rata-rata 75\n\n"
         "Pertanyaan: [ppid.disdikbud@kalbarprov.go.id](mailto:ppid.disdikbud@kalbarprov.go.id)",
         "pendidikan, beasiswa", 7, "published", ((60, 130, 80), "Beasiswa afirmasi")),
        ("Festival Budaya Pelajar 2026",
         "Festival budaya pelajar tingkat provinsi digelar di Pontianak.",
         "Lomba tari, musik tradisional dan bercerita diikuti 40 sekolah.",
         "budaya, pelajar", 0, "returned", None),
        ("Rehabilitasi 35 ruang kelas SMA negeri",
         "Draf: progres rehabilitasi ruang kelas.",
         "Draf isi berita.", "sarana, sekolah", 0, "draft", None),
    ]),
]


# The kind of each story not a news item of an activity (the plans count kinds).
KINDS = {"Posko kesehatan arus mudik di tiga pelabuhan": "pengumuman",
         "Hasil pemantauan kualitas air minum isi ulang": "capaian",
         "Pendaftaran beasiswa afirmasi pendidikan menengah dibuka": "pengumuman",
         "Rehabilitasi 35 ruang kelas SMA negeri": "program"}

# slug, humas e-mail, {kind: (target, cadence)}: the agencies' publication plans.
PLANS = [
    ("dinkes", "humas.dinkes@demo.ppid.id", {"berita": (4, "bulanan"),
                                             "pengumuman": (1, "bulanan"),
                                             "capaian": (1, "triwulanan")}),
    ("disdikbud", "humas.disdik@demo.ppid.id", {"berita": (2, "bulanan"),
                                                "program": (1, "triwulanan")}),
]


def seed_plans(summary):
    """The demo agencies' publication plans (idempotent: none added when any exists)."""
    from ppid.publications.models import PublicationPlan
    if db.session.execute(sa.select(PublicationPlan.id).limit(1)).first() is not None:
        summary.append("rencana publikasi demo: sudah ada, tidak ditambah")
        return
    count = 0
    for slug, email, targets in PLANS:
        agency = db.session.execute(sa.select(Agency).where(Agency.slug == slug)
                                    ).scalar_one_or_none()
        humas = find_user_by_email(email)
        if agency is None or humas is None:
            continue
        services.save_plan(agency, targets, actor=humas,
                           now=utcnow() - timedelta(days=120))
        count += 1
    db.session.flush()
    summary.append(f"rencana publikasi demo: {count} badan publik")


def seed_publications(summary):
    if db.session.execute(sa.select(Publication.id).limit(1)).first() is not None:
        summary.append("publikasi demo: sudah ada, tidak ditambah")
        return
    main = find_user_by_email("utama@demo.ppid.id")
    now = utcnow()
    count = 0
    for slug, email, stories in STORIES:
        agency = db.session.execute(sa.select(Agency).where(Agency.slug == slug)
                                    ).scalar_one_or_none()
        humas = find_user_by_email(email)
        if agency is None or humas is None or main is None:
            continue
        for title, summ, body, tags, days, state, photo in stories:
            at = now - timedelta(days=days, hours=3)
            pub = services.create_draft(agency, {
                "title": title, "kind": KINDS.get(title, "berita"), "summary": summ,
                "body": body, "tags": tags,
                "wished_at": at + timedelta(hours=2)}, actor=humas, now=at)
            if photo is not None:
                prepared = services.prepare_photo(_photo(*photo))
                services.add_photo(pub, prepared, f"Foto kegiatan: {title}", actor=humas,
                                   now=at)
            if state != "draft":
                services.submit(pub, actor=humas, now=at + timedelta(minutes=30))
            if state == "published":
                services.publish(pub, actor=main, now=at + timedelta(hours=2))
            elif state == "scheduled":
                services.schedule(pub, now + timedelta(days=1, hours=2), actor=main,
                                  now=at + timedelta(hours=1))
            elif state == "returned":
                services.return_to_agency(
                    pub, "Mohon tambahkan tanggal dan tempat kegiatan, serta foto dengan "
                    "teks alternatif.", actor=main, now=at + timedelta(hours=1))
            count += 1
    db.session.flush()
    summary.append(f"publikasi demo: {count} dari 2 badan publik (terbit, diajukan, "
                   "terjadwal, dikembalikan, draf)")
