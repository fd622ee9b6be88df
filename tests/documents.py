"""Documents generated for the upload and extraction tests: hostile PDFs, Office files and
ZIP bombs, built from raw bytes (or pypdf's writer) so each test shows exactly what it
uploads."""
import io
import zipfile
import zlib

from ppid.registry.demo import raw_pdf  # the one PDF writer (the demo's documents use it too)


def _stream(data, extra=b""):
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def bomb_pdf(pages=30, stream_bytes=1_000_000):
    """The finding of issue #12: ``pages`` pages sharing one FlateDecode content stream of
    ``stream_bytes`` of text operators; about 8 KB on disk, ~1 s of pypdf per page."""
    op = b"BT /F1 9 Tf 20 800 Td (dokumen publik berulang) Tj ET\n"
    packed = zlib.compress(op * (stream_bytes // len(op)), 9)
    font = 4 + pages
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
               _stream(packed, b" /Filter /FlateDecode")]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R "
                b"/Resources << /Font << /F1 %d 0 R >> >> >>" % font] * pages
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return raw_pdf(objects)


def text_pdf(text="Dokumen publik", catalog_extra=b"", page_extra=b"", more=()):
    """A one-page PDF showing ``text``; ``catalog_extra`` / ``page_extra`` go into the
    catalogue's and the page's dictionaries, ``more`` are objects 6.. they may refer to."""
    content = b"BT /F1 12 Tf 72 720 Td (" + text.encode("latin-1") + b") Tj ET"
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> " + page_extra + b">>",
        _stream(content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *more])


def javascript_pdf():
    """Document-level JavaScript (the Names tree), as Acrobat's "Document JavaScripts"."""
    return text_pdf(catalog_extra=b"/Names << /JavaScript 6 0 R >> ", more=[
        b"<< /Names [(init) 7 0 R] >>",
        b"<< /S /JavaScript /JS (app.alert('x');) >>"])


def open_action_javascript_pdf():
    return text_pdf(catalog_extra=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ")


def launch_pdf():
    return text_pdf(catalog_extra=b"/OpenAction << /S /Launch /F (cmd.exe) >> ")


def page_aa_javascript_pdf():
    """A page's additional action (on open) running JavaScript."""
    return text_pdf(page_extra=b"/AA << /O << /S /JavaScript /JS 6 0 R >> >> ",
                    more=[_stream(b"this.submitForm('https://example.invalid/');")])


def embedded_file_pdf():
    return text_pdf(catalog_extra=b"/Names << /EmbeddedFiles 6 0 R >> ", more=[
        b"<< /Names [(data.exe) 7 0 R] >>",
        b"<< /Type /Filespec /F (data.exe) /EF << /F 8 0 R >> >>",
        _stream(b"MZ not really a program", b" /Type /EmbeddedFile")])


def rich_media_pdf():
    return text_pdf(page_extra=b"/Annots [6 0 R] ", more=[
        b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 100 100] "
        b"/RichMediaContent << /Assets << /Names [] >> >> >>"])


def escaped_names_pdf():
    """JavaScript behind #xx escapes in the names: /J#61vaScript is /JavaScript."""
    return text_pdf(catalog_extra=b"/Open#41ction << /S /J#61vaScript /J#53 (app.alert(1)) >> ")


def benign_open_action_pdf():
    """An open action that only shows the first page (common, and harmless)."""
    return text_pdf(catalog_extra=b"/OpenAction [3 0 R /Fit] ")


def object_stream_pdf(action=b"<< /S /JavaScript /JS (app.alert(1)) >>"):
    """PDF 1.5 whose catalogue and ``action`` (its open action) sit compressed in an object
    stream behind a cross-reference stream: no name of theirs appears in the file's bytes."""
    content = b"BT /F1 12 Tf 72 720 Td (Dokumen publik) Tj ET"
    inner = [b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>", action]
    header, body = b"", b""
    for number, obj in zip((1, 6), inner):
        header += b"%d %d " % (number, len(body))
        body += obj + b"\n"
    packed = zlib.compress(header + body)
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    direct = {
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
           b"/Resources << /Font << /F1 5 0 R >> >> >>",
        4: _stream(content),
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        7: _stream(packed, b" /Type /ObjStm /N 2 /First %d /Filter /FlateDecode" % len(header)),
    }
    for number, obj in direct.items():
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    offsets[8] = out.tell()
    rows = b""
    for number in range(9):
        if number == 0:
            rows += bytes([0]) + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")
        elif number in (1, 6):
            rows += bytes([2]) + (7).to_bytes(4, "big") + (0 if number == 1 else 1).to_bytes(
                2, "big")
        else:
            rows += bytes([1]) + offsets[number].to_bytes(4, "big") + (0).to_bytes(2, "big")
    out.write(b"8 0 obj\n" + _stream(rows, b" /Type /XRef /Size 9 /W [1 4 2] /Root 1 0 R")
              + b"\nendobj\n")
    out.write(b"startxref\n%d\n%%%%EOF\n" % offsets[8])
    return out.getvalue()


# --- Office documents ---------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def zip_file(members, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{type}"/></Types>')


def docx(paragraphs, extra=None):
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{p}</w:t></w:r></w:p>'
                   for p in paragraphs)
    members = {
        "[Content_Types].xml": _CONTENT_TYPES.format(
            part="word/document.xml",
            type="application/vnd.openxmlformats-officedocument.wordprocessingml.document."
                 "main+xml"),
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:document '
                             f'xmlns:w="{_W}"><w:body>{body}</w:body></w:document>',
    }
    members.update(extra or {})
    return zip_file(members)


def xlsx(strings):
    shared = "".join(f"<si><t>{s}</t></si>" for s in strings)
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return zip_file({
        "[Content_Types].xml": _CONTENT_TYPES.format(
            part="xl/workbook.xml",
            type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
        "xl/workbook.xml": f'<workbook xmlns="{ns}"><sheets/></workbook>',
        "xl/sharedStrings.xml": f'<sst xmlns="{ns}" count="{len(strings)}">{shared}</sst>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{ns}"><sheetData><row r="1">'
                                    f'<c r="A1" t="inlineStr"><is><t>sel sebaris</t></is></c>'
                                    f'</row></sheetData></worksheet>',
    })


def odt(paragraphs):
    text_ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    office_ns = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    body = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        # The mimetype comes first and stored, as ODF requires (and as detection reads it).
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", f'<office:document-content xmlns:office="{office_ns}" '
                                   f'xmlns:text="{text_ns}"><office:body><office:text>{body}'
                                   f'</office:text></office:body></office:document-content>',
                    zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", "<manifest/>", zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def zip_bomb_docx(expanded_bytes=60 * 1024 * 1024):
    """A small DOCX one of whose parts expands to ``expanded_bytes`` (zeros deflate ~1000x)."""
    return docx(["Laporan"], extra={"word/media/padding.bin": b"\0" * expanded_bytes})


def pptx(slides):
    ns = "http://schemas.openxmlformats.org/drawingml/2006/main"
    members = {"[Content_Types].xml": _CONTENT_TYPES.format(
        part="ppt/presentation.xml",
        type="application/vnd.openxmlformats-officedocument.presentationml.presentation."
             "main+xml"),
        "ppt/presentation.xml": "<presentation/>"}
    for n, text in enumerate(slides, 1):
        members[f"ppt/slides/slide{n}.xml"] = (
            f'<p:sld xmlns:p="p" xmlns:a="{ns}"><a:p><a:r><a:t>{text}</a:t></a:r></a:p>'
            f'</p:sld>')
    return zip_file(members)
