"""The E-Monev evidence pack: one PDF per question, each at most 2 MB (an attachment that
would make it larger is summarised with its hash and link), an index PDF, and a manifest
(CSV and JSON) of every evidence link with the status it answered just before packing; a
deliberately broken link is reported in the manifest, the index and its question's PDF.
Read back with pdftotext."""
import csv
import hashlib
import io
import json
import os
import zipfile
from datetime import date

import pytest

from ppid.core.uploads import CheckedUpload
from ppid.evaluation import assessment, pack, rules
from ppid.extensions import db
from ppid.registry.demo import _pdf_bytes, raw_pdf
from tests.services.test_registry_staleness import NOW

BROKEN = "/informasi-dikecualikan"
UNREACHABLE = "/ikm/"


def checker(url):
    """A web where the DIK page answers 404 and the IKM page cannot be reached."""
    if url.endswith(BROKEN):
        return 404, ""
    if UNREACHABLE in url:
        return None, "ConnectionError"
    return 200, ""


def checked_pdf(data, name):
    return CheckedUpload(data, hashlib.sha256(data).hexdigest(), len(data), "application/pdf",
                         name)


def big_pdf(size):
    """A one-page PDF of about ``size`` bytes, most of it its content stream (comment lines
    of random hex, kept as they are when pages are copied)."""
    lines, total = [], 0
    while total < size:
        line = b"%" + os.urandom(60).hex().encode() + b"\n"
        lines.append(line)
        total += len(line)
    content = b"".join(lines)[:size]
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                    b"<< /Length %d >>\nstream\n" % len(content) + content
                    + b"\nendstream"])


@pytest.fixture
def agency(factories):
    factories.agency(kind="utama", name="PPID Utama Uji")
    a = factories.agency(slug="dinas-paket", name="Dinas Paket")
    assessment.attest(a, "ko_sk_ppid", checked_pdf(_pdf_bytes(["Isi SK PPID KANARI-SK"]),
                                                   "sk-ppid.pdf"),
                      statement="SK Nomor 1", valid_from=date(2026, 1, 2),
                      valid_until=date(2028, 1, 2), actor=None, now=NOW)
    db.session.flush()
    return a


def test_pack_has_one_pdf_per_question_an_index_and_a_manifest(ctx, agency, pdftotext):
    body = pack.build_pack(agency, 2026, now=NOW, checker=checker)
    z = zipfile.ZipFile(io.BytesIO(body))
    names = z.namelist()
    assert names[0] == "00-indeks.pdf" and names[-2:] == ["manifest.csv", "manifest.json"]
    questions = names[1:-2]
    assert questions == [pack.file_name(n, q) for n, q in enumerate(
        [q for ind in rules.INDICATORS for q in rules.QUESTIONS if q.indicator is ind], 1)]
    for name in names[:-2]:
        data = z.read(name)
        assert data.startswith(b"%PDF-") and len(data) <= 2 * 1024 * 1024, name
    # The attested question carries its evidence's own pages, its hash and its validity.
    sk = pdftotext(z.read(pack.file_name(12, rules.Question.SK_PPID)))
    assert "SK penetapan PPID" in sk and "KANARI-SK" in sk
    assert hashlib.sha256(_pdf_bytes(["Isi SK PPID KANARI-SK"])).hexdigest() in sk
    assert "Halaman dokumen bukti menyusul" in sk
    # A computed question shows its computation.
    berkala = pdftotext(z.read(pack.file_name(1, rules.Question.BERKALA)))
    assert "kewajiban berkala" in berkala
    # The manifest: every link with its status; the broken and unreachable ones marked.
    rows = list(csv.DictReader(io.StringIO(z.read("manifest.csv").decode())))
    by_url = {r["url"]: r for r in rows}
    dik = next(r for url, r in by_url.items() if url.endswith(BROKEN))
    assert (dik["status_http"], dik["berhasil"], dik["pertanyaan"]) == ("404", "tidak",
                                                                       "ji_dik")
    ikm = next(r for url, r in by_url.items() if UNREACHABLE in url)
    assert (ikm["status_http"], ikm["berhasil"], ikm["galat"]) == ("", "tidak",
                                                                   "ConnectionError")
    assert sum(r["berhasil"] == "ya" for r in rows) == len(rows) - 3  # and the sign-in one
    assert any(r["berhasil"] == "tidak diperiksa" and "/kelola/emonev/bukti/" in r["url"]
               for r in rows)
    manifest = json.loads(z.read("manifest.json"))
    assert manifest["broken_links"] == 2 and manifest["agency"] == "dinas-paket"
    assert {lk["status"] for lk in manifest["links"] if lk["ok"] is False} == {404, None}
    # The index names both broken links, and the DIK's own PDF says its link is broken.
    index = pdftotext(z.read("00-indeks.pdf"))
    assert "Tautan yang rusak" in index and "informasi-dikecualikan (404)" in index
    assert "ConnectionError" in index
    assert "RUSAK" in pdftotext(z.read(pack.file_name(3, rules.Question.DIKECUALIKAN)))


