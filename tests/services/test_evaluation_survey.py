"""The satisfaction survey on a real database: the invitation when a request closes, the
link in the closing notice (through a real SMTP server), one response per request,
results per agency and government, moderation, one reminder at most."""
import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.core.mail import deliver_pending
from ppid.core.models import AuditEvent, OutboxMail
from ppid.evaluation import rules
from ppid.evaluation import services as ikm
from ppid.evaluation.models import IkmSurvey
from ppid.extensions import db
from ppid.info_requests import services as rq
from tests.services.test_requests_services import GRANT, at, data_for
from tests.unit.test_evaluation_rules import WORKED


@pytest.fixture
def world(factories):
    utama = factories.agency(slug="utama-ikm", name="PPID Utama Uji", kind="utama")
    a = factories.agency(slug="dinas-a-ikm", name="Dinas A Uji", parent_id=utama.id)
    b = factories.agency(slug="dinas-b-ikm", name="Dinas B Uji", parent_id=utama.id)
    officer_a = factories.user(auth.HELPER, a, name="Petugas A")
    officer_b = factories.user(auth.HELPER, b, name="Petugas B")
    db.session.commit()

    class W:
        pass
    w = W()
    w.utama, w.a, w.b, w.officer_a, w.officer_b = utama, a, b, officer_a, officer_b
    return w


def closed(agency, officer, when, **over):
    req, _token = rq.submit_request(data_for(agency, **over), actor=None, now=when)
    rq.close_request(req, "dikabulkan", GRANT, actor=officer, now=when)
    db.session.commit()
    return req


def test_closing_invites_and_the_notice_carries_the_private_link(world, smtp_server):
    req = closed(world.a, world.officer_a, at(2026, 3, 17))
    survey = ikm.survey_of_request(req)
    assert survey is not None and survey.agency_id == world.a.id and not survey.is_answered
    assert str(survey.invited_on) == "2026-03-17"
    deliver_pending(now=at(2026, 3, 17))
    notice = [m for m in smtp_server.messages if "Jawaban" in m["subject"]][0]
    token = ikm.token_for(req.id)
    assert f"/survei/{token}" in notice["body"]
    assert ikm.survey_for_token(token).id == survey.id
    # No personal data copied into the survey row.
    row = db.session.execute(sa.select(IkmSurvey.__table__)).mappings().one()
    assert not {"Siti Pemohon", "6171010203850001", "siti@contoh.id"} & {
        str(v) for v in row.values()}


def test_one_response_per_request(world):
    req = closed(world.a, world.officer_a, at(2026, 3, 17))
    survey = ikm.survey_of_request(req)
    ikm.respond(survey, WORKED[0], "Pelayanan cepat.", now=at(2026, 3, 18))
    db.session.commit()
    with pytest.raises(ikm.SurveyError, match="sudah diisi"):
        ikm.respond(survey, WORKED[1], None, now=at(2026, 3, 19))
    db.session.rollback()
    db.session.refresh(survey)
    assert survey.answers == WORKED[0] and survey.comment == "Pelayanan cepat."
    assert survey.comment_state == rules.CommentState.MENUNGGU
    # A second survey row for the same request cannot exist either.
    with pytest.raises(sa.exc.IntegrityError):
        db.session.add(IkmSurvey(request_id=req.id, agency_id=world.a.id,
                                 invited_on=survey.invited_on))
        db.session.flush()
    db.session.rollback()
    # Invited again (a re-close): the same survey.
    assert ikm.invite(req, now=at(2026, 3, 20)).id == survey.id


def test_half_answered_is_refused_and_writes_nothing(world):
    req = closed(world.a, world.officer_a, at(2026, 3, 17))
    survey = ikm.survey_of_request(req)
    with pytest.raises(ikm.SurveyError):
        ikm.respond(survey, dict(WORKED[0], u9=7), None, now=at(2026, 3, 18))
    db.session.rollback()
    assert not ikm.survey_of_request(req).is_answered


def test_concurrent_submissions_count_once(world, app):
    req = closed(world.a, world.officer_a, at(2026, 3, 17))
    survey_id = ikm.survey_of_request(req).id
    db.session.rollback()  # this thread holds no transaction while the two write
    results = []

    def answer(values):
        with app.app_context():
            try:
                s = db.session.get(IkmSurvey, survey_id)
                ikm.respond(s, values, None, now=at(2026, 3, 18))
                db.session.commit()
                results.append("ok")
            except ikm.SurveyError:
                db.session.rollback()
                results.append("refused")
            except Exception as exc:  # noqa: BLE001  (reported by the assertion)
                db.session.rollback()
                results.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=answer, args=(WORKED[i],)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]
    db.session.expire_all()
    assert db.session.get(IkmSurvey, survey_id).is_answered


