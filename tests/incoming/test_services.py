"""The rules of incoming documents, through the service functions (docs/domain.md §2–5): the
register entry, duplicates, receiving, refusing, directing, processing, completing,
cancelling, who sees what, the tracking lists, the counts and the audit events.

Assertions are on behaviour (DomainError and its field, rows, states, codes), never on
message text."""

import unicodedata
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from app.core.audit import AuditEvent, verify_chain
from app.core.calendar import CalendarDay
from app.core.errors import DomainError
from app.extensions import db
from app.incoming import services
from app.incoming.models import (
    Assignment,
    ExchangeStatus,
    IncomingDocument,
    ProgressNote,
    ReaderGrant,
    Rejection,
)
from app.notifications.models import Notification
from app.reference.models import DocumentType

# -- helpers --------------------------------------------------------------------------------


@pytest.fixture
def ctx(app):
    """A request context with the app's session; removed afterwards. The kit's helpers
    (``incoming.intake`` …) run in the same app context and end this session: fetch users
    and documents again after calling them."""
    with app.test_request_context():
        yield db.session
        db.session.remove()


def _doc(doc_id):
    return db.session.get(IncomingDocument, doc_id)


def _actions(doc_id):
    return db.session.execute(
        select(AuditEvent.action).where(AuditEvent.object_type == "IncomingDocument",
                                        AuditEvent.object_id == str(doc_id))
        .order_by(AuditEvent.id)).scalars().all()


def _statuses(doc_id):
    return db.session.execute(
        select(ExchangeStatus.code).where(ExchangeStatus.document_id == doc_id)
        .order_by(ExchangeStatus.id)).scalars().all()


def _notifications(world, name):
    return db.session.execute(
        select(Notification).where(Notification.user_id == world.ids[name])
        .order_by(Notification.id)).scalars().all()


def _ids(clause):
    return set(db.session.execute(select(IncomingDocument.id).where(clause)).scalars())


def _party(world, role, who, deadline=None):
    if isinstance(who, tuple):
        return services.Party(role, unit_id=world.ids[who[1]], deadline=deadline)
    return services.Party(role, user_id=world.ids[who], deadline=deadline)


def _registered_delivery(incoming, world, **overrides):
    """A document delivered by BTCHU to VPHU and registered by the VPHU clerk."""
    symbol = overrides.pop("symbol", "45-BC/BTCHU")
    doc_id = incoming.deliver(symbol=symbol, **overrides)
    with incoming.app.test_request_context():
        services.register(db.session, _doc(doc_id), world.user("vanthu.vphu"),
                          incoming.entry(sender_unit_id=world.ids["btchu"], symbol=symbol,
                                         **overrides))
        db.session.commit()
        db.session.remove()
    return doc_id


def _refused_to(ctx, world, names, step):
    """``step(user)`` is refused (DomainError) to each of the users ``names``; every attempt
    is rolled back."""
    for name in names:
        with pytest.raises(DomainError):
            step(world.user(name))
        ctx.rollback()


def _past(incoming, days):
    return incoming.today() - timedelta(days=days)


# -- parse_symbol ----------------------------------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("19-QC/HU", (19, "QC", "HU")),
    ("45-CV/VPHU", (45, "CV", "VPHU")),
    ("123-CV/HU", (123, "CV", "HU")),
    ("  19 - QC / HU ", (19, "QC", "HU")),
    ("12/QĐ-UBND", (12, "QĐ", "UBND")),
    ("123/2024/NĐ-CP", (123, "NĐ", "CP")),
    ("", (None, None, None)),
    (None, (None, None, None)),
    ("Công văn không số", (None, None, None)),
    ("CV/HU", (None, None, None)),
    ("19-QC", (None, None, None)),
])
def test_parse_symbol(raw, expected):
    assert services.parse_symbol(raw) == expected


def test_parse_symbol_normalises_nfd_input():
    nfc = "7-KẾ/HỘI"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    number, kind, agency = services.parse_symbol(nfd)
    assert (number, kind, agency) == (7, "KẾ", "HỘI")
    assert unicodedata.is_normalized("NFC", kind) and unicodedata.is_normalized("NFC", agency)


# -- check_entry -------------------------------------------------------------------------------

def _future(incoming):
    return incoming.today() + timedelta(days=1)


@pytest.mark.parametrize("overrides,field", [
    ({"secrecy_confirmed": False}, "secrecy_confirmed"),
    ({"arrival_date": None}, "arrival_date"),
    ({"arrival_date": "future"}, "arrival_date"),
    ({"urgency": 2, "arrival_time": None}, "arrival_time"),
    ({"urgency": 3, "arrival_time": None}, "arrival_time"),
    ({"urgency": 4, "arrival_time": None}, "arrival_time"),
    ({"urgency": 7}, "urgency"),
    ({"author_name": "", "sender_unit_id": None}, "author_name"),
    ({"author_name": "   "}, "author_name"),
    ({"sender_unit_id": 999999}, "sender_unit_id"),
    ({"document_date": None}, "document_date"),
    ({"document_date": "after"}, "document_date"),
    ({"document_type_id": None}, "document_type_id"),
    ({"document_type_id": 999999}, "document_type_id"),
    ({"summary": ""}, "summary"),
    ({"summary": "  \n "}, "summary"),
    ({"reply_deadline": "before"}, "reply_deadline"),
    ({"page_count": 0}, "page_count"),
    ({"symbol": "x" * 101}, "symbol"),
])
def test_check_entry_rules(app, world, incoming, ctx, overrides, field):
    today = incoming.today()
    values = dict(overrides)
    if values.get("arrival_date") == "future":
        values["arrival_date"] = _future(incoming)
    if values.get("document_date") == "after":
        values["arrival_date"] = today - timedelta(days=3)
        values["document_date"] = today - timedelta(days=2)
    if values.get("reply_deadline") == "before":
        values["arrival_date"] = today - timedelta(days=1)
        values["reply_deadline"] = today - timedelta(days=2)
    with pytest.raises(DomainError) as err:
        services.check_entry(ctx, incoming.entry(**values))
    assert err.value.field == field


