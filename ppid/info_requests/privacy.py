"""The requester's personal data after the retention period (UU 27/2022; DOMAIN.md 11).

A request's file is kept ``PERSONAL_DATA_RETENTION_YEARS`` (default 5, the archive
practice) after the request and every objection and dispute on it closed
(:func:`ppid.info_requests.rules.handling_ended_on`); then ``flask ppid
purge-personal-data`` (cron, daily) erases the requester's personal data and leaves the
anonymous record: the registration number, dates, agency, subject, state, outcome and the
outcome's fields, the timeline, the objections, the statistics (ppid.reports counts states,
outcomes and dates only) and the audit chain, which gains one event per erasure naming the
request and the fields, never their values.

**What is erased, and why the name and the occupation too.** DOMAIN.md section 11 names
the identity number, address, phone, e-mail and uploaded identity documents (here the power
of attorney) as the data that never leaves the handling officers; these go without
question. The name, the occupation and the proxy's name are not on that list because the
list says who may *see* what while the request is handled (the handling officers see the
name on every letter). Retention asks another question: is there still a purpose for
keeping the person identifiable? Once the retention period is over there is none: the
annual reports of those years were made, the objection and dispute periods are long past,
and no figure the registry computes uses a name or an occupation. UU 27/2022 counts the
full name as personal data (Pasal 4 ayat (3)) and requires personal data to be erased once
its retention period ends (Pasal 16 ayat (2) huruf g, Pasal 43-44). A register that keeps
the name keeps the person; so the purge erases all of the model's ``PERSONAL_FIELDS``,
and the record left is anonymous, as DOMAIN.md section 11's public register is. The
subject, the purpose and the officers' notes are the record of what was asked and done,
and stay.

**Where else the data sits, and what happens to it.**

- Letters: their frozen HTML printed the name, identity number, address, phone and e-mail.
  Each erased value is replaced by ``[dihapus]`` in the letter's text (never inside its
  markup), the letter's hash is computed again, and its stored PDF is removed (a download
  renders the redacted text).
- The outbox: mail about the request (its subject carries the registration number) sent
  to the requester's address is deleted; it held the address and the name.
- The power of attorney: its row is deleted, and its file is removed from storage after
  the commit unless another row names the same content (``remove_unless_referenced``).
- The search index holds only the public register's columns (ppid.info_requests.search), and
  public pages are cached with the content stamp that the erasure's audit event moves:
  neither holds personal data; tests/services/test_personal_data.py checks both.
- A citizen's account (``requester_user``): the request is unlinked from it (else the
  account's name and e-mail would still say who asked), the timeline's entries the
  citizen made read "Pemohon", and an objection the citizen filed no longer names the
  account. The account itself is the citizen's and lives on; its own data is not the
  request's to erase.
- The audit log is append-only and sealed: an event the citizen's account caused carries
  the account's e-mail as its actor (``audit.record``); it stays, as every sealed event
  does (rewriting the chain would break it).
- Backups made before the erasure still hold the data until they expire (docs/deploy.md
  keeps 30 days).

Idempotent: an erased request is marked (``personal_data_erased_at``) and never selected
again. Safe for cron: one transaction per request, so an interruption leaves every request
either erased completely with its audit event or untouched.
"""
import hashlib
import logging
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from markupsafe import escape
from sqlalchemy.orm import selectinload

from ppid.core import audit
from ppid.core.models import OutboxMail
from ppid.core.services import local_today
from ppid.core.storage import remove_unless_referenced
from ppid.extensions import db
from ppid.info_requests import rules
from ppid.info_requests.models import InfoRequest, Objection, RequestEvent

log = logging.getLogger(__name__)

# Columns of InfoRequest that cannot be NULL get the empty string when erased.
_NOT_NULL = {"requester_name", "identity_number", "address"}
# Values shorter than this are not looked for in letters' text (a one-letter name would
# match inside ordinary words); the fields' own columns are erased whatever their length.
_MIN_SCRUB = 3
# An objection's proxy (ppid.info_requests.services.PROXY_FIELDS): personal data too.
OBJECTION_PROXY_FIELDS = ("proxy_name", "proxy_identity_number", "proxy_address",
                          "proxy_occupation", "proxy_phone")
# The timeline's actor where the requester's account acted (a record, in Indonesian).
REQUESTER_LABEL = "Pemohon"


def retention_years():
    return int(current_app.config["PERSONAL_DATA_RETENTION_YEARS"])


