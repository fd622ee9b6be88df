"""Shared tables: calendar entries, the audit log, counters, the mail outbox, login attempts."""
import sqlalchemy as sa

from ppid.core.db import UTCDateTime, utcnow
from ppid.extensions import db


class CalendarEntry(db.Model):
    """A day the PPID Utama adds to the working-day calendar (regional holiday, new decree),
    or a day the holiday list closes that is declared a working day after all."""

    __tablename__ = "calendar_entry"
    id = sa.Column(sa.Integer, primary_key=True)
    day_on = sa.Column(sa.Date, nullable=False, unique=True)
    is_working_day = sa.Column(sa.Boolean, nullable=False, default=False)
    reason = sa.Column(sa.String(200), nullable=False)
    created_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)


class Counter(db.Model):
    """Named counters (registration numbers per PPID and year, the audit chain head).

    Incremented under a row lock, so numbers are unique and gap-free on PostgreSQL and
    SQLite alike."""

    __tablename__ = "counter"
    name = sa.Column(sa.String(120), primary_key=True)
    value = sa.Column(sa.BigInteger, nullable=False, default=0)


class AuditEvent(db.Model):
    """Append-only record of every state change, chained and sealed (ppid/core/audit.py).

    Written by the change's own transaction with ``seq``, ``prev_hash``, ``hash`` and
    ``key_id`` empty (unlinked); the chainer links it after commit: ``seq`` is its place in
    the chain, ``hash`` the HMAC-SHA256 seal, under the key named by ``key_id``, of every
    other column but ``id``, and ``prev_hash`` the previous event's seal. ``key_id`` is
    ``legacy-sha256`` for events written before the keyed chain (unkeyed SHA-256).
    """

    __tablename__ = "audit_event"
    id = sa.Column(sa.Integer, primary_key=True)  # the order of writing
    seq = sa.Column(sa.BigInteger, unique=True)   # the place in the chain, once linked
    occurred_at = sa.Column(UTCDateTime, nullable=False)
    actor_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"), index=True)
    actor_label = sa.Column(sa.String(200), nullable=False)
    action = sa.Column(sa.String(80), nullable=False, index=True)
    object_type = sa.Column(sa.String(60), nullable=False)
    object_id = sa.Column(sa.String(80))
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), index=True)
    changes = sa.Column(sa.Text, nullable=False, default="{}")  # canonical JSON
    prev_hash = sa.Column(sa.String(64))
    hash = sa.Column(sa.String(64))
    key_id = sa.Column(sa.String(40))

    __table_args__ = (
        sa.Index("ix_audit_event_object", "object_type", "object_id"),
        # The chainer's queue: the events not linked yet, in the order they were written.
        sa.Index("ix_audit_event_unlinked", "id", sqlite_where=sa.text("seq IS NULL"),
                 postgresql_where=sa.text("seq IS NULL")),
        sa.CheckConstraint("(seq IS NULL AND prev_hash IS NULL AND hash IS NULL AND key_id "
                           "IS NULL) OR (seq IS NOT NULL AND prev_hash IS NOT NULL AND hash "
                           "IS NOT NULL AND key_id IS NOT NULL)", name="linked_whole"),
    )


class OutboxMail(db.Model):
    """Mail queued in the same transaction as the change it reports; sent after commit."""

    __tablename__ = "outbox_mail"
    id = sa.Column(sa.Integer, primary_key=True)
    to_address = sa.Column(sa.String(320), nullable=False)
    subject = sa.Column(sa.String(300), nullable=False)
    body_text = sa.Column(sa.Text, nullable=False)
    # Extra header fields, JSON {name: value} (a follower's List-Unsubscribe, RFC 8058).
    headers = sa.Column(sa.Text)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    next_attempt_at = sa.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    sent_at = sa.Column(UTCDateTime, index=True)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    last_error = sa.Column(sa.String(500))
    is_abandoned = sa.Column(sa.Boolean, nullable=False, default=False)


class LoginAttempt(db.Model):
    """Failed and successful logins, for throttling per account and per address."""

    __tablename__ = "login_attempt"
    id = sa.Column(sa.Integer, primary_key=True)
    email = sa.Column(sa.String(320), nullable=False, index=True)
    ip = sa.Column(sa.String(64), nullable=False, index=True)
    occurred_at = sa.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    is_success = sa.Column(sa.Boolean, nullable=False, default=False)


class Job(db.Model):
    """Background work queued in the same transaction as the record it is about, run after
    commit by the job worker in a limited child process (ppid/core/jobs.py)."""

    __tablename__ = "job"
    id = sa.Column(sa.Integer, primary_key=True)
    kind = sa.Column(sa.String(60), nullable=False)
    payload = sa.Column(sa.Text, nullable=False, default="{}")  # JSON
    state = sa.Column(sa.String(20), nullable=False, default="queued")
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    max_attempts = sa.Column(sa.Integer, nullable=False)
    run_after = sa.Column(UTCDateTime, nullable=False, default=utcnow)  # also the back-off
    claimed_by = sa.Column(sa.String(200))
    lease_expires_at = sa.Column(UTCDateTime)  # a running job whose worker died is retaken
    last_error = sa.Column(sa.String(500))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    finished_at = sa.Column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("state in ('queued', 'running', 'done', 'failed')", name="state"),
        sa.Index("ix_job_state_run_after", "state", "run_after"),
    )
