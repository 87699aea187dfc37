"""Row-level scope on every route kind: another unit's record is refused (404) on list,
show, edit, delete, single and multi actions, downloads and the API; a user without the
role is refused (403); writes cannot move a record into another unit."""

import io

import pytest

from tests.conftest import api_token, client_for


@pytest.fixture
def incidents(app, world):
    """One report with a file in each unit, from each unit's clerk."""
    from app.core import storage
    from app.extensions import db
    from app.incidents.services import attach_file, open_incident

    ids = {}
    with app.app_context():
        for name in ("vanthu.vphu", "vanthu.btchu"):
            user = world.user(name)
            inc = open_incident(db.session, user, "software_error", f"Lỗi của {name}",
                                "Không mở được danh sách")
            attach_file(inc, storage.store(io.BytesIO(b"%PDF-1.4 test " + name.encode()),
                                           "Biên bản sự cố.pdf"))
            db.session.commit()
            ids[name.split(".")[1]] = inc.id
        db.session.remove()
    return ids


def test_list_shows_only_own_unit(app, world, incidents):
    c = client_for(app, "qtdv.vphu")
    html = c.get("/incidentview/list/").get_data(as_text=True)
    assert "Lỗi của vanthu.vphu" in html
    assert "Lỗi của vanthu.btchu" not in html


@pytest.mark.parametrize("method,path", [
    ("get", "/incidentview/show/{pk}"),
    ("get", "/incidentview/edit/{pk}"),
    ("post", "/incidentview/edit/{pk}"),
    ("post", "/incidentview/delete/{pk}"),
    ("get", "/incidentview/action/start/{pk}"),
    ("post", "/incidentview/action/start/{pk}"),
    ("get", "/incidentview/file/{pk}"),
])
def test_other_unit_record_is_404(app, world, incidents, method, path):
    c = client_for(app, "qtdv.vphu")
    resp = getattr(c, method)(path.format(pk=incidents["btchu"]),
                              data={"status": "resolved", "response": "x"})
    assert resp.status_code == 404
    _assert_untouched(app, incidents["btchu"])


def test_multi_action_with_other_unit_row_is_404(app, world, incidents):
    c = client_for(app, "qtdv.vphu")
    resp = c.post("/incidentview/action_post",
                  data={"action": "start", "rowid": [incidents["vphu"], incidents["btchu"]]})
    assert resp.status_code == 404
    _assert_untouched(app, incidents["btchu"])
    _assert_untouched(app, incidents["vphu"])


def test_own_unit_actions_work(app, world, incidents):
    c = client_for(app, "qtdv.vphu")
    resp = c.post("/incidentview/action_post", data={"action": "start",
                                                      "rowid": [incidents["vphu"]]})
    assert resp.status_code == 302
    from app.extensions import db
    from app.incidents.models import Incident

    with app.app_context():
        assert db.session.get(Incident, incidents["vphu"]).status == "in_progress"
    file_resp = c.get(f"/incidentview/file/{incidents['vphu']}")
    assert file_resp.status_code == 200
    assert file_resp.data.startswith(b"%PDF-1.4 test vanthu.vphu")
    assert "Bi%C3%AAn%20b%E1%BA%A3n" in file_resp.headers["Content-Disposition"]
    assert file_resp.headers["X-Content-Type-Options"] == "nosniff"


def test_fab_download_route_is_not_exposed(app, world, incidents):
    c = client_for(app, "admin")
    assert c.get("/incidentview/download/anything.pdf").status_code == 404


def test_office_sees_all_units_read_only(app, world, incidents):
    c = client_for(app, "vanphong")
    html = c.get("/incidentview/list/").get_data(as_text=True)
    assert "Lỗi của vanthu.vphu" in html and "Lỗi của vanthu.btchu" in html
    assert c.get(f"/incidentview/show/{incidents['btchu']}").status_code == 200
    # No write permission on units for the office role.
    assert c.get("/unitview/add").status_code == 403


def test_reporter_without_handle_sees_only_own_reports(app, world, incidents):
    c = client_for(app, "chuyenvien.vphu")
    assert c.get(f"/incidentview/show/{incidents['vphu']}").status_code == 404
    c2 = client_for(app, "vanthu.vphu")
    assert c2.get(f"/incidentview/show/{incidents['vphu']}").status_code == 200


def test_api_scope(app, world, incidents):
    c = app.test_client()
    headers = api_token(c, "qtdv.vphu")
    listing = c.get("/api/v1/incident/", headers=headers)
    assert listing.status_code == 200
    ids = {row["id"] for row in listing.json["result"]}
    assert ids == {incidents["vphu"]}
    assert c.get(f"/api/v1/incident/{incidents['btchu']}", headers=headers).status_code == 404
    assert c.get(f"/api/v1/incident/{incidents['vphu']}", headers=headers).status_code == 200


