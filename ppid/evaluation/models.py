"""The satisfaction survey (IKM, PermenPANRB 14/2017) of each closed request.

One ``IkmSurvey`` row per closed request, made when it closes (the invitation); its answers
are written once, by whoever holds the private link (no login). The requester's identity
is never copied here: the row names the request only, and public results are aggregates.
"""
import sqlalchemy as sa
from sqlalchemy.orm import relationship

from ppid.core.db import UTCDateTime, utcnow
from ppid.evaluation import rules
from ppid.extensions import db

ANSWER_COLUMNS = tuple(el.value for el in rules.ELEMENTS)


class IkmSurvey(db.Model):
    """Survei kepuasan masyarakat (satisfaction survey) of one closed request."""

    __tablename__ = "ikm_survey"
    id = sa.Column(sa.Integer, primary_key=True)
    request_id = sa.Column(sa.Integer, sa.ForeignKey("info_request.id", ondelete="CASCADE"),
                           nullable=False, unique=True)  # one survey, one response
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False, index=True)
    invited_on = sa.Column(sa.Date, nullable=False)
    reminded_at = sa.Column(UTCDateTime)
    responded_at = sa.Column(UTCDateTime)
    responded_on = sa.Column(sa.Date, index=True)
    u1 = sa.Column(sa.SmallInteger)
    u2 = sa.Column(sa.SmallInteger)
    u3 = sa.Column(sa.SmallInteger)
    u4 = sa.Column(sa.SmallInteger)
    u5 = sa.Column(sa.SmallInteger)
    u6 = sa.Column(sa.SmallInteger)
    u7 = sa.Column(sa.SmallInteger)
    u8 = sa.Column(sa.SmallInteger)
    u9 = sa.Column(sa.SmallInteger)
    comment = sa.Column(sa.Text)
    comment_state = sa.Column(sa.String(20))
    moderated_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    moderated_at = sa.Column(UTCDateTime)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    request = relationship("InfoRequest")
    agency = relationship("Agency")

    __table_args__ = (
        *(sa.CheckConstraint(f"{c} IS NULL OR ({c} BETWEEN 1 AND 4)", name=f"{c}_scale")
          for c in ANSWER_COLUMNS),
        sa.CheckConstraint(
            "(responded_at IS NULL AND " + " AND ".join(f"{c} IS NULL" for c in ANSWER_COLUMNS)
            + ") OR (responded_at IS NOT NULL AND responded_on IS NOT NULL AND "
            + " AND ".join(f"{c} IS NOT NULL" for c in ANSWER_COLUMNS) + ")",
            name="answered_whole"),
        sa.CheckConstraint("comment_state IS NULL OR comment_state IN (%s)" % ", ".join(
            f"'{s}'" for s in rules.CommentState), name="comment_state"),
    )

    @property
    def is_answered(self):
        return self.responded_at is not None

    @property
    def answers(self):
        return {c: getattr(self, c) for c in ANSWER_COLUMNS}


# --- The E-Monev self-assessment -----------------------------------------------------------

class EmonevWeight(db.Model):
    """The weight (percent) of one E-Monev indicator in one year's assessment; the year's
    rows sum to 100 (checked by rules.check_indicator_weights when they are saved). A year
    without rows takes the latest earlier year's, else the defaults of DOMAIN.md 15."""

    __tablename__ = "emonev_weight"
    id = sa.Column(sa.Integer, primary_key=True)
    year = sa.Column(sa.Integer, nullable=False)
    indicator = sa.Column(sa.String(30), nullable=False)
    weight = sa.Column(sa.Integer, nullable=False)
    updated_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    updated_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("year", "indicator"),
        sa.CheckConstraint("weight BETWEEN 0 AND 100", name="weight"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
        sa.CheckConstraint("indicator IN (%s)" % ", ".join(
            f"'{i}'" for i in rules.Indicator), name="indicator"),
    )


