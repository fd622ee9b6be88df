"""Accounts: creation, passwords, login with throttling, reset tokens and their throttle,
e-mail changes confirmed from the new address, roles, session versions."""
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from ppid.accounts import rules
from ppid.accounts.models import EmailChange, PasswordResetRequest, RoleAssignment, User
from ppid.core import audit, auth
from ppid.core.db import utcnow
from ppid.core.services import login_is_throttled, record_login_attempt  # noqa: F401 (re-exported)
from ppid.extensions import db

# scrypt (werkzeug's default) is memory-hard, a modern password hashing scheme; the test
# suite configures a cheaper method so it stays fast.
# A hash to compare against when the account does not exist, so timing does not tell.
_DUMMY_HASH = None


class LoginThrottled(Exception):
    pass


class EmailTaken(Exception):
    """Another account already has this address (compared canonically)."""


# The owner's own actions (their e-mail through a confirmed change, their password after
# giving the current one or through a reset link); views check the proof first.
_SELF_SERVICE = (auth.EDIT_IDENTITY, auth.SET_PASSWORD, auth.RESET_PASSWORD)


def _require(actor, target, action, role=None):
    """Refuse in the service what auth.may_manage_account refuses (the views ask first, to
    answer 403): ``actor`` None is the system (CLI, sign-up, demo data)."""
    if actor is None:
        return
    if getattr(actor, "id", None) == target.id and action in _SELF_SERVICE:
        return
    if not auth.may_manage_account(actor, target, action, role):
        raise PermissionError(f"{actor!r} may not {action} {role or ''} on {target!r}")


def normalise_email(email):
    """The stored form of an address (see ppid.accounts.rules.stored_email)."""
    return rules.stored_email(email)


def hash_password(password):
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_user_by_email(email):
    """The account with this address however it is typed (case, full-width letters)."""
    return db.session.execute(sa.select(User).where(
        User.email_normalised == rules.canonical_email(email))).scalar_one_or_none()


def email_is_taken(email, *, by_other_than=None):
    user = find_user_by_email(email)
    return user is not None and user.id != getattr(by_other_than, "id", None)


def create_user(email, name, password, *, actor, roles=()):
    """Create an account; ``roles`` is an iterable of (role, agency_id or None).

    Raises rules.InvalidEmail for an address no account may carry (mixed scripts)."""
    user = User(email=rules.check_email(email), name=name,
                password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, actor=actor, changes={"email": user.email, "name": name})
    for role, agency_id in roles:
        add_role(user, role, agency_id, actor=actor)
    return user


def bump_session_version(user):
    """End every session and remember-me token signed in before (ppid.accounts.sessions)."""
    user.session_version = (user.session_version or 0) + 1


def update_user(user, *, name, is_enabled, actor):
    """Change an account's name and enabled state (its e-mail changes only through
    :func:`request_email_change`). Disabling it ends its sessions."""
    before = {"name": user.name, "is_enabled": user.is_enabled}
    if name != user.name:
        _require(actor, user, auth.EDIT_IDENTITY)
    if bool(is_enabled) != user.is_enabled:
        _require(actor, user, auth.SET_ENABLED)
    user.name = name
    user.is_enabled = bool(is_enabled)
    if before["is_enabled"] and not user.is_enabled:
        bump_session_version(user)
    db.session.flush()
    changes = audit.diff(before, {"name": user.name, "is_enabled": user.is_enabled})
    if changes:
        audit.record("user.update", user, actor=actor, changes=changes)
    return user


def set_password(user, password, *, actor):
    """A new password; every session signed in before ends."""
    _require(actor, user, auth.SET_PASSWORD)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    bump_session_version(user)
    db.session.flush()
    audit.record("user.password", user, actor=actor, changes={"password": "changed"})


def force_password_reset(user, *, actor):
    """An officer's or administrator's reset: the old password stops working, every session
    ends, and the caller mails a reset link to the account's (confirmed) address."""
    _require(actor, user, auth.RESET_PASSWORD)
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    user.password_changed_at = utcnow()
    bump_session_version(user)
    db.session.flush()
    audit.record("user.password_reset", user, actor=actor, changes={"password": "reset"})


