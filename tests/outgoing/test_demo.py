"""The demo outgoing documents (``flask qlvb seed-demo``): every state and every recipient
status is there, made through the real services, with stored files that pass their checks
again; the late, cancelled-number, replacement and reply cases are linked as they should
be; a second run adds nothing; a failure half-way leaves nothing behind."""

import os
from datetime import UTC

from sqlalchemy import func, select

from app.extensions import db

STATES = {"draft", "review", "returned", "signed", "numbered", "issued", "recalled"}
STATUSES = {"01", "02", "03", "04", "05", "06", "13", "15", "16", "P"}


def _counts():
    from app.core.audit import AuditEvent
    from app.incoming.models import ExchangeStatus, IncomingDocument, IncomingFile
    from app.notifications.models import Notification
    from app.outgoing.models import (
        CancelledNumber,
        OutgoingDocument,
        OutgoingFile,
        Recipient,
        RouteStep,
    )

    return {model.__name__: db.session.execute(select(func.count(model.id))).scalar_one()
            for model in (OutgoingDocument, OutgoingFile, RouteStep, Recipient,
                          CancelledNumber, IncomingDocument, IncomingFile, ExchangeStatus,
                          Notification, AuditEvent)}


def _seed(runner):
    result = runner.invoke(args=["qlvb", "seed-demo"])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def _plain(text):
    """Text without diacritics or extra spaces (a PDF written without a Vietnamese font
    carries the symbol as "QD" for "QĐ")."""
    from app.demo import _latin

    return " ".join(_latin(text or "").split())


def _docs():
    from app.outgoing.models import OutgoingDocument

    return db.session.execute(select(OutgoingDocument).order_by(OutgoingDocument.id)) \
        .unique().scalars().all()


def test_demo_has_every_state_and_status(app, runner):
    from app.core.audit import verify_chain
    from app.outgoing import services as O
    from app.security.models import AppUser
    from app.units.models import Unit

    output = _seed(runner)
    line = next(x for x in output.splitlines() if x.startswith("Outgoing demo documents:"))
    assert "created" in line and "1 late" in line and "1 number cancelled" in line
    with app.app_context():
        docs = _docs()
        assert 12 <= len(docs) <= 20
        units = {u.id: u.abbreviation for u in db.session.execute(select(Unit)).scalars()}
        per_unit = [units[d.unit_id] for d in docs]
        assert set(per_unit) == {"VPHU", "BTCHU"}
        assert per_unit.count("VPHU") > per_unit.count("BTCHU") >= 2
        assert {d.state for d in docs} == STATES
        people = {u.id: u.username for u in db.session.execute(select(AppUser)).unique()
                  .scalars()}
        by_state = {}
        for d in docs:
            by_state.setdefault(d.state, []).append(d)

        # Before signing: the draft (with two versions), the one waiting for the head's
        # approval, the one returned with a comment; none has a number.
        assert any(len(d.draft_files()) >= 2 for d in by_state["draft"])
        for d in by_state["draft"] + by_state["review"] + by_state["returned"]:
            assert d.number is None and d.symbol is None and d.signed_at is None
            assert all(r.status == "00" and r.incoming_document_id is None
                       for r in d.recipients)
        assert {people[d.holder_id] for d in by_state["review"]} == {"lanhdao.vphu"}
        for d in by_state["returned"]:
            assert d.holder_id == d.created_by_id
            assert d.steps[-1].action == "return" and d.steps[-1].comment
        assert any(s.action == "return" for d in by_state["issued"] for s in d.steps), \
            "no issued document went through a return and a second version"
        kinds = {f.mime for d in docs for f in d.draft_files()}
        assert "application/pdf" in kinds and any("wordprocessingml" in k for k in kinds)

        # Signed (waiting for a number), numbered (final PDF attached, waiting to issue).
        for d in by_state["signed"]:
            assert d.signed_by_id and d.signed_at and d.number is None
        for d in by_state["numbered"]:
            assert d.symbol and d.document_date and d.final_file() is not None
            assert d.issued_at is None
        signed = [d for d in docs if d.signed_at is not None]
        assert {"T/L", "K/T", "T/M"} <= {d.signing_form for d in signed}
        assert all(d.signed_by_id == d.signer_id for d in signed)

        # Issued and recalled: the recipients' statuses, as their side reported them.
        sent = by_state["issued"] + by_state["recalled"]
        recipients = [r for d in sent for r in d.recipients]
        assert {r.status for r in recipients} == STATUSES
        for r in recipients:
            if r.channel == "electronic":
                assert r.incoming_document_id is not None and r.status != "P"
            else:
                assert r.status == "P" and r.incoming_document_id is None
            if r.status in ("02", "13", "16"):
                assert r.status_note, r.status
        assert {r.channel for r in recipients} >= {"electronic", "paper", "email"}
        internal_units = {units[r.unit_id] for r in recipients if r.channel == "electronic"}
        assert {"BTCHU", "UBKTHU", "MTTQ", "HU", "VPHU"} <= internal_units
        assert any(d.urgency == 3 for d in by_state["issued"]), "no Hỏa tốc document"

        # The copies the recipients received are the final PDF, byte for byte.
        from app.incoming.models import IncomingDocument

        for d in sent:
            final = d.final_file()
            for r in d.recipients:
                if r.incoming_document_id is None:
                    continue
                copy = db.session.get(IncomingDocument, r.incoming_document_id)
                assert copy.unit_id == r.unit_id and copy.delivery_id == r.id
                assert copy.sender_unit_id == d.unit_id and copy.symbol == d.symbol
                assert copy.main_file().sha256 == final.sha256
                if r.status == "15":
                    assert copy.state == "recalled"
                if r.status == "02":
                    assert copy.state == "refused"

        # Recalls: the reason is kept, one recipient accepted, one refused with a reason.
        for d in by_state["recalled"]:
            assert d.recall_reason and d.recall_requested_at
        answers = {r.status for d in by_state["recalled"] for r in d.recipients}
        assert {"13", "15", "16"} <= answers

        # Sensitive: not through the software, every recipient on paper.
        sensitive = [d for d in docs if d.sensitive]
        assert sensitive and all(d.state == "issued" for d in sensitive)
        assert all(r.channel == "paper" and r.status == "P"
                   for d in sensitive for r in d.recipients)

        # Issued late, with the reason; signed before the deadline it missed.
        late = [d for d in docs if d.late]
        assert len(late) == 1
        d = late[0]
        assert d.state == "issued" and d.late_reason
        assert d.signed_at < d.issued_at
        deadline = O.issue_deadline(db.session, d)
        assert d.issued_at > deadline.astimezone(UTC).replace(tzinfo=None)
        assert all(not x.late_reason for x in docs if not x.late)

        # Replacement and reply are linked to what they replace / answer.
        replacements = [d for d in docs if d.replaces_id]
        assert replacements
        for d in replacements:
            original = d.replaces
            assert original.unit_id == d.unit_id and original.state in ("issued", "recalled")
            assert d.state == "issued" and original.symbol in d.summary
            assert any(r.status == "02" for r in original.recipients)
        replies = [d for d in docs if d.reply_to_id]
        assert replies
        for d in replies:
            assert d.reply_to.unit_id == d.unit_id and d.reply_to.symbol == "142-CV/TU"

        _check_numbers(docs)
        _check_files(docs)

        count, problem = verify_chain(db.session)
        assert problem is None and count > 0


