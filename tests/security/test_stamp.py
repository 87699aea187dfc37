"""The security stamp (app/security/stamp.py): permission sets are kept between requests
only for the stamp they were computed for, and every change of who may do what moves it in
its own transaction — so a removed permission is refused on the very next request."""

import datetime

from sqlalchemy import delete, event, select

LIST = "/incomingview/list/"


def _stamp(db):
    from app.security.stamp import SecurityStamp

    return db.session.execute(select(SecurityStamp.value).where(SecurityStamp.id == 1)).scalar()


def _pv(sm, permission, resource):
    pv = sm.find_permission_view_menu(permission, resource)
    assert pv is not None, (permission, resource)
    return pv


def test_every_change_of_access_moves_the_stamp_and_sign_ins_do_not(app, world):
    from flask_appbuilder.security.sqla.models import assoc_user_role

    from app.extensions import db
    from tests.conftest import create_user

    sm = app.appbuilder.sm
    with app.app_context():
        clerk = world.user("vanthu.vphu")
        role = clerk.roles[0]
        start = _stamp(db)
        assert start is not None

        clerk.last_login = datetime.datetime(2026, 12, 7, 8, 0)
        clerk.login_count = (clerk.login_count or 0) + 1
        db.session.commit()
        assert _stamp(db) == start  # the sign-in bookkeeping changes nobody's access

        clerk.roles = [r for r in clerk.roles if r.id != role.id]
        db.session.commit()
        assert _stamp(db) == start + 1

        clerk.roles = [*clerk.roles, role]
        clerk.active = False
        db.session.commit()
        assert _stamp(db) == start + 2  # once per transaction

        sm.del_permission_role(role, _pv(sm, "can_read", "IncomingDocument"))
        assert _stamp(db) == start + 3

        sm.add_role("Vai trò thử")
        assert _stamp(db) == start + 4

        create_user(db.session, sm, "moi.vphu", [role.name], unit=clerk.unit)
        db.session.commit()
        assert _stamp(db) == start + 5  # the role's members changed

        db.session.execute(delete(assoc_user_role).where(
            assoc_user_role.c.user_id == clerk.id))
        db.session.commit()
        assert _stamp(db) == start + 6

        db.session.execute(delete(assoc_user_role).where(assoc_user_role.c.user_id == -1))
        db.session.rollback()
        assert _stamp(db) == start + 6  # a rolled-back change moves nothing

        from app.incoming.models import ReaderGrant

        grant = ReaderGrant(unit_id=clerk.unit_id, user_id=world.ids["chuyenvien.vphu"],
                            granted_by_id=world.ids["lanhdao.vphu"])
        db.session.add(grant)
        db.session.commit()
        assert _stamp(db) == start + 7  # who sees the unit's documents changed
        db.session.delete(grant)
        db.session.commit()
        assert _stamp(db) == start + 8


def test_a_removed_permission_is_refused_on_the_next_request(app, world, clients, api):
    sm = app.appbuilder.sm
    client = clients("vanthu.vphu")
    api_client, headers = api("vanthu.vphu")
    for _ in range(2):  # the permission set is now kept for this stamp
        assert client.get(LIST).status_code == 200
        assert api_client.get("/api/v1/incoming/", headers=headers).status_code == 200
    with app.app_context():
        read = _pv(sm, "can_read", "IncomingDocument")
        for role in world.user("vanthu.vphu").roles:
            if read in role.permissions:
                sm.del_permission_role(role, read)
    assert client.get(LIST).status_code in (302, 403)
    assert api_client.get("/api/v1/incoming/", headers=headers).status_code in (401, 403)
    # The other lists of the role are still open.
    assert client.get("/outgoingview/list/").status_code == 200


def test_a_deactivated_account_is_refused_on_the_next_request(app, world, clients):
    from app.extensions import db

    client = clients("vanthu.vphu")
    assert client.get(LIST).status_code == 200
    with app.app_context():
        world.user("vanthu.vphu").active = False
        db.session.commit()
    resp = client.get(LIST)
    assert resp.status_code == 302 and "/login/" in resp.headers["Location"]


def test_a_token_of_a_deactivated_account_or_a_removed_permission_is_refused(app, world, api):
    """An API call with a token and no session is answered for the token's account (not
    a signed-in one, of which there is none): refused on the next call once the account
    is deactivated, or once its role loses the permission; answered again once given
    back."""
    from app.extensions import db

    client, headers = api("vanthu.vphu")
    sm = app.appbuilder.sm

    def call():
        return client.get("/api/v1/incoming/", headers=headers).status_code

    assert call() == 200
    with app.app_context():
        world.user("vanthu.vphu").active = False
        db.session.commit()
    assert call() in (401, 403)
    with app.app_context():
        world.user("vanthu.vphu").active = True
        db.session.commit()
    assert call() == 200
    with app.app_context():
        pv = _pv(sm, "can_read", "IncomingDocument")
        holding = [role.name for role in world.user("vanthu.vphu").roles
                   if pv in role.permissions]
        assert holding
        for name in holding:
            sm.del_permission_role(sm.find_role(name), pv)
    assert call() == 403
    with app.app_context():
        for name in holding:
            sm.add_permission_role(sm.find_role(name), _pv(sm, "can_read", "IncomingDocument"))
    assert call() == 200


