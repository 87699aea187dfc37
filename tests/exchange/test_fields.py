"""The map between edXML and our fields: ours → package → ours gives back what went in,
for Vietnamese text, values at their maximum lengths, every business type and both date
formats on the way in; an error names our field."""

from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.exchange import errors, fields
from tests.exchange.samples import ours, sample_edxml


def _round_trip(value):
    kind, back = fields.read(fields.build_document(value))
    assert kind == "document"
    return back


def test_a_full_document_comes_back_equal():
    value = ours()
    assert _round_trip(value) == value
    assert fields.from_package(fields.to_package(value)) == value


def test_the_table_covers_every_key_once():
    keys = [row.ours for row in fields.DOCUMENT_FIELDS]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(ours())
    assert all(row.kind in fields.KINDS for row in fields.DOCUMENT_FIELDS + fields.STATUS_FIELDS)


def test_the_document_id_is_made_when_empty():
    value = ours(document_id="")
    assert _round_trip(value)["document_id"] == "000.01.10.A47,2026/01/05,19/BC/HU"


@pytest.mark.parametrize("symbol,number,notation", [
    ("19-BC/HU", "19", "BC/HU"),
    ("05-NQ/TU", "05", "NQ/TU"),
    ("217-QĐ/TW", "217", "QĐ/TW"),
    ("12-CV/BTGTU", "12", "CV/BTGTU"),
    ("7816/VPCP-TTĐT", "7816", "VPCP-TTĐT"),
    ("12/QĐ-UBND", "12", "QĐ-UBND"),
    ("12/2020/NĐ-CP", "12", "2020/NĐ-CP"),
])
def test_symbols_split_and_join_back(symbol, number, notation):
    assert fields.split_symbol(symbol) == (number, notation)
    assert fields.join_symbol(number, notation) == symbol
    assert _round_trip(ours(symbol=symbol, document_id=""))["symbol"] == symbol


@pytest.mark.parametrize("symbol", ["", "BC/HU", "số 19"])
def test_a_symbol_without_number_is_refused_by_name(symbol):
    with pytest.raises(errors.ExchangeError) as caught:
        fields.build_document(ours(symbol=symbol, document_id=""))
    assert caught.value.field == "symbol"


def test_max_length_values_come_back_and_one_more_is_refused_by_our_name():
    value = ours(
        symbol="1" * 11 + "/" + "Đ" * 30, summary="ắ" * 500, content="ữ" * 500,
        place="Ả" * 50, document_type_name="ố" * 100, typist="ỹ" * 10,
        sender=dict(ours()["sender"], name="Ư" * 200, in_charge="ộ" * 500, address="ề" * 500,
                    email="e" * 100, phone="0" * 20, fax="1" * 20))
    assert _round_trip(value) == dict(value, document_id=_round_trip(value)["document_id"])
    cases = [("summary", "summary", "ắ" * 501),
             ("place", "place", "Ả" * 51),
             ("typist", "typist", "ỹ" * 11),
             ("symbol", "symbol", "1" * 12 + "/QĐ-UBND"),
             ("symbol", "symbol", "12/" + "Đ" * 31),
             ("sender", "sender.name", dict(ours()["sender"], name="Ư" * 201)),
             ("recipients", "recipients[2].phone",
              [ours()["recipients"][0], dict(ours()["recipients"][1], phone="0" * 21)])]
    for key, named, too_long in cases:
        with pytest.raises(errors.FieldTooLong) as caught:
            fields.build_document(ours(**{key: too_long}))
        assert caught.value.field == named, key
        assert caught.value.path  # the edXML path is kept


def test_a_missing_required_field_is_named_by_us():
    with pytest.raises(errors.MissingField) as caught:
        fields.build_document(ours(summary=""))
    assert caught.value.field == "summary" and caught.value.path == "Subject"
    with pytest.raises(errors.MissingField) as caught:
        fields.build_document(ours(recipients=[]))
    assert caught.value.field == "recipients"
    with pytest.raises(errors.MissingField) as caught:
        fields.build_document(ours(sender={"name": "Không mã"}))
    assert caught.value.field == "sender.code"
    with pytest.raises(errors.InvalidField) as caught:
        fields.build_document(ours(urgency=5))
    assert caught.value.field == "urgency"


@pytest.mark.parametrize("written", ["05/01/2026", "2026/01/05"])
def test_both_date_formats_reach_our_date(written):
    data = sample_edxml(promulgation=written)
    kind, value = fields.read(data)
    assert value["document_date"] == date(2026, 1, 5)
    assert value["symbol"] == "2491/STC-BCTC"
    assert value["files"] == [{"name": "1896_QD-TTg.pdf", "content_type": "application/pdf",
                               "description": "1896_QD-TTg.pdf", "data": b"%PDF-1.4 sample"}]


