"""Registers, reports and slips as PDF (reportlab): A4 landscape tables whose header row
is drawn on every page, "Trang X/Y", an optional cover page, and on every page the name
of who printed it and when (TT 01/2019/TT-BNV).

The body is cut into blocks of a few dozen rows, made as the layout needs them: one huge
table is split again and again by reportlab (time grows with the square of the rows),
small blocks keep time and memory linear. Cell text is broken into lines by measured word
widths and drawn as plain text lines, not paragraphs (see ``_Cells`` and ``_RowBlock``)."""

import functools
import os
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

FONT_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static", "fonts")
FONT, FONT_BOLD, FONT_ITALIC = "QLVBSerif", "QLVBSerif-Bold", "QLVBSerif-Italic"
FONT_SIZE = 9
PADDING = 3
MARGIN = 28
CHUNK = 40


@functools.cache
def register_fonts():
    """Liberation Serif (Times New Roman metrics, every Vietnamese letter), shipped in the
    repository so that no system font is needed."""
    from reportlab.lib.fonts import addMapping

    for name, filename in ((FONT, "LiberationSerif-Regular.ttf"),
                           (FONT_BOLD, "LiberationSerif-Bold.ttf"),
                           (FONT_ITALIC, "LiberationSerif-Italic.ttf")):
        pdfmetrics.registerFont(TTFont(name, os.path.join(FONT_DIR, filename)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT_ITALIC)
    addMapping(FONT, 1, 1, FONT_BOLD)
    return True


@functools.cache
def _styles():
    register_fonts()
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=FONT_SIZE, leading=FONT_SIZE + 2)
    return {
        "cell": cell,
        "head": ParagraphStyle("head", parent=cell, fontName=FONT_BOLD, alignment=TA_CENTER),
        "cover": ParagraphStyle("cover", parent=cell, fontSize=14, leading=20,
                                alignment=TA_CENTER),
        "cover_title": ParagraphStyle("cover_title", parent=cell, fontName=FONT_BOLD,
                                      fontSize=24, leading=32, alignment=TA_CENTER,
                                      spaceBefore=40, spaceAfter=30),
        "title": ParagraphStyle("title", parent=cell, fontName=FONT_BOLD, fontSize=12,
                                leading=15, alignment=TA_CENTER),
        "text": ParagraphStyle("text", parent=cell, fontSize=11, leading=15),
    }


@dataclass
class Document:
    """What to print: a title over every page, the column headings with their relative
    widths, the rows (lists of text, in the columns' order), an optional cover (lines,
    the title among them in capitals), the print mark and what to say when there is no
    row."""

    title: str
    headings: list
    widths: list
    rows: object
    mark: str
    cover: list = field(default_factory=list)
    cover_title: str = ""
    empty_text: str = ""
    intro: list = field(default_factory=list)
    # The audit chain's length and head when printing (an anchor: see app/core/audit.py).
    seal: str = ""


