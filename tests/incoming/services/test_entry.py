"""The register entry (docs/domain.md §5.3): its checks, what intake stores, and duplicates.

Assertions are on behaviour (DomainError and its field, rows, states, codes), never on
message text."""

import unicodedata
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from app.core.errors import DomainError
from app.incoming import services
from app.incoming.models import IncomingDocument
from tests.incoming.services.helpers import (
    _actions,
    _doc,
    _notifications,
    _past,
    _registered_delivery,
    _statuses,
)

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
