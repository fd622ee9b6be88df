"""Services of the E-Monev self-assessment (Perki 1/2022; DOMAIN.md section 15): the year's
indicator weights, the officers' attested documents, and every question computed from the
registry's own records, for one agency, for all of them ranked, and for the government.

Queries find the rows, the pure rules decide (ppid.evaluation.rules, ppid.registry.rules,
ppid.reports.rules). Every figure for every agency comes from a constant number of queries.
Services flush and audit; the caller commits.

The day a year is assessed on (``as_of``): now for the current year; the last day of the
year for an earlier one (its history), so what was published, decided, received or valid
later does not count. Obligation staleness of an earlier year is read from the monthly
compliance snapshot (ppid.reports) taken last in that year, the registry's own record of
how the obligations stood then; the current year's is computed live.
"""
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Optional

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _

from ppid.agencies.models import Agency
from ppid.agencies.services import active_agencies
from ppid.core import audit, dates
from ppid.core.alerts import Alert
from ppid.core.db import utcnow
from ppid.core.services import local_today, timezone as local_tz
from ppid.core.storage import put_in_transaction
from ppid.core.uploads import DOCUMENT_TYPES, CheckedUpload, check_upload, refuse_active_pdf
from ppid.evaluation import rules
from ppid.evaluation.models import EmonevAttestation, EmonevQuestion, EmonevWeight, IkmSurvey
from ppid.extensions import db
from ppid.info_requests.models import InfoRequest
from ppid.info_requests.rules import Channel
from ppid.registry import rules as registry_rules
from ppid.registry import services as registry
from ppid.registry.rules import exemption_review_due as rules_registry_review_due
from ppid.registry.models import (FORM_CETAK, PUBLISHED, SETIAP_SAAT, WITHDRAWN,
                                  DipItem, DocumentVersion, Exemption, Obligation)
from ppid.reports import rules as report_rules
from ppid.reports.models import ANNUAL_TEXT_FIELDS, AnnualReportText, ComplianceSnapshot

Q = rules.Question
ONLINE_CHANNELS = (Channel.ONLINE, Channel.EMAIL)
OBLIGATION_E = "e"          # the annual report's summary is obligation e of the catalogue
CURRENT_MONTHS = 12         # a DIP document is current when renewed within 12 months
HISTORY_YEARS = 5


