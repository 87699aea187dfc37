"""Bad input at every incoming screen (and the API paths the screens cannot reach): each
attempt is refused with a message (never a 500), leaves no document row, no stored file
and no used number behind, and is logged — refused files as a ``file_refused`` audit
event of their own (docs/domain.md §2 "Receiving checks", §3 "Numbers", §5)."""

import io
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import pdfs
from tests.conftest import api_token, client_for, d, staged_files, stored_files
from tests.incoming.conftest import created_id

# -- helpers ----------------------------------------------------------------------------

def db_count(app, model, *where):
    from app.extensions import db

    with app.app_context():
        value = db.session.execute(select(func.count(model.id)).where(*where)).scalar_one()
        db.session.remove()
    return value


def audit_count(app, action):
    from app.core.audit import AuditEvent

    return db_count(app, AuditEvent, AuditEvent.action == action)


class Snapshot:
    """What a refused attempt must leave unchanged."""

    def __init__(self, app):
        from app.core.numbering import NumberCounter
        from app.incoming.models import (
            Assignment,
            ExchangeStatus,
            IncomingDocument,
            IncomingFile,
            ProgressNote,
            Rejection,
        )
        from app.notifications.models import Notification

        self.app = app
        self.models = [IncomingDocument, IncomingFile, Assignment, ProgressNote, Rejection,
                       ExchangeStatus, Notification]
        self.counts = {m.__name__: db_count(app, m) for m in self.models}
        self.files = stored_files(app)
        self.counters = self._counters(NumberCounter)
        self.refused = audit_count(app, "file_refused")

    def _counters(self, model):
        from app.extensions import db

        with self.app.app_context():
            values = dict(db.session.execute(select(model.unit_id, model.last_value)).all())
            db.session.remove()
        return values

    def assert_unchanged(self, files_refused=0, store=True):
        """No row, no number, exactly ``files_refused`` refusal events; and, unless
        ``store`` is False, no new file in the store but those staged for the form's next
        submit (app.core.staging: the clerk need not choose the file again). Returns the
        files new in the store (for a caller that checks more before asserting on them)."""
        from app.core.numbering import NumberCounter

        assert {m.__name__: db_count(self.app, m) for m in self.models} == self.counts
        assert self._counters(NumberCounter) == self.counters
        assert audit_count(self.app, "file_refused") == self.refused + files_refused
        new_files = stored_files(self.app) - self.files - staged_files(self.app)
        if store:
            assert_nothing_stored(new_files)
        return new_files


def assert_nothing_stored(new_files):
    assert not new_files, f"left in the store: {sorted(new_files)}"


def assert_form_refused(resp, field=None):
    """The form came back (200) with a red message, on ``field`` when named."""
    assert resp.status_code == 200, resp.status_code
    html = resp.get_data(as_text=True)
    assert "alert-danger" in html
    if field is not None:
        row = next((r for r in html.split("<tr>") if f'name="{field}"' in r), "")
        assert "qlvb-field-error" in row, f"no error on field {field}"
    return html


def assert_next_number(client, kit, expected):
    """A valid intake right after the refused one gets the next unused number."""
    doc_id = created_id(kit.post_intake(client, symbol=f"9{expected}-CV/TU",
                                        pdf=pdfs.clean_pdf(f"Văn bản hợp lệ số {expected}")))
    assert kit.get(doc_id)["arrival_number"] == expected


def logged(caplog, logger_prefix):
    return [r for r in caplog.records if r.name.startswith(logger_prefix)]


@pytest.fixture
def app_logs(caplog, monkeypatch):
    """``caplog`` seeing the app's own loggers. The session's migration run (alembic's
    ``fileConfig`` in migrations/env.py) disables every logger that existed before it, so
    they are switched back on for the test; call ``set_level`` in the test itself."""
    for name in ("app.incoming.services", "app.incoming.views", "app.incoming.api",
                 "app.core.docviews", "app.core.api",
                 "app.core.filecheck", "app.core.storage"):
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
    return caplog


