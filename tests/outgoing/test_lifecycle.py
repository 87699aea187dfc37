"""The whole life of an outgoing document, walked through the HTTP screens role by role
(issue 4, "Done when"): draft → submit → return → new version → submit → sign (T/L) →
number → final signed PDF → issue to three internal units and one outside body; then one
unit refuses (02), one registers and completes (03–06), one accepts the recall (15) and
one refuses it (16); late marking (Điều 6.4); and each bad input of the issue, refused
with nothing half-done.

Assertions are on status codes, redirects, database state, audit events, stored files and
HTML markers, never on message text (the catalog may be incomplete). The helpers at the
top (``OutgoingKit``, ``rows``...) are shared with test_scope.py."""

import hashlib
import io
import os
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import conftest, pdfs
from tests.conftest import create_user, d, html_of, rows

OUTSIDE = "Tỉnh ủy Hưng Yên"


# -- helpers ----------------------------------------------------------------------------

def created_id(resp):
    return conftest.created_id(resp, "outgoingview")


def redirects_to_show(resp, pk):
    return resp.status_code == 302 and resp.headers["Location"].endswith(
        f"/outgoingview/show/{pk}")


LINK_RE = re.compile(r'/outgoing\w*view/show/(\d+)"')
INCOMING_LINK_RE = re.compile(r'/incoming\w*view/show/(\d+)"')


def list_table(html):
    """The rows of a list page (not the menus or the notifications of the top bar)."""
    if "table table-bordered table-hover" not in html:
        return ""
    return html.split("table table-bordered table-hover", 1)[1].split("</table>", 1)[0]


def listed(html, pk, link=LINK_RE):
    """Whether the list page ``html`` links to the document ``pk`` in its rows."""
    return str(pk) in link.findall(list_table(html))


def refused_on_page(resp):
    """A step refused by a rule: the form again (200) with the danger alert, no 500."""
    return resp.status_code == 200 and "alert-danger" in resp.get_data(as_text=True)


def count(app, model, *where):
    from app.extensions import db

    with app.app_context():
        n = db.session.execute(select(func.count()).select_from(model).where(*where)) \
            .scalar_one()
        db.session.remove()
    return n


def audit_actions(app, object_type, pk):
    from app.core.audit import AuditEvent
    from app.extensions import db

    with app.app_context():
        out = db.session.execute(
            select(AuditEvent.action).where(AuditEvent.object_type == object_type,
                                            AuditEvent.object_id == str(pk))
            .order_by(AuditEvent.id)).scalars().all()
        db.session.remove()
    return out


def section(html, marker):
    """The first <table> after ``marker`` (e.g. the recipients, route or history panel)."""
    assert marker in html, marker
    return html.split(marker, 1)[1].split("</table>", 1)[0]


def recipient_row(html, label):
    """The <tr> of the recipients panel whose first cell is ``label``."""
    table = _recipients_table(html)
    for row in table.split("<tr")[1:]:
        if f"<td>{label}</td>" in row:
            return "<tr" + row
    raise AssertionError(f"no recipient row for {label}")


def _recipients_table(html):
    # The recipients panel is the first table after the show widget's own tables whose
    # rows carry the status code in <strong>.
    for table in html.split("<table")[1:]:
        table = table.split("</table>", 1)[0]
        if "<td><strong>" in table:
            return table
    raise AssertionError("no recipients table")


class OutgoingKit:
    """The world's units and users, plus the host unit's staff, a third unit (UBKT) with
    its clerk and head, a document type CV, a term covering today; documents in each
    state made through the real services."""

    def __init__(self, app, world):
        from app.extensions import db
        from app.reference.models import DocumentType, Term
        from app.security import permissions as P
        from app.security.models import AppUser
        from app.units.models import Unit

        self.app, self.world = app, world
        ids = world.ids
        with app.app_context():
            sm = app.appbuilder.sm
            t = db.session.execute(select(DocumentType).where(
                DocumentType.abbreviation == "CV")).scalars().first()
            if t is None:
                t = DocumentType(name="Công văn", abbreviation="CV", processing_days=7)
                db.session.add(t)
            today = self.today()
            if db.session.execute(select(Term).where(Term.start_date <= today,
                                                     Term.end_date >= today)).first() is None:
                db.session.add(Term(name="Nhiệm kỳ kiểm thử", start_date=today - timedelta(
                    days=400), end_date=today + timedelta(days=1400)))
            third = db.session.execute(select(Unit).where(
                Unit.abbreviation == "UBKTHU")).scalars().first()
            if third is None:
                third = Unit(name="Ủy ban Kiểm tra Huyện ủy", abbreviation="UBKTHU",
                             kind="advisory", code="000.00.03.H31", parent_id=ids["host"])
                db.session.add(third)
                db.session.flush()
            ids["ubkt"] = third.id
            host = db.session.get(Unit, ids["host"])
            for name, role, unit in (("vanthu.hu", P.ROLE_CLERK, host),
                                     ("lanhdao.hu", P.ROLE_HEAD, host),
                                     ("chuyenvien.hu", P.ROLE_OFFICIAL, host),
                                     ("vanthu.ubkt", P.ROLE_CLERK, third),
                                     ("lanhdao.ubkt", P.ROLE_HEAD, third)):
                user = db.session.execute(select(AppUser).where(
                    AppUser.username == name)).scalars().first()
                ids[name] = (user or create_user(db.session, sm, name, [role], unit)).id
            db.session.commit()
            self.type_id = t.id
            db.session.remove()

    def today(self):
        from app.core.timeutil import local_today

        return local_today()

    def store(self, data, name):
        from app.core import storage
        from app.core.filecheck import check_attachment

        return storage.store(io.BytesIO(data), name, check=check_attachment)

    def make(self, unit="vphu", state="draft", *, units=("btchu",), outside=(),
             summary=None, urgency=0, sensitive=False, final=True, signed_days_ago=None,
             final_pdf=None, late_reason=""):
        """A document of ``unit`` brought to ``state`` (draft, review, returned, signed,
        numbered, issued, recalled) by its official, head and clerk; returns its id."""
        from app.extensions import db
        from app.outgoing import services as s
        from app.outgoing.models import OutgoingDocument

        ids = self.world.ids
        order = ["draft", "review", "returned", "signed", "numbered", "issued", "recalled"]
        goal = order.index(state)
        with self.app.test_request_context():
            official = self.world.user(f"chuyenvien.{unit}")
            head = self.world.user(f"lanhdao.{unit}")
            clerk = self.world.user(f"vanthu.{unit}")
            specs = [s.RecipientSpec(unit_id=ids[u]) for u in units]
            specs += [s.RecipientSpec(name=n, channel=c) for n, c in outside]
            draft = self.store(pdfs.docx_bytes(f"Dự thảo {unit} {state}"), "Dự thảo.docx")
            doc = s.create_draft(db.session, official, self.type_id,
                                 summary or f"Trích yếu {unit}-{state}-mark", urgency, draft,
                                 recipients=specs, signer_id=head.id)
            if goal >= 1:
                s.submit(db.session, doc, official, head.id, "Kính trình")
            if state == "returned":
                s.return_draft(db.session, doc, head, "Sửa lại")
            if goal >= 3:
                if sensitive:
                    s.set_sensitive(db.session, doc, head, True)
                s.sign(db.session, doc, head, "")
                if signed_days_ago is not None:
                    doc.signed_at = doc.signed_at - timedelta(days=signed_days_ago)
            if goal >= 4:
                s.assign_number(db.session, doc, clerk)
                if final:
                    from app.core import storage
                    from app.core.filecheck import check_main_pdf

                    pdf = final_pdf or pdfs.clean_pdf(f"Văn bản {unit} {state}")
                    s.attach_final(db.session, doc, clerk, storage.store(
                        io.BytesIO(pdf), "Văn bản ký số.pdf", check=check_main_pdf))
            if goal >= 5:
                s.issue(db.session, doc, clerk, late_reason)
            if goal >= 6:
                s.request_recall(db.session, doc, clerk, "Ban hành nhầm")
            db.session.commit()
            pk = doc.id
            db.session.remove()
        with self.app.app_context():
            assert db.session.get(OutgoingDocument, pk).state == state
            db.session.remove()
        return pk

    def doc(self, pk):
        from app.outgoing.models import OutgoingDocument

        [snap] = rows(self.app, OutgoingDocument, id=pk)
        return snap

    def recipients(self, pk):
        from app.outgoing.models import Recipient

        return rows(self.app, Recipient, document_id=pk)

    def files(self, pk, kind=None):
        from app.outgoing.models import OutgoingFile

        found = rows(self.app, OutgoingFile, document_id=pk)
        return [f for f in found if kind is None or f["kind"] == kind]

    def steps(self, pk):
        from app.outgoing.models import RouteStep

        return [(s["action"], s["from_user_id"], s["to_user_id"], s["comment"],
                 s["file_version"]) for s in rows(self.app, RouteStep, document_id=pk)]

    def set(self, pk, **values):
        """Test setup only: write columns of the document directly."""
        from app.extensions import db
        from app.outgoing.models import OutgoingDocument

        with self.app.app_context():
            doc = db.session.get(OutgoingDocument, pk)
            for k, v in values.items():
                setattr(doc, k, v)
            db.session.commit()
            db.session.remove()


