"""Reading untrusted documents: their text for search, and whether a PDF carries active
content (scripts, embedded files, launch actions, rich media).

Both parse files an outsider wrote, so the application never calls them in its own process:
they run in a child process with time and memory limits (``ppid.core.jobs.run_limited``),
which runs this file as a script::

    python -I -B ppid/core/extract.py text MEDIA_TYPE MAX_CHARS  < document > result.json
    python -I -B ppid/core/extract.py check-pdf                  < document > result.json

The script imports only the standard library and pypdf, never the ``ppid`` package (whose
``__init__`` loads Flask and the app): the child starts in a tenth of a second and holds no
database connection. The answer is one JSON object on stdout: ``{"ok": true, "text": ...}``
or ``{"ok": true, "findings": [...]}``, else ``{"ok": false, "reason": CODE}`` with CODE in
``FAILURES``. A child that runs out of time or memory is killed by its limits instead; the
caller tells those apart.
"""
import io
import json
import re
import sys
import zipfile
from xml.etree import ElementTree

# Why a text could not be extracted (stored as DocumentVersion.text_error; labels for the
# officers are in ppid/registry/views.py). timeout and memory come from the process limits.
UNREADABLE = "unreadable"   # not a valid file of its type
ENCRYPTED = "encrypted"     # protected by a password
TIMEOUT = "timeout"
MEMORY = "memory"
CRASHED = "crashed"
FAILURES = (UNREADABLE, ENCRYPTED, TIMEOUT, MEMORY, CRASHED)

# Active content a public document has no need of (findings of check_pdf).
JAVASCRIPT = "javascript"
EMBEDDED_FILE = "embedded_file"
LAUNCH = "launch"
RICH_MEDIA = "rich_media"
FINDINGS = (JAVASCRIPT, EMBEDDED_FILE, LAUNCH, RICH_MEDIA)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODF = ("application/vnd.oasis.opendocument.text",
       "application/vnd.oasis.opendocument.spreadsheet",
       "application/vnd.oasis.opendocument.presentation")
PLAIN = ("text/plain", "text/csv")
# ZIP containers (Office Open XML, OpenDocument): their central directory is checked at
# upload (ppid.core.uploads), their XML parts are read here.
ZIP_BASED = (DOCX, XLSX, PPTX) + ODF
# Types whose text is extracted; legacy Office (OLE) files and images have none we read.
EXTRACTABLE = (PDF,) + ZIP_BASED + PLAIN


class Unreadable(Exception):
    def __init__(self, reason=UNREADABLE):
        super().__init__(reason)
        self.reason = reason


# --- Text ----------------------------------------------------------------------------------

def extract_text(data: bytes, media_type: str, max_chars: int) -> str:
    """The text of a document for search, at most ``max_chars`` characters.
    Raises Unreadable."""
    if media_type == PDF:
        return _pdf_text(data, max_chars)
    if media_type in PLAIN:
        return _plain_text(data, max_chars)
    if media_type in ZIP_BASED:
        return _zip_text(data, media_type, max_chars)
    return ""


def _plain_text(data, max_chars):
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)[:max_chars]
        except UnicodeDecodeError:
            continue
    raise Unreadable()


def _open_pdf(data):
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # Many PDFs are encrypted with an empty user password (print or copy limits):
            # they open without one, and so are read.
            try:
                opened = reader.decrypt("")
            except (PyPdfError, NotImplementedError, ValueError) as exc:
                raise Unreadable(ENCRYPTED) from exc
            if not opened:
                raise Unreadable(ENCRYPTED)
        return reader
    except Unreadable:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on a broken file
        raise Unreadable() from exc


def _pdf_text(data, max_chars):
    reader = _open_pdf(data)
    parts, size = [], 0
    try:
        for page in reader.pages:
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text) + 1
            if size >= max_chars:
                break
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001
        if not parts:
            raise Unreadable() from exc
        # A page that cannot be read ends the text; what came before is kept.
    return "\n".join(parts)[:max_chars]


# Per format: (parts to read, in order; element names whose text is kept; element names
# that end a paragraph). Names are local (namespace removed).
def _zip_parts(names, media_type):
    def numbered(prefix):
        found = [n for n in names if n.startswith(prefix) and n.endswith(".xml")]
        return sorted(found, key=lambda n: [int(x) if x.isdigit() else x
                                            for x in re.split(r"(\d+)", n)])
    if media_type == DOCX:
        return (["word/document.xml"] + numbered("word/header") + numbered("word/footer")
                + [n for n in ("word/footnotes.xml", "word/endnotes.xml") if n in names])
    if media_type == PPTX:
        return numbered("ppt/slides/slide")
    if media_type == XLSX:
        return [n for n in ("xl/sharedStrings.xml",) if n in names] + \
            numbered("xl/worksheets/sheet")
    return ["content.xml"]  # OpenDocument


_TEXT_ELEMENTS = {DOCX: {"t"}, PPTX: {"t"}, XLSX: {"t"}}
_BREAK_ELEMENTS = {DOCX: {"p", "tab", "br"}, PPTX: {"p"}, XLSX: {"si", "is"}}
_ODF_PARAGRAPHS = {"p", "h"}


