"""PDF rendering: HTML first, then WeasyPrint, in this one place.

Templates are rendered to HTML (testable as text); :func:`html_to_pdf` turns that HTML into
PDF bytes. The URL fetcher serves only the app's own static files and inline ``data:``
URLs: a document can never make the server fetch anything else (no SSRF, no local files).

This file is also the script of a limited child process (ppid.core.jobs.run_limited) that
converts HTML read from stdin into a PDF on stdout, with the static folder as its argument:
:func:`html_to_pdf_limited`, used for letters (rendered after commit by a job, or for a
download that comes before it). It then imports nothing of the app (only the standard
library and WeasyPrint).
"""
import logging
import mimetypes
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

log = logging.getLogger(__name__)
BASE_URL = "https://ppid.invalid/"


def _fetcher_for(static_folder):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_root = Path(static_folder).resolve()

    class OwnStaticFetcher(URLFetcher):
        """Serves the app's static files and data: URLs; refuses everything else."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parsed = urlparse(url)
            if parsed.scheme == "https" and parsed.netloc == "ppid.invalid" and \
                    parsed.path.startswith("/static/"):
                target = (static_root / unquote(parsed.path[len("/static/"):])).resolve()
                if static_root in target.parents and target.is_file():
                    mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, target.read_bytes(),
                                              {"Content-Type": mime})
            log.warning("PDF renderer refused to fetch %s", url[:200])
            raise ValueError(f"refused to fetch {url[:200]}")

    return OwnStaticFetcher(allowed_protocols=("https", "data"))


def convert(html: str, static_folder) -> bytes:
    """The one WeasyPrint conversion: ``html`` to PDF bytes, fetching only the files of
    ``static_folder`` and data: URLs."""
    from weasyprint import HTML
    fetcher = _fetcher_for(static_folder)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()


def convert_with_anchors(html: str, static_folder):
    """:func:`convert`, also giving each page's anchors (the ``id`` of the elements that
    start on it), so one rendering can be split into documents (the E-Monev pack)."""
    from weasyprint import HTML
    document = HTML(string=html, base_url=BASE_URL,
                    url_fetcher=_fetcher_for(static_folder)).render()
    return document.write_pdf(), [set(page.anchors) for page in document.pages]


def render_pdf_with_anchors(template, **context):
    """(PDF bytes, [set of anchors per page]) of a template (see convert_with_anchors)."""
    from flask import current_app
    return convert_with_anchors(render_html(template, **context), current_app.static_folder)


def html_to_pdf(html: str) -> bytes:
    from flask import current_app
    return convert(html, current_app.static_folder)


class RenderFailed(RuntimeError):
    """The limited child gave no PDF (timed out, out of memory, crashed)."""


def pdf_limits():
    from flask import current_app

    from ppid.core.jobs import Limits
    cfg = current_app.config
    return Limits(float(cfg["PDF_RENDER_TIMEOUT_SECONDS"]), int(cfg["PDF_RENDER_MEMORY_MB"]))


def html_to_pdf_limited(html: str) -> bytes:
    """:func:`html_to_pdf` in a child process with PDF_RENDER_TIMEOUT_SECONDS and
    PDF_RENDER_MEMORY_MB (ppid.core.jobs.run_limited). Raises RenderFailed."""
    from flask import current_app

    from ppid.core.jobs import run_limited
    result = run_limited(__file__, [current_app.static_folder], html.encode("utf-8"),
                         pdf_limits())
    if not result.ok or not result.output.startswith(b"%PDF-"):
        raise RenderFailed(f"{result.failure or 'no PDF'}: {result.detail}")
    return result.output


def render_pdf(template, **context) -> bytes:
    """Render a Jinja template under templates/pdf/ to PDF bytes."""
    return html_to_pdf(render_html(template, **context))


def render_html(template, **context) -> str:
    from flask import render_template
    return render_template(template, pdf_static=lambda f: BASE_URL + "static/" + f, **context)


if __name__ == "__main__":  # the limited child: HTML on stdin, PDF on stdout
    sys.stdout.buffer.write(convert(sys.stdin.buffer.read().decode("utf-8"), sys.argv[1]))