def _stage(o):
    """One objection as rules.ObjectionStage. A dispute (ppid.disputes) is in progress
    until the commission closed it and every court case is decided; it ended on the last
    day anything happened to it (its decision, a court's, its execution)."""
    d = getattr(o, "dispute", None)
    outcome, last = o.dispute_outcome, None
    if d is not None:
        if any(c.decided_on is None for c in d.court_cases):
            outcome = rules.DisputeOutcome.DALAM_PROSES
        days = [d.closed_on] + [e.happened_on for e in d.events] + [
            c.decided_on for c in d.court_cases] + [x.carried_out_on for x in d.executions]
        last = max((day for day in days if day is not None), default=None)
    return rules.ObjectionStage(decided_on=o.decided_on, dispute_filed_on=o.dispute_filed_on,
                                dispute_outcome=outcome, dispute_recorded_on=last)


def _stages(req):
    """The objections of ``req`` as rules.ObjectionStage."""
    return [_stage(o) for o in req.objections]


def handling_ended_on(req):
    return rules.handling_ended_on(req.state, req.closed_on, _stages(req))


def retention_ends_on(req, years=None):
    """The day ``req``'s personal data may be erased, or None while it is still handled."""
    return rules.retention_ends_on(handling_ended_on(req),
                                   retention_years() if years is None else years)


def due_for_erasure(*, today, years=None):
    """Requests whose retention is over on ``today`` and whose personal data is still
    there, oldest first. SQL narrows to closed requests old enough; the rule decides
    (objections and disputes)."""
    years = retention_years() if years is None else years
    rows = db.session.execute(
        sa.select(InfoRequest)
        .where(InfoRequest.personal_data_erased_at.is_(None),
               InfoRequest.state.in_(rules.FINAL_STATES),
               InfoRequest.closed_on <= rules.retention_cutoff(today, years))
        .options(selectinload(InfoRequest.objections), selectinload(InfoRequest.events),
                 selectinload(InfoRequest.attachments), selectinload(InfoRequest.letters))
        .order_by(InfoRequest.closed_on, InfoRequest.id)).scalars().all()
    return [r for r in rows
            if rules.is_retention_over(handling_ended_on(r), years, today)]


def _scrub_letters_and_mails(letters, values, addresses, number, out):
    """The erased ``values`` taken out of each letter's stored HTML (its PDF, which printed
    them, goes and is rendered again on demand), and the outbox mail to ``addresses`` about
    the record ``number`` deleted; counted in ``out`` (an Erasure)."""
    for letter in letters:
        html = _scrub_html(letter.html, values) if values else letter.html
        if html != letter.html:
            letter.html = html
            letter.sha256 = hashlib.sha256(html.encode("utf-8")).hexdigest()
            out.letters += 1
        if letter.pdf_key:
            out.files.append(letter.pdf_key)  # the PDF printed the data: rendered again
            letter.pdf_key = None
    if addresses:
        mails = db.session.execute(sa.delete(OutboxMail).where(
            OutboxMail.to_address.in_(sorted(addresses)),
            OutboxMail.subject.contains(f"[{number}]")))
        out.mails = mails.rowcount or 0


def _scrub_html(html, values):
    """``html`` with each of ``values`` (as the letter's template escaped it) replaced by
    the erased mark in its text and its attributes' values (a mailto: link), never in the
    markup itself; whole words only."""
    patterns = [re.compile(r"(?<!\w)" + re.escape(str(escape(v))) + r"(?!\w)")
                for v in sorted(values, key=len, reverse=True)]

    def scrub(text):
        for pattern in patterns:
            text = pattern.sub(rules.ERASED_MARK, text)
        return text

    parts = re.split(r"(<[^>]*>)", html)
    for i, part in enumerate(parts):
        if part.startswith("<"):
            parts[i] = re.sub(r'(=\s*")([^"]*)(")',
                              lambda m: m.group(1) + scrub(m.group(2)) + m.group(3), part)
        else:
            parts[i] = scrub(part)
    return "".join(parts)


@dataclass
class Erasure:
    """What erasing one request changed (counts, never values)."""

    request_id: int
    registration_number: str
    fields: list
    files: list = field(default_factory=list)   # storage keys no longer named by its rows
    letters: int = 0
    mails: int = 0


