"""Each computed E-Monev question against a small hand-built registry (obligations current
and stale, requests on time and late, the DIK, the annual report, the IKM survey), the
attested documents and their alerts, the weights of a year, an earlier year from its
compliance snapshot, and the government's pooled assessment."""
import io
import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from zoneinfo import ZoneInfo

from ppid.core.models import AuditEvent
from ppid.evaluation import assessment, rules
from ppid.evaluation.models import EmonevWeight, IkmSurvey
from ppid.evaluation.rules import Question as Q
from ppid.extensions import db
from ppid.registry import services as registry
from ppid.registry.demo import _pdf_bytes
from ppid.reports import services as reports
from ppid.reports.models import ComplianceSnapshot
from ppid.reports.testing import add_request
from tests.services.test_registry_staleness import (NOW, TODAY, make_catalogue, moment,
                                                     published_item)

JKT = ZoneInfo("Asia/Jakarta")


def results_of(agency, year=2026, now=NOW):
    return {r.question: r for r in assessment.question_results(year, [agency],
                                                               now=now)[agency.id]}


def evidence(name="sk-ppid.pdf", text="SK PPID"):
    return assessment.check_evidence(FileStorage(io.BytesIO(_pdf_bytes([text])),
                                                 filename=name))


@pytest.fixture
def agency(factories):
    factories.agency(kind="utama", name="PPID Utama Uji")
    return factories.agency(slug="dinas-uji-em", name="Dinas Uji E-Monev")


def test_obligations_covered_and_current(ctx, agency):
    """a published 60 days ago (current), b published 2025-08-31 (overdue), c never: 1 of
    3; u applies to the PPID Utama only and is not counted."""
    obs = make_catalogue()
    published_item(agency, obs["a"], TODAY - timedelta(days=60))
    published_item(agency, obs["b"], date(2025, 8, 31))
    r = results_of(agency)[Q.BERKALA]
    assert (r.numerator, r.denominator) == (1, 3)
    text = " ".join(r.details)
    assert "1 dari 3 kewajiban" in text
    assert "a. Kewajiban a: Terkini" in text and "b. Kewajiban b: Terlambat" in text
    assert "c. Kewajiban c: Belum ada" in text and "Kewajiban u" not in text
    # A nil declaration for c counts as covered: 2 of 3.
    registry.declare_nil(agency, obs["c"], 2026, 1, "Tidak ada kegiatan", actor=None,
                         now=moment(date(2026, 7, 2)))
    assert results_of(agency)[Q.BERKALA].numerator == 2


def test_dip_categories_columns_and_currency(ctx, agency):
    """Three published items: one complete and renewed this year, one made 2024 with no
    retention column and never renewed since, one of category setiap_saat; a withdrawn and
    a draft item do not count."""
    obs = make_catalogue()
    published_item(agency, obs["a"], TODAY - timedelta(days=30))
    old = published_item(agency, None, date(2024, 6, 3), title="Lama")
    old.retention = ""
    item = published_item(agency, None, TODAY - timedelta(days=5), title="Standar layanan")
    item.category = "setiap_saat"
    published_item(agency, None, TODAY - timedelta(days=3), title="Ditarik",
                   state="withdrawn")
    published_item(agency, None, TODAY - timedelta(days=3), title="Draf", state="draft")
    db.session.flush()
    res = results_of(agency)
    assert (res[Q.SETIAP_SAAT].numerator, res[Q.SETIAP_SAAT].denominator) == (1, 1)
    assert (res[Q.DIP_DARING].numerator, res[Q.DIP_DARING].denominator) == (3, 3)
    assert (res[Q.KOLOM_DIP].numerator, res[Q.KOLOM_DIP].denominator) == (2, 3)
    assert "Kolom belum lengkap: Lama" in res[Q.KOLOM_DIP].details
    assert (res[Q.MUTAKHIR].numerator, res[Q.MUTAKHIR].denominator) == (2, 3)
    assert "Belum diperbarui: Lama" in res[Q.MUTAKHIR].details
    assert (res[Q.MENU_PPID].numerator, res[Q.MENU_PPID].denominator) == (1, 1)


def test_an_agency_without_a_dip_scores_zero_there(ctx, agency):
    res = results_of(agency)
    for q in (Q.DIP_DARING, Q.KOLOM_DIP, Q.MUTAKHIR, Q.MENU_PPID, Q.SETIAP_SAAT):
        assert res[q].score == 0, q


