"""Demo data: the PPID of Pemerintah Provinsi Kalimantan Barat and one account per role.

Idempotent: agencies are matched by slug and accounts by e-mail. Features add their own
seeders to ``hooks(app).seeders`` (called in order with the summary list to extend).
"""
import sqlalchemy as sa

from ppid.accounts import services as accounts
from ppid.agencies.models import KIND_PEMBANTU, KIND_UTAMA, Agency
from ppid.core import auth
from ppid.core.hooks import hooks
from ppid.extensions import db

DEMO_PASSWORD = "Demo-PPID-2026"
DOMAIN = "kalbarprov.go.id"

UTAMA = ("diskominfo", "Dinas Komunikasi dan Informatika Provinsi Kalimantan Barat",
         "Diskominfo", "Sekretaris Daerah Provinsi Kalimantan Barat")

# (slug, name, short name, atasan position)
PEMBANTU = [
    ("setda", "Sekretariat Daerah", "Setda", "Sekretaris Daerah"),
    ("setwan", "Sekretariat DPRD", "Setwan", "Sekretaris DPRD"),
    ("inspektorat", "Inspektorat", "Inspektorat", "Inspektur"),
    ("bappeda", "Badan Perencanaan Pembangunan Daerah", "Bappeda", "Kepala Badan"),
    ("bpkad", "Badan Pengelolaan Keuangan dan Aset Daerah", "BPKAD", "Kepala Badan"),
    ("bapenda", "Badan Pendapatan Daerah", "Bapenda", "Kepala Badan"),
    ("bkd", "Badan Kepegawaian Daerah", "BKD", "Kepala Badan"),
    ("bpsdm", "Badan Pengembangan Sumber Daya Manusia", "BPSDM", "Kepala Badan"),
    ("bpbd", "Badan Penanggulangan Bencana Daerah", "BPBD", "Kepala Pelaksana"),
    ("kesbangpol", "Badan Kesatuan Bangsa dan Politik", "Kesbangpol", "Kepala Badan"),
    ("brida", "Badan Riset dan Inovasi Daerah", "BRIDA", "Kepala Badan"),
    ("penghubung", "Badan Penghubung Daerah", "Penghubung", "Kepala Badan"),
    ("disdikbud", "Dinas Pendidikan dan Kebudayaan", "Disdikbud", "Kepala Dinas"),
    ("dinkes", "Dinas Kesehatan", "Dinkes", "Kepala Dinas"),
    ("dinsos", "Dinas Sosial", "Dinsos", "Kepala Dinas"),
    ("disnakertrans", "Dinas Tenaga Kerja dan Transmigrasi", "Disnakertrans", "Kepala Dinas"),
    ("dp3akb", "Dinas Pemberdayaan Perempuan, Perlindungan Anak, Pengendalian Penduduk dan "
               "Keluarga Berencana", "DP3AKB", "Kepala Dinas"),
    ("dpmd", "Dinas Pemberdayaan Masyarakat dan Desa", "DPMD", "Kepala Dinas"),
    ("disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil", "Kepala Dinas"),
    ("dishub", "Dinas Perhubungan", "Dishub", "Kepala Dinas"),
    ("dlhk", "Dinas Lingkungan Hidup dan Kehutanan", "DLHK", "Kepala Dinas"),
    ("dpupr", "Dinas Pekerjaan Umum dan Penataan Ruang", "DPUPR", "Kepala Dinas"),
    ("disperkim", "Dinas Perumahan Rakyat dan Kawasan Permukiman", "Disperkim", "Kepala Dinas"),
    ("diskumkm", "Dinas Koperasi, Usaha Kecil dan Menengah", "Diskumkm", "Kepala Dinas"),
    ("dpmptsp", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "DPMPTSP",
     "Kepala Dinas"),
    ("dispora", "Dinas Kepemudaan dan Olahraga", "Dispora", "Kepala Dinas"),
    ("disparbud", "Dinas Pariwisata", "Dispar", "Kepala Dinas"),
    ("dispusip", "Dinas Perpustakaan dan Kearsipan", "Dispusip", "Kepala Dinas"),
    ("dkp", "Dinas Kelautan dan Perikanan", "DKP", "Kepala Dinas"),
    ("dkpp", "Dinas Ketahanan Pangan", "DKP Pangan", "Kepala Dinas"),
    ("distanhor", "Dinas Tanaman Pangan dan Hortikultura", "Distanhor", "Kepala Dinas"),
    ("disbunak", "Dinas Perkebunan dan Peternakan", "Disbunak", "Kepala Dinas"),
    ("disperindag", "Dinas Perindustrian, Perdagangan, Energi dan Sumber Daya Mineral",
     "Disperindag ESDM", "Kepala Dinas"),
    ("satpolpp", "Satuan Polisi Pamong Praja", "Satpol PP", "Kepala Satuan"),
    ("rsud-soedarso", "RSUD dr. Soedarso", "RSUD Soedarso", "Direktur"),
    ("rsj-sungai-bangkong", "Rumah Sakit Jiwa Daerah Sungai Bangkong", "RSJD", "Direktur"),
    ("biro-pemerintahan", "Biro Pemerintahan, Otonomi Daerah dan Kerja Sama",
     "Biro Pemerintahan", "Kepala Biro"),
    ("biro-hukum", "Biro Hukum", "Biro Hukum", "Kepala Biro"),
    ("biro-perekonomian", "Biro Perekonomian dan Pembangunan", "Biro Ekbang", "Kepala Biro"),
    ("biro-kesra", "Biro Kesejahteraan Rakyat", "Biro Kesra", "Kepala Biro"),
    ("biro-pbj", "Biro Pengadaan Barang dan Jasa", "Biro PBJ", "Kepala Biro"),
    ("biro-organisasi", "Biro Organisasi", "Biro Organisasi", "Kepala Biro"),
    ("biro-adpim", "Biro Administrasi Pimpinan", "Biro Adpim", "Kepala Biro"),
    ("biro-umum", "Biro Umum", "Biro Umum", "Kepala Biro"),
]

