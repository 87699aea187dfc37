"""The demo outgoing documents: văn bản đi of VPHU (and two of BTCHU) in every state and on
every list of the outgoing screens, made through the real services (app.outgoing.services)
as the officials, heads and clerks would: drafts and their versions, the route (trình, trả
lại), signing, the number (one of them cancelled and given again), the final signed PDF,
issuing, recall and replacement. What the recipients then do with their copy (refuse,
register, assign, process, complete, answer a recall) goes through the receiving side's own
services, so the statuses 01–06, 13, 15, 16 and P reach the sender the way they do in use.
Everything happens today, except the signature of the one document issued late (see
``_signed_at``).

The documents and their steps are the table ``data.outgoing_documents``; a step on the
sender's side is played by the function of its name in ``STEPS``, a step on a recipient's
copy (("at", unit, kind, …)) by the one in ``COPY_STEPS``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import storage
from app.core.errors import DomainError
from app.core.filecheck import check_attachment
from app.core.storage import StoredFile
from app.core.timeutil import LOCAL_TZ, to_local
from app.demo.context import Demo, Echo, demo_accounts, open_demo, per_unit, tally
from app.demo.data import DEMO_UNSIGNED, UNITS, Spec, outgoing_documents
from app.demo.files import demo_docx, demo_pdf, file_name, store
from app.incoming import services as S
from app.incoming.models import IncomingDocument
from app.outgoing import services as O
from app.outgoing.models import OutgoingDocument
from app.security import permissions as P
from app.security.models import AppUser
from app.security.services import user_can
from app.trust.services import intake_check


def _recipient_label(names: list[str]) -> str:
    return names[0] if len(names) == 1 else "các cơ quan, đơn vị"


@dataclass
class _Run:
    """One run of the scenario: the documents made so far (by key), the draft version each
    has reached, every file stored (removed again if the run fails), the numbers
    cancelled."""

    demo: Demo
    docs: dict[str, OutgoingDocument] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    stored: list[StoredFile] = field(default_factory=list)
    cancelled: int = 0

    def store(self, data: bytes, name: str, check: Callable[..., Any]) -> StoredFile:
        stored = store(data, name, check)
        self.stored.append(stored)
        return stored

    def people(self, spec: Spec) -> tuple[AppUser, AppUser, AppUser]:
        """The drafting unit's official (drafts), head (signs) and clerk (numbers, issues)."""
        return (self.demo.staff("chuyenvien", spec["unit"]),
                self.demo.staff("lanhdao", spec["unit"]),
                self.demo.staff("vanthu", spec["unit"]))

    def paper(self, spec: Spec, summary: str, names: list[str], symbol: str | None = None,
              document_date: date | None = None) -> dict[str, Any]:
        """The fields demo_pdf() lays out for a document of ``spec`` (a draft has no number
        and no date yet)."""
        unit = self.demo.units[spec["unit"]]
        abbr = spec["type"]
        return dict(symbol=symbol or f"     -{abbr}/{unit.abbreviation}",
                    issuer=[unit.parent.name, unit.name] if unit.parent else [unit.name],
                    type=abbr, type_name=self.demo.types[abbr].name, summary=summary,
                    place="Kim Động", document_date=document_date or self.demo.today,
                    author=unit.name, recipient=_recipient_label(names),
                    signer_title=spec["sign"][1], signer=self.people(spec)[1].get_full_name())

    def draft_file(self, spec: Spec, summary: str, recipients: list[str],
                   version: int) -> StoredFile:
        """Version ``version`` of the draft, as a Word document."""
        today = self.demo.today
        unit = self.demo.units[spec["unit"]]
        issuer = [unit.parent.name, unit.name] if unit.parent else [unit.name]
        lines = [f"**{line.upper()}" for line in issuer]
        lines += [f"Số:      -{spec['type']}/{unit.abbreviation}",
                  f"Kim Động, ngày     tháng {today.month:02d} năm {today.year}",
                  f"**DỰ THẢO LẦN {version}", f"**{self.demo.types[spec['type']].name.upper()}",
                  summary,
                  f"Căn cứ chương trình công tác năm {today.year}, {unit.name} dự thảo văn "
                  f"bản gửi {_recipient_label(recipients)} về việc: {summary}.",
                  "Nơi nhận:"] + [f"- {name};" for name in recipients] + [
                  "- Lưu VT.", f"**{spec['sign'][1].upper()}"]
        name = f"du-thao-{spec['key']}-lan-{version}.docx"
        return self.store(demo_docx(lines), name, check_attachment)


