"""The demo's files: PDFs laid out like Party and State documents (with the receiving unit's
stamp on a scanned paper copy), and Word drafts. The same content gives the same bytes."""

from __future__ import annotations

import glob
import io
import logging
import os
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from app.core import storage

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
)
_FONT_PATTERNS = ("DejaVuSans.ttf", "LiberationSerif-Regular.ttf")
_log = logging.getLogger(__name__)

Stamp = dict[str, Any]
"""The receiving unit's "ĐẾN" stamp on a scanned paper copy: {"unit": name, "day": date}."""


def _find_font() -> str | None:
    """A TrueType font with Vietnamese glyphs, or None."""
    for path in _FONT_CANDIDATES:
        if os.path.exists(path):
            return path
    for pattern in _FONT_PATTERNS:
        found = sorted(glob.glob(os.path.join("/usr/share/fonts", "**", pattern),
                                 recursive=True))
        if found:
            return found[0]
    return None


_pdf_font: str | None = None
"""The font ``demo_pdf`` writes with, chosen by ``_font`` on first use."""


def _font() -> str:
    """The reportlab font name to write with: a Vietnamese TTF, else Helvetica; chosen
    once."""
    global _pdf_font
    if _pdf_font is None:
        path = _find_font()
        _pdf_font = "Helvetica"
        if path:
            try:
                pdfmetrics.registerFont(TTFont("QLVBDemo", path))
                _pdf_font = "QLVBDemo"
            except Exception:  # an unreadable font: write without accents instead
                _log.warning("demo: cannot use font %s", path, exc_info=True)
    return _pdf_font


def _latin(text: str) -> str:
    """``text`` without its diacritics (Helvetica has no Vietnamese glyphs)."""
    text = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.encode("latin-1", "replace").decode("latin-1")