@pytest.fixture
def one_doc(incoming):
    """One valid registered document (number 1) already exists in VPHU."""
    doc_id = incoming.intake()
    assert incoming.get(doc_id)["arrival_number"] == 1
    return doc_id


@pytest.fixture
def clerk(app, world):
    return client_for(app, "vanthu.vphu")


# -- refused files ----------------------------------------------------------------------

REFUSED_MAIN_FILES = {
    "png_renamed_pdf": lambda: (pdfs.png_bytes(), "Công văn quét.pdf"),
    "doc_javascript": lambda: (pdfs.pdf_with_javascript(), "js.pdf"),
    "openaction_javascript": lambda: (pdfs.pdf_with_openaction_js(), "openaction.pdf"),
    "hex_escaped_javascript": lambda: (pdfs.pdf_with_hex_escaped_js(), "hex.pdf"),
    "objstm_javascript": lambda: (pdfs.pdf_with_objstm_js(), "objstm.pdf"),
    "page_aa_javascript": lambda: (pdfs.pdf_with_page_aa(), "page-aa.pdf"),
    "launch_action": lambda: (pdfs.pdf_with_launch(), "launch.pdf"),
    "encrypted_empty_password": lambda: (pdfs.encrypted_pdf(""), "encrypted.pdf"),
    "encrypted_with_password": lambda: (pdfs.encrypted_pdf("mat-khau"), "encrypted2.pdf"),
    "zero_bytes": lambda: (b"", "rỗng.pdf"),
    "truncated": lambda: (pdfs.truncated_pdf(), "truncated.pdf"),
    "exe_renamed_pdf": lambda: (pdfs.exe_bytes(), "setup.pdf"),
}


@pytest.mark.parametrize("case", sorted(REFUSED_MAIN_FILES))
def test_refused_main_file(app, incoming, one_doc, clerk, app_logs, case):
    content, name = REFUSED_MAIN_FILES[case]()
    before = Snapshot(app)
    app_logs.set_level(logging.INFO)
    resp = incoming.post_intake(clerk, pdf=content, filename=name)
    assert_form_refused(resp)
    left = before.assert_unchanged(files_refused=1, store=False)
    assert any(r.levelno >= logging.WARNING for r in logged(app_logs, "app.incoming")), \
        "the refusal was not logged"
    assert_next_number(clerk, incoming, 2)
    assert_nothing_stored(left)


def test_refused_file_event_names_the_file(app, incoming, one_doc, clerk):
    from app.core.audit import AuditEvent
    from app.extensions import db

    incoming.post_intake(clerk, pdf=pdfs.pdf_with_javascript(), filename="Tờ trình.pdf")
    with app.app_context():
        [event] = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "file_refused")).scalars().all()
        details = event.details_dict()
        assert details["file"] == "Tờ trình.pdf"
        assert details["reason"]
        assert event.user_id is not None
        db.session.remove()


@pytest.mark.parametrize("content,name", [
    (pdfs.exe_bytes(), "phụ lục.exe"),
    (pdfs.exe_bytes(), "phụ lục.pdf"),
    (pdfs.docm_bytes(), "dự thảo.docx"),
    (pdfs.html_bytes(), "trang.html"),
], ids=["exe", "exe_renamed", "docm_macros", "html"])
def test_refused_attachment_refuses_the_whole_intake(app, incoming, one_doc, clerk, app_logs,
                                                     content, name):
    """The main PDF is fine, the attachment is not: nothing of the intake is kept."""
    before = Snapshot(app)
    app_logs.set_level(logging.INFO)
    resp = incoming.post_intake(
        clerk, pdf=pdfs.clean_pdf("Văn bản kèm phụ lục xấu"),
        attachments=[(pdfs.docx_bytes(), "phụ lục 1.docx"), (content, name)])
    assert_form_refused(resp)
    left = before.assert_unchanged(files_refused=1, store=False)
    assert logged(app_logs, "app.incoming")
    assert_next_number(clerk, incoming, 2)
    assert_nothing_stored(left)  # neither the refused file nor the good ones sent with it


