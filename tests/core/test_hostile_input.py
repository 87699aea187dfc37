"""Hostile input at every route (issue 12, defects 5–7 and the API's messages): whatever
arrives — an id past any integer column, JSON nested thousands deep, a database that went
away, dates out of any sane range, control characters, a file named for another type,
LIKE wildcards, an oversized text field, text in another language — is answered with a
clear Vietnamese 4xx/503 or stored as meant, never a 500."""

import re

import pytest

HUGE = str(2**63)
ID_FIELDS = ("document_type_id", "sender_unit_id", "unit_id", "user_id", "to_user_id",
             "signer_id", "reply_to_id", "replaces_id", "parent_id", "page_count", "rowid",
             "assignee", "lead_unit", "lead_user", "file_id", "id")
USERS = ("admin", "vanphong", "vanthu.vphu")


def _id_rules(app):
    """(url, methods) of every rule with an id argument, each argument set to 2^63."""
    out = []
    for rule in app.url_map.iter_rules():
        ids = [a for a, conv in rule._converters.items()
               if type(conv).__name__ == "IdConverter" or type(conv).__name__ ==
               "IntegerConverter" or a == "pk" or a.endswith("_id")]
        if not ids:
            continue
        values = {a: (HUGE if a in ids else "x") for a in rule.arguments}
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m, v=values: v[m.group(1)], rule.rule)
        out.append((url, sorted(rule.methods & {"GET", "POST", "PUT", "DELETE"})))
    return out


def test_ids_past_any_integer_answer_4xx_at_every_route(app, world, clients, api):
    """Every rule of the route map with an id argument, GET and POST (form fields holding
    ids set to 2^63 too), signed in as admin, office and clerk: 4xx, never 5xx."""
    rules = _id_rules(app)
    assert len(rules) > 100
    form = {name: HUGE for name in ID_FIELDS}
    failures = []
    for username in USERS:
        client = clients(username)
        api_client, headers = api(username)
        for url, methods in rules:
            for method in methods:
                try:
                    if url.startswith("/api/"):
                        resp = api_client.open(url, method=method, headers=headers, json=form)
                    else:
                        resp = client.open(url, method=method,
                                           data=form if method == "POST" else None)
                except Exception as error:  # the test client raises what a 500 hides
                    failures.append((username, method, url, repr(error)[:80]))
                    continue
                if resp.status_code >= 500:
                    failures.append((username, method, url, resp.status_code))
    assert not failures, "\n".join(map(str, failures))


def test_ids_past_any_integer_in_json_and_query(app, world, api, clients):
    client, headers = api("vanthu.vphu")
    resp = client.get(f"/api/v1/incoming/?q=(filters:!((col:id,opr:eq,value:{HUGE})))",
                      headers=headers)
    assert resp.status_code < 500
    resp = client.get(f"/api/v1/unit/?q=(filters:!((col:parent_id,opr:eq,value:{HUGE})))",
                      headers=headers)
    assert resp.status_code < 500
    admin, admin_headers = api("admin")
    resp = admin.post("/api/v1/unit/", headers=admin_headers,
                      json={"name": "Đơn vị thử", "abbreviation": "DVT", "kind": "advisory",
                            "code": "000.00.09.H31", "parent_id": int(HUGE)})
    assert 400 <= resp.status_code < 500, resp.get_data(as_text=True)


def test_json_nested_thousands_deep_is_refused_with_400(app, world, api):
    """Every JSON POST parses the body (the text conversion reads it first): a body nested
    5,000 deep is refused before Python's parser recurses."""
    client, headers = api("vanthu.vphu")
    deep = "[" * 5000 + "]" * 5000
    for url in ("/api/v1/incoming/1/register", "/api/v1/unit/", "/api/v1/security/login"):
        resp = client.post(url, data=deep, content_type="application/json", headers=headers)
        assert resp.status_code == 400, (url, resp.status_code)
        assert "lồng" in resp.json["message"]
    # A body with brackets inside its strings is not deep.
    resp = client.post("/api/v1/incoming/999/refuse", headers=headers,
                       json={"reason": "[" * 500 + "{" * 500})
    assert resp.status_code == 404


