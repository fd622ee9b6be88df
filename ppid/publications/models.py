"""The publication desk (issue #19, DOMAIN.md section 16): an agency's news and
announcements, drafted by its humas or helper officers and published by the PPID Utama.

A publication is public when its state is ``published``, or ``scheduled`` with
``published_at`` (the moment it becomes public) not later than now: read from the clock,
never written by a reader (ppid.publications.rules.is_public). Photos are stored only as
re-encoded copies (EXIF, with its GPS position, is dropped) and their thumbnails; the
bytes live in ppid.core.storage under their keys.
"""
import sqlalchemy as sa
from sqlalchemy.orm import relationship

from ppid.core.db import UTCDateTime, utcnow
from ppid.extensions import db
from ppid.publications.rules import Cadence, PublicationKind, PublicationState, Step

_STATES = ", ".join(f"'{s.value}'" for s in PublicationState)
_STEPS = ", ".join(f"'{s.value}'" for s in Step)
_KINDS = ", ".join(f"'{k.value}'" for k in PublicationKind)
_CADENCES = ", ".join(f"'{c.value}'" for c in Cadence)


class Publication(db.Model):
    """A news item or announcement of one agency."""

    __tablename__ = "publication"
    id = sa.Column(sa.Integer, primary_key=True)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False, index=True)
    title = sa.Column(sa.String(200), nullable=False)
    kind = sa.Column(sa.String(20), nullable=False, default=PublicationKind.BERITA,
                     server_default=PublicationKind.BERITA.value)
    summary = sa.Column(sa.String(500), nullable=False, default="")
    body = sa.Column(sa.Text, nullable=False, default="")  # the Markdown subset (rules.py)
    tags = sa.Column(sa.String(500), nullable=False, default="")  # ",a,b," (rules.stored_tags)
    # What it relates to, if anything: a DIP item or an obligation of the catalogue.
    dip_item_id = sa.Column(sa.Integer, sa.ForeignKey("registry_dip_item.id"), index=True)
    obligation_id = sa.Column(sa.Integer, sa.ForeignKey("registry_obligation.id"), index=True)
    wished_at = sa.Column(UTCDateTime)       # when the agency would like it out
    state = sa.Column(sa.String(20), nullable=False, default=PublicationState.DRAFT)
    published_at = sa.Column(UTCDateTime)    # when it is (or was, or will be) public
    submitted_at = sa.Column(UTCDateTime)    # last submission to the desk
    withdrawn_at = sa.Column(UTCDateTime)
    withdrawal_reason = sa.Column(sa.Text)
    return_comment = sa.Column(sa.Text)      # the desk's latest comments, while returned
    created_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    agency = relationship("Agency")
    dip_item = relationship("DipItem")
    obligation = relationship("Obligation")
    created_by = relationship("User")
    photos = relationship("PublicationPhoto", back_populates="publication",
                          order_by="PublicationPhoto.id", cascade="all, delete-orphan")
    attachments = relationship("PublicationAttachment", back_populates="publication",
                               order_by="PublicationAttachment.id",
                               cascade="all, delete-orphan")
    events = relationship("PublicationEvent", back_populates="publication",
                          order_by="PublicationEvent.id", cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint(f"state IN ({_STATES})", name="state"),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name="kind"),
        sa.CheckConstraint("state NOT IN ('scheduled', 'published', 'withdrawn') "
                           "OR published_at IS NOT NULL", name="public_has_time"),
        # The public listings: visible = state in (scheduled, published), published_at <= now.
        sa.Index("ix_publication_state_published_at", "state", "published_at"),
    )

    @property
    def tag_list(self):
        from ppid.publications.rules import tags_of
        return tags_of(self.tags)

    def __repr__(self):
        return f"<Publication {self.id} {self.title[:30]!r}>"


class PublicationPhoto(db.Model):
    """A photo of a publication: a re-encoded copy (at most PHOTO_MAX_PIXELS on its long
    side) and its thumbnail, both made when it was uploaded, before any transaction."""

    __tablename__ = "publication_photo"
    id = sa.Column(sa.Integer, primary_key=True)
    publication_id = sa.Column(sa.Integer, sa.ForeignKey("publication.id", ondelete="CASCADE"),
                               nullable=False, index=True)
    sha256 = sa.Column(sa.String(64), nullable=False, index=True)  # the shown copy
    thumb_key = sa.Column(sa.String(64), nullable=False, index=True)  # its thumbnail
    media_type = sa.Column(sa.String(40), nullable=False)
    original_name = sa.Column(sa.String(200), nullable=False)
    size = sa.Column(sa.Integer, nullable=False)
    width = sa.Column(sa.Integer, nullable=False)
    height = sa.Column(sa.Integer, nullable=False)
    alt_text = sa.Column(sa.String(300), nullable=False)
    uploaded_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    publication = relationship("Publication", back_populates="photos")

    __table_args__ = (sa.CheckConstraint("length(alt_text) > 0", name="alt_text_given"),)


class PublicationAttachment(db.Model):
    """A document attached to a publication (checked like the DIP's documents)."""

    __tablename__ = "publication_attachment"
    id = sa.Column(sa.Integer, primary_key=True)
    publication_id = sa.Column(sa.Integer, sa.ForeignKey("publication.id", ondelete="CASCADE"),
                               nullable=False, index=True)
    sha256 = sa.Column(sa.String(64), nullable=False, index=True)
    original_name = sa.Column(sa.String(200), nullable=False)
    media_type = sa.Column(sa.String(120), nullable=False)
    size = sa.Column(sa.Integer, nullable=False)
    uploaded_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    publication = relationship("Publication", back_populates="attachments")


class PublicationEvent(db.Model):
    """One step on a publication's timeline (the audit log holds the same, sealed)."""

    __tablename__ = "publication_event"
    id = sa.Column(sa.Integer, primary_key=True)
    publication_id = sa.Column(sa.Integer, sa.ForeignKey("publication.id", ondelete="CASCADE"),
                               nullable=False, index=True)
    step = sa.Column(sa.String(30), nullable=False)
    state = sa.Column(sa.String(20), nullable=False)  # the state after the step
    comment = sa.Column(sa.Text, nullable=False, default="")
    actor_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))  # None: the system (the job)
    occurred_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    publication = relationship("Publication", back_populates="events")
    actor = relationship("User")

    __table_args__ = (
        sa.CheckConstraint(f"step IN ({_STEPS})", name="step"),
        sa.CheckConstraint(f"state IN ({_STATES})", name="state"),
    )


class PublicationPlan(db.Model):
    """One target of an agency's publication plan: at least ``target`` publications of
    ``kind`` each period of ``cadence`` (a month or a quarter). Set by the agency's humas
    and helper officers (or the PPID Utama); every change is audited on the agency."""

    __tablename__ = "publication_plan"
    id = sa.Column(sa.Integer, primary_key=True)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    kind = sa.Column(sa.String(20), nullable=False)
    cadence = sa.Column(sa.String(20), nullable=False, default=Cadence.BULANAN)
    target = sa.Column(sa.Integer, nullable=False)
    updated_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)  # periods before
    updated_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)  # are not judged

    agency = relationship("Agency")

    __table_args__ = (
        sa.UniqueConstraint("agency_id", "kind"),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name="kind"),
        sa.CheckConstraint(f"cadence IN ({_CADENCES})", name="cadence"),
        sa.CheckConstraint("target >= 1 AND target <= 100", name="target_range"),
    )
