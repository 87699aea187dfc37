"""Who may see and change an incoming document, on every route kind (project rule: a user
of another unit, and a user without the role, is refused 404/403 on list, show, edit,
delete, actions, downloads and the API).

Units VPHU and BTCHU each have a document waiting in the inbox (delivered by the other),
a registered one and one in progress (due today, with a result file); the list tests add
VPHU's overdue, completed-on-time and completed-late ones. BTCHU's clerk, head and official
must never see or change VPHU's documents (nor VPHU's staff BTCHU's); VPHU's unit IT
officer (no incoming role) is refused outright; the office role reads every unit and
changes nothing. Every refusal also checks that nothing at all changed in the database,
and is followed by the same request from a user who may make it, which must succeed.

Expected code of a refusal: 404 when the user holds the permission the route needs (the
row is outside their scope), 403 when they do not (FAB refuses before looking at rows)."""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.security import permissions as P
from tests import pdfs
from tests.checks import Failures, call, expect_scoped_reads
from tests.conftest import create_user, d, replay

OTHER_UNIT = ["vanthu.btchu", "lanhdao.btchu", "chuyenvien.btchu"]
NO_ROLE = "qtdv.vphu"
VPHU_STAFF = ["vanthu.vphu", "lanhdao.vphu", "chuyenvien.vphu"]

# What each role may do on incoming documents (app.security.permissions.ROLE_CONFIGS).
ROLE_PERMS = {
    "vanthu": {"read", "download", "intake", "process"},
    "lanhdao": {"read", "download", "assign", "process"},
    "chuyenvien": {"read", "download", "process"},
    "qtdv": set(),
    "vanphong": {"read", "download"},
}

KINDS = ("pending", "reg", "work", "overdue", "done", "late")
BASIC = KINDS[:3]  # in both units; the other kinds in VPHU only (fixture ``all_docs``)

# Every list screen, with the VPHU document that belongs in it and who sees it there.
VIEWS = {
    "incomingview": ("work", "vanthu.vphu"),
    "incominginboxview": ("pending", "vanthu.vphu"),
    "incomingtoassignview": ("reg", "lanhdao.vphu"),
    "incominginprogressview": ("work", "lanhdao.vphu"),
    "incomingneardueview": ("work", "vanthu.vphu"),
    "incomingoverdueview": ("overdue", "lanhdao.vphu"),
    "incomingdoneontimeview": ("done", "vanthu.vphu"),
    "incomingdonelateview": ("late", "chuyenvien.vphu"),
    "incomingtodoview": ("work", "chuyenvien.vphu"),
}
VIEW_CLASSES = {
    "incomingview": "IncomingView", "incominginboxview": "IncomingInboxView",
    "incomingtoassignview": "IncomingToAssignView",
    "incominginprogressview": "IncomingInProgressView",
    "incomingneardueview": "IncomingNearDueView", "incomingoverdueview": "IncomingOverdueView",
    "incomingdoneontimeview": "IncomingDoneOnTimeView",
    "incomingdonelateview": "IncomingDoneLateView", "incomingtodoview": "IncomingTodoView",
}

# The screens that change a document: path, permission, methods, who may use it.
WRITES = {
    "register": ("/incomingview/register/{pending}", "intake", ("get", "post"), "vanthu.vphu"),
    "refuse": ("/incomingview/refuse/{pending}", "intake", ("get", "post"), "vanthu.vphu"),
    "cancel": ("/incomingview/cancel/{reg}", "intake", ("post",), "vanthu.vphu"),
    "assign": ("/incomingview/assign/{reg}", "assign", ("get", "post"), "lanhdao.vphu"),
    "subassign": ("/incomingview/subassign/{work}/{unit_assignment}", "assign",
                  ("get", "post"), "lanhdao.hu"),
    "note": ("/incomingview/note/{work}", "process", ("post",), "chuyenvien.vphu"),
    "mark_read": ("/incomingview/mark_read/{work}", "process", ("post",), "vanthu.vphu"),
    "complete": ("/incomingview/complete/{work}", "process", ("get", "post"),
                 "chuyenvien.vphu"),
    "intake": ("/incomingview/intake", "intake", ("get", "post"), "vanthu.vphu"),
}
API_WRITES = {"register": ("pending", "intake"), "refuse": ("pending", "intake"),
              "assign": ("reg", "assign")}


SHOW_LINK = re.compile(r'/incoming\w*view/show/(\d+)"')


def refusal(user, permission):
    """The status a user who may not act on VPHU's document must get."""
    return 404 if permission in ROLE_PERMS[user.split(".")[0]] else 403


def marker(unit, kind):
    return f"{unit}-{kind}-mark"


def leaks(html, docs, unit):
    """The summaries of ``unit``'s documents, and links to them, found in ``html``."""
    kinds = [k for k in KINDS if k in docs[unit]]
    ids = {str(docs[unit][k]) for k in kinds}
    return ([marker(unit, k) for k in kinds if marker(unit, k) in html]
            + sorted(set(SHOW_LINK.findall(html)) & ids))


# -- fixtures ---------------------------------------------------------------------------

