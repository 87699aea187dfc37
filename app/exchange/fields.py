"""The map between edXML and our fields, as one table: ``DOCUMENT_FIELDS`` for the document
package, ``STATUS_FIELDS`` for the status package, ``ORGAN_FIELDS`` for each ``From`` and
``To``. A row says which key of our field dict goes to which edXML element (the path from
``MessageHeader`` down, or from ``TraceHeaderList``) and to which attribute of the package
dataclass, and how the value is converted.

Our field dict uses the names of our models (``app.incoming.models``,
``app.outgoing.models``, ``app.units.models``): ``symbol``, ``document_date``,
``summary``, ``urgency``, ``page_count``, ``copies``, ``signer_name``, ``signing_form``,
``reply_deadline``, ``paper_copy``; a body is ``{code, name, address, phone, email, …}``
as a ``Unit`` is (``code`` is its mã định danh). ``to_package`` / ``from_package`` turn one
into the other, ``build_document`` / ``build_status`` write the bytes with any error named
by our field, and ``read`` reads bytes back to our field dict."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.exchange import codec, errors

Ours = dict[str, Any]


# -- conversions -----------------------------------------------------------------------------

_SYMBOL = re.compile(r"^\s*(\d+)\s*([-/])\s*(\S.*?)\s*$")
# The Party form ``19-QC/HU`` (number, hyphen, type/agency); the state form writes
# ``12/QĐ-UBND`` or ``12/2020/NĐ-CP``.
_PARTY_NOTATION = re.compile(r"^[^\d/\-][^/\-]*/")


def split_symbol(symbol: str) -> tuple[str, str]:
    """``(CodeNumber, CodeNotation)`` of số và ký hiệu: ``19-QC/HU`` → ``("19", "QC/HU")``,
    ``12/QĐ-UBND`` → ``("12", "QĐ-UBND")``."""
    m = _SYMBOL.match(codec.clean_text(symbol))
    if not m:
        raise errors.InvalidField("symbol", symbol or "")
    return m.group(1), m.group(3)


def join_symbol(number: str, notation: str) -> str:
    """Số và ký hiệu from CodeNumber and CodeNotation, in the Party form when the notation
    is ``type/agency`` (``19-QC/HU``), else the state form (``12/QĐ-UBND``)."""
    if not number:
        return notation
    if not notation:
        return number
    return f"{number}{'-' if _PARTY_NOTATION.match(notation) else '/'}{notation}"


def _organ_to(value: Ours | None) -> codec.Organ:
    value = value or {}
    return codec.Organ(**{row.attr: value.get(row.ours) or "" for row in ORGAN_FIELDS})


def _organ_from(organ: codec.Organ) -> Ours:
    return {row.ours: getattr(organ, row.attr) for row in ORGAN_FIELDS}


def _symbol_to(value: str | None) -> codec.Code:
    if not value:
        return codec.Code()
    number, notation = split_symbol(value)
    return codec.Code(number=number, notation=notation)


def _symbol_from(code: codec.Code) -> str:
    return join_symbol(code.number, code.notation)


def _reply_to(value: Ours | None) -> codec.ResponseFor | None:
    if not value:
        return None
    return codec.ResponseFor(organ_id=value.get("code") or "", code=value.get("symbol") or "",
                             promulgation_date=value.get("document_date"),
                             document_id=value.get("document_id") or "")


def _reply_from(response: codec.ResponseFor | None) -> Ours | None:
    if response is None:
        return None
    return {"code": response.organ_id, "symbol": response.code,
            "document_date": response.promulgation_date, "document_id": response.document_id}


def _staff_to(value: Ours | None) -> codec.StaffInfo | None:
    if not value:
        return None
    return codec.StaffInfo(department=value.get("department") or "",
                           staff=value.get("name") or "", email=value.get("email") or "",
                           mobile=value.get("mobile") or "")


def _staff_from(staff: codec.StaffInfo | None) -> Ours | None:
    if staff is None:
        return None
    return {"department": staff.department, "name": staff.staff, "email": staff.email,
            "mobile": staff.mobile}


def _update_to(value: Ours | None) -> codec.BusinessDocumentInfo | None:
    if not value:
        return None
    return codec.BusinessDocumentInfo(
        document_info=bool(value.get("details_changed")),
        document_receiver=bool(value.get("recipients_changed")),
        receivers=[codec.Receiver(organ_id=r["code"], receiver_type=1 if r["added"] else 0)
                   for r in value.get("recipients") or []])


def _update_from(info: codec.BusinessDocumentInfo | None) -> Ours | None:
    if info is None:
        return None
    return {"details_changed": info.document_info, "recipients_changed": info.document_receiver,
            "recipients": [{"code": r.organ_id, "added": r.receiver_type == 1}
                           for r in info.receivers]}


def _replacements_to(value: list[Ours] | None) -> list[codec.ReplacementInfo]:
    return [codec.ReplacementInfo(document_id=r["document_id"], organ_ids=list(r["codes"]))
            for r in value or []]


def _replacements_from(items: list[codec.ReplacementInfo]) -> list[Ours]:
    return [{"document_id": r.document_id, "codes": list(r.organ_ids)} for r in items]


def _traces_to(value: list[Ours] | None) -> list[codec.TraceHeader]:
    return [codec.TraceHeader(organ_id=t["code"], timestamp=t["timestamp"]) for t in value or []]


def _traces_from(items: list[codec.TraceHeader]) -> list[Ours]:
    return [{"code": t.organ_id, "timestamp": t.timestamp} for t in items]


def _files_to(value: list[Ours] | None) -> list[codec.Attachment]:
    return [codec.attachment_for(f["name"], f["data"], f.get("content_type"),
                                 f.get("description") or "") for f in value or []]


def _files_from(items: list[codec.Attachment]) -> list[Ours]:
    """Each file a package carries; the members of a ZIP are files of their own."""
    out = []
    for att in items:
        for name, data in att.files:
            content_type = (att.content_type if (name, data) == (att.name, att.data)
                            else mimetypes.guess_type(name)[0] or "application/octet-stream")
            out.append({"name": name, "content_type": content_type,
                        "description": att.description, "data": data})
    return out


def _same(value: Any) -> Any:
    return value


def _text(value: str | None) -> str:
    return value or ""


def _list(value: list[str] | None) -> list[str]:
    return list(value or [])


Convert = Callable[[Any], Any]
KINDS: dict[str, tuple[Convert, Convert]] = {
    # kind: (ours → package, package → ours)
    "text": (_text, _same),
    "int": (_same, _same),
    "date": (_same, _same),
    "bool": (_same, _same),
    "list": (_list, _list),
    "organ": (_organ_to, _organ_from),
    "organs": (lambda v: [_organ_to(o) for o in v or []], lambda v: [_organ_from(o) for o in v]),
    "symbol": (_symbol_to, _symbol_from),
    "reply": (_reply_to, _reply_from),
    "staff": (_staff_to, _staff_from),
    "business_type": (lambda v: codec.BusinessType(v or 0), int),
    "flag": (lambda v: int(bool(v)), bool),
    "update": (_update_to, _update_from),
    "replacements": (_replacements_to, _replacements_from),
    "traces": (_traces_to, _traces_from),
    "files": (_files_to, _files_from),
}


@dataclass(frozen=True)
class Row:
    ours: str       # key of our field dict
    edxml: str      # element, from MessageHeader (or TraceHeaderList) down
    attr: str       # attribute path in the package dataclass
    kind: str = "text"
    note: str = ""


# -- the table -------------------------------------------------------------------------------

ORGAN_FIELDS = (
    Row("code", "OrganId", "organ_id", note="mã định danh (Unit.code)"),
    Row("in_charge", "OrganizationInCharge", "in_charge", note="cơ quan chủ quản"),
    Row("name", "OrganName", "name"),
    Row("address", "OrganAdd", "address"),
    Row("email", "Email", "email"),
    Row("phone", "Telephone", "telephone"),
    Row("fax", "Fax", "fax"),
    Row("website", "Website", "website"),
)

DOCUMENT_FIELDS = (
    Row("sender", "From", "header.from_", "organ"),
    Row("recipients", "To", "header.to", "organs", "one To per recipient body"),
    Row("document_id", "DocumentId", "header.document_id",
        note="OrganId,yyyy/MM/dd,Number/Notation; made from sender, date and symbol if empty"),
    Row("symbol", "Code", "header.code", "symbol", "số và ký hiệu: CodeNumber + CodeNotation"),
    Row("place", "PromulgationInfo/Place", "header.promulgation.place"),
    Row("document_date", "PromulgationInfo/PromulgationDate", "header.promulgation.date",
        "date"),
    Row("type_group", "DocumentType/Type", "header.document_type.type", "int",
        "1 administrative, 2 legal normative (see the README)"),
    Row("type_detail", "DocumentType/TypeDetail", "header.document_type.type_detail", "int",
        "number of the type in the annex of QCVN 102 SĐ1:2022"),
    Row("document_type_name", "DocumentType/TypeName", "header.document_type.type_name",
        note="DocumentType.name"),
    Row("summary", "Subject", "header.subject", note="trích yếu"),
    Row("content", "Content", "header.content"),
    Row("signing_form", "SignerInfo/Competence", "header.signer.competence",
        note="T/M, K/T, T/L, TUQ"),
    Row("signer_position", "SignerInfo/Position", "header.signer.position"),
    Row("signer_name", "SignerInfo/FullName", "header.signer.full_name"),
    Row("reply_deadline", "DueDate", "header.due_date", "date", "hạn trả lời"),
    Row("urgency", "OtherInfo/Priority", "header.other.priority", "int", "độ khẩn 0–4"),
    Row("sphere", "OtherInfo/SphereOfPromulgation", "header.other.sphere"),
    Row("typist", "OtherInfo/TyperNotation", "header.other.typer_notation"),
    Row("copies", "OtherInfo/PromulgationAmount", "header.other.promulgation_amount", "int"),
    Row("page_count", "OtherInfo/PageAmount", "header.other.page_amount", "int"),
    Row("direction", "OtherInfo/Direction", "header.other.direction", "bool"),
    Row("appendixes", "OtherInfo/Appendixes/Appendix", "header.other.appendixes", "list"),
    Row("steering_type", "SteeringType", "header.steering_type", "int",
        "1 not steering, 2 steering, 3 report on steering"),
    Row("to_places", "ToPlaces/Place", "header.to_places", "list", "nơi nhận để biết"),
    Row("reply_to", "ResponseFor", "header.response_for", "reply",
        "{code, symbol, document_date, document_id} of the document answered"),
    Row("trace", "TraceHeaderList/TraceHeader", "traces", "traces", "[{code, timestamp}]"),
    Row("business_type", "Bussiness/BussinessDocType", "business.doc_type", "business_type",
        "0 new, 1 revoke, 2 update, 3 replace"),
    Row("business_document_id", "Bussiness/DocumentId", "business.document_id"),
    Row("business_reason", "Bussiness/BussinessDocReason", "business.reason"),
    Row("paper_copy", "Bussiness/Paper", "business.paper", "flag", "a paper copy follows"),
    Row("staff", "Bussiness/StaffInfo", "business.staff", "staff",
        "{department, name, email, mobile}"),
    Row("update", "Bussiness/BussinessDocumentInfo", "business.document_info", "update",
        "{details_changed, recipients_changed, recipients: [{code, added}]}"),
    Row("replacements", "Bussiness/ReplacementInfoList", "business.replacements",
        "replacements", "[{document_id, codes}]"),
    Row("files", "AttachmentEncoded/Attachment", "attachments", "files",
        "[{name, content_type, description, data}]; a ZIP's members come back as files"),
)

STATUS_FIELDS = (
    Row("sender", "From", "from_", "organ"),
    Row("document", "ResponseFor", "response_for", "reply",
        "{code, symbol, document_date, document_id} of the document the status is about"),
    Row("staff", "StaffInfo", "staff", "staff"),
    Row("code", "StatusCode", "status_code", note="01–06, 13, 15, 16 (ExchangeStatus.code)"),
    Row("note", "Description", "description", note="the reason, required for 02 and 16"),
    Row("timestamp", "Timestamp", "timestamp", "date"),
)


# -- applying the table ----------------------------------------------------------------------

def _get(obj: Any, attr: str) -> Any:
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _set(obj: Any, attr: str, value: Any) -> None:
    *parents, last = attr.split(".")
    for part in parents:
        obj = getattr(obj, part)
    setattr(obj, last, value)


def _apply(rows: tuple[Row, ...], ours: Ours, package: Any) -> Any:
    for row in rows:
        write, _read = KINDS[row.kind]
        _set(package, row.attr, write(ours.get(row.ours)))
    return package


def _extract(rows: tuple[Row, ...], package: Any) -> Ours:
    return {row.ours: KINDS[row.kind][1](_get(package, row.attr)) for row in rows}


def to_package(ours: Ours) -> codec.DocumentPackage:
    """The document package of our field dict (see the table); the DocumentId is made from
    the sender's code, the date and the symbol when ``document_id`` is empty."""
    try:
        package = _apply(DOCUMENT_FIELDS, ours, codec.DocumentPackage())
    except errors.ExchangeError as exc:
        raise _renamed(exc, DOCUMENT_FIELDS) from None
    h = package.header
    if not h.code.number:
        # The number is what the DocumentId and the national checkers need first.
        error = errors.MissingField("symbol")
        error.path = "Code/CodeNumber"
        raise error
    if not h.document_id and h.from_.organ_id and h.promulgation.date and h.code.number:
        h.document_id = codec.document_id(h.from_.organ_id, h.promulgation.date, h.code.number,
                                          h.code.notation)
    return package