def test_check_entry_accepts_a_good_entry(app, world, incoming, ctx):
    today = incoming.today()
    entry = services.check_entry(ctx, incoming.entry(
        urgency=1, arrival_time=None, reply_deadline=today, document_date=today,
        summary=unicodedata.normalize("NFD", "  Về việc tổ chức hội nghị  ")))
    assert entry.summary == "Về việc tổ chức hội nghị"  # stripped and NFC
    services.check_entry(ctx, incoming.entry(urgency=3, arrival_time=time(8, 30)))
    # The "today" the rule compares with can be given.
    services.check_entry(ctx, incoming.entry(arrival_date=today + timedelta(days=1),
                                             document_date=today),
                         today=today + timedelta(days=1))


def test_internal_sender_sets_the_author_to_the_unit_name(app, world, incoming, ctx):
    entry = services.check_entry(ctx, incoming.entry(sender_unit_id=world.ids["btchu"],
                                                     author_name="Tên tự gõ"))
    assert entry.author_name == "Ban Tổ chức Huyện ủy"
    entry = services.check_entry(ctx, incoming.entry(sender_unit_id=world.ids["btchu"],
                                                     author_name=""))
    assert entry.author_name == "Ban Tổ chức Huyện ủy"


def test_intake_stores_the_entry_and_numbers_it(app, world, incoming, ctx):
    clerk = world.user("vanthu.vphu")
    doc = services.intake(ctx, clerk, "paper", incoming.entry(
        symbol="19-QC/HU", sender_unit_id=world.ids["host"], urgency=2,
        arrival_time=time(9, 15)), incoming.stored_pdf())
    ctx.commit()
    assert doc.state == "registered" and doc.channel == "paper"
    assert (doc.arrival_year, doc.arrival_number) == (incoming.today().year, 1)
    assert doc.author_name == "Huyện ủy" and doc.sender_unit_id == world.ids["host"]
    assert (doc.symbol_number, doc.symbol_type, doc.symbol_agency) == (19, "QC", "HU")
    assert doc.secrecy == "Không mật" and doc.registered_by_id == clerk.id
    assert doc.page_count == 1  # from the PDF
    assert [f.role for f in doc.files] == ["main"]
    assert doc.files[0].check_report
    assert doc.duplicate_note is None
    assert _actions(doc.id) == ["incoming_received", "incoming_registered"]
    assert _statuses(doc.id) == ["03"]  # the host is a unit of the system
    # The heads of the unit are told there is something to assign.
    assert _notifications(world, "lanhdao.vphu")[-1].link == f"/incomingview/show/{doc.id}"
    with pytest.raises(DomainError) as err:
        services.intake(ctx, clerk, "fax", incoming.entry(), incoming.stored_pdf())
    assert err.value.field == "channel"
    with pytest.raises(DomainError) as err:
        services.intake(ctx, clerk, "paper", incoming.entry(), None)
    assert err.value.field == "main_file"
    ctx.rollback()


# -- duplicates -----------------------------------------------------------------------------

def test_duplicate_same_sender_symbol_and_date(app, world, incoming, ctx):
    first = incoming.intake(symbol="5-CV/TU", text="Văn bản A")
    entry = incoming.entry(symbol="5-CV/TU")
    with pytest.raises(services.DuplicateFound) as err:
        services.intake(ctx, world.user("vanthu.vphu"), "paper", entry,
                        incoming.stored_pdf("Văn bản B"))
    assert err.value.field == "allow_duplicate"
    assert [d.id for d in err.value.duplicates] == [first]
    ctx.rollback()
    assert ctx.execute(select(IncomingDocument.id)).scalars().all() == [first]
    # Another date, another symbol or another sender is no duplicate.
    for other in (dict(document_date=_past(incoming, 5)), dict(symbol="6-CV/TU"),
                  dict(author_name="Ủy ban nhân dân tỉnh")):
        found = services.find_duplicates(ctx, world.ids["vphu"],
                                         incoming.entry(**{"symbol": "5-CV/TU", **other}))
        assert found == []
    # Another unit may receive the same document.
    doc = services.intake(ctx, world.user("vanthu.btchu"), "paper",
                          incoming.entry(symbol="5-CV/TU"), incoming.stored_pdf("Văn bản A"))
    ctx.commit()
    assert doc.duplicate_note is None


def test_duplicate_same_internal_sender(app, world, incoming, ctx):
    first = _registered_delivery(incoming, world, symbol="45-BC/BTCHU")
    second = incoming.deliver(symbol="45-BC/BTCHU", text="Bản gửi lại")
    doc = _doc(second)
    entry = incoming.entry(sender_unit_id=world.ids["btchu"], symbol="45-BC/BTCHU")
    with pytest.raises(services.DuplicateFound) as err:
        services.register(ctx, doc, world.user("vanthu.vphu"), entry)
    assert [d.id for d in err.value.duplicates] == [first]
    ctx.rollback()
    assert _doc(second).state == "pending"


def test_duplicate_same_author_name_with_vietnamese_capitals(app, world, incoming, ctx):
    """The same outside sender written identically (names starting with Đ or Ủ are the
    common case: Đảng ủy…, Ủy ban…) must be found as a duplicate on every database."""
    author = "Đảng ủy xã Phạm Ngũ Lão"
    first = incoming.intake(symbol="12-NQ/ĐU", author_name=author, text="Văn bản A")
    with pytest.raises(services.DuplicateFound) as err:
        services.intake(ctx, world.user("vanthu.vphu"), "paper",
                        incoming.entry(symbol="12-NQ/ĐU", author_name=author),
                        incoming.stored_pdf("Văn bản B"))
    assert [d.id for d in err.value.duplicates] == [first]
    ctx.rollback()


def test_duplicate_same_file_hash(app, world, incoming, ctx):
    first = incoming.intake(symbol="5-CV/TU", text="Cùng một tệp")
    with pytest.raises(services.DuplicateFound) as err:
        services.intake(ctx, world.user("vanthu.vphu"), "paper",
                        incoming.entry(symbol="99-TB/TU", author_name="Nơi khác"),
                        incoming.stored_pdf("Cùng một tệp"))
    assert [d.id for d in err.value.duplicates] == [first]
    ctx.rollback()
    # The same file as an attachment counts too.
    with pytest.raises(services.DuplicateFound):
        services.intake(ctx, world.user("vanthu.vphu"), "external",
                        incoming.entry(symbol="98-TB/TU", author_name="Nơi khác"),
                        incoming.stored_pdf("Tệp khác"), [incoming.stored_pdf("Cùng một tệp")])
    ctx.rollback()


