"""Lists that stay fast on large registers (issue "Search and scale", point 2): a page costs
the same number of SQL statements whatever the number of rows, the row count stops at a
cap ("more than …") and the pages stop there with a message, the scope is unchanged.

Only reading is under test, so the documents are written in bulk into their tables as the
benchmark does (bench/seed.py), not through the services."""

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

LIST = "/incomingview/list/"


@pytest.fixture
def docs(app, world):
    """``docs(n, unit="vphu")`` adds n registered incoming documents (and as many outgoing
    ones) to the unit; returns the incoming ids, newest first."""
    from app.extensions import db
    from app.incoming.models import IncomingDocument
    from app.outgoing.models import OutgoingDocument
    from app.reference.models import DocumentType

    state = {"type": None, "n": 0}

    def add(n, unit="vphu"):
        with app.app_context():
            if state["type"] is None:
                t = DocumentType(name="Công văn", abbreviation="CV", processing_days=7)
                db.session.add(t)
                db.session.commit()
                state["type"] = t.id
            unit_id, clerk = world.ids[unit], world.ids[f"vanthu.{unit}"]
            start = state["n"]
            base = datetime(2026, 1, 5, 8, 0)
            rows, outs = [], []
            for i in range(start, start + n):
                day = date(2026, 1, 5) + timedelta(days=i % 300)
                rows.append({
                    "unit_id": unit_id, "state": "registered", "channel": "paper",
                    "arrival_year": 2026, "arrival_number": 5000 + i, "arrival_date": day,
                    "author_name": "Tỉnh ủy Hưng Yên", "symbol": f"{i}-CV/TU",
                    "document_date": day, "document_type_id": state["type"],
                    "summary": f"Kế hoạch số {i} về công tác kiểm tra", "urgency": i % 2,
                    "secrecy": "Không mật", "received_at": base + timedelta(minutes=i),
                    "updated_at": base, "created_by_id": clerk})
                outs.append({
                    "unit_id": unit_id, "state": "draft", "document_type_id": state["type"],
                    "summary": f"Dự thảo báo cáo số {i}", "urgency": 0, "created_by_id": clerk,
                    "holder_id": clerk, "created_at": base, "updated_at": base,
                    "signing_form": "", "sensitive": False, "paper_copy_approved": False,
                    "late": False})
            state["n"] += n
            db.session.execute(IncomingDocument.__table__.insert(), rows)
            db.session.execute(OutgoingDocument.__table__.insert(), outs)
            db.session.commit()
            ids = db.session.execute(
                select(IncomingDocument.id).where(IncomingDocument.unit_id == unit_id)
                .order_by(IncomingDocument.urgency.desc(), IncomingDocument.received_at.desc(),
                          IncomingDocument.id.desc())).scalars().all()
            db.session.remove()
            return ids

    return add


