"""The audit log: every change appends a sealed, chained event; tampering is found.

The attacks of issue #12 (finding 5) are replayed against the chain: a changed
``actor_label``, a chain rewritten from some point with unkeyed SHA-256 (the project's own
encoding, or the legacy recipe) or with a wrong key. Truncation, which no chain can show
by itself, is covered by the checkpoint tests (test_audit_checkpoint.py).
"""
import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from ppid import ROOT, create_app
from ppid.core import audit
from ppid.core.db import UTCDateTime
from ppid.core.models import AuditEvent
from ppid.extensions import db
from tests.conftest import base_config

KEY_1 = "kunci-pertama-" + "1" * 32
KEY_2 = "kunci-kedua-" + "2" * 32


def _events():
    return db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()


def commit_and_link():
    """Commit, then run the chainer (as ``flask ppid worker`` does after each commit)."""
    db.session.commit()
    audit.link_pending()


@pytest.fixture
def audit_keys(app, tmp_path):
    """Set the app's audit keys for one test: keys(current_id, current_key, **retired);
    the test has a checkpoint file of its own."""
    names = ("AUDIT_KEY_ID", "AUDIT_KEY", "AUDIT_KEYS", "AUDIT_CHECKPOINT_FILE",
             "AUDIT_CHECKPOINT_MAIL_TO")
    old = {k: app.config[k] for k in names}
    app.config["AUDIT_CHECKPOINT_FILE"] = str(tmp_path / "audit-checkpoints.jsonl")

    def keys(key_id, key, **retired):
        app.config.update(AUDIT_KEY_ID=key_id, AUDIT_KEY=key, AUDIT_KEYS=retired)
    yield keys
    app.config.update(old)


def seed_events(factories, n=6):
    """n events by a signed-in officer (after the one that created the officer)."""
    agency = factories.agency()
    user = factories.user()
    for i in range(n):
        audit.record("uji.ubah", agency, actor=user, changes={"i": i})
    commit_and_link()
    return agency, user


def rewrite_from(seq, sealer, change=None):
    """What an attacker with write access to the table does: change the events from
    ``seq`` on and relink and reseal every one of them with ``sealer(row) -> hash``."""
    table = AuditEvent.__table__
    rows = db.session.execute(sa.select(table).where(table.c.seq >= seq)
                              .order_by(table.c.seq)).mappings().all()
    prev = db.session.execute(sa.select(table.c.hash).where(table.c.seq == seq - 1)).scalar() \
        or audit.GENESIS
    for row in rows:
        new = dict(row)
        if change:
            new.update(change(new))
        new["prev_hash"] = prev
        new["hash"] = prev = sealer(new)
        db.session.execute(table.update().where(table.c.id == row["id"]).values(
            **{k: v for k, v in new.items() if k != "id"}))
    db.session.commit()


def unkeyed_sha256(row):
    return hashlib.sha256(audit.event_material(row)).hexdigest()


def as_legacy(row):
    row["key_id"] = audit.LEGACY_KEY_ID
    return audit.legacy_event_hash(row["prev_hash"], row["seq"], row["occurred_at"],
                                   row["actor_id"], row["action"], row["object_type"],
                                   row["object_id"], row["agency_id"], row["changes"])


def sealed_with(key):
    return lambda row: audit.seal(key.encode(), audit.event_material(row))


def forged(row):
    return {"changes": '{"i":"palsu"}'}


def insert_legacy_events(n, agency_id=None):
    """Events as the code before the keyed chain wrote them (unkeyed, actor_label outside)."""
    table = AuditEvent.__table__
    prev = audit.GENESIS
    start = audit.utcnow() - timedelta(days=30)
    for seq in range(1, n + 1):
        audit.next_counter_value(audit.CHAIN_COUNTER)
        row = {"seq": seq, "occurred_at": start + timedelta(minutes=seq), "actor_id": None,
               "actor_label": "sistem", "action": "uji.lama", "object_type": "Agency",
               "object_id": str(agency_id), "agency_id": agency_id,
               "changes": audit.canonical_json({"n": seq}), "prev_hash": prev}
        row["hash"] = prev = as_legacy(row)
        db.session.execute(table.insert().values(**row))
    db.session.commit()


