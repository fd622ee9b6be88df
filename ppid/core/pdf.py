"""PDF rendering: HTML first, then WeasyPrint, in this one place.

Templates are rendered to HTML (testable as text); :func:`html_to_pdf` turns that HTML into
PDF bytes. The URL fetcher serves only the app's own static files and inline ``data:``
URLs: a document can never make the server fetch anything else (no SSRF, no local files).
"""
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlparse

from flask import current_app, render_template

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


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML
    fetcher = _fetcher_for(current_app.static_folder)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()


def render_pdf(template, **context) -> bytes:
    """Render a Jinja template under templates/pdf/ to PDF bytes."""
    return html_to_pdf(render_html(template, **context))


def render_html(template, **context) -> str:
    return render_template(template, pdf_static=lambda f: BASE_URL + "static/" + f, **context)
