"""Accounts: creation, passwords, login with throttling, reset tokens, roles."""
import hashlib

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from ppid.accounts.models import RoleAssignment, User
from ppid.core import audit
from ppid.core.db import utcnow
from ppid.core.services import login_is_throttled, record_login_attempt  # noqa: F401 (re-exported)
from ppid.extensions import db

# scrypt (werkzeug's default) is memory-hard, a modern password hashing scheme; the test
# suite configures a cheaper method so it stays fast.
# A hash to compare against when the account does not exist, so timing does not tell.
_DUMMY_HASH = None


class LoginThrottled(Exception):
    pass


def normalise_email(email):
    return (email or "").strip().lower()


def hash_password(password):
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_user_by_email(email):
    return db.session.execute(
        sa.select(User).where(User.email == normalise_email(email))).scalar_one_or_none()


def create_user(email, name, password, *, actor, roles=()):
    """Create an account; ``roles`` is an iterable of (role, agency_id or None)."""
    user = User(email=normalise_email(email), name=name, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, actor=actor, changes={"email": user.email, "name": name})
    for role, agency_id in roles:
        add_role(user, role, agency_id, actor=actor)
    return user


def update_user(user, *, name, email, is_enabled, actor):
    before = {"name": user.name, "email": user.email, "is_enabled": user.is_enabled}
    user.name = name
    user.email = normalise_email(email)
    user.is_enabled = bool(is_enabled)
    db.session.flush()
    changes = audit.diff(before, {"name": user.name, "email": user.email,
                                  "is_enabled": user.is_enabled})
    if changes:
        audit.record("user.update", user, actor=actor, changes=changes)
    return user


def set_password(user, password, *, actor):
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    db.session.flush()
    audit.record("user.password", user, actor=actor, changes={"password": "changed"})


def add_role(user, role, agency_id, *, actor):
    existing = next((r for r in user.roles if r.role == role and r.agency_id == agency_id), None)
    if existing:
        return existing
    assignment = RoleAssignment(user=user, role=role, agency_id=agency_id or None)
    db.session.add(assignment)
    db.session.flush()
    audit.record("user.role_add", user, actor=actor,
                 changes={"role": role, "agency_id": agency_id or None})
    return assignment


def remove_role(assignment, *, actor):
    user = assignment.user
    audit.record("user.role_remove", user, actor=actor,
                 changes={"role": assignment.role, "agency_id": assignment.agency_id})
    user.roles.remove(assignment)
    db.session.flush()


def authenticate(email, password, ip, *, now=None):
    """Return the user for valid credentials, or None. Raises LoginThrottled when blocked.

    Every attempt is recorded; throttling counts failures per account and per address.
    """
    global _DUMMY_HASH
    email = normalise_email(email)
    if login_is_throttled(email, ip, now=now):
        raise LoginThrottled()
    user = find_user_by_email(email)
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password("not-a-real-password")
        check_password_hash(_DUMMY_HASH, password)
        ok = False
    else:
        ok = check_password_hash(user.password_hash, password) and user.is_enabled
    record_login_attempt(email, ip, success=ok, now=now)
    if ok:
        user.last_login_at = now or utcnow()
        audit.record("user.login", user, actor=user, changes={"ip": ip})
        return user
    return None


# --- Password reset tokens: signed, time-limited, dead once the password changes ---------

def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="ppid-password-reset")


def _fingerprint(user):
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user):
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_reset_token(token):
    """The user a valid, unexpired, unused token belongs to; None otherwise."""
    try:
        data = _serializer().loads(token, max_age=int(current_app.config["PASSWORD_RESET_MAX_AGE"]))
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.is_enabled or data.get("f") != _fingerprint(user):
        return None
    return user
