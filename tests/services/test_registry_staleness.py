"""The bulk staleness computation equals the pure rule applied pair by pair, in a constant
number of queries; catalogue and configuration changes show at once."""
import io
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from zoneinfo import ZoneInfo

from ppid.extensions import db
from ppid.registry import rules, services
from ppid.registry.demo import _pdf_bytes
from ppid.registry.models import NilDeclaration, Obligation

TODAY = date(2026, 11, 23)


def moment(day, hour=9):
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo("Asia/Jakarta"))


NOW = moment(TODAY, 10)


def make_catalogue():
    """a, b, c every 6 months; u (PPID Utama only) every 12 months."""
    obs = {}
    for code, period, applies in (("a", 6, "semua"), ("b", 6, "semua"), ("c", 6, "semua"),
                                  ("u", 12, "utama")):
        obs[code] = services.save_obligation(None, {
            "code": code, "title": f"Kewajiban {code}", "description": "uraian",
            "legal_basis": "UU 14/2008 Pasal 9", "category": "berkala", "period_months": period,
            "applies_to": applies, "is_active": True}, actor=None)
    return obs


def pdf_upload(text="Laporan", name="laporan.pdf"):
    return FileStorage(io.BytesIO(_pdf_bytes([text])), filename=name)


def published_item(agency, ob, day, *, title="Laporan", versions=(), state="published",
                   actor=None):
    """An item for ``ob`` published on ``day`` (09:00 local), with later versions."""
    item = services.create_item(agency, {
        "title": title, "summary": "Ringkasan", "holding_unit": "Sekretariat",
        "responsible": "Sekretaris", "made_at_place": "Pontianak", "made_on": day,
        "form": "elektronik", "retention": "5 tahun", "category": "berkala",
        "obligation_id": ob.id if ob else None}, actor=actor, now=moment(day))
    services.add_version(item, pdf_upload(f"{title} versi 1"), "v1", actor=actor,
                         now=moment(day))
    if state != "draft":
        services.publish_item(item, actor=actor, now=moment(day))
    for later in versions:
        services.add_version(item, pdf_upload(f"{title} {later}"), "baru", actor=actor,
                             now=moment(later))
    if state == "withdrawn":
        services.withdraw_item(item, "salah unggah", actor=actor, now=moment(day, 15))
    return item


def seed_dataset(factories, n_agencies=5):
    """A small registry where every status occurs."""
    obs = make_catalogue()
    utama = factories.agency(kind="utama", name="PPID Utama Uji")
    agencies = [utama] + [factories.agency() for _ in range(n_agencies)]
    for i, agency in enumerate(agencies):
        # a: current (published 2 months ago), with an old version before that
        published_item(agency, obs["a"], TODAY - timedelta(days=60 + i),
                       versions=[TODAY - timedelta(days=30 + i)])
        # b: overdue for even agencies, due soon for odd ones
        if i % 2 == 0:
            published_item(agency, obs["b"], date(2025, 8, 31))
        else:
            published_item(agency, obs["b"], TODAY - timedelta(days=170))
        # c: missing except a draft (agency 1), a withdrawn item (agency 2), nil (agency 3)
        if i == 1:
            published_item(agency, obs["c"], TODAY - timedelta(days=10), state="draft")
        elif i == 2:
            published_item(agency, obs["c"], TODAY - timedelta(days=10), state="withdrawn")
        elif i == 3:
            services.declare_nil(agency, obs["c"], 2026, 2, "tidak ada kegiatan", actor=None,
                                 now=moment(TODAY - timedelta(days=5)))
        elif i == 4:
            # a nil declaration older than a newer publication
            services.declare_nil(agency, obs["c"], 2025, 1, "nihil", actor=None,
                                 now=moment(date(2025, 3, 1)))
            published_item(agency, obs["c"], TODAY - timedelta(days=3))
        elif i == 5:
            # overdue, withdrawn and republished without a new document: still overdue
            item = published_item(agency, obs["c"], date(2025, 9, 1))
            services.withdraw_item(item, "keliru", actor=None, now=moment(TODAY, 8))
            services.publish_item(item, actor=None, now=moment(TODAY, 9))
    # u: the PPID Utama published a year and a bit ago (12-month period): overdue
    published_item(utama, obs["u"], date(2025, 10, 1))
    # an inactive agency is left out
    factories.agency(is_active=False)
    db.session.flush()
    return obs, agencies


