"""Proactive disclosure: the obligations catalogue, DIP items, document versions, nil
declarations (nihil), the exempt-information register and the alert digests sent.

Indonesian words kept where the law names them: DIP = Daftar Informasi Publik (the public
list of information an agency holds), nihil = nil (nothing to report for a period),
berkala / serta_merta / setiap_saat / dikecualikan = the four categories of UU KIP
Pasal 9-11 and 17.
"""
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import relationship

from ppid.core.db import UTCDateTime, utcnow
from ppid.extensions import db
from ppid.registry.rules import (AppliesTo, Category, DipForm, ItemState, Pasal17,
                                 exemption_in_force, exemption_period_text)

# The enumerations are defined, with their labels, in ppid.registry.rules.
BERKALA, SERTA_MERTA, SETIAP_SAAT, DIKECUALIKAN = CATEGORIES = tuple(Category)
APPLIES_ALL, APPLIES_UTAMA = APPLIES = tuple(AppliesTo)
DRAFT, PUBLISHED, WITHDRAWN = STATES = tuple(ItemState)
FORM_CETAK, FORM_ELEKTRONIK, FORM_KEDUANYA = FORMS = tuple(DipForm)
PASAL17_LETTERS = tuple(Pasal17)


class Obligation(db.Model):
    """One entry of the catalogue of mandatory information (Perki 1/2010 items a-k)."""

    __tablename__ = "registry_obligation"
    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(10), nullable=False, unique=True)
    title = sa.Column(sa.String(200), nullable=False)
    description = sa.Column(sa.Text, nullable=False, default="")
    legal_basis = sa.Column(sa.String(300), nullable=False, default="")
    category = sa.Column(sa.String(20), nullable=False, default=BERKALA)
    period_months = sa.Column(sa.Integer, nullable=False, default=6)
    applies_to = sa.Column(sa.String(20), nullable=False, default=APPLIES_ALL)
    is_active = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = sa.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("category in ('berkala', 'serta_merta', 'setiap_saat', "
                           "'dikecualikan')", name="category"),
        sa.CheckConstraint("applies_to in ('semua', 'utama')", name="applies_to"),
        sa.CheckConstraint("period_months between 1 and 120", name="period_months"),
    )

    def __repr__(self):
        return f"<Obligation {self.code}>"


class DipItem(db.Model):
    """An information item of an agency's DIP, with the Perki 1/2021 columns."""

    __tablename__ = "registry_dip_item"
    id = sa.Column(sa.Integer, primary_key=True)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False, index=True)
    obligation_id = sa.Column(sa.Integer, sa.ForeignKey("registry_obligation.id"), index=True)
    category = sa.Column(sa.String(20), nullable=False, default=BERKALA)
    title = sa.Column(sa.String(300), nullable=False)
    summary = sa.Column(sa.Text, nullable=False, default="")          # ringkasan isi informasi
    holding_unit = sa.Column(sa.String(300), nullable=False, default="")  # pejabat/unit penguasa
    responsible = sa.Column(sa.String(300), nullable=False, default="")  # penanggung jawab
    made_at_place = sa.Column(sa.String(200), nullable=False, default="")  # tempat pembuatan
    made_on = sa.Column(sa.Date)                                        # waktu pembuatan
    form = sa.Column(sa.String(20), nullable=False, default=FORM_KEDUANYA)  # bentuk informasi
    retention = sa.Column(sa.String(100), nullable=False, default="")   # jangka waktu retensi
    state = sa.Column(sa.String(20), nullable=False, default=DRAFT, index=True)
    published_at = sa.Column(UTCDateTime, index=True)
    withdrawn_at = sa.Column(UTCDateTime)
    withdrawal_reason = sa.Column(sa.Text)
    event_at = sa.Column(UTCDateTime)  # serta-merta: when the event happened
    # Serta-merta: what the announcement says (rules.SERTA_MERTA_PARTS, UU KIP Pasal 10).
    sm_danger = sa.Column(sa.Text)
    sm_affected = sa.Column(sa.Text)
    sm_actions = sa.Column(sa.Text)
    sm_help = sa.Column(sa.Text)
    sm_response = sa.Column(sa.Text)
    created_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = sa.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    agency = relationship("Agency")
    obligation = relationship("Obligation")
    versions = relationship("DocumentVersion", back_populates="item",
                            order_by="DocumentVersion.number")

    __table_args__ = (
        sa.CheckConstraint("state in ('draft', 'published', 'withdrawn')", name="state"),
        sa.CheckConstraint("form in ('cetak', 'elektronik', 'cetak_elektronik')", name="form"),
        sa.CheckConstraint("category in ('berkala', 'serta_merta', 'setiap_saat', "
                           "'dikecualikan')", name="category"),
        # UU KIP Pasal 17: exempt information is never public, whatever path writes
        sa.CheckConstraint("category != 'dikecualikan' or state = 'draft'",
                           name="exempt_never_public"),
        sa.Index("ix_registry_dip_item_agency_obligation", "agency_id", "obligation_id"),
    )

    @property
    def is_public(self):
        return self.state in (PUBLISHED, WITHDRAWN)

    @property
    def latest_version(self):
        return self.versions[-1] if self.versions else None

    def __repr__(self):
        return f"<DipItem {self.id} {self.title[:30]!r}>"


