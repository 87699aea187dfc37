"""Units: valid identifier codes, no cycles, unique abbreviations — on the form and the API,
with a Vietnamese message and nothing half-saved."""

import pytest

from app.extensions import db
from app.units.models import Unit
from tests.conftest import api_token, client_for


def _form(**kw):
    data = {"name": "Ban Nội chính", "abbreviation": "BNCHU", "code": "000.00.20.H31",
            "kind": "advisory", "active": "y"}
    data.update(kw)
    return data


def _count(app, **where):
    with app.app_context():
        return db.session.query(Unit).filter_by(**where).count()


def test_admin_creates_unit(app, world):
    c = client_for(app, "admin")
    resp = c.post("/unitview/add", data=_form(parent=world.ids["host"]))
    assert resp.status_code == 302
    assert _count(app, abbreviation="BNCHU") == 1


@pytest.mark.parametrize("field,value,message", [
    ("code", "000.00.a-b.H31", "Mã định danh"),
    ("code", "000..00", "Mã định danh"),
    ("code", "0" * 36, "Mã định danh"),
    ("abbreviation", "VPHU", "Đã tồn tại"),
    ("abbreviation", "Ban nội chính", "Ký hiệu"),
    ("name", "  ", "Tên đơn vị"),
])
def test_bad_unit_input_on_form(app, world, field, value, message):
    c = client_for(app, "admin")
    resp = c.post("/unitview/add", data=_form(**{field: value}))
    assert resp.status_code == 200
    assert message in resp.get_data(as_text=True)
    assert _count(app, name="Ban Nội chính") == 0


def test_cycle_in_tree_refused_and_nothing_saved(app, world):
    c = client_for(app, "admin")
    # Put the host under one of its own children.
    resp = c.post(f"/unitview/edit/{world.ids['host']}", data=_form(
        name="Huyện ủy", abbreviation="HU", code="000.00.00.H31", kind="host",
        parent=world.ids["vphu"]))
    assert "trực thuộc chính nó" in resp.get_data(as_text=True)
    with app.app_context():
        host = db.session.get(Unit, world.ids["host"])
        assert host.parent_id is None


def test_api_bad_input_is_422_in_vietnamese(app, world):
    c = app.test_client()
    headers = api_token(c, "admin")
    resp = c.post("/api/v1/unit/", headers=headers, json={
        "name": "X", "abbreviation": "X", "code": "000..1", "kind": "advisory"})
    assert resp.status_code == 422 and "Mã định danh" in resp.json["message"]
    resp = c.post("/api/v1/unit/", headers=headers, json={"abbreviation": "Y"})
    assert resp.status_code == 422
    assert "bắt buộc" in str(resp.json["message"]) or "Thiếu" in str(resp.json["message"])
    resp = c.post("/api/v1/unit/", headers=headers, json={
        "name": "X", "abbreviation": "XY", "kind": "advisory", "parent_id": 999999})
    assert resp.status_code == 422
    assert _count(app, id=999999) == 0
    resp = c.put(f"/api/v1/unit/{world.ids['host']}", headers=headers,
                 json={"parent_id": world.ids["btchu"]})
    assert resp.status_code == 422
    resp = c.post("/api/v1/unit/", headers=headers, json={
        "name": "Ban Nội chính", "abbreviation": "BNCHU", "kind": "advisory",
        "parent_id": world.ids["host"], "code": "000.00.20.H31"})
    assert resp.status_code == 201
    assert c.get(f"/api/v1/unit/{resp.json['id']}", headers=headers).json["result"][
        "abbreviation"] == "BNCHU"


def test_api_write_needs_write_permission(app, world):
    c = app.test_client()
    headers = api_token(c, "vanthu.vphu")
    assert c.get("/api/v1/unit/", headers=headers).status_code == 200
    resp = c.post("/api/v1/unit/", headers=headers, json={"name": "X", "abbreviation": "X",
                                                          "kind": "advisory"})
    assert resp.status_code == 403


def test_over_long_fields_refused_on_form(app, world):
    c = client_for(app, "admin")
    resp = c.post("/unitview/add", data=_form(phone="0" * 40))
    assert resp.status_code == 200 and "Tối đa 32 ký tự" in resp.get_data(as_text=True)
    assert _count(app, abbreviation="BNCHU") == 0
