"""The rule of app/incoming/policy.py asked directly: a user, the settings and a document,
no request. Each rule has a case that fails if the rule is dropped."""

import pytest
from sqlalchemy import select

from app.core.scope import ScopeSettings
from app.extensions import db
from app.incoming import policy, services
from app.incoming.models import IncomingDocument, ReaderGrant, Rejection
from tests.conftest import keys_kept
from tests.incoming.services.helpers import _doc, _ids


@pytest.fixture
def ctx(app):
    """A request context with the app's session, as the service tests have it."""
    with app.test_request_context():
        yield db.session
        db.session.remove()


@pytest.fixture
def docs(app, world, incoming):
    """VPHU: ``led`` (lead: chuyenvien.vphu), ``open`` (not assigned), ``inbox`` (delivered,
    waiting); BTCHU: ``own`` (its own), ``to_vphu`` (lead: the VPHU unit)."""
    ids = {
        "led": incoming.intake(symbol="1-CV/TU", text="1"),
        "open": incoming.intake(symbol="2-CV/TU", text="2"),
        "inbox": incoming.deliver(text="3"),
        "own": incoming.intake("vanthu.btchu", symbol="4-CV/TU", text="4"),
        "to_vphu": incoming.intake("vanthu.btchu", symbol="5-CV/TU", text="5"),
    }
    incoming.assign(ids["led"], lead="chuyenvien.vphu")
    incoming.assign(ids["to_vphu"], head="lanhdao.btchu", lead=("unit", "vphu"))
    return ids


def seen(app_session, world, scope_settings, name, docs):
    """The names of ``docs`` that ``name`` may read."""
    user = world.user(name) if name else None
    clause = policy.visible_clause(app_session, user, scope_settings)
    return keys_kept(app_session, IncomingDocument.id, clause, docs)


def test_the_office_roles_see_every_unit_by_the_settings(app_session, world, scope_settings, docs):
    assert policy.visible_clause(app_session, world.user("vanphong"), scope_settings) is None
    assert policy.visible_clause(app_session, world.user("admin"), scope_settings) is None
    assert seen(app_session, world, scope_settings, "vanphong", docs) == set(docs)
    # Without the office roles in the settings, the office is a unit like any other.
    assert seen(app_session, world, ScopeSettings(), "vanphong", docs) != set(docs)


def test_no_user_sees_nothing(app_session, world, scope_settings, docs):
    assert seen(app_session, world, scope_settings, None, docs) == set()


def test_clerks_and_heads_see_their_whole_unit(app_session, world, scope_settings, docs):
    for name in ("vanthu.vphu", "lanhdao.vphu"):
        assert seen(app_session, world, scope_settings, name, docs) == {
            "led", "open", "inbox", "to_vphu"}, name
        assert policy.sees_whole_unit(app_session, world.user(name)), name


def test_an_official_sees_only_what_is_assigned_to_them(app_session, world, scope_settings, docs):
    assert not policy.sees_whole_unit(app_session, world.user("chuyenvien.vphu"))
    assert seen(app_session, world, scope_settings, "chuyenvien.vphu", docs) == {"led"}
    assert seen(app_session, world, scope_settings, "chuyenvien.btchu", docs) == set()


def test_what_is_assigned_to_a_unit_is_seen_by_its_clerk_and_head(app_session, world,
                                                                  scope_settings, docs):
    """BTCHU's document led by VPHU: VPHU's clerk and head see it, BTCHU's own people see
    it as their unit's."""
    assert "to_vphu" in seen(app_session, world, scope_settings, "vanthu.vphu", docs)
    assert "to_vphu" in seen(app_session, world, scope_settings, "lanhdao.btchu", docs)
    assert "to_vphu" not in seen(app_session, world, scope_settings, "chuyenvien.vphu", docs)


def test_a_reader_grant_opens_the_whole_unit_to_an_official(app_session, world, scope_settings,
                                                            docs):
    app_session.add(ReaderGrant(unit_id=world.ids["vphu"], user_id=world.ids["chuyenvien.vphu"],
                                granted_by_id=world.ids["lanhdao.vphu"]))
    app_session.commit()
    assert policy.sees_whole_unit(app_session, world.user("chuyenvien.vphu"))
    # The unit's own documents; what another unit assigned to the unit stays its head's.
    assert seen(app_session, world, scope_settings, "chuyenvien.vphu", docs) == {
        "led", "open", "inbox"}