def _check_numbers(docs):
    """The cancelled number stays in the register, is never given again, and every series
    runs from 1 without a gap (numbers given plus numbers cancelled)."""
    from app.core.timeutil import to_local
    from app.outgoing.models import CancelledNumber

    cancelled = db.session.execute(select(CancelledNumber)).scalars().all()
    assert len(cancelled) == 1
    c = cancelled[0]
    doc = next(d for d in docs if d.id == c.document_id)
    assert c.reason and doc.symbol and doc.symbol != c.symbol
    assert doc.state in ("numbered", "issued") and doc.number > c.number
    assert any(s.action == "cancel_number" for s in doc.steps)
    assert c.symbol not in {d.symbol for d in docs}
    series = {}
    for d in docs:
        if d.number is not None:
            series.setdefault((d.unit_id, d.series_key, d.number_period), []).append(d.number)
            if d.issued_at is not None:
                assert d.document_date <= to_local(d.issued_at).date()
    for c in cancelled:
        series.setdefault((c.unit_id, c.series_key, c.number_period), []).append(c.number)
    for numbers in series.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))


def _check_files(docs):
    """Every file is in the store; final PDFs pass the main-document check again and carry
    their symbol; drafts and annexes pass the attachment check again."""
    from app.core import storage
    from app.core.filecheck import check_attachment, check_main_pdf

    kinds = set()
    for d in docs:
        for f in d.files:
            kinds.add(f.kind)
            assert storage.exists(f.sha256), (d.summary, f.name)
            path = storage.path_for(f.sha256)
            assert os.path.getsize(path) == f.size
            if f.kind == "final":
                assert f.mime == "application/pdf" and f.pages >= 1
                result = check_main_pdf(path, f.name)
                assert result.ok and _plain(d.symbol) in _plain(result.text)
            else:
                assert check_attachment(path, f.name).ok
        if d.state in ("numbered", "issued", "recalled"):
            assert d.final_file() is not None
    assert kinds == {"draft", "final", "attachment"}


def test_second_run_adds_nothing(app, runner):
    _seed(runner)
    with app.app_context():
        before = _counts()
    assert before["OutgoingDocument"] > 0 and before["CancelledNumber"] == 1
    output = _seed(runner)
    assert "Outgoing demo documents:" in output and "none added" in output
    with app.app_context():
        assert _counts() == before


def test_failure_half_way_leaves_nothing(app, runner, monkeypatch):
    from app.core import storage
    from app.core.errors import DomainError
    from app.incoming.models import IncomingDocument
    from app.outgoing import services

    def broken(*args, **kwargs):
        raise DomainError("simulated failure")

    monkeypatch.setattr(services, "request_recall", broken)  # late in the run
    result = runner.invoke(args=["qlvb", "seed-demo"])
    assert isinstance(result.exception, DomainError)
    with app.app_context():
        counts = _counts()
        assert counts["OutgoingDocument"] == 0 and counts["OutgoingFile"] == 0
        assert counts["Recipient"] == 0 and counts["CancelledNumber"] == 0
        assert counts["IncomingDocument"] > 0  # the incoming register was committed before
        delivered = db.session.execute(select(func.count(IncomingDocument.id)).where(
            IncomingDocument.delivery_id.isnot(None))).scalar_one()
        assert delivered == 0
        # The files the failed run stored are gone again (none is left unreferenced).
        keep = storage.referenced_hashes(db.session)
        stored = {name for _dir, _subdirs, files in os.walk(storage.root())
                  for name in files if len(name) == 64}
        assert stored == keep
    monkeypatch.undo()
    output = _seed(runner)
    assert "Outgoing demo documents: " in output and "created" in output
    with app.app_context():
        assert {d.state for d in _docs()} == STATES