def test_a_connection_dropped_by_the_database_is_replaced(app, world, clients):
    """pool_pre_ping: a pooled connection the server closed is not handed to a request."""
    from sqlalchemy import create_engine

    from app.extensions import db

    client = clients("vanthu.vphu")
    assert client.get("/incomingview/list/").status_code == 200
    with app.app_context():
        assert db.engine.pool._pre_ping
        if db.engine.dialect.name != "postgresql":
            return
        url = db.engine.url
    killer = create_engine(url)
    with killer.connect() as conn:
        killed = conn.exec_driver_sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'").scalar()
    killer.dispose()
    assert killed >= 1
    assert client.get("/incomingview/list/").status_code == 200


@pytest.mark.parametrize("uri", ["postgresql+psycopg://postgres@127.0.0.1:9/nowhere",
                                 "sqlite:///{tmp}"])
def test_database_out_of_reach_answers_a_vietnamese_503(uri, tmp_path):
    """A database that cannot be reached (a closed port; a path that is no database file):
    HTML pages answer a Vietnamese 503 page that needs no database, the API a JSON 503."""
    from app import create_app
    from config import TestConfig

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=uri.format(tmp=tmp_path),
                     STORAGE_DIR=str(tmp_path / "files"))
    client = app.test_client()
    for method, url, kwargs in (
            ("GET", "/", {}), ("GET", "/incomingview/list/", {}),
            ("POST", "/login/", {"data": {"username": "admin", "password": "x"}})):
        resp = client.open(url, method=method, **kwargs)
        assert resp.status_code == 503, (url, resp.status_code)
        html = resp.get_data(as_text=True)
        assert "Hệ thống tạm thời không hoạt động" in html, html[:500]
        assert resp.headers["Retry-After"]
    resp = client.post("/api/v1/security/login",
                       json={"username": "admin", "password": "x", "provider": "db"})
    assert resp.status_code == 503
    assert "Hệ thống tạm thời không hoạt động" in resp.json["message"]
    resp = client.get("/api/v1/incoming/", headers={"Authorization": "Bearer x"})
    assert resp.status_code in (401, 422, 503)


def test_error_pages_are_vietnamese(app, world, clients):
    client = clients("vanthu.vphu")
    resp = client.get("/incomingview/show/abc")
    assert resp.status_code == 404
    assert "Không tìm thấy" in resp.get_data(as_text=True)
    resp = client.get("/incomingview/list/?page_incomingview=abc")
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "Yêu cầu không hợp lệ" in body and "The browser" not in body


def test_control_characters_in_query_arguments_are_dropped(app, world, clients):
    """A NUL in a filter or a search (PostgreSQL refuses it in a text parameter) is
    dropped like in a form: the list and the search answer as without it."""
    client = clients("vanthu.vphu")
    for url in ("/search/?q=k%00%E1%BA%BF%20ho%E1%BA%A1ch",
                "/incomingview/list/?_flt_0_summary=a%00b%E2%80%AE",
                "/unitview/list/?_flt_0_name=H%00"):
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)


def test_integer_form_fields_take_numbers_within_range(app, world, clients):
    """A generated form's integer field takes numbers within the column's range: the form
    is shown again with the message, nothing is written."""
    from app.extensions import db
    from app.reference.models import DocumentType

    resp = clients("admin").post("/documenttypeview/add", data={
        "name": "Thể loại thử", "abbreviation": "TLT", "processing_days": HUGE, "active": "y"})
    assert resp.status_code == 200
    assert "Nhập một số nguyên trong khoảng" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(DocumentType).filter_by(abbreviation="TLT").count() == 0
        db.session.remove()
