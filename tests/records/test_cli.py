"""``flask qlvb files list|due|export`` as outside checks call them (docs/domain.md §9.9):
JSON lines, the export's folder, a non-zero exit with a message on an unknown or open
file."""

import json
import os
from datetime import date

from app.records import services


def _lines(result):
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def test_list_due_and_export(app, records, runner, tmp_path):
    closed = records.open_ad_hoc(notation="01.X", start=date(2024, 1, 2))
    records.paper(closed, date(2024, 3, 4), pages=3)
    records.call(services.close_file, file_id=closed)
    records.open_ad_hoc(notation="02.X")
    rows = _lines(runner.invoke(args=["qlvb", "files", "list"]))
    assert [r["state"] for r in rows] == ["closed", "open"]
    assert set(rows[0]) == {"file_code", "title", "unit", "state", "start_date", "end_date",
                            "retention", "doc_total"}
    assert rows[0]["file_code"] == "000.00.00.H31.2024.01.X"
    assert (rows[0]["start_date"], rows[0]["end_date"], rows[0]["doc_total"]) == (
        "2024-01-02", "2024-03-04", 1)
    assert rows[0]["unit"] == "000.00.01.H31" and rows[0]["retention"] == "20 năm"
    assert [r["state"] for r in _lines(runner.invoke(
        args=["qlvb", "files", "list", "--state", "open", "--unit", "VPHU"]))] == ["open"]
    assert _lines(runner.invoke(args=["qlvb", "files", "list", "--unit", "000.00.02.H31"])) == []
    due = _lines(runner.invoke(args=["qlvb", "files", "due"]))
    assert [(r["file_code"], r["due_date"]) for r in due] == [
        ("000.00.00.H31.2024.01.X", "2025-03-04")]

    out = tmp_path / "out"
    result = runner.invoke(args=["qlvb", "files", "export", "000.00.00.H31.2024.01.X",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    folder = out / "000.00.00.H31.2024.01.X"
    assert sorted(os.listdir(folder)) == [
        "000.00.00.H31.2024.01.X.001.pdf", "000.00.00.H31.2024.01.X.xml",
        "manifest-sha256.txt", "muc-luc-van-ban.pdf"]
    for code, message in (("000.00.00.H31.2026.02.X", "đang mở"),
                          ("KHONG-CO", "Không có hồ sơ")):
        result = runner.invoke(args=["qlvb", "files", "export", code, "--out", str(out)])
        assert result.exit_code != 0 and message in result.output, result.output
    assert not (out / "000.00.00.H31.2026.02.X").exists()
    with app.app_context():
        from app.core.audit import AuditEvent
        from app.extensions import db

        assert db.session.query(AuditEvent).filter_by(action="work_file_exported").count() == 1
