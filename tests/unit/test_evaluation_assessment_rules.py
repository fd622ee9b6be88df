"""The E-Monev self-assessment's pure scoring against hand-worked cases: question, indicator
and total scores, the band, what is missing ordered by what it would add, the government's
pooled figures, the weights' check and the attested documents' validity."""
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from ppid.evaluation import rules
from ppid.evaluation.rules import Question as Q
from ppid.reports.rules import Band

DEFAULTS = rules.DEFAULT_INDICATOR_WEIGHTS


def full(**over):
    """Every question at full marks (1 of 1), except those given as (num, den)."""
    out = []
    for q in rules.QUESTIONS:
        num, den = over.get(q.value, (1, 1))
        out.append(rules.question_result(q, num, den))
    return out


def test_defaults_are_domain_section_15():
    assert DEFAULTS == {"jenis_informasi": 40, "digitalisasi": 20, "kualitas_informasi": 10,
                        "pelayanan_informasi": 10, "komitmen_organisasi": 10,
                        "sarana_prasarana": 10}
    assert sum(DEFAULTS.values()) == 100
    assert {q.indicator for q in rules.QUESTIONS} == set(rules.INDICATORS)


def test_everything_present_scores_100_informatif():
    a = rules.score_assessment(full(), DEFAULTS)
    assert a.total == Decimal("100.0") and a.band == Band.INFORMATIF and a.gains == ()


def test_hand_worked_agency():
    """Each question's weight within its indicator is a percentage (DOMAIN.md section 15
    defaults, rules.Question):
    Jenis informasi: berkala 8/11 (60), setiap saat 1/1 (20), DIK 1/2 (20):
        (60 x 8/11 + 20 + 10) / 100 = (480/11 + 30) / 100 = 810/1100 = 81/110
    Digitalisasi: online 3/4 (40), official channels 1/1 (30), DIP online 1/1 (30)
        -> (30 + 30 + 30) / 100 = 9/10
    Kualitas: 1/1 and 1/2 (50 each) -> 3/4
    Pelayanan: on time 9/10 (50), annual report 1/2 (25), IKM 0/1 (25)
        -> (45 + 12.5 + 0) / 100 = 23/40
    Komitmen: SK PPID 1, SOP 0, maklumat 1, anggaran 1 (25 each) -> 3/4
    Sarana: menu 1 (40), ruang 0 (30), disabilitas 0 (30) -> 2/5
    Total = 40 x 81/110 + 20 x 9/10 + 10 x 3/4 + 10 x 23/40 + 10 x 3/4 + 10 x 2/5
          = 29.4545... + 18 + 7.5 + 5.75 + 7.5 + 4 = 72.2045... -> 72.2
    Cukup Informatif (60-79.9)."""
    results = full(ji_berkala=(8, 11), ji_dik=(1, 2), dg_kanal_daring=(3, 4),
                   kq_mutakhir=(1, 2), pl_tepat_waktu=(9, 10), pl_laporan=(1, 2),
                   pl_ikm=(0, 1), ko_sop=(0, 1), sp_ruang=(0, 1), sp_disabilitas=(0, 1))
    a = rules.score_assessment(results, DEFAULTS)
    scores = {i.indicator.value: i.score for i in a.indicators}
    assert scores == {"jenis_informasi": Fraction(81, 110), "digitalisasi": Fraction(9, 10),
                      "kualitas_informasi": Fraction(3, 4),
                      "pelayanan_informasi": Fraction(23, 40),
                      "komitmen_organisasi": Fraction(3, 4),
                      "sarana_prasarana": Fraction(2, 5)}
    assert a.total_exact == Fraction(40 * 81, 110) + 18 + Fraction(15, 2) \
        + Fraction(23, 4) + Fraction(15, 2) + 4
    assert a.total == Decimal("72.2") and a.band == Band.CUKUP_INFORMATIF
    # What is missing, by what it would add: berkala 40 x 60/100 x 3/11 = 6.545...;
    # dik 40 x 20/100 x 1/2 = 4; sp_ruang and sp_disabilitas 10 x 30/100 = 3 each;
    # mutakhir 10 x 50/100 x 1/2 = 2.5; IKM 10 x 25/100 = 2.5; SOP 10 x 25/100 = 2.5;
    # kanal 20 x 40/100 x 1/4 = 2; laporan 10 x 25/100 x 1/2 = 1.25; on time
    # 10 x 50/100 x 1/10 = 0.5.
    gains = [(g.question, g.points) for g in a.gains]
    assert gains == [(Q.BERKALA, Fraction(72, 11)), (Q.DIKECUALIKAN, Fraction(4)),
                     (Q.RUANG_PELAYANAN, Fraction(3)), (Q.AKSES_DISABILITAS, Fraction(3)),
                     (Q.MUTAKHIR, Fraction(5, 2)), (Q.SURVEI_IKM, Fraction(5, 2)),
                     (Q.SOP, Fraction(5, 2)), (Q.KANAL_DARING, Fraction(2)),
                     (Q.LAPORAN_TAHUNAN, Fraction(5, 4)), (Q.TEPAT_WAKTU, Fraction(1, 2))]
    assert a.gains[0].shown == Decimal("6.5")
    # Closing every gap adds exactly what is missing to 100.
    assert sum(g.points for g in a.gains) == 100 - a.total_exact


