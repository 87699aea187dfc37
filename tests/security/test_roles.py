"""Roles as code: a sync restores built-in roles, menus fit each role, the UI marks them."""

import pytest

from app.extensions import db
from app.security import permissions as P
from tests.conftest import client_for


def test_security_manager_is_ours(app):
    from app.security.manager import AppSecurityManager

    assert type(app.appbuilder.sm) is AppSecurityManager
    assert app.config["FAB_UPDATE_PERMS"] is False


def test_sync_restores_a_built_in_role_edited_in_the_ui(app, world, runner):
    sm = app.appbuilder.sm
    with app.app_context():
        role = sm.find_role(P.ROLE_CLERK)
        before = {(p.permission.name, p.view_menu.name) for p in role.permissions}
        extra = sm.find_permission_view_menu("can_write", P.UNIT)
        role.permissions.append(extra)
        db.session.commit()
    result = runner.invoke(args=["qlvb", "sync-roles"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        role = sm.find_role(P.ROLE_CLERK)
        assert {(p.permission.name, p.view_menu.name) for p in role.permissions} == before


def test_role_list_marks_built_in_roles(app, world):
    c = client_for(app, "admin")
    html = c.get("/roles/list/").get_data(as_text=True)
    assert "Văn thư — dựng sẵn" in html


def test_admin_can_create_a_further_role(app, world):
    c = client_for(app, "admin")
    with app.app_context():
        pvm = app.appbuilder.sm.find_permission_view_menu("can_read", P.UNIT).id
    assert c.post("/roles/add", data={"name": "Tra cứu", "permissions": [pvm]}).status_code == 302
    html = c.get("/roles/list/").get_data(as_text=True)
    assert "Tra cứu" in html and "Tra cứu — dựng sẵn" not in html


MENUS = {
    "admin": ({"Đơn vị", "Nhật ký hệ thống", "Danh sách người dùng"}, set()),
    "vanphong": ({"Nhật ký hệ thống", "Đơn vị"}, {"Danh sách người dùng",
                                                  "Tài khoản của đơn vị"}),
    "qtdv.vphu": ({"Tài khoản của đơn vị"}, {"Nhật ký hệ thống", "Danh sách người dùng"}),
    "vanthu.vphu": ({"Đơn vị", "Thông báo"}, {"Nhật ký hệ thống", "Tài khoản của đơn vị"}),
    "lanhdao.vphu": ({"Thông báo"}, {"Nhật ký hệ thống", "Danh sách người dùng"}),
    "chuyenvien.btchu": ({"Thông báo"}, {"Tài khoản của đơn vị", "Danh sách người dùng"}),
}


@pytest.mark.parametrize("user", sorted(MENUS))
def test_menu_fits_the_role(app, world, user):
    html = client_for(app, user).get("/").get_data(as_text=True)
    shown, hidden = MENUS[user]
    for label in shown:
        assert label in html, label
    for label in hidden:
        assert label not in html, label


def test_menu_follows_the_days_work(app, world):
    """Documents first, then search, the registers, and the settings and support last
    (FAB's own security screens with the other settings)."""
    html = client_for(app, "admin").get("/").get_data(as_text=True)
    markers = [f"{label}<b class=\"caret\">" for label in ("Văn bản đến", "Văn bản đi")]
    markers.append('href="/search/"')
    markers += [f"{label}<b class=\"caret\">" for label in
                ("Sổ và báo cáo", "Bảo mật", "Quản trị", "Hỗ trợ")]
    places = [html.find(marker) for marker in markers]
    assert -1 not in places, list(zip(markers, places, strict=True))
    assert places == sorted(places), list(zip(markers, places, strict=True))
