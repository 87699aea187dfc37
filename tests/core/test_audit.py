"""The audit trail is a keyed hash chain that the database refuses to rewrite, anchored
outside the database: an edited row is named, a chain recomputed without the key does not
verify, deleted newest events show against the anchors, and parallel appends never fork."""

import os
import re
import threading

import pytest
from sqlalchemy import select, text

from app.core import audit
from app.extensions import db
from tests.conftest import audit_unguarded, client_for, login


def _ids(app):
    with app.app_context():
        ids = db.session.execute(select(audit.AuditEvent.id).order_by(audit.AuditEvent.id)
                                 ).scalars().all()
        db.session.remove()
    return ids


def _tamper(app, *statements):
    """Run ``statements`` (SQL, params) as a database administrator would: triggers off."""
    with app.app_context():
        with db.engine.begin() as conn, audit_unguarded(conn):
            for sql, params in statements:
                conn.execute(text(sql), params)


def _some_events(app):
    client_for(app, "vanthu.vphu")
    client_for(app, "lanhdao.vphu")
    login(app.test_client(), "vanthu.vphu", "wrong")


def test_chain_verifies_and_detects_an_edited_row(app, world, runner):
    _some_events(app)
    with app.app_context():
        count, problem = audit.verify_chain(db.session)
        assert problem is None and count > 10
        actions = {e.action for e in db.session.query(audit.AuditEvent)}
        assert {"login", "login_failed", "created"} <= actions
        victim_id = db.session.query(audit.AuditEvent).filter_by(action="login").first().id
        db.session.remove()
    result = runner.invoke(args=["qlvb", "audit", "verify"])
    assert result.exit_code == 0 and "chuỗi nhật ký nguyên vẹn" in result.output
    _tamper(app, ("UPDATE audit_event SET username = 'ke_gian' WHERE id = :i", {"i": victim_id}))
    with app.app_context():
        count, problem = audit.verify_chain(db.session)
        assert problem["id"] == victim_id and problem["reason"] == "hash"
        db.session.remove()
    result = runner.invoke(args=["qlvb", "audit", "verify"])
    assert result.exit_code == 1 and f"sự kiện {victim_id}" in result.output


def test_deleted_row_breaks_the_chain(app, world):
    _some_events(app)
    ids = _ids(app)
    _tamper(app, ("DELETE FROM audit_event WHERE id = :i", {"i": ids[3]}))
    with app.app_context():
        _, problem = audit.verify_chain(db.session)
        assert problem["id"] == ids[4] and problem["reason"] == "prev_hash"


def test_the_database_refuses_to_change_or_delete_events(app, world):
    """The triggers of migration 0008: UPDATE and DELETE (and on PostgreSQL TRUNCATE) of
    audit_event are refused whoever asks, outside the ORM too."""
    from sqlalchemy.exc import DBAPIError

    _some_events(app)
    ids = _ids(app)
    with app.app_context():
        statements = [f"UPDATE audit_event SET username = 'x' WHERE id = {ids[0]}",
                      f"DELETE FROM audit_event WHERE id = {ids[-1]}",
                      "DELETE FROM audit_event"]
        if db.engine.dialect.name == "postgresql":
            statements.append("TRUNCATE audit_event")
        for sql in statements:
            with pytest.raises(DBAPIError, match="append-only"):
                with db.engine.begin() as conn:
                    conn.exec_driver_sql(sql)
        db.session.remove()
    assert _ids(app) == ids
    with app.app_context():
        assert audit.verify_chain(db.session) == (len(ids), None)


def test_events_are_append_only_through_the_orm(app, world):
    _some_events(app)
    with app.app_context():
        ev = db.session.query(audit.AuditEvent).first()
        ev.action = "changed"
        with pytest.raises(RuntimeError):
            db.session.flush()
        db.session.rollback()


