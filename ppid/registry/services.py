"""Proactive disclosure services: staleness in bulk, DIP items, versions, nil declarations,
the catalogue, exemptions and alert digests.

Services add, flush and audit; the caller (view or CLI) commits once. ``actor`` and ``now``
are passed explicitly.
"""
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext as _

from ppid.accounts.models import RoleAssignment, User
from ppid.agencies.models import Agency
from ppid.core import audit, dates
from ppid.core.alerts import Alert, collect_alerts
from ppid.core.auth import HELPER
from ppid.core.db import utcnow
from ppid.core.mail import queue_mail
from ppid.core.services import local_date, local_today, timezone as local_tz
from ppid.core import extract, jobs
from ppid.core.storage import put_in_transaction, storage
from ppid.core.uploads import CheckedUpload, check_upload, refuse_active_pdf
from ppid.extensions import db
from ppid.registry import rules
from ppid.registry.models import (APPLIES, CATEGORIES, DIKECUALIKAN, DRAFT, FORMS,
                                  PASAL17_LETTERS,
                                  PUBLISHED, SERTA_MERTA, TEXT_DONE, TEXT_FAILED, TEXT_NONE,
                                  TEXT_PENDING,
                                  WITHDRAWN, AlertDigest, DipItem, DocumentVersion,
                                  Exemption, NilDeclaration, Obligation)

log = logging.getLogger(__name__)


class RegistryError(ValueError):
    """A change refused by a rule; ``str(exc)`` is the message for the user."""


def warning_days():
    return int(current_app.config["REGISTRY_WARNING_DAYS"])


# --- Staleness ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PairStatus:
    agency: Agency
    obligation: Obligation
    status: str
    last_published_on: Optional[date]
    due_on: Optional[date]
    is_nil: bool

    @property
    def needs_action(self):
        return self.status in rules.ALERT_STATUSES


def active_obligations():
    return db.session.execute(
        sa.select(Obligation).where(Obligation.is_active.is_(True))
        .order_by(Obligation.code)).scalars().all()


def compute_staleness(now=None, *, agency_ids=None, warning=None, as_of=False):
    """Status of every (active agency, applicable obligation) pair, in four queries.

    Queries find the newest publication and nil declaration per pair; the pure rule
    (rules.staleness) decides. Returns a list ordered by agency name, then obligation code.

    A publication counts from the moment its version first became public
    (rules.version_published_at with the item's first publication), a nil declaration from
    the end of the semester it covers (rules.nil_effective_on); ``status_of`` computes the
    same for one pair by another path, and the two must always agree.

    ``as_of``: count only what had been published or declared by ``now`` (the status as it
    stood then: a past month's compliance snapshot); by default every publication counts.
    """
    now = now or utcnow()
    today = local_today(now)
    warning = warning_days() if warning is None else warning
    agencies_q = sa.select(Agency).where(Agency.is_active.is_(True)).order_by(
        Agency.kind.desc(), Agency.name)
    pub_q = (sa.select(DipItem.agency_id, DipItem.obligation_id,
                       sa.func.max(DocumentVersion.created_at),
                       sa.func.max(DipItem.published_at))
             .join(DocumentVersion, DocumentVersion.item_id == DipItem.id)
             .where(DipItem.state == PUBLISHED, DipItem.obligation_id.is_not(None))
             .group_by(DipItem.agency_id, DipItem.obligation_id))
    nil_q = (sa.select(NilDeclaration.agency_id, NilDeclaration.obligation_id,
                       sa.func.max(_NIL_SEMESTER_INDEX))
             .group_by(NilDeclaration.agency_id, NilDeclaration.obligation_id))
    if as_of:
        pub_q = pub_q.where(DocumentVersion.created_at <= now, DipItem.published_at <= now)
        nil_q = nil_q.where(NilDeclaration.created_at <= now)
    if agency_ids is not None:
        ids = list(agency_ids)
        agencies_q = agencies_q.where(Agency.id.in_(ids))
        pub_q = pub_q.where(DipItem.agency_id.in_(ids))
        nil_q = nil_q.where(NilDeclaration.agency_id.in_(ids))
    agencies = db.session.execute(agencies_q).scalars().all()
    obligations = active_obligations()
    tz = local_tz()
    published = {}
    for agency_id, obligation_id, max_created, max_published in db.session.execute(pub_q):
        moment = rules.version_published_at(max_created, max_published)
        published[(agency_id, obligation_id)] = moment.astimezone(tz).date()
    nil = {(a, o): rules.nil_effective_on(*rules.semester_from_index(index))
           for a, o, index in db.session.execute(nil_q)}
    result = []
    for agency in agencies:
        for ob in obligations:
            if not rules.applies_to_agency(ob.applies_to, agency.kind):
                continue
            key = (agency.id, ob.id)
            st = rules.staleness(published.get(key), nil.get(key), ob.period_months, today,
                                 warning)
            result.append(PairStatus(agency, ob, st.status, st.last_published_on, st.due_on,
                                     st.is_nil))
    return result


# The newest covered semester per pair, as rules.semester_index computes it.
_NIL_SEMESTER_INDEX = NilDeclaration.period_year * 2 + NilDeclaration.period_semester - 1


