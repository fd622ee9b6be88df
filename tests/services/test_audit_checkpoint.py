"""Checkpoints make truncation of the audit log detectable (issue #12, finding 5).

``flask ppid audit-checkpoint`` appends the chain's head, HMAC-sealed, to a file outside
the database (and mails it to the auditor); ``audit-verify`` requires the checkpointed
event to be there with that seal.
"""
import json
import os
import stat
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from ppid.core import audit
from ppid.core.models import AuditEvent, OutboxMail
from ppid.extensions import db
from tests.services.test_audit import (KEY_1, as_legacy, audit_keys,  # noqa: F401
                                       commit_and_link, forged, rewrite_from, sealed_with,
                                       seed_events)

T0 = datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc)


@pytest.fixture
def checkpoints(app, tmp_path, audit_keys):  # noqa: F811
    """A checkpoint file of this test's own, under the key k1."""
    audit_keys("k1", KEY_1)
    path = tmp_path / "audit" / "checkpoints.jsonl"
    app.config["AUDIT_CHECKPOINT_FILE"] = str(path)
    return path


def run(app, *args):
    return app.test_cli_runner().invoke(args=["ppid", *args])


def checkpoint(app, now=T0):
    result = run(app, "audit-checkpoint", "--now", now.isoformat())
    assert result.exit_code == 0, result.output
    return result


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_checkpoint_appends_one_sealed_line_each_time(app, ctx, factories, checkpoints):
    seed_events(factories, n=3)
    result = checkpoint(app)
    head = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.seq.desc())
                              .limit(1)).scalar_one()
    assert f"Checkpoint ditulis ke {checkpoints}: seq=4" in result.stdout
    (line,) = lines(checkpoints)
    assert {k: line[k] for k in ("seq", "hash", "key_id", "at", "mac_key_id")} == {
        "seq": 4, "hash": head.hash, "key_id": "k1", "at": "2026-12-02T01:00:00.000000+00:00",
        "mac_key_id": "k1"}
    assert stat.S_IMODE(os.stat(checkpoints).st_mode) == 0o640
    audit.record("uji.ubah", None, actor=None)
    commit_and_link()
    checkpoint(app, T0 + timedelta(hours=1))
    assert [line["seq"] for line in lines(checkpoints)] == [4, 5]
    found, problems = audit.read_checkpoints(checkpoints)
    assert [c.head.seq for c in found] == [4, 5] and problems == []


def test_checkpoint_of_an_empty_log(app, ctx, checkpoints):
    checkpoint(app)
    assert lines(checkpoints)[0]["seq"] == 0
    result = run(app, "audit-verify")
    assert result.exit_code == 0, result.output


def test_deleting_the_newest_events_is_found(app, ctx, factories, checkpoints):
    """Finding 5: deleting the newest events left a valid, shorter chain."""
    seed_events(factories, n=5)  # seq 1..6
    checkpoint(app)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq >= 5))
    db.session.commit()
    assert audit.verify_chain()[1] is None  # the chain alone cannot tell
    result = run(app, "audit-verify", "--now", (T0 + timedelta(minutes=5)).isoformat())
    assert result.exit_code == 1
    assert "OK: 4 peristiwa audit" in result.stdout
    assert ("RUSAK: peristiwa seq=5 sampai seq=6 hilang: checkpoint 2026-12-02 01:00:00 UTC "
            f"(berkas checkpoint {checkpoints}, baris 1) mencatat rantai sampai seq=6; "
            "peristiwa terbaru telah dihapus (seq pertama yang hilang: 5)") in result.stderr
    # Nor is a new checkpoint written over the gap.
    result = run(app, "audit-checkpoint")
    assert result.exit_code == 1 and "Checkpoint tidak ditulis" in result.stderr
    assert len(lines(checkpoints)) == 1


def test_events_deleted_after_the_last_checkpoint_go_unnoticed(app, ctx, factories,
                                                              checkpoints):
    """The documented limit: the cron interval is the window (audit-verify says so)."""
    seed_events(factories, n=3)  # seq 1..4
    checkpoint(app)
    for _ in range(2):
        audit.record("uji.ubah", None, actor=None)
    commit_and_link()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 6))
    db.session.commit()
    result = run(app, "audit-verify")
    assert result.exit_code == 0
    assert ("1 peristiwa sesudahnya belum tercakup checkpoint: penghapusannya tidak dapat "
            "dideteksi sampai checkpoint berikutnya.") in result.stdout


