"""Logins: what Flask-Login keeps in the signed session and the remember-me cookie, and the
checks that end a login (issue 12, finding 3).

A login token ``<user id>:<session version>:<signed-in at>:<random>`` is the value
Flask-Login stores (``User.get_id``), in the session and, signed, in the remember-me
cookie. The user loader accepts it only while

- the account is enabled and its ``session_version`` is still the token's (a password
  change, a reset, "log out everywhere", disabling the account and an administrator's
  reset bump it: every earlier cookie dies);
- the login was not ended by logging out (``EndedLogin`` holds the random part of ended
  logins until they would have expired anyway);
- it is inside its lifetimes: absolute from the signed-in time in the token, idle from the
  last request's time kept in the signed session. Officers and other staff:
  ``SESSION_IDLE_MINUTES`` (120) and ``SESSION_ABSOLUTE_HOURS`` (12). Citizens:
  ``CITIZEN_SESSION_IDLE_MINUTES`` (0, no idle limit) and ``CITIZEN_SESSION_ABSOLUTE_HOURS``
  (30 days, also the remember-me cookie's lifetime): they hold no one else's data but their
  own, and "remember me" is what they ask for on a phone.

The idle limit is measured in the browser session; a remember-me cookie restoring a login
in a new browser session starts a new idle period, but never outlives the absolute limit.
When a login ends for any of these reasons the remember-me cookie is cleared too.
"""
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app, flash, g, request, session
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from ppid.accounts import rules
from ppid.core import auth
from ppid.core.db import utcnow
from ppid.extensions import db

SEEN_KEY = "ppid_seen_at"  # the last request of this browser session (epoch seconds)
# Only rewrite the session cookie for the idle clock when it moved this much.
_SEEN_GRANULARITY = 60


@dataclass(frozen=True)
class LoginToken:
    user_id: int
    version: int
    issued_at: datetime
    nonce: str


def make_login_token(user, *, issued_at, nonce=None) -> str:
    return (f"{user.id}:{user.session_version or 0}:{int(issued_at.timestamp())}:"
            f"{nonce or secrets.token_hex(16)}")


def parse_login_token(value):
    """The LoginToken in ``value``, or None for anything else (such as a bare user id from
    before session versions: those logins end)."""
    parts = str(value or "").split(":")
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() for p in parts[:3]):
        return None
    if not parts[3] or len(parts[3]) > 64 or any(len(p) > 12 for p in parts[:3]):
        return None
    try:
        issued_at = datetime.fromtimestamp(int(parts[2]), timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    return LoginToken(int(parts[0]), int(parts[1]), issued_at, parts[3])


def limits_for(user, cfg) -> rules.SessionLimits:
    """Staff lifetimes for anyone holding a staff role, citizens' otherwise."""
    staff = any(r.role in auth.STAFF_ROLES for r in user.roles)
    prefix = "" if staff else "CITIZEN_"
    idle = int(cfg[f"{prefix}SESSION_IDLE_MINUTES"])
    absolute = float(cfg[f"{prefix}SESSION_ABSOLUTE_HOURS"])
    return rules.SessionLimits(idle=timedelta(minutes=idle) if idle > 0 else None,
                               absolute=timedelta(hours=absolute))


def _expiry_message(reason, limits):
    if reason == rules.IDLE:
        return _("Sesi Anda berakhir karena tidak ada aktivitas selama %(n)d menit. "
                 "Silakan masuk lagi.", n=int(limits.idle.total_seconds() // 60))
    if reason == rules.ABSOLUTE:
        hours = limits.absolute.total_seconds() / 3600
        return _("Sesi Anda telah berlangsung %(n)s jam, batas terlama satu sesi. Silakan "
                 "masuk lagi.", n=f"{hours:g}")
    return _("Sesi Anda telah diakhiri (kata sandi diubah, akun diatur ulang atau keluar "
             "dari semua perangkat). Silakan masuk lagi.")


def _refuse(reason=None, limits=None):
    """Refuse this login for the rest of the request and clear it from the browser."""
    if not g.get("ppid_login_refused"):
        g.ppid_login_refused = True
        if reason is not None:
            flash(_expiry_message(reason, limits), "info")
    return None


def load_user(value):
    """Flask-Login's user loader (session and remember-me cookie alike)."""
    from ppid.accounts.models import EndedLogin, User
    if g.get("ppid_login_refused"):
        return None  # the session's login was refused: the remember cookie goes with it
    token = parse_login_token(value)
    if token is None:
        return _refuse()
    user = db.session.get(User, token.user_id)
    if user is None or not user.is_enabled or user.session_version != token.version:
        return _refuse(rules.REVOKED if user is not None else None)
    if db.session.get(EndedLogin, token.nonce) is not None:
        return _refuse()
    now = utcnow()
    seen = session.get(SEEN_KEY)
    seen_at = (datetime.fromtimestamp(seen, timezone.utc)
               if isinstance(seen, (int, float)) else None)
    limits = limits_for(user, current_app.config)
    reason = rules.session_expiry(limits, issued_at=token.issued_at, seen_at=seen_at, now=now)
    if reason:
        return _refuse(reason, limits)
    if seen_at is None or now.timestamp() - seen >= _SEEN_GRANULARITY:
        session[SEEN_KEY] = int(now.timestamp())
    g.ppid_login_token = token
    return user


def forget_refused_login(response):
    """After a refused login: drop it from the session and clear the remember-me cookie
    (Flask-Login's own after-request hook, which runs next, deletes the cookie)."""
    if g.pop("ppid_login_refused", False):
        logout_user()
        session.pop(SEEN_KEY, None)
    return response


def start(user, *, remember, now=None):
    """Sign ``user`` in on this browser with a new login token."""
    g.pop("ppid_login_refused", None)  # an expired login refused earlier in this request
    login_user(user, remember=remember)
    session[SEEN_KEY] = int((now or utcnow()).timestamp())


def restart(user):
    """After this browser's own password change: a new token (with the new session
    version) so this device stays signed in while every other one is signed out."""
    remember = current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies
    start(user, remember=remember)


def end(user, *, now=None):
    """Log out this browser's login: its token is refused from now on, wherever a copy of
    the session or remember-me cookie is."""
    from ppid.accounts.models import EndedLogin
    now = now or utcnow()
    token = g.get("ppid_login_token") or parse_login_token(session.get("_user_id"))
    if token is not None and user is not None and token.user_id == user.id:
        limits = limits_for(user, current_app.config)
        db.session.execute(sa.delete(EndedLogin).where(EndedLogin.expires_at < now))
        if db.session.get(EndedLogin, token.nonce) is None:
            db.session.add(EndedLogin(nonce=token.nonce, user_id=user.id, ended_at=now,
                                      expires_at=token.issued_at + limits.absolute))
        db.session.flush()
    logout_user()
    session.pop(SEEN_KEY, None)
