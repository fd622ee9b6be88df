"""The E-Monev evidence pack of an agency for a year (issue #18, section 2): one ZIP with
one PDF per question (each at most 2 MB, the Komisi Informasi's limit), an index PDF, and
a manifest (CSV and JSON) of every evidence URL with the HTTP status it answered just
before packing. A broken link is reported (in the manifest, the index and the question's
PDF), never silently packed.

A question's PDF is its computation (what the registry counted, the figures and the lines
the assessment page shows), its links with their status, and for an attested question its
evidence: a PDF's pages appended, an image shown; when that would make the file larger than
2 MB the evidence is summarised instead (its name, size, SHA-256 and the link to it). The
pack is written in Indonesian, the language of the evaluation, whoever asks for it.
"""
import base64
import io
import json
import zipfile
from dataclasses import asdict, dataclass
from typing import Callable, Optional

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ppid.core import pdf
from ppid.core.db import utcnow
from ppid.core.exports import SafeCsvWriter
from ppid.core.services import local_today
from ppid.core.storage import storage
from ppid.evaluation import assessment, rules
from ppid.reports.rules import NO_BAND_LABEL, Band

PDF_MAX_BYTES = rules.EVIDENCE_MAX_BYTES
LINK_TIMEOUT_SECONDS = 5
LINK_WORKERS = 8            # links are opened in parallel: a pack waits for the slowest few
MANIFEST_COLUMNS = ("pertanyaan", "url", "keterangan", "status_http", "berhasil", "galat",
                    "diperiksa_pada")


@dataclass(frozen=True)
class Link:
    question: str        # the question's code ("" for the index)
    url: str
    purpose: str
    status: Optional[int] = None
    ok: Optional[bool] = None   # None: not checked (a page behind the officers' sign-in)
    error: str = ""
    checked_at: str = ""


def check_url(url, timeout=LINK_TIMEOUT_SECONDS):
    """(HTTP status or None, error text) of ``url``: a HEAD, then a GET when the server
    does not answer HEAD; redirects are followed."""
    import requests
    try:
        resp = requests.head(url, allow_redirects=True, timeout=timeout)
        if resp.status_code in (405, 501):
            resp = requests.get(url, allow_redirects=True, timeout=timeout, stream=True)
            resp.close()
        return resp.status_code, ""
    except requests.RequestException as exc:
        return None, type(exc).__name__


def check_many(urls, checker):
    """{url: (status, error)} for each distinct URL, opened LINK_WORKERS at a time."""
    from concurrent.futures import ThreadPoolExecutor
    distinct = list(dict.fromkeys(urls))
    if not distinct:
        return {}
    with ThreadPoolExecutor(max_workers=min(LINK_WORKERS, len(distinct))) as pool:
        return dict(zip(distinct, pool.map(checker, distinct)))


def _base():
    return current_app.config["BASE_URL"].rstrip("/")


def evidence_links(agency, year, assessment_result):
    """Every public URL the pack cites, per question, plus the officers' links to the
    attested evidence (not checked: they need signing in)."""
    from ppid.registry.rules import semester_of
    base = _base()
    today = local_today()
    semester = semester_of(today) if year == today.year else 2
    slug = agency.slug
    Q = rules.Question
    links = [
        Link(Q.MENU_PPID.value, f"{base}/badan/{slug}", _("Halaman PPID badan publik")),
        Link(Q.BERKALA.value, f"{base}/badan/{slug}", _("Kewajiban berkala dan statusnya")),
        Link(Q.SETIAP_SAAT.value, f"{base}/badan/{slug}/dip.csv?tahun={year}"
                                  f"&semester={semester}", _("DIP (CSV)")),
        Link(Q.DIP_DARING.value, f"{base}/badan/{slug}/dip.pdf?tahun={year}"
                                 f"&semester={semester}", _("DIP (PDF)")),
        Link(Q.DIKECUALIKAN.value, f"{base}/informasi-dikecualikan",
             _("Daftar informasi yang dikecualikan")),
        Link(Q.TEPAT_WAKTU.value, f"{base}/permohonan/register", _("Register permohonan")),
        Link(Q.SURVEI_IKM.value, f"{base}/ikm/{slug}?tahun={year}",
             _("Hasil survei kepuasan masyarakat")),
    ]
    from ppid.agencies.rules import Platform
    from ppid.agencies.services import channels
    for c in channels(agency.id):
        links.append(Link(Q.KANAL_RESMI.value, c.url,
                          _("Kanal resmi: %(p)s", p=Platform.label_of(c.platform))))
    for row in assessment.attestations(agency.id):
        if row.is_withdrawn:
            continue
        links.append(Link(row.question, f"{base}/kelola/emonev/bukti/{row.id}",
                          _("Bukti %(name)s (masuk sebagai petugas)", name=row.original_name)))
    return links


