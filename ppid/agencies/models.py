import sqlalchemy as sa
from sqlalchemy.orm import relationship

from ppid.agencies import rules
from ppid.core.db import UTCDateTime, utcnow
from ppid.extensions import db

KIND_UTAMA = "utama"
KIND_PEMBANTU = "pembantu"
KINDS = (KIND_UTAMA, KIND_PEMBANTU)


class Agency(db.Model):
    """A PPID: the PPID Utama of the government or the PPID Pembantu of one agency (OPD)."""

    __tablename__ = "agency"
    id = sa.Column(sa.Integer, primary_key=True)
    slug = sa.Column(sa.String(80), nullable=False, unique=True)
    name = sa.Column(sa.String(200), nullable=False)
    short_name = sa.Column(sa.String(60))
    kind = sa.Column(sa.String(20), nullable=False, default=KIND_PEMBANTU)
    parent_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"))
    address = sa.Column(sa.String(500))
    phone = sa.Column(sa.String(50))
    email = sa.Column(sa.String(320))
    website = sa.Column(sa.String(300))
    atasan_name = sa.Column(sa.String(200))
    atasan_position = sa.Column(sa.String(200))
    atasan_nip = sa.Column(sa.String(18))
    # The atasan's own office (the letterhead of the atasan's response, DOMAIN.md 13).
    atasan_office = sa.Column(sa.String(300))
    atasan_address = sa.Column(sa.String(500))
    # The PPID's outgoing letters: the code in their numbers, and the official who signs
    # them when the PPID names one (else the officer who acts signs).
    letter_code = sa.Column(sa.String(30))
    signatory_name = sa.Column(sa.String(200))
    signatory_position = sa.Column(sa.String(200))
    signatory_nip = sa.Column(sa.String(18))
    is_active = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = sa.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    parent = relationship("Agency", remote_side=[id], back_populates="children")
    children = relationship("Agency", back_populates="parent", order_by="Agency.name")

    __table_args__ = (sa.CheckConstraint("kind in ('utama', 'pembantu')", name="kind"),)

    @property
    def is_utama(self):
        return self.kind == KIND_UTAMA

    # The authorisation helper looks for agency_id on every object it is asked about.
    @property
    def agency_id(self):
        return self.id

    def __repr__(self):
        return f"<Agency {self.slug}>"


class AgencyChannel(db.Model):
    """One official online channel of an agency (its website, a social-media account, a
    WhatsApp channel): listed on its public page, opened by the link checker, counted by
    the E-Monev digitalisasi question. A channel that is removed keeps its row (``removed_at``)
    so an earlier year's assessment still sees the channels in use then."""

    __tablename__ = "agency_channel"
    id = sa.Column(sa.Integer, primary_key=True)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False, index=True)
    platform = sa.Column(sa.String(20), nullable=False)
    url = sa.Column(sa.String(1000), nullable=False)
    handle = sa.Column(sa.String(100))
    created_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    removed_at = sa.Column(UTCDateTime)
    removed_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))

    agency = relationship("Agency")

    __table_args__ = (
        sa.CheckConstraint("platform IN (%s)" % ", ".join(
            f"'{p}'" for p in rules.Platform), name="platform"),
    )

    @property
    def is_removed(self):
        return self.removed_at is not None


Agency.channels = relationship(
    AgencyChannel, viewonly=True,
    primaryjoin=sa.and_(AgencyChannel.agency_id == Agency.id,
                        AgencyChannel.removed_at.is_(None)),
    order_by=(AgencyChannel.platform, AgencyChannel.id))
