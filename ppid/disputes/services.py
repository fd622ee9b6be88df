"""Disputes after an objection: filing at the Komisi Informasi, its stages, the courts and
the execution of the result. Every change is on the dispute's timeline, on the request's
timeline where the requester should see it, and in the audit log; the caller commits."""
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ppid.core import audit
from ppid.core.alerts import Alert
from ppid.core.services import build_calendar, local_today
from ppid.disputes import rules
from ppid.disputes.models import CourtCase, Dispute, DisputeEvent, DisputeExecution
from ppid.extensions import db
from ppid.info_requests import services as requests
from ppid.info_requests.rules import DisputeOutcome, RuleError
from ppid.info_requests.services import ServiceError, label_id, tanggal


def _actor_label(actor):
    return actor.name if actor is not None else "Sistem"


def _event(dispute, action, day, *, actor, now, note=None, changes=None):
    """A step on the dispute's own timeline and in the audit log. (The request's timeline
    gets the objection's number only: its labels are the dispute page's, in the reader's
    language.)"""
    db.session.add(DisputeEvent(dispute=dispute, action=action, happened_on=day,
                                note=(note or "").strip() or None,
                                actor_id=getattr(actor, "id", None),
                                actor_label=_actor_label(actor), recorded_at=now))
    db.session.flush()
    audit.record(f"dispute.{action}", dispute, actor=actor, now=now,
                 changes={"on": day, **(changes or {})})


def _check_day(day, *, not_before=None, now, what):
    if day is None:
        raise ServiceError(_("Isi tanggal %(what)s.", what=what), "on")
    if day > local_today(now):
        raise ServiceError(_("Tanggal %(what)s tidak boleh di masa depan.", what=what), "on")
    if not_before is not None and day < not_before:
        raise ServiceError(_("Tanggal %(what)s tidak boleh sebelum %(d)s.", what=what,
                             d=tanggal(not_before)), "on")


def default_commission():
    """The commission of this government's disputes: a regional government's bodies go to
    the province's commission (UU KIP Pasal 27); configurable."""
    return current_app.config["DISPUTE_COMMISSION"]


def file_dispute(objection, *, filed_on, commission=None, register_number=None, note=None,
                 actor, now) -> Dispute:
    """Record that the dispute was taken to the Komisi Informasi (UU KIP Pasal 37)."""
    if getattr(objection, "dispute", None) is not None:
        raise ServiceError(_("Sengketa atas keberatan ini sudah dicatat."))
    commission = commission or default_commission()
    if rules.DisputeCommission.get(commission) is None:
        raise ServiceError(_("Pilih Komisi Informasi yang valid."), "commission")
    _check_day(filed_on, not_before=objection.received_on, now=now,
               what=_("pengajuan sengketa"))
    register_number = (register_number or "").strip() or None
    dispute = Dispute(objection=objection, agency_id=objection.agency_id,
                      commission=commission, filed_on=filed_on, stage=rules.DisputeStage.DIAJUKAN,
                      created_by_id=getattr(actor, "id", None), created_at=now, updated_at=now)
    db.session.add(dispute)
    db.session.flush()
    late = filed_on > requests.rules.dispute_deadline(build_calendar(), objection.decided_on,
                                                      objection.due_on)
    _event(dispute, rules.DisputeAction.DIAJUKAN, filed_on, actor=actor, now=now, note=note,
           changes={"commission": commission, "late": late})
    if register_number:
        record_step(dispute, rules.DisputeAction.REGISTRASI, on=filed_on,
                    register_number=register_number, actor=actor, now=now)
    requests.objection_timeline_event(objection, "sengketa", actor=actor, now=now,
                                      note=objection.registration_number,
                                      changes={"filed_on": filed_on, "commission": commission})
    requests.notify_objector(objection, "Sengketa informasi dicatat", [
        f"Pengajuan sengketa ke {label_id(rules.DisputeCommission, commission)} atas keberatan "
        f"{objection.registration_number} tanggal {tanggal(filed_on)} dicatat.",
        "Komisi Informasi memulai penyelesaian sengketa paling lambat 14 hari kerja sejak "
        "menerima permohonan dan menyelesaikannya paling lambat 100 hari kerja (UU 14/2008 "
        "Pasal 38)."], now=now)
    return dispute


