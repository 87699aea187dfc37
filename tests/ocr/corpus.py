"""A generated corpus of scanned documents: Party (Hướng dẫn 36-HD/VPTW)
and State (Nghị định 30/2020) documents drawn by the demo's PDF generator with its font,
rasterised at 200 or 300 dpi (pypdfium2, which OCRmyPDF brings), optionally skewed, speckled,
blurred, stamped with a red seal over the signature and saved with heavy JPEG artefacts,
then wrapped as image-only PDFs the way a scanner writes them. The same arguments give the
same bytes.

Used by tests/ocr and by `make bench-ocr` (bench/ocr.py)."""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter
from pypdf import PdfReader

from app.demo.files import demo_pdf

PARTY_TU = ["Tỉnh ủy Hưng Yên"]
STATE_UBND = ["Ủy ban nhân dân", "huyện Kim Động"]

DOCUMENTS: list[dict[str, Any]] = [
    dict(key="cv-tu", symbol="125-CV/TU", type="CV", type_name="Công văn", issuer=PARTY_TU,
         place="Hưng Yên", document_date=date(2026, 11, 20), author="Tỉnh ủy Hưng Yên",
         summary="V/v tổ chức Hội nghị tổng kết công tác xây dựng Đảng năm 2026, triển "
                 "khai nhiệm vụ năm 2027",
         recipient="Văn phòng Huyện ủy Kim Động",
         signer_title="T/L Ban Thường vụ, Chánh Văn phòng", signer="Nguyễn Văn Hùng"),
    dict(key="kh-btctu", symbol="89-KH/BTCTU", type="KH", type_name="Kế hoạch",
         issuer=["Tỉnh ủy Hưng Yên", "Ban Tổ chức"], place="Hưng Yên",
         document_date=date(2026, 10, 5), author="Ban Tổ chức Tỉnh ủy Hưng Yên",
         summary="Kế hoạch kiểm tra công tác phát triển đảng viên năm 2026",
         recipient="các huyện ủy, thành ủy", signer_title="K/T Trưởng ban, Phó Trưởng ban",
         signer="Lê Thị Thu Hà"),
    dict(key="tb-ubkthu", symbol="32-TB/UBKTHU", type="TB", type_name="Thông báo",
         issuer=["Đảng bộ huyện Kim Động", "Ủy ban Kiểm tra"], place="Kim Động",
         document_date=date(2026, 9, 14), author="Ủy ban Kiểm tra Huyện ủy Kim Động",
         summary="Thông báo kết luận kiểm tra việc thực hiện nhiệm vụ giám sát đối với Chi "
                 "bộ Văn phòng Huyện ủy",
         recipient="Chi bộ Văn phòng Huyện ủy", signer_title="T/M Ủy ban Kiểm tra, Chủ nhiệm",
         signer="Vũ Thị Lan"),
    dict(key="bc-hu", symbol="56-BC/HU", type="BC", type_name="Báo cáo",
         issuer=["Đảng bộ tỉnh Hưng Yên", "Huyện ủy Kim Động"], place="Kim Động",
         document_date=date(2026, 12, 1), author="Huyện ủy Kim Động",
         summary="Báo cáo tình hình an ninh chính trị, trật tự an toàn xã hội tháng 11/2026",
         recipient="Thường trực Tỉnh ủy", signer_title="T/M Ban Thường vụ, Phó Bí thư",
         signer="Phạm Minh Đức"),
    dict(key="qd-hu", symbol="412-QĐ/HU", type="QĐ", type_name="Quyết định",
         issuer=["Đảng bộ tỉnh Hưng Yên", "Huyện ủy Kim Động"], place="Kim Động",
         document_date=date(2026, 3, 2), author="Huyện ủy Kim Động",
         summary="Quyết định thành lập Tiểu ban Văn kiện Đại hội đại biểu Đảng bộ huyện",
         recipient="các đồng chí có tên", signer_title="T/M Ban Thường vụ, Bí thư",
         signer="Trần Quốc Toản"),
    dict(key="hd-btgdv", symbol="27-HD/BTGDVHU", type="HD", type_name="Hướng dẫn",
         issuer=["Huyện ủy Kim Động", "Ban Tuyên giáo và Dân vận"], place="Kim Động",
         document_date=date(2026, 1, 8), author="Ban Tuyên giáo và Dân vận Huyện ủy",
         summary="Hướng dẫn tuyên truyền kỷ niệm 97 năm Ngày thành lập Đảng Cộng sản Việt Nam",
         recipient="các chi bộ, đảng bộ cơ sở", signer_title="K/T Trưởng ban, Phó Trưởng ban",
         signer="Bùi Quang Huy"),
    dict(key="cv-ubnd", symbol="1520/UBND-VP", type="CV", type_name="Công văn",
         issuer=STATE_UBND, place="Kim Động", document_date=date(2026, 11, 25),
         author="Ủy ban nhân dân huyện Kim Động",
         summary="V/v phối hợp rà soát, cập nhật dữ liệu dân cư trên địa bàn huyện",
         recipient="Văn phòng Huyện ủy", signer_title="TM. Ủy ban nhân dân, Chủ tịch",
         signer="Đỗ Văn Thắng"),
    dict(key="qd-ubnd", symbol="12/QĐ-UBND", type="QĐ", type_name="Quyết định",
         issuer=STATE_UBND, place="Kim Động", document_date=date(2026, 2, 9),
         author="Ủy ban nhân dân huyện Kim Động",
         summary="Quyết định ban hành Quy chế làm việc của Ủy ban nhân dân huyện nhiệm kỳ "
                 "2026 - 2031",
         recipient="các phòng, ban", signer_title="KT. Chủ tịch, Phó Chủ tịch",
         signer="Hoàng Văn Nam"),
]