def test_rewrite_with_the_key_before_the_checkpoint_is_found(app, ctx, factories,
                                                             checkpoints):
    """Even whoever holds the key cannot rewrite what a checkpoint has seen."""
    seed_events(factories, n=2)  # seq 1..3
    checkpoint(app)
    for _ in range(3):  # seq 4..6
        audit.record("uji.ubah", None, actor=None, changes={"x": 1})
    commit_and_link()
    checkpoint(app, T0 + timedelta(hours=1))
    rewrite_from(5, sealed_with(KEY_1), change=forged)
    assert audit.verify_chain()[1] is None
    result = run(app, "audit-verify")
    assert result.exit_code == 1
    assert ("RUSAK: peristiwa seq=6 berbeda dari checkpoint 2026-12-02 02:00:00 UTC "
            f"(berkas checkpoint {checkpoints}, baris 2): rantai ditulis ulang mulai suatu seq "
            "antara seq=4 dan seq=6") in result.stderr
    # From before the first checkpoint: every checkpoint disagrees.
    rewrite_from(2, sealed_with(KEY_1), change=forged)
    result = run(app, "audit-verify", "--all-checkpoints")
    assert result.exit_code == 1
    assert "peristiwa seq=3 berbeda" in result.stderr and "baris 1): rantai ditulis ulang " \
        "mulai suatu seq antara seq=1 dan seq=3" in result.stderr
    assert "peristiwa seq=6 berbeda" in result.stderr


def test_a_chain_rewritten_wholly_as_legacy_is_found_by_the_checkpoint(app, ctx, factories,
                                                                       checkpoints):
    seed_events(factories, n=2)
    checkpoint(app)
    rewrite_from(1, as_legacy, change=forged)
    assert audit.verify_chain()[1] is None  # a valid unkeyed chain from seq 1...
    result = run(app, "audit-verify")  # ...but not the one the checkpoint saw
    assert result.exit_code == 1 and "peristiwa seq=3 berbeda" in result.stderr


def test_rewrite_without_the_key_is_named_at_its_first_seq(app, ctx, factories, checkpoints):
    seed_events(factories, n=4)
    checkpoint(app)
    rewrite_from(3, sealed_with("kunci-tebakan-" + "x" * 32), change=forged)
    result = run(app, "audit-verify")
    assert result.exit_code == 1
    assert "RUSAK: rantai utuh sampai seq=2; peristiwa seq=3" in result.stderr


def test_bad_checkpoint_lines_are_reported(app, ctx, factories, checkpoints):
    seed_events(factories, n=2)
    checkpoint(app)
    good = checkpoints.read_text().splitlines()[0]
    raised = json.loads(good) | {"seq": 99}  # an edited line: its seal no longer fits
    other = json.loads(audit.checkpoint_line(audit.Head(3, "a" * 64, "k1"), T0))
    with open(checkpoints, "a") as f:
        f.write(json.dumps(raised) + "\n" + "bukan json\n"
                + json.dumps(other | {"mac_key_id": "tak-dikenal"}) + "\n")
    result = run(app, "audit-verify")
    assert result.exit_code == 1
    where = f"berkas checkpoint {checkpoints}, baris"
    assert f"{where} 2: segel tidak cocok (baris diubah atau ditambahkan tanpa kunci)" \
        in result.stderr
    assert f"{where} 3: bukan baris checkpoint yang sah" in result.stderr
    assert f"{where} 4: disegel dengan kunci 'tak-dikenal' yang tidak dikenal" in result.stderr
    # The good line still counts; a new checkpoint is written, and the problems reported.
    assert "Checkpoint terakhir: seq=3" in result.stdout
    result = run(app, "audit-checkpoint")
    assert result.exit_code == 1 and "Checkpoint ditulis" in result.stdout
    assert f"{where} 2: segel tidak cocok" in result.stderr


def test_a_forged_checkpoint_for_a_truncated_log_is_found(app, ctx, factories, checkpoints):
    """A holder of the key who truncates the log and appends a checkpoint of the shorter
    head: a checkpoint cannot go back."""
    seed_events(factories, n=4)  # seq 1..5
    checkpoint(app)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq >= 4))
    db.session.commit()
    head = db.session.execute(sa.select(AuditEvent).where(AuditEvent.seq == 3)).scalar_one()
    audit.append_checkpoint(audit.checkpoint_line(audit.Head(3, head.hash, "k1"), T0),
                            checkpoints)
    result = run(app, "audit-verify")
    assert result.exit_code == 1
    assert "baris 2: seq=3 lebih kecil daripada checkpoint sebelumnya (seq=5)" in result.stderr
    assert "seq pertama yang hilang: 4" in result.stderr


