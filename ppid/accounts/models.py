import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import relationship

from ppid.core.db import UTCDateTime, utcnow
from ppid.extensions import db


class User(UserMixin, db.Model):
    """An account: a citizen, an officer, an auditor or an administrator (see RoleAssignment)."""

    __tablename__ = "user"
    id = sa.Column(sa.Integer, primary_key=True)
    email = sa.Column(sa.String(320), nullable=False, unique=True)
    name = sa.Column(sa.String(200), nullable=False)
    password_hash = sa.Column(sa.String(300), nullable=False)
    is_enabled = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at = sa.Column(UTCDateTime)
    password_changed_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    roles = relationship("RoleAssignment", back_populates="user",
                         cascade="all, delete-orphan", lazy="selectin")

    @property
    def is_active(self):  # Flask-Login: disabled accounts cannot log in
        return self.is_enabled

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
