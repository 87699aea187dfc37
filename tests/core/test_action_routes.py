"""FAB's action routes and its security screens' download route answered 500 for an
unknown action, an action for many rows called on one, a row that is not there, and
a download (no upload folder): they answer 404 (found by the access matrix)."""

import pytest

from tests.checks import Failures, call


@pytest.mark.parametrize("username", [None, "admin", "vanthu.vphu"])
def test_unknown_actions_rows_and_downloads_answer_404(clients, world, username):
    client = clients(username)
    failures = Failures()
    vphu = world.ids["vphu"]
    requests = [
        ("post", f"/unitview/action/none/{vphu}", {}),
        ("post", "/unitview/action_post", {"action": "none", "rowid": str(vphu)}),
        ("post", f"/termview/action/none/{vphu}", {}),
        ("post", "/permissions/action_post", {"action": "none", "rowid": "1"}),
        ("get", "/roles/download/export.csv", None),
        ("get", "/users/download/export.csv", None),
        ("get", "/groups/download/export.csv", None),
    ]
    for method, path, data in requests:
        kwargs = {"data": data} if data is not None else {}
        resp = call(client, method, path, failures, **kwargs)
        failures.expect(resp, 404, f"{username} {method.upper()} {path}")
    failures.assert_none()


def test_a_known_action_on_rows_that_are_not_there_answers_404(clients):
    failures = Failures()
    for path, data in (("/roles/action/copyrole/1", {}),  # an action for many rows, on one
                       ("/roles/action_post", {"action": "copyrole", "rowid": "999999"}),
                       ("/users/action_post", {"action": "lock", "rowid": ""})):
        failures.expect(call(clients("admin"), "post", path, failures, data=data), 404, path)
    failures.assert_none()


def test_a_known_action_still_works(clients, world):
    from app.security.models import AppUser
    from tests.conftest import rows

    resp = clients("admin").post("/users/action_post", data={
        "action": "lock", "rowid": str(world.ids["chuyenvien.vphu"])})
    assert resp.status_code == 302
    [user] = rows(clients("admin").application, AppUser, id=world.ids["chuyenvien.vphu"])
    assert user["locked_at"] is not None or not user["active"]


def test_an_action_without_its_permission_is_refused_and_changes_nothing(clients, world):
    """An official may not lock an account, not even their own (FAB flashed and
    redirected); a clerk does not even find an account they may not manage."""
    from app.security.models import AppUser
    from tests.conftest import rows

    target = world.ids["chuyenvien.vphu"]
    official = clients("chuyenvien.vphu")  # signed in before the row is read
    before = rows(clients(None).application, AppUser, id=target)
    form = {"action": "lock", "rowid": str(target)}
    assert official.post("/unitaccounts/action_post", data=form).status_code == 403
    assert official.post(f"/unitaccounts/action/lock/{target}").status_code == 403
    assert clients("vanthu.vphu").post("/unitaccounts/action_post", data=form).status_code == 404
    assert clients("vanthu.vphu").post(f"/unitaccounts/action/lock/{target}").status_code == 404
    assert clients("admin").post("/termview/action_post", data={
        "action": "none", "rowid": "1"}).status_code == 404
    assert rows(clients(None).application, AppUser, id=target) == before
