"""Login rate limits (form and API), time-limited lockout and unlock, the compromise
button, password complexity, idle session timeout, CSRF."""

import time

from app.extensions import db
from tests.conftest import PASSWORD, client_for, login, make_app


def _user(app, name):
    from app.security.models import AppUser

    with app.app_context():
        user = db.session.query(AppUser).filter_by(username=name).one()
        db.session.expunge(user)
        return user


def test_sixth_rapid_failed_login_on_form_is_429(app, world):
    c = app.test_client()
    codes = [login(c, "vanthu.vphu", "wrong").status_code for _ in range(6)]
    assert codes[:5] == [302] * 5
    assert codes[5] == 429
    assert "Quá nhiều lần thử" in login(c, "vanthu.vphu", "wrong").get_data(as_text=True)


def test_sixth_rapid_failed_login_on_api_is_429(app, world):
    c = app.test_client()
    codes = [c.post("/api/v1/security/login", json={"username": "vanthu.btchu",
                                                      "password": "x", "provider": "db"})
             .status_code for _ in range(6)]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429


def test_limit_is_per_user_name_so_colleagues_behind_one_address_can_log_in(app, world):
    c = app.test_client()
    for _ in range(6):
        login(c, "lanhdao.vphu", "wrong")
    assert login(app.test_client(), "chuyenvien.vphu").status_code == 302
    assert "/login/" not in login(app.test_client(), "chuyenvien.vphu").headers["Location"]


def test_five_failures_lock_the_address_for_a_while_and_admin_unlock(database, tmp_path,
                                                                      world, app):
    # Raise the rate limit so that the lockout rule itself is what refuses. Five failures
    # lock sign-ins from this address for a while (tests/security/test_lockout.py), not
    # the account until an admin acts.
    app2 = make_app(database, tmp_path, LOGIN_RATE_LIMIT="100 per minute")
    c = app2.test_client()
    for _ in range(5):
        login(c, "vanthu.vphu", "wrong")
    user = _user(app2, "vanthu.vphu")
    assert user.locked_at is None
    resp = login(c, "vanthu.vphu", PASSWORD)
    assert "/login/" in resp.headers["Location"]  # the right password no longer works here
    page = c.get("/login/").get_data(as_text=True)
    assert "bị khóa đến" in page
    # The admins were told.
    from app.notifications.models import Notification

    with app2.app_context():
        admin_id = world.ids["admin"]
        assert db.session.query(Notification).filter_by(user_id=admin_id).count() == 1
    admin = client_for(app2, "admin")
    assert admin.post(f"/users/action/unlock/{user.id}").status_code == 302
    assert "/login/" not in login(app2.test_client(), "vanthu.vphu").headers["Location"]


def test_unit_it_officer_unlocks_own_unit_only(app, world):
    from app.security.models import AppUser
    from app.security.services import lock_account

    with app.app_context():
        for name in ("vanthu.vphu", "vanthu.btchu"):
            lock_account(db.session, db.session.query(AppUser).filter_by(username=name).one(),
                         "admin")
        db.session.commit()
    c = client_for(app, "qtdv.vphu")
    assert c.post(f"/unitaccounts/action/unlock/{world.ids['vanthu.vphu']}").status_code == 302
    assert c.post(f"/unitaccounts/action/unlock/{world.ids['vanthu.btchu']}").status_code == 404
    assert _user(app, "vanthu.vphu").locked_at is None
    assert _user(app, "vanthu.btchu").locked_at is not None


def test_compromise_button_locks_at_once(app, world):
    c = client_for(app, "chuyenvien.btchu")
    assert c.get("/account/compromised").status_code == 200
    resp = c.post("/account/compromised", data={"description": "Lộ mật khẩu qua email lạ"})
    assert resp.status_code == 302
    user = _user(app, "chuyenvien.btchu")
    assert user.locked_reason == "compromised"
    # The session no longer works and a new login is refused.
    assert "/login/" in c.get("/incidentview/list/").headers["Location"]
    assert "/login/" in login(app.test_client(), "chuyenvien.btchu").headers["Location"]
    from app.incidents.models import Incident
    from app.notifications.models import Notification

    with app.app_context():
        inc = db.session.query(Incident).filter_by(kind="account_compromise").one()
        assert inc.unit_id == world.ids["btchu"] and "Lộ mật khẩu" in inc.description
        told = {n.user_id for n in db.session.query(Notification).filter_by(urgent=True)}
        assert world.ids["admin"] in told and world.ids["qtdv.btchu"] in told


