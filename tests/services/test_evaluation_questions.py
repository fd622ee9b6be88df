"""The configurable, versioned question set of a year (issue #18 section 1): the defaults of
DOMAIN.md section 15 until a year has its own set; an indicator's questions edited, added,
retired and reweighted together, refused (nothing written) unless their weights sum to 100
and the set stays sound; a past year never changes, so its assessment keeps the questions it
was answered with; every change audited."""
from datetime import date
from fractions import Fraction

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from ppid.core.models import AuditEvent
from ppid.evaluation import assessment, rules
from ppid.evaluation.models import EmonevQuestion
from ppid.evaluation.rules import Question as Q
from ppid.extensions import db
from tests.services.test_evaluation_assessment import evidence
from tests.services.test_registry_staleness import NOW

JI = rules.Indicator.JENIS_INFORMASI
KO = rules.Indicator.KOMITMEN_ORGANISASI
DG = rules.Indicator.DIGITALISASI


@pytest.fixture
def agency(factories):
    factories.agency(kind="utama", name="PPID Utama Uji")
    return factories.agency(slug="dinas-tanya", name="Dinas Tanya")


def unchanged(year, indicator, **weights):
    """The changes that keep every question of ``indicator`` as it is, but ``weights``."""
    return {q.value: {"weight": weights.get(q.value, q.points), "text_id": q.text_id,
                      "text_en": q.text_en, "basis": q.basis, "retire": False}
            for q in assessment.questions_for(year).active if q.indicator is indicator}


def stored_rows():
    return db.session.execute(sa.select(sa.func.count(EmonevQuestion.id))).scalar()


def test_the_defaults_are_a_sound_set(ctx):
    current = assessment.questions_for(2026)
    assert current.is_default
    asked = rules.check_question_set(current.questions)
    assert [q.value for q in asked] == [q.value for q in rules.QUESTIONS]
    for ind in rules.INDICATORS:
        assert sum(q.points for q in asked if q.indicator is ind) == 100


def test_reweighting_an_indicator_is_audited_and_versioned(ctx, agency):
    changes = unchanged(2026, JI, ji_berkala=50, ji_setiap_saat=25, ji_dik=25)
    assessment.save_indicator_questions(2026, JI, changes, actor=None, now=NOW)
    mine = assessment.questions_for(2026)
    assert mine.source_year == 2026
    assert [mine.get(c).points for c in ("ji_berkala", "ji_setiap_saat", "ji_dik")] == \
        [50, 25, 25]
    # The other years: 2025 keeps the defaults, 2027 takes 2026's set until it has its own.
    assert assessment.questions_for(2025).is_default
    assert assessment.questions_for(2027).source_year == 2026
    event = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "emonev.questions")).scalar_one()
    assert '"ji_berkala":{"points":[60,50]}' in event.changes.replace(" ", "")
    # The assessment weighs berkala 8/11-style results by the year's weights.
    results = {r.question: r for r in assessment.question_results(2026, [agency],
                                                                  now=NOW)[agency.id]}
    a = assessment.assess_agency(agency, 2026, now=NOW).assessment
    ji = next(i for i in a.indicators if i.indicator is JI)
    scored = [r for r in ji.results if r.score is not None]
    expected = sum((r.score * r.question.points for r in scored), Fraction(0)) / sum(
        r.question.points for r in scored)
    assert ji.score == expected and {r.question.points for r in ji.results} == {50, 25}
    assert results[Q.BERKALA].question.points == 50


@pytest.mark.parametrize("weights,message", [
    ({"ji_berkala": 50}, "Bobot pertanyaan indikator Jenis informasi harus berjumlah 100; "
                         "sekarang 90."),
    ({"ji_berkala": 0}, "harus bilangan bulat 1 sampai 100"),
    ({"ji_berkala": 120, "ji_setiap_saat": -10, "ji_dik": -10}, "harus bilangan bulat 1"),
])
def test_weights_that_do_not_sum_are_refused_and_nothing_is_written(ctx, weights, message):
    with pytest.raises(rules.QuestionSetError) as exc:
        assessment.save_indicator_questions(2026, JI, unchanged(2026, JI, **weights),
                                            actor=None, now=NOW)
    assert message in str(exc.value.message)
    assert stored_rows() == 0
    assert assessment.questions_for(2026).is_default