def test_results_per_agency_period_and_government(world):
    # Agency A: the worked example (IKM 81.25) in semester 1; one unanswered invitation.
    reqs = [closed(world.a, world.officer_a, at(2026, 3, 17 + i)) for i in range(5)]
    for req, values in zip(reqs, WORKED):
        ikm.respond(ikm.survey_of_request(req), values, None, now=at(2026, 4, 1))
    # Agency B: one respondent, all 4s, in semester 2.
    rb = closed(world.b, world.officer_b, at(2026, 8, 3))
    ikm.respond(ikm.survey_of_request(rb), dict(zip(WORKED[0], [4] * 9)), None,
                now=at(2026, 8, 4))
    db.session.commit()
    ra = ikm.result(2026, agency_id=world.a.id)
    assert (ra.respondents, ra.population, ra.index, ra.band) == (
        4, 5, Decimal("81.25"), rules.QualityBand.B)
    assert ra.margin == rules.compute_ikm(WORKED, population=5).margin
    assert ikm.result(2026, semester=2, agency_id=world.a.id).respondents == 0
    assert ikm.result(2026, semester=1, agency_id=world.a.id).index == Decimal("81.25")
    rb_res = ikm.result(2026, agency_id=world.b.id)
    assert rb_res.index == Decimal("100.00") and rb_res.margin is None
    gov = ikm.result(2026)
    assert gov.respondents == 5 and gov.population == 6
    # (117 + 36) / (5 x 9) x 25 = 85.00
    assert gov.index == Decimal("85.00")
    assert ikm.result(2025).respondents == 0


def test_comments_reach_the_public_only_when_approved(world):
    req = closed(world.a, world.officer_a, at(2026, 3, 17))
    survey = ikm.respond(ikm.survey_of_request(req), WORKED[0], "Ruang layanan sempit.",
                         now=at(2026, 3, 18))
    db.session.commit()
    assert ikm.approved_comments(world.a.id, 2026) == []
    assert [s.comment for s in ikm.officer_comments(world.a.id, 2026)] == [
        "Ruang layanan sempit."]
    assert ikm.pending_comment_count([world.a.id]) == 1
    ikm.moderate(survey, rules.CommentState.DISETUJUI, actor=world.officer_a,
                 now=at(2026, 3, 19))
    db.session.commit()
    assert [c.comment for c in ikm.approved_comments(world.a.id, 2026)] == [
        "Ruang layanan sempit."]
    events = db.session.execute(sa.select(AuditEvent.action).where(
        AuditEvent.action.like("ikm.%")).order_by(AuditEvent.id)).scalars().all()
    assert events == ["ikm.invite", "ikm.respond", "ikm.moderate"]


def test_one_reminder_at_most(world, app):
    req = closed(world.a, world.officer_a, at(2026, 3, 2))
    answered = closed(world.a, world.officer_a, at(2026, 3, 2))
    ikm.respond(ikm.survey_of_request(answered), WORKED[0], None, now=at(2026, 3, 3))
    db.session.commit()

    def reminders():
        return db.session.execute(sa.select(sa.func.count()).select_from(OutboxMail).where(
            OutboxMail.subject.like("%Survei kepuasan%"))).scalar_one()

    assert ikm.send_reminders(now=at(2026, 3, 8)) == 0  # 6 days: not yet
    db.session.commit()
    assert ikm.send_reminders(now=at(2026, 3, 9)) == 1
    db.session.commit()
    assert ikm.send_reminders(now=at(2026, 3, 20)) == 0
    db.session.commit()
    assert reminders() == 1
    mail = db.session.execute(sa.select(OutboxMail).where(
        OutboxMail.subject.like("%Survei kepuasan%"))).scalar_one()
    assert req.registration_number in mail.subject
    assert f"/survei/{ikm.token_for(req.id)}" in mail.body_text
    # The command from cron.
    result = app.test_cli_runner().invoke(args=["ppid", "ikm-remind"])
    assert result.exit_code == 0 and "0 dikirim" in result.output


def test_the_annual_report_carries_the_ikm(world, pdftotext):
    """Issue #18 section 3: the annual report includes the IKM, per semester and for the
    year, from the same computation as the survey pages (worked example: 81.25, B)."""
    from ppid.core.pdf import html_to_pdf, render_html
    from ppid.reports import services as reports
    from ppid.reports.views import _labels
    reqs = [closed(world.a, world.officer_a, at(2026, 3, 17 + i)) for i in range(5)]
    for req, values in zip(reqs, WORKED):
        ikm.respond(ikm.survey_of_request(req), values, None, now=at(2026, 4, 1))
    db.session.commit()
    ctx = reports.annual_context(2026, agency=world.a, now=at(2026, 12, 1))
    assert [(s, r.index) for s, r in ctx["ikm"]] == [
        (1, Decimal("81.25")), (2, None), (None, Decimal("81.25"))]
    text = " ".join(pdftotext(html_to_pdf(render_html(
        "pdf/reports/annual.html", **ctx, **_labels()))).split())
    assert "Kepuasan pemohon (Indeks Kepuasan Masyarakat)" in text
    assert "Semester I 4 81.25" in text and "Setahun 4 81.25" in text
