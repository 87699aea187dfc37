"""Corrections while a thing is still being made (docs/domain.md §9.2–9.3): a draft plan's
headings and entries are corrected and deleted, an open file's title, retention and owner
are corrected (audited); once the plan is approved or the file closed, each is refused
with 409 and changes nothing."""

from datetime import date

import pytest

from app.core.audit import AuditEvent
from app.core.errors import DomainError
from app.core.workflow import ConflictError
from app.extensions import db
from app.records import services
from app.records.models import FilePlan, PlanEntry, PlanHeading, RetentionRule, WorkFile
from tests.conftest import flashes_text, html_of


def _plan_parts(app, plan_id):
    with app.app_context():
        plan = db.session.get(FilePlan, plan_id)
        out = ({h.title: h.id for h in plan.headings},
               [(e.notation, e.title, e.position) for e in plan.entries])
        db.session.remove()
    return out


def test_a_draft_plan_is_corrected_through_its_screen(app, world, records, clients):
    plan_id, entries = records.plan(approve=False)
    headings, _ = _plan_parts(app, plan_id)
    clerk = clients("vanthu.vphu")
    page = html_of(clerk, f"/records/plans/{plan_id}")
    assert f"/records/plans/{plan_id}/entry/{entries[0]}/edit" in page
    resp = clerk.post(f"/records/plans/{plan_id}/entry/{entries[0]}/edit", data={
        "heading": str(headings["Tổng hợp"]), "notation": "07.TH", "title": "Hồ sơ sửa",
        "retention": str(records.rules["VV"]), "owner": "", "note": "ghi chú"})
    assert "Đã sửa hồ sơ dự kiến" in flashes_text(html_of(clerk, resp.headers["Location"]))
    resp = clerk.post(f"/records/plans/{plan_id}/entry/{entries[1]}/edit", data={
        "heading": str(headings["Tổng hợp"]), "notation": "07.TH", "title": "Trùng",
        "retention": str(records.rules["VV"])})
    assert "07.TH đã có" in flashes_text(html_of(clerk, resp.headers["Location"]))
    clerk.post(f"/records/plans/{plan_id}/entry/{entries[2]}/delete")
    resp = clerk.post(f"/records/plans/{plan_id}/heading/{headings['Hội nghị']}/delete")
    assert "còn hồ sơ" in flashes_text(html_of(clerk, resp.headers["Location"]))
    clerk.post(f"/records/plans/{plan_id}/entry/{entries[1]}/delete")
    clerk.post(f"/records/plans/{plan_id}/heading/{headings['Hội nghị']}/edit",
               data={"title": "Hội nghị, hội thảo"})
    _, rows = _plan_parts(app, plan_id)
    assert rows == [("07.TH", "Hồ sơ sửa", 1)]
    with app.app_context():
        plan = db.session.get(FilePlan, plan_id)
        assert [h.title for h in plan.headings] == ["Tổng hợp", "Hội nghị, hội thảo"]
        assert plan.entries[0].retention.code == "VV" and plan.entries[0].note == "ghi chú"
        actions = [e.action for e in db.session.query(AuditEvent)
                   .filter(AuditEvent.action.like("file_plan_%ed")).order_by(AuditEvent.id)]
        assert actions.count("file_plan_entry_edited") == 1
        assert actions.count("file_plan_entry_deleted") == 2
        assert "file_plan_heading_edited" in actions
    resp = clerk.post(f"/records/plans/{plan_id}/heading/{headings['Hội nghị']}/delete")
    assert "Đã xóa đề mục" in flashes_text(html_of(clerk, resp.headers["Location"]))


def test_an_approved_plan_refuses_every_correction(app, world, records, clients):
    plan_id, entries = records.plan()
    headings, before = _plan_parts(app, plan_id)
    clerk = clients("vanthu.vphu")
    assert "/entry/" not in html_of(clerk, f"/records/plans/{plan_id}").split(
        "qlvb-plan-heading")[0].replace("WorkFileView", "")  # no correcting forms
    for path, data in (
            (f"entry/{entries[0]}/edit", {"heading": str(headings["Tổng hợp"]),
                                          "notation": "09.TH", "title": "x",
                                          "retention": str(records.rules["VV"])}),
            (f"entry/{entries[0]}/delete", {}),
            (f"heading/{headings['Hội nghị']}/edit", {"title": "x"}),
            (f"heading/{headings['Hội nghị']}/delete", {})):
        resp = clerk.post(f"/records/plans/{plan_id}/{path}", data=data)
        assert resp.status_code == 409, path
        assert "Danh mục đã được phê duyệt" in resp.get_data(as_text=True)
    assert _plan_parts(app, plan_id) == (headings, before)


