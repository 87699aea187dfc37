"""Seed a benchmark database: the real migrations, roles and demo accounts, then N
documents of realistic Vietnamese data written in bulk through the models' tables.

Every document gets its search index row, built by the application's own functions
(app/search/index.py) and written in bulk: on SQLite the triggers fill the FTS5 table, on
PostgreSQL one UPDATE computes ``tsv`` afterwards and the GIN index is built once.

Three quarters of the documents are incoming (with their main file's extracted text and,
once assigned, the lead assignment), a quarter outgoing. They spread over the units as in
a district (the Văn phòng receives most), over ten years of dates rising with the id,
over the states of the workflow, the document types and the urgency levels.

    python -m bench.seed --url sqlite:////tmp/bench.db --n 100000
"""

import argparse
import random
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime

CHUNK = 5000

TOPICS = [
    "công tác xây dựng Đảng", "kế hoạch tổ chức Đại hội Đảng bộ các cấp",
    "triển khai thực hiện Nghị quyết Trung ương", "công tác kiểm tra, giám sát",
    "học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    "công tác phát triển đảng viên", "tổng kết công tác năm và phương hướng nhiệm vụ",
    "chuyển đổi số trong cơ quan Đảng", "công tác dân vận", "phòng, chống tham nhũng, lãng phí",
    "công tác bảo vệ chính trị nội bộ", "xây dựng nông thôn mới nâng cao",
    "công tác tuyên truyền kỷ niệm ngày thành lập Đảng", "quy hoạch cán bộ nhiệm kỳ tới",
    "thu, nộp, quản lý và sử dụng đảng phí", "công tác thi đua, khen thưởng",
    "đánh giá, xếp loại chất lượng tổ chức cơ sở đảng và đảng viên",
    "công tác phòng, chống thiên tai và tìm kiếm cứu nạn", "bảo đảm an ninh trật tự dịp Tết",
    "cải cách hành chính và nâng cao chỉ số hài lòng", "công tác văn thư, lưu trữ",
    "tổ chức hội nghị học tập, quán triệt chuyên đề", "công tác đối ngoại nhân dân",
    "giải quyết đơn thư khiếu nại, tố cáo", "đào tạo, bồi dưỡng lý luận chính trị",
]
ACTIONS = ["Về việc", "V/v triển khai", "V/v tăng cường", "V/v hướng dẫn", "V/v báo cáo kết quả",
           "V/v tổ chức", "V/v đôn đốc thực hiện", "V/v góp ý dự thảo"]
SCOPES = ["trên địa bàn huyện", "trong toàn Đảng bộ", "tại các chi bộ trực thuộc",
          "năm {y}", "quý {q} năm {y}", "6 tháng đầu năm {y}", "giai đoạn 2025–2030", ""]
SENDERS = ["Tỉnh ủy Hưng Yên", "Văn phòng Tỉnh ủy", "Ban Tổ chức Tỉnh ủy",
           "Ủy ban Kiểm tra Tỉnh ủy", "Ban Tuyên giáo và Dân vận Tỉnh ủy",
           "UBND huyện Kim Động", "Đảng ủy xã Nghĩa Dân", "Đảng ủy xã Đức Hợp",
           "Đảng ủy xã Mai Động", "Công an tỉnh Hưng Yên", "Sở Nội vụ tỉnh Hưng Yên",
           "Hội Nông dân tỉnh", "Tỉnh đoàn Hưng Yên"]
SIGNERS = ["Nguyễn Văn Hùng", "Trần Thị Lan", "Lê Minh Tuấn", "Phạm Đức Thắng",
           "Hoàng Thị Mai", "Đỗ Quang Vinh", "Vũ Thị Hạnh", "Đặng Văn Long"]
