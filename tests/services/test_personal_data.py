"""Personal data after the retention period (issue #15 section 5; UU 27/2022; DOMAIN.md 11):
`flask ppid purge-personal-data` erases exactly the personal data of requests whose
handling ended long enough ago, everywhere it sits (rows, letters, outbox, stored files,
search), keeps the statistics and the audit chain, never touches a request under an open
objection or dispute, changes nothing in a dry run, and does nothing the second time."""
import hashlib
import types
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from ppid.core import audit
from ppid.core.models import AuditEvent, OutboxMail
from ppid.core.storage import storage
from ppid.extensions import db
from ppid.disputes import services as disputes
from ppid.info_requests import privacy, rules, services
from ppid.info_requests.models import InfoRequest, Letter, RequestAttachment, RequestEvent
from ppid.reports import services as reports
from ppid.search import services as search
from ppid.search.indexing import drain
from ppid.info_requests.search import search_requests
from tests.services.test_requests_services import data_for, world  # noqa: F401 (fixture)

# Distinct values found nowhere else: each must be gone after the purge.
CANARY = {"name": "Kanarinama Qxzpurge", "identity_number": "6171015907939931",
          "address": "Jalan Kanari Qxz 77", "phone": "0899319931777",
          "email": "kanari.qxz@contoh.id", "occupation": "Penjaga Kanari Qxz",
          "proxy_name": "Kuasa Kanari Qxzproxy"}
# A second requester, whose requests stay under an open objection or dispute.
KEPT = {"name": "Tetapnama Wqv", "identity_number": "6171015907930002",
        "address": "Jalan Tetap Wqv 5", "phone": "0899000011112", "email": "tetap.wqv@contoh.id",
        "occupation": "Nelayan Wqv", "proxy_name": None}
POA = b"%PDF-1.4\n% surat kuasa Kanarinama Qxzpurge 6171015907939931\n%%EOF\n"


def at(y, m, d, hour=10):
    return datetime(y, m, d, hour - 7, 0, tzinfo=timezone.utc)


def submit(agency, person, now, **over):
    person = {**person, **over}
    upload = None
    if person.get("proxy_name"):
        upload = types.SimpleNamespace(data=POA, filename="kuasa.pdf",
                                       media_type="application/pdf", size=len(POA))
    req, _token = services.submit_request(data_for(agency, **person), actor=None,
                                          now=now, proxy_upload=upload)
    db.session.commit()
    return req


def grant(req, officer, now):
    services.close_request(req, rules.DIKABULKAN, {
        "response_note": "Salinan dikirim.", "info_form": "softcopy", "cost_per_page": 0,
        "pages": 3, "delivery_cost": 0, "available_on": now.date()}, actor=officer, now=now)
    db.session.commit()


def refuse(req, officer, now):
    services.close_request(req, rules.DITOLAK, {
        "exemption_letters": ["h"], "exemption_consequence": "Rahasia pribadi.",
        # the DIK entry the refusal makes (issue #15, section 1)
        "exemption_information": "Data kesehatan pribadi",
        "exemption_document": "Rekam medis", "exemption_public_interest": "Privasi lebih berat.",
        "exemption_end_on": date(now.year + 5, 12, 31)}, actor=officer, now=now)
    db.session.commit()