def test_refused_document_is_no_duplicate(app, world, incoming, ctx):
    refused = incoming.deliver(symbol="45-BC/BTCHU", text="Bản lỗi")
    services.refuse(ctx, _doc(refused), world.user("vanthu.vphu"), "Thiếu chữ ký")
    ctx.commit()
    entry = incoming.entry(sender_unit_id=world.ids["btchu"], symbol="45-BC/BTCHU")
    assert services.find_duplicates(ctx, world.ids["vphu"], entry,
                                    [_doc(refused).files[0].sha256]) == []
    again = incoming.deliver(symbol="45-BC/BTCHU", text="Bản lỗi")  # same bytes, resent
    doc = services.register(ctx, _doc(again), world.user("vanthu.vphu"), entry)
    ctx.commit()
    assert doc.state == "registered" and doc.duplicate_note is None


def test_allow_duplicate_registers_with_a_note(app, world, incoming, ctx):
    first = incoming.intake(symbol="5-CV/TU", text="Văn bản A")
    doc = services.intake(ctx, world.user("vanthu.vphu"), "paper",
                          incoming.entry(symbol="5-CV/TU", allow_duplicate=True),
                          incoming.stored_pdf("Văn bản B"))
    ctx.commit()
    assert doc.state == "registered" and doc.arrival_number == 2
    assert doc.duplicate_note
    assert doc.id != first


# -- delivery, registration, refusal ---------------------------------------------------------

def test_deliver_waits_in_the_inbox_and_tells_the_clerks(app, world, incoming, ctx):
    before = len(_notifications(world, "vanthu.vphu"))
    doc_id = incoming.deliver(symbol="45-BC/BTCHU")
    urgent_id = incoming.deliver(symbol="46-BC/BTCHU", text="Khẩn", urgency=1)
    doc = _doc(doc_id)
    assert doc.state == "pending" and doc.channel == "electronic"
    assert doc.arrival_number is None and doc.unit_id == world.ids["vphu"]
    assert doc.sender_unit_id == world.ids["btchu"] and doc.author_name == "Ban Tổ chức Huyện ủy"
    assert (doc.symbol_number, doc.symbol_type, doc.symbol_agency) == (45, "BC", "BTCHU")
    assert doc.exchange_status == "01" and _statuses(doc_id) == ["01"]
    assert _actions(doc_id) == ["incoming_delivered"]
    notes = _notifications(world, "vanthu.vphu")[before:]
    assert [n.link for n in notes] == [f"/incomingview/show/{doc_id}",
                                       f"/incomingview/show/{urgent_id}"]
    assert [n.urgent for n in notes] == [False, True]
    # Not the head, not the official, not the sender's clerk.
    for name in ("lanhdao.vphu", "chuyenvien.vphu", "vanthu.btchu"):
        assert all(n.link != f"/incomingview/show/{doc_id}" for n in _notifications(world, name))
    with pytest.raises(DomainError):
        services.deliver(ctx, world.ids["vphu"], world.ids["btchu"], incoming.entry(), [])
    with pytest.raises(DomainError):
        services.deliver(ctx, 999999, world.ids["btchu"], incoming.entry(),
                         [incoming.stored_pdf()])
    ctx.rollback()


def test_register_from_the_inbox(app, world, incoming, ctx):
    incoming.intake(symbol="1-CV/TU")  # number 1 of the year is taken
    doc_id = incoming.deliver(symbol="45-BC/BTCHU")
    doc = services.register(ctx, _doc(doc_id), world.user("vanthu.vphu"),
                            incoming.entry(sender_unit_id=world.ids["btchu"],
                                           symbol="45-BC/BTCHU"))
    ctx.commit()
    doc = _doc(doc_id)
    assert doc.state == "registered" and doc.arrival_number == 2
    assert doc.registered_by_id == world.ids["vanthu.vphu"] and doc.registered_at
    assert _statuses(doc_id) == ["01", "03"] and doc.exchange_status == "03"
    assert _actions(doc_id) == ["incoming_delivered", "incoming_registered"]
    # Only from the inbox: registering twice is refused and keeps the number.
    with pytest.raises(DomainError):
        services.register(ctx, doc, world.user("vanthu.vphu"),
                          incoming.entry(sender_unit_id=world.ids["btchu"]))
    ctx.rollback()
    assert _doc(doc_id).arrival_number == 2


def test_register_only_by_the_receiving_unit(app, world, incoming, ctx):
    doc_id = incoming.deliver(symbol="45-BC/BTCHU")
    _refused_to(ctx, world, ("vanthu.btchu", "lanhdao.btchu"), lambda user: services.register(
        ctx, _doc(doc_id), user, incoming.entry(sender_unit_id=world.ids["btchu"])))
    doc = _doc(doc_id)
    assert doc.state == "pending" and doc.arrival_number is None
    assert _actions(doc_id) == ["incoming_delivered"]


def test_register_checks_the_entry(app, world, incoming, ctx):
    doc_id = incoming.deliver(symbol="45-BC/BTCHU")
    with pytest.raises(DomainError) as err:
        services.register(ctx, _doc(doc_id), world.user("vanthu.vphu"),
                          incoming.entry(summary=""))
    assert err.value.field == "summary"
    ctx.rollback()
    assert _doc(doc_id).state == "pending"


def test_refuse(app, world, incoming, ctx):
    doc_id = incoming.deliver(symbol="45-BC/BTCHU")
    before = len(_notifications(world, "vanthu.btchu"))
    clerk = world.user("vanthu.vphu")
    for reason in ("", "   "):
        with pytest.raises(DomainError) as err:
            services.refuse(ctx, _doc(doc_id), clerk, reason)
        assert err.value.field == "reason"
        ctx.rollback()
    with pytest.raises(DomainError):
        services.refuse(ctx, _doc(doc_id), world.user("vanthu.btchu"), "Không phải của tôi")
    ctx.rollback()
    assert _doc(doc_id).state == "pending"
    rejection = services.refuse(ctx, _doc(doc_id), clerk, "Thiếu chữ ký số")
    ctx.commit()
    doc = _doc(doc_id)
    assert doc.state == "refused" and doc.arrival_number is None
    row = ctx.execute(select(Rejection).where(Rejection.document_id == doc_id)).scalar_one()
    assert row.id == rejection.id and row.reason == "Thiếu chữ ký số"
    assert row.unit_id == world.ids["vphu"] and row.sender_unit_id == world.ids["btchu"]
    assert row.symbol == "45-BC/BTCHU" and row.created_by_id == clerk.id
    status = ctx.execute(select(ExchangeStatus).where(ExchangeStatus.document_id == doc_id,
                                                      ExchangeStatus.code == "02")).scalar_one()
    assert status.note == "Thiếu chữ ký số" and status.sender_unit_id == world.ids["btchu"]
    notes = _notifications(world, "vanthu.btchu")[before:]
    assert len(notes) == 1 and notes[0].urgent
    assert _actions(doc_id) == ["incoming_delivered", "incoming_refused"]
    # Only a document in the inbox can be refused.
    with pytest.raises(DomainError):
        services.refuse(ctx, _doc(doc_id), clerk, "Lần nữa")
    ctx.rollback()
    registered = incoming.intake()
    with pytest.raises(DomainError):
        services.refuse(ctx, _doc(registered), world.user("vanthu.vphu"), "Đã vào sổ")
    ctx.rollback()
    assert _doc(registered).state == "registered"


