"""The phiếu giải quyết văn bản đến as PDF: the register entry of one incoming document,
the head's direction, who handles it by when, and the result (docs/domain.md §5)."""

from __future__ import annotations

import io
from datetime import datetime
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from app.core.timeutil import fmt_date, fmt_datetime
from app.incoming.models import IncomingDocument
from app.registers.pdf import MARGIN, _canvas_class, _styles, register_fonts
from app.registers.services import print_mark, record_print
from app.security.models import AppUser


def slip_rows(doc):
    """(label, value) of each line of the slip."""
    arrival = fmt_date(doc.arrival_date)
    if doc.arrival_time is not None:
        arrival += " " + doc.arrival_time.strftime("%H:%M")
    direction = doc.direction or ""
    if doc.directed_by is not None:
        direction += f"\n({doc.directed_by.get_full_name()}, {fmt_datetime(doc.directed_at)})"
    parties = [f"{a.role_label()}: {a.party_label()}"
               + (f" — {_('Deadline')} {fmt_date(a.deadline)}" if a.deadline else "")
               for a in doc.assignments if a.active]
    return [
        (_("Arrival number"), doc.number_label()),
        (_("Arrival date"), arrival),
        (_("Author"), doc.author_label()),
        (_("Number and symbol"), doc.symbol),
        (_("Document date"), fmt_date(doc.document_date)),
        (_("Summary (trích yếu)"), doc.summary),
        (_("Urgency"), doc.urgency_label()),
        (_("Deadline"), fmt_date(doc.deadline)),
        (_("Direction (ý kiến chỉ đạo)"), direction),
        (_("Assignment"), "\n".join(parties)),
        (_("Result"), doc.result_summary or ""),
    ]


def build_slip_pdf(out, doc, mark):
    register_fonts()
    styles = _styles()

    def para(text, style="cell"):
        return Paragraph(escape(text or "").replace("\n", "<br/>"), styles[style])

    table = Table([[para(label, "head"), para(value, "text")]
                   for label, value in slip_rows(doc)],
                  colWidths=[140, A4[0] - 2 * MARGIN - 140],
                  style=TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    story = [para(doc.unit.name if doc.unit else "", "text"), Spacer(1, 12),
             para(_("PROCESSING SLIP FOR AN INCOMING DOCUMENT"), "title"), Spacer(1, 16),
             table]
    pdf = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN * 2, bottomMargin=MARGIN * 2,
                            title=_("Processing slip"), author=mark)
    pdf.build(story, canvasmaker=_canvas_class(mark, False))


def slip_pdf(session: Session, doc: IncomingDocument, user: AppUser,
             now: datetime) -> io.BytesIO:
    """The slip of ``doc`` as PDF, marked with who printed it and when; the print is an
    event of the audit trail (in the caller's transaction)."""
    out = io.BytesIO()
    build_slip_pdf(out, doc, print_mark(user, now))
    out.seek(0)
    record_print(session, "slip_printed", user, {"number": doc.number_label()}, obj=doc)
    return out