@pytest.fixture
def kit(app, world):
    return OutgoingKit(app, world)


def draft_form(kit, data=None, filename="Dự thảo công văn.docx", **fields):
    """The draft form as an official fills it."""
    ids = kit.world.ids
    form = {
        "document_type_id": str(kit.type_id),
        "summary": "Về việc chuẩn bị hội nghị sơ kết công tác tổ chức",
        "urgency": "0",
        "signer_id": str(ids["lanhdao.vphu"]),
        "units": [str(ids["btchu"]), str(ids["host"]), str(ids["ubkt"])],
        "outside": f"{OUTSIDE}; paper",
        "draft_file": (io.BytesIO(pdfs.docx_bytes() if data is None else data), filename),
        "reply_to_id": "",
    }
    form.update(fields)
    return {k: v for k, v in form.items() if v is not None}


def stored_path(app, sha):
    return os.path.join(app.config["STORAGE_DIR"], sha[:2], sha)


def incoming_of(app, recipient):
    from app.incoming.models import IncomingDocument

    [snap] = rows(app, IncomingDocument, id=recipient["incoming_document_id"])
    return snap


# -- 1. the walk of "Done when" ---------------------------------------------------------

def test_draft_route_sign_number_issue_deliver_refuse_complete_recall(app, world, kit,
                                                                      clients):
    from app.core.audit import AuditEvent
    from app.incoming.models import IncomingDocument, IncomingFile

    ids = world.ids
    today = kit.today()
    official = clients("chuyenvien.vphu")
    head = clients("lanhdao.vphu")
    clerk = clients("vanthu.vphu")

    # -- drafting: the official writes the draft with its recipients.
    assert official.get("/outgoingview/draft").status_code == 200
    v1 = pdfs.docx_bytes("Dự thảo lần một")
    resp = official.post("/outgoingview/draft", data=draft_form(kit, v1),
                         content_type="multipart/form-data")
    pk = created_id(resp)
    doc = kit.doc(pk)
    assert doc["state"] == "draft"
    assert doc["unit_id"] == ids["vphu"]
    assert doc["holder_id"] == doc["created_by_id"] == ids["chuyenvien.vphu"]
    assert doc["signer_id"] == ids["lanhdao.vphu"]
    assert doc["symbol"] is None and doc["number"] is None
    recipients = {(r["unit_id"], r["channel"], r["status"]) for r in kit.recipients(pk)}
    assert recipients == {(ids["btchu"], "electronic", "00"), (ids["host"], "electronic", "00"),
                          (ids["ubkt"], "electronic", "00"), (None, "paper", "00")}
    assert [r["name"] for r in kit.recipients(pk) if r["unit_id"] is None] == [OUTSIDE]
    [first] = kit.files(pk)
    assert (first["kind"], first["version"], first["sha256"]) == (
        "draft", 1, hashlib.sha256(v1).hexdigest())
    with open(stored_path(app, first["sha256"]), "rb") as fh:
        assert fh.read() == v1
    assert listed(html_of(official, "/outgoingdraftsview/list/"), pk)

    # -- the route: submitted to the head, who returns it with a comment.
    assert official.get(f"/outgoingview/submit/{pk}").status_code == 200
    resp = official.post(f"/outgoingview/submit/{pk}", data={
        "to_user_id": str(ids["lanhdao.vphu"]), "comment": "Kính trình đồng chí xem xét"})
    assert redirects_to_show(resp, pk)
    doc = kit.doc(pk)
    assert (doc["state"], doc["holder_id"]) == ("review", ids["lanhdao.vphu"])
    assert listed(html_of(head, "/outgoingwaitingformeview/list/"), pk)
    assert not listed(html_of(official, "/outgoingwaitingformeview/list/"), pk)

    assert head.get(f"/outgoingview/return/{pk}").status_code == 200
    comment = "Đề nghị bổ sung số liệu quý ba"
    resp = head.post(f"/outgoingview/return/{pk}", data={"comment": comment})
    assert redirects_to_show(resp, pk)
    doc = kit.doc(pk)
    assert (doc["state"], doc["holder_id"]) == ("returned", ids["chuyenvien.vphu"])
    assert listed(html_of(official, "/outgoingreturnedtomeview/list/"), pk)
    assert not listed(html_of(head, "/outgoingreturnedtomeview/list/"), pk)
    assert not listed(html_of(head, "/outgoingwaitingformeview/list/"), pk)
    route = section(html_of(official, f"/outgoingview/show/{pk}"), "qlvb-route")
    assert comment in route
    assert kit.steps(pk) == [
        ("submit", ids["chuyenvien.vphu"], ids["lanhdao.vphu"], "Kính trình đồng chí xem xét",
         1),
        ("return", ids["lanhdao.vphu"], ids["chuyenvien.vphu"], comment, 1)]

    # -- a new version: the old one is kept, byte for byte.
    v2 = pdfs.docx_bytes("Dự thảo lần hai, đã bổ sung số liệu")
    resp = official.post(f"/outgoingview/version/{pk}",
                         data={"draft_file": (io.BytesIO(v2), "Dự thảo lần 2.docx")},
                         content_type="multipart/form-data")
    assert redirects_to_show(resp, pk)
    drafts = kit.files(pk, "draft")
    assert [(f["version"], f["sha256"]) for f in drafts] == [
        (1, hashlib.sha256(v1).hexdigest()), (2, hashlib.sha256(v2).hexdigest())]
    html = html_of(official, f"/outgoingview/show/{pk}")
    assert drafts[0]["sha256"] in html and drafts[1]["sha256"] in html
    resp = official.get(f"/outgoingview/file/{drafts[0]['id']}")
    assert resp.status_code == 200 and resp.data == v1
    assert official.get(f"/outgoingview/file/{drafts[1]['id']}").data == v2

    # -- submitted again, with the new version, and signed T/L.
    resp = official.post(f"/outgoingview/submit/{pk}", data={
        "to_user_id": str(ids["lanhdao.vphu"]), "comment": "Đã sửa theo ý kiến"})
    assert redirects_to_show(resp, pk)
    assert kit.steps(pk)[-1] == ("submit", ids["chuyenvien.vphu"], ids["lanhdao.vphu"],
                                 "Đã sửa theo ý kiến", 2)
    assert head.get(f"/outgoingview/sign/{pk}").status_code == 200
    resp = head.post(f"/outgoingview/sign/{pk}", data={"signing_form": "T/L"})
    assert redirects_to_show(resp, pk)
    doc = kit.doc(pk)
    assert doc["state"] == "signed"
    assert (doc["signing_form"], doc["signed_by_id"]) == ("T/L", ids["lanhdao.vphu"])
    assert doc["signed_at"] is not None and doc["holder_id"] is None
    assert doc["sensitive"] is False

    # -- the clerk numbers it from the unit's series: 1-CV/VPHU.
    assert listed(html_of(clerk, "/outgoingtonumberview/list/"), pk)
    assert clerk.get(f"/outgoingview/number/{pk}").status_code == 200
    resp = clerk.post(f"/outgoingview/number/{pk}", data={"document_date": d(today)})
    assert redirects_to_show(resp, pk)
    doc = kit.doc(pk)
    assert (doc["state"], doc["number"], doc["symbol"]) == ("numbered", 1, "1-CV/VPHU")
    assert doc["document_date"] == today and doc["numbered_by_id"] == ids["vanthu.vphu"]
    assert "1-CV/VPHU" in list_table(html_of(clerk, "/outgoingtoissueview/list/"))
    assert listed(html_of(clerk, "/outgoingtoissueview/list/"), pk)
    assert not listed(html_of(clerk, "/outgoingtonumberview/list/"), pk)

    # -- the final signed PDF: a PDF carrying JavaScript is refused and not stored.
    assert clerk.get(f"/outgoingview/final/{pk}").status_code == 200
    js = pdfs.pdf_with_javascript()
    resp = clerk.post(f"/outgoingview/final/{pk}",
                      data={"final_file": (io.BytesIO(js), "ký số.pdf")},
                      content_type="multipart/form-data")
    assert refused_on_page(resp)
    assert kit.files(pk, "final") == []
    assert not os.path.exists(stored_path(app, hashlib.sha256(js).hexdigest()))
    assert count(app, AuditEvent, AuditEvent.action == "file_refused") == 1
    final = pdfs.clean_pdf("Công văn số 1-CV/VPHU về hội nghị sơ kết")
    final_sha = hashlib.sha256(final).hexdigest()
    resp = clerk.post(f"/outgoingview/final/{pk}",
                      data={"final_file": (io.BytesIO(final), "1-CV-VPHU.pdf")},
                      content_type="multipart/form-data")
    assert redirects_to_show(resp, pk)
    [signed_file] = kit.files(pk, "final")
    assert signed_file["sha256"] == final_sha and signed_file["mime"] == "application/pdf"
    resp = clerk.get(f"/outgoingview/preview/{signed_file['id']}")
    assert resp.status_code == 200 and resp.data == final

    # -- issued: three inboxes receive it, byte-identical; the outside body on paper.
    assert clerk.get(f"/outgoingview/issue/{pk}").status_code == 200
    resp = clerk.post(f"/outgoingview/issue/{pk}", data={"late_reason": ""})
    assert redirects_to_show(resp, pk)
    doc = kit.doc(pk)
    assert doc["state"] == "issued" and doc["issued_by_id"] == ids["vanthu.vphu"]
    assert doc["issued_at"] is not None and doc["late"] is False
    by_unit = {r["unit_id"]: r for r in kit.recipients(pk)}
    assert by_unit[None]["status"] == "P"
    assert by_unit[None]["incoming_document_id"] is None
    for unit, clerk_name in (("btchu", "vanthu.btchu"), ("host", "vanthu.hu"),
                             ("ubkt", "vanthu.ubkt")):
        r = by_unit[ids[unit]]
        assert r["status"] == "01", unit
        received = incoming_of(app, r)
        assert received["unit_id"] == ids[unit] and received["state"] == "pending"
        assert received["sender_unit_id"] == ids["vphu"] and received["delivery_id"] == r["id"]
        assert received["symbol"] == "1-CV/VPHU"
        inbox = html_of(clients(clerk_name), "/incominginboxview/list/")
        assert "1-CV/VPHU" in list_table(inbox), unit
        assert listed(inbox, received["id"], INCOMING_LINK_RE), unit
        [main] = rows(app, IncomingFile, document_id=received["id"])
        assert main["sha256"] == final_sha and main["size"] == len(final)
        resp = clients(clerk_name).get(f"/incomingview/file/{main['id']}")
        assert resp.status_code == 200
        assert hashlib.sha256(resp.data).hexdigest() == final_sha
    assert count(app, IncomingDocument) == 3
    assert listed(html_of(clerk, "/outgoingissuedview/list/"), pk)
    assert not listed(html_of(clerk, "/outgoingtoissueview/list/"), pk)

    # -- BTCHU refuses: 02 with the reason, prominent on the drafting unit's page.
    btchu_in = by_unit[ids["btchu"]]["incoming_document_id"]
    reason = "Văn bản gửi nhầm đơn vị, đề nghị không gửi Ban Tổ chức"
    resp = clients("vanthu.btchu").post(f"/incomingview/refuse/{btchu_in}",
                                                data={"reason": reason})
    assert resp.status_code == 302
    r = {x["unit_id"]: x for x in kit.recipients(pk)}[ids["btchu"]]
    assert (r["status"], r["status_note"]) == ("02", reason)
    for viewer in (official, clerk):
        row = recipient_row(html_of(viewer, f"/outgoingview/show/{pk}"), "Ban Tổ chức Huyện ủy")
        assert 'class="danger"' in row and reason in row and "<strong>02</strong>" in row
        assert "text-danger" in row
    assert listed(html_of(official, "/outgoingrefusedview/list/"), pk)

    # -- the host unit registers, assigns, works on and completes it: 03, 04, 05, 06.
    def host_status():
        html = html_of(official, f"/outgoingview/show/{pk}")
        row = recipient_row(html, "Huyện ủy")
        status = {x["unit_id"]: x for x in kit.recipients(pk)}[ids["host"]]["status"]
        assert f"<strong>{status}</strong>" in row and 'class="danger"' not in row
        return status

    host_in = by_unit[ids["host"]]["incoming_document_id"]
    host_clerk = clients("vanthu.hu")
    assert host_clerk.get(f"/incomingview/register/{host_in}").status_code == 200
    resp = host_clerk.post(f"/incomingview/register/{host_in}", data={
        "arrival_date": d(today), "arrival_time": "09:00", "sender_unit_id": str(ids["vphu"]),
        "author_name": "", "symbol": "1-CV/VPHU", "document_date": d(today),
        "document_type_id": str(kit.type_id), "summary": "Về việc chuẩn bị hội nghị sơ kết",
        "urgency": "0", "secrecy_confirmed": "y",
        "trust_reason": "Bản thử nghiệm chưa ký số"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    assert host_status() == "03"
    resp = clients("lanhdao.hu").post(f"/incomingview/assign/{host_in}", data={
        "direction": "Giao chuyên viên tham mưu", "lead": f"user:{ids['chuyenvien.hu']}",
        "lead_deadline": d(today + timedelta(days=5))})
    assert resp.status_code == 302
    assert host_status() == "04"
    host_official = clients("chuyenvien.hu")
    assert host_official.post(f"/incomingview/note/{host_in}",
                              data={"text": "Đang chuẩn bị"}).status_code == 302
    assert host_status() == "05"
    assert host_official.post(f"/incomingview/complete/{host_in}",
                              data={"result": "Đã chuẩn bị xong"}).status_code == 302
    assert host_status() == "06"
    assert incoming_of(app, by_unit[ids["host"]])["state"] == "done"

    # -- recall: VPHU's clerk asks for it back (13 for each unit that did not refuse).
    assert clerk.get(f"/outgoingview/recall/{pk}").status_code == 200
    recall_reason = "Văn bản có sai sót về số liệu"
    resp = clerk.post(f"/outgoingview/recall/{pk}", data={"reason": recall_reason})
    assert redirects_to_show(resp, pk)
    doc = kit.doc(pk)
    assert doc["state"] == "recalled" and doc["recall_reason"] == recall_reason
    status = {x["unit_id"]: x["status"] for x in kit.recipients(pk)}
    assert status == {ids["btchu"]: "02", ids["host"]: "13", ids["ubkt"]: "13", None: "P"}
    assert incoming_of(app, by_unit[ids["ubkt"]])["recall_requested_at"] is not None
    assert listed(html_of(clerk, "/outgoingrecalledview/list/"), pk)
    assert not listed(html_of(clerk, "/outgoingissuedview/list/"), pk)

    # The third unit's clerk accepts: 15, the document leaves its active lists.
    ubkt_in = by_unit[ids["ubkt"]]["incoming_document_id"]
    ubkt_clerk = clients("vanthu.ubkt")
    resp = ubkt_clerk.post(f"/incomingview/recall_answer/{ubkt_in}", data={"answer": "accept"})
    assert resp.status_code == 302
    assert {x["unit_id"]: x["status"] for x in kit.recipients(pk)}[ids["ubkt"]] == "15"
    assert incoming_of(app, by_unit[ids["ubkt"]])["state"] == "recalled"
    for view in ("incominginboxview", "incomingtoassignview", "incominginprogressview",
                 "incomingneardueview", "incomingoverdueview", "incomingtodoview"):
        for who in (ubkt_clerk, clients("lanhdao.ubkt")):
            html = html_of(who, f"/{view}/list/")
            assert not listed(html, ubkt_in, INCOMING_LINK_RE), view
            assert "1-CV/VPHU" not in list_table(html), view
    assert ubkt_clerk.get(f"/incomingview/show/{ubkt_in}").status_code == 200  # history
    # Answering twice changes nothing.
    resp = ubkt_clerk.post(f"/incomingview/recall_answer/{ubkt_in}",
                           data={"answer": "refuse", "reason": "Đổi ý"})
    assert resp.status_code == 302
    assert {x["unit_id"]: x["status"] for x in kit.recipients(pk)}[ids["ubkt"]] == "15"

    # The host refuses the recall: without a reason it is refused; with one, 16 shown.
    resp = host_clerk.post(f"/incomingview/recall_answer/{host_in}", data={"answer": "refuse"})
    assert resp.status_code == 302
    assert {x["unit_id"]: x["status"] for x in kit.recipients(pk)}[ids["host"]] == "13"
    keep = "Văn bản đã được triển khai thực hiện"
    resp = host_clerk.post(f"/incomingview/recall_answer/{host_in}",
                           data={"answer": "refuse", "reason": keep})
    assert resp.status_code == 302
    r = {x["unit_id"]: x for x in kit.recipients(pk)}[ids["host"]]
    assert (r["status"], r["status_note"]) == ("16", keep)
    assert incoming_of(app, by_unit[ids["host"]])["state"] == "done"
    row = recipient_row(html_of(official, f"/outgoingview/show/{pk}"), "Huyện ủy")
    assert 'class="danger"' in row and keep in row and "<strong>16</strong>" in row
    row = recipient_row(html_of(official, f"/outgoingview/show/{pk}"), "Ủy ban Kiểm tra Huyện ủy")
    assert "<strong>15</strong>" in row and 'class="danger"' not in row

    # -- every step is an audit event, in order, and the page's history shows them.
    actions = audit_actions(app, "OutgoingDocument", pk)
    expected = ["outgoing_drafted", "outgoing_submitted", "outgoing_returned",
                "outgoing_draft_version", "outgoing_submitted", "outgoing_signed",
                "outgoing_numbered", "outgoing_final_file", "outgoing_issued",
                "outgoing_recall_requested"]
    steps = [a for a in actions if a.startswith("outgoing_")]
    it = iter(steps)
    assert all(a in it for a in expected), steps  # in this order (others may interleave)
    assert {"file_downloaded", "file_previewed"} <= set(actions)
    for received in (ubkt_in, host_in):
        assert "outgoing_recall_answered" in audit_actions(app, "IncomingDocument", received)
    history = section(html_of(official, f"/outgoingview/show/{pk}"), "qlvb-history")
    assert history.count("<tr>") == len(actions)


# -- 2. late issuing (Điều 6.4) ---------------------------------------------------------

def test_late_issue_needs_a_reason_and_is_listed(app, world, kit, clients):
    from app.incoming.models import IncomingDocument

    pk = kit.make(state="numbered", summary="Trích yếu ký từ lâu-mark")
    kit.set(pk, signed_at=kit.doc(pk)["signed_at"] - timedelta(days=10))
    clerk = clients("vanthu.vphu")
    html = html_of(clerk, f"/outgoingview/show/{pk}")
    assert "qlvb-overdue" in html  # shown to the clerk before issuing

    resp = clerk.post(f"/outgoingview/issue/{pk}", data={"late_reason": ""})
    assert refused_on_page(resp)
    doc = kit.doc(pk)
    assert doc["state"] == "numbered" and doc["late"] is False and doc["issued_at"] is None
    assert count(app, IncomingDocument) == 0
    assert "outgoing_issued" not in audit_actions(app, "OutgoingDocument", pk)
    assert [r["status"] for r in kit.recipients(pk)] == ["00"]

    reason = "Chờ lãnh đạo cho ý kiến về danh sách nơi nhận"
    resp = clerk.post(f"/outgoingview/issue/{pk}", data={"late_reason": reason})
    assert redirects_to_show(resp, pk)
    doc = kit.doc(pk)
    assert (doc["state"], doc["late"], doc["late_reason"]) == ("issued", True, reason)
    assert count(app, IncomingDocument) == 1
    assert listed(html_of(clerk, "/outgoinglateview/list/"), pk)
    assert reason in html_of(clerk, f"/outgoingview/show/{pk}")
    assert "outgoing_issued" in audit_actions(app, "OutgoingDocument", pk)

    # Issued on time: not late, not in the late list.
    on_time = kit.make(state="numbered", summary="Trích yếu đúng hạn-mark")
    resp = clerk.post(f"/outgoingview/issue/{on_time}", data={"late_reason": ""})
    assert redirects_to_show(resp, on_time)
    assert kit.doc(on_time)["late"] is False
    assert not listed(html_of(clerk, "/outgoinglateview/list/"), on_time)


# -- 3. bad input through the screens ---------------------------------------------------

def snapshot(app):
    """Everything a refused step could have changed."""
    from app.core.numbering import NumberCounter
    from app.extensions import db
    from app.incoming.models import IncomingDocument, IncomingFile
    from app.outgoing import models as m

    with app.app_context():
        s = db.session
        out = {"docs": {d.id: {c.name: getattr(d, c.name) for c in d.__table__.columns
                               if c.name != "updated_at"}
                        for d in s.scalars(select(m.OutgoingDocument))}}
        out["recipients"] = [tuple(r) for r in s.execute(select(
            m.Recipient.id, m.Recipient.document_id, m.Recipient.unit_id, m.Recipient.name,
            m.Recipient.channel, m.Recipient.status, m.Recipient.incoming_document_id)
            .order_by(m.Recipient.id))]
        for model in (m.OutgoingFile, m.RouteStep, m.CancelledNumber, IncomingDocument,
                      IncomingFile):
            out[model.__name__] = s.scalars(select(model.id).order_by(model.id)).all()
        out["counters"] = [tuple(r) for r in s.execute(select(
            NumberCounter.series, NumberCounter.period, NumberCounter.last_value))]
        from app.core.audit import AuditEvent

        out["audit"] = s.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("outgoing%")).order_by(AuditEvent.id)).all()
        s.remove()
    return out


