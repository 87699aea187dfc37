"""The demo register of incoming documents (``flask qlvb seed-demo``): every state is there,
made through the real services, with stored PDFs that pass the intake check; a second run
adds nothing; a failure half-way leaves nothing behind."""

import io
import json

import pytest
from sqlalchemy import func, select

from app.extensions import db

STATES = {"pending", "refused", "registered", "assigned", "in_progress", "done", "cancelled"}


def _counts():
    from app.core.audit import AuditEvent
    from app.incoming.models import (
        Assignment,
        ExchangeStatus,
        IncomingDocument,
        IncomingFile,
        ProgressNote,
    )
    from app.notifications.models import Notification

    return {model.__name__: db.session.execute(select(func.count(model.id))).scalar_one()
            for model in (IncomingDocument, IncomingFile, Assignment, ProgressNote,
                          ExchangeStatus, Notification, AuditEvent)}


def _seed(runner):
    result = runner.invoke(args=["qlvb", "seed-demo"])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_demo_register_has_every_state(app, runner):
    from app.core import storage
    from app.core.audit import verify_chain
    from app.core.filecheck import check_main_pdf
    from app.core.timeutil import local_today
    from app.incoming.models import OPEN_STATES, IncomingDocument, ProgressNote, Rejection
    from app.security.models import AppUser
    from app.units.models import Unit

    output = _seed(runner)
    assert "Incoming demo documents:" in output and "created" in output
    with app.app_context():
        today = local_today()
        # The incoming demo's own documents (copies delivered by outgoing ones carry the
        # recipient they were delivered to).
        docs = db.session.execute(select(IncomingDocument).where(
            IncomingDocument.delivery_id.is_(None))).unique().scalars().all()
        assert 15 <= len(docs) <= 30
        units = {u.id: u.abbreviation for u in db.session.execute(select(Unit)).scalars()}
        assert {units[d.unit_id] for d in docs} == {"VPHU", "BTCHU"}
        assert {d.state for d in docs} == STATES
        done = [d for d in docs if d.state == "done"]
        assert {d.completed_late for d in done} == {False, True}
        open_docs = [d for d in docs if d.state in OPEN_STATES]
        assert any(d.deadline and d.deadline < today for d in open_docs), "no overdue"
        assert any(d.deadline and d.deadline >= today for d in open_docs), "no due soon"
        express = [d for d in docs if d.urgency == 3]
        assert express and all(d.arrival_time is not None for d in express)
        assert any(d.urgency == 1 for d in docs)
        assert {d.channel for d in docs} == {"electronic", "external", "paper"}

        # Register fields: dates in order, numbers gap-free per unit and year.
        numbers = {}
        for d in docs:
            if d.state in ("pending", "refused"):
                assert d.arrival_number is None
                continue
            assert d.arrival_date <= today
            assert d.document_date <= d.arrival_date
            assert d.symbol and d.summary and d.author_name and d.document_type_id
            numbers.setdefault((d.unit_id, d.arrival_year), []).append(d.arrival_number)
            if d.deadline is not None:
                assert d.deadline >= d.arrival_date
        for values in numbers.values():
            assert sorted(values) == list(range(1, len(values) + 1))

        # Refusals and the cancellation keep their reasons; the sender sees status 02.
        for d in docs:
            if d.state == "refused":
                rejection = db.session.execute(
                    select(Rejection).where(Rejection.document_id == d.id)).scalar_one()
                assert rejection.reason and d.exchange_status == "02"
            if d.state == "cancelled":
                assert d.cancel_reason and d.cancelled_at
        assert any("chữ ký số" in r.reason for r in
                   db.session.execute(select(Rejection)).unique().scalars())

        # The direction: cooperating unit, informed person, a sub-assignment by BTCHU's head.
        people = {u.username: u.id for u in db.session.execute(select(AppUser)).unique()
                  .scalars()}
        assignments = [a for d in docs for a in d.assignments]
        assert any(a.role == "cooperate" and a.unit_id is not None for a in assignments)
        assert any(a.role == "inform" and a.user_id is not None and a.read_at
                   for a in assignments)
        subs = [a for a in assignments if a.parent_id is not None]
        assert any(a.user_id == people["chuyenvien.btchu"]
                   and a.assigned_by_id == people["lanhdao.btchu"] for a in subs)
        kinds = {n.kind for n in db.session.execute(select(ProgressNote)).scalars()}
        assert {"progress", "opinion", "read", "completion"} <= kinds
        assert all(d.notes_list for d in docs if d.state == "in_progress")

        # Every file is in the store and passed the safety check.
        for d in docs:
            main = d.main_file()
            assert main is not None, d.symbol
            assert main.mime == "application/pdf" and main.pages >= 1
            assert storage.exists(main.sha256), d.symbol
            assert json.loads(main.check_report)["ok"] is True
            check_main_pdf(storage.path_for(main.sha256), main.name)
            assert main.text_content and d.symbol in main.text_content
            # ... and the signature check, as at intake: an e-document registered without
            # a valid signature carries the reason.
            assert main.signature_status == "unsigned" and main.verified_at, d.symbol
            if d.channel != "paper" and d.arrival_number is not None:
                assert d.trust_reason, d.symbol
            for f in d.files:
                assert storage.exists(f.sha256) and json.loads(f.check_report)["ok"]
        roles = {f.role for d in docs for f in d.files}
        assert roles == {"main", "attachment", "result"}

        count, problem = verify_chain(db.session)
        assert problem is None and count > 0