# --- The chain -------------------------------------------------------------------------

def test_chain_links_every_event(ctx, factories):
    agency = factories.agency()
    for i in range(5):
        audit.record("uji.ubah", agency, actor=None, changes={"i": i})
    commit_and_link()
    events = _events()
    assert [e.seq for e in events] == list(range(1, 6))
    assert events[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:]))
    assert events[0].agency_id == agency.id and events[0].object_type == "Agency"
    assert {e.key_id for e in events} == {ctx.config["AUDIT_KEY_ID"]}
    assert audit.verify_chain() == (5, None, None)


def test_altered_event_is_found(ctx, factories):
    agency = factories.agency()
    for i in range(4):
        audit.record("uji.ubah", agency, actor=None, changes={"i": i})
    commit_and_link()
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 3)
                       .values(changes='{"i":99}'))
    db.session.commit()
    checked, bad, why = audit.verify_chain()
    assert checked == 2 and bad.seq == 3 and "altered" in why


def test_deleted_event_is_found(ctx, factories):
    agency = factories.agency()
    for i in range(4):
        audit.record("uji.ubah", agency, actor=None, changes={"i": i})
    commit_and_link()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 2))
    db.session.commit()
    checked, bad, why = audit.verify_chain()
    assert checked == 1 and bad.seq == 3 and "missing" in why


def test_every_stored_field_is_sealed():
    columns = set(AuditEvent.__table__.columns.keys())
    # id is the row's storage key (seq is the event's place); hash is the seal itself.
    assert set(audit.SEALED_FIELDS) == columns - {"id", "hash"}
    assert len(audit.SEALED_FIELDS) == len(set(audit.SEALED_FIELDS))


def test_actor_label_change_is_found(ctx, factories):
    """Finding 5: actor_label was outside the hash, so who did it could be rewritten."""
    seed_events(factories)
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 3)
                       .values(actor_label="orang-lain@uji.go.id"))
    db.session.commit()
    report = audit.walk_chain()
    assert report.bad.seq == 3 and report.kind == "altered" and report.checked == 2


@pytest.mark.parametrize("field, value", [
    ("occurred_at", lambda ev: ev.occurred_at + timedelta(seconds=1)),
    ("actor_id", lambda ev: None),
    ("action", lambda ev: "uji.lain"),
    ("object_type", lambda ev: "User"),
    ("object_id", lambda ev: "999"),
    ("agency_id", lambda ev: None),
    ("changes", lambda ev: "{}"),
])
def test_a_change_to_any_field_is_found(ctx, factories, field, value):
    seed_events(factories)
    ev = db.session.execute(sa.select(AuditEvent).where(AuditEvent.seq == 3)).scalar_one()
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 3)
                       .values(**{field: value(ev)}))
    db.session.commit()
    report = audit.walk_chain()
    assert (report.bad.seq, report.kind) == (3, "altered")


def test_equal_strings_joined_differently_do_not_seal_alike():
    """The old recipe joined fields with \\x1f: moving the separator kept the hash."""
    base = {"seq": 1, "occurred_at": audit.utcnow(), "actor_id": None, "actor_label": "a",
            "action": "b", "object_type": "c", "object_id": None, "agency_id": None,
            "changes": "{}", "prev_hash": audit.GENESIS, "key_id": "dev"}
    moved = base | {"actor_label": "a\x1fb", "action": ""}
    assert audit.event_material(base) != audit.event_material(moved)


def test_rewrite_from_a_point_with_unkeyed_sha256_is_found(ctx, factories):
    """Finding 5: recomputing the chain from seq 4 with the project's own unkeyed SHA-256
    verified. Now the seals are HMACs under a key the database does not hold."""
    seed_events(factories)
    rewrite_from(4, unkeyed_sha256, change=forged)
    report = audit.walk_chain()
    assert (report.bad.seq, report.kind, report.checked) == (4, "altered", 3)


