"""Pure rules of the publication desk (issue #19, DOMAIN.md section 16).

A publication's body is written in a small Markdown subset and shown as sanitised HTML:
markdown-it-py renders it with raw HTML switched off (a ``<script>`` typed in the body is
shown as text), then nh3 (the Rust ``ammonia`` sanitiser) keeps only the tags and
attributes below, links only to http, https and mailto, with ``rel="nofollow noopener
noreferrer"``. Two independent layers: a gap in the one is closed by the other.
"""
import re as _re
import unicodedata
from dataclasses import dataclass
from typing import Optional

import nh3
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup

from ppid.core.enums import LabelledEnum
from ppid.core.sharing import share_links  # noqa: F401  (one place for every page)

# The subset: paragraphs, line breaks, emphasis, lists, quotes, links, headings, code.
BODY_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "a", "h2", "h3",
             "h4", "code", "pre", "hr"}
BODY_ATTRIBUTES = {"a": {"href", "title"}}
LINK_SCHEMES = {"http", "https", "mailto"}
MAX_BODY_CHARS = 50_000

_md = (MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False,
                           "breaks": True})
       .enable(["emphasis", "list", "blockquote", "link", "heading", "backticks", "fence",
                "hr", "newline", "escape", "entity"]))


def render_body(text):
    """The body's Markdown as safe HTML (``Markup``); headings start at level 2, since the
    page's own title is the only ``h1``."""
    html = _md.render(text or "")
    for level in (5, 4, 3, 2, 1):  # "# x" is a section of the page: h2, and so on down
        html = html.replace(f"<h{level}>", f"<h{min(level + 1, 4)}>").replace(
            f"</h{level}>", f"</h{min(level + 1, 4)}>")
    clean = nh3.clean(html, tags=BODY_TAGS, attributes=BODY_ATTRIBUTES,
                      url_schemes=LINK_SCHEMES, link_rel="nofollow noopener noreferrer",
                      strip_comments=True)
    return Markup(clean)


# --- The desk's states and steps ---------------------------------------------------------
#
# An agency's humas or helper officer drafts; the PPID Utama (Diskominfo, "satu pintu",
# DOMAIN.md section 16) reviews, returns with comments, schedules or publishes. Whether a
# scheduled publication is public is read from the clock (``published_at <= now``), never
# written by a reader: see :func:`is_public`.


class PublicationState(LabelledEnum):
    """Where a publication stands on the desk."""

    DRAFT = "draft", _l("Draf")
    SUBMITTED = "submitted", _l("Diajukan ke PPID Utama")
    RETURNED = "returned", _l("Dikembalikan untuk diperbaiki")
    SCHEDULED = "scheduled", _l("Dijadwalkan terbit")
    PUBLISHED = "published", _l("Terbit")
    WITHDRAWN = "withdrawn", _l("Ditarik")


class Step(LabelledEnum):
    """What happened to a publication: its timeline (and its audit actions)."""

    CREATED = "created", _l("Draf dibuat")
    EDITED = "edited", _l("Diubah")
    PHOTO_ADDED = "photo_added", _l("Foto ditambahkan")
    PHOTO_REMOVED = "photo_removed", _l("Foto dihapus")
    ATTACHMENT_ADDED = "attachment_added", _l("Lampiran ditambahkan")
    ATTACHMENT_REMOVED = "attachment_removed", _l("Lampiran dihapus")
    SUBMITTED = "submitted", _l("Diajukan ke PPID Utama")
    RETURNED = "returned", _l("Dikembalikan dengan catatan")
    SCHEDULED = "scheduled", _l("Dijadwalkan terbit")
    PUBLISHED = "published", _l("Diterbitkan")
    WENT_LIVE = "went_live", _l("Terbit sesuai jadwal")
    WITHDRAWN = "withdrawn", _l("Ditarik dari publikasi")


S = PublicationState

# Who changes the content in which state: the agency while it is its own draft, the desk
# once it is submitted (and to correct a published item; every edit is audited).
AGENCY_EDITS = frozenset({S.DRAFT, S.RETURNED})
DESK_EDITS = frozenset({S.SUBMITTED, S.SCHEDULED, S.PUBLISHED})

# step -> (states it may start from, state it leads to)
TRANSITIONS = {
    Step.SUBMITTED: (frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED),
    Step.RETURNED: (frozenset({S.SUBMITTED, S.SCHEDULED}), S.RETURNED),
    Step.SCHEDULED: (frozenset({S.SUBMITTED, S.SCHEDULED}), S.SCHEDULED),
    Step.PUBLISHED: (frozenset({S.SUBMITTED, S.SCHEDULED}), S.PUBLISHED),
    Step.WENT_LIVE: (frozenset({S.SCHEDULED}), S.PUBLISHED),
    Step.WITHDRAWN: (frozenset({S.PUBLISHED, S.SCHEDULED}), S.WITHDRAWN),
}