@pytest.mark.parametrize("business", [
    {"business_type": 1, "business_document_id": "000.01.10.A47,2025/12/01,10/BC/HU",
     "business_reason": "Thu hồi do sai sót"},
    {"business_type": 2, "business_document_id": "000.01.10.A47,2025/12/01,10/BC/HU",
     "business_reason": "Cập nhật nơi nhận",
     "update": {"details_changed": False, "recipients_changed": True,
                "recipients": [{"code": "000.00.01.A47", "added": False},
                               {"code": "000.01.12.A47", "added": True}]}},
    {"business_type": 3, "business_reason": "Thay thế văn bản", "paper_copy": True,
     "replacements": [{"document_id": "000.01.10.A47,2025/12/01,10/BC/HU",
                       "codes": ["000.00.01.A47", "000.01.11.A47"]}]},
    {"reply_to": None, "staff": None, "trace": [], "files": [], "appendixes": [],
     "to_places": []},
    {"type_group": None, "type_detail": None, "copies": None, "page_count": None,
     "direction": True, "steering_type": None, "reply_deadline": None},
])
def test_every_business_type_and_empty_parts_come_back(business):
    value = ours(**business)
    assert _round_trip(value) == value


def test_a_status_comes_back_in_our_fields():
    value = {"sender": ours()["recipients"][0],
             "document": {"code": "000.01.10.A47", "symbol": "19-BC/HU",
                          "document_date": date(2026, 1, 5),
                          "document_id": "000.01.10.A47,2026/01/05,19/BC/HU"},
             "staff": {"department": "Văn phòng", "name": "Lê Thị Hoa", "email": "",
                       "mobile": ""},
             "code": "02", "note": "Gửi nhầm nơi nhận", "timestamp": datetime(2026, 1, 6, 8, 0)}
    kind, back = fields.read(fields.build_status(value))
    assert (kind, back) == ("status", value)
    with pytest.raises(errors.MissingField) as caught:
        fields.build_status(dict(value, note=""))
    assert caught.value.field == "note"


# -- any text a person may type --------------------------------------------------------------

VIETNAMESE = ("aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợ"
              "úùủũụứừửữựýỳỷỹỵ")
ALPHABET = VIETNAMESE + VIETNAMESE.upper() + "0123456789 ,.;:()/-–“”'\"&<>%"


def text(max_size, min_size=0):
    return (st.text(alphabet=ALPHABET, min_size=min_size, max_size=max_size)
            .map(lambda s: " ".join(s.split())).filter(lambda s: len(s) >= min_size))


organs = st.fixed_dictionaries({
    "code": st.from_regex(r"\A\d{3}\.\d{2}\.\d{2}\.[A-H]\d{2}\Z"), "in_charge": text(500),
    "name": text(200), "address": text(500), "email": st.emails().filter(lambda e: len(e) <= 100),
    "phone": st.from_regex(r"\A[0-9 ()+-]{0,20}\Z").map(str.strip), "fax": st.just(""),
    "website": text(50)})
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))
moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 1, 1)).map(
    lambda d: d.replace(microsecond=0))
symbols = st.one_of(
    st.builds(lambda n, t, a: f"{n}-{t}/{a}", st.integers(1, 99999), st.sampled_from(
        ["NQ", "QĐ", "CT", "BC", "CV", "TB", "KH", "HD"]), st.sampled_from(["HU", "TU", "VPHU"])),
    st.builds(lambda n, t, a: f"{n}/{t}-{a}", st.integers(1, 99999), st.sampled_from(
        ["QĐ", "BC", "TB"]), st.sampled_from(["UBND", "VPCP-TTĐT"])))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_document_round_trips(data):
    value = ours(
        sender=data.draw(organs),
        recipients=data.draw(st.lists(organs, min_size=1, max_size=4)),
        document_id="",
        symbol=data.draw(symbols),
        place=data.draw(text(50)),
        document_date=data.draw(dates),
        summary=data.draw(text(500, min_size=1)),
        content=data.draw(text(500)),
        signer_name=data.draw(text(100)),
        signing_form=data.draw(st.sampled_from(["", "T/M", "K/T", "T/L", "TUQ"])),
        reply_deadline=data.draw(st.none() | dates),
        urgency=data.draw(st.integers(0, 4)),
        page_count=data.draw(st.none() | st.integers(0, 10_000)),
        copies=data.draw(st.none() | st.integers(0, 10_000)),
        appendixes=data.draw(st.lists(text(500, min_size=1), max_size=3)),
        to_places=data.draw(st.lists(text(50, min_size=1), max_size=3)),
        trace=data.draw(st.lists(st.fixed_dictionaries(
            {"code": st.just("000.01.10.A47"), "timestamp": moments}), max_size=2)),
        business_type=data.draw(st.integers(0, 3)),
        files=data.draw(st.lists(st.fixed_dictionaries(
            {"name": text(40, min_size=1).map(lambda s: s + ".pdf"),
             "content_type": st.just("application/pdf"), "description": text(100),
             "data": st.binary(max_size=300)}), max_size=2)),
    )
    back = _round_trip(value)
    assert back == dict(value, document_id=back["document_id"])
    assert back["document_id"].startswith(value["sender"]["code"] + ",")
