"""The outgoing REST API (JWT): same scope and rules as the screens, each step answered
with the document's state, refusals as 4xx with nothing kept."""

import io
import json

import pytest

from app.extensions import db
from app.incoming.models import IncomingDocument
from app.outgoing.models import OutgoingDocument
from tests import pdfs
from tests.conftest import api_token


@pytest.fixture
def api(app, world):
    client = app.test_client()
    tokens = {}

    def call(method, username, path, **kwargs):
        if username and username not in tokens:
            tokens[username] = api_token(client, username)
        headers = tokens.get(username, {}) if username else {}
        return getattr(client, method)(path, headers=headers, **kwargs)

    return call


def _draft(api, outgoing, world, author="chuyenvien.vphu", recipients=None):
    data = {"document_type_id": outgoing.types["CV"], "summary": "Báo cáo qua API",
            "signer_id": world.ids["lanhdao.vphu"],
            "recipients": recipients or [{"unit_id": world.ids["btchu"]},
                                         {"name": "UBND huyện", "channel": "email"}]}
    return api("post", author, "/api/v1/outgoing/draft",
               data={"data": json.dumps(data),
                     "file": (io.BytesIO(pdfs.docx_bytes()), "dự thảo.docx")},
               content_type="multipart/form-data")


def test_the_whole_route_through_the_api(app, world, outgoing, api):
    resp = _draft(api, outgoing, world)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    pk = resp.json["id"]
    assert api("post", "chuyenvien.vphu", f"/api/v1/outgoing/{pk}/submit",
               json={"to_user_id": world.ids["lanhdao.vphu"]}).json["state"] == "review"
    assert api("post", "lanhdao.vphu", f"/api/v1/outgoing/{pk}/return",
               json={"comment": ""}).status_code == 400
    assert api("post", "lanhdao.vphu", f"/api/v1/outgoing/{pk}/return",
               json={"comment": "Sửa số liệu"}).json["state"] == "returned"
    api("post", "chuyenvien.vphu", f"/api/v1/outgoing/{pk}/submit",
        json={"to_user_id": world.ids["lanhdao.vphu"]})
    # The clerk cannot sign; the head can.
    assert api("post", "vanthu.vphu", f"/api/v1/outgoing/{pk}/sign", json={}).status_code == 403
    assert api("post", "lanhdao.vphu", f"/api/v1/outgoing/{pk}/sign",
               json={"signing_form": "K/T"}).json["state"] == "signed"
    # Issuing before numbering is refused and changes nothing.
    assert api("post", "vanthu.vphu", f"/api/v1/outgoing/{pk}/issue", json={}).status_code == 409
    numbered = api("post", "vanthu.vphu", f"/api/v1/outgoing/{pk}/number", json={}).json
    assert numbered["symbol"] == "1-CV/VPHU"
    bad = api("post", "vanthu.vphu", f"/api/v1/outgoing/{pk}/final",
              data={"file": (io.BytesIO(pdfs.pdf_with_javascript()), "x.pdf")},
              content_type="multipart/form-data")
    assert bad.status_code == 422
    good = api("post", "vanthu.vphu", f"/api/v1/outgoing/{pk}/final",
               data={"file": (io.BytesIO(pdfs.clean_pdf()), "1-CV-VPHU.pdf")},
               content_type="multipart/form-data")
    assert good.status_code == 200
    assert api("post", "vanthu.vphu", f"/api/v1/outgoing/{pk}/issue",
               json={}).json["state"] == "issued"
    assert api("post", "vanthu.vphu", f"/api/v1/outgoing/{pk}/issue", json={}).status_code == 409
    recipients = api("get", "vanthu.vphu", f"/api/v1/outgoing/{pk}/recipients").json["result"]
    assert sorted(r["status"] for r in recipients) == ["01", "P"]
    route = api("get", "chuyenvien.vphu", f"/api/v1/outgoing/{pk}/route").json["result"]
    assert [s["action"] for s in route][:3] == ["submit", "return", "submit"]
    with app.app_context():
        assert db.session.query(IncomingDocument).filter_by(
            unit_id=world.ids["btchu"]).count() == 1
    assert api("post", "vanthu.vphu", f"/api/v1/outgoing/{pk}/recall",
               json={"reason": "Sai sót"}).json["state"] == "recalled"


def test_the_api_keeps_the_scope(app, world, outgoing, api):
    pk = _draft(api, outgoing, world).json["id"]
    listed = api("get", "vanthu.btchu", "/api/v1/outgoing/").json
    assert pk not in listed["ids"]
    for path in (f"/api/v1/outgoing/{pk}", f"/api/v1/outgoing/{pk}/route",
                 f"/api/v1/outgoing/{pk}/recipients"):
        assert api("get", "vanthu.btchu", path).status_code == 404
        assert api("get", "qtdv.vphu", path).status_code in (401, 403)
        assert api("get", None, path).status_code == 401
    assert api("post", "lanhdao.btchu", f"/api/v1/outgoing/{pk}/submit",
               json={"to_user_id": world.ids["lanhdao.btchu"]}).status_code == 404
    assert api("get", "vanphong", f"/api/v1/outgoing/{pk}").status_code == 200
    assert _draft(api, outgoing, world, author="vanphong").status_code == 403
    with app.app_context():
        assert db.session.get(OutgoingDocument, pk).state == "draft"


def test_bad_drafts_are_refused_with_nothing_kept(app, world, outgoing, api):
    resp = _draft(api, outgoing, world, recipients=[{"name": "Sở X", "channel": "electronic"}])
    assert resp.status_code == 422
    resp = api("post", "chuyenvien.vphu", "/api/v1/outgoing/draft",
               data={"data": "{not json", "file": (io.BytesIO(pdfs.docx_bytes()), "a.docx")},
               content_type="multipart/form-data")
    assert resp.status_code == 422
    with app.app_context():
        assert db.session.query(OutgoingDocument).count() == 0


def test_the_api_is_in_the_openapi_spec(app, world, api):
    paths = api("get", "admin", "/api/v1/_openapi").json["paths"]
    for path in ("/api/v1/outgoing/draft", "/api/v1/outgoing/{pk}/submit",
                 "/api/v1/outgoing/{pk}/return", "/api/v1/outgoing/{pk}/sign",
                 "/api/v1/outgoing/{pk}/number", "/api/v1/outgoing/{pk}/final",
                 "/api/v1/outgoing/{pk}/issue", "/api/v1/outgoing/{pk}/recall",
                 "/api/v1/outgoing/{pk}/route", "/api/v1/outgoing/{pk}/recipients"):
        assert path in paths