def status_of(agency, obligation, *, now=None, warning=None) -> PairStatus:
    """The status of one pair, queried on its own (detail pages; the bulk's reference)."""
    now = now or utcnow()
    warning = warning_days() if warning is None else warning
    rows = db.session.execute(
        sa.select(DocumentVersion.created_at, DipItem.published_at)
        .join(DipItem, DocumentVersion.item_id == DipItem.id)
        .where(DipItem.agency_id == agency.id, DipItem.obligation_id == obligation.id,
               DipItem.state == PUBLISHED)).all()
    moments = [rules.version_published_at(c, p) for c, p in rows]
    last_pub = local_date(max(moments)) if moments else None
    periods = db.session.execute(
        sa.select(NilDeclaration.period_year, NilDeclaration.period_semester)
        .where(NilDeclaration.agency_id == agency.id,
               NilDeclaration.obligation_id == obligation.id)).all()
    last_nil = max((rules.nil_effective_on(y, s) for y, s in periods), default=None)
    st = rules.staleness(last_pub, last_nil, obligation.period_months, local_today(now),
                         warning)
    return PairStatus(agency, obligation, st.status, st.last_published_on, st.due_on,
                      st.is_nil)


def staleness_history(agency, obligation, *, now=None, today=None) -> rules.StalenessHistory:
    """The pair's publications, newest last, with their overdue spells (rules): each
    published version from the moment it became public, each nil declaration from the end
    of its semester, as ``status_of`` counts them. A pair never published is overdue from
    the day the registry held both the agency and the obligation. ``today`` (default: the
    local day of ``now``) reads the history as it stood that day."""
    now = now or utcnow()
    today = today or local_today(now)
    rows = db.session.execute(
        sa.select(DocumentVersion.created_at, DipItem.published_at, DipItem.title,
                  DipItem.id, DocumentVersion.number)
        .join(DipItem, DocumentVersion.item_id == DipItem.id)
        .where(DipItem.agency_id == agency.id, DipItem.obligation_id == obligation.id,
               DipItem.state == PUBLISHED)).all()
    pubs = [(local_date(rules.version_published_at(c, p)), False, title, item_id, number)
            for c, p, title, item_id, number in rows]
    periods = db.session.execute(
        sa.select(NilDeclaration.period_year, NilDeclaration.period_semester)
        .where(NilDeclaration.agency_id == agency.id,
               NilDeclaration.obligation_id == obligation.id)).all()
    pubs += [(rules.nil_effective_on(y, s), True, rules.semester_label(y, s), None, None)
             for y, s in periods]
    applies_from = local_date(max(agency.created_at, obligation.created_at))
    return rules.staleness_history([p for p in pubs if p[0] <= today],
                                   obligation.period_months, today, applies_from)


def fulfilling_versions(agency, obligations, *, since):
    """Published document versions of ``agency``'s items for ``obligations`` that became
    public on or after ``since`` (the ones that can carry out an order to publish them):
    [(version, item, local date it became public)], newest first."""
    ids = [o.id for o in obligations]
    rows = db.session.execute(
        sa.select(DocumentVersion, DipItem)
        .join(DipItem, DocumentVersion.item_id == DipItem.id)
        .where(DipItem.agency_id == agency.id, DipItem.obligation_id.in_(ids or [-1]),
               DipItem.state == PUBLISHED, DipItem.published_at.is_not(None))).all()
    out = []
    for version, item in rows:
        public_on = local_date(rules.version_published_at(version.created_at,
                                                          item.published_at))
        if public_on >= since:
            out.append((version, item, public_on))
    out.sort(key=lambda r: (r[2], r[0].id), reverse=True)
    return out


def status_counts(pairs):
    counts = {s: 0 for s in rules.STATUSES}
    for p in pairs:
        counts[p.status] += 1
    return counts


# --- DIP items ---------------------------------------------------------------------------

SERTA_MERTA_FIELDS = tuple(name for name, _label in rules.SERTA_MERTA_PARTS)
ITEM_FIELDS = ("title", "summary", "holding_unit", "responsible", "made_at_place", "made_on",
               "form", "retention", "category", "obligation_id", "event_at",
               ) + SERTA_MERTA_FIELDS
# Fields that stay NULL when empty (the others are stored as "").
NULLABLE_ITEM_FIELDS = ("made_on", "obligation_id", "event_at") + SERTA_MERTA_FIELDS


def _snapshot(obj, fields):
    return {f: getattr(obj, f) for f in fields}


