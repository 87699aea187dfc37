"""A hand-counted data set for the registers and reports, written through the models (the
workflows that make such rows are tested in tests/incoming and tests/outgoing; here only
what the registers and reports read matters, and every figure below was counted by hand).

Last year (``YEAR``), VPHU registered seven incoming documents:

| số | arrival | type | sender              | urg. | channel  | state       | deadline | lead   |
|----|---------|------|---------------------|------|----------|-------------|----------|--------|
| 1  | 05/01   | CV   | Tỉnh ủy Hưng Yên    | 0    | electr.  | done        | 20/01    | BTCHU  |
| 2  | 20/01   | CV   | UBND huyện Kim Động | 1    | paper    | done late   | 01/02    | c.vphu |
| 3  | 03/02   | BC   | Tỉnh ủy Hưng Yên    | 3    | external | in progress | today+10 | BTCHU  |
| 4  | 14/02   | BC   | Ban Tổ chức Tỉnh ủy | 0    | paper    | assigned    | 01/03    | c.vphu |
| 5  | 02/04   | CV   | Tỉnh ủy Hưng Yên    | 0    | electr.  | registered  | —        | —      |
| 6  | 09/04   | CV   | Tỉnh ủy Hưng Yên    | 0    | electr.  | cancelled   | —        | —      |
| 7  | 10/04   | CV   | Tỉnh ủy Hưng Yên    | 0    | electr.  | in progress | —        | BTCHU  |

(c.vphu: the official chuyenvien.vphu; BTCHU: the unit.)
plus a document still in the inbox (no number) and one of BTCHU (số 1, 07/01), which VPHU's
registers never show. Hours from arrival to registration: 2, 4, 1, 3, 5, (6 cancelled), 6;
from registration to assignment: 1, 2, 3, 4, —, —, 5.

VPHU issued (signed by lanhdao.vphu): 1-CV/VPHU on 15/01 (BTCHU registered it, Sở Nội vụ
on paper), 1-BC/VPHU on 10/02 (refused by BTCHU "Sai thể thức", issued late "Mất điện"),
3-CV/VPHU on 03/03 (arrived at BTCHU); number 2-CV/VPHU was cancelled ("Cấp số nhầm")."""

from datetime import datetime, time, timedelta

import pytest

from tests.conftest import replay

SUMMARY = "Về việc tăng cường công tác kiểm tra, giám sát của Đảng ủy năm %d"
SYMBOLS = {1: "12-CV/TU", 2: "345/UBND-VP", 3: "7-BC/TU", 4: "88-BC/BTCTU", 5: "19-CV/TU",
           6: "20-CV/TU", 7: "21-CV/TU"}


def last_year():
    from app.core.timeutil import local_today

    return local_today().year - 1


class Seeded:
    def __init__(self, ids, year):
        self.ids = ids
        self.year = year

    def __getitem__(self, key):
        return self.ids[key]


@pytest.fixture
def seeded(app, world, database):
    year = last_year()
    ids = replay(database, app, "registers-seeded", lambda: _seed(app, world, year))
    return Seeded({**world.ids, **ids}, year)


