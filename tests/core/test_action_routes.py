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
        ("post", "/roles/action/copyrole/1", {}),  # an action for many rows, on one
        ("post", "/roles/action_post", {"action": "copyrole", "rowid": "999999"}),
        ("post", "/users/action_post", {"action": "lock", "rowid": ""}),
        ("get", "/roles/download/export.csv", None),
        ("get", "/users/download/export.csv", None),
        ("get", "/groups/download/export.csv", None),
    ]
    for method, path, data in requests:
        kwargs = {"data": data} if data is not None else {}
        resp = call(client, method, path, failures, **kwargs)
        failures.expect(resp, 404, f"{username} {method.upper()} {path}")
    failures.assert_none()


def test_a_known_action_still_works(clients, world):
    from app.security.models import AppUser
    from tests.conftest import rows

    resp = clients("admin").post("/users/action_post", data={
        "action": "lock", "rowid": str(world.ids["chuyenvien.vphu"])})
    assert resp.status_code == 302
    [user] = rows(clients("admin").application, AppUser, id=world.ids["chuyenvien.vphu"])
    assert user["locked_at"] is not None or not user["active"]