# (e-mail, name, [(role, agency slug or None)])
ACCOUNTS = [
    ("admin@demo.ppid.id", "Admin Sistem", [(auth.ADMIN, None)]),
    ("utama@demo.ppid.id", "Rina Kartika (PPID Utama)", [(auth.MAIN, None)]),
    ("dinkes@demo.ppid.id", "Budi Santoso (PPID Dinkes)", [(auth.HELPER, "dinkes")]),
    ("disdik@demo.ppid.id", "Siti Rahmawati (PPID Disdikbud)", [(auth.HELPER, "disdikbud")]),
    ("atasan.dinkes@demo.ppid.id", "dr. Hendra Wijaya (Kepala Dinkes)",
     [(auth.ATASAN, "dinkes")]),
    ("atasan.utama@demo.ppid.id", "Ir. Harisson (Sekda)", [(auth.ATASAN, "diskominfo")]),
    ("humas.dinkes@demo.ppid.id", "Nur Aini (Humas Dinkes)", [(auth.HUMAS, "dinkes")]),
    ("humas.disdik@demo.ppid.id", "Yohanes Liu (Humas Disdikbud)",
     [(auth.HUMAS, "disdikbud")]),
    ("auditor@demo.ppid.id", "Dewi Lestari (Auditor Kominfo)", [(auth.AUDITOR, None)]),
    ("warga@demo.ppid.id", "Ahmad Fauzi (Warga)", [(auth.CITIZEN, None)]),
]

# Officers' positions and NIPs (the signature blocks of the letters they sign).
PROFILES = {
    "utama@demo.ppid.id": ("Pranata Humas Ahli Muda, Dinas Komunikasi dan Informatika",
                           "198207142006042003"),
    "dinkes@demo.ppid.id": ("Kepala Subbagian Umum dan Kepegawaian, Dinas Kesehatan",
                            "198503122010011003"),
    "disdik@demo.ppid.id": ("Kepala Subbagian Program, Dinas Pendidikan dan Kebudayaan",
                            "198811202012122001"),
    "atasan.dinkes@demo.ppid.id": ("Kepala Dinas Kesehatan Provinsi Kalimantan Barat",
                                   "197201051998031004"),
    "atasan.utama@demo.ppid.id": ("Sekretaris Daerah Provinsi Kalimantan Barat",
                                  "196809171994031006"),
}


_FIRST = ("Agus", "Dewi", "Hendrikus", "Lina", "Yusuf", "Maria", "Rudi", "Fitri", "Bambang",
          "Yohana", "Syarif", "Ratna", "Antonius", "Nurul", "Iwan", "Sri")
_LAST = ("Pratama", "Lestari", "Kurniawan", "Siregar", "Hidayat", "Tanoto", "Saputra",
         "Wulandari", "Nugroho", "Simanjuntak", "Rahman", "Susanti", "Effendi")


def _demo_signatory(index, agency):
    """A made-up signing official for a demo PPID: name, position, and a well-formed NIP."""
    name = f"{_FIRST[index % len(_FIRST)]} {_LAST[(index * 5) % len(_LAST)]}, S.Sos., M.Si."
    born = (1970 + index % 20, index % 12 + 1, index % 27 + 1)
    nip = (f"{born[0]}{born[1]:02d}{born[2]:02d}{born[0] + 25}{(index % 9) + 1:02d}"
           f"{1 + index % 2}{index % 900 + 1:03d}")
    return name, f"Pejabat Pengelola Informasi dan Dokumentasi {agency.name}", nip


