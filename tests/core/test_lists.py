"""The one list renderer (app/core/lists.py): an empty list says what would be there and
offers the next step the user may take; a search that finds nothing offers to clear it;
the rows keep FAB's links; an API list is written as marshmallow would write it."""

import re
from datetime import date, datetime

import pytest
from markupsafe import Markup

from tests.core import test_fast_lists

docs = test_fast_lists.docs  # the fixture


def test_an_empty_inbox_says_where_electronic_documents_appear_and_offers_paper_intake(
        clients):
    html = clients("vanthu.vphu").get("/incominginboxview/list/").get_data(as_text=True)
    empty = html[html.index('class="qlvb-empty"'):]
    assert "trục liên thông" in empty
    assert 'href="/incomingview/intake"' in empty
    # The head may not receive documents: the explanation without the button.
    head = clients("lanhdao.vphu").get("/incominginboxview/list/").get_data(as_text=True)
    assert "trục liên thông" in head and 'href="/incomingview/intake"' not in \
        head[head.index('class="qlvb-empty"'):]


def test_an_empty_list_of_drafts_offers_a_new_draft_and_a_search_offers_to_clear(clients):
    clerk = clients("vanthu.vphu")
    html = clerk.get("/outgoingdraftsview/list/").get_data(as_text=True)
    empty = html[html.index('class="qlvb-empty"'):]
    assert "Văn bản đi mới bắt đầu từ một dự thảo" in empty
    assert 'href="/outgoingview/draft"' in empty
    html = clerk.get("/outgoingview/list/?_flt_0_summary=nothing-like-it").get_data(
        as_text=True)
    empty = html[html.index('class="qlvb-empty"'):]
    assert "Không có bản ghi nào khớp với điều kiện tìm kiếm" in empty
    assert 'href="/outgoingview/list/"' in empty


def test_the_rows_link_to_the_document_and_label_each_cell(app, clients, docs):  # noqa: F811
    ids = docs(3)
    html = clients("vanthu.vphu").get("/incomingview/list/").get_data(as_text=True)
    for pk in ids:
        assert f'href="/incomingview/show/{pk}"' in html
    row = re.search(r"<tbody><tr>(.*?)</tr>", html, re.S).group(1)
    assert 'data-label="Số đến"' in row and 'class="qlvb-c-number_label qlvb-o1"' in row
    assert "Chờ phân công" in row  # the state, translated once for the page
    assert 'qlvb-urgency-' in row


def test_an_api_list_is_written_as_marshmallow_writes_it(app):
    class Row:
        def __init__(self, **values):
            self.__dict__.update(values)

    def marshmallow(schema, rows):
        return type(schema).dump(schema, rows, many=True)

    with app.app_context():
        api = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "IncomingApi")
        schema = api.list_model_schema
        assert getattr(schema.dump, "__self__", None).writers is not None
        full = {name: None for name in schema.dump_fields}
        rows = [Row(**full),
                Row(**{**full, "id": 8, "sender_unit_id": date(2026, 1, 6)}),
                Row(**{**full, "id": 7, "unit_id": 2, "state": "registered",
                       "arrival_date": date(2026, 1, 5), "summary": "Kế hoạch <b>",
                       "urgency": 3, "arrival_year": 2026, "author_name": Markup("x")})]
        assert schema.dump(rows, many=True) == marshmallow(schema, rows)
        assert schema.dump(rows[2]) == type(schema).dump(schema, rows[2])
        out = schema.dump(rows, many=True)[2]
        assert out["arrival_date"] == "2026-01-05" and out["urgency"] == 3
        incident = next(v for v in app.appbuilder.baseviews
                        if type(v).__name__ == "IncidentApi").list_model_schema
        row = Row(**{name: None for name in incident.dump_fields})
        row.created_at = datetime(2026, 1, 5, 8, 30, 1, 15)
        assert incident.dump([row], many=True) == marshmallow(incident, [row])


def test_an_api_list_of_plain_columns_reads_rows_not_objects_with_the_same_json(app, api,
                                                                               docs):  # noqa: F811
    """The API lists name plain columns only: they are read as rows of those values (no
    document objects, no joined relations) and written exactly as the documents would be,
    for the default columns and for the columns a client asks for."""
    from sqlalchemy import event

    from app.extensions import db
    from app.incoming.models import IncomingDocument

    ids = docs(30)
    client, headers = api("vanthu.vphu")
    api_view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "IncomingApi")
    made = []

    def _loaded(target, context):
        made.append(target)

    event.listen(IncomingDocument, "load", _loaded)
    try:
        full = client.get("/api/v1/incoming/?q=(page_size:40)", headers=headers)
        some = client.get("/api/v1/incoming/?q=(columns:!(summary,arrival_date),page_size:5,"
                          "order_column:arrival_number,order_direction:asc)", headers=headers)
    finally:
        event.remove(IncomingDocument, "load", _loaded)
    assert full.status_code == 200 and some.status_code == 200
    assert made == []  # no document object was made for either list
    assert sorted(full.json["ids"]) == sorted(ids) and full.json["count"] == 30
    with app.app_context():
        objects = {d.id: d for d in db.session.query(IncomingDocument).filter(
            IncomingDocument.id.in_(ids))}
        expected = type(api_view.list_model_schema).dump(
            api_view.list_model_schema, [objects[i] for i in full.json["ids"]], many=True)
        assert full.json["result"] == expected
        first = sorted(objects.values(), key=lambda d: (d.arrival_number, d.id))[:5]
        assert some.json["result"] == [
            {"summary": d.summary, "arrival_date": d.arrival_date.isoformat()} for d in first]
        assert some.json["ids"] == [d.id for d in first]