def _canvas_class(mark, has_cover, seal=""):
    """A canvas that keeps its pages until the end, to write "Trang X/Y" and the print
    mark on each once Y is known."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages) - (1 if has_cover else 0)
            for index, state in enumerate(self._pages):
                self.__dict__.update(state)
                self._footer(index + (0 if has_cover else 1), total)
                super().showPage()
            super().save()

        def _footer(self, number, total):
            width, _height = self._pagesize
            self.setFont(FONT_ITALIC, 8)
            self.drawString(MARGIN, 14, mark)
            if seal:
                self.setFont(FONT, 6.5)
                self.drawString(MARGIN, 6, seal)
            if number >= 1:
                self.setFont(FONT, 9)
                self.drawRightString(width - MARGIN, 14,
                                     _("Page %(x)s/%(y)s", x=number, y=total))

    return NumberedCanvas


class _Cells:
    """Turns row texts into the lines of each cell, broken at word boundaries to fit their
    column (word widths are measured once and remembered: a
    register repeats the same words thousands of times). Reportlab's paragraphs would do
    the same about ten times slower."""

    def __init__(self, widths):
        self.limits = [w - 2 * PADDING - 1 for w in widths]
        font = pdfmetrics.getFont(FONT)
        self._measure = font.stringWidth
        self._widths = {}
        self.space = self.width(" ")

    def width(self, word):
        found = self._widths.get(word)
        if found is None:
            found = self._widths[word] = self._measure(word, FONT_SIZE)
        return found

    def _cut(self, word, limit):
        """A word wider than its column, cut into pieces that fit."""
        pieces, piece = [], ""
        for char in word:
            if piece and self._measure(piece + char, FONT_SIZE) > limit:
                pieces.append(piece)
                piece = ""
            piece += char
        return pieces + [piece]

    def wrap(self, text, limit):
        lines = []
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for word in paragraph.split():
                size = self.width(word)
                if line and used + self.space + size <= limit:
                    line += " " + word
                    used += self.space + size
                    continue
                if line:
                    lines.append(line)
                if size > limit:
                    *whole, word = self._cut(word, limit)
                    lines.extend(whole)
                    size = self._measure(word, FONT_SIZE)
                line, used = word, size
            lines.append(line)
        return lines

    def __call__(self, row):
        """The lines of each cell of ``row``."""
        out = []
        for text, limit in zip(row, self.limits, strict=False):
            text = "" if text is None else str(text)
            if not text:
                out.append(())
            elif "\n" in text or self.width(text) > limit:
                out.append(self.wrap(text, limit))
            else:
                out.append((text,))
        return out


_HEAD_STYLE = TableStyle([
    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#e8e8e8")),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
    ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
])


LEADING = FONT_SIZE + 2
V_PAD = 2


class _RowBlock(Flowable):
    """Rows of text lines in ruled cells, what a register body is made of. Reportlab's
    Table draws every line of every cell as a text object of its own, which is most of
    the time a long register takes; a block draws its rows with one text object and its
    rules with one grid."""

    def __init__(self, cells, widths, heights=None):
        super().__init__()
        self.cells = cells
        self.widths = widths
        self.heights = heights or [max([len(c) for c in row] + [1]) * LEADING + 2 * V_PAD
                                   for row in cells]

    def wrap(self, avail_w, avail_h):
        self.width, self.height = sum(self.widths), sum(self.heights)
        return self.width, self.height

    def split(self, avail_w, avail_h):
        used, fits = 0, 0
        for h in self.heights:
            if used + h > avail_h:
                break
            used += h
            fits += 1
        if fits == 0 or fits == len(self.cells):
            return []
        return [_RowBlock(self.cells[:fits], self.widths, self.heights[:fits]),
                _RowBlock(self.cells[fits:], self.widths, self.heights[fits:])]

    def draw(self):
        canvas = self.canv
        xs = [0]
        for w in self.widths:
            xs.append(xs[-1] + w)
        ys = [self.height]
        for h in self.heights:
            ys.append(ys[-1] - h)
        canvas.setLineWidth(0.5)
        canvas.grid(xs, ys)
        text = canvas.beginText()
        text.setFont(FONT, FONT_SIZE, LEADING)
        for top, row in zip(ys, self.cells, strict=False):
            for x, lines in zip(xs, row, strict=False):
                if lines:
                    text.setTextOrigin(x + PADDING, top - V_PAD - FONT_SIZE)
                    for line in lines:
                        text.textLine(line)
        canvas.drawText(text)


def _chunks(rows, cells, widths):
    batch = []
    for row in rows:
        batch.append(cells(row))
        if len(batch) == CHUNK:
            yield _RowBlock(batch, widths)
            batch = []
    if batch:
        yield _RowBlock(batch, widths)


class _StreamingDoc(BaseDocTemplate):
    """Takes the body tables from a generator as the layout needs them, so that only a
    few tables of rows exist at a time (reportlab consumes its story from the front)."""

    def __init__(self, *args, more=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._more = more

    def build(self, flowables, *args, **kwargs):
        self._story = flowables
        return super().build(flowables, *args, **kwargs)

    def handle_flowable(self, flowables):
        if flowables is self._story and self._more is not None and len(flowables) < 3:
            following = next(self._more, None)
            if following is None:
                self._more = None
            else:
                flowables.append(following)
        super().handle_flowable(flowables)


def _page_header(document, widths, frame_w, page_h):
    """What is drawn at the top of every body page (the title and the column headings),
    and the height it takes."""
    styles = _styles()
    title = Paragraph(escape(document.title), styles["title"])
    _tw, title_h = title.wrap(frame_w, page_h)
    head = Table([[Paragraph(escape(str(h)), styles["head"]) for h in document.headings]],
                 colWidths=widths, style=_HEAD_STYLE)
    _hw, head_h = head.wrap(frame_w, page_h)
    top = MARGIN + title_h + 4 + head_h

    def on_body(canvas, doc):
        # Drawn once as a form (XObject), then placed on every page.
        if not getattr(canvas, "_qlvb_head", False):
            canvas.beginForm("qlvbhead")
            title.drawOn(canvas, MARGIN, page_h - MARGIN - title_h)
            head.drawOn(canvas, MARGIN, page_h - top)
            canvas.endForm()
            canvas._qlvb_head = True
        canvas.doForm("qlvbhead")

    return on_body, top


def _cover(document):
    styles = _styles()
    story = [Spacer(1, 30)]
    for line in document.cover:
        style = styles["cover_title"] if line == document.cover_title else styles["cover"]
        story.append(Paragraph(escape(line), style))
    return story + [NextPageTemplate("body"), PageBreak()]


def build_pdf(out, document):
    """Write ``document`` to ``out`` (a path or a binary file); return the number of rows."""
    register_fonts()
    styles = _styles()
    pagesize = landscape(A4)
    page_w, page_h = pagesize
    frame_w = page_w - 2 * MARGIN
    total = float(sum(document.widths))
    widths = [frame_w * w / total for w in document.widths]
    on_body, top = _page_header(document, widths, frame_w, page_h)
    bottom = MARGIN + 6
    templates, story = [], []
    if document.cover:
        templates.append(PageTemplate(id="cover", frames=[
            Frame(MARGIN, bottom, frame_w, page_h - MARGIN - bottom, id="cover")]))
        story += _cover(document)
    templates.append(PageTemplate(id="body", onPage=on_body, frames=[
        Frame(MARGIN, bottom, frame_w, page_h - top - bottom, id="body", leftPadding=0,
              rightPadding=0, topPadding=0, bottomPadding=0)]))
    story += [Paragraph(escape(line), styles["text"]) for line in document.intro]
    if document.intro:
        story.append(Spacer(1, 6))
    counter = {"rows": 0}

    def counted(rows):
        for row in rows:
            counter["rows"] += 1
            yield row

    blocks = _chunks(counted(document.rows), _Cells(widths), widths)
    first = next(blocks, None)
    if first is None:
        story += [Spacer(1, 10), Paragraph(escape(document.empty_text), styles["text"])]
    else:
        story.append(first)
    doc = _StreamingDoc(out, pagesize=pagesize, pageTemplates=templates,
                        title=document.title, author=document.mark, leftMargin=MARGIN,
                        rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=bottom,
                        more=blocks if first is not None else None)
    doc.build(story, canvasmaker=_canvas_class(document.mark, bool(document.cover),
                                                    document.seal))
    return counter["rows"]