def record_step(dispute, step, *, on, outcome=None, register_number=None,
                decision_number=None, decision_received_on=None, summary=None, note=None,
                actor, now) -> Dispute:
    """A step at the commission: registration, mediation and its result, adjudication, the
    decision, withdrawal or lapse (rules.check_step says which the stage allows)."""
    try:
        move = rules.check_step(dispute.stage, step, dispute.grounds, outcome=outcome)
    except RuleError as exc:
        raise ServiceError(str(exc), "step") from None
    step = rules.DisputeAction(step)
    last = max([dispute.filed_on] + [e.happened_on for e in dispute.events])
    _check_day(on, not_before=last, now=now, what=_("tahap sengketa"))
    changes = {"stage": [dispute.stage, move.stage]}
    if step == rules.DisputeAction.REGISTRASI:
        register_number = (register_number or "").strip()
        if not register_number:
            raise ServiceError(_("Isi nomor register sengketa dari Komisi Informasi."),
                               "register_number")
        dispute.register_number, dispute.registered_on = register_number, on
        changes["register_number"] = register_number
    elif step == rules.DisputeAction.MEDIASI:
        dispute.mediation_on = on
    elif step in (rules.DisputeAction.AJUDIKASI, rules.DisputeAction.MEDIASI_GAGAL):
        dispute.adjudication_on = on
    if step == rules.DisputeAction.PUTUSAN:
        decision_number = (decision_number or "").strip()
        if not decision_number:
            raise ServiceError(_("Isi nomor putusan Komisi Informasi."), "decision_number")
        if decision_received_on is not None:
            _check_day(decision_received_on, not_before=on, now=now,
                       what=_("putusan diterima"))
        dispute.decision_number = decision_number
        dispute.decision_received_on = decision_received_on
        changes.update(decision_number=decision_number, outcome=move.outcome)
    if move.outcome is not None:
        summary = (summary or "").strip()
        if move.outcome in rules.OUTCOMES_TO_EXECUTE and not summary:
            raise ServiceError(_("Tuliskan isi kesepakatan atau amar putusan: badan publik "
                                 "wajib melaksanakannya."), "summary")
        dispute.outcome, dispute.closed_on = move.outcome, on
        dispute.summary = summary or None
    dispute.stage = move.stage
    dispute.updated_at = now
    db.session.flush()
    _event(dispute, step, on, actor=actor, now=now, note=note, changes=changes)
    if move.outcome is not None:
        requests.objection_timeline_event(dispute.objection, "sengketa", actor=actor, now=now,
                                          note=dispute.objection.registration_number,
                                          changes={"dispute_outcome": move.outcome})
        requests.notify_objector(dispute.objection, "Sengketa informasi selesai di Komisi Informasi", [
            f"Sengketa atas keberatan {dispute.objection.registration_number} selesai: "
            f"{label_id(DisputeOutcome, move.outcome)} ({tanggal(on)})."], now=now)
    return dispute


def record_decision_received(dispute, received_on, *, actor, now):
    """When the parties received the commission's decision (the court window runs from
    it, UU KIP Pasal 47-48)."""
    if dispute.outcome not in rules.DECISION_OUTCOMES:
        raise ServiceError(_("Hanya putusan ajudikasi yang dapat digugat ke pengadilan."))
    _check_day(received_on, not_before=dispute.closed_on, now=now, what=_("putusan diterima"))
    before = dispute.decision_received_on
    dispute.decision_received_on = received_on
    db.session.flush()
    _event(dispute, rules.DisputeAction.PUTUSAN_DITERIMA, received_on, actor=actor, now=now,
           changes={"decision_received_on": [before, received_on]})
    return dispute


