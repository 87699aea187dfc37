"""Accounts: one unit account per unit, unique user names, the unit IT officer's scope."""

from app.extensions import db
from app.security import permissions as P
from app.security.models import AppUser
from tests.conftest import client_for


def _user_form(app, world, **kw):
    with app.app_context():
        role = app.appbuilder.sm.find_role(P.ROLE_CLERK).id
    data = {"first_name": "Đơn vị", "last_name": "Tài khoản", "username": "donvi.vphu",
            "email": "donvi.vphu@test.local", "unit": world.ids["vphu"], "kind": "unit",
            "active": "y", "roles": [role], "password": "Abc@12345xyZ",
            "conf_password": "Abc@12345xyZ"}
    data.update(kw)
    return data


def test_second_unit_account_refused(app, world):
    c = client_for(app, "admin")
    assert c.post("/users/add", data=_user_form(app, world)).status_code == 302
    resp = c.post("/users/add", data=_user_form(app, world, username="donvi2.vphu",
                                                email="d2@test.local"))
    assert "đã có tài khoản đơn vị" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(AppUser).filter_by(kind="unit").count() == 1
        assert db.session.query(AppUser).filter_by(username="donvi2.vphu").count() == 0
    # Another unit may have its own.
    resp = c.post("/users/add", data=_user_form(app, world, username="donvi.btchu",
                                                email="d3@test.local", unit=world.ids["btchu"]))
    assert resp.status_code == 302


def test_duplicate_username_refused_with_message(app, world):
    c = client_for(app, "admin")
    resp = c.post("/users/add", data=_user_form(app, world, username="vanthu.vphu",
                                                kind="person", email="new@test.local"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "vanthu.vphu@test.local" not in html or "đã tồn tại" in html or "Đã tồn tại" in html
    with app.app_context():
        assert db.session.query(AppUser).filter_by(email="new@test.local").count() == 0


def test_admin_sets_unit_in_security_ui(app, world):
    c = client_for(app, "admin")
    page = c.get(f"/users/edit/{world.ids['chuyenvien.vphu']}").get_data(as_text=True)
    assert "Ban Tổ chức Huyện ủy" in page  # the unit is a choice on the form
    data = _user_form(app, world, username="chuyenvien.vphu", kind="person",
                      email="chuyenvien.vphu@test.local", unit=world.ids["btchu"])
    data.pop("password"), data.pop("conf_password")
    assert c.post(f"/users/edit/{world.ids['chuyenvien.vphu']}", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(AppUser, world.ids["chuyenvien.vphu"]).unit_id == world.ids["btchu"]


def test_unit_admin_resets_password_of_own_unit(app, world):
    c = client_for(app, "qtdv.btchu")
    pk = world.ids["chuyenvien.btchu"]
    weak = c.post(f"/unitaccounts/password/{pk}", data={"password": "123",
                                                         "conf_password": "123"})
    assert "Mật khẩu phải có" in weak.get_data(as_text=True)
    ok = c.post(f"/unitaccounts/password/{pk}", data={"password": "Moi@2026matkhau",
                                                       "conf_password": "Moi@2026matkhau"})
    assert ok.status_code == 302
    assert client_for(app, "chuyenvien.btchu", "Moi@2026matkhau")
