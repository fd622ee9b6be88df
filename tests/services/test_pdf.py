"""PDF rendering fetches only the app's own static files."""
import logging

from ppid.core.pdf import html_to_pdf


def test_own_stylesheet_is_used_and_text_reads_back(ctx, pdftotext, tmp_path):
    html = ("<html><head><link rel='stylesheet' href='https://ppid.invalid/static/css/ppid.css'>"
            "</head><body><h1>Daftar Informasi Publik</h1><p>Dinas Kesehatan 2026</p></body></html>")
    pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF")
    text = pdftotext(pdf)
    assert "Daftar Informasi Publik" in text and "Dinas Kesehatan 2026" in text


def test_foreign_and_local_urls_are_refused(ctx, caplog, pdftotext):
    caplog.set_level(logging.WARNING, logger="ppid.core.pdf")
    html = ("<html><body><img src='http://169.254.169.254/latest/meta-data'>"
            "<img src='file:///etc/passwd'>"
            "<link rel='stylesheet' href='https://ppid.invalid/static/../../../etc/passwd'>"
            "<p>isi</p></body></html>")
    pdf = html_to_pdf(html)
    assert "isi" in pdftotext(pdf)
    assert "root:" not in pdftotext(pdf)