def test_missing_main_file(app, incoming, one_doc, clerk):
    before = Snapshot(app)
    data = incoming.intake_form()
    del data["main_file"]
    resp = clerk.post("/incomingview/intake", data=data, content_type="multipart/form-data")
    assert_form_refused(resp, "main_file")
    before.assert_unchanged()
    assert_next_number(clerk, incoming, 2)


def test_oversize_upload_is_413_and_stores_nothing(app, incoming, one_doc):
    app.config["MAX_CONTENT_LENGTH"] = 50 * 1024
    clerk = client_for(app, "vanthu.vphu")
    big = pdfs.clean_pdf("Tệp quá lớn") + b"\n%" + b"0" * (60 * 1024) + b"\n"
    before = Snapshot(app)
    resp = incoming.post_intake(clerk, pdf=big)
    assert resp.status_code == 413
    html = resp.get_data(as_text=True)
    assert 'lang="vi"' in html
    assert "alert-warning" in html  # our error page, inside the normal layout
    assert "qlvb-count-receive" in html
    before.assert_unchanged()
    assert_next_number(clerk, incoming, 2)


def test_oversize_upload_through_the_api_is_413(app, incoming, one_doc):
    """The API promises 413 (see its OpenAPI text), in JSON."""
    app.config["MAX_CONTENT_LENGTH"] = 50 * 1024
    big = pdfs.clean_pdf("Tệp quá lớn") + b"\n%" + b"0" * (60 * 1024) + b"\n"
    client = app.test_client()
    token = api_token(client, "vanthu.vphu")
    before = Snapshot(app)
    resp = client.post("/api/v1/incoming/intake", headers=token,
                       data={"file": (io.BytesIO(big), "big.pdf")},
                       content_type="multipart/form-data")
    assert resp.status_code == 413
    assert resp.is_json and resp.json["message"]
    before.assert_unchanged()


# -- refused register fields ------------------------------------------------------------

ENTRY_ERRORS = {
    "urgency_2_without_time": ("arrival_time", lambda t: {"urgency": "2", "arrival_time": ""}),
    "urgency_3_without_time": ("arrival_time", lambda t: {"urgency": "3", "arrival_time": ""}),
    "urgency_4_without_time": ("arrival_time", lambda t: {"urgency": "4", "arrival_time": ""}),
    "secrecy_not_confirmed": ("secrecy_confirmed", lambda t: {"secrecy_confirmed": None}),
    "document_date_after_arrival": ("document_date", lambda t: {
        "arrival_date": d(t - timedelta(days=3)), "document_date": d(t - timedelta(days=1))}),
    "arrival_date_in_future": ("arrival_date", lambda t: {
        "arrival_date": d(t + timedelta(days=1))}),
    "reply_deadline_before_arrival": ("reply_deadline", lambda t: {
        "arrival_date": d(t - timedelta(days=1)), "reply_deadline": d(t - timedelta(days=2))}),
    "no_summary": ("summary", lambda t: {"summary": "   "}),
    "no_author": ("author_name", lambda t: {"author_name": ""}),
}


@pytest.mark.parametrize("case", sorted(ENTRY_ERRORS))
def test_refused_register_fields(app, incoming, one_doc, clerk, app_logs, case):
    field, fields = ENTRY_ERRORS[case]
    before = Snapshot(app)
    app_logs.set_level(logging.INFO)
    resp = incoming.post_intake(clerk, pdf=pdfs.clean_pdf(f"Văn bản lỗi {case}"),
                                **fields(incoming.today()))
    assert_form_refused(resp, field)
    left = before.assert_unchanged(store=False)
    assert logged(app_logs, "app.core.docviews"), "the refusal was not logged"
    assert_next_number(clerk, incoming, 2)
    assert_nothing_stored(left)  # the (good) PDF of a refused form is not kept either


def test_urgent_with_time_is_accepted(app, incoming, one_doc, clerk):
    """The counterpart of the cases above: the same urgent document with its hour passes."""
    resp = incoming.post_intake(clerk, urgency="2", arrival_time="14:05",
                                pdf=pdfs.clean_pdf("Thượng khẩn"))
    assert resp.status_code == 302


