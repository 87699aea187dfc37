"""The rule of app/incidents/policy.py asked directly: a user and the settings, no request.
Each rule has a case that fails if the rule is dropped."""

import pytest
from sqlalchemy import select

from app.core.scope import ScopeSettings
from app.incidents import policy
from app.incidents.models import Incident
from app.incidents.services import open_incident
from tests.conftest import keys_kept


@pytest.fixture
def reports(app, world, app_session):
    """One report by each unit's clerk."""
    ids = {}
    for name in ("vanthu.vphu", "vanthu.btchu"):
        report = open_incident(app_session, world.user(name), "software_error",
                               f"Lỗi của {name}", "Không mở được danh sách")
        app_session.commit()
        ids[name] = report.id
    return ids


def seen(app_session, world, scope_settings, name, reports):
    clause = policy.visible_clause(world.user(name) if name else None, scope_settings)
    return keys_kept(app_session, Incident.id, clause, reports)


def test_the_office_sees_every_report_by_the_settings(app_session, world, scope_settings,
                                                      reports):
    assert policy.visible_clause(world.user("vanphong"), scope_settings) is None
    # Without the office roles in the settings, the office handles its unit's like an IT
    # officer.
    assert seen(app_session, world, ScopeSettings(), "vanphong", reports) == {"vanthu.vphu"}


def test_the_unit_it_officer_sees_the_unit_s_reports(app_session, world, scope_settings,
                                                     reports):
    assert seen(app_session, world, scope_settings, "qtdv.vphu", reports) == {"vanthu.vphu"}
    assert seen(app_session, world, scope_settings, "qtdv.btchu", reports) == {"vanthu.btchu"}


def test_anyone_else_sees_their_own_reports(app_session, world, scope_settings, reports):
    assert seen(app_session, world, scope_settings, "vanthu.vphu", reports) == {"vanthu.vphu"}
    assert seen(app_session, world, scope_settings, "lanhdao.vphu", reports) == set()
    assert seen(app_session, world, scope_settings, None, reports) == set()


def test_the_permissions_at_hand_decide(app_session, world, scope_settings, reports):
    """``held`` given by the caller (the request's set) decides instead of the roles."""
    officer = world.user("qtdv.vphu")
    clause = policy.visible_clause(officer, scope_settings, held=set())
    ids = set(app_session.execute(select(Incident.id).where(clause)).scalars())
    assert ids == set()