@pytest.fixture
def statements(app):
    """Counts the SQL statements the app's engine runs (``statements.count``)."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine

    class Counter:
        count = 0

    def _count(*args):
        Counter.count += 1

    event.listen(engine, "before_cursor_execute", _count)
    yield Counter
    event.remove(engine, "before_cursor_execute", _count)


def _statements_for(client, statements, path, headers=None):
    for _ in range(2):  # warm: per-process caches (compiled statements, kept values)
        client.get(path, headers=headers)  # are not what is measured
    before = statements.count
    resp = client.get(path, headers=headers)
    assert resp.status_code == 200, path
    return statements.count - before, resp


@pytest.mark.parametrize("username", ["vanthu.vphu", "vanphong", "chuyenvien.vphu"])
def test_list_pages_cost_the_same_statements_for_30_or_70_rows(clients, api, docs, statements,
                                                               username):
    client = clients(username)
    api_client, headers = api(username)
    paths = [LIST, "/incomingview/list/?_oc_IncomingView=arrival_date&_od_IncomingView=desc",
             "/outgoingview/list/", "/incomingtodoview/list/"]
    docs(30)
    few = {p: _statements_for(client, statements, p)[0] for p in paths}
    few_api = _statements_for(api_client, statements, "/api/v1/incoming/", headers)[0]
    docs(40)
    for path in paths:
        many, resp = _statements_for(client, statements, path)
        assert many == few[path], (path, few[path], many)
        # the user (with roles and the security stamp), the rows, their main files'
        # verdicts, the count; the permissions, the top bar and the search form are kept.
        assert many <= 10, (path, many)
    assert _statements_for(api_client, statements, "/api/v1/incoming/", headers)[0] == few_api


def test_the_incoming_lists_read_no_relation_of_their_rows(app, clients, docs):
    """The incoming lists' columns read none of the rows' to-one relations: they are not
    joined to the rows, and no row loads them afterwards."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    client = clients("vanphong")
    docs(30)
    docs(5, unit="btchu")
    seen = []

    def _note(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    for path in (LIST, "/incomingtodoview/list/", "/incominginboxview/list/",
                 "/incomingview/list/?_oc_IncomingView=arrival_date&_od_IncomingView=desc"):
        client.get(path)
        seen.clear()
        event.listen(engine, "before_cursor_execute", _note)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", _note)
        rows = [s for s in seen if s.startswith("SELECT incoming_document.id")]
        assert rows and not any("JOIN unit" in s or "JOIN document_type" in s for s in rows)
        assert not [s for s in seen if s.startswith(("SELECT unit.", "SELECT document_type."))]


def test_a_first_page_shorter_than_a_page_is_not_counted(app, clients, api, docs, statements):
    """The rows are read first: fewer than a page on page 1 are the whole list."""
    app.config["LIST_COUNT_CACHE_SECONDS"] = 0  # counted on every page
    client = clients("vanthu.vphu")
    api_client, headers = api("vanthu.vphu")
    docs(3)
    short, resp = _statements_for(client, statements, LIST)
    assert re.search(r":</strong>\s*3\s", resp.get_data(as_text=True))
    short_api = _statements_for(api_client, statements, "/api/v1/incoming/", headers)[0]
    assert api_client.get("/api/v1/incoming/", headers=headers).json["count"] == 3
    docs(30)
    full, resp = _statements_for(client, statements, LIST)
    assert full == short + 1  # the COUNT
    assert re.search(r":</strong>\s*33\s", resp.get_data(as_text=True))
    assert _statements_for(api_client, statements, "/api/v1/incoming/", headers)[0] == \
        short_api + 1
    assert api_client.get("/api/v1/incoming/", headers=headers).json["count"] == 33


def _count_statements(statements, client, path, headers=None):
    """The incoming list's capped COUNT statements one request runs (not the top bar's
    nor the search form's)."""
    from app.extensions import db

    seen = []

    def _note(conn, cursor, statement, *args):
        if re.match(r"\s*SELECT count\(\*\) AS count_1\s+FROM \(SELECT "
                    r"incoming_document\.id .* LIMIT", statement, re.S | re.I):
            seen.append(statement)

    with client.application.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _note)
    try:
        resp = client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", _note)
    assert resp.status_code == 200, path
    return len(seen), resp


def test_a_list_count_is_kept_until_a_write(app, clients, api, docs, statements):
    """The capped count of a list is computed once and kept; a write counts again; another
    user, another filter, the API each have their own count."""
    client, other = clients("vanthu.vphu"), clients("vanphong")
    api_client, headers = api("vanthu.vphu")
    # Summaries without "số 1" (not 1, 10-19): a filter is its own count.
    filtered = LIST + "?_flt_6_summary=s%E1%BB%91%201"
    docs(40)
    # Warm: each statement compiled once (not what is measured).
    for browser, path in ((client, LIST), (client, filtered), (other, LIST)):
        for _ in range(2):
            browser.get(path)
    docs(1)  # a committed write: every kept count is counted again
    assert _count_statements(statements, client, LIST)[0] == 1
    counted, resp = _count_statements(statements, client, LIST)
    assert counted == 0
    assert re.search(r":</strong>\s*41\s", resp.get_data(as_text=True))
    # The office sees every unit: its own count, not the clerk's.
    assert _count_statements(statements, other, LIST)[0] == 1
    assert _count_statements(statements, client, filtered)[0] == 1
    counted, resp = _count_statements(statements, client, filtered)
    assert counted == 0
    assert re.search(r":</strong>\s*30\s", resp.get_data(as_text=True))
    assert api_client.get("/api/v1/incoming/", headers=headers).json["count"] == 41
    docs(5)
    counted, resp = _count_statements(statements, client, LIST)
    assert counted == 1
    assert re.search(r":</strong>\s*46\s", resp.get_data(as_text=True))
    assert re.search(r":</strong>\s*35\s",
                     _count_statements(statements, client, filtered)[1].get_data(as_text=True))
    assert api_client.get("/api/v1/incoming/", headers=headers).json["count"] == 46