def test_plan_corrections_are_refused_to_others(app, world, records, clients):
    plan_id, entries = records.plan(approve=False)
    headings, before = _plan_parts(app, plan_id)
    for user, code in (("vanthu.btchu", 403), ("chuyenvien.vphu", 403)):
        client = clients(user)
        assert client.post(f"/records/plans/{plan_id}/entry/{entries[0]}/delete"
                           ).status_code == code
        assert client.post(f"/records/plans/{plan_id}/heading/{headings['Hội nghị']}/edit",
                           data={"title": "x"}).status_code == code
    other, _ = records.plan(year=2027, approve=False)
    assert clients("vanthu.vphu").post(
        f"/records/plans/{other}/entry/{entries[0]}/delete").status_code == 404
    assert _plan_parts(app, plan_id) == (headings, before)


def test_an_open_file_is_corrected_then_closed_refuses(app, world, records, clients):
    fid = records.open_ad_hoc()
    official = clients("chuyenvien.vphu")
    assert f"/records/files/{fid}/edit" in html_of(official, f"/records/files/{fid}")
    resp = official.post(f"/records/files/{fid}/edit", data={
        "title": "Hồ sơ hội nghị tổng kết", "retention": str(records.rules["VV"]),
        "owner": str(world.ids["lanhdao.vphu"])})
    # Handed to the head, the file leaves the official's sight.
    assert resp.status_code == 302
    assert official.get(resp.headers["Location"]).status_code == 404
    with app.app_context():
        f = db.session.get(WorkFile, fid)
        assert (f.title, f.retention.code, f.owner.username) == (
            "Hồ sơ hội nghị tổng kết", "VV", "lanhdao.vphu")
        event = db.session.query(AuditEvent).filter_by(action="work_file_edited").one()
        assert event.details_dict()["before"]["owner"] == "chuyenvien.vphu"
        assert event.details_dict()["after"]["retention"] == "VV"
    head = clients("lanhdao.vphu")
    resp = head.post(f"/records/files/{fid}/edit", data={
        "title": "x", "retention": str(records.rules["VV"]),
        "owner": str(world.ids["chuyenvien.btchu"])})
    assert "Người lập hồ sơ phải" in flashes_text(html_of(head, resp.headers["Location"]))
    records.paper(fid, date(2026, 2, 1), user="lanhdao.vphu")
    records.call(services.close_file, file_id=fid, user="lanhdao.vphu")
    resp = head.post(f"/records/files/{fid}/edit", data={
        "title": "Sau khi kết thúc", "retention": str(records.rules["2"]),
        "owner": str(world.ids["lanhdao.vphu"])})
    assert resp.status_code == 409 and "Hồ sơ đã đóng" in resp.get_data(as_text=True)
    with app.app_context():
        f = db.session.get(WorkFile, fid)
        assert (f.title, f.retention.code) == ("Hồ sơ hội nghị tổng kết", "VV")
    assert clients("chuyenvien.btchu").post(f"/records/files/{fid}/edit").status_code == 404
    assert clients("qtdv.vphu").post(f"/records/files/{fid}/edit").status_code == 403


def test_file_correction_rules(app, records):
    fid = records.open_ad_hoc()
    with app.test_request_context():
        s = db.session
        f = s.get(WorkFile, fid)
        rule = s.get(RetentionRule, records.rules["20"])
        for title, retention, owner in (("", rule, records.user("chuyenvien.vphu")),
                                        ("x", None, records.user("chuyenvien.vphu")),
                                        ("x", rule, records.user("chuyenvien.btchu"))):
            with pytest.raises(DomainError):
                services.update_file(s, records.user("chuyenvien.vphu"), f, title,
                                     retention, owner)
            s.rollback()
        with pytest.raises(DomainError):  # another official of the unit keeps no right
            services.update_file(s, records.user("vanthu.vphu"), s.get(WorkFile, fid), "x",
                                 rule, records.user("vanthu.vphu"))
        s.rollback()
    plan_id, _ = records.plan(year=2027)
    with app.test_request_context():
        s = db.session
        plan = s.get(FilePlan, plan_id)
        with pytest.raises(ConflictError):
            services.delete_entry(s, records.user("vanthu.vphu"), plan, plan.entries[0])
        s.rollback()
        assert s.query(PlanEntry).filter_by(plan_id=plan_id).count() == 3
        assert s.query(PlanHeading).filter_by(plan_id=plan_id).count() == 2