def _make(app, world, incoming, unit, kind):
    """One document of ``unit`` in the state ``kind``, made through the real services, with
    the summary "Trích yếu <unit>-<kind>-mark" and the symbol "<n>-CV/X<UNIT>"."""
    from app.extensions import db
    from app.incoming import services
    from app.incoming.models import IncomingDocument

    today = incoming.today()
    fields = dict(text=f"{unit} {kind}", summary=f"Trích yếu {marker(unit, kind)}",
                  symbol=f"{KINDS.index(kind) + 1}-CV/X{unit.upper()}")
    if kind == "pending":
        return incoming.deliver(to=unit, sender="btchu" if unit == "vphu" else "vphu",
                                **fields)
    if kind in ("overdue", "late"):
        fields.update(arrival_date=today - timedelta(days=20),
                      document_date=today - timedelta(days=22))
    pk = incoming.intake(clerk=f"vanthu.{unit}", **fields)
    if kind == "reg":
        return pk
    deadline = today + timedelta(days={"work": 0, "overdue": -5, "done": 10, "late": -5}[kind])
    # The work in progress has a unit party (the host unit HU) and an informed clerk.
    parties = (dict(cooperate=[("unit", "host")], inform=[f"vanthu.{unit}"])
               if kind == "work" else {})
    incoming.assign(pk, head=f"lanhdao.{unit}", lead=f"chuyenvien.{unit}", deadline=deadline,
                    **parties)
    with app.test_request_context():
        official = world.user(f"chuyenvien.{unit}")
        doc = db.session.get(IncomingDocument, pk)
        if kind == "work":
            services.add_note(db.session, doc, official, "Đang xử lý",
                              [incoming.stored_pdf(f"{unit} kết quả", "kết quả.pdf")])
        if kind in ("done", "late"):
            services.complete(db.session, doc, official, "Đã xử lý xong")
        db.session.commit()
        db.session.remove()
    return pk


def _add_documents(app, world, incoming, docs, unit, kinds):
    from app.extensions import db
    from app.incoming.models import IncomingDocument

    ids = docs.setdefault(unit, {"files": {}})
    for kind in kinds:
        ids[kind] = _make(app, world, incoming, unit, kind)
    with app.app_context():
        for kind in kinds:
            doc = db.session.get(IncomingDocument, ids[kind])
            ids["files"][kind] = [f.id for f in doc.files]
            if kind == "work":
                ids["unit_assignment"] = next(a.id for a in doc.assignments if a.unit_id)
        db.session.remove()


HOST_STAFF = (("lanhdao.hu", P.ROLE_HEAD), ("chuyenvien.hu", P.ROLE_OFFICIAL))


@pytest.fixture
def docs(app, world, incoming, database):
    """A pending (delivered by the other unit), a registered and an in-progress document
    in each of VPHU and BTCHU; a head and an official of the host unit HU, which
    cooperates on the work in progress. ``docs[unit][kind]`` is the document's id. Made
    once per run, copied back for the other tests (``replay``)."""

    def build():
        from app.extensions import db
        from app.units.models import Unit

        with app.app_context():
            host = db.session.get(Unit, world.ids["host"])
            for name, role in HOST_STAFF:
                world.ids[name] = create_user(db.session, app.appbuilder.sm, name, [role],
                                              host).id
            db.session.commit()
            db.session.remove()
        out = {"type_id": incoming.type_id}
        for unit in ("vphu", "btchu"):
            _add_documents(app, world, incoming, out, unit, BASIC)
        return out, {name: world.ids[name] for name, _role in HOST_STAFF}

    out, staff = replay(database, app, "incoming scope: docs", build)
    world.ids.update(staff)
    return out


@pytest.fixture
def all_docs(app, world, incoming, docs, database):
    """``docs``, and VPHU's documents in the other tracking lists: overdue, completed on
    time, completed late."""

    def build():
        _add_documents(app, world, incoming, docs, "vphu", ("overdue", "done", "late"))
        return docs

    docs.update(replay(database, app, "incoming scope: all_docs", build))
    return docs


def fingerprint(app):
    """Everything a refused request could have changed, to compare before and after."""
    from app.core.audit import AuditEvent
    from app.extensions import db
    from app.incoming import models as m
    from app.notifications.models import Notification

    with app.app_context():
        s = db.session
        out = {"docs": {doc.id: {c.name: getattr(doc, c.name) for c in doc.__table__.columns}
                        for doc in s.scalars(select(m.IncomingDocument))}}
        a = m.Assignment
        out["assignments"] = s.execute(select(
            a.id, a.active, a.read_at, a.started_at, a.completed_at).order_by(a.id)).all()
        for model in (m.IncomingFile, m.ProgressNote, m.ExchangeStatus, m.Rejection,
                      m.ReaderGrant, Notification):
            out[model.__name__] = s.scalars(select(model.id).order_by(model.id)).all()
        out["audit"] = s.execute(select(AuditEvent.action, AuditEvent.object_id).where(
            AuditEvent.action.like("incoming%") | AuditEvent.action.like("file_%"))
            .order_by(AuditEvent.id)).all()
        s.remove()
    return out


