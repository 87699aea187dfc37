"""The whole life of an incoming document, walked through the HTTP screens role by role:
intake, inbox, register or refuse, assign, sub-assign, notes, read receipts, completion
(on time and late), cancellation, urgent ordering, who sees what (docs/domain.md §3–5).

Assertions are on status codes, redirects, database state, audit events and stored files,
never on message text (the catalog may be incomplete)."""

import hashlib
import io
import os
import re
from datetime import timedelta

from sqlalchemy import select

from tests import pdfs
from tests.conftest import client_for, create_user, d, html_of, rows, without_flashes
from tests.incoming.conftest import created_id

# -- helpers ----------------------------------------------------------------------------

def count_badge(html, key):
    """The number shown in the top bar's counter ``key`` (receive/assign/process/overdue)."""
    m = re.search(rf'id="qlvb-count-{key}"[^>]*>.*?<span class="badge[^"]*">(\d+)</span>',
                  html, re.S)
    assert m, f"no top-bar count {key}"
    return int(m.group(1))


def audit_actions(app, doc_id):
    from app.core.audit import AuditEvent
    from app.extensions import db

    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.action).where(AuditEvent.object_type == "IncomingDocument",
                                            AuditEvent.object_id == str(doc_id))
            .order_by(AuditEvent.id)).scalars().all()
        db.session.remove()
    return rows


def expected_text(text):
    return text if pdfs.FONT_PATH else pdfs._latin(text)


# -- 1. the whole paper lifecycle -------------------------------------------------------