def _exemption(agency, information, end_on, approve=True, **over):
    data = {"information": information, "document": "Berkas", "pasal17_letters": "c",
            "other_statute": "", "consequence": "Membuka rahasia pertahanan",
            "public_interest": "Tidak sebanding", "tested_on": date(2026, 1, 3),
            "decided_by": "PPID", "decree_number": "SK 1/2026", "decree_on": date(2026, 1, 5),
            "end_on": end_on, "item_id": None}
    data.update(over)
    entry = registry.save_exemption(agency, None, data, actor=None, now=NOW)
    if approve:
        registry.approve_exemption(entry, {
            "approved_by_name": "Kepala Dinas", "approved_by_position": "Kepala",
            "approved_on": data["decree_on"]}, actor=None, now=NOW)
    return entry


def test_dik_with_consequence_tests(ctx, agency):
    """Entries: approved and in force with its test; approved but its period ended (to be
    reviewed); awaiting the head's approval; decided after the day assessed (not counted):
    1 of 3. No entry at all: not scored."""
    assert results_of(agency)[Q.DIKECUALIKAN].score is None
    _exemption(agency, "Rencana pengamanan", date(2031, 1, 5))
    _exemption(agency, "Data lama", date(2026, 6, 30))
    _exemption(agency, "Menunggu persetujuan", date(2031, 1, 5), approve=False)
    _exemption(agency, "Keputusan mendatang", date(2031, 1, 5), decree_on=date(2026, 11, 30),
               approve=False)
    r = results_of(agency)[Q.DIKECUALIKAN]
    assert (r.numerator, r.denominator) == (1, 3)
    text = " | ".join(r.details)
    assert "Data lama (SK 1/2026): berakhir 30 Juni 2026, perlu ditinjau" in text
    assert "Menunggu persetujuan (SK 1/2026): menunggu persetujuan pimpinan" in text
    assert "Rencana pengamanan (SK 1/2026): berlaku sampai 5 Januari 2031" in text


def test_requests_on_time_and_by_channel(ctx, agency):
    """2026: closed on time, closed late, open past its due date (late), open within its
    deadline (not counted), withdrawn (not counted): on time 1 of 3. A 2025 request is
    another year's. Channels: 4 of the 5 received online or by e-mail."""
    add_request(agency, date(2026, 3, 2), date(2026, 3, 13), state="selesai",
                closed_on=date(2026, 3, 10), outcome="dikabulkan")
    add_request(agency, date(2026, 4, 1), date(2026, 4, 14), state="selesai",
                closed_on=date(2026, 4, 20), outcome="dikabulkan")
    late_open = add_request(agency, date(2026, 10, 1), date(2026, 10, 14))
    pending = add_request(agency, date(2026, 11, 20), date(2026, 12, 4))
    add_request(agency, date(2026, 5, 4), date(2026, 5, 15), state="ditarik")
    add_request(agency, date(2025, 5, 4), date(2025, 5, 15), state="selesai",
                closed_on=date(2025, 6, 30), outcome="dikabulkan")
    late_open.channel = "langsung"
    pending.channel = "email"
    db.session.flush()
    res = results_of(agency)
    r = res[Q.TEPAT_WAKTU]
    assert (r.numerator, r.denominator) == (1, 3)
    assert "1 dari 3 permohonan tahun 2026 diputus tepat waktu (33.3 %); 2 terlambat; " \
           "1 masih dalam tenggat, 1 ditarik" in r.details[0]
    c = res[Q.KANAL_DARING]
    assert (c.numerator, c.denominator) == (4, 5)
    assert "Datang langsung: 1" in c.details and "E-mail: 1" in c.details
    # No request in a year: neither question is scored.
    none = results_of(agency, 2026, now=datetime(2026, 1, 10, 9, tzinfo=JKT))
    assert none[Q.TEPAT_WAKTU].score is None and none[Q.KANAL_DARING].score is None