def test_refused_registration_from_the_inbox(app, incoming, clerk):
    """The same field rules on /register/<pk>: the document stays pending, unnumbered."""
    from app.incoming.models import ExchangeStatus

    doc_id = incoming.deliver()
    today = incoming.today()
    before = Snapshot(app)
    resp = clerk.post(f"/incomingview/register/{doc_id}", data={
        "arrival_date": d(today), "arrival_time": "", "sender_unit_id": str(
            incoming.world.ids["btchu"]), "symbol": "45-BC/BTCHU",
        "document_date": d(today - timedelta(days=1)),
        "document_type_id": str(incoming.type_id), "summary": "Báo cáo", "urgency": "0"})
    assert_form_refused(resp, "secrecy_confirmed")
    before.assert_unchanged()
    doc = incoming.get(doc_id)
    assert doc["state"] == "pending" and doc["arrival_number"] is None
    assert db_count(app, ExchangeStatus, ExchangeStatus.code == "03") == 0


# -- direction --------------------------------------------------------------------------

def test_assignment_deadline_before_arrival_date(app, world, incoming):
    from app.incoming.models import Assignment

    today = incoming.today()
    doc_id = incoming.intake(arrival_date=today - timedelta(days=5),
                             document_date=today - timedelta(days=6))
    head = client_for(app, "lanhdao.vphu")
    before = Snapshot(app)
    resp = head.post(f"/incomingview/assign/{doc_id}", data={
        "direction": "Xử lý", "lead": f"user:{world.ids['chuyenvien.vphu']}",
        "lead_deadline": d(today - timedelta(days=6))})
    assert_form_refused(resp)
    before.assert_unchanged()
    doc = incoming.get(doc_id)
    assert doc["state"] == "registered" and doc["deadline"] is None
    assert db_count(app, Assignment) == 0


def test_assignment_without_lead_on_the_form(app, world, incoming):
    doc_id = incoming.intake()
    head = client_for(app, "lanhdao.vphu")
    before = Snapshot(app)
    resp = head.post(f"/incomingview/assign/{doc_id}", data={
        "direction": "Xử lý", "lead": "",
        "lead_deadline": d(incoming.today() + timedelta(days=3)),
        "inform": [f"user:{world.ids['chuyenvien.vphu']}"]})
    assert_form_refused(resp)
    before.assert_unchanged()
    assert incoming.get(doc_id)["state"] == "registered"


def test_two_leads_through_the_api(app, world, incoming):
    from app.core.audit import AuditEvent

    doc_id = incoming.intake()
    deadline = (incoming.today() + timedelta(days=3)).isoformat()
    client = app.test_client()
    token = api_token(client, "lanhdao.vphu")
    before = Snapshot(app)
    resp = client.post(f"/api/v1/incoming/{doc_id}/assign", headers=token, json={
        "direction": "Hai người chủ trì",
        "parties": [
            {"role": "lead", "user_id": world.ids["chuyenvien.vphu"], "deadline": deadline},
            {"role": "lead", "user_id": world.ids["vanthu.vphu"], "deadline": deadline},
        ]})
    assert resp.status_code == 422
    assert resp.json["message"]
    before.assert_unchanged()
    assert incoming.get(doc_id)["state"] == "registered"
    assert db_count(app, AuditEvent, AuditEvent.action == "incoming_assigned") == 0
    # The same request with one lead goes through (the refusal was about the two leads).
    resp = client.post(f"/api/v1/incoming/{doc_id}/assign", headers=token, json={
        "parties": [{"role": "lead", "user_id": world.ids["chuyenvien.vphu"],
                     "deadline": deadline}]})
    assert resp.status_code == 200
    assert incoming.get(doc_id)["state"] == "assigned"


# -- refusal without a reason -----------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   \n "])
def test_refusal_without_reason_on_the_screen(app, incoming, clerk, reason):
    doc_id = incoming.deliver()
    before = Snapshot(app)
    resp = clerk.post(f"/incomingview/refuse/{doc_id}", data={"reason": reason})
    assert_form_refused(resp, "reason")
    before.assert_unchanged()
    assert incoming.get(doc_id)["state"] == "pending"


