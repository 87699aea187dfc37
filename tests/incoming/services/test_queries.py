"""Who sees what, the work waiting for a user, the tracking lists and the counts.

Assertions are on behaviour (DomainError and its field, rows, states, codes), never on
message text."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.incoming import services
from app.incoming.models import ReaderGrant
from tests.incoming.services.helpers import (
    _doc,
    _ids,
)

# -- who sees what ------------------------------------------------------------------------------

def test_who_sees_what(app, world, incoming, ctx):
    d1 = incoming.intake(symbol="1-CV/TU", text="1")               # lead: chuyenvien.vphu
    d2 = incoming.intake(symbol="2-CV/TU", text="2")               # not assigned yet
    d3 = incoming.intake("vanthu.btchu", symbol="3-CV/TU", text="3")  # BTCHU's own
    d4 = incoming.intake(symbol="4-CV/TU", text="4")               # lead: the BTCHU unit
    d5 = incoming.deliver(text="5")                                # VPHU inbox
    incoming.assign(d1, lead="chuyenvien.vphu")
    incoming.assign(d4, lead=("unit", "btchu"))

    def visible(name):
        return _ids(services.visible_clause(ctx, world.user(name)))

    vphu_all = {d1, d2, d4, d5}
    assert visible("vanthu.vphu") == vphu_all
    assert visible("lanhdao.vphu") == vphu_all
    assert visible("chuyenvien.vphu") == {d1}
    assert visible("qtdv.vphu") == set()
    assert visible("vanthu.btchu") == {d3, d4}
    assert visible("lanhdao.btchu") == {d3, d4}  # the head of an assigned other unit
    assert visible("chuyenvien.btchu") == set()
    assert _ids(services.visible_clause(ctx, None)) == set()
    for name, whole in (("vanthu.vphu", True), ("lanhdao.vphu", True),
                        ("chuyenvien.vphu", False), ("qtdv.vphu", False)):
        assert services.sees_whole_unit(ctx, world.user(name)) is whole, name
    # A head lets the official see the whole unit.
    ctx.add(ReaderGrant(unit_id=world.ids["vphu"], user_id=world.ids["chuyenvien.vphu"],
                        granted_by_id=world.ids["lanhdao.vphu"]))
    ctx.commit()
    assert services.sees_whole_unit(ctx, world.user("chuyenvien.vphu"))
    assert visible("chuyenvien.vphu") == vphu_all
    # A grant names a unit: it is worth nothing once the official is in another one.
    ctx.add(ReaderGrant(unit_id=world.ids["vphu"], user_id=world.ids["chuyenvien.btchu"],
                        granted_by_id=world.ids["lanhdao.vphu"]))
    ctx.commit()
    assert not services.sees_whole_unit(ctx, world.user("chuyenvien.btchu"))
    assert visible("chuyenvien.btchu") == set()
    # A user without a unit sees nothing.
    user = world.user("qtdv.btchu")
    user.unit_id = None
    ctx.commit()
    assert visible("qtdv.btchu") == set()


def test_reassignment_hides_the_document_from_the_old_official(app, world, incoming, ctx):
    doc_id = incoming.intake()
    incoming.assign(doc_id, lead="chuyenvien.vphu")
    assert _ids(services.visible_clause(ctx, world.user("chuyenvien.vphu"))) == {doc_id}
    incoming.assign(doc_id, lead=("unit", "btchu"))
    assert _ids(services.visible_clause(ctx, world.user("chuyenvien.vphu"))) == set()
    assert _ids(services.visible_clause(ctx, world.user("lanhdao.btchu"))) == {doc_id}


def test_todo_clause(app, world, incoming, ctx):
    d1 = incoming.intake(symbol="1-CV/TU", text="1")
    d2 = incoming.intake(symbol="2-CV/TU", text="2")
    d3 = incoming.intake(symbol="3-CV/TU", text="3")
    incoming.assign(d1, lead="chuyenvien.vphu", inform=["vanthu.vphu"])
    incoming.assign(d2, lead=("unit", "btchu"), cooperate=["chuyenvien.vphu"])
    incoming.intake(symbol="4-CV/TU", text="4")  # registered, nobody's work yet

    def todo(name):
        return _ids(services.todo_clause(world.user(name)))

    assert todo("chuyenvien.vphu") == {d1, d2}
    assert todo("vanthu.vphu") == {d1}  # to read
    assert todo("lanhdao.btchu") == {d2}  # the head of the lead unit
    assert todo("chuyenvien.btchu") == set()
    assert todo("lanhdao.vphu") == set()
    services.mark_read(ctx, _doc(d1), world.user("vanthu.vphu"))
    services.complete(ctx, _doc(d1), world.user("chuyenvien.vphu"), "Xong")
    ctx.commit()
    assert todo("vanthu.vphu") == set()
    assert todo("chuyenvien.vphu") == {d2}
    incoming.assign(d3, lead="chuyenvien.vphu")
    assert todo("chuyenvien.vphu") == {d2, d3}


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