def test_a_replaced_assignment_shows_nothing(app_session, world, scope_settings, docs, incoming):
    """A new direction deactivates the old one: its official no longer sees the document."""
    incoming.assign(docs["led"], lead=("unit", "btchu"))
    assert "led" not in seen(app_session, world, scope_settings, "chuyenvien.vphu", docs)
    assert "led" in seen(app_session, world, scope_settings, "lanhdao.btchu", docs)


def test_a_user_without_a_unit_sees_nothing(app_session, world, scope_settings, docs):
    user = world.user("vanthu.btchu")
    user.unit_id = None
    app_session.commit()
    assert seen(app_session, world, scope_settings, "vanthu.btchu", docs) == set()


def test_refusals_are_seen_by_the_refusing_and_the_sending_unit(app_session, world, scope_settings,
                                                                docs):
    doc = app_session.get(IncomingDocument, docs["inbox"])  # from BTCHU into VPHU's inbox
    services.refuse(app_session, doc, world.user("vanthu.vphu"), "Thiếu trang")
    app_session.commit()

    def refusals(name):
        clause = policy.rejection_clause(world.user(name), scope_settings)
        assert clause is not None
        return app_session.execute(select(Rejection.id).where(clause)).scalars().all()

    assert len(refusals("vanthu.vphu")) == 1
    assert len(refusals("vanthu.btchu")) == 1
    user = world.user("vanthu.btchu")
    user.unit_id = None
    app_session.commit()
    assert refusals("vanthu.btchu") == []
    assert policy.rejection_clause(world.user("vanphong"), scope_settings) is None


def test_attention_is_the_unit_for_those_who_see_it_else_ones_own_work(app_session, world,
                                                                       scope_settings, docs):
    def concerned(name):
        clause = policy.attention_clause(app_session, world.user(name), scope_settings)
        return keys_kept(app_session, IncomingDocument.id, clause, docs)

    assert concerned("vanphong") == set(docs)
    assert concerned("lanhdao.vphu") == {"led", "open", "inbox", "to_vphu"}
    assert concerned("chuyenvien.vphu") == {"led"}
    assert concerned("chuyenvien.btchu") == set()


# -- what a user may do ------------------------------------------------------------------------

def can(app_session, world, scope_settings, name, action, doc_id):
    return policy.can(world.user(name), action, app_session.get(IncomingDocument, doc_id),
                      scope_settings)


def test_only_a_clerk_of_the_receiving_unit_takes_it_in(app_session, world, scope_settings, docs):
    assert can(app_session, world, scope_settings, "vanthu.vphu", "intake", docs["inbox"])
    assert not can(app_session, world, scope_settings, "vanthu.btchu", "intake", docs["inbox"])
    assert not can(app_session, world, scope_settings, "lanhdao.vphu", "intake", docs["inbox"])
    assert not can(app_session, world, scope_settings, "vanphong", "intake", docs["inbox"])


def test_only_a_head_of_the_receiving_unit_directs_it(app_session, world, scope_settings, docs):
    assert can(app_session, world, scope_settings, "lanhdao.vphu", "assign", docs["open"])
    assert not can(app_session, world, scope_settings, "lanhdao.btchu", "assign", docs["open"])
    assert not can(app_session, world, scope_settings, "vanthu.vphu", "assign", docs["open"])
    assert not can(app_session, world, scope_settings, "admin", "assign", docs["open"])


def test_only_the_lead_completes(app_session, world, scope_settings, docs):
    assert can(app_session, world, scope_settings, "chuyenvien.vphu", "complete", docs["led"])
    assert can(app_session, world, scope_settings, "chuyenvien.vphu", "process", docs["led"])
    assert not can(app_session, world, scope_settings, "vanthu.vphu", "complete", docs["led"])
    assert not can(app_session, world, scope_settings, "chuyenvien.vphu", "complete", docs["open"])
    # A unit leads: its head completes, not the head of the receiving unit.
    assert can(app_session, world, scope_settings, "lanhdao.vphu", "complete", docs["to_vphu"])
    assert not can(app_session, world, scope_settings, "lanhdao.btchu", "complete", docs["to_vphu"])


def test_processing_and_downloads_follow_the_roles(app_session, world, scope_settings, docs):
    assert not can(app_session, world, scope_settings, "vanphong", "process", docs["led"])
    assert can(app_session, world, scope_settings, "vanphong", "download", docs["led"])
    assert not can(app_session, world, scope_settings, "qtdv.vphu", "download", docs["led"])


def test_the_permissions_at_hand_are_those_asked(app_session, world, scope_settings, docs):
    """``held`` given by the caller (the request's set) decides instead of the roles."""
    user, doc = world.user("vanthu.vphu"), app_session.get(IncomingDocument, docs["inbox"])
    assert not policy.can(user, "intake", doc, scope_settings, held=set())
    assert policy.can(user, "intake", doc, scope_settings,
                      held={("can_intake", "IncomingDocument")})
    assert policy.can(user, "intake", doc, scope_settings) is True