def downloads(app):
    """Who downloaded or opened a file, as (action, user name) pairs."""
    from app.core.audit import AuditEvent
    from app.extensions import db

    with app.app_context():
        rows = db.session.execute(select(AuditEvent.action, AuditEvent.username).where(
            AuditEvent.action.in_(("file_downloaded", "file_previewed")))).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def form_data(name, world, docs, incoming):
    """What a user who may do ``name`` would post: a valid form, so that only scope or
    permission can stop it."""
    today = incoming.today()
    if name == "register":
        return {"arrival_date": d(today), "sender_unit_id": str(world.ids["btchu"]),
                "symbol": "1-CV/XVPHU", "document_date": d(today - timedelta(days=2)),
                "document_type_id": str(docs["type_id"]), "summary": "Vào sổ lạ",
                "urgency": "0", "secrecy_confirmed": "y",
                "trust_reason": "Bản thử nghiệm chưa ký số"}
    if name in ("refuse", "cancel"):
        return {"reason": "Không thuộc thẩm quyền"}
    if name == "assign":
        return {"direction": "Giao xử lý", "lead": f"user:{world.ids['chuyenvien.vphu']}",
                "lead_deadline": d(today + timedelta(days=5))}
    if name == "subassign":
        return {"lead": f"user:{world.ids['chuyenvien.hu']}", "lead_deadline": d(today)}
    if name == "note":
        return {"text": "Ý kiến lạ"}
    if name == "complete":
        return {"result": "Đã xong"}
    if name == "intake":
        return {"channel": "paper", "arrival_date": d(today), "author_name": "Tỉnh ủy",
                "symbol": "77-CV/TU", "document_date": d(today), "summary": "Nhận lạ",
                "document_type_id": str(docs["type_id"]), "urgency": "0",
                "secrecy_confirmed": "y",
                "trust_reason": "Bản thử nghiệm chưa ký số",
                "main_file": (io.BytesIO(pdfs.clean_pdf("intake lạ")), "lạ.pdf")}
    return {}


# -- lists, document pages, slips and files ---------------------------------------------

@pytest.mark.parametrize("view", list(VIEWS))
def test_list_show_slip_and_files_are_scoped(app, all_docs, clients, view):
    docs = all_docs
    kind, owner = VIEWS[view]
    pk = docs["vphu"][kind]
    reads = [("list", f"/{view}/list/", "read"), ("show", f"/{view}/show/{pk}", "read"),
             ("slip", f"/{view}/slip/{pk}", "read")]
    reads += [(f"file {f}", f"/{view}/file/{f}", "download")
              for f in docs["vphu"]["files"][kind]]
    reads += [(f"preview {f}", f"/{view}/preview/{f}", "download")
              for f in docs["vphu"]["files"][kind]]
    before = fingerprint(app)
    failures = Failures()

    expect_scoped_reads(clients, reads, failures, others=OTHER_UNIT, no_role=NO_ROLE,
                        leaks=lambda html: leaks(html, docs, "vphu"), refusal=refusal)
    for user in VPHU_STAFF:  # and the other way round
        html = call(clients(user), "get", f"/{view}/list/", failures).get_data(as_text=True)
        failures.check(not leaks(html, docs, "btchu"), f"{user} {view} shows BTCHU's documents")
    failures.check(downloads(app) == [], "a refused download was recorded as done")
    failures.check(fingerprint(app) == before, "a refused request changed something")

    # The same routes work for the unit's own user: the refusals above are about scope.
    for name, path, _ in reads:
        resp = call(clients(owner), "get", path, failures)
        failures.expect(resp, 200, f"{owner} {path}")
        if name == "list":
            failures.check(marker("vphu", kind) in resp.get_data(as_text=True),
                           f"{owner} does not see {kind} in {view}")
    failures.check({u for _, u in downloads(app)} == {owner}, "downloads are not recorded")
    failures.assert_none()


def test_another_units_assignment_inside_an_own_document_url_is_404(app, docs, clients):
    """The assignment id of /subassign/<pk>/<assignment_id> is looked up in <pk>'s own."""
    path = f"/incomingview/subassign/{docs['btchu']['work']}/{docs['vphu']['unit_assignment']}"
    before = fingerprint(app)
    for method in ("get", "post"):
        assert getattr(clients("lanhdao.btchu"), method)(path).status_code == 404
    assert fingerprint(app) == before


# -- the screens that change a document ------------------------------------------------

@pytest.mark.parametrize("name", [n for n in WRITES if n != "intake"])
def test_write_screens_refuse_other_unit_and_no_role(app, world, incoming, docs, clients,
                                                     name):
    """GET and POST of a form on VPHU's document, from BTCHU's staff and VPHU's IT officer."""
    path, permission, methods, legit = WRITES[name]
    path = path.format(**docs["vphu"])
    before = fingerprint(app)
    failures = Failures()
    for user in OTHER_UNIT + [NO_ROLE]:
        for method in methods:
            resp = call(clients(user), method, path, failures,
                        data=form_data(name, world, docs, incoming))
            failures.expect(resp, refusal(user, permission), f"{user} {method.upper()} {path}")
    failures.check(fingerprint(app) == before, "a refused request changed something")

    # The unit's own user gets the form, and the same post does change the document.
    if "get" in methods:
        failures.expect(call(clients(legit), "get", path, failures), 200, f"{legit} GET")
    resp = call(clients(legit), "post", path, failures,
                data=form_data(name, world, docs, incoming))
    failures.expect(resp, 302, f"{legit} POST {path}")
    failures.check(fingerprint(app) != before, f"{legit}'s own {name} changed nothing")
    failures.assert_none()


