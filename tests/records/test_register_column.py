"""The outgoing register's file-copy column names the work file a document is filed in
(docs/domain.md §9.3); a document in no file keeps who drafted it."""

from datetime import date

from app.extensions import db
from app.outgoing.models import OutgoingDocument
from tests.records.conftest import RecordsKit
from tests.registers.conftest import seeded, xlsx_rows  # noqa: F401  (the fixture)
from tests.registers.test_registers import OUTGOING_HEADINGS, _build


def test_the_file_copy_column_shows_the_file_code(app, world, seeded):  # noqa: F811
    kit = RecordsKit(app, world)
    with app.app_context():
        filed = db.session.query(OutgoingDocument).filter_by(symbol="1-CV/VPHU").one().id
        db.session.remove()
    first = kit.open_ad_hoc(notation="01.X", start=date(seeded.year, 1, 1))
    second = kit.open_ad_hoc(notation="02.X", start=date(seeded.year, 1, 1))
    kit.add(first, "outgoing", filed)
    kit.add(second, "outgoing", filed)
    _sheet, rows = xlsx_rows(_build(app, seeded, "outgoing", "xlsx")[0])
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Số, ký hiệu")
    column = OUTGOING_HEADINGS.index("Đơn vị, người nhận bản lưu")
    cells = {r[0]: r[column] for r in rows[header_at + 1:]}
    year = seeded.year
    assert cells["1-CV/VPHU"] == (f"000.00.00.H31.{year}.01.X; 000.00.00.H31.{year}.02.X")
    assert cells["3-CV/VPHU"] == "Test Chuyenvien"
