"""The REST API of incoming documents (JWT, FAB routes): the screens' scope on list and
get, and the clerk's and head's steps (intake, register, refuse, assign) with their
status codes; the OpenAPI spec documents the custom routes."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.incoming.models import (
    Assignment,
    ExchangeStatus,
    IncomingDocument,
    IncomingFile,
    Rejection,
)
from tests import pdfs
from tests.conftest import stored_files

BASE = "/api/v1/incoming"


def _form(incoming, pdf=None, **overrides):
    today = incoming.today()
    data = {"channel": "paper", "arrival_date": today.isoformat(), "arrival_time": "08:30",
            "author_name": "Tỉnh ủy Hưng Yên", "symbol": "123-CV/TU",
            "document_date": (today - timedelta(days=2)).isoformat(),
            "document_type_id": str(incoming.type_id),
            "summary": "Về việc tổ chức hội nghị sơ kết", "urgency": "0",
            "secrecy": "Không mật", "trust_reason": "Bản thử nghiệm chưa ký số"}
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    data["file"] = (io.BytesIO(pdf if pdf is not None else pdfs.clean_pdf()), "công văn.pdf")
    return data


def _entry_json(incoming, **overrides):
    today = incoming.today()
    data = {"arrival_date": today.isoformat(), "arrival_time": "09:00",
            "symbol": "45-BC/BTCHU", "author_name": "Ban Tổ chức Huyện ủy",
            "document_date": (today - timedelta(days=2)).isoformat(),
            "document_type_id": incoming.type_id, "summary": "Báo cáo công tác tổ chức",
            "urgency": 0, "secrecy": "Không mật",
            "trust_reason": "Bản thử nghiệm chưa ký số"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _intake(client, headers, data):
    return client.post(f"{BASE}/intake", headers=headers, data=data,
                       content_type="multipart/form-data")


def _count(app, model):
    with app.app_context():
        n = len(db.session.execute(select(model.id)).all())
        db.session.remove()
    return n


# -- reading, with the scope -------------------------------------------------------------------

def test_list_and_get_follow_the_scope(app, world, incoming, api):
    mine = incoming.intake(symbol="1-CV/TU", text="VPHU")
    theirs = incoming.intake("vanthu.btchu", symbol="2-CV/TU", text="BTCHU")

    client, headers = api("vanthu.vphu")
    resp = client.get(f"{BASE}/", headers=headers)
    assert resp.status_code == 200
    assert {"result", "ids", "count"} <= set(resp.json)
    assert resp.json["ids"] == [mine] and resp.json["count"] == 1
    row = resp.json["result"][0]
    assert row["arrival_number"] == 1 and row["symbol"] == "1-CV/TU"
    assert row["unit_id"] == world.ids["vphu"] and row["state"] == "registered"
    resp = client.get(f"{BASE}/{mine}", headers=headers)
    assert resp.status_code == 200
    assert resp.json["id"] == mine
    result = resp.json["result"]
    assert result["symbol_number"] == 1 and result["symbol_type"] == "CV"
    assert result["secrecy"] == "Không mật"
    assert client.get(f"{BASE}/{theirs}", headers=headers).status_code == 404
    assert client.get(f"{BASE}/999999", headers=headers).status_code == 404

    # The office sees every unit's documents.
    client, headers = api("vanphong")
    resp = client.get(f"{BASE}/", headers=headers)
    assert resp.status_code == 200 and set(resp.json["ids"]) == {mine, theirs}
    assert client.get(f"{BASE}/{theirs}", headers=headers).status_code == 200

    # An official sees only what is assigned to them.
    client, headers = api("chuyenvien.vphu")
    assert client.get(f"{BASE}/", headers=headers).json["ids"] == []
    assert client.get(f"{BASE}/{mine}", headers=headers).status_code == 404
    incoming.assign(mine, lead="chuyenvien.vphu")
    assert client.get(f"{BASE}/", headers=headers).json["ids"] == [mine]
    assert client.get(f"{BASE}/{mine}", headers=headers).status_code == 200

    # The unit's IT officer has no incoming permission at all.
    client, headers = api("qtdv.vphu")
    assert client.get(f"{BASE}/", headers=headers).status_code in (401, 403)
    assert client.get(f"{BASE}/{mine}", headers=headers).status_code in (401, 403)


def test_anonymous_is_401(app, world, incoming, api):
    doc_id = incoming.intake()
    client, _ = api(None)
    assert client.get(f"{BASE}/").status_code == 401
    assert client.get(f"{BASE}/{doc_id}").status_code == 401
    assert _intake(client, {}, _form(incoming)).status_code == 401
    for action in ("register", "refuse", "assign"):
        assert client.post(f"{BASE}/{doc_id}/{action}", json={}).status_code == 401
    assert client.get(f"{BASE}/", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert _count(app, IncomingDocument) == 1


# -- intake ------------------------------------------------------------------------------------

def test_intake_registers_and_returns_the_number(app, world, incoming, api):
    client, headers = api("vanthu.vphu")
    data = _form(incoming, urgency="2", symbol="19-QC/HU")
    data["attachments"] = [(io.BytesIO(pdfs.png_bytes()), "ảnh.png"),
                           (io.BytesIO(pdfs.clean_pdf("Phụ lục")), "phụ lục.pdf")]
    resp = _intake(client, headers, data)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    body = resp.json
    assert {"id", "number", "arrival_number", "arrival_year", "state"} <= set(body)
    year = incoming.today().year
    assert body["arrival_number"] == 1 and body["number"] == f"1/{year}"
    assert body["state"] == "registered"
    doc = incoming.get(body["id"])
    assert doc["unit_id"] == world.ids["vphu"] and doc["channel"] == "paper"
    assert doc["arrival_time"].strftime("%H:%M") == "08:30" and doc["urgency"] == 2
    assert (doc["symbol_number"], doc["symbol_type"], doc["symbol_agency"]) == (19, "QC", "HU")
    with app.app_context():
        roles = db.session.execute(select(IncomingFile.role, IncomingFile.mime).where(
            IncomingFile.document_id == body["id"]).order_by(IncomingFile.id)).all()
        db.session.remove()
    assert roles == [("main", "application/pdf"), ("attachment", "image/png"),
                     ("attachment", "application/pdf")]
    # The next one gets the next number.
    resp = _intake(client, headers, _form(incoming, pdfs.clean_pdf("Văn bản thứ hai"),
                                          symbol="20-QC/HU", channel="external"))
    assert resp.status_code == 201 and resp.json["arrival_number"] == 2
    assert incoming.get(resp.json["id"])["channel"] == "external"


@pytest.mark.parametrize("secrecy", [None, "", "Mật", "Tối mật", "Tuyệt mật", "khong mat"])
def test_intake_needs_the_not_secret_confirmation(app, world, incoming, api, secrecy):
    client, headers = api("vanthu.vphu")
    resp = _intake(client, headers, _form(incoming, secrecy=secrecy))
    assert resp.status_code == 400
    assert "message" in resp.json
    assert _count(app, IncomingDocument) == 0
    # Nothing was numbered: the next good one is number 1.
    resp = _intake(client, headers, _form(incoming))
    assert resp.status_code == 201 and resp.json["arrival_number"] == 1


@pytest.mark.parametrize("overrides,status", [
    ({"arrival_date": None}, 400),
    ({"arrival_date": "31/12/2024"}, 400),
    ({"document_type_id": "x"}, 400),
    ({"summary": ""}, 400),
    ({"urgency": "9"}, 400),
    ({"channel": "fax"}, 400),
    ({"author_name": ""}, 422),
    ({"urgency": "3", "arrival_time": None}, 422),
    ({"document_type_id": "999999"}, 422),
])
def test_intake_refuses_bad_fields(app, world, incoming, api, overrides, status):
    client, headers = api("vanthu.vphu")
    resp = _intake(client, headers, _form(incoming, **overrides))
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert "message" in resp.json
    assert _count(app, IncomingDocument) == 0


def test_intake_without_a_file_is_refused(app, world, incoming, api):
    client, headers = api("vanthu.vphu")
    data = _form(incoming)
    del data["file"]
    resp = _intake(client, headers, data)
    assert resp.status_code in (400, 422)
    assert _count(app, IncomingDocument) == 0


@pytest.mark.parametrize("maker", [pdfs.pdf_with_javascript, pdfs.pdf_with_openaction_js,
                                   pdfs.pdf_with_launch])
def test_intake_of_a_dangerous_pdf_is_422_and_stores_nothing(app, world, incoming, api, maker):
    from app.core.audit import AuditEvent

    client, headers = api("vanthu.vphu")
    resp = _intake(client, headers, _form(incoming, maker()))
    assert resp.status_code == 422
    assert "message" in resp.json
    assert _count(app, IncomingDocument) == 0
    assert _count(app, IncomingFile) == 0
    assert stored_files(app) == set()
    with app.app_context():
        refused = db.session.execute(select(AuditEvent.action).where(
            AuditEvent.action == "file_refused")).scalars().all()
        db.session.remove()
    assert refused == ["file_refused"]
    # The counter was not touched.
    resp = _intake(client, headers, _form(incoming))
    assert resp.status_code == 201 and resp.json["arrival_number"] == 1


def test_intake_duplicate_needs_allow_duplicate(app, world, incoming, api):
    client, headers = api("vanthu.vphu")
    assert _intake(client, headers, _form(incoming)).status_code == 201
    resp = _intake(client, headers, _form(incoming, pdfs.clean_pdf("Bản khác")))
    assert resp.status_code == 422
    assert _count(app, IncomingDocument) == 1
    resp = _intake(client, headers, _form(incoming, pdfs.clean_pdf("Bản khác"),
                                          allow_duplicate="true"))
    assert resp.status_code == 201
    assert resp.json["arrival_number"] == 2 and resp.json["duplicate_note"]


def test_intake_needs_the_clerk_permission(app, world, incoming, api):
    for name in ("chuyenvien.vphu", "qtdv.vphu"):
        client, headers = api(name)
        assert _intake(client, headers, _form(incoming)).status_code in (401, 403)
    assert _count(app, IncomingDocument) == 0


# -- register and refuse ------------------------------------------------------------------------

def test_register_a_delivered_document(app, world, incoming, api):
    doc_id = incoming.deliver()
    client, headers = api("vanthu.vphu")
    resp = client.post(f"{BASE}/{doc_id}/register", headers=headers,
                       json=_entry_json(incoming, sender_unit_id=world.ids["btchu"]))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["id"] == doc_id and resp.json["state"] == "registered"
    assert resp.json["arrival_number"] == 1
    doc = incoming.get(doc_id)
    assert doc["state"] == "registered" and doc["registered_by_id"] == world.ids["vanthu.vphu"]
    assert doc["exchange_status"] == "03"
    # Only once: a second time is a conflict with the document's new state.
    resp = client.post(f"{BASE}/{doc_id}/register", headers=headers,
                       json=_entry_json(incoming, sender_unit_id=world.ids["btchu"]))
    assert resp.status_code == 409
    assert incoming.get(doc_id)["arrival_number"] == 1


def test_register_with_the_documented_fields_keeps_the_internal_sender(app, world, incoming,
                                                                        api):
    """The fields the API documents for register (as for intake) carry no sender unit; a
    document delivered by a unit of the system must still tell that unit it was registered
    (status 03, docs/domain.md §4) and stay linked to it."""
    doc_id = incoming.deliver()
    client, headers = api("vanthu.vphu")
    resp = client.post(f"{BASE}/{doc_id}/register", headers=headers,
                       json=_entry_json(incoming))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    doc = incoming.get(doc_id)
    assert doc["sender_unit_id"] == world.ids["btchu"]
    with app.app_context():
        codes = db.session.execute(select(ExchangeStatus.code).where(
            ExchangeStatus.document_id == doc_id).order_by(ExchangeStatus.id)).scalars().all()
        db.session.remove()
    assert codes == ["01", "03"]


def test_register_refusals(app, world, incoming, api):
    doc_id = incoming.deliver()
    # Another unit's document is not found.
    client, headers = api("vanthu.btchu")
    resp = client.post(f"{BASE}/{doc_id}/register", headers=headers, json=_entry_json(incoming))
    assert resp.status_code == 404
    # An official may not register.
    client, headers = api("chuyenvien.vphu")
    resp = client.post(f"{BASE}/{doc_id}/register", headers=headers, json=_entry_json(incoming))
    assert resp.status_code in (401, 403, 404)
    client, headers = api("vanthu.vphu")
    resp = client.post(f"{BASE}/{doc_id}/register", headers=headers,
                       json=_entry_json(incoming, secrecy=None))
    assert resp.status_code == 400
    resp = client.post(f"{BASE}/{doc_id}/register", headers=headers,
                       json=_entry_json(incoming, summary="   "))
    assert resp.status_code == 422
    resp = client.post(f"{BASE}/{doc_id}/register", headers=headers,
                       data="arrival_date=2025-01-01", content_type="text/plain")
    assert resp.status_code in (400, 422)
    assert client.post(f"{BASE}/999999/register", headers=headers,
                       json=_entry_json(incoming)).status_code == 404
    doc = incoming.get(doc_id)
    assert doc["state"] == "pending" and doc["arrival_number"] is None


def test_refuse(app, world, incoming, api):
    doc_id = incoming.deliver()
    client, headers = api("vanthu.btchu")
    assert client.post(f"{BASE}/{doc_id}/refuse", headers=headers,
                       json={"reason": "Không nhận"}).status_code == 404
    client, headers = api("vanthu.vphu")
    for body in ({"reason": ""}, {"reason": "   "}, {}):
        resp = client.post(f"{BASE}/{doc_id}/refuse", headers=headers, json=body)
        assert resp.status_code in (400, 422), body
    assert incoming.get(doc_id)["state"] == "pending"
    resp = client.post(f"{BASE}/{doc_id}/refuse", headers=headers,
                       json={"reason": "Thiếu chữ ký số"})
    assert resp.status_code == 200
    assert resp.json["state"] == "refused" and resp.json["arrival_number"] is None
    assert incoming.get(doc_id)["state"] == "refused"
    with app.app_context():
        rejection = db.session.execute(select(Rejection)).scalar_one()
        assert rejection.document_id == doc_id and rejection.reason == "Thiếu chữ ký số"
        db.session.remove()
    # Not twice.
    resp = client.post(f"{BASE}/{doc_id}/refuse", headers=headers, json={"reason": "Lại"})
    assert resp.status_code == 409


# -- assign -------------------------------------------------------------------------------------

def _parties(world, incoming, *roles):
    deadline = (incoming.today() + timedelta(days=5)).isoformat()
    who = ["chuyenvien.vphu", "vanthu.vphu", "lanhdao.btchu"]
    return [{"role": role, "user_id": world.ids[name],
             "deadline": None if role == "inform" else deadline}
            for role, name in zip(roles, who, strict=False)]


def test_assign_by_the_head(app, world, incoming, api):
    doc_id = incoming.intake()
    client, headers = api("lanhdao.vphu")
    deadline = (incoming.today() + timedelta(days=5)).isoformat()
    resp = client.post(f"{BASE}/{doc_id}/assign", headers=headers, json={
        "direction": "Đề nghị xử lý", "parties": [
            {"role": "lead", "user_id": world.ids["chuyenvien.vphu"], "deadline": deadline},
            {"role": "cooperate", "unit_id": world.ids["btchu"], "deadline": deadline},
            {"role": "inform", "user_id": world.ids["vanthu.vphu"]}]})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["state"] == "assigned"
    doc = incoming.get(doc_id)
    assert doc["state"] == "assigned" and doc["deadline"].isoformat() == deadline
    assert doc["direction"] == "Đề nghị xử lý"
    with app.app_context():
        rows = db.session.execute(select(Assignment.role, Assignment.user_id,
                                         Assignment.unit_id, Assignment.active)
                                  .order_by(Assignment.id)).all()
        db.session.remove()
    assert rows == [("lead", world.ids["chuyenvien.vphu"], None, True),
                    ("cooperate", None, world.ids["btchu"], True),
                    ("inform", world.ids["vanthu.vphu"], None, True)]


def test_assign_refusals(app, world, incoming, api):
    doc_id = incoming.intake()
    body = {"direction": "", "parties": _parties(world, incoming, "lead")}
    # Not a head: the clerk, the official.
    for name in ("vanthu.vphu", "chuyenvien.vphu"):
        client, headers = api(name)
        assert client.post(f"{BASE}/{doc_id}/assign", headers=headers,
                           json=body).status_code == 403
    # Another unit's head does not even see it.
    client, headers = api("lanhdao.btchu")
    assert client.post(f"{BASE}/{doc_id}/assign", headers=headers,
                       json=body).status_code == 404
    client, headers = api("lanhdao.vphu")
    cases = [
        ({"parties": _parties(world, incoming, "lead", "lead")}, 422),
        ({"parties": _parties(world, incoming, "cooperate")}, 422),
        ({"parties": [{"role": "lead", "user_id": world.ids["chuyenvien.vphu"],
                       "deadline": (incoming.today() - timedelta(days=1)).isoformat()}]}, 422),
        ({"parties": [{"role": "lead", "user_id": world.ids["chuyenvien.vphu"]}]}, 422),
        ({"parties": [{"role": "boss", "user_id": world.ids["chuyenvien.vphu"]}]}, 400),
        ({"parties": []}, 400),
        ({}, 400),
    ]
    for payload, status in cases:
        resp = client.post(f"{BASE}/{doc_id}/assign", headers=headers, json=payload)
        assert resp.status_code == status, (payload, resp.get_data(as_text=True))
        assert "message" in resp.json
    assert incoming.get(doc_id)["state"] == "registered"
    assert _count(app, Assignment) == 0
    # A pending document cannot be assigned.
    pending = incoming.deliver()
    assert client.post(f"{BASE}/{pending}/assign", headers=headers,
                       json=body).status_code == 409


# -- the spec ---------------------------------------------------------------------------------

def test_openapi_lists_the_custom_routes(app, world, api):
    client, headers = api("admin")
    resp = client.get("/api/v1/_openapi", headers=headers)
    assert resp.status_code == 200
    paths = resp.json["paths"]
    for path, method in (("/incoming/intake", "post"), ("/incoming/{pk}/register", "post"),
                         ("/incoming/{pk}/refuse", "post"), ("/incoming/{pk}/assign", "post"),
                         ("/incoming/", "get"), ("/incoming/{pk}", "get")):
        assert "/api/v1" + path in paths, path
        assert method in paths["/api/v1" + path], path
    intake = paths["/api/v1/incoming/intake"]["post"]
    assert "multipart/form-data" in intake["requestBody"]["content"]
    assert {"201", "400", "422"} <= set(intake["responses"])