def from_package(package: codec.DocumentPackage) -> Ours:
    """Our field dict of a document package."""
    return _extract(DOCUMENT_FIELDS, package)


def status_to_package(ours: Ours) -> codec.StatusPackage:
    return _apply(STATUS_FIELDS, ours, codec.StatusPackage())


def status_from_package(package: codec.StatusPackage) -> Ours:
    return _extract(STATUS_FIELDS, package)


def _our_name(path: str, rows: tuple[Row, ...]) -> str | None:
    """Our field name of an edXML path: ``To[2]/OrganName`` → ``recipients[2].name``."""
    m = re.match(r"^([^/\[]+)(\[\d+\])?(?:/(.*))?$", path)
    bare = re.sub(r"\[\d+\]", "", path)
    for row in sorted(rows, key=lambda r: -len(r.edxml)):
        if bare != row.edxml and not bare.startswith(row.edxml + "/"):
            continue
        if row.kind in ("organ", "organs") and m:
            index, rest = m.group(2) or "", m.group(3) or ""
            sub = next((o.ours for o in ORGAN_FIELDS if o.edxml == rest), rest)
            return f"{row.ours}{index}.{sub}" if sub else f"{row.ours}{index}"
        if row.kind == "symbol" or bare == row.edxml:
            return row.ours
        return f"{row.ours}/{bare[len(row.edxml) + 1:]}"
    return None