def test_rewrite_from_a_point_with_the_legacy_recipe_is_found(ctx, factories):
    """The same rewrite, passing the events off as pre-key (legacy-sha256) events."""
    seed_events(factories)
    rewrite_from(4, as_legacy, change=forged)
    report = audit.walk_chain()
    assert (report.bad.seq, report.kind) == (4, "legacy_after_keyed")


def test_rewrite_with_a_wrong_key_is_found(ctx, factories):
    seed_events(factories)
    rewrite_from(4, sealed_with("kunci-tebakan-" + "x" * 32), change=forged)
    report = audit.walk_chain()
    assert (report.bad.seq, report.kind) == (4, "altered")


def test_rewrite_under_a_made_up_key_id_is_found(ctx, factories):
    seed_events(factories)

    def own_key(row):
        row["key_id"] = "kunci-saya"
        return sealed_with("kunci-saya-" + "x" * 32)(row)
    rewrite_from(4, own_key, change=forged)
    report = audit.walk_chain()
    assert (report.bad.seq, report.kind) == (4, "unknown_key")


def test_audit_verify_command(app, ctx, factories, audit_keys):
    agency = factories.agency()
    audit.record("uji.ubah", agency, actor=None)
    commit_and_link()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ppid", "audit-verify"])
    assert result.exit_code == 0 and "rantai hash utuh" in result.output
    assert f"Kunci: {app.config['AUDIT_KEY_ID']} (seq 1-1)" in result.stdout
    db.session.execute(sa.update(AuditEvent).values(action="uji.palsu"))
    db.session.commit()
    result = runner.invoke(args=["ppid", "audit-verify"])
    assert result.exit_code == 1 and "seq=1" in result.stderr
    assert "isi tidak cocok dengan segelnya" in result.stderr


def test_diff_lists_only_changed_fields():
    assert audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": [2, 3], "c": [None, 4]}


def test_rolled_back_change_leaves_no_event_and_no_gap(ctx, factories):
    agency = factories.agency()
    db.session.commit()
    audit.record("uji.batal", agency, actor=None)
    db.session.rollback()
    audit.record("uji.jadi", agency, actor=None)
    commit_and_link()
    assert [(e.seq, e.action) for e in _events()] == [(1, "uji.jadi")]


# --- Keys: rotation, legacy events, production -------------------------------------------

def test_rotation_is_an_event_and_old_events_still_verify(ctx, factories, audit_keys):
    audit_keys("k1", KEY_1)
    agency = factories.agency()
    for i in range(3):
        audit.record("uji.ubah", agency, actor=None, changes={"i": i})
    commit_and_link()
    audit_keys("k2", KEY_2, k1=KEY_1)
    audit.record("uji.ubah", agency, actor=None, changes={"i": 3})
    commit_and_link()  # the chainer seals with k2, after recording the rotation
    events = _events()
    rotation = events[3]
    assert (rotation.action, rotation.key_id, rotation.actor_label) == \
        (audit.ROTATION_ACTION, "k2", "sistem")
    assert rotation.changes == '{"key_id":["k1","k2"]}'
    assert [e.key_id for e in events] == ["k1", "k1", "k1", "k2", "k2"]
    report = audit.walk_chain()
    assert report.ok and report.checked == 5
    assert report.key_periods == [["k1", 1, 3], ["k2", 4, 5]]
    # A retired key that seals again is valid, but shown.
    audit_keys("k1", KEY_1, k2=KEY_2)
    audit.record("uji.ubah", agency, actor=None)
    commit_and_link()
    report = audit.walk_chain()
    assert report.ok and report.key_periods == [["k1", 1, 3], ["k2", 4, 5], ["k1", 6, 7]]
    result = ctx.test_cli_runner().invoke(args=["ppid", "audit-verify"])
    assert result.exit_code == 0
    assert "PERINGATAN: kunci 'k1' menyegel lagi sesudah digantikan" in result.stderr
    # Forgetting the retired key leaves its events unverifiable, and says so.
    audit_keys("k2", KEY_2)
    report = audit.walk_chain()
    assert (report.bad.seq, report.kind) == (1, "unknown_key")