def end_all_sessions(user, *, actor):
    """ "Log out everywhere": every session and remember-me token of ``user`` ends."""
    _require(actor, user, auth.RESET_PASSWORD)
    bump_session_version(user)
    db.session.flush()
    audit.record("user.sessions_end", user, actor=actor,
                 changes={"session_version": user.session_version})


def password_matches(user, password):
    return bool(password) and check_password_hash(user.password_hash, password)


# --- E-mail changes: confirmed from the new address, announced to the old one -----------

def request_email_change(user, new_email, *, actor, now=None):
    """Record a change of ``user``'s address to ``new_email``, pending confirmation; the
    caller mails the new address (confirm) and the old one (notice, cancel).

    Returns the EmailChange, or None when the address is the same one however typed.
    Raises rules.InvalidEmail, or EmailTaken when another account has the address. An
    earlier pending change of the account is superseded (its links die).
    """
    _require(actor, user, auth.EDIT_IDENTITY)
    new_email = rules.check_email(new_email)
    if rules.canonical_email(new_email) == user.email_normalised:
        return None
    if email_is_taken(new_email, by_other_than=user):
        raise EmailTaken(new_email)
    now = now or utcnow()
    for earlier in pending_email_changes(user):
        earlier.resolved_at, earlier.outcome = now, "superseded"
    change = EmailChange(user=user, old_email=user.email, new_email=new_email,
                         requested_by_id=getattr(actor, "id", None), requested_at=now)
    db.session.add(change)
    db.session.flush()
    audit.record("user.email_change_request", user, actor=actor, now=now, changes={
        "email": [user.email, new_email], "email_change_id": change.id})
    return change


def pending_email_changes(user):
    return db.session.execute(sa.select(EmailChange).where(
        EmailChange.user_id == user.id, EmailChange.resolved_at.is_(None))
        .order_by(EmailChange.id)).scalars().all()


def confirm_email_change(change, *, now=None):
    """Apply a pending change (its confirmation link was opened and confirmed). Returns
    True, or False when the address went to another account meanwhile (the change ends)."""
    now = now or utcnow()
    user = change.user
    old = user.email
    taken = email_is_taken(change.new_email, by_other_than=user)
    if not taken:
        try:
            with db.session.begin_nested():  # a concurrent sign-up may take it first
                user.email = change.new_email
                db.session.flush()
        except sa.exc.IntegrityError:
            taken = True
    if taken:
        change.resolved_at, change.outcome = now, "taken"
        db.session.flush()
        audit.record("user.email_change_taken", user, actor=None, now=now,
                     changes={"email_change_id": change.id})
        return False
    change.resolved_at, change.outcome = now, "confirmed"
    db.session.flush()
    audit.record("user.email_change_confirm", user, actor=None, now=now, changes={
        "email": [old, user.email], "email_change_id": change.id})
    return True


def cancel_email_change(change, *, actor=None, now=None):
    now = now or utcnow()
    change.resolved_at, change.outcome = now, "cancelled"
    db.session.flush()
    audit.record("user.email_change_cancel", change.user, actor=actor, now=now,
                 changes={"email_change_id": change.id})


_EMAIL_CHANGE_PURPOSES = ("confirm", "cancel")


def _email_change_serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="ppid-email-change")


def make_email_change_token(change, purpose):
    """``confirm`` goes to the new address, ``cancel`` to the old one."""
    assert purpose in _EMAIL_CHANGE_PURPOSES
    return _email_change_serializer().dumps({"c": change.id, "u": change.user_id,
                                             "p": purpose})


def email_change_for_token(token):
    """(change, purpose) for a valid, unexpired token of a still pending change; else None."""
    try:
        data = _email_change_serializer().loads(
            token, max_age=int(current_app.config["EMAIL_CHANGE_MAX_AGE"]))
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or data.get("p") not in _EMAIL_CHANGE_PURPOSES:
        return None
    change_id = data.get("c")
    change = db.session.get(EmailChange, change_id) if isinstance(change_id, int) else None
    if change is None or change.user_id != data.get("u") or not change.is_pending:
        return None
    if data["p"] == "confirm" and not change.user.is_enabled:
        return None
    return change, data["p"]