WRONG_ROLE = {
    "chuyenvien.vphu": ["register", "refuse", "cancel", "assign", "subassign", "intake"],
    "vanthu.vphu": ["assign", "subassign"],
    "lanhdao.vphu": ["register", "refuse", "cancel", "intake"],
    NO_ROLE: ["intake"],  # its other routes: test_write_screens_refuse_other_unit_and_no_role
}


def test_same_unit_without_the_role_is_403(app, world, incoming, docs, clients, api):
    before = fingerprint(app)
    failures = Failures()
    for user, names in WRONG_ROLE.items():
        client, headers = api(user)
        for name in names:
            path, _, methods, _ = WRITES[name]
            path = path.format(**docs["vphu"])
            for method in methods:
                resp = call(clients(user), method, path, failures,
                            data=form_data(name, world, docs, incoming))
                failures.expect(resp, 403, f"{user} {method.upper()} {path}")
            if name in API_WRITES:
                pk = docs["vphu"][API_WRITES[name][0]]
                resp = client.post(f"/api/v1/incoming/{pk}/{name}", headers=headers,
                                   json=api_body(name, world, docs, incoming))
                failures.expect(resp, 403, f"{user} API {name}")
            if name == "intake":
                resp = client.post("/api/v1/incoming/intake", headers=headers,
                                   data=api_intake(docs, incoming))
                failures.expect(resp, 403, f"{user} API intake")
    failures.check(fingerprint(app) == before, "a refused request changed something")

    # The refused intakes were valid ones: the clerk's are accepted.
    resp = call(clients("vanthu.vphu"), "post", "/incomingview/intake", failures,
                data=form_data("intake", world, docs, incoming))
    failures.expect(resp, 302, "the clerk's intake")
    client, headers = api("vanthu.vphu")
    resp = client.post("/api/v1/incoming/intake", headers=headers,
                       data=api_intake(docs, incoming))
    failures.expect(resp, 201, f"the clerk's API intake ({resp.get_data(as_text=True)[:200]})")
    failures.check(len(fingerprint(app)["docs"]) == len(before["docs"]) + 2,
                   "the clerk's intakes made no document")
    failures.assert_none()


# -- FAB's generic routes ----------------------------------------------------------------

def generic_routes(prefix, pk):
    """FAB's own CRUD, download and old-style API routes of a ModelView."""
    return [("get", f"/{prefix}/add"), ("post", f"/{prefix}/add"),
            ("get", f"/{prefix}/edit/{pk}"), ("post", f"/{prefix}/edit/{pk}"),
            ("post", f"/{prefix}/delete/{pk}"), ("get", f"/{prefix}/download/{pk}.pdf"),
            ("get", f"/{prefix}/api"), ("get", f"/{prefix}/api/read"),
            ("get", f"/{prefix}/api/get/{pk}"), ("post", f"/{prefix}/api/create"),
            ("put", f"/{prefix}/api/update/{pk}"), ("delete", f"/{prefix}/api/delete/{pk}"),
            ("get", f"/{prefix}/api/column/add/document_type"),
            ("get", f"/{prefix}/api/readvalues")]


def action_routes(prefix, pk):
    """FAB's action routes (no incoming view defines an action)."""
    return [("post", f"/{prefix}/action/delete/{pk}"),
            ("post", f"/{prefix}/action/muldelete/{pk}"), ("post", f"/{prefix}/action_post")]


FORGED = {"summary": "Sửa lạ", "reason": "Sửa lạ", "action": "muldelete"}
GENERIC_USERS = ("admin", "vanthu.vphu", "vanthu.btchu", NO_ROLE, None)


def assert_fab_routes_refused(app, clients, routes, other_views_routes, rowids, what):
    """Every user of GENERIC_USERS sends ``routes`` of the main list, and the admin
    ``other_views_routes(view)`` of every other list, with each of ``rowids`` and forged
    fields: all refused (403, 404 or 405), none crashes, nothing changes."""
    before = fingerprint(app)
    failures = Failures()
    attempts = [(user, method, path) for user in GENERIC_USERS for method, path in routes]
    attempts += [("admin", method, path) for view in VIEWS if view != "incomingview"
                 for method, path in other_views_routes(view)]
    for user, method, path in attempts:
        for rowid in rowids:
            resp = call(clients(user), method, path, failures,
                        data={**FORGED, "rowid": rowid})
            failures.expect(resp, (403, 404, 405), f"{user} {method.upper()} {path} {rowid}")
    failures.check(fingerprint(app) == before, f"{what} changed something")
    failures.assert_none()


def test_fab_generic_routes_do_not_exist(app, docs, clients):
    """Documents change only through the forms: FAB's add/edit/delete/download/api are
    not routed on any incoming list, for any user (admin included)."""
    pk = docs["vphu"]["reg"]
    assert_fab_routes_refused(app, clients, generic_routes("incomingview", pk),
                              lambda view: generic_routes(view, pk)[:7], [[str(pk)]],
                              "a generic route")


