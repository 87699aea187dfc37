"""The search screen, its saved searches and export, and the API, through the real routes:
who may use them, what they show, and bad input answered with results or a message."""

import io
import logging
import re
from urllib.parse import quote

from tests.conftest import html_of
from tests.search.test_services import BAD_INPUTS


def links(html):
    return set(re.findall(r'href="/(incomingview|outgoingview)/show/(\d+)"', html))


def test_search_screen_finds_highlights_and_links(clients, corpus):
    c = clients("vanthu.vphu")
    html = html_of(c, "/search/?q=" + quote("ke hoach"))
    assert links(html) == {("incomingview", str(corpus["plan"])),
                           ("incomingview", str(corpus["ranked"])),
                           ("outgoingview", str(corpus["out_vphu"]))}
    assert "<mark>Kế</mark> <mark>hoạch</mark>" in html
    assert "3 văn bản" in html
    html = html_of(c, "/search/?q=" + quote('"dang uy"') + "&kind=in&urgency=1")
    assert links(html) == {("incomingview", str(corpus["plan"]))}
    assert 'value="&#34;dang uy&#34;"' in html or 'value="&quot;dang uy&quot;"' in html
    html = html_of(c, "/search/?q=" + quote("mau bieu"))
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    # nothing asked yet: the form only
    assert links(html_of(c, "/search/")) == set()


def test_search_screen_keeps_to_the_users_scope(clients, corpus):
    html = html_of(clients("vanthu.btchu"), "/search/?q=ke+hoach")
    assert links(html) == {("incomingview", str(corpus["other_unit"])),
                           ("outgoingview", str(corpus["out_btchu"]))}
    html = html_of(clients("chuyenvien.vphu"), "/search/?kind=in")
    assert links(html) == {("incomingview", str(corpus["assigned"]))}
    html = html_of(clients("vanphong"), "/search/?q=ke+hoach")
    assert len(links(html)) == 5


def test_search_needs_a_role_that_reads_documents(clients, corpus):
    assert clients("qtdv.vphu").get("/search/?q=ke+hoach").status_code == 403
    assert clients("qtdv.vphu").get("/search/export?q=ke").status_code == 403
    assert clients("qtdv.vphu").post("/search/save", data={"name": "x"}).status_code in (
        400, 403)
    anonymous = clients(None).get("/search/?q=ke+hoach")
    assert anonymous.status_code == 302 and "/login/" in anonymous.headers["Location"]
    # the menu entry follows the right
    assert 'href="/search/"' in html_of(clients("chuyenvien.vphu"), "/")
    assert 'href="/search/"' not in html_of(clients("qtdv.vphu"), "/")


def test_bad_input_on_the_screen_never_breaks_it(clients, corpus, caplog, monkeypatch):
    # the migration run (alembic's fileConfig) disabled the loggers that existed before it
    monkeypatch.setattr(logging.getLogger("app.search.views"), "disabled", False)
    caplog.set_level(logging.INFO, logger="app.search.views")
    c = clients("vanthu.vphu")
    for text in BAD_INPUTS[::2] + ["x" * 10_000]:
        resp = c.get("/search/?q=" + quote(text))
        assert resp.status_code == 200, (text[:40], resp.status_code)
    html = html_of(c, "/search/?q=" + "x" * 10_000)
    assert "quá dài" in html and "qlvb-search-error" in html
    assert any("search refused" in r.getMessage() for r in caplog.records
               if r.name == "app.search.views")
    for args in ("date_from=31/02/2026", "urgency=abc", "unit=99999999999999999999",
                 "page=-5", "page=abc", "page=99999999", "status=in:%27", "kind=x",
                 "q=%00%01", "q=ke&q=hoach", "assignee=1e3"):
        resp = c.get("/search/?" + args)
        assert resp.status_code == 200, args


def test_export_from_the_screen(clients, corpus):
    import openpyxl

    c = clients("vanthu.btchu")
    resp = c.get("/search/export?q=" + quote("ke hoach"))
    assert resp.status_code == 302 and "/myjobs/" in resp.headers["Location"]
    resp = c.get(resp.headers["Location"] + "/result")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml")
    rows = list(openpyxl.load_workbook(io.BytesIO(resp.data)).active.iter_rows(
        values_only=True))
    assert {r[3] for r in rows[1:]} == {"Kế hoạch kiểm tra giám sát Đảng ủy",
                                        "Kế hoạch bồi dưỡng lý luận chính trị"}
    resp = clients("vanthu.btchu").get("/search/export?q=" + "x" * 600)
    assert resp.status_code == 302