def test_compromise_api_token_stops_working(app, world):
    from tests.conftest import api_token

    c = app.test_client()
    headers = api_token(c, "vanthu.vphu")
    assert c.get("/api/v1/incident/", headers=headers).status_code == 200
    web = client_for(app, "vanthu.vphu")
    web.post("/account/compromised", data={"description": ""})
    assert c.get("/api/v1/incident/", headers=headers).status_code == 401


def test_weak_password_refused_with_vietnamese_message(app, world):
    c = client_for(app, "admin")
    from app.security import permissions as P

    with app.app_context():
        role = app.appbuilder.sm.find_role(P.ROLE_CLERK).id
    resp = c.post("/users/add", data={
        "first_name": "A", "last_name": "B", "username": "yeu", "email": "yeu@test.local",
        "unit": world.ids["vphu"], "kind": "person", "active": "y", "roles": [role],
        "password": "abc", "conf_password": "abc"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Mật khẩu phải có" in html
    from app.security.models import AppUser

    with app.app_context():
        assert db.session.query(AppUser).filter_by(username="yeu").count() == 0


def test_idle_session_times_out(database, tmp_path, world, app):
    from datetime import timedelta

    app2 = make_app(database, tmp_path, PERMANENT_SESSION_LIFETIME=timedelta(seconds=1))
    c = client_for(app2, "vanthu.vphu")
    assert c.get("/incidentview/list/").status_code == 200
    time.sleep(2.1)
    assert "/login/" in c.get("/incidentview/list/").headers["Location"]


def test_csrf_required_and_get_never_deletes(database, tmp_path, world, app):
    app2 = make_app(database, tmp_path, WTF_CSRF_ENABLED=True)
    c = app2.test_client()
    # Even the login form needs its token.
    assert c.post("/login/", data={"username": "admin", "password": PASSWORD}).status_code == 400
    page = c.get("/login/").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    resp = c.post("/login/", data={"username": "admin", "password": PASSWORD,
                                   "csrf_token": token})
    assert resp.status_code == 302
    unit = world.ids["btchu"]
    assert c.post(f"/unitview/delete/{unit}").status_code == 400
    c.get(f"/unitview/delete/{unit}")
    from app.units.models import Unit

    with app2.app_context():
        assert db.session.get(Unit, unit) is not None


def test_secure_cookies_in_production(monkeypatch):
    import config

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("AUDIT_KEY", "k" * 40)
    cfg = config.ProductionConfig()
    assert cfg.SESSION_COOKIE_SECURE and cfg.SESSION_COOKIE_HTTPONLY
    assert cfg.SESSION_COOKIE_SAMESITE == "Lax"
    monkeypatch.delenv("SECRET_KEY")
    import pytest

    with pytest.raises(RuntimeError):
        config.ProductionConfig()


def test_every_rate_limit_is_on_a_method_the_limiter_looks_at(app):
    """The limiter looks only at the methods of ``LIMITED_METHODS`` (a page or an API call
    of another method skips it): every limit of the application is on those methods."""
    from app.security.manager import LIMITED_METHODS

    manager = app.appbuilder.sm.limiter.limit_manager
    limits = [*manager.application_limits, *manager.default_limits]
    for group in (manager._decorated_limits, manager._blueprint_limits):
        for found in group.values():
            limits.extend(found)
    assert limits  # the sign-in limits
    for limit in limits:
        assert limit.methods and {m.upper() for m in limit.methods} <= set(LIMITED_METHODS)
    resolved = []
    resolve = manager.resolve_limits

    def noted(*args, **kwargs):
        resolved.append(args)
        return resolve(*args, **kwargs)

    manager.resolve_limits = noted
    try:
        client = app.test_client()
        assert client.get("/login/").status_code == 200
        assert resolved == []  # a page: the limiter is not asked
        client.post("/login/", data={"username": "nobody", "password": "wrong"})
        assert resolved  # signing in: it is
    finally:
        del manager.resolve_limits
