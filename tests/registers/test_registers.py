"""The registers read back from their PDF (pypdf) and XLSX (openpyxl): cover, headings in
the order of docs/domain.md §7 or the admin's, rows in number order, cancelled numbers, Vietnamese
text, "Trang X/Y", the print mark, empty periods, the command line."""

import io
from datetime import date, datetime

import pytest

from tests.registers.conftest import SUMMARY, SYMBOLS, pdf_text, xlsx_rows

INCOMING_HEADINGS = ["Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng",
                     "Tên loại và trích yếu nội dung", "Đơn vị hoặc người nhận", "Ngày chuyển",
                     "Ký nhận", "Ghi chú"]
OUTGOING_HEADINGS = ["Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu nội dung", "Người ký",
                     "Nơi nhận", "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển",
                     "Ký nhận", "Ghi chú"]


def _build(app, seeded, kind, fmt, period=None, unit="vphu", volume="1"):
    from app.extensions import db
    from app.registers import services
    from app.registers.pdf import build_pdf
    from app.registers.xlsx import build_xlsx
    from app.units.models import Unit

    with app.app_context():
        period = period or services.make_period("year", year=seeded.year)
        reg = services.register(db.session, kind, db.session.get(Unit, seeded.ids[unit]),
                                period, volume=volume)
        out = io.BytesIO()
        mark = services.print_mark(None, datetime(2026, 3, 2, 1, 30))
        (build_pdf if fmt == "pdf" else build_xlsx)(out, reg.document(mark))
        count = reg.count
        db.session.remove()
    return out.getvalue(), count


def test_incoming_register_pdf_cover_headings_rows_and_numbering(app, seeded):
    data, count = _build(app, seeded, "incoming", "pdf")
    pages = pdf_text(data)
    year = seeded.year
    assert count == 7
    cover = pages[0]
    for line in ("HUYỆN ỦY", "VĂN PHÒNG HUYỆN ỦY", "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", f"Năm {year}",
                 f"Từ ngày 01/01/{year} đến ngày 31/12/{year}", "Từ số 1 đến số 7",
                 "Quyển số: 1"):
        assert line in cover, line
    assert "Trang" not in cover  # the cover is not numbered
    assert len(pages) == 2
    body = pages[1]
    flat = " ".join(body.split())
    for heading in INCOMING_HEADINGS:
        assert heading in flat, heading
    # Every row once, in number order; the other unit's and the unregistered one absent.
    positions = [flat.index(SYMBOLS[n]) for n in range(1, 8)]
    assert positions == sorted(positions)
    assert all(flat.count(SYMBOLS[n]) == 1 for n in range(1, 8))
    assert "555-CV/BTCHU-KHAC" not in flat and "99-CV/TU" not in flat
    assert "Công văn: " + (SUMMARY % 1)[:30] in flat
    assert "ĐÃ HỦY: Vào sổ nhầm" in flat
    assert "Chủ trì: Ban Tổ chức Huyện ủy" in flat
    assert "Trang 1/1" in body
    # The print mark on every page, the cover included (TT 01/2019/TT-BNV).
    assert all("In bởi hệ thống lúc 02/03/2026 08:30" in p for p in pages)


def test_incoming_register_xlsx_cells(app, seeded):
    data, _count = _build(app, seeded, "incoming", "xlsx", volume="2")
    sheet, rows = xlsx_rows(data)
    year = seeded.year
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Ngày đến")
    assert rows[header_at][:10] == INCOMING_HEADINGS
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in [r[0] for r in rows[:header_at]]
    assert "Quyển số: 2" in [r[0] for r in rows[:header_at]]
    body = rows[header_at + 1:]
    assert [r[1] for r in body] == [1, 2, 3, 4, 5, 6, 7]
    assert [r[3] for r in body] == [SYMBOLS[n] for n in range(1, 8)]
    assert body[0][0] == f"05/01/{year}"
    assert body[1][5] == "Công văn: " + SUMMARY % 2
    assert body[5][9] == "ĐÃ HỦY: Vào sổ nhầm"
    assert "Chủ trì" in body[1][6] and body[4][6] is None  # registered, not yet assigned
    assert sheet.print_title_rows == f"${header_at + 1}:${header_at + 1}"
    assert sheet.page_setup.orientation == "landscape"
    assert "Trang &P/&N" in sheet.oddFooter.right.text
    assert "In bởi hệ thống" in sheet.oddFooter.left.text


def test_outgoing_register_keeps_cancelled_numbers_in_number_order(app, seeded):
    data, count = _build(app, seeded, "outgoing", "xlsx")
    _sheet, rows = xlsx_rows(data)
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Số, ký hiệu")
    assert rows[header_at][:10] == OUTGOING_HEADINGS
    body = rows[header_at + 1:]
    assert count == 4
    assert [r[0] for r in body] == ["1-BC/VPHU", "1-CV/VPHU", "2-CV/VPHU", "3-CV/VPHU"]
    assert body[2][9] == "SỐ ĐÃ HỦY: Cấp số nhầm"
    assert body[0][9] == "Phát hành muộn: Mất điện"
    assert body[1][4] == "Ban Tổ chức Huyện ủy; Sở Nội vụ"
    assert body[1][3] == "Test Lanhdao" and body[1][6] == 3
    pages = pdf_text(_build(app, seeded, "outgoing", "pdf")[0])
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in pages[0]
    flat = " ".join(pages[1].split())
    assert flat.index("1-BC/VPHU") < flat.index("2-CV/VPHU") < flat.index("3-CV/VPHU")