def test_api_create_is_pinned_to_own_unit(app, world):
    c = app.test_client()
    headers = api_token(c, "vanthu.vphu")
    resp = c.post("/api/v1/incident/", headers=headers,
                  json={"kind": "feature_request", "title": "Thêm bộ lọc", "description": "..."})
    assert resp.status_code == 201, resp.json
    from app.extensions import db
    from app.incidents.models import Incident

    with app.app_context():
        inc = db.session.get(Incident, resp.json["id"])
        assert inc.unit_id == world.ids["vphu"]
    forged = c.post("/api/v1/incident/", headers=headers,
                    json={"kind": "feature_request", "title": "x", "description": "y",
                          "unit_id": world.ids["btchu"]})
    assert forged.status_code == 422


def test_form_create_is_pinned_to_own_unit(app, world):
    c = client_for(app, "vanthu.btchu")
    resp = c.post("/incidentview/add", data={
        "kind": "security", "title": "Máy nhiễm mã độc", "description": "Phát hiện lúc 9h",
        "unit": world.ids["vphu"], "unit_id": world.ids["vphu"]})
    assert resp.status_code == 302
    from app.extensions import db
    from app.incidents.models import Incident

    with app.app_context():
        inc = db.session.query(Incident).filter_by(title="Máy nhiễm mã độc").one()
        assert inc.unit_id == world.ids["btchu"]


def test_unit_accounts_scope_and_role_dropdown(app, world):
    c = client_for(app, "qtdv.vphu")
    html = c.get("/unitaccounts/list/").get_data(as_text=True)
    assert "vanthu.vphu" in html and "vanthu.btchu" not in html
    other = world.ids["vanthu.btchu"]
    for method, path in [("get", f"/unitaccounts/show/{other}"),
                         ("get", f"/unitaccounts/edit/{other}"),
                         ("post", f"/unitaccounts/action/lock/{other}"),
                         ("get", f"/unitaccounts/password/{other}")]:
        assert getattr(c, method)(path).status_code == 404, path
    form = c.get("/unitaccounts/add").get_data(as_text=True)
    assert "Văn thư" in form and "Quản trị hệ thống" not in form and "Văn phòng" not in form


def test_unit_admin_cannot_grant_admin_role_or_move_account(app, world):
    from app.extensions import db
    from app.security import permissions as P
    from app.security.models import AppUser

    with app.app_context():
        admin_role = app.appbuilder.sm.find_role(P.ROLE_ADMIN).id
        clerk_role = app.appbuilder.sm.find_role(P.ROLE_CLERK).id
    c = client_for(app, "qtdv.vphu")
    data = {"first_name": "Mới", "last_name": "Người", "username": "moi.vphu",
            "email": "moi@test.local", "kind": "person", "active": "y",
            "password": "Abc@12345xyZ", "conf_password": "Abc@12345xyZ",
            "unit": world.ids["btchu"]}
    c.post("/unitaccounts/add", data={**data, "roles": [admin_role]})
    with app.app_context():
        assert db.session.query(AppUser).filter_by(username="moi.vphu").count() == 0
    resp = c.post("/unitaccounts/add", data={**data, "roles": [clerk_role]})
    assert resp.status_code == 302
    with app.app_context():
        user = db.session.query(AppUser).filter_by(username="moi.vphu").one()
        assert user.unit_id == world.ids["vphu"]
        assert [r.name for r in user.roles] == [P.ROLE_CLERK]


@pytest.mark.parametrize("user,path", [
    ("chuyenvien.vphu", "/unitaccounts/list/"),
    ("vanthu.vphu", "/auditeventview/list/"),
    ("lanhdao.vphu", "/users/list/"),
    ("vanthu.vphu", "/unitview/add"),
])
def test_user_without_role_is_403(app, world, user, path):
    c = client_for(app, user)
    assert c.get(path).status_code == 403


def test_anonymous_is_sent_to_login(app, world, incidents):
    c = app.test_client()
    resp = c.get(f"/incidentview/show/{incidents['vphu']}")
    assert resp.status_code == 302 and "/login/" in resp.headers["Location"]
    assert c.get("/api/v1/incident/").status_code == 401


def _assert_untouched(app, pk):
    from app.extensions import db
    from app.incidents.models import Incident

    with app.app_context():
        inc = db.session.get(Incident, pk)
        assert inc is not None and inc.status == "new" and inc.response is None
        db.session.remove()
