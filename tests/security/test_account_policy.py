"""Who may act on whose account (app/security/policy.py), through the real routes: the
unit IT officer of the unit holding the admin and the office accounts never reaches them,
never gives a role above their own, and still manages the ordinary accounts of the unit."""

from werkzeug.security import check_password_hash

from app.core.audit import AuditEvent
from app.extensions import db
from app.security import permissions as P
from app.security.models import AppUser
from tests.conftest import PASSWORD, client_for, login

NEW = "Moi@2026matkhau"


def _snapshot(app, name):
    with app.app_context():
        user = db.session.query(AppUser).filter_by(username=name).one()
        out = {"password": user.password, "active": user.active, "locked_at": user.locked_at,
               "roles": sorted(r.name for r in user.roles), "unit_id": user.unit_id}
        db.session.remove()
    return out


def _refusals(app):
    with app.app_context():
        events = db.session.query(AuditEvent).filter_by(action="account_action_refused").all()
        out = [(e.username, e.object_id, e.details_dict().get("action")) for e in events]
        db.session.remove()
    return out


def _role_id(app, name):
    with app.app_context():
        return app.appbuilder.sm.find_role(name).id


def _edit_form(app, name, roles, active=True, **kw):
    data = {"first_name": "X", "last_name": "Y", "email": f"{name}@test.local",
            "position": "P", "phone": "", "kind": "person",
            "roles": [_role_id(app, r) for r in roles]}
    if active:
        data["active"] = "y"
    data.update(kw)
    return data


def test_unit_it_officer_cannot_reset_admin_password(app, world):
    before = _snapshot(app, "admin")
    c = client_for(app, "qtdv.vphu")
    pk = world.ids["admin"]
    assert c.get(f"/unitaccounts/password/{pk}").status_code == 404
    resp = c.post(f"/unitaccounts/password/{pk}", data={"password": NEW, "conf_password": NEW})
    assert resp.status_code == 404
    assert _snapshot(app, "admin") == before
    # The attacker's password does not open the admin's account; the admin's still does.
    assert "/login/" in login(app.test_client(), "admin", NEW).headers["Location"]
    assert client_for(app, "admin")
    assert ("qtdv.vphu", str(pk), "reset_password") in _refusals(app)


def test_unit_it_officer_cannot_lock_admin_single_or_among_others(app, world):
    c = client_for(app, "qtdv.vphu")
    admin, vanthu = world.ids["admin"], world.ids["vanthu.vphu"]
    assert c.post(f"/unitaccounts/action/lock/{admin}").status_code == 404
    assert c.post("/unitaccounts/action_post",
                  data={"action": "lock", "rowid": [admin]}).status_code == 404
    # Hidden among accounts the officer may lock: nothing at all is locked.
    assert c.post("/unitaccounts/action_post",
                  data={"action": "lock", "rowid": [vanthu, admin]}).status_code == 404
    assert _snapshot(app, "admin")["locked_at"] is None
    assert _snapshot(app, "vanthu.vphu")["locked_at"] is None
    assert client_for(app, "admin")
    refused = _refusals(app)
    assert ("qtdv.vphu", str(admin), "action:lock") in refused
    assert len([r for r in refused if r[1] == str(admin)]) == 3


def test_unit_it_officer_cannot_edit_office_account(app, world):
    before = _snapshot(app, "vanphong")
    c = client_for(app, "qtdv.vphu")
    pk = world.ids["vanphong"]
    assert c.get(f"/unitaccounts/edit/{pk}").status_code == 404
    assert c.get(f"/unitaccounts/show/{pk}").status_code == 404
    resp = c.post(f"/unitaccounts/edit/{pk}",
                  data=_edit_form(app, "vanphong", [P.ROLE_CLERK], active=False))
    assert resp.status_code == 404
    assert _snapshot(app, "vanphong") == before
    assert ("qtdv.vphu", str(pk), "edit") in _refusals(app)


def test_higher_accounts_are_not_offered_in_the_unit_list(app, world):
    c = client_for(app, "qtdv.vphu")
    html = c.get("/unitaccounts/list/").get_data(as_text=True)
    assert "vanthu.vphu" in html and "lanhdao.vphu" in html
    assert ">admin<" not in html and ">vanphong<" not in html
    assert f"/unitaccounts/show/{world.ids['admin']}" not in html
    assert f"/unitaccounts/show/{world.ids['vanphong']}" not in html