def test_fab_action_routes_are_refused(app, docs, clients):
    """FAB routes /action/<name>/<pk> and /action_post on every incoming list, though none
    defines an action: any post must be refused, never crash. (FAB answers a GET with a
    redirect, refusing mutations by GET.)"""
    pk = docs["vphu"]["reg"]
    assert_fab_routes_refused(app, clients, action_routes("incomingview", pk),
                              lambda view: action_routes(view, pk), [[str(pk)], []],
                              "an action route")


# -- search, order and page parameters --------------------------------------------------

def test_search_order_and_page_cannot_widen_scope(app, world, docs, clients):
    btchu, type_id, btchu_reg = world.ids["btchu"], docs["type_id"], docs["btchu"]["reg"]
    queries = [f"_flt_0_unit={btchu}", f"_flt_0_unit_id={btchu}", f"_flt_3_unit_id={btchu}",
               "_flt_3_state=pending", "_flt_3_state=registered", "_flt_7_state=x",
               "_flt_2_summary=mark", "_flt_2_summary=btchu", "_flt_2_symbol=XBTCHU",
               f"_flt_0_document_type={type_id}", f"_flt_1_document_type={type_id}",
               f"_flt_0_id={btchu_reg}", f"_flt_3_id={btchu_reg}",
               "_oc_{cls}=symbol&_od_{cls}=desc", "_oc_{cls}=unit.name&_od_{cls}=asc",
               "_oc_{cls}=unit_id&_od_{cls}=desc", "psize_{cls}=100&page_{cls}=0",
               "page_{cls}=1", "psize_{cls}=1000000"]
    failures = Failures()
    for user in ("vanthu.vphu", "chuyenvien.vphu"):  # sees the whole unit / only their own
        for q in queries:
            path = "/incomingview/list/?" + q.format(cls="IncomingView")
            resp = call(clients(user), "get", path, failures)
            failures.expect(resp, (200, 400), f"{user} {path}")
            found = leaks(resp.get_data(as_text=True), docs, "btchu")
            failures.check(not found, f"{user} {path} shows BTCHU's {found}")
    for view, cls in VIEW_CLASSES.items():
        for q in ("_flt_7_state=x&psize_{cls}=100", f"_flt_0_unit={btchu}"):
            path = f"/{view}/list/?" + q.format(cls=cls)
            html = call(clients("lanhdao.vphu"), "get", path, failures).get_data(as_text=True)
            failures.check(not leaks(html, docs, "btchu"), f"lanhdao.vphu {path} shows BTCHU's")
    # The filters themselves work: a search keeps the user's own documents.
    html = clients("vanthu.vphu").get("/incomingview/list/?_flt_2_summary=mark").get_data(
        as_text=True)
    failures.check(marker("vphu", "reg") in html, "the summary search found nothing")
    failures.assert_none()


def test_bad_order_and_page_parameters_are_not_server_errors(app, docs, clients, api):
    """FAB passes ``_oc_<View>`` to the query unchecked (it is not limited to the view's
    order_columns) and ``psize_``/``page_`` unchecked (a negative LIMIT/OFFSET is an error
    on PostgreSQL; SQLite reads LIMIT -1 as "no limit")."""
    failures = Failures()
    for q in ("_oc_IncomingView=unit&_od_IncomingView=asc",
              "_oc_IncomingView=assignments&_od_IncomingView=asc",
              "_oc_IncomingView=no_such_column&_od_IncomingView=asc",
              "psize_IncomingView=-1", "page_IncomingView=-1"):
        path = "/incomingview/list/?" + q
        failures.expect(call(clients("vanthu.vphu"), "get", path, failures), (200, 400), path)
    client, headers = api("vanthu.vphu")
    for q in ("(page_size:-1)", "(page:-1,page_size:10)", "(order_column:unit)"):
        resp = call(client, "get", "/api/v1/incoming/?q=" + q, failures, headers=headers)
        failures.expect(resp, (200, 400), f"API {q}")
    failures.assert_none()


def test_document_type_dropdown_of_the_search_form_loads(app, docs, clients):
    option = f'<option value="{docs["type_id"]}">Công văn (CV)</option>'
    for user in ("vanthu.vphu", "chuyenvien.btchu", "vanphong"):
        resp = clients(user).get("/incomingview/list/")
        assert resp.status_code == 200
        # The search form's widgets are embedded as JSON in the page.
        html = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)),
                      resp.get_data(as_text=True)).replace('\\"', '"')
        assert option in html, user


# -- the API ----------------------------------------------------------------------------

def api_intake(docs, incoming):
    today = incoming.today().isoformat()
    return {"file": (io.BytesIO(pdfs.clean_pdf("api intake")), "api.pdf"), "channel": "paper",
            "arrival_date": today, "document_date": today, "author_name": "Tỉnh ủy",
            "document_type_id": str(docs["type_id"]), "summary": "Nhận qua API",
            "symbol": "88-CV/TU", "secrecy": "Không mật"}