def test_issue_is_refused_without_final_pdf_or_recipients_twice_or_after_recall(app, world,
                                                                                kit, clients):
    clerk = clients("vanthu.vphu")
    no_final = kit.make(state="numbered", final=False, summary="Trích yếu chưa có bản ký-mark")
    no_recipients = kit.make(state="numbered", units=(), summary="Trích yếu không nơi nhận-mark")
    issued = kit.make(state="issued", summary="Trích yếu đã phát hành-mark")
    recalled = kit.make(state="recalled", summary="Trích yếu đã thu hồi-mark")

    for pk in (no_final, no_recipients, issued, recalled):
        before = snapshot(app)
        resp = clerk.post(f"/outgoingview/issue/{pk}", data={"late_reason": ""})
        assert refused_on_page(resp), (pk, resp.status_code)
        assert snapshot(app) == before, pk
        # The form itself is not offered for a document that cannot be issued.
        if pk in (issued, recalled):
            assert redirects_to_show(clerk.get(f"/outgoingview/issue/{pk}"), pk)

    # The same forms, once fixed, go through (the refusals were about the rule).
    resp = clerk.post(f"/outgoingview/final/{no_final}",
                      data={"final_file": (io.BytesIO(pdfs.clean_pdf("Bản ký")), "ký.pdf")},
                      content_type="multipart/form-data")
    assert redirects_to_show(resp, no_final)
    assert redirects_to_show(clerk.post(f"/outgoingview/issue/{no_final}",
                                        data={"late_reason": ""}), no_final)
    assert kit.doc(no_final)["state"] == "issued"
    resp = clerk.post(f"/outgoingview/recipients/{no_recipients}",
                      data={"units": [], "outside": "Sở Nội vụ; both"})
    assert redirects_to_show(resp, no_recipients)
    assert redirects_to_show(clerk.post(f"/outgoingview/issue/{no_recipients}",
                                        data={"late_reason": ""}), no_recipients)
    [r] = kit.recipients(no_recipients)
    assert (r["name"], r["channel"], r["status"]) == ("Sở Nội vụ", "paper_email", "P")


