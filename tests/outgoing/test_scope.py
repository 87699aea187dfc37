"""Who may see and change an outgoing document, on every route (project rule: a user of
another unit is refused 404, a user without the role 403, on lists, show, every step's
form, files, FAB's generic routes and the numbering series).

Units VPHU and BTCHU each have a document in each state (draft, review, signed, numbered
with its final PDF, issued); the list tests add VPHU's returned, late, refused and
recalled ones. BTCHU's clerk, head and official must never see or change VPHU's documents;
VPHU's unit IT officer (no outgoing role) is refused outright; in VPHU itself a role that
does not take a step is refused it (403); the office (Văn phòng) reads every unit and
changes nothing. Every refusal checks that nothing changed in the database, and is
followed by the same request from the user who may make it, which must succeed.

Expected code of a refusal: 404 when the user holds the permission the route needs (the
row is outside their scope), 403 when they do not (FAB refuses before looking at rows)."""

import functools
import io
import re

import pytest
from sqlalchemy import select

from tests import pdfs
from tests.checks import Failures, call, expect_scoped_reads
from tests.conftest import d, replay
from tests.outgoing.test_lifecycle import (
    LINK_RE,
    OutgoingKit,
    draft_form,
    list_table,
    snapshot,
)

OTHER_UNIT = ["vanthu.btchu", "lanhdao.btchu", "chuyenvien.btchu"]
NO_ROLE = "qtdv.vphu"
VPHU_STAFF = ["vanthu.vphu", "lanhdao.vphu", "chuyenvien.vphu"]

# What each role may do on outgoing documents (app.security.permissions.ROLE_CONFIGS).
ROLE_PERMS = {
    "vanthu": {"read", "download", "draft", "issue"},
    "lanhdao": {"read", "download", "draft", "sign"},
    "chuyenvien": {"read", "download", "draft"},
    "qtdv": set(),
    "vanphong": {"read", "download"},
}

BASIC = ("draft", "review", "signed", "numbered", "issued")
EXTRA = ("returned", "late", "refused", "recalled")  # VPHU only (fixture ``all_docs``)

# Every list screen, with the VPHU document that belongs in it and who sees it there.
VIEWS = {
    "outgoingview": ("draft", "vanthu.vphu"),
    "outgoingdraftsview": ("draft", "chuyenvien.vphu"),
    "outgoingwaitingformeview": ("review", "lanhdao.vphu"),
    "outgoingreturnedtomeview": ("returned", "chuyenvien.vphu"),
    "outgoingtonumberview": ("signed", "vanthu.vphu"),
    "outgoingtoissueview": ("numbered", "vanthu.vphu"),
    "outgoingissuedview": ("issued", "vanthu.vphu"),
    "outgoinglateview": ("late", "vanthu.vphu"),
    "outgoingrefusedview": ("refused", "chuyenvien.vphu"),
    "outgoingrecalledview": ("recalled", "vanthu.vphu"),
}
VIEW_CLASSES = {
    "outgoingview": "OutgoingView", "outgoingdraftsview": "OutgoingDraftsView",
    "outgoingwaitingformeview": "OutgoingWaitingForMeView",
    "outgoingreturnedtomeview": "OutgoingReturnedToMeView",
    "outgoingtonumberview": "OutgoingToNumberView",
    "outgoingtoissueview": "OutgoingToIssueView", "outgoingissuedview": "OutgoingIssuedView",
    "outgoinglateview": "OutgoingLateView", "outgoingrefusedview": "OutgoingRefusedView",
    "outgoingrecalledview": "OutgoingRecalledView",
}

# The screens that change a document: path, permission, methods, who may use it.
WRITES = {
    "version": ("/outgoingview/version/{draft}", "draft", ("post",), "chuyenvien.vphu"),
    "recipients": ("/outgoingview/recipients/{draft}", "draft", ("get", "post"),
                   "chuyenvien.vphu"),
    "submit": ("/outgoingview/submit/{draft}", "draft", ("get", "post"), "chuyenvien.vphu"),
    "return": ("/outgoingview/return/{review}", "draft", ("get", "post"), "lanhdao.vphu"),
    "sign": ("/outgoingview/sign/{review}", "sign", ("get", "post"), "lanhdao.vphu"),
    "number": ("/outgoingview/number/{signed}", "issue", ("get", "post"), "vanthu.vphu"),
    "cancel_number": ("/outgoingview/cancel_number/{numbered}", "issue", ("post",),
                      "vanthu.vphu"),
    "final": ("/outgoingview/final/{numbered}", "issue", ("get", "post"), "vanthu.vphu"),
    "issue": ("/outgoingview/issue/{numbered}", "issue", ("get", "post"), "vanthu.vphu"),
    "recall": ("/outgoingview/recall/{issued}", "issue", ("get", "post"), "vanthu.vphu"),
    "draft": ("/outgoingview/draft", "draft", ("get", "post"), "chuyenvien.vphu"),
}

