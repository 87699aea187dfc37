"""Retention counted from an event (docs/domain.md §9.6): a file whose rule says "N years
after an event" has no due date until the date of the event is recorded on it; then
``flask qlvb files due`` lists it, due 12 months after the later of the end of the work
and the event."""

import json
from datetime import date

import pytest

from app.core.errors import DomainError
from app.extensions import db
from app.records import services
from app.records.models import WorkFile
from tests.conftest import flashes_text, html_of


def _event_rule(app, records):
    with app.test_request_context():
        rule = services.add_rule(db.session, records.user("admin"), "HHL5", "Hợp đồng",
                                 "event", 10, "khi hết hiệu lực")
        db.session.commit()
        records.rules["HHL5"] = rule.id
        db.session.remove()


def _due(runner):
    result = runner.invoke(args=["qlvb", "files", "due", "--within-days", "36600"])
    assert result.exit_code == 0, result.output
    return [(r["file_code"], r["due_date"]) for r in
            (json.loads(line) for line in result.output.splitlines() if line.strip())]


def test_an_event_file_is_due_once_its_event_is_recorded(app, world, records, clients, runner):
    _event_rule(app, records)
    fid = records.open_ad_hoc(notation="03.HD", rule="HHL5", start=date(2024, 1, 2))
    records.paper(fid, date(2024, 3, 4))
    records.call(services.close_file, file_id=fid)
    with app.app_context():
        assert db.session.get(WorkFile, fid).due_date is None
    assert _due(runner) == []
    official = clients("chuyenvien.vphu")
    page = html_of(official, f"/records/files/{fid}")
    assert "Ngày xảy ra sự kiện" in page and "chưa ghi" in page
    resp = official.post(f"/records/files/{fid}/event", data={"event_date": "01/12/2023"})
    assert "trước ngày bắt đầu" in flashes_text(html_of(official, resp.headers["Location"]))
    resp = official.post(f"/records/files/{fid}/event", data={"event_date": "15/06/2025"})
    assert "Đã ghi ngày xảy ra sự kiện" in flashes_text(
        html_of(official, resp.headers["Location"]))
    assert _due(runner) == [("000.00.00.H31.2024.03.HD", "2026-06-15")]
    with app.app_context():
        f = db.session.get(WorkFile, fid)
        assert (f.event_date, f.due_date, f.due_notified) == (
            date(2025, 6, 15), date(2026, 6, 15), False)
    # Refused to another unit's official (not found) and to a role without work files.
    assert clients("chuyenvien.btchu").post(f"/records/files/{fid}/event", data={
        "event_date": "01/01/2030"}).status_code == 404
    assert clients("qtdv.vphu").post(f"/records/files/{fid}/event", data={
        "event_date": "01/01/2030"}).status_code == 403
    with app.app_context():
        assert db.session.get(WorkFile, fid).event_date == date(2025, 6, 15)


def test_an_event_before_the_end_counts_from_the_end(app, records):
    _event_rule(app, records)
    fid = records.open_ad_hoc(notation="04.HD", rule="HHL5", start=date(2024, 1, 2))
    records.call(services.record_event, date(2024, 1, 20), file_id=fid)  # while open
    records.paper(fid, date(2024, 3, 4))
    records.call(services.close_file, file_id=fid)
    with app.app_context():
        assert db.session.get(WorkFile, fid).due_date == date(2025, 3, 4)


def test_only_an_event_rule_takes_an_event_date(app, records):
    fid = records.open_ad_hoc(notation="05.X", rule="20")
    with pytest.raises(DomainError, match="không tính từ một sự kiện"):
        records.call(services.record_event, date(2026, 2, 1), file_id=fid)
    _event_rule(app, records)
    other = records.open_ad_hoc(notation="06.HD", rule="HHL5")
    with pytest.raises(DomainError, match="Phải nhập ngày"):
        records.call(services.record_event, None, file_id=other)