# -- direction ---------------------------------------------------------------------------------

def test_assign(app, world, incoming, ctx):
    doc_id = _registered_delivery(incoming, world)
    before = len(_notifications(world, "chuyenvien.vphu"))
    deadline = incoming.today() + timedelta(days=10)
    created = services.assign(ctx, _doc(doc_id), world.user("lanhdao.vphu"), "Đề nghị xử lý", [
        _party(world, "lead", "chuyenvien.vphu", deadline),
        _party(world, "cooperate", ("unit", "btchu"), deadline),
        _party(world, "inform", "vanthu.vphu", deadline)])
    ctx.commit()
    doc = _doc(doc_id)
    assert doc.state == "assigned" and doc.deadline == deadline
    assert doc.directed_by_id == world.ids["lanhdao.vphu"] and doc.direction == "Đề nghị xử lý"
    assert [(a.role, a.active) for a in created] == [("lead", True), ("cooperate", True),
                                                     ("inform", True)]
    inform = next(a for a in doc.assignments if a.role == "inform")
    assert inform.deadline is None  # informed parties have no deadline
    assert doc.lead().user_id == world.ids["chuyenvien.vphu"]
    assert _statuses(doc_id)[-1] == "04" and doc.exchange_status == "04"
    assert _actions(doc_id)[-1] == "incoming_assigned"
    assert len(_notifications(world, "chuyenvien.vphu")) == before + 1
    assert _notifications(world, "lanhdao.btchu")  # the cooperating unit's head is told


def test_assign_only_by_a_head_of_the_receiving_unit(app, world, incoming, ctx):
    doc_id = incoming.intake()
    parties = [_party(world, "lead", "chuyenvien.vphu", incoming.today())]
    _refused_to(ctx, world, ("vanthu.vphu", "chuyenvien.vphu", "lanhdao.btchu", "qtdv.vphu"),
                lambda user: services.assign(ctx, _doc(doc_id), user, "", parties))
    assert _doc(doc_id).state == "registered"
    assert ctx.execute(select(Assignment)).first() is None


@pytest.mark.parametrize("roles", [(), ("cooperate",), ("lead", "lead"),
                                   ("lead", "lead", "inform")])
def test_assign_needs_exactly_one_lead(app, world, incoming, ctx, roles):
    doc_id = incoming.intake()
    people = ["chuyenvien.vphu", "vanthu.vphu", "lanhdao.btchu"]
    parties = [_party(world, role, who, incoming.today())
               for role, who in zip(roles, people, strict=False)]
    with pytest.raises(DomainError) as err:
        services.assign(ctx, _doc(doc_id), world.user("lanhdao.vphu"), "", parties)
    assert err.value.field == "lead"
    ctx.rollback()
    assert _doc(doc_id).state == "registered"


def test_assign_party_rules(app, world, incoming, ctx):
    doc_id = incoming.intake(arrival_date=_past(incoming, 5),
                             document_date=_past(incoming, 6))
    head = world.user("lanhdao.vphu")
    today = incoming.today()
    cases = [
        ([_party(world, "lead", "chuyenvien.vphu", today),
          _party(world, "cooperate", "chuyenvien.vphu", today)], None),
        ([_party(world, "lead", ("unit", "btchu"), today),
          _party(world, "inform", ("unit", "btchu"))], None),
        ([_party(world, "lead", "chuyenvien.vphu", _past(incoming, 6))], "deadline"),
        ([_party(world, "lead", "chuyenvien.vphu", None)], "deadline"),
        ([_party(world, "lead", "chuyenvien.vphu", today),
          _party(world, "cooperate", "vanthu.vphu", None)], "deadline"),
        ([services.Party("lead", unit_id=world.ids["btchu"], user_id=world.ids["vanthu.vphu"],
                         deadline=today)], None),
        ([services.Party("lead", deadline=today)], ("lead", None)),
        ([services.Party("lead", user_id=999999, deadline=today)], None),
        ([services.Party("lead", unit_id=999999, deadline=today)], None),
        ([services.Party("boss", user_id=world.ids["chuyenvien.vphu"], deadline=today),
          _party(world, "lead", "vanthu.vphu", today)], None),
        # Another unit's officials are reached through their unit (its head sub-assigns).
        ([_party(world, "lead", "chuyenvien.btchu", today)], None),
        ([_party(world, "lead", "chuyenvien.vphu", today),
          _party(world, "inform", "lanhdao.btchu")], None),
    ]
    for parties, field in cases:
        with pytest.raises(DomainError) as err:
            services.assign(ctx, _doc(doc_id), head, "", parties)
        fields = field if isinstance(field, tuple) else (field,)
        assert err.value.field in fields, parties
        ctx.rollback()
    # The arrival date itself is a valid deadline.
    services.assign(ctx, _doc(doc_id), head, "", [
        _party(world, "lead", "chuyenvien.vphu", _past(incoming, 5))])
    ctx.commit()
    assert _doc(doc_id).deadline == _past(incoming, 5)


def test_reassign_deactivates_the_old_assignments(app, world, incoming, ctx):
    doc_id = incoming.intake()
    incoming.assign(doc_id, lead="chuyenvien.vphu", inform=["vanthu.vphu"])
    new_deadline = incoming.today() + timedelta(days=3)
    services.assign(ctx, _doc(doc_id), world.user("lanhdao.vphu"), "Giao lại", [
        _party(world, "lead", ("unit", "btchu"), new_deadline)])
    ctx.commit()
    doc = _doc(doc_id)
    assert [(a.role, a.user_id or a.unit_id, a.active) for a in doc.assignments] == [
        ("lead", world.ids["chuyenvien.vphu"], False),
        ("inform", world.ids["vanthu.vphu"], False),
        ("lead", world.ids["btchu"], True)]
    assert doc.lead().unit_id == world.ids["btchu"] and doc.deadline == new_deadline
    assert _actions(doc_id).count("incoming_assigned") == 2
    # The old lead can no longer work on it.
    with pytest.raises(DomainError):
        services.add_note(ctx, doc, world.user("chuyenvien.vphu"), "Vẫn làm")
    ctx.rollback()