def _upsert_agency(slug, name, short, atasan_position, kind, parent_id):
    agency = db.session.execute(sa.select(Agency).where(Agency.slug == slug)).scalar_one_or_none()
    if agency is None:
        agency = Agency(slug=slug)
        db.session.add(agency)
    agency.name = name
    agency.short_name = short
    agency.kind = kind
    agency.parent_id = parent_id
    agency.address = "Jl. Ahmad Yani, Pontianak, Kalimantan Barat"
    agency.email = f"ppid.{slug}@{DOMAIN}"
    agency.phone = "(0561) 736541"
    agency.website = f"https://{slug}.{DOMAIN}"
    agency.atasan_position = atasan_position
    agency.atasan_name = agency.atasan_name or "—"
    # The atasan of a PPID Pembantu heads the agency itself: its response is on the
    # agency's own letterhead (not its PPID's).
    agency.atasan_office = agency.atasan_office or f"{name} Provinsi Kalimantan Barat"
    if not agency.signatory_name:  # each demo PPID names its signing official
        agency.signatory_name, agency.signatory_position, agency.signatory_nip = \
            _demo_signatory(sum(map(ord, slug)), agency)
    return agency


def seed_demo():
    summary = []
    utama = _upsert_agency(*UTAMA, KIND_UTAMA, None)
    utama.atasan_position = "Sekretaris Daerah Provinsi Kalimantan Barat"
    utama.atasan_office = utama.atasan_office or "Sekretariat Daerah Provinsi Kalimantan Barat"
    utama.atasan_address = utama.atasan_address or "Jl. Ahmad Yani, Pontianak 78124"
    # The PPID Utama names its signing official; the other PPIDs' officers sign themselves.
    utama.signatory_name = "Dra. Yuliana Mardiani, M.Si."
    utama.signatory_position = ("Kepala Dinas Komunikasi dan Informatika selaku PPID Utama "
                                "Provinsi Kalimantan Barat")
    utama.signatory_nip = "197006221995032002"
    db.session.flush()
    for slug, name, short, atasan in PEMBANTU:
        _upsert_agency(slug, name, short, atasan, KIND_PEMBANTU, utama.id)
    db.session.flush()
    summary.append(f"badan publik: 1 PPID Utama + {len(PEMBANTU)} PPID Pembantu")

    by_slug = {a.slug: a for a in db.session.execute(sa.select(Agency)).scalars()}
    for email, name, roles in ACCOUNTS:
        user = accounts.find_user_by_email(email)
        if user is None:
            user = accounts.create_user(email, name, DEMO_PASSWORD, actor=None)
        for role, slug in roles:
            accounts.add_role(user, role, by_slug[slug].id if slug else None, actor=None)
        if email in PROFILES and not user.nip:
            user.position, user.nip = PROFILES[email]
    db.session.flush()
    summary.append(f"akun demo: {len(ACCOUNTS)} (kata sandi semua: {DEMO_PASSWORD})")
    summary.append(f"kanal resmi demo: {_seed_channels(utama)}")
    for seeder in hooks().seeders:
        seeder(summary)
    db.session.commit()
    return summary


def _seed_channels(utama):
    """Each demo agency's official social-media channels (its website is its profile's), on
    the platforms' own hosts with the agency's demo account name; a few agencies have fewer,
    one none, so the E-Monev digitalisasi question differs. Only agencies without channels
    get them (seeding twice adds nothing)."""
    from datetime import datetime, timezone

    from ppid.agencies import services as agencies
    from ppid.agencies.models import AgencyChannel
    have = set(db.session.execute(sa.select(AgencyChannel.agency_id)).scalars())
    since = datetime(datetime.now(timezone.utc).year - 1, 1, 2, 1, 0, tzinfo=timezone.utc)
    slugs = [UTAMA[0]] + [p[0] for p in PEMBANTU]
    added = 0
    for i, slug in enumerate(slugs):
        agency = db.session.execute(sa.select(Agency).where(Agency.slug == slug)).scalar_one()
        if agency.id in have or slug == "biro-umum":
            continue
        name = slug.replace("-", "") + "kalbar"
        wanted = []
        if i % 5 != 4:
            wanted.append(("instagram", f"https://www.instagram.com/{name}", f"@{name}"))
        if i % 2 == 0:
            wanted.append(("facebook", f"https://www.facebook.com/{name}", name))
        if i % 3 == 0:
            wanted.append(("youtube", f"https://www.youtube.com/@{name}", f"@{name}"))
        if i % 4 == 0:
            wanted.append(("tiktok", f"https://www.tiktok.com/@{name}", f"@{name}"))
        if agency.id == utama.id or i % 6 == 1:
            wanted.append(("x", f"https://x.com/{name}", f"@{name}"))
        if agency.id == utama.id or slug == "dinkes":
            wanted.append(("whatsapp", f"https://www.whatsapp.com/channel/0029Va{name[:12]}",
                           None))
        for platform, url, handle in wanted:
            agencies.add_channel(agency, {"platform": platform, "url": url, "handle": handle},
                                 actor=None, now=since)
            added += 1
    db.session.flush()
    return added


def demo_logins():
    return [(email, name, DEMO_PASSWORD) for email, name, _roles in ACCOUNTS]