def test_the_permission_set_is_read_once_per_stamp(app, world, clients, api):
    """A warm page reads the account with the stamp, and no role or permission table (the
    account's roles are kept for the stamp too); the API no longer reads the public role
    either."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def _note(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    client = clients("vanthu.vphu")
    api_client, headers = api("vanthu.vphu")
    client.get(LIST)
    api_client.get("/api/v1/incoming/", headers=headers)
    event.listen(engine, "before_cursor_execute", _note)
    try:
        assert client.get(LIST).status_code == 200
        assert api_client.get("/api/v1/incoming/", headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", _note)
    assert not [s for s in seen if "ab_permission_view_role" in s], seen
    assert not [s for s in seen if "ab_role" in s or "ab_group" in s], seen
    user_reads = [s for s in seen if s.startswith("SELECT ab_user.id")]
    assert len(user_reads) == 2 and all("security_stamp" in s for s in user_reads)
    # The API's question "is it public?" comes before the token's account is read: it is
    # answered without a statement of its own.
    assert not [s for s in seen if s.startswith("SELECT security_stamp.value")], seen


def test_a_resource_opened_to_everyone_and_closed_again(app, world, api):
    """The public role's set is kept per stamp: opened, the next call without a token is
    let in; closed again, the very next one is refused (a kept "yes" is always checked)."""
    sm = app.appbuilder.sm
    client, headers = api("vanthu.vphu")
    anonymous = app.test_client()
    assert client.get("/api/v1/incoming/", headers=headers).status_code == 200
    assert anonymous.get("/api/v1/incoming/").status_code == 401
    with app.app_context():
        public = sm.find_role(app.config["AUTH_ROLE_PUBLIC"])
        read = _pv(sm, "can_read", "IncomingDocument")
        sm.add_permission_role(public, read)
    resp = anonymous.get("/api/v1/incoming/")
    assert resp.status_code == 200 and resp.json["count"] == 0  # public, but no unit: nothing
    assert client.get("/api/v1/incoming/", headers=headers).status_code == 200
    with app.app_context():
        public = sm.find_role(app.config["AUTH_ROLE_PUBLIC"])
        sm.del_permission_role(public, _pv(sm, "can_read", "IncomingDocument"))
        assert not public.permissions
    assert anonymous.get("/api/v1/incoming/").status_code == 401


def test_a_role_given_or_taken_is_the_accounts_on_the_next_request(app, world, clients, api):
    """The roles an account is given from the kept values are its roles of the current
    stamp: a role added opens its screens on the next request, taken away closes them,
    and ``g.user.roles`` holds the same roles as a fresh read of the account."""
    from flask import g

    from app.extensions import db

    sm = app.appbuilder.sm
    client = clients("chuyenvien.vphu")
    api_client, headers = api("chuyenvien.vphu")
    assert client.get("/roles/list/").status_code in (302, 403)
    with app.app_context():
        admin = app.config["AUTH_ROLE_ADMIN"]
        admin_role = sm.find_role(admin)
        user = world.user("chuyenvien.vphu")
        before = sorted(r.name for r in user.roles)
        user.roles = list(user.roles) + [admin_role]
        db.session.commit()
    assert client.get("/roles/list/").status_code == 200
    with app.test_request_context("/"):
        loaded = sm.get_user_by_id(world.ids["chuyenvien.vphu"])
        assert sorted(r.name for r in loaded.roles) == sorted(
            before + [admin])
        assert g._security_stamp is not None, app.extensions.get("qlvb.stamp.missing")
    with app.app_context():
        user = world.user("chuyenvien.vphu")
        user.roles = [r for r in user.roles if r.name != admin]
        db.session.commit()
    assert client.get("/roles/list/").status_code in (302, 403)
    assert api_client.get("/api/v1/incoming/", headers=headers).status_code == 200


def test_without_the_stamp_permissions_are_read_on_every_request(app, world, clients,
                                                                  list_builds):
    """A database without the stamp's row keeps nothing: every request reads the set, and
    builds its list's statement (with the user's scope) again."""
    from app.extensions import db
    from app.security.stamp import SecurityStamp

    built = list_builds

    with app.app_context():
        db.session.execute(delete(SecurityStamp))
        db.session.commit()
        engine = db.engine
    client = clients("vanthu.vphu")
    seen = []

    def _note(conn, cursor, statement, *args):
        seen.append(statement)

    client.get(LIST)
    built.clear()
    event.listen(engine, "before_cursor_execute", _note)
    try:
        for _ in range(2):
            assert client.get(LIST).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", _note)
        with app.app_context():  # the row back for the tests after this one
            db.session.add(SecurityStamp(id=1, value=1000))
            db.session.commit()
    assert len([s for s in seen if "ab_permission_view_role" in s]) == 2
    assert built.count("IncomingDocument") == 2
