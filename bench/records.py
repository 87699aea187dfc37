"""How long a work file of 1,000 documents takes to close and to print its index (mục lục
văn bản, docs/domain.md §9.4), and the whole export for the archive (§9.9): seeds a
temporary SQLite database (the documents and their links written as rows, one stored PDF
each), then times the real service and printers. Target: close + index under 2 s.

    .venv/bin/python bench/records.py [--documents 1000]
"""

import argparse
import io
import os
import sys
import tempfile
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def seed(app, n):
    """A host unit, a unit, its head (the file's owner), a retention rule, and an open file
    holding ``n`` incoming documents of the unit, each with its own stored PDF."""
    from reportlab.pdfgen import canvas

    from app.core import storage
    from app.core.timeutil import utcnow
    from app.extensions import db
    from app.incoming.models import IncomingDocument, IncomingFile
    from app.records.models import FileItem, RetentionRule, WorkFile
    from app.reference.models import DocumentType
    from app.security.models import AppUser
    from app.units.models import Unit

    with app.test_request_context():
        s = db.session
        host = Unit(name="Huyện ủy Kim Động", abbreviation="HU", kind="host",
                    code="000.00.00.H31")
        unit = Unit(name="Văn phòng Huyện ủy", abbreviation="VPHU", parent=host)
        kind = DocumentType(name="Công văn", abbreviation="CV")
        owner = AppUser(username="lanhdao", first_name="Đạo", last_name="Trần Văn",
                        email="ld@bench.local", active=True, password="x", unit=unit)
        rule = RetentionRule(code="20", label="20 năm", kind="years", years=20, source="")
        s.add_all([host, unit, kind, owner, rule])
        s.flush()
        f = WorkFile(unit_id=unit.id, year=2026, notation="01.TH",
                     code="000.00.00.H31.2026.01.TH", title="Hồ sơ thử tải",
                     retention_id=rule.id, owner_id=owner.id, state="open",
                     start_date=date(2026, 1, 1))
        s.add(f)
        s.flush()
        start, now = date(2026, 1, 2), utcnow()
        for i in range(n):
            buf = io.BytesIO()
            c = canvas.Canvas(buf)
            c.drawString(72, 720, f"Van ban so {i + 1}")
            c.showPage()
            c.save()
            stored = storage.store(io.BytesIO(buf.getvalue()), f"vb-{i + 1}.pdf")
            day = start + timedelta(days=(i * 7919) % 360)
            doc = IncomingDocument(
                unit_id=unit.id, state="done", channel="paper", arrival_year=2026,
                arrival_number=i + 1, arrival_date=day, author_name="Tỉnh ủy Hưng Yên",
                symbol=f"{i + 1}-CV/TU", document_date=day, document_type_id=kind.id,
                summary=f"V/v triển khai nhiệm vụ số {i + 1} của năm 2026", page_count=1)
            doc.files.append(IncomingFile(role="main", name=stored.name, sha256=stored.sha256,
                                          size=stored.size, mime="application/pdf", pages=1))
            s.add(doc)
            s.flush()
            s.add(FileItem(file_id=f.id, kind="incoming", incoming_id=doc.id,
                           added_by_id=owner.id, added_at=now, ordinal=i + 1))
        s.commit()
        return f.id, owner.id


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    args = parser.parse_args()
    from app import create_app
    from app.core.timeutil import utcnow
    from app.extensions import db
    from app.records import export, printing, services
    from app.records.models import WorkFile
    from app.registers.services import print_mark
    from app.security.models import AppUser
    from app.security.sync import sync_roles

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.db",
                         STORAGE_DIR=os.path.join(tmp, "files"))
        with app.app_context():
            db.create_all()
            sync_roles(app.appbuilder)
            from app.security import permissions as P

            head_role = app.appbuilder.sm.find_role(P.ROLE_HEAD)
        t0 = time.perf_counter()
        file_id, owner_id = seed(app, args.documents)
        seeded = time.perf_counter() - t0
        with app.test_request_context():
            s = db.session
            owner = s.get(AppUser, owner_id)
            owner.roles = [head_role]
            s.commit()
            times = {}
            started, cpu = time.perf_counter(), time.process_time()
            services.close_file(s, owner, s.get(WorkFile, file_id))
            s.commit()
            times["close"] = (time.perf_counter() - started, time.process_time() - cpu)
            s.expire_all()
            f = s.get(WorkFile, file_id)
            mark = print_mark(owner, utcnow())
            for fmt in ("pdf", "xlsx"):
                started, cpu = time.perf_counter(), time.process_time()
                items = services.items_loaded(s, f)
                with open(os.path.join(tmp, f"index.{fmt}"), "wb") as fh:
                    rows = printing.build(fh, printing.index_document(f, items, mark), fmt)
                times[f"index {fmt.upper()}"] = (time.perf_counter() - started,
                                                 time.process_time() - cpu)
            started, cpu = time.perf_counter(), time.process_time()
            export.export_file(s, f, os.path.join(tmp, "export"), mark)
            times["full export (1,000 PDFs copied, index, XML, manifest)"] = (
                time.perf_counter() - started, time.process_time() - cpu)
            steps = ("close", "index PDF", "index XLSX")
            total = (sum(times[k][0] for k in steps), sum(times[k][1] for k in steps))
    print(f"A work file of {args.documents:,} documents (seeded in {seeded:.1f} s; index "
          f"rows {rows:,}), Python {sys.version.split()[0]}, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print("| step | wall time (s) | CPU time (s) |")
    print("|---|---|---|")
    for name, (wall, cpu) in times.items():
        print(f"| {name} | {wall:.2f} | {cpu:.2f} |")
    print(f"| **close + index (PDF and XLSX)** (target < 2 s) | **{total[0]:.2f}** | "
          f"**{total[1]:.2f}** |")


if __name__ == "__main__":
    main()
