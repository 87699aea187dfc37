"""The rules of outgoing documents, through the service functions (docs/domain.md §3, §4, §6; issue
4): drafting, the route, signing, numbering per term / per year / shared, the final PDF,
issuing (deadlines, sensitive documents, paper copies, lateness on the working-day
calendar), delivery into the recipients' inboxes (all or nothing), the statuses that flow
back, recall, replacement and the audit trail.

Assertions are on behaviour (DomainError and its field, rows, states, codes), never on
message text."""

import hashlib
import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.core import storage
from app.core.audit import AuditEvent, verify_chain
from app.core.calendar import CalendarDay
from app.core.errors import DomainError
from app.core.timeutil import LOCAL_TZ, local_today, to_local, utcnow
from app.extensions import db
from app.incoming import services as incoming
from app.incoming.models import IncomingDocument
from app.notifications.models import Notification
from app.outgoing import services
from app.outgoing.filters import LISTS
from app.outgoing.models import (
    CancelledNumber,
    NumberSeries,
    OutgoingDocument,
    OutgoingFile,
    Recipient,
    RouteStep,
)
from app.reference.models import DocumentType
from app.security import permissions as P
from tests.conftest import create_user, fresh_app

THREADS = 20


@pytest.fixture
def app(database, tmp_path):
    """The usual test app with an engine pool large enough for 20 concurrent sessions (see
    tests/core/test_numbering.py); harmless for the other tests of this module."""
    with fresh_app(database, tmp_path, SQLALCHEMY_ENGINE_OPTIONS={
            "pool_size": THREADS + 5, "max_overflow": 5, "pool_timeout": 60}) as app:
        yield app


@pytest.fixture
def ctx(app):
    """A request context with the app's session. The kit's helpers end this session: fetch
    users and documents again after calling one."""
    with app.test_request_context():
        yield db.session
        db.session.remove()


@pytest.fixture
def three_units(outgoing):
    """Two more staffed units, so that a document can go to three units of the system."""
    outgoing.add_unit("ubkthu", "UBKTHU", "Ủy ban Kiểm tra Huyện ủy")
    outgoing.add_unit("btgdvhu", "BTGDVHU", "Ban Tuyên giáo và Dân vận Huyện ủy")
    return ("btchu", "ubkthu", "btgdvhu")


# -- helpers --------------------------------------------------------------------------------

def _doc(doc_id):
    return db.session.get(OutgoingDocument, doc_id)


def _received(doc_id):
    return db.session.get(IncomingDocument, doc_id)


def _refused(fn, *args, field=None, **kwargs):
    """``fn(session, *args)`` raises DomainError naming ``field``; the work is rolled back."""
    with pytest.raises(DomainError) as info:
        fn(db.session, *args, **kwargs)
    db.session.rollback()
    assert info.value.field == field
    return info.value


def _recipients(doc_id):
    return db.session.execute(select(Recipient).where(Recipient.document_id == doc_id)
                              .order_by(Recipient.id)).scalars().all()


def _steps(doc_id):
    return db.session.execute(select(RouteStep).where(RouteStep.document_id == doc_id)
                              .order_by(RouteStep.id)).scalars().all()


def _actions(doc_id, object_type="OutgoingDocument"):
    return db.session.execute(
        select(AuditEvent.action).where(AuditEvent.object_type == object_type,
                                        AuditEvent.object_id == str(doc_id))
        .order_by(AuditEvent.id)).scalars().all()


def _notified(world, name):
    return db.session.execute(
        select(func.count(Notification.id)).where(Notification.user_id == world.ids[name])
    ).scalar_one()


def _count(model, *conds):
    return db.session.execute(select(func.count(model.id)).where(*conds)).scalar_one()


def _listed(name):
    return set(db.session.execute(select(OutgoingDocument.id).where(LISTS[name]()))
               .scalars())


def _utc(day, hour=9, minute=0):
    """Naive UTC of ``day`` at ``hour``:``minute`` in Asia/Ho_Chi_Minh (as stored)."""
    local = datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)
    return local.astimezone(UTC).replace(tzinfo=None)


def _register(world, received_id, clerk):
    doc = _received(received_id)
    entry = incoming.Entry.from_document(doc)
    entry.secrecy_confirmed = True
    entry.trust_reason = "Bản thử nghiệm chưa ký số"
    incoming.register(db.session, doc, world.user(clerk), entry)
    db.session.commit()


def _assign(world, received_id, head, lead):
    doc = _received(received_id)
    deadline = incoming.default_deadline(db.session, doc)
    incoming.assign(db.session, doc, world.user(head), "Đề nghị xử lý",
                    [incoming.Party("lead", user_id=world.ids[lead], deadline=deadline)])
    db.session.commit()


def _intake(outgoing, clerk="vanthu.vphu"):
    """A paper document received and registered by ``clerk``; returns its id."""
    today = local_today()
    entry = incoming.Entry(arrival_date=today, author_name="Tỉnh ủy Hưng Yên",
                           symbol="123-CV/TU", document_date=today - timedelta(days=2),
                           document_type_id=outgoing.types["CV"],
                           summary="Về việc báo cáo sơ kết", secrecy_confirmed=True)
    doc = incoming.intake(db.session, outgoing.world.user(clerk), "paper", entry,
                          outgoing.stored_pdf())
    db.session.commit()
    return doc.id


# -- drafting -------------------------------------------------------------------------------

def test_create_draft_records_the_document(ctx, outgoing, world):
    stored = outgoing.stored_docx()
    doc = services.create_draft(
        db.session, world.user("chuyenvien.vphu"), outgoing.types["CV"],
        "  Về việc tổ chức hội nghị  ", 1, stored, signer_id=world.ids["lanhdao.vphu"],
        recipients=[outgoing.spec("btchu"), outgoing.spec("Sở Nội vụ tỉnh Hưng Yên"),
                    outgoing.spec("UBND huyện Kim Động", "email")],
        attachments=[outgoing.stored_pdf()])
    db.session.commit()
    doc = _doc(doc.id)
    assert doc.state == "draft" and doc.unit_id == world.ids["vphu"]
    assert doc.holder_id == doc.created_by_id == world.ids["chuyenvien.vphu"]
    assert doc.signer_id == world.ids["lanhdao.vphu"]
    assert doc.summary == "Về việc tổ chức hội nghị" and doc.urgency == 1
    assert doc.number is None and doc.symbol is None
    drafts = doc.draft_files()
    assert [(f.version, f.sha256) for f in drafts] == [(1, stored.sha256)]
    assert [f.kind for f in doc.files] == ["draft", "attachment"]
    assert [(r.unit_id, r.channel, r.status) for r in doc.recipients] == [
        (world.ids["btchu"], "electronic", "00"), (None, "paper", "00"),
        (None, "email", "00")]
    assert doc.recipients[0].name == "Ban Tổ chức Huyện ủy"
    assert _actions(doc.id) == ["outgoing_drafted"]
    assert doc.id in _listed("drafts")


@pytest.mark.parametrize("username", ["vanphong", "qtdv.vphu", "admin"])
def test_only_members_who_can_draft_create_drafts(ctx, outgoing, world, username):
    _refused(services.create_draft, world.user(username), outgoing.types["CV"], "Về việc A",
             0, outgoing.stored_docx(), recipients=[outgoing.spec("btchu")])
    assert _count(OutgoingDocument) == 0


def test_clerks_and_heads_can_draft_but_not_without_a_unit(ctx, outgoing, world):
    for name in ("vanthu.vphu", "lanhdao.btchu"):
        doc = services.create_draft(db.session, world.user(name), outgoing.types["CV"],
                                    "Về việc B", 0, outgoing.stored_docx())
        assert doc.unit_id == world.user(name).unit_id
    db.session.commit()
    homeless = create_user(db.session, outgoing.app.appbuilder.sm, "chuyenvien.khongdonvi",
                           [P.ROLE_OFFICIAL], None)
    db.session.commit()
    _refused(services.create_draft, homeless, outgoing.types["CV"], "Về việc C", 0,
             outgoing.stored_docx())
    assert _count(OutgoingDocument) == 2