def test_paper_intake_to_completion_through_the_screens(app, world, incoming):
    from app.incoming.models import Assignment, IncomingFile, ProgressNote

    ids = world.ids
    today = incoming.today()
    phrase = "Kế hoạch tổ chức hội nghị sơ kết"
    pdf = pdfs.clean_pdf(phrase)
    name = "Công văn số 123 về hội nghị.pdf"

    # The clerk registers a scanned paper document: number 1.
    clerk = client_for(app, "vanthu.vphu")
    doc_id = created_id(incoming.post_intake(clerk, pdf=pdf, filename=name, symbol="123-CV/TU"))
    doc = incoming.get(doc_id)
    assert (doc["arrival_number"], doc["arrival_year"]) == (1, today.year)
    assert doc["state"] == "registered"
    assert doc["channel"] == "paper"
    assert doc["unit_id"] == ids["vphu"]
    assert (doc["symbol_number"], doc["symbol_type"], doc["symbol_agency"]) == (123, "CV", "TU")
    [main] = rows(app, IncomingFile, document_id=doc_id)
    assert main["role"] == "main"
    assert main["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert main["size"] == len(pdf)
    assert main["name"] == name
    assert main["mime"] == "application/pdf"
    assert expected_text(phrase) in main["text_content"]
    stored = os.path.join(app.config["STORAGE_DIR"], main["sha256"][:2], main["sha256"])
    with open(stored, "rb") as fh:
        assert fh.read() == pdf

    # A second one (another symbol, another file) gets number 2.
    second_id = created_id(incoming.post_intake(clerk, pdf=pdfs.clean_pdf("Báo cáo quý"),
                                                symbol="124-CV/TU"))
    assert incoming.get(second_id)["arrival_number"] == 2

    # The head sees both waiting for assignment, in the list and in the top bar.
    head = client_for(app, "lanhdao.vphu")
    html = html_of(head, "/incomingtoassignview/list/")
    assert "123-CV/TU" in html and "124-CV/TU" in html
    assert count_badge(html, "assign") == 2

    # The head assigns: lead = an official, cooperating = BTCHU, informed = the clerk.
    lead_deadline = today + timedelta(days=5)
    resp = head.post(f"/incomingview/assign/{doc_id}", data={
        "direction": "Đề nghị đồng chí chủ trì tham mưu",
        "lead": f"user:{ids['chuyenvien.vphu']}", "lead_deadline": d(lead_deadline),
        "cooperate": [f"unit:{ids['btchu']}"],
        "cooperate_deadline": d(today + timedelta(days=4)),
        "inform": [f"user:{ids['vanthu.vphu']}"]})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/show/{doc_id}")
    doc = incoming.get(doc_id)
    assert doc["state"] == "assigned"
    assert doc["deadline"] == lead_deadline
    assert doc["directed_by_id"] == ids["lanhdao.vphu"]
    parties = {(a["role"], a["user_id"], a["unit_id"])
               for a in rows(app, Assignment, document_id=doc_id, active=True)}
    assert parties == {("lead", ids["chuyenvien.vphu"], None),
                       ("cooperate", None, ids["btchu"]),
                       ("inform", ids["vanthu.vphu"], None)}
    assert count_badge(html_of(head, "/incomingtoassignview/list/"), "assign") == 1

    # The lead official sees it in "my work" and in the top bar, and reports progress
    # with a result file: the processing starts.
    official = client_for(app, "chuyenvien.vphu")
    html = html_of(official, "/incomingtodoview/list/")
    assert "123-CV/TU" in html and "124-CV/TU" not in html
    assert count_badge(html, "process") == 1
    docx = pdfs.docx_bytes("Dự thảo báo cáo")
    resp = official.post(f"/incomingview/note/{doc_id}", data={
        "text": "Đã dự thảo báo cáo", "files": [(io.BytesIO(docx), "Dự thảo báo cáo.docx")]},
        content_type="multipart/form-data")
    assert resp.status_code == 302
    assert incoming.get(doc_id)["state"] == "in_progress"
    result = [f for f in rows(app, IncomingFile, document_id=doc_id) if f["role"] == "result"]
    assert [(f["name"], f["sha256"]) for f in result] == [
        ("Dự thảo báo cáo.docx", hashlib.sha256(docx).hexdigest())]
    assert result[0]["note_id"] is not None

    # The head of the cooperating unit sees the document and hands it to an official.
    coop_head = client_for(app, "lanhdao.btchu")
    assert coop_head.get(f"/incomingview/show/{doc_id}").status_code == 200
    [coop] = [a for a in rows(app, Assignment, document_id=doc_id, active=True)
              if a["unit_id"] == ids["btchu"]]
    assert coop_head.get(f"/incomingview/subassign/{doc_id}/{coop['id']}").status_code == 200
    resp = coop_head.post(f"/incomingview/subassign/{doc_id}/{coop['id']}", data={
        "lead": f"user:{ids['chuyenvien.btchu']}",
        "lead_deadline": d(today + timedelta(days=4))})
    assert resp.status_code == 302
    [sub] = rows(app, Assignment, document_id=doc_id, parent_id=coop["id"])
    assert sub["user_id"] == ids["chuyenvien.btchu"] and sub["active"]
    assert sub["role"] == "cooperate"  # under a cooperating unit nobody leads

    # The official of the cooperating unit gives an opinion.
    coop_official = client_for(app, "chuyenvien.btchu")
    resp = coop_official.post(f"/incomingview/note/{doc_id}", data={"text": "Nhất trí"})
    assert resp.status_code == 302
    assert [n["kind"] for n in rows(app, ProgressNote, document_id=doc_id,
                                    user_id=ids["chuyenvien.btchu"])] == ["opinion"]

    # The informed clerk confirms reading.
    assert clerk.post(f"/incomingview/mark_read/{doc_id}").status_code == 302
    [inform] = [a for a in rows(app, Assignment, document_id=doc_id, active=True)
                if a["role"] == "inform"]
    assert inform["read_at"] is not None

    # A cooperating official cannot complete.
    resp = coop_official.post(f"/incomingview/complete/{doc_id}", data={"result": "Xong"})
    assert resp.status_code == 200
    assert "alert-danger" in resp.get_data(as_text=True)
    assert incoming.get(doc_id)["state"] == "in_progress"

    # The lead completes, on time.
    assert official.get(f"/incomingview/complete/{doc_id}").status_code == 200
    resp = official.post(f"/incomingview/complete/{doc_id}",
                         data={"result": "Đã tham mưu báo cáo, trình ký"})
    assert resp.status_code == 302
    doc = incoming.get(doc_id)
    assert doc["state"] == "done"
    assert doc["completed_late"] is False
    assert doc["completed_at"] is not None
    html = html_of(head, "/incomingdoneontimeview/list/")
    assert "123-CV/TU" in html
    assert "123-CV/TU" not in html_of(head, "/incomingdonelateview/list/")
    assert "123-CV/TU" not in without_flashes(html_of(official, "/incomingtodoview/list/"))

    # Every step is in the history, which the document page shows.
    actions = audit_actions(app, doc_id)
    for action in ("incoming_received", "incoming_registered", "incoming_assigned",
                   "incoming_sub_assigned", "incoming_note", "incoming_read",
                   "incoming_completed"):
        assert action in actions, action
    assert actions.index("incoming_received") < actions.index("incoming_registered") \
        < actions.index("incoming_assigned") < actions.index("incoming_completed")
    html = html_of(head, f"/incomingview/show/{doc_id}")
    history = html.split("qlvb-history", 1)[1].split("</table>", 1)[0]
    assert history.count("<tr>") == len(actions)

    # Preview (inline PDF) and download (attachment, identical bytes) are both recorded.
    resp = official.get(f"/incomingview/preview/{main['id']}")
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    assert "attachment" not in resp.headers.get("Content-Disposition", "")
    assert resp.data == pdf
    resp = official.get(f"/incomingview/file/{main['id']}")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.data == pdf
    actions = audit_actions(app, doc_id)
    assert actions[-2:] == ["file_previewed", "file_downloaded"]

    # The processing slip prints the arrival number.
    resp = head.get(f"/incomingview/slip/{doc_id}")
    assert resp.status_code == 200
    assert f"1/{today.year}" in resp.get_data(as_text=True)


# -- 2. completed late ------------------------------------------------------------------

def test_overdue_then_completed_late(app, world, incoming):
    ids = world.ids
    today = incoming.today()
    doc_id = incoming.intake(arrival_date=today - timedelta(days=10),
                             document_date=today - timedelta(days=12), symbol="77-CV/TU")
    head = client_for(app, "lanhdao.vphu")
    resp = head.post(f"/incomingview/assign/{doc_id}", data={
        "direction": "Xử lý gấp", "lead": f"user:{ids['chuyenvien.vphu']}",
        "lead_deadline": d(today - timedelta(days=1))})
    assert resp.status_code == 302
    assert incoming.get(doc_id)["deadline"] == today - timedelta(days=1)

    # Before completion: in the overdue list with its marker, and counted.
    html = html_of(head, "/incomingoverdueview/list/")
    assert "77-CV/TU" in html
    assert re.search(r'class="[^"]*\bqlvb-overdue\b', html)
    assert count_badge(html, "overdue") >= 1
    assert count_badge(html_of(client_for(app, "chuyenvien.vphu"), "/incomingtodoview/list/"),
                       "overdue") == 1
    assert "77-CV/TU" not in html_of(head, "/incomingneardueview/list/")

    official = client_for(app, "chuyenvien.vphu")
    resp = official.post(f"/incomingview/complete/{doc_id}", data={"result": "Đã xử lý"})
    assert resp.status_code == 302
    doc = incoming.get(doc_id)
    assert doc["state"] == "done" and doc["completed_late"] is True
    assert "77-CV/TU" in html_of(head, "/incomingdonelateview/list/")
    assert "77-CV/TU" not in html_of(head, "/incomingdoneontimeview/list/")
    html = html_of(head, "/incomingoverdueview/list/")
    assert "77-CV/TU" not in html
    assert count_badge(html, "overdue") == 0


# -- 3. electronic inbox, refused -------------------------------------------------------

def test_inbox_refusal_is_seen_by_sender_and_office_only(app, world, incoming):
    from app.extensions import db
    from app.incoming.models import ExchangeStatus, Rejection
    from app.notifications.models import Notification
    from app.security import permissions as P
    from app.units.models import Unit

    ids = world.ids
    with app.app_context():  # a third unit, unrelated to the exchange
        other = Unit(name="Ủy ban Kiểm tra Huyện ủy", abbreviation="UBKTHU",
                     kind="advisory", code="000.00.03.H31", parent_id=ids["host"])
        db.session.add(other)
        db.session.flush()
        create_user(db.session, app.appbuilder.sm, "vanthu.ubkt", [P.ROLE_CLERK], other)
        db.session.commit()
        db.session.remove()

    doc_id = incoming.deliver(symbol="45-BC/BTCHU")
    assert incoming.get(doc_id)["state"] == "pending"
    assert incoming.get(doc_id)["arrival_number"] is None

    clerk = client_for(app, "vanthu.vphu")
    html = html_of(clerk, "/incominginboxview/list/")
    assert "45-BC/BTCHU" in html
    assert count_badge(html, "receive") == 1
    assert clerk.get(f"/incomingview/refuse/{doc_id}").status_code == 200

    reason = "Văn bản thiếu chữ ký số, đề nghị gửi lại bản có ký số"
    resp = clerk.post(f"/incomingview/refuse/{doc_id}", data={"reason": reason})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/incominginboxview/list/")
    doc = incoming.get(doc_id)
    assert doc["state"] == "refused"
    assert doc["arrival_number"] is None
    [rejection] = rows(app, Rejection, document_id=doc_id)
    assert rejection["reason"] == reason
    assert rejection["unit_id"] == ids["vphu"]
    assert rejection["sender_unit_id"] == ids["btchu"]
    assert rejection["created_by_id"] == ids["vanthu.vphu"]
    statuses = rows(app, ExchangeStatus, document_id=doc_id)
    assert [s["code"] for s in statuses] == ["01", "02"]
    assert statuses[-1]["note"] == reason
    assert statuses[-1]["sender_unit_id"] == ids["btchu"]
    notes = rows(app, Notification, user_id=ids["vanthu.btchu"])
    assert len(notes) == 1 and notes[0]["urgent"] is True
    assert "incoming_refused" in audit_actions(app, doc_id)
    html = without_flashes(html_of(clerk, "/incominginboxview/list/"))
    assert "45-BC/BTCHU" not in html
    assert count_badge(html, "receive") == 0

    # The refusal is visible to the refusing unit, the sender unit and the office.
    for user in ("vanthu.vphu", "vanthu.btchu", "vanphong"):
        html = html_of(client_for(app, user), "/rejectionview/list/")
        assert reason in html, user
    html = html_of(client_for(app, "vanthu.ubkt"), "/rejectionview/list/")
    assert reason not in html
    assert "45-BC/BTCHU" not in html
    assert client_for(app, "vanthu.ubkt").get(
        f"/rejectionview/show/{rejection['id']}").status_code == 404


# -- 4. electronic inbox, registered: every status reaches the sender ------------------

def test_inbox_registration_sends_each_status_to_the_sender(app, world, incoming):
    from app.incoming.models import ExchangeStatus

    ids = world.ids
    today = incoming.today()
    doc_id = incoming.deliver(symbol="46-BC/BTCHU")

    def codes():
        return [s["code"] for s in rows(app, ExchangeStatus, document_id=doc_id)]

    assert codes() == ["01"]
    clerk = client_for(app, "vanthu.vphu")
    assert clerk.get(f"/incomingview/register/{doc_id}").status_code == 200
    resp = clerk.post(f"/incomingview/register/{doc_id}", data={
        "arrival_date": d(today), "arrival_time": "09:00",
        "sender_unit_id": str(ids["btchu"]), "author_name": "",
        "symbol": "46-BC/BTCHU", "document_date": d(today - timedelta(days=1)),
        "document_type_id": str(incoming.type_id),
        "summary": "Báo cáo công tác tổ chức xây dựng Đảng", "urgency": "0",
        "secrecy_confirmed": "y",
        "trust_reason": "Bản thử nghiệm chưa ký số"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/show/{doc_id}")
    doc = incoming.get(doc_id)
    assert doc["state"] == "registered" and doc["arrival_number"] == 1
    assert doc["author_name"] == "Ban Tổ chức Huyện ủy"  # the system unit's own name
    assert doc["registered_by_id"] == ids["vanthu.vphu"]
    assert codes() == ["01", "03"]

    head = client_for(app, "lanhdao.vphu")
    assert head.get(f"/incomingview/assign/{doc_id}").status_code == 200
    resp = head.post(f"/incomingview/assign/{doc_id}", data={
        "direction": "Giao chuyên viên", "lead": f"user:{ids['chuyenvien.vphu']}",
        "lead_deadline": d(today + timedelta(days=3))})
    assert resp.status_code == 302
    assert codes() == ["01", "03", "04"]

    official = client_for(app, "chuyenvien.vphu")
    assert official.post(f"/incomingview/note/{doc_id}",
                         data={"text": "Đang tổng hợp"}).status_code == 302
    assert codes() == ["01", "03", "04", "05"]
    assert official.post(f"/incomingview/complete/{doc_id}",
                         data={"result": "Đã báo cáo"}).status_code == 302
    assert codes() == ["01", "03", "04", "05", "06"]
    assert {s["sender_unit_id"] for s in rows(app, ExchangeStatus, document_id=doc_id)} \
        == {ids["btchu"]}
    assert incoming.get(doc_id)["exchange_status"] == "06"
    # The receiving unit's page lists each status sent back, in order.
    page = clerk.get(f"/incomingview/show/{doc_id}").get_data(as_text=True)
    panel = page[page.index("Trạng thái đã báo về nơi gửi"):]
    assert [panel.index(f"{code} — ") for code in ("01", "03", "04", "05", "06")] == sorted(
        panel.index(f"{code} — ") for code in ("01", "03", "04", "05", "06"))
    # The sender follows the document through these statuses only: the receiving unit's
    # page itself stays out of its scope.
    assert client_for(app, "vanthu.btchu").get(
        f"/incomingview/show/{doc_id}").status_code == 404


# -- 5. a cancelled registration keeps its number ---------------------------------------

def test_cancellation_keeps_the_number(app, world, incoming):
    first = incoming.intake(symbol="1-CV/TU", text="Văn bản thứ nhất")
    second = incoming.intake(symbol="2-CV/TU", text="Văn bản thứ hai")
    assert [incoming.get(i)["arrival_number"] for i in (first, second)] == [1, 2]

    clerk = client_for(app, "vanthu.vphu")
    resp = clerk.post(f"/incomingview/cancel/{first}", data={"reason": "Vào sổ nhầm"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/show/{first}")
    doc = incoming.get(first)
    assert doc["state"] == "cancelled"
    assert doc["arrival_number"] == 1
    assert doc["cancel_reason"] == "Vào sổ nhầm"
    assert "incoming_cancelled" in audit_actions(app, first)
    assert clerk.get(f"/incomingview/show/{first}").status_code == 200

    third = created_id(incoming.post_intake(clerk, symbol="3-CV/TU",
                                            pdf=pdfs.clean_pdf("Văn bản thứ ba")))
    assert incoming.get(third)["arrival_number"] == 3


# -- 6. urgent documents first ----------------------------------------------------------

def test_express_document_sorts_first_and_notifies_urgently(app, world, incoming):
    from datetime import time

    from app.notifications.models import Notification

    clerk = client_for(app, "vanthu.vphu")
    normal = created_id(incoming.post_intake(clerk, symbol="10-CV/TU",
                                             pdf=pdfs.clean_pdf("Văn bản thường")))
    express = created_id(incoming.post_intake(clerk, symbol="11-CV/TU", urgency="3",
                                              arrival_time="07:15",
                                              pdf=pdfs.clean_pdf("Văn bản hỏa tốc")))
    assert incoming.get(express)["urgency"] == 3
    assert incoming.get(express)["arrival_time"] == time(7, 15)

    html = without_flashes(html_of(clerk, "/incomingview/list/"))
    assert html.index("11-CV/TU") < html.index("10-CV/TU")
    express_row = next(r for r in html.split("<tr") if "11-CV/TU" in r)
    normal_row = next(r for r in html.split("<tr") if "10-CV/TU" in r)
    assert "qlvb-urgency-3" in express_row
    assert "qlvb-urgency-3" not in normal_row
    head = client_for(app, "lanhdao.vphu")
    html = html_of(head, "/incomingtoassignview/list/")
    assert html.index("11-CV/TU") < html.index("10-CV/TU")

    notes = {n["link"]: n for n in rows(app, Notification, user_id=world.ids["lanhdao.vphu"])}
    assert notes[f"/incomingview/show/{express}"]["urgent"] is True
    assert notes[f"/incomingview/show/{normal}"]["urgent"] is False


# -- 7. an official sees what is assigned, or everything when granted -------------------

def test_official_sees_only_assigned_until_granted(app, world, incoming):
    from app.incoming.models import ReaderGrant

    ids = world.ids
    assigned = incoming.intake(symbol="20-CV/TU", text="Văn bản giao việc")
    other = incoming.intake(symbol="21-CV/TU", text="Văn bản khác")
    official = client_for(app, "chuyenvien.vphu")
    for doc_id in (assigned, other):
        assert official.get(f"/incomingview/show/{doc_id}").status_code == 404
        assert official.get(f"/incomingview/slip/{doc_id}").status_code == 404
    html = html_of(official, "/incomingview/list/")
    assert "20-CV/TU" not in html and "21-CV/TU" not in html

    # (a) assigned to them.
    incoming.assign(assigned)
    assert official.get(f"/incomingview/show/{assigned}").status_code == 200
    assert official.get(f"/incomingview/show/{other}").status_code == 404
    html = html_of(official, "/incomingview/list/")
    assert "20-CV/TU" in html and "21-CV/TU" not in html

    # (b) the head lets them see the whole unit.
    head = client_for(app, "lanhdao.vphu")
    resp = head.post("/readergrantview/add", data={"user": str(ids["chuyenvien.vphu"])})
    assert resp.status_code == 302
    [grant] = rows(app, ReaderGrant, user_id=ids["chuyenvien.vphu"])
    assert grant["unit_id"] == ids["vphu"] and grant["granted_by_id"] == ids["lanhdao.vphu"]
    assert official.get(f"/incomingview/show/{other}").status_code == 200
    assert "21-CV/TU" in html_of(official, "/incomingview/list/")
    # Seeing is not directing: still no assignment rights.
    assert official.get(f"/incomingview/assign/{other}").status_code == 403

    # (c) the grant withdrawn: the very next page no longer shows the unit's documents
    # (the scope conditions kept between requests follow the security stamp).
    resp = head.post(f"/readergrantview/delete/{grant['id']}")
    assert resp.status_code == 302 and not rows(app, ReaderGrant, user_id=ids["chuyenvien.vphu"])
    assert official.get(f"/incomingview/show/{other}").status_code == 404
    assert "21-CV/TU" not in html_of(official, "/incomingview/list/")


# -- 8. the office sees every unit, read-only --------------------------------------------

def test_office_sees_all_units_but_cannot_act(app, world, incoming):
    from app.incoming.models import Assignment, Rejection

    ids = world.ids
    registered = incoming.intake(clerk="vanthu.btchu", symbol="30-CV/TU",
                                 text="Văn bản của Ban Tổ chức")
    pending = incoming.deliver(to="btchu", sender="vphu", symbol="31-CV/VPHU")
    office = client_for(app, "vanphong")
    assert office.get(f"/incomingview/show/{registered}").status_code == 200
    assert office.get(f"/incomingview/show/{pending}").status_code == 200
    html = html_of(office, "/incomingview/list/")
    assert "30-CV/TU" in html and "31-CV/VPHU" in html

    today = incoming.today()
    attempts = [
        (f"/incomingview/register/{pending}", {
            "arrival_date": d(today), "sender_unit_id": str(ids["vphu"]),
            "symbol": "31-CV/VPHU", "document_date": d(today),
            "document_type_id": str(incoming.type_id), "summary": "x", "urgency": "0",
            "secrecy_confirmed": "y",
            "trust_reason": "Bản thử nghiệm chưa ký số"}),
        (f"/incomingview/refuse/{pending}", {"reason": "Không đúng thẩm quyền"}),
        (f"/incomingview/cancel/{registered}", {"reason": "Nhầm"}),
        (f"/incomingview/assign/{registered}", {
            "lead": f"user:{ids['chuyenvien.btchu']}",
            "lead_deadline": d(today + timedelta(days=3))}),
    ]
    for url, data in attempts:
        resp = office.post(url, data=data)
        assert resp.status_code == 403, (url, resp.status_code)
    assert incoming.get(pending)["state"] == "pending"
    assert incoming.get(pending)["arrival_number"] is None
    assert incoming.get(registered)["state"] == "registered"
    assert rows(app, Rejection) == []
    assert rows(app, Assignment) == []