def _rewrite_with_the_public_formula(app, victim_id):
    """What someone who can write the table could do with a plain SHA-256 chain: change an
    event, then recompute every following hash (and the head row) with the public formula."""
    with app.app_context():
        events = db.session.execute(select(audit.AuditEvent).where(
            audit.AuditEvent.id >= victim_id).order_by(audit.AuditEvent.id)).scalars().all()
        prev = events[0].prev_hash
        statements = []
        for ev in events:
            username = "ke_gian" if ev.id == victim_id else ev.username
            new = audit.compute_hash(prev, ev.created_at, ev.user_id, username, ev.unit_id,
                                     ev.action, ev.object_type, ev.object_id, ev.details,
                                     ev.ip_address)
            statements.append(("UPDATE audit_event SET username = :u, prev_hash = :p, "
                               "hash = :h WHERE id = :i",
                               {"u": username, "p": prev, "h": new, "i": ev.id}))
            prev = new
        statements.append(("UPDATE audit_chain_head SET head_hash = :h", {"h": prev}))
        db.session.remove()
    _tamper(app, *statements)


def test_a_chain_recomputed_without_the_key_does_not_verify(app, world, runner):
    _some_events(app)
    victim_id = _ids(app)[5]
    _rewrite_with_the_public_formula(app, victim_id)
    with app.app_context():
        _, problem = audit.verify_chain(db.session)
        assert problem is not None and problem["id"] == victim_id
        assert problem["reason"] == "hash"
        db.session.remove()
    result = runner.invoke(args=["qlvb", "audit", "verify"])
    assert result.exit_code == 1
    assert f"sự kiện {victim_id}" in result.output and "HMAC" in result.output


def test_events_written_before_the_key_still_verify_but_only_before_it(app):
    """Events of the unkeyed formula (written before the upgrade) verify at the start of
    the chain; after the first keyed event, the unkeyed formula is an edit."""
    from app.core.timeutil import utcnow

    with app.app_context():
        prev = audit.GENESIS
        for n in range(3):  # what the code before the key wrote
            ev = audit.AuditEvent(created_at=utcnow(), action="legacy", details="{}",
                                  object_id=str(n), prev_hash=prev)
            ev.hash = audit.compute_hash(prev, ev.created_at, None, None, None, "legacy",
                                         None, str(n), "{}", None)
            prev = ev.hash
            db.session.add(ev)
        db.session.commit()
        for n in range(4):
            audit.record(db.session, "keyed", object_type="Test", object_id=n,
                         username="system")
        db.session.commit()
        report = {}
        count, problem = audit.verify_chain(db.session, report=report)
        assert (count, problem, report["legacy"]) == (7, None, 3)
        db.session.remove()
    victim_id = _ids(app)[4]  # the second keyed event, rewritten unkeyed to the end
    _rewrite_with_the_public_formula(app, victim_id)
    with app.app_context():
        _, problem = audit.verify_chain(db.session)
        assert problem["id"] == victim_id and problem["reason"] == "hash"


def test_a_keyed_part_rewritten_unkeyed_shows_against_the_head_and_anchors(app, runner):
    """The risk of accepting unkeyed events: whoever can write the table rewrites every
    keyed event with the public formula, so that the whole chain looks written before the
    key. The head row and every anchor recorded where the key began."""
    from app.core.timeutil import utcnow

    with app.app_context():
        prev = audit.GENESIS
        for n in range(3):
            ev = audit.AuditEvent(created_at=utcnow(), action="legacy", details="{}",
                                  object_id=str(n), prev_hash=prev)
            ev.hash = audit.compute_hash(prev, ev.created_at, None, None, None, "legacy",
                                         None, str(n), "{}", None)
            prev = ev.hash
            db.session.add(ev)
        db.session.commit()
        for n in range(4):
            audit.record(db.session, "keyed", object_type="Test", object_id=n,
                         username="system")
        db.session.commit()
        db.session.remove()
    assert runner.invoke(args=["qlvb", "audit", "anchor"]).exit_code == 0
    assert "keyed_from=3 " in _anchor_lines(app)[0]
    _rewrite_with_the_public_formula(app, _ids(app)[3])
    result = runner.invoke(args=["qlvb", "audit", "verify"])
    assert result.exit_code == 1
    assert "Dòng đầu chuỗi ghi 3 sự kiện trước khi có khoá, chuỗi có 7" in result.output
    _tamper(app, ("UPDATE audit_chain_head SET keyed_from = NULL", {}))
    result = runner.invoke(args=["qlvb", "audit", "verify", "--anchors"])
    assert result.exit_code == 1
    assert "Mốc ở dòng 1 không khớp chuỗi" in result.output