WRONG_ROLE = {
    "chuyenvien.vphu": ["sign", "number", "cancel_number", "final", "issue", "recall"],
    "vanthu.vphu": ["sign"],
    "lanhdao.vphu": ["number", "cancel_number", "final", "issue", "recall"],
    NO_ROLE: ["draft"],  # its other routes: test_write_screens_refuse_other_unit_and_no_role
}


def refusal(user, permission):
    """The status a user who may not act on VPHU's document must get."""
    return 404 if permission in ROLE_PERMS[user.split(".")[0]] else 403


def marker(unit, kind):
    return f"{unit}-{kind}-mark"


def leaks(html, docs, unit):
    """``unit``'s documents found in the rows of a list page: summaries and links."""
    table = list_table(html)
    kinds = [k for k in BASIC + EXTRA if k in docs[unit]]
    ids = {str(docs[unit][k]) for k in kinds}
    return ([marker(unit, k) for k in kinds if marker(unit, k) in table]
            + sorted(set(LINK_RE.findall(table)) & ids))


# -- fixtures ---------------------------------------------------------------------------

_clean_pdf = functools.cache(pdfs.clean_pdf)
_docx = functools.cache(pdfs.docx_bytes)


@pytest.fixture
def kit(app, world, database, monkeypatch):
    """The kit of the outgoing tests; its rows (the host unit's staff, a third unit, the
    type, the term) made once per run, copied back for the other tests (``replay``), where
    the kit finds them."""
    monkeypatch.setattr(pdfs, "clean_pdf", _clean_pdf)  # same bytes, made once per run
    monkeypatch.setattr(pdfs, "docx_bytes", _docx)
    replay(database, app, "outgoing scope: kit", lambda: OutgoingKit(app, world).type_id)
    return OutgoingKit(app, world)


def _make(kit, unit, kind):
    summary = f"Trích yếu {marker(unit, kind)}"
    if kind in BASIC + ("returned", "recalled"):
        return kit.make(unit, kind, units=("host",), summary=summary)
    if kind == "late":
        return kit.make(unit, "issued", units=("host",), summary=summary, signed_days_ago=10,
                        late_reason="Chờ ý kiến")
    assert kind == "refused"
    from app.extensions import db
    from app.incoming import services as incoming
    from app.incoming.models import IncomingDocument

    pk = kit.make(unit, "issued", units=("host",), summary=summary)
    [recipient] = kit.recipients(pk)
    with kit.app.test_request_context():
        doc = db.session.get(IncomingDocument, recipient["incoming_document_id"])
        incoming.refuse(db.session, doc, kit.world.user("vanthu.hu"), "Không đúng thẩm quyền")
        db.session.commit()
        db.session.remove()
    return pk


def _add_documents(kit, docs, unit, kinds):
    out = docs.setdefault(unit, {"files": {}, "pdfs": {}})
    for kind in kinds:
        out[kind] = _make(kit, unit, kind)
        files = kit.files(out[kind])
        out["files"][kind] = [f["id"] for f in files]
        out["pdfs"][kind] = [f["id"] for f in files if f["mime"] == "application/pdf"]


@pytest.fixture
def docs(app, world, kit, database):
    """A document in each BASIC state in each of VPHU and BTCHU, sent to the host unit;
    ``docs[unit][kind]`` is its id, ``docs[unit]["files"][kind]`` its files. Made once per
    run, copied back for the other tests (``replay``)."""

    def build():
        out = {"type_id": kit.type_id, "today": kit.today()}
        for unit in ("vphu", "btchu"):
            _add_documents(kit, out, unit, BASIC)
        return out

    return replay(database, app, "outgoing scope: docs", build)


@pytest.fixture
def all_docs(app, kit, docs, database):
    """``docs``, and VPHU's documents in the other lists: returned, late, refused,
    recalled."""

    def build():
        _add_documents(kit, docs, "vphu", EXTRA)
        return docs

    docs.update(replay(database, app, "outgoing scope: all_docs", build))
    return docs