# --- Password-reset mails, throttled ---------------------------------------------------

def reset_limits(cfg) -> rules.ResetLimits:
    return rules.ResetLimits(
        interval=timedelta(seconds=int(cfg["PASSWORD_RESET_INTERVAL_SECONDS"])),
        per_address_ip=int(cfg["PASSWORD_RESET_MAX_PER_ADDRESS_IP"]),
        address_ip_window=timedelta(days=1),
        per_ip=int(cfg["PASSWORD_RESET_MAX_PER_IP"]))


def password_reset_target(email, ip, *, now=None):
    """Record a request for a reset mail; the account to mail, or None (no such enabled
    account, or the throttle says no). The caller answers the same either way.

    At most one mail per address per interval (15 minutes), a daily limit per address and
    IP, and a limit of requests per IP; always on, whatever RATELIMIT_ENABLED says.
    """
    now = now or utcnow()
    key, ip = rules.canonical_email(email)[:320], (ip or "unknown")[:64]
    limits = reset_limits(current_app.config)
    t = PasswordResetRequest
    db.session.execute(sa.delete(t).where(t.requested_at < now - limits.address_ip_window))
    user = db.session.execute(sa.select(User).where(User.email_normalised == key)
                              .with_for_update()).scalar_one_or_none()
    if user is not None and not user.is_enabled:
        user = None
    allowed = False
    if user is not None:  # (the row lock above orders concurrent requests for one address)
        def count(*where):
            return db.session.execute(sa.select(sa.func.count()).select_from(t)
                                      .where(*where)).scalar_one()
        allowed = rules.reset_mail_allowed(
            limits, now=now,
            last_mail_at=db.session.execute(sa.select(sa.func.max(t.requested_at)).where(
                t.email == key, t.is_sent.is_(True))).scalar_one(),
            mails_to_address_from_ip=count(t.email == key, t.ip == ip, t.is_sent.is_(True),
                                           t.requested_at >= now - limits.address_ip_window),
            requests_from_ip=count(t.ip == ip, t.requested_at >= now - limits.interval))
    db.session.add(t(email=key, ip=ip, requested_at=now, is_sent=allowed))
    db.session.flush()
    return user if allowed else None


def add_role(user, role, agency_id, *, actor):
    _require(actor, user, auth.GRANT_ROLE, role)
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
    _require(actor, user, auth.REVOKE_ROLE, assignment.role)
    audit.record("user.role_remove", user, actor=actor,
                 changes={"role": assignment.role, "agency_id": assignment.agency_id})
    user.roles.remove(assignment)
    db.session.flush()


def authenticate(email, password, ip, *, now=None):
    """Return the user for valid credentials, or None. Raises LoginThrottled when blocked.

    Every attempt is recorded; throttling counts failures per account and per address.
    """
    global _DUMMY_HASH
    email = rules.canonical_email(email)[:320]  # one throttle per account however typed
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
    # A new password or a new address kills the links mailed before.
    return hashlib.sha256(f"{user.password_hash}\x1f{user.email_normalised}".encode()
                          ).hexdigest()[:16]


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


PROFILE_FIELDS = ("position", "nip")


def update_profile(user, data, *, actor):
    """An officer's own position and NIP (letters print them under the signature)."""
    if actor is None or actor.id != user.id:
        raise PermissionError("only the account holder changes their profile")
    before = {f: getattr(user, f) for f in PROFILE_FIELDS}
    for f in PROFILE_FIELDS:
        setattr(user, f, data.get(f) or None)
    db.session.flush()
    changes = audit.diff(before, {f: getattr(user, f) for f in PROFILE_FIELDS})
    if changes:
        audit.record("user.profile", user, actor=actor, changes=changes)
    return bool(changes)