def test_bulk_equals_rule_item_by_item(factories):
    obs, agencies = seed_dataset(factories)
    bulk = services.compute_staleness(NOW)
    one_by_one = [services.status_of(p.agency, p.obligation, now=NOW) for p in bulk]
    assert [(p.agency.id, p.obligation.code, p.status, p.last_published_on, p.due_on)
            for p in bulk] == \
           [(p.agency.id, p.obligation.code, p.status, p.last_published_on, p.due_on)
            for p in one_by_one]
    # every applicable pair, and only those: u applies to the PPID Utama alone
    assert len(bulk) == len(agencies) * 3 + 1
    assert {p.status for p in bulk} == set(rules.STATUSES)
    by = {(p.agency.id, p.obligation.code): p for p in bulk}
    assert by[(agencies[0].id, "b")].status == rules.TERLAMBAT
    assert by[(agencies[0].id, "b")].due_on == date(2026, 2, 28)   # 31 Aug + 6 months
    assert by[(agencies[1].id, "b")].status == rules.SEGERA
    assert by[(agencies[1].id, "c")].status == rules.BELUM_ADA     # a draft is not published
    assert by[(agencies[2].id, "c")].status == rules.BELUM_ADA     # withdrawn does not count
    assert by[(agencies[3].id, "c")].status == rules.NIHIL
    assert by[(agencies[4].id, "c")].status == rules.TERKINI
    assert by[(agencies[5].id, "c")].status == rules.TERLAMBAT
    assert by[(agencies[5].id, "c")].last_published_on == date(2025, 9, 1)
    # a nil counts from the end of the semester it covers (Semester II 2026)
    assert by[(agencies[3].id, "c")].last_published_on == date(2026, 12, 31)
    assert by[(agencies[3].id, "c")].due_on == date(2027, 6, 30)
    # the newest version counts, not the first publication
    assert by[(agencies[0].id, "a")].last_published_on == TODAY - timedelta(days=30)
    assert by[(agencies[0].id, "u")].status == rules.TERLAMBAT


def _count_queries():
    counter = {"n": 0}

    def before(*_args, **_kw):
        counter["n"] += 1
    return counter, before


def test_bulk_uses_a_constant_number_of_queries(factories):
    seed_dataset(factories, n_agencies=2)
    db.session.commit()
    counter, before = _count_queries()
    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        db.session.expire_all()
        services.compute_staleness(NOW)
        small = counter["n"]
        seed_more = [factories.agency() for _ in range(6)]
        obs = {o.code: o for o in db.session.execute(sa.select(Obligation)).scalars()}
        for agency in seed_more:
            published_item(agency, obs["a"], TODAY - timedelta(days=20))
        db.session.commit()
        db.session.expire_all()
        counter["n"] = 0
        pairs = services.compute_staleness(NOW)
        large = counter["n"]
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    assert len(pairs) > 20
    assert large == small <= 5


def test_changing_a_period_changes_statuses(factories):
    obs = make_catalogue()
    agency = factories.agency()
    published_item(agency, obs["a"], TODAY - timedelta(days=100))
    status = {p.obligation.code: p.status for p in services.compute_staleness(NOW)}
    assert status["a"] == rules.TERKINI
    services.save_obligation(obs["a"], {"code": "a", "title": "Kewajiban a",
                                        "category": "berkala", "period_months": 3,
                                        "applies_to": "semua", "is_active": True}, actor=None)
    status = {p.obligation.code: p.status for p in services.compute_staleness(NOW)}
    assert status["a"] == rules.TERLAMBAT


def test_deactivated_obligation_is_not_required(factories):
    obs = make_catalogue()
    factories.agency()
    services.save_obligation(obs["c"], {"code": "c", "title": "Kewajiban c",
                                        "category": "berkala", "period_months": 6,
                                        "applies_to": "semua", "is_active": False}, actor=None)
    assert "c" not in {p.obligation.code for p in services.compute_staleness(NOW)}


def test_warning_window_comes_from_config(app, factories):
    obs = make_catalogue()
    agency = factories.agency()
    published_item(agency, obs["a"], TODAY - timedelta(days=160))  # due in ~22 days
    pair = next(p for p in services.compute_staleness(NOW) if p.obligation.code == "a")
    assert pair.status == rules.SEGERA
    old = app.config["REGISTRY_WARNING_DAYS"]
    app.config["REGISTRY_WARNING_DAYS"] = 7
    try:
        pair = next(p for p in services.compute_staleness(NOW) if p.obligation.code == "a")
        assert pair.status == rules.TERKINI
    finally:
        app.config["REGISTRY_WARNING_DAYS"] = old


def test_catalogue_code_must_be_unique(factories):
    make_catalogue()
    with pytest.raises(services.RegistryError, match="sudah dipakai"):
        services.save_obligation(None, {"code": "a", "title": "x", "category": "berkala",
                                        "period_months": 6, "applies_to": "semua",
                                        "is_active": True}, actor=None)


def assert_bulk_equals_single(now=NOW):
    bulk = services.compute_staleness(now)
    single = [services.status_of(p.agency, p.obligation, now=now) for p in bulk]
    rows = [[(p.agency.id, p.obligation.code, p.status, p.last_published_on, p.due_on,
              p.is_nil) for p in pairs] for pairs in (bulk, single)]
    assert rows[0] == rows[1]
    return {(p.agency.id, p.obligation.code): p for p in bulk}


