"""Recognition of scanned pages: Vietnamese OCR of PDFs without a text layer
(``engine``) and the register fields read from the first page's text (``fields``)."""

from app.ocr.engine import OcrError, OcrUnavailable, Result, available, needs_ocr, recognise
from app.ocr.fields import Fields, read_fields

__all__ = ["Fields", "OcrError", "OcrUnavailable", "Result", "available", "needs_ocr",
           "read_fields", "recognise"]