def test_a_list_count_is_not_kept_when_turned_off(app, clients, docs, statements):
    app.config["LIST_COUNT_CACHE_SECONDS"] = 0
    client = clients("vanthu.vphu")
    docs(30)
    for _ in range(2):
        assert _count_statements(statements, client, LIST)[0] == 1


def _badge(html, key):
    found = re.search(rf'id="qlvb-count-{key}"[^>]*>.*?<span class="badge[^"]*">(\d+)</span>',
                      html, re.S)
    return int(found.group(1)) if found else None


def test_the_top_bar_is_counted_once_and_again_after_a_write(app, clients, docs, statements):
    """The top bar's counts are kept between pages (no COUNT on the second page) and
    counted again after a write that may change them."""
    head = clients("lanhdao.vphu")
    docs(3)
    head.get(LIST)
    before = statements.count
    html = head.get(LIST).get_data(as_text=True)
    kept = statements.count - before
    assert _badge(html, "assign") == 3
    docs(2)  # two more documents waiting for assignment: a write
    before = statements.count
    html = head.get(LIST).get_data(as_text=True)
    counted = statements.count - before
    assert _badge(html, "assign") == 5
    assert counted >= kept + 4  # to assign, to process, overdue, the outgoing counts
    before = statements.count
    head.get(LIST)
    assert statements.count - before == kept
    # Without the cache every page counts.
    app.config["TOP_BAR_CACHE_SECONDS"] = 0
    before = statements.count
    head.get(LIST)
    assert statements.count - before == counted - 2  # the search form stays kept


def test_the_count_stops_at_the_cap_and_the_pages_with_it(app, clients, api, docs):
    ids = docs(30)
    app.config["LIST_COUNT_CAP"] = 10
    client = clients("vanthu.vphu")
    html = client.get(LIST).get_data(as_text=True)
    assert re.search(r":</strong>\s*hơn 10\s", html)
    # Pages of 5: the cap allows two; asking for the sixth shows the second, and says why.
    resp = client.get(f"{LIST}?psize_IncomingView=5&page_IncomingView=5")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Chỉ xem được theo trang 10 bản ghi đầu tiên" in html
    shown = [i for i in ids if f"/incomingview/show/{i}\"" in html]
    assert shown == ids[5:10]
    second = client.get(f"{LIST}?psize_IncomingView=5&page_IncomingView=1").get_data(
        as_text=True)
    assert "Chỉ xem được" not in second
    assert [i for i in ids if f"/incomingview/show/{i}\"" in second] == ids[5:10]
    api_client, headers = api("vanthu.vphu")
    assert api_client.get("/api/v1/incoming/", headers=headers).json["count"] == 10
    # The API pages as far as the screens: the second page of 5 is there, the third is not.
    page = api_client.get("/api/v1/incoming/?q=(page:1,page_size:5)", headers=headers)
    assert page.status_code == 200 and len(page.json["result"]) == 5
    deep = api_client.get("/api/v1/incoming/?q=(page:2,page_size:5)", headers=headers)
    assert deep.status_code == 400
    assert "Chỉ xem được theo trang 10 bản ghi đầu tiên" in deep.json["message"]
    # Under the cap the count is exact, and the other unit's rows are not counted.
    app.config["LIST_COUNT_CAP"] = 1000
    assert re.search(r":</strong>\s*30\s", client.get(LIST).get_data(as_text=True))
    assert api_client.get("/api/v1/incoming/", headers=headers).json["count"] == 30
    docs(7, unit="btchu")
    assert api_client.get("/api/v1/incoming/", headers=headers).json["count"] == 30
    office, office_headers = api("vanphong")
    assert office.get("/api/v1/incoming/", headers=office_headers).json["count"] == 37


def test_a_capped_count_reads_more_than_in_the_language_of_the_user(app):
    from app.core.views import CappedCount

    with app.test_request_context():
        count = CappedCount(10000)
        assert count == 10000 and count / 25 == 400
        assert str(count) == "hơn 10.000"
        assert count.__html__() == "hơn 10.000"