def test_a_delivery_reaches_every_inbox_or_none(app, world, kit, clients, monkeypatch):
    from app.core.errors import DomainError
    from app.incoming import services as incoming

    pk = kit.make(state="numbered", units=("btchu", "host", "ubkt"),
                  summary="Trích yếu giao nhận-mark")
    real, calls = incoming.deliver, []

    def failing(session, recipient_unit_id, *args, **kwargs):
        calls.append(recipient_unit_id)
        if len(calls) == 3:
            raise DomainError("the third inbox is unreachable")
        return real(session, recipient_unit_id, *args, **kwargs)

    monkeypatch.setattr(incoming, "deliver", failing)
    before = snapshot(app)
    resp = clients("vanthu.vphu").post(f"/outgoingview/issue/{pk}",
                                               data={"late_reason": ""})
    assert refused_on_page(resp)
    assert len(calls) == 3
    assert snapshot(app) == before
    monkeypatch.setattr(incoming, "deliver", real)
    resp = clients("vanthu.vphu").post(f"/outgoingview/issue/{pk}",
                                               data={"late_reason": ""})
    assert redirects_to_show(resp, pk)
    assert {r["status"] for r in kit.recipients(pk)} == {"01"}


def test_numbering_before_signing_is_refused(app, world, kit, clients):
    clerk = clients("vanthu.vphu")
    today = kit.today()
    for state in ("draft", "review", "returned"):
        pk = kit.make(state=state, summary=f"Trích yếu chưa ký {state}-mark")
        before = snapshot(app)
        assert redirects_to_show(clerk.get(f"/outgoingview/number/{pk}"), pk)
        resp = clerk.post(f"/outgoingview/number/{pk}", data={"document_date": d(today)})
        assert refused_on_page(resp), state
        assert snapshot(app) == before, state
        # Nor can the signed PDF be attached yet.
        resp = clerk.post(f"/outgoingview/final/{pk}",
                          data={"final_file": (io.BytesIO(pdfs.clean_pdf("x")), "x.pdf")},
                          content_type="multipart/form-data")
        assert resp.status_code in (200, 302)
        assert kit.files(pk, "final") == []
    # The first signed document still gets number 1: no number was used up.
    pk = kit.make(state="signed", summary="Trích yếu đã ký-mark")
    resp = clerk.post(f"/outgoingview/number/{pk}", data={"document_date": d(today)})
    assert redirects_to_show(resp, pk)
    assert kit.doc(pk)["symbol"] == "1-CV/VPHU"
    # A date before the signature is refused, and so is a second numbering.
    before = snapshot(app)
    assert refused_on_page(clerk.post(f"/outgoingview/number/{pk}",
                                      data={"document_date": d(today)}))
    assert snapshot(app) == before