def _recipients(demo: Demo, spec: Spec) -> list[O.RecipientSpec]:
    """A unit abbreviation receives electronically; (name or unit, channel) otherwise."""
    out = []
    for item in spec["to"]:
        who, channel = (item, "electronic") if isinstance(item, str) else item
        if who in demo.units:
            out.append(O.RecipientSpec(unit_id=demo.units[who].id, channel=channel))
        else:
            out.append(O.RecipientSpec(name=who, channel=channel))
    return out


def _create(run: _Run, spec: Spec) -> OutgoingDocument:
    """The official drafts the document: first version (Word, or a PDF), annex, recipients,
    signer, the incoming document it answers, the document it replaces."""
    demo = run.demo
    author, head, _clerk = run.people(spec)
    summary = spec["summary"]
    replaces = run.docs[spec["replaces"]] if spec.get("replaces") else None
    if replaces is not None:
        summary = summary.format(replaces=replaces.symbol)
    reply_to = None
    if spec.get("reply_to"):
        reply_to = demo.session.execute(
            select(IncomingDocument).where(
                IncomingDocument.unit_id == demo.units[spec["unit"]].id,
                IncomingDocument.symbol == spec["reply_to"])
            .order_by(IncomingDocument.id)).unique().scalars().first()
    names = [demo.units[r].name if isinstance(r, str) else
             (demo.units[r[0]].name if r[0] in demo.units else r[0]) for r in spec["to"]]
    if spec.get("draft") == "pdf":
        first = run.store(demo_pdf(run.paper(spec, summary, names)),
                          f"du-thao-{spec['key']}.pdf", check_attachment)
    else:
        first = run.draft_file(spec, summary, names, 1)
    run.versions[spec["key"]] = 1
    annexes = []
    if spec.get("annex"):
        annexes.append(run.store(demo_pdf(run.paper(spec, summary, names),
                                          heading=spec["annex"]),
                                 f"phu-luc-{spec['key']}.pdf", check_attachment))
    return O.create_draft(
        demo.session, author, demo.types[spec["type"]].id, summary, spec.get("urgency", 0),
        first, recipients=_recipients(demo, spec), signer_id=head.id, attachments=annexes,
        reply_to_id=reply_to.id if reply_to is not None else None,
        replaces_id=replaces.id if replaces is not None else None)


# -- the sender's steps: (run, spec, document, *the step's arguments) --------------------

def _version(run: _Run, spec: Spec, doc: OutgoingDocument) -> None:
    version = run.versions[spec["key"]] = run.versions[spec["key"]] + 1
    O.add_version(run.demo.session, doc, run.people(spec)[0], run.draft_file(
        spec, doc.summary, [r.name for r in doc.recipients], version))


def _submit(run: _Run, spec: Spec, doc: OutgoingDocument, comment: str) -> None:
    author, head, _clerk = run.people(spec)
    O.submit(run.demo.session, doc, author, head.id, comment)


def _return(run: _Run, spec: Spec, doc: OutgoingDocument, comment: str) -> None:
    O.return_draft(run.demo.session, doc, run.people(spec)[1], comment)


def _sign(run: _Run, spec: Spec, doc: OutgoingDocument) -> None:
    O.sign(run.demo.session, doc, run.people(spec)[1], spec["sign"][0])