@pytest.fixture
def top_bar_once(app, monkeypatch):
    """Each user's top bar counted once for the test, then shown again as counted: for a
    test whose requests only read, the counts cannot change between them (the top bar's own
    tests count it on every page). The pages are the same; only the counting is saved."""
    from flask import g

    processors = app.template_context_processors[None]
    counted = {}

    def top_bar():
        user_id = getattr(g.user, "id", None)
        if user_id not in counted:
            real = next(found["top_bar"] for found in (p() for p in processors)
                        if "top_bar" in found)
            counted[user_id] = real()
        return counted[user_id]

    monkeypatch.setitem(app.template_context_processors, None,
                        [*processors, lambda: {"top_bar": top_bar}])


def fingerprint(app):
    """Everything a refused request could have changed, to compare before and after."""
    from app.core.audit import AuditEvent
    from app.extensions import db
    from app.notifications.models import Notification
    from app.outgoing.models import NumberSeries

    out = snapshot(app)
    with app.app_context():
        s = db.session
        out["all_audit"] = s.execute(select(AuditEvent.action, AuditEvent.object_id).where(
            AuditEvent.action.notin_(("login", "logout"))).order_by(AuditEvent.id)).all()
        out["notifications"] = s.scalars(select(Notification.id).order_by(Notification.id)).all()
        out["series"] = s.execute(select(NumberSeries.id, NumberSeries.unit_id,
                                         NumberSeries.document_type_id, NumberSeries.scope,
                                         NumberSeries.active).order_by(NumberSeries.id)).all()
        s.remove()
    return out


def downloads(app):
    """Who downloaded or opened a file, as (action, user name) pairs."""
    from app.core.audit import AuditEvent
    from app.extensions import db

    with app.app_context():
        found = db.session.execute(select(AuditEvent.action, AuditEvent.username).where(
            AuditEvent.action.in_(("file_downloaded", "file_previewed")))).all()
        db.session.remove()
    return [tuple(r) for r in found]


def form_data(name, world, kit):
    """What a user who may do ``name`` would post: a valid form (fresh file streams), so
    that only scope or permission can stop it."""
    ids = world.ids
    today = kit.today()
    if name == "version":
        return {"draft_file": (io.BytesIO(pdfs.docx_bytes("Phiên bản lạ")), "lạ.docx")}
    if name == "recipients":
        return {"units": [str(ids["btchu"])], "outside": "Sở Nội vụ; email"}
    if name == "submit":
        return {"to_user_id": str(ids["lanhdao.vphu"]), "comment": "Trình lạ"}
    if name == "return":
        return {"comment": "Trả lại lạ"}
    if name == "sign":
        return {"signing_form": "T/M"}
    if name == "number":
        return {"document_date": d(today)}
    if name in ("cancel_number", "recall"):
        return {"reason": "Lý do lạ"}
    if name == "final":
        return {"final_file": (io.BytesIO(pdfs.clean_pdf("Bản ký lạ")), "lạ.pdf")}
    if name == "issue":
        return {"late_reason": ""}
    assert name == "draft"
    return draft_form(kit, units=[str(ids["host"])], outside="")


def post_kwargs(name, world, kit):
    return {"data": form_data(name, world, kit), "content_type": "multipart/form-data"}


# -- lists, document pages and files ----------------------------------------------------

@pytest.mark.parametrize("view", list(VIEWS))
def test_list_show_and_files_are_scoped(app, all_docs, clients, view):
    docs = all_docs
    kind, owner = VIEWS[view]
    pk = docs["vphu"][kind]
    reads = [("list", f"/{view}/list/", "read"), ("show", f"/{view}/show/{pk}", "read")]
    reads += [(f"file {f}", f"/{view}/file/{f}", "download") for f in docs["vphu"]["files"][kind]]
    reads += [(f"preview {f}", f"/{view}/preview/{f}", "download")
              for f in docs["vphu"]["pdfs"][kind]]
    before = fingerprint(app)
    failures = Failures()

    expect_scoped_reads(clients, reads, failures, others=OTHER_UNIT, no_role=NO_ROLE,
                        leaks=lambda html: leaks(html, docs, "vphu"), refusal=refusal)
    for user in VPHU_STAFF:  # and the other way round
        html = call(clients(user), "get", f"/{view}/list/", failures).get_data(as_text=True)
        failures.check(not leaks(html, docs, "btchu"), f"{user} {view} shows BTCHU's")
    # BTCHU's own document of the same kind, through VPHU's eyes.
    if kind in docs["btchu"]:
        for user in VPHU_STAFF:
            resp = call(clients(user), "get", f"/{view}/show/{docs['btchu'][kind]}", failures)
            failures.expect(resp, 404, f"{user} show BTCHU's {kind}")
    failures.check(downloads(app) == [], "a refused download was recorded as done")
    failures.check(fingerprint(app) == before, "a refused request changed something")

    # The same routes work for the unit's own user: the refusals above are about scope.
    for name, path, _ in reads:
        resp = call(clients(owner), "get", path, failures)
        failures.expect(resp, 200, f"{owner} {path}")
        if name == "list":
            failures.check(marker("vphu", kind) in list_table(resp.get_data(as_text=True)),
                           f"{owner} does not see {kind} in {view}")
    if len(reads) > 2:
        failures.check({u for _, u in downloads(app)} == {owner}, "downloads not recorded")
    failures.assert_none()