def test_cancelled_number_is_kept_and_not_given_again(app, world, kit, clients):
    from app.outgoing.models import CancelledNumber

    clerk = clients("vanthu.vphu")
    pk = kit.make(state="numbered", summary="Trích yếu hủy số-mark")
    assert kit.doc(pk)["symbol"] == "1-CV/VPHU"
    before = snapshot(app)
    resp = clerk.post(f"/outgoingview/cancel_number/{pk}", data={"reason": ""})
    assert redirects_to_show(resp, pk)
    assert snapshot(app) == before  # no reason: refused
    resp = clerk.post(f"/outgoingview/cancel_number/{pk}", data={"reason": "Cấp nhầm số"})
    assert redirects_to_show(resp, pk)
    assert kit.doc(pk)["state"] == "signed" and kit.doc(pk)["symbol"] is None
    [cancelled] = rows(app, CancelledNumber)
    assert (cancelled["symbol"], cancelled["reason"]) == ("1-CV/VPHU", "Cấp nhầm số")
    resp = clerk.post(f"/outgoingview/number/{pk}", data={"document_date": d(kit.today())})
    assert redirects_to_show(resp, pk)
    assert kit.doc(pk)["symbol"] == "2-CV/VPHU"
    assert "outgoing_number_cancelled" in audit_actions(app, "OutgoingDocument", pk)


def test_routing_to_someone_who_cannot_receive_it_is_refused(app, world, kit, clients):
    ids = world.ids
    pk = kit.make(state="draft", summary="Trích yếu trình sai-mark")
    official = clients("chuyenvien.vphu")
    html = html_of(official, f"/outgoingview/submit/{pk}")
    for bad in ("qtdv.vphu", "lanhdao.btchu", "chuyenvien.vphu", "vanphong", "admin"):
        assert f'value="{ids[bad]}"' not in html, f"{bad} is offered"
    assert f'value="{ids["lanhdao.vphu"]}"' in html
    for bad in ("qtdv.vphu", "lanhdao.btchu", "chuyenvien.btchu", "chuyenvien.vphu",
                "vanphong", "admin"):
        before = snapshot(app)
        resp = official.post(f"/outgoingview/submit/{pk}",
                             data={"to_user_id": str(ids[bad]), "comment": "Trình"})
        assert refused_on_page(resp), bad
        assert snapshot(app) == before, bad
    for junk in ("", "abc", "999999"):
        before = snapshot(app)
        resp = official.post(f"/outgoingview/submit/{pk}", data={"to_user_id": junk})
        assert refused_on_page(resp), junk
        assert snapshot(app) == before, junk
    # A signer of another unit, or an official, is refused as the intended signer.
    before = snapshot(app)
    for signer in ("lanhdao.btchu", "chuyenvien.vphu", "qtdv.vphu"):
        resp = official.post("/outgoingview/draft", data=draft_form(
            kit, signer_id=str(ids[signer])), content_type="multipart/form-data")
        assert refused_on_page(resp), signer
    assert snapshot(app) == before
    # Someone who is not the holder cannot send it on, nor return it.
    head = clients("lanhdao.vphu")
    before = snapshot(app)
    resp = head.post(f"/outgoingview/submit/{pk}",
                     data={"to_user_id": str(ids["vanthu.vphu"])})
    assert refused_on_page(resp)
    assert refused_on_page(head.post(f"/outgoingview/return/{pk}", data={"comment": "x"}))
    assert snapshot(app) == before
    # A return needs its comment.
    resp = official.post(f"/outgoingview/submit/{pk}",
                         data={"to_user_id": str(ids["lanhdao.vphu"])})
    assert redirects_to_show(resp, pk)
    before = snapshot(app)
    assert refused_on_page(head.post(f"/outgoingview/return/{pk}", data={"comment": " "}))
    assert snapshot(app) == before


def test_sensitive_document_is_issued_on_paper_only(app, world, kit, clients):
    ids = world.ids
    head = clients("lanhdao.vphu")
    clerk = clients("vanthu.vphu")
    pk = kit.make(state="review", units=("btchu",), outside=[(OUTSIDE, "paper")],
                  summary="Trích yếu mật-mark")
    resp = head.post(f"/outgoingview/sign/{pk}", data={"signing_form": "T/M", "sensitive": "y"})
    assert redirects_to_show(resp, pk)
    assert kit.doc(pk)["sensitive"] is True and kit.doc(pk)["signing_form"] == "T/M"
    assert clerk.post(f"/outgoingview/number/{pk}",
                      data={"document_date": d(kit.today())}).status_code == 302
    resp = clerk.post(f"/outgoingview/final/{pk}",
                      data={"final_file": (io.BytesIO(pdfs.clean_pdf("Không gửi qua mạng")),
                                           "mật.pdf")},
                      content_type="multipart/form-data")
    assert redirects_to_show(resp, pk)

    before = snapshot(app)
    resp = clerk.post(f"/outgoingview/issue/{pk}", data={"late_reason": ""})
    assert refused_on_page(resp)
    assert snapshot(app) == before
    # The electronic recipient goes: then it is issued on paper only.
    resp = clerk.post(f"/outgoingview/recipients/{pk}",
                      data={"outside": f"{OUTSIDE}; paper\nBan Tổ chức Huyện ủy; paper"})
    assert redirects_to_show(resp, pk)
    assert redirects_to_show(clerk.post(f"/outgoingview/issue/{pk}",
                                        data={"late_reason": ""}), pk)
    assert {(r["channel"], r["status"]) for r in kit.recipients(pk)} == {("paper", "P")}
    assert all(r["incoming_document_id"] is None for r in kit.recipients(pk))
    assert ids["btchu"] not in {r["unit_id"] for r in kit.recipients(pk)}