@pytest.fixture
def history(world):  # noqa: F811
    """Requests of 2026 in every state retention distinguishes."""
    w = world
    h = types.SimpleNamespace(w=w)
    # Erasable in 2031: granted; refused, objected, decided, disputed and decided.
    h.granted = submit(w.dinkes, CANARY, at(2026, 3, 16))
    grant(h.granted, w.officer, at(2026, 3, 20))
    # The letter's PDF, once rendered, sits in storage and prints the data too.
    letter = h.granted.letters[0]
    letter.pdf_key = storage().put(b"%PDF-1.4 " + CANARY["name"].encode() + b" %%EOF")
    db.session.commit()
    h.disputed_done = submit(w.dinkes, CANARY, at(2026, 3, 17), proxy_name=None,
                             information="Data realisasi anggaran kesehatan 2025.")
    refuse(h.disputed_done, w.officer, at(2026, 3, 23))
    obj = services.file_objection(h.disputed_done, ["a"], "Mohon dibuka.", actor=None,
                                  now=at(2026, 4, 1))
    services.decide_objection(obj, rules.MENGUATKAN, "Tetap dikecualikan.", actor=w.atasan,
                              now=at(2026, 4, 20))
    dispute = disputes.file_dispute(obj, filed_on=date(2026, 4, 28), register_number="1/REG",
                                    actor=w.main, now=at(2026, 4, 28))
    disputes.record_step(dispute, "ajudikasi", on=date(2026, 5, 12), actor=w.main,
                         now=at(2026, 5, 12))
    disputes.record_step(dispute, "putusan", on=date(2026, 9, 1), outcome="ditolak",
                         decision_number="7/PTS-KI/2026", actor=w.main, now=at(2026, 9, 1))
    db.session.commit()
    # Never erased while open: an undecided objection, a dispute in progress, an open
    # request.
    h.objected = submit(w.dinkes, KEPT, at(2026, 3, 18))
    refuse(h.objected, w.officer, at(2026, 3, 24))
    services.file_objection(h.objected, ["a"], "Mohon dibuka.", actor=None,
                            now=at(2026, 4, 2))
    db.session.commit()
    h.in_dispute = submit(w.dinkes, KEPT, at(2026, 3, 19))
    refuse(h.in_dispute, w.officer, at(2026, 3, 25))
    obj2 = services.file_objection(h.in_dispute, ["a"], "Mohon dibuka.", actor=None,
                                   now=at(2026, 4, 3))
    services.decide_objection(obj2, rules.MENGUATKAN, "Tetap.", actor=w.atasan,
                              now=at(2026, 4, 21))
    disputes.file_dispute(obj2, filed_on=date(2026, 4, 29), actor=w.main, now=at(2026, 4, 29))
    db.session.commit()
    h.open = submit(w.dinkes, KEPT, at(2026, 3, 20))
    # Closed late in 2026: its five years are not over in mid-2031.
    h.recent = submit(w.disdik, KEPT, at(2026, 11, 30))
    grant(h.recent, w.officer, at(2026, 12, 1))
    return h


PURGE_AT = at(2031, 10, 1)


def canaries_in_database():
    """Every canary value found in any column of any table (repr of all rows)."""
    found = set()
    for table in db.metadata.sorted_tables:
        rows = repr(db.session.execute(sa.select(table)).all())
        found |= {k for k, v in CANARY.items() if v in rows}
    return found


def canaries_in_storage():
    store = storage()
    found = set()
    for key in store.keys():
        data = store.get(key)
        found |= {k for k, v in CANARY.items() if v.encode() in data}
    return found


def statistics(w):
    """The figures of ppid.reports and the agency page, as text."""
    db.session.rollback()
    return (repr(reports.annual_figures(2026, now=PURGE_AT)),
            repr(reports.annual_figures(2026, now=PURGE_AT, agency_ids=[w.dinkes.id])),
            repr(reports.compliance_overview(PURGE_AT)),
            repr(services.agency_stats(w.dinkes.id, now=PURGE_AT)))


def snapshot():
    """Everything the purge could change, as plain data."""
    db.session.rollback()
    out = {}
    for table in ("info_request", "request_attachment", "request_letter", "outbox_mail",
                  "audit_event", "info_request_event"):
        t = db.metadata.tables[table]
        out[table] = db.session.execute(sa.select(t).order_by(t.c.id)).all()
    out["files"] = sorted(storage().keys())
    return out


def chain_ok():
    db.session.rollback()
    audit.link_pending()
    checked, bad, why = audit.verify_chain()
    return checked > 0 and bad is None, why