def test_tracking_register(app, seeded):
    data, count = _build(app, seeded, "tracking", "xlsx")
    _sheet, rows = xlsx_rows(data)
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Số đến")
    assert rows[header_at][:7] == ["Số đến", "Văn bản", "Đơn vị hoặc người nhận", "Hạn xử lý",
                                   "Tiến độ", "Văn bản trả lời", "Ghi chú"]
    body = rows[header_at + 1:]
    # Only the documents given to someone (directed): 1, 2, 3, 4, 7.
    assert count == 5 and [r[0] for r in body] == [1, 2, 3, 4, 7]
    assert body[0][6].startswith("Hoàn thành ngày")
    assert body[1][6].startswith("Hoàn thành muộn")
    pages = pdf_text(_build(app, seeded, "tracking", "pdf")[0])
    assert "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN" in pages[0]


def test_empty_period_gives_a_valid_register_that_says_so(app, seeded):
    from app.registers import services

    empty = services.make_period("month", year=seeded.year, month=12)
    pages = pdf_text(_build(app, seeded, "incoming", "pdf", period=empty)[0])
    assert len(pages) == 2
    assert "Từ số … đến số …" in pages[0]
    assert "sổ trống" in " ".join(pages[1].split()) and "Trang 1/1" in pages[1]
    _sheet, rows = xlsx_rows(_build(app, seeded, "incoming", "xlsx", period=empty)[0])
    assert any(r[0] and "sổ trống" in r[0] for r in rows)


def test_long_register_repeats_the_header_and_numbers_every_page(app, world):
    """150 rows of long Vietnamese text run over several pages."""
    from app.extensions import db
    from app.incoming.models import IncomingDocument
    from app.registers import services

    with app.app_context():
        for n in range(1, 151):
            db.session.add(IncomingDocument(
                unit_id=world.ids["btchu"], state="registered", channel="paper",
                arrival_year=2025, arrival_number=n, arrival_date=date(2025, 5, 1),
                author_name="Ban Tuyên giáo và Dân vận Tỉnh ủy Hưng Yên", symbol=f"{n}-HD/BTG",
                summary="Hướng dẫn tổ chức các hoạt động kỷ niệm ngày thành lập Đảng Cộng sản "
                        "Việt Nam và mừng Xuân Ất Tỵ, tuyên truyền kết quả Đại hội đảng bộ "
                        f"các cấp, số {n}"))
        db.session.commit()
        db.session.remove()
    seeded = type("S", (), {"ids": {"btchu": world.ids["btchu"]}, "year": 2025})()
    data, _count = _build(app, seeded, "incoming", "pdf",
                          period=services.make_period("month", year=2025, month=5),
                          unit="btchu")
    pages = pdf_text(data)
    total = len(pages) - 1
    assert total >= 3
    for number, page in enumerate(pages[1:], start=1):
        flat = " ".join(page.split())
        assert "Tên loại và trích yếu nội dung" in flat  # the header, on every page
        assert f"Trang {number}/{total}" in page
    text = " ".join(" ".join(p.split()) for p in pages[1:])
    assert all(f"{n}-HD/BTG" in text for n in (1, 75, 150))
    assert "mừng Xuân Ất Tỵ" in text


def test_admin_columns_change_order_headings_and_visibility(app, seeded, clients):
    from app.extensions import db
    from app.registers.models import RegisterColumn

    admin = clients("admin")
    resp = admin.post("/registercolumnview/add", data={
        "kind": "incoming", "key": "nonsense", "label": "", "position": "5"})
    assert resp.status_code == 200 and "Sổ này không có cột đó" in resp.get_data(as_text=True)
    resp = admin.post("/registercolumnview/add", data={
        "kind": "incoming", "key": "author", "label": "Cơ quan ban hành", "position": "5",
        "visible": "y"})
    assert resp.status_code == 302
    with app.app_context():
        db.session.add(RegisterColumn(kind="incoming", key="signature", label="", position=0,
                                      visible=False))
        db.session.commit()
        db.session.remove()
    _sheet, rows = xlsx_rows(_build(app, seeded, "incoming", "xlsx")[0])
    header = next(r for r in rows if r[0] == "Cơ quan ban hành")
    assert header[:9] == ["Cơ quan ban hành", "Ngày đến", "Số đến", "Số, ký hiệu", "Ngày tháng",
                          "Tên loại và trích yếu nội dung", "Đơn vị hoặc người nhận",
                          "Ngày chuyển", "Ghi chú"]
    assert clients("vanthu.vphu").get("/registercolumnview/list/").status_code == 403


