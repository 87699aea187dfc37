"""Text from scanned PDFs: Tesseract with its Vietnamese model, driven by
OCRmyPDF, which lays the recognised text invisibly over the same page images. The original
bytes are never changed: the searchable copy is a new PDF, kept beside the original as the
evidence. Without Tesseract or its Vietnamese data the app works and says OCR is
unavailable (``available()``)."""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unicodedata
from dataclasses import dataclass

from pypdf import PdfReader

from app.ocr import stamps

LANGUAGE = "vie"
PLUGIN = "app.ocr.plugin"
"""Conditions the image Tesseract reads (seals' red dropped, specks removed; the red
stamps are read apart, ``stamps``)."""
JOBS = 2
THREADS = "1"
"""Tesseract's OpenMP threads (``OMP_THREAD_LIMIT``) unless the environment sets them: one.
OCRmyPDF gives a one-page file two, and two OpenMP threads spin for each other when the
cores are busy: one page took 26–65 s at a load of 11 on two cores, against 2.3–3.0 s
with one thread (same text); several pages still run two at a time (``JOBS``)."""
MIN_TEXT = 16
"""A page with fewer letters and digits than this in its text layer counts as a scan (a
scanner may print a date or a page number as text)."""

# OCRmyPDF says each step at INFO; the app's log keeps its warnings only.
logging.getLogger("ocrmypdf").setLevel(logging.WARNING)
_lock = threading.Lock()  # OCRmyPDF runs one document at a time in a process


class OcrUnavailable(RuntimeError):
    """Tesseract, its Vietnamese data or OCRmyPDF is missing on this machine."""


class OcrError(RuntimeError):
    """The file could not be recognised (not a PDF, encrypted, or the engine failed)."""


@dataclass(frozen=True)
class Result:
    """A recognised PDF: its page count, its text (NFC, pages separated by form feeds) and
    the searchable copy (the same pages with a text layer)."""

    pages: int
    text: str
    searchable_pdf_bytes: bytes

    @property
    def page_texts(self) -> list[str]:
        return self.text.split("\f")


_LANGUAGES: dict[str, set[str]] = {}


def _languages() -> set[str]:
    """Tesseract's languages, asked once per process and Tesseract binary."""
    binary = shutil.which("tesseract") or ""
    if binary not in _LANGUAGES:
        _LANGUAGES[binary] = _list_languages()
    return _LANGUAGES[binary]


def _list_languages() -> set[str]:
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True,
                             timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return set()
    return {line.strip() for line in (out.stdout + out.stderr).splitlines()[1:]}


def missing() -> str | None:
    """What is missing for OCR ("tesseract", "tesseract-ocr-vie", "ocrmypdf"), or None."""
    if shutil.which("tesseract") is None:
        return "tesseract"
    if LANGUAGE not in _languages():
        return "tesseract-ocr-vie"
    try:
        import ocrmypdf  # noqa: F401
    except ImportError:
        return "ocrmypdf"
    return None


def available() -> bool:
    """Whether this machine can recognise Vietnamese scans (Tesseract with ``vie`` and
    OCRmyPDF)."""
    return missing() is None


def _letters(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def page_has_text(pdf_bytes: bytes) -> list[bool]:
    """For each page, whether it already holds a text layer."""
    try:
        reader = PdfReader(io.BytesIO(pdf_bytes))
        return [_letters(page.extract_text() or "") >= MIN_TEXT for page in reader.pages]
    except Exception as error:  # pypdf raises many kinds on a broken file
        raise OcrError(f"not a readable PDF: {error}") from error


def needs_ocr(pdf_bytes: bytes) -> bool:
    """Whether some page of the PDF has no text layer (a scanned page)."""
    return not all(page_has_text(pdf_bytes))


_SPECK = re.compile(r"(?<!\S)[.,:;'\"`¬ˆ^~_|\\/•·°…“”‘’]+(?!\S)")


def _vietnamese(text: str) -> str:
    """OCR text as NFC, the Icelandic "Ð" Tesseract sometimes reads for "Đ" (the same
    glyph) put back, and the specks it reads as lone marks dropped (Vietnamese sets no
    full stop, comma or quote apart from a word)."""
    text = unicodedata.normalize("NFC", text).replace("Ð", "Đ").replace("ð", "đ")
    lines = (re.sub(r" {2,}", " ", _SPECK.sub("", line)).strip() for line in text.split("\n"))
    return "\n".join(lines).strip("\n")


def recognise(pdf_bytes: bytes, timeout: float = 180, first_pages: int | None = None
              ) -> Result:
    """Recognise the pages without a text layer (the others keep theirs) and return the
    text of every page with the searchable copy; ``pdf_bytes`` is left as it is. A red
    secrecy stamp on a recognised page, which the page's clean-up drops with the seals,
    is read from the red ink alone and its line added to the page's text (``stamps``). With
    ``first_pages`` only that many pages are recognised (the others give the text their
    layer has, often none). Raises OcrUnavailable without the engine, OcrError when the
    file cannot be recognised."""
    problem = missing()
    if problem is not None:
        raise OcrUnavailable(problem)
    page_has_text(pdf_bytes)  # an OcrError naming the problem when it is no readable PDF
    import ocrmypdf
    from ocrmypdf import exceptions as ocr_exceptions

    os.environ.setdefault("OMP_THREAD_LIMIT", THREADS)  # read by OCRmyPDF's validation

    with tempfile.TemporaryDirectory(prefix="qlvb-ocr-") as work:
        source = os.path.join(work, "in.pdf")
        target = os.path.join(work, "out.pdf")
        sidecar = os.path.join(work, "text.txt")
        with open(source, "wb") as fh:
            fh.write(bytes(pdf_bytes))  # a copy: the caller's bytes are never touched
        try:
            with _lock:
                code = ocrmypdf.ocr(
                    source, target, language=[LANGUAGE], output_type="pdf", skip_text=True,
                    jobs=JOBS, optimize=0, sidecar=sidecar, progress_bar=False,
                    tesseract_timeout=timeout, plugins=[PLUGIN],
                    pages=f"1-{first_pages}" if first_pages else None)
        except ocr_exceptions.ExitCodeException as error:
            raise OcrError(f"{type(error).__name__}: {error}") from error
        if int(code) != 0:
            raise OcrError(f"ocrmypdf exit code {int(code)}")
        with open(target, "rb") as fh:
            searchable = fh.read()
        with open(sidecar, encoding="utf-8") as fh:
            recognised = fh.read().split("\f")
    reader = PdfReader(io.BytesIO(pdf_bytes))
    texts, scanned = [], []
    for index, page in enumerate(reader.pages):
        text = recognised[index] if index < len(recognised) else ""
        if text.lstrip().startswith("[OCR skipped"):
            text = page.extract_text() or ""
        elif first_pages is None or index < first_pages:
            scanned.append(index)
        texts.append(_vietnamese(text))
    for index, lines in stamps.page_stamps(pdf_bytes, scanned, LANGUAGE, timeout).items():
        texts[index] = "\n".join([texts[index], *lines]).strip("\n")
    return Result(pages=len(reader.pages), text="\f".join(texts), searchable_pdf_bytes=searchable)