@pytest.mark.parametrize("change,field", [
    ({"summary": "   "}, "summary"),
    ({"summary": "x" * 2001}, "summary"),
    ({"document_type_id": None}, "document_type_id"),
    ({"document_type_id": 999999}, "document_type_id"),
    ({"document_type_id": "inactive"}, "document_type_id"),
    ({"urgency": 5}, "urgency"),
    ({"urgency": -1}, "urgency"),
    ({"draft_file": None}, "draft_file"),
])
def test_draft_requires_summary_type_urgency_and_file(ctx, outgoing, world, change, field):
    args = {"document_type_id": outgoing.types["CV"], "summary": "Về việc A", "urgency": 0,
            "draft_file": outgoing.stored_docx()}
    args.update(change)
    if args["document_type_id"] == "inactive":
        old = DocumentType(name="Tờ trình", abbreviation="TTr", active=False)
        db.session.add(old)
        db.session.commit()
        args["document_type_id"] = old.id
    _refused(services.create_draft, world.user("chuyenvien.vphu"), field=field, **args)
    assert _count(OutgoingDocument) == 0


@pytest.mark.parametrize("signer", ["chuyenvien.vphu", "vanthu.vphu", "admin", "lanhdao.btchu",
                                    "inactive", "missing"])
def test_signer_must_be_an_active_head_of_the_unit(ctx, outgoing, world, signer):
    if signer == "inactive":
        outgoing.add_user("lanhdao2.vphu", P.ROLE_HEAD, "vphu")
        world.user("lanhdao2.vphu").active = False
        db.session.commit()
        signer_id = world.ids["lanhdao2.vphu"]
    else:
        signer_id = 999999 if signer == "missing" else world.ids[signer]
    _refused(services.create_draft, world.user("chuyenvien.vphu"), outgoing.types["CV"],
             "Về việc A", 0, outgoing.stored_docx(), signer_id=signer_id, field="signer_id")
    assert _count(OutgoingDocument) == 0


def test_reply_links_the_incoming_document_both_ways(ctx, outgoing, world):
    mine = _intake(outgoing, "vanthu.vphu")
    theirs = _intake(outgoing, "vanthu.btchu")
    author = world.user("chuyenvien.vphu")
    for bad in (theirs, 999999):
        _refused(services.create_draft, author, outgoing.types["CV"], "Trả lời", 0,
                 outgoing.stored_docx(), reply_to_id=bad, field="reply_to_id")
    reply = services.create_draft(db.session, world.user("chuyenvien.vphu"),
                                  outgoing.types["CV"], "Trả lời công văn 123-CV/TU", 0,
                                  outgoing.stored_docx(), reply_to_id=mine)
    db.session.commit()
    reply = _doc(reply.id)
    assert reply.reply_to_id == mine and reply.reply_to.symbol == "123-CV/TU"
    # From the incoming document, its replies are found through the link.
    replies = db.session.execute(select(OutgoingDocument.id).where(
        OutgoingDocument.reply_to_id == _received(mine).id)).scalars().all()
    assert replies == [reply.id]


@pytest.mark.parametrize("specs", [
    [("unit", "vphu", "electronic")],                      # its own unit
    [("unit", "inactive", "electronic")],                  # an inactive unit
    [("unit", 999999, "electronic")],                      # no such unit
    [("name", "", "paper")],                               # outside body without a name
    [("name", "   ", "email")],
    [("name", "Sở Nội vụ", "electronic")],                 # outside body electronically
    [("unit", "btchu", "electronic"), ("unit", "btchu", "paper")],   # twice
    [("name", "Sở Nội vụ", "paper"), ("name", "sở nội vụ", "email")],  # twice, any case
    [("unit", "btchu", "fax")],                            # unknown channel
    [("name", "Sở Nội vụ", "telegram")],
])
def test_recipients_are_checked(ctx, outgoing, world, specs):
    from app.units.models import Unit

    if any(s[1] == "inactive" for s in specs):
        unit = Unit(name="Ban đã giải thể", abbreviation="BGT", active=False)
        db.session.add(unit)
        db.session.commit()
        world.ids["inactive"] = unit.id
    rows = []
    for kind, who, channel in specs:
        if kind == "unit":
            rows.append(services.RecipientSpec(unit_id=world.ids.get(who, who),
                                               channel=channel))
        else:
            rows.append(services.RecipientSpec(name=who, channel=channel))
    _refused(services.create_draft, world.user("chuyenvien.vphu"), outgoing.types["CV"],
             "Về việc A", 0, outgoing.stored_docx(), recipients=rows, field="recipients")
    assert _count(OutgoingDocument) == 0 and _count(Recipient) == 0


def test_a_unit_of_the_system_may_receive_on_paper(ctx, outgoing, world):
    doc = services.create_draft(db.session, world.user("chuyenvien.vphu"), outgoing.types["CV"],
                                "Về việc A", 0, outgoing.stored_docx(),
                                recipients=[outgoing.spec("btchu", "paper")])
    db.session.commit()
    assert [(r.unit_id, r.channel) for r in _doc(doc.id).recipients] == [
        (world.ids["btchu"], "paper")]


# -- the route -----------------------------------------------------------------------------

def test_route_submit_return_new_version_and_submit_again(ctx, outgoing, world):
    doc_id = outgoing.draft()
    author, head = world.user("chuyenvien.vphu"), world.user("lanhdao.vphu")
    services.submit(db.session, _doc(doc_id), author, head.id, "Kính trình anh xem")
    db.session.commit()
    doc = _doc(doc_id)
    assert doc.state == "review" and doc.holder_id == head.id
    assert _notified(world, "lanhdao.vphu") == 1

    _refused(services.return_draft, _doc(doc_id), world.user("lanhdao.vphu"), "   ",
             field="comment")
    services.return_draft(db.session, _doc(doc_id), world.user("lanhdao.vphu"),
                          "Sửa lại đoạn 2")
    db.session.commit()
    doc = _doc(doc_id)
    assert doc.state == "returned" and doc.holder_id == world.ids["chuyenvien.vphu"]
    assert _notified(world, "chuyenvien.vphu") == 1

    first = doc.current_draft()
    second = outgoing.stored_docx()
    services.add_version(db.session, _doc(doc_id), world.user("chuyenvien.vphu"), second)
    db.session.commit()
    doc = _doc(doc_id)
    versions = [(f.version, f.sha256) for f in doc.draft_files()]
    assert versions == [(1, first.sha256), (2, second.sha256)]
    assert first.sha256 != second.sha256
    assert db.session.get(OutgoingFile, first.id).sha256 == first.sha256  # never overwritten

    services.submit(db.session, _doc(doc_id), world.user("chuyenvien.vphu"),
                    world.ids["lanhdao.vphu"], "Đã sửa")
    db.session.commit()
    steps = [(s.action, s.from_user_id, s.to_user_id, s.comment, s.file_version)
             for s in _steps(doc_id)]
    a, h = world.ids["chuyenvien.vphu"], world.ids["lanhdao.vphu"]
    assert steps == [("submit", a, h, "Kính trình anh xem", 1),
                     ("return", h, a, "Sửa lại đoạn 2", 1),
                     ("new_version", a, None, None, 2),
                     ("submit", a, h, "Đã sửa", 2)]
    assert all(s.created_at is not None for s in _steps(doc_id))
    assert _actions(doc_id) == ["outgoing_drafted", "outgoing_submitted", "outgoing_returned",
                                "outgoing_draft_version", "outgoing_submitted"]


def test_route_lists_follow_the_holder(app, outgoing, world):
    """The "waiting for me" and "returned to me" lists are those of the signed-in user."""
    doc_id = outgoing.draft()
    outgoing.submit(doc_id)
    from flask import g

    def listed(username, name):
        with app.test_request_context():
            g.user = world.user(username)
            found = doc_id in _listed(name)
            db.session.remove()
        return found

    assert listed("lanhdao.vphu", "waiting_for_me")
    assert not listed("chuyenvien.vphu", "waiting_for_me")
    with app.test_request_context():
        services.return_draft(db.session, _doc(doc_id), world.user("lanhdao.vphu"), "Sửa")
        db.session.commit()
        db.session.remove()
    assert listed("chuyenvien.vphu", "returned_to_me")
    assert not listed("lanhdao.vphu", "returned_to_me")
    assert listed("chuyenvien.vphu", "drafts")


