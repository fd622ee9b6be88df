"""Information requests (permohonan informasi), their timeline, objections (keberatan),
issued letters and attached files. DOMAIN.md sections 7, 8 and 11."""
import sqlalchemy as sa
from sqlalchemy.orm import relationship

from ppid.core.db import UTCDateTime, utcnow
from ppid.extensions import db
from ppid.info_requests import rules

# Fields holding the requester's personal data (DOMAIN.md section 11).
PERSONAL_FIELDS = ("requester_name", "identity_number", "address", "phone", "email",
                   "occupation", "proxy_name")


class InfoRequest(db.Model):
    """A permohonan informasi (information request) and its handling."""

    __tablename__ = "info_request"
    id = sa.Column(sa.Integer, primary_key=True)
    registration_number = sa.Column(sa.String(60), nullable=False, unique=True)
    seq = sa.Column(sa.Integer, nullable=False)
    year = sa.Column(sa.Integer, nullable=False)

    # Requester (personal data).
    requester_name = sa.Column(sa.String(200), nullable=False)
    identity_type = sa.Column(sa.String(20), nullable=False, default=rules.IdentityType.NIK)
    identity_number = sa.Column(sa.String(50), nullable=False)
    address = sa.Column(sa.String(500), nullable=False)
    phone = sa.Column(sa.String(30))
    email = sa.Column(sa.String(320))
    occupation = sa.Column(sa.String(100))
    proxy_name = sa.Column(sa.String(200))

    # What is asked and how.
    information = sa.Column(sa.Text, nullable=False)
    purpose = sa.Column(sa.Text, nullable=False)
    obtain_method = sa.Column(sa.String(20), nullable=False)
    copy_form = sa.Column(sa.String(20))
    delivery = sa.Column(sa.String(20), nullable=False)

    # Addressed to (the PPID Utama for the government as a whole), and handled by now.
    addressed_agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False, index=True)

    channel = sa.Column(sa.String(20), nullable=False, default=rules.Channel.ONLINE)
    received_at = sa.Column(UTCDateTime, nullable=False)   # the real receipt time
    received_on = sa.Column(sa.Date, nullable=False)        # its local date
    effective_on = sa.Column(sa.Date, nullable=False)       # effective receipt day
    due_on = sa.Column(sa.Date, nullable=False, index=True)
    extended_due_on = sa.Column(sa.Date)
    extension_reason = sa.Column(sa.Text)

    state = sa.Column(sa.String(20), nullable=False, default=rules.DITERIMA, index=True)
    outcome = sa.Column(sa.String(30), index=True)
    # Outcome fields (what the written notice states).
    response_note = sa.Column(sa.Text)
    info_form = sa.Column(sa.String(30))
    cost_per_page = sa.Column(sa.Integer)
    pages = sa.Column(sa.Integer)
    delivery_cost = sa.Column(sa.Integer)
    other_costs = sa.Column(sa.Integer)          # biaya lain-lain (Perki 1/2021)
    payment_method = sa.Column(sa.String(20))    # rules.PaymentMethod
    total_cost = sa.Column(sa.Integer)
    available_on = sa.Column(sa.Date)
    exemption_letters = sa.Column(sa.String(40))  # Pasal 17 letters, e.g. "h,i"
    exemption_consequence = sa.Column(sa.Text)
    other_statute = sa.Column(sa.String(500))
    # The DIK entry (consequence test) a refusal or a partial grant rests on (Perki 1/2021
    # Pasal 49): one of the agency's, or one made in the same decision.
    exemption_id = sa.Column(sa.Integer, sa.ForeignKey("registry_exemption.id"), index=True)
    redacted_parts = sa.Column(sa.Text)
    redaction_reason = sa.Column(sa.Text)
    holding_body = sa.Column(sa.String(300))
    documented_on = sa.Column(sa.Date)
    closed_on = sa.Column(sa.Date)
    closed_at = sa.Column(UTCDateTime)
    # The information handed over (event "diserahkan"): when and how.
    delivered_on = sa.Column(sa.Date)
    delivered_via = sa.Column(sa.String(20))     # rules.DeliveryMethod

    assigned_to_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    requester_user_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"), index=True)
    created_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    tracking_token_hash = sa.Column(sa.String(64), unique=True)
    redacted_subject = sa.Column(sa.String(300))  # set by an officer for sensitive requests
    # The subject waits for an officer's look before the public register shows it
    # (REQUEST_SUBJECT_HOLD, set at submission); the review keeps it or redacts it.
    is_subject_held = sa.Column(sa.Boolean, nullable=False, default=False,
                                server_default=sa.false())
    subject_reviewed_at = sa.Column(UTCDateTime)
    subject_reviewed_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    # When the retention period ended and the requester's personal data was erased
    # (ppid.info_requests.privacy, `flask ppid purge-personal-data`).
    personal_data_erased_at = sa.Column(UTCDateTime, index=True)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = sa.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    agency = relationship("Agency", foreign_keys=[agency_id], lazy="joined")
    addressed_agency = relationship("Agency", foreign_keys=[addressed_agency_id])
    assigned_to = relationship("User", foreign_keys=[assigned_to_id])
    requester_user = relationship("User", foreign_keys=[requester_user_id])
    exemption = relationship("Exemption")
    events = relationship("RequestEvent", back_populates="request",
                          order_by="RequestEvent.id", cascade="all, delete-orphan")
    letters = relationship("Letter", back_populates="request", order_by="Letter.id",
                           cascade="all, delete-orphan")
    attachments = relationship("RequestAttachment", back_populates="request",
                               order_by="RequestAttachment.id", cascade="all, delete-orphan")
    objections = relationship("Objection", back_populates="request", order_by="Objection.id",
                              cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("year", "seq"),
        sa.CheckConstraint("state in (%s)" % ", ".join(f"'{s}'" for s in rules.STATES),
                           name="state"),
    )

    @property
    def effective_due_on(self):
        return rules.effective_due(self.due_on, self.extended_due_on)

    @property
    def is_open(self):
        return rules.is_open(self.state)

    @property
    def public_subject(self):
        """The subject shown on public pages: the officer's redaction, the request text, or,
        while it waits for an officer's review, a neutral placeholder."""
        return rules.public_subject(self.redacted_subject, self.information,
                                    is_held=self.is_subject_held)

    @property
    def is_personal_data_erased(self):
        return self.personal_data_erased_at is not None

    def late_on(self, today):
        return rules.is_late(self.due_on, self.extended_due_on, self.closed_on, today)

    def delivery_overdue_on(self, today):
        """The day the promised information became overdue, or None (rules)."""
        return rules.delivery_overdue(self.outcome, self.available_on, self.delivered_on,
                                      today)

    @property
    def exemption_letter_list(self):
        return [x for x in (self.exemption_letters or "").split(",") if x]

    def __repr__(self):
        return f"<InfoRequest {self.registration_number}>"