def _check_item_data(agency, data):
    if data.get("category") not in CATEGORIES:
        raise RegistryError(_("Kategori informasi tidak dikenal."))
    if data.get("form") not in FORMS:
        raise RegistryError(_("Bentuk informasi tidak dikenal."))
    ob_id = data.get("obligation_id")
    if ob_id:
        ob = db.session.get(Obligation, ob_id)
        if ob is None or not ob.is_active:
            raise RegistryError(_("Kewajiban informasi yang dipilih tidak ada."))
        if not rules.applies_to_agency(ob.applies_to, agency.kind):
            raise RegistryError(_("Kewajiban %(code)s hanya berlaku bagi PPID Utama.",
                                  code=ob.code))
    event_at = data.get("event_at")
    if event_at is not None and event_at.tzinfo is None:
        raise RegistryError(_("Waktu kejadian tidak valid."))
    if data.get("category") == SERTA_MERTA:
        problems = rules.serta_merta_problems(event_at, data)
        if problems:
            raise RegistryError(" ".join(str(p) for p in problems))
    elif event_at is not None or any((data.get(f) or "").strip() for f in SERTA_MERTA_FIELDS):
        raise RegistryError(_("Waktu kejadian dan isi pengumuman hanya untuk informasi "
                              "serta-merta."))


def create_item(agency, data, *, actor, now=None) -> DipItem:
    """A new draft item of ``agency``'s DIP."""
    now = now or utcnow()
    _check_item_data(agency, data)
    item = DipItem(agency_id=agency.id, state=DRAFT, created_by_id=getattr(actor, "id", None),
                   created_at=now, updated_at=now)
    for f in ITEM_FIELDS:
        value = data.get(f)
        if f in SERTA_MERTA_FIELDS:
            value = (value or "").strip() or None
        setattr(item, f, value if value is not None or f in NULLABLE_ITEM_FIELDS else "")
    item.obligation_id = data.get("obligation_id") or None
    db.session.add(item)
    db.session.flush()
    audit.record("dip.create", item, actor=actor, now=now,
                 changes=audit.diff({}, _snapshot(item, ITEM_FIELDS)))
    return item


def update_item(item, data, *, actor, now=None) -> DipItem:
    now = now or utcnow()
    if item.state == WITHDRAWN:
        raise RegistryError(_("Informasi yang sudah ditarik tidak dapat diubah."))
    before = _snapshot(item, ITEM_FIELDS)
    _check_item_data(item.agency, {**before, **data})
    if item.is_public and data.get("category", item.category) == DIKECUALIKAN:
        raise _exempt_not_public()
    for f in ITEM_FIELDS:
        if f in data:
            value = data[f]
            if f in SERTA_MERTA_FIELDS:
                value = (value or "").strip() or None
            if value is None and f not in NULLABLE_ITEM_FIELDS:
                value = ""
            setattr(item, f, value)
    item.obligation_id = item.obligation_id or None
    item.updated_at = now
    db.session.flush()
    changes = audit.diff(before, _snapshot(item, ITEM_FIELDS))
    if changes:
        audit.record("dip.update", item, actor=actor, now=now, changes=changes)
        _item_event("update", item, actor=actor, now=now)
    return item


def _exempt_not_public():
    # UU KIP Pasal 11(1)(a), 17: the DIP never lists exempt information as public; the
    # exemptions register (DIK) lists its entries, never the content.
    return RegistryError(_("Informasi yang dikecualikan tidak dapat diterbitkan di DIP: "
                           "catat pengecualiannya di daftar informasi yang dikecualikan, "
                           "bukan isinya."))


def _exemption_in_force(item, now):
    """The entry of the exemptions register in force that covers ``item``, if any."""
    today = local_date(now)
    entries = db.session.execute(sa.select(Exemption).where(
        Exemption.item_id == item.id).order_by(Exemption.id.desc())).scalars().all()
    return next((e for e in entries if e.in_force_on(today)), None)


def publish_item(item, *, actor, now=None) -> DipItem:
    """Publish a draft, or republish a withdrawn item.

    The first publication sets ``published_at`` to now, and it never moves again:
    ``published_at`` is the moment the item FIRST became public, from which every version
    uploaded as a draft counts (rules.version_published_at). Republishing a withdrawn item
    is allowed, because a PPID withdraws by mistake too and must be able to undo it, but it
    only restores the item as it was: its versions keep the moments they first became
    public, so a republication never makes an overdue obligation current again nor
    changes the dates shown for old versions (public pages, API, staleness). To bring the
    obligation up to date the officer uploads a new version after republishing; that
    version counts from its upload. The republication itself is in the audit trail.
    """
    now = now or utcnow()
    if item.state == PUBLISHED:
        raise RegistryError(_("Informasi ini sudah diterbitkan."))
    if item.category == DIKECUALIKAN:
        raise _exempt_not_public()
    entry = _exemption_in_force(item, now)
    if entry is not None:
        raise RegistryError(_("Informasi ini dikecualikan oleh %(decree)s (%(period)s; "
                              "daftar informasi yang dikecualikan) dan tidak dapat "
                              "diterbitkan.", decree=entry.decree_number,
                              period=entry.period_label))
    if item.category == SERTA_MERTA:
        problems = rules.serta_merta_problems(item.event_at, _snapshot(item, ITEM_FIELDS))
        if problems:
            raise RegistryError(" ".join(str(p) for p in problems))
    if item.obligation_id and not item.versions:
        raise RegistryError(_("Unggah dokumennya terlebih dahulu: informasi untuk kewajiban "
                              "berkala diterbitkan bersama dokumennya."))
    before = item.state
    changes = {"state": [before, PUBLISHED]}
    if item.published_at is None:
        item.published_at = now
        changes["published_at"] = [None, now]
    else:
        changes["republished_at"] = now
        changes["withdrawn_at"] = [item.withdrawn_at, None]
    item.state = PUBLISHED
    item.withdrawn_at = None
    item.withdrawal_reason = None
    item.updated_at = now
    db.session.flush()
    audit.record("dip.publish", item, actor=actor, now=now, changes=changes)
    _item_event("publish", item, actor=actor, now=now)
    return item


