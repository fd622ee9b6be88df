"""Compliance figures, monthly snapshots and the annual service report.

Every figure for every agency comes from a constant number of queries: requests and
objections are aggregated with SQL GROUP BY, obligation statuses come from the registry's
bulk staleness service (never recomputed here), and the pure rules in
``ppid.reports.rules`` decide. Services flush and audit; the caller commits.
"""
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from ppid.agencies.models import Agency
from ppid.agencies.services import active_agencies, utama
from ppid.core import audit
from ppid.core.db import utcnow
from ppid.core.exports import SafeCsvWriter
from ppid.core.services import build_calendar, local_today
from ppid.extensions import db
from ppid.info_requests import rules as request_rules
from ppid.info_requests.models import InfoRequest, Objection
from ppid.disputes.models import Dispute
from ppid.publications import services as publications
from ppid.registry import services as registry
from ppid.info_requests.rules import (DisputeOutcome, ObjectionDecision, Outcome,
                                      RequestState)
from ppid.registry.rules import BELUM_ADA, STATUSES, TERLAMBAT, Pasal17, Status
from ppid.reports import rules
from ppid.reports.models import (ANNUAL_TEXT_FIELDS, AnnualReportSubmission, AnnualReportText,
                                 ComplianceSnapshot)

OUTCOMES = tuple(Outcome)
DECISIONS = tuple(ObjectionDecision)
PASAL17 = tuple(Pasal17)


class ReportError(ValueError):
    """A report action refused; ``str(exc)`` is the message for the user."""


def weights():
    """COMPLIANCE_WEIGHTS from the app config, checked (DOMAIN.md section 10)."""
    return rules.check_weights(current_app.config["COMPLIANCE_WEIGHTS"])


# --- Compliance ---------------------------------------------------------------------------

@dataclass
class AgencyCompliance:
    """One agency's compliance figures (obligations now; requests and objections over the
    last 12 months)."""

    agency_id: int
    slug: str
    name: str
    kind: str
    score: Optional[float] = None
    band: Optional[str] = None
    obligations: dict = field(default_factory=lambda: {s: 0 for s in STATUSES})
    requests: rules.RequestTally = field(default_factory=rules.RequestTally)
    days: rules.Spread = field(default_factory=lambda: rules.spread({}))
    objections: dict = field(default_factory=lambda: {"received": 0, "upheld": 0,
                                                      "overturned": 0, "pending": 0,
                                                      "disputes": 0})
    # The publication desk's figures (issue #19): ppid.publications.rules.PublicationFigures
    publications: object = None
    rank: Optional[int] = None

    @property
    def applicable(self):
        return sum(self.obligations.values())

    @property
    def compliant(self):
        return sum(self.obligations[s] for s in rules.COMPLIANT_STATUSES)

    @property
    def band_label(self):
        return rules.Band.label_of(self.band, rules.NO_BAND_LABEL)

    @property
    def on_time_rate(self):
        return rules.share(self.requests.on_time, self.requests.counted)

    def as_dict(self):
        """Plain figures (snapshots, API)."""
        return {
            "score": self.score, "band": self.band,
            "obligations": dict(self.obligations),
            "requests": {"total": self.requests.total, "on_time": self.requests.on_time,
                         "late": self.requests.late, "open": self.requests.open,
                         "withdrawn": self.requests.withdrawn,
                         "median_days": self.days.median},
            "objections": dict(self.objections),
        }


def _request_rows(start, end, agency_ids=None):
    """(agency_id, state, effective due, effective receipt day, closed_on, count) of the
    requests received from ``start`` to ``end``: one GROUP BY query."""
    due = sa.func.coalesce(InfoRequest.extended_due_on, InfoRequest.due_on)
    q = (sa.select(InfoRequest.agency_id, InfoRequest.state, due, InfoRequest.effective_on,
                   InfoRequest.closed_on, sa.func.count())
         .where(InfoRequest.received_on >= start, InfoRequest.received_on <= end)
         .group_by(InfoRequest.agency_id, InfoRequest.state, due, InfoRequest.effective_on,
                   InfoRequest.closed_on))
    if agency_ids is not None:
        q = q.where(InfoRequest.agency_id.in_(list(agency_ids)))
    return db.session.execute(q).all()


