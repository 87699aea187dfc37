"""The safety check of files at intake, run by ``storage.store(check=...)`` on the complete
temporary file before it enters the store: a refused file is never stored.

Files are judged by their content, never by their name. A PDF is parsed (read-only, the
original bytes are kept as they are: rewriting would break its signatures) and every
object listed in its cross-reference tables, object streams included, is walked for active
content; a byte grep would miss ``#xx``-escaped names and compressed object streams."""

import logging
import os
import struct
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, NoReturn

from flask import has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from app.core import registry
from app.core.errors import DomainError

log = logging.getLogger(__name__)

MAX_TEXT_PAGES = 500
MAX_TEXT_CHARS = 2_000_000
MAX_WALK_NODES = 5_000_000  # dictionaries and arrays visited in one PDF; beyond: unusable
HEAD_SIZE = 8192

MIMES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "tiff": "image/tiff",
    "unknown": "application/octet-stream",
}

# The extensions a stored file's name may carry, by the type its content was found to be
# (the first is the one given to a name that carries another).
EXTENSIONS = {
    "pdf": (".pdf",), "docx": (".docx",), "xlsx": (".xlsx",), "doc": (".doc",),
    "xls": (".xls",), "png": (".png",), "jpeg": (".jpg", ".jpeg", ".jpe"), "gif": (".gif",),
    "tiff": (".tif", ".tiff"),
}


def name_for_kind(name: str, kind: str) -> str:
    """``name`` with the extension of the type its content is (a PDF sent as ``x.exe`` is
    kept as ``x.pdf``): a name never tells a reader's computer to open a file as another
    type than the one that was checked."""
    extensions = EXTENSIONS.get(kind)
    if not extensions or name.lower().endswith(extensions):
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or " " in ext or len(ext) > 5:
        stem = name  # no extension at all ("Công văn 12"), or a dot inside the name
    return stem + extensions[0]


# Codes in the order they are reported; the messages are for a clerk, not a technician.
PROBLEM_MESSAGES = {
    "empty": _l("The file is empty."),
    "not_pdf": _l("The file is not a PDF (its content is not PDF, whatever its name says)."),
    "malformed": _l("The PDF is damaged or incomplete and cannot be read; "
                    "ask the sender to send it again."),
    "encrypted": _l("The PDF is encrypted or password-protected; "
                    "ask the sender for an unprotected copy."),
    "javascript": _l("The PDF contains JavaScript."),
    "launch": _l("The PDF contains an action that starts a program."),
    "embedded_file": _l("The PDF contains an embedded file."),
    "richmedia": _l("The PDF contains embedded multimedia (Flash or video)."),
    "xfa": _l("The PDF contains an XFA form (an interactive form that can run scripts)."),
    "additional_actions": _l("The PDF contains actions that run by themselves "
                             "(when a page or a field is opened)."),
    "open_action_active": _l("The PDF runs an action by itself when it is opened."),
    "active_action": _l("The PDF contains an action that sends data or opens other files "
                        "or media."),
    "active_annotation": _l("The PDF contains active media (sound, video or 3D)."),
    "executable": _l("The file is a program, and programs are not accepted."),
    "macros": _l("The document contains macros; save it as an ordinary .docx or .xlsx file "
                 "and send it again."),
    "password_protected": _l("The document is password-protected; "
                             "ask the sender for an unprotected copy."),
    "damaged_file": _l("The file is damaged or cannot be read."),
    "unsupported_type": _l("This type of file is not accepted; attach a PDF, a Word or Excel "
                           "document (.doc, .docx, .xls, .xlsx) or an image "
                           "(PNG, JPEG, GIF, TIFF)."),
}

WARNING_MESSAGES = {
    "repaired": _l("The PDF has small structural errors; it could be read, "
                   "and the original file is kept unchanged."),
}

# Problems that mean "active content": the refusal then also says what to ask for.
ACTIVE_CONTENT = {"javascript", "launch", "embedded_file", "richmedia", "xfa",
                  "additional_actions", "open_action_active", "active_action",
                  "active_annotation", "macros"}


@dataclass
class FileCheck:
    ok: bool
    kind: str
    mime: str
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    pages: int | None = None
    text: str = ""
    recognised_pages: int = 0  # pages whose text OCR read at intake (no text layer)

    def messages(self) -> list[str]:
        """One translated message per problem, in report order."""
        seen, out = set(), []
        for code in self.problems:
            message = str(PROBLEM_MESSAGES.get(code, PROBLEM_MESSAGES["damaged_file"]))
            if message not in seen:
                seen.add(message)
                out.append(message)
        return out

    def warning_messages(self) -> list[str]:
        return [str(WARNING_MESSAGES[w]) for w in dict.fromkeys(self.warnings)
                if w in WARNING_MESSAGES]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["text"]
        if not self.recognised_pages:
            del data["recognised_pages"]
        data["problems"] = list(self.problems)
        data["warnings"] = list(self.warnings)
        return data