def withdraw_item(item, reason, *, actor, now=None) -> DipItem:
    """Withdraw a published item; it stays in the public history with the reason."""
    now = now or utcnow()
    if item.state != PUBLISHED:
        raise RegistryError(_("Hanya informasi yang sudah diterbitkan yang dapat ditarik."))
    reason = (reason or "").strip()
    if not reason:
        raise RegistryError(_("Tuliskan alasan penarikan."))
    item.state = WITHDRAWN
    item.withdrawn_at = now
    item.withdrawal_reason = reason
    item.updated_at = now
    db.session.flush()
    audit.record("dip.withdraw", item, actor=actor, now=now,
                 changes={"state": [PUBLISHED, WITHDRAWN], "reason": reason})
    _item_event("withdraw", item, actor=actor, now=now)
    return item


def _item_event(action, item, *, actor, now):
    """Tell the features that follow DIP items (a serta-merta item's broadcast) in this
    transaction: what they change commits or rolls back with the item."""
    from ppid.core.hooks import hooks
    for fn in hooks().item_events:
        fn(action, item, actor=actor, now=now)


def check_document(file_storage) -> CheckedUpload:
    """Every check of an uploaded DIP document that needs no database: size, real type,
    name and a ZIP-based file's expansion (ppid.core.uploads.check_upload), and for a PDF
    its active content, parsed in a limited child process (refuse_active_pdf). Views call
    it before their writing transaction begins: it may take PDF_CHECK_TIMEOUT_SECONDS.
    Raises UploadRejected."""
    checked = check_upload(file_storage)
    if checked.media_type == "application/pdf":
        refuse_active_pdf(checked)
    return checked


def add_version(item, document, note="", *, actor, now=None) -> DocumentVersion:
    """Store and record a document as the item's next version; its text for search is
    extracted after commit by a background job (DOCUMENT_TEXT_JOB), never here.

    ``document`` is what check_document returned (views check before they write), or an
    uploaded file, checked here. Raises UploadRejected (nothing stored) or RegistryError.
    """
    now = now or utcnow()
    if item.state == WITHDRAWN:
        raise RegistryError(_("Informasi yang sudah ditarik tidak menerima dokumen baru."))
    checked = document if isinstance(document, CheckedUpload) else check_document(document)
    return _store_version(item, checked.data, checked.filename, checked.media_type,
                          note, actor=actor, now=now)


def _store_version(item, data, filename, media_type, note, *, actor, now):
    current = db.session.execute(
        sa.select(DocumentVersion.number, DocumentVersion.sha256)
        .where(DocumentVersion.item_id == item.id)
        .order_by(DocumentVersion.number.desc()).limit(1)).first()
    if current is not None and current.sha256 == hashlib.sha256(data).hexdigest():
        # the history lists changes: the same content again is no new version
        raise RegistryError(_("Isi berkas ini sama dengan versi %(n)d yang sekarang berlaku; "
                              "tidak ada versi baru yang disimpan.", n=current.number))
    number = (current.number if current is not None else 0) + 1
    # Removed again if this transaction fails (unless another row has the same content).
    key = put_in_transaction(db.session, data)
    has_text = media_type in extract.EXTRACTABLE
    version = DocumentVersion(item_id=item.id, number=number, sha256=key,
                              original_name=filename, size=len(data), media_type=media_type,
                              uploaded_by_id=getattr(actor, "id", None), created_at=now,
                              note=(note or "")[:500],
                              text_status=TEXT_PENDING if has_text else TEXT_NONE)
    db.session.add(version)
    item.updated_at = now
    db.session.flush()
    db.session.refresh(item, ["versions"])
    if has_text:
        jobs.enqueue(DOCUMENT_TEXT_JOB, {"version_id": version.id})
    audit.record("dip.version", item, actor=actor, now=now, changes={
        "version": number, "sha256": key, "original_name": filename, "size": len(data),
        "media_type": media_type})
    return version


# --- Document text (a background job) ---------------------------------------------------------

DOCUMENT_TEXT_JOB = "registry.document_text"


def record_text(version, *, text=None, error=None, now=None):
    """Store a pending version's text for search, or why it has none (``error``, a code of
    ppid.core.extract.FAILURES); once. The change queues the item for the search index."""
    if version.text_status != TEXT_PENDING:
        return
    if error is None:
        version.extracted_text = text.replace("\x00", "")  # PostgreSQL text holds no NUL
        version.text_status = TEXT_DONE
        changes = {"version": version.number, "text_status": TEXT_DONE,
                   "characters": len(version.extracted_text)}
    else:
        version.text_status = TEXT_FAILED
        version.text_error = error if error in extract.FAILURES else extract.CRASHED
        changes = {"version": version.number, "text_status": TEXT_FAILED,
                   "reason": version.text_error}
    db.session.flush()
    audit.record("dip.version_text", version.item, actor=None, now=now, changes=changes)