def test_a_head_or_the_office_grants_the_whole_unit(app_session, world, scope_settings):
    assert policy.can_grant_readers(world.user("lanhdao.vphu"), scope_settings)
    assert policy.can_grant_readers(world.user("vanphong"), scope_settings)
    assert not policy.can_grant_readers(world.user("vanphong"), ScopeSettings())
    assert not policy.can_grant_readers(world.user("vanthu.vphu"), scope_settings)


# -- who sees what, as a member of a unit (the office aside) -------------------------------------

def test_who_sees_what(app, world, incoming, ctx):
    d1 = incoming.intake(symbol="1-CV/TU", text="1")               # lead: chuyenvien.vphu
    d2 = incoming.intake(symbol="2-CV/TU", text="2")               # not assigned yet
    d3 = incoming.intake("vanthu.btchu", symbol="3-CV/TU", text="3")  # BTCHU's own
    d4 = incoming.intake(symbol="4-CV/TU", text="4")               # lead: the BTCHU unit
    d5 = incoming.deliver(text="5")                                # VPHU inbox
    incoming.assign(d1, lead="chuyenvien.vphu")
    incoming.assign(d4, lead=("unit", "btchu"))

    def visible(name):
        return _ids(policy.member_clause(ctx, world.user(name)))

    vphu_all = {d1, d2, d4, d5}
    assert visible("vanthu.vphu") == vphu_all
    assert visible("lanhdao.vphu") == vphu_all
    assert visible("chuyenvien.vphu") == {d1}
    assert visible("qtdv.vphu") == set()
    assert visible("vanthu.btchu") == {d3, d4}
    assert visible("lanhdao.btchu") == {d3, d4}  # the head of an assigned other unit
    assert visible("chuyenvien.btchu") == set()
    assert _ids(policy.member_clause(ctx, None)) == set()
    for name, whole in (("vanthu.vphu", True), ("lanhdao.vphu", True),
                        ("chuyenvien.vphu", False), ("qtdv.vphu", False)):
        assert policy.sees_whole_unit(ctx, world.user(name)) is whole, name
    # A head lets the official see the whole unit.
    ctx.add(ReaderGrant(unit_id=world.ids["vphu"], user_id=world.ids["chuyenvien.vphu"],
                        granted_by_id=world.ids["lanhdao.vphu"]))
    ctx.commit()
    assert policy.sees_whole_unit(ctx, world.user("chuyenvien.vphu"))
    assert visible("chuyenvien.vphu") == vphu_all
    # A grant names a unit: it is worth nothing once the official is in another one.
    ctx.add(ReaderGrant(unit_id=world.ids["vphu"], user_id=world.ids["chuyenvien.btchu"],
                        granted_by_id=world.ids["lanhdao.vphu"]))
    ctx.commit()
    assert not policy.sees_whole_unit(ctx, world.user("chuyenvien.btchu"))
    assert visible("chuyenvien.btchu") == set()
    # A user without a unit sees nothing.
    user = world.user("qtdv.btchu")
    user.unit_id = None
    ctx.commit()
    assert visible("qtdv.btchu") == set()


def test_reassignment_hides_the_document_from_the_old_official(app, world, incoming, ctx):
    doc_id = incoming.intake()
    incoming.assign(doc_id, lead="chuyenvien.vphu")
    assert _ids(policy.member_clause(ctx, world.user("chuyenvien.vphu"))) == {doc_id}
    incoming.assign(doc_id, lead=("unit", "btchu"))
    assert _ids(policy.member_clause(ctx, world.user("chuyenvien.vphu"))) == set()
    assert _ids(policy.member_clause(ctx, world.user("lanhdao.btchu"))) == {doc_id}


def test_todo_clause(app, world, incoming, ctx):
    d1 = incoming.intake(symbol="1-CV/TU", text="1")
    d2 = incoming.intake(symbol="2-CV/TU", text="2")
    d3 = incoming.intake(symbol="3-CV/TU", text="3")
    incoming.assign(d1, lead="chuyenvien.vphu", inform=["vanthu.vphu"])
    incoming.assign(d2, lead=("unit", "btchu"), cooperate=["chuyenvien.vphu"])
    incoming.intake(symbol="4-CV/TU", text="4")  # registered, nobody's work yet

    def todo(name):
        return _ids(policy.todo_clause(world.user(name)))

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
