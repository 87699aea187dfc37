"""After the office destroys the files of a withheld document (docs/domain.md §2), the
registers keep its number and say why in the notes column ("Đã hủy tệp: <lý do>"), in the
PDF and the XLSX, incoming and outgoing; `flask qlvb storage verify` reports its files as
destroyed, not missing, and passes."""

import io
import os
from datetime import datetime

from tests.conftest import client_for
from tests.ocr.test_quarantine import _hold
from tests.outgoing.conftest import OutgoingKit
from tests.registers.conftest import pdf_text, xlsx_rows

REASON = "Văn bản TUYỆT MẬT, hủy theo Quy chế Điều 1"


def _destroy(app, held_id):
    office = client_for(app, "vanphong")
    resp = office.post(f"/quarantine/decide/{held_id}",
                       data={"decision": "purge", "reason": REASON})
    assert resp.status_code == 302


def _register(app, world, kind, fmt):
    from app.core.timeutil import local_today
    from app.extensions import db
    from app.registers import services
    from app.registers.pdf import build_pdf
    from app.registers.xlsx import build_xlsx
    from app.units.models import Unit

    with app.test_request_context():
        period = services.make_period("year", year=local_today().year)
        reg = services.register(db.session, kind, db.session.get(Unit, world.ids["vphu"]),
                                period)
        out = io.BytesIO()
        mark = services.print_mark(None, datetime(2026, 3, 2, 1, 30))
        (build_pdf if fmt == "pdf" else build_xlsx)(out, reg.document(mark))
        db.session.remove()
    return out.getvalue()


def _notes(data, first_heading):
    _sheet, rows = xlsx_rows(data)
    header_at = next(i for i, r in enumerate(rows) if r[0] == first_heading)
    notes_at = rows[header_at].index("Ghi chú")
    return rows[header_at + 1:], notes_at


def test_the_incoming_register_keeps_the_number_and_says_the_files_were_destroyed(
        app, world, incoming):
    kept = incoming.intake(text="Kế hoạch tổ chức hội nghị")
    doc_id = incoming.intake(text="Báo cáo tình hình an ninh", symbol="77-BC/TU")
    held_id, _sha = _hold(app, doc_id, "TUYỆT MẬT")
    _destroy(app, held_id)
    body, notes_at = _notes(_register(app, world, "incoming", "xlsx"), "Ngày đến")
    assert [r[1] for r in body] == [1, 2]  # both numbers stay in the register
    assert kept < doc_id and body[1][3] == "77-BC/TU"
    assert body[1][notes_at] == f"Đã hủy tệp: {REASON}"
    assert not body[0][notes_at]
    flat = " ".join(" ".join(pdf_text(_register(app, world, "incoming", "pdf"))).split())
    assert f"Đã hủy tệp: {REASON}" in flat


def test_the_outgoing_register_says_so_too(app, world):
    from app.outgoing.models import OutgoingFile

    kit = OutgoingKit(app, world)
    doc_id = kit.ready()
    held_id, _sha = _hold(app, doc_id, "MẬT", file_model=OutgoingFile)
    _destroy(app, held_id)
    body, notes_at = _notes(_register(app, world, "outgoing", "xlsx"), "Số, ký hiệu")
    [row] = body
    assert row[0] and f"Đã hủy tệp: {REASON}" in row[notes_at]


def test_storage_verify_reports_destroyed_files_as_destroyed(app, world, incoming, runner):
    incoming.intake(text="Kế hoạch tổ chức hội nghị")
    doc_id = incoming.intake(text="Báo cáo tình hình an ninh", symbol="77-BC/TU")
    held_id, sha = _hold(app, doc_id, "TUYỆT MẬT")
    _destroy(app, held_id)
    result = runner.invoke(args=["qlvb", "storage", "verify"])
    assert result.exit_code == 0, result.output
    assert f"DESTROYED {sha}" in result.output
    assert f"MISSING {sha}" not in result.output
    # A file gone that nobody destroyed is still missing.
    from app.core import storage
    from app.extensions import db
    from app.incoming.models import IncomingFile

    with app.app_context():
        other = db.session.query(IncomingFile).filter(IncomingFile.sha256 != sha).first()
        other_sha = other.sha256
        os.unlink(storage.path_for(other_sha))
        db.session.remove()
    failed = runner.invoke(args=["qlvb", "storage", "verify"])
    assert failed.exit_code == 1
    assert f"MISSING {other_sha}" in failed.output and f"DESTROYED {sha}" in failed.output
