"""The rule of app/outgoing/policy.py asked directly: a user, the settings and a document,
no request. Each rule has a case that fails if the rule is dropped."""

import pytest

from app.core.scope import ScopeSettings
from app.outgoing import policy
from app.outgoing.models import OutgoingDocument
from app.search.models import SearchDocument
from tests.conftest import keys_kept


@pytest.fixture
def drafts(outgoing):
    """One draft of each unit, by its official."""
    return {"vphu": outgoing.draft(),
            "btchu": outgoing.draft(author="chuyenvien.btchu", recipients=("vphu",),
                                    signer="lanhdao.btchu")}


def seen(app_session, world, scope_settings, name, drafts):
    clause = policy.visible_clause(world.user(name) if name else None, scope_settings)
    return keys_kept(app_session, OutgoingDocument.id, clause, drafts)


def test_every_member_of_the_drafting_unit_sees_its_documents(app_session, world, scope_settings,
                                                              drafts):
    for name in ("chuyenvien.vphu", "vanthu.vphu", "lanhdao.vphu", "qtdv.vphu"):
        assert seen(app_session, world, scope_settings, name, drafts) == {"vphu"}, name
    assert seen(app_session, world, scope_settings, "lanhdao.btchu", drafts) == {"btchu"}


def test_the_office_roles_see_every_unit_by_the_settings(app_session, world, scope_settings,
                                                         drafts):
    assert policy.visible_clause(world.user("vanphong"), scope_settings) is None
    assert seen(app_session, world, scope_settings, "admin", drafts) == {"vphu", "btchu"}
    assert seen(app_session, world, ScopeSettings(), "vanphong", drafts) == {"vphu"}


def test_no_user_or_no_unit_sees_nothing(app_session, world, scope_settings, drafts):
    assert seen(app_session, world, scope_settings, None, drafts) == set()
    user = world.user("chuyenvien.btchu")
    user.unit_id = None
    app_session.commit()
    assert seen(app_session, world, scope_settings, "chuyenvien.btchu", drafts) == set()


def test_the_rule_applies_to_the_search_index_column(app_session, world, scope_settings):
    clause = policy.visible_clause(world.user("vanthu.vphu"), scope_settings,
                                   unit_column=SearchDocument.unit_id)
    assert str(clause.compile()).startswith("search_document.unit_id =")


def can(app_session, world, scope_settings, name, action, doc_id):
    return policy.can(world.user(name), action, app_session.get(OutgoingDocument, doc_id),
                      scope_settings)


def test_acting_needs_the_role_and_the_drafting_unit(app_session, world, scope_settings, drafts):
    vphu = drafts["vphu"]
    assert can(app_session, world, scope_settings, "chuyenvien.vphu", "draft", vphu)
    assert not can(app_session, world, scope_settings, "chuyenvien.btchu", "draft", vphu)
    assert can(app_session, world, scope_settings, "lanhdao.vphu", "sign", vphu)
    assert not can(app_session, world, scope_settings, "chuyenvien.vphu", "sign", vphu)
    assert not can(app_session, world, scope_settings, "lanhdao.btchu", "sign", vphu)
    assert can(app_session, world, scope_settings, "vanthu.vphu", "issue", vphu)
    assert not can(app_session, world, scope_settings, "lanhdao.vphu", "issue", vphu)
    assert not can(app_session, world, scope_settings, "vanthu.btchu", "issue", vphu)


def test_the_office_reads_and_downloads_but_does_not_act(app_session, world, scope_settings,
                                                         drafts):
    btchu = drafts["btchu"]
    assert can(app_session, world, scope_settings, "vanphong", "download", btchu)
    for action in ("draft", "sign", "issue"):
        assert not can(app_session, world, scope_settings, "vanphong", action, btchu), action
    assert not can(app_session, world, scope_settings, "qtdv.vphu", "download", drafts["vphu"])
