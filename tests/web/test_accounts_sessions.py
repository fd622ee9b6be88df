"""Sessions (issue 12, finding 3): a password change, a reset, "log out everywhere",
disabling the account and an administrator's reset end every session and remember-me token
issued before; logout ends this session; the remember token rotates at every login; idle
and absolute lifetimes are enforced from the timestamps in the signed session.

Each test keeps the cookies of a login as a thief would (the session cookie and the
remember-me cookie, separately) and replays them on a fresh client against ``/dasbor``.
"""
import re
from datetime import timedelta

import pytest
from flask_login.utils import encode_cookie

from ppid.accounts import sessions
from ppid.accounts.models import User
from ppid.core import auth
from ppid.core.db import utcnow
from ppid.core.mail import deliver_pending
from ppid.extensions import db
from tests.conftest import TEST_PASSWORD, make_agency, make_user

SESSION, REMEMBER = "session", "remember_token"
NEW_PASSWORD = "Sandi-Baru-Sesi-2026"


def _people(app):
    with app.app_context():
        helper = make_user(auth.HELPER, make_agency(), email="petugas@uji.go.id")
        make_user(auth.ADMIN, email="admin@uji.go.id")
        make_user(auth.CITIZEN, email="warga@uji.go.id")
        db.session.commit()
        return helper.id


