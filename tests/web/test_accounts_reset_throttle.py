"""Password-reset mail throttling (issue 12, finding 4): one mail per address per 15
minutes, a per-(address, IP) and a per-IP limit, and always the same neutral answer.

Independent of RATELIMIT_ENABLED (False in the test configuration): it guards inboxes, it
is not the submissions limit. Mail goes through the real local SMTP server; time is moved
by ageing the recorded requests, not by sleeping.
"""
import re
from datetime import timedelta

import sqlalchemy as sa

from ppid.accounts.models import PasswordResetRequest
from ppid.core import auth
from ppid.core.mail import deliver_pending
from ppid.extensions import db
from tests.conftest import make_user

NEUTRAL = "Jika alamat itu terdaftar, kami telah mengirim tautan"


def _ask(app, email, ip="192.0.2.10"):
    c = app.test_client()
    resp = c.post("/lupa-sandi", data={"email": email}, environ_base={"REMOTE_ADDR": ip},
                  follow_redirects=True)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert NEUTRAL in html
    # The answer, without the CSRF token that differs between pages.
    return resp.request.path, re.sub(r'value="[^"]*"', "", html)


def _mails_to(app, smtp_server, email):
    with app.app_context():
        deliver_pending()
    return len([m for m in smtp_server.messages if m["to"] == [email]])


def _age_requests(app, minutes):
    with app.app_context():
        t = PasswordResetRequest.__table__
        for row in db.session.execute(sa.select(t.c.id, t.c.requested_at)).all():
            db.session.execute(sa.update(t).where(t.c.id == row.id).values(
                requested_at=row.requested_at - timedelta(minutes=minutes)))
        db.session.commit()


def _user(app, email="bom@uji.go.id"):
    with app.app_context():
        make_user(auth.CITIZEN, email=email)
        db.session.commit()


def test_25_requests_in_a_row_send_one_mail_and_the_same_answer(app, smtp_server):
    assert app.config["RATELIMIT_ENABLED"] is False
    _user(app)
    answers = {_ask(app, "bom@uji.go.id") for _ in range(25)}
    assert _mails_to(app, smtp_server, "bom@uji.go.id") == 1
    # The same answer for a throttled address and an unknown one (no account discovery).
    answers.add(_ask(app, "tidak-ada@uji.go.id"))
    assert len(answers) == 1
    # After the window, another request sends another mail.
    _age_requests(app, 16)
    _ask(app, "bom@uji.go.id")
    assert _mails_to(app, smtp_server, "bom@uji.go.id") == 2


def test_case_and_width_variants_count_as_the_same_address(app, smtp_server):
    _user(app)
    for variant in ("bom@uji.go.id", "BOM@Uji.Go.Id", "ｂｏｍ@uji.go.id", " bom@uji.go.id "):
        _ask(app, variant)
    assert _mails_to(app, smtp_server, "bom@uji.go.id") == 1


def test_per_address_and_ip_limit(app, smtp_server):
    _user(app)
    limit = app.config["PASSWORD_RESET_MAX_PER_ADDRESS_IP"]
    for _ in range(limit):
        _ask(app, "bom@uji.go.id", ip="192.0.2.20")
        _age_requests(app, 16)
    assert _mails_to(app, smtp_server, "bom@uji.go.id") == limit
    # The same address from the same IP: nothing more today, with the same answer.
    _ask(app, "bom@uji.go.id", ip="192.0.2.20")
    assert _mails_to(app, smtp_server, "bom@uji.go.id") == limit
    # The owner asking from elsewhere still gets a link.
    _ask(app, "bom@uji.go.id", ip="198.51.100.7")
    assert _mails_to(app, smtp_server, "bom@uji.go.id") == limit + 1


def test_per_ip_limit(app, smtp_server):
    _user(app)
    limit = app.config["PASSWORD_RESET_MAX_PER_IP"]
    for i in range(limit):
        _ask(app, f"coba-{i}@uji.go.id", ip="203.0.113.5")
    _ask(app, "bom@uji.go.id", ip="203.0.113.5")
    assert _mails_to(app, smtp_server, "bom@uji.go.id") == 0
    _ask(app, "bom@uji.go.id", ip="198.51.100.8")
    assert _mails_to(app, smtp_server, "bom@uji.go.id") == 1


def test_old_request_rows_are_pruned(app, smtp_server):
    _user(app)
    _ask(app, "bom@uji.go.id")
    _age_requests(app, 3 * 24 * 60)
    _ask(app, "lain@uji.go.id")
    with app.app_context():
        count = db.session.execute(sa.select(sa.func.count()).select_from(
            PasswordResetRequest)).scalar_one()
    assert count == 1