def test_a_key_change_without_its_rotation_event_is_found(ctx, factories, audit_keys):
    """Whoever holds the new key still cannot hide when the key changed."""
    audit_keys("k1", KEY_1)
    agency = factories.agency()
    audit.record("uji.ubah", agency, actor=None)
    commit_and_link()
    audit_keys("k2", KEY_2, k1=KEY_1)
    audit.record("uji.ubah", agency, actor=None)
    commit_and_link()
    rewrite_from(2, sealed_with(KEY_2), change=lambda row: {"action": "uji.ubah",
                                                            "changes": "{}"})
    report = audit.walk_chain()
    assert (report.bad.seq, report.kind) == (2, "unrecorded_rotation")


def test_legacy_events_verify_and_the_keyed_chain_starts_at_the_head(ctx, factories,
                                                                     audit_keys):
    audit_keys("k1", KEY_1)
    agency = factories.agency()
    insert_legacy_events(3, agency.id)
    assert audit.walk_chain().ok
    audit.record("uji.baru", agency, actor=None)
    commit_and_link()
    events = _events()
    assert [(e.seq, e.action, e.key_id) for e in events] == [
        (1, "uji.lama", audit.LEGACY_KEY_ID), (2, "uji.lama", audit.LEGACY_KEY_ID),
        (3, "uji.lama", audit.LEGACY_KEY_ID), (4, audit.ROTATION_ACTION, "k1"),
        (5, "uji.baru", "k1")]
    assert events[3].changes == '{"key_id":["legacy-sha256","k1"]}'
    report = audit.walk_chain()
    assert report.ok and report.key_periods == [[audit.LEGACY_KEY_ID, 1, 3], ["k1", 4, 5]]
    # A legacy event is still checked with its own recipe.
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 2)
                       .values(changes='{"n":99}'))
    db.session.commit()
    assert (audit.walk_chain().bad.seq, audit.walk_chain().kind) == (2, "altered")


def test_migration_keeps_the_events_written_before_it_verifiable(tmp_path, fresh_database_url):
    app = create_app(base_config(tmp_path / "data", fresh_database_url))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="c4d2e9f01202")
        # Rows as the previous code wrote them: the table had no key_id column yet.
        old_table = sa.table("audit_event", *(sa.column(c) for c in (
            "seq", "actor_label", "action", "object_type", "changes", "prev_hash", "hash")),
            sa.column("occurred_at", UTCDateTime()))
        prev = audit.GENESIS
        start = audit.utcnow() - timedelta(days=1)
        for seq in (1, 2, 3):
            occurred = start + timedelta(minutes=seq)
            row = {"seq": seq, "occurred_at": occurred, "actor_label": "sistem",
                   "action": "uji.lama", "object_type": "-", "changes": "{}",
                   "prev_hash": prev}
            prev = row["hash"] = audit.legacy_event_hash(prev, seq, occurred, None,
                                                         "uji.lama", "-", None, None, "{}")
            db.session.execute(old_table.insert().values(**row))
        db.session.execute(sa.text("INSERT INTO counter (name, value) VALUES "
                                   "('audit-chain', 3)"))
        db.session.commit()
        upgrade(directory=str(ROOT / "migrations"))
        report = audit.walk_chain()
        assert report.ok and report.key_periods == [[audit.LEGACY_KEY_ID, 1, 3]]
        audit.record("uji.baru", None, actor=None)
        commit_and_link()
        report = audit.walk_chain()
        assert report.ok and report.checked == 5
        assert report.key_periods == [[audit.LEGACY_KEY_ID, 1, 3],
                                      [app.config["AUDIT_KEY_ID"], 4, 5]]
        db.session.remove()
        db.engine.dispose()


