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


def test_a_token_is_verified_once_and_refused_once_expired_or_altered(app, world, monkeypatch):
    """A worker checks a token's signature the first time it sees it and keeps its
    claims and header (app/security/tokens.py): the next calls with it check only its
    expiry. An
    expired token is refused although it was kept; an altered one is refused every time."""
    import time
    from datetime import timedelta

    from flask_jwt_extended import create_access_token
    from jwt.api_jws import PyJWS

    checked = []
    verify = PyJWS._verify_signature

    def _counted(self, *args, **kwargs):
        checked.append(1)
        return verify(self, *args, **kwargs)

    monkeypatch.setattr(PyJWS, "_verify_signature", _counted)
    app.config["JWT_DECODE_LEEWAY"] = 0
    with app.app_context():
        short = create_access_token(identity=str(world.ids["vanthu.vphu"]), fresh=True,
                                    expires_delta=timedelta(seconds=2))
        lasting = create_access_token(identity=str(world.ids["vanthu.vphu"]), fresh=True)
    client = app.test_client()

    def call(token):
        return client.get("/api/v1/incoming/", headers={"Authorization": f"Bearer {token}"})

    for _ in range(3):
        assert call(lasting).status_code == 200
    assert len(checked) == 1
    # nor is its text parsed again (the header, read unverified to find the key, is kept)
    parsed = []
    load = PyJWS._load

    def _parsed(self, *args, **kwargs):
        parsed.append(1)
        return load(self, *args, **kwargs)

    monkeypatch.setattr(PyJWS, "_load", _parsed)
    for _ in range(2):
        assert call(lasting).status_code == 200
    assert parsed == []
    head, payload, signature = lasting.split(".")
    altered = f"{head}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    for _ in range(2):
        assert call(altered).status_code == 401
    assert call(short).status_code == 200
    time.sleep(2.2)
    assert call(short).status_code == 401
    assert call(lasting).status_code == 200