def _date_line(place: str, day: date) -> str:
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def demo_pdf(doc: dict[str, Any], pages: int = 1, stamp: Stamp | None = None,
             heading: str | None = None) -> bytes:
    """A plain one- or few-page PDF laid out like a Party or State document (Quy định
    66-QĐ/TW, Nghị định 30/2020): issuer, number, date, title, body, signer. ``doc`` is a
    demo spec; ``stamp`` the receiving unit's "ĐẾN" stamp on a scanned paper document;
    ``heading`` replaces the title (an annex, a report of results)."""
    font = _font()
    plain = font == "Helvetica"
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    width, height = A4

    def text(x: float, y: float, value: str, size: float = 11, center: bool = False) -> None:
        value = _latin(value) if plain else value
        c.setFont(font, size)
        if center:
            c.drawCentredString(x, y, value)
        else:
            c.drawString(x, y, value)

    def wrapped(x: float, y: float, value: str, size: float = 11,
                max_width: float = width - 130, center: bool = False,
                lead: float = 15) -> float:
        value = _latin(value) if plain else value
        for line in simpleSplit(value, font, size, max_width):
            text(x + (max_width / 2 if center else 0), y, line, size, center)
            y -= lead
        return y

    party = "-" in doc["symbol"].split("/")[0]
    issuer = doc["issuer"]
    left = 165  # centre of the issuer block
    y = height - 60
    for line in issuer:
        y = wrapped(left - 120, y, line.upper(), 10.5, max_width=240, center=True, lead=14)
    text(left, y, "*" if party else "—", 10, center=True)
    y -= 16
    text(left, y, f"Số {doc['symbol']}", 10.5, center=True)
    if doc["type"] == "CV":
        wrapped(left - 95, y - 16, doc["summary"], 9.5, max_width=190, center=True, lead=12)
    right = 420
    y = height - 60
    if party:
        text(right, y, "ĐẢNG CỘNG SẢN VIỆT NAM", 11, center=True)
        y -= 26
    else:
        text(right, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 10.5, center=True)
        text(right, y - 14, "Độc lập - Tự do - Hạnh phúc", 10.5, center=True)
        y -= 40
    text(right, y, _date_line(doc["place"], doc["document_date"]), 10, center=True)
    if stamp:
        c.rect(60, height - 240, 170, 52)
        text(145, height - 202, stamp["unit"].upper(), 8, center=True)
        text(145, height - 216, "ĐẾN", 11, center=True)
        text(145, height - 232, f"Số: ....  Ngày: {stamp['day']:%d/%m/%Y}", 8.5, center=True)

    y = height - (270 if stamp else 190)
    type_name = doc["type_name"]
    if heading:
        y = wrapped(65, y, heading.upper(), 13, center=True, lead=17) - 8
    elif doc["type"] != "CV":
        title = doc["summary"]  # "Kế hoạch triển khai …" under the heading "KẾ HOẠCH"
        if title.lower().startswith(type_name.lower() + " "):
            title = title[len(type_name) + 1:]
        text(width / 2, y, type_name.upper(), 14, center=True)
        y = wrapped(65, y - 20, title, 11.5, center=True) - 12
    else:
        text(width / 2, y, f"Kính gửi: {doc['recipient']}", 11.5, center=True)
        y -= 32
    summary = doc["summary"]
    if summary.startswith("V/v "):
        summary = summary[4:]
    body = [
        f"Căn cứ chương trình công tác năm {doc['document_date'].year} và yêu cầu nhiệm vụ "
        f"trong thời gian tới, {doc['author']} gửi {doc['recipient']} văn bản về việc: "
        f"{summary[0].lower() + summary[1:]}.",
        "Đề nghị các cơ quan, đơn vị quan tâm, chỉ đạo triển khai thực hiện nghiêm túc, "
        "đúng tiến độ; trong quá trình thực hiện, nếu có khó khăn, vướng mắc, kịp thời "
        "phản ánh về cơ quan ban hành (qua bộ phận văn thư) để được hướng dẫn, phối hợp "
        "giải quyết.",
    ]
    for paragraph in body:
        y = wrapped(85, y, paragraph, 11.5, max_width=width - 150) - 8
    y -= 10
    text(65, y, "Nơi nhận:", 10)
    text(65, y - 13, "- Như trên;", 9)
    text(65, y - 25, "- Lưu VT.", 9)
    sign_x = 410
    for line in doc["signer_title"].split(", "):  # "T/M Ban Thường vụ, Phó Bí thư"
        text(sign_x, y, line.upper(), 10.5, center=True)
        y -= 14
    text(sign_x, y - 26, "(Đã ký)", 9.5, center=True)
    text(sign_x, y - 56, doc["signer"], 11, center=True)
    for number in range(2, pages + 1):
        c.showPage()
        text(width / 2, height - 60, f"Trang {number}", 9, center=True)
        wrapped(85, height - 100, f"Phần {number}: nội dung chi tiết, phân công nhiệm vụ "
                "và tiến độ thực hiện (kèm theo văn bản số "
                f"{doc['symbol']}).", 11.5, max_width=width - 150)
    c.showPage()
    c.save()
    return buf.getvalue()


def file_name(symbol: str, suffix: str = "") -> str:
    """The name a demo PDF is stored under: its symbol, made safe for a file name."""
    safe = symbol.replace("/", "-").replace(" ", "")
    return f"{safe}{suffix}.pdf"


def store(data: bytes, name: str, check: Callable[..., Any]) -> storage.StoredFile:
    """Put ``data`` in the file store as ``name``, checked by ``check``."""
    return storage.store(io.BytesIO(data), name, check=check)


_DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def demo_docx(paragraphs: Sequence[str]) -> bytes:
    """A plain Word document (.docx), one paragraph per item (a "**" prefix makes it bold):
    a draft as an official types it before it is signed. The same text gives the same
    bytes."""
    body = []
    for text in paragraphs:
        bold = text.startswith("**")
        text = text[2:] if bold else text
        props = "<w:rPr><w:b/></w:rPr>" if bold else ""
        body.append(f'<w:p><w:r>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
                    "</w:p>")
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body>" + "".join(body) + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        "</w:sectPr></w:body></w:document>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in (("[Content_Types].xml", _DOCX_CONTENT_TYPES),
                              ("_rels/.rels", _DOCX_RELS), ("word/document.xml", document)):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return buf.getvalue()