def _zip_text(data, media_type, max_chars):
    # zipfile yields no more of a part than the central directory declares (and upload
    # refused a file declaring too much); the child's memory limit stands behind that.
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Unreadable() from exc
    parts = [n for n in _zip_parts(names, media_type) if n in names]
    if not parts:
        raise Unreadable()
    out, size = [], 0
    for name in parts:
        try:
            with archive.open(name) as member:
                size = _xml_text(member, media_type, out, size, max_chars)
        except (zipfile.BadZipFile, ElementTree.ParseError, OSError, EOFError) as exc:
            raise Unreadable() from exc
        if size >= max_chars:
            break
    return re.sub(r"\n{3,}", "\n\n", "".join(out))[:max_chars].strip()


def _xml_text(stream, media_type, out, size, max_chars):
    """Append the text of one XML part to ``out``; returns the characters so far. Parsed
    incrementally (elements cleared as they end); expat refuses entity expansion bombs."""
    odf = media_type in ODF
    keep = _TEXT_ELEMENTS.get(media_type, set())
    breaks = _BREAK_ELEMENTS.get(media_type, set())
    for _event, elem in ElementTree.iterparse(stream, events=("end",)):
        local = elem.tag.rsplit("}", 1)[-1]
        if odf:
            # In ODF the text of a paragraph or heading is all the text inside it (spans,
            # links); each is taken whole when it ends, then dropped.
            if local in _ODF_PARAGRAPHS:
                piece = "".join(elem.itertext()) + "\n"
                out.append(piece)
                size += len(piece)
                elem.clear()
        else:
            if local in keep and elem.text:
                out.append(elem.text)
                size += len(elem.text)
            if local in breaks:
                out.append("\t" if local == "tab" else "\n")
                size += 1
            if local not in keep:
                elem.clear()
        if size >= max_chars:
            break
    return size


# --- Active content in PDFs ------------------------------------------------------------------

# A name can hide from a byte search only inside a compressed object stream or behind #xx
# escapes (a dictionary is never inside a content stream, and encryption leaves names as
# they are). A PDF without either, and without any of these names, has no active content
# and is accepted without being parsed; any other is parsed and walked (check_pdf).
_SUSPECT = re.compile(rb"/(?:JS|JavaScript|Launch|EmbeddedFile|EF|FileAttachment|GoToE|"
                      rb"RichMedia|XFA|AA|OpenAction|ObjStm)")
_ESCAPED_NAME = re.compile(rb"/[^\s/<>\[\]()%{}]*#[0-9A-Fa-f]{2}")


def pdf_needs_check(data: bytes) -> bool:
    """False when the bytes alone prove there is no active content (cheap, no parsing)."""
    return bool(_SUSPECT.search(data) or _ESCAPED_NAME.search(data))


MAX_PDF_OBJECTS = 2_000_000


def check_pdf(data: bytes) -> list:
    """The kinds of active content (FINDINGS) every object reachable from the trailer
    carries: document or page JavaScript (also in open and additional actions, and XFA
    forms, which script), embedded files (also file attachment annotations and actions
    into them), launch actions, and rich media. Raises Unreadable."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject
    reader = _open_pdf(data)
    found = set()
    try:
        stack, seen = [reader.trailer], set()
        while stack:
            obj = stack.pop()
            if isinstance(obj, IndirectObject):
                ref = (obj.idnum, obj.generation)
                if ref in seen:
                    continue
                seen.add(ref)
                if len(seen) > MAX_PDF_OBJECTS:
                    raise Unreadable()
                obj = obj.get_object()
            if isinstance(obj, DictionaryObject):
                found |= _dict_findings(obj)
                stack.extend(obj.values())
            elif isinstance(obj, ArrayObject):
                stack.extend(obj)
    except (Unreadable, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - a structure we cannot walk cannot be trusted
        raise Unreadable() from exc
    return sorted(found, key=FINDINGS.index)


def _dict_findings(d):
    found = set()
    action = d.get("/S")
    subtype = d.get("/Subtype")
    if "/JS" in d or action == "/JavaScript" or "/JavaScript" in d or "/XFA" in d:
        found.add(JAVASCRIPT)
    if ("/EmbeddedFiles" in d or "/EF" in d or d.get("/Type") == "/EmbeddedFile"
            or subtype == "/FileAttachment" or action == "/GoToE"):
        found.add(EMBEDDED_FILE)
    if action == "/Launch":
        found.add(LAUNCH)
    if subtype == "/RichMedia" or "/RichMediaContent" in d or "/RichMediaSettings" in d:
        found.add(RICH_MEDIA)
    return found


# --- The child's entry point -------------------------------------------------------------------

def main(argv, stdin, stdout):
    command = argv[1] if len(argv) > 1 else ""
    data = stdin.read()
    try:
        if command == "text":
            answer = {"ok": True, "text": extract_text(data, argv[2], int(argv[3]))}
        elif command == "check-pdf":
            answer = {"ok": True, "findings": check_pdf(data)}
        else:
            raise SystemExit(f"unknown command {command!r}")
    except Unreadable as exc:
        answer = {"ok": False, "reason": exc.reason}
    stdout.write(json.dumps(answer, ensure_ascii=False).encode("utf-8"))
    stdout.flush()


if __name__ == "__main__":
    main(sys.argv, sys.stdin.buffer, sys.stdout.buffer)
