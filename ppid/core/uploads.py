"""Checking uploaded files before anything is stored.

The type is detected from the content, never trusted from the name or the browser; the
name is checked for path tricks and cleaned; size and emptiness are checked, and a ZIP-based
file's expansion from its central directory. A refused upload raises
:class:`UploadRejected` with a message for the user, and nothing is stored. These checks
read no database and parse nothing but the ZIP directory, so they run before any write;
:func:`refuse_active_pdf`, which parses, does so in a limited child process.
"""
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from urllib.parse import quote

import filetype
from flask import Response, current_app
from flask_babel import gettext as _

from ppid.core import extract

# media type -> (label, accepted extensions)
DOCUMENT_TYPES = {
    "application/pdf": ("PDF", {"pdf"}),
    "application/msword": ("Word", {"doc"}),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("Word", {"docx"}),
    "application/vnd.ms-excel": ("Excel", {"xls"}),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("Excel", {"xlsx"}),
    "application/vnd.ms-powerpoint": ("PowerPoint", {"ppt"}),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation":
        ("PowerPoint", {"pptx"}),
    "application/vnd.oasis.opendocument.text": ("OpenDocument", {"odt"}),
    "application/vnd.oasis.opendocument.spreadsheet": ("OpenDocument", {"ods"}),
    "application/vnd.oasis.opendocument.presentation": ("OpenDocument", {"odp"}),
    "image/png": ("PNG", {"png"}),
    "image/jpeg": ("JPEG", {"jpg", "jpeg"}),
    "image/gif": ("GIF", {"gif"}),
    "image/webp": ("WebP", {"webp"}),
    "text/csv": ("CSV", {"csv"}),
    "text/plain": ("teks", {"txt"}),
}
# Types a browser may show inline; everything else is sent as an attachment.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
                "text/plain"}

_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe",
                     b"\xca\xfe\xba\xbe", b"#!")
_MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|iframe|svg|object|embed|meta|"
                     rb"link|style|\?xml)\b", re.I)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UploadRejected(ValueError):
    """The upload was refused; ``str(exc)`` is the message for the user."""


@dataclass(frozen=True)
class CheckedUpload:
    data: bytes
    sha256: str
    size: int
    media_type: str
    filename: str  # cleaned original name


def clean_filename(name: str) -> str:
    """Refuse names with path parts; keep letters (any script), digits, ._- and spaces."""
    if not name or not name.strip():
        raise UploadRejected(_("Berkas tidak memiliki nama."))
    if "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise UploadRejected(_("Nama berkas tidak boleh mengandung garis miring atau '..' "
                               "(nama: %(name)s).", name=name[:80]))
    name = unicodedata.normalize("NFC", name)
    cleaned = "".join(c if (c.isalnum() or c in "._- ()") else "_" for c in name).strip(" .")
    if not cleaned or "." not in cleaned:
        raise UploadRejected(_("Nama berkas harus memiliki ekstensi, misalnya laporan.pdf."))
    if len(cleaned) > 150:
        stem, ext = cleaned.rsplit(".", 1)
        cleaned = stem[:140] + "." + ext[:9]
    return cleaned


def detect_media_type(data: bytes, extension: str):
    """The media type the content really is, or None when it is not an accepted type."""
    head = data[:8192]
    if any(head.startswith(m) for m in _EXECUTABLE_MAGIC):
        return "application/x-executable"
    kind = filetype.guess(head if not head.startswith(b"PK") else data)
    if kind is not None:
        mime = kind.mime
        if mime == "application/zip":
            return None
        return mime
    if head.startswith(_OLE):
        # Legacy Office files share one container; trust the extension among those three.
        return {"doc": "application/msword", "xls": "application/vnd.ms-excel",
                "ppt": "application/vnd.ms-powerpoint"}.get(extension)
    # Text: valid UTF-8 (or Windows-1252 without control bytes) and no markup.
    if b"\x00" in head:
        return None
    if _MARKUP.search(data[:65536]):
        return "text/html"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return None
        if any(ord(c) < 9 for c in text[:8192]):
            return None
    return "text/csv" if extension == "csv" else "text/plain"