def test_assign_only_registered_or_assigned(app, world, incoming, ctx):
    pending = incoming.deliver()
    with pytest.raises(DomainError):
        services.assign(ctx, _doc(pending), world.user("lanhdao.vphu"), "", [
            _party(world, "lead", "chuyenvien.vphu", incoming.today())])
    ctx.rollback()
    assert _doc(pending).state == "pending"


# -- default deadline ------------------------------------------------------------------------

MONDAY = date(2025, 3, 3)


def test_default_deadline_counts_working_days(app, world, incoming, ctx):
    # 7 working days after Monday 3/3/2025: Tue..Fri, Mon, Tue, Wed → Wednesday 12/3.
    doc_id = incoming.intake(arrival_date=MONDAY, document_date=MONDAY - timedelta(days=2))
    assert services.default_deadline(ctx, _doc(doc_id)) == date(2025, 3, 12)
    ctx.add(CalendarDay(day=date(2025, 3, 6), kind="holiday", name="Nghỉ lễ"))
    ctx.commit()
    assert services.default_deadline(ctx, _doc(doc_id)) == date(2025, 3, 13)
    # Another type, another number of days.
    t = DocumentType(name="Giấy mời", abbreviation="GM", processing_days=2)
    ctx.add(t)
    ctx.flush()
    doc = _doc(doc_id)
    doc.document_type = t
    assert services.default_deadline(ctx, doc) == date(2025, 3, 5)
    ctx.rollback()


def test_default_deadline_never_exceeds_the_reply_deadline(app, world, incoming, ctx):
    early = incoming.intake(arrival_date=MONDAY, document_date=MONDAY,
                            reply_deadline=date(2025, 3, 10), symbol="1-CV/TU")
    late = incoming.intake(arrival_date=MONDAY, document_date=MONDAY,
                           reply_deadline=date(2025, 3, 20), symbol="2-CV/TU", text="B")
    assert services.default_deadline(ctx, _doc(early)) == date(2025, 3, 10)
    assert services.default_deadline(ctx, _doc(late)) == date(2025, 3, 12)


# -- sub-assignment --------------------------------------------------------------------------

def _lead_unit_doc(incoming, world, deadline=None):
    doc_id = incoming.intake()
    incoming.assign(doc_id, lead=("unit", "btchu"), cooperate=["chuyenvien.vphu"],
                    deadline=deadline or incoming.today() + timedelta(days=5))
    return doc_id


def test_sub_assign(app, world, incoming, ctx):
    deadline = incoming.today() + timedelta(days=5)
    doc_id = _lead_unit_doc(incoming, world, deadline)
    parent = _doc(doc_id).lead()
    created = services.sub_assign(ctx, parent, world.user("lanhdao.btchu"), [
        _party(world, "lead", "chuyenvien.btchu", deadline)])
    ctx.commit()
    assert [(a.parent_id, a.role, a.user_id, a.active) for a in created] == [
        (parent.id, "lead", world.ids["chuyenvien.btchu"], True)]
    assert _actions(doc_id)[-1] == "incoming_sub_assigned"
    # The official now sees the document and can complete it.
    assert doc_id in _ids(services.visible_clause(ctx, world.user("chuyenvien.btchu")))
    assert services.can_complete(_doc(doc_id), world.user("chuyenvien.btchu"))
    # A new sub-assignment replaces the previous one.
    services.sub_assign(ctx, _doc(doc_id).lead(), world.user("lanhdao.btchu"), [
        _party(world, "lead", "vanthu.btchu", deadline)])
    ctx.commit()
    subs = [(a.user_id, a.active) for a in _doc(doc_id).assignments if a.parent_id]
    assert subs == [(world.ids["chuyenvien.btchu"], False), (world.ids["vanthu.btchu"], True)]
    assert not services.can_complete(_doc(doc_id), world.user("chuyenvien.btchu"))


def test_sub_assign_rules(app, world, incoming, ctx):
    deadline = incoming.today() + timedelta(days=5)
    doc_id = _lead_unit_doc(incoming, world, deadline)
    parent_id = _doc(doc_id).lead().id
    user_parent_id = next(a.id for a in _doc(doc_id).assignments if a.role == "cooperate")
    cases = [
        # Only a head of the assigned unit: not the receiving unit's head, not its clerk.
        ("lanhdao.vphu", parent_id, "chuyenvien.btchu", deadline, None),
        ("vanthu.btchu", parent_id, "chuyenvien.btchu", deadline, None),
        ("chuyenvien.btchu", parent_id, "chuyenvien.btchu", deadline, None),
        # Only to the unit's own officials.
        ("lanhdao.btchu", parent_id, "chuyenvien.vphu", deadline, None),
        # Not after the unit's deadline.
        ("lanhdao.btchu", parent_id, "chuyenvien.btchu", deadline + timedelta(days=1),
         "deadline"),
        # An assignment to a person cannot be sub-assigned.
        ("lanhdao.vphu", user_parent_id, "vanthu.vphu", deadline, None),
    ]
    for head, pid, who, dl, field in cases:
        with pytest.raises(DomainError) as err:
            services.sub_assign(ctx, ctx.get(Assignment, pid), world.user(head),
                                [_party(world, "lead", who, dl)])
        assert err.value.field == field, (head, who)
        ctx.rollback()
    assert all(a.parent_id is None for a in _doc(doc_id).assignments)
    # An earlier deadline is fine.
    services.sub_assign(ctx, ctx.get(Assignment, parent_id), world.user("lanhdao.btchu"),
                        [_party(world, "lead", "chuyenvien.btchu", incoming.today())])
    ctx.commit()


# -- processing --------------------------------------------------------------------------------

