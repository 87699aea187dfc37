"""The API login without a "provider" answered 500 (FAB reads it unchecked; found by the
API fuzzing): it signs in against the database like the documented payload."""

from tests.conftest import PASSWORD


def test_api_login_without_provider(client, world):
    resp = client.post("/api/v1/security/login",
                       json={"username": "vanthu.vphu", "password": PASSWORD})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["access_token"]
    resp = client.post("/api/v1/security/login",
                       json={"username": "vanthu.vphu", "password": "sai mật khẩu"})
    assert resp.status_code == 401
    resp = client.post("/api/v1/security/login",
                       json={"username": "x", "password": "y", "provider": "oauth"})
    assert resp.status_code == 400
    resp = client.post("/api/v1/security/login", json=["không", "phải", "đối tượng"])
    assert resp.status_code < 500
