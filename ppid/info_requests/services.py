"""Services of information requests and objections: they change state, write the timeline
and the audit log, queue mail, and return; the caller (view or CLI) commits once."""
import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import selectinload

from ppid.agencies.models import Agency
from ppid.agencies.services import utama
from ppid.core import audit, dates, jobs, pdf
from ppid.core.calendar import add_working_days
from ppid.core.db import utcnow
from ppid.core.mail import queue_mail
from ppid.core.pdf import html_to_pdf_limited, render_html
from ppid.core.services import build_calendar, local_date, local_today, signals
from ppid.core.storage import put_in_transaction, storage
from ppid.extensions import db
from ppid.info_requests import numbering, rules
from ppid.info_requests.models import (InfoRequest, Letter, Objection, ObjectionObligation,
                                       RequestAttachment, RequestEvent, SubmissionHit,
                                       SubmissionKey)

log = logging.getLogger(__name__)

# Sent by close_request (sender: the app; keyword args req, now) in its transaction, before
# the notice is mailed; each receiver returns lines to add to the notice, or None.
request_closed = signals.signal("request-closed")


class ServiceError(ValueError):
    """A refused change; ``str(exc)`` is the message for the user. ``field`` names the
    form field concerned, if any."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def tanggal(day):
    """A date as Indonesian letters, e-mails and the timeline's records write it:
    7 Desember 2026 (the one formatter, ``ppid.core.dates``, in Indonesian)."""
    return dates.date_long(day, "id", empty="-")


def label_id(enum, code):
    """A code's label in Indonesian, for what is written in Indonesian whoever triggers it
    (e-mails to requesters, records on the timeline)."""
    member = enum.get(code)
    return member.text("id") if member is not None else (code or "-")


def rupiah(amount):
    return "Rp " + f"{int(amount or 0):,}".replace(",", ".")


# --- Numbers, tokens, rate limit ----------------------------------------------------------

def _prefix():
    return current_app.config["REGISTRATION_PREFIX"]


def next_registration_number(year: int) -> tuple:
    """(seq, number): sequential per PPID and year under a row lock, never reused."""
    seq = audit.next_counter_value(f"request:{_prefix()}:{year}")
    fmt = current_app.config["REQUEST_NUMBER_FORMAT"]
    return seq, rules.format_number(fmt, prefix=_prefix(), year=year, seq=seq)


def next_objection_number(year: int) -> str:
    seq = audit.next_counter_value(f"objection:{_prefix()}:{year}")
    fmt = current_app.config["OBJECTION_NUMBER_FORMAT"]
    return rules.format_number(fmt, prefix=_prefix(), year=year, seq=seq)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_tracking_token() -> str:
    while True:
        token = secrets.token_urlsafe(24)
        if not token.isdigit():  # digits-only references are request ids (account view)
            return token


def tracking_path(ref) -> str:
    return f"/lacak/{ref}"


def tracking_url(ref) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + tracking_path(ref)


def find_by_token(token):
    if not token or len(token) > 100:
        return None
    return db.session.execute(sa.select(InfoRequest).where(
        InfoRequest.tracking_token_hash == hash_token(token))).scalar_one_or_none()


def find_by_number(number):
    return db.session.execute(sa.select(InfoRequest).where(
        InfoRequest.registration_number == number)).scalar_one_or_none()


_RATE = re.compile(r"^\s*(\d+)\s*(?:per|/)\s*(second|minute|hour|day)s?\s*$", re.I)
_UNIT = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rate(text):
    """'10 per hour' -> (10, 3600)."""
    m = _RATE.match(text or "")
    if not m:
        raise ValueError(f"REQUEST_RATELIMIT tidak valid: {text!r} (contoh: '10 per hour')")
    return int(m.group(1)), _UNIT[m.group(2).lower()]


def is_rate_limited(ip, *, now) -> bool:
    """Too many submissions from this address within the configured window."""
    cfg = current_app.config
    if not cfg.get("RATELIMIT_ENABLED", True):
        return False
    limit, seconds = parse_rate(cfg["REQUEST_RATELIMIT"])
    count = db.session.execute(sa.select(sa.func.count()).select_from(SubmissionHit).where(
        SubmissionHit.ip == ip, SubmissionHit.occurred_at > now - timedelta(seconds=seconds))
    ).scalar_one()
    return count >= limit


def record_submission_hit(ip, *, now):
    # A plain row, written at once (no object for the session's next flush to carry).
    db.session.execute(sa.insert(SubmissionHit.__table__).values(
        ip=(ip or "unknown")[:64], occurred_at=now))
    # Old hits no longer count; prune them now and then so the table stays small.
    if secrets.randbelow(50) == 0:
        db.session.execute(sa.delete(SubmissionHit).where(
            SubmissionHit.occurred_at < now - timedelta(days=2)))


# --- One request per submission (issue #15, section 4) ----------------------------------

class Submission:
    """The one-time key a submission came with, and what it submitted.

    ``scope`` keeps the keys of clients apart: ``web`` (the citizen's form, whose key is a
    random hidden token), ``petugas:<user id>``, ``api:<client address>``. ``content`` is what
    was submitted, as JSON-able data; only a keyed hash of it is kept. ``hours``: how long the
    key answers with its first request (None: as long as the request exists)."""

    def __init__(self, scope, key, content, *, hours=None):
        self.scope, self.key, self.hours = scope, key, hours
        self.key_hash = hashlib.sha256(key.encode("utf-8")).hexdigest()
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str,
                               separators=(",", ":"))
        self.content_hash = _keyed("submission", canonical)


class DuplicateSubmission(Exception):
    """The key was used before: ``same`` says whether with the same content; ``request``
    is its request, ``token`` the request's tracking token again (None with an account)."""

    def __init__(self, request, token, same):
        super().__init__(request.registration_number)
        self.request, self.token, self.same = request, token, same


def _keyed(purpose, text):
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(secret, f"{purpose}\0{text}".encode("utf-8"), hashlib.sha256).hexdigest()


def _derived_token(salt, key):
    """The tracking token of a request submitted with ``key``: derived (keyed) from it, so
    that a repeated submission can be answered with the same private link while only the
    token's hash is stored."""
    raw = hmac.new(current_app.config["SECRET_KEY"].encode("utf-8"),
                   f"tracking\0{salt}\0{key}".encode("utf-8"), hashlib.sha256).digest()
    token = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")[:32]
    return "t" + token[1:] if token.isdigit() else token  # digits only: a request id


def new_submission_key() -> str:
    """A form's one-time key (its hidden field)."""
    return secrets.token_urlsafe(24)


def find_submission(submission, *, now):
    """The earlier use of this submission's key, as :class:`DuplicateSubmission`, or None.

    The idempotency step before anything is written or drawn. An expired key is removed
    (it may be used again); now and then the expired keys of everyone are pruned."""
    row = db.session.execute(sa.select(SubmissionKey).where(
        SubmissionKey.scope == submission.scope,
        SubmissionKey.key_hash == submission.key_hash)).scalar_one_or_none()
    if row is not None and row.expires_at is not None and row.expires_at <= now:
        # (one DELETE statement: a concurrent removal of the same row is no error)
        db.session.execute(sa.delete(SubmissionKey).where(SubmissionKey.id == row.id))
        row = None
    if secrets.randbelow(50) == 0:
        db.session.execute(sa.delete(SubmissionKey).where(SubmissionKey.expires_at <= now))
    if row is None or row.request_id is None:
        return None
    req = row.request
    token = None if req.tracking_token_hash is None else _derived_token(row.salt,
                                                                        submission.key)
    return DuplicateSubmission(req, token, same=row.content_hash == submission.content_hash)


def _claim_submission(submission, *, now):
    """Take the submission's key for the request about to be registered, or raise
    :class:`DuplicateSubmission`. The key's row is inserted before the number is drawn:
    a concurrent submission with the same key waits on its unique constraint (PostgreSQL;
    SQLite serialises writers anyway) and then finds the first request, so a duplicate
    never reaches the registration counter and the series keeps no gap."""
    earlier = find_submission(submission, now=now)
    if earlier is not None:
        raise earlier
    row = SubmissionKey(scope=submission.scope, key_hash=submission.key_hash,
                        content_hash=submission.content_hash, salt=secrets.token_hex(16),
                        created_at=now, expires_at=(
                            now + timedelta(hours=submission.hours)
                            if submission.hours is not None else None))
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except sa.exc.IntegrityError:
        earlier = find_submission(submission, now=now)  # committed meanwhile by the other
        if earlier is None:
            raise
        raise earlier from None
    return row


# --- Timeline, audit, mail ----------------------------------------------------------------

def _event(req, action, *, actor, now, from_state=None, to_state=None, note=None,
           changes=None):
    ev = RequestEvent(request=req, occurred_at=now, actor_id=getattr(actor, "id", None),
                      actor_label=_actor_label(actor), action=action, from_state=from_state,
                      to_state=to_state, note=note)
    db.session.add(ev)  # flushed with the audit event
    audit.record(f"request.{action}", req, actor=actor, now=now, changes=changes or (
        {"state": [from_state, to_state]} if from_state != to_state else {}))
    return ev


def _actor_label(actor):
    if actor is None:
        return "Sistem"
    return actor.name


def requester_email(req):
    if req.email:
        return req.email
    if req.requester_user is not None:
        return req.requester_user.email
    return None


def _notify(req, subject, lines, *, now):
    to = requester_email(req)
    if not to:
        return None
    body = "\n".join([f"Yth. {req.requester_name},", "", *lines, "",
                      f"Nomor pendaftaran: {req.registration_number}",
                      f"Status: {label_id(rules.RequestState, req.state)}",
                      "", f"PPID {current_app.config['GOVERNMENT_NAME']}",
                      "Surat ini dikirim otomatis; balasan ke alamat ini tidak dibaca."])
    return queue_mail(to, f"[{req.registration_number}] {subject}", body, now=now)


# --- Letters ------------------------------------------------------------------------------

def _is_staff(user):
    from ppid.core import auth
    return user is not None and any(user.has_role(r) for r in auth.STAFF_ROLES)