def _objection_rows(start, end, agency_ids=None):
    """(agency_id, decision, received, taken to the Komisi Informasi) per decision."""
    q = (sa.select(Objection.agency_id, Objection.decision, sa.func.count(),
                   sa.func.count(Dispute.id))
         .outerjoin(Dispute, Dispute.objection_id == Objection.id)
         .where(Objection.received_on >= start, Objection.received_on <= end)
         .group_by(Objection.agency_id, Objection.decision))
    if agency_ids is not None:
        q = q.where(Objection.agency_id.in_(list(agency_ids)))
    return db.session.execute(q).all()


def _objection_figures(rows):
    out = {}
    for agency_id, decision, count, disputes in rows:
        o = out.setdefault(agency_id, {"received": 0, "upheld": 0, "overturned": 0,
                                       "pending": 0, "disputes": 0})
        o["received"] += count
        o["disputes"] += disputes
        if decision in rules.UPHELD_DECISIONS:
            o["upheld"] += count
        elif decision in rules.OVERTURNED_DECISIONS:
            o["overturned"] += count
        else:
            o["pending"] += count
    return out


def compliance_overview(now=None, *, agency_ids=None, cal=None, as_of=False):
    """Figures of every active agency (or of ``agency_ids``), best score first.

    A constant number of queries whatever the number of agencies: the agencies, the
    registry's bulk staleness (its own four queries), one GROUP BY over requests, one over
    objections, the calendar (built once) and the publication desk's three
    (ppid.publications.services.desk_figures).
    """
    now = now or utcnow()
    today = local_today(now)
    start = rules.window_start(today)
    w = weights()
    q = sa.select(Agency.id, Agency.slug, Agency.name, Agency.kind).where(
        Agency.is_active.is_(True))
    if agency_ids is not None:
        q = q.where(Agency.id.in_(list(agency_ids)))
    figures = {a.id: AgencyCompliance(a.id, a.slug, a.name, a.kind)
               for a in db.session.execute(q)}
    ids = list(figures) if agency_ids is not None else None
    for pair in registry.compute_staleness(now, agency_ids=ids, as_of=as_of):
        f = figures.get(pair.agency.id)
        if f is not None:
            f.obligations[pair.status] += 1
    cal = cal or build_calendar()
    counter = rules.WorkingDaysCounter(cal)
    by_agency = {}
    for agency_id, state, due, effective_on, closed_on, count in _request_rows(start, today,
                                                                             ids):
        by_agency.setdefault(agency_id, []).append((state, due, effective_on, closed_on,
                                                    count))
    for agency_id, rows in by_agency.items():
        f = figures.get(agency_id)
        if f is None:
            continue
        f.requests = rules.tally(((s, d, c, n) for s, d, _e, c, n in rows), today)
        f.days = rules.spread(rules.days_taken_counts(
            counter, ((e, c, n) for s, _d, e, c, n in rows if s == RequestState.SELESAI)))
    for agency_id, o in _objection_figures(_objection_rows(start, today, ids)).items():
        if agency_id in figures:
            figures[agency_id].objections = o
    pub_figures = publications.desk_figures(now, agency_ids=ids)
    no_publications = publications.empty_figures(now)
    for agency_id, f in figures.items():
        f.publications = pub_figures.get(agency_id, no_publications)
    for f in figures.values():
        f.score = rules.compliance_score(f.compliant, f.applicable, f.requests.on_time,
                                         f.requests.counted, w)
        f.band = rules.band(f.score)
    ranked = sorted(figures.values(),
                    key=lambda f: (f.score is None, -(f.score or 0), f.name.lower()))
    for i, f in enumerate(ranked, 1):
        f.rank = i if f.score is not None else None
    return ranked


