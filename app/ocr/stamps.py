"""The red stamps of a scanned page. The image Tesseract reads for the page's text has its
red dropped (``plugin``: seals and red signatures would garble the words under them), and
with it the red "MẬT", "TỐI MẬT" or "TUYỆT MẬT" of a rubber stamp, the usual colour of
such stamps (NĐ 30/2020 Phụ lục I: the "dấu chỉ độ mật"). So each recognised page that
holds red ink is read a second time, from the red ink alone (black on white, cropped to
where the red is), and the lines there that carry a secrecy word are added to the page's
text, where the secrecy check sees them (docs/domain.md §2). The seal's ring and its
curved letters give no such line and add nothing to the text."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import tempfile
import unicodedata
from typing import Any

from PIL import Image, ImageChops, ImageFilter, ImageOps

log = logging.getLogger(__name__)

DPI = 200
"""The resolution the page is drawn at for the red pass (a 13 pt stamp is 36 px tall)."""
RED = 60
"""How much redder than green and blue a pixel is to count as red ink (0–255): the red of
a stamp (200, 30, 40) by far; grey text and a scanner's colour fringes not."""
MIN_PIXELS = 150
"""Fewer red pixels than this is no stamp (a few fringes of JPEG artefacts)."""
MARGIN = 24
_MARKING_WORD = re.compile(r"(?<![A-Z])MAT(?![A-Z])")


def red_ink(image: Image.Image) -> Image.Image | None:
    """The red ink of ``image`` as black on white, cropped to it with a margin, or None when
    the page holds (almost) no red."""
    if image.mode not in ("RGB", "RGBA", "P", "CMYK"):
        return None
    red, green, blue = image.convert("RGB").split()
    redness = ImageChops.darker(ImageChops.subtract(red, green),
                                ImageChops.subtract(red, blue))
    mask = redness.point(lambda value: 255 if value > RED else 0)
    if mask.histogram()[255] < MIN_PIXELS:
        return None
    box = mask.getbbox()
    if box is None:
        return None
    left, top, right, bottom = box
    box = (max(left - MARGIN, 0), max(top - MARGIN, 0), min(right + MARGIN, image.width),
           min(bottom + MARGIN, image.height))
    # The holes JPEG leaves in thin red strokes closed, then black ink on white paper.
    return ImageOps.invert(mask.crop(box).filter(ImageFilter.MaxFilter(3)))


_SPELLINGS = {"MAT": "MẬT", "TOI MAT": "TỐI MẬT", "TUYET MAT": "TUYỆT MẬT"}
"""A stamp's words as they fold (a diacritic misread: "TUYỆT MÁT") → their spelling."""


def marking_lines(text: str) -> list[str]:
    """The short lines of ``text`` in which the word "MẬT" stands (in any case, with or
    without its diacritics): what a secrecy stamp reads, a stamp alone put back to its
    spelling."""
    lines = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line or len(line) > 40:
            continue
        folded = _folded(line)
        if _MARKING_WORD.search(folded):
            words = " ".join(re.findall(r"[A-Z]+", folded))
            lines.append(_SPELLINGS.get(words, line))
    return lines


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


def page_stamps(pdf_bytes: bytes, pages: list[int], language: str, timeout: float = 60
                ) -> dict[int, list[str]]:
    """For each page index of ``pages`` that holds red ink, the secrecy lines read from the
    red ink alone (pages without any are left out, and those pdfium cannot draw, said in
    the log)."""
    import pypdfium2 as pdfium

    found: dict[int, list[str]] = {}
    try:
        document = pdfium.PdfDocument(pdf_bytes)
    except pdfium.PdfiumError as error:
        log.warning("ocr: no red pass, the PDF cannot be drawn: %s", error)
        return found
    try:
        for index in pages:
            if index >= len(document):
                continue
            try:
                page = document[index]
                if _grey_scan(page):
                    continue
                image = page.render(scale=DPI / 72).to_pil()
            except pdfium.PdfiumError as error:
                log.warning("ocr: no red pass on page %d: %s", index + 1, error)
                continue
            ink = red_ink(image)
            if ink is None:
                continue
            lines = marking_lines(_tesseract(ink, language, timeout))
            if lines:
                found[index] = lines
    finally:
        document.close()
    return found


def _grey_scan(page: Any) -> bool:
    """Whether the page is only grey images (a scanner set to grey, a red stamp then grey
    like the text and read with it): nothing to draw for the red pass."""
    import pypdfium2.raw as pdfium_c

    grey = (pdfium_c.FPDF_COLORSPACE_DEVICEGRAY, pdfium_c.FPDF_COLORSPACE_CALGRAY)
    try:
        objects = list(page.get_objects())
        return bool(objects) and all(
            item.type == pdfium_c.FPDF_PAGEOBJ_IMAGE and item.get_metadata().colorspace in grey
            for item in objects)
    except Exception:  # pdfium raises its own kinds on an odd page: draw it then
        return False


def _tesseract(image: Image.Image, language: str, timeout: float) -> str:
    """Tesseract's text of ``image`` (sparse text: a stamp stands anywhere), or "" when it
    fails."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(DPI, DPI))
    environment = dict(os.environ)
    environment.setdefault("OMP_THREAD_LIMIT", "1")
    with tempfile.TemporaryDirectory(prefix="qlvb-stamp-") as work:
        path = os.path.join(work, "red.png")
        with open(path, "wb") as fh:
            fh.write(buffer.getvalue())
        try:
            done = subprocess.run(["tesseract", path, "stdout", "-l", language, "--psm", "11"],
                                  capture_output=True, timeout=timeout, env=environment,
                                  check=False)
        except (OSError, subprocess.SubprocessError) as error:
            log.warning("ocr: the red ink of a page not read: %s", error)
            return ""
    if done.returncode != 0:
        log.warning("ocr: the red ink of a page not read: %s",
                    done.stderr.decode("utf-8", "replace")[-500:])
        return ""
    return unicodedata.normalize("NFC", done.stdout.decode("utf-8", "replace"))
