"""Demo survey responses: the demo's closed requests answer their satisfaction survey
(deterministic answers, one approved comment, one waiting for moderation, one left
unanswered). Idempotent: answers only surveys not answered yet, once."""
import sqlalchemy as sa

from ppid.core.db import utcnow
from ppid.evaluation import rules, services
from ppid.evaluation.models import ANSWER_COLUMNS, IkmSurvey
from ppid.extensions import db

# Answer patterns U1..U9, cycled over the demo's surveys.
PATTERNS = [(4, 3, 3, 4, 3, 4, 4, 3, 3), (3, 3, 2, 4, 3, 3, 4, 2, 3), (4, 4, 4, 4, 4, 4, 4, 3, 4),
            (2, 3, 2, 4, 3, 3, 3, 2, 2), (3, 4, 3, 4, 4, 4, 4, 3, 3)]
COMMENTS = {0: ("Petugas ramah dan jawabannya jelas.", rules.CommentState.DISETUJUI),
            1: ("Mohon waktu jawab dipercepat; saya menunggu hampir dua minggu.", None)}


def seed_surveys(summary):
    if db.session.execute(sa.select(IkmSurvey.id).where(
            IkmSurvey.responded_at.is_not(None)).limit(1)).first() is not None:
        summary.append("survei IKM demo: sudah ada, tidak ditambah")
        return
    surveys = db.session.execute(sa.select(IkmSurvey).order_by(IkmSurvey.id)).scalars().all()
    answered = 0
    for i, survey in enumerate(surveys[:-1] if len(surveys) > 1 else surveys):
        comment, state = COMMENTS.get(i, (None, None))
        at = utcnow()
        services.respond(survey, dict(zip(ANSWER_COLUMNS, PATTERNS[i % len(PATTERNS)])),
                         comment, now=at)
        if state is not None:
            survey.comment_state = state
        answered += 1
    db.session.flush()
    summary.append(f"survei IKM demo: {answered} tanggapan dari {len(surveys)} undangan")


# --- The E-Monev self-assessment: weights and attested documents --------------------------------

# (agency slug, officer e-mail, question, statement, valid from, valid until) with the dates
# as (years, days) from today: two agencies, one document expired (its alert) and one
# expiring soon.
ATTESTATIONS = [
    ("dinkes", "dinkes@demo.ppid.id", "ko_sk_ppid",
     "SK Kepala Dinas Kesehatan Nomor 800/PPID/2025 tentang Penetapan PPID Pembantu.",
     (-1, 0), (2, 0)),
    ("dinkes", "dinkes@demo.ppid.id", "ko_sop",
     "SOP layanan informasi: pengelolaan DIP, permohonan, uji konsekuensi, keberatan.",
     (-1, 0), (1, 0)),
    ("dinkes", "dinkes@demo.ppid.id", "ko_maklumat",
     "Maklumat pelayanan informasi publik Dinas Kesehatan, dipasang di ruang layanan.",
     (-1, 0), (0, 20)),
    ("dinkes", "dinkes@demo.ppid.id", "sp_ruang",
     "Foto dan denah ruang pelayanan informasi di lantai 1.", (-1, 0), (3, 0)),
    ("disdikbud", "disdik@demo.ppid.id", "ko_sk_ppid",
     "SK Kepala Dinas Pendidikan dan Kebudayaan Nomor 421/PPID/2023 tentang PPID Pembantu.",
     (-3, 0), (0, -25)),
    ("disdikbud", "disdik@demo.ppid.id", "ko_anggaran",
     "DPA Dinas Pendidikan dan Kebudayaan: kegiatan layanan informasi publik.",
     (0, -200), (0, 160)),
]


def _shifted(today, years_days):
    from dateutil.relativedelta import relativedelta
    years, days = years_days
    return today + relativedelta(years=years, days=days)


def seed_attestations(summary):
    import io

    from werkzeug.datastructures import FileStorage

    from ppid.accounts.models import User
    from ppid.agencies.models import Agency
    from ppid.core.services import local_today
    from ppid.evaluation import assessment
    from ppid.evaluation.models import EmonevAttestation
    from ppid.registry.demo import _pdf_bytes

    now = utcnow()
    today = local_today(now)
    assessment.seed_default_weights(today.year, now=now)
    if db.session.execute(sa.select(EmonevAttestation.id).limit(1)).first() is not None:
        summary.append("bukti E-Monev demo: sudah ada, tidak ditambah")
        return
    added = 0
    for slug, email, question, statement, start, end in ATTESTATIONS:
        agency = db.session.execute(sa.select(Agency).where(Agency.slug == slug)).scalar()
        officer = db.session.execute(sa.select(User).where(User.email == email)).scalar()
        if agency is None:
            continue
        pdf = _pdf_bytes([agency.name, statement])
        checked = assessment.check_evidence(FileStorage(
            io.BytesIO(pdf), filename=f"{question.replace('_', '-')}-{slug}.pdf"))
        valid_from = min(_shifted(today, start), today)
        assessment.attest(agency, question, checked, statement=statement,
                          valid_from=valid_from,
                          valid_until=max(_shifted(today, end), valid_from), actor=officer,
                          now=now)
        added += 1
    db.session.flush()
    summary.append(f"bukti E-Monev demo: {added} dokumen (satu kedaluwarsa)")