class RequestEvent(db.Model):
    """One step in a request's timeline: who, when, what, from which state to which."""

    __tablename__ = "info_request_event"
    id = sa.Column(sa.Integer, primary_key=True)
    # A request's step, or (objection_id without a request) a step of an objection that
    # names no request: ground b, periodic information not provided (UU KIP Pasal 35(1)b).
    request_id = sa.Column(sa.Integer, sa.ForeignKey("info_request.id", ondelete="CASCADE"),
                           index=True)
    objection_id = sa.Column(sa.Integer, sa.ForeignKey("objection.id", ondelete="CASCADE"),
                             index=True)
    occurred_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    actor_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    actor_label = sa.Column(sa.String(200), nullable=False)
    action = sa.Column(sa.String(40), nullable=False)
    from_state = sa.Column(sa.String(20))
    to_state = sa.Column(sa.String(20))
    note = sa.Column(sa.Text)

    request = relationship("InfoRequest", back_populates="events")
    objection = relationship("Objection", back_populates="events")

    __table_args__ = (
        sa.CheckConstraint("request_id is not null or objection_id is not null",
                           name="request_or_objection"),
    )


class Objection(db.Model):
    """A keberatan (objection) to the atasan PPID (UU KIP Pasal 35-36): about a request, or,
    on ground b (periodic information not provided, Pasal 35(1) huruf b), about an agency's
    periodic obligations of the catalogue, with no request (``obligations``). Exactly one
    of the two (check constraint ``request_or_obligation``): ``obligation_id`` is the
    obligation named first, ``obligations`` all of them with their staleness at filing."""

    __tablename__ = "objection"
    id = sa.Column(sa.Integer, primary_key=True)
    registration_number = sa.Column(sa.String(60), nullable=False, unique=True)
    request_id = sa.Column(sa.Integer, sa.ForeignKey("info_request.id", ondelete="CASCADE"),
                           index=True)
    obligation_id = sa.Column(sa.Integer, sa.ForeignKey("registry_obligation.id"), index=True)
    # The objector of an objection without a request (personal data, DOMAIN.md section 11;
    # the Perki 1/2021 formulir keberatan asks what the request form asks): the same
    # names as the request's, so letters, registers and the purge read either alike
    # (``party``). An objection about a request keeps them on the request.
    requester_name = sa.Column(sa.String(200))
    identity_type = sa.Column(sa.String(20))
    identity_number = sa.Column(sa.String(50))
    address = sa.Column(sa.String(500))
    phone = sa.Column(sa.String(30))
    email = sa.Column(sa.String(320))
    occupation = sa.Column(sa.String(100))
    requester_user_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"), index=True)
    tracking_token_hash = sa.Column(sa.String(64), unique=True)
    personal_data_erased_at = sa.Column(UTCDateTime, index=True)
    # The PPID whose atasan decides (the agency handling the request when it was filed).
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False, index=True)
    grounds = sa.Column(sa.String(20), nullable=False)  # letters a-g, e.g. "a,f"
    statement = sa.Column(sa.Text, nullable=False)       # kasus posisi
    purpose = sa.Column(sa.Text)                         # tujuan penggunaan informasi
    # How it arrived (rules.OBJECTION_CHANNELS) and, for one received in person, by post or
    # e-mail, the officer who registered it (the receipt's "petugas penerima").
    channel = sa.Column(sa.String(20), nullable=False, default=rules.Channel.ONLINE,
                        server_default="online")
    received_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    # A proxy filing for the requester (personal data, erased with the request's): their
    # identity; the power of attorney is a RequestAttachment (kind kuasa_keberatan).
    proxy_name = sa.Column(sa.String(200))
    proxy_identity_number = sa.Column(sa.String(50))
    proxy_address = sa.Column(sa.String(500))
    proxy_occupation = sa.Column(sa.String(100))
    proxy_phone = sa.Column(sa.String(30))
    received_at = sa.Column(UTCDateTime, nullable=False)
    received_on = sa.Column(sa.Date, nullable=False)
    ground_on = sa.Column(sa.Date, nullable=False)
    due_on = sa.Column(sa.Date, nullable=False, index=True)
    decision = sa.Column(sa.String(30))
    decision_reasons = sa.Column(sa.Text)
    decided_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    decided_at = sa.Column(UTCDateTime)
    decided_on = sa.Column(sa.Date)
    # A decision that orders the PPID to act (rules.ORDER_DECISIONS): its deadline
    # (OBJECTION_ORDER_DAYS working days after the decision), and how and when the PPID
    # carried it out (rules.OrderExecution), with the corrected fee for a fee order.
    order_due_on = sa.Column(sa.Date, index=True)
    carried_out_on = sa.Column(sa.Date)
    carried_out_at = sa.Column(UTCDateTime)
    carried_out_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    execution = sa.Column(sa.String(30))
    execution_note = sa.Column(sa.Text)
    corrected_total = sa.Column(sa.Integer)
    created_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    request = relationship("InfoRequest", back_populates="objections")
    agency = relationship("Agency", lazy="joined")
    obligation = relationship("Obligation")
    obligations = relationship("ObjectionObligation", back_populates="objection",
                               order_by="ObjectionObligation.id",
                               cascade="all, delete-orphan")
    requester_user = relationship("User", foreign_keys=[requester_user_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    carried_out_by = relationship("User", foreign_keys=[carried_out_by_id])
    received_by = relationship("User", foreign_keys=[received_by_id])
    # Its own steps, letters and files when it names no request (else the request's).
    events = relationship("RequestEvent", back_populates="objection",
                          order_by="RequestEvent.id", cascade="all, delete-orphan",
                          passive_deletes=True)
    own_letters = relationship("Letter", back_populates="objection", order_by="Letter.id",
                               cascade="all, delete-orphan", passive_deletes=True)
    own_attachments = relationship("RequestAttachment", back_populates="objection",
                                   order_by="RequestAttachment.id",
                                   cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        # UU KIP Pasal 35(1): about a request, or (ground b) an agency's obligation.
        sa.CheckConstraint("(request_id is not null and obligation_id is null) or "
                           "(request_id is null and obligation_id is not null)",
                           name="request_or_obligation"),
    )

    @property
    def is_periodic(self):
        """Ground b without a request: the agency's periodic obligations not provided."""
        return self.request_id is None and self.obligation_id is not None

    @property
    def party(self):
        """Who objects, with the request's field names: the request, or this objection."""
        return self.request if self.request is not None else self

    @property
    def proxy_letters(self):
        """The proxy's power of attorney (surat kuasa)."""
        return [a for a in self.own_attachments
                if a.kind == rules.AttachmentKind.KUASA_KEBERATAN]

    @property
    def is_personal_data_erased(self):
        if self.request is not None:
            return self.request.is_personal_data_erased
        return self.personal_data_erased_at is not None

    @property
    def ground_list(self):
        return [x for x in (self.grounds or "").split(",") if x]

    def late_on(self, today):
        return rules.objection_is_late(self.due_on, self.decided_on, today)

    @property
    def is_order(self):
        return self.decision in rules.ORDER_DECISIONS

    def order_status_on(self, today):
        """rules.OrderStatus of the atasan's order, or None when the decision orders
        nothing (or is not made yet)."""
        return rules.order_status(self.decision, self.order_due_on, self.carried_out_on,
                                  today)

    # The dispute at the Komisi Informasi, if any, is ``self.dispute`` (ppid.disputes).
    @property
    def dispute_filed_on(self):
        dispute = getattr(self, "dispute", None)
        return dispute.filed_on if dispute is not None else None

    @property
    def dispute_outcome(self):
        """How the dispute ended, ``dalam_proses`` while open; None without a dispute."""
        dispute = getattr(self, "dispute", None)
        if dispute is None:
            return None
        return dispute.outcome or rules.DisputeOutcome.DALAM_PROSES


class Letter(db.Model):
    """An issued letter: the HTML frozen at issue with its hash; the PDF is derived from it
    on first download and kept in storage, so the letter never changes."""

    __tablename__ = "request_letter"
    id = sa.Column(sa.Integer, primary_key=True)
    # A request's letter, or one of an objection without a request (ground b).
    request_id = sa.Column(sa.Integer, sa.ForeignKey("info_request.id", ondelete="CASCADE"),
                           index=True)
    objection_id = sa.Column(sa.Integer, sa.ForeignKey("objection.id", ondelete="CASCADE"))
    kind = sa.Column(sa.String(30), nullable=False)
    # The outgoing letter number, gap-free per PPID (agency) and year (DOMAIN.md 13).
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"))
    year = sa.Column(sa.Integer)
    seq = sa.Column(sa.Integer)
    number = sa.Column(sa.String(80))
    # Who signs it, as printed.
    signatory_name = sa.Column(sa.String(200))
    signatory_position = sa.Column(sa.String(200))
    signatory_nip = sa.Column(sa.String(18))
    html = sa.Column(sa.Text, nullable=False)
    sha256 = sa.Column(sa.String(64), nullable=False)
    pdf_key = sa.Column(sa.String(64))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    request = relationship("InfoRequest", back_populates="letters")
    objection = relationship("Objection", back_populates="own_letters")

    __table_args__ = (sa.UniqueConstraint("agency_id", "year", "seq"),
                      sa.CheckConstraint("request_id is not null or objection_id is not null",
                                         name="request_or_objection"))

    @property
    def title(self):
        """The letter's title, in the reader's language (the letter itself is Indonesian)."""
        return rules.LetterKind.label_of(self.kind)

    @property
    def filename(self):
        number = (self.request.registration_number if self.request is not None
                  else self.objection.registration_number)
        return f"{self.kind}-{number.replace('/', '-')}.pdf"


class RequestAttachment(db.Model):
    """A file on a request: a released document, or the requester's power of attorney."""

    __tablename__ = "request_attachment"
    id = sa.Column(sa.Integer, primary_key=True)
    # On a request, or on an objection without one (a proxy's power of attorney, ground b).
    request_id = sa.Column(sa.Integer, sa.ForeignKey("info_request.id", ondelete="CASCADE"),
                           index=True)
    kind = sa.Column(sa.String(20), nullable=False)  # rules.AttachmentKind
    # The objection a proxy's power of attorney belongs to (kind kuasa_keberatan).
    objection_id = sa.Column(sa.Integer, sa.ForeignKey("objection.id", ondelete="CASCADE"))
    storage_key = sa.Column(sa.String(64), nullable=False)
    filename = sa.Column(sa.String(200), nullable=False)
    media_type = sa.Column(sa.String(120), nullable=False)
    size = sa.Column(sa.Integer, nullable=False)
    uploaded_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    request = relationship("InfoRequest", back_populates="attachments")
    objection = relationship("Objection", back_populates="own_attachments")

    __table_args__ = (
        sa.CheckConstraint("request_id is not null or objection_id is not null",
                           name="request_or_objection"),
    )


class ObjectionObligation(db.Model):
    """A periodic obligation an objection on ground b names (UU KIP Pasal 35(1) huruf b,
    Pasal 9): its staleness when the objection was received (the day it became overdue
    opens the 30-working-day window, Pasal 36(1)) and, once the atasan ordered it
    published, the DIP item and document version that carried the order out."""

    __tablename__ = "objection_obligation"
    id = sa.Column(sa.Integer, primary_key=True)
    objection_id = sa.Column(sa.Integer, sa.ForeignKey("objection.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    obligation_id = sa.Column(sa.Integer, sa.ForeignKey("registry_obligation.id"),
                              nullable=False, index=True)
    status = sa.Column(sa.String(20), nullable=False)    # ppid.registry.rules.Status
    last_published_on = sa.Column(sa.Date)
    overdue_on = sa.Column(sa.Date, nullable=False)      # the day it became overdue
    filing_deadline_on = sa.Column(sa.Date, nullable=False)
    fulfilled_item_id = sa.Column(sa.Integer, sa.ForeignKey("registry_dip_item.id"))
    fulfilled_version_id = sa.Column(sa.Integer,
                                     sa.ForeignKey("registry_document_version.id"))

    objection = relationship("Objection", back_populates="obligations")
    obligation = relationship("Obligation", lazy="joined")
    fulfilled_item = relationship("DipItem")
    fulfilled_version = relationship("DocumentVersion")

    __table_args__ = (sa.UniqueConstraint("objection_id", "obligation_id"),)


class SubmissionHit(db.Model):
    """One public submission from an address, for the per-address rate limit (shared by
    every worker because it lives in the database)."""

    __tablename__ = "request_submission_hit"
    id = sa.Column(sa.Integer, primary_key=True)
    ip = sa.Column(sa.String(64), nullable=False)
    occurred_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (sa.Index("ix_request_submission_hit_ip_at", "ip", "occurred_at"),)


class SubmissionKey(db.Model):
    """The one-time key of a submission (issue #15, section 4): the hidden token of the web
    form, or the ``Idempotency-Key`` header of the API, so that the same submission posted
    twice (a double click, a refresh, a retry after a timeout) registers one request.

    Claimed (inserted) before the registration number is drawn: a concurrent duplicate
    waits on the unique key and finds the first request, without touching the counter.
    ``scope`` keeps clients apart (``web``, ``petugas:<user id>``, ``api:<client address>``);
    the key itself is stored as a hash. ``content_hash`` is a keyed hash of what was
    submitted (a different body under the same key is refused, not replayed); ``salt``
    derives the request's tracking token again for a replay. ``expires_at`` is None for a
    form's key (it stays with its request); an API key may be used anew after it.
    """

    __tablename__ = "submission_key"
    id = sa.Column(sa.Integer, primary_key=True)
    scope = sa.Column(sa.String(80), nullable=False)
    key_hash = sa.Column(sa.String(64), nullable=False)
    content_hash = sa.Column(sa.String(64), nullable=False)
    salt = sa.Column(sa.String(32), nullable=False)
    request_id = sa.Column(sa.Integer, sa.ForeignKey("info_request.id", ondelete="CASCADE"),
                           index=True)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = sa.Column(UTCDateTime, index=True)

    request = relationship("InfoRequest")

    __table_args__ = (sa.UniqueConstraint("scope", "key_hash"),)