class TransitionRefused(ValueError):
    """A step the publication's state does not allow; ``str(exc)`` is for the user."""


def effective_state(state, published_at, now):
    """The state as a reader sees it: a scheduled publication whose time has come is
    published, before the job runner records it."""
    if state == S.SCHEDULED and published_at is not None and published_at <= now:
        return S.PUBLISHED
    return S(state)


def is_public(state, published_at, now):
    """Visible to everyone: published, or scheduled and its time has come."""
    return effective_state(state, published_at, now) == S.PUBLISHED


def next_state(step, state, published_at=None, now=None):
    """The state ``step`` leads to from ``state``; raises TransitionRefused."""
    allowed, target = TRANSITIONS[step]
    current = S(state)
    if step == Step.WITHDRAWN and current == S.SCHEDULED and not (
            published_at is not None and now is not None and published_at <= now):
        # A scheduled item not yet public is returned or rescheduled, not withdrawn.
        raise TransitionRefused(_l("Publikasi yang belum terbit tidak dapat ditarik; "
                                   "kembalikan ke badan publiknya bila perlu diubah."))
    if step in (Step.RETURNED, Step.SCHEDULED) and current == S.SCHEDULED and (
            published_at is not None and now is not None and published_at <= now):
        raise TransitionRefused(_l("Publikasi ini sudah terbit sesuai jadwal; tarik bila "
                                   "perlu dihentikan."))
    if current not in allowed:
        raise TransitionRefused(_l("Langkah ini tidak dapat dilakukan pada publikasi "
                                   "berstatus %(state)s.", state=current.label))
    return target


def check_schedule(at, now):
    """A publication time chosen on the desk: in the future (a past time is 'publish now'),
    and with a time zone. Returns a message or None."""
    if at is None:
        return _l("Isi waktu terbit.")
    if at.tzinfo is None:
        return _l("Waktu terbit tidak valid.")
    if at <= now:
        return _l("Waktu terbit harus di masa depan; untuk terbit sekarang pilih "
                  "\u201cTerbitkan sekarang\u201d.")
    return None


# --- Tags ----------------------------------------------------------------------------------

MAX_TAGS = 10
MAX_TAG_CHARS = 40
_TAG_SPLIT = _re.compile(r"[,;\n]+")
_TAG_CLEAN = _re.compile(r"[^\w\- ]+", _re.UNICODE)


def parse_tags(text):
    """'Banjir, kesehatan ;Banjir' -> ['banjir', 'kesehatan']: lower case, words, digits,
    hyphens and single spaces, unique, in the order typed. Raises ValueError with a
    message when there are too many or one is too long."""
    out = []
    for raw in _TAG_SPLIT.split(text or ""):
        tag = " ".join(_TAG_CLEAN.sub(" ", raw).lower().split())
        if not tag or tag in out:
            continue
        if len(tag) > MAX_TAG_CHARS:
            raise ValueError(_l("Setiap tag paling banyak %(n)d karakter.", n=MAX_TAG_CHARS))
        out.append(tag)
    if len(out) > MAX_TAGS:
        raise ValueError(_l("Paling banyak %(n)d tag.", n=MAX_TAGS))
    return out


def stored_tags(tags):
    """How tags are stored: ',a,b,' so that one tag is found with LIKE '%,a,%'."""
    return "," + ",".join(tags) + "," if tags else ""


def tags_of(stored):
    return [t for t in (stored or "").split(",") if t]


# --- Sharing --------------------------------------------------------------------------------


def plain_excerpt(text, limit=200):
    """A summary for meta descriptions: one line, at most ``limit`` characters."""
    line = " ".join((text or "").split())
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "\u2026"


def slugify(title):
    """A readable address part: 'Vaksinasi HPV di 14 Kabupaten!' -> 'vaksinasi-hpv-di-14-kabupaten'."""
    ascii_title = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode()
    slug = _re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:80].rstrip("-") or "berita"



# --- Figures for the compliance pages -------------------------------------------------------

FIGURE_MONTHS = 12  # the compliance pages' publication figures: the last 12 calendar months