def test_add_note(app, world, incoming, ctx):
    doc_id = _registered_delivery(incoming, world)
    incoming.assign(doc_id, lead="chuyenvien.vphu", cooperate=[("unit", "btchu")],
                    inform=["vanthu.vphu"])
    _refused_to(ctx, world, ("vanthu.vphu", "chuyenvien.btchu", "lanhdao.vphu", "qtdv.vphu"),
                lambda user: services.add_note(ctx, _doc(doc_id), user, "Ý kiến"))
    with pytest.raises(DomainError) as err:
        services.add_note(ctx, _doc(doc_id), world.user("chuyenvien.vphu"), "  ")
    assert err.value.field == "text"
    ctx.rollback()
    assert _doc(doc_id).state == "assigned"
    note = services.add_note(ctx, _doc(doc_id), world.user("chuyenvien.vphu"),
                             "Đang tổng hợp", [incoming.stored_pdf("Kết quả bước 1")])
    ctx.commit()
    doc = _doc(doc_id)
    assert doc.state == "in_progress" and doc.started_at
    assert note.kind == "progress" and note.assignment.role == "lead"
    assert [f.role for f in doc.files] == ["main", "result"]
    assert doc.files[1].note_id == note.id
    assert doc.lead().started_at is not None
    assert _statuses(doc_id) == ["01", "03", "04", "05"]
    # The head of the cooperating unit gives an opinion; the status is sent once.
    opinion = services.add_note(ctx, doc, world.user("lanhdao.btchu"), "Nhất trí")
    ctx.commit()
    assert opinion.kind == "opinion"
    assert _statuses(doc_id).count("05") == 1
    assert _actions(doc_id).count("incoming_note") == 2


def test_mark_read(app, world, incoming, ctx):
    doc_id = incoming.intake()
    incoming.assign(doc_id, lead="chuyenvien.vphu", inform=["vanthu.vphu"])
    _refused_to(ctx, world, ("chuyenvien.vphu", "lanhdao.btchu"),
                lambda user: services.mark_read(ctx, _doc(doc_id), user))
    read = services.mark_read(ctx, _doc(doc_id), world.user("vanthu.vphu"))
    ctx.commit()
    assert len(read) == 1 and read[0].read_at is not None
    kinds = [n.kind for n in ctx.execute(select(ProgressNote).where(
        ProgressNote.document_id == doc_id)).scalars()]
    assert kinds == ["read"]
    assert _actions(doc_id)[-1] == "incoming_read"
    assert _doc(doc_id).state == "assigned"  # reading does not start the processing
    with pytest.raises(DomainError):  # nothing left to confirm
        services.mark_read(ctx, _doc(doc_id), world.user("vanthu.vphu"))
    ctx.rollback()


def test_complete_by_the_lead_official(app, world, incoming, ctx):
    doc_id = _registered_delivery(incoming, world)
    incoming.assign(doc_id, lead="chuyenvien.vphu", cooperate=["vanthu.vphu"],
                    inform=[("unit", "btchu")])
    head_notes = len(_notifications(world, "lanhdao.vphu"))
    _refused_to(ctx, world, ("vanthu.vphu", "lanhdao.btchu", "lanhdao.vphu", "chuyenvien.btchu"),
                lambda user: services.complete(ctx, _doc(doc_id), user, "Xong"))
    with pytest.raises(DomainError) as err:
        services.complete(ctx, _doc(doc_id), world.user("chuyenvien.vphu"), " ")
    assert err.value.field == "result"
    ctx.rollback()
    services.complete(ctx, _doc(doc_id), world.user("chuyenvien.vphu"), "Đã báo cáo",
                      [incoming.stored_pdf("Báo cáo kết quả")])
    ctx.commit()
    doc = _doc(doc_id)
    assert doc.state == "done" and doc.completed_at and doc.completed_late is False
    assert doc.result_summary == "Đã báo cáo"
    assert [(a.role, a.completed_at is not None) for a in doc.assignments] == [
        ("lead", True), ("cooperate", True), ("inform", False)]
    assert _statuses(doc_id) == ["01", "03", "04", "05", "06"]
    assert _actions(doc_id)[-1] == "incoming_completed"
    notes = _notifications(world, "lanhdao.vphu")[head_notes:]
    assert [n.link for n in notes] == [f"/incomingview/show/{doc_id}"]
    # Done is done.
    with pytest.raises(DomainError):
        services.complete(ctx, doc, world.user("chuyenvien.vphu"), "Lần nữa")
    ctx.rollback()
    with pytest.raises(DomainError):
        services.add_note(ctx, _doc(doc_id), world.user("chuyenvien.vphu"), "Thêm")
    ctx.rollback()


def test_complete_by_the_head_of_the_lead_unit(app, world, incoming, ctx):
    doc_id = _lead_unit_doc(incoming, world)
    assert not services.can_complete(_doc(doc_id), world.user("chuyenvien.btchu"))
    assert not services.can_complete(_doc(doc_id), world.user("chuyenvien.vphu"))  # cooperating
    services.complete(ctx, _doc(doc_id), world.user("lanhdao.btchu"), "Đã xong")
    ctx.commit()
    assert _doc(doc_id).state == "done"


def test_complete_by_the_sub_assigned_official(app, world, incoming, ctx):
    doc_id = _lead_unit_doc(incoming, world)
    services.sub_assign(ctx, _doc(doc_id).lead(), world.user("lanhdao.btchu"), [
        _party(world, "lead", "chuyenvien.btchu", incoming.today())])
    ctx.commit()
    services.complete(ctx, _doc(doc_id), world.user("chuyenvien.btchu"), "Đã xong")
    ctx.commit()
    doc = _doc(doc_id)
    assert doc.state == "done" and doc.completed_late is False
    assert all(a.completed_at for a in doc.assignments if a.role != "inform")


def test_complete_late(app, world, incoming, ctx):
    doc_id = incoming.intake(arrival_date=_past(incoming, 20), document_date=_past(incoming, 21))
    incoming.assign(doc_id, deadline=_past(incoming, 1))
    on_time = incoming.intake(symbol="2-CV/TU", text="Đúng hạn")
    incoming.assign(on_time, deadline=incoming.today())
    services.complete(ctx, _doc(doc_id), world.user("chuyenvien.vphu"), "Muộn")
    services.complete(ctx, _doc(on_time), world.user("chuyenvien.vphu"), "Kịp")
    ctx.commit()
    assert _doc(doc_id).completed_late is True
    assert _doc(on_time).completed_late is False
    assert ctx.execute(select(AuditEvent.details).where(
        AuditEvent.action == "incoming_completed",
        AuditEvent.object_id == str(doc_id))).scalar_one() == '{"late": true}'


# -- cancellation -------------------------------------------------------------------------------