def test_forged_role_ids_are_refused_with_vietnamese_message(app, world):
    c = client_for(app, "qtdv.vphu")
    pk = world.ids["chuyenvien.vphu"]
    for role in (P.ROLE_ADMIN, P.ROLE_OFFICE):
        resp = c.post(f"/unitaccounts/edit/{pk}",
                      data=_edit_form(app, "chuyenvien.vphu", [P.ROLE_OFFICIAL, role]))
        assert resp.status_code == 200
        assert "quyền cao hơn" in resp.get_data(as_text=True)
        assert _snapshot(app, "chuyenvien.vphu")["roles"] == [P.ROLE_OFFICIAL]
    assert len(_refusals(app)) == 2
    resp = c.post("/unitaccounts/add", data={
        **_edit_form(app, "moi.vphu", [P.ROLE_ADMIN]), "username": "moi.vphu",
        "password": NEW, "conf_password": NEW})
    assert resp.status_code == 200
    with app.app_context():
        assert db.session.query(AppUser).filter_by(username="moi.vphu").count() == 0


def _widen_role(app, role_name, pairs):
    sm = app.appbuilder.sm
    with app.app_context():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        for perm, view in pairs:
            pvm = sm.find_permission_view_menu(perm, view)
            assert pvm is not None, (perm, view)
            if pvm not in role.permissions:
                role.permissions.append(pvm)
        db.session.commit()
        db.session.remove()


def _give_role(app, username, role_name):
    with app.app_context():
        user = db.session.query(AppUser).filter_by(username=username).one()
        user.roles.append(app.appbuilder.sm.find_role(role_name))
        db.session.commit()
        db.session.remove()


USER_ADMIN_PAIRS = [("can_list", "UserDBModelView"), ("can_show", "UserDBModelView"),
                    ("can_edit", "UserDBModelView"), ("can_add", "UserDBModelView"),
                    ("can_this_form_get", "ResetPasswordView"),
                    ("can_this_form_post", "ResetPasswordView")]


def test_account_with_custom_higher_role_is_out_of_reach(app, world):
    _widen_role(app, "Trợ lý quản trị", USER_ADMIN_PAIRS)
    _give_role(app, "chuyenvien.vphu", "Trợ lý quản trị")
    before = _snapshot(app, "chuyenvien.vphu")
    c = client_for(app, "qtdv.vphu")
    pk = world.ids["chuyenvien.vphu"]
    resp = c.post(f"/unitaccounts/password/{pk}", data={"password": NEW, "conf_password": NEW})
    assert resp.status_code == 404
    assert c.post("/unitaccounts/action_post",
                  data={"action": "lock", "rowid": [pk]}).status_code == 404
    assert _snapshot(app, "chuyenvien.vphu") == before
    assert ">chuyenvien.vphu<" not in c.get("/unitaccounts/list/").get_data(as_text=True)


def test_unit_role_widened_by_the_admin_is_no_longer_the_officers_to_give(app, world):
    # The admin gave the heads the user screens: the unit IT officer may no longer give
    # that role, nor touch the accounts holding it.
    _widen_role(app, P.ROLE_HEAD, USER_ADMIN_PAIRS)
    c = client_for(app, "qtdv.vphu")
    pk = world.ids["chuyenvien.vphu"]
    c.post(f"/unitaccounts/edit/{pk}", data=_edit_form(app, "chuyenvien.vphu",
                                                       [P.ROLE_OFFICIAL, P.ROLE_HEAD]))
    assert _snapshot(app, "chuyenvien.vphu")["roles"] == [P.ROLE_OFFICIAL]
    assert c.get(f"/unitaccounts/show/{world.ids['lanhdao.vphu']}").status_code == 404


def test_custom_role_with_the_user_screen_cannot_reach_the_admin(app, world):
    _widen_role(app, "Trợ lý quản trị", USER_ADMIN_PAIRS + [
        ("can_read", P.UNIT_ACCOUNT), ("can_write", P.UNIT_ACCOUNT)])
    _give_role(app, "chuyenvien.btchu", "Trợ lý quản trị")
    c = client_for(app, "chuyenvien.btchu")
    admin = world.ids["admin"]
    before = _snapshot(app, "admin")
    assert c.get(f"/users/edit/{admin}").status_code == 404
    assert c.post(f"/users/edit/{admin}", data=_edit_form(
        app, "admin", [P.ROLE_OFFICIAL], unit=world.ids["btchu"])).status_code == 404
    assert c.get(f"/resetpassword/form?pk={admin}").status_code == 404
    assert c.post(f"/resetpassword/form?pk={admin}",
                  data={"password": NEW, "conf_password": NEW}).status_code == 404
    assert _snapshot(app, "admin") == before
    html = c.get("/users/list/").get_data(as_text=True)
    assert ">admin<" not in html and ">vanthu.btchu<" in html
    # Nor give itself the admin's role by a forged id.
    me = world.ids["chuyenvien.btchu"]
    c.post(f"/users/edit/{me}", data=_edit_form(
        app, "chuyenvien.btchu", [P.ROLE_ADMIN], username="chuyenvien.btchu",
        unit=world.ids["btchu"]))
    assert P.ROLE_ADMIN not in _snapshot(app, "chuyenvien.btchu")["roles"]


