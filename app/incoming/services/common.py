"""What every step of an incoming document shares: text cleaning, the symbol parser, the
clerks and heads to notify, and the statuses sent back to an internal sender (docs/domain.md §4)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.core.timeutil import local_now
from app.incoming.models import ExchangeStatus, IncomingDocument
from app.notifications.services import notify
from app.security import permissions as P
from app.security.models import AppUser
from app.security.services import unit_users_who_can

NUMBER_SERIES = "incoming"

# Party form 19-QC/HU (number-type/agency) and state form 12/QĐ-UBND, 12/2024/NĐ-CP.
_PARTY_SYMBOL = re.compile(r"^\s*(\d{1,6})\s*-\s*([^\s/\-]+)\s*/\s*(\S+?)\s*$")
_STATE_SYMBOL = re.compile(r"^\s*(\d{1,6})\s*/\s*(?:\d{4}\s*/\s*)?([^\s/\-]+)\s*-\s*(\S+?)\s*$")


def nfc(value: str | None) -> str:
    return unicodedata.normalize("NFC", (value or "").strip())


def parse_symbol(raw: str | None) -> tuple[int | None, str | None, str | None]:
    """Split số và ký hiệu into (number, type abbreviation, agency) when it follows the
    Party form ``19-QC/HU`` or the state form ``12/QĐ-UBND``; (None, None, None) otherwise."""
    raw = nfc(raw)
    for pattern in (_PARTY_SYMBOL, _STATE_SYMBOL):
        m = pattern.match(raw)
        if m:
            return int(m.group(1)), m.group(2), m.group(3)
    return None, None, None


def _clerks(session: Session, unit_id: int) -> list[AppUser]:
    return unit_users_who_can(session, unit_id, P.INTAKE, P.INCOMING)


def _heads(session: Session, unit_id: int) -> list[AppUser]:
    return unit_users_who_can(session, unit_id, P.ASSIGN, P.INCOMING)


def _link(doc: IncomingDocument) -> str:
    return f"/incomingview/show/{doc.id}"


def _title(doc: IncomingDocument) -> str:
    text = doc.summary or doc.symbol or ""
    return text if len(text) <= 80 else text[:77] + "…"


StatusListener = Callable[[Session, IncomingDocument, str, "str | None"], None]

# Called as listener(session, incoming_document, code, note) for every status of an
# incoming document (01–06): the outgoing side keeps its recipients' statuses with it,
# liên thông tells an outside sender.
STATUS_LISTENERS: list[StatusListener] = []


def send_status(session: Session, doc: IncomingDocument, code: str,
                user: AppUser | None = None, note: str | None = None) -> ExchangeStatus | None:
    """Tell an internal sender where its document stands (status 01–06, docs/domain.md §4); the
    sender's clerks are notified of a refusal."""
    code = str(code)
    for listener in STATUS_LISTENERS:
        listener(session, doc, code, note)
    if doc.sender_unit_id is None:
        return None
    doc.exchange_status = code
    row = ExchangeStatus(document_id=doc.id, delivery_id=doc.delivery_id,
                         sender_unit_id=doc.sender_unit_id, code=code, note=note,
                         user_id=getattr(user, "id", None))
    session.add(row)
    if code == "02":
        notify(session, _clerks(session, doc.sender_unit_id),
               _l("%(unit)s refused your document \"%(title)s\": %(reason)s",
                 unit=doc.unit.name if doc.unit else "", title=_title(doc), reason=note or ""),
               link=None, urgent=True)
    return row


def _require_unit(user: AppUser | None, doc: IncomingDocument) -> None:
    if user is None or user.unit_id != doc.unit_id:
        raise DomainError(_("Only the receiving unit can do this."))


def now_local_time() -> time:
    return local_now().time().replace(second=0, microsecond=0)
