"""An OCRmyPDF plugin that conditions the image Tesseract reads, never the page kept in
the searchable copy: the red of seals and signatures dropped (the red channel as grey, on
which red ink is as light as the paper) and a scanner's specks removed (a 3×3 median).
A red secrecy stamp dropped with them is read apart, from the red ink alone (``stamps``)."""

from __future__ import annotations

from typing import Any

from ocrmypdf import hookimpl
from ocrmypdf.builtin_plugins import tesseract_ocr
from PIL import Image, ImageFilter


@hookimpl
def filter_ocr_image(page: Any, image: Image.Image) -> Image.Image:
    image = tesseract_ocr.filter_ocr_image(page, image)  # its size limits still apply
    if image.mode in ("RGB", "RGBA", "P", "CMYK"):
        grey = image.convert("RGB").getchannel("R")
    else:
        grey = image.convert("L")
    return grey.filter(ImageFilter.MedianFilter(3))