def test_file_of_another_document_through_an_own_list_is_404(app, docs, clients):
    """A file id is looked up in the user's scope whatever list prefix is used."""
    failures = Failures()
    final = docs["vphu"]["pdfs"]["numbered"][0]
    for view in VIEWS:
        for route in ("file", "preview"):
            resp = call(clients("vanthu.btchu"), "get", f"/{view}/{route}/{final}", failures)
            failures.expect(resp, 404, f"vanthu.btchu {view}/{route}")
    for pk in ("0", "-1", "abc", "99999999"):
        for path in (f"/outgoingview/show/{pk}", f"/outgoingview/file/{pk}",
                     f"/outgoingview/issue/{pk}"):
            resp = call(clients("vanthu.vphu"), "get", path, failures)
            failures.expect(resp, 404, f"vanthu.vphu {path}")
    failures.check(downloads(app) == [], "a refused download was recorded")
    failures.assert_none()


# -- the screens that change a document ------------------------------------------------

@pytest.mark.parametrize("name", [n for n in WRITES if n != "draft"])
def test_write_screens_refuse_other_unit_and_no_role(app, world, kit, docs, clients, name):
    """GET and POST of a step on VPHU's document, from BTCHU's staff and VPHU's IT officer."""
    path, permission, methods, legit = WRITES[name]
    path = path.format(**docs["vphu"])
    before = fingerprint(app)
    failures = Failures()
    for user in OTHER_UNIT + [NO_ROLE]:
        for method in methods:
            kwargs = post_kwargs(name, world, kit) if method == "post" else {}
            resp = call(clients(user), method, path, failures, **kwargs)
            failures.expect(resp, refusal(user, permission), f"{user} {method.upper()} {path}")
    failures.check(fingerprint(app) == before, "a refused request changed something")

    # The unit's own user gets the form, and the same post does change the document.
    if "get" in methods:
        failures.expect(call(clients(legit), "get", path, failures), 200, f"{legit} GET")
    resp = call(clients(legit), "post", path, failures, **post_kwargs(name, world, kit))
    failures.expect(resp, 302, f"{legit} POST {path}")
    failures.check(fingerprint(app) != before, f"{legit}'s own {name} changed nothing")
    failures.assert_none()


def test_same_unit_without_the_role_is_403(app, world, kit, docs, clients):
    before = fingerprint(app)
    failures = Failures()
    for user, names in WRONG_ROLE.items():
        for name in names:
            path, _, methods, _ = WRITES[name]
            path = path.format(**docs["vphu"])
            for method in methods:
                kwargs = post_kwargs(name, world, kit) if method == "post" else {}
                resp = call(clients(user), method, path, failures, **kwargs)
                failures.expect(resp, 403, f"{user} {method.upper()} {path}")
    failures.check(fingerprint(app) == before, "a refused request changed something")
    # The refused draft was a valid one: the official's is accepted.
    resp = call(clients("chuyenvien.vphu"), "post", "/outgoingview/draft", failures,
                **post_kwargs("draft", world, kit))
    failures.expect(resp, 302, "the official's draft")
    failures.check(len(fingerprint(app)["docs"]) == len(before["docs"]) + 1,
                   "the official's draft made no document")
    failures.assert_none()