def check_upload(file_storage, *, allowed=None, max_bytes=None) -> CheckedUpload:
    """Read and check an uploaded file (werkzeug FileStorage). Raises UploadRejected."""
    allowed = allowed or DOCUMENT_TYPES
    max_bytes = int(max_bytes or current_app.config["MAX_UPLOAD_BYTES"])
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise UploadRejected(_("Pilih berkas yang akan diunggah."))
    filename = clean_filename(file_storage.filename)
    extension = filename.rsplit(".", 1)[1].lower()
    data = file_storage.stream.read(max_bytes + 1)
    if len(data) == 0:
        raise UploadRejected(_("Berkas %(name)s kosong (0 bait).", name=filename))
    if len(data) > max_bytes:
        raise UploadRejected(_("Berkas %(name)s melebihi batas ukuran %(mb)s MB.",
                               name=filename, mb=_megabytes(max_bytes)))
    media_type = detect_media_type(data, extension)
    if media_type == "application/x-executable":
        raise UploadRejected(_("Berkas %(name)s adalah program (berkas yang dapat dijalankan) "
                               "dan tidak diterima.", name=filename))
    if media_type == "text/html":
        raise UploadRejected(_("Berkas %(name)s berisi HTML atau skrip dan tidak diterima. "
                               "Unggah sebagai PDF.", name=filename))
    if media_type not in allowed:
        raise UploadRejected(_("Jenis berkas %(name)s tidak diterima. Jenis yang diterima: "
                               "%(types)s.", name=filename, types=allowed_labels(allowed)))
    label, extensions = allowed[media_type]
    if extension not in extensions:
        raise UploadRejected(_("Isi berkas %(name)s adalah %(label)s, tidak sesuai dengan "
                               "ekstensi .%(ext)s.", name=filename, label=label, ext=extension))
    if media_type in extract.ZIP_BASED:
        check_zip_expansion(data, filename, label)
    return CheckedUpload(data=data, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                         media_type=media_type, filename=filename)


def check_zip_expansion(data, filename, label):
    """Refuse a ZIP-based file (DOCX, XLSX, ODT, ...) whose parts would expand to an extreme
    size or ratio, or that has extremely many parts, from its central directory alone (no
    part is decompressed). Its text is read later within the same declared sizes."""
    cfg = current_app.config
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise UploadRejected(_("Berkas %(name)s rusak: isinya tidak dapat dibaca sebagai "
                               "%(label)s. Simpan ulang dokumennya lalu unggah kembali.",
                               name=filename, label=label)) from None
    max_members = int(cfg["UPLOAD_ZIP_MAX_MEMBERS"])
    if len(infos) > max_members:
        raise UploadRejected(_("Berkas %(name)s terdiri atas %(n)d bagian, melebihi batas "
                               "%(max)d bagian, dan tidak diterima.", name=filename,
                               n=len(infos), max=max_members))
    expanded = sum(i.file_size for i in infos)
    max_expanded = int(cfg["UPLOAD_ZIP_MAX_EXPANDED_BYTES"])
    if expanded > max_expanded:
        raise UploadRejected(_("Berkas %(name)s mengembang menjadi %(size)s MB saat dibuka, "
                               "melebihi batas %(max)s MB, dan tidak diterima. Perkecil "
                               "dokumennya atau bagi menjadi beberapa berkas.", name=filename,
                               size=_megabytes(expanded), max=_megabytes(max_expanded)))
    max_ratio = float(cfg["UPLOAD_ZIP_MAX_RATIO"])
    if expanded > max_ratio * len(data):
        raise UploadRejected(_("Isi berkas %(name)s %(ratio)s kali lebih besar daripada "
                               "berkasnya (batas %(max)s kali): berkas seperti ini tidak "
                               "diterima. Simpan ulang dokumennya lalu unggah kembali.",
                               name=filename, ratio=f"{expanded / len(data):.0f}",
                               max=f"{max_ratio:g}"))


