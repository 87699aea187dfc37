"""Delivery into the inbox, registration from it, refusal and cancellation
(docs/domain.md §5.1–5.3).

Assertions are on behaviour (DomainError and its field, rows, states, codes), never on
message text."""


import pytest
from sqlalchemy import select

from app.core.errors import DomainError
from app.incoming import services
from app.incoming.models import (
    ExchangeStatus,
    Rejection,
)
from tests.incoming.services.helpers import (
    _actions,
    _doc,
    _notifications,
    _party,
    _refused_to,
    _statuses,
)

# -- delivery, registration, refusal ---------------------------------------------------------

def test_deliver_waits_in_the_inbox_and_tells_the_clerks(app, world, incoming, ctx):
    before = len(_notifications(world, "vanthu.vphu"))
    doc_id = incoming.deliver(symbol="45-BC/BTCHU")
    urgent_id = incoming.deliver(symbol="46-BC/BTCHU", text="Khẩn", urgency=1)
    doc = _doc(doc_id)
    assert doc.state == "pending" and doc.channel == "electronic"
    assert doc.arrival_number is None and doc.unit_id == world.ids["vphu"]
    assert doc.sender_unit_id == world.ids["btchu"] and doc.author_name == "Ban Tổ chức Huyện ủy"
    assert (doc.symbol_number, doc.symbol_type, doc.symbol_agency) == (45, "BC", "BTCHU")
    assert doc.exchange_status == "01" and _statuses(doc_id) == ["01"]
    assert _actions(doc_id) == ["incoming_delivered"]
    notes = _notifications(world, "vanthu.vphu")[before:]
    assert [n.link for n in notes] == [f"/incomingview/show/{doc_id}",
                                       f"/incomingview/show/{urgent_id}"]
    assert [n.urgent for n in notes] == [False, True]
    # Not the head, not the official, not the sender's clerk.
    for name in ("lanhdao.vphu", "chuyenvien.vphu", "vanthu.btchu"):
        assert all(n.link != f"/incomingview/show/{doc_id}" for n in _notifications(world, name))
    with pytest.raises(DomainError):
        services.deliver(ctx, world.ids["vphu"], world.ids["btchu"], incoming.entry(), [])
    with pytest.raises(DomainError):
        services.deliver(ctx, 999999, world.ids["btchu"], incoming.entry(),
                         [incoming.stored_pdf()])
    ctx.rollback()


def test_register_from_the_inbox(app, world, incoming, ctx):
    incoming.intake(symbol="1-CV/TU")  # number 1 of the year is taken
    doc_id = incoming.deliver(symbol="45-BC/BTCHU")
    doc = services.register(ctx, _doc(doc_id), world.user("vanthu.vphu"),
                            incoming.entry(sender_unit_id=world.ids["btchu"],
                                           symbol="45-BC/BTCHU"))
    ctx.commit()
    doc = _doc(doc_id)
    assert doc.state == "registered" and doc.arrival_number == 2
    assert doc.registered_by_id == world.ids["vanthu.vphu"] and doc.registered_at
    assert _statuses(doc_id) == ["01", "03"] and doc.exchange_status == "03"
    assert _actions(doc_id) == ["incoming_delivered", "incoming_registered"]
    # Only from the inbox: registering twice is refused and keeps the number.
    with pytest.raises(DomainError):
        services.register(ctx, doc, world.user("vanthu.vphu"),
                          incoming.entry(sender_unit_id=world.ids["btchu"]))
    ctx.rollback()
    assert _doc(doc_id).arrival_number == 2


def test_register_only_by_the_receiving_unit(app, world, incoming, ctx):
    doc_id = incoming.deliver(symbol="45-BC/BTCHU")
    _refused_to(ctx, world, ("vanthu.btchu", "lanhdao.btchu"), lambda user: services.register(
        ctx, _doc(doc_id), user, incoming.entry(sender_unit_id=world.ids["btchu"])))
    doc = _doc(doc_id)
    assert doc.state == "pending" and doc.arrival_number is None
    assert _actions(doc_id) == ["incoming_delivered"]


def test_register_checks_the_entry(app, world, incoming, ctx):
    doc_id = incoming.deliver(symbol="45-BC/BTCHU")
    with pytest.raises(DomainError) as err:
        services.register(ctx, _doc(doc_id), world.user("vanthu.vphu"),
                          incoming.entry(summary=""))
    assert err.value.field == "summary"
    ctx.rollback()
    assert _doc(doc_id).state == "pending"