def draw_letter_number(agency, kind, issued_on) -> tuple:
    """(year, seq, number) of an outgoing letter of ``agency``: one series per PPID and year,
    drawn from its counter row in the caller's transaction (as registration numbers are), so
    a decision that rolls back takes its number back with it: no gap, never twice."""
    cfg = current_app.config
    kind = rules.LetterKind(kind)
    year = issued_on.year
    seq = audit.next_counter_value(f"letter:{agency.id}:{year}")
    number = rules.format_letter_number(
        cfg["LETTER_NUMBER_FORMAT"], seq=seq, kind_code=cfg["LETTER_KIND_CODES"][kind.value],
        ppid=rules.ppid_code(agency.letter_code, agency.slug), prefix=_prefix(),
        issued_on=issued_on)
    return year, seq, number


PPID_TITLE = "Pejabat Pengelola Informasi dan Dokumentasi"


def letter_signatory(kind, agency, actor) -> dict:
    """Who signs a letter: {name, position, nip} (name None: the office signs, unnamed).

    The atasan's response is signed by the atasan named in the agency's settings, else by
    the atasan deciding (their profile); every other letter by the signing official the
    PPID names in its settings, else by the officer whose action issues it (their profile).
    A citizen filing online signs nothing: the PPID's named official, or the office."""
    kind = rules.LetterKind(kind)
    if kind is rules.LetterKind.PUTUSAN_KEBERATAN:
        office = agency.atasan_position or "Atasan PPID"
        if agency.atasan_name and agency.atasan_name.strip() not in ("", "-", "—"):
            return {"name": agency.atasan_name, "position": office, "nip": agency.atasan_nip}
        if _is_staff(actor):
            from ppid.core import auth
            # The atasan signs in their own position; the PPID Utama deciding for an
            # agency signs in the atasan's office.
            own = actor.has_role(auth.ATASAN, agency.id) and actor.position
            return {"name": actor.name, "position": actor.position if own else office,
                    "nip": actor.nip}
        return {"name": None, "position": office, "nip": None}
    position = f"{PPID_TITLE} {agency.name}"
    if agency.signatory_name:
        return {"name": agency.signatory_name,
                "position": agency.signatory_position or position, "nip": agency.signatory_nip}
    if _is_staff(actor):
        return {"name": actor.name, "position": actor.position or position, "nip": actor.nip}
    return {"name": None, "position": position, "nip": None}


def issue_letter(req, kind, *, now, objection=None, cal=None, actor=None,
                 drawn=None, **context) -> Letter:
    """Render a letter's HTML now and freeze it with its number, signatory and hash; the
    PDF comes later.

    Letters are official, hence always in Indonesian (DOMAIN.md section 13), whatever the
    language of the officer whose action issues them: the template's labels and dates are
    rendered under ``force_locale("id")``. The number is drawn here, as late as the
    decision allows (``drawn``: one the caller drew already, to print it elsewhere too).
    """
    cal = cal or build_calendar()
    kind = rules.LetterKind(kind)
    agency = objection.agency if objection is not None else req.agency
    party = objection.party if objection is not None else req
    issued_on = local_date(now)
    signatory = letter_signatory(kind, agency, actor)
    year, seq, number = drawn or draw_letter_number(agency, kind, issued_on)
    with force_locale("id"):
        html = render_html(f"pdf/letters/{kind.value}.html", req=req, objection=objection,
                           party=party, agency=agency, issued_on=issued_on,
                           title=kind.text(), rupiah=rupiah, letter_number=number,
                           signatory=signatory,
                           objection_deadline_on=(_objection_deadline_after(cal, req)
                                                  if req is not None else None),
                           government_name=current_app.config["GOVERNMENT_NAME"],
                           letter_place=current_app.config["LETTER_PLACE"],
                           decree=kind.is_decree,
                           holder=rules.holder_text(req.outcome) if req is not None else None,
                           **context)
    letter = Letter(request=req, objection=objection, kind=kind,
                    agency_id=agency.id, year=year, seq=seq, number=number,
                    signatory_name=signatory["name"], signatory_position=signatory["position"],
                    signatory_nip=signatory["nip"],
                    html=html, sha256=hashlib.sha256(html.encode("utf-8")).hexdigest(),
                    created_at=now)
    db.session.add(letter)  # flushed with the caller's other changes
    # The job names the letter by its request (or its objection, without a request) and
    # content (no flush for its id here).
    jobs.enqueue(LETTER_PDF_JOB, {"request_id": req.id, "sha256": letter.sha256}
                 if req is not None else {"objection_id": objection.id,
                                          "sha256": letter.sha256})
    return letter


def _objection_deadline_after(cal, req):
    if req.closed_on is None:
        return None
    return add_working_days(cal, req.closed_on, rules.OBJECTION_FILING_DAYS)


def letter_pdf(letter) -> bytes:
    """The letter's PDF: the one its job stored, or, while the job has not run yet, the
    same letter rendered now from its frozen HTML, storing nothing (a download reads)."""
    return stored_or_rendered_pdf(letter.pdf_key, letter.html)


def stored_or_rendered_pdf(pdf_key, html) -> bytes:
    """:func:`letter_pdf` from a letter's ``pdf_key`` and ``html``: a rendering runs in a
    limited child process, so call it with no transaction open (views read these first)."""
    store = storage()
    if pdf_key and store.exists(pdf_key):
        return store.get(pdf_key)
    return html_to_pdf_limited(html)


# A letter's PDF is rendered after the commit that issued it, once, by the job worker, in a
# limited child process (ppid/core/pdf.py as its script), and stored with the letter.
LETTER_PDF_JOB = "requests.letter_pdf"


def _unrendered_letters(payload):
    """The letters the job is for (its request's, with its HTML) whose PDF is not stored:
    one, or several alike (the same HTML is the same letter)."""
    store = storage()
    owner = (Letter.request_id == int(payload["request_id"]) if "request_id" in payload
             else Letter.objection_id == int(payload["objection_id"]))
    letters = db.session.execute(sa.select(Letter).where(
        owner, Letter.sha256 == str(payload["sha256"]))).scalars().all()
    return [x for x in letters if not (x.pdf_key and store.exists(x.pdf_key))]


def _letter_prepare(payload):
    letters = _unrendered_letters(payload)
    if not letters:
        return None  # gone, or stored already
    return jobs.ChildCall((current_app.static_folder,), letters[0].html.encode("utf-8"))


def _letter_apply(payload, output):
    letters = _unrendered_letters(payload)
    if not letters:
        return
    if not output.startswith(b"%PDF-"):
        raise ValueError("the renderer gave no PDF")
    key = put_in_transaction(db.session, output)  # removed again if this does not commit
    for letter in letters:
        letter.pdf_key = key
    db.session.flush()


def _letter_give_up(payload, reason):
    # Nothing to record: a download renders the letter from its HTML meanwhile.
    log.warning("letter of request %s (%s): its PDF could not be rendered (%s); downloads "
                "render it on demand", payload.get("request_id"), payload.get("sha256"),
                reason)


def letter_pdf_job():
    """The job kind registered on the app (ppid.info_requests.init_app)."""
    return jobs.JobKind(LETTER_PDF_JOB, Path(pdf.__file__), _letter_prepare, _letter_apply,
                        _letter_give_up, pdf.pdf_limits)


# --- Intake -------------------------------------------------------------------------------

def submit_request(data, *, actor, now, channel="online", received_at=None,
                   requester_user=None, proxy_upload=None, ip=None, submission=None):
    """Register a request: number, effective receipt day, due date, receipt letter, mail.

    ``data`` holds the form's fields (``agency`` is an Agency). Returns (request, token);
    the token (for the private tracking link) is None when the requester has an account.
    With a :class:`Submission`, its key is claimed first: a key used before raises
    :class:`DuplicateSubmission` (the caller rolls back and answers with that request).
    """
    if rules.Channel.get(channel) is None:
        raise ServiceError("Saluran permohonan tidak dikenal.", "channel")
    received_at = received_at or now
    if received_at > now + timedelta(minutes=5):
        raise ServiceError("Waktu penerimaan tidak boleh di masa depan.", "received_at")
    if received_at < now - timedelta(days=rules.MAX_BACKDATE_DAYS):
        # A late entry would take a number out of order (even in a past year's sequence)
        # and start its clock long ago; such a request goes through the PPID Utama.
        raise ServiceError(f"Waktu penerimaan paling lama {rules.MAX_BACKDATE_DAYS} hari "
                           f"sebelum hari ini. Untuk permohonan yang diterima lebih awal, "
                           f"hubungi PPID Utama.", "received_at")
    cal = build_calendar()
    received_on = local_date(received_at)
    deadline = rules.answer_deadline(cal, received_on)
    agency = data["agency"]
    claim = None
    if submission is not None:  # the idempotency step, before anything else is written
        claim = _claim_submission(submission, now=now)
    token = None
    if requester_user is None:
        token = new_tracking_token() if claim is None else _derived_token(claim.salt,
                                                                          submission.key)
    req = InfoRequest(  # (out of the session until its number is drawn)
        year=received_on.year,
        requester_name=data["name"], identity_type=data.get("identity_type") or "nik",
        identity_number=data["identity_number"], address=data["address"],
        phone=data.get("phone") or None, email=data.get("email") or None,
        occupation=data.get("occupation") or None, proxy_name=data.get("proxy_name") or None,
        information=data["information"], purpose=data["purpose"],
        obtain_method=data["obtain_method"], copy_form=data.get("copy_form") or None,
        delivery=data["delivery"], addressed_agency_id=agency.id, agency_id=agency.id,
        channel=channel, received_at=received_at, received_on=received_on,
        effective_on=deadline.effective_start, due_on=deadline.due_on, state=rules.DITERIMA,
        requester_user_id=getattr(requester_user, "id", None),
        created_by_id=getattr(actor, "id", None) if channel != "online" else None,
        tracking_token_hash=hash_token(token) if token else None, created_at=now,
        is_subject_held=bool(current_app.config["REQUEST_SUBJECT_HOLD"]))
    officers = officers_to_tell(agency, actor=actor)  # (read before the draw)
    if ip is not None:
        record_submission_hit(ip, now=now)  # (written before the draw)
    # The number as late as it can be: drawing it locks the year's counter (PostgreSQL's
    # row lock; on SQLite the transaction holds the write lock anyway) until the commit,
    # so every submission waits for the one holding it. What follows is written with
    # placeholders for it and for the receipt's letter number; both are drawn after it
    # (the registration counter first, then the agency's letter counter) and swapped in by
    # one statement (ppid/info_requests/numbering.py).
    number = numbering.placeholder_for(req)
    receipt_number = numbering.letter_placeholder(local_date(now).year)
    db.session.add(req)
    db.session.flush()
    if claim is not None:
        claim.request_id = req.id
    # The page shows the channel and the due date from the request itself: no note.
    _event(req, "diterima", actor=actor, now=now, to_state=rules.DITERIMA,
           changes={"registration_number": number, "channel": channel,
                    "agency_id": agency.id, "due_on": deadline.due_on})
    if proxy_upload is not None:
        _store_attachment(req, proxy_upload, "surat_kuasa", actor=actor, now=now)
    issue_letter(req, "tanda_bukti", now=now, cal=cal, actor=actor, drawn=receipt_number,
                 received_by=actor if channel != "online" and _is_staff(actor) else None)
    lines = [f"Permohonan informasi Anda kepada {agency.name} telah kami terima dan "
             f"didaftarkan dengan nomor {number}.",
             f"Diterima: {tanggal(received_on)}; dihitung mulai hari kerja "
             f"{tanggal(deadline.effective_start)}.",
             f"Jawaban paling lambat: {tanggal(deadline.due_on)} (10 hari kerja, UU 14/2008 "
             f"Pasal 22 ayat 7).",
             "Tanda bukti penerimaan (PDF) dapat diunduh dari halaman pelacakan."]
    if token:
        lines += ["", "Tautan pribadi untuk melacak permohonan (jangan dibagikan):",
                  tracking_url(token)]
    _notify(req, "Tanda bukti penerimaan permohonan informasi", lines, now=now)
    _tell_officers(req, officers, now=now)
    numbering.draw_and_write(
        req, number, lambda: next_registration_number(received_on.year),
        letter=(receipt_number[2], lambda: draw_letter_number(
            agency, rules.LetterKind.TANDA_BUKTI, local_date(now))))
    return req, token


