"""Services of the satisfaction survey (IKM): invitations when a request closes, the one
response per request, moderation of comments, results and trends, reminders.

Services flush; the caller commits. Public results are aggregates; a response names its
request only, never the requester, and comments reach the public only once approved.
"""
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ppid.core import audit, generations
from ppid.core.cache import BoundedCache
from ppid.core.mail import queue_mail
from ppid.core.services import local_today
from ppid.evaluation import rules
from ppid.evaluation.models import ANSWER_COLUMNS, IkmSurvey
from ppid.extensions import db


class SurveyError(Exception):
    """A refused survey action; ``message`` is lazily translated, for the page."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


ALREADY_ANSWERED = _l("Survei untuk permohonan ini sudah diisi. Terima kasih.")


def _secret():
    return current_app.config["SECRET_KEY"]


def token_for(request_id) -> str:
    return rules.survey_token(_secret(), request_id)


def survey_path(request_id) -> str:
    """The survey page's path (views.survey's rule), built without a request: mails are
    written by services and CLI commands too."""
    return f"/survei/{token_for(request_id)}"


def survey_url(request_id) -> str:
    """The private survey link, absolute (for mails)."""
    return current_app.config["BASE_URL"].rstrip("/") + survey_path(request_id)


def survey_for_token(token):
    request_id = rules.parse_survey_token(_secret(), token)
    if request_id is None:
        return None
    return db.session.execute(sa.select(IkmSurvey).where(
        IkmSurvey.request_id == request_id)).scalar_one_or_none()


def survey_of_request(req):
    return db.session.execute(sa.select(IkmSurvey).where(
        IkmSurvey.request_id == req.id)).scalar_one_or_none()


def invite(req, *, now) -> IkmSurvey:
    """The survey of a request that has just closed (made once; a second call returns it)."""
    survey = survey_of_request(req)
    if survey is None:
        survey = IkmSurvey(request_id=req.id, agency_id=req.agency_id,
                           invited_on=local_today(now), created_at=now)
        db.session.add(survey)
        db.session.flush()
        audit.record("ikm.invite", survey, actor=None, now=now, agency_id=req.agency_id)
    return survey


def on_request_closed(sender, req=None, now=None, **_kw):
    """Receiver of ``request_closed``: invite, and the lines the closing notice adds."""
    invite(req, now=now)
    return ["", "Bantu kami memperbaiki layanan: isi survei kepuasan masyarakat (9 pertanyaan, "
            "tanpa masuk akun, satu kali per permohonan):", survey_url(req.id)]


def respond(survey, answers, comment, *, now) -> IkmSurvey:
    """Store the one response of a survey; a second response is refused, nothing changes."""
    if survey.is_answered:
        raise SurveyError(ALREADY_ANSWERED)
    errors = rules.validate_answers(answers)
    if errors:
        raise SurveyError(_l("Setiap unsur harus dinilai 1 sampai 4."))
    comment = (comment or "").strip() or None
    # One statement that only writes an unanswered row: two concurrent submissions of the
    # same link cannot both count.
    values = {c: answers[c] for c in ANSWER_COLUMNS}
    result = db.session.execute(
        sa.update(IkmSurvey).where(IkmSurvey.id == survey.id, IkmSurvey.responded_at.is_(None))
        .values(responded_at=now, responded_on=local_today(now), comment=comment,
                comment_state=rules.CommentState.MENUNGGU if comment else None, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise SurveyError(ALREADY_ANSWERED)
    generations.move(db.session, GENERATION)  # (a statement: no flush sees the answers)
    db.session.refresh(survey)
    audit.record("ikm.respond", survey, actor=None, now=now, agency_id=survey.agency_id,
                 changes={"has_comment": comment is not None})
    return survey


def moderate(survey, state, *, actor, now) -> IkmSurvey:
    if not survey.comment:
        raise SurveyError(_l("Tanggapan ini tidak memiliki komentar."))
    if state not in (rules.CommentState.DISETUJUI, rules.CommentState.DITOLAK):
        raise SurveyError(_l("Keputusan moderasi tidak dikenal."))
    old = survey.comment_state
    survey.comment_state = state
    survey.moderated_by_id = actor.id
    survey.moderated_at = now
    db.session.flush()
    audit.record("ikm.moderate", survey, actor=actor, now=now, agency_id=survey.agency_id,
                 changes={"comment_state": [old, state]})
    return survey


# --- Results ------------------------------------------------------------------------------

def _answered(agency_id, start, end):
    cols = [getattr(IkmSurvey, c) for c in ANSWER_COLUMNS]
    stmt = sa.select(*cols).where(IkmSurvey.responded_at.is_not(None),
                                  IkmSurvey.invited_on >= start, IkmSurvey.invited_on < end)
    if agency_id is not None:
        stmt = stmt.where(IkmSurvey.agency_id == agency_id)
    return [dict(zip(ANSWER_COLUMNS, row)) for row in db.session.execute(stmt)]


def _population(agency_id, start, end):
    """The requests closed with an outcome in the period: every one was invited."""
    stmt = sa.select(sa.func.count()).select_from(IkmSurvey).where(
        IkmSurvey.invited_on >= start, IkmSurvey.invited_on < end)
    if agency_id is not None:
        stmt = stmt.where(IkmSurvey.agency_id == agency_id)
    return db.session.execute(stmt).scalar_one()


def result(year, *, semester=None, agency_id=None) -> rules.IkmResult:
    """The IKM of one agency (or the government, ``agency_id`` None) for a year or semester,
    over the requests that closed in that period."""
    start, end = rules.period_bounds(year, semester)
    return rules.compute_ikm(_answered(agency_id, start, end),
                             population=_population(agency_id, start, end))


GENERATION = "ikm-generation"  # moves with every survey written (ppid.core.generations)
_kept_results = BoundedCache(1024, lifetime=300.0)


def kept_result(year, *, agency_id):
    """:func:`result` for the year, kept in this process until a survey is written (the
    agency page shows it on every view; a submission does not change it)."""
    key = (generations.current(db.session, GENERATION), year, agency_id)
    found = _kept_results.get(key)
    if found is None:
        found = _kept_results.put(key, result(year, agency_id=agency_id))
    return found


def trend(*, agency_id=None, years):
    """[(year, semester, IkmResult)] for each semester of ``years``."""
    return [(y, s, result(y, semester=s, agency_id=agency_id)) for y in years for s in (1, 2)]


def agency_results(year, agencies):
    return [(a, result(year, agency_id=a.id)) for a in agencies]


def approved_comments(agency_id, year, *, limit=50):
    start, end = rules.period_bounds(year)
    return db.session.execute(
        sa.select(IkmSurvey.comment, IkmSurvey.responded_on).where(
            IkmSurvey.agency_id == agency_id,
            IkmSurvey.comment_state == rules.CommentState.DISETUJUI,
            IkmSurvey.invited_on >= start, IkmSurvey.invited_on < end)
        .order_by(IkmSurvey.responded_at.desc()).limit(limit)).all()


def officer_comments(agency_id, year):
    start, end = rules.period_bounds(year)
    return db.session.execute(
        sa.select(IkmSurvey).where(IkmSurvey.agency_id == agency_id,
                                   IkmSurvey.comment.is_not(None),
                                   IkmSurvey.invited_on >= start, IkmSurvey.invited_on < end)
        .order_by(IkmSurvey.responded_at.desc())).scalars().all()


def pending_comment_count(agency_ids):
    if not agency_ids:
        return 0
    return db.session.execute(sa.select(sa.func.count()).select_from(IkmSurvey).where(
        IkmSurvey.agency_id.in_(agency_ids),
        IkmSurvey.comment_state == rules.CommentState.MENUNGGU)).scalar_one()


# --- Reminders ----------------------------------------------------------------------------

def send_reminders(*, now) -> int:
    """Remind each requester with an e-mail address once, IKM_REMINDER_DAYS after the
    invitation, if they have not answered. Returns the number of reminders queued."""
    from ppid.info_requests.services import requester_email
    after = current_app.config["IKM_REMINDER_DAYS"]
    today = local_today(now)
    candidates = db.session.execute(sa.select(IkmSurvey).where(
        IkmSurvey.responded_at.is_(None), IkmSurvey.reminded_at.is_(None),
        IkmSurvey.invited_on <= today - timedelta(days=after))).scalars().all()
    sent = 0
    for survey in candidates:
        if not rules.reminder_due(invited_on=survey.invited_on, responded=survey.is_answered,
                                  reminded=survey.reminded_at is not None, today=today,
                                  after_days=after):
            continue
        survey.reminded_at = now  # at most once, with or without an address
        to = requester_email(survey.request)
        if to:
            req = survey.request
            queue_mail(to, f"[{req.registration_number}] Survei kepuasan layanan informasi",
                       "\n".join([f"Yth. {req.requester_name},", "",
                                  "Permohonan informasi Anda telah selesai. Kami mohon "
                                  "kesediaan Anda mengisi survei kepuasan masyarakat "
                                  "(9 pertanyaan, satu kali):", survey_url(req.id), "",
                                  "Pengingat ini hanya dikirim sekali.",
                                  f"PPID {current_app.config['GOVERNMENT_NAME']}"]), now=now)
            sent += 1
        audit.record("ikm.remind", survey, actor=None, now=now, agency_id=survey.agency_id)
    db.session.flush()
    return sent


def years_with_surveys(default_year):
    first = db.session.execute(sa.select(sa.func.min(IkmSurvey.invited_on))).scalar_one()
    start = first.year if isinstance(first, date) else default_year
    return list(range(max(start, default_year - 4), default_year + 1))
