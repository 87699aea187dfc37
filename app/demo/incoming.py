"""The demo register of incoming documents: a realistic register for VPHU (and a few
documents for BTCHU) in every state, made through the real services (app.incoming.services)
as the clerks, heads and officials would: nothing is written to the incoming tables
directly. Dates are relative to today (arrivals in the last few weeks, counted in working
days), so the lists of the tracking screens (due soon, overdue, completed on time / late)
always have something in them.

The documents and their steps are the table ``data.incoming_documents``; each step
("refuse", "assign", …) is played by the function of the same name in ``STEPS``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Any

from sqlalchemy.orm import Session

from app.core.calendar import add_working_days
from app.core.filecheck import check_attachment
from app.core.storage import StoredFile
from app.demo.context import Demo, Echo, demo_accounts, open_demo, per_unit, tally
from app.demo.data import DEMO_UNSIGNED, OUTSIDE, Spec, incoming_documents
from app.demo.files import demo_pdf, file_name, store
from app.incoming import services as S
from app.incoming.models import IncomingDocument
from app.trust.services import intake_check
from app.units.models import Unit


def _party(demo: Demo, role: str, who: str, deadline: date | None = None,
           instruction: str = "") -> S.Party:
    """A party of a direction: an account (``who`` is a user name) or a unit."""
    if "." in who or who in demo.users:
        return S.Party(role, user_id=demo.users[who].id, deadline=deadline,
                       instruction=instruction)
    return S.Party(role, unit_id=demo.units[who].id, deadline=deadline,
                   instruction=instruction)


def _prepare(demo: Demo, spec: Spec) -> None:
    """Fill in the spec's derived fields (dates, names, texts of the PDF)."""
    spec["arrival_date"] = demo.back(spec["arrival"])
    spec["document_date"] = demo.back(spec["arrival"] + spec.get("written", 1))
    if spec["via"] == "deliver":
        sender: Unit = demo.units[spec["sender"]]
        spec["author"] = sender.name
        spec["issuer"] = ([sender.parent.name, sender.name]
                          if sender.parent is not None and sender.kind != "front"
                          else [sender.name])
        spec["place"] = "Kim Động"
    else:
        spec["author"], spec["place"], spec["issuer"] = OUTSIDE[spec["sender"]]
    spec["recipient"] = demo.units[spec["unit"]].name
    spec["type_name"] = demo.types[spec["type"]].name
    spec["signer_title"], spec["signer"] = spec["signer"]


def _entry(demo: Demo, spec: Spec) -> S.Entry:
    """The register fields of the document, as its clerk enters them."""
    hour = spec.get("time")
    reply = spec.get("reply")
    return S.Entry(
        arrival_date=spec["arrival_date"], arrival_time=time(*hour) if hour else None,
        sender_unit_id=demo.units[spec["sender"]].id if spec["via"] == "deliver" else None,
        author_name=spec["author"], symbol=spec["symbol"],
        document_date=spec["document_date"], document_type_id=demo.types[spec["type"]].id,
        summary=spec["summary"], urgency=spec.get("urgency", 0),
        signer_name=spec["signer"], reply_deadline=demo.ahead(reply) if reply else None,
        secrecy_confirmed=True, allow_duplicate=spec.get("duplicate", False),
        trust_reason=DEMO_UNSIGNED)


def _files(spec: Spec, check_main: Callable[..., Any]) -> list[StoredFile]:
    """The stored main PDF (a scanned paper copy carries the arrival stamp) and the annex."""
    stamp = ({"unit": spec["recipient"], "day": spec["arrival_date"]}
             if spec["via"] == "paper" else None)
    name = file_name(spec["symbol"], "-ban-giay" if stamp else "")
    files = [store(demo_pdf(spec, pages=spec.get("pages", 1), stamp=stamp), name, check_main)]
    if spec.get("annex"):
        files.append(store(demo_pdf(spec, heading=spec["annex"]),
                           file_name(spec["symbol"], "-phu-luc"), check_attachment))
    return files


def _arrive(demo: Demo, spec: Spec, check_main: Callable[..., Any]) -> IncomingDocument:
    """The document arrives: delivered into the inbox by a unit of the system (and
    registered at once when its first step is "register"), or received from outside and
    registered by the clerk."""
    clerk = demo.staff("vanthu", spec["unit"])
    files = _files(spec, check_main)
    if spec["via"] == "deliver":
        entry = _entry(demo, spec)
        sender_user = demo.users.get(f"vanthu.{spec['sender'].lower()}")
        doc = S.deliver(demo.session, demo.units[spec["unit"]].id,
                        demo.units[spec["sender"]].id, entry, files, sender_user=sender_user)
        if spec["steps"] and spec["steps"][0][0] == "register":
            spec["steps"] = spec["steps"][1:]
            S.register(demo.session, doc, clerk, entry)
        return doc
    return S.intake(demo.session, clerk, spec["via"], _entry(demo, spec), files[0], files[1:])


# -- the steps: (demo, spec, document, *the step's arguments) ----------------------------

def _refuse(demo: Demo, spec: Spec, doc: IncomingDocument, reason: str) -> None:
    S.refuse(demo.session, doc, demo.staff("vanthu", spec["unit"]), reason)