def test_production_refuses_to_start_without_a_real_audit_key(tmp_path, monkeypatch):
    prod = {"ENV": "production", "SECRET_KEY": "s" * 40, "DATA_DIR": str(tmp_path)}
    with pytest.raises(RuntimeError, match="PPID_AUDIT_KEY"):
        create_app(prod)  # the insecure development default
    with pytest.raises(RuntimeError, match="PPID_AUDIT_KEY"):
        create_app(prod | {"AUDIT_KEY_ID": "2026a", "AUDIT_KEY": "pendek"})
    with pytest.raises(RuntimeError, match="not 'dev'"):
        create_app(prod | {"AUDIT_KEY": KEY_1})
    with pytest.raises(RuntimeError, match="PPID_AUDIT_KEY"):  # a weak retired key too
        create_app(prod | {"AUDIT_KEY_ID": "2026a", "AUDIT_KEY": KEY_1,
                           "AUDIT_KEYS": {"dev": "dev-insecure-audit-key"}})
    app = create_app(prod | {"AUDIT_KEY_ID": "2026a", "AUDIT_KEY": KEY_1})
    assert app.config["AUDIT_KEY_ID"] == "2026a"
    # From the environment, as deploy.md sets it: PPID_* values are parsed as JSON.
    monkeypatch.setenv("PPID_AUDIT_KEY_ID", "2027")
    monkeypatch.setenv("PPID_AUDIT_KEY", KEY_2)
    monkeypatch.setenv("PPID_AUDIT_KEYS", '{"2026a": "%s"}' % KEY_1)
    app = create_app(prod)
    assert app.config["AUDIT_KEY_ID"] == "2027"
    assert app.config["AUDIT_KEYS"] == {"2026a": KEY_1}


@pytest.mark.parametrize("overrides, message", [
    ({"AUDIT_KEYS": "[1, 2]"}, "JSON object"),
    ({"AUDIT_KEYS": "{bukan json"}, "JSON object"),
    ({"AUDIT_KEY_ID": "ada spasi"}, "1 to 40"),
    ({"AUDIT_KEY_ID": audit.LEGACY_KEY_ID}, "not 'legacy-sha256'"),
    ({"AUDIT_KEYS": {"dev": "kunci-lain"}}, "another key under the current id"),
])
def test_unusable_audit_keys_are_refused_in_every_environment(tmp_path, overrides, message):
    with pytest.raises(RuntimeError, match=message):
        create_app({"ENV": "testing", "DATA_DIR": str(tmp_path)} | overrides)


# --- Backups -----------------------------------------------------------------------------

def test_restore_needs_the_keys_that_sealed_the_log(tmp_path, fresh_database_url):
    from tests.services.test_backup import _migrated_app, _second_pg_database
    from ppid.core.backup import BackupError, create_backup, restore_backup

    def keyed(app, key_id, key, **retired):
        app.config.update(AUDIT_KEY_ID=key_id, AUDIT_KEY=key, AUDIT_KEYS=retired)
        return app
    source = keyed(_migrated_app(tmp_path, fresh_database_url, "source"), "k1", KEY_1)
    archive = tmp_path / "cadangan.tar.gz"
    with source.app_context():
        audit.record("uji.ubah", None, actor=None)
        commit_and_link()
        keyed(source, "k2", KEY_2, k1=KEY_1)
        audit.record("uji.ubah", None, actor=None)
        commit_and_link()
        create_backup(archive)
        db.session.remove()
        db.engine.dispose()
    target_url = fresh_database_url.rsplit("/", 1)[0] + "/restored.sqlite3" \
        if fresh_database_url.startswith("sqlite") else _second_pg_database(fresh_database_url)
    target = keyed(_migrated_app(tmp_path, target_url, "target"), "k2", KEY_2)
    with target.app_context():
        with pytest.raises(BackupError, match="does not verify at seq 1: sealed with key id 'k1'"):
            restore_backup(archive)
        db.session.rollback()
        assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar() == 0
        keyed(target, "k2", KEY_2, k1=KEY_1)
        restore_backup(archive)
        db.session.commit()
        report = audit.walk_chain()
        assert report.ok and report.key_periods == [["k1", 1, 1], ["k2", 2, 3]]
        audit.record("uji.sesudah-pulih", None, actor=None)  # the chain goes on
        commit_and_link()
        assert audit.walk_chain().checked == 4
        db.session.remove()
        db.engine.dispose()
