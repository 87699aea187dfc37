"""JSON answers written by orjson (app/core/jsonio.py) hold what Flask's own provider
writes: the same values, keys sorted, dates, decimals, identifiers and translated texts
turned into JSON by Flask's rules; what orjson refuses is written the standard way."""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext
from markupsafe import Markup

from app.core.jsonio import FastJSONProvider


@dataclass
class Point:
    x: int
    label: str


def test_the_json_is_flasks(app):
    standard = DefaultJSONProvider(app)
    values = {
        "b": [1, 2.5, None, True, "Kế hoạch"], "a": {"z": 1, "y": {"x": [date(2026, 12, 7)]}},
        "when": datetime(2026, 12, 7, 8, 30, tzinfo=UTC), "money": Decimal("1.50"),
        "id": uuid.UUID(int=7), "point": Point(3, "Đảng ủy"), "html": Markup("<b>x</b>"),
        "label": lazy_gettext("Incoming"), "big": 2 ** 70,
    }
    with app.test_request_context("/"):
        assert isinstance(app.json, FastJSONProvider)
        ours = app.json.dumps(values)
        assert json.loads(ours) == json.loads(standard.dumps(values))
        keyed = {3: "a number as a key", 1: None}
        assert json.loads(app.json.dumps(keyed)) == json.loads(standard.dumps(keyed))
        small = {"b": 1, "a": [date(2026, 1, 2)], "c": "Văn thư"}
        text = app.json.dumps(small)
        assert list(json.loads(text)) == ["a", "b", "c"]  # sorted, as Flask's
        assert "Văn thư" in text and json.loads(text) == json.loads(standard.dumps(small))
        response = app.json.response(result=small)
        assert response.mimetype == "application/json"
        assert response.get_json() == {"result": json.loads(standard.dumps(small))}
        assert app.json.dumps(small, indent=2) == standard.dumps(small, indent=2)
        app.json.sort_keys = False  # Flask's setting, followed
        try:
            assert list(json.loads(app.json.dumps(small))) == ["b", "a", "c"]
        finally:
            app.json.sort_keys = True


def test_an_api_answer_reads_the_same(api, app):
    client, headers = api("vanthu.vphu")
    resp = client.get("/api/v1/incoming/", headers=headers)
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    body = resp.get_json()
    assert set(body) >= {"count", "ids", "result", "label_columns", "list_columns"}
    assert json.loads(DefaultJSONProvider(app).dumps(body)) == body