def officers_to_tell(agency, *, actor=None):
    """The officers told of a new request to ``agency``: its helper officers, and the PPID
    Utama's officers when it is addressed to the PPID Utama; enabled accounts, not the
    officer who entered it."""
    from ppid.accounts.models import RoleAssignment, User
    from ppid.core import auth
    roles = [sa.and_(RoleAssignment.role == auth.HELPER, RoleAssignment.agency_id == agency.id)]
    if agency.is_utama:
        roles.append(RoleAssignment.role == auth.MAIN)
    stmt = (sa.select(User.email).join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(sa.or_(*roles), User.is_enabled.is_(True)).distinct())
    if actor is not None and getattr(actor, "id", None) is not None:
        stmt = stmt.where(User.id != actor.id)
    return sorted(e for e in db.session.execute(stmt).scalars() if e)


def _tell_officers(req, officers, *, now):
    """Queue the officers' e-mail of a new request (the outbox sends it after commit).
    Its number, agency, dates and channel, and the link: no personal data of the
    requester and nothing of what is asked (e-mail is read outside the registry)."""
    if not officers:
        return
    url = current_app.config["BASE_URL"].rstrip("/") + f"/kelola/permohonan/{req.id}"
    body = "\n".join([
        "Yth. Petugas PPID,", "",
        f"Permohonan informasi baru masuk untuk {req.agency.name}.", "",
        f"Nomor pendaftaran: {req.registration_number}",
        f"Diterima: {tanggal(req.received_on)} "
        f"({label_id(rules.Channel, req.channel)})",
        f"Jawaban paling lambat: {tanggal(req.due_on)} (10 hari kerja, UU 14/2008 Pasal 22 "
        f"ayat 7)", "",
        "Rincian permohonan dan data pemohon dapat dilihat setelah masuk ke registri:", url,
        "", f"PPID {current_app.config['GOVERNMENT_NAME']}",
        "Surat ini dikirim otomatis; balasan ke alamat ini tidak dibaca."])
    subject = f"[{req.registration_number}] Permohonan informasi baru masuk"
    for to in officers:
        queue_mail(to, subject, body, now=now)


def new_arrivals(user, *, now):
    """Requests of the user's PPID no officer has taken up yet ("baru masuk"), newest
    first, with their urgency: a helper officer's agencies; for the PPID Utama's officers,
    the requests the PPID Utama holds."""
    from ppid.core import auth
    cal = build_calendar()
    today = local_today(now)
    ids = set(user.agency_ids(auth.HELPER))
    if user.has_role(auth.MAIN):
        main = utama()
        if main is not None:
            ids.add(main.id)
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(InfoRequest).where(InfoRequest.state.in_(rules.NEW_ARRIVAL_STATES),
                                     InfoRequest.agency_id.in_(sorted(ids)))
        .order_by(InfoRequest.received_at.desc(), InfoRequest.id.desc())).scalars().all()
    return [(r, rules.urgency(cal, r.effective_due_on, today)) for r in rows]


def _store_attachment(req, checked, kind, *, actor, now, objection=None):
    key = storage().put(checked.data)
    att = RequestAttachment(request=req, objection=objection, kind=kind, storage_key=key,
                            filename=checked.filename,
                            media_type=checked.media_type, size=checked.size,
                            uploaded_by_id=getattr(actor, "id", None), created_at=now)
    db.session.add(att)
    db.session.flush()
    return att


# --- Handling -----------------------------------------------------------------------------

def _transition(req, to_state, action, *, actor, now, note=None, changes=None):
    try:
        rules.check_transition(req.state, to_state)
    except rules.RuleError as exc:
        raise ServiceError(str(exc)) from None
    from_state = req.state
    req.state = to_state
    db.session.flush()
    return _event(req, action, actor=actor, now=now, from_state=from_state, to_state=to_state,
                  note=note, changes=changes)


def process_request(req, *, actor, now, note=None):
    _transition(req, rules.DIPROSES, "diproses", actor=actor, now=now, note=note)
    _notify(req, "Permohonan Anda sedang diproses",
            [f"Permohonan Anda sedang diproses oleh {req.agency.name}.",
             f"Jawaban paling lambat: {tanggal(req.effective_due_on)}."], now=now)
    return req


def forward_request(req, to_agency, *, actor, now, note=None):
    """Forward to another PPID; the clock does not restart (DOMAIN.md section 7)."""
    if to_agency is None or not to_agency.is_active:
        raise ServiceError("Pilih badan publik tujuan yang aktif.", "agency")
    if to_agency.id == req.agency_id:
        raise ServiceError("Permohonan sudah berada di badan publik tersebut.", "agency")
    from_agency, from_state = req.agency, req.state
    req.agency_id = to_agency.id
    req.agency = to_agency
    req.assigned_to_id = None
    _transition(req, rules.DITERUSKAN, "diteruskan", actor=actor, now=now,
                note=f"Dari {from_agency.name} kepada {to_agency.name}."
                + (f" {note}" if note else ""),
                changes={"agency_id": [from_agency.id, to_agency.id],
                         "state": [from_state, rules.DITERUSKAN]})
    _notify(req, "Permohonan Anda diteruskan",
            [f"Permohonan Anda diteruskan kepada {to_agency.name}, yang menguasai informasi "
             f"tersebut.", f"Jangka waktu tidak dimulai ulang: jawaban paling lambat "
             f"{tanggal(req.effective_due_on)}."], now=now)
    return req


def allowed_actions(req, *, today):
    """What an officer may do with ``req`` now (rules.allowed_actions on its facts)."""
    return rules.allowed_actions(req.state, is_extended=req.extended_due_on is not None,
                                 outcome=req.outcome, is_delivered=req.delivered_on is not None,
                                 extension_open=today <= req.due_on)


def assign_request(req, officer, *, actor, now):
    if rules.RequestAction.TUNJUK not in allowed_actions(req, today=local_today(now)):
        raise ServiceError(f"Permohonan berstatus '{rules.state_text(req.state)}' tidak "
                           f"dapat ditugaskan kepada petugas lagi.", "officer")
    before = req.assigned_to_id
    req.assigned_to_id = getattr(officer, "id", None)
    db.session.flush()
    _event(req, "ditugaskan", actor=actor, now=now, from_state=req.state, to_state=req.state,
           note=f"Ditangani oleh {officer.name}." if officer else "Penugasan dihapus.",
           changes={"assigned_to_id": [before, req.assigned_to_id]})
    _notify(req, "Petugas untuk permohonan Anda telah ditunjuk",
            [f"Permohonan Anda ditangani oleh petugas PPID {req.agency.name}."], now=now)
    return req


def extend_request(req, new_due_on, reason, *, actor, now):
    """Extend once, with written reasons, to at most 7 working days (UU KIP Pasal 22(8))."""
    cal = build_calendar()
    if new_due_on is None:
        new_due_on = rules.max_extended_due(cal, req.due_on)
    try:
        rules.check_extension(cal, state=req.state, due_on=req.due_on,
                              extended_due_on=req.extended_due_on, new_due_on=new_due_on,
                              reason=reason, today=local_today(now))
        rules.check_transition(req.state, rules.DIPERPANJANG)
    except rules.RuleError as exc:
        raise ServiceError(str(exc)) from None
    req.extended_due_on = new_due_on
    req.extension_reason = reason.strip()
    _transition(req, rules.DIPERPANJANG, "diperpanjang", actor=actor, now=now,
                note=reason.strip(),  # the new due date is shown from the request
                changes={"extended_due_on": [None, new_due_on],
                         "state": [req.state, rules.DIPERPANJANG]})
    issue_letter(req, "perpanjangan", now=now, actor=actor)
    _notify(req, "Jangka waktu permohonan Anda diperpanjang",
            [f"Jangka waktu jawaban diperpanjang sampai {tanggal(new_due_on)}.",
             f"Alasan: {reason.strip()}",
             "Surat pemberitahuan perpanjangan (PDF) dapat diunduh dari halaman pelacakan."],
            now=now)
    return req


# The fields of a DIK entry made in a decision (Perki 1/2021 Pasal 49), beside the letters,
# consequence and statute the decision states anyway.
NEW_EXEMPTION_FIELDS = rules.EXEMPTION_ENTRY_FIELDS[1:]