def test_office_reads_every_unit_and_changes_nothing(app, world, kit, docs, clients):
    before = fingerprint(app)
    failures = Failures()
    office = clients("vanphong")
    for unit in ("vphu", "btchu"):
        for name, (path, _, methods, _) in WRITES.items():
            path = path.format(**docs[unit])
            for method in methods:
                kwargs = post_kwargs(name, world, kit) if method == "post" else {}
                resp = call(office, method, path, failures, **kwargs)
                failures.expect(resp, 403, f"vanphong {method.upper()} {path}")
    failures.check(fingerprint(app) == before, "the office changed something")

    html = call(office, "get", "/outgoingview/list/?psize_OutgoingView=100", failures) \
        .get_data(as_text=True)
    for unit in ("vphu", "btchu"):
        for kind in BASIC:
            failures.check(marker(unit, kind) in list_table(html),
                           f"the office does not list {unit}'s {kind}")
            pk = docs[unit][kind]
            failures.expect(call(office, "get", f"/outgoingview/show/{pk}", failures), 200,
                            f"vanphong show {unit} {kind}")
            page = call(office, "get", f"/outgoingview/show/{pk}", failures) \
                .get_data(as_text=True)
            for step in ("submit", "return_draft", "sign", "number", "final", "issue",
                         "recall", "recipients"):
                failures.check(f"/outgoingview/{step.replace('_draft', '')}/{pk}\"" not in page,
                               f"the office is offered {step} on {unit} {kind}")
        f = docs[unit]["pdfs"]["numbered"][0]
        failures.expect(call(office, "get", f"/outgoingview/file/{f}", failures), 200,
                        f"vanphong file {unit}")
    failures.assert_none()


def test_admin_writes_on_a_document_change_nothing(app, world, kit, docs, clients):
    """The system admin holds every screen permission but is no member of a unit's staff:
    the rules refuse each step (never a 500, never a change)."""
    failures = Failures()
    for unit in ("vphu", "btchu"):  # the admin's account belongs to VPHU
        for name, (path, *_) in WRITES.items():
            if name == "draft":
                continue
            path = path.format(**docs[unit])
            before = fingerprint(app)
            resp = call(clients("admin"), "post", path, failures, **post_kwargs(name, world, kit))
            failures.expect(resp, (200, 302, 403, 404), f"admin POST {path}")
            failures.check(fingerprint(app) == before, f"admin POST {path} changed something")
    before = fingerprint(app)
    resp = call(clients("admin"), "post", "/outgoingview/draft", failures,
                **post_kwargs("draft", world, kit))
    failures.expect(resp, (200, 403), "admin draft")
    failures.check(fingerprint(app)["docs"] == before["docs"], "the admin drafted a document")
    failures.assert_none()


def test_anonymous_is_sent_to_login(app, docs, clients):
    vphu = docs["vphu"]
    before = fingerprint(app)
    failures = Failures()
    anon = clients(None)
    paths = [("get", f"/{view}/list/") for view in VIEWS]
    paths += [("get", f"/outgoingview/show/{vphu['draft']}"),
              ("get", f"/outgoingview/file/{vphu['files']['draft'][0]}"),
              ("get", f"/outgoingview/preview/{vphu['pdfs']['numbered'][0]}"),
              ("get", "/numberseriesview/list/")]
    for path, _, methods, _ in WRITES.values():
        paths += [(m, path.format(**vphu)) for m in methods]
    for method, path in paths:
        resp = call(anon, method, path, failures, data={"reason": "x"})
        failures.check(resp.status_code == 302 and "/login/" in resp.headers["Location"],
                       f"anonymous {method.upper()} {path}: {resp.status_code}")
    failures.check(fingerprint(app) == before, "an anonymous request changed something")
    failures.assert_none()


# -- FAB's generic routes ----------------------------------------------------------------

def generic_routes(prefix, pk):
    """FAB's own CRUD, download and old-style API routes of a ModelView."""
    return [("get", f"/{prefix}/add"), ("post", f"/{prefix}/add"),
            ("get", f"/{prefix}/edit/{pk}"), ("post", f"/{prefix}/edit/{pk}"),
            ("post", f"/{prefix}/delete/{pk}"), ("get", f"/{prefix}/delete/{pk}"),
            ("get", f"/{prefix}/download/{pk}.pdf"),
            ("get", f"/{prefix}/api"), ("get", f"/{prefix}/api/read"),
            ("get", f"/{prefix}/api/get/{pk}"), ("post", f"/{prefix}/api/create"),
            ("put", f"/{prefix}/api/update/{pk}"), ("delete", f"/{prefix}/api/delete/{pk}"),
            ("get", f"/{prefix}/api/column/add/document_type"),
            ("get", f"/{prefix}/api/column/edit/document_type"),
            ("get", f"/{prefix}/api/readvalues")]


def action_routes(prefix, pk):
    return [("post", f"/{prefix}/action/delete/{pk}"),
            ("post", f"/{prefix}/action/muldelete/{pk}"),
            ("get", f"/{prefix}/action/muldelete/{pk}"),
            ("post", f"/{prefix}/action_post")]