def test_annual_report_of_the_previous_year(ctx, agency):
    """The 2025 report's sections all written (seven since the report is complete, Perki
    1/2021 Pasal 56), and its summary published as obligation e after 2025 ended: 2 of 2; a
    summary version from before the year ended does not count."""
    from ppid.reports.models import ANNUAL_TEXT_FIELDS
    sections = [str(f) for f in ANNUAL_TEXT_FIELDS]
    e = registry.save_obligation(None, {
        "code": "e", "title": "Ringkasan laporan akses", "description": "-",
        "legal_basis": "Perki 1/2021 Pasal 56", "category": "berkala", "period_months": 12,
        "applies_to": "semua", "is_active": True}, actor=None)
    assert results_of(agency)[Q.LAPORAN_TAHUNAN].numerator == 0
    reports.save_annual_text(agency, 2025, {f: "Uraian" for f in sections[:-1]}, actor=None,
                             now=NOW)
    assert results_of(agency)[Q.LAPORAN_TAHUNAN].numerator == 0  # one section still empty
    reports.save_annual_text(agency, 2025, {f: "Uraian" for f in sections}, actor=None,
                             now=NOW)
    item = published_item(agency, e, date(2025, 12, 20), title="Ringkasan 2025")
    r = results_of(agency)[Q.LAPORAN_TAHUNAN]
    assert (r.numerator, r.denominator) == (1, 2)
    assert f"{len(sections)} dari {len(sections)} bagian" in r.details[0]
    assert "belum diterbitkan" in r.details[1]
    registry.add_version(item, FileStorage(io.BytesIO(_pdf_bytes(["Ringkasan final"])),
                                           filename="ringkasan.pdf"),
                         "final", actor=None, now=moment(date(2026, 2, 10)))
    r = results_of(agency)[Q.LAPORAN_TAHUNAN]
    assert (r.numerator, r.denominator) == (2, 2)
    assert "10 Februari 2026" in r.details[1]


def test_ikm_survey_of_the_year(ctx, agency):
    req = add_request(agency, date(2026, 3, 2), date(2026, 3, 13), state="selesai",
                      closed_on=date(2026, 3, 10), outcome="dikabulkan")
    survey = IkmSurvey(request_id=req.id, agency_id=agency.id, invited_on=date(2026, 3, 10))
    db.session.add(survey)
    db.session.flush()
    r = results_of(agency)[Q.SURVEI_IKM]
    assert (r.numerator, r.denominator) == (0, 1)
    assert "0 tanggapan dari 1 undangan" in r.details[0]
    for c in ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"):
        setattr(survey, c, 3)
    survey.responded_at = moment(date(2026, 3, 12))
    survey.responded_on = date(2026, 3, 12)
    db.session.flush()
    assert results_of(agency)[Q.SURVEI_IKM].numerator == 1


def test_attested_documents_count_while_valid_and_alert_when_expiring(ctx, agency):
    sk = assessment.attest(agency, "ko_sk_ppid", evidence(), statement="SK PPID 2026",
                           valid_from=date(2026, 1, 2), valid_until=date(2026, 12, 10),
                           actor=None, now=NOW)
    assessment.attest(agency, "ko_sop", evidence("sop.pdf", "SOP"), statement="SOP lama",
                      valid_from=date(2024, 1, 2), valid_until=date(2026, 6, 30),
                      actor=None, now=NOW)
    res = results_of(agency)
    assert res[Q.SK_PPID].score == 1 and "sk-ppid.pdf" in res[Q.SK_PPID].details[0]
    assert res[Q.SOP].score == 0 and "tidak berlaku" in res[Q.SOP].details[0]
    assert res[Q.MAKLUMAT].score == 0 and res[Q.MAKLUMAT].details == (
        "Belum ada bukti yang diunggah.",)
    alerts = assessment.attestation_alerts(NOW)[agency.id]
    assert [(a.kind, a.severity) for a in alerts] == [("emonev", "segera"),
                                                      ("emonev", "terlambat")]
    assert "SOP" in str(alerts[1].title) and alerts[1].url == "/kelola/emonev/dinas-uji-em"
    # A new SOP valid for longer ends its alert; the old one stays in the history.
    assessment.attest(agency, "ko_sop", evidence("sop-2026.pdf", "SOP baru"),
                      statement="SOP 2026", valid_from=date(2026, 11, 1),
                      valid_until=date(2029, 12, 31), actor=None, now=NOW)
    alerts = assessment.attestation_alerts(NOW)[agency.id]
    assert [a.key.split(":")[2] for a in alerts] == ["ko_sk_ppid"]
    # The alert reaches the agency's digest through the one alert collection.
    from ppid.core.alerts import collect_alerts
    assert any(a.kind == "emonev" for a in collect_alerts(NOW)[agency.id])
    assert len(assessment.attestations(agency.id)) == 3
    # Withdrawing the SK ends its alert and its score.
    assessment.withdraw(sk, "SK dicabut", actor=None, now=NOW)
    assert agency.id not in assessment.attestation_alerts(NOW)
    assert results_of(agency)[Q.SK_PPID].score == 0
    with pytest.raises(assessment.AssessmentError):
        assessment.withdraw(sk, "lagi", actor=None, now=NOW)
    event = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "emonev.attest", AuditEvent.object_id == str(sk.id))).scalar_one()
    assert event.agency_id == agency.id and "sk-ppid.pdf" in event.changes