def _exemption_entry(req, outcome, fields, *, today):
    """The DIK entry a refusal or a partial grant names (an Exemption of the request's
    agency whose period has not ended: approved by the head of the body, or awaiting it),
    or None when the decision makes a new one; the decision's letters, consequence and
    statute default to the entry's. Anything else: ServiceError."""
    from ppid.registry import rules as registry_rules
    from ppid.registry.models import Exemption
    raw = fields.get("exemption_id")
    if raw in (None, "", 0, "0"):
        return None
    try:
        entry = db.session.get(Exemption, int(raw))
    except (TypeError, ValueError):
        entry = None
    # Authorisation per object: only an entry of the agency deciding (never another's).
    if entry is None or entry.agency_id != req.agency_id:
        raise ServiceError("Entri Daftar Informasi yang Dikecualikan tidak ditemukan pada "
                           "badan publik ini.", "exemption_id")
    if registry_rules.exemption_review_due(entry.end_on, today):
        raise ServiceError(f"Masa pengecualian entri DIK {entry.decree_number} telah berakhir "
                           f"({tanggal(entry.end_on)}); uji konsekuensi harus ditinjau "
                           f"ulang.", "exemption_id")
    if not fields.get("exemption_letters"):
        fields["exemption_letters"] = entry.letters
    if not (fields.get("exemption_consequence") or "").strip():
        fields["exemption_consequence"] = entry.consequence
    if not (fields.get("other_statute") or "").strip() and entry.other_statute:
        fields["other_statute"] = entry.other_statute
    return entry


def exemption_choices(req, *, now):
    """The DIK entries in force of the agency handling ``req``: the ones a refusal of it may
    name (never another agency's)."""
    from ppid.registry import rules as registry_rules
    from ppid.registry.models import Exemption
    today = local_today(now)
    rows = db.session.execute(sa.select(Exemption).where(
        Exemption.agency_id == req.agency_id).order_by(Exemption.decree_on.desc(),
                                                       Exemption.id)).scalars().all()
    return [e for e in rows if not registry_rules.exemption_review_due(e.end_on, today)]


def _new_exemption_errors(outcome, fields):
    errors = {}
    for name in ("exemption_information", "exemption_document", "exemption_consequence",
                 "exemption_public_interest"):
        if rules._blank(fields.get(name)):
            errors[name] = "Wajib diisi untuk entri DIK baru (uji konsekuensi)."
    if outcome != rules.DITOLAK:  # a refusal's entry is decreed by its SK penolakan
        for name in ("exemption_decree_number", "exemption_decree_on"):
            if rules._blank(fields.get(name)):
                errors[name] = "Wajib diisi: surat keputusan penetapan pengecualian."
    if not fields.get("exemption_letters") and rules._blank(fields.get("other_statute")):
        errors["exemption_letters"] = "Sebutkan huruf Pasal 17 atau undang-undang lain."
    return errors


def _make_exemption(req, fields, *, actor, now, decree):
    """Record the DIK entry the decision makes (Perki 1/2021 Pasal 49), through the
    register's own service (validation, audit)."""
    from ppid.registry import services as registry_services
    decree_number = (fields.get("exemption_decree_number") or "").strip() or decree[0]
    decree_on = fields.get("exemption_decree_on") or decree[1]
    data = {"information": fields["exemption_information"].strip()[:500],
            "document": fields["exemption_document"].strip()[:300],
            # the consequence test: the one the decree rests on, by default on its day
            "tested_on": fields.get("exemption_tested_on") or decree_on,
            "pasal17_letters": ",".join(sorted(fields.get("exemption_letters") or [])),
            "other_statute": (fields.get("other_statute") or "").strip(),
            "consequence": fields["exemption_consequence"].strip(),
            "public_interest": fields["exemption_public_interest"].strip(),
            "decided_by": f"PPID {req.agency.name}", "decree_number": decree_number,
            "decree_on": decree_on, "end_on": fields.get("exemption_end_on") or None,
            "item_id": None}
    try:
        return registry_services.save_exemption(req.agency, None, data, actor=actor, now=now)
    except registry_services.RegistryError as exc:
        raise ServiceError(str(exc), "exemption_information") from None


def _refuse(errors):
    field, message = next(iter(errors.items()))
    exc = ServiceError(message, field)
    exc.errors = errors
    return exc


def close_request(req, outcome, fields, *, actor, now):
    """Close with an outcome and its required fields; issues the written notice (and the
    refusal decree for ``ditolak``). A refusal and the withheld part of a partial grant name
    the DIK entry they rest on, or make one in the same decision (Perki 1/2021 Pasal 49)."""
    fields = dict(fields)
    today = local_today(now)
    entry = None
    if outcome in rules.EXEMPT_OUTCOMES:
        entry = _exemption_entry(req, outcome, fields, today=today)
    errors = rules.validate_outcome(outcome, fields)
    if outcome in rules.EXEMPT_OUTCOMES and entry is None:
        errors = {**errors, **{k: v for k, v in _new_exemption_errors(outcome, fields).items()
                               if k not in errors}}
    if errors:
        raise _refuse(errors)
    if not rules.can_transition(req.state, rules.SELESAI):
        raise ServiceError(f"Permohonan berstatus '{rules.state_text(req.state)}' tidak "
                           f"dapat ditutup.")
    allowed = set(rules.REQUIRED_OUTCOME_FIELDS[outcome]) | set(
        rules.OPTIONAL_OUTCOME_FIELDS[outcome])
    for name in rules.OUTCOME_FIELDS:
        value = fields.get(name) if name in allowed else None
        if name == "exemption_letters":
            value = ",".join(sorted(value)) if value else None
        elif isinstance(value, str):
            value = value.strip() or None
        setattr(req, name, value)
    if outcome in rules.GRANTED:
        req.total_cost = rules.total_cost(req.cost_per_page, req.pages, req.delivery_cost,
                                          req.other_costs)
        if req.total_cost == 0 and not req.payment_method:
            req.payment_method = rules.PaymentMethod.TANPA_BIAYA
    else:
        req.total_cost = None
    req.outcome = outcome
    req.closed_on = today
    req.closed_at = now
    # A refusal's decree is drawn first: a DIK entry made by this decision is decreed by it.
    decree = (draw_letter_number(req.agency, rules.LetterKind.PENOLAKAN, today)
              if outcome == rules.DITOLAK else None)
    if outcome in rules.EXEMPT_OUTCOMES and entry is None:
        entry = _make_exemption(req, fields, actor=actor, now=now,
                                decree=(decree[2] if decree else None, today))
    req.exemption_id = entry.id if entry is not None else None
    req.exemption = entry
    _transition(req, rules.SELESAI, "selesai", actor=actor, now=now,  # outcome shown from req
                changes={"state": [req.state, rules.SELESAI], "outcome": outcome,
                         **({"exemption_id": entry.id} if entry is not None else {})})
    lines = [f"Permohonan Anda telah dijawab dengan keputusan: "
             f"{label_id(rules.Outcome, outcome)}.",
             "Pemberitahuan tertulis (PDF) dapat diunduh dari halaman pelacakan."]
    issue_letter(req, "pemberitahuan", now=now, actor=actor,
                 decree_number=decree[2] if decree else None)
    if decree is not None:
        issue_letter(req, "penolakan", now=now, actor=actor, drawn=decree)
        lines.append("Surat Keputusan PPID tentang Penolakan juga tersedia.")
    deadline = _objection_deadline_after(build_calendar(), req)
    lines.append(f"Jika Anda tidak puas, Anda berhak mengajukan keberatan kepada atasan PPID "
                 f"paling lambat {tanggal(deadline)} (30 hari kerja, UU 14/2008 Pasal 36).")
    # Features add to the notice (the satisfaction survey's private link, issue #18).
    for _receiver, extra in request_closed.send(current_app._get_current_object(), req=req,
                                                now=now):
        lines.extend(extra or [])
    _notify(req, "Jawaban atas permohonan informasi Anda", lines, now=now)
    return req


def record_delivery(req, delivered_on, via, note, *, actor, now):
    """Record that the granted information was handed over ("informasi diserahkan"): the
    date and form, on the timeline and in the audit log. Late delivery (after the date the
    notice promised) is then on record for objection ground g (UU KIP Pasal 35(1) huruf g)."""
    try:
        rules.check_delivery(state=req.state, outcome=req.outcome,
                             delivered_on_before=req.delivered_on, received_on=req.received_on,
                             delivered_on=delivered_on, via=via, today=local_today(now))
    except rules.RuleError as exc:
        raise ServiceError(str(exc), "delivered_on") from None
    req.delivered_on = delivered_on
    req.delivered_via = via
    db.session.flush()
    late = rules.delivery_overdue(req.outcome, req.available_on, delivered_on, delivered_on)
    text = (f"Diserahkan {tanggal(delivered_on)} melalui "
            f"{label_id(rules.DeliveryMethod, via).lower()}"
            + (f", melewati tanggal yang dijanjikan ({tanggal(req.available_on)})"
               if late else "") + "." + (f" {note.strip()}" if (note or "").strip() else ""))
    _event(req, "diserahkan", actor=actor, now=now, from_state=req.state, to_state=req.state,
           note=text, changes={"delivered_on": delivered_on, "delivered_via": via,
                               "late": late is not None})
    _notify(req, "Informasi telah diserahkan", [text], now=now)
    return req


def withdraw_request(req, *, actor, now, note=None):
    _transition(req, rules.DITARIK, "ditarik", actor=actor, now=now, note=note)
    req.closed_on = local_today(now)
    req.closed_at = now
    db.session.flush()
    _notify(req, "Permohonan Anda telah ditarik",
            ["Permohonan Anda telah ditarik dan tidak diproses lebih lanjut."], now=now)
    return req


def redact_subject(req, text, *, actor, now):
    """Replace the subject shown on the public register (a sensitive request). Redacting is
    a review: a held subject is released with its replacement text."""
    before = req.redacted_subject
    req.redacted_subject = (text or "").strip() or None
    _mark_reviewed(req, actor=actor, now=now)
    db.session.flush()
    _event(req, "samarkan", actor=actor, now=now, from_state=req.state, to_state=req.state,
           changes={"redacted_subject": [before, req.redacted_subject]})
    _notify(req, "Tampilan permohonan Anda di register publik diubah",
            ["Pokok permohonan Anda di register publik kini ditampilkan sebagai: "
             f"\"{req.public_subject}\"."], now=now)
    return req