def erase_personal_data(req, *, now, actor=None) -> Erasure:
    """Erase ``req``'s personal data (see the module's docstring); the caller commits, then
    removes ``Erasure.files`` from storage (:func:`remove_files`)."""
    values = [getattr(req, name) for name in rules.ERASED_FIELDS]
    values = {v.strip() for v in values if isinstance(v, str) and len(v.strip()) >= _MIN_SCRUB}
    erased = [name for name in rules.ERASED_FIELDS if getattr(req, name)]
    account = req.requester_user
    addresses = {a for a in (req.email, getattr(account, "email", None)) if a}
    for name in rules.ERASED_FIELDS:
        setattr(req, name, "" if name in _NOT_NULL else None)
    out = Erasure(req.id, req.registration_number, erased)
    # An objection's proxy: their identity goes with the requester's (the names are
    # scrubbed from the letters too).
    proxies = False
    for obj in req.objections:
        for name in OBJECTION_PROXY_FIELDS:
            value = getattr(obj, name)
            if value:
                proxies = True
                if len(value.strip()) >= _MIN_SCRUB:
                    values.add(value.strip())
                setattr(obj, name, None)
    if proxies:
        erased.append("objection_proxy")
    for att in list(req.attachments):
        if att.kind in (rules.AttachmentKind.SURAT_KUASA, rules.AttachmentKind.KUASA_KEBERATAN):
            out.files.append(att.storage_key)
            req.attachments.remove(att)  # delete-orphan: the row goes
    if out.files:
        erased.append("surat_kuasa")
    _scrub_letters_and_mails(req.letters, values, addresses, req.registration_number, out)
    if account is not None:
        for ev in req.events:
            if ev.actor_id == account.id:
                ev.actor_id, ev.actor_label = None, REQUESTER_LABEL
        for obj in req.objections:
            if obj.created_by_id == account.id:
                obj.created_by_id = None
        req.requester_user_id = None
        req.requester_user = None
        erased.append("requester_user")
    req.personal_data_erased_at = now
    db.session.flush()
    changes = {"registration_number": req.registration_number, "erased_fields": erased,
               "retention_years": retention_years(),
               "handling_ended_on": handling_ended_on(req),
               "letters_redacted": out.letters, "mails_deleted": out.mails,
               "files_removed": len(out.files)}
    db.session.add(RequestEvent(request=req, occurred_at=now, actor_id=getattr(actor, "id", None),
                                actor_label=actor.name if actor is not None else "Sistem",
                                action=rules.TimelineAction.DATA_PRIBADI_DIHAPUS,
                                from_state=req.state, to_state=req.state))
    # (which fields: the audit event; the timeline's label says what happened)
    audit.record("request.personal_data_erased", req, actor=actor, now=now, changes=changes)
    return out


# --- Objections naming no request (ground b): the objector's data is the objection's ------

def objection_handling_ended_on(obj):
    """An objection without a request ended when the atasan decided it and its dispute, if
    any, ended (the same rule as a request's, the decision standing for the closing)."""
    return rules.handling_ended_on(rules.SELESAI, obj.decided_on, [_stage(obj)])


def objections_due_for_erasure(*, today, years=None):
    """Objections naming no request whose retention is over on ``today`` and whose
    objector's data is still there, oldest first (SQL narrows, the rule decides)."""
    years = retention_years() if years is None else years
    rows = db.session.execute(
        sa.select(Objection)
        .where(Objection.request_id.is_(None), Objection.personal_data_erased_at.is_(None),
               Objection.decided_on <= rules.retention_cutoff(today, years))
        .order_by(Objection.decided_on, Objection.id)).scalars().all()
    return [o for o in rows
            if rules.is_retention_over(objection_handling_ended_on(o), years, today)]


# The objector's fields on an objection without a request (its model's), and the proxy's.
OBJECTOR_FIELDS = ("requester_name", "identity_number", "address", "phone", "email",
                   "occupation")


def erase_objection_personal_data(obj, *, now, actor=None) -> Erasure:
    """Erase the objector's and the proxy's data of an objection naming no request, as
    :func:`erase_personal_data` does a request's: the columns, the letters' text (their
    PDFs rendered again), its mail, the power of attorney, the link to the account; one
    event on its timeline and one audit event naming the fields, never their values."""
    names = OBJECTOR_FIELDS + OBJECTION_PROXY_FIELDS
    values = {getattr(obj, n).strip() for n in names
              if isinstance(getattr(obj, n), str) and len(getattr(obj, n).strip()) >= _MIN_SCRUB}
    erased = [n for n in names if getattr(obj, n)]
    account = obj.requester_user
    addresses = {a for a in (obj.email, getattr(account, "email", None)) if a}
    for n in names:
        setattr(obj, n, None)
    out = Erasure(obj.id, obj.registration_number, erased)
    for att in list(obj.own_attachments):
        out.files.append(att.storage_key)
        obj.own_attachments.remove(att)
    if out.files:
        erased.append("surat_kuasa")
    _scrub_letters_and_mails(obj.own_letters, values, addresses, obj.registration_number,
                             out)
    if account is not None:
        for ev in obj.events:
            if ev.actor_id == account.id:
                ev.actor_id, ev.actor_label = None, REQUESTER_LABEL
        if obj.created_by_id == account.id:
            obj.created_by_id = None
        obj.requester_user_id = None
        obj.requester_user = None
        erased.append("requester_user")
    obj.personal_data_erased_at = now
    db.session.flush()
    db.session.add(RequestEvent(objection=obj, occurred_at=now,
                                actor_id=getattr(actor, "id", None),
                                actor_label=actor.name if actor is not None else "Sistem",
                                action=rules.TimelineAction.DATA_PRIBADI_DIHAPUS))
    audit.record("objection.personal_data_erased", obj, actor=actor, now=now,
                 changes={"registration_number": obj.registration_number,
                          "erased_fields": erased, "retention_years": retention_years(),
                          "handling_ended_on": objection_handling_ended_on(obj),
                          "letters_redacted": out.letters, "mails_deleted": out.mails,
                          "files_removed": len(out.files)})
    return out