def test_the_clerk_sees_the_unit_and_what_is_assigned_to_it_the_official_only_theirs(
        app, world, docs):
    """The scope as one subquery finds the same rows as before: the unit's own for its
    clerk and head, documents of another unit assigned to the unit or to the user."""
    from app.extensions import db
    from app.incoming.models import Assignment, IncomingDocument
    from app.incoming.services import visible_clause

    own = docs(4)
    other = docs(3, unit="btchu")
    with app.app_context():
        head = world.ids["lanhdao.btchu"]
        db.session.add_all([
            Assignment(document_id=other[0], role="lead", unit_id=world.ids["vphu"],
                       assigned_by_id=head),
            Assignment(document_id=other[1], role="cooperate",
                       user_id=world.ids["chuyenvien.vphu"], assigned_by_id=head),
            Assignment(document_id=other[2], role="lead", unit_id=world.ids["vphu"],
                       assigned_by_id=head, active=False),
            Assignment(document_id=own[0], role="lead", user_id=world.ids["chuyenvien.vphu"],
                       assigned_by_id=world.ids["lanhdao.vphu"])])
        db.session.commit()

        def seen(name):
            user = world.user(name)
            return set(db.session.execute(select(IncomingDocument.id).where(
                visible_clause(db.session, user))).scalars())

        assert seen("vanthu.vphu") == set(own) | {other[0]}
        assert seen("lanhdao.vphu") == set(own) | {other[0]}
        assert seen("chuyenvien.vphu") == {own[0], other[1]}
        assert seen("vanthu.btchu") == set(other)
        assert db.session.execute(select(func.count()).select_from(IncomingDocument)) \
            .scalar() == 7


def test_the_menu_is_rendered_once_per_set_of_permissions_and_follows_them(app, world,
                                                                            clients):
    from app.core import menucache
    from app.extensions import db
    from app.security import permissions as P

    overdue = 'tabindex="-1" href="/incomingoverdueview/list/"'
    menucache._cache.clear()
    clerk, official = clients("vanthu.vphu"), clients("chuyenvien.vphu")
    first = clerk.get(LIST).get_data(as_text=True)
    assert overdue in first and len(menucache._cache) == 1
    assert clerk.get(LIST).get_data(as_text=True).count(overdue) == 1
    assert len(menucache._cache) == 1
    official.get("/incomingtodoview/list/")
    assert len(menucache._cache) == 2
    # The role loses the menu entry: the next page no longer shows it.
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role(P.ROLE_CLERK)
        pv = sm.find_permission_view_menu("menu_access", "IncomingOverdue")
        sm.del_permission_role(role, pv)
        db.session.remove()
    assert overdue not in clerk.get(LIST).get_data(as_text=True)
    assert len(menucache._cache) == 3


def test_the_top_bar_counts_late_documents_to_issue_in_a_bounded_number_of_statements(
        app, world, clients, docs, statements):
    """The clerk's top bar computes each signed document's issuing deadline on every page:
    the working-day calendar is loaded once, not once per document."""
    from app.extensions import db
    from app.outgoing.models import OutgoingDocument

    docs(1)

    def sign(n):
        with app.app_context():
            ids = db.session.execute(select(OutgoingDocument.id).where(
                OutgoingDocument.state == "draft").limit(n)).scalars().all()
            for i, pk in enumerate(ids):
                doc = db.session.get(OutgoingDocument, pk)
                doc.state, doc.signing_form = "signed", "TM"
                doc.signed_at = datetime(2026, 1, 5, 8, 0) + timedelta(days=30 * i)
            db.session.commit()
            db.session.remove()

    app.config["TOP_BAR_CACHE_SECONDS"] = 0  # counted on every page
    clerk = clients("vanthu.vphu")
    sign(1)
    few = _statements_for(clerk, statements, LIST)[0]
    docs(12)
    sign(12)
    many, resp = _statements_for(clerk, statements, LIST)
    assert many == few