def _mark_reviewed(req, *, actor, now):
    req.is_subject_held = False
    req.subject_reviewed_at = now
    req.subject_reviewed_by_id = getattr(actor, "id", None)


def review_subject(req, decision, text=None, *, actor, now):
    """An officer's look at the subject before the public register shows it
    (REQUEST_SUBJECT_HOLD): ``keep`` shows the requester's own text, ``redact`` shows
    ``text`` instead (DOMAIN.md section 11: the subject, which an officer can redact)."""
    decision = rules.SubjectReview.get(decision)
    if decision is None:
        raise ServiceError("Pilih tinjauan yang valid: tampilkan apa adanya atau samarkan.",
                           "decision")
    text = (text or "").strip()
    if decision == rules.SubjectReview.SAMARKAN:
        if not text:
            raise ServiceError("Tuliskan pokok permohonan pengganti yang ditampilkan di "
                               "register publik.", "redacted_subject")
        if len(text) > 300:
            raise ServiceError("Pokok permohonan pengganti paling panjang 300 karakter.",
                               "redacted_subject")
    before = {"redacted_subject": req.redacted_subject, "is_subject_held": req.is_subject_held}
    req.redacted_subject = text if decision == rules.SubjectReview.SAMARKAN else None
    _mark_reviewed(req, actor=actor, now=now)
    db.session.flush()
    _event(req, "tinjau_pokok", actor=actor, now=now, from_state=req.state,
           to_state=req.state, note=label_id(rules.SubjectReview, decision),
           changes={"decision": decision.value, **audit.diff(before, {
               "redacted_subject": req.redacted_subject, "is_subject_held": False})})
    if before["redacted_subject"] != req.redacted_subject:
        _notify(req, "Tampilan permohonan Anda di register publik diubah",
                ["Pokok permohonan Anda di register publik kini ditampilkan sebagai: "
                 f"\"{req.public_subject}\"."], now=now)
    return req


def attach_release(req, checked, *, actor, now, note=None):
    """Attach a released document to the response."""
    if req.state == rules.DITARIK:
        raise ServiceError("Permohonan yang ditarik tidak dapat diberi lampiran.")
    att = _store_attachment(req, checked, "rilis", actor=actor, now=now)
    _event(req, "berkas", actor=actor, now=now, from_state=req.state, to_state=req.state,
           note=f"{checked.filename}" + (f": {note}" if note else ""),
           changes={"attachment": checked.filename, "sha256": checked.sha256})
    _notify(req, "Dokumen informasi tersedia",
            [f"Dokumen {checked.filename} telah dilampirkan pada permohonan Anda dan dapat "
             f"diunduh dari halaman pelacakan."], now=now)
    return att


# --- Objections ---------------------------------------------------------------------------

def objection_window(req, *, now, cal=None, today=None):
    """Each ground's own window on ``req`` and the windows together (rules); ``today``
    defaults to the local day of ``now`` (an objection received earlier is judged by the
    day it was received)."""
    cal = cal or build_calendar()
    return rules.objection_window(cal, state=req.state, due_on=req.due_on,
                                  extended_due_on=req.extended_due_on,
                                  closed_on=req.closed_on, today=today or local_today(now),
                                  outcome=req.outcome, available_on=req.available_on,
                                  delivered_on=req.delivered_on)


# The proxy's identity on an objection (Perki 1/2021 formulir keberatan: identitas kuasa).
PROXY_FIELDS = ("proxy_name", "proxy_identity_number", "proxy_address", "proxy_occupation",
                "proxy_phone")


def _proxy_values(proxy, proxy_upload):
    """The proxy's fields, stripped, or {} when the requester files in person. A proxy
    names themself, their identity number and address, and brings the power of attorney
    (surat kuasa)."""
    values = {name: ((proxy or {}).get(name) or "").strip() or None for name in PROXY_FIELDS}
    if not any(values.values()):
        if proxy_upload is not None:
            raise ServiceError("Surat kuasa hanya dilampirkan bila keberatan diajukan oleh "
                               "kuasa pemohon; isi identitas kuasa.", "proxy_name")
        return {}
    for name, message in (("proxy_name", "Nama kuasa pemohon wajib diisi."),
                          ("proxy_identity_number", "Nomor identitas kuasa pemohon wajib "
                                                    "diisi."),
                          ("proxy_address", "Alamat kuasa pemohon wajib diisi.")):
        if not values[name]:
            raise ServiceError(message, name)
    if proxy_upload is None:
        raise ServiceError("Keberatan yang diajukan kuasa pemohon wajib dilampiri surat "
                           "kuasa.", "proxy_letter")
    return values


def file_objection(req, grounds, statement, *, actor, now, channel="online",
                   received_at=None, purpose=None, proxy=None, proxy_upload=None):
    """File a keberatan (UU KIP Pasal 35-36; Perki 1/2021 Pasal 39-41): online by the
    requester, or registered by an officer with the channel it came by and the real time
    it was received; by the requester or a proxy with a power of attorney (``proxy``, a
    dict of PROXY_FIELDS, and ``proxy_upload``, the checked surat kuasa). Each ground must
    be within its own 30 working days from the day it arose, judged on the day of receipt."""
    if channel not in rules.OBJECTION_CHANNELS:
        raise ServiceError("Keberatan diajukan secara tertulis: daring, langsung, melalui pos "
                           "atau e-mail.", "channel")
    received_at = received_at or now
    if received_at > now + timedelta(minutes=5):
        raise ServiceError("Waktu penerimaan tidak boleh di masa depan.", "received_at")
    if received_at < now - timedelta(days=rules.MAX_BACKDATE_DAYS):
        raise ServiceError(f"Waktu penerimaan paling lama {rules.MAX_BACKDATE_DAYS} hari "
                           f"sebelum hari ini.", "received_at")
    if received_at < req.received_at:
        raise ServiceError("Keberatan tidak mungkin diterima sebelum permohonannya.",
                           "received_at")
    cal = build_calendar()
    received_on = local_date(received_at)
    window = objection_window(req, now=now, cal=cal, today=received_on)
    try:
        grounds = rules.validate_grounds(grounds)
    except rules.RuleError as exc:
        raise ServiceError(str(exc), "grounds") from None
    try:  # each ground's own window, with its own message
        ground_on = rules.check_grounds_open(window, grounds)
    except rules.RuleError as exc:
        raise ServiceError(str(exc), "grounds") from None
    statement = (statement or "").strip()
    if not statement:
        raise ServiceError("Kasus posisi (uraian keberatan) wajib diisi.", "statement")
    proxy_values = _proxy_values(proxy, proxy_upload)
    deadline = rules.objection_deadline(cal, received_on)
    obj = Objection(registration_number=next_objection_number(received_on.year), request=req,
                    agency_id=req.agency_id, grounds=",".join(grounds), statement=statement,
                    received_at=received_at, received_on=received_on, ground_on=ground_on,
                    due_on=deadline.due_on, created_by_id=getattr(actor, "id", None),
                    channel=channel, purpose=(purpose or "").strip() or None,
                    received_by_id=(getattr(actor, "id", None)
                                    if channel != rules.Channel.ONLINE else None),
                    created_at=now, **proxy_values)
    db.session.add(obj)
    db.session.flush()
    if proxy_upload is not None:
        _store_attachment(req, proxy_upload, rules.AttachmentKind.KUASA_KEBERATAN,
                          actor=actor, now=now, objection=obj)
    _event(req, "keberatan", actor=actor, now=now, from_state=req.state, to_state=req.state,
           note=obj.registration_number,  # its grounds and due date: the objection's page
           changes={"objection": obj.registration_number, "grounds": grounds,
                    "due_on": deadline.due_on, "channel": channel,
                    "by_proxy": bool(proxy_values)})
    audit.record("objection.file", obj, actor=actor, now=now,
                 changes={"registration_number": obj.registration_number,
                          "request": req.registration_number, "channel": channel,
                          "received_at": received_at, "by_proxy": bool(proxy_values)})
    issue_letter(req, "tanda_bukti_keberatan", now=now, objection=obj, actor=actor, cal=cal,
                 ground_windows=window.grounds,
                 received_by=actor if channel != rules.Channel.ONLINE and _is_staff(actor)
                 else None)
    _notify(req, "Keberatan Anda telah diterima",
            [f"Keberatan Anda terdaftar dengan nomor {obj.registration_number}.",
             f"Atasan PPID ({req.agency.atasan_position or 'atasan PPID'}) wajib menanggapi "
             f"paling lambat {tanggal(deadline.due_on)} (30 hari kerja, UU 14/2008 Pasal 36 "
             f"ayat 2)."], now=now)
    return obj


def _objection_event(obj, action, *, actor, now, note=None, changes=None):
    """A step of ``obj`` on its timeline: the request's (as before), or, for an objection
    naming no request (ground b), its own, audited as the objection's."""
    req = obj.request
    if req is not None:
        return _event(req, action, actor=actor, now=now, from_state=req.state,
                      to_state=req.state, note=note, changes=changes)
    ev = RequestEvent(objection=obj, occurred_at=now, actor_id=getattr(actor, "id", None),
                      actor_label=_actor_label(actor), action=action, note=note)
    db.session.add(ev)
    audit.record(f"objection.{action}", obj, actor=actor, now=now, changes=changes or {})
    return ev


def objector_email(obj):
    """The address of whoever filed ``obj``: its party (the request, or on ground b without
    a request the objection itself) has the same fields as a request."""
    return requester_email(obj.party)


def _notify_objector(obj, subject, lines, *, now):
    """Mail to whoever filed ``obj``: the request's requester, or (ground b, no request)
    the objector, with the objection's number."""
    if obj.request is not None:
        return _notify(obj.request, subject, lines, now=now)
    to = objector_email(obj)
    if not to:
        return None
    body = "\n".join([f"Yth. {obj.requester_name},", "", *lines, "",
                      f"Nomor registrasi keberatan: {obj.registration_number}",
                      "", f"PPID {current_app.config['GOVERNMENT_NAME']}",
                      "Surat ini dikirim otomatis; balasan ke alamat ini tidak dibaca."])
    return queue_mail(to, f"[{obj.registration_number}] {subject}", body, now=now)


# --- Objections on ground b that name no request (UU KIP Pasal 35(1) huruf b) ------------

