"""The role screens speak Vietnamese: every permission and every resource of the database
has a label and an area (app/security/labels.py, extended through the registry), the
editor groups them by area with what each allows, the list counts the accounts of each
role."""

import re

from flask_appbuilder.security.sqla.models import Permission, Role, ViewMenu
from flask_babel import lazy_gettext as _l

from app.core.registry import PermissionLabel, ResourceLabel, add_security_labels
from app.extensions import db
from app.security import labels
from app.security import permissions as P
from tests.conftest import client_for

CODE_WORDS = re.compile(r"can_|View\b|View/|menu_access|Api\b")


def _visible_text(html):
    """The text a reader sees (tags, scripts and styles removed)."""
    html = re.sub(r"(?s)<(script|style|template)\b.*?</\1>", " ", html)
    return re.sub(r"(?s)<[^>]+>", " ", html)


def test_every_resource_and_permission_of_the_database_has_a_label(app, world):
    with app.test_request_context("/"):
        app.preprocess_request()
        missing_resources = [vm.name for vm in db.session.query(ViewMenu)
                             if labels.resource_info(vm.name) is None]
        missing_permissions = [p.name for p in db.session.query(Permission)
                               if labels.permission_info(p.name) is None]
        unknown_areas = [vm.name for vm in db.session.query(ViewMenu)
                         if (info := labels.resource_info(vm.name)) is not None
                         and info.area not in labels.AREAS]
    assert missing_resources == [], "add them to RESOURCES (app/security/labels.py)"
    assert missing_permissions == [], "add them to PERMISSIONS (app/security/labels.py)"
    assert unknown_areas == []


def test_a_resource_nobody_named_is_found_and_a_feature_names_it_through_the_registry(app):
    with app.test_request_context("/"):
        assert labels.resource_info("SealRegister") is None
        assert labels.permission_info("can_seal") is None
        add_security_labels(
            app, resources={"SealRegister": ResourceLabel("incoming", _l("Seals"),
                                                      _l("Seals"))},
            permissions={"can_seal": PermissionLabel(_l("seal"), _l("seal"))})
        try:
            assert labels.resource_info("SealRegister").area == "incoming"
            assert labels.permission_label("can_seal") == "seal"
        finally:
            contributed = app.extensions["qlvb.contributions"]
            contributed.resource_labels.pop("SealRegister")
            contributed.permission_labels.pop("can_seal")


def test_role_screens_show_no_identifier(app, world):
    c = client_for(app, "admin")
    with app.app_context():
        clerk = app.appbuilder.sm.find_role(P.ROLE_CLERK).id
    for path in ("/roles/list/", f"/roles/show/{clerk}", f"/roles/edit/{clerk}",
                 "/roles/add"):
        text = _visible_text(c.get(path).get_data(as_text=True))
        assert not CODE_WORDS.findall(text), (path, CODE_WORDS.findall(text)[:5])


def test_editor_groups_permissions_by_area_with_what_they_allow(app, world):
    c = client_for(app, "admin")
    with app.app_context():
        role = app.appbuilder.sm.find_role(P.ROLE_CLERK)
        intake = app.appbuilder.sm.find_permission_view_menu(P.INTAKE, P.INCOMING)
        chosen = {pv.id for pv in role.permissions}
        intake_id = intake.id
        role_id = role.id
    html = c.get(f"/roles/edit/{role_id}").get_data(as_text=True)
    for area in ("Văn bản đến", "Văn bản đi", "Sổ và báo cáo", "Tra cứu", "Quản trị",
                 "Bảo mật"):
        assert f"<summary>{area}</summary>" in html, area
    assert "Tiếp nhận văn bản giấy và điện tử, vào sổ, từ chối hoặc hủy." in html
    boxes = re.findall(r'<input type="checkbox" name="permissions" id="[^"]+" value="(\d+)"'
                       r'( checked)?>', html)
    assert {int(v) for v, checked in boxes if checked} == chosen
    assert intake_id in {int(v) for v, _c in boxes}
    for pv in chosen:
        assert f'for="permissions-{pv}"' in html  # each box has its label


def test_editor_saves_the_ticked_permissions(app, world):
    c = client_for(app, "admin")
    sm = app.appbuilder.sm
    with app.app_context():
        wanted = [sm.find_permission_view_menu(P.READ, P.UNIT).id,
                  sm.find_permission_view_menu(P.READ, P.SEARCH).id]
    response = c.post("/roles/add", data={"name": "Tra cứu đơn vị", "permissions": wanted})
    assert response.status_code == 302
    with app.app_context():
        role = db.session.query(Role).filter_by(name="Tra cứu đơn vị").one()
        assert sorted(pv.id for pv in role.permissions) == sorted(wanted)


def test_role_list_counts_the_accounts_of_each_role(app, world):
    c = client_for(app, "admin")
    with app.app_context():
        clerks = len(app.appbuilder.sm.find_role(P.ROLE_CLERK).user)
    html = c.get("/roles/list/").get_data(as_text=True)
    assert "Số tài khoản" in html
    row = re.search(r"Văn thư — dựng sẵn\s*</td>\s*<td>\s*(\d+)", html)
    assert row and int(row.group(1)) == clerks and clerks > 0