def test_a_large_attachment_is_summarised_not_embedded(ctx, agency, pdftotext):
    """Evidence within the upload limit whose pages would push the question's PDF past
    2 MB: the PDF holds its name, size and hash instead."""
    data = big_pdf(2 * 1024 * 1024 - 5_000)
    assert len(data) <= rules.EVIDENCE_MAX_BYTES
    assessment.attest(agency, "ko_sop", checked_pdf(data, "sop-besar.pdf"),
                      statement="SOP lengkap", valid_from=date(2026, 1, 2),
                      valid_until=date(2028, 1, 2), actor=None, now=NOW)
    z = zipfile.ZipFile(io.BytesIO(pack.build_pack(agency, 2026, now=NOW,
                                                   checker=checker)))
    sop = z.read(pack.file_name(13, rules.Question.SOP))
    assert len(sop) <= 2 * 1024 * 1024
    text = pdftotext(sop)
    assert "sop-besar.pdf" in text and hashlib.sha256(data).hexdigest() in text
    assert "tidak disematkan agar berkas ini tidak melebihi 2 MB" in text
    assert "diringkas" in pdftotext(z.read("00-indeks.pdf"))


def test_the_command_writes_the_pack_and_fails_on_a_broken_link(app, ctx, agency, tmp_path,
                                                                 monkeypatch):
    db.session.commit()
    out = tmp_path / "paket.zip"
    monkeypatch.setattr(pack, "check_url", checker)
    result = app.test_cli_runner().invoke(args=[
        "ppid", "emonev-pack", agency.slug, "--year", "2026", "--output", str(out),
        "--now", NOW.isoformat()])
    assert result.exit_code == 1, result.output
    assert "tautan rusak: 2" in result.output
    assert zipfile.ZipFile(out).read("00-indeks.pdf").startswith(b"%PDF-")
    monkeypatch.setattr(pack, "check_url", lambda url: (200, ""))
    result = app.test_cli_runner().invoke(args=[
        "ppid", "emonev-pack", agency.slug, "--output", str(out), "--now", NOW.isoformat()])
    assert result.exit_code == 0 and "tautan rusak: 0" in result.output
    bad = app.test_cli_runner().invoke(args=["ppid", "emonev-pack", "tidak-ada"])
    assert bad.exit_code != 0 and "tidak ada" in bad.output


def test_every_agency_in_one_zip_each_question_its_own_pages(app, ctx, agency, tmp_path,
                                                              monkeypatch, pdftotext):
    """emonev-pack --all: one folder per active agency, each a whole pack; the one rendering
    of a pack is split so that each file holds its own question's pages only."""
    db.session.commit()
    out = tmp_path / "semua.zip"
    monkeypatch.setattr(pack, "check_url", lambda url: (200, ""))
    result = app.test_cli_runner().invoke(args=[
        "ppid", "emonev-pack", "--all", "--year", "2026", "--output", str(out),
        "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert "2 badan publik" in result.output and "tautan rusak: 0" in result.output
    z = zipfile.ZipFile(out)
    slugs = {n.split("/")[0] for n in z.namelist()}
    assert agency.slug in slugs and len(slugs) == 2
    questions = assessment.questions_for(2026).active
    for slug in slugs:
        for n, q in enumerate(questions, start=1):
            data = z.read(f"{slug}/{pack.file_name(n, q)}")
            assert data.startswith(b"%PDF-") and len(data) <= 2 * 1024 * 1024
        assert json.loads(z.read(f"{slug}/manifest.json"))["agency"] == slug
    berkala = pdftotext(z.read(f"{agency.slug}/{pack.file_name(1, rules.Question.BERKALA)}"))
    assert "Informasi berkala tersedia dan terkini" in berkala
    assert "SK penetapan PPID" not in berkala and "Indeks bukti" not in berkala
    index = pdftotext(z.read(f"{agency.slug}/00-indeks.pdf"))
    assert "Indeks bukti penilaian mandiri" in index and "Perhitungan" not in index
    usage = app.test_cli_runner().invoke(args=["ppid", "emonev-pack"])
    assert usage.exit_code != 0 and "--all" in usage.output