def _pending_version(payload):
    version = db.session.get(DocumentVersion, int(payload["version_id"]))
    return version if version is not None and version.text_status == TEXT_PENDING else None


def _text_prepare(payload):
    version = _pending_version(payload)
    if version is None:
        return None  # gone, or already recorded
    max_chars = int(current_app.config["EXTRACT_MAX_CHARS"])
    return jobs.ChildCall(("text", version.media_type, max_chars),
                          storage().get(version.sha256))


def _text_apply(payload, output):
    version = _pending_version(payload)
    if version is None:
        return
    answer = json.loads(output)
    if answer["ok"]:
        record_text(version, text=answer["text"])
    else:
        record_text(version, error=answer["reason"])  # the file itself: no retry helps


def _text_give_up(payload, reason):
    version = _pending_version(payload)
    if version is not None:
        record_text(version, error=reason)


def _text_limits():
    cfg = current_app.config
    return jobs.Limits(float(cfg["EXTRACT_TIMEOUT_SECONDS"]), int(cfg["EXTRACT_MEMORY_MB"]))


def document_text_job():
    """The job kind registered on the app (ppid.registry.init_app)."""
    return jobs.JobKind(DOCUMENT_TEXT_JOB, Path(extract.__file__), _text_prepare, _text_apply,
                        _text_give_up, _text_limits)


def get_version(item, number):
    return db.session.execute(
        sa.select(DocumentVersion).where(DocumentVersion.item_id == item.id,
                                         DocumentVersion.number == number)
    ).scalar_one_or_none()


def latest_item_for(agency, obligation):
    """The agency's most recent item for an obligation (where a new version goes)."""
    return db.session.execute(
        sa.select(DipItem).where(DipItem.agency_id == agency.id,
                                 DipItem.obligation_id == obligation.id,
                                 DipItem.state != WITHDRAWN)
        .order_by(DipItem.published_at.desc().nulls_last(), DipItem.id.desc()).limit(1)
    ).scalar_one_or_none()


# --- Nil declarations ----------------------------------------------------------------------

def declare_nil(agency, obligation, year, semester, reason, *, actor, now=None):
    """Declare nothing to publish (nihil) for an obligation and a semester; public.

    It counts for staleness from the end of that semester (rules.nil_effective_on), and may
    be declared only for the current or the previous semester (rules.nil_periods_open):
    an older semester would already be overdue, a later one is not known yet.
    """
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise RegistryError(_("Tuliskan alasan pernyataan nihil."))
    if semester not in (1, 2) or not 2000 <= int(year) <= 2100:
        raise RegistryError(_("Periode tidak valid."))
    previous, current = rules.nil_periods_open(local_today(now))
    period = (int(year), int(semester))
    if period not in (previous, current):
        args = {"period": rules.semester_label(*period),
                "current": rules.semester_label(*current),
                "previous": rules.semester_label(*previous)}
        if rules.semester_index(*period) > rules.semester_index(*current):
            raise RegistryError(_(
                "%(period)s belum berjalan. Pernyataan nihil hanya dapat dibuat untuk "
                "semester berjalan (%(current)s) atau semester sebelumnya (%(previous)s).",
                **args))
        raise RegistryError(_(
            "%(period)s sudah lewat lebih dari satu periode. Pernyataan nihil hanya dapat "
            "dibuat untuk semester berjalan (%(current)s) atau semester sebelumnya "
            "(%(previous)s).", **args))
    if not rules.applies_to_agency(obligation.applies_to, agency.kind):
        raise RegistryError(_("Kewajiban %(code)s tidak berlaku bagi badan publik ini.",
                              code=obligation.code))
    exists = db.session.execute(sa.select(NilDeclaration.id).where(
        NilDeclaration.agency_id == agency.id, NilDeclaration.obligation_id == obligation.id,
        NilDeclaration.period_year == year, NilDeclaration.period_semester == semester)).first()
    if exists:
        raise RegistryError(_("Pernyataan nihil untuk periode itu sudah ada."))
    decl = NilDeclaration(agency_id=agency.id, obligation_id=obligation.id, period_year=year,
                          period_semester=semester, reason=reason,
                          declared_by_id=getattr(actor, "id", None),
                          declared_on=local_today(now), created_at=now)
    db.session.add(decl)
    db.session.flush()
    audit.record("dip.nil", decl, actor=actor, now=now, changes={
        "obligation": obligation.code, "period": decl.period_label, "reason": reason})
    return decl


def nil_declarations(agency, obligation=None):
    q = sa.select(NilDeclaration).where(NilDeclaration.agency_id == agency.id)
    if obligation is not None:
        q = q.where(NilDeclaration.obligation_id == obligation.id)
    return db.session.execute(q.order_by(
        NilDeclaration.period_year.desc(), NilDeclaration.period_semester.desc(),
        NilDeclaration.id.desc())).scalars().all()