def file_court_case(dispute, *, level, filed_by, filed_on, case_number=None, actor, now):
    """A suit against the commission's decision (PTUN / district court), or cassation."""
    if rules.CourtParty.get(filed_by) is None:
        raise ServiceError(_("Pilih pihak yang mengajukan."), "filed_by")
    first = dispute.case_at(rules.CourtLevel.PTUN, rules.CourtLevel.PN)
    _check_day(filed_on, now=now, what=_("pengajuan ke pengadilan"))
    level_member = rules.CourtLevel.get(level)
    existing = dispute.case_at(level_member) if level_member else None
    problem = rules.court_filing_problem(
        level, is_state_body=True, outcome=dispute.outcome,
        decision_received_on=dispute.decision_received_on,
        first_instance=first, filed_on=filed_on)
    if problem is None and level == rules.CourtLevel.MA and existing is not None:
        problem = _("Kasasi atas putusan ini sudah dicatat.")
    if problem:
        raise ServiceError(str(problem), "level")
    case = CourtCase(dispute=dispute, level=level, filed_by=filed_by, filed_on=filed_on,
                     case_number=(case_number or "").strip() or None)
    db.session.add(case)
    db.session.flush()
    if level == rules.CourtLevel.MA:
        received = first.decision_received_on or first.decided_on
        late = filed_on > rules.cassation_deadline(received)
    else:
        late = filed_on > rules.court_filing_deadline(
            build_calendar(), dispute.decision_received_on).due_on
    _event(dispute, rules.DisputeAction.PENGADILAN, filed_on, actor=actor, now=now,
           note=case.case_number,
           changes={"level": level, "filed_by": filed_by, "case_number": case.case_number,
                    "late": late})
    requests.objection_timeline_event(dispute.objection, "sengketa", actor=actor, now=now,
                            note=dispute.objection.registration_number,
                            changes={"court": level, "filed_on": filed_on})
    return case


def decide_court_case(case, *, decided_on, outcome, received_on=None, summary=None, actor,
                      now):
    if case.decided_on is not None:
        raise ServiceError(_("Putusan pengadilan ini sudah dicatat."))
    if rules.CourtOutcome.get(outcome) is None:
        raise ServiceError(_("Pilih amar putusan pengadilan."), "outcome")
    _check_day(decided_on, not_before=case.filed_on, now=now, what=_("putusan pengadilan"))
    if received_on is not None:
        _check_day(received_on, not_before=decided_on, now=now, what=_("putusan diterima"))
    case.decided_on, case.outcome = decided_on, outcome
    case.decision_received_on = received_on
    case.summary = (summary or "").strip() or None
    db.session.flush()
    _event(case.dispute, rules.DisputeAction.PUTUSAN_PENGADILAN, decided_on, actor=actor, now=now,
           note=case.case_number,
           changes={"level": case.level, "outcome": outcome})
    requests.objection_timeline_event(case.dispute.objection, "sengketa", actor=actor, now=now,
                            note=case.dispute.objection.registration_number,
                            changes={"court": case.level, "outcome": outcome})
    return case


def record_execution(dispute, *, carried_out_on, description, actor, now):
    """What the body did to carry out a mediation agreement or a decision."""
    if not dispute.is_closed:
        raise ServiceError(_("Pelaksanaan dicatat setelah ada kesepakatan mediasi atau "
                             "putusan."))
    description = (description or "").strip()
    if not description:
        raise ServiceError(_("Tuliskan apa yang dilaksanakan badan publik."), "description")
    _check_day(carried_out_on, not_before=dispute.closed_on, now=now,
               what=_("pelaksanaan"))
    db.session.add(DisputeExecution(dispute=dispute, carried_out_on=carried_out_on,
                                    description=description,
                                    actor_id=getattr(actor, "id", None), recorded_at=now))
    db.session.flush()
    _event(dispute, rules.DisputeAction.PELAKSANAAN, carried_out_on, actor=actor, now=now, note=description)
    requests.objection_timeline_event(dispute.objection, "sengketa", actor=actor, now=now,
                            note=dispute.objection.registration_number,
                            changes={"executed_on": carried_out_on})
    return dispute


# --- Reading ---------------------------------------------------------------------------

def deadlines(dispute, cal=None) -> dict:
    """The deadlines a dispute page shows, each with its working (Deadline) or a date."""
    cal = cal or build_calendar()
    out = {"start": rules.commission_start_deadline(cal, dispute.filed_on),
           "settle": rules.commission_deadline(cal, dispute.filed_on, dispute.registered_on)}
    if dispute.decision_received_on is not None:
        out["court"] = rules.court_filing_deadline(cal, dispute.decision_received_on)
    first = dispute.case_at(rules.CourtLevel.PTUN, rules.CourtLevel.PN)
    if first is not None and first.decided_on is not None:
        out["cassation"] = rules.cassation_deadline(first.decision_received_on
                                                    or first.decided_on)
    return out