def api_body(name, world, docs, incoming):
    today = incoming.today()
    if name == "register":
        return {"arrival_date": today.isoformat(), "sender_unit_id": world.ids["btchu"],
                "document_date": (today - timedelta(days=2)).isoformat(),
                "document_type_id": docs["type_id"], "summary": "Vào sổ qua API",
                "symbol": "1-CV/XVPHU", "secrecy": "Không mật",
                "trust_reason": "Bản thử nghiệm chưa ký số"}
    if name == "refuse":
        return {"reason": "Không thuộc thẩm quyền"}
    return {"direction": "Giao", "parties": [
        {"role": "lead", "user_id": world.ids["chuyenvien.vphu"],
         "deadline": (today + timedelta(days=5)).isoformat()}]}


def ids_of(docs, unit, kinds=KINDS):
    return {docs[unit][k] for k in kinds if k in docs[unit]}


def test_api_list_get_and_filters_are_scoped(app, world, all_docs, api):
    docs = all_docs
    failures = Failures()
    vphu_ids, btchu_ids = ids_of(docs, "vphu"), ids_of(docs, "btchu")
    expected = {"vanthu.btchu": btchu_ids, "lanhdao.btchu": btchu_ids,
                "chuyenvien.btchu": ids_of(docs, "btchu", ["work"]), "vanthu.vphu": vphu_ids}
    for user, ids in expected.items():
        client, headers = api(user)
        resp = client.get("/api/v1/incoming/?q=(page_size:100)", headers=headers)
        failures.expect(resp, 200, f"{user} list")
        got = set(resp.json.get("ids", []))
        failures.check(got == ids and resp.json.get("count") == len(ids),
                       f"{user} list: ids {sorted(got)} count {resp.json.get('count')}, "
                       f"expected {sorted(ids)}")
    for user in OTHER_UNIT + [NO_ROLE]:
        client, headers = api(user)
        for pk in sorted(vphu_ids):
            resp = client.get(f"/api/v1/incoming/{pk}", headers=headers)
            failures.expect(resp, refusal(user, "read"), f"{user} GET {pk}")
    client, headers = api(NO_ROLE)
    failures.expect(client.get("/api/v1/incoming/", headers=headers), 403, "no role list")

    # Rison filters, order and columns never widen what a VPHU clerk gets.
    btchu = world.ids["btchu"]
    client, headers = api("vanthu.vphu")
    for q in [f"(filters:!((col:unit_id,opr:eq,value:{btchu})))",
              f"(filters:!((col:unit,opr:rel_o_m,value:{btchu})))",
              f"(filters:!((col:id,opr:eq,value:{docs['btchu']['reg']})))",
              "(filters:!((col:state,opr:eq,value:pending)))",
              "(filters:!((col:state,opr:neq,value:x)),page_size:100)",
              "(filters:!((col:summary,opr:ct,value:btchu)))",
              "(filters:!((col:symbol,opr:ct,value:XBTCHU)))",
              "(order_column:unit_id,order_direction:asc)",
              "(order_column:arrival_number,order_direction:desc,page:0,page_size:100)",
              "(columns:!(id,unit_id,summary),page_size:100)"]:
        resp = client.get("/api/v1/incoming/?q=" + q, headers=headers)
        failures.expect(resp, (200, 400), q)
        if resp.status_code == 200:
            found = set(resp.json["ids"]) & btchu_ids
            failures.check(not found, f"{q} returns BTCHU's {sorted(found)}")
            failures.check(not leaks(resp.get_data(as_text=True), docs, "btchu"), q)
    failures.assert_none()


@pytest.mark.parametrize("name", list(API_WRITES))
def test_api_writes_refuse_other_unit_and_no_role(app, world, incoming, docs, api, name):
    kind, permission = API_WRITES[name]
    path = f"/api/v1/incoming/{docs['vphu'][kind]}/{name}"
    body = api_body(name, world, docs, incoming)
    before = fingerprint(app)
    failures = Failures()
    for user in OTHER_UNIT + [NO_ROLE]:
        client, headers = api(user)
        resp = client.post(path, headers=headers, json=body)
        failures.expect(resp, refusal(user, permission), f"{user} POST {path}")
    failures.check(fingerprint(app) == before, "a refused request changed something")
    legit = "vanthu.vphu" if permission == "intake" else "lanhdao.vphu"
    client, headers = api(legit)
    resp = client.post(path, headers=headers, json=body)
    failures.expect(resp, 200, f"{legit} POST {path} ({resp.get_data(as_text=True)[:200]})")
    failures.assert_none()


def test_anonymous_is_sent_to_login_or_401(app, docs, clients):
    vphu = docs["vphu"]
    pk, f = vphu["pending"], vphu["files"]["pending"][0]
    before = fingerprint(app)
    failures = Failures()
    anon = clients(None)
    for method, path in [("get", "/incomingview/list/"), ("get", f"/incomingview/show/{pk}"),
                         ("get", f"/incomingview/file/{f}"), ("get", f"/incomingview/preview/{f}"),
                         ("get", f"/incomingview/slip/{pk}"), ("get", "/incominginboxview/list/"),
                         ("post", f"/incomingview/register/{pk}"),
                         ("post", f"/incomingview/refuse/{pk}"), ("get", "/rejectionview/list/"),
                         ("get", "/readergrantview/list/"), ("post", "/incomingview/intake")]:
        resp = call(anon, method, path, failures, data={"reason": "x"})
        failures.check(resp.status_code == 302 and "/login/" in resp.headers["Location"],
                       f"anonymous {method.upper()} {path}: {resp.status_code}")
    for method, path in [("get", "/api/v1/incoming/"), ("get", f"/api/v1/incoming/{pk}"),
                         ("post", f"/api/v1/incoming/{pk}/register"),
                         ("post", f"/api/v1/incoming/{pk}/refuse"),
                         ("post", f"/api/v1/incoming/{pk}/assign"),
                         ("post", "/api/v1/incoming/intake")]:
        failures.expect(call(anon, method, path, failures, json={}), 401, f"anonymous {path}")
    failures.check(fingerprint(app) == before, "an anonymous request changed something")
    failures.assert_none()