# --- Catalogue -----------------------------------------------------------------------------

OBLIGATION_FIELDS = ("code", "title", "description", "legal_basis", "category",
                     "period_months", "applies_to", "is_active")


def save_obligation(obligation, data, *, actor, now=None) -> Obligation:
    """Create (obligation is None) or change a catalogue entry. Statuses are computed, so a
    changed period changes every agency's status at once."""
    now = now or utcnow()
    if data.get("category") not in CATEGORIES or data.get("applies_to") not in APPLIES:
        raise RegistryError(_("Kategori atau cakupan tidak dikenal."))
    if not 1 <= int(data.get("period_months") or 0) <= 120:
        raise RegistryError(_("Periode pembaruan harus 1 sampai 120 bulan."))
    q = sa.select(Obligation.id).where(Obligation.code == data["code"])
    if obligation is not None:
        q = q.where(Obligation.id != obligation.id)
    if db.session.execute(q).first():
        raise RegistryError(_("Kode %(code)s sudah dipakai.", code=data["code"]))
    before = {} if obligation is None else _snapshot(obligation, OBLIGATION_FIELDS)
    if obligation is None:
        obligation = Obligation(created_at=now)
        db.session.add(obligation)
    for f in OBLIGATION_FIELDS:
        if f in data:
            setattr(obligation, f, data[f])
    obligation.updated_at = now
    db.session.flush()
    changes = audit.diff(before, _snapshot(obligation, OBLIGATION_FIELDS))
    if changes:
        audit.record("catalogue.create" if not before else "catalogue.update", obligation,
                     actor=actor, now=now, changes=changes)
    return obligation


# --- Exemptions ----------------------------------------------------------------------------

EXEMPTION_FIELDS = ("information", "document", "pasal17_letters", "other_statute",
                    "consequence", "public_interest", "tested_on", "decided_by",
                    "decree_number", "decree_on", "period_text", "end_on", "item_id")
# What the head of the body approved: changing any of it needs a new approval.
EXEMPTION_SUBSTANCE = tuple(f for f in EXEMPTION_FIELDS if f not in ("item_id",
                                                                      "period_text"))
APPROVAL_FIELDS = ("approved_by_name", "approved_by_position", "approved_on")


def save_exemption(agency, exemption, data, *, actor, now=None) -> Exemption:
    """Create or change an entry of the exempt-information register (UU KIP Pasal 17,
    Perki 1/2021 Pasal 49): needs a Pasal 17 letter or another statute, the document, the
    date of the consequence test, and an end date for letters a-f (Pasal 20(1)); the
    period in words is derived from them. A change to what the head of the body approved
    withdraws the approval: the entry is not in force until approved again."""
    now = now or utcnow()
    today = local_date(now)
    letters = sorted({x.strip() for x in (data.get("pasal17_letters") or "").split(",")
                      if x.strip()})
    if any(x not in PASAL17_LETTERS or len(x) != 1 for x in letters):
        raise RegistryError(_("Huruf Pasal 17 harus di antara a sampai j."))
    data = dict(data, pasal17_letters=",".join(letters))
    if not letters and not (data.get("other_statute") or "").strip():
        raise RegistryError(_("Sebutkan huruf Pasal 17 UU KIP atau undang-undang lain yang "
                              "menjadi dasar pengecualian."))
    if not (data.get("document") or "").strip():
        raise RegistryError(_("Sebutkan dokumen yang memuat informasi yang dikecualikan."))
    tested_on, decree_on = data.get("tested_on"), data.get("decree_on")
    if tested_on is None:
        raise RegistryError(_("Isi tanggal uji konsekuensi dilakukan (Perki 1/2021 "
                              "Pasal 49)."))
    if tested_on > today:
        raise RegistryError(_("Tanggal uji konsekuensi tidak boleh di masa depan."))
    if decree_on is not None and tested_on > decree_on:
        raise RegistryError(_("Uji konsekuensi dilakukan sebelum keputusan penetapannya: "
                              "tanggal uji tidak boleh sesudah tanggal surat keputusan."))
    problem = rules.exemption_period_problem(letters, data.get("end_on"), decree_on)
    if problem:
        raise RegistryError(str(problem))
    with force_locale("id"):  # (stored as the register's own words; pages derive theirs)
        data["period_text"] = str(rules.exemption_period_text(
            letters, data.get("end_on"), decree_on, date_long=dates.date_long))
    item = None
    if data.get("item_id"):
        item = db.session.get(DipItem, data["item_id"])
        if item is None or item.agency_id != agency.id:
            raise RegistryError(_("Informasi DIP yang ditutup harus milik badan publik ini."))
    data = dict(data, item_id=item.id if item is not None else None)
    before = {} if exemption is None else _snapshot(exemption, EXEMPTION_FIELDS
                                                     + APPROVAL_FIELDS)
    if exemption is None:
        exemption = Exemption(agency_id=agency.id, created_at=now)
        db.session.add(exemption)
    for f in EXEMPTION_FIELDS:
        if f in data:
            setattr(exemption, f, data[f] if data[f] is not None or f in (
                "item_id", "end_on", "tested_on") else "")
    if before.get("approved_on") is not None and any(
            _snapshot(exemption, EXEMPTION_SUBSTANCE)[f] != before[f]
            for f in EXEMPTION_SUBSTANCE):
        for f in APPROVAL_FIELDS + ("approval_recorded_by_id", "approval_recorded_at"):
            setattr(exemption, f, None)
    exemption.updated_at = now
    db.session.flush()
    changes = audit.diff(before, _snapshot(exemption, EXEMPTION_FIELDS + APPROVAL_FIELDS))
    if changes:
        audit.record("exemption.create" if not before else "exemption.update", exemption,
                     actor=actor, now=now, changes=changes)
    _close_if_in_force(exemption, actor=actor, now=now)
    return exemption