def test_rule_handling_ends_when_everything_closed():
    stage = rules.ObjectionStage
    assert rules.handling_ended_on("diproses", None) is None
    assert rules.handling_ended_on("selesai", date(2026, 3, 1)) == date(2026, 3, 1)
    assert rules.handling_ended_on("selesai", date(2026, 3, 1),
                                   [stage(decided_on=None)]) is None
    assert rules.handling_ended_on("selesai", date(2026, 3, 1), [stage(
        decided_on=date(2026, 4, 1), dispute_filed_on=date(2026, 4, 5),
        dispute_outcome="dalam_proses")]) is None
    assert rules.handling_ended_on("selesai", date(2026, 3, 1), [stage(
        decided_on=date(2026, 4, 1), dispute_filed_on=date(2026, 4, 5),
        dispute_outcome="ditolak", dispute_recorded_on=date(2026, 9, 1))]) == date(2026, 9, 1)
    assert rules.retention_ends_on(date(2024, 2, 29), 5) == date(2029, 2, 28)
    assert not rules.is_retention_over(date(2026, 9, 1), 5, date(2031, 8, 31))
    assert rules.is_retention_over(date(2026, 9, 1), 5, date(2031, 9, 1))
    # The query's cut-off never leaves out a request the rule would erase.
    for ended in (date(2024, 2, 29), date(2026, 3, 1), date(2026, 12, 31)):
        ends = rules.retention_ends_on(ended, 5)
        assert ended <= rules.retention_cutoff(ends, 5)


def test_dry_run_counts_and_changes_nothing(history):
    before = snapshot()
    summary = privacy.purge(now=PURGE_AT, dry_run=True)
    assert summary.requests == 2
    assert set(summary.erased) == {history.granted.registration_number,
                                   history.disputed_done.registration_number}
    assert summary.fields["identity_number"] == 2 and summary.fields["surat_kuasa"] == 1
    assert summary.fields["proxy_name"] == 1
    assert snapshot() == before


def test_purge_erases_exactly_the_fields_of_eligible_requests(history):
    h = history
    poa_key = db.session.execute(sa.select(RequestAttachment.storage_key).where(
        RequestAttachment.request_id == h.granted.id)).scalar_one()
    pdf_key = h.granted.letters[0].pdf_key
    assert storage().exists(poa_key) and storage().exists(pdf_key)
    stats_before = statistics(h.w)
    kept_before = {r: _row(r) for r in (h.objected.id, h.in_dispute.id, h.open.id,
                                        h.recent.id)}
    erased_before = {r: _row(r) for r in (h.granted.id, h.disputed_done.id)}
    # Before: every canary is in the rows (request, letters, outbox), the files hold some.
    assert canaries_in_database() == set(CANARY)
    assert {"name", "identity_number"} <= canaries_in_storage()
    summary = privacy.purge(now=PURGE_AT)
    assert summary.requests == 2 and summary.files_removed == 2

    for request_id, before in erased_before.items():
        after = _row(request_id)
        changed = {k for k in before if before[k] != after[k]}
        # The personal fields (those that had a value), the erasure's mark, nothing else.
        assert changed == ({n for n in rules.ERASED_FIELDS if before[n]}
                           | {"personal_data_erased_at", "updated_at"})
        assert after["identity_number"] == "" and after["address"] == ""
        assert after["email"] is None and after["phone"] is None
        assert after["information"] == before["information"]
        assert after["state"] == before["state"] and after["outcome"] == before["outcome"]
    for request_id, before in kept_before.items():
        assert _row(request_id) == before  # an open objection, dispute or request: untouched

    db.session.rollback()
    # The power of attorney: its row and its file; the letter's stored PDF.
    assert db.session.execute(sa.select(RequestAttachment).where(
        RequestAttachment.request_id == h.granted.id)).first() is None
    assert not storage().exists(poa_key) and not storage().exists(pdf_key)
    # Letters keep their text with the values replaced, and a hash of what they now hold.
    for letter in db.session.execute(sa.select(Letter).where(
            Letter.request_id.in_([h.granted.id, h.disputed_done.id]))).scalars():
        assert rules.ERASED_MARK in letter.html and letter.pdf_key is None
        assert letter.sha256 == hashlib.sha256(letter.html.encode()).hexdigest()
        assert h.granted.registration_number in letter.html \
            or h.disputed_done.registration_number in letter.html
    # The canaries are nowhere: rows of every table (audit log, outbox, timeline included)
    # and stored files.
    assert canaries_in_database() == set()
    assert canaries_in_storage() == set()
    # The other requester's data is all still there.
    assert db.session.get(InfoRequest, h.objected.id).identity_number == KEPT["identity_number"]
    assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxMail).where(
        OutboxMail.to_address == KEPT["email"])).scalar_one() > 0
    # The statistics and the audit chain.
    assert statistics(h.w) == stats_before
    ok, why = chain_ok()
    assert ok, why
    # The audit log records the erasure: which request, which fields, when; not the data.
    events = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "request.personal_data_erased")).scalars().all()
    assert {e.object_id for e in events} == {str(h.granted.id), str(h.disputed_done.id)}
    first = next(e for e in events if e.object_id == str(h.granted.id))
    assert first.occurred_at == PURGE_AT
    assert '"identity_number"' in first.changes and '"surat_kuasa"' in first.changes
    assert h.granted.registration_number in first.changes
    # The timeline shows it to the officers.
    assert db.session.execute(sa.select(RequestEvent.action).where(
        RequestEvent.request_id == h.granted.id).order_by(RequestEvent.id.desc())
    ).scalars().first() == "data_pribadi_dihapus"


