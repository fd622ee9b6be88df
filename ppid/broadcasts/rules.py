"""Pure rules of broadcasts and following (no app, no database, no clock of their own)."""
import hashlib
import json
import re
from datetime import date
from email import message_from_bytes, policy as email_policy
from typing import List, NamedTuple, Optional

from flask_babel import lazy_gettext as _l

from ppid.core.enums import LabelledEnum

MAX_UPDATE_CHARS = 5000
MAX_NOTE_CHARS = 2000
MAX_SEARCH_CHARS = 500


class Frequency(LabelledEnum):
    """How often a follower's digest comes (broadcasts go at once whatever it is)."""

    HARIAN = "harian", _l("Harian (sekali sehari bila ada yang baru)")
    MINGGUAN = "mingguan", _l("Mingguan (sekali seminggu bila ada yang baru)")


HARIAN, MINGGUAN = FREQUENCIES = tuple(Frequency)


class SubscriptionState(LabelledEnum):
    """Where a subscription stands, as its owner reads it (derived, never stored)."""

    MENUNGGU = "menunggu", _l("Menunggu konfirmasi")
    AKTIF = "aktif", _l("Aktif")
    DITANGGUHKAN = ("ditangguhkan",
                    _l("Ditangguhkan: surel ke alamat ini berulang kali ditolak"))
    BERHENTI = "berhenti", _l("Berhenti")


MENUNGGU, AKTIF, DITANGGUHKAN, BERHENTI = tuple(SubscriptionState)


def state_of(confirmed_at, unsubscribed_at, suspended_at) -> SubscriptionState:
    if unsubscribed_at is not None:
        return BERHENTI
    if suspended_at is not None:
        return DITANGGUHKAN
    return AKTIF if confirmed_at is not None else MENUNGGU


def target_of(agency_id, obligation_id=None, search_key=None):
    """Subscription.target: the whole government (nothing given), one agency, one agency's
    obligation, or a saved search (its ``search_key``)."""
    if search_key is not None:
        return f"search:{search_key}"
    if obligation_id is not None:
        return f"obligation:{int(agency_id)}:{int(obligation_id)}"
    return "government" if agency_id is None else f"agency:{int(agency_id)}"


SEARCH_FILTERS = ("type", "agency", "category", "year")


def search_key(query: str, filters: dict) -> str:
    """The digest of a saved search: the same words (spacing and case aside) with the same
    filters are one saved search, whatever order the filters came in."""
    words = " ".join((query or "").split()).casefold()
    kept = {k: str(v) for k, v in (filters or {}).items() if k in SEARCH_FILTERS and v}
    raw = json.dumps([words, kept], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def digest_due(frequency: str, last_digest_on: Optional[date], today: date) -> bool:
    """Whether a subscription's digest is due ``today`` (local dates): daily once a day,
    weekly once in seven days; a run later the same day (or two runs at once) finds it
    not due. A cron that runs daily therefore sends each on its day."""
    if last_digest_on is None:
        return True
    if frequency == MINGGUAN:
        return (today - last_digest_on).days >= 7
    return today > last_digest_on


def stored_email(address):
    return (address or "").strip().lower()


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def is_email(address):
    return bool(_EMAIL.match(address or "")) and len(address) <= 320


def recipients(subscriptions, agency_id):
    """The live subscriptions to mail about a broadcast of ``agency_id``: those of the
    government and of that agency, one per address (the agency's own first, so its
    unsubscribe link is the one the reader most likely means)."""
    wanted = {"government", target_of(agency_id)}
    chosen = {}
    for s in sorted(subscriptions, key=lambda s: (s.target == "government", s.id)):
        if s.target in wanted and s.confirmed_at is not None and s.unsubscribed_at is None \
                and getattr(s, "suspended_at", None) is None:
            chosen.setdefault(s.email, s)
    return list(chosen.values())


# --- Delivery reports (bounces and complaints) ---------------------------------------------

HARD, SOFT, COMPLAINT = "hard", "soft", "complaint"


class Report(NamedTuple):
    """One recipient's outcome in a delivery report."""
    email: str
    kind: str           # HARD, SOFT or COMPLAINT
    status: str         # the DSN's Status (5.1.1), or the ARF Feedback-Type
    diagnostic: str


def _address(value):
    """The address of a DSN field ``rfc822; someone@example.org`` (or a bare address)."""
    value = str(value or "").strip()
    if ";" in value:
        _type, value = value.split(";", 1)
    value = value.strip().strip("<>").strip()
    return stored_email(value) if is_email(stored_email(value)) else None


def _blocks(part):
    """The field blocks of a message/delivery-status or message/feedback-report part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload
    text = part.get_payload(decode=True) or b""
    blocks = []
    for chunk in re.split(rb"\r?\n\s*\r?\n", text):
        if chunk.strip():
            blocks.append(message_from_bytes(chunk + b"\n\n", policy=email_policy.compat32))
    return blocks


def parse_report(raw: bytes) -> tuple:
    """(report id, [Report]) from one mail an MTA sent back: a DSN (RFC 3464,
    multipart/report; report-type=delivery-status) or a complaint (ARF, RFC 5965,
    report-type=feedback-report). A DSN's recipient whose Action is 'failed' with a 5.x.x
    Status is a hard bounce; 'failed' with 4.x.x, or 'delayed', a soft one; 'delivered',
    'relayed' and 'expanded' are no bounce. Anything else (an auto-reply, spam) gives no
    report at all."""
    msg = message_from_bytes(raw, policy=email_policy.compat32)
    report_id = str(msg.get("Message-ID") or "").strip()[:300] or None
    out: List[Report] = []
    if msg.get_content_type() != "multipart/report":
        return report_id, out
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            for block in _blocks(part)[1:]:  # the first block is about the message
                email = _address(block.get("Final-Recipient") or block.get("Original-Recipient"))
                action = str(block.get("Action") or "").strip().lower()
                status = str(block.get("Status") or "").strip().split(" ")[0][:20]
                diag = " ".join(str(block.get("Diagnostic-Code") or "").split())[:300]
                if email is None or action not in ("failed", "delayed"):
                    continue
                kind = HARD if action == "failed" and status.startswith("5") else SOFT
                out.append(Report(email, kind, status, diag))
        elif ctype == "message/feedback-report":
            fields = _blocks(part)
            block = fields[0] if fields else None
            if block is None:
                continue
            feedback = str(block.get("Feedback-Type") or "abuse").strip().lower()[:20]
            email = _address(block.get("Original-Rcpt-To") or block.get("Removal-Recipient"))
            if email is None:
                email = _original_to(msg)
            if email is not None:
                out.append(Report(email, COMPLAINT, feedback, ""))
    return report_id, out


def _original_to(msg):
    """The To of the original message a complaint quotes (message/rfc822 or
    text/rfc822-headers), where the feedback report does not name the recipient."""
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if hasattr(inner, "get"):
                return _address(inner.get("To"))
        elif ctype == "text/rfc822-headers":
            headers = message_from_bytes(part.get_payload(decode=True) or b"",
                                         policy=email_policy.compat32)
            return _address(headers.get("To"))
    return None


def should_suspend(hard_bounces: int, limit: int) -> bool:
    """An address is suspended after ``limit`` hard bounces since it last confirmed."""
    return limit > 0 and hard_bounces >= limit