def test_an_issued_document_cannot_be_edited(app, world, kit, clients):
    ids = world.ids
    pk = kit.make(state="issued", summary="Trích yếu đã phát hành-mark")
    official = clients("chuyenvien.vphu")
    clerk = clients("vanthu.vphu")
    head = clients("lanhdao.vphu")
    before = snapshot(app)
    for who in (official, clerk):
        resp = who.post(f"/outgoingview/recipients/{pk}",
                        data={"units": [str(ids["host"])], "outside": "Sở Nội vụ; paper"})
        assert refused_on_page(resp)
        assert redirects_to_show(who.get(f"/outgoingview/recipients/{pk}"), pk)
        resp = who.post(f"/outgoingview/version/{pk}", data={
            "draft_file": (io.BytesIO(pdfs.docx_bytes("Sửa sau phát hành")), "sửa.docx")},
            content_type="multipart/form-data")
        assert resp.status_code in (200, 302)
    for path, data in ((f"/outgoingview/submit/{pk}", {"to_user_id": str(ids["lanhdao.vphu"])}),
                       (f"/outgoingview/final/{pk}", {}),
                       (f"/outgoingview/number/{pk}", {"document_date": d(kit.today())}),
                       (f"/outgoingview/cancel_number/{pk}", {"reason": "Sửa"})):
        resp = clerk.post(path, data=data)
        assert resp.status_code in (200, 302), path
    resp = head.post(f"/outgoingview/sign/{pk}", data={"signing_form": "K/T", "sensitive": "y"})
    assert resp.status_code in (200, 302)
    assert snapshot(app) == before
    assert not os.path.exists(stored_path(app, hashlib.sha256(
        pdfs.docx_bytes("Sửa sau phát hành")).hexdigest()))


def test_forged_posts_on_another_units_document_are_404(app, world, kit, clients):
    ids = world.ids
    today = kit.today()
    docs = {state: kit.make(state=state, summary=f"Trích yếu vphu {state}-mark")
            for state in ("draft", "review", "signed", "numbered", "issued")}
    before = snapshot(app)
    attempts = {
        "chuyenvien.btchu": [
            (f"/outgoingview/submit/{docs['draft']}", {"to_user_id": str(ids["lanhdao.btchu"])}),
            (f"/outgoingview/recipients/{docs['draft']}", {"outside": "Lạ; paper"}),
            (f"/outgoingview/version/{docs['draft']}", {
                "draft_file": (io.BytesIO(pdfs.docx_bytes("lạ")), "lạ.docx")}),
            (f"/outgoingview/return/{docs['review']}", {"comment": "Trả lạ"})],
        "lanhdao.btchu": [
            (f"/outgoingview/sign/{docs['review']}", {"signing_form": "K/T"}),
            (f"/outgoingview/return/{docs['review']}", {"comment": "Trả lạ"})],
        "vanthu.btchu": [
            (f"/outgoingview/number/{docs['signed']}", {"document_date": d(today)}),
            (f"/outgoingview/final/{docs['signed']}", {
                "final_file": (io.BytesIO(pdfs.clean_pdf("lạ")), "lạ.pdf")}),
            (f"/outgoingview/cancel_number/{docs['numbered']}", {"reason": "Lạ"}),
            (f"/outgoingview/issue/{docs['numbered']}", {"late_reason": "Lạ"}),
            (f"/outgoingview/recall/{docs['issued']}", {"reason": "Lạ"})],
    }
    for user, posts in attempts.items():
        c = clients(user)
        for path, data in posts:
            resp = c.post(path, data=data, content_type="multipart/form-data")
            assert resp.status_code == 404, (user, path, resp.status_code)
    assert snapshot(app) == before
    # A reply to another unit's incoming document is refused too.
    from app.extensions import db
    from app.incoming import services as incoming_services

    with app.test_request_context():
        entry = incoming_services.Entry(symbol="9-BC/VPHU", document_date=today,
                                        document_type_id=kit.type_id, summary="Báo cáo")
        other = incoming_services.deliver(
            db.session, ids["vphu"], ids["btchu"], entry,
            [kit.store(pdfs.clean_pdf("Báo cáo"), "bc.pdf")], world.user("vanthu.btchu"))
        db.session.commit()
        other_id = other.id
        db.session.remove()
    before = snapshot(app)
    resp = clients("chuyenvien.btchu").post("/outgoingview/draft", data=draft_form(
        kit, signer_id=str(ids["lanhdao.btchu"]), units=[str(ids["host"])],
        reply_to_id=str(other_id)), content_type="multipart/form-data")
    assert refused_on_page(resp)
    assert snapshot(app) == before



def test_khan_document_is_late_after_an_hour(app, world, kit, clients):
    """Điều 6.5: Khẩn (and above) goes at once; two hours after signing it is late."""
    clerk = clients("vanthu.vphu")
    pk = kit.make(state="numbered", urgency=1, summary="Trích yếu khẩn-mark")
    kit.set(pk, signed_at=kit.doc(pk)["signed_at"] - timedelta(hours=2))
    assert "qlvb-overdue" in html_of(clerk, f"/outgoingview/show/{pk}")
    before = snapshot(app)
    assert refused_on_page(clerk.post(f"/outgoingview/issue/{pk}", data={"late_reason": ""}))
    assert snapshot(app) == before
    resp = clerk.post(f"/outgoingview/issue/{pk}", data={"late_reason": "Mất điện"})
    assert redirects_to_show(resp, pk)
    assert kit.doc(pk)["late"] is True
    # Signed a few minutes ago: on time, no reason asked.
    fresh = kit.make(state="numbered", urgency=3, summary="Trích yếu hỏa tốc-mark")
    assert "qlvb-overdue" not in html_of(clerk, f"/outgoingview/show/{fresh}")
    assert redirects_to_show(clerk.post(f"/outgoingview/issue/{fresh}",
                                        data={"late_reason": ""}), fresh)
    assert kit.doc(fresh)["late"] is False


def test_bad_recipients_are_refused(app, world, kit, clients):
    ids = world.ids
    official = clients("chuyenvien.vphu")
    pk = kit.make(state="draft", units=("btchu",), summary="Trích yếu nơi nhận-mark")
    bad = [
        {"units": [str(ids["vphu"])]},                           # itself
        {"units": ["999999"]},                                   # no such unit
        {"units": [str(ids["btchu"]), str(ids["btchu"])]},       # twice
        {"outside": "Sở Nội vụ; paper\nsở nội vụ; email"},       # twice, by name
    ]
    for data in bad:
        before = snapshot(app)
        assert refused_on_page(official.post(f"/outgoingview/recipients/{pk}", data=data)), data
        assert snapshot(app) == before, data
        form = draft_form(kit, **{"units": None, "outside": None, **data})
        resp = official.post("/outgoingview/draft", data=form,
                             content_type="multipart/form-data")
        assert refused_on_page(resp), data
        assert snapshot(app) == before, data


def test_a_dangerous_draft_file_is_refused_and_not_stored(app, world, kit, clients):
    official = clients("chuyenvien.vphu")
    pk = kit.make(state="draft", summary="Trích yếu tệp độc-mark")
    for data, name in ((pdfs.docm_bytes(), "dự thảo.docm"), (pdfs.exe_bytes(), "dự thảo.docx"),
                       (pdfs.pdf_with_javascript(), "dự thảo.pdf")):
        before = snapshot(app)
        resp = official.post(f"/outgoingview/version/{pk}",
                             data={"draft_file": (io.BytesIO(data), name)},
                             content_type="multipart/form-data")
        assert redirects_to_show(resp, pk)
        assert snapshot(app)["OutgoingFile"] == before["OutgoingFile"], name
        assert not os.path.exists(stored_path(app, hashlib.sha256(data).hexdigest())), name
        resp = official.post("/outgoingview/draft", data=draft_form(kit, data, filename=name),
                             content_type="multipart/form-data")
        assert refused_on_page(resp), name
        assert snapshot(app)["docs"] == before["docs"], name
        assert not os.path.exists(stored_path(app, hashlib.sha256(data).hexdigest())), name