def _grow_document(app, world, doc_id, n, start):
    """``n`` more files, assignments, progress notes and history lines of ``doc_id``."""
    from app.core.audit import AuditEvent
    from app.extensions import db
    from app.incoming.models import Assignment, IncomingFile, ProgressNote

    clerk, official = world.ids["vanthu.vphu"], world.ids["chuyenvien.vphu"]
    now = datetime(2026, 2, 2, 8, 0)
    with app.app_context():
        db.session.execute(IncomingFile.__table__.insert(), [
            {"document_id": doc_id, "role": "attachment", "name": f"phu-luc-{i}.pdf",
             "sha256": f"{i:064x}", "size": 2048, "mime": "application/pdf",
             "uploaded_at": now, "uploaded_by_id": clerk} for i in range(start, start + n)])
        db.session.execute(Assignment.__table__.insert(), [
            {"document_id": doc_id, "role": "cooperate", "user_id": official, "active": True,
             "assigned_at": now, "assigned_by_id": clerk} for _ in range(n)])
        db.session.execute(ProgressNote.__table__.insert(), [
            {"document_id": doc_id, "user_id": official, "kind": "progress",
             "text": f"Tiến độ {i}", "created_at": now} for i in range(start, start + n)])
        db.session.execute(AuditEvent.__table__.insert(), [
            {"created_at": now, "username": "vanthu.vphu", "action": action,
             "object_type": "IncomingDocument", "object_id": str(doc_id),
             "details": f'{{"file": "phu-luc-{i}.pdf"}}', "prev_hash": f"p{doc_id}-{action}-{i}",
             "hash": f"h{doc_id}-{action}-{i}"}
            for i in range(start, start + n) for action in ("file_previewed", "assigned")])
        db.session.commit()
        db.session.remove()


def test_the_document_page_costs_the_same_statements_for_1_or_12_files_and_steps(
        app, world, clients, docs, statements):
    """The document page reads the document and each of its parts once (files, assignments,
    progress, history, statuses, replies, scans), whatever their number; the document is
    not read a second time for FAB's show widget."""
    doc_id = docs(1)[0]
    client = clients("vanthu.vphu")
    path = f"/incomingview/show/{doc_id}"
    _grow_document(app, world, doc_id, 1, 0)
    few, _resp = _statements_for(client, statements, path)
    _grow_document(app, world, doc_id, 11, 1)
    many, resp = _statements_for(client, statements, path)
    assert "phu-luc-11.pdf" in resp.get_data(as_text=True)
    assert many == few, (few, many)
    # the user (with the stamp); the document, its files, scans, assignments, progress,
    # replies, history (the roles, the permissions and the top bar are kept; the statuses
    # sent back are read only for a document that has had one).
    assert many <= 8, many
    outgoing = _statements_for(client, statements, "/outgoingview/list/")[1]
    out_id = re.search(r"/outgoingview/show/(\d+)", outgoing.get_data(as_text=True)).group(1)
    count, _resp = _statements_for(client, statements, f"/outgoingview/show/{out_id}")
    assert count <= 6, count


def test_the_document_page_reads_only_the_parts_a_document_has(
        app, world, clients, docs, statements):
    """One statement tells which of the assignments, progress notes and replies a document
    has: a document without them costs no statement per part. The page shows each part
    with its people, and reads neither the files' extracted text nor the scans'
    recognised text."""
    from sqlalchemy import event

    from app.extensions import db
    from app.security.models import AppUser

    doc_id = docs(1)[0]
    client = clients("vanthu.vphu")
    path = f"/incomingview/show/{doc_id}"
    bare, _resp = _statements_for(client, statements, path)
    _grow_document(app, world, doc_id, 1, 0)  # a PDF file, an assignment, a progress note
    texts = []
    with app.app_context():
        engine = db.engine
        official = db.session.get(AppUser, world.ids["chuyenvien.vphu"]).get_full_name()

    def _text(conn, cursor, statement, *args):
        texts.append(statement)

    event.listen(engine, "before_cursor_execute", _text)
    try:
        grown, resp = _statements_for(client, statements, path)
    finally:
        event.remove(engine, "before_cursor_execute", _text)
    # now read: the scans of the PDF, the assignments, the notes (still no replies)
    assert grown == bare + 3, (bare, grown)
    html = resp.get_data(as_text=True)
    assert "Tiến độ 0" in html and html.count(official) >= 2  # assigned to; the note's author
    assert texts and not [s for s in texts
                          if "text_content" in s or "ocr_scan.text" in s]