def test_unscorable_questions_drop_out_and_are_not_missing():
    """No request in the year (0 of 0) and no exempt information: pelayanan is scored by
    its other questions, jenis informasi without the DIK."""
    results = full(pl_tepat_waktu=(0, 0), dg_kanal_daring=(0, 0), ji_dik=(0, 0),
                   pl_ikm=(0, 1))
    a = rules.score_assessment(results, DEFAULTS)
    pel = next(i for i in a.indicators if i.indicator is rules.Indicator.PELAYANAN_INFORMASI)
    assert pel.score == Fraction(1, 2)  # laporan 1 of (laporan 1 + IKM 1) points
    assert a.total == Decimal("95.0") and a.band == Band.INFORMATIF
    assert [g.question for g in a.gains] == [Q.SURVEI_IKM]
    assert a.gains[0].points == 5


def test_indicator_without_any_scorable_question_rescales_the_total():
    """All pelayanan questions unscorable and all else full: the other 90 weigh 100."""
    results = [r if r.question.indicator is not rules.Indicator.PELAYANAN_INFORMASI
               else rules.question_result(r.question, 0, 0) for r in full(ko_sop=(0, 1))]
    a = rules.score_assessment(results, DEFAULTS)
    # Komitmen 3/4 x 10 of 90 scored: 100 - 100 x 10/90 x 1/4 = 97.22...
    assert a.total_exact == 100 - Fraction(1000, 360)
    assert a.total == Decimal("97.2")
    assert rules.score_assessment([rules.question_result(q, 0, 0) for q in rules.QUESTIONS],
                                  DEFAULTS).total is None


def test_adjusted_weights_change_the_total():
    weights = dict(DEFAULTS, jenis_informasi=50, sarana_prasarana=0)
    results = full(sp_ruang=(0, 1), ji_berkala=(1, 2))
    # jenis: (3 x 1/2 + 2) / 5 = 7/10; 50 x 7/10 = 35, + 20 + 10 + 10 + 10 = 85; sarana 0.
    a = rules.score_assessment(results, weights)
    assert a.total == Decimal("85.0") and a.band == Band.MENUJU_INFORMATIF
    assert Q.RUANG_PELAYANAN not in [g.question for g in a.gains]  # weight 0 adds nothing