def refuse_active_pdf(checked: CheckedUpload):
    """Refuse a PDF that carries JavaScript, embedded files, launch actions or rich media
    (a public document has no need of them), or that cannot be checked in time.

    Most PDFs are cleared from their bytes alone (ppid.core.extract.pdf_needs_check); the
    others are parsed in a child process with PDF_CHECK_TIMEOUT_SECONDS and
    EXTRACT_MEMORY_MB as limits. Needs no database: call it before any write.
    """
    from ppid.core.jobs import Limits, run_limited
    if not extract.pdf_needs_check(checked.data):
        return
    cfg = current_app.config
    timeout = float(cfg["PDF_CHECK_TIMEOUT_SECONDS"])
    result = run_limited(extract.__file__, ["check-pdf"], checked.data,
                         Limits(timeout, int(cfg["EXTRACT_MEMORY_MB"])))
    name = checked.filename
    if not result.ok:
        raise UploadRejected(_("Berkas %(name)s tidak dapat diperiksa dalam %(s)s detik, "
                               "sehingga tidak diterima. Simpan ulang sebagai PDF biasa "
                               "(misalnya dengan \"Cetak ke PDF\") lalu unggah kembali.",
                               name=name, s=f"{timeout:g}"))
    answer = json.loads(result.output)
    if not answer["ok"]:
        if answer["reason"] == extract.ENCRYPTED:
            raise UploadRejected(_("Berkas %(name)s dilindungi kata sandi sehingga isinya "
                                   "tidak dapat diperiksa. Dokumen publik harus dapat dibuka "
                                   "tanpa kata sandi.", name=name))
        raise UploadRejected(_("Berkas %(name)s tidak dapat dibaca sebagai PDF untuk "
                               "diperiksa. Simpan ulang sebagai PDF (misalnya dengan "
                               "\"Cetak ke PDF\") lalu unggah kembali.", name=name))
    findings = answer["findings"]
    if not findings:
        return
    messages = {
        extract.JAVASCRIPT: _("Berkas %(name)s berisi skrip (JavaScript). Dokumen publik "
                              "tidak memerlukan skrip: simpan ulang sebagai PDF biasa lalu "
                              "unggah kembali.", name=name),
        extract.EMBEDDED_FILE: _("Berkas %(name)s berisi berkas lain yang disematkan. "
                                 "Dokumen publik tidak memerlukan lampiran tersembunyi: "
                                 "unggah setiap dokumen sebagai berkas tersendiri.",
                                 name=name),
        extract.LAUNCH: _("Berkas %(name)s berisi perintah untuk menjalankan program atau "
                          "membuka berkas lain. Dokumen publik tidak memerlukan perintah "
                          "seperti itu: simpan ulang sebagai PDF biasa lalu unggah kembali.",
                          name=name),
        extract.RICH_MEDIA: _("Berkas %(name)s berisi media interaktif (RichMedia, Flash "
                              "atau video tersemat). Dokumen publik tidak memerlukannya: "
                              "simpan ulang sebagai PDF biasa lalu unggah kembali.",
                              name=name),
    }
    raise UploadRejected(messages[findings[0]])


def allowed_labels(allowed=None):
    exts = sorted({e for _label, es in (allowed or DOCUMENT_TYPES).values() for e in es})
    return ", ".join(exts)


def _megabytes(n):
    mb = n / (1024 * 1024)
    return f"{mb:.0f}" if mb >= 1 else f"{mb:.2f}"


def send_stored(data: bytes, media_type: str, filename: str):
    """A download response: PDFs and images inline, everything else as an attachment."""
    disposition = "inline" if media_type in INLINE_TYPES else "attachment"
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    resp = Response(data, mimetype=media_type)
    if media_type == "text/plain" or media_type == "text/csv":
        resp.headers["Content-Type"] = f"{media_type}; charset=utf-8"
    resp.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'"
    return resp
