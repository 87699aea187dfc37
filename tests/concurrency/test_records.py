"""Work files under concurrent requests (docs/domain.md §9.4, §9.7): closing, transferring
and accepting the same file at once through the screens takes effect once; the others are
refused with 409 by the locked transition."""

from datetime import date

from sqlalchemy import func, select

from app.core.audit import AuditEvent
from app.extensions import db
from app.records.models import TransferBatch, WorkFile
from tests.concurrency.conftest import race
from tests.conftest import client_for
from tests.records.conftest import RecordsKit, add_archivist


def _events(app, action):
    with app.app_context():
        n = db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == action))
        db.session.remove()
    return n


def _statuses(answers):
    return sorted(a.status for a in answers)


def _post(app, user, url, data):
    """A maker of racing requests of ``user``: one sign-in, its session cookie copied into
    each thread's own test client (the sign-in rate limit allows few sign-ins)."""
    signed = client_for(app, user)
    cookie = signed.get_cookie("session")

    def make(i):
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value, domain=cookie.domain or "localhost")
        return lambda: client.post(url, data=data)

    return make


def test_close_transfer_and_accept_at_once_each_happen_once(app, world):
    kit = RecordsKit(app, world)
    fid = kit.open_ad_hoc()
    kit.paper(fid, date(2026, 2, 1))
    n = 6
    make = _post(app, "chuyenvien.vphu", f"/records/files/{fid}/close", {})
    answers = race([make(i) for i in range(n)])
    assert _statuses(answers) == [302] + [409] * (n - 1), answers
    assert _events(app, "work_file_closed") == 1
    make = _post(app, "vanthu.vphu", "/records/transfers/create", {"file_id": str(fid)})
    answers = race([make(i) for i in range(n)])
    assert _statuses(answers) == [302] + [409] * (n - 1), answers
    with app.app_context():
        assert db.session.scalar(select(func.count(TransferBatch.id))) == 1
        batch = db.session.scalars(select(TransferBatch)).one()
        bid, line = batch.id, batch.lines[0].id
        db.session.remove()
    keeper = add_archivist(app, world)
    make = _post(app, keeper, f"/records/transfers/{bid}/check",
                 {"line": str(line), "decision": "accept"})
    answers = race([make(i) for i in range(n)])
    assert _statuses(answers) == [302] + [409] * (n - 1), answers
    assert _events(app, "transfer_file_accepted") == 1
    with app.app_context():
        assert db.session.get(WorkFile, fid).state == "archived"
        db.session.remove()