def _cancel(demo: Demo, spec: Spec, doc: IncomingDocument, reason: str) -> None:
    S.cancel(demo.session, doc, demo.staff("vanthu", spec["unit"]), reason)


def _assign(demo: Demo, spec: Spec, doc: IncomingDocument, how: dict[str, Any]) -> None:
    """The head's direction: lead, cooperating and informed parties, one deadline ("next":
    the next working day after arrival, for a hỏa tốc document)."""
    deadline = how["deadline"]
    if deadline == "next":
        deadline = add_working_days(demo.session, doc.arrival_date, 1)
    parties = [_party(demo, "lead", how["lead"], deadline)]
    parties += [_party(demo, "cooperate", who, deadline) for who in how.get("cooperate", ())]
    parties += [_party(demo, "inform", who) for who in how.get("inform", ())]
    S.assign(demo.session, doc, demo.staff("lanhdao", spec["unit"]), how["direction"], parties)


def _sub(demo: Demo, spec: Spec, doc: IncomingDocument, unit: str,
         how: dict[str, Any]) -> None:
    """The head of the lead unit ``unit`` hands the document to one of its officials."""
    parent = next(a for a in doc.assignments if a.active and a.parent_id is None
                  and a.unit_id == demo.units[unit].id)
    S.sub_assign(demo.session, parent, demo.staff("lanhdao", unit),
                 [_party(demo, "lead", how["lead"], how["deadline"],
                         how.get("instruction", ""))])


def _note(demo: Demo, spec: Spec, doc: IncomingDocument, who: str, text: str) -> None:
    S.add_note(demo.session, doc, demo.users[who], text)


def _read(demo: Demo, spec: Spec, doc: IncomingDocument, who: str) -> None:
    S.mark_read(demo.session, doc, demo.users[who])


def _complete(demo: Demo, spec: Spec, doc: IncomingDocument, who: str, text: str,
              with_result: bool = False) -> None:
    """The lead completes, with a result file when ``with_result``."""
    results = []
    if with_result:
        results.append(store(
            demo_pdf(spec, heading=f"Kết quả xử lý văn bản {spec['symbol']}"),
            file_name(spec["symbol"], "-ket-qua"), check_attachment))
    S.complete(demo.session, doc, demo.users[who], text, results)


STEPS: dict[str, Callable[..., None]] = {
    "refuse": _refuse, "cancel": _cancel, "assign": _assign, "sub": _sub, "note": _note,
    "read": _read, "complete": _complete,
}


def _play(demo: Demo, spec: Spec, doc: IncomingDocument) -> None:
    for kind, *args in spec["steps"]:
        if kind not in STEPS:  # pragma: no cover - a mistake in the demo data
            raise ValueError(f"unknown demo step {kind!r}")
        STEPS[kind](demo, spec, doc, *args)


LABELS = [("pending", "in the inbox"), ("refused", "refused"), ("registered", "to assign"),
          ("assigned", "assigned"), ("in_progress", "in progress"), ("done", "completed"),
          ("cancelled", "cancelled")]


def seed_incoming(session: Session, echo: Echo | None = None) -> dict[str, int]:
    """The demo incoming documents, made through the real services, only when neither VPHU
    nor BTCHU has any incoming document yet; all of them are committed together (a failure
    leaves none). Returns {state: count} of what was created ({} when nothing was)."""
    echo = echo or (lambda message: None)
    label = "Incoming demo documents"
    demo = open_demo(session, label, IncomingDocument, demo_accounts() + ["vanphong"], echo)
    if demo is None:
        return {}
    if not (S.is_unit_head(demo.users["lanhdao.vphu"], demo.units["VPHU"].id)
            and S.is_unit_clerk(demo.users["vanthu.vphu"], demo.units["VPHU"].id)):
        echo(f"{label}: skipped (the roles have no permissions yet: run "
             "`flask qlvb sync-roles`, then seed-demo again).")
        return {}
    check_main = intake_check(session)  # as intake checks it: safety, secrecy, signatures
    specs = incoming_documents(demo.today, demo.back, demo.ahead)
    # Register in order of arrival, so that the numbers follow the dates.
    order = sorted(range(len(specs)), key=lambda i: (-specs[i]["arrival"], i))
    try:
        docs = {}
        for i in order:
            _prepare(demo, specs[i])
            docs[i] = _arrive(demo, specs[i], check_main)
        for i in order:
            _play(demo, specs[i], docs[i])
        session.flush()
        created = list(docs.values())
        session.commit()
    except Exception:
        session.rollback()
        raise
    counts = tally(d.state for d in created)
    late = sum(1 for d in created if d.state == "done" and d.completed_late)
    overdue = sum(1 for d in created if S.days_overdue(d, demo.today))
    parts = [f"{counts.get(state, 0)} {name}" for state, name in LABELS]
    parts[5] += f" ({late} late)"
    echo(f"{label}: {len(created)} created ({per_unit(demo, (d.unit_id for d in created))}): "
         + ", ".join(parts) + f"; {overdue} overdue.")
    return counts