def test_the_record_table_is_the_one_fabs_show_widget_writes(app, world, clients, docs):  # noqa: F811
    """The document page's table of labels and values (``LeanShowWidget``) holds what
    FAB's show widget writes for the same record, label for label and value for value
    (escaped as FAB's template escapes them), in each language."""
    from flask_appbuilder.widgets import ShowWidget

    from app.core.lists import LeanShowWidget

    doc_id = docs(1)[0]
    client = clients("vanthu.vphu")

    def cells(html):
        pairs = re.findall(r'<th class="col-lg-2 col-md-2 col-sm-2">(.*?)</th>\s*<td>\s*'
                           r'<span style="white-space: pre-line">(.*?)</span>\s*</td>',
                           html, re.S)
        return [(label.strip(), value.strip()) for label, value in pairs]

    page = client.get(f"/incomingview/show/{doc_id}").get_data(as_text=True)
    # One copy of the layout's dialogs (FAB's widget wrote a second one with the same ids).
    assert page.count('id="modal-confirm"') == 1 and page.count('id="modal-alert"') == 1
    for lang in ("vi", "en"):
        with app.test_request_context(f"/?_l_={lang}"):
            from flask import session

            session["locale"] = lang
            view = next(v for v in app.appbuilder.baseviews
                        if type(v).__name__ == "IncomingView")
            item = view.datamodel.session.get(view.datamodel.obj, doc_id)
            args = dict(pk=doc_id, label_columns=view.label_columns,
                        include_columns=view.show_columns,
                        value_columns=view.datamodel.get_values_item(item, view.show_columns),
                        formatters_columns=view.formatters_columns, actions={},
                        fieldsets=[], modelview_name="IncomingView")
            ours, fabs = cells(str(LeanShowWidget(**args)())), cells(str(ShowWidget(**args)()))
            assert ours == fabs and len(ours) == len(view.show_columns)
            if lang == "vi":
                assert cells(page) == ours
                assert ("Số, ký hiệu", "0-CV/TU") in ours
            else:
                assert ("Number and symbol", "0-CV/TU") in ours


HEADER_CASES = [  # (query, page, page size, count)
    ("", None, 25, 0),
    ("", None, 25, 7),
    ("", 0, 25, 26),
    ("?page_IncomingView=5", 5, 25, 400),
    ("?page_IncomingView=4", 4, 25, 400),
    ("?page_IncomingView=398&_oc_IncomingView=symbol&_od_IncomingView=asc", 398, 25, 10000),
    ("?psize_IncomingView=50&page_IncomingView=1", 1, 50, 120),
    ("?_flt_0_summary=k%E1%BA%BF+ho%E1%BA%A1ch&page_IncomingView=2", 2, 100, 999),
]


@pytest.mark.parametrize("query,page,page_size,count", HEADER_CASES)
def test_the_list_header_is_the_one_fabs_macro_writes(app, query, page, page_size, count):
    """The header above a list's rows (``list_header``: the pages, the page sizes, the add
    button, the actions, the back button, the count) holds what FAB's
    ``render_list_header`` macro writes for the same arguments, in each language, with and
    without actions (one asking for a confirmation with a quote in it) and the add button,
    a count over the cap included."""
    from flask import g, request
    from flask_appbuilder.actions import ActionItem

    from app.core.lists import list_header
    from app.core.views import CappedCount

    def norm(html):  # FAB ends the actions' handlers with a line, ours with a ";" too
        html = re.sub(r"\}\);(?=\s|<)", "})", str(html))
        return re.sub(r"\s*([<>])\s*", r"\1", re.sub(r"\s+", " ", html)).strip()

    macro = app.jinja_env.from_string(
        "{% import 'appbuilder/general/lib.html' as lib %}"
        "{{ lib.render_list_header(can_add, page, page_size, count, filters, actions, "
        "modelview_name) }}")
    actions = {"a": ActionItem("a", "Đánh dấu đã đọc", "Chắc chắn? Nó 'đọc' rồi", "fa-check",
                               True, False, lambda items: None),
               "b": ActionItem("b", "Xuất", "", "fa-download", True, False,
                               lambda items: None)}
    for lang in ("vi", "en"):
        for view_name, can_add in (("IncomingView", False), ("UnitView", True)):
            for acts in ({}, actions):
                for shown in (count, CappedCount(count)) if count > 100 else (count,):
                    with app.test_request_context(f"/incomingview/list/{query}"):
                        from flask import session

                        session["locale"] = lang
                        request.url_rule = app.url_map.bind("localhost").match(
                            "/incomingview/list/", return_rule=True)[0]
                        request.view_args = {}
                        g.csp_nonce = "nonce-for-the-test"
                        view = next(v for v in app.appbuilder.baseviews
                                    if type(v).__name__ == view_name)
                        args = dict(can_add=can_add, page=page, page_size=page_size,
                                    count=shown, filters=view._filters, actions=acts,
                                    modelview_name=view_name)
                        ours = list_header(**args)
                        assert norm(ours) == norm(macro.render(**args))
                        assert (f"page_{view_name}=" in ours) == (count > page_size)
                        assert ("a_menu_item" in ours) == bool(acts)
                        # each handler a statement of its own, whatever the white space
                        handlers = re.findall(r"\.on\('click', function\(\)\{.*?\}\)(;?)",
                                              str(ours), re.S)
                        assert handlers == ([";", ";"] if acts else [])
                        assert ("/unitview/add" in ours) == can_add
