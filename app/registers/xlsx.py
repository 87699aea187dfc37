"""Registers and reports as XLSX (xlsxwriter in constant-memory mode: each row goes to the
file as it is written, whatever the number of rows): the cover lines on top, the header
row repeated on every printed page, A4 landscape fitted to the width, "Trang &P/&N" and
the print mark in the page footer."""

import re

import xlsxwriter
from flask_babel import gettext as _


def _footer_text(text):
    return (text or "").replace("&", "&&")


def build_xlsx(out, document, sheet_name=None):
    """Write ``document`` (an ``app.registers.pdf.Document``) to ``out`` (a path or a
    binary file); return the number of rows."""
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False,
                                         "strings_to_urls": False})
    # Excel refuses these characters and more than 31 of them in a sheet name.
    name = re.sub(r"[\[\]:*?/\\']", " ", sheet_name or _("Register")).strip()[:31]
    sheet = workbook.add_worksheet(name or "1")
    bold = workbook.add_format({"bold": True, "font_name": "Times New Roman", "font_size": 12})
    title = workbook.add_format({"bold": True, "font_name": "Times New Roman",
                                 "font_size": 14})
    head = workbook.add_format({"bold": True, "font_name": "Times New Roman", "border": 1,
                                "text_wrap": True, "align": "center", "valign": "vcenter",
                                "bg_color": "#E8E8E8"})
    cell = workbook.add_format({"font_name": "Times New Roman", "border": 1,
                                "text_wrap": True, "valign": "top"})
    plain = workbook.add_format({"font_name": "Times New Roman"})
    total = float(sum(document.widths)) or 1.0
    # The columns carry the bordered cell format, so that empty cells of the body need
    # not be written (a third of a register's cells); the rows above the table do not.
    for index, weight in enumerate(document.widths):
        sheet.set_column(index, index, max(6, 160 * weight / total), cell)
    row = 0
    for line in document.cover or [document.title]:
        sheet.set_row(row, None, plain)
        sheet.write_string(row, 0, line, title if line in (document.cover_title,
                                                           document.title) else bold)
        row += 1
    for line in document.intro:
        sheet.set_row(row, None, plain)
        sheet.write_string(row, 0, line, plain)
        row += 1
    header_row = row
    for col, heading in enumerate(document.headings):
        sheet.write_string(header_row, col, str(heading), head)
    row += 1
    count = 0
    for values in document.rows:
        for col, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(row, col, value, cell)
            else:
                sheet.write_string(row, col, str(value), cell)
        row += 1
        count += 1
    if count == 0:
        sheet.set_row(row, None, plain)
        sheet.write_string(row, 0, document.empty_text, plain)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)
    sheet.freeze_panes(header_row + 1, 0)
    mark = document.mark + ("\n" + document.seal if document.seal else "")
    sheet.set_footer("&L&8" + _footer_text(mark) + "&R"
                     + _("Page %(x)s/%(y)s", x="&P", y="&N"))
    workbook.close()
    return count