def check_links(links, checker):
    """The links with their status, each public one checked now (each URL once)."""
    answers = check_many([lk.url for lk in links if "/kelola/" not in lk.url], checker)
    checked_at = utcnow().isoformat(timespec="seconds")
    out = []
    for link in links:
        if link.url not in answers:
            out.append(link)  # behind the officers' sign-in: listed, not checked
            continue
        status, error = answers[link.url]
        out.append(Link(link.question, link.url, link.purpose, status,
                        status is not None and 200 <= status < 400, error, checked_at))
    return out


def _valid_evidence(rows, question, day):
    """The attestation of ``question`` valid on ``day`` among the agency's ``rows``."""
    valid = [r for r in rows if r.question == question.value and not r.is_withdrawn
             and rules.attestation_counts(r.valid_from, r.valid_until, r.attested_on, day)]
    return max(valid, key=lambda r: (r.valid_until, r.id)) if valid else None


# Room left in a question's 2 MB for its own pages when its evidence goes in whole.
OWN_PAGES_ALLOWANCE = 200 * 1024


def _plan(evidence):
    """(mode, data URL of an image to show, the evidence's bytes) for a question: a PDF is
    appended and an image shown unless it could not fit in 2 MB with the question's own
    pages, then it is summarised (name, size, SHA-256, link)."""
    if evidence is None:
        return "none", None, None
    if evidence.size > PDF_MAX_BYTES - OWN_PAGES_ALLOWANCE:
        return "summarised", None, None
    data = storage().get(evidence.sha256)
    if evidence.media_type in ("image/png", "image/jpeg"):
        return "embedded", "data:%s;base64,%s" % (evidence.media_type,
                                                  base64.b64encode(data).decode()), data
    if evidence.media_type == "application/pdf":
        return "appended", None, data
    return "summarised", None, None


def _question_pdf(ctx, result, links, evidence, mode="summarised"):
    """One question's PDF rendered on its own (the way back when the pack's rendering of it
    came out larger than 2 MB): the evidence summarised."""
    return pdf.render_pdf("evaluation/pdf/question.html", result=result, links=links,
                          evidence=evidence, image=None, mode=mode, **ctx)


def _append_pdf(summary, evidence_bytes):
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError
    try:
        writer = PdfWriter()
        writer.append(PdfReader(io.BytesIO(summary)))
        writer.append(PdfReader(io.BytesIO(evidence_bytes)))
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except (PyPdfError, ValueError, OSError):
        return None


def _split(whole, anchors, count):
    """The PDF ``whole`` cut into ``count + 1`` documents at the pages where the sections
    s-0 (the index), s-1 ... s-count start."""
    from pypdf import PdfReader, PdfWriter
    starts = {}
    for page_number, names in enumerate(anchors):
        for name in names:
            if name.startswith("s-") and name[2:].isdigit():
                starts.setdefault(int(name[2:]), page_number)
    if sorted(starts) != list(range(count + 1)):
        raise RuntimeError("evidence pack: a section has no page")
    reader = PdfReader(io.BytesIO(whole))
    bounds = [starts[n] for n in range(count + 1)] + [len(reader.pages)]
    parts = []
    for n in range(count + 1):
        writer = PdfWriter()
        for page in range(bounds[n], bounds[n + 1]):
            writer.add_page(reader.pages[page])
        out = io.BytesIO()
        writer.write(out)
        parts.append(out.getvalue())
    return parts


def file_name(n, question):
    return f"{n:02d}-{question.value}.pdf"


