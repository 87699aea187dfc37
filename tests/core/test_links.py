"""The list links built once per request (app/core/links.py) are the URLs FAB's own
filters build, for every kind of link and whatever the request's arguments."""

import pytest
from flask_appbuilder.filters import TemplateFilters

QUERIES = [
    "",
    "?page_IncomingView=3",
    "?_oc_IncomingView=arrival_date&_od_IncomingView=asc",
    "?_oc_IncomingView=symbol&_od_IncomingView=desc&psize_IncomingView=50",
    "?_flt_0_summary=k%E1%BA%BF+ho%E1%BA%A1ch&_flt_1_arrival_date=01/01/2024&page_IncomingView=2",
    "?_flt_2_summary=a%26b%3Dc&_flt_2_summary=second",
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_links_are_fabs(app, query):
    fab = TemplateFilters.__new__(TemplateFilters)
    filters = app.jinja_env.filters
    assert {filters[name].__module__ for name in ("link_page", "link_page_size",
                                                   "link_order")} == {"app.core.links"}
    with app.test_request_context("/incomingview/list/" + query):
        from flask import request

        request.url_rule = app.url_map.bind("localhost").match(
            "/incomingview/list/", return_rule=True)[0]
        request.view_args = {}
        for page in (0, 1, 7, 399):
            assert filters["link_page"](page, "IncomingView") == \
                fab.link_page_filter(page, "IncomingView")
        for size in (25, 50, 100):
            assert filters["link_page_size"](size, "IncomingView") == \
                fab.link_page_size_filter(size, "IncomingView")
        for column in ("arrival_date", "symbol", "urgency", "kế_hoạch", "unit.name"):
            assert filters["link_order"](column, "IncomingView") == \
                fab.link_order_filter(column, "IncomingView")
