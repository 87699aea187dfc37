"""The agency's own digital signature on what it issues (docs/domain.md §8: it replaces the seal):
with the agency's PKCS#12 configured (``QLVB_AGENCY_P12``, ``QLVB_AGENCY_P12_PASSPHRASE``),
the clerk applies it when issuing, with a visible stamp (agency name and time).

The stamp is drawn by reportlab with an embedded TrueType font shipped in the repository
(DejaVu Sans, full Vietnamese coverage) and placed as the signature's appearance: pyHanko's
own text stamp writes wrong glyph widths for TrueType fonts that are not 1000 units per em.
The signature is an incremental update: the signed bytes stay as they were."""

import io
import os
import tempfile

from flask import current_app
from flask_babel import gettext as _

from app.core.errors import DomainError
from app.core.timeutil import to_local, utcnow

FONT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static", "fonts",
                    "DejaVuSans.ttf")
FIELD = "ChuKyCoQuan"
BOX = (330, 40, 565, 110)  # bottom right of the last page, in points


def configured():
    return bool(current_app.config.get("QLVB_AGENCY_P12"))


def _signer():
    from pyhanko.sign import signers

    path = current_app.config.get("QLVB_AGENCY_P12")
    passphrase = current_app.config.get("QLVB_AGENCY_P12_PASSPHRASE") or ""
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    try:
        signer = signers.SimpleSigner.load_pkcs12(path, passphrase=passphrase or None)
    except Exception:
        signer = None
    if signer is None:
        raise DomainError(_("The agency's signing certificate cannot be opened; tell the "
                            "administrator (QLVB_AGENCY_P12 and its passphrase)."))
    return signer


def _stamp_pdf(lines, path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "QLVBStamp" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("QLVBStamp", FONT))
    width, height = BOX[2] - BOX[0], BOX[3] - BOX[1]
    c = canvas.Canvas(path, pagesize=(width, height))
    c.setStrokeColorRGB(0.75, 0.1, 0.1)
    c.setFillColorRGB(0.75, 0.1, 0.1)
    c.setLineWidth(1.2)
    c.rect(1, 1, width - 2, height - 2)
    size = 9
    y = height - 16
    for line in lines:
        c.setFont("QLVBStamp", size)
        c.drawString(8, y, line)
        y -= size + 5
    c.showPage()
    c.save()


def sign(data, agency_name, when=None):
    """``data`` (a PDF) signed by the agency, with its visible stamp on the last page."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle
    from pypdf import PdfReader

    signer = _signer()
    when = to_local(when or utcnow())
    lines = [_("Signed by: %(agency)s", agency=agency_name),
             _("Time: %(when)s", when=when.strftime("%d/%m/%Y %H:%M:%S")),
             _("Digitally signed by the agency")]
    with tempfile.TemporaryDirectory() as tmp:
        stamp = os.path.join(tmp, "stamp.pdf")
        _stamp_pdf(lines, stamp)
        try:
            pages = len(PdfReader(io.BytesIO(data), strict=False).pages)
            writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
            fields.append_signature_field(writer, fields.SigFieldSpec(
                FIELD, on_page=max(pages - 1, 0), box=BOX))
            meta = signers.PdfSignatureMetadata(field_name=FIELD, md_algorithm="sha256",
                                                reason=_("Issued"), name=agency_name)
            style = StaticStampStyle.from_pdf_file(stamp, border_width=0)
            out = signers.PdfSigner(meta, signer=signer, stamp_style=style).sign_pdf(writer)
        except DomainError:
            raise
        except Exception as exc:
            raise DomainError(_("The agency signature could not be applied to this PDF: "
                                "%(error)s", error=type(exc).__name__)) from exc
    return out.getvalue()