class AssessmentError(Exception):
    """A refused action; ``message`` is lazily translated or already translated."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- Years ---------------------------------------------------------------------------------

def check_year(year, today=None):
    today = today or local_today()
    if not isinstance(year, int) or not 2000 <= year <= today.year:
        raise AssessmentError(_("Tahun harus antara 2000 dan %(y)d.", y=today.year))
    return year


def as_of(year, now=None):
    """The moment a year is assessed at: now for the current year, else its last moment."""
    now = now or utcnow()
    today = local_today(now)
    check_year(year, today)
    if year == today.year:
        return now
    return datetime.combine(date(year, 12, 31), time(23, 59, 59), tzinfo=local_tz())


def history_years(year):
    return list(range(max(2000, year - HISTORY_YEARS + 1), year + 1))


# --- Weights -------------------------------------------------------------------------------

@dataclass(frozen=True)
class YearWeights:
    year: int
    weights: dict
    source_year: Optional[int]   # the year whose stored rows apply; None: the defaults

    @property
    def is_default(self):
        return self.source_year is None


def weights_for(year) -> YearWeights:
    """The indicator weights of ``year``: its own rows, else the latest earlier year's,
    else the defaults of DOMAIN.md section 15."""
    source = db.session.execute(sa.select(sa.func.max(EmonevWeight.year)).where(
        EmonevWeight.year <= year)).scalar_one()
    if source is None:
        return YearWeights(year, dict(rules.DEFAULT_INDICATOR_WEIGHTS), None)
    rows = db.session.execute(sa.select(EmonevWeight.indicator, EmonevWeight.weight).where(
        EmonevWeight.year == source)).all()
    stored = {i: w for i, w in rows}
    weights = {i.value: stored.get(i.value, 0) for i in rules.INDICATORS}
    return YearWeights(year, weights, source)


def save_weights(year, weights, *, actor, now=None) -> YearWeights:
    """Store ``year``'s weights (whole numbers 0-100 summing to 100), one row per indicator.
    Raises rules.WeightsError (nothing written)."""
    now = now or utcnow()
    check_year(year, local_today(now) + relativedelta(years=1))  # next year may be set ahead
    checked = rules.check_indicator_weights(weights)
    before = weights_for(year)
    rows = {r.indicator: r for r in db.session.execute(sa.select(EmonevWeight).where(
        EmonevWeight.year == year)).scalars()}
    for code, weight in checked.items():
        row = rows.get(code)
        if row is None:
            row = EmonevWeight(year=year, indicator=code)
            db.session.add(row)
        row.weight = weight
        row.updated_by_id = getattr(actor, "id", None)
        row.updated_at = now
    db.session.flush()
    changes = audit.diff(before.weights if before.source_year == year else {}, checked)
    audit.record("emonev.weights", object_type="emonev_weight", object_id=year, actor=actor,
                 now=now, changes=dict(changes, year=year,
                                       from_defaults=before.source_year != year))
    return weights_for(year)


def seed_default_weights(year, *, now=None):
    """The defaults stored for ``year`` if it has no weights of its own (demo, setup)."""
    if weights_for(year).source_year == year:
        return False
    save_weights(year, dict(rules.DEFAULT_INDICATOR_WEIGHTS), actor=None, now=now)
    return True


# --- The question set of a year ------------------------------------------------------------

@dataclass(frozen=True)
class YearQuestions:
    year: int
    questions: tuple             # rules.QuestionDef, every one of the set (retired too)
    source_year: Optional[int]   # the year whose stored set applies; None: the defaults

    @property
    def is_default(self):
        return self.source_year is None

    @property
    def active(self):
        return rules.active(self.questions)

    def get(self, code):
        for q in self.questions:
            if q.value == code:
                return q
        return None

    def label_of(self, code):
        q = self.get(code)
        if q is not None:
            return q.label
        builtin = rules.Question.get(code)
        return builtin.label if builtin is not None else code

    @property
    def attested(self):
        return tuple(q for q in self.active if q.kind is rules.QuestionKind.DINYATAKAN)


def questions_for(year) -> YearQuestions:
    """The question set of ``year``: its own rows, else the latest earlier year's, else the
    defaults of DOMAIN.md section 15 (rules.default_question_set)."""
    source = db.session.execute(sa.select(sa.func.max(EmonevQuestion.year)).where(
        EmonevQuestion.year <= year)).scalar_one()
    if source is None:
        return YearQuestions(year, rules.default_question_set(), None)
    rows = db.session.execute(sa.select(EmonevQuestion).where(
        EmonevQuestion.year == source).order_by(EmonevQuestion.position, EmonevQuestion.id)
    ).scalars().all()
    return YearQuestions(year, tuple(r.as_def() for r in rows), source)


def check_questions_editable(year, today=None):
    """Only this year's and next year's questions may change: a year that has passed keeps
    the questions its assessment was answered with."""
    today = today or local_today()
    if not isinstance(year, int) or year < today.year:
        raise AssessmentError(_("Pertanyaan tahun %(y)s tidak dapat diubah lagi: penilaiannya "
                                "tetap memakai pertanyaan yang berlaku saat itu.", y=year))
    if year > today.year + 1:
        raise AssessmentError(_("Pertanyaan dapat disiapkan paling jauh untuk tahun %(y)d.",
                                y=today.year + 1))
    return year


QUESTION_FIELDS = ("text_id", "text_en", "basis", "points", "is_retired")


def _text_or_default(q, text_id, text_en):
    """A default question whose text is left as its own label keeps no text of its own
    (its translations keep working)."""
    builtin = q.builtin
    text_id = (text_id or "").strip() or None
    text_en = (text_en or "").strip() or None
    if builtin is not None and text_id is not None and text_en is None \
            and text_id == builtin.text("id"):
        text_id = None
    return text_id, text_en


def save_indicator_questions(year, indicator, changes, new=None, *, actor, now=None):
    """Change one indicator's questions in ``year``'s set: ``changes`` is {code: {"text_id",
    "text_en", "basis", "weight", "retire"}} for every question the indicator asks now; ``new``
    (optional) a question to add: {"code", "kind", "computation", "text_id", "text_en",
    "basis", "weight"}. The whole set is checked first (rules.check_question_set: weights
    summing to 100 ...); nothing is written when it fails (QuestionSetError,
    AssessmentError). A year without its own set gets one, copied from the set it took."""
    now = now or utcnow()
    check_questions_editable(year, local_today(now))
    indicator = rules.Indicator.get(indicator)
    if indicator is None:
        raise AssessmentError(_("Indikator tidak dikenal."))
    current = questions_for(year)
    asked = [q for q in current.active if q.indicator is indicator]
    missing = [q.value for q in asked if q.value not in changes]
    if missing:
        raise AssessmentError(_("Isi bobot setiap pertanyaan indikator ini (%(codes)s).",
                                codes=", ".join(missing)))
    updated = []
    for q in current.questions:
        change = changes.get(q.value) if q in asked else None
        if change is None:
            updated.append(q)
            continue
        text_id, text_en = _text_or_default(q, change.get("text_id"), change.get("text_en"))
        weight = change.get("weight")
        updated.append(q.replace(text_id=text_id, text_en=text_en,
                                 basis=(change.get("basis") or "").strip() or None,
                                 points=weight if weight is not None else q.points,
                                 is_retired=bool(change.get("retire"))))
    added = None
    if new:
        code = (new.get("code") or "").strip().lower()
        kind = rules.QuestionKind.get(new.get("kind"))
        if kind is None:
            raise AssessmentError(_("Pilih cara menjawab pertanyaan baru."))
        if current.get(code) is not None:
            raise rules.QuestionSetError(_("Kode pertanyaan %(code)s sudah dipakai tahun ini "
                                           "(pertanyaan yang sudah dihentikan tetap memakai "
                                           "kodenya).", code=code))
        computation = (new.get("computation") or None) if kind is rules.QuestionKind.DIHITUNG \
            else None
        added = rules.QuestionDef(
            code, indicator, kind, new.get("weight"), computation,
            (new.get("text_id") or "").strip() or None,
            (new.get("text_en") or "").strip() or None,
            (new.get("basis") or "").strip() or None, False,
            max((q.position for q in current.questions), default=0) + 1)
        updated.append(added)
    rules.check_question_set(updated)
    _write_set(year, updated, actor=actor, now=now)
    before = {q.value: q for q in current.questions}
    diff = {}
    for q in updated:
        old = before.get(q.value)
        if old is None:
            diff[q.value] = {"added": {"indicator": q.indicator.value, "kind": q.kind.value,
                                       "computation": q.computation, "weight": q.points,
                                       "text_id": q.text_id, "text_en": q.text_en,
                                       "basis": q.basis}}
            continue
        d = audit.diff({f: getattr(old, f) for f in QUESTION_FIELDS},
                       {f: getattr(q, f) for f in QUESTION_FIELDS})
        if d:
            diff[q.value] = d
    audit.record("emonev.questions", object_type="emonev_question", object_id=year,
                 actor=actor, now=now, changes={"year": year, "indicator": indicator.value,
                                                "from_year": current.source_year,
                                                "questions": diff})
    return questions_for(year)


def _write_set(year, questions, *, actor, now):
    rows = {r.code: r for r in db.session.execute(sa.select(EmonevQuestion).where(
        EmonevQuestion.year == year)).scalars()}
    for q in questions:
        row = rows.get(q.value)
        if row is None:
            row = EmonevQuestion(year=year, code=q.value)
            db.session.add(row)
        row.indicator, row.kind, row.computation = q.indicator.value, q.kind.value, \
            q.computation
        row.weight, row.position, row.is_retired = q.points, q.position, q.is_retired
        row.text_id, row.text_en, row.basis = q.text_id, q.text_en, q.basis
        row.updated_by_id, row.updated_at = getattr(actor, "id", None), now
    db.session.flush()


# --- Attested documents ----------------------------------------------------------------------

EVIDENCE_TYPES = {t: DOCUMENT_TYPES[t] for t in rules.EVIDENCE_TYPES}


def check_evidence(file_storage) -> CheckedUpload:
    """Every check of an evidence file that needs no database: name, size (at most 2 MB,
    the Komisi Informasi's limit per question), real type (PDF, PNG or JPEG, read from the
    content) and, for a PDF, active content. Views call it before they write. Raises
    ppid.core.uploads.UploadRejected."""
    checked = check_upload(file_storage, allowed=EVIDENCE_TYPES,
                           max_bytes=rules.EVIDENCE_MAX_BYTES)
    if checked.media_type == "application/pdf":
        refuse_active_pdf(checked)
    return checked


def attest(agency, question, checked, *, statement, valid_from, valid_until, actor,
           now=None) -> EmonevAttestation:
    """Record an officer's attestation of ``question`` for ``agency`` with its checked
    evidence file (check_evidence) and validity period. Raises AssessmentError."""
    now = now or utcnow()
    today = local_today(now)
    question = questions_for(today.year).get(question)
    if question is None or question.kind is not rules.QuestionKind.DINYATAKAN \
            or question.is_retired:
        raise AssessmentError(_("Pertanyaan ini tidak dinyatakan dengan bukti tahun ini."))
    statement = (statement or "").strip()
    if not statement:
        raise AssessmentError(_("Tuliskan pernyataan singkat tentang dokumen bukti."))
    if valid_from is None or valid_until is None:
        raise AssessmentError(_("Isi tanggal mulai dan akhir masa berlaku dokumen."))
    if valid_from > today:
        raise AssessmentError(_("Tanggal mulai berlaku tidak boleh setelah hari ini."))
    if valid_until < valid_from:
        raise AssessmentError(_("Akhir masa berlaku tidak boleh sebelum tanggal mulai."))
    if not isinstance(checked, CheckedUpload):
        raise AssessmentError(_("Bukti harus diperiksa sebelum disimpan."))
    key = put_in_transaction(db.session, checked.data)
    row = EmonevAttestation(
        agency_id=agency.id, question=question.value, statement=statement[:500], sha256=key,
        original_name=checked.filename, size=checked.size, media_type=checked.media_type,
        valid_from=valid_from, valid_until=valid_until,
        attested_by_id=getattr(actor, "id", None), attested_on=today, created_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record("emonev.attest", row, actor=actor, now=now, agency_id=agency.id, changes={
        "question": question.value, "sha256": key, "original_name": checked.filename,
        "size": checked.size, "media_type": checked.media_type,
        "valid_from": valid_from, "valid_until": valid_until})
    return row


def withdraw(row, reason, *, actor, now=None) -> EmonevAttestation:
    """Withdraw an attestation (a wrong document, a decree revoked): it stops counting and
    its alert ends; it stays in the history. Raises AssessmentError."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if row.is_withdrawn:
        raise AssessmentError(_("Bukti ini sudah ditarik."))
    if not reason:
        raise AssessmentError(_("Tuliskan alasan penarikan bukti."))
    row.withdrawn_at = now
    row.withdrawn_by_id = getattr(actor, "id", None)
    row.withdrawal_reason = reason[:500]
    db.session.flush()
    audit.record("emonev.withdraw", row, actor=actor, now=now, changes={
        "question": row.question, "reason": row.withdrawal_reason})
    return row