def _anchor_lines(app):
    with open(app.config["AUDIT_ANCHOR_FILE"], encoding="utf-8") as fh:
        return fh.read().splitlines()


def test_deleted_newest_events_show_against_the_anchors(app, world, runner):
    _some_events(app)
    result = runner.invoke(args=["qlvb", "audit", "anchor"])
    assert result.exit_code == 0, result.output
    ids = _ids(app)
    (line,) = _anchor_lines(app)
    assert f"count={len(ids)} last_id={ids[-1]} " in line
    assert os.stat(app.config["AUDIT_ANCHOR_FILE"]).st_mode & 0o007 == 0
    client_for(app, "chuyenvien.vphu")  # more events after the anchor
    result = runner.invoke(args=["qlvb", "audit", "verify", "--anchors"])
    assert result.exit_code == 0, result.output
    assert "1 mốc khớp chuỗi" in result.output

    # The newest events removed, back before the anchor, and the head row made to agree.
    keep = ids[-3]
    with app.app_context():
        head = db.session.execute(select(audit.AuditEvent.hash).where(
            audit.AuditEvent.id == keep)).scalar_one()
        db.session.remove()
    _tamper(app, ("DELETE FROM audit_event WHERE id > :i", {"i": keep}),
            ("UPDATE audit_chain_head SET event_count = :n, head_hash = :h",
             {"n": len(ids) - 2, "h": head}))
    result = runner.invoke(args=["qlvb", "audit", "verify"])
    assert result.exit_code == 0  # the chain alone cannot tell: the anchors can
    result = runner.invoke(args=["qlvb", "audit", "verify", "--anchors"])
    assert result.exit_code == 1
    assert (f"Chuỗi chỉ còn {len(ids) - 2} sự kiện nhưng mốc ở dòng 1 ghi {len(ids)}"
            in result.output)


def test_deleted_newest_events_show_against_the_head_row(app, world, runner):
    _some_events(app)
    ids = _ids(app)
    _tamper(app, ("DELETE FROM audit_event WHERE id > :i", {"i": ids[-3]}))
    result = runner.invoke(args=["qlvb", "audit", "verify"])
    assert result.exit_code == 1 and "đã bị xoá" in result.output


def test_a_forged_or_rewritten_anchor_is_refused(app, world, runner):
    _some_events(app)
    assert runner.invoke(args=["qlvb", "audit", "anchor"]).exit_code == 0
    path = app.config["AUDIT_ANCHOR_FILE"]
    (line,) = _anchor_lines(app)
    count = int(re.search(r"count=(\d+)", line).group(1))
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(line.replace(f"count={count} ", f"count={count - 2} ") + "\n")
    result = runner.invoke(args=["qlvb", "audit", "verify", "--anchors"])
    assert result.exit_code == 1 and "Dòng 1 của tệp mốc đã bị sửa" in result.output
    os.remove(path)
    result = runner.invoke(args=["qlvb", "audit", "verify", "--anchors"])
    assert result.exit_code == 1 and "Không có tệp mốc" in result.output


def test_a_register_print_states_and_anchors_the_chain(app, world, runner):
    from datetime import date

    from tests.registers.conftest import pdf_text, xlsx_rows

    clerk = client_for(app, "vanthu.vphu")
    ids = _ids(app)
    with app.app_context():
        head = db.session.execute(select(audit.AuditEvent.hash).where(
            audit.AuditEvent.id == ids[-1])).scalar_one()
        db.session.remove()
    resp = clerk.get(f"/registers/download?unit={world.ids['vphu']}&kind=incoming"
                     f"&period=year&year={date.today().year}&format=pdf")
    assert resp.status_code == 200
    seal = f"Nhật ký hệ thống khi in: {len(ids)} sự kiện, đầu chuỗi {head}"
    pages = pdf_text(resp.data)
    assert all(seal in re.sub(r"\s+", " ", page) for page in pages), pages[-1][-400:]
    (line,) = _anchor_lines(app)
    assert (f"count={len(ids)} last_id={ids[-1]} head={head} keyed_from=0 "
            "source=print:vanthu.vphu") in line
    resp = clerk.get(f"/registers/download?unit={world.ids['vphu']}&kind=outgoing"
                     f"&period=year&year={date.today().year}&format=xlsx")
    assert resp.status_code == 200
    sheet, _rows = xlsx_rows(resp.data)
    assert f"{len(ids) + 1} sự kiện" in sheet.oddFooter.left.text
    assert len(_anchor_lines(app)) == 2
    result = runner.invoke(args=["qlvb", "audit", "verify", "--anchors"])
    assert result.exit_code == 0 and "2 mốc khớp chuỗi" in result.output