def test_bands_at_their_bounds_after_rounding():
    # 89.95 rounds half up to 90.0: Informatif. Berkala 3 points of 5, weight 40: a share s
    # gives 60 + 40 x (3s + 2)/5 ... choose s so that the total is 89.95 exactly:
    # 100 - 40 x 3/5 x (1 - s) = 89.95 -> 1 - s = 10.05 / 24 = 201/480.
    s = 1 - Fraction(201, 480)
    a = rules.score_assessment(full(ji_berkala=(s.numerator, s.denominator)), DEFAULTS)
    assert a.total_exact == Fraction(8995, 100)
    assert a.total == Decimal("90.0") and a.band == Band.INFORMATIF
    for total, band in ((Decimal("80.0"), Band.MENUJU_INFORMATIF),
                        (Decimal("79.9"), Band.CUKUP_INFORMATIF),
                        (Decimal("40.0"), Band.KURANG_INFORMATIF),
                        (Decimal("39.9"), Band.TIDAK_INFORMATIF)):
        from ppid.reports.rules import band as emonev_band
        assert emonev_band(float(total)) == band


def test_government_pools_numerators_and_denominators():
    a = full(ji_berkala=(8, 11), ko_sop=(0, 1), pl_tepat_waktu=(0, 0))
    b = full(ji_berkala=(5, 11), ko_sop=(1, 1), pl_tepat_waktu=(3, 4))
    pooled = {r.question: (r.numerator, r.denominator) for r in rules.pool([a, b])}
    assert pooled[Q.BERKALA] == (13, 22)
    assert pooled[Q.SOP] == (1, 2)          # one agency of two holds a valid SOP
    assert pooled[Q.TEPAT_WAKTU] == (3, 4)  # only b had requests
    assert pooled[Q.SK_PPID] == (2, 2)


def test_ranking_shares_places_and_puts_unscored_last():
    top = rules.score_assessment(full(), DEFAULTS)
    mid = rules.score_assessment(full(ko_sop=(0, 1)), DEFAULTS)
    none = rules.score_assessment([rules.question_result(q, 0, 0) for q in rules.QUESTIONS],
                                  DEFAULTS)
    ranked = rules.rank([("c", mid), ("x", none), ("a", top), ("b", top)])
    assert [(p, k) for p, k, _a in ranked] == [(1, "a"), (1, "b"), (3, "c"), (None, "x")]


@pytest.mark.parametrize("weights, message", [
    (dict(DEFAULTS, digitalisasi=21), "Jumlah bobot harus 100; sekarang 101."),
    (dict(DEFAULTS, digitalisasi=-5), "harus bilangan bulat 0 sampai 100"),
    (dict(DEFAULTS, digitalisasi="20"), "harus bilangan bulat"),
    ({k: v for k, v in DEFAULTS.items() if k != "digitalisasi"}, "Digitalisasi"),
    (dict(DEFAULTS, lain=0), "Indikator tidak dikenal: lain."),
])
def test_weights_are_checked_with_a_clear_message(app, weights, message):
    with app.test_request_context():
        with pytest.raises(rules.WeightsError) as err:
            rules.check_indicator_weights(weights)
        assert message in str(err.value.message)


def test_question_result_bounds():
    with pytest.raises(ValueError):
        rules.question_result(Q.BERKALA, 3, 2)
    assert rules.question_result(Q.BERKALA, 0, 0).score is None


def test_attestation_validity_and_status():
    today = date(2026, 12, 2)
    S = rules.AttestationStatus
    assert rules.attestation_status(date(2026, 12, 1), today, 30) is S.KEDALUWARSA
    assert rules.attestation_status(today, today, 30) is S.SEGERA
    assert rules.attestation_status(date(2027, 1, 1), today, 30) is S.SEGERA
    assert rules.attestation_status(date(2027, 1, 2), today, 30) is S.BERLAKU
    counts = rules.attestation_counts
    assert counts(date(2026, 1, 1), date(2026, 12, 31), date(2026, 3, 1), today)
    assert not counts(date(2026, 1, 1), date(2026, 12, 1), date(2026, 3, 1), today)
    assert not counts(date(2026, 1, 1), date(2027, 12, 31), date(2026, 12, 3), today)
    assert not counts(date(2026, 12, 3), date(2027, 12, 31), date(2026, 12, 2), today)
    assert rules.annual_report_year(2026) == 2025