def test_forward_by_a_reviewer_and_return_to_whoever_sent_it(ctx, outgoing, world):
    outgoing.add_user("phophong.vphu", P.ROLE_OFFICIAL, "vphu")
    doc_id = outgoing.draft()
    outgoing.submit(doc_id, by="chuyenvien.vphu", to="phophong.vphu")
    services.submit(db.session, _doc(doc_id), world.user("phophong.vphu"),
                    world.ids["lanhdao.vphu"], "Đồng ý, kính trình")
    db.session.commit()
    doc = _doc(doc_id)
    assert doc.state == "review" and doc.holder_id == world.ids["lanhdao.vphu"]
    services.return_draft(db.session, doc, world.user("lanhdao.vphu"), "Bổ sung số liệu")
    db.session.commit()
    doc = _doc(doc_id)
    # Back to the reviewer who forwarded it, not to the author.
    assert doc.state == "returned" and doc.holder_id == world.ids["phophong.vphu"]
    assert [(s.action, s.from_user.username, s.to_user.username) for s in _steps(doc_id)] == [
        ("submit", "chuyenvien.vphu", "phophong.vphu"),
        ("forward", "phophong.vphu", "lanhdao.vphu"),
        ("return", "lanhdao.vphu", "phophong.vphu")]
    assert "outgoing_forwarded" in _actions(doc_id)


def test_only_the_holder_moves_the_draft(ctx, outgoing, world):
    doc_id = outgoing.draft()
    outgoing.submit(doc_id)
    author = world.user("chuyenvien.vphu")
    _refused(services.submit, _doc(doc_id), author, world.ids["vanthu.vphu"])
    _refused(services.add_version, _doc(doc_id), world.user("chuyenvien.vphu"),
             outgoing.stored_docx())
    _refused(services.return_draft, _doc(doc_id), world.user("chuyenvien.vphu"), "Sửa")
    _refused(services.return_draft, _doc(doc_id), world.user("lanhdao.btchu"), "Sửa")
    _refused(services.submit, _doc(doc_id), world.user("lanhdao.btchu"),
             world.ids["chuyenvien.btchu"])
    # A draft that was never submitted cannot be returned.
    other = outgoing.draft()
    _refused(services.return_draft, _doc(other), world.user("chuyenvien.vphu"), "Sửa")
    doc = _doc(doc_id)
    assert doc.state == "review" and doc.holder_id == world.ids["lanhdao.vphu"]
    assert len(_steps(doc_id)) == 1 and len(doc.draft_files()) == 1


@pytest.mark.parametrize("target", ["self", "lanhdao.btchu", "chuyenvien.btchu", "qtdv.vphu",
                                    "vanphong", "admin", "inactive", "missing", None])
def test_route_target_must_be_a_colleague_who_can_process_or_sign(ctx, outgoing, world,
                                                                   target):
    doc_id = outgoing.draft()
    if target == "inactive":
        outgoing.add_user("chuyenvien2.vphu", P.ROLE_OFFICIAL, "vphu")
        world.user("chuyenvien2.vphu").active = False
        db.session.commit()
        to_id = world.ids["chuyenvien2.vphu"]
    elif target == "self":
        to_id = world.ids["chuyenvien.vphu"]
    elif target == "missing":
        to_id = 999999
    else:
        to_id = world.ids[target] if target else None
    _refused(services.submit, _doc(doc_id), world.user("chuyenvien.vphu"), to_id,
             field="to_user_id")
    doc = _doc(doc_id)
    assert doc.state == "draft" and doc.holder_id == world.ids["chuyenvien.vphu"]
    assert _steps(doc_id) == []


def test_route_to_a_clerk_or_an_official_of_the_unit(ctx, outgoing, world):
    doc_id = outgoing.draft(author="lanhdao.vphu")
    outgoing.submit(doc_id, by="lanhdao.vphu", to="vanthu.vphu")
    outgoing.submit(doc_id, by="vanthu.vphu", to="chuyenvien.vphu")
    assert _doc(doc_id).holder_id == world.ids["chuyenvien.vphu"]


# -- signing --------------------------------------------------------------------------------

def test_sign_by_the_intended_head(ctx, outgoing, world):
    doc_id = outgoing.draft(urgency=1)
    outgoing.submit(doc_id)
    before = utcnow()
    services.sign(db.session, _doc(doc_id), world.user("lanhdao.vphu"), "K/T")
    db.session.commit()
    doc = _doc(doc_id)
    assert doc.state == "signed" and doc.holder_id is None
    assert doc.signed_by_id == world.ids["lanhdao.vphu"] and doc.signing_form == "K/T"
    assert doc.signed_at >= before - timedelta(seconds=1)
    assert _steps(doc_id)[-1].action == "sign"
    assert _actions(doc_id)[-1] == "outgoing_signed"
    # The clerks are told; nobody else of the unit.
    clerk = db.session.execute(select(Notification).where(
        Notification.user_id == world.ids["vanthu.vphu"])).scalars().all()
    assert len(clerk) == 1 and clerk[0].urgent
    assert _notified(world, "chuyenvien.vphu") == 0
    assert doc_id in _listed("to_number")


@pytest.mark.parametrize("form", ["", "T/M", "K/T", "T/L", "TUQ"])
def test_every_signing_form_is_recorded(ctx, outgoing, world, form):
    doc_id = outgoing.draft()
    outgoing.submit(doc_id)
    services.sign(db.session, _doc(doc_id), world.user("lanhdao.vphu"), form)
    db.session.commit()
    assert _doc(doc_id).signing_form == form and _doc(doc_id).state == "signed"


def test_sign_refusals(ctx, outgoing, world):
    outgoing.add_user("lanhdao2.vphu", P.ROLE_HEAD, "vphu")
    # A draft not yet submitted.
    draft_id = outgoing.draft(author="lanhdao.vphu")
    _refused(services.sign, _doc(draft_id), world.user("lanhdao.vphu"))
    # Only the holder signs.
    doc_id = outgoing.draft()
    outgoing.submit(doc_id)
    _refused(services.sign, _doc(doc_id), world.user("lanhdao2.vphu"))
    _refused(services.sign, _doc(doc_id), world.user("lanhdao.btchu"))
    # A bad form of signature.
    _refused(services.sign, _doc(doc_id), world.user("lanhdao.vphu"), "T/T",
             field="signing_form")
    # An official holding it cannot sign.
    other = outgoing.draft(author="lanhdao.vphu", signer=None)
    outgoing.submit(other, by="lanhdao.vphu", to="chuyenvien.vphu")
    _refused(services.sign, _doc(other), world.user("chuyenvien.vphu"))
    # A head holding a document meant for another head cannot sign it.
    meant = outgoing.draft(signer="lanhdao.vphu")
    outgoing.submit(meant, to="lanhdao2.vphu")
    _refused(services.sign, _doc(meant), world.user("lanhdao2.vphu"))
    # With no intended signer, any head holding it may sign.
    free = outgoing.draft(signer=None)
    outgoing.submit(free, to="lanhdao2.vphu")
    outgoing.sign(free, by="lanhdao2.vphu", form="K/T")
    for i in (draft_id, doc_id, other, meant):
        assert _doc(i).state in ("draft", "review") and _doc(i).signed_at is None
    assert _doc(free).state == "signed"
    assert _doc(free).signed_by_id == world.ids["lanhdao2.vphu"]


# -- numbering ------------------------------------------------------------------------------

def test_number_only_by_the_clerk_and_only_when_signed(ctx, outgoing, world):
    draft_id = outgoing.draft()
    _refused(services.assign_number, _doc(draft_id), world.user("vanthu.vphu"))
    outgoing.submit(draft_id)
    _refused(services.assign_number, _doc(draft_id), world.user("vanthu.vphu"))
    doc_id = outgoing.signed()
    for name in ("chuyenvien.vphu", "lanhdao.vphu", "vanthu.btchu", "vanphong", "admin"):
        _refused(services.assign_number, _doc(doc_id), world.user(name))
    assert _doc(doc_id).state == "signed" and _doc(doc_id).number is None
    services.assign_number(db.session, _doc(doc_id), world.user("vanthu.vphu"))
    db.session.commit()
    doc = _doc(doc_id)
    assert (doc.state, doc.number, doc.symbol) == ("numbered", 1, "1-CV/VPHU")
    assert doc.document_date == local_today() and doc.numbered_by_id == world.ids["vanthu.vphu"]
    assert doc.series_key == f"type:{outgoing.types['CV']}"
    assert doc.number_period == f"term:{outgoing.terms[1]}"
    assert (_steps(doc_id)[-1].action, _steps(doc_id)[-1].comment) == ("number", "1-CV/VPHU")
    assert _actions(doc_id)[-1] == "outgoing_numbered"
    # Numbered twice: refused, the number stays.
    _refused(services.assign_number, _doc(doc_id), world.user("vanthu.vphu"))
    assert _doc(doc_id).number == 1
    assert doc_id in _listed("to_issue")