@pytest.mark.parametrize("body,status", [
    ({}, 400), ({"reason": ""}, 400), ({"reason": "   "}, 422), ({"reason": None}, 400),
])
def test_refusal_without_reason_through_the_api(app, world, incoming, body, status):
    doc_id = incoming.deliver()
    client = app.test_client()
    token = api_token(client, "vanthu.vphu")
    before = Snapshot(app)
    resp = client.post(f"/api/v1/incoming/{doc_id}/refuse", headers=token, json=body)
    assert resp.status_code == status
    before.assert_unchanged()
    assert incoming.get(doc_id)["state"] == "pending"


# -- forged posts for another unit's document -------------------------------------------

@pytest.fixture
def vphu_docs(incoming):
    """A VPHU document in each state a forged post could target."""
    pending = incoming.deliver(symbol="45-BC/BTCHU")
    registered = incoming.intake(symbol="50-CV/TU", text="Văn bản chờ phân công")
    assigned = incoming.intake(symbol="51-CV/TU", text="Văn bản đã phân công")
    incoming.assign(assigned)
    return {"pending": pending, "registered": registered, "assigned": assigned}


FORGED = [
    ("vanthu.btchu", "/incomingview/register/{pending}", {
        "arrival_date": "{today}", "symbol": "45-BC/BTCHU", "author_name": "Giả mạo",
        "document_date": "{today}", "summary": "Giả mạo", "urgency": "0",
        "secrecy_confirmed": "y"}),
    ("vanthu.btchu", "/incomingview/refuse/{pending}", {"reason": "Giả mạo"}),
    ("vanthu.btchu", "/incomingview/cancel/{registered}", {"reason": "Giả mạo"}),
    ("lanhdao.btchu", "/incomingview/assign/{registered}", {
        "lead": "user:{chuyenvien.btchu}", "lead_deadline": "{today}"}),
    ("lanhdao.btchu", "/incomingview/assign/{assigned}", {
        "lead": "user:{chuyenvien.btchu}", "lead_deadline": "{today}"}),
    ("chuyenvien.btchu", "/incomingview/note/{assigned}", {"text": "Giả mạo"}),
    ("chuyenvien.btchu", "/incomingview/complete/{assigned}", {"result": "Giả mạo"}),
    ("vanthu.btchu", "/incomingview/mark_read/{assigned}", {}),
]


@pytest.mark.parametrize("user,url,data", FORGED,
                         ids=[f"{u}-{url.split('/')[2]}" for u, url, _ in FORGED])
def test_forged_post_for_another_units_document(app, world, incoming, vphu_docs, user, url,
                                                data):
    values = {**world.ids, **vphu_docs, "today": d(incoming.today())}

    def fill(text):
        return re.sub(r"\{([^}]+)\}", lambda m: str(values[m.group(1)]), text)

    url = fill(url)
    data = {k: fill(v) for k, v in data.items()}
    snapshots = {k: incoming.get(v) for k, v in vphu_docs.items()}
    client = client_for(app, user)
    before = Snapshot(app)
    assert client.get(url).status_code in (404, 405)
    resp = client.post(url, data=data)
    assert resp.status_code == 404
    before.assert_unchanged()
    assert {k: incoming.get(v) for k, v in vphu_docs.items()} == snapshots


def test_another_unit_cannot_open_files_slip_or_subassign(app, world, incoming, vphu_docs):
    from app.extensions import db
    from app.incoming.models import Assignment, IncomingFile

    with app.app_context():
        file_id = db.session.execute(select(IncomingFile.id).where(
            IncomingFile.document_id == vphu_docs["assigned"])).scalar_one()
        assignment_id = db.session.execute(select(Assignment.id).where(
            Assignment.document_id == vphu_docs["assigned"])).scalar_one()
        db.session.remove()
    from app.core.audit import AuditEvent

    opened = db_count(app, AuditEvent, AuditEvent.action.in_(("file_downloaded",
                                                               "file_previewed")))
    client = client_for(app, "lanhdao.btchu")
    for url in (f"/incomingview/file/{file_id}", f"/incomingview/preview/{file_id}",
                f"/incomingview/slip/{vphu_docs['assigned']}",
                f"/incomingview/show/{vphu_docs['assigned']}",
                f"/incomingview/subassign/{vphu_docs['assigned']}/{assignment_id}"):
        assert client.get(url).status_code == 404, url
    assert db_count(app, AuditEvent, AuditEvent.action.in_(("file_downloaded",
                                                             "file_previewed"))) == opened