def test_purge_is_idempotent(history):
    assert privacy.purge(now=PURGE_AT).requests == 2
    before = snapshot()
    again = privacy.purge(now=PURGE_AT)
    assert again.requests == 0 and again.erased == []
    assert snapshot() == before
    # Years later, still nothing more (the open ones stay open).
    assert privacy.purge(now=at(2040, 1, 1)).requests == 1  # only the recent one
    assert privacy.purge(now=at(2040, 1, 1)).requests == 0


def test_an_open_objection_is_never_purged_however_old(history):
    summary = privacy.purge(now=at(2060, 1, 1))
    numbers = set(summary.erased)
    assert history.objected.registration_number not in numbers
    assert history.in_dispute.registration_number not in numbers
    assert history.open.registration_number not in numbers
    db.session.rollback()
    for req_id in (history.objected.id, history.in_dispute.id, history.open.id):
        req = db.session.get(InfoRequest, req_id)
        assert req.identity_number == KEPT["identity_number"] and req.email == KEPT["email"]
        assert req.personal_data_erased_at is None


def test_retention_period_is_the_setting(app, history):
    old = app.config["PERSONAL_DATA_RETENTION_YEARS"]
    app.config["PERSONAL_DATA_RETENTION_YEARS"] = 10
    try:
        assert privacy.purge(now=PURGE_AT, dry_run=True).requests == 0
        assert privacy.purge(now=at(2036, 9, 2), dry_run=True).requests == 2
    finally:
        app.config["PERSONAL_DATA_RETENTION_YEARS"] = old


def test_a_bad_retention_setting_refuses_to_start(tmp_path):
    from ppid import create_app
    from tests.conftest import base_config
    for bad in (0, -1, "lima", 2.5):
        cfg = base_config(tmp_path, f"sqlite:///{tmp_path}/x.sqlite3")
        cfg["PERSONAL_DATA_RETENTION_YEARS"] = bad
        with pytest.raises(RuntimeError, match="PERSONAL_DATA_RETENTION_YEARS"):
            create_app(cfg)


def test_search_holds_no_personal_data_before_or_after(history):
    h = history
    services.review_subject(h.granted, "tampilkan", actor=h.w.officer, now=at(2026, 3, 21))
    db.session.commit()

    def public_hits(q):
        db.session.rollback()
        drain()  # (Whoosh: as the job worker does; a search never applies the queue)
        return search.search(search.SearchParams(q=q)).total

    assert public_hits(h.granted.registration_number) == 1  # the index holds the request
    for value in CANARY.values():
        for word in value.split():
            assert public_hits(word) == 0, word
    privacy.purge(now=PURGE_AT)
    for value in CANARY.values():
        for word in value.split():
            assert public_hits(word) == 0, word
    assert public_hits(h.granted.registration_number) == 1  # the anonymous record stays
    # The officers' search (live over the rows) finds no erased value either.
    db.session.rollback()
    for value in (CANARY["name"], CANARY["identity_number"], CANARY["email"],
                  CANARY["phone"]):
        assert search_requests(h.w.main, value) == [], value


