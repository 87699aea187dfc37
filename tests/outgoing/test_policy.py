"""The rule of app/outgoing/policy.py asked directly: a user, the settings and a document,
no request. Each rule has a case that fails if the rule is dropped."""

import pytest
from sqlalchemy import select

from app.core.scope import ScopeSettings
from app.extensions import db
from app.outgoing import policy
from app.outgoing.models import OutgoingDocument
from app.search.models import SearchDocument


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
def drafts(outgoing):
    """One draft of each unit, by its official."""
    return {"vphu": outgoing.draft(),
            "btchu": outgoing.draft(author="chuyenvien.btchu", recipients=("vphu",),
                                    signer="lanhdao.btchu")}


def seen(session, world, settings, name, drafts):
    user = world.user(name) if name else None
    clause = policy.visible_clause(user, settings)
    query = select(OutgoingDocument.id)
    if clause is not None:
        query = query.where(clause)
    ids = set(session.execute(query).scalars())
    return {key for key, doc_id in drafts.items() if doc_id in ids}


def test_every_member_of_the_drafting_unit_sees_its_documents(session, world, settings,
                                                              drafts):
    for name in ("chuyenvien.vphu", "vanthu.vphu", "lanhdao.vphu", "qtdv.vphu"):
        assert seen(session, world, settings, name, drafts) == {"vphu"}, name
    assert seen(session, world, settings, "lanhdao.btchu", drafts) == {"btchu"}


def test_the_office_roles_see_every_unit_by_the_settings(session, world, settings, drafts):
    assert policy.visible_clause(world.user("vanphong"), settings) is None
    assert seen(session, world, settings, "admin", drafts) == {"vphu", "btchu"}
    assert seen(session, world, ScopeSettings(), "vanphong", drafts) == {"vphu"}


def test_no_user_or_no_unit_sees_nothing(session, world, settings, drafts):
    assert seen(session, world, settings, None, drafts) == set()
    user = world.user("chuyenvien.btchu")
    user.unit_id = None
    session.commit()
    assert seen(session, world, settings, "chuyenvien.btchu", drafts) == set()


def test_the_rule_applies_to_the_search_index_column(session, world, settings):
    clause = policy.visible_clause(world.user("vanthu.vphu"), settings,
                                   unit_column=SearchDocument.unit_id)
    assert str(clause.compile()).startswith("search_document.unit_id =")


def can(session, world, settings, name, action, doc_id):
    return policy.can(world.user(name), action, session.get(OutgoingDocument, doc_id),
                      settings)


def test_acting_needs_the_role_and_the_drafting_unit(session, world, settings, drafts):
    vphu = drafts["vphu"]
    assert can(session, world, settings, "chuyenvien.vphu", "draft", vphu)
    assert not can(session, world, settings, "chuyenvien.btchu", "draft", vphu)
    assert can(session, world, settings, "lanhdao.vphu", "sign", vphu)
    assert not can(session, world, settings, "chuyenvien.vphu", "sign", vphu)
    assert not can(session, world, settings, "lanhdao.btchu", "sign", vphu)
    assert can(session, world, settings, "vanthu.vphu", "issue", vphu)
    assert not can(session, world, settings, "lanhdao.vphu", "issue", vphu)
    assert not can(session, world, settings, "vanthu.btchu", "issue", vphu)


def test_the_office_reads_and_downloads_but_does_not_act(session, world, settings, drafts):
    btchu = drafts["btchu"]
    assert can(session, world, settings, "vanphong", "download", btchu)
    for action in ("draft", "sign", "issue"):
        assert not can(session, world, settings, "vanphong", action, btchu), action
    assert not can(session, world, settings, "qtdv.vphu", "download", drafts["vphu"])
