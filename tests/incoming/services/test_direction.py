"""The head's direction, the default deadline and the sub-assignment (docs/domain.md §5.5).

Assertions are on behaviour (DomainError and its field, rows, states, codes), never on
message text."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.core.calendar import CalendarDay
from app.core.errors import DomainError
from app.incoming import services
from app.incoming.models import Assignment
from app.reference.models import DocumentType
from tests.incoming.services.helpers import (
    _actions,
    _doc,
    _ids,
    _lead_unit_doc,
    _notifications,
    _party,
    _past,
    _refused_to,
    _registered_delivery,
    _statuses,
)

# -- direction ---------------------------------------------------------------------------------

def test_assign(app, world, incoming, ctx):
    doc_id = _registered_delivery(incoming, world)
    before = len(_notifications(world, "chuyenvien.vphu"))
    deadline = incoming.today() + timedelta(days=10)
    created = services.assign(ctx, _doc(doc_id), world.user("lanhdao.vphu"), "Đề nghị xử lý", [
        _party(world, "lead", "chuyenvien.vphu", deadline),
        _party(world, "cooperate", ("unit", "btchu"), deadline),
        _party(world, "inform", "vanthu.vphu", deadline)])
    ctx.commit()
    doc = _doc(doc_id)
    assert doc.state == "assigned" and doc.deadline == deadline
    assert doc.directed_by_id == world.ids["lanhdao.vphu"] and doc.direction == "Đề nghị xử lý"
    assert [(a.role, a.active) for a in created] == [("lead", True), ("cooperate", True),
                                                     ("inform", True)]
    inform = next(a for a in doc.assignments if a.role == "inform")
    assert inform.deadline is None  # informed parties have no deadline
    assert doc.lead().user_id == world.ids["chuyenvien.vphu"]
    assert _statuses(doc_id)[-1] == "04" and doc.exchange_status == "04"
    assert _actions(doc_id)[-1] == "incoming_assigned"
    assert len(_notifications(world, "chuyenvien.vphu")) == before + 1
    assert _notifications(world, "lanhdao.btchu")  # the cooperating unit's head is told


def test_assign_only_by_a_head_of_the_receiving_unit(app, world, incoming, ctx):
    doc_id = incoming.intake()
    parties = [_party(world, "lead", "chuyenvien.vphu", incoming.today())]
    _refused_to(ctx, world, ("vanthu.vphu", "chuyenvien.vphu", "lanhdao.btchu", "qtdv.vphu"),
                lambda user: services.assign(ctx, _doc(doc_id), user, "", parties))
    assert _doc(doc_id).state == "registered"
    assert ctx.execute(select(Assignment)).first() is None


@pytest.mark.parametrize("roles", [(), ("cooperate",), ("lead", "lead"),
                                   ("lead", "lead", "inform")])
def test_assign_needs_exactly_one_lead(app, world, incoming, ctx, roles):
    doc_id = incoming.intake()
    people = ["chuyenvien.vphu", "vanthu.vphu", "lanhdao.btchu"]
    parties = [_party(world, role, who, incoming.today())
               for role, who in zip(roles, people, strict=False)]
    with pytest.raises(DomainError) as err:
        services.assign(ctx, _doc(doc_id), world.user("lanhdao.vphu"), "", parties)
    assert err.value.field == "lead"
    ctx.rollback()
    assert _doc(doc_id).state == "registered"


def test_assign_party_rules(app, world, incoming, ctx):
    doc_id = incoming.intake(arrival_date=_past(incoming, 5),
                             document_date=_past(incoming, 6))
    head = world.user("lanhdao.vphu")
    today = incoming.today()
    cases = [
        ([_party(world, "lead", "chuyenvien.vphu", today),
          _party(world, "cooperate", "chuyenvien.vphu", today)], None),
        ([_party(world, "lead", ("unit", "btchu"), today),
          _party(world, "inform", ("unit", "btchu"))], None),
        ([_party(world, "lead", "chuyenvien.vphu", _past(incoming, 6))], "deadline"),
        ([_party(world, "lead", "chuyenvien.vphu", None)], "deadline"),
        ([_party(world, "lead", "chuyenvien.vphu", today),
          _party(world, "cooperate", "vanthu.vphu", None)], "deadline"),
        ([services.Party("lead", unit_id=world.ids["btchu"], user_id=world.ids["vanthu.vphu"],
                         deadline=today)], None),
        ([services.Party("lead", deadline=today)], ("lead", None)),
        ([services.Party("lead", user_id=999999, deadline=today)], None),
        ([services.Party("lead", unit_id=999999, deadline=today)], None),
        ([services.Party("boss", user_id=world.ids["chuyenvien.vphu"], deadline=today),
          _party(world, "lead", "vanthu.vphu", today)], None),
        # Another unit's officials are reached through their unit (its head sub-assigns).
        ([_party(world, "lead", "chuyenvien.btchu", today)], None),
        ([_party(world, "lead", "chuyenvien.vphu", today),
          _party(world, "inform", "lanhdao.btchu")], None),
    ]
    for parties, field in cases:
        with pytest.raises(DomainError) as err:
            services.assign(ctx, _doc(doc_id), head, "", parties)
        fields = field if isinstance(field, tuple) else (field,)
        assert err.value.field in fields, parties
        ctx.rollback()
    # The arrival date itself is a valid deadline.
    services.assign(ctx, _doc(doc_id), head, "", [
        _party(world, "lead", "chuyenvien.vphu", _past(incoming, 5))])
    ctx.commit()
    assert _doc(doc_id).deadline == _past(incoming, 5)


def test_reassign_deactivates_the_old_assignments(app, world, incoming, ctx):
    doc_id = incoming.intake()
    incoming.assign(doc_id, lead="chuyenvien.vphu", inform=["vanthu.vphu"])
    new_deadline = incoming.today() + timedelta(days=3)
    services.assign(ctx, _doc(doc_id), world.user("lanhdao.vphu"), "Giao lại", [
        _party(world, "lead", ("unit", "btchu"), new_deadline)])
    ctx.commit()
    doc = _doc(doc_id)
    assert [(a.role, a.user_id or a.unit_id, a.active) for a in doc.assignments] == [
        ("lead", world.ids["chuyenvien.vphu"], False),
        ("inform", world.ids["vanthu.vphu"], False),
        ("lead", world.ids["btchu"], True)]
    assert doc.lead().unit_id == world.ids["btchu"] and doc.deadline == new_deadline
    assert _actions(doc_id).count("incoming_assigned") == 2
    # The old lead can no longer work on it.
    with pytest.raises(DomainError):
        services.add_note(ctx, doc, world.user("chuyenvien.vphu"), "Vẫn làm")
    ctx.rollback()


def test_assign_only_registered_or_assigned(app, world, incoming, ctx):
    pending = incoming.deliver()
    with pytest.raises(DomainError):
        services.assign(ctx, _doc(pending), world.user("lanhdao.vphu"), "", [
            _party(world, "lead", "chuyenvien.vphu", incoming.today())])
    ctx.rollback()
    assert _doc(pending).state == "pending"


# -- default deadline ------------------------------------------------------------------------

MONDAY = date(2025, 3, 3)


def test_default_deadline_counts_working_days(app, world, incoming, ctx):
    # 7 working days after Monday 3/3/2025: Tue..Fri, Mon, Tue, Wed → Wednesday 12/3.
    doc_id = incoming.intake(arrival_date=MONDAY, document_date=MONDAY - timedelta(days=2))
    assert services.default_deadline(ctx, _doc(doc_id)) == date(2025, 3, 12)
    ctx.add(CalendarDay(day=date(2025, 3, 6), kind="holiday", name="Nghỉ lễ"))
    ctx.commit()
    assert services.default_deadline(ctx, _doc(doc_id)) == date(2025, 3, 13)
    # Another type, another number of days.
    t = DocumentType(name="Giấy mời", abbreviation="GM", processing_days=2)
    ctx.add(t)
    ctx.flush()
    doc = _doc(doc_id)
    doc.document_type = t
    assert services.default_deadline(ctx, doc) == date(2025, 3, 5)
    ctx.rollback()


def test_default_deadline_never_exceeds_the_reply_deadline(app, world, incoming, ctx):
    early = incoming.intake(arrival_date=MONDAY, document_date=MONDAY,
                            reply_deadline=date(2025, 3, 10), symbol="1-CV/TU")
    late = incoming.intake(arrival_date=MONDAY, document_date=MONDAY,
                           reply_deadline=date(2025, 3, 20), symbol="2-CV/TU", text="B")
    assert services.default_deadline(ctx, _doc(early)) == date(2025, 3, 10)
    assert services.default_deadline(ctx, _doc(late)) == date(2025, 3, 12)


# -- sub-assignment --------------------------------------------------------------------------


def test_sub_assign(app, world, incoming, ctx):
    deadline = incoming.today() + timedelta(days=5)
    doc_id = _lead_unit_doc(incoming, world, deadline)
    parent = _doc(doc_id).lead()
    created = services.sub_assign(ctx, parent, world.user("lanhdao.btchu"), [
        _party(world, "lead", "chuyenvien.btchu", deadline)])
    ctx.commit()
    assert [(a.parent_id, a.role, a.user_id, a.active) for a in created] == [
        (parent.id, "lead", world.ids["chuyenvien.btchu"], True)]
    assert _actions(doc_id)[-1] == "incoming_sub_assigned"
    # The official now sees the document and can complete it.
    assert doc_id in _ids(services.visible_clause(ctx, world.user("chuyenvien.btchu")))
    assert services.can_complete(_doc(doc_id), world.user("chuyenvien.btchu"))
    # A new sub-assignment replaces the previous one.
    services.sub_assign(ctx, _doc(doc_id).lead(), world.user("lanhdao.btchu"), [
        _party(world, "lead", "vanthu.btchu", deadline)])
    ctx.commit()
    subs = [(a.user_id, a.active) for a in _doc(doc_id).assignments if a.parent_id]
    assert subs == [(world.ids["chuyenvien.btchu"], False), (world.ids["vanthu.btchu"], True)]
    assert not services.can_complete(_doc(doc_id), world.user("chuyenvien.btchu"))


def test_sub_assign_rules(app, world, incoming, ctx):
    deadline = incoming.today() + timedelta(days=5)
    doc_id = _lead_unit_doc(incoming, world, deadline)
    parent_id = _doc(doc_id).lead().id
    user_parent_id = next(a.id for a in _doc(doc_id).assignments if a.role == "cooperate")
    cases = [
        # Only a head of the assigned unit: not the receiving unit's head, not its clerk.
        ("lanhdao.vphu", parent_id, "chuyenvien.btchu", deadline, None),
        ("vanthu.btchu", parent_id, "chuyenvien.btchu", deadline, None),
        ("chuyenvien.btchu", parent_id, "chuyenvien.btchu", deadline, None),
        # Only to the unit's own officials.
        ("lanhdao.btchu", parent_id, "chuyenvien.vphu", deadline, None),
        # Not after the unit's deadline.
        ("lanhdao.btchu", parent_id, "chuyenvien.btchu", deadline + timedelta(days=1),
         "deadline"),
        # An assignment to a person cannot be sub-assigned.
        ("lanhdao.vphu", user_parent_id, "vanthu.vphu", deadline, None),
    ]
    for head, pid, who, dl, field in cases:
        with pytest.raises(DomainError) as err:
            services.sub_assign(ctx, ctx.get(Assignment, pid), world.user(head),
                                [_party(world, "lead", who, dl)])
        assert err.value.field == field, (head, who)
        ctx.rollback()
    assert all(a.parent_id is None for a in _doc(doc_id).assignments)
    # An earlier deadline is fine.
    services.sub_assign(ctx, ctx.get(Assignment, parent_id), world.user("lanhdao.btchu"),
                        [_party(world, "lead", "chuyenvien.btchu", incoming.today())])
    ctx.commit()