# A version's text for search: extracted after commit by a background job
# (ppid.core.jobs, ppid.core.extract), never on the upload's path.
TEXT_PENDING = "pending"  # queued for extraction
TEXT_DONE = "done"        # extracted_text holds it
TEXT_FAILED = "failed"    # could not be extracted: text_error says why (ppid.core.extract)
TEXT_NONE = "none"        # a type without text the registry reads (images, legacy Office)
TEXT_STATUSES = (TEXT_PENDING, TEXT_DONE, TEXT_FAILED, TEXT_NONE)
# The derived columns, set once when the text is ready: all a version ever changes.
TEXT_COLUMNS = frozenset({"extracted_text", "text_status", "text_error"})


class DocumentVersion(db.Model):
    """An immutable uploaded document of an item; bytes live in storage under ``sha256``.

    Only its text for search, derived from the bytes, is filled in later, once."""

    __tablename__ = "registry_document_version"
    id = sa.Column(sa.Integer, primary_key=True)
    item_id = sa.Column(sa.Integer, sa.ForeignKey("registry_dip_item.id"), nullable=False,
                        index=True)
    number = sa.Column(sa.Integer, nullable=False)
    sha256 = sa.Column(sa.String(64), nullable=False, index=True)  # the storage key
    original_name = sa.Column(sa.String(200), nullable=False)
    size = sa.Column(sa.Integer, nullable=False)
    media_type = sa.Column(sa.String(120), nullable=False)
    uploaded_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    note = sa.Column(sa.String(500), nullable=False, default="")
    extracted_text = sa.Column(sa.Text)  # for search, once text_status is done
    text_status = sa.Column(sa.String(20), nullable=False, default=TEXT_NONE,
                            server_default=TEXT_NONE)
    text_error = sa.Column(sa.String(40))  # a reason code of ppid.core.extract.FAILURES

    item = relationship("DipItem", back_populates="versions")
    uploaded_by = relationship("User")

    __table_args__ = (
        sa.UniqueConstraint("item_id", "number"),
        sa.CheckConstraint("text_status in ('pending', 'done', 'failed', 'none')",
                           name="text_status"),
    )


class ImmutableVersionError(RuntimeError):
    """A stored document version was about to be changed."""


@event.listens_for(DocumentVersion, "before_update")
def _versions_are_immutable(mapper, connection, target):
    state = sa.inspect(target)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    status = state.attrs.text_status.history
    was = status.deleted[0] if status.deleted else target.text_status
    if changed <= TEXT_COLUMNS and was == TEXT_PENDING:
        return  # the pending text arrives (ppid.registry.services.record_text)
    raise ImmutableVersionError("document versions are immutable; upload a new version")


@event.listens_for(DocumentVersion, "before_delete")
def _versions_are_never_deleted(mapper, connection, target):
    raise ImmutableVersionError("document versions are never deleted")