def test_signature_check_and_reason_are_in_the_register(app, world):
    """An e-document registered without a valid signature is marked in the register: the
    "Chữ ký số" column gives the check of its file, the notes the clerk's reason (Điều
    6.2); a paper document has neither."""
    from app.core import storage
    from app.extensions import db
    from app.incoming import services as incoming
    from app.registers import services
    from app.trust.services import intake_check
    from tests import pdfs
    from tests.incoming.conftest import IncomingKit

    def stored(text):  # as the intake screen stores it: safety and signature checks
        return storage.store(io.BytesIO(pdfs.clean_pdf(text)), "văn bản.pdf",
                             check=intake_check(db.session))

    kit = IncomingKit(app, world)
    with app.test_request_context():
        clerk = world.user("vanthu.vphu")
        incoming.intake(db.session, clerk, "paper", kit.entry(symbol="11-CV/TU"),
                        stored("Văn bản giấy"))
        incoming.intake(db.session, clerk, "external",
                        kit.entry(symbol="12-CV/TU",
                                  trust_reason="Cơ quan gửi chưa có chứng thư số"),
                        stored("Văn bản điện tử"))
        db.session.commit()
        db.session.remove()
    today = kit.today()
    period = services.make_period("range", start=today.isoformat(), end=today.isoformat())
    _sheet, rows = xlsx_rows(_build(app, _Seeded(world), "incoming", "xlsx", period)[0])
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "Ngày đến")
    heading = rows[header_at]
    assert "Chữ ký số" in heading
    by_symbol = {r[heading.index("Số, ký hiệu")]: r for r in rows[header_at + 1:]
                 if r and r[0]}
    e_doc, paper_doc = by_symbol["12-CV/TU"], by_symbol["11-CV/TU"]
    assert e_doc[heading.index("Chữ ký số")] == "Không có chữ ký số"
    assert "Cơ quan gửi chưa có chứng thư số" in e_doc[heading.index("Ghi chú")]
    assert not paper_doc[heading.index("Chữ ký số")]
    assert "chứng thư" not in (paper_doc[heading.index("Ghi chú")] or "")


class _Seeded:
    """``_build``'s view of the world (the units' ids)."""

    def __init__(self, world):
        self.ids = world.ids
        self.year = None


def test_period_rules(app):
    from app.core.errors import DomainError
    from app.registers import services

    with app.app_context():
        p = services.make_period("quarter", year=2025, quarter=4)
        assert (p.start, p.end) == (date(2025, 10, 1), date(2025, 12, 31))
        assert services.make_period("month", year=2024, month=2).end == date(2024, 2, 29)
        p = services.make_period("range", start="15/03/2025", end="2025-04-02")
        assert (p.start, p.end) == (date(2025, 3, 15), date(2025, 4, 2))
        for kwargs, field in (
                (dict(kind="range", start="02/04/2025", end="01/04/2025"), "end"),
                (dict(kind="range", start="31/02/2025", end="01/04/2025"), "start"),
                (dict(kind="range", start="01/01/2024", end="01/04/2025"), "end"),
                (dict(kind="month", year="abc", month=1), "year"),
                (dict(kind="month", year=2025, month=13), "month"),
                (dict(kind="week", year=2025), "period")):
            with pytest.raises(DomainError) as error:
                services.make_period(**kwargs)
            assert error.value.field == field


def test_command_line_writes_the_register(app, seeded, runner, tmp_path):
    from sqlalchemy import select

    from app.core.audit import AuditEvent
    from app.extensions import db

    out = tmp_path / "so-den.xlsx"
    result = runner.invoke(args=["qlvb", "register", "--unit", "vphu", "--kind", "incoming",
                                 "--from", f"01/01/{seeded.year}", "--to",
                                 f"31/03/{seeded.year}", "--format", "xlsx", "--out",
                                 str(out)])
    assert result.exit_code == 0, result.output
    _sheet, rows = xlsx_rows(out.read_bytes())
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Ngày đến")
    assert [r[1] for r in rows[header_at + 1:]] == [1, 2, 3, 4]
    pdf = tmp_path / "so-di.pdf"
    result = runner.invoke(args=["qlvb", "register", "--unit", "VPHU", "--kind", "outgoing",
                                 "--from", f"{seeded.year}-01-01", "--to",
                                 f"{seeded.year}-12-31", "--out", str(pdf)])
    assert result.exit_code == 0, result.output
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in pdf_text(pdf.read_bytes())[0]
    with app.app_context():
        events = db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "register_printed").order_by(AuditEvent.id)).scalars().all()
        assert [e.details_dict()["format"] for e in events] == ["xlsx", "pdf"]
        db.session.remove()
    bad = runner.invoke(args=["qlvb", "register", "--unit", "VPHU", "--from", "02/01/2025",
                              "--to", "01/01/2025", "--out", str(tmp_path / "x.pdf")])
    assert bad.exit_code != 0
    assert "trước ngày bắt đầu" in bad.output or "before the start date" in bad.output
    assert not (tmp_path / "x.pdf").exists()
    unknown = runner.invoke(args=["qlvb", "register", "--unit", "NOPE", "--from", "01/01/2025",
                                  "--to", "02/01/2025", "--out", str(tmp_path / "y.pdf")])
    assert unknown.exit_code != 0 and "NOPE" in unknown.output