def _signed_long_ago(outgoing, doc_type="CV", **kw):
    doc_id = outgoing.signed(doc_type=doc_type, **kw)
    outgoing.set_signed_at(doc_id, datetime(2019, 1, 2, 2, 0))
    return doc_id


def test_party_default_counts_per_type_within_a_term(ctx, outgoing, world):
    first_term = date(2025, 6, 2)
    docs = [(_signed_long_ago(outgoing, t), t, d) for t, d in (
        ("CV", first_term), ("CV", date(2025, 9, 30)), ("QC", date(2025, 7, 1)),
        ("CV", date(2025, 10, 1)), ("QC", local_today()), ("CV", local_today()))]
    symbols = [outgoing.number(doc_id, document_date=day) for doc_id, _, day in docs]
    assert symbols == ["1-CV/VPHU", "2-CV/VPHU", "1-QC/VPHU", "1-CV/VPHU", "1-QC/VPHU",
                       "2-CV/VPHU"]
    periods = [_doc(doc_id).number_period for doc_id, _, _ in docs]
    t1, t2 = (f"term:{t}" for t in outgoing.terms)
    assert periods == [t1, t1, t1, t2, t2, t2]
    # Another unit counts on its own, with its own abbreviation.
    theirs = outgoing.signed(author="chuyenvien.btchu", signer="lanhdao.btchu",
                             recipients=("vphu",))
    assert outgoing.number(theirs, clerk="vanthu.btchu") == "1-CV/BTCHU"


def test_a_year_series_counts_per_year(ctx, outgoing, world):
    db.session.add(NumberSeries(unit_id=world.ids["vphu"], document_type_id=outgoing.types["CV"],
                                scope="year"))
    db.session.commit()
    days = [date(2024, 12, 30), date(2025, 1, 2), date(2025, 11, 3), date(2026, 1, 5)]
    docs = [_signed_long_ago(outgoing) for _ in days]
    symbols = [outgoing.number(doc_id, document_date=day)
               for doc_id, day in zip(docs, days, strict=True)]
    # 2025-01-02 and 2025-11-03 lie in different terms but the same year.
    assert symbols == ["1-CV/VPHU", "1-CV/VPHU", "2-CV/VPHU", "1-CV/VPHU"]
    assert [_doc(d).number_period for d in docs] == ["2024", "2025", "2025", "2026"]
    # A type without a series of its own keeps the Party default.
    qc = _signed_long_ago(outgoing, "QC")
    assert outgoing.number(qc, document_date=date(2025, 11, 3)) == "1-QC/VPHU"
    assert _doc(qc).number_period == f"term:{outgoing.terms[1]}"


def test_a_shared_series_counts_across_types(ctx, outgoing, world):
    db.session.add(NumberSeries(unit_id=world.ids["vphu"], document_type_id=None, scope="term"))
    db.session.commit()
    docs = [outgoing.signed(doc_type=t) for t in ("CV", "QC", "CV")]
    assert [outgoing.number(d) for d in docs] == ["1-CV/VPHU", "2-QC/VPHU", "3-CV/VPHU"]
    assert {_doc(d).series_key for d in docs} == {"shared"}
    # The other unit has no shared series: its own per-type counters.
    theirs = outgoing.signed(author="chuyenvien.btchu", signer="lanhdao.btchu",
                             recipients=("vphu",), doc_type="QC")
    assert outgoing.number(theirs, clerk="vanthu.btchu") == "1-QC/BTCHU"


def test_an_inactive_series_is_not_used(ctx, outgoing, world):
    db.session.add(NumberSeries(unit_id=world.ids["vphu"], document_type_id=None, scope="term",
                                active=False))
    db.session.commit()
    docs = [outgoing.signed(doc_type=t) for t in ("CV", "QC")]
    assert [outgoing.number(d) for d in docs] == ["1-CV/VPHU", "1-QC/VPHU"]


def test_numbering_needs_a_term_covering_the_date(ctx, outgoing, world):
    doc_id = _signed_long_ago(outgoing)
    _refused(services.assign_number, _doc(doc_id), world.user("vanthu.vphu"),
             date(2019, 5, 1))
    doc = _doc(doc_id)
    assert doc.state == "signed" and doc.number is None
    # Nothing was consumed: the first number of the term is still 1.
    assert outgoing.number(doc_id) == "1-CV/VPHU"


def test_the_document_date_cannot_precede_the_signature(ctx, outgoing, world):
    doc_id = outgoing.signed()
    _refused(services.assign_number, _doc(doc_id), world.user("vanthu.vphu"),
             local_today() - timedelta(days=2), field="document_date")
    assert _doc(doc_id).state == "signed"


def test_a_cancelled_number_is_kept_and_never_given_again(ctx, outgoing, world):
    doc_id = outgoing.signed()
    assert outgoing.number(doc_id) == "1-CV/VPHU"
    for name in ("chuyenvien.vphu", "lanhdao.vphu", "vanthu.btchu"):
        _refused(services.cancel_number, _doc(doc_id), world.user(name), "Nhầm số")
    _refused(services.cancel_number, _doc(doc_id), world.user("vanthu.vphu"), "  ",
             field="reason")
    services.cancel_number(db.session, _doc(doc_id), world.user("vanthu.vphu"), "Cấp nhầm số")
    db.session.commit()
    doc = _doc(doc_id)
    assert doc.state == "signed" and doc.number is None and doc.symbol is None
    cancelled = db.session.execute(select(CancelledNumber)).scalars().all()
    assert [(c.number, c.symbol, c.document_id, c.reason, c.cancelled_by_id)
            for c in cancelled] == [(1, "1-CV/VPHU", doc_id, "Cấp nhầm số",
                                     world.ids["vanthu.vphu"])]
    assert cancelled[0].number_period == f"term:{outgoing.terms[1]}"
    # A signed document cannot lose a number it does not have.
    _refused(services.cancel_number, _doc(doc_id), world.user("vanthu.vphu"), "Lại")
    assert outgoing.number(doc_id) == "2-CV/VPHU"
    assert outgoing.number(outgoing.signed()) == "3-CV/VPHU"
    assert "outgoing_number_cancelled" in _actions(doc_id)
    assert [s.action for s in _steps(doc_id)][-3:] == ["number", "cancel_number", "number"]


def test_the_outgoing_number_is_unique(ctx, outgoing, world):
    names = {c["name"] for c in inspect(db.engine).get_unique_constraints("outgoing_document")}
    assert "uq_outgoing_number" in names
    doc_id = outgoing.signed()
    outgoing.number(doc_id)
    base = _doc(doc_id)
    twin = OutgoingDocument(unit_id=base.unit_id, state="numbered",
                            document_type_id=base.document_type_id, summary="Trùng số",
                            created_by_id=base.created_by_id, series_key=base.series_key,
                            number_period=base.number_period, number=base.number,
                            symbol=base.symbol)
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def _number_one(app, world, doc_id, barrier, results, errors):
    try:
        with app.test_request_context():
            user = world.user("vanthu.vphu")
            doc = db.session.get(OutgoingDocument, doc_id)
            barrier.wait(timeout=60)
            services.assign_number(db.session, doc, user)
            db.session.commit()
            results.append((doc_id, doc.number, doc.symbol))
            db.session.remove()
    except Exception as error:  # collected and reported by the test
        errors.append((doc_id, repr(error)))
        barrier.abort()


