"""The hand-written baseline: a bare Flask app that renders the same rows as the measured
screens, each page from one hand-written SQL query on a pooled connection, with a small
template and a signed-cookie check instead of a login (no query for it).

Served by gunicorn exactly like the application: ``gunicorn bench.baseline:app``
(DATABASE_URL names the benchmark database)."""

import os

from flask import Flask, abort, jsonify, render_template_string, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import create_engine, text

from config import _sqlalchemy_url

app = Flask(__name__)
engine = create_engine(_sqlalchemy_url(os.environ["DATABASE_URL"]), pool_size=2)
signer = URLSafeSerializer(os.environ.get("SECRET_KEY", "bench"), salt="baseline")

COLUMNS = ("d.id, d.urgency, d.arrival_number, d.arrival_year, d.arrival_date, d.author_name, "
           "d.symbol, d.summary, d.state, d.deadline")
ORDERS = {
    "": "d.urgency DESC, d.received_at DESC, d.id DESC",
    "arrival_date": "d.arrival_date DESC, d.id DESC",
}
PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Văn bản đến</title>
</head><body><h1>Văn bản đến</h1><table><thead><tr><th>Độ khẩn</th><th>Số đến</th>
<th>Ngày đến</th><th>Tác giả</th><th>Số, ký hiệu</th><th>Trích yếu</th><th>Trạng thái</th>
<th>Hạn</th></tr></thead><tbody>{% for r in rows %}<tr><td>{{ r.urgency }}</td>
<td>{{ r.arrival_number or '' }}/{{ r.arrival_year or '' }}</td><td>{{ r.arrival_date or '' }}</td>
<td>{{ r.author_name }}</td><td><a href="/show/{{ r.id }}">{{ r.symbol }}</a></td>
<td>{{ r.summary }}</td><td>{{ r.state }}</td><td>{{ r.deadline or '' }}</td></tr>{% endfor %}
</tbody></table></body></html>"""
SHOW = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{{ r.symbol }}</title>
</head><body><dl>{% for k, v in r.items() %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}</dl>
</body></html>"""


def _unit():
    """The signed cookie names the user's unit (0: every unit)."""
    try:
        return int(signer.loads(request.cookies.get("u", "")))
    except (BadSignature, ValueError):
        abort(401)


def _rows(limit=25):
    unit = _unit()
    where, params = [], {"limit": limit,
                         "offset": max(int(request.args.get("page", 0)), 0) * limit}
    if unit:
        where.append("d.unit_id = :unit")
        params["unit"] = unit
    if request.args.get("type"):
        where.append("d.document_type_id = :type")
        params["type"] = int(request.args["type"])
    if request.args.get("since"):
        where.append("d.arrival_date >= :since")
        params["since"] = request.args["since"]
    order = ORDERS.get(request.args.get("order", ""), ORDERS[""])
    sql = (f"SELECT {COLUMNS} FROM incoming_document d "
           f"{'WHERE ' + ' AND '.join(where) if where else ''} "
           f"ORDER BY {order} LIMIT :limit OFFSET :offset")
    with engine.connect() as conn:
        return conn.execute(text(sql), params).mappings().all()


@app.get("/login/<int:unit>")
def login(unit):
    response = jsonify(ok=True)
    response.set_cookie("u", signer.dumps(unit))
    return response


@app.get("/list")
def list_page():
    return render_template_string(PAGE, rows=_rows())


@app.get("/api")
def api_list():
    return jsonify(result=[{k: (str(v) if v is not None else None) for k, v in r.items()}
                           for r in _rows(limit=20)])


@app.get("/search")
def search():
    """Accent-folded words in the summary (the folding is the app's: SQL lower() here)."""
    unit = _unit()
    q = request.args.get("q", "")
    params = {"q": f"%{q.lower()}%"}
    where = "lower(d.summary) LIKE :q"
    if unit:
        where += " AND d.unit_id = :unit"
        params["unit"] = unit
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {COLUMNS} FROM incoming_document d WHERE {where} "
                                 "ORDER BY d.id DESC LIMIT 25"), params).mappings().all()
    return render_template_string(PAGE, rows=rows)


@app.get("/show/<int:pk>")
def show(pk):
    unit = _unit()
    sql = ("SELECT d.*, t.name AS type_name, u.name AS unit_name FROM incoming_document d "
           "LEFT JOIN document_type t ON t.id = d.document_type_id "
           "JOIN unit u ON u.id = d.unit_id WHERE d.id = :pk")
    with engine.connect() as conn:
        row = conn.execute(text(sql), {"pk": pk}).mappings().first()
    if row is None or (unit and row["unit_id"] != unit):
        abort(404)
    return render_template_string(SHOW, r=row)