def attestations(agency_id):
    """Every attestation of an agency, newest first (its history, withdrawn ones too)."""
    return db.session.execute(sa.select(EmonevAttestation).where(
        EmonevAttestation.agency_id == agency_id).order_by(
        EmonevAttestation.created_at.desc(), EmonevAttestation.id.desc())).scalars().all()


def _latest_attestations(agency_ids=None):
    """(agency_id, question) -> the attestation valid longest (the one its alert is about)."""
    q = sa.select(EmonevAttestation).join(Agency).where(
        Agency.is_active.is_(True), EmonevAttestation.withdrawn_at.is_(None))
    if agency_ids is not None:
        q = q.where(EmonevAttestation.agency_id.in_(list(agency_ids)))
    out = {}
    for row in db.session.execute(q.order_by(EmonevAttestation.id)).scalars():
        key = (row.agency_id, row.question)
        if key not in out or row.valid_until >= out[key].valid_until:
            out[key] = row
    return out


def attestation_alerts(now) -> dict:
    """Alert source (ppid.core.alerts): each agency's attested documents that expired or
    expire within the warning window, like a periodic obligation's staleness."""
    today = local_today(now)
    warning = registry.warning_days()
    slugs = dict(db.session.execute(sa.select(Agency.id, Agency.slug)).all())
    asked = questions_for(today.year)
    out = {}
    for (agency_id, code), row in sorted(_latest_attestations().items()):
        status = rules.attestation_status(row.valid_until, today, warning)
        if status is rules.AttestationStatus.BERLAKU:
            continue
        q = asked.get(code)
        if q is None or q.is_retired:
            continue  # a question no longer asked: its document needs no renewal
        question = q
        out.setdefault(agency_id, []).append(Alert(
            key=f"emonev:{agency_id}:{code}:{row.id}:{status.value}", kind="emonev",
            severity="terlambat" if status is rules.AttestationStatus.KEDALUWARSA
            else "segera",
            title=_("Bukti E-Monev %(status)s: %(q)s", status=str(status.label).lower(),
                    q=question.label),
            detail=_("berlaku sampai %(d)s", d=dates.date_long(row.valid_until)),
            url=f"/kelola/emonev/{slugs.get(agency_id, '')}"))
    return out


