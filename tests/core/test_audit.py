"""The audit trail is a hash chain: it verifies, and an edited row is named."""

from sqlalchemy import text

from app.core import audit
from app.extensions import db
from tests.conftest import client_for, login


def test_chain_verifies_and_detects_an_edited_row(app, world, runner):
    client_for(app, "vanthu.vphu")
    login(app.test_client(), "vanthu.vphu", "wrong")
    with app.app_context():
        count, problem = audit.verify_chain(db.session)
        assert problem is None and count > 10
        actions = {e.action for e in db.session.query(audit.AuditEvent)}
        assert {"login", "login_failed", "created"} <= actions
        victim = db.session.query(audit.AuditEvent).filter_by(action="login").one()
        victim_id = victim.id
        db.session.remove()
    result = runner.invoke(args=["qlvb", "audit", "verify"])
    assert result.exit_code == 0 and "chain intact" in result.output
    with app.app_context():
        db.session.execute(text("UPDATE audit_event SET username = 'ke_gian' WHERE id = :i"),
                           {"i": victim_id})
        db.session.commit()
        count, problem = audit.verify_chain(db.session)
        assert problem["id"] == victim_id and problem["reason"] == "hash"
        db.session.remove()
    result = runner.invoke(args=["qlvb", "audit", "verify"])
    assert result.exit_code == 1 and f"event {victim_id}" in result.output


def test_deleted_row_breaks_the_chain(app, world):
    with app.app_context():
        ids = [e.id for e in db.session.query(audit.AuditEvent).order_by(audit.AuditEvent.id)]
        db.session.execute(text("DELETE FROM audit_event WHERE id = :i"), {"i": ids[3]})
        db.session.commit()
        _, problem = audit.verify_chain(db.session)
        assert problem["id"] == ids[4] and problem["reason"] == "prev_hash"


def test_events_are_append_only_through_the_orm(app, world):
    import pytest

    with app.app_context():
        ev = db.session.query(audit.AuditEvent).first()
        ev.action = "changed"
        with pytest.raises(RuntimeError):
            db.session.flush()
        db.session.rollback()


def test_account_and_role_changes_are_recorded(app, world):
    c = client_for(app, "admin")
    from app.security import permissions as P

    with app.app_context():
        head = app.appbuilder.sm.find_role(P.ROLE_HEAD).id
    resp = c.post(f"/users/edit/{world.ids['vanthu.btchu']}", data={
        "first_name": "Vanthu", "last_name": "Test", "username": "vanthu.btchu",
        "email": "vanthu.btchu@test.local", "unit": world.ids["btchu"], "kind": "person",
        "active": "y", "roles": [head]})
    assert resp.status_code == 302
    with app.app_context():
        ev = db.session.query(audit.AuditEvent).filter_by(
            action="updated", object_type="AppUser",
            object_id=str(world.ids["vanthu.btchu"])).order_by(audit.AuditEvent.id.desc()).first()
        details = ev.details_dict()
        assert ev.username == "admin"
        assert details["roles"]["added"] == [P.ROLE_HEAD]
        assert details["roles"]["removed"] == [P.ROLE_CLERK]