def test_concurrent_numbering_is_gap_free(app, outgoing, world):
    """20 clerks' sessions number 20 signed documents at once: exactly 1..20 (the
    counter's row lock on PostgreSQL, the write lock on SQLite)."""
    docs = [outgoing.signed() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    results, errors = [], []
    threads = [threading.Thread(target=_number_one,
                                args=(app, world, d, barrier, results, errors)) for d in docs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not any(t.is_alive() for t in threads), "a numbering never finished"
    assert errors == []
    assert sorted(n for _, n, _ in results) == list(range(1, THREADS + 1))
    with app.app_context():
        rows = db.session.execute(select(OutgoingDocument.number, OutgoingDocument.symbol,
                                         OutgoingDocument.state)).all()
        assert sorted(n for n, _, _ in rows) == list(range(1, THREADS + 1))
        assert {s for _, s, _ in rows} == {f"{i}-CV/VPHU" for i in range(1, THREADS + 1)}
        assert {st for _, _, st in rows} == {"numbered"}
        count, problem = verify_chain(db.session)
        assert problem is None
        assert db.session.execute(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "outgoing_numbered")).scalar_one() == THREADS
        db.session.remove()


# -- the final PDF ------------------------------------------------------------------------------

def test_attach_final_rules(ctx, outgoing, world):
    draft_id = outgoing.draft()
    _refused(services.attach_final, _doc(draft_id), world.user("vanthu.vphu"),
             outgoing.stored_pdf())
    doc_id = outgoing.signed()
    for name in ("chuyenvien.vphu", "lanhdao.vphu", "vanthu.btchu"):
        _refused(services.attach_final, _doc(doc_id), world.user(name), outgoing.stored_pdf())
    _refused(services.attach_final, _doc(doc_id), world.user("vanthu.vphu"),
             outgoing.stored_docx(), field="final_file")
    first = outgoing.attach_final(doc_id)  # signed, not yet numbered: allowed
    outgoing.number(doc_id)
    second = outgoing.attach_final(doc_id)
    doc = _doc(doc_id)
    finals = [(f.version, f.sha256, f.mime) for f in doc.files if f.kind == "final"]
    assert finals == [(1, first, "application/pdf"), (2, second, "application/pdf")]
    assert doc.final_file().sha256 == second
    assert _actions(doc_id).count("outgoing_final_file") == 2
    outgoing.issue(doc_id)
    _refused(services.attach_final, _doc(doc_id), world.user("vanthu.vphu"),
             outgoing.stored_pdf())


# -- issuing ------------------------------------------------------------------------------------

def test_issue_needs_the_final_pdf(ctx, outgoing, world):
    doc_id = outgoing.signed()
    outgoing.number(doc_id)
    _refused(services.issue, _doc(doc_id), world.user("vanthu.vphu"), field="final_file")
    assert _doc(doc_id).state == "numbered"


def test_issue_needs_recipients(ctx, outgoing, world):
    doc_id = outgoing.ready()
    services.set_recipients(db.session, _doc(doc_id), world.user("vanthu.vphu"), [])
    db.session.commit()
    _refused(services.issue, _doc(doc_id), world.user("vanthu.vphu"), field="recipients")
    assert _doc(doc_id).state == "numbered"


def test_issue_only_by_the_clerk_and_only_when_numbered(ctx, outgoing, world):
    signed_id = outgoing.signed()
    outgoing.attach_final(signed_id)
    _refused(services.issue, _doc(signed_id), world.user("vanthu.vphu"))
    doc_id = outgoing.ready()
    for name in ("chuyenvien.vphu", "lanhdao.vphu", "vanthu.btchu", "vanphong", "admin"):
        _refused(services.issue, _doc(doc_id), world.user(name))
    assert _doc(doc_id).state == "numbered" and _count(IncomingDocument) == 0


def test_issue_twice_or_after_recall_is_refused(ctx, outgoing, world):
    doc_id = outgoing.issued()
    _refused(services.issue, _doc(doc_id), world.user("vanthu.vphu"))
    assert _count(IncomingDocument) == 1
    services.request_recall(db.session, _doc(doc_id), world.user("vanthu.vphu"), "Sai sót")
    db.session.commit()
    _refused(services.issue, _doc(doc_id), world.user("vanthu.vphu"))
    assert _count(IncomingDocument) == 1 and _doc(doc_id).state == "recalled"


def test_a_sensitive_document_goes_on_paper_only(ctx, outgoing, world):
    doc_id = outgoing.ready(recipients=("btchu", "Sở Nội vụ"))
    for name in ("chuyenvien.vphu", "vanthu.vphu", "lanhdao.btchu"):
        _refused(services.set_sensitive, _doc(doc_id), world.user(name), True)
    services.set_sensitive(db.session, _doc(doc_id), world.user("lanhdao.vphu"), True)
    db.session.commit()
    assert _doc(doc_id).sensitive
    _refused(services.issue, _doc(doc_id), world.user("vanthu.vphu"), field="recipients")
    assert _count(IncomingDocument) == 0
    services.set_recipients(db.session, _doc(doc_id), world.user("vanthu.vphu"),
                            [outgoing.spec("btchu", "paper"), outgoing.spec("Sở Nội vụ")])
    db.session.commit()
    outgoing.issue(doc_id)
    assert _doc(doc_id).state == "issued" and _count(IncomingDocument) == 0
    assert [(r.status, r.incoming_document_id) for r in _recipients(doc_id)] == [
        ("P", None), ("P", None)]


def test_a_paper_copy_to_an_electronic_recipient_needs_the_heads_approval(ctx, outgoing,
                                                                          world):
    doc_id = outgoing.ready(recipients=("btchu",))
    # There is no service to ask for a paper copy per recipient: set it as the setup.
    _recipients(doc_id)[0].paper_copy = True
    db.session.commit()
    _refused(services.issue, _doc(doc_id), world.user("vanthu.vphu"), field="recipients")
    assert _count(IncomingDocument) == 0
    services.set_sensitive(db.session, _doc(doc_id), world.user("lanhdao.vphu"), False,
                           paper_copy=True)
    db.session.commit()
    outgoing.issue(doc_id)
    doc = _doc(doc_id)
    assert doc.state == "issued" and doc.paper_copy_approved
    assert _recipients(doc_id)[0].status == "01"


def test_a_late_issue_needs_its_reason(ctx, outgoing, world):
    doc_id = outgoing.ready(recipients=("btchu", "Sở Nội vụ"))
    outgoing.set_signed_at(doc_id, utcnow() - timedelta(days=10))
    assert services.overdue_to_issue(db.session, _doc(doc_id))
    _refused(services.issue, _doc(doc_id), world.user("vanthu.vphu"), "  ",
             field="late_reason")
    assert _doc(doc_id).state == "numbered" and _count(IncomingDocument) == 0
    outgoing.issue(doc_id, late_reason="Chờ ý kiến Thường trực")
    doc = _doc(doc_id)
    assert doc.state == "issued" and doc.late
    assert doc.late_reason == "Chờ ý kiến Thường trực"
    assert _steps(doc_id)[-1].comment == "Chờ ý kiến Thường trực"
    assert doc_id in _listed("late") and doc_id in _listed("issued")


@pytest.mark.parametrize("urgency", [1, 3])
def test_urgent_documents_are_late_after_an_hour(ctx, outgoing, world, urgency):
    doc_id = outgoing.ready(urgency=urgency)
    outgoing.set_signed_at(doc_id, utcnow() - timedelta(hours=2))
    doc = _doc(doc_id)
    assert services.issue_deadline(db.session, doc) == (
        to_local(doc.signed_at) + timedelta(hours=1))
    assert services.overdue_to_issue(db.session, doc)
    _refused(services.issue, _doc(doc_id), world.user("vanthu.vphu"), field="late_reason")
    outgoing.issue(doc_id, late_reason="Mất điện")
    assert _doc(doc_id).late


def test_urgent_document_issued_within_the_hour_is_not_late(ctx, outgoing, world):
    doc_id = outgoing.ready(urgency=1)
    outgoing.set_signed_at(doc_id, utcnow() - timedelta(minutes=30))
    assert not services.overdue_to_issue(db.session, _doc(doc_id))
    outgoing.issue(doc_id)
    assert _doc(doc_id).late is False


def test_a_normal_document_signed_today_is_not_late(ctx, outgoing, world):
    doc_id = outgoing.ready()
    assert not services.overdue_to_issue(db.session, _doc(doc_id))
    outgoing.issue(doc_id)
    doc = _doc(doc_id)
    assert doc.late is False and doc.late_reason is None
    assert doc_id not in _listed("late")


def test_the_issue_deadline_is_the_next_working_morning_after_holidays(ctx, outgoing, world):
    doc_id = outgoing.signed()
    # Signed on Wednesday 29/04/2026 at 10:00; Thursday 30/04 and Friday 01/05 are holidays.
    outgoing.set_signed_at(doc_id, _utc(date(2026, 4, 29), 10))
    noon = time(12, 0)
    assert services.issue_deadline(db.session, _doc(doc_id)) == datetime.combine(
        date(2026, 4, 30), noon, tzinfo=LOCAL_TZ)
    db.session.add_all([CalendarDay(day=date(2026, 4, 30), kind="holiday", name="30/4"),
                        CalendarDay(day=date(2026, 5, 1), kind="holiday", name="1/5")])
    db.session.commit()
    assert services.issue_deadline(db.session, _doc(doc_id)) == datetime.combine(
        date(2026, 5, 4), noon, tzinfo=LOCAL_TZ)
    # Signed on a Friday evening: Monday morning.
    outgoing.set_signed_at(doc_id, _utc(date(2026, 5, 8), 22))
    assert services.issue_deadline(db.session, _doc(doc_id)) == datetime.combine(
        date(2026, 5, 11), noon, tzinfo=LOCAL_TZ)
    # Signed at 00:30 local (still the previous day in UTC): the local date counts.
    outgoing.set_signed_at(doc_id, _utc(date(2026, 5, 12), 0, 30))
    assert services.issue_deadline(db.session, _doc(doc_id)) == datetime.combine(
        date(2026, 5, 13), noon, tzinfo=LOCAL_TZ)


def test_holidays_decide_whether_an_issue_is_late(ctx, outgoing, world):
    today = local_today()
    doc_id = outgoing.ready()
    outgoing.set_signed_at(doc_id, _utc(today - timedelta(days=2), 9))
    # Yesterday a working day (declared so, whatever the weekday): its noon has passed.
    db.session.add(CalendarDay(day=today - timedelta(days=1), kind="workday", name="Làm bù"))
    db.session.commit()
    _refused(services.issue, _doc(doc_id), world.user("vanthu.vphu"), field="late_reason")
    # Yesterday and today holidays: the next working morning is still ahead.
    day = db.session.execute(select(CalendarDay)).scalars().one()
    day.kind = "holiday"
    db.session.add(CalendarDay(day=today, kind="holiday", name="Nghỉ lễ"))
    db.session.commit()
    assert not services.overdue_to_issue(db.session, _doc(doc_id))
    outgoing.issue(doc_id)
    assert _doc(doc_id).late is False


# -- delivery -----------------------------------------------------------------------------------

def test_issue_delivers_to_each_unit_byte_identical(ctx, outgoing, world, three_units):
    doc_id = outgoing.ready(recipients=three_units + ("Sở Nội vụ tỉnh Hưng Yên",),
                            attachments=[outgoing.stored_pdf()], urgency=1)
    final = _doc(doc_id).final_file().sha256
    attachment = next(f.sha256 for f in _doc(doc_id).files if f.kind == "attachment")
    outgoing.issue(doc_id)
    doc = _doc(doc_id)
    assert doc.state == "issued" and doc.issued_by_id == world.ids["vanthu.vphu"]
    assert doc.issued_at is not None and doc.late is False
    recipients = _recipients(doc_id)
    internal, outside = recipients[:3], recipients[3]
    assert (outside.status, outside.incoming_document_id) == ("P", None)
    assert outside.status_at is not None
    for key, r in zip(three_units, internal, strict=True):
        assert r.status == "01" and r.incoming_document_id is not None
        received = _received(r.incoming_document_id)
        assert received.unit_id == world.ids[key] and received.state == "pending"
        assert received.channel == "electronic" and received.delivery_id == r.id
        assert received.sender_unit_id == world.ids["vphu"]
        assert received.symbol == "1-CV/VPHU" and received.summary == doc.summary
        assert received.urgency == 1 and received.document_date == doc.document_date
        assert received.exchange_status == "01"
        assert [(f.role, f.sha256) for f in received.files] == [("main", final),
                                                                 ("attachment", attachment)]
        assert _notified(world, f"vanthu.{key}") == 1
        assert _actions(received.id, "IncomingDocument") == ["incoming_delivered"]
    assert _count(IncomingDocument) == 3
    # The stored bytes are the final PDF's own.
    with open(storage.path_for(final), "rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == final
    assert _steps(doc_id)[-1].action == "issue"
    assert _actions(doc_id)[-1] == "outgoing_issued"


def _refuse_inserts_for_unit(unit_id):
    """A database that refuses the delivery into one unit: a real failure of the third
    INSERT, raised by the database itself (no code of ours replaced)."""
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text(
                "CREATE FUNCTION qlvb_test_refuse_delivery() RETURNS trigger LANGUAGE plpgsql "
                f"AS $$ BEGIN IF NEW.unit_id = {int(unit_id)} THEN RAISE EXCEPTION "
                "'delivery refused by the test'; END IF; RETURN NEW; END $$"))
            conn.execute(text(
                "CREATE TRIGGER qlvb_test_refuse_delivery BEFORE INSERT ON incoming_document "
                "FOR EACH ROW EXECUTE FUNCTION qlvb_test_refuse_delivery()"))
        else:
            conn.execute(text(
                "CREATE TRIGGER qlvb_test_refuse_delivery BEFORE INSERT ON incoming_document "
                f"WHEN NEW.unit_id = {int(unit_id)} BEGIN "
                "SELECT RAISE(ABORT, 'delivery refused by the test'); END"))


def _drop_refusal():
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER IF EXISTS qlvb_test_refuse_delivery "
                              "ON incoming_document"))
            conn.execute(text("DROP FUNCTION IF EXISTS qlvb_test_refuse_delivery()"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS qlvb_test_refuse_delivery"))


def test_delivery_is_all_or_nothing(ctx, outgoing, world, three_units):
    doc_id = outgoing.ready(recipients=three_units + ("Sở Nội vụ",))
    events = _count(AuditEvent)
    db.session.remove()
    _refuse_inserts_for_unit(world.ids[three_units[2]])
    try:
        with pytest.raises(DBAPIError):
            services.issue(db.session, _doc(doc_id), world.user("vanthu.vphu"))
        db.session.rollback()
        # The first two deliveries were written in the transaction: gone with it.
        assert _count(IncomingDocument) == 0
        assert [(r.status, r.incoming_document_id) for r in _recipients(doc_id)] == [
            ("00", None)] * 4
        doc = _doc(doc_id)
        assert doc.state == "numbered" and doc.issued_at is None
        assert _count(AuditEvent) == events
        assert all(_notified(world, f"vanthu.{k}") == 0 for k in three_units)
    finally:
        db.session.remove()
        _drop_refusal()
    outgoing.issue(doc_id)
    assert _count(IncomingDocument) == 3
    assert [r.status for r in _recipients(doc_id)] == ["01", "01", "01", "P"]
    assert verify_chain(db.session)[1] is None


def test_a_refusal_inside_issue_leaves_nothing_behind(ctx, outgoing, world, three_units):
    doc_id = outgoing.ready(recipients=three_units)
    outgoing.set_signed_at(doc_id, utcnow() - timedelta(days=10))
    _refused(services.issue, _doc(doc_id), world.user("vanthu.vphu"), field="late_reason")
    assert _count(IncomingDocument) == 0
    assert {r.status for r in _recipients(doc_id)} == {"00"}
    assert _doc(doc_id).state == "numbered" and "outgoing_issued" not in _actions(doc_id)


# -- statuses flowing back ----------------------------------------------------------------------

def test_recipients_statuses_flow_back_to_the_drafting_unit(ctx, outgoing, world, three_units):
    doc_id = outgoing.issued(recipients=three_units)
    delivered = outgoing.delivered(doc_id)
    btchu, ubkt = delivered[world.ids["btchu"]], delivered[world.ids["ubkthu"]]

    def status(key):
        r = next(r for r in _recipients(doc_id) if r.unit_id == world.ids[key])
        return r.status, r.status_note

    incoming.refuse(db.session, _received(ubkt), world.user("vanthu.ubkthu"),
                    "Gửi nhầm đơn vị")
    db.session.commit()
    assert status("ubkthu") == ("02", "Gửi nhầm đơn vị")
    assert doc_id in _listed("refused")
    _register(world, btchu, "vanthu.btchu")
    assert status("btchu") == ("03", None)
    _assign(world, btchu, "lanhdao.btchu", "chuyenvien.btchu")
    assert status("btchu") == ("04", None)
    incoming.add_note(db.session, _received(btchu), world.user("chuyenvien.btchu"),
                      "Đang tổng hợp")
    db.session.commit()
    assert status("btchu")[0] == "05"
    incoming.complete(db.session, _received(btchu), world.user("chuyenvien.btchu"),
                      "Đã báo cáo")
    db.session.commit()
    assert status("btchu")[0] == "06"
    assert status("btgdvhu") == ("01", None)
    assert all(r.status_at is not None for r in _recipients(doc_id))


# -- recall --------------------------------------------------------------------------------------

def test_request_recall(ctx, outgoing, world, three_units):
    doc_id = outgoing.issued(recipients=three_units + ("Sở Nội vụ",))
    delivered = outgoing.delivered(doc_id)
    incoming.refuse(db.session, _received(delivered[world.ids["ubkthu"]]),
                    world.user("vanthu.ubkthu"), "Không thuộc thẩm quyền")
    db.session.commit()
    for name in ("chuyenvien.vphu", "lanhdao.vphu", "vanthu.btchu"):
        _refused(services.request_recall, _doc(doc_id), world.user(name), "Sai sót")
    _refused(services.request_recall, _doc(doc_id), world.user("vanthu.vphu"), " ",
             field="reason")
    numbered = outgoing.ready()
    _refused(services.request_recall, _doc(numbered), world.user("vanthu.vphu"), "Sai sót")
    services.request_recall(db.session, _doc(doc_id), world.user("vanthu.vphu"),
                            "Sai sót số liệu")
    db.session.commit()
    doc = _doc(doc_id)
    assert doc.state == "recalled" and doc.recall_reason == "Sai sót số liệu"
    assert doc.recall_requested_at is not None
    codes = {r.unit_id or r.name: (r.status, r.status_note) for r in _recipients(doc_id)}
    assert codes == {world.ids["btchu"]: ("13", "Sai sót số liệu"),
                     world.ids["ubkthu"]: ("02", "Không thuộc thẩm quyền"),
                     world.ids["btgdvhu"]: ("13", "Sai sót số liệu"),
                     "Sở Nội vụ": ("P", None)}
    for key in ("btchu", "btgdvhu"):
        received = _received(delivered[world.ids[key]])
        assert received.recall_requested_at is not None
        assert received.recall_reason == "Sai sót số liệu"
        assert _notified(world, f"vanthu.{key}") == 2  # the delivery, then the recall
    assert _received(delivered[world.ids["ubkthu"]]).recall_requested_at is None
    assert _actions(doc_id)[-1] == "outgoing_recall_requested"
    assert doc_id in _listed("recalled") and doc_id not in _listed("issued")
    # Asked once: a recalled document cannot be recalled again.
    _refused(services.request_recall, _doc(doc_id), world.user("vanthu.vphu"), "Lần nữa")


def test_answer_recall(ctx, outgoing, world, three_units):
    doc_id = outgoing.issued(recipients=three_units)
    delivered = outgoing.delivered(doc_id)
    btchu, ubkt, btgdv = (delivered[world.ids[k]] for k in three_units)
    _register(world, btchu, "vanthu.btchu")
    _assign(world, btchu, "lanhdao.btchu", "chuyenvien.btchu")

    def in_lists(received_id):
        return {name for name in incoming.TRACKING if received_id in set(
            db.session.execute(select(IncomingDocument.id).where(
                incoming.tracking_clause(db.session, name))).scalars())}

    assert "in_progress" in in_lists(btchu)
    assert in_lists(btgdv) == {"inbox"}
    # Nothing to answer before the recall.
    _refused(services.answer_recall, _received(btchu), world.user("vanthu.btchu"), True)
    services.request_recall(db.session, _doc(doc_id), world.user("vanthu.vphu"), "Sai sót")
    db.session.commit()
    # Only the receiving unit's clerk answers.
    for name in ("vanthu.vphu", "vanthu.ubkthu", "lanhdao.btchu", "chuyenvien.btchu"):
        _refused(services.answer_recall, _received(btchu), world.user(name), True)
    services.answer_recall(db.session, _received(btchu), world.user("vanthu.btchu"), True)
    db.session.commit()
    r = {x.unit_id: x for x in _recipients(doc_id)}
    assert r[world.ids["btchu"]].status == "15"
    received = _received(btchu)
    assert received.state == "recalled"
    assert not any(a.active for a in received.assignments)
    assert in_lists(btchu) == set()  # out of the active lists, still in the database
    assert _notified(world, "vanthu.vphu") >= 2  # signed, then the answer
    # Refusing needs a reason.
    _refused(services.answer_recall, _received(ubkt), world.user("vanthu.ubkthu"), False, "",
             field="reason")
    services.answer_recall(db.session, _received(ubkt), world.user("vanthu.ubkthu"), False,
                           "Đã triển khai thực hiện")
    db.session.commit()
    r = {x.unit_id: x for x in _recipients(doc_id)}
    assert (r[world.ids["ubkthu"]].status, r[world.ids["ubkthu"]].status_note) == (
        "16", "Đã triển khai thực hiện")
    assert _received(ubkt).state == "pending"
    # Answering twice is refused, whichever the first answer.
    _refused(services.answer_recall, _received(btchu), world.user("vanthu.btchu"), False, "x")
    _refused(services.answer_recall, _received(ubkt), world.user("vanthu.ubkthu"), True)
    assert r[world.ids["btgdvhu"]].status == "13"
    assert _actions(btchu, "IncomingDocument")[-1] == "outgoing_recall_answered"
    assert _actions(ubkt, "IncomingDocument")[-1] == "outgoing_recall_answered"


def test_a_recall_stays_answerable_after_the_recipient_registers(ctx, outgoing, world):
    doc_id = outgoing.issued(recipients=("btchu",))
    received_id = outgoing.delivered(doc_id)[world.ids["btchu"]]
    services.request_recall(db.session, _doc(doc_id), world.user("vanthu.vphu"), "Sai sót")
    db.session.commit()
    _register(world, received_id, "vanthu.btchu")
    services.answer_recall(db.session, _received(received_id), world.user("vanthu.btchu"),
                           True)
    db.session.commit()
    assert _recipients(doc_id)[0].status == "15"


# -- replacement --------------------------------------------------------------------------------

def test_a_replacement_supersedes_the_original(ctx, outgoing, world, three_units):
    original = outgoing.issued(recipients=("btchu", "ubkthu"))
    old = outgoing.delivered(original)
    _register(world, old[world.ids["btchu"]], "vanthu.btchu")
    incoming.refuse(db.session, _received(old[world.ids["ubkthu"]]),
                    world.user("vanthu.ubkthu"), "Thiếu phụ lục")
    db.session.commit()
    # Only an issued document of one's own unit can be replaced.
    draft_id = outgoing.draft()
    theirs = outgoing.issued(author="chuyenvien.btchu", signer="lanhdao.btchu",
                             clerk="vanthu.btchu", recipients=("vphu",))
    for bad in (draft_id, theirs, 999999):
        _refused(services.create_draft, world.user("chuyenvien.vphu"), outgoing.types["CV"],
                 "Thay thế", 0, outgoing.stored_docx(), replaces_id=bad,
                 field="replaces_id")
    replacement = outgoing.issued(recipients=("btchu", "ubkthu"), replaces_id=original,
                                  summary="Về việc tổ chức hội nghị (thay thế)")
    assert _doc(replacement).replaces_id == original
    new = outgoing.delivered(replacement)
    superseded = _received(old[world.ids["btchu"]])
    assert superseded.state == "replaced"
    assert superseded.replaced_by_id == new[world.ids["btchu"]]
    # The refused original stays refused; the corrected one waits in the inbox.
    refused = _received(old[world.ids["ubkthu"]])
    assert refused.state == "refused" and refused.replaced_by_id is None
    assert _received(new[world.ids["ubkthu"]]).state == "pending"
    assert _actions(replacement)[0] == "outgoing_drafted"


def test_a_recalled_document_can_be_replaced(ctx, outgoing, world):
    original = outgoing.issued(recipients=("btchu",))
    received_id = outgoing.delivered(original)[world.ids["btchu"]]
    services.request_recall(db.session, _doc(original), world.user("vanthu.vphu"), "Sai")
    db.session.commit()
    services.answer_recall(db.session, _received(received_id), world.user("vanthu.btchu"),
                           True)
    db.session.commit()
    replacement = outgoing.issued(recipients=("btchu",), replaces_id=original)
    new_id = outgoing.delivered(replacement)[world.ids["btchu"]]
    assert _received(received_id).replaced_by_id == new_id


# -- an issued document is final; another unit cannot act ------------------------------------

def test_an_issued_document_cannot_be_changed(ctx, outgoing, world):
    doc_id = outgoing.issued()
    clerk = world.user("vanthu.vphu")
    _refused(services.set_recipients, _doc(doc_id), clerk, [outgoing.spec("Sở Nội vụ")])
    _refused(services.add_version, _doc(doc_id), world.user("vanthu.vphu"),
             outgoing.stored_docx())
    _refused(services.set_sensitive, _doc(doc_id), world.user("lanhdao.vphu"), True)
    _refused(services.cancel_number, _doc(doc_id), world.user("vanthu.vphu"), "Hủy")
    _refused(services.submit, _doc(doc_id), world.user("vanthu.vphu"),
             world.ids["lanhdao.vphu"])
    doc = _doc(doc_id)
    assert doc.state == "issued" and doc.symbol == "1-CV/VPHU" and not doc.sensitive
    assert [r.status for r in doc.recipients] == ["01"]


def test_another_units_staff_cannot_act_on_the_document(ctx, outgoing, world):
    signed_id = outgoing.signed()
    ready_id = outgoing.ready()
    issued_id = outgoing.issued()
    clerk, head = "vanthu.btchu", "lanhdao.btchu"
    calls = [
        (services.set_recipients, signed_id, clerk, ([],)),
        (services.add_version, outgoing.draft(), "chuyenvien.btchu",
         (outgoing.stored_docx(),)),
        (services.set_sensitive, ready_id, head, (True,)),
        (services.assign_number, signed_id, clerk, ()),
        (services.attach_final, signed_id, clerk, (outgoing.stored_pdf(),)),
        (services.cancel_number, ready_id, clerk, ("Hủy",)),
        (services.issue, ready_id, clerk, ()),
        (services.request_recall, issued_id, clerk, ("Thu hồi",)),
    ]
    for fn, doc_id, who, args in calls:
        _refused(fn, _doc(doc_id), world.user(who), *args)
    assert _doc(signed_id).state == "signed" and _doc(ready_id).state == "numbered"
    assert _doc(issued_id).state == "issued"


# -- the whole walk, and its audit trail -----------------------------------------------------------

def test_the_whole_walk_is_audited_and_the_chain_verifies(ctx, outgoing, world, three_units):
    """Issue 4's walk: draft → route → return → route → sign → number → issue to three
    units → one refuses, one registers and completes, one is recalled."""
    doc_id = outgoing.draft(recipients=three_units)
    outgoing.submit(doc_id)
    services.return_draft(db.session, _doc(doc_id), world.user("lanhdao.vphu"), "Sửa")
    db.session.commit()
    services.add_version(db.session, _doc(doc_id), world.user("chuyenvien.vphu"),
                         outgoing.stored_docx())
    db.session.commit()
    outgoing.submit(doc_id)
    outgoing.sign(doc_id, form="T/M")
    outgoing.number(doc_id)
    services.cancel_number(db.session, _doc(doc_id), world.user("vanthu.vphu"), "Nhầm")
    db.session.commit()
    assert outgoing.number(doc_id) == "2-CV/VPHU"
    outgoing.attach_final(doc_id)
    outgoing.issue(doc_id)
    delivered = outgoing.delivered(doc_id)
    btchu, ubkt, btgdv = (delivered[world.ids[k]] for k in three_units)
    incoming.refuse(db.session, _received(ubkt), world.user("vanthu.ubkthu"), "Gửi nhầm")
    db.session.commit()
    _register(world, btchu, "vanthu.btchu")
    _assign(world, btchu, "lanhdao.btchu", "chuyenvien.btchu")
    incoming.complete(db.session, _received(btchu), world.user("chuyenvien.btchu"), "Xong")
    db.session.commit()
    services.request_recall(db.session, _doc(doc_id), world.user("vanthu.vphu"), "Sai sót")
    db.session.commit()
    services.answer_recall(db.session, _received(btgdv), world.user("vanthu.btgdvhu"), True)
    db.session.commit()

    statuses = {r.unit_id: (r.status, r.status_note) for r in _recipients(doc_id)}
    assert statuses == {world.ids["btchu"]: ("13", "Sai sót"),
                        world.ids["ubkthu"]: ("02", "Gửi nhầm"),
                        world.ids["btgdvhu"]: ("15", None)}
    assert [s.action for s in _steps(doc_id)] == [
        "submit", "return", "new_version", "submit", "sign", "number", "cancel_number",
        "number", "final_file", "issue", "recall"]
    assert _actions(doc_id) == [
        "outgoing_drafted", "outgoing_submitted", "outgoing_returned",
        "outgoing_draft_version", "outgoing_submitted", "outgoing_signed",
        "outgoing_numbered", "outgoing_number_cancelled", "outgoing_numbered",
        "outgoing_final_file", "outgoing_issued", "outgoing_recall_requested"]
    assert _actions(btgdv, "IncomingDocument")[-1] == "outgoing_recall_answered"
    count, problem = verify_chain(db.session)
    assert problem is None and count == _count(AuditEvent)


# -- guards added after review ---------------------------------------------------------------

def test_a_document_date_in_the_future_is_refused(ctx, outgoing, world):
    doc_id = outgoing.signed()
    _refused(services.assign_number, _doc(doc_id), world.user("vanthu.vphu"),
             local_today() + timedelta(days=5), field="document_date")
    assert _doc(doc_id).number is None


def test_the_sending_decision_cannot_change_after_a_recall(ctx, outgoing, world):
    doc_id = outgoing.issued(recipients=("btchu",))
    services.request_recall(db.session, _doc(doc_id), world.user("vanthu.vphu"), "Sai sót")
    db.session.commit()
    _refused(services.set_sensitive, _doc(doc_id), world.user("lanhdao.vphu"), True)
    assert _doc(doc_id).sensitive is False


def test_who_may_change_the_recipients(ctx, outgoing, world):
    draft_id = outgoing.draft()  # held by its author
    btchu_only = [outgoing.spec("btchu")]
    _refused(services.set_recipients, _doc(draft_id), world.user("qtdv.vphu"), btchu_only)
    _refused(services.set_recipients, _doc(draft_id), world.user("vanthu.vphu"), btchu_only)
    services.set_recipients(db.session, _doc(draft_id), world.user("chuyenvien.vphu"),
                            btchu_only)
    db.session.commit()
    signed_id = outgoing.signed()
    _refused(services.set_recipients, _doc(signed_id), world.user("chuyenvien.vphu"),
             btchu_only)
    services.set_recipients(db.session, _doc(signed_id), world.user("vanthu.vphu"), btchu_only)
    db.session.commit()
    assert [r.unit_id for r in _doc(signed_id).recipients] == [world.ids["btchu"]]


def test_an_inactive_unit_is_not_delivered_to(ctx, outgoing, world):
    from app.units.models import Unit

    doc_id = outgoing.ready(recipients=("btchu", "host"))
    db.session.get(Unit, world.ids["btchu"]).active = False
    db.session.commit()
    _refused(services.issue, _doc(doc_id), world.user("vanthu.vphu"), field="recipients")
    assert db.session.scalar(select(func.count(IncomingDocument.id))) == 0


def test_an_approved_paper_copy_goes_to_every_electronic_recipient(ctx, outgoing, world):
    doc_id = outgoing.ready(recipients=("btchu", "host"))
    services.set_sensitive(db.session, _doc(doc_id), world.user("lanhdao.vphu"), False, True)
    db.session.commit()
    services.issue(db.session, _doc(doc_id), world.user("vanthu.vphu"))
    db.session.commit()
    assert all(r.paper_copy for r in _recipients(doc_id))


def test_a_reply_is_listed_on_its_incoming_document(ctx, outgoing, world):
    theirs = outgoing.issued(author="chuyenvien.btchu", signer="lanhdao.btchu",
                             clerk="vanthu.btchu", recipients=("vphu",))
    received_id = outgoing.delivered(theirs)[world.ids["vphu"]]
    reply_id = outgoing.draft(reply_to_id=received_id)
    assert [r.id for r in _received(received_id).replies] == [reply_id]


def test_a_delivered_copy_keeps_what_the_check_found(ctx, outgoing, world):
    from app.incoming.models import IncomingFile

    doc_id = outgoing.issued(recipients=("btchu",))
    received_id = outgoing.delivered(doc_id)[world.ids["btchu"]]
    final = _doc(doc_id).final_file()
    copy = db.session.execute(select(IncomingFile).where(
        IncomingFile.document_id == received_id, IncomingFile.role == "main")).scalar_one()
    assert copy.sha256 == final.sha256
    assert copy.pages == final.pages and copy.pages
    assert copy.text_content == final.text_content and copy.text_content
    assert _received(received_id).page_count == final.pages