@dataclass(frozen=True)
class PeriodicWindow:
    """One periodic obligation of an agency as an objection on ground b sees it: its
    staleness now, its history (ppid.registry.rules.StalenessHistory) and the window."""

    obligation: object
    status: str
    last_published_on: object
    due_on: object
    history: object
    window: object  # rules.GroundWindow


def periodic_obligations(agency):
    """The active periodic (berkala) obligations of the catalogue that apply to ``agency``,
    by code."""
    from ppid.registry import rules as registry_rules
    from ppid.registry.services import active_obligations
    return [o for o in active_obligations()
            if o.category == registry_rules.Category.BERKALA
            and registry_rules.applies_to_agency(o.applies_to, agency.kind)]


def periodic_windows(agency, *, now, today=None, cal=None, obligations=None):
    """[PeriodicWindow] for the agency's periodic obligations (or ``obligations``), judged
    on ``today`` (default: the local day of ``now``; an objection received earlier is
    judged by the day it was received)."""
    from ppid.registry import rules as registry_rules
    from ppid.registry.services import staleness_history, status_of
    cal = cal or build_calendar()
    today = today or local_today(now)
    out = []
    for ob in (periodic_obligations(agency) if obligations is None else obligations):
        pair = status_of(agency, ob, now=now)
        history = staleness_history(agency, ob, now=now, today=today)  # the spell that day
        window = rules.periodic_ground_window(
            cal, title=ob.title, status_label=registry_rules.Status.label_of(pair.status),
            overdue_since=history.overdue_since, last_published_on=pair.last_published_on,
            due_on=pair.due_on, today=today)
        out.append(PeriodicWindow(ob, pair.status, pair.last_published_on, pair.due_on,
                                  history, window))
    return out


# The objector's identity on an objection naming no request (the request form's fields).
IDENTITY_FIELDS = ("requester_name", "identity_type", "identity_number", "address", "phone",
                   "email", "occupation")


def find_objection_by_token(token):
    if not token or len(token) > 100:
        return None
    return db.session.execute(sa.select(Objection).where(
        Objection.tracking_token_hash == hash_token(token))).scalar_one_or_none()


def file_periodic_objection(agency, obligation_ids, statement, *, identity, actor, now,
                            channel="online", received_at=None, purpose=None, proxy=None,
                            proxy_upload=None, requester_user=None):
    """An objection on ground b with no request (UU KIP Pasal 35(1) huruf b; Perki 1/2021
    Pasal 39-41): the agency did not provide periodic information of the catalogue. Filed
    online by a signed-in citizen (``requester_user``), or registered by an officer with
    the channel and the real time of receipt; by the objector or a proxy with a power of
    attorney. Each obligation named must be overdue and within 30 working days of the day
    it became overdue (its staleness history), judged on the day of receipt. The atasan
    of the agency decides. Returns (objection, tracking token or None with an account)."""
    if channel not in rules.OBJECTION_CHANNELS:
        raise ServiceError("Keberatan diajukan secara tertulis: daring, langsung, melalui pos "
                           "atau e-mail.", "channel")
    if agency is None or not agency.is_active:
        raise ServiceError("Pilih badan publik yang aktif.", "agency")
    received_at = received_at or now
    if received_at > now + timedelta(minutes=5):
        raise ServiceError("Waktu penerimaan tidak boleh di masa depan.", "received_at")
    if received_at < now - timedelta(days=rules.MAX_BACKDATE_DAYS):
        raise ServiceError(f"Waktu penerimaan paling lama {rules.MAX_BACKDATE_DAYS} hari "
                           f"sebelum hari ini.", "received_at")
    try:
        wanted = sorted({int(i) for i in (obligation_ids or [])})
    except (TypeError, ValueError):
        raise ServiceError("Pilih kewajiban informasi berkala dari daftar.",
                           "obligations") from None
    if not wanted:
        raise ServiceError("Pilih paling sedikit satu informasi berkala yang tidak "
                           "disediakan.", "obligations")
    known = {o.id: o for o in periodic_obligations(agency)}
    if any(i not in known for i in wanted):
        raise ServiceError("Informasi berkala itu bukan kewajiban badan publik ini; pilih dari "
                           "daftar.", "obligations")
    identity = {k: ((identity or {}).get(k) or "").strip() or None for k in IDENTITY_FIELDS}
    for name, message in (("requester_name", "Nama pengaju keberatan wajib diisi."),
                          ("identity_number", "Nomor identitas pengaju keberatan wajib "
                                              "diisi."),
                          ("address", "Alamat pengaju keberatan wajib diisi.")):
        if not identity[name]:
            raise ServiceError(message, name)
    identity["identity_type"] = identity["identity_type"] or rules.IdentityType.NIK.value
    if not (identity["email"] or identity["phone"] or requester_user is not None):
        raise ServiceError("Isi nomor telepon atau alamat e-mail pengaju keberatan.", "phone")
    statement = (statement or "").strip()
    if not statement:
        raise ServiceError("Kasus posisi (uraian keberatan) wajib diisi.", "statement")
    purpose = (purpose or "").strip() or None
    if not purpose:
        raise ServiceError("Tujuan penggunaan informasi wajib diisi.", "purpose")
    proxy_values = _proxy_values(proxy, proxy_upload)
    cal = build_calendar()
    received_on = local_date(received_at)
    windows = periodic_windows(agency, now=now, today=received_on, cal=cal,
                               obligations=[known[i] for i in wanted])
    for pw in windows:  # each obligation's own window, with its own message
        if not pw.window.is_open:
            raise ServiceError(pw.window.reason, "obligations")
    deadline = rules.objection_deadline(cal, received_on)
    token = new_tracking_token() if requester_user is None else None
    obj = Objection(registration_number=next_objection_number(received_on.year),
                    agency_id=agency.id, obligation_id=windows[0].obligation.id, grounds="b",
                    statement=statement, purpose=purpose, received_at=received_at,
                    received_on=received_on,
                    ground_on=min(pw.window.arisen_on for pw in windows),
                    due_on=deadline.due_on, created_by_id=getattr(actor, "id", None),
                    channel=channel,
                    received_by_id=(getattr(actor, "id", None)
                                    if channel != rules.Channel.ONLINE else None),
                    requester_user_id=getattr(requester_user, "id", None),
                    tracking_token_hash=hash_token(token) if token else None,
                    created_at=now, **identity, **proxy_values)
    obj.agency = agency
    for pw in windows:
        obj.obligations.append(ObjectionObligation(
            obligation=pw.obligation, status=pw.status, last_published_on=pw.last_published_on,
            overdue_on=pw.window.arisen_on, filing_deadline_on=pw.window.deadline_on))
    db.session.add(obj)
    db.session.flush()
    if proxy_upload is not None:
        _store_attachment(None, proxy_upload, rules.AttachmentKind.KUASA_KEBERATAN,
                          actor=actor, now=now, objection=obj)
    _objection_event(obj, "keberatan", actor=actor, now=now, note=obj.registration_number,
                     changes={"objection": obj.registration_number,
                              "obligations": [pw.obligation.code for pw in windows],
                              "due_on": deadline.due_on, "channel": channel,
                              "by_proxy": bool(proxy_values)})
    audit.record("objection.file", obj, actor=actor, now=now,
                 changes={"registration_number": obj.registration_number,
                          "agency": agency.slug, "grounds": ["b"],
                          "obligations": [pw.obligation.code for pw in windows],
                          "channel": channel, "received_at": received_at,
                          "by_proxy": bool(proxy_values)})
    issue_letter(None, "tanda_bukti_keberatan", now=now, objection=obj, actor=actor, cal=cal,
                 ground_windows={"b": min((pw.window for pw in windows),
                                          key=lambda w: w.arisen_on)},
                 periodic=windows,
                 received_by=actor if channel != rules.Channel.ONLINE and _is_staff(actor)
                 else None)
    lines = [f"Keberatan Anda atas informasi berkala {agency.name} yang tidak disediakan "
             f"terdaftar dengan nomor {obj.registration_number}.",
             f"Atasan PPID ({agency.atasan_position or 'atasan PPID'}) wajib menanggapi "
             f"paling lambat {tanggal(deadline.due_on)} (30 hari kerja, UU 14/2008 Pasal 36 "
             f"ayat 2)."]
    if token:
        lines.append(f"Pantau keberatan Anda di {objection_tracking_url(token)} (tautan "
                     f"pribadi: jangan dibagikan).")
    _notify_objector(obj, "Keberatan Anda telah diterima", lines, now=now)
    return obj, token


def objection_tracking_path(ref) -> str:
    return f"/lacak-keberatan/{ref}"


def objection_tracking_url(ref) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + objection_tracking_path(ref)


def order_days():
    return current_app.config["OBJECTION_ORDER_DAYS"]


def order_working(obj, cal=None):
    """The working of an order's deadline (days skipped and why), or None."""
    if obj.order_due_on is None or obj.decided_on is None:
        return None
    return rules.order_deadline(cal or build_calendar(), obj.decided_on, order_days())


def decide_objection(obj, decision, reasons, *, actor, now):
    """The atasan's written answer (UU KIP Pasal 36(2)-(3)); a decision that orders the PPID
    to act gets its deadline (OBJECTION_ORDER_DAYS working days), and the requester is told
    of the decision and of the last day to go to the Komisi Informasi (Pasal 37(2))."""
    if obj.decision is not None:
        raise ServiceError("Keberatan ini sudah diputus.")
    if decision not in rules.OBJECTION_DECISIONS:
        raise ServiceError("Pilih putusan yang valid.", "decision")
    try:
        rules.check_decision_fits(decision, obj.ground_list, periodic=obj.is_periodic)
    except rules.RuleError as exc:
        raise ServiceError(str(exc), "decision") from None
    reasons = (reasons or "").strip()
    if not reasons:
        raise ServiceError("Alasan putusan wajib dituliskan.", "reasons")
    cal = build_calendar()
    obj.decision = decision
    obj.decision_reasons = reasons
    obj.decided_by_id = getattr(actor, "id", None)
    obj.decided_at = now
    obj.decided_on = local_today(now)
    order = None
    if decision in rules.ORDER_DECISIONS:
        order = rules.order_deadline(cal, obj.decided_on, order_days())
        obj.order_due_on = order.due_on
    db.session.flush()
    req = obj.request
    dispute_on = rules.dispute_deadline(cal, obj.decided_on, obj.due_on)
    _objection_event(obj, "keberatan_diputus", actor=actor, now=now,
                     note=obj.registration_number,
                     changes={"objection": obj.registration_number, "decision": decision,
                              **({"order_due_on": order.due_on} if order else {})})
    audit.record("objection.decide", obj, actor=actor, now=now,
                 changes={"decision": decision,
                          **({"order_due_on": order.due_on} if order else {})})
    issue_letter(req, "putusan_keberatan", now=now, objection=obj, actor=actor, cal=cal,
                 dispute_deadline_on=dispute_on, order=order)
    lines = [f"Atasan PPID telah memutus keberatan {obj.registration_number}: "
             f"{label_id(rules.ObjectionDecision, decision)}.",
             f"Alasan: {reasons}"]
    if order is not None:
        lines.append(f"PPID wajib melaksanakan putusan ini paling lambat "
                     f"{tanggal(order.due_on)} ({order_days()} hari kerja sejak putusan).")
    lines += [f"Jika Anda tidak puas, Anda dapat mengajukan permohonan penyelesaian sengketa "
              f"informasi kepada Komisi Informasi paling lambat {tanggal(dispute_on)} "
              f"(14 hari kerja sejak tanggapan ini, UU 14/2008 Pasal 37 ayat 2).",
              "Surat tanggapan atasan PPID (PDF) dapat diunduh dari halaman pelacakan."]
    _notify_objector(obj, "Tanggapan atasan PPID atas keberatan Anda", lines, now=now)
    return obj