FORGED = {"summary": "Sửa lạ", "reason": "Sửa lạ", "action": "muldelete", "state": "issued"}
GENERIC_USERS = ("admin", "vanthu.vphu", "vanthu.btchu", "vanphong", NO_ROLE, None)


def test_fab_generic_and_action_routes_are_refused(app, docs, clients):
    """Documents change only through the step forms: FAB's add/edit/delete/download/api
    and action routes answer 403/404/405 on every outgoing list, for any user."""
    before = fingerprint(app)
    failures = Failures()
    attempts = []
    for unit in ("vphu", "btchu"):
        pk = docs[unit]["numbered"]
        attempts += [(user, method, path) for user in GENERIC_USERS
                     for method, path in generic_routes("outgoingview", pk)
                     + action_routes("outgoingview", pk)]
    pk = docs["vphu"]["numbered"]
    attempts += [("admin", method, path) for view in VIEWS if view != "outgoingview"
                 for method, path in generic_routes(view, pk) + action_routes(view, pk)]
    for user, method, path in attempts:
        resp = call(clients(user), method, path, failures,
                    data={**FORGED, "rowid": [str(pk)]})
        codes = (403, 404, 405) if user else (302, 403, 404, 405)
        failures.expect(resp, codes, f"{user} {method.upper()} {path}")
        if resp.status_code == 302:
            failures.check("/login/" in resp.headers["Location"],
                           f"{user} {method.upper()} {path}: redirected elsewhere")
    failures.check(fingerprint(app) == before, "a generic route changed something")
    failures.assert_none()


# -- search, order and page parameters --------------------------------------------------

def test_search_order_and_page_cannot_widen_scope(app, world, all_docs, clients,
                                                  top_bar_once):
    """Every search, order and page parameter, on every list, for each VPHU role, shows
    none of BTCHU's documents (the requests only read: ``top_bar_once``)."""
    docs = all_docs
    btchu, type_id = world.ids["btchu"], docs["type_id"]
    btchu_pk = docs["btchu"]["numbered"]
    queries = [f"_flt_0_unit={btchu}", f"_flt_0_unit_id={btchu}", f"_flt_3_unit_id={btchu}",
               "_flt_0_state=numbered", "_flt_1_state=draft", "_flt_0_summary=btchu",
               "_flt_2_summary=mark", "_flt_0_symbol=BTCHU", "_flt_2_symbol=CV",
               f"_flt_0_document_type={type_id}", f"_flt_0_id={btchu_pk}",
               f"_flt_3_id={btchu_pk}", "_flt_0_late=y", "_flt_0_urgency=0",
               "_oc_{cls}=symbol&_od_{cls}=desc", "_oc_{cls}=unit_id&_od_{cls}=asc",
               "_oc_{cls}=unit.name&_od_{cls}=asc", "_oc_{cls}=recipients&_od_{cls}=asc",
               "psize_{cls}=100&page_{cls}=0", "page_{cls}=1", "psize_{cls}=1000000",
               "psize_{cls}=-1", "page_{cls}=-1", "page_{cls}=abc"]
    failures = Failures()
    for user in ("vanthu.vphu", "chuyenvien.vphu", "lanhdao.vphu"):
        for view, cls in VIEW_CLASSES.items():
            for q in queries:
                path = f"/{view}/list/?" + q.format(cls=cls)
                resp = call(clients(user), "get", path, failures)
                failures.expect(resp, (200, 400), f"{user} {path}")
                found = leaks(resp.get_data(as_text=True), docs, "btchu")
                failures.check(not found, f"{user} {path} shows BTCHU's {found}")
    # The filters themselves work: a search keeps the user's own documents.
    html = clients("vanthu.vphu").get("/outgoingview/list/?_flt_2_summary=vphu-numbered") \
        .get_data(as_text=True)
    failures.check(marker("vphu", "numbered") in list_table(html), "the search found nothing")
    failures.assert_none()


# -- the numbering series --------------------------------------------------------------

def _series(app, world, kit, unit, scope="year"):
    from app.extensions import db
    from app.outgoing.models import NumberSeries

    with app.app_context():
        row = NumberSeries(unit_id=world.ids[unit], document_type_id=kit.type_id, scope=scope)
        db.session.add(row)
        db.session.commit()
        pk = row.id
        db.session.remove()
    return pk