def test_cancel_keeps_the_number_and_blocks_assignment(app, world, incoming, ctx):
    first = incoming.intake(symbol="1-CV/TU", text="A")
    second = incoming.intake(symbol="2-CV/TU", text="B")
    clerk = world.user("vanthu.vphu")
    with pytest.raises(DomainError) as err:
        services.cancel(ctx, _doc(first), clerk, " ")
    assert err.value.field == "reason"
    ctx.rollback()
    with pytest.raises(DomainError):
        services.cancel(ctx, _doc(first), world.user("vanthu.btchu"), "Nhầm")
    ctx.rollback()
    services.cancel(ctx, _doc(first), clerk, "Vào sổ nhầm")
    ctx.commit()
    doc = _doc(first)
    assert doc.state == "cancelled" and doc.arrival_number == 1 and doc.cancel_reason
    assert _actions(first)[-1] == "incoming_cancelled"
    third = incoming.intake(symbol="3-CV/TU", text="C")
    clerk = world.user("vanthu.vphu")  # the kit's helpers end the session
    assert [_doc(i).arrival_number for i in (first, second, third)] == [1, 2, 3]
    with pytest.raises(DomainError):
        services.assign(ctx, _doc(first), world.user("lanhdao.vphu"), "", [
            _party(world, "lead", "chuyenvien.vphu", incoming.today())])
    ctx.rollback()
    with pytest.raises(DomainError):  # not twice
        services.cancel(ctx, _doc(first), clerk, "Lần nữa")
    ctx.rollback()
    # An assigned document can be cancelled (its assignments end); one in progress cannot.
    incoming.assign(second)
    services.cancel(ctx, _doc(second), world.user("vanthu.vphu"), "Trùng")
    ctx.commit()
    assert not any(a.active for a in _doc(second).assignments)
    incoming.assign(third)
    services.add_note(ctx, _doc(third), world.user("chuyenvien.vphu"), "Bắt đầu")
    ctx.commit()
    with pytest.raises(DomainError):
        services.cancel(ctx, _doc(third), world.user("vanthu.vphu"), "Muộn rồi")
    ctx.rollback()
    assert _doc(third).state == "in_progress"


# -- who sees what ------------------------------------------------------------------------------

def test_who_sees_what(app, world, incoming, ctx):
    d1 = incoming.intake(symbol="1-CV/TU", text="1")               # lead: chuyenvien.vphu
    d2 = incoming.intake(symbol="2-CV/TU", text="2")               # not assigned yet
    d3 = incoming.intake("vanthu.btchu", symbol="3-CV/TU", text="3")  # BTCHU's own
    d4 = incoming.intake(symbol="4-CV/TU", text="4")               # lead: the BTCHU unit
    d5 = incoming.deliver(text="5")                                # VPHU inbox
    incoming.assign(d1, lead="chuyenvien.vphu")
    incoming.assign(d4, lead=("unit", "btchu"))

    def visible(name):
        return _ids(services.visible_clause(ctx, world.user(name)))

    vphu_all = {d1, d2, d4, d5}
    assert visible("vanthu.vphu") == vphu_all
    assert visible("lanhdao.vphu") == vphu_all
    assert visible("chuyenvien.vphu") == {d1}
    assert visible("qtdv.vphu") == set()
    assert visible("vanthu.btchu") == {d3, d4}
    assert visible("lanhdao.btchu") == {d3, d4}  # the head of an assigned other unit
    assert visible("chuyenvien.btchu") == set()
    assert _ids(services.visible_clause(ctx, None)) == set()
    for name, whole in (("vanthu.vphu", True), ("lanhdao.vphu", True),
                        ("chuyenvien.vphu", False), ("qtdv.vphu", False)):
        assert services.sees_whole_unit(ctx, world.user(name)) is whole, name
    # A head lets the official see the whole unit.
    ctx.add(ReaderGrant(unit_id=world.ids["vphu"], user_id=world.ids["chuyenvien.vphu"],
                        granted_by_id=world.ids["lanhdao.vphu"]))
    ctx.commit()
    assert services.sees_whole_unit(ctx, world.user("chuyenvien.vphu"))
    assert visible("chuyenvien.vphu") == vphu_all
    # A grant names a unit: it is worth nothing once the official is in another one.
    ctx.add(ReaderGrant(unit_id=world.ids["vphu"], user_id=world.ids["chuyenvien.btchu"],
                        granted_by_id=world.ids["lanhdao.vphu"]))
    ctx.commit()
    assert not services.sees_whole_unit(ctx, world.user("chuyenvien.btchu"))
    assert visible("chuyenvien.btchu") == set()
    # A user without a unit sees nothing.
    user = world.user("qtdv.btchu")
    user.unit_id = None
    ctx.commit()
    assert visible("qtdv.btchu") == set()


def test_reassignment_hides_the_document_from_the_old_official(app, world, incoming, ctx):
    doc_id = incoming.intake()
    incoming.assign(doc_id, lead="chuyenvien.vphu")
    assert _ids(services.visible_clause(ctx, world.user("chuyenvien.vphu"))) == {doc_id}
    incoming.assign(doc_id, lead=("unit", "btchu"))
    assert _ids(services.visible_clause(ctx, world.user("chuyenvien.vphu"))) == set()
    assert _ids(services.visible_clause(ctx, world.user("lanhdao.btchu"))) == {doc_id}


def test_todo_clause(app, world, incoming, ctx):
    d1 = incoming.intake(symbol="1-CV/TU", text="1")
    d2 = incoming.intake(symbol="2-CV/TU", text="2")
    d3 = incoming.intake(symbol="3-CV/TU", text="3")
    incoming.assign(d1, lead="chuyenvien.vphu", inform=["vanthu.vphu"])
    incoming.assign(d2, lead=("unit", "btchu"), cooperate=["chuyenvien.vphu"])
    incoming.intake(symbol="4-CV/TU", text="4")  # registered, nobody's work yet

    def todo(name):
        return _ids(services.todo_clause(world.user(name)))

    assert todo("chuyenvien.vphu") == {d1, d2}
    assert todo("vanthu.vphu") == {d1}  # to read
    assert todo("lanhdao.btchu") == {d2}  # the head of the lead unit
    assert todo("chuyenvien.btchu") == set()
    assert todo("lanhdao.vphu") == set()
    services.mark_read(ctx, _doc(d1), world.user("vanthu.vphu"))
    services.complete(ctx, _doc(d1), world.user("chuyenvien.vphu"), "Xong")
    ctx.commit()
    assert todo("vanthu.vphu") == set()
    assert todo("chuyenvien.vphu") == {d2}
    incoming.assign(d3, lead="chuyenvien.vphu")
    assert todo("chuyenvien.vphu") == {d2, d3}