def build_pack(agency, year, *, now=None, checker: Callable = None, result=None) -> bytes:
    """The ZIP of the evidence pack of ``agency`` for ``year`` (see the module)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        write_pack(z, agency, year, now=now, checker=checker, result=result)
    return buf.getvalue()


def write_pack(z, agency, year, *, now=None, checker: Callable = None, result=None,
               prefix="") -> dict:
    """Write the evidence pack of ``agency`` for ``year`` into the open ZipFile ``z`` (its
    files under ``prefix``), from ``result`` (its AgencyAssessment) when the caller has
    computed it already. The index and every question are rendered in one go and split
    into their files; a question whose file would exceed 2 MB is rendered again with its
    evidence summarised. Returns the manifest."""
    now = now or utcnow()
    checker = checker or check_url
    with force_locale("id"):
        result = result or assessment.assess_agency(agency, year, now=now)
        a = result.assessment
        links = check_links(evidence_links(agency, year, a), checker)
        day = local_today(assessment.as_of(year, now))
        ctx = {"agency": agency, "year": year, "generated_on": local_today(now),
               "government_name": current_app.config["GOVERNMENT_NAME"], "a": a,
               "band_label": Band.label_of(a.band, NO_BAND_LABEL), "weights": result.weights}
        rows = assessment.attestations(agency.id)
        entries = []
        for ind in a.indicators:
            for r in ind.results:
                evidence = (_valid_evidence(rows, r.question, day)
                            if r.question.kind is rules.QuestionKind.DINYATAKAN else None)
                mode, image, data = _plan(evidence)
                entries.append({"file": file_name(len(entries) + 1, r.question), "result": r,
                                "indicator": ind, "mode": mode, "evidence": evidence,
                                "links": [lk for lk in links if lk.question == r.question.value],
                                "image": image, "data": data})
        broken = [lk for lk in links if lk.ok is False]
        whole, anchors = pdf.render_pdf_with_anchors(
            "evaluation/pdf/pack.html", entries=entries, links=links, broken=broken, **ctx)
        parts = _split(whole, anchors, len(entries))
        index, bodies = parts[0], parts[1:]
        modes_changed = False
        for e, body in zip(entries, bodies):
            if e["mode"] == "appended":
                merged = _append_pdf(body, e["data"])
                if merged is not None and len(merged) <= PDF_MAX_BYTES:
                    body = merged
                else:
                    e["mode"], body = "summarised", None
            elif len(body) > PDF_MAX_BYTES:
                e["mode"], body = "summarised", None
            if body is None:
                modes_changed = True
                body = _question_pdf(ctx, e["result"], e["links"], e["evidence"])
            e["body"], e["size"] = body, len(body)
            e["data"] = e["image"] = None
        if modes_changed:  # the index says how each evidence went in
            index = pdf.render_pdf("evaluation/pdf/index.html", entries=entries, links=links,
                                   broken=broken, **ctx)
    z.writestr(prefix + "00-indeks.pdf", index)
    for e in entries:
        z.writestr(prefix + e["file"], e.pop("body"))
    manifest = {"agency": agency.slug, "year": year, "generated_at": now.isoformat(),
                "total": None if a.total is None else str(a.total), "band": a.band,
                "broken_links": len(broken), "links": [asdict(lk) for lk in links]}
    z.writestr(prefix + "manifest.csv", manifest_csv(links))
    z.writestr(prefix + "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def build_all_packs(year, path, *, now=None, checker: Callable = None, agencies=None,
                    on_pack=None) -> dict:
    """Every active agency's evidence pack for ``year`` in one ZIP file at ``path`` (one
    folder per agency, written agency by agency, so memory holds one pack at a time), the
    assessments computed once for all (assessment.assess_all). Returns {"packs", "broken"}."""
    now = now or utcnow()
    _government, ranked = assessment.assess_all(year, now=now, agencies=agencies)
    broken = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for _place, result in sorted(ranked, key=lambda t: t[1].agency.slug):
            manifest = write_pack(z, result.agency, year, now=now, checker=checker,
                                  result=result, prefix=f"{result.agency.slug}/")
            broken += manifest["broken_links"]
            if on_pack is not None:
                on_pack(result.agency)
    return {"packs": len(ranked), "broken": broken}


def manifest_csv(links) -> str:
    out = io.StringIO()
    w = SafeCsvWriter(out)
    w.writerow(MANIFEST_COLUMNS)
    for lk in links:
        w.writerow([lk.question, lk.url, lk.purpose, "" if lk.status is None else lk.status,
                    {True: "ya", False: "tidak", None: "tidak diperiksa"}[lk.ok], lk.error,
                    lk.checked_at])
    return out.getvalue()


def pack_name(agency, year):
    return f"emonev-{agency.slug}-{year}.zip"