# -- the office role: reads every unit, changes nothing ---------------------------------

def test_office_reads_every_unit_and_changes_nothing(app, world, incoming, docs, clients,
                                                     api):
    before = fingerprint(app)
    failures = Failures()
    client, headers = api("vanphong")
    for unit in ("vphu", "btchu"):
        for name, (path, _, methods, _) in WRITES.items():
            path = path.format(**docs[unit])
            for method in methods:
                resp = call(clients("vanphong"), method, path, failures,
                            data=form_data(name, world, docs, incoming))
                failures.expect(resp, 403, f"vanphong {method.upper()} {path}")
        for name, (kind, _) in API_WRITES.items():
            resp = client.post(f"/api/v1/incoming/{docs[unit][kind]}/{name}", headers=headers,
                               json=api_body(name, world, docs, incoming))
            failures.expect(resp, (403, 422), f"vanphong API {name} {unit}")
    resp = client.post("/api/v1/incoming/intake", headers=headers,
                       data=api_intake(docs, incoming))
    failures.expect(resp, 403, "vanphong API intake")
    failures.check(fingerprint(app) == before, "the office changed something")

    c = clients("vanphong")
    html = c.get("/incomingview/list/").get_data(as_text=True)
    failures.check(marker("vphu", "reg") in html and marker("btchu", "reg") in html,
                   "the office does not list every unit's documents")
    btchu = docs["btchu"]
    for path in (f"/incomingview/show/{btchu['reg']}", f"/incomingview/slip/{btchu['reg']}",
                 f"/incomingview/file/{btchu['files']['reg'][0]}"):
        failures.expect(c.get(path), 200, f"vanphong {path}")
    listing = client.get("/api/v1/incoming/?q=(page_size:100)", headers=headers).json
    everything = ids_of(docs, "vphu") | ids_of(docs, "btchu")
    failures.check(set(listing["ids"]) == everything and listing["count"] == len(everything),
                   f"office API list: {listing['ids']}")
    failures.expect(client.get(f"/api/v1/incoming/{btchu['reg']}", headers=headers), 200,
                    "office API get")
    failures.assert_none()


# -- refusals (từ chối) ----------------------------------------------------------------

def test_rejections_are_seen_by_both_units_and_the_office_only(app, world, docs, clients):
    from app.extensions import db
    from app.incoming import services
    from app.incoming.models import IncomingDocument
    from app.security import permissions as P
    from app.units.models import Unit

    with app.test_request_context():
        doc = db.session.get(IncomingDocument, docs["vphu"]["pending"])
        rejection = services.refuse(db.session, doc, world.user("vanthu.vphu"),
                                    "Lý do riêng của VPHU")
        third = Unit(name="Ban Tuyên giáo Huyện ủy", abbreviation="BTGHU", kind="advisory",
                     code="000.00.03.H31", parent_id=world.ids["host"])
        db.session.add(third)
        db.session.flush()
        sm = app.appbuilder.sm
        create_user(db.session, sm, "vanthu.btghu", [P.ROLE_CLERK], third)
        create_user(db.session, sm, "lanhdao.btghu", [P.ROLE_HEAD], third)
        db.session.commit()
        rid = rejection.id
        db.session.remove()

    before = fingerprint(app)
    failures = Failures()
    readers = ["vanthu.vphu", "lanhdao.vphu", "vanthu.btchu", "lanhdao.btchu", "vanphong"]
    for user in readers + ["vanthu.btghu", "lanhdao.btghu", "chuyenvien.vphu", NO_ROLE]:
        c = clients(user)
        allowed = user in readers
        no_role = user in ("chuyenvien.vphu", NO_ROLE)
        resp = call(c, "get", "/rejectionview/list/", failures)
        failures.expect(resp, 403 if no_role else 200, f"{user} rejection list")
        if not no_role:
            seen = "Lý do riêng của VPHU" in resp.get_data(as_text=True)
            failures.check(seen == allowed, f"{user} sees the refusal: {seen}")
        resp = call(c, "get", f"/rejectionview/show/{rid}", failures)
        failures.expect(resp, 403 if no_role else (200 if allowed else 404), f"{user} show")
    # The sender sees the refusal, never the refusing unit's document.
    failures.expect(clients("vanthu.btchu").get(f"/incomingview/show/{docs['vphu']['pending']}"),
                    404, "sender opens the refused document")
    for user in ("admin", "vanthu.vphu", "vanthu.btchu"):
        for method, path in generic_routes("rejectionview", rid) + action_routes(
                "rejectionview", rid):
            resp = call(clients(user), method, path, failures,
                        data={**FORGED, "rowid": [str(rid)]})
            failures.expect(resp, (403, 404, 405), f"{user} {method.upper()} {path}")
    failures.check(fingerprint(app) == before, "a rejection request changed something")
    failures.assert_none()