def test_number_series_are_scoped_to_the_unit(app, world, kit, clients):
    from app.extensions import db
    from app.outgoing.models import NumberSeries

    ids = world.ids
    vphu = _series(app, world, kit, "vphu")
    btchu = _series(app, world, kit, "btchu", scope="term")
    before = fingerprint(app)
    failures = Failures()
    edit = {"unit": str(ids["btchu"]), "document_type": "", "scope": "term", "active": ""}

    # Another unit's clerk: the list does not show it, every route on it is 404.
    html = call(clients("vanthu.btchu"), "get", "/numberseriesview/list/", failures) \
        .get_data(as_text=True)
    failures.check(f"/numberseriesview/show/{vphu}\"" not in html, "BTCHU lists VPHU's series")
    failures.check(f"/numberseriesview/show/{btchu}\"" in html, "BTCHU misses its own series")
    for method, path in [("get", f"/numberseriesview/show/{vphu}"),
                         ("get", f"/numberseriesview/edit/{vphu}"),
                         ("post", f"/numberseriesview/edit/{vphu}"),
                         ("post", f"/numberseriesview/delete/{vphu}"),
                         ("post", "/numberseriesview/action_post")]:
        resp = call(clients("vanthu.btchu"), method, path, failures,
                    data={**edit, "rowid": [str(vphu)], "action": "muldelete"})
        failures.expect(resp, (404,) if "action" not in path else (403, 404, 405),
                        f"vanthu.btchu {method.upper()} {path}")
    # Officials, heads, the unit IT officer and the office: no access at all.
    for user in ("chuyenvien.vphu", "lanhdao.vphu", NO_ROLE, "vanphong", "lanhdao.btchu"):
        for method, path in [("get", "/numberseriesview/list/"),
                             ("get", "/numberseriesview/add"),
                             ("post", "/numberseriesview/add"),
                             ("get", f"/numberseriesview/show/{vphu}"),
                             ("get", f"/numberseriesview/edit/{vphu}"),
                             ("post", f"/numberseriesview/edit/{vphu}"),
                             ("post", f"/numberseriesview/delete/{vphu}")]:
            resp = call(clients(user), method, path, failures, data=edit)
            failures.expect(resp, 403, f"{user} {method.upper()} {path}")
    # FAB's API and download routes of the series are not routed.
    for method, path in generic_routes("numberseriesview", vphu)[6:]:
        resp = call(clients("vanthu.btchu"), method, path, failures)
        failures.expect(resp, (403, 404, 405), f"vanthu.btchu {method.upper()} {path}")
    failures.check(fingerprint(app) == before, "a refused series request changed something")

    # A clerk who names another unit in the add form still adds to their own unit.
    resp = call(clients("vanthu.btchu"), "post", "/numberseriesview/add", failures,
                data={"unit": str(ids["vphu"]), "document_type": "", "scope": "year",
                      "active": "y"})
    failures.expect(resp, (200, 302), "vanthu.btchu add")
    with app.app_context():
        units = set(db.session.scalars(select(NumberSeries.unit_id)))
        db.session.remove()
    failures.check(units == {ids["vphu"], ids["btchu"]}, f"series units now {units}")
    # VPHU's clerk edits its own series.
    c = clients("vanthu.vphu")
    failures.expect(call(c, "get", f"/numberseriesview/edit/{vphu}", failures), 200,
                    "vanthu.vphu edit form")
    resp = call(c, "post", f"/numberseriesview/edit/{vphu}", failures,
                data={"unit": str(ids["btchu"]), "document_type": str(kit.type_id),
                      "scope": "term", "active": "y"})
    failures.expect(resp, 302, "vanthu.vphu edit")
    with app.app_context():
        row = db.session.get(NumberSeries, vphu)
        failures.check((row.unit_id, row.scope) == (ids["vphu"], "term"),
                       f"VPHU's series after edit: unit {row.unit_id}, scope {row.scope}")
        db.session.remove()
    # A second series for the same type is refused, not a server error.
    resp = call(c, "post", "/numberseriesview/add", failures,
                data={"document_type": str(kit.type_id), "scope": "year", "active": "y"})
    failures.expect(resp, (200, 302), "vanthu.vphu duplicate series")
    with app.app_context():
        n = len(db.session.scalars(select(NumberSeries.id).where(
            NumberSeries.unit_id == ids["vphu"])).all())
        db.session.remove()
    failures.check(n == 1, f"VPHU has {n} series for one type")
    failures.assert_none()