def expiring_attestations(agency_ids, now=None):
    """[(agency, question, attestation, status)] of the agencies' expired or expiring
    documents (the dashboard)."""
    today = local_today(now)
    warning = registry.warning_days()
    asked = questions_for(today.year)
    out = []
    for (_agency_id, code), row in _latest_attestations(agency_ids).items():
        status = rules.attestation_status(row.valid_until, today, warning)
        q = asked.get(code)
        if status is not rules.AttestationStatus.BERLAKU and q is not None \
                and not q.is_retired:
            out.append((row.agency, q, row, status))
    out.sort(key=lambda t: (t[0].name, t[3] != rules.AttestationStatus.KEDALUWARSA,
                            t[1].value))
    return out


# --- The computed questions ------------------------------------------------------------------

def _pct(part, whole):
    return "–" if not whole else f"{100 * part / whole:.1f} %"


def _staleness_results(ids, year, moment, is_current):
    """ji_berkala: obligations covered and current (terkini, segera or nihil), computed now
    for the current year, read from the year's last compliance snapshot for an earlier
    one."""
    out = {}
    if is_current:
        pairs = registry.compute_staleness(moment, agency_ids=ids)
        by_agency = {}
        for p in pairs:
            by_agency.setdefault(p.agency.id, []).append(p)
        for agency_id in ids:
            ps = by_agency.get(agency_id, [])
            ok = [p for p in ps if p.status in report_rules.COMPLIANT_STATUSES]
            details = [_("%(n)d dari %(m)d kewajiban berkala yang berlaku tersedia dan "
                         "terkini (terkini, segera jatuh tempo, atau nihil).",
                         n=len(ok), m=len(ps))]
            details += [f"{p.obligation.code}. {p.obligation.title}: "
                        f"{registry_rules.Status.label_of(p.status)}"
                        + (f" ({_('jatuh tempo %(d)s', d=dates.date_long(p.due_on))})"
                           if p.due_on else "") for p in ps]
            out[agency_id] = rules.question_result(Q.BERKALA, len(ok), len(ps), details)
        return out
    # An earlier year: the last compliance snapshot taken in it.
    start, end = date(year, 1, 1), date(year, 12, 31)
    latest = (sa.select(ComplianceSnapshot.agency_id,
                        sa.func.max(ComplianceSnapshot.month_on).label("m"))
              .where(ComplianceSnapshot.month_on >= start, ComplianceSnapshot.month_on <= end,
                     ComplianceSnapshot.agency_id.in_(ids))
              .group_by(ComplianceSnapshot.agency_id).subquery())
    rows = db.session.execute(sa.select(ComplianceSnapshot).join(
        latest, sa.and_(ComplianceSnapshot.agency_id == latest.c.agency_id,
                        ComplianceSnapshot.month_on == latest.c.m))).scalars().all()
    found = {r.agency_id: r for r in rows}
    for agency_id in ids:
        snap = found.get(agency_id)
        if snap is None:
            out[agency_id] = rules.question_result(Q.BERKALA, 0, 0, [
                _("Tidak ada potret kepatuhan bulanan tahun %(y)d: tidak dinilai.", y=year)])
            continue
        counts = snap.data.get("obligations", {})
        applicable = sum(int(v) for v in counts.values())
        ok = sum(int(counts.get(s, 0)) for s in report_rules.COMPLIANT_STATUSES)
        out[agency_id] = rules.question_result(Q.BERKALA, ok, applicable, [
            _("Menurut potret kepatuhan %(m)s: %(n)d dari %(t)d kewajiban berkala tersedia "
              "dan terkini.", m=dates.format(snap.month_on, "date_month"), n=ok,
              t=applicable)])
    return out


