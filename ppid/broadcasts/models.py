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
    """An address that follows something (``target``, rules.target_of): the government
    ('government'), one agency ('agency:<id>'), one agency's periodic obligation
    ('obligation:<agency id>:<obligation id>') or a saved search ('search:<digest of the
    query and its filters>', the query in ``search_query`` and ``search_filters``).
    Double opt-in: mail goes only to a confirmed, not unsubscribed, not suspended address;
    ``token`` is the secret of its confirm and unsubscribe links. ``frequency`` is the
    digest's (rules.Frequency): broadcasts go at once whatever it is."""

    __tablename__ = "follow_subscription"
    id = sa.Column(sa.Integer, primary_key=True)
    email = sa.Column(sa.String(320), nullable=False)  # lower-cased
    target = sa.Column(sa.String(40), nullable=False)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), index=True)
    obligation_id = sa.Column(sa.Integer, sa.ForeignKey("registry_obligation.id"), index=True)
    search_query = sa.Column(sa.String(500))
    search_filters = sa.Column(sa.Text)  # JSON {type, agency, category, year}
    frequency = sa.Column(sa.String(10), nullable=False, default="harian")
    user_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"), index=True)
    token = sa.Column(sa.String(64), nullable=False, unique=True)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    confirm_sent_at = sa.Column(UTCDateTime)  # the last confirmation mail (throttled)
    confirmed_at = sa.Column(UTCDateTime)
    unsubscribed_at = sa.Column(UTCDateTime, index=True)
    suspended_at = sa.Column(UTCDateTime)  # too many hard bounces (FOLLOW_HARD_BOUNCES)
    digest_sent_at = sa.Column(UTCDateTime)  # the last digest mailed (when the next is due)
    # Everything published up to this moment has been in a digest (the candidates' floor).
    digest_covered_at = sa.Column(UTCDateTime)
    # An obligation's staleness status last told (registry.rules.Status): a change between
    # current and not current is news.
    reported_status = sa.Column(sa.String(20))

    agency = relationship("Agency")
    obligation = relationship("Obligation")

    __table_args__ = (
        sa.UniqueConstraint("email", "target", name="email_target"),
        sa.CheckConstraint(
            "(target = 'government' AND agency_id IS NULL AND obligation_id IS NULL) OR "
            "(target LIKE 'agency:%' AND agency_id IS NOT NULL AND obligation_id IS NULL) OR "
            "(target LIKE 'obligation:%' AND agency_id IS NOT NULL "
            "AND obligation_id IS NOT NULL) OR "
            "(target LIKE 'search:%' AND search_query IS NOT NULL AND agency_id IS NULL "
            "AND obligation_id IS NULL)",
            name="target_agency"),
        sa.CheckConstraint("frequency in ('harian', 'mingguan')", name="frequency"),
    )

    @property
    def is_live(self):
        return (self.confirmed_at is not None and self.unsubscribed_at is None
                and self.suspended_at is None)

    @property
    def kind(self):
        return self.target.split(":", 1)[0]

    @property
    def filters(self):
        import json
        try:
            value = json.loads(self.search_filters or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


class MailBounce(db.Model):
    """A delivery report about mail to a follower's address: a hard bounce (a DSN whose
    Action is 'failed' with a 5.x.x status), a soft one (4.x.x or 'delayed') or a
    complaint (an ARF feedback report, RFC 5965). Recorded only for addresses that follow
    something; ``report_id`` (the report's own Message-ID) makes a report count once.
    Personal data: purged with the address's last subscription."""

    __tablename__ = "follow_mail_bounce"
    id = sa.Column(sa.Integer, primary_key=True)
    email = sa.Column(sa.String(320), nullable=False, index=True)
    kind = sa.Column(sa.String(10), nullable=False)
    status = sa.Column(sa.String(20), nullable=False, default="")
    diagnostic = sa.Column(sa.String(300), nullable=False, default="")
    report_id = sa.Column(sa.String(300))
    received_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("report_id", "email", name="follow_mail_bounce_once"),
        sa.CheckConstraint("kind in ('hard', 'soft', 'complaint')", name="kind"),
    )


class FollowDelivery(db.Model):
    """One mail about one thing (``key``: 'broadcast:<id>' for its start, 'update:<id>'
    for an update; in a digest 'dip:<id>', 'pub:<id>', 'ver:<id>' for a new version,
    'status:...' for an obligation's status, 'hit:<type>:<id>' for a saved search's match;
    'confirm:<random>' for a confirmation mail) to one subscription: the unique pair is
    what makes a mail go at most once, whoever queues it and however often. A row with
    no mail is what was already there when the subscription began (a saved search's
    matches then: not news)."""

    __tablename__ = "follow_delivery"
    id = sa.Column(sa.Integer, primary_key=True)
    subscription_id = sa.Column(sa.Integer, sa.ForeignKey("follow_subscription.id",
                                                          ondelete="CASCADE"),
                                nullable=False)
    key = sa.Column(sa.String(60), nullable=False)
    outbox_mail_id = sa.Column(sa.Integer, sa.ForeignKey("outbox_mail.id"))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("subscription_id", "key", name="once"),)
