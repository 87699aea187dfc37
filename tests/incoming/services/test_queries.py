"""The tracking lists and the counts (who sees what: tests/incoming/test_policy.py).

Assertions are on behaviour (DomainError and its field, rows, states, codes), never on
message text."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.incoming import services
from tests.incoming.services.helpers import _doc, _ids

# -- tracking lists and counts ------------------------------------------------------------------

@pytest.fixture
def tracked(app, world, incoming):
    """VPHU documents in every state; all leads are chuyenvien.vphu."""
    today = incoming.today()
    past = dict(arrival_date=today - timedelta(days=20), document_date=today - timedelta(days=21))
    d = {}
    d["pending"] = incoming.deliver(text="inbox")
    d["registered"] = incoming.intake(symbol="1-CV/TU", text="registered")
    d["assigned"] = incoming.intake(symbol="2-CV/TU", text="assigned")
    incoming.assign(d["assigned"])  # default deadline: 7 working days ahead
    d["started"] = incoming.intake(symbol="3-CV/TU", text="started")
    incoming.assign(d["started"])
    d["near_due"] = incoming.intake(symbol="4-CV/TU", text="near")
    incoming.assign(d["near_due"], deadline=today)
    d["overdue"] = incoming.intake(symbol="5-CV/TU", text="overdue", **past)
    incoming.assign(d["overdue"], deadline=today - timedelta(days=2))
    d["done_on_time"] = incoming.intake(symbol="6-CV/TU", text="on time")
    incoming.assign(d["done_on_time"])
    d["done_late"] = incoming.intake(symbol="7-CV/TU", text="late", **past)
    incoming.assign(d["done_late"], deadline=today - timedelta(days=1))
    d["refused"] = incoming.deliver(symbol="9-BC/BTCHU", text="refused")
    d["cancelled"] = incoming.intake(symbol="8-CV/TU", text="cancelled")
    with app.test_request_context():
        official = world.user("chuyenvien.vphu")
        clerk = world.user("vanthu.vphu")
        services.add_note(db.session, _doc(d["started"]), official, "Đang làm")
        services.complete(db.session, _doc(d["done_on_time"]), official, "Xong")
        services.complete(db.session, _doc(d["done_late"]), official, "Xong muộn")
        services.refuse(db.session, _doc(d["refused"]), clerk, "Sai nơi nhận")
        services.cancel(db.session, _doc(d["cancelled"]), clerk, "Nhầm")
        db.session.commit()
        db.session.remove()
    return d


def test_tracking_lists(app, world, tracked, ctx):
    d = tracked

    def listed(name, **kw):
        return _ids(services.tracking_clause(ctx, name, **kw))

    assert listed("inbox") == {d["pending"]}
    assert listed("to_assign") == {d["registered"]}
    assert listed("in_progress") == {d["assigned"], d["started"], d["near_due"], d["overdue"]}
    assert listed("near_due") == {d["near_due"]}
    assert listed("overdue") == {d["overdue"]}
    assert listed("done_on_time") == {d["done_on_time"]}
    assert listed("done_late") == {d["done_late"]}
    assert _doc(d["started"]).state == "in_progress"
    # Seen from later on, more is near due or overdue.
    later = _doc(d["assigned"]).deadline
    assert d["assigned"] in listed("near_due", today=later)
    assert d["near_due"] in listed("overdue", today=later)
    assert services.days_overdue(_doc(d["overdue"])) == 2
    assert services.days_overdue(_doc(d["done_late"])) == 0


def test_counts_for(app, world, tracked, ctx):
    def counts(name):
        return services.counts_for(ctx, world.user(name))

    assert counts("vanthu.vphu") == {"receive": 1, "process": 0, "overdue": 1}
    assert counts("lanhdao.vphu") == {"assign": 1, "process": 0, "overdue": 1}
    assert counts("chuyenvien.vphu") == {"process": 4, "overdue": 1}
    assert counts("qtdv.vphu") == {}
    assert counts("lanhdao.btchu") == {"assign": 0, "process": 0, "overdue": 0}
    assert services.counts_for(ctx, None) == {}