def test_the_series_screen_is_not_offered_in_menus_to_other_roles(app, world, clients):
    failures = Failures()
    for user in ("chuyenvien.vphu", "lanhdao.vphu", NO_ROLE):
        html = call(clients(user), "get", "/outgoingview/list/", failures).get_data(as_text=True)
        failures.check("/numberseriesview/list/" not in html, f"{user} is offered the series")
    html = clients("vanthu.vphu").get("/outgoingview/list/").get_data(as_text=True)
    failures.check("/numberseriesview/list/" in html, "the clerk is not offered the series")
    # The draft button follows the draft permission.
    for user, offered in (("chuyenvien.vphu", True), ("vanphong", False)):
        html = clients(user).get("/outgoingview/list/").get_data(as_text=True)
        failures.check(("/outgoingview/draft\"" in html) == offered, f"{user} draft button")
    failures.assert_none()


PAGE_STEPS = ("submit", "return", "sign", "number", "final", "issue", "recall",
              "cancel_number")


def offered_steps(html, pk, steps=PAGE_STEPS + ("recipients",)):
    return {s for s in steps if re.search(rf'/outgoingview/{s}/{pk}"', html)}


def test_the_document_page_offers_only_the_steps_of_the_user(app, world, docs, clients):
    """Markers of the document page: each step's button only for whom it is meant."""
    vphu = docs["vphu"]
    expect = {
        ("chuyenvien.vphu", "draft"): {"submit"},
        ("lanhdao.vphu", "draft"): set(),
        ("lanhdao.vphu", "review"): {"submit", "return", "sign"},
        ("chuyenvien.vphu", "review"): set(),
        ("vanthu.vphu", "review"): set(),
        ("vanthu.vphu", "signed"): {"number", "final"},
        ("lanhdao.vphu", "signed"): set(),
        ("vanthu.vphu", "numbered"): {"final", "issue", "cancel_number"},
        ("vanthu.vphu", "issued"): {"recall"},
        ("chuyenvien.vphu", "issued"): set(),
        ("vanphong", "numbered"): set(),
    }
    failures = Failures()
    for (user, kind), offered in expect.items():
        pk = vphu[kind]
        found = offered_steps(clients(user).get(f"/outgoingview/show/{pk}")
                              .get_data(as_text=True), pk, PAGE_STEPS)
        failures.check(found == offered, f"{user} on {kind}: offered {sorted(found)}, "
                                         f"expected {sorted(offered)}")
    failures.assert_none()


def test_the_recipients_button_follows_the_rule(app, world, docs, clients):
    vphu = docs["vphu"]
    expect = {("chuyenvien.vphu", "draft"): True, ("lanhdao.vphu", "draft"): False,
              ("lanhdao.vphu", "review"): True, ("chuyenvien.vphu", "review"): False,
              ("vanthu.vphu", "signed"): True, ("lanhdao.vphu", "signed"): False,
              ("chuyenvien.vphu", "numbered"): False, ("vanthu.vphu", "numbered"): True}
    wrong = []
    for (user, kind), offered in expect.items():
        pk = vphu[kind]
        html = clients(user).get(f"/outgoingview/show/{pk}").get_data(as_text=True)
        if ("recipients" in offered_steps(html, pk)) != offered:
            wrong.append((user, kind))
    assert not wrong, wrong


def test_a_recall_is_answered_only_by_the_receiving_units_clerk(app, world, kit, clients):
    """/incomingview/recall_answer on the host's copy of VPHU's recalled document."""
    pk = kit.make("vphu", "recalled", units=("host",), summary="Trích yếu thu hồi-mark")
    [recipient] = kit.recipients(pk)
    received = recipient["incoming_document_id"]
    path = f"/incomingview/recall_answer/{received}"
    before = fingerprint(app)
    failures = Failures()
    # The sender's own staff, another unit's clerk: the copy is outside their scope.
    for user in ("vanthu.vphu", "vanthu.btchu", "vanthu.ubkt"):
        for answer in ("accept", "refuse"):
            resp = call(clients(user), "post", path, failures,
                        data={"answer": answer, "reason": "Lạ"})
            failures.expect(resp, 404, f"{user} {answer}")
    # The host's head and official do not answer recalls; nor do the IT officer or office.
    for user in ("lanhdao.hu", "chuyenvien.hu", "lanhdao.vphu", NO_ROLE, "vanphong"):
        resp = call(clients(user), "post", path, failures, data={"answer": "accept"})
        failures.expect(resp, 403, f"{user} accept")
    failures.check(fingerprint(app) == before, "a refused answer changed something")
    resp = call(clients("vanthu.hu"), "post", path, failures, data={"answer": "accept"})
    failures.expect(resp, 302, "vanthu.hu accept")
    failures.check([r["status"] for r in kit.recipients(pk)] == ["15"], "not accepted")
    failures.assert_none()