def test_a_list_statement_is_kept_for_its_user_and_made_again_after_a_write(
        app, world, clients, api, docs, monkeypatch, list_builds):
    """The statement of a list page is made once per list, user, stamp and day and kept
    while nothing is written: the same page again runs it without building FAB's query;
    another user's list is their own statement and rows; a write makes it again."""
    built = list_builds
    ids = docs(3)
    clerk, other = clients("vanthu.vphu"), clients("vanthu.btchu")
    api_client, headers = api("vanthu.vphu")

    def shown(client):
        html = client.get(LIST).get_data(as_text=True)
        return [i for i in ids if f"/incomingview/show/{i}\"" in html]

    assert shown(clerk) == ids
    api_ids = [row["id"] for row in api_client.get("/api/v1/incoming/", headers=headers)
               .get_json()["result"]]
    built.clear()
    assert shown(clerk) == ids
    assert [row["id"] for row in api_client.get("/api/v1/incoming/", headers=headers)
            .get_json()["result"]] == api_ids
    assert "IncomingDocument" not in built
    # nor any query object at all: neither the page's nor its (kept) count's
    from sqlalchemy.orm import Session

    made = []
    query = Session.query

    def noted(self, *entities, **kwargs):
        made.append(entities)
        return query(self, *entities, **kwargs)

    monkeypatch.setattr(Session, "query", noted)
    assert shown(clerk) == ids
    assert api_client.get("/api/v1/incoming/", headers=headers).status_code == 200
    assert made == []
    assert shown(other) == [] and built.count("IncomingDocument") == 1
    built.clear()
    newer = docs(1)
    assert newer[0] not in ids and shown(clerk) == ids  # the new one is on the page ...
    assert f"/incomingview/show/{newer[0]}\"" in clerk.get(LIST).get_data(as_text=True)
    assert "IncomingDocument" in built  # ... from a statement made again after the write


def test_a_last_page_and_the_page_at_the_cap_are_not_counted(app, clients, docs, statements):
    """One row more than the page is read: a page that is not full ends the list (its
    count is the rows before and on it), a full page at the cap followed by a row means
    "more than the cap"; the middle pages are counted (on every page: nothing kept)."""
    app.config["LIST_COUNT_CACHE_SECONDS"] = 0
    ids = docs(23)
    client = clients("vanthu.vphu")
    page = f"{LIST}?psize_IncomingView=5&page_IncomingView="
    middle, _resp = _statements_for(client, statements, page + "1")
    last, resp = _statements_for(client, statements, page + "4")
    html = resp.get_data(as_text=True)
    assert last == middle - 1  # no COUNT
    assert re.search(r":</strong>\s*23\s", html)
    assert [i for i in ids if f"/incomingview/show/{i}\"" in html] == ids[20:]
    app.config["LIST_COUNT_CAP"] = 10
    at_cap, resp = _statements_for(client, statements, page + "1")
    assert at_cap == middle - 1
    assert re.search(r":</strong>\s*hơn 10\s", resp.get_data(as_text=True))
    app.config["LIST_COUNT_CAP"] = 23
    _count, resp = _statements_for(client, statements, page + "4")
    assert re.search(r":</strong>\s*23\s", resp.get_data(as_text=True))


def test_an_api_call_with_a_token_gets_no_session_cookie(app, clients, api):
    """An API call carrying a token has no session: none is signed and sent back (a
    screen's session cookie is refreshed on every page, for the idle timeout)."""
    client, headers = api("vanthu.vphu")
    resp = client.get("/api/v1/incoming/", headers=headers)
    assert resp.status_code == 200 and "Set-Cookie" not in resp.headers
    page = clients("vanthu.vphu").get(LIST)
    assert page.status_code == 200 and "session=" in page.headers.get("Set-Cookie", "")