class NilDeclaration(db.Model):
    """A declaration that an agency had nothing to publish for an obligation in a period
    (nihil). Public; counts as compliant for that period."""

    __tablename__ = "registry_nil_declaration"
    id = sa.Column(sa.Integer, primary_key=True)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False, index=True)
    obligation_id = sa.Column(sa.Integer, sa.ForeignKey("registry_obligation.id"),
                              nullable=False, index=True)
    period_year = sa.Column(sa.Integer, nullable=False)
    period_semester = sa.Column(sa.Integer, nullable=False)
    reason = sa.Column(sa.Text, nullable=False)
    declared_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    declared_on = sa.Column(sa.Date, nullable=False)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    agency = relationship("Agency")
    obligation = relationship("Obligation")

    __table_args__ = (
        sa.UniqueConstraint("agency_id", "obligation_id", "period_year", "period_semester"),
        sa.CheckConstraint("period_semester in (1, 2)", name="period_semester"),
    )

    @property
    def period_label(self):
        return f"Semester {'I' if self.period_semester == 1 else 'II'} {self.period_year}"


class Exemption(db.Model):
    """An entry of the Daftar Informasi yang Dikecualikan (UU KIP Pasal 17; Perki 1/2021
    Pasal 49 consequence test). The entry is public, the exempt contents are not.

    It is in force once the head of the body has approved it (PP 61/2010), until its end
    date; only letters a-f must have one (UU KIP Pasal 20(1)), so an entry on letters g-j
    may be open-ended. Its period in words is derived (``period_label``), and stored in
    ``period_text`` as derived, for readers of the table."""

    __tablename__ = "registry_exemption"
    id = sa.Column(sa.Integer, primary_key=True)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False, index=True)
    information = sa.Column(sa.String(500), nullable=False)
    # The document (or record) that holds the information.
    document = sa.Column(sa.String(300), nullable=False, default="", server_default="")
    pasal17_letters = sa.Column(sa.String(20), nullable=False, default="")  # e.g. "a,h"
    other_statute = sa.Column(sa.String(300), nullable=False, default="")
    consequence = sa.Column(sa.Text, nullable=False)       # harm if opened
    public_interest = sa.Column(sa.Text, nullable=False)   # public-interest balance
    tested_on = sa.Column(sa.Date)                         # when the consequence test was made
    decided_by = sa.Column(sa.String(200), nullable=False)
    decree_number = sa.Column(sa.String(120), nullable=False)
    decree_on = sa.Column(sa.Date, nullable=False)
    period_text = sa.Column(sa.String(200), nullable=False, default="")
    end_on = sa.Column(sa.Date)
    # The approval by the head of the body (who, in which position, when), and who
    # recorded it in the registry.
    approved_by_name = sa.Column(sa.String(200))
    approved_by_position = sa.Column(sa.String(200))
    approved_on = sa.Column(sa.Date)
    approval_recorded_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    approval_recorded_at = sa.Column(UTCDateTime)
    # The DIP item whose content this entry closes, if the DIP holds it: while the entry
    # is in force the item is not public (UU KIP Pasal 17, 20).
    item_id = sa.Column(sa.Integer, sa.ForeignKey("registry_dip_item.id"), index=True)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = sa.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    agency = relationship("Agency")
    item = relationship("DipItem")

    __table_args__ = (
        sa.CheckConstraint("approved_on is null or approved_by_name is not null",
                           name="approval_named"),
    )

    @property
    def letters(self):
        return [x for x in self.pasal17_letters.split(",") if x]

    @property
    def is_approved(self):
        return self.approved_on is not None

    def in_force_on(self, today):
        return exemption_in_force(self.end_on, today, approved_on=self.approved_on)

    @property
    def period_label(self):
        """The period in words, in the reader's language (derived from the end date)."""
        from ppid.core import dates
        return exemption_period_text(self.letters, self.end_on, self.decree_on,
                                     date_long=dates.date_long)


class AlertDigest(db.Model):
    """A staleness digest sent to an agency's officers: which alert keys it carried."""

    __tablename__ = "registry_alert_digest"
    id = sa.Column(sa.Integer, primary_key=True)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False, index=True)
    sent_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    keys = sa.Column(sa.Text, nullable=False, default="[]")  # JSON list, sorted
    recipients = sa.Column(sa.Text, nullable=False, default="")