def expected_fields(spec: dict[str, Any]) -> dict[str, Any]:
    """The fields a reader should find on the page drawn from ``spec`` (as
    ``Fields.as_dict`` gives them)."""
    summary = spec["summary"]
    if spec["type"] != "CV":
        name = spec["type_name"]
        if summary.lower().startswith(name.lower() + " "):
            summary = summary[len(name) + 1:]
        summary = summary[:1].upper() + summary[1:]
    return {
        "author": " ".join(line.upper() for line in spec["issuer"]),
        "symbol": spec["symbol"],
        "document_date": spec["document_date"].strftime("%d/%m/%Y"),
        "document_type": spec["type"],
        "summary": summary,
        "signer": spec["signer"],
    }


FIELDS = ("author", "symbol", "document_date", "document_type", "summary", "signer")


def text_pdf(spec: dict[str, Any]) -> bytes:
    """The born-digital document (with a text layer)."""
    return demo_pdf(spec)


def reference_layout(pdf: bytes) -> str:
    """The first page's text line by line in reading order by rows, as OCR reads a page."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return page.extract_text(extraction_mode="layout")


def reference_text(pdf: bytes) -> str:
    """What a perfect recognition of the first page gives, whitespace collapsed."""
    return squash(reference_layout(pdf))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _signature_box(pdf: bytes, scale: float) -> tuple[int, int] | None:
    """Where "(Đã ký)" is drawn, in pixels of the rendered page (for the seal)."""
    document = pdfium.PdfDocument(pdf)
    page = document[0]
    text = page.get_textpage()
    found = text.search("(Đã ký)").get_next()
    if not found:
        return None
    left, bottom, right, top = text.get_charbox(found[0])
    height = page.get_height()
    return int(left * scale), int((height - (bottom + top) / 2) * scale)


def _seal(image: Image.Image, centre: tuple[int, int], dpi: int) -> Image.Image:
    """A red round seal (Quy chế: "dấu") over the left of the signature, as it is stamped."""
    rgb = image.convert("RGB")
    layer = Image.new("RGBA", rgb.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    radius = int(0.68 * dpi)  # about 35 mm across
    x, y = centre[0] - radius // 3, centre[1]  # over the left of the signature
    for width, r in ((int(dpi / 40), radius), (int(dpi / 80), int(radius * 0.72))):
        draw.ellipse((x - r, y - r, x + r, y + r), outline=(200, 30, 40, 130), width=width)
    draw.regular_polygon((x, y, int(radius * 0.25)), 5, fill=(200, 30, 40, 130))
    rgb.paste(layer, (0, 0), layer)
    return rgb


def _noise(image: Image.Image, rng: random.Random, dpi: int) -> Image.Image:
    """Skew, speckles and the blur of a cheap scanner."""
    image = image.rotate(rng.choice((-1, 1)) * rng.uniform(0.6, 1.2), resample=Image.BICUBIC,
                         expand=False, fillcolor="white")
    draw = ImageDraw.Draw(image)
    width, height = image.size
    ink = (40, 40, 40) if image.mode == "RGB" else 40
    for _ in range(int(width * height / 2500)):
        px, py = rng.randrange(width), rng.randrange(height)
        size = rng.choice((1, 1, 1, 2))
        draw.rectangle((px, py, px + size, py + size), fill=ink)
    return image.filter(ImageFilter.GaussianBlur(0.5 * dpi / 200))


def scan(pdf: bytes, dpi: int = 300, noisy: bool = False, seed: int = 0,
         colour: bool = False) -> bytes:
    """``pdf``'s first page as a scanner gives it: an image-only PDF at ``dpi``, in grey
    unless ``colour`` (a red stamp keeps its red); ``noisy`` (in colour) adds skew,
    speckles, blur, a red seal and JPEG artefacts (quality 30)."""
    scale = dpi / 72
    colour = colour or noisy
    page = pdfium.PdfDocument(pdf)[0]
    image: Image.Image = page.render(scale=scale, grayscale=not colour).to_pil()
    if noisy:
        centre = _signature_box(pdf, scale)
        if centre:
            image = _seal(image, (centre[0], centre[1]), dpi)
        image = _noise(image, random.Random(seed), dpi)
    image = image.convert("RGB" if colour else "L")
    out = io.BytesIO()
    image.save(out, "PDF", resolution=dpi, quality=30 if noisy else 92)
    return out.getvalue()


@dataclass(frozen=True)
class Sample:
    """One scanned page of the corpus with what should be read from it."""

    key: str
    dpi: int
    noisy: bool
    pdf: bytes
    reference: str
    fields: dict[str, Any]


def samples(dpi: int = 300, noisy: bool = False,
            keys: tuple[str, ...] | None = None) -> list[Sample]:
    """The corpus scanned at ``dpi`` (``keys`` limits it to some documents)."""
    out = []
    for index, spec in enumerate(DOCUMENTS):
        if keys is not None and spec["key"] not in keys:
            continue
        born = text_pdf(spec)
        out.append(Sample(spec["key"], dpi, noisy, scan(born, dpi, noisy, seed=index),
                          reference_text(born), expected_fields(spec)))
    return out


RED_INK = (200, 30, 40)
"""The red of a rubber stamp's ink, as a scanner sees it."""


def marked(pdf: bytes, marking: str = "MẬT", red: bool = False) -> bytes:
    """``pdf`` with the secrecy stamp ``marking`` (NĐ 30 Phụ lục I: the "dấu chỉ độ mật"
    below the number and symbol), framed, as a line of its own: in dark ink, or in the
    red of a rubber stamp (``red``, the usual colour of such stamps)."""
    from pypdf import PdfWriter
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from app.demo.files import _font

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    width, height = A4
    if red:
        c.setFillColorRGB(*(v / 255 for v in RED_INK))
        c.setStrokeColorRGB(*(v / 255 for v in RED_INK))
    c.setFont(_font(), 16)
    label_width = c.stringWidth(marking, _font(), 16)
    x, y = 120, height - 175
    c.drawString(x, y, marking)
    c.setLineWidth(1.5)
    c.rect(x - 8, y - 7, label_width + 16, 28)
    c.save()
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.pages[0].merge_page(PdfReader(io.BytesIO(buf.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