def _result(kind: str, problems: Iterable[str] = (), warnings: Iterable[str] = (),
            pages: int | None = None, text: str = "") -> FileCheck:
    order = list(PROBLEM_MESSAGES)
    problems = sorted(set(problems), key=lambda c: order.index(c) if c in order else len(order))
    return FileCheck(ok=not problems, kind=kind, mime=MIMES[kind], problems=problems,
                     warnings=list(dict.fromkeys(warnings)), pages=pages, text=text)


def _head(path: str, size: int = HEAD_SIZE) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(size)


# --- PDF ---------------------------------------------------------------------------------

_KEYS = {
    "/JavaScript": "javascript",
    "/JS": "javascript",
    "/Launch": "launch",
    "/EmbeddedFiles": "embedded_file",
    "/EmbeddedFile": "embedded_file",
    "/EF": "embedded_file",
    "/RichMedia": "richmedia",
    "/RichMediaContent": "richmedia",
    "/RichMediaSettings": "richmedia",
    "/XFA": "xfa",
    "/AA": "additional_actions",
}
_ACTIONS = {
    "/JavaScript": "javascript",
    "/Launch": "launch",
    **{s: "active_action" for s in ("/SubmitForm", "/ImportData", "/GoToE", "/GoToR",
                                     "/Rendition", "/Sound", "/Movie")},
}
_SUBTYPES = {
    "/FileAttachment": "embedded_file",
    "/RichMedia": "richmedia",
    **{s: "active_annotation" for s in ("/Screen", "/3D", "/Sound", "/Movie")},
}
_TYPES = {"/EmbeddedFile": "embedded_file"}


class _Unusable(Exception):
    """The PDF parsed, but not into a usable document."""


def _resolve(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _open_action_problem(value: Any) -> str | None:
    """A destination (array or name) or a GoTo action is harmless; any other action is not."""
    value = _resolve(value)
    if isinstance(value, DictionaryObject) and _resolve(value.get("/S")) != "/GoTo":
        return "open_action_active"
    return None


def _inspect_dict(obj: DictionaryObject, found: set[str]) -> None:
    for key, code in _KEYS.items():
        if key in obj:
            found.add(code)
    for key, table in (("/S", _ACTIONS), ("/Subtype", _SUBTYPES), ("/Type", _TYPES)):
        if key in obj:
            value = _resolve(obj[key])
            if isinstance(value, str) and value in table:
                found.add(table[value])
    if "/OpenAction" in obj:
        problem = _open_action_problem(obj["/OpenAction"])
        if problem:
            found.add(problem)


def _walk(reader: PdfReader, found: set[str]) -> None:
    """Every object of the cross-reference tables and object streams, with what it nests."""
    refs = [(num, gen) for gen, table in reader.xref.items() for num in table]
    refs += [(num, 0) for num in reader.xref_objStm]
    seen_refs, seen_direct = set(), {}  # id -> object, which keeps each id unique
    stack = []
    for num, gen in refs:
        if (num, gen) in seen_refs:
            continue
        seen_refs.add((num, gen))
        stack.append(reader.get_object(IndirectObject(num, gen, reader)))
        while stack:
            obj = stack.pop()
            if isinstance(obj, IndirectObject):
                key = (obj.idnum, obj.generation)
                if key in seen_refs:
                    continue
                seen_refs.add(key)
                try:
                    obj = obj.get_object()
                except (PyPdfError, ValueError, KeyError, OSError):
                    log.debug("filecheck: dangling reference %s", key)  # viewers read null
                    continue
            if not isinstance(obj, (DictionaryObject, ArrayObject)) or id(obj) in seen_direct:
                continue
            seen_direct[id(obj)] = obj
            if len(seen_direct) > MAX_WALK_NODES:
                raise _Unusable("too many objects")
            if isinstance(obj, DictionaryObject):
                _inspect_dict(obj, found)
                stack.extend(obj.values())
            else:
                stack.extend(obj)


def _analyse(reader: PdfReader) -> tuple[set[str], int | None]:
    """Problems and page count of a parsed PDF; raises if it cannot be read."""
    if reader.is_encrypted:
        return {"encrypted"}, None
    found: set[str] = set()
    _walk(reader, found)
    pages = len(reader.pages)  # resolves the whole page tree
    if pages == 0:
        raise _Unusable("no pages")
    return found, pages


def _extract_text(reader: PdfReader, pages: int) -> str:
    """NFC text of the first pages, capped; a page whose text fails is skipped."""
    reader.strict = False  # the verdict is given; text extraction may be forgiving
    parts, total = [], 0
    for index in range(min(pages, MAX_TEXT_PAGES)):
        try:
            text = reader.pages[index].extract_text() or ""
        except Exception:
            log.debug("filecheck: no text from page %d", index + 1, exc_info=True)
            continue
        text = unicodedata.normalize("NFC", text).replace("\x00", "")
        parts.append(text[: MAX_TEXT_CHARS - total])
        total += len(parts[-1])
        if total >= MAX_TEXT_CHARS:
            break
    return "\n".join(p.strip() for p in parts if p.strip())


def scan_pdf(path: str) -> FileCheck:
    """The PDF safety verdict of the file at ``path``; never raises on bad input."""
    try:
        if os.path.getsize(path) == 0:
            return _result("unknown", ["empty"])
        head = _head(path, 1024)
    except OSError:
        log.warning("filecheck: cannot read %s", path, exc_info=True)
        return _result("unknown", ["damaged_file"])
    if b"%PDF-" not in head:
        return _result("unknown", ["not_pdf"])
    warnings = []
    for strict in (True, False):
        try:
            reader = PdfReader(path, strict=strict)
            problems, pages = _analyse(reader)
            break
        except Exception as exc:  # any parser failure is a verdict, never a crash
            if isinstance(exc, (PyPdfError, _Unusable, ValueError, KeyError, TypeError,
                                AttributeError, IndexError, RecursionError, OSError)):
                log.info("filecheck: PDF %s failed (strict=%s): %s: %s", path, strict,
                         type(exc).__name__, exc)
            else:  # not a known parser failure: keep the traceback for the developers
                log.exception("filecheck: PDF %s failed (strict=%s)", path, strict)
            if not strict:
                return _result("pdf", ["malformed"])
            warnings.append("repaired")
    if problems:
        return _result("pdf", problems, warnings, pages=pages)
    try:
        # pages is None only for an encrypted file, which has a problem (returned above).
        text = _extract_text(reader, pages)  # type: ignore[arg-type]
    except Exception:
        log.warning("filecheck: text extraction failed for %s", path, exc_info=True)
        text = ""
    return _result("pdf", (), warnings, pages=pages, text=text)


# --- Office and images -------------------------------------------------------------------

_IMAGES = [
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
]
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXECUTABLES = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe",
                b"\xce\xfa\xed\xfe")
