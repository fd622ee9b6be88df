"""Serta-merta broadcasts (UU KIP Pasal 10; issue #19 section 2) and the citizens who follow
the government or an agency (section 3).

A broadcast is what publishing a serta-merta DIP item starts: the item holds the
announcement's required parts (ppid.registry.rules.SERTA_MERTA_PARTS); the broadcast adds
the banner on every public page while it is active, the crisis page, the update log and the
mail to followers. ``revision`` moves with every change the crisis page shows (an update,
the end, an edit of the item), so the page's validator is read from this table alone and
the page is rendered once per change, not once per unrelated write elsewhere.

A subscription's e-mail address is personal data (DOMAIN.md section 11): it is shown to
nobody but its owner and never reaches a public page, feed, API or export.
"""
import sqlalchemy as sa
from sqlalchemy.orm import relationship

from ppid.core.db import UTCDateTime, utcnow
from ppid.extensions import db


class Broadcast(db.Model):
    """The broadcast of one published serta-merta DIP item."""

    __tablename__ = "broadcast"
    id = sa.Column(sa.Integer, primary_key=True)
    dip_item_id = sa.Column(sa.Integer, sa.ForeignKey("registry_dip_item.id"), nullable=False,
                            unique=True)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False, index=True)
    started_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    started_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    ended_at = sa.Column(UTCDateTime, index=True)  # NULL while active (the banner shows)
    ended_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    end_note = sa.Column(sa.Text)  # why it ended (shown on the crisis page)
    revision = sa.Column(sa.Integer, nullable=False, default=1)
    changed_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    item = relationship("DipItem")
    agency = relationship("Agency")
    updates = relationship("BroadcastUpdate", back_populates="broadcast",
                           order_by="(BroadcastUpdate.posted_at.desc(), "
                                    "BroadcastUpdate.id.desc())",
                           cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint("ended_at IS NULL OR end_note IS NOT NULL", name="end_has_note"),
        sa.CheckConstraint("revision >= 1", name="revision"),
    )

    @property
    def is_active(self):
        return self.ended_at is None

    def __repr__(self):
        return f"<Broadcast {self.id} item {self.dip_item_id}>"


class BroadcastUpdate(db.Model):
    """One entry of a broadcast's update log (newest first on the crisis page)."""

    __tablename__ = "broadcast_update"
    id = sa.Column(sa.Integer, primary_key=True)
    broadcast_id = sa.Column(sa.Integer, sa.ForeignKey("broadcast.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    body = sa.Column(sa.Text, nullable=False)
    posted_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    posted_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))

    broadcast = relationship("Broadcast", back_populates="updates")

    __table_args__ = (sa.CheckConstraint("length(body) > 0", name="body_given"),)


GOVERNMENT = "government"  # Subscription.target of the whole government's broadcasts


class Subscription(db.Model):
    """An address that follows the government (``target`` = 'government') or one agency
    (``target`` = 'agency:<id>'). Double opt-in: mail goes only to a confirmed, not
    unsubscribed address; ``token`` is the secret of its confirm and unsubscribe links."""

    __tablename__ = "follow_subscription"
    id = sa.Column(sa.Integer, primary_key=True)
    email = sa.Column(sa.String(320), nullable=False)  # lower-cased
    target = sa.Column(sa.String(40), nullable=False)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), index=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"), index=True)
    token = sa.Column(sa.String(64), nullable=False, unique=True)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    confirm_sent_at = sa.Column(UTCDateTime)  # the last confirmation mail (throttled)
    confirmed_at = sa.Column(UTCDateTime)
    unsubscribed_at = sa.Column(UTCDateTime)
    digest_sent_at = sa.Column(UTCDateTime)  # the last daily digest (what it covered ends)

    agency = relationship("Agency")

    __table_args__ = (
        sa.UniqueConstraint("email", "target", name="email_target"),
        sa.CheckConstraint("(target = 'government' AND agency_id IS NULL) OR "
                           "(target LIKE 'agency:%' AND agency_id IS NOT NULL)",
                           name="target_agency"),
    )

    @property
    def is_live(self):
        return self.confirmed_at is not None and self.unsubscribed_at is None


class FollowDelivery(db.Model):
    """One mail about one thing (``key``: 'broadcast:<id>' for its start, 'update:<id>'
    for an update) to one subscription: the unique pair is what makes a mail go at most
    once, whoever queues it and however often."""

    __tablename__ = "follow_delivery"
    id = sa.Column(sa.Integer, primary_key=True)
    subscription_id = sa.Column(sa.Integer, sa.ForeignKey("follow_subscription.id",
                                                          ondelete="CASCADE"),
                                nullable=False)
    key = sa.Column(sa.String(60), nullable=False)
    outbox_mail_id = sa.Column(sa.Integer, sa.ForeignKey("outbox_mail.id"))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("subscription_id", "key", name="once"),)