def test_a_torn_last_line_stays_a_line_of_its_own(app, ctx, checkpoints):
    checkpoints.parent.mkdir(parents=True)
    checkpoints.write_text('{"format": "ppid-audit-checkp')  # a write cut short
    result = run(app, "audit-checkpoint")
    assert result.exit_code == 1 and "baris 1: bukan baris checkpoint yang sah" in result.stderr
    found, problems = audit.read_checkpoints(checkpoints)
    assert [c.line_no for c in found] == [2] and [p.line_no for p in problems] == [1]


def test_checkpoint_refuses_a_chain_broken_since_the_last_one(app, ctx, factories,
                                                              checkpoints):
    seed_events(factories, n=2)
    checkpoint(app)
    audit.record("uji.ubah", None, actor=None)
    commit_and_link()
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 4)
                       .values(actor_label="orang-lain@uji.go.id"))
    db.session.commit()
    result = run(app, "audit-checkpoint")
    assert result.exit_code == 1
    assert "peristiwa seq=4" in result.stderr and "Checkpoint tidak ditulis" in result.stderr
    assert len(lines(checkpoints)) == 1


def test_audit_verify_prints_the_checkpoint_age(app, ctx, factories, checkpoints):
    seed_events(factories, n=1)
    checkpoint(app)
    result = run(app, "audit-verify", "--now", (T0 + timedelta(hours=3, minutes=12)).isoformat())
    assert result.exit_code == 0
    assert ("Checkpoint terakhir: seq=2, ditulis 2026-12-02 01:00:00 UTC (3 jam 12 menit "
            "lalu).") in result.stdout
    assert "OK: rantai cocok dengan checkpoint terakhir." in result.stdout
    result = run(app, "audit-verify", "--all-checkpoints", "--now",
                 (T0 + timedelta(days=2, hours=1)).isoformat())
    assert "(2 hari 1 jam lalu)" in result.stdout
    assert "OK: rantai cocok dengan 1 checkpoint." in result.stdout


def test_without_a_checkpoint_audit_verify_warns(app, ctx, factories, checkpoints):
    seed_events(factories, n=1)
    result = run(app, "audit-verify")
    assert result.exit_code == 0
    assert f"PERINGATAN: belum ada checkpoint di {checkpoints}" in result.stderr


def test_checkpoint_is_mailed_to_the_auditor(app, ctx, factories, checkpoints, smtp_server):
    app.config["AUDIT_CHECKPOINT_MAIL_TO"] = "auditor@kominfo.go.id"
    seed_events(factories, n=1)
    result = checkpoint(app)
    assert "Salinannya masuk antrean surel untuk auditor@kominfo.go.id" in result.stdout
    (message,) = smtp_server.messages
    assert message["to"] == ["auditor@kominfo.go.id"]
    assert message["subject"] == "Checkpoint log audit PPID: seq 2"
    assert checkpoints.read_text().splitlines()[0] in message["body"]
    sent = db.session.execute(sa.select(OutboxMail)).scalar_one()
    assert sent.sent_at is not None


def test_a_checkpoint_file_that_cannot_be_appended_is_a_clear_error(app, ctx, checkpoints):
    checkpoints.mkdir(parents=True)  # a directory where the file should be
    for command in ("audit-checkpoint", "audit-verify"):
        result = run(app, command)
        assert result.exit_code == 1 and not isinstance(result.exception, OSError)
        assert f"berkas checkpoint {checkpoints} tidak dapat dibaca" in result.output


def test_concurrent_checkpoints_take_turns(app, ctx, checkpoints):
    """Two audit-checkpoint runs at once append in the order they read the head."""
    import threading
    line = audit.checkpoint_line(audit.EMPTY, T0)
    with audit._checkpoint_file(checkpoints):  # another run holds the file
        other = threading.Thread(target=audit.append_checkpoint, args=(line, checkpoints))
        other.start()
        other.join(0.3)
        assert other.is_alive() and checkpoints.read_text() == ""
    other.join(5)
    assert not other.is_alive() and checkpoints.read_text() == line + "\n"
