"""Demo broadcasts: the registry's demo publishes its serta-merta items (ppid.registry.demo),
which starts their broadcasts; here the BPBD's flood warning gets a day of updates by its
officer and the PPID Utama and is ended when the water went down, and the others (days
old) are ended too, so `make run` shows an ended broadcast with its log and no stale
banner. A few demo followers are added, confirmed (their mail goes to the outbox).

Idempotent: nothing is changed once any broadcast has an update or has ended.
"""
from datetime import timedelta

import sqlalchemy as sa

from ppid.accounts.services import find_user_by_email
from ppid.broadcasts import services
from ppid.broadcasts.models import Broadcast, BroadcastUpdate, Subscription
from ppid.extensions import db

FLOOD_UPDATES = [
    (2, "Tinggi muka air Sungai Kapuas di Sintang 8,6 meter (siaga II). Posko pengungsian "
        "GOR Sintang dibuka; 312 jiwa telah mengungsi."),
    (7, "Air merendam 14 desa di Kecamatan Sepauk. Jalan Sintang-Sepauk km 12 tidak dapat "
        "dilalui kendaraan kecil; gunakan jalur Tempunak."),
    (20, "Dapur umum melayani 2.100 porsi hari ini. Layanan kesehatan keliling di Sepauk dan "
         "Sekadau Hilir; warga dengan diare atau demam diminta datang ke posko."),
    (44, "Muka air turun menjadi 7,1 meter. Warga diminta belum kembali ke rumah sebelum ada "
         "pemberitahuan; listrik di bantaran masih dipadamkan."),
]
FOLLOWERS = [("warga.sintang@demo.ppid.id", "bpbd"), ("pemantau.bencana@demo.ppid.id", None)]


def seed_broadcasts(summary):
    from ppid.agencies.models import Agency
    broadcasts = db.session.execute(sa.select(Broadcast).order_by(Broadcast.id)).scalars().all()
    touched = db.session.execute(sa.select(BroadcastUpdate.id).limit(1)).first() is not None \
        or any(not b.is_active for b in broadcasts)
    if not broadcasts or touched:
        summary.append("siaran serta-merta demo: sudah ada atau tidak ada item serta-merta")
        return
    main = find_user_by_email("utama@demo.ppid.id")
    if main is None:
        summary.append("siaran serta-merta demo: tanpa akun PPID Utama, tidak diubah")
        return
    for email, slug in FOLLOWERS:
        agency = None
        if slug is not None:
            agency = db.session.execute(sa.select(Agency).where(Agency.slug == slug)
                                        ).scalar_one_or_none()
            if agency is None:
                continue
        if db.session.execute(sa.select(Subscription.id).where(
                Subscription.email == email)).first() is None:
            since = broadcasts[0].started_at - timedelta(days=30)
            db.session.add(Subscription(
                email=email, target="government" if agency is None else f"agency:{agency.id}",
                agency_id=getattr(agency, "id", None), token=services.new_token(),
                created_at=since, confirm_sent_at=since, confirmed_at=since))
    ended = 0
    for b in broadcasts:
        start = b.started_at
        if b.agency.slug == "bpbd" and "Banjir" in b.item.title:
            for hours, text in FLOOD_UPDATES:
                services.post_update(b, text, actor=main, now=start + timedelta(hours=hours))
            services.end(b, "Air telah surut di seluruh wilayah terdampak dan warga sudah "
                            "kembali ke rumah; pembersihan dibantu BPBD dan relawan.",
                         actor=main, now=start + timedelta(hours=60))
        else:
            services.end(b, "Keadaan telah kembali normal.", actor=main,
                         now=start + timedelta(days=3))
        ended += 1
    db.session.flush()
    summary.append(f"siaran serta-merta demo: {ended} diakhiri, satu dengan "
                   f"{len(FLOOD_UPDATES)} kabar terbaru")