def test_republishing_a_withdrawn_item_does_not_refresh_the_obligation(factories):
    """Review finding: withdraw + republish of the same old document made it 'terkini'."""
    obs = make_catalogue()
    agency = factories.agency()
    first = date(2026, 1, 10)
    item = published_item(agency, obs["a"], first)       # v1 uploaded and published 10 Jan
    first_published_at = item.published_at
    by = assert_bulk_equals_single()
    assert by[(agency.id, "a")].status == rules.TERLAMBAT
    services.withdraw_item(item, "salah unggah", actor=None, now=moment(TODAY - timedelta(2)))
    assert assert_bulk_equals_single()[(agency.id, "a")].status == rules.BELUM_ADA
    services.publish_item(item, actor=None, now=moment(TODAY - timedelta(days=1)))
    assert item.state == "published" and item.withdrawn_at is None
    assert item.published_at == first_published_at        # the first publication stays
    pair = assert_bulk_equals_single()[(agency.id, "a")]
    assert (pair.status, pair.last_published_on, pair.due_on) == (
        rules.TERLAMBAT, first, date(2026, 7, 10))
    # a new document, uploaded now that the item is public again, counts from its upload
    services.add_version(item, pdf_upload("Profil baru"), "pemutakhiran", actor=None, now=NOW)
    pair = assert_bulk_equals_single()[(agency.id, "a")]
    assert (pair.status, pair.last_published_on) == (rules.TERKINI, TODAY)


def test_a_version_counts_from_when_it_first_became_public(factories):
    """Uploaded as a draft: the item's first publication; uploaded while published: its
    upload; neither moves when the item is withdrawn and republished."""
    obs = make_catalogue()
    agency = factories.agency()
    item = published_item(agency, obs["a"], date(2026, 1, 5), state="draft")
    services.publish_item(item, actor=None, now=moment(date(2026, 1, 20)))
    services.add_version(item, pdf_upload("v2"), "", actor=None, now=moment(date(2026, 3, 2)))
    v1, v2 = item.versions
    assert rules.version_published_at(v1.created_at, item.published_at) == \
        moment(date(2026, 1, 20))
    assert rules.version_published_at(v2.created_at, item.published_at) == \
        moment(date(2026, 3, 2))
    assert assert_bulk_equals_single()[(agency.id, "a")].last_published_on == date(2026, 3, 2)
    services.withdraw_item(item, "keliru", actor=None, now=moment(date(2026, 10, 1)))
    services.publish_item(item, actor=None, now=moment(date(2026, 11, 1)))
    assert rules.version_published_at(v1.created_at, item.published_at) == \
        moment(date(2026, 1, 20))
    pair = assert_bulk_equals_single()[(agency.id, "a")]
    assert (pair.status, pair.last_published_on) == (rules.TERLAMBAT, date(2026, 3, 2))


def test_a_nil_counts_for_its_period_not_the_day_it_was_typed(factories):
    """Review finding: a nil for any past period counted as compliant now. Rows for old
    periods (as typed before the rule) are stored directly: staleness uses their period."""
    obs = make_catalogue()
    agency, other, third = factories.agency(), factories.agency(), factories.agency()
    for ag, year, semester in ((agency, 2024, 1), (other, 2026, 1), (third, 2025, 2)):
        db.session.add(NilDeclaration(agency_id=ag.id, obligation_id=obs["b"].id,
                                      period_year=year, period_semester=semester,
                                      reason="nihil", declared_on=TODAY))
    # an older nil does not hide a newer one of the same pair
    db.session.add(NilDeclaration(agency_id=other.id, obligation_id=obs["b"].id,
                                  period_year=2023, period_semester=2, reason="nihil",
                                  declared_on=TODAY))
    db.session.flush()
    by = assert_bulk_equals_single()
    old = by[(agency.id, "b")]
    assert (old.status, old.last_published_on, old.due_on, old.is_nil) == (
        rules.TERLAMBAT, date(2024, 6, 30), date(2024, 12, 30), True)
    recent = by[(other.id, "b")]
    assert (recent.status, recent.last_published_on, recent.due_on) == (
        rules.NIHIL, date(2026, 6, 30), date(2026, 12, 30))
    assert by[(third.id, "b")].status == rules.TERLAMBAT        # due 30 June 2026
    # 7 days later the Semester I nil is due soon, as a publication of 30 June would be
    later = moment(TODAY + timedelta(days=7), 10)
    assert assert_bulk_equals_single(later)[(other.id, "b")].status == rules.SEGERA
    # a publication newer than the nil's period makes the pair current again
    published_item(agency, obs["b"], TODAY - timedelta(days=1))
    assert assert_bulk_equals_single()[(agency.id, "b")].status == rules.TERKINI