def _renamed(exc: errors.ExchangeError, rows: tuple[Row, ...]) -> errors.ExchangeError:
    """``exc`` naming our field instead of the edXML path (the path kept in ``.path``)."""
    if not exc.field:
        return exc
    ours = _our_name(exc.field, rows) or exc.field
    if isinstance(exc, errors.MissingField):
        new: errors.ExchangeError = errors.MissingField(ours)
    elif isinstance(exc, errors.FieldTooLong):
        new = errors.FieldTooLong(ours, exc.limit)
    elif isinstance(exc, errors.InvalidField):
        new = errors.InvalidField(ours, exc.value)
    else:
        exc.path, exc.field = exc.field, ours
        return exc
    new.path = exc.field
    return new


def build_document(ours: Ours, limits: codec.Limits = codec.DEFAULT_LIMITS) -> bytes:
    """The edXML bytes of our field dict; an error names our field (``summary``,
    ``recipients[2].name``), its edXML path kept in ``.path``."""
    package = to_package(ours)
    try:
        return codec.build_document(package, limits)
    except errors.ExchangeError as exc:
        raise _renamed(exc, DOCUMENT_FIELDS) from None


def build_status(ours: Ours) -> bytes:
    try:
        return codec.build_status(status_to_package(ours))
    except errors.ExchangeError as exc:
        raise _renamed(exc, STATUS_FIELDS) from None


def read(data: bytes, limits: codec.Limits = codec.DEFAULT_LIMITS) -> tuple[str, Ours]:
    """``("document" | "status", our field dict)`` of the package ``data``."""
    package = codec.parse(data, limits)
    if isinstance(package, codec.StatusPackage):
        return "status", status_from_package(package)
    return "document", from_package(package)

