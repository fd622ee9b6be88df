"""Mail goes through the outbox: sent after commit, kept and retried when SMTP is down."""
import socket
from datetime import timedelta

import sqlalchemy as sa

from ppid.core.db import utcnow
from ppid.core.mail import deliver_pending, queue_mail, retry_delay
from ppid.core.models import OutboxMail
from ppid.extensions import db


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_committed_mail_is_sent_over_smtp(ctx, smtp_server):
    queue_mail("warga@uji.go.id", "Tanda bukti", "Nomor KALBAR/2026/00001")
    db.session.commit()
    assert deliver_pending() == (1, 0)
    assert smtp_server.messages[0]["to"] == ["warga@uji.go.id"]
    assert "KALBAR/2026/00001" in smtp_server.messages[0]["body"]
    assert deliver_pending() == (0, 0)  # sent once


def test_rolled_back_change_sends_nothing(ctx, smtp_server):
    queue_mail("warga@uji.go.id", "Tidak jadi", "x")
    db.session.rollback()
    assert deliver_pending() == (0, 0)
    assert smtp_server.messages == []


def test_smtp_outage_keeps_mail_and_retries_later(app, ctx, smtp_server):
    queue_mail("warga@uji.go.id", "Tanda bukti", "isi")
    db.session.commit()
    app.config["MAIL_PORT"] = _closed_port()
    assert deliver_pending() == (0, 1)
    mail = db.session.execute(sa.select(OutboxMail)).scalar_one()
    assert mail.sent_at is None and mail.attempts == 1 and mail.last_error
    app.config["MAIL_PORT"] = smtp_server.port
    assert deliver_pending() == (0, 0)  # not due yet: back-off
    assert deliver_pending(now=utcnow() + timedelta(minutes=2)) == (1, 0)
    assert len(smtp_server.messages) == 1


def test_retry_backoff_grows_and_is_capped():
    assert [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert retry_delay(30) == timedelta(hours=6)


def test_web_request_sends_its_mail_after_the_response(app, client, smtp_server, factories):
    from ppid.core import auth
    factories.user(auth.CITIZEN, email="lupa@uji.go.id")
    db.session.commit()
    resp = client.post("/lupa-sandi", data={"email": "lupa@uji.go.id"})
    resp.close()  # the server closes the response after sending it; mail goes out then
    assert [m["to"] for m in smtp_server.messages] == [["lupa@uji.go.id"]]