def _dip_rows(ids, moment):
    """The agencies' DIP items public at ``moment``, with their newest version by then."""
    newest = (sa.select(DocumentVersion.item_id, sa.func.max(DocumentVersion.created_at)
                        .label("newest"))
              .where(DocumentVersion.created_at <= moment)
              .group_by(DocumentVersion.item_id).subquery())
    q = (sa.select(DipItem, newest.c.newest)
         .outerjoin(newest, newest.c.item_id == DipItem.id)
         .where(DipItem.agency_id.in_(ids), DipItem.state.in_((PUBLISHED, WITHDRAWN)),
                DipItem.published_at <= moment,
                sa.or_(DipItem.withdrawn_at.is_(None), DipItem.withdrawn_at > moment)))
    out = {a: [] for a in ids}
    for item, newest_at in db.session.execute(q):
        if item.state == WITHDRAWN and item.withdrawn_at is None:
            continue
        out[item.agency_id].append((item, newest_at))
    return out


DIP_COLUMNS = ("summary", "holding_unit", "responsible", "made_at_place", "made_on", "form",
               "retention")


def _columns_complete(item):
    """The Perki 1/2021 columns of a DIP item (DOMAIN.md section 4) are filled in."""
    for name in DIP_COLUMNS:
        value = getattr(item, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return False
    return True


def _dip_results(ids, moment, agencies_by_id, exemptions_by_agency):
    rows = _dip_rows(ids, moment)
    cutoff = moment - relativedelta(months=CURRENT_MONTHS)
    out = {}
    for agency_id in ids:
        items = rows[agency_id]
        n = len(items)
        slug = agencies_by_id[agency_id].slug
        setiap_saat = [i for i, _v in items if i.category == SETIAP_SAAT]
        electronic = [i for i, v in items if v is not None and i.form != FORM_CETAK]
        complete = [i for i, _v in items if _columns_complete(i)]
        incomplete = [i for i, _v in items if not _columns_complete(i)]
        current = [i for i, v in items if v is not None and v >= cutoff]
        stale = [i for i, v in items if v is None or v < cutoff]
        no_items = _("Belum ada informasi yang diterbitkan di DIP.")
        res = [
            rules.question_result(Q.SETIAP_SAAT, 1 if setiap_saat else 0, 1, [
                _("%(n)d informasi kategori setiap saat diterbitkan di DIP.",
                  n=len(setiap_saat))] + [i.title for i in setiap_saat[:10]]),
            rules.question_result(Q.DIP_DARING, len(electronic), max(n, 1), [
                _("%(n)d dari %(m)d informasi DIP tersedia elektronik dengan dokumen "
                  "terunggah.", n=len(electronic), m=n) if n else no_items]),
            rules.question_result(Q.KOLOM_DIP, len(complete), max(n, 1), [
                _("%(n)d dari %(m)d informasi DIP mengisi ketujuh kolom Perki 1/2021 "
                  "(ringkasan, pejabat/unit, penanggung jawab, waktu dan tempat, bentuk, "
                  "retensi).", n=len(complete), m=n) if n else no_items]
                + [_("Kolom belum lengkap: %(t)s", t=i.title) for i in incomplete[:10]]),
            rules.question_result(Q.MUTAKHIR, len(current), max(n, 1), [
                _("%(n)d dari %(m)d informasi DIP memiliki dokumen yang diunggah dalam 12 "
                  "bulan sebelum %(d)s.", n=len(current), m=n,
                  d=dates.date_long(moment.astimezone(local_tz()).date()))
                if n else no_items]
                + [_("Belum diperbarui: %(t)s", t=i.title) for i in stale[:10]]),
            rules.question_result(Q.MENU_PPID, 1 if n else 0, 1, [
                _("Halaman PPID di registri: /badan/%(slug)s, dengan DIP (%(n)d informasi) "
                  "dan DIK (%(m)d entri).", slug=slug, n=n,
                  m=len(exemptions_by_agency.get(agency_id, [])))]),
        ]
        out[agency_id] = res
    return out


def _test_complete(ex):
    """The consequence test is on record (Perki 1/2021 Pasal 49): its ground (a Pasal 17
    letter or another statute), the harm if opened, the public-interest balance, the date
    it was made and the decree."""
    return bool((ex.consequence or "").strip() and (ex.public_interest or "").strip()
                and (ex.decree_number or "").strip() and ex.decree_on and ex.tested_on
                and (ex.letters or (ex.other_statute or "").strip()))


def _exemptions(ids, day):
    rows = db.session.execute(sa.select(Exemption).where(
        Exemption.agency_id.in_(ids), Exemption.decree_on <= day)
        .order_by(Exemption.decree_on, Exemption.id)).scalars().all()
    out = {}
    for ex in rows:
        out.setdefault(ex.agency_id, []).append(ex)
    return out


def _dik_result(entries, day):
    """ji_dik: the entries decided by ``day`` whose consequence test is complete and that
    are in force: approved by the head of the body (PP 61/2010) and not past their end
    date (an ended one must be reviewed first, UU KIP Pasal 20)."""
    ok = [e for e in entries if _test_complete(e) and e.in_force_on(day)]
    details = [_("%(n)d dari %(m)d entri DIK memiliki uji konsekuensi lengkap (dasar "
                 "Pasal 17 atau undang-undang lain, akibat bila dibuka, pertimbangan "
                 "kepentingan publik, tanggal uji, SK penetapan), disetujui pimpinan badan "
                 "publik, dan masih berlaku.", n=len(ok), m=len(entries)) if entries else
               _("Tidak ada informasi yang dikecualikan: tidak dinilai.")]
    for e in entries:
        if not _test_complete(e):
            state = _("uji konsekuensi belum lengkap")
        elif rules_registry_review_due(e.end_on, day):
            state = _("berakhir %(d)s, perlu ditinjau", d=dates.date_long(e.end_on))
        elif not e.in_force_on(day):
            state = _("menunggu persetujuan pimpinan badan publik")
        elif e.end_on is None:
            state = _("berlaku selama alasannya ada")
        else:
            state = _("berlaku sampai %(d)s", d=dates.date_long(e.end_on))
        details.append(f"{e.information[:100]} ({e.decree_number}): {state}")
    return rules.question_result(Q.DIKECUALIKAN, len(ok), len(entries), details)


def _request_results(ids, year, day):
    """pl_tepat_waktu and dg_kanal_daring over the requests received in ``year`` up to
    ``day``; the timeliness rule is the compliance report's (reports.rules.tally)."""
    due = sa.func.coalesce(InfoRequest.extended_due_on, InfoRequest.due_on)
    q = (sa.select(InfoRequest.agency_id, InfoRequest.channel, InfoRequest.state, due,
                   InfoRequest.closed_on, sa.func.count())
         .where(InfoRequest.agency_id.in_(ids), InfoRequest.received_on >= date(year, 1, 1),
                InfoRequest.received_on <= day)
         .group_by(InfoRequest.agency_id, InfoRequest.channel, InfoRequest.state, due,
                   InfoRequest.closed_on))
    rows = {a: [] for a in ids}
    channels = {a: {} for a in ids}
    for agency_id, channel, state, due_on, closed_on, n in db.session.execute(q):
        rows[agency_id].append((state, due_on, closed_on, n))
        channels[agency_id][channel] = channels[agency_id].get(channel, 0) + n
    out = {}
    for agency_id in ids:
        t = report_rules.tally(rows[agency_id], day)
        by_channel = channels[agency_id]
        total = sum(by_channel.values())
        online = sum(by_channel.get(c, 0) for c in ONLINE_CHANNELS)
        timely = rules.question_result(Q.TEPAT_WAKTU, t.on_time, t.counted, [
            _("%(n)d dari %(m)d permohonan tahun %(y)d diputus tepat waktu (%(p)s); "
              "%(late)d terlambat; %(pending)d masih dalam tenggat, %(w)d ditarik (tidak "
              "dihitung).", n=t.on_time, m=t.counted, y=year, p=_pct(t.on_time, t.counted),
              late=t.late, pending=t.open - _open_late(rows[agency_id], day),
              w=t.withdrawn) if t.counted else
            _("Belum ada permohonan tahun %(y)d yang waktunya dapat dinilai: tidak dinilai.",
              y=year)])
        channel = rules.question_result(Q.KANAL_DARING, online, total, [
            _("%(n)d dari %(m)d permohonan tahun %(y)d masuk melalui kanal daring "
              "(formulir daring, e-mail).", n=online, m=total, y=year) if total else
            _("Belum ada permohonan tahun %(y)d: tidak dinilai.", y=year)]
            + [f"{Channel.label_of(c)}: {by_channel[c]}" for c in Channel if c in by_channel])
        out[agency_id] = [timely, channel]
    return out


def _open_late(rows, day):
    """Open requests already past their due date (counted late)."""
    return sum(n for state, due_on, closed_on, n in rows
               if report_rules.classify_request(state, due_on, closed_on, day) == "late"
               and state != "selesai")


def _annual_report_results(ids, year, moment):
    """pl_laporan: the previous year's annual service report written (its free-text
    sections) and its summary published as obligation e after that year ended."""
    report_year = rules.annual_report_year(year)
    texts = {t.agency_id: t for t in db.session.execute(sa.select(AnnualReportText).where(
        AnnualReportText.agency_id.in_(ids), AnnualReportText.year == report_year)).scalars()}
    published = dict(db.session.execute(
        sa.select(DipItem.agency_id, sa.func.max(DocumentVersion.created_at))
        .join(DocumentVersion, DocumentVersion.item_id == DipItem.id)
        .join(Obligation, Obligation.id == DipItem.obligation_id)
        .where(DipItem.agency_id.in_(ids), Obligation.code == OBLIGATION_E,
               DipItem.published_at.is_not(None), DipItem.published_at <= moment,
               DocumentVersion.created_at >= datetime.combine(
                   date(report_year + 1, 1, 1), time(0), tzinfo=local_tz()),
               DocumentVersion.created_at <= moment)
        .group_by(DipItem.agency_id)).all())
    out = {}
    for agency_id in ids:
        text = texts.get(agency_id)
        filled = [f for f in ANNUAL_TEXT_FIELDS if text is not None
                  and (getattr(text, f.value) or "").strip()]
        has_text = len(filled) == len(ANNUAL_TEXT_FIELDS)
        summary_at = published.get(agency_id)
        details = [
            _("Laporan layanan informasi publik tahun %(y)d: %(n)d dari %(m)d bagian uraian "
              "terisi.", y=report_year, n=len(filled), m=len(ANNUAL_TEXT_FIELDS)),
            _("Ringkasannya diterbitkan sebagai kewajiban e pada %(d)s.",
              d=dates.date_long(summary_at.astimezone(local_tz()).date()))
            if summary_at else
            _("Ringkasannya belum diterbitkan sebagai kewajiban e setelah tahun %(y)d "
              "berakhir.", y=report_year)]
        out[agency_id] = rules.question_result(
            Q.LAPORAN_TAHUNAN, int(has_text) + int(summary_at is not None), 2, details)
    return out


def _channel_results(ids, moment, is_current, agencies_by_id):
    """dg_kanal_resmi: the agency's official online channels in use at ``moment`` (its
    website, its social-media accounts: ppid.agencies): one point for a website, one for at
    least one social-media channel. For the current year a channel the link checker could
    not open does not count; an earlier year counts the channels listed then."""
    from ppid.agencies.models import AgencyChannel
    from ppid.agencies.rules import Platform, channels_in_use
    from ppid.evaluation.links import website_url
    from ppid.evaluation.models import LinkCheck
    rows = db.session.execute(sa.select(AgencyChannel).where(
        AgencyChannel.agency_id.in_(ids), AgencyChannel.created_at <= moment,
        sa.or_(AgencyChannel.removed_at.is_(None), AgencyChannel.removed_at > moment))
        .order_by(AgencyChannel.agency_id, AgencyChannel.platform, AgencyChannel.id)
    ).scalars().all()
    by_agency = {a: [] for a in ids}
    for row in rows:
        by_agency[row.agency_id].append(row)
    checks = {}
    if is_current:
        checks = {(c.agency_id, c.url): c for c in db.session.execute(
            sa.select(LinkCheck).where(LinkCheck.agency_id.in_(ids))).scalars()}
    out = {}
    for agency_id in ids:
        agency = agencies_by_id[agency_id]
        listed = list(by_agency[agency_id])
        site = website_url(agency.website)
        if site and not any(c.url.rstrip("/") == site.rstrip("/") for c in listed):
            listed.insert(0, AgencyChannel(agency_id=agency_id, platform=Platform.WEBSITE.value,
                                           url=site))

        def failing(c, agency_id=agency_id):
            check = checks.get((agency_id, c.url))
            return check is not None and not check.is_ok

        has_site, social = channels_in_use(listed, failing)
        details = [_("Situs web resmi: %(s)s; media sosial resmi yang aktif: %(n)d.",
                     s=_("ada") if has_site else _("tidak ada"), n=len(social))
                   if listed else _("Belum ada situs web atau media sosial resmi yang "
                                    "terdaftar.")]
        for c in listed:
            check = checks.get((agency_id, c.url))
            if not is_current:
                state = _("terdaftar pada tahun itu")
            elif check is None:
                state = _("belum diperiksa pemeriksa tautan")
            elif check.is_ok:
                state = _("dapat dibuka (HTTP %(s)s, diperiksa %(d)s)", s=check.status,
                          d=dates.date_long(check.checked_at))
            else:
                state = _("tidak dapat dibuka (%(why)s, diperiksa %(d)s): tidak dihitung",
                          why=check.status or check.error,
                          d=dates.date_long(check.checked_at))
            details.append(f"{Platform.label_of(c.platform)}: {c.url}"
                           + (f" ({c.handle})" if c.handle else "") + f" – {state}")
        out[agency_id] = rules.question_result(
            Q.KANAL_RESMI, int(has_site) + int(bool(social)), 2, details)
    return out


def _ikm_results(ids, year, day):
    """pl_ikm: the satisfaction survey of the year has at least one response by ``day``."""
    start = date(year, 1, 1)
    q = (sa.select(IkmSurvey.agency_id, sa.func.count(),
                   sa.func.count(IkmSurvey.responded_at))
         .where(IkmSurvey.agency_id.in_(ids), IkmSurvey.invited_on >= start,
                IkmSurvey.invited_on <= day)
         .group_by(IkmSurvey.agency_id))
    counts = {a: (n, r) for a, n, r in db.session.execute(q)}
    out = {}
    for agency_id in ids:
        invited, responded = counts.get(agency_id, (0, 0))
        out[agency_id] = rules.question_result(Q.SURVEI_IKM, 1 if responded else 0, 1, [
            _("Survei kepuasan masyarakat tahun %(y)d: %(r)d tanggapan dari %(n)d "
              "undangan.", y=year, r=responded, n=invited)])
    return out


def _attested_results(ids, day, asked):
    rows = db.session.execute(sa.select(EmonevAttestation).where(
        EmonevAttestation.agency_id.in_(ids), EmonevAttestation.withdrawn_at.is_(None))
        .order_by(EmonevAttestation.id)).scalars().all()
    by_key = {}
    for row in rows:
        by_key.setdefault((row.agency_id, row.question), []).append(row)
    out = {}
    for agency_id in ids:
        res = []
        for question in asked:
            history = by_key.get((agency_id, question.value), [])
            valid = [r for r in history if rules.attestation_counts(
                r.valid_from, r.valid_until, r.attested_on, day)]
            if valid:
                best = max(valid, key=lambda r: (r.valid_until, r.id))
                details = [_("Bukti: %(name)s, berlaku %(a)s sampai %(b)s.",
                             name=best.original_name, a=dates.date_long(best.valid_from),
                             b=dates.date_long(best.valid_until)), best.statement]
            elif history:
                last = max(history, key=lambda r: (r.valid_until, r.id))
                details = [_("Bukti terakhir (%(name)s) berlaku sampai %(b)s: tidak berlaku "
                             "pada %(d)s.", name=last.original_name,
                             b=dates.date_long(last.valid_until), d=dates.date_long(day))]
            else:
                details = [_("Belum ada bukti yang diunggah.")]
            res.append(rules.question_result(question, 1 if valid else 0, 1, details))
        out[agency_id] = res
    return out


def question_results(year, agencies, *, now=None, questions=None) -> dict:
    """{agency id: [QuestionResult in question order]} for ``agencies`` in ``year``, for
    the year's active questions (``questions``, else questions_for(year)), in a constant
    number of queries. A computed question takes its computation's result."""
    now = now or utcnow()
    moment = as_of(year, now)
    day = local_today(moment)
    is_current = year == local_today(now).year
    asked = rules.active(questions_for(year).questions if questions is None else questions)
    ids = [a.id for a in agencies]
    if not ids:
        return {}
    by_id = {a.id: a for a in agencies}
    exemptions = _exemptions(ids, day)
    parts = [_staleness_results(ids, year, moment, is_current), _dip_results(ids, moment, by_id,
                                                                         exemptions),
             {a: _dik_result(exemptions.get(a, []), day) for a in ids},
             _request_results(ids, year, day), _channel_results(ids, moment, is_current, by_id),
             _annual_report_results(ids, year, moment),
             _ikm_results(ids, year, day)]
    attested = _attested_results(
        ids, day, [q for q in asked if q.kind is rules.QuestionKind.DINYATAKAN])
    out = {}
    for agency_id in ids:
        computed = {}
        for part in parts:
            value = part[agency_id]
            for r in (value if isinstance(value, list) else [value]):
                computed[r.question.value] = r
        mine = {r.question.value: r for r in attested[agency_id]}
        results = []
        for q in asked:
            r = computed[q.computation] if q.kind is rules.QuestionKind.DIHITUNG \
                else mine[q.value]
            results.append(rules.QuestionResult(q, r.numerator, r.denominator, r.details))
        out[agency_id] = results
    return out


# --- Assessments --------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgencyAssessment:
    agency: Optional[Agency]      # None: the government as a whole
    year: int
    weights: YearWeights
    assessment: rules.Assessment


def assess_agency(agency, year, *, now=None) -> AgencyAssessment:
    weights = weights_for(year)
    asked = questions_for(year).questions
    results = question_results(year, [agency], now=now, questions=asked)[agency.id]
    return AgencyAssessment(agency, year, weights,
                            rules.score_assessment(results, weights.weights, asked))


def assess_all(year, *, now=None, agencies=None):
    """(the government's assessment, [(rank, AgencyAssessment)] best first)."""
    agencies = active_agencies() if agencies is None else agencies
    weights = weights_for(year)
    asked = questions_for(year).questions
    results = question_results(year, agencies, now=now, questions=asked)
    rows = [(a, rules.score_assessment(results[a.id], weights.weights, asked))
            for a in agencies]
    ranked = [(place, AgencyAssessment(a, year, weights, assessment))
              for place, a, assessment in rules.rank(rows)]
    government = rules.score_assessment(rules.pool(results.values(), asked), weights.weights,
                                        asked)
    return AgencyAssessment(None, year, weights, government), ranked


def history(agency, year, *, now=None):
    """[(year, Assessment)] of the agency over the years up to ``year``."""
    return [(y, assess_agency(agency, y, now=now).assessment) for y in history_years(year)]


def government_history(year, *, now=None):
    return [(y, assess_all(y, now=now)[0].assessment) for y in history_years(year)]


def attested_question_choices(year=None):
    """The attested questions an officer may attest now (this year's set)."""
    return [(q.value, q.label) for q in questions_for(year or local_today().year).attested]


def days_until(day, today=None):
    return (day - (today or local_today())).days