def test_attestation_is_refused_with_a_reason(ctx, agency):
    for kwargs, message in (
            ({"question": "ji_berkala"}, "tidak dinyatakan"),
            ({"statement": " "}, "pernyataan"),
            ({"valid_from": date(2026, 12, 1)}, "setelah hari ini"),
            ({"valid_until": date(2025, 1, 1)}, "sebelum tanggal mulai")):
        args = dict(question="ko_sk_ppid", statement="SK", valid_from=date(2026, 1, 1),
                    valid_until=date(2027, 1, 1))
        args.update(kwargs)
        question = args.pop("question")
        with pytest.raises(assessment.AssessmentError) as err:
            assessment.attest(agency, question, evidence(), actor=None, now=NOW, **args)
        assert message in str(err.value.message)
    assert assessment.attestations(agency.id) == []


def test_weights_of_a_year(ctx, agency):
    assert assessment.weights_for(2026).is_default
    assert assessment.weights_for(2026).weights == rules.DEFAULT_INDICATOR_WEIGHTS
    with pytest.raises(rules.WeightsError):
        assessment.save_weights(2026, dict(rules.DEFAULT_INDICATOR_WEIGHTS, digitalisasi=30),
                                actor=None, now=NOW)
    assert db.session.execute(sa.select(sa.func.count()).select_from(EmonevWeight)
                              ).scalar_one() == 0
    new = dict(rules.DEFAULT_INDICATOR_WEIGHTS, jenis_informasi=30, digitalisasi=30)
    assessment.save_weights(2026, new, actor=None, now=NOW)
    assert assessment.weights_for(2026).weights == new
    later = assessment.weights_for(2027)
    assert later.weights == new and later.source_year == 2026  # carried forward
    assert assessment.weights_for(2025).is_default
    event = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "emonev.weights")).scalar_one()
    changes = json.loads(event.changes)
    assert changes["year"] == 2026 and changes["from_defaults"] is True
    assert changes["jenis_informasi"][-1] == 30 and changes["digitalisasi"][-1] == 30
    # The year's weights are the assessment's.
    assert assessment.assess_agency(agency, 2026, now=NOW).weights.weights == new


def test_an_earlier_year_reads_its_compliance_snapshot(ctx, agency):
    """2025 is assessed on 31 December 2025: the obligations as the last 2025 snapshot
    recorded them; what was attested or received later does not count."""
    assert results_of(agency, 2025)[Q.BERKALA].score is None
    for month, counts in ((date(2025, 6, 1), {"terkini": 1, "terlambat": 3}),
                          (date(2025, 11, 1), {"terkini": 3, "segera": 1, "terlambat": 1,
                                               "belum_ada": 1})):
        db.session.add(ComplianceSnapshot(agency_id=agency.id, month_on=month, score=50,
                                          figures=json.dumps({"obligations": counts})))
    db.session.flush()
    assessment.attest(agency, "ko_sk_ppid", evidence(), statement="SK", valid_from=date(
        2020, 1, 1), valid_until=date(2030, 1, 1), actor=None, now=NOW)
    res = results_of(agency, 2025)
    assert (res[Q.BERKALA].numerator, res[Q.BERKALA].denominator) == (4, 6)
    assert res[Q.SK_PPID].score == 0   # attested in November 2026
    assert results_of(agency, 2026)[Q.SK_PPID].score == 1
    with pytest.raises(assessment.AssessmentError):
        assessment.as_of(2027, NOW)


def test_government_and_ranking(ctx, agency, factories):
    other = factories.agency(slug="dinas-lain-em", name="Dinas Lain")
    obs = make_catalogue()
    for ob in obs.values():
        if ob.code != "u":
            published_item(other, ob, TODAY - timedelta(days=20), title=f"Lain {ob.code}")
    published_item(agency, obs["a"], TODAY - timedelta(days=60))
    assessment.attest(other, "ko_sk_ppid", evidence(), statement="SK", valid_from=date(
        2026, 1, 1), valid_until=date(2030, 1, 1), actor=None, now=NOW)
    government, ranked = assessment.assess_all(2026, now=NOW)
    by_slug = {r.agency.slug: (place, r.assessment) for place, r in ranked}
    assert by_slug["dinas-lain-em"][0] == 1
    assert by_slug["dinas-lain-em"][1].total > by_slug["dinas-uji-em"][1].total
    pooled = government.assessment.result_of(Q.BERKALA)
    # 1 of 3 + 3 of 3, and the PPID Utama's 0 of 4 (a, b, c and u).
    assert (pooled.numerator, pooled.denominator) == (4, 10)
    sk = government.assessment.result_of(Q.SK_PPID)
    assert (sk.numerator, sk.denominator) == (1, 3)
    assert isinstance(government.assessment.total, Decimal)