BODY = [
    "Thực hiện chỉ đạo của cấp trên, đề nghị các đồng chí quán triệt và tổ chức thực hiện "
    "nghiêm túc.",
    "Các cấp ủy, tổ chức đảng xây dựng kế hoạch cụ thể, phân công cán bộ theo dõi, đôn đốc.",
    "Định kỳ báo cáo kết quả về Văn phòng Huyện ủy để tổng hợp, báo cáo Ban Thường vụ.",
    "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, kịp thời phản ánh để được hướng dẫn.",
    "Đảng ủy các xã, thị trấn chủ động phối hợp với Mặt trận Tổ quốc và các đoàn thể.",
    "Nơi nhận: như trên; lưu Văn phòng.",
]
# (weight, state) of incoming and outgoing documents: the last RECENT share of them (a few
# weeks) are still in the workflow; older ones are finished.
RECENT = 0.02
IN_STATES = [(30, "done"), (20, "in_progress"), (15, "assigned"), (12, "registered"),
             (10, "pending"), (2, "refused"), (1, "cancelled")]
IN_OLD_STATES = [(97, "done"), (1.5, "refused"), (1.5, "cancelled")]
OUT_STATES = [(30, "issued"), (25, "draft"), (12, "review"), (10, "signed"), (10, "numbered"),
              (8, "returned"), (5, "recalled")]
OUT_OLD_STATES = [(98, "issued"), (2, "recalled")]
URGENCY = [(85, 0), (10, 1), (3, 2), (1.5, 3), (0.5, 4)]
# Share of the documents by unit abbreviation (the rest spread over the other units).
UNIT_SHARE = {"VPHU": 0.30, "BTCHU": 0.12, "UBKTHU": 0.08, "BTGDVHU": 0.08}


def _picker(rng, pairs):
    weights = [w for w, _ in pairs]
    values = [v for _, v in pairs]
    return lambda: rng.choices(values, weights)[0]


def summary_of(rng, type_name, year):
    scope = rng.choice(SCOPES).format(y=year, q=rng.randint(1, 4))
    return f"{rng.choice(ACTIONS)} {rng.choice(TOPICS)} {scope}".strip().replace(
        "Về việc", f"{type_name} về việc", 1)


def text_of(rng, summary):
    return " ".join([summary] + rng.sample(BODY, 4))


