"""Reports: monthly compliance snapshots and the free-text sections of the annual report.

Laporan Layanan Informasi Publik = the annual public-information service report (Perki
1/2021 Pasal 56).
"""
import json

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from ppid.core.db import UTCDateTime, utcnow
from ppid.extensions import db
from ppid.reports.rules import AnnualText, SubmissionMethod


class ComplianceSnapshot(db.Model):
    """One agency's compliance figures as they stood in one month (the trend)."""

    __tablename__ = "report_compliance_snapshot"
    id = sa.Column(sa.Integer, primary_key=True)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False, index=True)
    month_on = sa.Column(sa.Date, nullable=False, index=True)  # first day of the month
    score = sa.Column(sa.Float)                                # None: cannot be scored
    band = sa.Column(sa.String(30))
    figures = sa.Column(sa.Text, nullable=False, default="{}")  # JSON of the full figures
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    agency = relationship("Agency")

    __table_args__ = (sa.UniqueConstraint("agency_id", "month_on"),)

    @property
    def data(self):
        return json.loads(self.figures or "{}")


ANNUAL_TEXT_FIELDS = tuple(AnnualText)  # the columns below, with their titles


class AnnualReportText(db.Model):
    """Free-text sections of one agency's annual service report for one year, written by its
    officers before the report is printed (Perki 1/2021 Pasal 56)."""

    __tablename__ = "report_annual_text"
    id = sa.Column(sa.Integer, primary_key=True)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), nullable=False, index=True)
    year = sa.Column(sa.Integer, nullable=False)
    facilities = sa.Column(sa.Text, nullable=False, default="")      # sarana dan prasarana
    staff = sa.Column(sa.Text, nullable=False, default="")           # sumber daya manusia
    budget = sa.Column(sa.Text, nullable=False, default="")          # anggaran
    policy = sa.Column(sa.Text, nullable=False, default="", server_default="")  # kebijakan
    constraints = sa.Column(sa.Text, nullable=False, default="")     # kendala internal
    constraints_external = sa.Column(sa.Text, nullable=False, default="",
                                     server_default="")              # kendala eksternal
    recommendations = sa.Column(sa.Text, nullable=False, default="")  # rekomendasi
    updated_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = sa.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    agency = relationship("Agency")

    __table_args__ = (sa.UniqueConstraint("agency_id", "year"),
                      sa.CheckConstraint("year between 2000 and 2100", name="year"))


class AnnualReportSubmission(db.Model):
    """When, how and to whom an annual report was submitted (Perki 1/2021 Pasal 56: due
    three months after the year). ``agency_id`` None: the government's consolidated one."""

    __tablename__ = "report_annual_submission"
    id = sa.Column(sa.Integer, primary_key=True)
    agency_id = sa.Column(sa.Integer, sa.ForeignKey("agency.id"), index=True)
    year = sa.Column(sa.Integer, nullable=False)
    submitted_on = sa.Column(sa.Date, nullable=False)
    recipient = sa.Column(sa.String(200), nullable=False)
    method = sa.Column(sa.String(20), nullable=False)
    reference = sa.Column(sa.String(120))  # the covering letter's number, a receipt
    note = sa.Column(sa.Text)
    recorded_by_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    agency = relationship("Agency")

    __table_args__ = (
        sa.Index("ix_report_annual_submission_year_agency", "year", "agency_id"),
        sa.CheckConstraint("year between 2000 and 2100", name="year"),
        sa.CheckConstraint("method in (%s)" % ", ".join(
            f"'{m}'" for m in SubmissionMethod.codes()), name="method"),
    )
