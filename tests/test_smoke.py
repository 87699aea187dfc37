from tests.conftest import client_for


def test_login_and_landing(app, world):
    c = client_for(app, "vanthu.vphu")
    resp = c.get("/")
    assert resp.status_code == 200
    assert "vanthu" in resp.get_data(as_text=True).lower() or resp.status_code == 200
