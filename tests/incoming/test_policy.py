"""The rule of app/incoming/policy.py asked directly: a user, the settings and a document,
no request. Each rule has a case that fails if the rule is dropped."""

import pytest
from sqlalchemy import select

from app.core.scope import ScopeSettings
from app.extensions import db
from app.incoming import policy, services
from app.incoming.models import IncomingDocument, ReaderGrant, Rejection


@pytest.fixture
def settings(app):
    return ScopeSettings.from_config(app.config)


@pytest.fixture
def session(app):
    """The app's session in an app context only: the policy needs no request."""
    with app.app_context():
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


def seen(session, world, settings, name, docs):
    """The names of ``docs`` that ``name`` may read."""
    user = world.user(name) if name else None
    clause = policy.visible_clause(session, user, settings)
    query = select(IncomingDocument.id)
    if clause is not None:
        query = query.where(clause)
    ids = set(session.execute(query).scalars())
    return {key for key, doc_id in docs.items() if doc_id in ids}


def test_the_office_roles_see_every_unit_by_the_settings(session, world, settings, docs):
    assert policy.visible_clause(session, world.user("vanphong"), settings) is None
    assert policy.visible_clause(session, world.user("admin"), settings) is None
    assert seen(session, world, settings, "vanphong", docs) == set(docs)
    # Without the office roles in the settings, the office is a unit like any other.
    assert seen(session, world, ScopeSettings(), "vanphong", docs) != set(docs)


def test_no_user_sees_nothing(session, world, settings, docs):
    assert seen(session, world, settings, None, docs) == set()


def test_clerks_and_heads_see_their_whole_unit(session, world, settings, docs):
    for name in ("vanthu.vphu", "lanhdao.vphu"):
        assert seen(session, world, settings, name, docs) == {"led", "open", "inbox",
                                                              "to_vphu"}, name
        assert policy.sees_whole_unit(session, world.user(name)), name


def test_an_official_sees_only_what_is_assigned_to_them(session, world, settings, docs):
    assert not policy.sees_whole_unit(session, world.user("chuyenvien.vphu"))
    assert seen(session, world, settings, "chuyenvien.vphu", docs) == {"led"}
    assert seen(session, world, settings, "chuyenvien.btchu", docs) == set()


def test_what_is_assigned_to_a_unit_is_seen_by_its_clerk_and_head(session, world, settings,
                                                                  docs):
    """BTCHU's document led by VPHU: VPHU's clerk and head see it, BTCHU's own people see
    it as their unit's."""
    assert "to_vphu" in seen(session, world, settings, "vanthu.vphu", docs)
    assert "to_vphu" in seen(session, world, settings, "lanhdao.btchu", docs)
    assert "to_vphu" not in seen(session, world, settings, "chuyenvien.vphu", docs)


def test_a_reader_grant_opens_the_whole_unit_to_an_official(session, world, settings, docs):
    session.add(ReaderGrant(unit_id=world.ids["vphu"], user_id=world.ids["chuyenvien.vphu"],
                            granted_by_id=world.ids["lanhdao.vphu"]))
    session.commit()
    assert policy.sees_whole_unit(session, world.user("chuyenvien.vphu"))
    # The unit's own documents; what another unit assigned to the unit stays its head's.
    assert seen(session, world, settings, "chuyenvien.vphu", docs) == {"led", "open", "inbox"}


def test_a_replaced_assignment_shows_nothing(session, world, settings, docs, incoming):
    """A new direction deactivates the old one: its official no longer sees the document."""
    incoming.assign(docs["led"], lead=("unit", "btchu"))
    assert "led" not in seen(session, world, settings, "chuyenvien.vphu", docs)
    assert "led" in seen(session, world, settings, "lanhdao.btchu", docs)


def test_a_user_without_a_unit_sees_nothing(session, world, settings, docs):
    user = world.user("vanthu.btchu")
    user.unit_id = None
    session.commit()
    assert seen(session, world, settings, "vanthu.btchu", docs) == set()