def test_refuse(app, world, incoming, ctx):
    doc_id = incoming.deliver(symbol="45-BC/BTCHU")
    before = len(_notifications(world, "vanthu.btchu"))
    clerk = world.user("vanthu.vphu")
    for reason in ("", "   "):
        with pytest.raises(DomainError) as err:
            services.refuse(ctx, _doc(doc_id), clerk, reason)
        assert err.value.field == "reason"
        ctx.rollback()
    with pytest.raises(DomainError):
        services.refuse(ctx, _doc(doc_id), world.user("vanthu.btchu"), "Không phải của tôi")
    ctx.rollback()
    assert _doc(doc_id).state == "pending"
    rejection = services.refuse(ctx, _doc(doc_id), clerk, "Thiếu chữ ký số")
    ctx.commit()
    doc = _doc(doc_id)
    assert doc.state == "refused" and doc.arrival_number is None
    row = ctx.execute(select(Rejection).where(Rejection.document_id == doc_id)).scalar_one()
    assert row.id == rejection.id and row.reason == "Thiếu chữ ký số"
    assert row.unit_id == world.ids["vphu"] and row.sender_unit_id == world.ids["btchu"]
    assert row.symbol == "45-BC/BTCHU" and row.created_by_id == clerk.id
    status = ctx.execute(select(ExchangeStatus).where(ExchangeStatus.document_id == doc_id,
                                                      ExchangeStatus.code == "02")).scalar_one()
    assert status.note == "Thiếu chữ ký số" and status.sender_unit_id == world.ids["btchu"]
    notes = _notifications(world, "vanthu.btchu")[before:]
    assert len(notes) == 1 and notes[0].urgent
    assert _actions(doc_id) == ["incoming_delivered", "incoming_refused"]
    # Only a document in the inbox can be refused.
    with pytest.raises(DomainError):
        services.refuse(ctx, _doc(doc_id), clerk, "Lần nữa")
    ctx.rollback()
    registered = incoming.intake()
    with pytest.raises(DomainError):
        services.refuse(ctx, _doc(registered), world.user("vanthu.vphu"), "Đã vào sổ")
    ctx.rollback()
    assert _doc(registered).state == "registered"


# -- cancellation -------------------------------------------------------------------------------

def test_cancel_keeps_the_number_and_blocks_assignment(app, world, incoming, ctx):
    first = incoming.intake(symbol="1-CV/TU", text="A")
    second = incoming.intake(symbol="2-CV/TU", text="B")
    clerk = world.user("vanthu.vphu")
    with pytest.raises(DomainError) as err:
        services.cancel(ctx, _doc(first), clerk, " ")
    assert err.value.field == "reason"
    ctx.rollback()
    with pytest.raises(DomainError):
        services.cancel(ctx, _doc(first), world.user("vanthu.btchu"), "Nhầm")
    ctx.rollback()
    services.cancel(ctx, _doc(first), clerk, "Vào sổ nhầm")
    ctx.commit()
    doc = _doc(first)
    assert doc.state == "cancelled" and doc.arrival_number == 1 and doc.cancel_reason
    assert _actions(first)[-1] == "incoming_cancelled"
    third = incoming.intake(symbol="3-CV/TU", text="C")
    clerk = world.user("vanthu.vphu")  # the kit's helpers end the session
    assert [_doc(i).arrival_number for i in (first, second, third)] == [1, 2, 3]
    with pytest.raises(DomainError):
        services.assign(ctx, _doc(first), world.user("lanhdao.vphu"), "", [
            _party(world, "lead", "chuyenvien.vphu", incoming.today())])
    ctx.rollback()
    with pytest.raises(DomainError):  # not twice
        services.cancel(ctx, _doc(first), clerk, "Lần nữa")
    ctx.rollback()
    # An assigned document can be cancelled (its assignments end); one in progress cannot.
    incoming.assign(second)
    services.cancel(ctx, _doc(second), world.user("vanthu.vphu"), "Trùng")
    ctx.commit()
    assert not any(a.active for a in _doc(second).assignments)
    incoming.assign(third)
    services.add_note(ctx, _doc(third), world.user("chuyenvien.vphu"), "Bắt đầu")
    ctx.commit()
    with pytest.raises(DomainError):
        services.cancel(ctx, _doc(third), world.user("vanthu.vphu"), "Muộn rồi")
    ctx.rollback()
    assert _doc(third).state == "in_progress"
