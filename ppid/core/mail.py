"""Mail through an outbox: queued in the transaction that caused it, sent after commit.

An SMTP outage never fails the change that wanted to send mail, and a change that is
rolled back sends nothing (its outbox row is rolled back with it). Unsent mail is retried
with back-off by ``flask ppid send-mail`` (cron) and after each later commit.
"""
import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app, g, has_app_context

from ppid.core.db import utcnow
from ppid.core.models import OutboxMail
from ppid.extensions import db

log = logging.getLogger(__name__)


# Header fields a caller may add; the others (From, To, Subject, Message-ID) are the outbox's.
EXTRA_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Precedence",
                 "Auto-Submitted")


def queue_mail(to, subject, body, *, now=None, headers=None) -> OutboxMail:
    """Add a mail to the outbox in the current transaction; the caller commits.
    ``headers``: extra header fields among EXTRA_HEADERS (bulk mail's List-Unsubscribe)."""
    import json
    extra = None
    if headers:
        unknown = set(headers) - set(EXTRA_HEADERS)
        if unknown:
            raise ValueError(f"header fields the outbox does not set: {sorted(unknown)}")
        extra = json.dumps(headers, sort_keys=True)
    mail = OutboxMail(to_address=to, subject=subject[:300], body_text=body, headers=extra,
                      created_at=now or utcnow(), next_attempt_at=now or utcnow())
    db.session.add(mail)  # flushed with the caller's other changes
    if has_app_context():
        g.ppid_outbox_dirty = True
    return mail


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the n-th failed attempt: 1, 2, 4 ... minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _build_message(mail, cfg):
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_DEFAULT_SENDER"]
    msg["To"] = mail.to_address
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(domain="ppid.local")
    if mail.headers:
        import json
        for name, value in json.loads(mail.headers).items():
            if name in EXTRA_HEADERS:
                msg[name] = value
    msg.set_content(mail.body_text)
    return msg


class _SMTPTransport:
    def __init__(self, cfg):
        self.cfg = cfg
        self.conn = None

    def __enter__(self):
        cls = smtplib.SMTP_SSL if self.cfg["MAIL_USE_SSL"] else smtplib.SMTP
        self.conn = cls(self.cfg["MAIL_SERVER"], int(self.cfg["MAIL_PORT"]),
                        timeout=float(self.cfg["MAIL_TIMEOUT"]))
        if self.cfg["MAIL_USE_TLS"]:
            self.conn.starttls()
        if self.cfg["MAIL_USERNAME"]:
            self.conn.login(self.cfg["MAIL_USERNAME"], self.cfg["MAIL_PASSWORD"] or "")
        return self

    def send(self, msg):
        self.conn.send_message(msg)

    def __exit__(self, *exc):
        try:
            self.conn.quit()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass


class _ConsoleTransport:
    def __enter__(self):
        return self

    def send(self, msg):
        print(f"----- mail (console backend) -----\n{msg}\n----- end of mail -----", flush=True)

    def __exit__(self, *exc):
        return False


def deliver_pending(limit=50, now=None) -> tuple:
    """Send due outbox mail; returns (sent, failed). Commits its own bookkeeping."""
    cfg = current_app.config
    backend = cfg["MAIL_BACKEND"]
    if backend == "none":
        return 0, 0
    now = now or utcnow()
    q = (sa.select(OutboxMail).where(OutboxMail.sent_at.is_(None),
                                     OutboxMail.is_abandoned.is_(False),
                                     OutboxMail.next_attempt_at <= now)
         .order_by(OutboxMail.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        # Two senders at once (the cron's send-digest beside a request's after-commit
        # delivery) pass each other instead of both sending the same mail; on SQLite the
        # write transaction this SELECT begins serialises them.
        q = q.with_for_update(skip_locked=True)
    due = db.session.execute(q).scalars().all()
    if not due:
        return 0, 0
    sent = failed = 0
    transport = _ConsoleTransport() if backend == "console" else _SMTPTransport(cfg)
    try:
        with transport as t:
            for mail in due:
                try:
                    t.send(_build_message(mail, cfg))
                    mail.sent_at = utcnow()
                    sent += 1
                except (smtplib.SMTPException, OSError) as exc:
                    _failed(mail, exc, cfg, now)
                    failed += 1
    except (smtplib.SMTPException, OSError) as exc:
        # Could not connect at all: every due mail waits for the next attempt.
        log.warning("SMTP unavailable, %d mail(s) stay in the outbox: %s", len(due), exc)
        for mail in due:
            if mail.sent_at is None:
                _failed(mail, exc, cfg, now)
                failed += 1
    db.session.commit()
    return sent, failed


def _failed(mail, exc, cfg, now):
    mail.attempts += 1
    mail.last_error = str(exc)[:500]
    mail.next_attempt_at = now + retry_delay(mail.attempts)
    if mail.attempts >= int(cfg["MAIL_MAX_ATTEMPTS"]):
        mail.is_abandoned = True
        log.error("mail %s to %s abandoned after %d attempts", mail.id, mail.to_address,
                  mail.attempts)


def deliver_after_request():
    """Called after a web response that queued mail: send what was committed."""
    try:
        deliver_pending(limit=20)
    except Exception:  # noqa: BLE001 - mail must never break the response
        log.exception("delivering outbox mail failed; it stays queued")
        db.session.rollback()
