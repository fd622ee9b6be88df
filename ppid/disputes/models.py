"""An information dispute after an objection: at the Komisi Informasi, in the courts, and
what the body did to carry out the result. DOMAIN.md section 14."""
import sqlalchemy as sa
from sqlalchemy.orm import backref, relationship

from ppid.core.db import UTCDateTime, utcnow
from ppid.disputes import rules
from ppid.extensions import db
from ppid.info_requests.rules import DISPUTE_OUTCOMES


def _in(column, values):
    return f"{column} is null or {column} in (%s)" % ", ".join(f"'{v}'" for v in values)


class Dispute(db.Model):
    """A sengketa informasi taken to the Komisi Informasi over one objection (UU KIP Pasal
    37): its commission, register number and stages with their dates, and its outcome."""

    __tablename__ = "dispute"
    id = sa.Column(sa.Integer, primary_key=True)
    objection_id = sa.Column(sa.Integer, sa.ForeignKey("objection.id", ondelete="CASCADE"),
                             nullable=False, unique=True)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False, index=True)
    commission = sa.Column(sa.String(20), nullable=False)
    register_number = sa.Column(sa.String(120))
    filed_on = sa.Column(sa.Date, nullable=False)
    registered_on = sa.Column(sa.Date)
    mediation_on = sa.Column(sa.Date)
    adjudication_on = sa.Column(sa.Date)
    stage = sa.Column(sa.String(20), nullable=False, default=rules.DisputeStage.DIAJUKAN)
    outcome = sa.Column(sa.String(30))          # when closed (DisputeOutcome)
    closed_on = sa.Column(sa.Date)
    decision_number = sa.Column(sa.String(120))
    decision_received_on = sa.Column(sa.Date)   # the court window runs from here
    summary = sa.Column(sa.Text)                # the agreement's or decision's terms
    created_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = sa.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    objection = relationship("Objection", backref=backref("dispute", uselist=False,
                                                          cascade="all, delete-orphan"))
    agency = relationship("Agency", lazy="joined")
    events = relationship("DisputeEvent", back_populates="dispute",
                          order_by="DisputeEvent.id", cascade="all, delete-orphan")
    court_cases = relationship("CourtCase", back_populates="dispute",
                               order_by="CourtCase.id", cascade="all, delete-orphan")
    executions = relationship("DisputeExecution", back_populates="dispute",
                              order_by="DisputeExecution.id", cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint(_in("stage", rules.DisputeStage.codes()), name="stage"),
        sa.CheckConstraint(_in("outcome", DISPUTE_OUTCOMES), name="outcome"),
        sa.CheckConstraint(_in("commission", rules.DisputeCommission.codes()), name="commission"),
        # closed exactly when it has an outcome
        sa.CheckConstraint("(stage = 'selesai') = (outcome is not null)", name="closed"),
    )

    @property
    def grounds(self):
        return self.objection.ground_list

    @property
    def is_closed(self):
        return self.stage == rules.DisputeStage.SELESAI

    def case_at(self, *levels):
        return next((c for c in self.court_cases if c.level in levels), None)

    def __repr__(self):
        return f"<Dispute {self.id} {self.stage}>"


class DisputeEvent(db.Model):
    """One step of a dispute: what happened, on which day, recorded by whom."""

    __tablename__ = "dispute_event"
    id = sa.Column(sa.Integer, primary_key=True)
    dispute_id = sa.Column(sa.Integer, sa.ForeignKey("dispute.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    action = sa.Column(sa.String(30), nullable=False)  # rules.DisputeAction, or filing/court/execution
    happened_on = sa.Column(sa.Date, nullable=False)
    note = sa.Column(sa.Text)
    actor_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    actor_label = sa.Column(sa.String(200), nullable=False)
    recorded_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    dispute = relationship("Dispute", back_populates="events")


class CourtCase(db.Model):
    """A case in court after the commission: a suit at the PTUN or the district court
    (UU KIP Pasal 47-48), or cassation at the Mahkamah Agung (Pasal 50)."""

    __tablename__ = "dispute_court_case"
    id = sa.Column(sa.Integer, primary_key=True)
    dispute_id = sa.Column(sa.Integer, sa.ForeignKey("dispute.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    level = sa.Column(sa.String(10), nullable=False)
    filed_by = sa.Column(sa.String(20), nullable=False)
    case_number = sa.Column(sa.String(120))
    filed_on = sa.Column(sa.Date, nullable=False)
    decided_on = sa.Column(sa.Date)
    decision_received_on = sa.Column(sa.Date)
    outcome = sa.Column(sa.String(30))
    summary = sa.Column(sa.Text)

    dispute = relationship("Dispute", back_populates="court_cases")

    __table_args__ = (
        sa.UniqueConstraint("dispute_id", "level", name="uq_dispute_court_case_dispute_id"),
        sa.CheckConstraint(_in("level", rules.CourtLevel.codes()), name="level"),
        sa.CheckConstraint(_in("filed_by", rules.CourtParty.codes()), name="filed_by"),
        sa.CheckConstraint(_in("outcome", rules.CourtOutcome.codes()), name="outcome"),
        sa.CheckConstraint("(decided_on is null) = (outcome is null)", name="decided"),
    )


class DisputeExecution(db.Model):
    """What the body did to carry out a mediation agreement or a decision, and when."""

    __tablename__ = "dispute_execution"
    id = sa.Column(sa.Integer, primary_key=True)
    dispute_id = sa.Column(sa.Integer, sa.ForeignKey("dispute.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    carried_out_on = sa.Column(sa.Date, nullable=False)
    description = sa.Column(sa.Text, nullable=False)
    actor_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    recorded_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    dispute = relationship("Dispute", back_populates="executions")