class EmonevQuestion(db.Model):
    """One question of a year's E-Monev question set (rules.QuestionDef): a year's rows are
    its whole set, retired questions included; a year without rows takes the latest earlier
    year's set (the migration stores the defaults of DOMAIN.md section 15 as year 2000's),
    and a year that has passed is never changed, so its assessment keeps the questions it
    was answered with (ppid.evaluation.assessment.questions_for)."""

    __tablename__ = "emonev_question"
    id = sa.Column(sa.Integer, primary_key=True)
    year = sa.Column(sa.Integer, nullable=False)
    code = sa.Column(sa.String(30), nullable=False)
    indicator = sa.Column(sa.String(30), nullable=False)
    kind = sa.Column(sa.String(20), nullable=False)
    computation = sa.Column(sa.String(30))       # a computed question's rules.Question code
    weight = sa.Column(sa.Integer, nullable=False)  # percent of its indicator
    position = sa.Column(sa.Integer, nullable=False, default=0)
    text_id = sa.Column(sa.String(300))          # None: the default question's own label
    text_en = sa.Column(sa.String(300))
    basis = sa.Column(sa.String(200))
    is_retired = sa.Column(sa.Boolean, nullable=False, default=False)
    updated_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    updated_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("year", "code"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
        sa.CheckConstraint("weight BETWEEN 0 AND 100", name="weight"),
        sa.CheckConstraint("indicator IN (%s)" % ", ".join(
            f"'{i}'" for i in rules.Indicator), name="indicator"),
        sa.CheckConstraint("kind IN (%s)" % ", ".join(
            f"'{k}'" for k in rules.QuestionKind), name="kind"),
        sa.CheckConstraint("(kind = 'dihitung') = (computation IS NOT NULL)",
                           name="computation"),
        # The migration writes the default set: a freshly migrated database has rows here,
        # and a restore replaces them with the archive's (ppid.core.backup).
        {"info": {"seeded": True}},
    )

    def as_def(self):
        return rules.QuestionDef(self.code, self.indicator, self.kind, self.weight,
                                 self.computation, self.text_id, self.text_en, self.basis,
                                 self.is_retired, self.position)


class EmonevAttestation(db.Model):
    """An officer's attestation of one E-Monev question for an agency (the SK PPID, an SOP,
    the maklumat pelayanan, the budget, the service room, disability access), with its
    evidence file (bytes in storage under ``sha256``) and the period it is valid for.
    What was attested is never changed: a newer document is a new row, a wrong one is
    withdrawn (it stops counting), and the history stays."""

    __tablename__ = "emonev_attestation"
    id = sa.Column(sa.Integer, primary_key=True)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False, index=True)
    # The attested question's code (a default one, or one a year's set added: the
    # attestation stands for that code in every year that asks it).
    question = sa.Column(sa.String(30), nullable=False)
    statement = sa.Column(sa.String(500), nullable=False)   # what the officer attests
    sha256 = sa.Column(sa.String(64), nullable=False, index=True)  # the storage key
    original_name = sa.Column(sa.String(200), nullable=False)
    size = sa.Column(sa.Integer, nullable=False)
    media_type = sa.Column(sa.String(120), nullable=False)
    valid_from = sa.Column(sa.Date, nullable=False)
    valid_until = sa.Column(sa.Date, nullable=False)
    attested_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    attested_on = sa.Column(sa.Date, nullable=False)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    # Withdrawn (a wrong document, a decree revoked): it no longer counts, and stays in the
    # history with why and by whom.
    withdrawn_at = sa.Column(UTCDateTime)
    withdrawn_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    withdrawal_reason = sa.Column(sa.String(500))

    agency = relationship("Agency")
    attested_by = relationship("User", foreign_keys=[attested_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None

    __table_args__ = (
        sa.Index("ix_emonev_attestation_agency_question", "agency_id", "question"),
        sa.CheckConstraint("valid_until >= valid_from", name="valid_period"),
        sa.CheckConstraint("withdrawn_at IS NULL OR withdrawal_reason IS NOT NULL",
                           name="withdrawal_reason"),
    )


class LinkCheck(db.Model):
    """The last answer of one URL the registry publishes for an agency (its website, its
    PPID page, a published document), from the link checker (ppid.evaluation.links)."""

    __tablename__ = "link_check"
    id = sa.Column(sa.Integer, primary_key=True)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False, index=True)
    url = sa.Column(sa.String(1000), nullable=False)
    label = sa.Column(sa.String(300), nullable=False, default="")
    status = sa.Column(sa.Integer)            # the HTTP status; None: no answer
    is_ok = sa.Column(sa.Boolean, nullable=False, default=False)
    error = sa.Column(sa.String(80), nullable=False, default="")
    checked_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    failing_since = sa.Column(UTCDateTime)    # the first failed check of the current run

    agency = relationship("Agency")

    __table_args__ = (sa.UniqueConstraint("agency_id", "url"),)
