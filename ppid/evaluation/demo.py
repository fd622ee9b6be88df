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