def test_saved_searches_on_the_screen_are_private(clients, corpus):
    c = clients("vanthu.vphu")
    resp = c.post("/search/save", data={"name": "Kế hoạch khẩn", "q": "ke hoach",
                                        "urgency": "1"})
    assert resp.status_code == 302 and "q=ke+hoach&urgency=1" in resp.headers["Location"]
    html = html_of(c, "/search/")
    assert "Kế hoạch khẩn" in html
    saved_id = re.search(r'action="/search/delete/(\d+)"', html).group(1)
    assert "Kế hoạch khẩn" not in html_of(clients("lanhdao.vphu"), "/search/")
    assert clients("lanhdao.vphu").post(f"/search/delete/{saved_id}").status_code == 404
    assert clients("vanthu.btchu").post(f"/search/delete/{saved_id}").status_code == 404
    resp = c.post("/search/save", data={"name": "", "q": "ke hoach"})
    assert resp.status_code == 302
    assert "Đặt tên" in html_of(c, resp.headers["Location"])
    resp = c.post("/search/save", data={"name": "x", "q": "x", "date_from": "bad"})
    assert resp.status_code == 302
    assert c.post(f"/search/delete/{saved_id}").status_code == 302
    assert "Kế hoạch khẩn" not in html_of(c, "/search/")


def test_search_api(api, corpus):
    client, headers = api("vanthu.vphu")
    resp = client.get("/api/v1/search/?q=" + quote("ke hoach"), headers=headers)
    assert resp.status_code == 200, resp.json
    assert {(r["kind"], r["id"]) for r in resp.json["result"]} == {
        ("in", corpus["plan"]), ("in", corpus["ranked"]), ("out", corpus["out_vphu"])}
    assert resp.json["total"] == 3
    assert "<mark>" in resp.json["result"][0]["passage"]
    resp = client.get("/api/v1/search/?q=" + "x" * 600, headers=headers)
    assert resp.status_code == 422 and "500" in resp.json["message"]
    resp = client.get("/api/v1/search/?q=ke&date_from=tomorrow", headers=headers)
    assert resp.status_code == 422
    client, headers = api("qtdv.vphu")
    assert client.get("/api/v1/search/?q=ke", headers=headers).status_code == 403
    client, headers = api(None)
    assert client.get("/api/v1/search/?q=ke").status_code == 401


def test_a_search_is_built_once_and_again_after_a_write(app, clients, corpus, monkeypatch):
    """The statements of a search are made once per search, user and day while nothing
    is written: the same search again (a reload, another page of it) runs them as they are
    and finds the same documents; another user's search is their own; a write makes them
    again. The filter form's document types are read again after a write too."""
    from app.extensions import db
    from app.reference.models import DocumentType
    from app.search import services

    built = []
    build = services._build_statements

    def counted(session, user, *args):
        built.append(user.username)
        return build(session, user, *args)

    monkeypatch.setattr(services, "_build_statements", counted)
    clerk, other = clients("vanthu.vphu"), clients("vanthu.btchu")
    path = "/search/?q=" + quote("ke hoach")
    first = links(html_of(clerk, path))
    assert links(html_of(clerk, path)) == first and len(first) == 3
    assert built == ["vanthu.vphu"]
    assert links(html_of(other, path)) == {("incomingview", str(corpus["other_unit"])),
                                           ("outgoingview", str(corpus["out_btchu"]))}
    assert built == ["vanthu.vphu", "vanthu.btchu"]
    assert links(html_of(clerk, path + "&page=2")) == set()  # another page of it
    assert len(built) == 2
    with app.app_context():
        db.session.add(DocumentType(name="Loại mới sau khi tìm", abbreviation="LM",
                                    processing_days=5))
        db.session.commit()
    html = html_of(clerk, path)
    assert links(html) == first and len(built) == 3
    assert "Loại mới sau khi tìm" in html