# How the timeline's record (Indonesian, as written) names each way of carrying out.
_EXECUTION_TEXT = {rules.OrderExecution.PEMBERITAHUAN_BARU: "jawaban tertulis baru",
                   rules.OrderExecution.RILIS: "membuka informasi (dokumen dilampirkan)",
                   rules.OrderExecution.BIAYA_DIKOREKSI: "koreksi biaya",
                   rules.OrderExecution.DISERAHKAN: "penyerahan informasi kepada pemohon",
                   rules.OrderExecution.DIUMUMKAN: "pengumuman informasi berkala dalam DIP"}


def carry_out_order(obj, how, done_on, note, *, actor, now, corrected_total=None,
                    release=None, via=None, version_ids=None):
    """Record how the PPID carried out the atasan's order (a new notice, a release, a
    corrected fee, the delivery): on the objection, the request's timeline and the audit
    log; the requester is told. A release is attached to the request; a delivery of granted
    information is recorded as such ("informasi diserahkan"). An order to publish periodic
    information (ground b, no request) is carried out by DIP publications: ``version_ids``
    names, for each obligation of the objection, the document version that fulfils it."""
    req = obj.request
    today = local_today(now)
    note = (note or "").strip()
    try:
        rules.check_order_execution(decision=obj.decision, order_due_on=obj.order_due_on,
                                    carried_out_before=obj.carried_out_on, how=how,
                                    done_on=done_on, decided_on=obj.decided_on, today=today,
                                    corrected_total=corrected_total)
    except rules.RuleError as exc:
        raise ServiceError(str(exc), "execution") from None
    how = rules.OrderExecution(how)
    published = []
    if how is rules.OrderExecution.DIUMUMKAN:
        published = _fulfilling(obj, version_ids, done_on)
    if how is rules.OrderExecution.RILIS and release is None:
        raise ServiceError("Lampirkan berkas informasi yang dibuka.", "file")
    if how is rules.OrderExecution.PEMBERITAHUAN_BARU and obj.decision == rules.MENANGGAPI \
            and req is not None and req.state != rules.SELESAI:
        raise ServiceError("Tanggapi permohonan lebih dulu dengan pemberitahuan tertulis "
                           "(tutup permohonan dengan keputusannya), lalu catat pelaksanaan "
                           "putusan.", "execution")
    if not note and how not in (rules.OrderExecution.BIAYA_DIKOREKSI,
                                rules.OrderExecution.DIUMUMKAN):
        raise ServiceError("Uraikan pelaksanaan putusan.", "note")
    if how is rules.OrderExecution.RILIS:
        attach_release(req, release, actor=actor, now=now, note=note)
    elif how is rules.OrderExecution.DISERAHKAN and req.outcome in rules.GRANTED \
            and req.delivered_on is None:
        if rules.DeliveryMethod.get(via) is None:
            raise ServiceError("Pilih cara penyerahan yang valid.", "delivered_via")
        record_delivery(req, done_on, via, note, actor=actor, now=now)
    for link, version, item, _public_on in published:
        link.fulfilled_item_id, link.fulfilled_version_id = item.id, version.id
    obj.execution = how.value
    obj.carried_out_on = done_on
    obj.carried_out_at = now
    obj.carried_out_by_id = getattr(actor, "id", None)
    obj.execution_note = note or None
    if how is rules.OrderExecution.BIAYA_DIKOREKSI:
        obj.corrected_total = corrected_total
    db.session.flush()
    late = done_on > obj.order_due_on
    text = (f"{obj.registration_number}: pelaksanaan putusan dengan {_EXECUTION_TEXT[how]} pada "
            f"{tanggal(done_on)}"
            + (f"; biaya dikoreksi dari {rupiah(req.total_cost)} menjadi "
               f"{rupiah(corrected_total)}" if how is rules.OrderExecution.BIAYA_DIKOREKSI
               else "")
            + "".join(f"; {link.obligation.title}: {item.title} versi {version.number} "
                      f"(terbit {tanggal(public_on)})"
                      for link, version, item, public_on in published)
            + (f"; melewati batas waktu {tanggal(obj.order_due_on)}" if late else "")
            + "." + (f" {note}" if note else ""))
    _objection_event(obj, "perintah_dilaksanakan", actor=actor, now=now, note=text,
                     changes={"objection": obj.registration_number, "execution": how.value,
                              "carried_out_on": done_on, "late": late,
                              **({"corrected_total": [req.total_cost, corrected_total]}
                                 if how is rules.OrderExecution.BIAYA_DIKOREKSI else {})})
    audit.record("objection.carry_out", obj, actor=actor, now=now,
                 changes={"execution": how.value, "carried_out_on": done_on, "late": late,
                          **({"versions": [v.id for _l, v, _i, _d in published]}
                             if published else {})})
    _notify_objector(obj, "Putusan atasan PPID telah dilaksanakan",
            [f"Putusan atasan PPID atas keberatan {obj.registration_number} "
             f"({label_id(rules.ObjectionDecision, obj.decision)}) telah dilaksanakan: "
             f"{text.split(': ', 1)[1]}"], now=now)
    return obj


def _fulfilling(obj, version_ids, done_on):
    """[(ObjectionObligation, version, item, public_on)]: for each obligation the objection
    names, the one version chosen that fulfils it (a published version of the agency's
    item for that obligation, public since the obligation became overdue and by the day
    of carrying out). ServiceError naming what is missing otherwise."""
    from ppid.registry.services import fulfilling_versions
    try:
        wanted = {int(v) for v in (version_ids or [])}
    except (TypeError, ValueError):
        raise ServiceError("Pilih versi dokumen DIP yang valid.", "versions") from None
    if not wanted:
        raise ServiceError("Pilih versi dokumen DIP yang mengumumkan setiap informasi berkala "
                           "yang diperintahkan.", "versions")
    out, used = [], set()
    for link in obj.obligations:
        candidates = [(v, i, d) for v, i, d in fulfilling_versions(
            obj.agency, [link.obligation], since=link.overdue_on) if v.id in wanted]
        if not candidates:
            raise ServiceError(f"Belum ada versi dokumen DIP terbit untuk "
                               f"'{link.obligation.title}' sejak informasi itu terlambat "
                               f"({tanggal(link.overdue_on)}) yang dipilih.", "versions")
        if len(candidates) > 1:
            raise ServiceError(f"Pilih satu versi dokumen untuk '{link.obligation.title}'.",
                               "versions")
        version, item, public_on = candidates[0]
        if done_on is not None and public_on > done_on:
            raise ServiceError(f"Versi dokumen untuk '{link.obligation.title}' baru diumumkan "
                               f"{tanggal(public_on)}, setelah tanggal pelaksanaan.",
                               "versions")
        used.add(version.id)
        out.append((link, version, item, public_on))
    if wanted - used:
        raise ServiceError("Versi dokumen yang dipilih tidak mengumumkan informasi berkala "
                           "yang diperintahkan.", "versions")
    return out


def order_queue(user, *, now, agency_id=None):
    """Orders of the atasan the user's PPID must still carry out, with their status
    (rules.OrderStatus), the oldest deadline first."""
    today = local_today(now)
    stmt = (sa.select(Objection).where(Objection.order_due_on.is_not(None),
                                       Objection.carried_out_on.is_(None))
            .options(selectinload(Objection.request))
            .order_by(Objection.order_due_on, Objection.id))
    ids = handled_agency_ids(user)
    if ids is not None:
        stmt = stmt.where(Objection.agency_id.in_(ids or [-1]))
    if agency_id:
        stmt = stmt.where(Objection.agency_id == agency_id)
    rows = db.session.execute(stmt).scalars().all()
    return [(o, o.order_status_on(today)) for o in rows]


# --- Calendar changes ---------------------------------------------------------------------

