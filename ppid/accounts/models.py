import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import relationship, validates

from ppid.accounts import rules
from ppid.core.db import UTCDateTime, utcnow
from ppid.extensions import db


class User(UserMixin, db.Model):
    """An account: a citizen, an officer, an auditor or an administrator (see RoleAssignment)."""

    __tablename__ = "user"
    id = sa.Column(sa.Integer, primary_key=True)
    email = sa.Column(sa.String(320), nullable=False, unique=True)
    # The address as compared (NFKC, case-folded; rules.canonical_email): one account per
    # address however it is typed. Set with ``email``.
    email_normalised = sa.Column(sa.String(320), nullable=False, unique=True)
    name = sa.Column(sa.String(200), nullable=False)
    # An officer's position and NIP (Nomor Induk Pegawai, 18 digits): the signature block of
    # the letters they sign (DOMAIN.md section 13).
    position = sa.Column(sa.String(200))
    nip = sa.Column(sa.String(18))
    password_hash = sa.Column(sa.String(300), nullable=False)
    is_enabled = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at = sa.Column(UTCDateTime)
    password_changed_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    # Part of every login token (session and remember-me cookie); bumping it ends every
    # session signed in before (ppid.accounts.sessions).
    session_version = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")

    roles = relationship("RoleAssignment", back_populates="user",
                         cascade="all, delete-orphan", lazy="selectin")

    @validates("email")
    def _set_email(self, _key, value):
        self.email_normalised = rules.canonical_email(value)
        return rules.stored_email(value)

    @property
    def is_active(self):  # Flask-Login: disabled accounts cannot log in
        return self.is_enabled

    def get_id(self):
        """Flask-Login's value for the session and the remember-me cookie: a new login
        token each time it signs someone in (so the remember token rotates)."""
        from ppid.accounts.sessions import make_login_token
        return make_login_token(self, issued_at=utcnow())

    # Users are equal by primary key (UserMixin compares get_id(), which is new each time).
    def __eq__(self, other):
        if not isinstance(other, User):
            return NotImplemented
        return self is other or (self.id is not None and self.id == other.id)

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = object.__hash__

    def has_role(self, role, agency_id=None):
        return any(r.role == role and (agency_id is None or r.agency_id == agency_id)
                   for r in self.roles)

    def agency_ids(self, *roles):
        return {r.agency_id for r in self.roles if r.role in roles and r.agency_id}

    def __repr__(self):
        return f"<User {self.email}>"


class RoleAssignment(db.Model):
    """A role held by a user, bound to an agency for helper officers and atasan."""

    __tablename__ = "role_assignment"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    role = sa.Column(sa.String(20), nullable=False)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), index=True)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    user = relationship("User", back_populates="roles")
    agency = relationship("Agency", lazy="joined")

    __table_args__ = (sa.UniqueConstraint("user_id", "role", "agency_id"),)


class EmailChange(db.Model):
    """A requested change of an account's e-mail address. It takes effect only when
    confirmed from the new address; until then the old address stays the login and the
    reset target, and it can cancel the change (issue 12)."""

    __tablename__ = "email_change"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    old_email = sa.Column(sa.String(320), nullable=False)
    new_email = sa.Column(sa.String(320), nullable=False)
    requested_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    requested_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    resolved_at = sa.Column(UTCDateTime)
    # confirmed | cancelled | superseded | taken (the address went to another account)
    outcome = sa.Column(sa.String(20))

    user = relationship("User", foreign_keys=[user_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])

    @property
    def is_pending(self):
        return self.resolved_at is None


class PasswordResetRequest(db.Model):
    """A request for a password-reset mail, kept a day to throttle the mails (issue 12)."""

    __tablename__ = "password_reset_request"
    id = sa.Column(sa.Integer, primary_key=True)
    email = sa.Column(sa.String(320), nullable=False, index=True)  # canonical form
    ip = sa.Column(sa.String(64), nullable=False, index=True)
    requested_at = sa.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    is_sent = sa.Column(sa.Boolean, nullable=False, default=False)


class EndedLogin(db.Model):
    """A login ended by logging out: its token (by its random part) stays refused until it
    would have expired anyway, so a copied session or remember-me cookie dies with it."""

    __tablename__ = "ended_login"
    nonce = sa.Column(sa.String(64), primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    ended_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = sa.Column(UTCDateTime, nullable=False, index=True)