def awaiting_execution(dispute) -> bool:
    """A final result that obliges the body, with nothing carried out yet."""
    final = dispute.outcome
    court = dispute.case_at(rules.CourtLevel.MA) or dispute.case_at(rules.CourtLevel.PTUN,
                                                                    rules.CourtLevel.PN)
    if court is not None and court.outcome is not None:
        # the court upheld or overturned the commission: granted suits by the body overturn
        overturned = court.filed_by == rules.CourtParty.BADAN_PUBLIK and court.outcome in (
            rules.CourtOutcome.DIKABULKAN, rules.CourtOutcome.DIKABULKAN_SEBAGIAN)
        if overturned:
            return False
    elif court is not None:
        return False  # still in court: nothing is final yet
    return rules.needs_execution(final) and not dispute.executions


def disputes_for(agency_ids: Optional[list], *, year=None):
    stmt = sa.select(Dispute).order_by(Dispute.filed_on.desc(), Dispute.id.desc())
    if agency_ids is not None:
        stmt = stmt.where(Dispute.agency_id.in_(agency_ids or [-1]))
    if year is not None:
        stmt = stmt.where(Dispute.filed_on >= date(year, 1, 1),
                          Dispute.filed_on <= date(year, 12, 31))
    return db.session.execute(stmt).scalars().all()


def dispute_alerts(now) -> dict:
    """Alert source: a dispute past the commission's 100 working days (UU KIP Pasal 38),
    and a final result not carried out."""
    cal = build_calendar()
    today = local_today(now)
    out = {}
    for d in db.session.execute(sa.select(Dispute)).scalars():
        if rules.commission_overdue(cal, d.stage, d.filed_on, d.registered_on, today):
            due = rules.commission_deadline(cal, d.filed_on, d.registered_on).due_on
            out.setdefault(d.agency_id, []).append(Alert(
                key=f"dispute:{d.id}:100", kind="dispute", severity="terlambat",
                title=_("Sengketa %(n)s melewati 100 hari kerja di Komisi Informasi",
                        n=d.register_number or d.objection.registration_number),
                detail=_("batas %(d)s (UU KIP Pasal 38 ayat 2)", d=tanggal(due)),
                url=f"/kelola/sengketa/{d.id}"))
        elif d.is_closed and awaiting_execution(d):
            out.setdefault(d.agency_id, []).append(Alert(
                key=f"dispute:{d.id}:execution", kind="dispute", severity="segera",
                title=_("Hasil sengketa %(n)s belum dilaksanakan",
                        n=d.register_number or d.objection.registration_number),
                detail=label_id(DisputeOutcome, d.outcome), url=f"/kelola/sengketa/{d.id}"))
    return out


@dataclass
class DisputeSummary:
    """A year's disputes for the annual report (Perki 1/2021 Pasal 56): where they stand,
    how the commission settled them, their execution, and the court cases."""

    filed: int = 0
    stages: dict = field(default_factory=lambda: {s: 0 for s in rules.DisputeStage})
    outcomes: dict = field(default_factory=lambda: {o: 0 for o in DisputeOutcome
                                                    if o != DisputeOutcome.DALAM_PROSES})
    mediated: int = 0           # went to mediation
    mediation_failed: int = 0   # and then to adjudication
    to_execute: int = 0         # a final result that obliges the body
    executed: int = 0           # ... with its execution recorded
    courts: dict = field(default_factory=lambda: {
        (level, outcome): 0 for level in rules.CourtLevel
        for outcome in [None, *rules.CourtOutcome]})

    @property
    def court_cases(self):
        return sum(self.courts.values())

    def court_rows(self):
        """(level, outcome or None, count) of the courts that had a case, in order."""
        return [(level, outcome, n) for (level, outcome), n in self.courts.items() if n]


def dispute_summary(year, agency_ids=None) -> DisputeSummary:
    """The disputes filed in ``year`` (of ``agency_ids``, or every agency)."""
    out = DisputeSummary()
    for d in disputes_for(agency_ids, year=year):
        out.filed += 1
        out.stages[d.stage] += 1
        if d.outcome:
            out.outcomes[d.outcome] += 1
        actions = {e.action for e in d.events}
        out.mediated += rules.DisputeAction.MEDIASI in actions
        out.mediation_failed += rules.DisputeAction.MEDIASI_GAGAL in actions
        if d.is_closed and rules.needs_execution(d.outcome):
            pending = awaiting_execution(d)
            if pending or d.executions:
                out.to_execute += 1
                out.executed += bool(d.executions)
        for c in d.court_cases:
            out.courts[(c.level, c.outcome)] += 1
    return out