def test_a_deep_page_reads_its_ids_first_in_the_same_order(app, clients, api, docs,
                                                           monkeypatch):
    """Far into a list, a page reads the ids of its rows (the filtered, ordered, offset
    query walked in an index) and then those rows: the same rows in the same order as a
    page read directly, for the default order and for an order the user chose; the other
    unit's documents stay out."""
    from app.core import views
    from app.extensions import db

    ids = docs(30)
    docs(12, unit="btchu")
    client = clients("vanthu.vphu")
    pages = [f"{LIST}?psize_IncomingView=5&page_IncomingView={n}" for n in (3, 5)] + [
        f"{LIST}?psize_IncomingView=5&page_IncomingView=4"
        "&_oc_IncomingView=arrival_number&_od_IncomingView=asc"]

    def shown(html):
        return [int(i) for i in re.findall(r"/incomingview/show/(\d+)\"", html)]

    direct = [shown(client.get(p).get_data(as_text=True)) for p in pages]
    assert direct[0] == ids[15:20] and direct[1] == ids[25:30]
    assert direct[2] == sorted(ids)[20:25]
    monkeypatch.setattr(views, "DEEP_OFFSET", 10)
    seen = []

    def _note(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _note)
    try:
        deep = [shown(client.get(p).get_data(as_text=True)) for p in pages]
    finally:
        event.remove(engine, "before_cursor_execute", _note)
    assert deep == direct
    id_reads = [s for s in seen if s.startswith(
        "SELECT incoming_document.id AS incoming_document_id FROM incoming_document")]
    assert len(id_reads) == 3 and all("OFFSET" in s for s in id_reads), seen
    # The API's lists read plain columns in one statement, deep or not.
    api_client, headers = api("vanthu.vphu")
    page = api_client.get("/api/v1/incoming/?q=(page:5,page_size:5)", headers=headers)
    assert [row["id"] for row in page.json["result"]] == ids[25:30]