def _signed_at(run: _Run, spec: Spec, doc: OutgoingDocument, days_back: int) -> None:
    """History, not a shortcut: the demo is made in one go, so the one document "issued
    late" must have been signed earlier. Only its signature time moves back (16:30, n
    working days ago); its lateness, and the reason issue() then requires, are the
    services' own. (The route step and the audit event of the signature keep the time
    they were recorded at.)"""
    doc.signed_at = datetime.combine(run.demo.back(days_back), time(16, 30),
                                     tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def _sensitive(run: _Run, spec: Spec, doc: OutgoingDocument) -> None:
    O.set_sensitive(run.demo.session, doc, run.people(spec)[1], True)


def _number(run: _Run, spec: Spec, doc: OutgoingDocument) -> None:
    """The clerk numbers the document, dated the day it was signed."""
    O.assign_number(run.demo.session, doc, run.people(spec)[2],
                    to_local(doc.signed_at).date())


def _cancel_number(run: _Run, spec: Spec, doc: OutgoingDocument, reason: str) -> None:
    O.cancel_number(run.demo.session, doc, run.people(spec)[2], reason)
    run.cancelled += 1


def _final(run: _Run, spec: Spec, doc: OutgoingDocument) -> None:
    """The final signed PDF, checked as intake checks a main file."""
    session = run.demo.session
    final = run.store(demo_pdf(run.paper(spec, doc.summary, [r.name for r in doc.recipients],
                                         doc.symbol, doc.document_date),
                               pages=spec.get("pages", 1)),
                      file_name(doc.symbol), intake_check(session))
    O.attach_final(session, doc, run.people(spec)[2], final)


def _issue(run: _Run, spec: Spec, doc: OutgoingDocument, late_reason: str) -> None:
    O.issue(run.demo.session, doc, run.people(spec)[2], late_reason)


def _recall(run: _Run, spec: Spec, doc: OutgoingDocument, reason: str) -> None:
    O.request_recall(run.demo.session, doc, run.people(spec)[2], reason)


def _at(run: _Run, spec: Spec, doc: OutgoingDocument, abbr: str, kind: str,
        *args: Any) -> None:
    """What the recipient ``abbr`` does with its copy of ``doc``."""
    recipient = next(r for r in doc.recipients if r.unit_id == run.demo.units[abbr].id)
    copy = run.demo.session.get(IncomingDocument, recipient.incoming_document_id)
    if kind not in COPY_STEPS:  # pragma: no cover - a mistake in the demo data
        raise ValueError(f"unknown demo step {kind!r}")
    COPY_STEPS[kind](run.demo, abbr, copy, *args)


STEPS: dict[str, Callable[..., None]] = {
    "version": _version, "submit": _submit, "return": _return, "sign": _sign,
    "signed_at": _signed_at, "sensitive": _sensitive, "number": _number,
    "cancel_number": _cancel_number, "final": _final, "issue": _issue, "recall": _recall,
    "at": _at,
}


# -- a recipient's steps on its copy: (demo, unit, copy, *the step's arguments) -----------

def _copy_register(demo: Demo, abbr: str, copy: IncomingDocument) -> None:
    entry = S.Entry.from_document(copy)
    entry.secrecy_confirmed = True
    entry.trust_reason = DEMO_UNSIGNED
    S.register(demo.session, copy, demo.staff("vanthu", abbr), entry)


def _copy_refuse(demo: Demo, abbr: str, copy: IncomingDocument, reason: str) -> None:
    S.refuse(demo.session, copy, demo.staff("vanthu", abbr), reason)


def _copy_assign(demo: Demo, abbr: str, copy: IncomingDocument, days: int,
                 direction: str) -> None:
    """The head assigns the copy to the unit's official, due in ``days`` working days."""
    lead = S.Party("lead", user_id=demo.staff("chuyenvien", abbr).id, deadline=demo.ahead(days))
    S.assign(demo.session, copy, demo.staff("lanhdao", abbr), direction, [lead])


def _copy_note(demo: Demo, abbr: str, copy: IncomingDocument, text: str) -> None:
    S.add_note(demo.session, copy, demo.staff("chuyenvien", abbr), text)


def _copy_complete(demo: Demo, abbr: str, copy: IncomingDocument, text: str) -> None:
    S.complete(demo.session, copy, demo.staff("chuyenvien", abbr), text)


def _copy_recall_answer(demo: Demo, abbr: str, copy: IncomingDocument, accept: bool,
                        reason: str) -> None:
    O.answer_recall(demo.session, copy, demo.staff("vanthu", abbr), accept, reason)


COPY_STEPS: dict[str, Callable[..., None]] = {
    "register": _copy_register, "refuse": _copy_refuse, "assign": _copy_assign,
    "note": _copy_note, "complete": _copy_complete, "recall_answer": _copy_recall_answer,
}


def _play(run: _Run, spec: Spec, doc: OutgoingDocument) -> None:
    for kind, *args in spec["steps"]:
        if kind not in STEPS:  # pragma: no cover - a mistake in the demo data
            raise ValueError(f"unknown demo step {kind!r}")
        STEPS[kind](run, spec, doc, *args)


def _problems(demo: Demo, specs: list[Spec]) -> list[str]:
    """The demo units and document types the scenario needs that are missing or inactive."""
    wanted = {spec["unit"] for spec in specs} | {
        (r if isinstance(r, str) else r[0]) for spec in specs for r in spec["to"]}
    problems = sorted(abbr for abbr in wanted & {row[0] for row in UNITS}
                      if abbr not in demo.units or not demo.units[abbr].active)
    problems += sorted(abbr for abbr in {s["type"] for s in specs}
                       if abbr not in demo.types or not demo.types[abbr].active)
    return problems


LABELS = [("draft", "draft"), ("review", "waiting for approval"), ("returned", "returned"),
          ("signed", "to number"), ("numbered", "to issue"), ("issued", "issued"),
          ("recalled", "recalled")]


def seed_outgoing(session: Session, echo: Echo | None = None) -> dict[str, int]:
    """The demo outgoing documents, made through the real services, only when neither VPHU
    nor BTCHU has any outgoing document yet; all of them are committed together (a failure
    leaves none, and the files it stored are removed). Returns {state: count} of what was
    created ({} when nothing was)."""
    echo = echo or (lambda message: None)
    label = "Outgoing demo documents"
    demo = open_demo(session, label, OutgoingDocument, demo_accounts(), echo)
    if demo is None:
        return {}
    allowed = all(user_can(demo.users[f"{p}.{a}"], perm, P.OUTGOING, as_member=True)
                  for a in ("vphu", "btchu")
                  for p, perm in (("chuyenvien", P.DRAFT), ("lanhdao", P.SIGN),
                                  ("vanthu", P.ISSUE)))
    if not allowed:
        echo(f"{label}: skipped (the roles have no permissions yet: run "
             "`flask qlvb sync-roles`, then seed-demo again).")
        return {}
    specs = outgoing_documents(demo.today, demo.ahead)
    problems = _problems(demo, specs)
    if problems:
        echo(f"{label}: skipped (missing or inactive units or document types: "
             + ", ".join(problems) + ").")
        return {}
    try:  # documents are numbered per term: one must cover the dates they take
        for day in (demo.back(3), demo.today):
            O.period_for(session, "term", day)
    except DomainError as error:
        echo(f"{label}: skipped ({error}).")
        return {}

    run = _Run(demo)
    try:
        for spec in specs:
            doc = _create(run, spec)
            run.docs[spec["key"]] = doc
            _play(run, spec, doc)
        session.flush()
        created = list(run.docs.values())
        session.commit()
    except Exception:
        session.rollback()
        storage.discard(session, run.stored)
        raise
    counts = tally(d.state for d in created)
    statuses = tally(r.status for d in created
                     for r in (d.recipients if d.state in ("issued", "recalled") else ()))
    late = sum(1 for d in created if d.late)
    parts = [f"{counts.get(state, 0)} {name}" for state, name in LABELS]
    parts[5] += f" ({late} late)"
    echo(f"{label}: {len(created)} created ({per_unit(demo, (d.unit_id for d in created))}): "
         + ", ".join(parts) + "; recipients' statuses "
         + ", ".join(f"{code}×{n}" for code, n in sorted(statuses.items()))
         + f"; {run.cancelled} number cancelled.")
    return counts
