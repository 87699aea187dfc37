"""The forms of docs/domain.md §9 as PDF and XLSX, built with the registers' printers: the
file plan (danh mục hồ sơ), the index of a file (mục lục văn bản, 7 columns), the index
of a transfer (mục lục hồ sơ nộp lưu) and the minutes of hand-over (biên bản giao nhận,
two copies)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import IO, Any
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

from app.core.timeutil import fmt_date
from app.records import services
from app.records.models import FileItem, FilePlan, TransferBatch, WorkFile
from app.registers.pdf import FONT, FONT_BOLD, Document, build_pdf, register_fonts
from app.registers.xlsx import build_xlsx

Out = str | IO[bytes]


def build(out: Out, document: Document, fmt: str, sheet: str | None = None) -> int:
    if fmt == "xlsx":
        return build_xlsx(out, document, sheet_name=sheet)
    return build_pdf(out, document)


# -- the file plan ------------------------------------------------------------------------

def plan_document(plan: FilePlan, mark: str) -> Document:
    """Danh mục hồ sơ: (1) số và ký hiệu, (2) đề mục and title, (3) retention, (4) who
    keeps the file, (5) note; the totals of permanent and time-limited files below."""
    decision = (_("(Approved by decision %(number)s of %(day)s)", number=plan.decision_number,
                  day=fmt_date(plan.decision_date)) if plan.state == "approved"
                else _("(Draft, not approved)"))
    total, permanent, limited = services.plan_totals(plan)

    def rows() -> Iterator[list[Any]]:
        entries = sorted(plan.entries, key=lambda e: e.position)
        for main in [h for h in plan.headings if h.parent_id is None]:
            yield ["", f"{services.heading_number(main)}. {main.title.upper()}", "", "", ""]
            for sub in [None] + [h for h in plan.headings if h.parent_id == main.id]:
                if sub is not None:
                    yield ["", f"{services.heading_number(sub)}. {sub.title}", "", "", ""]
                target = sub.id if sub is not None else main.id
                for e in entries:
                    if e.heading_id == target:
                        yield [e.notation, e.title, e.retention.text(),
                               e.owner.get_full_name() if e.owner else "", e.note or ""]
        yield ["", _("Total: %(total)s files, of which %(permanent)s permanent and "
                     "%(limited)s time-limited.", total=total, permanent=permanent,
                     limited=limited), "", "", ""]

    return Document(
        title=_("FILE PLAN %(year)s — %(unit)s", year=plan.year, unit=plan.unit.name),
        headings=[_("Number and symbol of the file"), _("Heading and title of the file"),
                  _("Retention"), _("Kept by"), _("Notes")],
        widths=[14, 50, 14, 16, 14], rows=rows(), mark=mark, intro=[decision],
        empty_text=_("The plan has no entries."))


# -- the index of a file ------------------------------------------------------------------

def item_cells(item: FileItem) -> list[Any]:
    """(2) number and symbol, (3) date, (4) type and summary, (5) author, (6) pages."""
    if item.incoming is not None:
        d = item.incoming
        kind = d.document_type.name if d.document_type else ""
        return [d.symbol, fmt_date(services.item_date(item)), f"{kind} {d.summary}".strip(),
                d.author_name, services.item_pages(item) or ""]
    if item.outgoing is not None:
        o = item.outgoing
        kind = o.document_type.name if o.document_type else ""
        return [o.symbol or "", fmt_date(services.item_date(item)),
                f"{kind} {o.summary}".strip(), o.unit.name if o.unit else "",
                services.item_pages(item) or ""]
    return [item.symbol or "", fmt_date(item.doc_date),
            f"{item.type_name or ''} {item.subject or ''}".strip(), item.author or "",
            item.pages or ""]


def index_rows(items: list[FileItem], hidden: Collection[int] = ()) -> Iterator[list[Any]]:
    """The rows of the index; an item in ``hidden`` (a document the reader may not see)
    keeps its ordinal and pages, nothing of its content."""
    page = 1
    for item in items:
        if item.left_out:
            continue
        pages = services.item_pages(item)
        cells = (item_cells(item) if item.id not in hidden
                 else ["", "", _("A document you may not see."), "", ""])
        cells[4] = f"{page}" if pages <= 1 else f"{page}–{page + pages - 1}"
        page += max(pages, 1)
        yield [item.ordinal, *cells, ""]


def index_document(f: WorkFile, items: list[FileItem], mark: str,
                   hidden: Collection[int] = ()) -> Document:
    """Mục lục văn bản, tài liệu: 7 columns (docs/domain.md §9.4)."""
    return Document(
        title=_("INDEX OF THE DOCUMENTS — File %(code)s — Year %(year)s", code=f.code,
                year=f.year),
        headings=[_("No."), _("Number and symbol"), _("Date of the document"),
                  _("Type and summary of the content"), _("Author"), _("Page no."),
                  _("Notes")],
        widths=[5, 16, 11, 44, 18, 8, 10], rows=index_rows(items, hidden), mark=mark,
        intro=[_("Number and symbol of the file: %(notation)s — %(title)s",
                 notation=f.notation, title=f.title)],
        empty_text=_("The file holds no document."))


# -- transfers ----------------------------------------------------------------------------

def transfer_rows(batch: TransferBatch) -> Iterator[list[Any]]:
    for line in batch.lines:
        f = line.file
        span = f"{fmt_date(f.start_date)} – {fmt_date(f.end_date)}"
        yield [line.position, f.code, f.title, span, f.retention.text(),
               f.page_total, line.result_label() if line.result != "pending" else ""]


def transfer_index(batch: TransferBatch, mark: str) -> Document:
    """Mục lục hồ sơ, tài liệu nộp lưu: 7 columns and its count of files."""
    n = len(batch.lines)
    rows = list(transfer_rows(batch))
    rows.append(["", _("This index holds %(n)s files (units of storage).", n=n),
                 "", "", "", "", ""])
    return Document(
        title=_("INDEX OF THE FILES TRANSFERRED — %(unit)s — Year %(year)s",
                unit=batch.unit.name, year=batch.year),
        headings=[_("No."), _("Code of the file"), _("Title of the file"),
                  _("Time of the documents"), _("Retention"), _("Pages"), _("Notes")],
        widths=[5, 22, 40, 18, 12, 7, 12], rows=iter(rows), mark=mark,
        empty_text=_("The transfer holds no file."))


def minutes_pdf(out: Out, batch: TransferBatch, plan_year: int | None) -> dict[str, int]:
    """Biên bản giao nhận hồ sơ, tài liệu, in two copies (one for each side); returns the
    totals it states (equal to the lines of the index)."""
    register_fonts()
    totals = services.transfer_totals(batch)
    body = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=17)
    title = ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=14,
                           alignment=TA_CENTER, spaceAfter=12)
    starts = [x.file.start_date for x in batch.lines if x.file.start_date]
    ends = [x.file.end_date for x in batch.lines if x.file.end_date]
    receiver = batch.receiver.get_full_name() if batch.receiver else "……………………"
    lines = [
        _("Pursuant to Decree 30/2020/ND-CP on clerical work and to the file plan of "
          "%(year)s;", year=plan_year or batch.year),
        _("Today, %(day)s, we are:", day=fmt_date(batch.created_at)),
        _("HANDING OVER: %(unit)s — %(name)s, %(position)s", unit=batch.unit.name,
          name=batch.giver.get_full_name(), position=batch.giver.position or ""),
        _("RECEIVING: the agency archive (Lưu trữ cơ quan) — %(name)s", name=receiver),
        _("Agree on the hand-over of the documents as follows:"),
        _("1. Name of the body of documents: files of %(unit)s.", unit=batch.unit.name),
        _("2. Time of the documents: %(start)s – %(end)s",
          start=fmt_date(min(starts)) if starts else "",
          end=fmt_date(max(ends)) if ends else ""),
        _("3. Quantity: %(files)s files (electronic), %(documents)s documents, %(pages)s "
          "pages, %(stored)s stored files.", **totals),
        _("4. Condition of the documents: %(condition)s",
          condition=batch.condition or _("complete, readable")),
        _("5. Attached: the index of the files transferred (%(files)s lines).", **totals),
        _("The minutes are made in two copies; each side keeps one."),
    ]
    story: list[Any] = []
    for copy in (1, 2):
        story.append(Paragraph(escape(_("MINUTES OF HAND-OVER OF FILES AND DOCUMENTS")),
                               title))
        story.append(Paragraph(escape(_("Copy %(n)s of 2", n=copy)), body))
        story.append(Spacer(1, 8))
        story += [Paragraph(escape(line), body) for line in lines]
        story.append(Spacer(1, 30))
        story.append(Paragraph(escape(_("HANDING OVER (signature, full name)")
                                      + "          " + _("RECEIVING (signature, full name)")),
                               body))
        if copy == 1:
            story.append(PageBreak())
    SimpleDocTemplate(out, pagesize=A4, title=_("Minutes of hand-over")).build(story)
    return totals