def test_unit_it_officer_still_manages_ordinary_accounts(app, world):
    c = client_for(app, "qtdv.vphu")
    pk = world.ids["chuyenvien.vphu"]
    assert c.get(f"/unitaccounts/edit/{pk}").status_code == 200
    resp = c.post(f"/unitaccounts/edit/{pk}",
                  data=_edit_form(app, "chuyenvien.vphu", [P.ROLE_OFFICIAL, P.ROLE_CLERK]))
    assert resp.status_code == 302
    assert _snapshot(app, "chuyenvien.vphu")["roles"] == sorted([P.ROLE_OFFICIAL, P.ROLE_CLERK])
    resp = c.post(f"/unitaccounts/password/{pk}", data={"password": NEW, "conf_password": NEW})
    assert resp.status_code == 302
    assert check_password_hash(_snapshot(app, "chuyenvien.vphu")["password"], NEW)
    ids = [pk, world.ids["vanthu.vphu"]]
    assert c.post("/unitaccounts/action_post",
                  data={"action": "lock", "rowid": ids}).status_code == 302
    assert _snapshot(app, "vanthu.vphu")["locked_at"] is not None
    assert c.post("/unitaccounts/action_post",
                  data={"action": "unlock", "rowid": ids}).status_code == 302
    assert _snapshot(app, "vanthu.vphu")["locked_at"] is None
    assert client_for(app, "vanthu.vphu", PASSWORD)
    assert _refusals(app) == []


def test_admin_still_manages_everyone(app, world):
    c = client_for(app, "admin")
    pk = world.ids["vanphong"]
    assert c.get(f"/users/edit/{pk}").status_code == 200
    assert c.get(f"/resetpassword/form?pk={pk}").status_code == 200
    resp = c.post(f"/resetpassword/form?pk={pk}", data={"password": NEW, "conf_password": NEW})
    assert resp.status_code == 302
    assert client_for(app, "vanphong", NEW)


def test_no_api_changes_accounts(app, world, api):
    client, headers = api("qtdv.vphu")
    for url in ("/api/v1/security/users/", f"/api/v1/security/users/{world.ids['admin']}"):
        assert client.get(url, headers=headers).status_code == 404
        assert client.put(url, json={"active": False}, headers=headers).status_code in (404, 405)


def test_policy_rule_without_a_request(app, world):
    from app.security.policy import may_grant_roles, may_manage_account

    with app.app_context():
        qtdv, admin = world.user("qtdv.vphu"), world.user("admin")
        sm = app.appbuilder.sm
        assert not may_manage_account(qtdv, admin)
        assert not may_manage_account(qtdv, world.user("vanphong"))
        assert not may_manage_account(qtdv, world.user("vanthu.btchu"))
        assert may_manage_account(qtdv, world.user("vanthu.vphu"))
        assert may_manage_account(admin, world.user("vanphong"))
        assert not may_grant_roles(qtdv, [sm.find_role(P.ROLE_OFFICE)])
        assert not may_grant_roles(qtdv, [sm.find_role(P.ROLE_ADMIN)])
        assert may_grant_roles(qtdv, [sm.find_role(r) for r in P.UNIT_ASSIGNABLE_ROLES])
        assert not may_manage_account(None, world.user("vanthu.vphu"))
        db.session.remove()


def test_user_without_the_screen_is_refused_by_fab_not_the_policy(app, world):
    # Someone who may not use the screen at all meets FAB's own refusal, and no account
    # refusal is recorded in their name.
    c = client_for(app, "vanthu.vphu")
    for url in (f"/unitaccounts/show/{world.ids['admin']}",
                f"/resetpassword/form?pk={world.ids['admin']}"):
        assert c.get(url).status_code in (302, 403)
    assert _refusals(app) == []