def test_refusals_are_seen_by_the_refusing_and_the_sending_unit(session, world, settings,
                                                                docs):
    doc = session.get(IncomingDocument, docs["inbox"])  # from BTCHU into VPHU's inbox
    services.refuse(session, doc, world.user("vanthu.vphu"), "Thiếu trang")
    session.commit()

    def refusals(name):
        clause = policy.rejection_clause(world.user(name), settings)
        assert clause is not None
        return session.execute(select(Rejection.id).where(clause)).scalars().all()

    assert len(refusals("vanthu.vphu")) == 1
    assert len(refusals("vanthu.btchu")) == 1
    user = world.user("vanthu.btchu")
    user.unit_id = None
    session.commit()
    assert refusals("vanthu.btchu") == []
    assert policy.rejection_clause(world.user("vanphong"), settings) is None


def test_attention_is_the_unit_for_those_who_see_it_else_ones_own_work(session, world,
                                                                       settings, docs):
    def concerned(name):
        clause = policy.attention_clause(session, world.user(name), settings)
        if clause is None:
            return set(docs)
        ids = set(session.execute(select(IncomingDocument.id).where(clause)).scalars())
        return {key for key, doc_id in docs.items() if doc_id in ids}

    assert concerned("vanphong") == set(docs)
    assert concerned("lanhdao.vphu") == {"led", "open", "inbox", "to_vphu"}
    assert concerned("chuyenvien.vphu") == {"led"}
    assert concerned("chuyenvien.btchu") == set()


# -- what a user may do ------------------------------------------------------------------------

def can(session, world, settings, name, action, doc_id):
    return policy.can(world.user(name), action, session.get(IncomingDocument, doc_id),
                      settings)


def test_only_a_clerk_of_the_receiving_unit_takes_it_in(session, world, settings, docs):
    assert can(session, world, settings, "vanthu.vphu", "intake", docs["inbox"])
    assert not can(session, world, settings, "vanthu.btchu", "intake", docs["inbox"])
    assert not can(session, world, settings, "lanhdao.vphu", "intake", docs["inbox"])
    assert not can(session, world, settings, "vanphong", "intake", docs["inbox"])


def test_only_a_head_of_the_receiving_unit_directs_it(session, world, settings, docs):
    assert can(session, world, settings, "lanhdao.vphu", "assign", docs["open"])
    assert not can(session, world, settings, "lanhdao.btchu", "assign", docs["open"])
    assert not can(session, world, settings, "vanthu.vphu", "assign", docs["open"])
    assert not can(session, world, settings, "admin", "assign", docs["open"])


def test_only_the_lead_completes(session, world, settings, docs):
    assert can(session, world, settings, "chuyenvien.vphu", "complete", docs["led"])
    assert can(session, world, settings, "chuyenvien.vphu", "process", docs["led"])
    assert not can(session, world, settings, "vanthu.vphu", "complete", docs["led"])
    assert not can(session, world, settings, "chuyenvien.vphu", "complete", docs["open"])
    # A unit leads: its head completes, not the head of the receiving unit.
    assert can(session, world, settings, "lanhdao.vphu", "complete", docs["to_vphu"])
    assert not can(session, world, settings, "lanhdao.btchu", "complete", docs["to_vphu"])


def test_processing_and_downloads_follow_the_roles(session, world, settings, docs):
    assert not can(session, world, settings, "vanphong", "process", docs["led"])
    assert can(session, world, settings, "vanphong", "download", docs["led"])
    assert not can(session, world, settings, "qtdv.vphu", "download", docs["led"])


def test_the_permissions_at_hand_are_those_asked(session, world, settings, docs):
    """``held`` given by the caller (the request's set) decides instead of the roles."""
    user, doc = world.user("vanthu.vphu"), session.get(IncomingDocument, docs["inbox"])
    assert not policy.can(user, "intake", doc, settings, held=set())
    assert policy.can(user, "intake", doc, settings, held={("can_intake", "IncomingDocument")})
    assert policy.can(user, "intake", doc, settings) is True



def test_a_head_or_the_office_grants_the_whole_unit(session, world, settings):
    assert policy.can_grant_readers(world.user("lanhdao.vphu"), settings)
    assert policy.can_grant_readers(world.user("vanphong"), settings)
    assert not policy.can_grant_readers(world.user("vanphong"), ScopeSettings())
    assert not policy.can_grant_readers(world.user("vanthu.vphu"), settings)