def _device(app, email="petugas@uji.go.id", *, remember=True, password=TEST_PASSWORD):
    c = app.test_client()
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    resp = c.post("/masuk", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return c


def _stolen(c):
    """The device's cookies, as a thief would copy them."""
    session, remember = c.get_cookie(SESSION), c.get_cookie(REMEMBER)
    return (session.value if session else None), (remember.value if remember else None)


def _opens(app, path="/dasbor", *, session=None, remember=None):
    c = app.test_client()
    if session:
        c.set_cookie(SESSION, session)
    if remember:
        c.set_cookie(REMEMBER, remember)
    return c.get(path).status_code == 200


def _assert_dead(app, cookies):
    session, remember = cookies
    assert session and remember
    assert not _opens(app, session=session), "the old session cookie still opens /dasbor"
    assert not _opens(app, remember=remember), "the old remember-me cookie still opens /dasbor"
    assert not _opens(app, session=session, remember=remember)


def _assert_alive(app, cookies):
    session, remember = cookies
    assert _opens(app, session=session) and _opens(app, remember=remember)


# --- The events that end every earlier session -----------------------------------------

def _change_own_password(app, device, user_id):
    resp = device.post("/akun/sandi", data={"current_password": TEST_PASSWORD,
                                            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert resp.status_code == 302
    # The device that changed it stays signed in (with a new session).
    assert device.get("/dasbor").status_code == 200


def _reset_by_mail(app, device, user_id, smtp_server):
    anon = app.test_client()
    anon.post("/lupa-sandi", data={"email": "petugas@uji.go.id"})
    with app.app_context():
        deliver_pending()
    link = re.search(r"https?://\S+/atur-sandi/\S+", smtp_server.messages[-1]["body"]).group(0)
    resp = anon.post(link.split("localhost", 1)[1],
                     data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert resp.status_code == 302


def _log_out_everywhere(app, device, user_id):
    resp = device.post("/akun/keluar-semua")
    assert resp.status_code == 302
    assert device.get("/dasbor").status_code == 302  # this device too


def _disabled_by_admin(app, device, user_id):
    admin = _device(app, "admin@uji.go.id", remember=False)
    with app.app_context():
        user = db.session.get(User, user_id)
        data = {"save": "1", "name": user.name, "email": user.email}  # is_enabled unticked
    assert admin.post(f"/kelola/pengguna/{user_id}", data=data).status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        data["is_enabled"] = "y"  # enabled again: the old cookies must stay dead
    assert admin.post(f"/kelola/pengguna/{user_id}", data=data).status_code == 302


def _reset_by_admin(app, device, user_id):
    admin = _device(app, "admin@uji.go.id", remember=False)
    assert admin.post(f"/kelola/pengguna/{user_id}/atur-ulang-sandi").status_code == 302


def _password_set_by_admin(app, device, user_id):
    admin = _device(app, "admin@uji.go.id", remember=False)
    resp = admin.post(f"/kelola/pengguna/{user_id}/sandi",
                      data={"pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD})
    assert resp.status_code == 302


EVENTS = {
    "own password change": _change_own_password,
    "password reset by mail": _reset_by_mail,
    "log out everywhere": _log_out_everywhere,
    "account disabled": _disabled_by_admin,
    "administrator's reset": _reset_by_admin,
    "administrator sets the password": _password_set_by_admin,
}


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_old_cookies_die_after(app, smtp_server, event):
    user_id = _people(app)
    device = _device(app)
    other_device = _device(app)
    cookies, other = _stolen(device), _stolen(other_device)
    _assert_alive(app, cookies)
    fn = EVENTS[event]
    if event == "password reset by mail":
        fn(app, device, user_id, smtp_server)
    else:
        fn(app, device, user_id)
    _assert_dead(app, cookies)
    _assert_dead(app, other)
    with app.app_context():
        version = db.session.get(User, user_id).session_version
        assert version >= 1


def test_logout_ends_this_session_and_clears_the_remember_cookie(app):
    _people(app)
    device, other_device = _device(app), _device(app)
    cookies, other = _stolen(device), _stolen(other_device)
    resp = device.post("/keluar")
    assert resp.status_code == 302
    assert device.get_cookie(REMEMBER) is None
    assert device.get("/dasbor").status_code == 302
    _assert_dead(app, cookies)
    # Only this session: the other device stays signed in.
    _assert_alive(app, other)


def test_the_remember_token_rotates_at_every_login(app):
    _people(app)
    first, second = _stolen(_device(app)), _stolen(_device(app))
    assert first[1] != second[1]
    assert first[0] != second[0]


def test_a_wrong_or_old_format_token_opens_nothing(app):
    user_id = _people(app)
    with app.test_request_context():
        # The format before this change (the bare user id), signed correctly.
        assert not _opens(app, remember=encode_cookie(str(user_id)))
        assert not _opens(app, remember=encode_cookie(f"{user_id}:0:x:y"))


# --- Idle and absolute lifetimes -------------------------------------------------------

def _age_session(device, *, seen_minutes=0, issued_hours=0.0, user_id=None, app=None):
    with device.session_transaction() as s:
        if seen_minutes:
            s[sessions.SEEN_KEY] -= seen_minutes * 60
        if issued_hours:
            token = sessions.parse_login_token(s["_user_id"])
            with app.app_context():
                user = db.session.get(User, user_id)
                s["_user_id"] = sessions.make_login_token(
                    user, issued_at=token.issued_at - timedelta(hours=issued_hours))


def test_idle_officer_session_expires_with_a_message(app):
    _people(app)
    limit = app.config["SESSION_IDLE_MINUTES"]
    assert limit == 120
    device = _device(app)
    _age_session(device, seen_minutes=limit - 1)
    assert device.get("/dasbor").status_code == 200  # still inside the limit (and refreshed)
    _age_session(device, seen_minutes=limit - 1)
    assert device.get("/dasbor").status_code == 200
    _age_session(device, seen_minutes=limit + 1)
    resp = device.get("/dasbor", follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "/masuk" in resp.request.path
    assert "Sesi Anda berakhir karena tidak ada aktivitas selama 120 menit" in html
    # The remember-me cookie does not bring it back.
    assert device.get("/dasbor").status_code == 302


def test_absolute_officer_session_expires_even_when_active(app):
    user_id = _people(app)
    hours = app.config["SESSION_ABSOLUTE_HOURS"]
    assert hours == 12
    device = _device(app)
    _age_session(device, issued_hours=hours - 0.1, user_id=user_id, app=app)
    assert device.get("/dasbor").status_code == 200
    _age_session(device, issued_hours=0.2, user_id=user_id, app=app)
    resp = device.get("/dasbor", follow_redirects=True)
    assert "Sesi Anda telah berlangsung 12 jam" in resp.get_data(as_text=True)
    assert device.get("/dasbor").status_code == 302


def test_absolute_lifetime_holds_for_the_remember_cookie_too(app):
    user_id = _people(app)
    with app.test_request_context():
        user = db.session.get(User, user_id)
        fresh = encode_cookie(sessions.make_login_token(user, issued_at=utcnow()))
        old = encode_cookie(sessions.make_login_token(
            user, issued_at=utcnow() - timedelta(hours=12, minutes=1)))
    assert _opens(app, remember=fresh)  # the forged-but-valid control opens it
    assert not _opens(app, remember=old)


def test_citizens_keep_a_longer_session(app):
    """Citizens: no idle limit; their login (and remember-me) lasts 30 days."""
    _people(app)
    device = _device(app, "warga@uji.go.id")
    _age_session(device, seen_minutes=6 * 60)
    assert device.get("/permohonan/saya").status_code == 200
    with app.app_context():
        from ppid.accounts.services import find_user_by_email
        citizen_id = find_user_by_email("warga@uji.go.id").id
    _age_session(device, issued_hours=29 * 24, user_id=citizen_id, app=app)
    assert device.get("/permohonan/saya").status_code == 200
    _age_session(device, issued_hours=2 * 24, user_id=citizen_id, app=app)
    assert device.get("/permohonan/saya").status_code == 302


def test_lifetimes_are_configurable(app):
    _people(app)
    app.config["SESSION_IDLE_MINUTES"] = 5
    try:
        device = _device(app)
        _age_session(device, seen_minutes=6)
        assert device.get("/dasbor").status_code == 302
    finally:
        app.config["SESSION_IDLE_MINUTES"] = 120


def test_change_password_asks_for_the_current_one(app):
    _people(app)
    device = _device(app)
    resp = device.post("/akun/sandi", data={"current_password": "salah-sekali-1",
                                            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert resp.status_code == 422
    assert "Kata sandi saat ini salah." in resp.get_data(as_text=True)
    assert _device(app, remember=False)  # the old password still works


def test_signing_in_again_over_an_expired_session(app):
    """The expired login is refused in the very request that signs in anew; the new login
    must survive that request."""
    _people(app)
    device = _device(app)
    _age_session(device, seen_minutes=121)
    resp = device.post("/masuk", data={"email": "petugas@uji.go.id", "password": TEST_PASSWORD,
                                       "remember": "y"})
    assert resp.status_code == 302
    assert device.get("/dasbor").status_code == 200
    assert _opens(app, remember=_stolen(device)[1])