def insert(conn, table, rows):
    """Write ``rows`` (dicts with the same keys) into ``table``: COPY on PostgreSQL, an
    executemany elsewhere."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return
    cols = list(rows[0])
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in cols])
    cursor.close()


def index_rows(session, model, values_of, rows):
    """The search index rows of ``rows`` (dicts of ``model``'s columns, already inserted):
    ``values_of`` (incoming_values or outgoing_values) reads each document as the session
    hook does; ``text`` and ``body`` are made as write_row makes them, ``tsv`` is left to
    one UPDATE on PostgreSQL."""
    from app.search.folding import index_body
    from app.search.index import MAX_TEXT

    out = []
    for row in rows:
        values = values_of(session, model(**row))
        parts = values.pop("parts")
        text = " · ".join(" ".join(str(p).split()) for p in parts if p and str(p).strip())
        values["text"] = text[:MAX_TEXT]
        values["body"] = index_body(values["text"])
        out.append(values)
    return out


def _prepare(url, storage):
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import seed_demo
    from app.extensions import db
    from app.security.sync import sync_roles

    app = create_app("development", SQLALCHEMY_DATABASE_URI=url, STORAGE_DIR=storage,
                     RATELIMIT_ENABLED=False)
    with app.app_context():
        upgrade()
        sync_roles(app.appbuilder)
        seed_demo(db.session)
    return app


def seed(url, n, storage, seed_value=7, echo=print):
    """Create the schema and demo accounts at ``url``, then add ``n`` documents."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.incoming.models import Assignment, IncomingDocument, IncomingFile
    from app.outgoing.models import OutgoingDocument
    from app.reference.models import DocumentType
    from app.search.index import incoming_values, outgoing_values
    from app.search.models import SearchDocument
    from app.security.models import AppUser
    from app.units.models import Unit

    started = time.monotonic()
    app = _prepare(url, storage)
    rng = random.Random(seed_value)
    with app.app_context():
        session = db.session
        units = session.execute(select(Unit)).unique().scalars().all()
        types = session.execute(select(DocumentType)).scalars().all()
        users = session.execute(select(AppUser)).unique().scalars().all()
        admin = next(u for u in users if u.username == "admin")
        officials = {u.unit_id: u.id for u in users if u.username.startswith("chuyenvien.")}
        heads = {u.unit_id: u.id for u in users if u.username.startswith("lanhdao.")}
        clerks = {u.unit_id: u.id for u in users if u.username.startswith("vanthu.")}
        rest = [u for u in units if u.abbreviation not in UNIT_SHARE]
        share_rest = (1 - sum(UNIT_SHARE.values())) / max(len(rest), 1)
        unit_weights = [(UNIT_SHARE.get(u.abbreviation, share_rest), u) for u in units]
        pick_unit = _picker(rng, unit_weights)
        pick_in, pick_in_old = _picker(rng, IN_STATES), _picker(rng, IN_OLD_STATES)
        pick_out, pick_out_old = _picker(rng, OUT_STATES), _picker(rng, OUT_OLD_STATES)
        pick_urgency = _picker(rng, URGENCY)
        first_in = (session.execute(select(func.max(IncomingDocument.id))).scalar() or 0) + 1
        first_out = (session.execute(select(func.max(OutgoingDocument.id))).scalar() or 0) + 1
        first_file = (session.execute(select(func.max(IncomingFile.id))).scalar() or 0) + 1
        n_in = n * 3 // 4
        n_out = n - n_in
        start_day = date(2016, 1, 4)
        span = (date.today() - start_day).days
        numbers = {}
        conn = session.connection()
        pg = conn.dialect.name == "postgresql"
        search = SearchDocument.__table__
        if pg:  # built once at the end, after tsv is computed
            conn.execute(db.text("DROP INDEX ix_search_fts"))
        docs, files, assigns = [], [], []
        file_id = first_file

        def flush(final=False):
            if docs and (final or len(docs) >= CHUNK):
                insert(conn, IncomingDocument.__table__, docs)
                insert(conn, IncomingFile.__table__, files)
                insert(conn, Assignment.__table__, assigns)
                insert(conn, search, index_rows(session, IncomingDocument, incoming_values,
                                                docs))
                docs.clear(), files.clear(), assigns.clear()

        for i in range(n_in):
            doc_id = first_in + i
            day = start_day + timedelta(days=span * i // max(n_in, 1))
            unit = pick_unit()
            dtype = rng.choice(types)
            state = pick_in() if i >= n_in * (1 - RECENT) else pick_in_old()
            urgency = pick_urgency()
            received = datetime.combine(day, dtime(7 + rng.randint(0, 9), rng.randint(0, 59)))
            summary = summary_of(rng, dtype.name, day.year)
            symbol_number = rng.randint(1, 999)
            registered = state not in ("pending", "refused")
            number = None
            if registered:
                key = (unit.id, day.year)
                number = numbers.get(key, 1000) + 1
                numbers[key] = number
            deadline = day + timedelta(days=dtype.processing_days + 4) \
                if state in ("assigned", "in_progress", "done") else None
            sender = rng.choice(SENDERS)
            docs.append({
                "id": doc_id, "unit_id": unit.id, "state": state,
                "channel": rng.choice(("paper", "external", "external")),
                "arrival_year": day.year if registered else None, "arrival_number": number,
                "arrival_date": day if registered else None,
                "arrival_time": received.time() if registered else None,
                "author_name": sender,
                "symbol": f"{symbol_number}-{dtype.abbreviation}/{sender.split()[0][:2].upper()}",
                "symbol_number": symbol_number, "symbol_type": dtype.abbreviation,
                "symbol_agency": None, "document_date": day - timedelta(days=rng.randint(0, 5)),
                "document_type_id": dtype.id, "summary": summary, "urgency": urgency,
                "page_count": rng.randint(1, 12), "signer_name": rng.choice(SIGNERS),
                "secrecy": "Không mật", "received_at": received,
                "registered_at": received if registered else None,
                "registered_by_id": clerks.get(unit.id, admin.id) if registered else None,
                "deadline": deadline,
                "completed_at": received + timedelta(days=rng.randint(1, 20))
                if state == "done" else None,
                "completed_late": (rng.random() < 0.08) if state == "done" else None,
                "exchange_status": None, "created_by_id": clerks.get(unit.id, admin.id),
                "updated_at": received,
                "cancel_reason": "Vào sổ nhầm" if state == "cancelled" else None,
            })
            files.append({
                "id": file_id, "document_id": doc_id, "role": "main",
                "name": f"{dtype.abbreviation}_{symbol_number}.pdf", "sha256": f"{doc_id:064x}",
                "size": 40000 + rng.randint(0, 400000), "mime": "application/pdf",
                "pages": rng.randint(1, 12), "text_content": text_of(rng, summary),
                "uploaded_at": received, "uploaded_by_id": clerks.get(unit.id, admin.id),
            })
            file_id += 1
            if state in ("assigned", "in_progress", "done"):
                official = officials.get(unit.id)
                assigns.append({
                    "document_id": doc_id, "role": "lead",
                    "unit_id": None if official else unit.id, "user_id": official,
                    "deadline": deadline, "active": True, "assigned_at": received,
                    "assigned_by_id": heads.get(unit.id, admin.id),
                    "completed_at": received + timedelta(days=3) if state == "done" else None,
                })
            flush()
            if i and i % 100000 == 0:
                echo(f"  incoming {i:,} / {n_in:,} ({time.monotonic() - started:.0f} s)")
        flush(final=True)

        outs = []
        for i in range(n_out):
            day = start_day + timedelta(days=span * i // max(n_out, 1))
            unit = pick_unit()
            dtype = rng.choice(types)
            state = pick_out() if i >= n_out * (1 - RECENT) else pick_out_old()
            created = datetime.combine(day, dtime(8 + rng.randint(0, 8), rng.randint(0, 59)))
            numbered = state in ("numbered", "issued", "recalled")
            number = None
            if numbered:
                key = ("out", unit.id, day.year)
                number = numbers.get(key, 0) + 1
                numbers[key] = number
            author = officials.get(unit.id) or clerks.get(unit.id) or admin.id
            outs.append({
                "id": first_out + i, "unit_id": unit.id, "state": state,
                "document_type_id": dtype.id,
                "summary": summary_of(rng, dtype.name, day.year), "urgency": pick_urgency(),
                "signer_id": heads.get(unit.id), "holder_id":
                    heads.get(unit.id) if state == "review" else author,
                "created_by_id": author, "created_at": created,
                "updated_at": created + timedelta(hours=rng.randint(1, 72)),
                "signing_form": "TM" if state not in ("draft", "review", "returned") else "",
                "signed_by_id": heads.get(unit.id)
                if state not in ("draft", "review", "returned") else None,
                "signed_at": created + timedelta(hours=2)
                if state not in ("draft", "review", "returned") else None,
                "series_key": "default" if numbered else None,
                "number_period": str(day.year) if numbered else None, "number": number,
                "symbol": f"{number}-{dtype.abbreviation}/{unit.abbreviation}"
                if numbered else None,
                "document_date": day if numbered else None,
                "sensitive": False, "paper_copy_approved": False, "late": rng.random() < 0.03,
                "issued_at": created + timedelta(days=1) if state == "issued" else None,
            })
            if len(outs) >= CHUNK:
                insert(conn, OutgoingDocument.__table__, outs)
                insert(conn, search, index_rows(session, OutgoingDocument, outgoing_values,
                                                outs))
                outs.clear()
        insert(conn, OutgoingDocument.__table__, outs)
        insert(conn, search, index_rows(session, OutgoingDocument, outgoing_values, outs))
        if pg:
            echo(f"  search index: tsv and GIN index ({time.monotonic() - started:.0f} s)")
            conn.execute(db.text(
                "UPDATE search_document SET tsv = to_tsvector('simple'::regconfig, body) "
                "WHERE tsv IS NULL"))
            conn.execute(db.text("CREATE INDEX ix_search_fts ON search_document USING gin (tsv)"))
        session.commit()
        if db.engine.dialect.name == "postgresql":
            for table in ("incoming_document", "incoming_file", "incoming_assignment",
                          "outgoing_document", "search_document"):
                session.execute(db.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"))
            session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(db.text("VACUUM ANALYZE"))
        else:
            session.execute(db.text("ANALYZE"))
            session.commit()
    echo(f"seeded {n_in:,} incoming and {n_out:,} outgoing documents in "
         f"{time.monotonic() - started:.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=100000)
    parser.add_argument("--storage", default="/tmp/qlvb-bench-files")
    args = parser.parse_args()
    seed(args.url, args.n, args.storage)


if __name__ == "__main__":
    main()