# -- who sees all of the unit's documents (ReaderGrant) ---------------------------------

def _grants(app):
    from app.extensions import db
    from app.incoming.models import ReaderGrant

    with app.app_context():
        rows = db.session.execute(select(ReaderGrant.id, ReaderGrant.user_id,
                                         ReaderGrant.unit_id)).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def test_reader_grants_are_scoped(app, world, docs, clients):
    official = world.ids["chuyenvien.vphu"]
    failures = Failures()
    # Another unit's head is not offered VPHU's official, and cannot grant it by a post.
    html = clients("lanhdao.btchu").get("/readergrantview/add").get_data(as_text=True)
    failures.check(f'value="{official}"' not in html, "BTCHU's head is offered VPHU's official")
    failures.check(f'value="{world.ids["chuyenvien.btchu"]}"' in html, "own official missing")
    resp = call(clients("lanhdao.btchu"), "post", "/readergrantview/add", failures,
                data={"user": str(official), "unit": str(world.ids["vphu"])})
    failures.expect(resp, (200, 302, 403, 404), "lanhdao.btchu add")
    failures.check(_grants(app) == [], f"lanhdao.btchu granted: {_grants(app)}")

    # VPHU's head does; the official then sees VPHU's documents, still not BTCHU's.
    resp = clients("lanhdao.vphu").post("/readergrantview/add", data={"user": str(official)})
    assert resp.status_code == 302
    [(gid, user_id, unit_id)] = _grants(app)
    assert (user_id, unit_id) == (official, world.ids["vphu"])
    c = clients("chuyenvien.vphu")
    failures.expect(c.get(f"/incomingview/show/{docs['vphu']['reg']}"), 200, "granted show")
    failures.expect(c.get(f"/incomingview/show/{docs['btchu']['reg']}"), 404, "granted other")
    failures.check(f"/readergrantview/show/{gid}" in
                   clients("lanhdao.vphu").get("/readergrantview/list/").get_data(as_text=True),
                   "VPHU's head does not see the grant in the list")

    html = clients("lanhdao.btchu").get("/readergrantview/list/").get_data(as_text=True)
    failures.check(f"/readergrantview/show/{gid}" not in html, "BTCHU's head lists the grant")
    for method, path in [("get", f"/readergrantview/show/{gid}"),
                         ("post", f"/readergrantview/delete/{gid}"),
                         ("get", f"/readergrantview/edit/{gid}"),
                         ("post", f"/readergrantview/edit/{gid}")]:
        resp = call(clients("lanhdao.btchu"), method, path, failures)
        failures.expect(resp, 404, f"lanhdao.btchu {method.upper()} {path}")
    for user in ("vanthu.vphu", "chuyenvien.vphu", NO_ROLE, "vanthu.btchu"):
        for method, path in [("get", "/readergrantview/list/"), ("get", "/readergrantview/add"),
                             ("post", "/readergrantview/add"),
                             ("get", f"/readergrantview/show/{gid}"),
                             ("post", f"/readergrantview/delete/{gid}")]:
            resp = call(clients(user), method, path, failures, data={"user": str(official)})
            failures.expect(resp, 403, f"{user} {method.upper()} {path}")
    failures.check(_grants(app) == [(gid, official, world.ids["vphu"])],
                   f"the grant changed: {_grants(app)}")
    failures.assert_none()


# -- notifications ----------------------------------------------------------------------

def test_notifications_of_other_users_are_not_visible(app, world, docs, clients):
    from app.extensions import db
    from app.notifications.models import Notification

    with app.app_context():
        theirs = db.session.scalars(select(Notification.id).where(
            Notification.user_id == world.ids["vanthu.vphu"])).all()
        db.session.remove()
    assert theirs, "the fixture should have notified VPHU's clerk"
    before = fingerprint(app)
    failures = Failures()
    for user in ("vanthu.btchu", "lanhdao.vphu", "admin", "vanphong"):
        c = clients(user)
        html = c.get("/notificationview/list/").get_data(as_text=True)
        failures.check(marker("vphu", "pending") not in html,
                       f"{user} sees VPHU's clerk's notification")
        for pk in theirs:
            failures.expect(call(c, "get", f"/notificationview/show/{pk}", failures), 404,
                            f"{user} show {pk}")
            failures.expect(call(c, "post", f"/notificationview/action/mark_read/{pk}",
                                 failures), 404, f"{user} mark_read {pk}")
            resp = call(c, "post", "/notificationview/action_post", failures,
                        data={"action": "mark_read", "rowid": [str(pk)]})
            failures.expect(resp, 404, f"{user} action_post {pk}")
            resp = call(c, "get", f"/notificationview/open/{pk}", failures)
            failures.expect(resp, (302, 404), f"{user} open {pk}")
    failures.check(fingerprint(app) == before, "another user's notification changed")
    with app.app_context():
        unread = db.session.scalars(select(Notification.read_at).where(
            Notification.id.in_(theirs))).all()
        db.session.remove()
    failures.check(all(r is None for r in unread), "another user marked them read")
    failures.assert_none()


