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
