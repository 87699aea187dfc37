"""Every step of a document's life, sent N times at once through the real routes (a double
click, a client's retry, a busy office): exactly one takes effect, the others answer 409
(API) or a message (screens) — never a second number, a second delivery, a gap in the
register or a second note. On SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

import io
from datetime import timedelta

from sqlalchemy import func, select

from app.core.audit import AuditEvent
from app.core.numbering import NumberCounter
from app.extensions import db
from app.incoming.models import (
    Assignment,
    ExchangeStatus,
    IncomingDocument,
    ProgressNote,
    Rejection,
)
from app.outgoing.models import (
    CancelledNumber,
    OutgoingDocument,
    OutgoingFile,
    Recipient,
    RouteStep,
)
from tests import pdfs
from tests.concurrency.conftest import api_race, browsers, race, screen_race, statuses
from tests.conftest import api_token, d
from tests.incoming.conftest import UNSIGNED_REASON

IN = "/api/v1/incoming"
OUT = "/api/v1/outgoing"


def _count(app, model, *where):
    with app.app_context():
        n = db.session.execute(select(func.count()).select_from(model).where(*where)) \
            .scalar_one()
        db.session.remove()
    return n


def _events(app, action):
    return _count(app, AuditEvent, AuditEvent.action == action)


def _get(app, model, pk):
    with app.app_context():
        row = db.session.get(model, pk)
        snap = {c.name: getattr(row, c.name) for c in row.__table__.columns}
        db.session.remove()
    return snap


def _headers(app, username):
    return api_token(app.test_client(), username)


def _one_effect(answers, ok=200, conflict=409):
    """One request did it, every other one was told it is already done."""
    assert statuses(answers) == sorted([ok] + [conflict] * (len(answers) - 1)), answers
    for a in answers:
        if a.status == conflict:
            assert a.json["message"], a


def _no_server_error(answers):
    assert all(a.status < 500 for a in answers), answers


# -- incoming -------------------------------------------------------------------------------

def test_register_8_times_at_once_gives_one_number(app, world, incoming):
    doc_id = incoming.deliver()
    answers = api_race(app, 8, "post", f"{IN}/{doc_id}/register",
                       _headers(app, "vanthu.vphu"),
                       json={"secrecy": "Không mật", "trust_reason": UNSIGNED_REASON})
    _one_effect(answers)
    doc = incoming.get(doc_id)
    assert doc["state"] == "registered" and doc["arrival_number"] == 1
    # No number lost: the counter gave exactly one.
    assert _count(app, NumberCounter, NumberCounter.last_value == 1) == 1
    assert _count(app, NumberCounter, NumberCounter.last_value > 1) == 0
    assert _count(app, ExchangeStatus, ExchangeStatus.code == "03") == 1
    assert _events(app, "incoming_registered") == 1


def test_50_registrations_at_once_are_numbered_1_to_50(app, world, incoming):
    docs = [incoming.deliver(symbol=f"{i}-BC/BTCHU", text=f"Báo cáo {i}") for i in range(50)]
    headers = _headers(app, "vanthu.vphu")
    body = {"secrecy": "Không mật", "trust_reason": UNSIGNED_REASON, "allow_duplicate": True}

    def register(pk):
        return lambda: app.test_client().post(f"{IN}/{pk}/register", headers=headers, json=body)

    answers = race([register(pk) for pk in docs])
    assert statuses(answers) == [200] * 50, answers
    numbers = sorted(incoming.get(pk)["arrival_number"] for pk in docs)
    assert numbers == list(range(1, 51))


def test_refuse_at_once_refuses_once(app, world, incoming):
    doc_id = incoming.deliver()
    answers = api_race(app, 6, "post", f"{IN}/{doc_id}/refuse", _headers(app, "vanthu.vphu"),
                       json={"reason": "Thiếu chữ ký số"})
    _one_effect(answers)
    assert _count(app, Rejection) == 1
    assert _count(app, ExchangeStatus, ExchangeStatus.code == "02") == 1
    assert _events(app, "incoming_refused") == 1


def test_register_and_refuse_at_once_one_wins(app, world, incoming):
    doc_id = incoming.deliver()
    headers = _headers(app, "vanthu.vphu")
    register = lambda: app.test_client().post(  # noqa: E731
        f"{IN}/{doc_id}/register", headers=headers,
        json={"secrecy": "Không mật", "trust_reason": UNSIGNED_REASON})
    refuse = lambda: app.test_client().post(  # noqa: E731
        f"{IN}/{doc_id}/refuse", headers=headers, json={"reason": "Gửi nhầm"})
    answers = race([register, refuse] * 3)
    _one_effect(answers)
    doc = incoming.get(doc_id)
    if doc["state"] == "registered":
        assert _count(app, Rejection) == 0 and doc["arrival_number"] == 1
    else:
        assert doc["state"] == "refused" and doc["arrival_number"] is None
        assert _count(app, NumberCounter, NumberCounter.last_value > 0) == 0


def _assign_body(world, incoming, doc_id):
    deadline = (incoming.today() + timedelta(days=7)).isoformat()
    return {"direction": "Đề nghị xử lý",
            "parties": [{"role": "lead", "user_id": world.ids["chuyenvien.vphu"],
                         "deadline": deadline},
                        {"role": "cooperate", "unit_id": world.ids["btchu"],
                         "deadline": deadline}]}


def test_assign_at_once_assigns_once(app, world, incoming):
    doc_id = incoming.intake()
    answers = api_race(app, 6, "post", f"{IN}/{doc_id}/assign", _headers(app, "lanhdao.vphu"),
                       json=_assign_body(world, incoming, doc_id))
    _one_effect(answers)
    assert _count(app, Assignment) == 2  # not a copy made and replaced by each request
    assert _events(app, "incoming_assigned") == 1


def test_cancel_at_once_cancels_once(app, world, incoming):
    doc_id = incoming.intake()
    answers = screen_race(app, 6, "vanthu.vphu", f"/incomingview/cancel/{doc_id}",
                          lambda: {"reason": "Vào sổ nhầm"})
    _no_server_error(answers)
    assert incoming.get(doc_id)["state"] == "cancelled"
    assert _events(app, "incoming_cancelled") == 1


def _assigned(incoming, world):
    doc_id = incoming.intake()
    incoming.assign(doc_id, cooperate=[("unit", "btchu")], inform=["vanthu.vphu"])
    return doc_id


def test_sub_assign_at_once_sub_assigns_once(app, world, incoming):
    doc_id = _assigned(incoming, world)
    with app.app_context():
        coop = db.session.execute(select(Assignment.id).where(
            Assignment.unit_id == world.ids["btchu"])).scalar_one()
        db.session.remove()
    deadline = d(incoming.today() + timedelta(days=3))
    answers = screen_race(app, 6, "lanhdao.btchu", f"/incomingview/subassign/{doc_id}/{coop}",
                          lambda: {"lead": f"user:{world.ids['chuyenvien.btchu']}",
                                   "lead_deadline": deadline})
    _no_server_error(answers)
    assert _count(app, Assignment, Assignment.parent_id == coop) == 1
    assert _events(app, "incoming_sub_assigned") == 1


def test_the_same_note_at_once_is_kept_once(app, world, incoming):
    doc_id = _assigned(incoming, world)
    answers = screen_race(app, 6, "chuyenvien.vphu", f"/incomingview/note/{doc_id}",
                          lambda: {"text": "Đã dự thảo báo cáo"})
    _no_server_error(answers)
    assert _count(app, ProgressNote, ProgressNote.kind == "progress") == 1
    # The first note started the processing, once (status 05).
    assert incoming.get(doc_id)["state"] == "in_progress"
    assert _count(app, ExchangeStatus, ExchangeStatus.code == "05") == 0  # paper: no sender
    assert _events(app, "incoming_note") == 1


def test_mark_read_at_once_is_kept_once(app, world, incoming):
    doc_id = _assigned(incoming, world)
    answers = screen_race(app, 6, "vanthu.vphu", f"/incomingview/mark_read/{doc_id}")
    _no_server_error(answers)
    assert _count(app, ProgressNote, ProgressNote.kind == "read") == 1
    assert _events(app, "incoming_read") == 1


def test_complete_at_once_completes_once(app, world, incoming):
    doc_id = incoming.deliver()
    with app.test_request_context():
        from app.incoming import services

        doc = db.session.get(IncomingDocument, doc_id)
        entry = services.Entry.from_document(doc)
        entry.secrecy_confirmed, entry.trust_reason = True, UNSIGNED_REASON
        services.register(db.session, doc, world.user("vanthu.vphu"), entry)
        db.session.commit()
        db.session.remove()
    incoming.assign(doc_id)
    answers = screen_race(app, 6, "chuyenvien.vphu", f"/incomingview/complete/{doc_id}",
                          lambda: {"result": "Đã hoàn thành báo cáo"})
    _no_server_error(answers)
    assert incoming.get(doc_id)["state"] == "done"
    assert _count(app, ProgressNote, ProgressNote.kind == "completion") == 1
    # The sender heard "in progress" and "completed" once each.
    assert _count(app, ExchangeStatus, ExchangeStatus.code == "05") == 1
    assert _count(app, ExchangeStatus, ExchangeStatus.code == "06") == 1
    assert _events(app, "incoming_completed") == 1


def test_the_same_intake_at_once_is_registered_once(app, world, incoming):
    headers = _headers(app, "vanthu.vphu")
    pdf = pdfs.clean_pdf("Công văn nhận hai lần")
    today = incoming.today()

    def form():
        return {"data": {"file": (io.BytesIO(pdf), "cv.pdf"), "channel": "paper",
                         "arrival_date": today.isoformat(), "author_name": "Tỉnh ủy",
                         "symbol": "77-CV/TU",
                         "document_date": (today - timedelta(days=1)).isoformat(),
                         "document_type_id": str(incoming.type_id), "summary": "Về việc X",
                         "secrecy": "Không mật", "trust_reason": UNSIGNED_REASON},
                "content_type": "multipart/form-data"}

    answers = api_race(app, 4, "post", f"{IN}/intake", headers, make=form)
    # One registered; the others found it (they waited for its number) and ask to confirm.
    assert statuses(answers) == [201, 422, 422, 422], answers
    assert _count(app, IncomingDocument) == 1
    assert _count(app, NumberCounter, NumberCounter.last_value == 1) == 1


# -- outgoing -------------------------------------------------------------------------------

def test_submit_at_once_submits_once(app, world, outgoing):
    doc_id = outgoing.draft()
    answers = api_race(app, 6, "post", f"{OUT}/{doc_id}/submit",
                       _headers(app, "chuyenvien.vphu"),
                       json={"to_user_id": world.ids["lanhdao.vphu"], "comment": "Kính trình"})
    _one_effect(answers)
    assert _count(app, RouteStep, RouteStep.action.in_(("submit", "forward"))) == 1


def test_return_at_once_returns_once(app, world, outgoing):
    doc_id = outgoing.draft()
    outgoing.submit(doc_id)
    answers = api_race(app, 6, "post", f"{OUT}/{doc_id}/return", _headers(app, "lanhdao.vphu"),
                       json={"comment": "Sửa số liệu"})
    _one_effect(answers)
    assert _count(app, RouteStep, RouteStep.action == "return") == 1


def test_sign_at_once_signs_once(app, world, outgoing):
    doc_id = outgoing.draft()
    outgoing.submit(doc_id)
    answers = api_race(app, 6, "post", f"{OUT}/{doc_id}/sign", _headers(app, "lanhdao.vphu"),
                       json={"signing_form": "K/T"})
    _one_effect(answers)
    assert _count(app, RouteStep, RouteStep.action == "sign") == 1
    assert _events(app, "outgoing_signed") == 1


def test_number_10_times_at_once_gives_one_number(app, world, outgoing):
    doc_id = outgoing.signed()
    answers = api_race(app, 10, "post", f"{OUT}/{doc_id}/number", _headers(app, "vanthu.vphu"),
                       json={})
    _one_effect(answers)
    # The others are told why, in Vietnamese.
    assert {a.json["message"] for a in answers if a.status == 409} == {
        "Chỉ cấp số được văn bản đã ký."}
    doc = _get(app, OutgoingDocument, doc_id)
    assert doc["number"] == 1 and doc["symbol"] == "1-CV/VPHU"
    # The counter gave one number: none is left in no document and not cancelled.
    assert _count(app, NumberCounter, NumberCounter.last_value > 1) == 0
    assert _count(app, CancelledNumber) == 0
    assert _count(app, RouteStep, RouteStep.action == "number") == 1


def test_50_numberings_at_once_are_numbered_1_to_50(app, world, outgoing):
    docs = [outgoing.signed() for _ in range(50)]
    headers = _headers(app, "vanthu.vphu")

    def number(pk):
        return lambda: app.test_client().post(f"{OUT}/{pk}/number", headers=headers, json={})

    answers = race([number(pk) for pk in docs])
    assert statuses(answers) == [200] * 50, answers
    assert sorted(_get(app, OutgoingDocument, pk)["number"] for pk in docs) == \
        list(range(1, 51))


def test_cancel_number_at_once_cancels_once(app, world, outgoing):
    doc_id = outgoing.signed()
    outgoing.number(doc_id)
    answers = screen_race(app, 6, "vanthu.vphu", f"/outgoingview/cancel_number/{doc_id}",
                          lambda: {"reason": "Ghi nhầm"})
    _no_server_error(answers)
    assert _count(app, CancelledNumber) == 1
    assert _get(app, OutgoingDocument, doc_id)["state"] == "signed"


def test_the_same_final_file_at_once_is_attached_once(app, world, outgoing):
    doc_id = outgoing.signed()
    outgoing.number(doc_id)
    pdf = pdfs.clean_pdf("Bản ký chính thức")
    answers = api_race(app, 6, "post", f"{OUT}/{doc_id}/final", _headers(app, "vanthu.vphu"),
                       make=lambda: {"data": {"file": (io.BytesIO(pdf), "1-CV-VPHU.pdf")},
                                     "content_type": "multipart/form-data"})
    _one_effect(answers)
    assert _count(app, OutgoingFile, OutgoingFile.kind == "final") == 1


def test_issue_5_times_at_once_delivers_once_to_each(app, world, outgoing):
    outgoing.add_unit("ubkt", "UBKTHU", "Ủy ban Kiểm tra Huyện ủy")
    doc_id = outgoing.ready(recipients=("btchu", "ubkt", "Sở Nội vụ"))
    answers = api_race(app, 5, "post", f"{OUT}/{doc_id}/issue", _headers(app, "vanthu.vphu"),
                       json={})
    _one_effect(answers)
    assert _count(app, IncomingDocument) == 2  # one copy for each unit of the system
    assert sorted(r["status"] for r in [_get(app, Recipient, pk) for pk in _recipients(
        app, doc_id)]) == ["01", "01", "P"]
    assert _events(app, "outgoing_issued") == 1


def _recipients(app, doc_id):
    with app.app_context():
        ids = db.session.execute(select(Recipient.id).where(Recipient.document_id == doc_id)) \
            .scalars().all()
        db.session.remove()
    return ids


def test_recall_at_once_recalls_once(app, world, outgoing):
    doc_id = outgoing.issued()
    answers = api_race(app, 6, "post", f"{OUT}/{doc_id}/recall", _headers(app, "vanthu.vphu"),
                       json={"reason": "Sai số liệu"})
    _one_effect(answers)
    assert _count(app, RouteStep, RouteStep.action == "recall") == 1
    assert _events(app, "outgoing_recall_requested") == 1


def _recalled(app, world, outgoing):
    doc_id = outgoing.issued()
    client = app.test_client()
    resp = client.post(f"{OUT}/{doc_id}/recall", headers=api_token(client, "vanthu.vphu"),
                       json={"reason": "Sai số liệu"})
    assert resp.status_code == 200, resp.json
    return doc_id, outgoing.delivered(doc_id)[world.ids["btchu"]]


def test_accepting_a_recall_at_once_answers_once(app, world, outgoing):
    doc_id, received = _recalled(app, world, outgoing)
    answers = screen_race(app, 6, "vanthu.btchu", f"/incomingview/recall_answer/{received}",
                          lambda: {"answer": "accept"})
    _no_server_error(answers)
    assert _events(app, "outgoing_recall_answered") == 1
    assert _get(app, IncomingDocument, received)["state"] == "recalled"
    [recipient] = _recipients(app, doc_id)
    assert _get(app, Recipient, recipient)["status"] == "15"


def test_refusing_a_recall_at_once_answers_once(app, world, outgoing):
    doc_id, received = _recalled(app, world, outgoing)
    answers = screen_race(app, 6, "vanthu.btchu", f"/incomingview/recall_answer/{received}",
                          lambda: {"answer": "refuse", "reason": "Đã triển khai"})
    _no_server_error(answers)
    assert _events(app, "outgoing_recall_answered") == 1
    [recipient] = _recipients(app, doc_id)
    assert _get(app, Recipient, recipient)["status"] == "16"


def test_a_recipient_registering_while_the_sender_recalls(app, world, outgoing):
    """The recipient's registration and the sender's recall at once: whichever goes second
    sees the first; the sender is left seeing the recall (13), never an overwritten 03."""
    doc_id = outgoing.issued()
    received = outgoing.delivered(doc_id)[world.ids["btchu"]]
    sender, recipient = _headers(app, "vanthu.vphu"), _headers(app, "vanthu.btchu")
    recall = lambda: app.test_client().post(  # noqa: E731
        f"{OUT}/{doc_id}/recall", headers=sender, json={"reason": "Sai số liệu"})
    register = lambda: app.test_client().post(  # noqa: E731
        f"{IN}/{received}/register", headers=recipient,
        json={"secrecy": "Không mật", "trust_reason": UNSIGNED_REASON})
    answers = race([recall, register])
    assert statuses(answers) == [200, 200], answers
    [rid] = _recipients(app, doc_id)
    assert _get(app, Recipient, rid)["status"] == "13"
    assert _get(app, IncomingDocument, received)["recall_requested_at"] is not None


def test_the_screens_say_it_was_already_done(app, world, outgoing):
    """On the screens the requests that came second are told, in Vietnamese, why nothing
    happened (no error page)."""
    doc_id = outgoing.signed()
    clients = browsers(app, "vanthu.vphu", 3)
    answers = race([lambda c=c: c.post(f"/outgoingview/number/{doc_id}",
                                       data={"document_date": d(outgoing_today())},
                                       follow_redirects=True) for c in clients])
    _no_server_error(answers)
    assert _get(app, OutgoingDocument, doc_id)["number"] == 1
    refused = [a for a in answers if "Only a signed document can be numbered." in a.text
               or "Chỉ cấp số được văn bản đã ký." in a.text]
    assert len(refused) == 2, answers


def outgoing_today():
    from app.core.timeutil import local_today

    return local_today()
