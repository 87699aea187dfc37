"""Time-limited sign-in locks per account and address (app/security/lockout.py): wrong
passwords lock the address they come from for a while, longer each time; the owner's
usual address keeps working; the admin and the unit IT officer see and lift the locks;
every lock and lift is audited. Time moves by changing the stored lock time."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.core.audit import AuditEvent
from app.core.timeutil import utcnow
from app.extensions import db
from app.notifications.models import Notification
from app.security import lockout
from app.security.models import ANY_ADDRESS, AppUser, LoginGuard
from tests.conftest import PASSWORD, client_for, make_app

ATTACKER = "203.0.113.9"
OWNER = "10.0.0.5"


def _app(database, tmp_path, account_limit):
    """The app with a rate limit high enough for the lock itself to be what refuses."""
    return make_app(database, tmp_path, LOGIN_RATE_LIMIT="1000 per minute",
                    LOGIN_RATE_LIMIT_PER_ADDRESS="1000 per minute",
                    AUTH_MAX_FAILED_LOGINS_ACCOUNT=account_limit)


@pytest.fixture
def app2(database, tmp_path, world, app):
    return _app(database, tmp_path, 8)


def _login(client, username, password, address):
    return client.post("/login/", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _signed_in(app, username, address, password=PASSWORD):
    c = app.test_client()
    resp = _login(c, username, password, address)
    return resp.status_code == 302 and "/login/" not in resp.headers["Location"]


def _fail(app, username, address, times):
    c = app.test_client()
    for _ in range(times):
        _login(c, username, "wrong", address)
    return c


def _guards(app, username):
    with app.app_context():
        user = db.session.query(AppUser).filter_by(username=username).one()
        rows = db.session.execute(select(LoginGuard).where(LoginGuard.user_id == user.id))
        out = {r.address: {"failures": r.failures, "level": r.level,
                           "locked_until": r.locked_until, "last_success_at": r.last_success_at}
               for r in rows.scalars()}
        db.session.remove()
    return out


def _expire(app, username, address):
    """Move time past the lock: the stored lock time, not a sleep."""
    with app.app_context():
        user = db.session.query(AppUser).filter_by(username=username).one()
        db.session.execute(update(LoginGuard).where(
            LoginGuard.user_id == user.id, LoginGuard.address == address)
            .values(locked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        db.session.remove()


def _events(app, action):
    with app.app_context():
        out = [(e.username, e.details_dict()) for e in
               db.session.query(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)]
        db.session.remove()
    return out


def _minutes_left(until):
    return (until - utcnow()).total_seconds() / 60


def test_failures_lock_the_address_for_a_while_then_it_expires(app2):
    c = _fail(app2, "vanthu.vphu", ATTACKER, 5)
    guard = _guards(app2, "vanthu.vphu")[ATTACKER]
    assert 14 < _minutes_left(guard["locked_until"]) <= 15
    # The right password no longer opens the account from there, with a Vietnamese reason.
    assert not _signed_in(app2, "vanthu.vphu", ATTACKER)
    page = c.get("/login/").get_data(as_text=True)
    assert "bị khóa đến" in page
    # The account itself is not locked: no admin is needed.
    with app2.app_context():
        assert db.session.query(AppUser).filter_by(username="vanthu.vphu").one().locked_at \
            is None
        db.session.remove()
    _expire(app2, "vanthu.vphu", ATTACKER)
    assert _signed_in(app2, "vanthu.vphu", ATTACKER)
    locked = _events(app2, "login_locked")
    assert len(locked) == 1
    assert locked[0][1]["address"] == ATTACKER and locked[0][1]["minutes"] == 15
    refused = _events(app2, "login_refused_locked")
    assert refused and refused[0][1]["address"] == ATTACKER
    # The guardians were told.
    with app2.app_context():
        assert db.session.query(Notification).count() >= 1
        db.session.remove()


def test_lock_grows_on_repeat(database, tmp_path, world, app):
    # The account-wide count would lock every new address first: out of the way here.
    app2 = _app(database, tmp_path, 100)
    _fail(app2, "lanhdao.vphu", ATTACKER, 5)
    assert _guards(app2, "lanhdao.vphu")[ATTACKER]["level"] == 1
    _expire(app2, "lanhdao.vphu", ATTACKER)
    _fail(app2, "lanhdao.vphu", ATTACKER, 5)
    guard = _guards(app2, "lanhdao.vphu")[ATTACKER]
    assert guard["level"] == 2 and 59 < _minutes_left(guard["locked_until"]) <= 60
    _expire(app2, "lanhdao.vphu", ATTACKER)
    _fail(app2, "lanhdao.vphu", ATTACKER, 5)
    assert 239 < _minutes_left(_guards(app2, "lanhdao.vphu")[ATTACKER]["locked_until"]) <= 240
    assert [d["minutes"] for _u, d in _events(app2, "login_locked")] == [15, 60, 240]


def test_owner_signs_in_from_their_address_while_the_attackers_is_locked(app2):
    assert _signed_in(app2, "chuyenvien.vphu", OWNER)
    _fail(app2, "chuyenvien.vphu", ATTACKER, 5)
    assert not _signed_in(app2, "chuyenvien.vphu", ATTACKER)
    assert _signed_in(app2, "chuyenvien.vphu", OWNER)
    # Even an address the owner never used works: the attacker locked only their own.
    assert _signed_in(app2, "chuyenvien.vphu", "10.0.0.77")


def test_guessing_from_many_addresses_locks_all_but_the_owners_usual_one(app2):
    assert _signed_in(app2, "vanthu.btchu", OWNER)
    for i in range(4):  # 4 addresses × 2 failures: under the per-address limit
        _fail(app2, "vanthu.btchu", f"198.51.100.{i + 1}", 2)
    every = _guards(app2, "vanthu.btchu")[ANY_ADDRESS]
    assert every["locked_until"] is not None and every["level"] == 1
    assert not _signed_in(app2, "vanthu.btchu", "198.51.100.200")
    assert _signed_in(app2, "vanthu.btchu", OWNER)
    _expire(app2, "vanthu.btchu", ANY_ADDRESS)
    assert _signed_in(app2, "vanthu.btchu", "198.51.100.200")


def test_api_login_is_locked_the_same_way_with_vietnamese_message(app2):
    c = app2.test_client()

    def api_login(password, address):
        return c.post("/api/v1/security/login", environ_base={"REMOTE_ADDR": address},
                      json={"username": "vanthu.vphu", "password": password, "provider": "db"})

    assert [api_login("x", ATTACKER).status_code for _ in range(5)] == [401] * 5
    resp = api_login(PASSWORD, ATTACKER)
    assert resp.status_code == 401 and "bị khóa đến" in resp.json["message"]
    assert api_login(PASSWORD, OWNER).status_code == 200


def test_admin_sees_and_lifts_the_locks(app2, world):
    _fail(app2, "vanthu.vphu", ATTACKER, 5)
    admin = client_for(app2, "admin")
    html = admin.get("/loginlocks/list/").get_data(as_text=True)
    assert "vanthu.vphu" in html and ATTACKER in html
    with app2.app_context():
        row = db.session.execute(select(LoginGuard.id).where(
            LoginGuard.address == ATTACKER)).scalar_one()
        db.session.remove()
    assert admin.post("/loginlocks/action_post",
                      data={"action": "lift", "rowid": [row]}).status_code == 302
    assert _guards(app2, "vanthu.vphu")[ATTACKER]["locked_until"] is None
    assert f"/loginlocks/show/{row}" not in admin.get("/loginlocks/list/").get_data(as_text=True)
    assert _signed_in(app2, "vanthu.vphu", ATTACKER)
    lifted = _events(app2, "login_lock_lifted")
    assert lifted == [("admin", {"username": "vanthu.vphu", "address": ATTACKER,
                                 "until": lifted[0][1]["until"]})]


def test_unlocking_the_account_also_lifts_its_sign_in_locks(app2, world):
    _fail(app2, "vanthu.vphu", ATTACKER, 5)
    admin = client_for(app2, "admin")
    assert admin.post(f"/users/action/unlock/{world.ids['vanthu.vphu']}").status_code == 302
    assert _guards(app2, "vanthu.vphu")[ATTACKER]["locked_until"] is None
    assert _events(app2, "login_lock_lifted")


def test_unit_it_officer_lifts_locks_of_accounts_they_manage_only(app2, world):
    for name in ("vanthu.vphu", "admin", "vanthu.btchu"):
        _fail(app2, name, ATTACKER, 5)
    c = client_for(app2, "qtdv.vphu")
    html = c.get("/loginlocks/list/").get_data(as_text=True)
    assert "vanthu.vphu" in html
    assert "vanthu.btchu" not in html and ">admin<" not in html
    with app2.app_context():
        ids = {g.user.username: g.id for g in db.session.query(LoginGuard).filter_by(
            address=ATTACKER)}
        db.session.remove()
    for name in ("admin", "vanthu.btchu"):
        assert c.post("/loginlocks/action_post",
                      data={"action": "lift", "rowid": [ids[name]]}).status_code == 404
        assert _guards(app2, name)[ATTACKER]["locked_until"] is not None
    assert c.post(f"/loginlocks/action/lift/{ids['vanthu.vphu']}").status_code == 302
    assert _guards(app2, "vanthu.vphu")[ATTACKER]["locked_until"] is None


def test_manual_lock_stays_until_lifted(app2, world):
    from app.security.services import lock_account

    with app2.app_context():
        user = db.session.get(AppUser, world.ids["chuyenvien.btchu"])
        lock_account(db.session, user, "admin")
        db.session.commit()
        db.session.remove()
    assert not _signed_in(app2, "chuyenvien.btchu", OWNER)
    # No time-limited lock is involved: nothing expires by itself.
    assert _guards(app2, "chuyenvien.btchu") == {}
    assert not _signed_in(app2, "chuyenvien.btchu", "10.0.0.99")
    admin = client_for(app2, "admin")
    admin.post(f"/users/action/unlock/{world.ids['chuyenvien.btchu']}")
    assert _signed_in(app2, "chuyenvien.btchu", OWNER)


def test_concurrent_failures_lose_no_count_and_lock_once(app2, world):
    threads_n = 12
    barrier = threading.Barrier(threads_n)
    errors = []

    def fail_once():
        try:
            with app2.app_context():
                user = db.session.get(AppUser, world.ids["chuyenvien.vphu"])
                barrier.wait(timeout=30)
                lockout.record_failure(db.session, user, ATTACKER, app2.config)
                db.session.commit()
                db.session.remove()
        except Exception as error:  # reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=fail_once) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    guards = _guards(app2, "chuyenvien.vphu")
    # Five counted and locked; the seven that came after found the lock and counted nothing.
    assert guards[ATTACKER]["level"] == 1 and guards[ATTACKER]["failures"] == 0
    assert len(_events(app2, "login_locked")) == 2  # the address (5) and the account (8)
    assert guards[ANY_ADDRESS]["level"] == 1


def test_lock_periods_are_configurable():
    config = {"AUTH_LOCKOUT_MINUTES": "1, 2,x,3"}
    assert [lockout.lock_period(n, config) for n in range(5)] == [
        timedelta(minutes=m) for m in (1, 2, 3, 3, 3)]