def test_an_added_attested_question_is_asked_from_its_year_on(ctx, agency):
    """The SOP for objections added to komitmen organisasi in 2026 (five questions of 20):
    attested, it counts in 2026; 2025's assessment never asked it."""
    changes = unchanged(2026, KO, ko_sk_ppid=20, ko_sop=20, ko_maklumat=20, ko_anggaran=20)
    assessment.save_indicator_questions(2026, KO, changes, {
        "code": "ko_sop_keberatan", "kind": "dinyatakan", "computation": "",
        "text_id": "SOP penanganan keberatan", "text_en": "Objection-handling SOP",
        "basis": "Perki 1/2021 Pasal 35", "weight": 20}, actor=None, now=NOW)
    added = assessment.questions_for(2026).get("ko_sop_keberatan")
    with force_locale("id"):
        assert str(added.label) == "SOP penanganan keberatan"
    with force_locale("en"):
        assert str(added.label) == "Objection-handling SOP"
    assert ("ko_sop_keberatan", "SOP penanganan keberatan") in [
        (v, str(label)) for v, label in assessment.attested_question_choices(2026)]
    assessment.attest(agency, "ko_sop_keberatan", evidence("sop-keberatan.pdf"),
                      statement="SOP Keberatan 2026", valid_from=date(2026, 1, 2),
                      valid_until=date(2028, 1, 1), actor=None, now=NOW)
    a = assessment.assess_agency(agency, 2026, now=NOW).assessment
    r = a.result_of("ko_sop_keberatan")
    assert (r.numerator, r.denominator) == (1, 1) and r.question.points == 20
    assert "SOP Keberatan 2026" in r.details
    ko = next(i for i in a.indicators if i.indicator is KO)
    assert ko.score == Fraction(20, 100)  # only the new one is attested
    assert assessment.assess_agency(agency, 2025, now=NOW).assessment.result_of(
        "ko_sop_keberatan") is None
    # A code used once stays taken (a retired question keeps its code).
    with pytest.raises(rules.QuestionSetError) as exc:
        assessment.save_indicator_questions(2026, KO, unchanged(2026, KO), {
            "code": "ko_sop_keberatan", "kind": "dinyatakan", "text_id": "Lagi",
            "weight": 10}, actor=None, now=NOW)
    assert "sudah dipakai" in str(exc.value.message)


def test_retiring_a_question_and_reusing_its_computation(ctx, agency):
    """dg_kanal_resmi is retired and a new computed question takes its computation under
    another text; one computation serves one active question only."""
    changes = unchanged(2026, DG)
    changes["dg_kanal_resmi"]["retire"] = True
    with pytest.raises(rules.QuestionSetError) as exc:
        assessment.save_indicator_questions(2026, DG, changes, {
            "code": "dg_daring_lain", "kind": "dihitung", "computation": "dg_kanal_daring",
            "text_id": "Kanal daring lain", "weight": 30}, actor=None, now=NOW)
    assert "sudah dipakai pertanyaan lain" in str(exc.value.message)
    assessment.save_indicator_questions(2026, DG, changes, {
        "code": "dg_media_sosial", "kind": "dihitung", "computation": "dg_kanal_resmi",
        "text_id": "Media sosial resmi dikelola", "weight": 30}, actor=None, now=NOW)
    current = assessment.questions_for(2026)
    assert current.get("dg_kanal_resmi").is_retired
    assert [q.value for q in current.active if q.indicator is DG] == [
        "dg_kanal_daring", "dg_dip_daring", "dg_media_sosial"]
    r = assessment.assess_agency(agency, 2026, now=NOW).assessment.result_of(
        "dg_media_sosial")
    assert r.denominator == 2 and "Belum ada situs web atau media sosial" in r.details[0]
    assert assessment.assess_agency(agency, 2026, now=NOW).assessment.result_of(
        Q.KANAL_RESMI) is None
    # Retiring every question of an indicator leaves it unscorable: refused.
    every = unchanged(2026, DG)
    for change in every.values():
        change["retire"] = True
    with pytest.raises(rules.QuestionSetError) as exc:
        assessment.save_indicator_questions(2026, DG, every, actor=None, now=NOW)
    assert "paling sedikit satu pertanyaan aktif" in str(exc.value.message)


def test_a_retired_attested_question_ends_its_alert(ctx, agency):
    assessment.attest(agency, "sp_ruang", evidence("ruang.pdf"), statement="Foto ruang",
                      valid_from=date(2025, 1, 1), valid_until=date(2026, 12, 1), actor=None,
                      now=NOW)
    assert agency.id in assessment.attestation_alerts(NOW)
    changes = unchanged(2026, rules.Indicator.SARANA_PRASARANA, sp_menu_ppid=70)
    changes["sp_ruang"]["retire"] = True
    assessment.save_indicator_questions(2026, rules.Indicator.SARANA_PRASARANA, changes,
                                        actor=None, now=NOW)
    assert agency.id not in assessment.attestation_alerts(NOW)
    with pytest.raises(assessment.AssessmentError):
        assessment.attest(agency, "sp_ruang", evidence("ruang.pdf"), statement="Foto",
                          valid_from=date(2026, 1, 1), valid_until=date(2027, 1, 1),
                          actor=None, now=NOW)


def test_a_past_year_never_changes(ctx):
    with pytest.raises(assessment.AssessmentError) as exc:
        assessment.save_indicator_questions(2025, JI, unchanged(2025, JI), actor=None,
                                            now=NOW)
    assert "tidak dapat diubah lagi" in str(exc.value.message)
    with pytest.raises(assessment.AssessmentError):
        assessment.save_indicator_questions(2028, JI, unchanged(2028, JI), actor=None,
                                            now=NOW)
    assert stored_rows() == 0


def test_a_default_question_reworded_in_both_languages(ctx):
    changes = unchanged(2026, JI)
    changes["ji_berkala"].update(text_id="Informasi berkala Pasal 9 tersedia",
                                 text_en="Periodic information of Article 9 available")
    # Left as its own label, a default question keeps no text (its translation stays).
    with force_locale("id"):
        changes["ji_dik"]["text_id"] = str(Q.DIKECUALIKAN.label)
    assessment.save_indicator_questions(2026, JI, changes, actor=None, now=NOW)
    current = assessment.questions_for(2026)
    with force_locale("en"):
        assert str(current.get("ji_berkala").label) == \
            "Periodic information of Article 9 available"
        assert current.get("ji_dik").text_id is None
        assert str(current.get("ji_dik").label) == str(Q.DIKECUALIKAN.label)