def approve_exemption(exemption, data, *, actor, now=None) -> Exemption:
    """Record the approval of an entry by the head of the body (PP 61/2010): from then
    on it is in force, and a public DIP item it names leaves the DIP."""
    now = now or utcnow()
    name = (data.get("approved_by_name") or "").strip()
    position = (data.get("approved_by_position") or "").strip()
    approved_on = data.get("approved_on")
    problem = rules.exemption_approval_problem(name, position, approved_on,
                                               exemption.tested_on, local_date(now))
    if problem:
        raise RegistryError(str(problem))
    before = _snapshot(exemption, APPROVAL_FIELDS)
    exemption.approved_by_name, exemption.approved_by_position = name, position
    exemption.approved_on = approved_on
    exemption.approval_recorded_by_id = getattr(actor, "id", None)
    exemption.approval_recorded_at = now
    exemption.updated_at = now
    db.session.flush()
    audit.record("exemption.approve", exemption, actor=actor, now=now,
                 changes=audit.diff(before, _snapshot(exemption, APPROVAL_FIELDS)))
    _close_if_in_force(exemption, actor=actor, now=now)
    return exemption


def _close_if_in_force(exemption, *, actor, now):
    item = exemption.item if exemption.item_id else None
    if item is not None and item.is_public and exemption.in_force_on(local_date(now)):
        _close_item(item, exemption, actor=actor, now=now)


def _close_item(item, exemption, *, actor, now):
    """An item found exempt leaves the DIP (UU KIP Pasal 17): back to draft, its documents
    no longer public; its first publication date stays on record."""
    before = item.state
    item.state = DRAFT
    item.withdrawn_at = None
    item.withdrawal_reason = None
    item.updated_at = now
    db.session.flush()
    audit.record("dip.close", item, actor=actor, now=now,
                 changes={"state": [before, DRAFT], "exemption_id": exemption.id})


def exemption_item_choices(agency):
    """The agency's DIP items an entry of its exemptions register can close."""
    items = db.session.execute(sa.select(DipItem).where(
        DipItem.agency_id == agency.id).order_by(DipItem.title, DipItem.id)).scalars().all()
    return [(0, _("— tidak ada di DIP —"))] + [(i.id, i.title) for i in items]


def exemptions(agency=None, *, approved_only=False):
    """The register's entries; ``approved_only`` for the public list (an entry awaiting
    the head's approval exempts nothing yet)."""
    q = sa.select(Exemption).join(Agency).where(Agency.is_active.is_(True))
    if agency is not None:
        q = q.where(Exemption.agency_id == agency.id)
    if approved_only:
        q = q.where(Exemption.approved_on.is_not(None))
    return db.session.execute(q.order_by(Agency.name, Exemption.decree_on.desc())).scalars().all()


# --- Public listings -----------------------------------------------------------------------

def public_items(agency=None, *, category=None, limit=None):
    """Published items (newest publication first)."""
    q = sa.select(DipItem).where(DipItem.state == PUBLISHED)
    if agency is not None:
        q = q.where(DipItem.agency_id == agency.id)
    if category:
        q = q.where(DipItem.category == category)
    q = q.order_by(DipItem.published_at.desc(), DipItem.id.desc())
    if limit:
        q = q.limit(limit)
    return db.session.execute(q).scalars().all()


def dip_for_semester(agency, year, semester):
    """The DIP as it stood at the end of a semester: items published by then and not
    withdrawn by then, in DIP order (category, then title)."""
    _start, end = rules.semester_range(year, semester)
    end_moment = datetime.combine(end, time(23, 59, 59), tzinfo=local_tz())
    q = (sa.select(DipItem).where(
        DipItem.agency_id == agency.id, DipItem.state.in_((PUBLISHED, WITHDRAWN)),
        DipItem.published_at <= end_moment,
        sa.or_(DipItem.withdrawn_at.is_(None), DipItem.withdrawn_at > end_moment)))
    items = db.session.execute(q).scalars().all()
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(items, key=lambda i: (order.get(i.category, 9), i.title.lower(), i.id))


def feed_items(agency=None, limit=50):
    return public_items(agency, limit=limit)


# --- Alerts and digests --------------------------------------------------------------------

