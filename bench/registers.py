"""How long a year's register of 10,000 incoming documents takes to print, and how much
memory it needs: seeds a temporary SQLite database through the real models, builds the
PDF and the XLSX the screen and ``flask qlvb register`` build, prints a markdown table.

    .venv/bin/python bench/registers.py [--rows 10000]
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SUMMARIES = [
    "V/v xây dựng dự toán ngân sách năm 2027 của các cơ quan khối Đảng",
    "Kế hoạch triển khai Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá "
    "phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia",
    "Báo cáo kết quả thực hiện Quy chế dân chủ ở cơ sở năm 2026",
    "Giấy mời dự hội nghị sơ kết công tác kiểm tra, giám sát 6 tháng đầu năm",
]
AUTHORS = ["Ủy ban nhân dân huyện Kim Động", "Tỉnh ủy Hưng Yên",
           "Ban Tổ chức Tỉnh ủy Hưng Yên", "Hội Liên hiệp Phụ nữ huyện"]


def seed(app, rows, year):
    from app.core import numbering
    from app.extensions import db
    from app.incoming.models import Assignment, IncomingDocument
    from app.reference.models import DocumentType
    from app.security.models import AppUser
    from app.units.models import Unit

    with app.app_context():
        db.create_all()
        host = Unit(name="Huyện ủy Kim Động", abbreviation="HU", kind="host")
        unit = Unit(name="Văn phòng Huyện ủy", abbreviation="VPHU", parent=host)
        other = Unit(name="Ban Tổ chức Huyện ủy", abbreviation="BTCHU", parent=host)
        kind = DocumentType(name="Công văn", abbreviation="CV")
        clerk = AppUser(username="vanthu", first_name="Thư", last_name="Nguyễn Văn",
                        email="vt@bench.local", active=True, password="x", unit=unit)
        db.session.add_all([host, unit, other, kind, clerk])
        db.session.flush()
        start = date(year, 1, 1)
        for n in range(1, rows + 1):
            day = start + timedelta(days=(n * 365) // (rows + 1))
            doc = IncomingDocument(
                unit_id=unit.id, state="assigned", channel="electronic", arrival_year=year,
                arrival_number=n, arrival_date=day, author_name=AUTHORS[n % 4],
                symbol=f"{n}-CV/TU", document_date=day - timedelta(days=2),
                document_type_id=kind.id, summary=SUMMARIES[n % 4], urgency=n % 3,
                directed_at=None, deadline=day + timedelta(days=10))
            doc.assignments.append(Assignment(role="lead", unit_id=other.id,
                                              assigned_by_id=clerk.id))
            db.session.add(doc)
            if n % 1000 == 0:
                db.session.flush()
        numbering.NumberCounter  # noqa: B018  (the model is part of the schema)
        db.session.commit()
        return unit.id, clerk.id


def run(build, app, unit_id, clerk_id, year, out_path, trace):
    from app.core.timeutil import utcnow
    from app.extensions import db
    from app.registers import services
    from app.security.models import AppUser
    from app.units.models import Unit

    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        clerk = db.session.get(AppUser, clerk_id)
        if trace:
            tracemalloc.start()
        started, cpu = time.perf_counter(), time.process_time()
        reg = services.register(db.session, "incoming", unit,
                                services.make_period("year", year=year))
        with open(out_path, "wb") as fh:
            rows = build(fh, reg.document(services.print_mark(clerk, utcnow())))
        elapsed = (time.perf_counter() - started, time.process_time() - cpu)
        peak = None
        if trace:
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        db.session.remove()
    return rows, elapsed, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    year = 2026
    from app import create_app
    from app.registers.pdf import build_pdf
    from app.registers.xlsx import build_xlsx

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.db",
                         STORAGE_DIR=os.path.join(tmp, "files"))
        t0 = time.perf_counter()
        unit_id, clerk_id = seed(app, args.rows, year)
        seeded = time.perf_counter() - t0
        results = []
        for name, build, ext in (("PDF", build_pdf, "pdf"), ("XLSX", build_xlsx, "xlsx")):
            out = os.path.join(tmp, f"register.{ext}")
            rows, elapsed, _peak = run(build, app, unit_id, clerk_id, year, out, False)
            size = os.path.getsize(out)
            pages = ""
            if ext == "pdf":
                from pypdf import PdfReader

                pages = len(PdfReader(out).pages)
            _rows, _elapsed, peak = run(build, app, unit_id, clerk_id, year, out, True)
            results.append((name, rows, elapsed, peak, size, pages))
    print(f"Register of {args.rows:,} incoming documents (seeded in {seeded:.1f} s), "
          f"Python {sys.version.split()[0]}\n")
    load = os.getloadavg()[0]
    print(f"(load average {load:.1f} on {os.cpu_count()} cores: on a busy machine the wall "
          "time grows, the CPU time much less)\n")
    print("| format | rows | wall time (s) | CPU time (s) | peak Python memory (MB, "
          "tracemalloc) | size (KB) | pages |")
    print("|---|---|---|---|---|---|---|")
    for name, rows, (wall, cpu), peak, size, pages in results:
        print(f"| {name} | {rows:,} | {wall:.2f} | {cpu:.2f} | {peak:.0f} | {size // 1024:,} "
              f"| {pages} |")


if __name__ == "__main__":
    main()