def test_cli_dry_run_and_summary(app, history):
    runner = app.test_cli_runner()
    db.session.rollback()
    dry = runner.invoke(args=["ppid", "purge-personal-data", "--dry-run",
                              "--now", PURGE_AT.isoformat()])
    assert dry.exit_code == 0, dry.output
    assert "akan dihapus: 2" in dry.output and "tidak ada yang diubah" in dry.output
    assert "surat kuasa" in dry.output
    db.session.rollback()
    assert db.session.get(InfoRequest, history.granted.id).identity_number == \
        CANARY["identity_number"]
    db.session.rollback()
    run = runner.invoke(args=["ppid", "purge-personal-data", "--list",
                              "--now", PURGE_AT.isoformat()])
    assert run.exit_code == 0, run.output
    assert "dihapus: 2" in run.output and history.granted.registration_number in run.output
    assert CANARY["name"] not in run.output and CANARY["identity_number"] not in run.output
    db.session.rollback()
    again = runner.invoke(args=["ppid", "purge-personal-data", "--now", PURGE_AT.isoformat()])
    assert again.exit_code == 0 and "Tidak ada permohonan" in again.output
    quiet = runner.invoke(args=["ppid", "purge-personal-data", "--quiet",
                                "--now", PURGE_AT.isoformat()])
    assert quiet.exit_code == 0 and quiet.output == ""  # cron mails nothing


def _row(request_id):
    db.session.rollback()
    t = InfoRequest.__table__
    return dict(db.session.execute(sa.select(t).where(t.c.id == request_id)).mappings().one())


def test_a_citizen_accounts_request_is_unlinked_and_its_traces_go(world):  # noqa: F811
    """A request made from a citizen's account: after the purge no row but the account's
    own (and the sealed audit log's actor) ties the request to the citizen."""
    from ppid.core import auth
    from tests.conftest import make_user
    w = world
    citizen = make_user(auth.CITIZEN, None, email="akun.kanari@contoh.id",
                        name="Akunnama Kanariqx")
    db.session.commit()
    req, _token = services.submit_request(
        data_for(w.dinkes, **{**CANARY, "email": None, "proxy_name": None}), actor=citizen,
        now=at(2026, 3, 16), requester_user=citizen)
    db.session.commit()
    refuse(req, w.officer, at(2026, 3, 20))
    obj = services.file_objection(req, ["a"], "Mohon dibuka.", actor=citizen,
                                  now=at(2026, 3, 30))
    services.decide_objection(obj, rules.MENGUATKAN, "Tetap.", actor=w.atasan,
                              now=at(2026, 4, 20))
    db.session.commit()
    assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxMail).where(
        OutboxMail.to_address == citizen.email)).scalar_one() >= 3
    summary = privacy.purge(now=PURGE_AT)
    assert summary.erased == [req.registration_number]
    db.session.rollback()
    req = db.session.get(InfoRequest, req.id)
    assert req.requester_user_id is None and req.objections[0].created_by_id is None
    assert all(ev.actor_id != citizen.id and ev.actor_label != citizen.name
               for ev in req.events)
    assert "Pemohon" in {ev.actor_label for ev in req.events}
    assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxMail).where(
        OutboxMail.to_address == citizen.email)).scalar_one() == 0
    # Where the account's name and e-mail remain: the account, and the sealed audit log.
    for value in (citizen.name, citizen.email):
        holders = {t.name for t in db.metadata.sorted_tables
                   if value in repr(db.session.execute(sa.select(t)).all())}
        assert holders <= {"user", "audit_event"}, (value, holders)
    assert canaries_in_database() == set()
    ok, why = chain_ok()
    assert ok, why


def test_letter_text_is_scrubbed_in_text_and_attribute_values_never_markup():
    html = ('<p class="Ani">Yth. Ani &amp; Budi, Jl. Ani No. 1</p><td>: Anita</td>'
            '<a href="mailto:ani@contoh.id">ani@contoh.id</a>')
    out = privacy._scrub_html(html, {"Ani", "Jl. Ani No. 1", "ani@contoh.id"})
    assert out.startswith('<p class="[dihapus]">')  # an attribute's value, but ...
    assert 'href="mailto:[dihapus]"' in out and "<a " in out and "</td>" in out  # ... markup
    assert "Yth. [dihapus] &amp; Budi, [dihapus]" in out
    assert ": Anita" in out  # whole words only
    assert ">[dihapus]</a>" in out
    # Values are matched as the template escaped them.
    assert privacy._scrub_html("<td>A &amp; B Tbk</td>", {"A & B Tbk"}) == \
        "<td>[dihapus]</td>"