# -- duplicates -------------------------------------------------------------------------

def test_duplicate_by_sender_symbol_and_date(app, incoming, clerk):
    first = incoming.intake(symbol="123-CV/TU")  # author Tỉnh ủy Hưng Yên, date today-2
    before = Snapshot(app)
    other_pdf = pdfs.clean_pdf("Bản quét lại của cùng văn bản")
    resp = incoming.post_intake(clerk, pdf=other_pdf, symbol="123-CV/TU",
                                author_name="tỉnh ủy hưng yên")
    assert_form_refused(resp, "allow_duplicate")
    left = before.assert_unchanged(store=False)

    resp = incoming.post_intake(clerk, pdf=other_pdf, symbol="123-CV/TU",
                                author_name="tỉnh ủy hưng yên", allow_duplicate="y")
    assert resp.status_code == 302
    doc = incoming.get(created_id(resp))
    assert doc["arrival_number"] == 2
    assert doc["duplicate_note"] and incoming.get(first)["number"] in doc["duplicate_note"]
    assert_nothing_stored(left)  # the flagged attempt had kept nothing


def test_duplicate_by_file_hash(app, incoming, clerk):
    incoming.intake(symbol="123-CV/TU", text="Cùng một tệp")
    before = Snapshot(app)
    same = pdfs.clean_pdf("Cùng một tệp")
    resp = incoming.post_intake(clerk, pdf=same, symbol="777-CV/TU",
                                author_name="Ban Tuyên giáo Tỉnh ủy")
    assert_form_refused(resp, "allow_duplicate")
    before.assert_unchanged()
    resp = incoming.post_intake(clerk, pdf=same, symbol="777-CV/TU",
                                author_name="Ban Tuyên giáo Tỉnh ủy", allow_duplicate="y")
    assert resp.status_code == 302
    doc = incoming.get(created_id(resp))
    assert doc["arrival_number"] == 2 and doc["duplicate_note"]


@pytest.mark.parametrize("author", ["Đảng ủy xã Tân Tiến", "Ủy ban nhân dân tỉnh"])
def test_duplicate_with_a_vietnamese_capital_in_the_author(app, incoming, clerk, author):
    """The very same author name, symbol and date: flagged whatever letter it starts with."""
    incoming.intake(symbol="88-CV/ĐU", author_name=author, text="Bản thứ nhất")
    before = Snapshot(app)
    resp = incoming.post_intake(clerk, pdf=pdfs.clean_pdf("Bản thứ hai"), symbol="88-CV/ĐU",
                                author_name=author)
    assert_form_refused(resp, "allow_duplicate")
    before.assert_unchanged(store=False)  # the store is the other tests' concern


def test_refused_document_is_not_a_duplicate(app, incoming, clerk):
    """A document the unit refused does not block the corrected copy."""
    from app.extensions import db
    from app.incoming import services
    from app.incoming.models import IncomingDocument

    doc_id = incoming.deliver(symbol="45-BC/BTCHU")
    with app.test_request_context():
        doc = db.session.get(IncomingDocument, doc_id)
        services.refuse(db.session, doc, incoming.world.user("vanthu.vphu"), "Thiếu trang")
        db.session.commit()
        db.session.remove()
    resp = incoming.post_intake(clerk, symbol="45-BC/BTCHU",
                                sender_unit_id=str(incoming.world.ids["btchu"]),
                                document_date=d(incoming.today() - timedelta(days=2)),
                                pdf=pdfs.clean_pdf("Báo cáo công tác tổ chức (bản sửa)"))
    assert resp.status_code == 302