def recompute_deadlines(days, *, actor, now):
    """Recompute due dates of open requests and undecided objections whose counting window
    may contain one of ``days``; log each change on the request's timeline."""
    if not days:
        return 0
    cal = build_calendar()
    first, last = min(days), max(days)
    changed = 0
    due = sa.func.coalesce(InfoRequest.extended_due_on, InfoRequest.due_on)
    requests = db.session.execute(sa.select(InfoRequest).where(
        InfoRequest.state.in_(rules.OPEN_STATES), InfoRequest.received_on <= last,
        due >= first)).scalars().all()
    for req in requests:
        deadline = rules.answer_deadline(cal, req.received_on)
        before = (req.effective_on, req.due_on, req.extended_due_on)
        req.effective_on = deadline.effective_start
        req.due_on = deadline.due_on
        if req.extended_due_on is not None:
            limit = rules.max_extended_due(cal, req.due_on)
            # Keep the extension's length in working days within the legal maximum.
            if req.extended_due_on > limit or req.extended_due_on <= req.due_on:
                req.extended_due_on = limit
        after = (req.effective_on, req.due_on, req.extended_due_on)
        if after != before:
            changed += 1
            # The old and new dates are in the audit event; the page shows the new ones.
            _event(req, "tenggat", actor=actor, now=now, from_state=req.state,
                   to_state=req.state,
                   changes={"due_on": [before[1], req.due_on],
                            "extended_due_on": [before[2], req.extended_due_on]})
            _notify(req, "Tenggat permohonan Anda berubah",
                    [f"Kalender hari kerja berubah; jawaban paling lambat kini "
                     f"{tanggal(req.effective_due_on)}."], now=now)
    objections = db.session.execute(sa.select(Objection).where(
        Objection.decision.is_(None), Objection.received_on <= last,
        Objection.due_on >= first)).scalars().all()
    for obj in objections:
        new_due = rules.objection_deadline(cal, obj.received_on).due_on
        if new_due != obj.due_on:
            old = obj.due_on
            obj.due_on = new_due
            changed += 1
            _objection_event(obj, "tenggat", actor=actor, now=now,
                             note=obj.registration_number,
                             changes={"objection": obj.registration_number,
                                      "due_on": [old, new_due]})
    # The atasan's orders not carried out yet: their deadline counts working days too.
    orders = db.session.execute(sa.select(Objection).where(
        Objection.order_due_on.is_not(None), Objection.carried_out_on.is_(None),
        Objection.decided_on <= last, Objection.order_due_on >= first)).scalars().all()
    for obj in orders:
        new_due = rules.order_deadline(cal, obj.decided_on, order_days()).due_on
        if new_due != obj.order_due_on:
            old = obj.order_due_on
            obj.order_due_on = new_due
            changed += 1
            _objection_event(obj, "tenggat", actor=actor, now=now,
                             note=obj.registration_number,
                             changes={"objection": obj.registration_number,
                                      "order_due_on": [old, new_due]})
    db.session.flush()
    return changed


def on_calendar_changed(sender, actor=None, days=None, **_kw):
    recompute_deadlines(list(days or []), actor=actor, now=utcnow())


# --- Queries ------------------------------------------------------------------------------

def handled_agency_ids(user):
    """Agencies whose requests ``user`` handles; None means every agency (PPID Utama)."""
    from ppid.core import auth
    if user.has_role(auth.MAIN):
        return None
    return user.agency_ids(auth.HELPER)


def decided_agency_ids(user):
    """Agencies whose objections ``user`` decides; None means every agency (PPID Utama)."""
    from ppid.core import auth
    if user.has_role(auth.MAIN):
        return None
    return user.agency_ids(auth.ATASAN)


def queue_agency_ids(user):
    """Agencies whose open requests the queue shows ``user``: those they handle, or every
    agency (None) for the PPID Utama and the auditor, who reads them all."""
    from ppid.core import auth
    if user.has_role(auth.AUDITOR):
        return None
    return handled_agency_ids(user)


def objection_list_agency_ids(user):
    """Agencies whose objections the objection list shows ``user`` (None: every one)."""
    from ppid.core import auth
    if user.has_role(auth.AUDITOR):
        return None
    return decided_agency_ids(user)


def request_queue(user, *, now, agency_id=None):
    """Open requests the user handles: overdue and due within 3 working days first.

    Everything the queue page, the dashboard and the CSV export show is loaded here in a
    fixed number of queries (the agency is joined by the model; the officer is selected in).
    """
    cal = build_calendar()
    today = local_today(now)
    stmt = (sa.select(InfoRequest).where(InfoRequest.state.in_(rules.OPEN_STATES))
            .options(selectinload(InfoRequest.assigned_to)))
    ids = queue_agency_ids(user)
    if ids is not None:
        stmt = stmt.where(InfoRequest.agency_id.in_(ids or [-1]))
    if agency_id:
        stmt = stmt.where(InfoRequest.agency_id == agency_id)
    rows = db.session.execute(stmt).scalars().all()
    rows.sort(key=lambda r: rules.queue_sort_key(cal, r.effective_due_on, today) + (r.id,))
    return [(r, rules.urgency(cal, r.effective_due_on, today)) for r in rows]


def late_deliveries(user, *, now, agency_id=None):
    """Granted requests of the user's agencies whose information was promised for a date
    now past and is not handed over yet (late delivery, ground g), oldest promise first."""
    today = local_today(now)
    stmt = (sa.select(InfoRequest).where(
        InfoRequest.state == rules.SELESAI, InfoRequest.outcome.in_(rules.GRANTED),
        InfoRequest.delivered_on.is_(None), InfoRequest.available_on < today)
        .order_by(InfoRequest.available_on, InfoRequest.id))
    ids = handled_agency_ids(user)
    if ids is not None:
        stmt = stmt.where(InfoRequest.agency_id.in_(ids or [-1]))
    if agency_id:
        stmt = stmt.where(InfoRequest.agency_id == agency_id)
    rows = db.session.execute(stmt).scalars().all()
    # The rule decides (the SQL only narrows).
    return [r for r in rows if r.delivery_overdue_on(today) is not None]


def objection_queue(user, *, now):
    """Undecided objections for the atasan's agencies (all of them for the PPID Utama)."""
    cal = build_calendar()
    today = local_today(now)
    stmt = (sa.select(Objection).where(Objection.decision.is_(None))
            .options(selectinload(Objection.request)))
    ids = objection_list_agency_ids(user)
    if ids is not None:
        stmt = stmt.where(Objection.agency_id.in_(ids or [-1]))
    rows = db.session.execute(stmt).scalars().all()
    rows.sort(key=lambda o: rules.queue_sort_key(cal, o.due_on, today) + (o.id,))
    return [(o, rules.urgency(cal, o.due_on, today)) for o in rows]


def urgent_items(*, now, horizon_days=14):
    """Open requests and undecided objections that are overdue or due within 3 working days,
    as {agency_id: [(kind, obj, urgency)]}. SQL narrows to a calendar horizon; the rule
    decides."""
    cal = build_calendar()
    today = local_today(now)
    horizon = today + timedelta(days=horizon_days)
    due = sa.func.coalesce(InfoRequest.extended_due_on, InfoRequest.due_on)
    out = {}
    for req in db.session.execute(sa.select(InfoRequest).where(
            InfoRequest.state.in_(rules.OPEN_STATES), due <= horizon)).scalars():
        level = rules.urgency(cal, req.effective_due_on, today)
        if level != "normal":
            out.setdefault(req.agency_id, []).append(("request", req, level))
    for obj in db.session.execute(sa.select(Objection).where(
            Objection.decision.is_(None), Objection.due_on <= horizon)).scalars():
        level = rules.urgency(cal, obj.due_on, today)
        if level != "normal":
            out.setdefault(obj.agency_id, []).append(("objection", obj, level))
    # The atasan's orders the PPID has not carried out yet (UU KIP Pasal 36).
    for obj in db.session.execute(sa.select(Objection).where(
            Objection.order_due_on.is_not(None), Objection.carried_out_on.is_(None),
            Objection.order_due_on <= horizon)).scalars():
        level = rules.urgency(cal, obj.order_due_on, today)
        if level != "normal":
            out.setdefault(obj.agency_id, []).append(("order", obj, level))
    return out


def public_register(*, page, per_page, agency_id=None, year=None, state=None):
    stmt = sa.select(InfoRequest).order_by(InfoRequest.received_at.desc(), InfoRequest.id.desc())
    if agency_id:
        stmt = stmt.where(InfoRequest.agency_id == agency_id)
    if year:
        stmt = stmt.where(InfoRequest.year == year)
    if state:
        stmt = stmt.where(InfoRequest.state == state)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def agency_stats(agency_id, *, now):
    """Counts for the public agency page: total, open, closed by outcome, late.

    Counted by the database (one row per state and outcome), so the page costs the same
    however many requests the agency has had; "late" is :func:`rules.is_late` in SQL.
    """
    today = sa.literal(local_today(now), sa.Date)
    late = sa.func.coalesce(InfoRequest.closed_on, today) > sa.func.coalesce(
        InfoRequest.extended_due_on, InfoRequest.due_on)
    rows = db.session.execute(
        sa.select(InfoRequest.state, InfoRequest.outcome, sa.func.count(),
                  sa.func.sum(sa.case((late, 1), else_=0)))
        .where(InfoRequest.agency_id == agency_id)
        .group_by(InfoRequest.state, InfoRequest.outcome)).all()
    stats = {"total": 0, "open": 0, "closed": 0, "late": 0, "withdrawn": 0,
             "outcomes": {o: 0 for o in rules.OUTCOMES}}
    for state, outcome, count, n_late in rows:
        stats["total"] += count
        if state == rules.DITARIK:
            stats["withdrawn"] += count
            continue
        if rules.is_open(state):
            stats["open"] += count
        else:
            stats["closed"] += count
            if outcome in stats["outcomes"]:
                stats["outcomes"][outcome] += count
        stats["late"] += int(n_late or 0)
    return stats



# --- For other features (the disputes after an objection) ---------------------------------

def timeline_event(req, action, *, actor, now, note=None, changes=None):
    """A step that another feature records on a request's timeline (and in the audit
    log); ``action`` is a rules.TimelineAction."""
    return _event(req, action, actor=actor, now=now, from_state=req.state, to_state=req.state,
                  note=note, changes=changes)


def notify_requester(req, subject, lines, *, now):
    """An e-mail to the requester (Indonesian, with the request's number and state)."""
    return _notify(req, subject, lines, now=now)


def last_legal_name(user):
    """The requester's name as given on ``user``'s newest request whose personal data is
    kept (None otherwise): what the request form offers them, as their legal name."""
    return db.session.execute(
        sa.select(InfoRequest.requester_name).where(
            InfoRequest.requester_user_id == user.id,
            InfoRequest.personal_data_erased_at.is_(None))  # erased: nothing to offer
        .order_by(InfoRequest.received_at.desc(), InfoRequest.id.desc()).limit(1)
    ).scalar_one_or_none()


def objection_timeline_event(obj, action, *, actor, now, note=None, changes=None):
    """A step another feature records on an objection's timeline: its request's, or its
    own when it names no request (ground b); audited either way."""
    return _objection_event(obj, action, actor=actor, now=now, note=note, changes=changes)


def notify_objector(obj, subject, lines, *, now):
    """An e-mail to whoever filed ``obj`` (its requester, or the objector of ground b)."""
    return _notify_objector(obj, subject, lines, now=now)