# -- tracking lists and counts ------------------------------------------------------------------

@pytest.fixture
def tracked(app, world, incoming):
    """VPHU documents in every state; all leads are chuyenvien.vphu."""
    today = incoming.today()
    past = dict(arrival_date=today - timedelta(days=20), document_date=today - timedelta(days=21))
    d = {}
    d["pending"] = incoming.deliver(text="inbox")
    d["registered"] = incoming.intake(symbol="1-CV/TU", text="registered")
    d["assigned"] = incoming.intake(symbol="2-CV/TU", text="assigned")
    incoming.assign(d["assigned"])  # default deadline: 7 working days ahead
    d["started"] = incoming.intake(symbol="3-CV/TU", text="started")
    incoming.assign(d["started"])
    d["near_due"] = incoming.intake(symbol="4-CV/TU", text="near")
    incoming.assign(d["near_due"], deadline=today)
    d["overdue"] = incoming.intake(symbol="5-CV/TU", text="overdue", **past)
    incoming.assign(d["overdue"], deadline=today - timedelta(days=2))
    d["done_on_time"] = incoming.intake(symbol="6-CV/TU", text="on time")
    incoming.assign(d["done_on_time"])
    d["done_late"] = incoming.intake(symbol="7-CV/TU", text="late", **past)
    incoming.assign(d["done_late"], deadline=today - timedelta(days=1))
    d["refused"] = incoming.deliver(symbol="9-BC/BTCHU", text="refused")
    d["cancelled"] = incoming.intake(symbol="8-CV/TU", text="cancelled")
    with app.test_request_context():
        official = world.user("chuyenvien.vphu")
        clerk = world.user("vanthu.vphu")
        services.add_note(db.session, _doc(d["started"]), official, "Đang làm")
        services.complete(db.session, _doc(d["done_on_time"]), official, "Xong")
        services.complete(db.session, _doc(d["done_late"]), official, "Xong muộn")
        services.refuse(db.session, _doc(d["refused"]), clerk, "Sai nơi nhận")
        services.cancel(db.session, _doc(d["cancelled"]), clerk, "Nhầm")
        db.session.commit()
        db.session.remove()
    return d


def test_tracking_lists(app, world, tracked, ctx):
    d = tracked

    def listed(name, **kw):
        return _ids(services.tracking_clause(ctx, name, **kw))

    assert listed("inbox") == {d["pending"]}
    assert listed("to_assign") == {d["registered"]}
    assert listed("in_progress") == {d["assigned"], d["started"], d["near_due"], d["overdue"]}
    assert listed("near_due") == {d["near_due"]}
    assert listed("overdue") == {d["overdue"]}
    assert listed("done_on_time") == {d["done_on_time"]}
    assert listed("done_late") == {d["done_late"]}
    assert _doc(d["started"]).state == "in_progress"
    # Seen from later on, more is near due or overdue.
    later = _doc(d["assigned"]).deadline
    assert d["assigned"] in listed("near_due", today=later)
    assert d["near_due"] in listed("overdue", today=later)
    assert services.days_overdue(_doc(d["overdue"])) == 2
    assert services.days_overdue(_doc(d["done_late"])) == 0


def test_counts_for(app, world, tracked, ctx):
    def counts(name):
        return services.counts_for(ctx, world.user(name))

    assert counts("vanthu.vphu") == {"receive": 1, "process": 0, "overdue": 1}
    assert counts("lanhdao.vphu") == {"assign": 1, "process": 0, "overdue": 1}
    assert counts("chuyenvien.vphu") == {"process": 4, "overdue": 1}
    assert counts("qtdv.vphu") == {}
    assert counts("lanhdao.btchu") == {"assign": 0, "process": 0, "overdue": 0}
    assert services.counts_for(ctx, None) == {}


# -- the audit trail of a whole life ---------------------------------------------------------------

def test_every_step_is_an_audit_event(app, world, incoming, ctx):
    doc_id = incoming.deliver(symbol="45-BC/BTCHU")
    doc = services.register(ctx, _doc(doc_id), world.user("vanthu.vphu"),
                            incoming.entry(sender_unit_id=world.ids["btchu"],
                                           symbol="45-BC/BTCHU"))
    deadline = incoming.today() + timedelta(days=5)
    services.assign(ctx, doc, world.user("lanhdao.vphu"), "Xử lý", [
        _party(world, "lead", ("unit", "btchu"), deadline),
        _party(world, "inform", "vanthu.vphu")])
    services.sub_assign(ctx, doc.lead(), world.user("lanhdao.btchu"), [
        _party(world, "lead", "chuyenvien.btchu", deadline)])
    services.add_note(ctx, doc, world.user("chuyenvien.btchu"), "Đang làm")
    services.mark_read(ctx, doc, world.user("vanthu.vphu"))
    services.complete(ctx, doc, world.user("chuyenvien.btchu"), "Xong")
    ctx.commit()
    assert _actions(doc_id) == [
        "incoming_delivered", "incoming_registered", "incoming_assigned",
        "incoming_sub_assigned", "incoming_note", "incoming_read", "incoming_completed"]
    assert _statuses(doc_id) == ["01", "03", "04", "05", "06"]
    refused = incoming.deliver(symbol="46-BC/BTCHU", text="refuse me")
    services.refuse(ctx, _doc(refused), world.user("vanthu.vphu"), "Sai")
    cancelled = incoming.intake(text="cancel me")
    services.cancel(ctx, _doc(cancelled), world.user("vanthu.vphu"), "Nhầm")
    ctx.commit()
    assert _actions(refused) == ["incoming_delivered", "incoming_refused"]
    assert _actions(cancelled) == ["incoming_received", "incoming_registered",
                                   "incoming_cancelled"]
    by_user = dict(ctx.execute(select(AuditEvent.action, AuditEvent.username).where(
        AuditEvent.object_type == "IncomingDocument",
        AuditEvent.object_id == str(doc_id))).all())
    assert by_user["incoming_sub_assigned"] == "lanhdao.btchu"
    assert by_user["incoming_completed"] == "chuyenvien.btchu"
    assert verify_chain(ctx)[1] is None