def month_starts(today, months=FIGURE_MONTHS):
    """The first days of the ``months`` calendar months ending with ``today``'s, oldest
    first: 2026-12-02 -> 2026-01-01, 2026-02-01, ..., 2026-12-01."""
    out = []
    year, month = today.year, today.month
    for _i in range(months):
        out.append(type(today)(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return tuple(reversed(out))


@dataclass(frozen=True)
class PublicationFigures:
    """One agency's desk figures over the compliance window (DOMAIN.md section 16):
    publications made public per calendar month (withdrawn ones not counted), the median
    hours from the first submission to the desk to the moment the item became public, and
    the drafts the desk returned (each draft once, however often it was returned)."""

    months: tuple = ()
    per_month: tuple = ()
    median_hours: Optional[float] = None
    returned: int = 0

    @property
    def total(self):
        return sum(self.per_month)

    @property
    def average_per_month(self):
        return round(self.total / len(self.months), 1) if self.months else None

    def by_month(self):
        return list(zip(self.months, self.per_month))


# --- Kinds of publication and the agencies' publication plans -----------------------------
#
# Each agency's humas plan how often they publish each kind of material (DOMAIN.md section
# 16: activities, programmes, achievements, policies, announcements; "regular, accurate
# information"): at least N a month or a quarter. An agency behind its plan is flagged on
# the publication calendar.


class PublicationKind(LabelledEnum):
    """What a publication is (what the agencies' publication plans count)."""

    BERITA = "berita", _l("Berita kegiatan")
    PROGRAM = "program", _l("Program")
    CAPAIAN = "capaian", _l("Capaian")
    KEBIJAKAN = "kebijakan", _l("Kebijakan")
    PENGUMUMAN = "pengumuman", _l("Pengumuman")


class Cadence(LabelledEnum):
    """The period of a publication plan's target."""

    BULANAN = "bulanan", _l("per bulan")
    TRIWULANAN = "triwulanan", _l("per triwulan")


class PlanStatus(LabelledEnum):
    """Where an agency stands against one target of its plan in one period."""

    TERCAPAI = "tercapai", _l("Tercapai")
    SESUAI = "sesuai", _l("Sesuai rencana")
    TERTINGGAL = "tertinggal", _l("Tertinggal")
    TIDAK_TERCAPAI = "tidak_tercapai", _l("Tidak tercapai")
    BELUM_MULAI = "belum_mulai", _l("Belum dimulai")


# What each status means, for the calendar's legend.
PLAN_STATUS_HELP = {
    PlanStatus.TERCAPAI: _l("Target periode ini sudah terpenuhi."),
    PlanStatus.SESUAI: _l("Belum terpenuhi, tetapi jumlah yang terbit sejauh ini sesuai "
                          "dengan bagian periode yang sudah berjalan."),
    PlanStatus.TERTINGGAL: _l("Yang terbit sejauh ini kurang dari bagian periode yang sudah "
                              "berjalan."),
    PlanStatus.TIDAK_TERCAPAI: _l("Periode sudah berakhir dan targetnya tidak terpenuhi."),
    PlanStatus.BELUM_MULAI: _l("Periode belum dimulai; publikasi terjadwal sudah "
                               "tercatat."),
}

MAX_PLAN_TARGET = 100  # a month's or a quarter's target


def plan_period(cadence, day):
    """(first day, last day) of the period of ``cadence`` holding ``day``."""
    from datetime import date, timedelta
    first_month = day.month if Cadence(cadence) == Cadence.BULANAN else \
        3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    months = 1 if Cadence(cadence) == Cadence.BULANAN else 3
    year, month = (start.year, start.month + months) if start.month + months <= 12 else \
        (start.year + 1, start.month + months - 12)
    return start, date(year, month, 1) - timedelta(days=1)


def previous_period(cadence, day):
    """The period of ``cadence`` before the one holding ``day``."""
    from datetime import timedelta
    start, _end = plan_period(cadence, day)
    return plan_period(cadence, start - timedelta(days=1))


def expected_by(target, start, end, today):
    """How many of ``target`` should be out by the end of ``today``, pro rata over the
    period's days: 4 a month of 30 days, on the 15th: 2."""
    total = (end - start).days + 1
    elapsed = min(max((today - start).days + 1, 0), total)
    return target * elapsed // total


def plan_status(target, published, start, end, today):
    """The status of a period's target given the publications made public in it so far."""
    if today < start:
        return PlanStatus.BELUM_MULAI
    if published >= target:
        return PlanStatus.TERCAPAI
    if today > end:
        return PlanStatus.TIDAK_TERCAPAI
    if published < expected_by(target, start, end, today):
        return PlanStatus.TERTINGGAL
    return PlanStatus.SESUAI


def is_behind(current, previous):
    """An agency is flagged behind one target of its plan when it is behind in the current
    period, or missed it in the last one and has not caught up yet in this one."""
    return current == PlanStatus.TERTINGGAL or (
        previous == PlanStatus.TIDAK_TERCAPAI and current != PlanStatus.TERCAPAI)