def test_only_the_designated_signer_signs(app, world, kit, clients):
    from app.extensions import db
    from app.outgoing import services as s
    from app.security import permissions as P
    from app.units.models import Unit

    ids = world.ids
    with app.app_context():
        unit = db.session.get(Unit, ids["vphu"])
        ids["lanhdao2.vphu"] = create_user(db.session, app.appbuilder.sm, "lanhdao2.vphu",
                                           [P.ROLE_HEAD], unit).id
        db.session.commit()
        db.session.remove()
    pk = kit.make(state="draft", summary="Trích yếu người ký-mark")  # signer: lanhdao.vphu
    with app.test_request_context():
        from app.outgoing.models import OutgoingDocument

        doc = db.session.get(OutgoingDocument, pk)
        s.submit(db.session, doc, world.user("chuyenvien.vphu"), ids["lanhdao2.vphu"], "Trình")
        db.session.commit()
        db.session.remove()
    other_head = clients("lanhdao2.vphu")
    before = snapshot(app)
    resp = other_head.post(f"/outgoingview/sign/{pk}", data={"signing_form": "K/T"})
    assert refused_on_page(resp)
    assert snapshot(app) == before
    # It forwards it to the designated signer, who signs K/T.
    resp = other_head.post(f"/outgoingview/submit/{pk}",
                           data={"to_user_id": str(ids["lanhdao.vphu"]), "comment": "Kính chuyển"})
    assert redirects_to_show(resp, pk)
    assert kit.steps(pk)[-1][0] == "forward"
    assert "outgoing_forwarded" in audit_actions(app, "OutgoingDocument", pk)
    resp = clients("lanhdao.vphu").post(f"/outgoingview/sign/{pk}", data={"signing_form": "K/T"})
    assert redirects_to_show(resp, pk)
    assert (kit.doc(pk)["state"], kit.doc(pk)["signing_form"]) == ("signed", "K/T")
    # An unknown form of signature is refused.
    other = kit.make(state="review", summary="Trích yếu hình thức ký-mark")
    before = snapshot(app)
    resp = clients("lanhdao.vphu").post(f"/outgoingview/sign/{other}", data={"signing_form": "XX"})
    assert resp.status_code == 200
    assert snapshot(app) == before


# -- recall while the recipient works; the recipients form round trip -----------------

def _register_form(kit, ids):
    today = kit.today()
    return {"arrival_date": d(today), "arrival_time": "09:00",
            "sender_unit_id": str(ids["vphu"]), "symbol": "1-CV/VPHU",
            "document_date": d(today), "document_type_id": str(kit.type_id),
            "summary": "Về việc thu hồi", "urgency": "0", "secrecy_confirmed": "y",
            "trust_reason": "Bản thử nghiệm chưa ký số"}


def test_a_pending_recall_survives_the_recipients_own_work(app, world, kit, clients):
    ids = world.ids
    pk = kit.make(state="issued", units=("host", "btchu"), summary="Trích yếu thu hồi-mark")
    by_unit = {r["unit_id"]: r for r in kit.recipients(pk)}
    host_in = by_unit[ids["host"]]["incoming_document_id"]
    btchu_in = by_unit[ids["btchu"]]["incoming_document_id"]
    assert clients("vanthu.hu").post(f"/incomingview/register/{host_in}",
                                     data=_register_form(kit, ids)).status_code == 302
    assert clients("lanhdao.hu").post(f"/incomingview/assign/{host_in}", data={
        "direction": "Giao", "lead": f"user:{ids['chuyenvien.hu']}",
        "lead_deadline": d(kit.today() + timedelta(days=5))}).status_code == 302
    resp = clients("vanthu.vphu").post(f"/outgoingview/recall/{pk}", data={"reason": "Sai"})
    assert redirects_to_show(resp, pk)
    # While the recall waits for an answer, the host's official reports progress and
    # BTCHU's clerk registers the document from the inbox.
    clients("chuyenvien.hu").post(f"/incomingview/note/{host_in}", data={"text": "Tiếp tục"})
    clients("vanthu.btchu").post(f"/incomingview/register/{btchu_in}",
                                 data=_register_form(kit, ids))
    for clerk, received, unit in (("vanthu.hu", host_in, "host"),
                                  ("vanthu.btchu", btchu_in, "btchu")):
        clients(clerk).post(f"/incomingview/recall_answer/{received}", data={"answer": "accept"})
        status = {r["unit_id"]: r["status"] for r in kit.recipients(pk)}[ids[unit]]
        assert status == "15", (unit, status)
        assert incoming_of(app, {"incoming_document_id": received})["state"] == "recalled"


def test_saving_the_recipients_form_unchanged_keeps_the_channels(app, world, kit, clients):
    import html as htmllib

    pk = kit.make(state="draft", units=("host",),
                  outside=[("Sở Nội vụ", "paper_email"), ("Sở Tư pháp", "email")],
                  summary="Trích yếu kênh gửi-mark")
    before = {(r["unit_id"], r["name"], r["channel"]) for r in kit.recipients(pk)}
    page = html_of(clients("chuyenvien.vphu"), f"/outgoingview/recipients/{pk}")
    outside = re.search(r'<textarea[^>]*name="outside"[^>]*>(.*?)</textarea>', page, re.S)
    data = {"outside": htmllib.unescape(outside.group(1)).strip(),
            "units": [str(u) for u, _, _ in before if u]}
    resp = clients("chuyenvien.vphu").post(f"/outgoingview/recipients/{pk}", data=data)
    assert redirects_to_show(resp, pk)
    assert {(r["unit_id"], r["name"], r["channel"]) for r in kit.recipients(pk)} == before


# -- rules added with the fixes of this issue -------------------------------------------

def test_the_document_date_is_neither_before_signing_nor_in_the_future(app, world, kit,
                                                                       clients):
    clerk = clients("vanthu.vphu")
    today = kit.today()
    pk = kit.make(state="signed", summary="Trích yếu ngày văn bản-mark")
    for day in (today - timedelta(days=1), today + timedelta(days=1),
                today + timedelta(days=40)):
        before = snapshot(app)
        resp = clerk.post(f"/outgoingview/number/{pk}", data={"document_date": d(day)})
        assert refused_on_page(resp), day
        assert snapshot(app) == before, day
    for junk in ("31/02/2026", "abc"):
        before = snapshot(app)
        resp = clerk.post(f"/outgoingview/number/{pk}", data={"document_date": junk})
        assert resp.status_code == 200, junk
        assert snapshot(app) == before, junk
    assert redirects_to_show(clerk.post(f"/outgoingview/number/{pk}",
                                        data={"document_date": d(today)}), pk)
    assert kit.doc(pk)["symbol"] == "1-CV/VPHU"


def test_recipients_change_with_the_holder_then_the_clerk_only(app, world, kit, clients):
    ids = world.ids
    data = {"units": [str(ids["host"])], "outside": "Sở Nội vụ; email"}
    review = kit.make(state="review", summary="Trích yếu đang trình-mark")  # held by the head
    signed = kit.make(state="signed", summary="Trích yếu đã ký nơi nhận-mark")
    for user, pk in (("chuyenvien.vphu", review), ("vanthu.vphu", review),
                     ("chuyenvien.vphu", signed), ("lanhdao.vphu", signed)):
        before = snapshot(app)
        resp = clients(user).post(f"/outgoingview/recipients/{pk}", data=data)
        assert resp.status_code in (200, 403), (user, pk)
        assert snapshot(app) == before, (user, pk)
    for user, pk in (("lanhdao.vphu", review), ("vanthu.vphu", signed)):
        resp = clients(user).post(f"/outgoingview/recipients/{pk}", data=data)
        assert redirects_to_show(resp, pk), user
        assert {(r["unit_id"], r["name"], r["channel"]) for r in kit.recipients(pk)} == {
            (ids["host"], "Huyện ủy", "electronic"), (None, "Sở Nội vụ", "email")}
        assert "outgoing_recipients" in audit_actions(app, "OutgoingDocument", pk)