SORTS = {
    rules.Sort.SKOR: lambda f: (f.score is None, -(f.score or 0), f.name.lower()),
    rules.Sort.SKOR_NAIK: lambda f: (f.score is None, f.score or 0, f.name.lower()),
    rules.Sort.NAMA: lambda f: f.name.lower(),
    rules.Sort.NAMA_TURUN: lambda f: tuple(-ord(c) for c in f.name.lower()),
    rules.Sort.TERLAMBAT: lambda f: (-f.requests.late, f.name.lower()),
    rules.Sort.KEWAJIBAN: lambda f: (-(f.obligations[TERLAMBAT] + f.obligations[BELUM_ADA]),
                            f.name.lower()),
}


def filter_and_sort(rows, *, sort="skor", band=None, q=None):
    """The compliance list filtered by band (code or "none") and name, then sorted."""
    out = rows
    if band == "none":
        out = [f for f in out if f.band is None]
    elif band:
        out = [f for f in out if f.band == band]
    if q:
        needle = q.lower()
        out = [f for f in out if needle in f.name.lower() or needle in f.slug]
    return sorted(out, key=SORTS.get(sort, SORTS["skor"]))


def late_requests(start, end, *, agency_ids=None, today=None, limit=None):
    """Requests received in [start, end] that were, or are, late: no personal data (number,
    agency, dates, state, outcome). SQL narrows to candidates; the rule decides."""
    today = today or end
    due = sa.func.coalesce(InfoRequest.extended_due_on, InfoRequest.due_on)
    q = (sa.select(InfoRequest.registration_number, InfoRequest.agency_id, Agency.slug,
                   Agency.name, InfoRequest.received_on, InfoRequest.due_on,
                   InfoRequest.extended_due_on, InfoRequest.closed_on, InfoRequest.state,
                   InfoRequest.outcome, due.label("due"))
         .join(Agency, Agency.id == InfoRequest.agency_id)
         .where(InfoRequest.received_on >= start, InfoRequest.received_on <= end,
                InfoRequest.state != RequestState.DITARIK,
                due < sa.func.coalesce(InfoRequest.closed_on, today))
         .order_by(Agency.name, InfoRequest.received_on, InfoRequest.registration_number))
    if agency_ids is not None:
        q = q.where(InfoRequest.agency_id.in_(list(agency_ids)))
    if limit:
        q = q.limit(limit)
    out = []
    for r in db.session.execute(q):
        if rules.classify_request(r.state, r.due, r.closed_on, today) == "late":
            out.append(r)
    return out


def overdue_obligations(pairs):
    """Missing and overdue (agency, obligation) pairs from the registry's staleness."""
    return [p for p in pairs if p.status in (TERLAMBAT, BELUM_ADA)]


# --- Snapshots ----------------------------------------------------------------------------

def month_of(day: date) -> date:
    return day.replace(day=1)


def take_snapshot(*, now=None, actor=None, as_of=False):
    """Store this month's figures for every active agency that has none yet this month.

    Idempotent per month: a second run in the same month adds nothing. Returns the number
    of snapshots added. The caller commits. ``as_of``: the DIP as published by ``now``
    (a past month's snapshot, as the demo fills them).
    """
    now = now or utcnow()
    month = month_of(local_today(now))
    existing = set(db.session.execute(sa.select(ComplianceSnapshot.agency_id).where(
        ComplianceSnapshot.month_on == month)).scalars())
    rows = [f for f in compliance_overview(now, as_of=as_of) if f.agency_id not in existing]
    if not rows:
        return 0
    db.session.execute(sa.insert(ComplianceSnapshot), [
        {"agency_id": f.agency_id, "month_on": month, "score": f.score, "band": f.band,
         "figures": json.dumps(f.as_dict(), sort_keys=True), "created_at": now}
        for f in rows])
    db.session.flush()
    audit.record("reports.snapshot", None, actor=actor, now=now,
                 object_type="ComplianceSnapshot", object_id=month.isoformat(),
                 changes={"month": month.isoformat(), "agencies": len(rows)})
    return len(rows)


def trend(agency_id=None, months=24):
    """[(month, score)] of one agency, or the government-wide average when None."""
    if agency_id is None:
        q = (sa.select(ComplianceSnapshot.month_on, sa.func.avg(ComplianceSnapshot.score))
             .group_by(ComplianceSnapshot.month_on))
    else:
        q = (sa.select(ComplianceSnapshot.month_on, ComplianceSnapshot.score)
             .where(ComplianceSnapshot.agency_id == agency_id))
    rows = db.session.execute(q.order_by(ComplianceSnapshot.month_on.desc()).limit(months)).all()
    return [(m, None if s is None else rules.round1(float(s))) for m, s in reversed(rows)]