def test_a_print_goes_on_when_the_anchor_file_cannot_be_written(app, world, tmp_path):
    from datetime import date

    from tests.registers.conftest import pdf_text

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    app.config["AUDIT_ANCHOR_FILE"] = str(blocker / "audit-anchors.log")
    clerk = client_for(app, "vanthu.vphu")
    count = len(_ids(app))
    resp = clerk.get(f"/registers/download?unit={world.ids['vphu']}&kind=incoming"
                     f"&period=year&year={date.today().year}&format=pdf")
    assert resp.status_code == 200
    assert f"khi in: {count} sự kiện" in pdf_text(resp.data)[0]


def test_parallel_audited_requests_all_succeed_and_the_chain_holds(app, world):
    """Downloads at once each append an event: they take turns, none fails, none forks."""
    from app.incoming.models import IncomingFile
    from tests.incoming.conftest import IncomingKit

    doc_id = IncomingKit(app, world).intake()
    with app.app_context():
        file_id = db.session.execute(select(IncomingFile.id).where(
            IncomingFile.document_id == doc_id)).scalars().first()
        db.session.remove()
    signed_in = client_for(app, "vanthu.vphu")
    cookie = signed_in.get_cookie("session")
    before = len(_ids(app))
    n = 40
    start = threading.Barrier(n)
    answers, errors = [], []

    def download():
        c = app.test_client()
        c.set_cookie("session", cookie.value, domain=cookie.domain)
        start.wait()
        try:
            answers.append(c.get(f"/incomingview/file/{file_id}").status_code)
        except Exception as error:  # noqa: BLE001 (a 500 raised in the test client)
            errors.append(repr(error))

    threads = [threading.Thread(target=download) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and answers == [200] * n
    assert len(_ids(app)) == before + n
    with app.app_context():
        assert audit.verify_chain(db.session) == (before + n, None)


def test_development_key_is_made_once_readable_by_its_owner(app, tmp_path):
    path = str(tmp_path / "keys" / "audit.key")
    app.config.update(AUDIT_KEY="", AUDIT_KEY_FILE=path)
    first = audit.audit_key(app)
    assert len(first) == 64 and os.stat(path).st_mode & 0o777 == 0o600
    audit._KEY_FILES.clear()
    assert audit.audit_key(app) == first


def test_production_refuses_to_start_without_the_key(monkeypatch):
    from config import ProductionConfig

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/qlvb")
    monkeypatch.delenv("AUDIT_KEY", raising=False)
    with pytest.raises(RuntimeError, match="AUDIT_KEY"):
        ProductionConfig()
    monkeypatch.setenv("AUDIT_KEY", "k" * 40)
    assert ProductionConfig().AUDIT_KEY_FILE is None


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


def test_events_recorded_while_a_flush_tracks_a_change_keep_the_chain_order(app, world, runner):
    """A tracked change (here a holiday) recorded by the flush hook, then another event in
    the same transaction: the chain's order (ids) is the order the events were recorded, so
    the trail verifies and later appends go on."""
    from datetime import date

    from app.core.calendar import CalendarDay

    with app.app_context():
        db.session.add(CalendarDay(day=date(2026, 9, 2), kind="holiday", name="Quốc khánh"))
        db.session.flush()  # the hook records "created" during this flush
        audit.record(db.session, "after_the_flush", object_type="Test")
        db.session.commit()
        audit.record(db.session, "next_one", object_type="Test")
        db.session.commit()
        actions = db.session.execute(select(audit.AuditEvent.action)
                                     .order_by(audit.AuditEvent.id)).scalars().all()
        db.session.remove()
    assert actions[-3:] == ["created", "after_the_flush", "next_one"]
    result = runner.invoke(args=["qlvb", "audit", "verify"])
    assert result.exit_code == 0, result.output