def registry_alerts(now) -> dict:
    """Alert source (ppid.core.alerts): missing/overdue/due-soon obligations, and
    exemptions whose period ended (UU KIP Pasal 20: review)."""
    out = {}
    for p in compute_staleness(now):
        if not p.needs_action:
            continue
        label = str(rules.Status(p.status).label).lower()  # mid-sentence: "a. Profil: terlambat"
        detail = (_("jatuh tempo %(d)s", d=dates.date_long(p.due_on)) if p.due_on
                  else _("belum pernah diterbitkan"))
        out.setdefault(p.agency.id, []).append(Alert(
            key=f"obligation:{p.agency.id}:{p.obligation.code}:{p.status}",
            kind="obligation", severity=p.status,
            title=f"{p.obligation.code}. {p.obligation.title}: {label}", detail=detail,
            url=f"/badan/{p.agency.slug}/kewajiban/{p.obligation.code}"))
    today = local_today(now)
    rows = db.session.execute(
        sa.select(Exemption, Agency.slug).join(Agency)
        .where(Agency.is_active.is_(True), Exemption.end_on < today)).all()
    for ex, slug in rows:
        if rules.exemption_review_due(ex.end_on, today):
            out.setdefault(ex.agency_id, []).append(Alert(
                key=f"exemption:{ex.id}:{ex.end_on.isoformat()}", kind="exemption",
                severity="tinjau", title=_("Pengecualian berakhir, perlu ditinjau: %(info)s",
                                           info=ex.information[:120]),
                detail=_("berakhir %(d)s; SK %(n)s", d=dates.date_long(ex.end_on),
                         n=ex.decree_number),
                url=f"/kelola/pengecualian/{ex.id}/ubah"))
    pending = db.session.execute(
        sa.select(Exemption).join(Agency)
        .where(Agency.is_active.is_(True), Exemption.approved_on.is_(None))).scalars().all()
    for ex in pending:
        out.setdefault(ex.agency_id, []).append(Alert(
            key=f"exemption-approval:{ex.id}", kind="exemption", severity="tinjau",
            title=_("Pengecualian menunggu persetujuan pimpinan: %(info)s",
                    info=ex.information[:120]),
            detail=_("belum berlaku sampai disetujui pimpinan badan publik (PP 61/2010)"),
            url=f"/kelola/pengecualian/{ex.id}/ubah"))
    return out


def _helper_officers():
    """agency_id -> [email] of enabled helper officers."""
    rows = db.session.execute(
        sa.select(RoleAssignment.agency_id, User.email).select_from(RoleAssignment)
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.role == HELPER, User.is_enabled.is_(True))
        .order_by(User.email)).all()
    out = {}
    for agency_id, email in rows:
        out.setdefault(agency_id, []).append(email)
    return out


def _last_digest_keys():
    latest = (sa.select(AlertDigest.agency_id, sa.func.max(AlertDigest.id).label("id"))
              .group_by(AlertDigest.agency_id).subquery())
    rows = db.session.execute(
        sa.select(AlertDigest.agency_id, AlertDigest.keys)
        .join(latest, AlertDigest.id == latest.c.id)).all()
    return {a: set(json.loads(k)) for a, k in rows}


def send_digests(now=None):
    """Queue one digest per agency whose set of alerts changed since its last digest.

    Returns (agencies_mailed, mails_queued). The caller commits, then delivers.
    """
    now = now or utcnow()
    alerts = collect_alerts(now)
    officers = _helper_officers()
    last = _last_digest_keys()
    base_url = current_app.config["BASE_URL"].rstrip("/")
    agencies = {a.id: a for a in db.session.execute(sa.select(Agency)).scalars()}
    mailed = queued = 0
    for agency_id in sorted(set(alerts) | set(last)):
        agency = agencies.get(agency_id)
        recipients = officers.get(agency_id, [])
        if agency is None or not recipients:
            continue
        items = alerts.get(agency_id, [])
        keys = sorted(a.key for a in items)
        if set(keys) == last.get(agency_id, set()):
            continue  # nothing changed since the last digest
        if keys:
            subject = _("[PPID] %(n)d hal perlu ditangani: %(agency)s", n=len(keys),
                        agency=agency.name)
            body = _digest_body(agency, items, base_url)
            for email in recipients:
                queue_mail(email, subject, body, now=now)
                queued += 1
            mailed += 1
        digest = AlertDigest(agency_id=agency_id, sent_at=now, keys=json.dumps(keys),
                             recipients=",".join(recipients) if keys else "")
        db.session.add(digest)
        db.session.flush()
        audit.record("registry.digest", digest, actor=None, now=now,
                     changes={"keys": len(keys), "recipients": len(recipients) if keys else 0})
    return mailed, queued


def _digest_body(agency, alerts, base_url):
    lines = [_("Yth. Petugas PPID %(agency)s,", agency=agency.name), "",
             _("Berikut hal yang perlu ditangani di Registri PPID:"), ""]
    for a in alerts:
        lines.append(f"- {a.title}" + (f" ({a.detail})" if a.detail else ""))
        if a.url:
            lines.append(f"  {base_url}{a.url}")
    lines += ["", _("Pesan ini dikirim otomatis; ringkasan berikutnya hanya dikirim bila ada "
                    "perubahan."), ""]
    return "\n".join(lines)