# --- The annual service report (Perki 1/2021 Pasal 56) ---------------------------------------

@dataclass
class AnnualFigures:
    """Requests received in a year and what became of them; objections and disputes."""

    total: int = 0
    withdrawn: int = 0
    open: int = 0
    closed: int = 0
    on_time: int = 0
    late: int = 0
    # Granted, but the information not handed over by the promised date (available_on):
    # objection ground g (UU KIP Pasal 35(1) huruf g).
    late_delivery: int = 0
    outcomes: dict = field(default_factory=lambda: {o: 0 for o in OUTCOMES})
    refusal_letters: dict = field(default_factory=lambda: {x: 0 for x in PASAL17})
    refusal_other: int = 0  # refused on another statute only
    days_counts: dict = field(default_factory=dict)
    # ... and the atasan's orders: made, carried out (on time or not), late (carried out
    # after their deadline, or still not carried out past it; UU KIP Pasal 36).
    # "periodic": objections naming no request, on ground b (UU KIP Pasal 35(1) huruf b:
    # periodic information not provided).
    objections: dict = field(default_factory=lambda: {"received": 0, "pending": 0,
                                                      "periodic": 0,
                                                      **{d: 0 for d in DECISIONS},
                                                      "ordered": 0, "carried_out": 0,
                                                      "order_late": 0})
    disputes: dict = field(default_factory=lambda: {"filed": 0, "outcomes": {}})

    @property
    def granted(self):
        return self.outcomes[Outcome.DIKABULKAN] + self.outcomes[Outcome.DIKABULKAN_SEBAGIAN]

    @property
    def days(self):
        return rules.spread(self.days_counts)

    def add(self, other):
        for name in ("total", "withdrawn", "open", "closed", "on_time", "late",
                     "late_delivery", "refusal_other"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for d, o in ((self.outcomes, other.outcomes),
                     (self.refusal_letters, other.refusal_letters),
                     (self.objections, other.objections)):
            for k, v in o.items():
                d[k] = d.get(k, 0) + v
        self.days_counts = rules.merge_counts(self.days_counts, other.days_counts)
        self.disputes["filed"] += other.disputes["filed"]
        for k, v in other.disputes["outcomes"].items():
            self.disputes["outcomes"][k] = self.disputes["outcomes"].get(k, 0) + v


def year_range(year):
    return date(year, 1, 1), date(year, 12, 31)


def check_year(year, today):
    if not 2000 <= year <= today.year:
        raise ReportError(f"Tahun laporan harus antara 2000 dan {today.year}.")


def latest_year_with_requests(today, *, agency_ids=None):
    """The year the reports page opens on (issue #17): the previous year when it has
    requests (a complete year), else this year when it has some, else the latest earlier
    year that has any, else the previous year (an empty report)."""
    def last_received(before):
        q = sa.select(sa.func.max(InfoRequest.received_on)).where(
            InfoRequest.received_on < before)
        if agency_ids is not None:
            q = q.where(InfoRequest.agency_id.in_(list(agency_ids)))
        return db.session.execute(q).scalar()
    previous = today.year - 1
    last = last_received(date(today.year + 1, 1, 1))
    if last is None:
        return previous
    if last.year <= previous:
        return last.year
    earlier = last_received(date(today.year, 1, 1))
    return previous if earlier is not None and earlier.year == previous else today.year


def annual_figures(year, *, now=None, agency_ids=None, cal=None):
    """{agency_id: AnnualFigures} for requests received and objections and disputes filed
    in ``year``; three GROUP BY queries and the calendar built once."""
    now = now or utcnow()
    today = local_today(now)
    start, end = year_range(year)
    cal = cal or build_calendar()
    counter = rules.WorkingDaysCounter(cal)
    due = sa.func.coalesce(InfoRequest.extended_due_on, InfoRequest.due_on)
    q = (sa.select(InfoRequest.agency_id, InfoRequest.state, InfoRequest.outcome,
                   InfoRequest.exemption_letters, InfoRequest.other_statute, due,
                   InfoRequest.effective_on, InfoRequest.closed_on, InfoRequest.available_on,
                   InfoRequest.delivered_on, sa.func.count())
         .where(InfoRequest.received_on >= start, InfoRequest.received_on <= end)
         .group_by(InfoRequest.agency_id, InfoRequest.state, InfoRequest.outcome,
                   InfoRequest.exemption_letters, InfoRequest.other_statute, due,
                   InfoRequest.effective_on, InfoRequest.closed_on, InfoRequest.available_on,
                   InfoRequest.delivered_on))
    periodic = Objection.request_id.is_(None)
    oq = (sa.select(Objection.agency_id, Objection.decision, Objection.order_due_on,
                    Objection.carried_out_on, periodic, sa.func.count())
          .where(Objection.received_on >= start, Objection.received_on <= end)
          .group_by(Objection.agency_id, Objection.decision, Objection.order_due_on,
                    Objection.carried_out_on, periodic))
    dq = (sa.select(Dispute.agency_id, Dispute.outcome, sa.func.count())
          .where(Dispute.filed_on >= start, Dispute.filed_on <= end)
          .group_by(Dispute.agency_id, Dispute.outcome))
    if agency_ids is not None:
        ids = list(agency_ids)
        q = q.where(InfoRequest.agency_id.in_(ids))
        oq = oq.where(Objection.agency_id.in_(ids))
        dq = dq.where(Dispute.agency_id.in_(ids))
    out = {}
    for (agency_id, state, outcome, letters, other, due_on, effective_on, closed_on,
         available_on, delivered_on, n) in db.session.execute(q):
        f = out.setdefault(agency_id, AnnualFigures())
        f.total += n
        if request_rules.delivery_overdue(outcome, available_on, delivered_on, today):
            f.late_delivery += n
        kind = rules.classify_request(state, due_on, closed_on, today)
        if kind == "withdrawn":
            f.withdrawn += n
            continue
        if kind == "on_time":
            f.on_time += n
        elif kind == "late":
            f.late += n
        if state != RequestState.SELESAI:
            f.open += n
            continue
        f.closed += n
        if outcome in f.outcomes:
            f.outcomes[outcome] += n
        if outcome == Outcome.DITOLAK:
            letter_list = [x for x in rules.split_letters(letters) if x in PASAL17]
            for x in letter_list:
                f.refusal_letters[x] += n
            if not letter_list and other:
                f.refusal_other += n
        days = counter(effective_on, closed_on) if closed_on else None
        if days is not None:
            f.days_counts[days] = f.days_counts.get(days, 0) + n
    for agency_id, decision, order_due_on, carried_out_on, is_periodic, n in \
            db.session.execute(oq):
        f = out.setdefault(agency_id, AnnualFigures())
        f.objections["received"] += n
        if is_periodic:
            f.objections["periodic"] += n
        key = decision if decision in DECISIONS else "pending"
        f.objections[key] += n
        status = request_rules.order_status(decision, order_due_on, carried_out_on, today)
        if status is not None:
            f.objections["ordered"] += n
            if carried_out_on is not None:
                f.objections["carried_out"] += n
            if status in (request_rules.OrderStatus.TERLAMBAT,
                          request_rules.OrderStatus.DILAKSANAKAN_TERLAMBAT):
                f.objections["order_late"] += n
    for agency_id, outcome, n in db.session.execute(dq):
        f = out.setdefault(agency_id, AnnualFigures())
        f.disputes["filed"] += n
        key = outcome or DisputeOutcome.DALAM_PROSES
        f.disputes["outcomes"][key] = f.disputes["outcomes"].get(key, 0) + n
    return out


def consolidate(figures_by_agency):
    total = AnnualFigures()
    for f in figures_by_agency.values():
        total.add(f)
    return total


def annual_text(agency_id, year):
    return db.session.execute(sa.select(AnnualReportText).where(
        AnnualReportText.agency_id == agency_id, AnnualReportText.year == year)
    ).scalar_one_or_none()


def save_annual_text(agency, year, data, *, actor, now=None):
    """Create or change the free-text sections of ``agency``'s report for ``year``."""
    now = now or utcnow()
    check_year(year, local_today(now))
    text = annual_text(agency.id, year)
    before = {} if text is None else {f: getattr(text, f) for f in ANNUAL_TEXT_FIELDS}
    if text is None:
        text = AnnualReportText(agency_id=agency.id, year=year, created_at=now)
        db.session.add(text)
    for name in ANNUAL_TEXT_FIELDS:
        setattr(text, name, (data.get(name) or "").strip())
    text.updated_by_id = getattr(actor, "id", None)
    text.updated_at = now
    db.session.flush()
    changes = audit.diff(before, {f: getattr(text, f) for f in ANNUAL_TEXT_FIELDS})
    if changes:
        audit.record("reports.annual_text", text, actor=actor, now=now,
                     changes=dict(changes, year=year))
    return text


def annual_context(year, *, agency=None, now=None):
    """Everything the annual report templates need, for one agency or (agency None) the
    whole government."""
    now = now or utcnow()
    today = local_today(now)
    check_year(year, today)
    if agency is not None:
        by_agency = annual_figures(year, now=now, agency_ids=[agency.id])
        figures = by_agency.get(agency.id, AnnualFigures())
        agencies = [agency]
        text_owner = agency
    else:
        by_agency = annual_figures(year, now=now)
        figures = consolidate(by_agency)
        agencies = active_agencies()
        text_owner = utama()
    rows = [(a, by_agency.get(a.id, AnnualFigures())) for a in agencies]
    text = annual_text(text_owner.id, year) if text_owner is not None else None
    from ppid.disputes.services import dispute_summary
    from ppid.evaluation import services as ikm
    agency_id = agency.id if agency is not None else None
    return {"year": year, "agency": agency, "figures": figures, "rows": rows,
            # the satisfaction survey (PermenPANRB 14/2017), per semester and for the year
            "ikm": [(s, ikm.result(year, semester=s, agency_id=agency_id))
                    for s in (1, 2, None)],
            "text": text, "generated_on": today,
            "disputes": dispute_summary(year, [agency.id] if agency is not None else None),
            "due_on": rules.annual_report_due(year),
            "submissions": annual_submissions(agency, year),
            "government_name": current_app.config["GOVERNMENT_NAME"]}


def annual_submissions(agency, year):
    """The recorded submissions of ``agency``'s report for ``year`` (agency None: the
    consolidated report), oldest first."""
    q = sa.select(AnnualReportSubmission).where(AnnualReportSubmission.year == year)
    q = q.where(AnnualReportSubmission.agency_id.is_(None) if agency is None else
                AnnualReportSubmission.agency_id == agency.id)
    return db.session.execute(q.order_by(AnnualReportSubmission.submitted_on,
                                         AnnualReportSubmission.id)).scalars().all()


def record_submission(agency, year, data, *, actor, now=None):
    """Record that a year's report (``agency`` None: the consolidated one) was submitted:
    when, to whom and how. It can only be submitted once the year has ended."""
    now = now or utcnow()
    today = local_today(now)
    check_year(year, today)
    day = data.get("submitted_on")
    if day is None:
        raise ReportError(_("Isi tanggal penyampaian."))
    if day > today:
        raise ReportError(_("Tanggal penyampaian tidak boleh di masa depan."))
    if day.year <= year:
        raise ReportError(_("Laporan tahun %(y)d disampaikan setelah tahun itu berakhir.",
                            y=year))
    recipient = (data.get("recipient") or "").strip()
    if not recipient:
        raise ReportError(_("Sebutkan kepada siapa laporan disampaikan."))
    if rules.SubmissionMethod.get(data.get("method")) is None:
        raise ReportError(_("Pilih cara penyampaian."))
    row = AnnualReportSubmission(
        agency_id=getattr(agency, "id", None), year=year, submitted_on=day,
        recipient=recipient, method=data["method"],
        reference=(data.get("reference") or "").strip() or None,
        note=(data.get("note") or "").strip() or None,
        recorded_by_id=getattr(actor, "id", None), created_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record("reports.annual_submitted", row, actor=actor, now=now,
                 agency_id=getattr(agency, "id", None),
                 changes={"year": year, "submitted_on": day, "recipient": recipient,
                          "method": data["method"], "late": day > rules.annual_report_due(
                              year)})
    return row


ANNUAL_CSV_COLUMNS = (
    "tahun", "badan_publik", "slug", "permohonan", "ditarik", "masih_diproses", "selesai",
    "tepat_waktu", "terlambat", "penyerahan_terlambat", "dikabulkan", "dikabulkan_sebagian", "ditolak",
    "tidak_dikuasai", "belum_didokumentasikan",
    *(f"ditolak_pasal17_{x}" for x in PASAL17), "ditolak_uu_lain",
    "hari_kerja_median", "hari_kerja_q1", "hari_kerja_q3", "hari_kerja_min", "hari_kerja_maks",
    "keberatan", "keberatan_informasi_berkala",
    *(f"keberatan_{d.value}" for d in DECISIONS), "keberatan_belum_diputus",
    "putusan_memerintahkan", "putusan_dilaksanakan", "putusan_terlambat",
    "sengketa_komisi_informasi")


def _annual_csv_row(year, name, slug, f):
    d = f.days
    return [year, name, slug, f.total, f.withdrawn, f.open, f.closed, f.on_time, f.late,
            f.late_delivery,
            *(f.outcomes[o] for o in OUTCOMES), *(f.refusal_letters[x] for x in PASAL17),
            f.refusal_other, _num(d.median), _num(d.q1), _num(d.q3), _num(d.minimum),
            _num(d.maximum), f.objections["received"], f.objections["periodic"],
            *(f.objections[x] for x in DECISIONS), f.objections["pending"],
            f.objections["ordered"], f.objections["carried_out"], f.objections["order_late"],
            f.disputes["filed"]]


def _num(value):
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else value


def annual_csv(ctx) -> str:
    """CSV of the annual report: one row per agency (and a total row when consolidated).
    Statistics only, no requester data."""
    buf = io.StringIO()
    w = SafeCsvWriter(buf)
    w.writerow(ANNUAL_CSV_COLUMNS)
    for agency, f in ctx["rows"]:
        w.writerow(_annual_csv_row(ctx["year"], agency.name, agency.slug, f))
    if ctx["agency"] is None:
        w.writerow(_annual_csv_row(ctx["year"], "JUMLAH", "", ctx["figures"]))
    return buf.getvalue()


COMPLIANCE_CSV_COLUMNS = (
    "peringkat", "badan_publik", "slug", "skor", "predikat", *(f"kewajiban_{s}" for s in
                                                               STATUSES),
    "permohonan_12_bulan", "tepat_waktu", "terlambat", "masih_diproses", "median_hari_kerja",
    "keberatan", "keberatan_dikuatkan", "keberatan_dibatalkan", "publikasi_12_bulan",
    "publikasi_rata_rata_per_bulan", "median_jam_pengajuan_terbit", "draf_dikembalikan")


def compliance_csv(rows, obligations=None, matrix=None) -> str:
    """The ranking (with, for the audit report, one column per obligation code)."""
    buf = io.StringIO()
    w = SafeCsvWriter(buf)
    codes = [o.code for o in obligations or []]
    months = rows[0].publications.months if rows else ()
    w.writerow(list(COMPLIANCE_CSV_COLUMNS) + [f"publikasi_{m:%Y_%m}" for m in months]
               + [f"status_{c}" for c in codes])
    for f in rows:
        cells = [Status.label_of((matrix or {}).get((f.agency_id, c)), "") for c in codes]
        p = f.publications
        w.writerow([f.rank or "", f.name, f.slug, "" if f.score is None else f.score,
                    f.band_label, *(f.obligations[s] for s in STATUSES), f.requests.total,
                    f.requests.on_time, f.requests.late, f.requests.open, _num(f.days.median),
                    f.objections["received"], f.objections["upheld"],
                    f.objections["overturned"], p.total, _num(p.average_per_month),
                    _num(p.median_hours), p.returned, *p.per_month] + cells)
    return buf.getvalue()


def audit_context(now=None):
    """The compliance audit report for Kominfo: ranking, matrix, overdue items, late
    requests (last 12 months) and the government-wide trend."""
    now = now or utcnow()
    today = local_today(now)
    rows = compliance_overview(now)
    pairs = registry.compute_staleness(now)
    obligations = registry.active_obligations()
    matrix = {(p.agency.id, p.obligation.code): p.status for p in pairs}
    return {"rows": rows, "obligations": obligations, "matrix": matrix,
            "overdue": overdue_obligations(pairs),
            "late": late_requests(rules.window_start(today), today, today=today),
            "trend": trend(None), "generated_on": today, "window_start":
            rules.window_start(today),
            "government_name": current_app.config["GOVERNMENT_NAME"]}


def overdue_csv(pairs) -> str:
    buf = io.StringIO()
    w = SafeCsvWriter(buf)
    w.writerow(["badan_publik", "slug", "kewajiban", "judul", "status", "terakhir_terbit",
                "jatuh_tempo"])
    for p in pairs:
        w.writerow([p.agency.name, p.agency.slug, p.obligation.code, p.obligation.title,
                    Status.label_of(p.status), p.last_published_on or "", p.due_on or ""])
    return buf.getvalue()


def late_csv(rows) -> str:
    """Late requests: registration number, agency and dates only (no requester data)."""
    buf = io.StringIO()
    w = SafeCsvWriter(buf)
    w.writerow(["nomor_pendaftaran", "badan_publik", "diterima", "jatuh_tempo",
                "jatuh_tempo_perpanjangan", "selesai", "status", "keputusan"])
    for r in rows:
        w.writerow([r.registration_number, r.name, r.received_on, r.due_on,
                    r.extended_due_on or "", r.closed_on or "", RequestState.label_of(r.state),
                    Outcome.label_of(r.outcome, "")])
    return buf.getvalue()


# --- Publishing the summary as obligation e ---------------------------------------------------

OBLIGATION_E = "e"


def publish_summary(agency, year, pdf_bytes, *, actor, now=None):
    """Publish the annual report summary as the agency's new document version of
    obligation ``e`` (Ringkasan laporan akses informasi publik), through the registry's
    own services. Returns (the DIP item, whether a new version was stored): a summary
    whose content equals the current version's is already published, and the version
    history lists changes only."""
    from ppid.registry.models import PUBLISHED, Obligation
    now = now or utcnow()
    obligation = db.session.execute(sa.select(Obligation).where(
        Obligation.code == OBLIGATION_E, Obligation.is_active.is_(True))).scalar_one_or_none()
    if obligation is None:
        raise ReportError("Kewajiban e (ringkasan laporan akses informasi publik) tidak ada "
                          "di katalog.")
    title = f"Ringkasan Laporan Layanan Informasi Publik Tahun {year}"
    item = registry.latest_item_for(agency, obligation)
    try:
        if item is None:
            item = registry.create_item(agency, {
                "title": title, "category": obligation.category, "form": "elektronik",
                "obligation_id": obligation.id,
                "summary": f"Ringkasan laporan layanan informasi publik {agency.name} "
                           f"tahun {year} (Perki 1/2021 Pasal 56).",
                "holding_unit": f"PPID {agency.name}", "responsible": f"PPID {agency.name}",
                "made_at_place": "", "retention": "", "made_on": local_today(now)},
                actor=actor, now=now)
        current = item.versions[-1] if item.versions else None
        if current is not None and item.state == PUBLISHED \
                and current.sha256 == hashlib.sha256(pdf_bytes).hexdigest():
            return item, False
        upload = FileStorage(stream=io.BytesIO(pdf_bytes),
                             filename=f"ringkasan-laporan-layanan-{agency.slug}-{year}.pdf",
                             content_type="application/pdf")
        registry.add_version(item, upload, note=title, actor=actor, now=now)
        if item.state != PUBLISHED:
            registry.publish_item(item, actor=actor, now=now)
    except registry.RegistryError as exc:
        raise ReportError(str(exc)) from exc
    return item, True