def _seed(app, world, year):
    from datetime import date

    from app.core.timeutil import local_today
    from app.extensions import db
    from app.incoming.models import Assignment, IncomingDocument
    from app.outgoing.models import CancelledNumber, OutgoingDocument, Recipient
    from app.reference.models import DocumentType

    today = local_today()
    with app.app_context():
        cv = DocumentType(name="Công văn", abbreviation="CV")
        bc = DocumentType(name="Báo cáo", abbreviation="BC")
        db.session.add_all([cv, bc])
        db.session.flush()
        vphu, btchu = world.ids["vphu"], world.ids["btchu"]
        head, official = world.ids["lanhdao.vphu"], world.ids["chuyenvien.vphu"]
        clerk = world.ids["vanthu.vphu"]
        rows = [  # number, month, day, type, sender, urgency, channel, state, deadline, lead,
            #       hours to register, hours to assign, completed late
            (1, 1, 5, cv, "Tỉnh ủy Hưng Yên", 0, "electronic", "done", date(year, 1, 20),
             ("unit", btchu), 2, 1, False),
            (2, 1, 20, cv, "Ủy ban nhân dân huyện Kim Động", 1, "paper", "done",
             date(year, 2, 1), ("user", official), 4, 2, True),
            (3, 2, 3, bc, "Tỉnh ủy Hưng Yên", 3, "external", "in_progress",
             today + timedelta(days=10), ("unit", btchu), 1, 3, None),
            (4, 2, 14, bc, "Ban Tổ chức Tỉnh ủy", 0, "paper", "assigned", date(year, 3, 1),
             ("user", official), 3, 4, None),
            (5, 4, 2, cv, "Tỉnh ủy Hưng Yên", 0, "electronic", "registered", None, None, 5,
             None, None),
            (6, 4, 9, cv, "Tỉnh ủy Hưng Yên", 0, "electronic", "cancelled", None, None, 6,
             None, None),
            (7, 4, 10, cv, "Tỉnh ủy Hưng Yên", 0, "electronic", "in_progress", None,
             ("unit", btchu), 6, 5, None),
        ]
        ids = {}
        for (n, month, day, kind, sender, urgency, channel, state, deadline, lead, to_reg,
             to_assign, late) in rows:
            arrival = date(year, month, day)
            received = datetime.combine(arrival, time(1, 0))
            registered = received + timedelta(hours=to_reg)
            doc = IncomingDocument(
                unit_id=vphu, state=state, channel=channel, arrival_year=year,
                arrival_number=n, arrival_date=arrival, author_name=sender,
                symbol=SYMBOLS[n], document_date=arrival - timedelta(days=2),
                document_type_id=kind.id, summary=SUMMARY % n, urgency=urgency,
                received_at=received, registered_at=registered, registered_by_id=clerk,
                deadline=deadline, completed_late=late,
                directed_at=registered + timedelta(hours=to_assign) if to_assign else None,
                cancel_reason="Vào sổ nhầm" if state == "cancelled" else None)
            if state == "done":
                doc.completed_at = datetime.combine(deadline, time(3, 0)) + timedelta(
                    days=3 if late else -1)
            if lead is not None:
                doc.assignments.append(Assignment(
                    role="lead", unit_id=lead[1] if lead[0] == "unit" else None,
                    user_id=lead[1] if lead[0] == "user" else None, deadline=deadline,
                    assigned_by_id=head))
            db.session.add(doc)
            db.session.flush()
            ids[f"in{n}"] = doc.id
        inbox = IncomingDocument(unit_id=vphu, state="pending", channel="electronic",
                                 summary="Chưa vào sổ", symbol="99-CV/TU")
        other = IncomingDocument(unit_id=btchu, state="registered", channel="paper",
                                 arrival_year=year, arrival_number=1,
                                 arrival_date=date(year, 1, 7), author_name="Tỉnh ủy",
                                 symbol="555-CV/BTCHU-KHAC", summary="Của Ban Tổ chức",
                                 document_type_id=cv.id)
        db.session.add_all([inbox, other])
        db.session.flush()
        ids["btchu_in1"] = other.id

        def outgoing(kind, number, month, day, recipients, late_reason=None):
            issued = date(year, month, day)
            doc = OutgoingDocument(
                unit_id=vphu, state="issued", document_type_id=kind.id,
                summary=f"Báo cáo công tác Đảng tháng {month} năm {year}", urgency=0,
                created_by_id=official, signed_by_id=head, signer_id=head,
                signed_at=datetime.combine(issued, time(2, 0)), series_key=kind.abbreviation,
                number_period=str(year), number=number,
                symbol=f"{number}-{kind.abbreviation}/VPHU", document_date=issued,
                numbered_at=datetime.combine(issued, time(3, 0)), copies=3,
                issued_at=datetime.combine(issued, time(4, 0)), late=late_reason is not None,
                late_reason=late_reason)
            for unit_id, name, channel, status, note in recipients:
                doc.recipients.append(Recipient(unit_id=unit_id, name=name, channel=channel,
                                                status=status, status_note=note))
            db.session.add(doc)
            db.session.flush()
            return doc

        o1 = outgoing(cv, 1, 1, 15, [(btchu, "", "electronic", "03", None),
                                     (None, "Sở Nội vụ", "paper", "P", None)])
        outgoing(bc, 1, 2, 10, [(btchu, "", "electronic", "02", "Sai thể thức")],
                 late_reason="Mất điện")
        outgoing(cv, 3, 3, 3, [(btchu, "", "electronic", "01", None)])
        db.session.add(CancelledNumber(
            unit_id=vphu, series_key="CV", number_period=str(year), number=2,
            symbol="2-CV/VPHU", document_id=o1.id, reason="Cấp số nhầm",
            cancelled_at=datetime(year, 2, 20, 3, 0), cancelled_by_id=clerk))
        db.session.commit()
        db.session.remove()
    return ids


def pdf_text(data):
    """The text of each page of a PDF (bytes), NFC."""
    import io
    import unicodedata

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return [unicodedata.normalize("NFC", page.extract_text() or "") for page in reader.pages]


def xlsx_rows(data):
    """The cell values of the first sheet of an XLSX (bytes), row by row."""
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=False)
    sheet = book.worksheets[0]
    return sheet, [list(r) for r in sheet.iter_rows(values_only=True)]