def test_second_run_adds_nothing(app, runner):
    _seed(runner)
    with app.app_context():
        before = _counts()
    assert before["IncomingDocument"] > 0
    output = _seed(runner)
    assert "already present" in output
    with app.app_context():
        assert _counts() == before


def test_failure_half_way_leaves_nothing(app, runner, monkeypatch):
    from app.core.errors import DomainError
    from app.incoming import services

    def broken(*args, **kwargs):
        raise DomainError("simulated failure")

    monkeypatch.setattr(services, "complete", broken)
    result = runner.invoke(args=["qlvb", "seed-demo"])
    assert isinstance(result.exception, DomainError)
    with app.app_context():
        counts = _counts()
        assert counts["IncomingDocument"] == 0 and counts["IncomingFile"] == 0
        assert counts["ExchangeStatus"] == 0
    monkeypatch.undo()
    assert "created" in _seed(runner)


def test_pdf_without_a_vietnamese_font_still_passes(app, monkeypatch):
    from datetime import date

    from app import demo
    from app.core import storage
    from app.core.filecheck import check_main_pdf

    monkeypatch.setattr(demo.files, "_pdf_font", None)
    monkeypatch.setattr(demo.files, "_find_font", lambda: None)
    spec = dict(symbol="125-CV/TU", issuer=["Tỉnh ủy Hưng Yên"], type="CV",
                type_name="Công văn", summary="V/v tổ chức Hội nghị sơ kết 6 tháng đầu năm",
                place="Hưng Yên", document_date=date(2026, 6, 20), author="Tỉnh ủy Hưng Yên",
                recipient="Văn phòng Huyện ủy", signer_title="T/M Ban Thường vụ, Phó Bí thư",
                signer="Nguyễn Văn Hùng")
    with app.app_context():
        data = demo.demo_pdf(spec, pages=2)
        stored = storage.store(io.BytesIO(data), "125-CV-TU.pdf", check=check_main_pdf)
        assert stored.check.ok and stored.check.pages == 2
        text = " ".join(stored.check.text.split())
        assert "TINH UY HUNG YEN" in text and "to chuc Hoi nghi so ket" in text


def test_demo_pdf_keeps_vietnamese_text(app):
    from app import demo
    from app.core import storage
    from app.core.filecheck import check_main_pdf

    if demo._find_font() is None:
        pytest.skip("no Vietnamese font on this machine")
    from datetime import date

    spec = dict(symbol="89-KH/BTCTU", issuer=["Tỉnh ủy Hưng Yên", "Ban Tổ chức"], type="KH",
                type_name="Kế hoạch", summary="Kế hoạch kiểm tra công tác phát triển đảng viên",
                place="Hưng Yên", document_date=date(2026, 11, 12),
                author="Ban Tổ chức Tỉnh ủy Hưng Yên", recipient="Văn phòng Huyện ủy",
                signer_title="K/T Trưởng ban, Phó Trưởng ban", signer="Đinh Thị Mai")
    with app.app_context():
        stored = storage.store(io.BytesIO(demo.demo_pdf(spec)), "89-KH-BTCTU.pdf",
                               check=check_main_pdf)
        text = " ".join(stored.check.text.split())
        assert "kiểm tra công tác phát triển đảng viên" in text and "BAN TỔ CHỨC" in text