def remove_files(keys):
    """Remove the stored files an erasure released, unless a committed row still names the
    same content (call after the commit). Returns the removed keys."""
    return remove_unless_referenced(sorted(set(keys)))


@dataclass
class PurgeSummary:
    today: object
    years: int
    requests: int = 0
    fields: dict = field(default_factory=dict)   # {field: number of requests}
    letters: int = 0
    mails: int = 0
    files_released: int = 0
    files_removed: int = 0
    erased: list = field(default_factory=list)   # registration numbers
    objections: int = 0  # objections naming no request (ground b) erased


def purge(*, now, dry_run=False, years=None) -> PurgeSummary:
    """Erase the personal data of every request whose retention is over (one commit per
    request). ``dry_run`` counts what would be erased and changes nothing."""
    years = retention_years() if years is None else years
    today = local_today(now)
    summary = PurgeSummary(today=today, years=years)
    candidates = [r.id for r in due_for_erasure(today=today, years=years)]
    objection_ids = [o.id for o in objections_due_for_erasure(today=today, years=years)]
    if dry_run:
        summary.objections = len(objection_ids)
        for req in (db.session.get(InfoRequest, i) for i in candidates):
            summary.requests += 1
            summary.erased.append(req.registration_number)
            for name in rules.ERASED_FIELDS:
                if getattr(req, name):
                    summary.fields[name] = summary.fields.get(name, 0) + 1
            n_files = sum(1 for a in req.attachments
                          if a.kind == rules.AttachmentKind.SURAT_KUASA)
            if n_files:
                summary.fields["surat_kuasa"] = summary.fields.get("surat_kuasa", 0) + 1
            if req.requester_user_id is not None:
                summary.fields["requester_user"] = summary.fields.get("requester_user", 0) + 1
            summary.files_released += n_files + sum(1 for x in req.letters if x.pdf_key)
            summary.letters += len(req.letters)
        db.session.rollback()
        return summary
    db.session.rollback()  # the candidates' read ends; each erasure is its own transaction
    for request_id in candidates:
        # The row locked (PostgreSQL) until this erasure commits: an objection, a dispute or
        # another purge run waits for it, then sees the request as it is.
        db.session.execute(sa.select(InfoRequest.id).where(InfoRequest.id == request_id)
                           .with_for_update())
        req = db.session.get(InfoRequest, request_id, populate_existing=True)
        if req is None or req.personal_data_erased_at is not None \
                or not rules.is_retention_over(handling_ended_on(req), years, today):
            db.session.rollback()  # erased or reopened meanwhile
            continue
        out = erase_personal_data(req, now=now)
        db.session.commit()
        summary.requests += 1
        summary.erased.append(out.registration_number)
        for name in out.fields:
            summary.fields[name] = summary.fields.get(name, 0) + 1
        summary.letters += out.letters
        summary.mails += out.mails
        summary.files_released += len(set(out.files))
        summary.files_removed += len(remove_files(out.files))
    for objection_id in objection_ids:
        db.session.execute(sa.select(Objection.id).where(Objection.id == objection_id)
                           .with_for_update())
        obj = db.session.get(Objection, objection_id, populate_existing=True)
        if obj is None or obj.personal_data_erased_at is not None \
                or not rules.is_retention_over(objection_handling_ended_on(obj), years, today):
            db.session.rollback()
            continue
        out = erase_objection_personal_data(obj, now=now)
        db.session.commit()
        summary.objections += 1
        summary.erased.append(out.registration_number)
        summary.letters += out.letters
        summary.mails += out.mails
        summary.files_released += len(set(out.files))
        summary.files_removed += len(remove_files(out.files))
    return summary