def test_one_document_probes_its_own_assignments_a_list_collects_them(app, world, clients,
                                                                      docs):
    """The scope of a list collects the assignments once (one uncorrelated subquery); a
    document read by id probes its own (a statement PostgreSQL plans once for every
    document and user). Both give the same documents: an official sees the one assigned
    to them, on the page and in the list, and not the others."""
    from app.extensions import db
    from app.incoming.models import Assignment

    ids = docs(3)
    with app.app_context():
        db.session.add(Assignment(document_id=ids[1], role="lead", active=True,
                                  user_id=world.ids["chuyenvien.vphu"],
                                  assigned_at=datetime(2026, 2, 2, 8, 0),
                                  assigned_by_id=world.ids["lanhdao.vphu"]))
        db.session.commit()
        engine = db.engine
    seen = []

    def _note(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    official = clients("chuyenvien.vphu")
    event.listen(engine, "before_cursor_execute", _note)
    try:
        page = official.get(f"/incomingview/show/{ids[1]}")
        one = [s for s in seen if s.startswith("SELECT incoming_document.id")]
        seen.clear()
        listed = official.get(LIST).get_data(as_text=True)
        many = [s for s in seen if s.startswith("SELECT incoming_document.id")]
    finally:
        event.remove(engine, "before_cursor_execute", _note)
    assert page.status_code == 200
    assert "incoming_assignment.document_id = incoming_document.id" in one[0]
    assert "incoming_document.id IN (SELECT incoming_assignment.document_id" in many[0]
    assert [i for i in ids if f"/incomingview/show/{i}\"" in listed] == [ids[1]]
    for other in (ids[0], ids[2]):
        assert official.get(f"/incomingview/show/{other}").status_code == 404


def test_large_kept_values_are_fewer_and_apart(app, monkeypatch):
    """Kept statements (large) are counted apart from the kept counts and sets, and there
    are at most MAX_LARGE_ENTRIES of them: past it they are made again."""
    from app.core import kept

    monkeypatch.setattr(kept, "MAX_LARGE_ENTRIES", 2)
    made = []

    def make(name):
        def compute():
            made.append(name)
            return name
        return compute

    with app.test_request_context():
        kept.clear()
        assert kept.remember("small", 1, make("small"), 60) == "small"
        for name in ("a", "b", "a", "b"):
            assert kept.remember("large", name, make(name), 60, large=True) == name
        assert made == ["small", "a", "b"]  # kept
        kept.remember("large", "c", make("c"), 60, large=True)  # the third: the others go
        kept.remember("large", "a", make("a"), 60, large=True)
        kept.remember("small", 1, make("small"), 60)  # the small ones stay
        assert made == ["small", "a", "b", "c", "a"]
        kept.clear()


def test_a_list_page_makes_no_document_object_and_shows_each_main_files_verdict(
        app, world, clients, docs, monkeypatch):
    """A page of an incoming list reads its rows as values in one statement (the columns
    its cells show and each main file's signature status), makes no document object, and
    shows the verdict of each document's main file, none for a document without one —
    on the first page and on a page far into the list."""
    from app.core import views
    from app.extensions import db
    from app.incoming.models import IncomingDocument, IncomingFile

    ids = docs(12)
    with app.app_context():
        for doc_id, role, status in ((ids[0], "main", "valid"), (ids[1], "main", "modified"),
                                     (ids[2], "attachment", "valid"), (ids[3], "main", None)):
            db.session.add(IncomingFile(document_id=doc_id, role=role, name="a.pdf",
                                        sha256="0" * 64, size=1, mime="application/pdf",
                                        signature_status=status))
        db.session.commit()
    loaded = []

    def _loaded(target, context):
        loaded.append(target.id)

    event.listen(IncomingDocument, "load", _loaded)
    client = clients("vanthu.vphu")
    try:
        first = client.get(LIST).get_data(as_text=True)
        monkeypatch.setattr(views, "DEEP_OFFSET", 5)  # the page below is "far"
        deep = client.get(f"{LIST}?psize_IncomingView=5&page_IncomingView=1") \
            .get_data(as_text=True)
    finally:
        event.remove(IncomingDocument, "load", _loaded)
    assert loaded == []

    def signature(html, doc_id):
        row = re.search(rf'<tr>(?:(?!</tr>).)*/incomingview/show/{doc_id}"(?:(?!</tr>).)*</tr>',
                        html, re.S).group(0)
        return re.search(r'qlvb-c-signature_cell[^>]*>(.*?)</td>', row, re.S).group(1)

    assert "qlvb-signature-short-valid" in signature(first, ids[0])
    assert "qlvb-signature-short-invalid" in signature(first, ids[1])
    assert signature(first, ids[2]) == ""  # an attachment is not the main file
    assert signature(first, ids[3]) == ""  # a main file not yet verified
    assert signature(first, ids[4]) == ""
    assert [i for i in ids if f"/incomingview/show/{i}\"" in deep] == ids[5:10]
    assert "Kế hoạch số" in first and "Tỉnh ủy Hưng Yên" in deep


def test_the_session_cookie_is_sent_again_only_when_it_changed_or_a_step_passed(
        app, clients, monkeypatch):
    """The same page asked again changes nothing in the session (its back history
    already ends with it): the answer carries no cookie. Once the cookie is older than
    the step, a page signs it again to move the idle timeout."""
    from app.core import sessions

    client = clients("vanthu.vphu")
    assert client.get(LIST).status_code == 200
    again = client.get(LIST)
    assert again.status_code == 200 and "Set-Cookie" not in again.headers
    monkeypatch.setattr(sessions, "MAX_STEP_SECONDS", 0)
    later = client.get(LIST)
    assert later.status_code == 200 and "session=" in later.headers.get("Set-Cookie", "")
    monkeypatch.setattr(sessions, "MAX_STEP_SECONDS", 60)
    assert "Set-Cookie" not in client.get(LIST).headers
    other = client.get("/incominginboxview/list/")  # a new page in the back history
    assert "session=" in other.headers.get("Set-Cookie", "")


def test_a_records_statement_is_kept_for_its_user_and_the_scope_holds(
        app, world, clients, docs, monkeypatch):
    """The statement that reads one record within the user's scope (the document page,
    every step form, action and download) is made once per user, stamp and day, its key a
    parameter: another document of the same user runs it again as it is; another unit's
    clerk gets their own statement, and a 404 for a document outside their scope; a
    write makes it again."""
    from flask_appbuilder.models.filters import Filters

    applied = []
    apply_all = Filters.apply_all

    def counted(self, query):
        applied.append(1)
        return apply_all(self, query)

    monkeypatch.setattr(Filters, "apply_all", counted)
    ids = docs(3)
    clerk, other = clients("vanthu.vphu"), clients("vanthu.btchu")
    assert clerk.get(f"/incomingview/show/{ids[0]}").status_code == 200
    applied.clear()
    for doc_id in ids:
        page = clerk.get(f"/incomingview/show/{doc_id}")
        assert page.status_code == 200
        assert f"/incomingview/slip/{doc_id}" in page.get_data(as_text=True)
    assert applied == []
    assert other.get(f"/incomingview/show/{ids[0]}").status_code == 404
    assert other.get(f"/incomingview/show/{ids[1]}").status_code == 404
    assert len(applied) == 1
    theirs = docs(1, unit="btchu")
    assert other.get(f"/incomingview/show/{theirs[0]}").status_code == 200
    assert len(applied) == 2  # made again after the write
    assert clerk.get(f"/incomingview/show/{theirs[0]}").status_code == 404
