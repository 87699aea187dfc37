"""Incidents and requests: report with a file, handle new → in progress → resolved with a
response, the reporter is told, the office's monthly list, nothing deleted."""

import io

from app.core.timeutil import local_today
from app.extensions import db
from app.incidents.models import Incident
from app.notifications.models import Notification
from tests.conftest import client_for


def test_report_handle_and_resolve(app, world):
    reporter = client_for(app, "chuyenvien.vphu")
    resp = reporter.post("/incidentview/add", data={
        "kind": "software_error", "title": "Không in được sổ",
        "description": "Bấm In thì báo lỗi",
        "attachment": (io.BytesIO(b"\x89PNG\r\n\x1a\nimage"), "Ảnh chụp màn hình.png")},
        content_type="multipart/form-data")
    assert resp.status_code == 302
    with app.app_context():
        inc = db.session.query(Incident).filter_by(title="Không in được sổ").one()
        assert inc.status == "new" and inc.file_name == "Ảnh chụp màn hình.png"
        assert inc.file_mime == "image/png"
        told = {n.user_id for n in db.session.query(Notification)}
        assert world.ids["qtdv.vphu"] in told and world.ids["vanphong"] in told
        assert world.ids["qtdv.btchu"] not in told
        pk = inc.id
    handler = client_for(app, "qtdv.vphu")
    # The reporter may not handle; resolving needs a response.
    assert reporter.get(f"/incidentview/edit/{pk}").status_code == 403
    resp = handler.post(f"/incidentview/edit/{pk}", data={"status": "resolved", "response": ""})
    assert resp.status_code == 200
    assert "nhập nội dung phản hồi" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Incident, pk).status == "new"
    assert handler.post(f"/incidentview/action/start/{pk}").status_code == 302
    resp = handler.post(f"/incidentview/edit/{pk}", data={
        "status": "resolved", "response": "Đã cài lại trình điều khiển máy in"})
    assert resp.status_code == 302
    with app.app_context():
        inc = db.session.get(Incident, pk)
        assert inc.status == "resolved" and inc.resolved_at is not None
        assert inc.handler_id == world.ids["qtdv.vphu"]
        notes = db.session.query(Notification).filter_by(user_id=world.ids["chuyenvien.vphu"])
        assert notes.count() == 2  # in progress, then resolved
    # Back to an earlier state is refused.
    handler.post(f"/incidentview/edit/{pk}", data={"status": "new", "response": "x"})
    with app.app_context():
        assert db.session.get(Incident, pk).status == "resolved"
    # Reports are records: not deleted.
    admin = client_for(app, "admin")
    admin.post(f"/incidentview/delete/{pk}")
    with app.app_context():
        assert db.session.get(Incident, pk) is not None


def test_monthly_list_for_the_office(app, world):
    from app.incidents.services import open_incident

    with app.app_context():
        for name in ("vanthu.vphu", "vanthu.btchu"):
            open_incident(db.session, world.user(name), "feature_request", f"Đề xuất {name}",
                          "Thêm bộ lọc theo tháng")
        db.session.commit()
    today = local_today()
    office = client_for(app, "vanphong")
    html = office.get(f"/incidentview/monthly/?year={today.year}&month={today.month}") \
        .get_data(as_text=True)
    assert "Đề xuất vanthu.vphu" in html and "Đề xuất vanthu.btchu" in html
    unit_admin = client_for(app, "qtdv.btchu")
    html = unit_admin.get("/incidentview/monthly/").get_data(as_text=True)
    assert "Đề xuất vanthu.btchu" in html and "Đề xuất vanthu.vphu" not in html
    bad = office.get("/incidentview/monthly/?year=abc&month=13")
    assert bad.status_code == 302


def test_oversize_upload_is_refused_with_message(database, tmp_path, world, app):
    from tests.conftest import make_app

    small = make_app(database, tmp_path, MAX_CONTENT_LENGTH=1024)
    c = client_for(small, "vanthu.vphu")
    resp = c.post("/incidentview/add", data={
        "kind": "software_error", "title": "Tệp lớn", "description": "x",
        "attachment": (io.BytesIO(b"x" * 5000), "lon.pdf")}, content_type="multipart/form-data")
    assert resp.status_code == 413
    assert "vượt quá dung lượng cho phép" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Incident).filter_by(title="Tệp lớn").count() == 0