def test_an_inactive_recipient_unit_stops_the_issue(app, world, kit, clients):
    from app.extensions import db
    from app.units.models import Unit

    ids = world.ids
    pk = kit.make(state="numbered", units=("btchu", "ubkt"), summary="Trích yếu đơn vị cũ-mark")
    with app.app_context():
        db.session.get(Unit, ids["ubkt"]).active = False
        db.session.commit()
        db.session.remove()
    clerk = clients("vanthu.vphu")
    before = snapshot(app)
    assert refused_on_page(clerk.post(f"/outgoingview/issue/{pk}", data={"late_reason": ""}))
    assert snapshot(app) == before
    resp = clerk.post(f"/outgoingview/recipients/{pk}", data={"units": [str(ids["btchu"])]})
    assert redirects_to_show(resp, pk)
    assert redirects_to_show(clerk.post(f"/outgoingview/issue/{pk}",
                                        data={"late_reason": ""}), pk)
    assert [r["status"] for r in kit.recipients(pk)] == ["01"]


def test_a_paper_copy_goes_with_the_electronic_one_when_the_head_approves(app, world, kit,
                                                                          clients):
    ids = world.ids
    pk = kit.make(state="review", units=("btchu", "host"), outside=[(OUTSIDE, "email")],
                  summary="Trích yếu kèm bản giấy-mark")
    resp = clients("lanhdao.vphu").post(f"/outgoingview/sign/{pk}",
                                        data={"signing_form": "", "paper_copy": "y"})
    assert redirects_to_show(resp, pk)
    doc = kit.doc(pk)
    assert (doc["paper_copy_approved"], doc["sensitive"], doc["signing_form"]) == (
        True, False, "")
    assert "outgoing_channel_decided" in audit_actions(app, "OutgoingDocument", pk)
    clerk = clients("vanthu.vphu")
    assert clerk.post(f"/outgoingview/number/{pk}",
                      data={"document_date": d(kit.today())}).status_code == 302
    assert clerk.post(f"/outgoingview/final/{pk}", data={
        "final_file": (io.BytesIO(pdfs.clean_pdf("Kèm bản giấy")), "giấy.pdf")},
        content_type="multipart/form-data").status_code == 302
    assert redirects_to_show(clerk.post(f"/outgoingview/issue/{pk}",
                                        data={"late_reason": ""}), pk)
    got = {r["unit_id"]: (r["status"], r["paper_copy"]) for r in kit.recipients(pk)}
    assert got == {ids["btchu"]: ("01", True), ids["host"]: ("01", True), None: ("P", False)}
    html = html_of(clerk, f"/outgoingview/show/{pk}")
    assert " + " in recipient_row(html, "Ban Tổ chức Huyện ủy")  # "+ paper copy"
    assert " + " not in recipient_row(html, OUTSIDE)


def issue_through_screens(clients, kit, pk, official="chuyenvien.vphu", head="lanhdao.vphu",
                          clerk="vanthu.vphu", pdf_text="Văn bản"):
    ids = kit.world.ids
    steps = [(official, f"/outgoingview/submit/{pk}", {"to_user_id": str(ids[head])}),
             (head, f"/outgoingview/sign/{pk}", {"signing_form": "T/M"}),
             (clerk, f"/outgoingview/number/{pk}", {"document_date": d(kit.today())}),
             (clerk, f"/outgoingview/final/{pk}", {
                 "final_file": (io.BytesIO(pdfs.clean_pdf(pdf_text)), "ký.pdf")}),
             (clerk, f"/outgoingview/issue/{pk}", {"late_reason": ""})]
    for user, path, data in steps:
        resp = clients(user).post(path, data=data, content_type="multipart/form-data")
        assert redirects_to_show(resp, pk), (user, path, resp.status_code)


def test_a_refused_document_is_replaced_by_a_corrected_one(app, world, kit, clients):
    from app.incoming.models import IncomingDocument

    ids = world.ids
    original = kit.make(state="issued", units=("btchu", "host"),
                        summary="Trích yếu bản gốc-mark")
    first = {r["unit_id"]: r["incoming_document_id"] for r in kit.recipients(original)}
    assert clients("vanthu.btchu").post(f"/incomingview/refuse/{first[ids['btchu']]}",
                                        data={"reason": "Sai số liệu"}).status_code == 302
    official = clients("chuyenvien.vphu")
    symbol = kit.doc(original)["symbol"]
    html = html_of(official, f"/outgoingview/show/{original}")
    assert f"/outgoingview/draft?replaces={original}" in html
    form = html_of(official, f"/outgoingview/draft?replaces={original}")
    assert re.search(rf'name="replaces_id"[^>]*value="{original}"|value="{original}"[^>]*'
                     r'name="replaces_id"', form)

    # Replacing another unit's document, or one not issued, is refused.
    other = kit.make("btchu", "issued", units=("host",), summary="Trích yếu btchu gốc-mark")
    not_issued = kit.make(state="signed", summary="Trích yếu chưa phát hành-mark")
    for bad in (other, not_issued, 999999):
        before = snapshot(app)
        resp = official.post("/outgoingview/draft", data=draft_form(
            kit, replaces_id=str(bad), units=[str(ids["btchu"])], outside=""),
            content_type="multipart/form-data")
        assert refused_on_page(resp), bad
        assert snapshot(app) == before, bad

    resp = official.post("/outgoingview/draft", data=draft_form(
        kit, replaces_id=str(original), summary="Trích yếu bản thay thế-mark",
        units=[str(ids["btchu"]), str(ids["host"])], outside=""),
        content_type="multipart/form-data")
    replacement = created_id(resp)
    assert kit.doc(replacement)["replaces_id"] == original
    issue_through_screens(clients, kit, replacement, pdf_text="Bản thay thế")
    assert symbol in html_of(official, f"/outgoingview/show/{replacement}")
    second = {r["unit_id"]: r["incoming_document_id"] for r in kit.recipients(replacement)}

    def incoming_doc(pk):
        [snap] = rows(app, IncomingDocument, id=pk)
        return snap

    # The host's original is superseded; BTCHU's refused one stays refused.
    old_host = incoming_doc(first[ids["host"]])
    assert (old_host["state"], old_host["replaced_by_id"]) == ("replaced", second[ids["host"]])
    assert incoming_doc(first[ids["btchu"]])["state"] == "refused"
    for clerk, unit in (("vanthu.hu", "host"), ("vanthu.btchu", "btchu")):
        inbox = html_of(clients(clerk), "/incominginboxview/list/")
        assert listed(inbox, second[ids[unit]], INCOMING_LINK_RE), unit
        assert not listed(inbox, first[ids[unit]], INCOMING_LINK_RE), unit


def test_a_reply_links_both_ways(app, world, kit, clients):
    from app.extensions import db
    from app.incoming import services as incoming_services

    ids = world.ids
    with app.test_request_context():
        entry = incoming_services.Entry(symbol="12-BC/BTCHU", document_date=kit.today(),
                                        document_type_id=kit.type_id, summary="Đề nghị báo cáo")
        received = incoming_services.deliver(
            db.session, ids["vphu"], ids["btchu"], entry,
            [kit.store(pdfs.clean_pdf("Đề nghị báo cáo"), "đề nghị.pdf")],
            world.user("vanthu.btchu"))
        db.session.commit()
        received_id = received.id
        db.session.remove()
    clerk = clients("vanthu.vphu")
    resp = clerk.post(f"/incomingview/register/{received_id}", data={
        **_register_form(kit, ids), "sender_unit_id": str(ids["btchu"]),
        "symbol": "12-BC/BTCHU"})
    assert resp.status_code == 302
    page = html_of(clerk, f"/incomingview/show/{received_id}")
    assert f"/outgoingview/draft?reply_to={received_id}" in page
    official = clients("chuyenvien.vphu")
    form = html_of(official, f"/outgoingview/draft?reply_to={received_id}")
    assert f'value="{received_id}"' in form
    resp = official.post("/outgoingview/draft", data=draft_form(
        kit, reply_to_id=str(received_id), summary="Trích yếu trả lời-mark",
        units=[str(ids["btchu"])], outside=""), content_type="multipart/form-data")
    reply = created_id(resp)
    assert kit.doc(reply)["reply_to_id"] == received_id
    assert "12-BC/BTCHU" in html_of(official, f"/outgoingview/show/{reply}")
    assert f"/outgoingview/show/{reply}\"" in html_of(clerk, f"/incomingview/show/{received_id}")