_DOCX_TYPE = "wordprocessingml.document.main+xml"
_XLSX_TYPE = "spreadsheetml.sheet.main+xml"
_MAX_CONTENT_TYPES = 1024 * 1024


def _check_ooxml(path: str) -> FileCheck:
    """A .docx or .xlsx, as its [Content_Types].xml and main part say; macros refused."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = {i.filename.lower(): i for i in z.infolist()}
            ct_info = infos.get("[content_types].xml")
            if ct_info is None or ct_info.file_size > _MAX_CONTENT_TYPES:
                return _result("unknown", ["unsupported_type"])
            types = z.read(ct_info).decode("utf-8", "replace").lower()
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, ValueError):
        return _result("unknown", ["damaged_file"])
    macros = ("macroenabled" in types or "vbaproject" in types or "macrosheet" in types
              or any(n.endswith("vbaproject.bin") or "/macrosheets/" in n or "/activex/" in n
                     for n in infos))
    if macros:  # a .docm / .xlsm (or a .docx hiding one)
        kind = ("docx" if "word/document.xml" in infos
                else "xlsx" if "xl/workbook.xml" in infos else "unknown")
        return _result(kind, ["macros"])
    if _DOCX_TYPE in types and "word/document.xml" in infos:
        return _result("docx")
    if _XLSX_TYPE in types and "xl/workbook.xml" in infos:
        return _result("xlsx")
    return _result("unknown", ["unsupported_type"])


_FREESECT, _ENDOFCHAIN = 0xFFFFFFFF, 0xFFFFFFFE


def _ole_entry_names(path: str) -> list[str]:
    """The names in an OLE2 compound file's directory (the streams and storages)."""
    with open(path, "rb") as fh:
        header = fh.read(512)
        shift = struct.unpack_from("<H", header, 0x1E)[0]
        if shift not in (9, 12):
            raise ValueError("bad sector size")
        size = 1 << shift
        fh.seek(0, os.SEEK_END)
        count = max(0, (fh.tell() - 512) // size)

        def sector(n: int) -> bytes:
            if n >= count:
                raise ValueError("sector out of range")
            fh.seek(512 + n * size)
            return fh.read(size)

        fat_sectors = [s for s in struct.unpack_from("<109I", header, 0x4C) if s < count]
        difat, hops = struct.unpack_from("<I", header, 0x44)[0], 0
        while difat < count and hops < count:
            values = struct.unpack(f"<{size // 4}I", sector(difat))
            fat_sectors += [s for s in values[:-1] if s < count]
            difat, hops = values[-1], hops + 1
        fat: list[int] = []
        for s in fat_sectors:
            fat.extend(struct.unpack(f"<{size // 4}I", sector(s)))
        names, current, hops = [], struct.unpack_from("<I", header, 0x30)[0], 0
        while current not in (_ENDOFCHAIN, _FREESECT) and hops <= count:
            data = sector(current)
            for offset in range(0, size, 128):
                entry = data[offset:offset + 128]
                length = struct.unpack_from("<H", entry, 0x40)[0]
                if entry[0x42] in (1, 2, 5) and 2 <= length <= 64:
                    names.append(entry[:length - 2].decode("utf-16-le", "replace"))
            current = fat[current] if current < len(fat) else _ENDOFCHAIN
            hops += 1
        return names


def _check_ole(path: str) -> FileCheck:
    """A legacy Word (.doc) or Excel (.xls) file, by the streams its directory holds."""
    try:
        names = {n.lower() for n in _ole_entry_names(path)}
    except (OSError, ValueError, struct.error, IndexError):
        return _result("unknown", ["damaged_file"])
    if "encryptedpackage" in names:  # a password-protected .docx / .xlsx
        return _result("unknown", ["password_protected"])
    if "worddocument" in names:
        kind = "doc"
    elif "workbook" in names or "book" in names:
        kind = "xls"
    else:  # PowerPoint, Outlook messages, installers, ...
        return _result("unknown", ["unsupported_type"])
    if names & {"macros", "vba", "_vba_project_cur", "_vba_project"}:
        return _result(kind, ["macros"])
    return _result(kind)


def _check_content(path: str) -> FileCheck:
    try:
        if os.path.getsize(path) == 0:
            return _result("unknown", ["empty"])
        head = _head(path)
    except OSError:
        return _result("unknown", ["damaged_file"])
    # Whatever else it claims to be, a file a PDF reader would open must pass as a PDF.
    if b"%PDF-" in head[:1024]:
        return scan_pdf(path)
    for magic, kind in _IMAGES:
        if head.startswith(magic):
            return _result(kind)
    if head.startswith(b"PK\x03\x04"):
        return _check_ooxml(path)
    if head.startswith(_OLE_MAGIC):
        return _check_ole(path)
    if head.startswith(_EXECUTABLES):
        return _result("unknown", ["executable"])
    return _result("unknown", ["unsupported_type"])


# --- the hooks for storage.store(check=...) ---------------------------------------------

SCAN_READER = "scan_first_page"
"""The service (``app.core.registry``) that reads a scanned first page: ``reader(path)`` →
its text or None (app/ocr provides it; without it a scan is stored without its text)."""
MIN_LETTERS_PER_PAGE = 16


def _read_scan(result: FileCheck, path: str) -> None:
    """A PDF with too little text for its pages is a scan: its first page is recognised
    before the file is stored, so that what it says (a secrecy stamp) is checked like any
    text (docs/domain.md §2)."""
    if not (result.ok and result.kind == "pdf" and result.pages and has_app_context()):
        return
    if sum(ch.isalnum() for ch in result.text) >= MIN_LETTERS_PER_PAGE * result.pages:
        return
    reader = registry.contributions().services.get(SCAN_READER)
    text = reader(path) if reader is not None else None
    if text:
        result.text = "\n".join(part for part in (result.text, text) if part)
        result.recognised_pages = 1


def _refuse(result: FileCheck, name: str | None) -> NoReturn:
    log.warning("filecheck: refused %r (kind=%s): %s", name, result.kind,
                ", ".join(result.problems))
    reasons = " ".join(result.messages())
    if ACTIVE_CONTENT & set(result.problems):
        reasons += " " + _("For safety, files with such content are not accepted; ask the "
                           "sender for a plain copy (for example, printed again to PDF).")
    if name:
        message = _("The file “%(name)s” was refused and not stored: %(reasons)s",
                    name=name, reasons=reasons)
    else:
        message = _("The file was refused and not stored: %(reasons)s", reasons=reasons)
    raise DomainError(message)


def check_main_pdf(path: str, name: str | None = None, read_scan: bool = True) -> FileCheck:
    """The main document of a record must be a PDF without active content (Quy chế Điều 3.5:
    the original is kept, so a dangerous one is refused rather than cleaned)."""
    result = scan_pdf(path)
    if not result.ok:
        _refuse(result, name)
    if read_scan:
        _read_scan(result, path)
    if result.warnings:
        log.info("filecheck: accepted %r with warnings %s", name, result.warnings)
    return result


def check_attachment(path: str, name: str | None = None) -> FileCheck:
    """A supplementary file: PDF (checked as a main document), Word, Excel or an image,
    judged by its content whatever its extension says; anything else is refused."""
    result = _check_content(path)
    if not result.ok:
        _refuse(result, name)
    _read_scan(result, path)
    return result
