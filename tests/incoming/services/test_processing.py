"""Notes, reading and completion (docs/domain.md §5.5–5.6), and the audit trail of a whole life.

Assertions are on behaviour (DomainError and its field, rows, states, codes), never on
message text."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.audit import AuditEvent, verify_chain
from app.core.errors import DomainError
from app.incoming import services
from app.incoming.models import ProgressNote
from tests.incoming.services.helpers import (
    _actions,
    _doc,
    _lead_unit_doc,
    _notifications,
    _party,
    _past,
    _refused_to,
    _registered_delivery,
    _statuses,
)

# -- processing --------------------------------------------------------------------------------

def test_add_note(app, world, incoming, ctx):
    doc_id = _registered_delivery(incoming, world)
    incoming.assign(doc_id, lead="chuyenvien.vphu", cooperate=[("unit", "btchu")],
                    inform=["vanthu.vphu"])
    _refused_to(ctx, world, ("vanthu.vphu", "chuyenvien.btchu", "lanhdao.vphu", "qtdv.vphu"),
                lambda user: services.add_note(ctx, _doc(doc_id), user, "Ý kiến"))
    with pytest.raises(DomainError) as err:
        services.add_note(ctx, _doc(doc_id), world.user("chuyenvien.vphu"), "  ")
    assert err.value.field == "text"
    ctx.rollback()
    assert _doc(doc_id).state == "assigned"
    note = services.add_note(ctx, _doc(doc_id), world.user("chuyenvien.vphu"),
                             "Đang tổng hợp", [incoming.stored_pdf("Kết quả bước 1")])
    ctx.commit()
    doc = _doc(doc_id)
    assert doc.state == "in_progress" and doc.started_at
    assert note.kind == "progress" and note.assignment.role == "lead"
    assert [f.role for f in doc.files] == ["main", "result"]
    assert doc.files[1].note_id == note.id
    assert doc.lead().started_at is not None
    assert _statuses(doc_id) == ["01", "03", "04", "05"]
    # The head of the cooperating unit gives an opinion; the status is sent once.
    opinion = services.add_note(ctx, doc, world.user("lanhdao.btchu"), "Nhất trí")
    ctx.commit()
    assert opinion.kind == "opinion"
    assert _statuses(doc_id).count("05") == 1
    assert _actions(doc_id).count("incoming_note") == 2


def test_mark_read(app, world, incoming, ctx):
    doc_id = incoming.intake()
    incoming.assign(doc_id, lead="chuyenvien.vphu", inform=["vanthu.vphu"])
    _refused_to(ctx, world, ("chuyenvien.vphu", "lanhdao.btchu"),
                lambda user: services.mark_read(ctx, _doc(doc_id), user))
    read = services.mark_read(ctx, _doc(doc_id), world.user("vanthu.vphu"))
    ctx.commit()
    assert len(read) == 1 and read[0].read_at is not None
    kinds = [n.kind for n in ctx.execute(select(ProgressNote).where(
        ProgressNote.document_id == doc_id)).scalars()]
    assert kinds == ["read"]
    assert _actions(doc_id)[-1] == "incoming_read"
    assert _doc(doc_id).state == "assigned"  # reading does not start the processing
    with pytest.raises(DomainError):  # nothing left to confirm
        services.mark_read(ctx, _doc(doc_id), world.user("vanthu.vphu"))
    ctx.rollback()


def test_complete_by_the_lead_official(app, world, incoming, ctx):
    doc_id = _registered_delivery(incoming, world)
    incoming.assign(doc_id, lead="chuyenvien.vphu", cooperate=["vanthu.vphu"],
                    inform=[("unit", "btchu")])
    head_notes = len(_notifications(world, "lanhdao.vphu"))
    _refused_to(ctx, world, ("vanthu.vphu", "lanhdao.btchu", "lanhdao.vphu", "chuyenvien.btchu"),
                lambda user: services.complete(ctx, _doc(doc_id), user, "Xong"))
    with pytest.raises(DomainError) as err:
        services.complete(ctx, _doc(doc_id), world.user("chuyenvien.vphu"), " ")
    assert err.value.field == "result"
    ctx.rollback()
    services.complete(ctx, _doc(doc_id), world.user("chuyenvien.vphu"), "Đã báo cáo",
                      [incoming.stored_pdf("Báo cáo kết quả")])
    ctx.commit()
    doc = _doc(doc_id)
    assert doc.state == "done" and doc.completed_at and doc.completed_late is False
    assert doc.result_summary == "Đã báo cáo"
    assert [(a.role, a.completed_at is not None) for a in doc.assignments] == [
        ("lead", True), ("cooperate", True), ("inform", False)]
    assert _statuses(doc_id) == ["01", "03", "04", "05", "06"]
    assert _actions(doc_id)[-1] == "incoming_completed"
    notes = _notifications(world, "lanhdao.vphu")[head_notes:]
    assert [n.link for n in notes] == [f"/incomingview/show/{doc_id}"]
    # Done is done.
    with pytest.raises(DomainError):
        services.complete(ctx, doc, world.user("chuyenvien.vphu"), "Lần nữa")
    ctx.rollback()
    with pytest.raises(DomainError):
        services.add_note(ctx, _doc(doc_id), world.user("chuyenvien.vphu"), "Thêm")
    ctx.rollback()


def test_complete_by_the_head_of_the_lead_unit(app, world, incoming, ctx):
    doc_id = _lead_unit_doc(incoming, world)
    assert not services.can_complete(_doc(doc_id), world.user("chuyenvien.btchu"))
    assert not services.can_complete(_doc(doc_id), world.user("chuyenvien.vphu"))  # cooperating
    services.complete(ctx, _doc(doc_id), world.user("lanhdao.btchu"), "Đã xong")
    ctx.commit()
    assert _doc(doc_id).state == "done"


def test_complete_by_the_sub_assigned_official(app, world, incoming, ctx):
    doc_id = _lead_unit_doc(incoming, world)
    services.sub_assign(ctx, _doc(doc_id).lead(), world.user("lanhdao.btchu"), [
        _party(world, "lead", "chuyenvien.btchu", incoming.today())])
    ctx.commit()
    services.complete(ctx, _doc(doc_id), world.user("chuyenvien.btchu"), "Đã xong")
    ctx.commit()
    doc = _doc(doc_id)
    assert doc.state == "done" and doc.completed_late is False
    assert all(a.completed_at for a in doc.assignments if a.role != "inform")


def test_complete_late(app, world, incoming, ctx):
    doc_id = incoming.intake(arrival_date=_past(incoming, 20), document_date=_past(incoming, 21))
    incoming.assign(doc_id, deadline=_past(incoming, 1))
    on_time = incoming.intake(symbol="2-CV/TU", text="Đúng hạn")
    incoming.assign(on_time, deadline=incoming.today())
    services.complete(ctx, _doc(doc_id), world.user("chuyenvien.vphu"), "Muộn")
    services.complete(ctx, _doc(on_time), world.user("chuyenvien.vphu"), "Kịp")
    ctx.commit()
    assert _doc(doc_id).completed_late is True
    assert _doc(on_time).completed_late is False
    assert ctx.execute(select(AuditEvent.details).where(
        AuditEvent.action == "incoming_completed",
        AuditEvent.object_id == str(doc_id))).scalar_one() == '{"late": true}'


# -- the audit trail of a whole life ---------------------------------------------------------------

def test_every_step_is_an_audit_event(app, world, incoming, ctx):
    doc_id = incoming.deliver(symbol="45-BC/BTCHU")
    doc = services.register(ctx, _doc(doc_id), world.user("vanthu.vphu"),
                            incoming.entry(sender_unit_id=world.ids["btchu"],
                                           symbol="45-BC/BTCHU"))
    deadline = incoming.today() + timedelta(days=5)
    services.assign(ctx, doc, world.user("lanhdao.vphu"), "Xử lý", [
        _party(world, "lead", ("unit", "btchu"), deadline),
        _party(world, "inform", "vanthu.vphu")])
    services.sub_assign(ctx, doc.lead(), world.user("lanhdao.btchu"), [
        _party(world, "lead", "chuyenvien.btchu", deadline)])
    services.add_note(ctx, doc, world.user("chuyenvien.btchu"), "Đang làm")
    services.mark_read(ctx, doc, world.user("vanthu.vphu"))
    services.complete(ctx, doc, world.user("chuyenvien.btchu"), "Xong")
    ctx.commit()
    assert _actions(doc_id) == [
        "incoming_delivered", "incoming_registered", "incoming_assigned",
        "incoming_sub_assigned", "incoming_note", "incoming_read", "incoming_completed"]
    assert _statuses(doc_id) == ["01", "03", "04", "05", "06"]
    refused = incoming.deliver(symbol="46-BC/BTCHU", text="refuse me")
    services.refuse(ctx, _doc(refused), world.user("vanthu.vphu"), "Sai")
    cancelled = incoming.intake(text="cancel me")
    services.cancel(ctx, _doc(cancelled), world.user("vanthu.vphu"), "Nhầm")
    ctx.commit()
    assert _actions(refused) == ["incoming_delivered", "incoming_refused"]
    assert _actions(cancelled) == ["incoming_received", "incoming_registered",
                                   "incoming_cancelled"]
    by_user = dict(ctx.execute(select(AuditEvent.action, AuditEvent.username).where(
        AuditEvent.object_type == "IncomingDocument",
        AuditEvent.object_id == str(doc_id))).all())
    assert by_user["incoming_sub_assigned"] == "lanhdao.btchu"
    assert by_user["incoming_completed"] == "chuyenvien.btchu"
    assert verify_chain(ctx)[1] is None
