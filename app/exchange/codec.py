"""edXML packages (QCVN 102:2016/BTTTT, amended 2022) read and written: the document package
(``MessageHeader``, ``TraceHeaderList``, ``Signature``, the manifest, then the attachments
outside the envelope) and the status package of QĐ 28/2018/QĐ-TTg (codes 01–06, 13, 15, 16).

Element names and spellings are the standard's, ``Bussiness`` included; the namespace is
``http://www.mic.gov.vn/TBT/QCVN_102_2016``, written as the official samples write it (the
root with the default namespace, the envelope with the ``edXML:`` prefix).

Reading is hardened: a size cap on the bytes, no DTD, no entities (a DOCTYPE is refused
outright), no network, no huge text nodes, and caps on each decoded attachment and on what
a ZIP may expand to (one level only, no archive inside). Every text is taken to NFC, and
text typed in the legacy TCVN3/VNI encodings is converted as forms convert it. Dates are
written ``yyyy/MM/dd`` and read as ``yyyy/MM/dd`` or ``dd/MM/yyyy`` (both occur). A field
longer than the national checkers allow, or missing where they require it, is an error
that names the field.

Pure functions on bytes and dataclasses: no app, no database. The map to our fields is
``app.exchange.fields``; the envelope signature, ``app.exchange.signing``."""

from __future__ import annotations

import base64
import binascii
import io
import mimetypes
import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum

from lxml import etree

from app.exchange import errors
from app.trust import vnencoding

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DS = "http://www.w3.org/2000/09/xmldsig#"
ZIP = "application/zip"

DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"
_DATE_READ = ("%Y/%m/%d", "%d/%m/%Y")
_TIMESTAMP_READ = ("%Y/%m/%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y/%m/%d", "%d/%m/%Y")

# Status codes (QĐ 28/2018/QĐ-TTg): 01–06 from the receiver as the document moves, 13 the
# sender recalls, 15/16 the receiver accepts or refuses a recall or an update.
STATUS_CODES = ("01", "02", "03", "04", "05", "06", "13", "15", "16")
# A refusal says why.
STATUS_NEEDS_REASON = ("02", "16")

# Lengths the national checkers enforce (Bkav's checker; interop.md §1.2), by element name
# wherever it occurs; the other names get the generous caps of ``_DEFAULT_LIMIT``.
FIELD_LIMITS = {
    "CodeNumber": 11, "CodeNotation": 30, "Subject": 500, "Content": 500, "OrganName": 200,
    "OrganizationInCharge": 500, "OrganAdd": 500, "Email": 100, "Telephone": 20, "Fax": 20,
    "Place": 50, "TypeName": 100, "TyperNotation": 10,
    # Ours, where no checker says (see the README): room for every real value seen.
    "OrganId": 50, "DocumentId": 120, "Website": 200, "Competence": 50, "Position": 200,
    "FullName": 100, "SphereOfPromulgation": 200, "Appendix": 500, "Description": 500,
    "BussinessDocReason": 500, "Department": 200, "Staff": 100, "Mobile": 20, "Code": 50,
    "AttachmentName": 255, "ContentId": 100, "ContentType": 100,
}
_DEFAULT_LIMIT = 1000
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class BusinessType(IntEnum):
    """BussinessDocType: what the package does to the document."""

    NEW = 0
    REVOKE = 1
    UPDATE = 2
    REPLACE = 3


@dataclass(frozen=True)
class Limits:
    """Caps on what a package may hold. ``attachment_bytes`` stays under what libxml2 takes
    in one text node without ``huge_tree`` (10 MB of base64, 7.5 MB decoded)."""

    package_bytes: int = 40 * 1024 * 1024
    attachment_bytes: int = 7 * 1024 * 1024
    archive_members: int = 50
    archive_bytes: int = 100 * 1024 * 1024
    archive_ratio: int = 100


DEFAULT_LIMITS = Limits()


# -- the packages ----------------------------------------------------------------------------

@dataclass
class Organ:
    """``From`` or a ``To``: an agency by its mã định danh (OrganId)."""

    organ_id: str = ""
    in_charge: str = ""
    name: str = ""
    address: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass
class Code:
    number: str = ""
    notation: str = ""


@dataclass
class Promulgation:
    place: str = ""
    date: date | None = None


@dataclass
class DocumentType:
    type: int | None = None
    type_detail: int | None = None
    type_name: str = ""


@dataclass
class SignerInfo:
    competence: str = ""
    position: str = ""
    full_name: str = ""


@dataclass
class OtherInfo:
    priority: int = 0
    sphere: str = ""
    typer_notation: str = ""
    promulgation_amount: int | None = None
    page_amount: int | None = None
    direction: bool | None = None
    appendixes: list[str] = field(default_factory=list)


@dataclass
class ResponseFor:
    """The document a package answers: ``Code`` carries number and notation joined."""

    organ_id: str = ""
    code: str = ""
    promulgation_date: date | None = None
    document_id: str = ""


@dataclass
class MessageHeader:
    from_: Organ = field(default_factory=Organ)
    to: list[Organ] = field(default_factory=list)
    document_id: str = ""
    code: Code = field(default_factory=Code)
    promulgation: Promulgation = field(default_factory=Promulgation)
    document_type: DocumentType = field(default_factory=DocumentType)
    subject: str = ""
    content: str = ""
    signer: SignerInfo = field(default_factory=SignerInfo)
    due_date: date | None = None
    other: OtherInfo = field(default_factory=OtherInfo)
    steering_type: int | None = None
    to_places: list[str] = field(default_factory=list)
    response_for: ResponseFor | None = None


@dataclass
class TraceHeader:
    organ_id: str = ""
    timestamp: datetime | None = None


@dataclass
class StaffInfo:
    department: str = ""
    staff: str = ""
    email: str = ""
    mobile: str = ""


@dataclass
class Receiver:
    """An update's change of recipients: ``receiver_type`` 0 removed, 1 added."""

    organ_id: str = ""
    receiver_type: int = 1


@dataclass
class BusinessDocumentInfo:
    document_info: bool = False
    document_receiver: bool = False
    receivers: list[Receiver] = field(default_factory=list)


@dataclass
class ReplacementInfo:
    document_id: str = ""
    organ_ids: list[str] = field(default_factory=list)


@dataclass
class Business:
    """``Bussiness`` (the standard's spelling): new, revoke, update or replace, and why."""

    document_id: str = ""
    doc_type: BusinessType = BusinessType.NEW
    reason: str = ""
    paper: int = 0
    staff: StaffInfo | None = None
    document_info: BusinessDocumentInfo | None = None
    replacements: list[ReplacementInfo] = field(default_factory=list)


@dataclass
class Attachment:
    """One ``Attachment`` and its ``Reference`` in the manifest. ``data`` is what the package
    carries (decoded base64); ``files`` what it holds: the members of a ZIP, one level
    deep, or the data itself under its name."""

    content_id: str = ""
    name: str = ""
    description: str = ""
    content_type: str = "application/octet-stream"
    data: bytes = b""
    files: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass
class DocumentPackage:
    header: MessageHeader = field(default_factory=MessageHeader)
    traces: list[TraceHeader] = field(default_factory=list)
    business: Business = field(default_factory=Business)
    attachments: list[Attachment] = field(default_factory=list)
    # Read only: whether the header carries an XMLDSig ``Signature`` (see ``signing``).
    signed: bool = False


@dataclass
class StatusPackage:
    from_: Organ = field(default_factory=Organ)
    response_for: ResponseFor = field(default_factory=ResponseFor)
    staff: StaffInfo | None = None
    status_code: str = "01"
    description: str = ""
    timestamp: datetime | None = None
    signed: bool = False


def document_id(organ_id: str, promulgated: date, number: str, notation: str) -> str:
    """The QCVN 102 DocumentId: ``OrganId,yyyy/MM/dd,Number/Notation``."""
    return f"{organ_id},{promulgated.strftime(DATE_FORMAT)},{number}/{notation}"


# -- text, dates, numbers --------------------------------------------------------------------

def clean_text(value: str | None) -> str:
    """NFC, legacy TCVN3/VNI converted (as forms do), outer whitespace dropped."""
    if not value:
        return ""
    text, _encoding = vnencoding.clean(value)
    return text.strip()


def _limit(path: str) -> int:
    leaf = re.sub(r"\[\d+\]$", "", path.rsplit("/", 1)[-1])
    return FIELD_LIMITS.get(leaf, _DEFAULT_LIMIT)


def _checked(path: str, value: str, required: bool = False) -> str:
    if required and not value:
        raise errors.MissingField(path)
    limit = _limit(path)
    if len(value) > limit:
        raise errors.FieldTooLong(path, limit)
    if _XML_INVALID.search(value):
        raise errors.InvalidField(path, value)
    return value


def parse_date(path: str, value: str) -> date | None:
    """``yyyy/MM/dd`` or ``dd/MM/yyyy``; empty is None."""
    if not value:
        return None
    for fmt in _DATE_READ:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise errors.InvalidField(path, value)


def parse_timestamp(path: str, value: str) -> datetime | None:
    if not value:
        return None
    for fmt in _TIMESTAMP_READ:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise errors.InvalidField(path, value)


def _int(path: str, value: str, allowed: Iterable[int] | None = None) -> int | None:
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise errors.InvalidField(path, value) from None
    if number < 0 or (allowed is not None and number not in allowed):
        raise errors.InvalidField(path, value)
    return number


def _bool(path: str, value: str) -> bool | None:
    if not value:
        return None
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise errors.InvalidField(path, value)


# -- reading ---------------------------------------------------------------------------------

def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, dtd_validation=False,
                           load_dtd=False, huge_tree=False, remove_comments=True,
                           remove_pis=True, collect_ids=False)


def parse_xml(data: bytes, limits: Limits = DEFAULT_LIMITS) -> etree._Element:
    """The root of ``data``, parsed hardened; the errors of ``errors`` otherwise."""
    if not isinstance(data, bytes | bytearray):
        raise errors.MalformedPackage("not bytes")
    if len(data) > limits.package_bytes:
        raise errors.PackageTooLarge(limits.package_bytes)
    if _DOCTYPE.search(data):
        raise errors.HostilePackage()
    try:
        root = etree.fromstring(bytes(data), _parser())
    except etree.XMLSyntaxError as exc:
        raise errors.MalformedPackage(str(exc)[:200]) from None
    except ValueError as exc:  # e.g. an encoding lxml does not know
        raise errors.MalformedPackage(str(exc)[:200]) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise errors.HostilePackage()  # a DOCTYPE in an encoding the scan did not read
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise errors.HostilePackage()
    if root.tag != f"{{{NS}}}edXML":
        raise errors.WrongNamespace(str(root.tag))
    return root


class _Reader:
    """Finds children in the edXML namespace and reads their text, naming each by path."""

    def __init__(self, element: etree._Element | None, path: str) -> None:
        self.element = element
        self.path = path

    def child(self, name: str, required: bool = False) -> _Reader:
        found = None if self.element is None else self.element.find(f"{{{NS}}}{name}")
        path = f"{self.path}/{name}" if self.path else name
        if found is None and required:
            raise errors.MissingField(path)
        return _Reader(found, path)

    def children(self, name: str) -> list[_Reader]:
        if self.element is None:
            return []
        base = f"{self.path}/{name}" if self.path else name
        return [_Reader(el, f"{base}[{i}]")
                for i, el in enumerate(self.element.findall(f"{{{NS}}}{name}"), start=1)]

    @property
    def present(self) -> bool:
        return self.element is not None

    def text(self, name: str, required: bool = False) -> str:
        node = self.child(name)
        value = clean_text(node.element.text if node.element is not None else "")
        return _checked(node.path, value, required)

    def date(self, name: str, required: bool = False) -> date | None:
        node = self.child(name)
        value = self.text(name, required)
        return parse_date(node.path, value)

    def timestamp(self, name: str, required: bool = False) -> datetime | None:
        return parse_timestamp(self.child(name).path, self.text(name, required))

    def int(self, name: str, required: bool = False,
            allowed: Iterable[int] | None = None) -> int | None:
        return _int(self.child(name).path, self.text(name, required), allowed)


def _read_organ(r: _Reader) -> Organ:
    return Organ(organ_id=r.text("OrganId", required=True),
                 in_charge=r.text("OrganizationInCharge"), name=r.text("OrganName"),
                 address=r.text("OrganAdd"), email=r.text("Email"),
                 telephone=r.text("Telephone"), fax=r.text("Fax"), website=r.text("Website"))


def _read_response_for(r: _Reader) -> ResponseFor:
    return ResponseFor(organ_id=r.text("OrganId"), code=r.text("Code"),
                       promulgation_date=r.date("PromulgationDate"),
                       document_id=r.text("DocumentId", required=True))


def _read_staff(r: _Reader) -> StaffInfo | None:
    if not r.present:
        return None
    return StaffInfo(department=r.text("Department"), staff=r.text("Staff"),
                     email=r.text("Email"), mobile=r.text("Mobile"))


def _read_header(r: _Reader) -> MessageHeader:
    to = [_read_organ(t) for t in r.children("To")]
    if not to:
        raise errors.MissingField(f"{r.path}/To" if r.path else "To")
    code = r.child("Code", required=True)
    prom = r.child("PromulgationInfo", required=True)
    dtype = r.child("DocumentType")
    signer = r.child("SignerInfo")
    other = r.child("OtherInfo")
    response = r.child("ResponseFor")
    return MessageHeader(
        from_=_read_organ(r.child("From", required=True)), to=to,
        document_id=r.text("DocumentId", required=True),
        code=Code(number=code.text("CodeNumber", required=True),
                  notation=code.text("CodeNotation", required=True)),
        promulgation=Promulgation(place=prom.text("Place"),
                                  date=prom.date("PromulgationDate", required=True)),
        document_type=DocumentType(type=dtype.int("Type"), type_detail=dtype.int("TypeDetail"),
                                   type_name=dtype.text("TypeName")),
        subject=r.text("Subject", required=True), content=r.text("Content"),
        signer=SignerInfo(competence=signer.text("Competence"),
                          position=signer.text("Position"), full_name=signer.text("FullName")),
        due_date=r.date("DueDate"),
        other=OtherInfo(priority=other.int("Priority", allowed=range(5)) or 0,
                        sphere=other.text("SphereOfPromulgation"),
                        typer_notation=other.text("TyperNotation"),
                        promulgation_amount=other.int("PromulgationAmount"),
                        page_amount=other.int("PageAmount"),
                        direction=_bool(other.child("Direction").path, other.text("Direction")),
                        appendixes=[a for a in (_checked(x.path, clean_text(x.element.text))
                                                for x in other.child("Appendixes")
                                                .children("Appendix")
                                                if x.element is not None) if a]),
        steering_type=r.int("SteeringType", allowed=(1, 2, 3)),
        to_places=[p for p in (_checked(x.path, clean_text(x.element.text))
                               for x in r.child("ToPlaces").children("Place")
                               if x.element is not None) if p],
        response_for=_read_response_for(response) if response.present else None)


def _read_business(r: _Reader) -> Business:
    if not r.present:
        return Business()
    info = r.child("BussinessDocumentInfo")
    document_info = None
    if info.present:
        document_info = BusinessDocumentInfo(
            document_info=bool(info.int("DocumentInfo", allowed=(0, 1))),
            document_receiver=bool(info.int("DocumentReceiver", allowed=(0, 1))),
            receivers=[Receiver(organ_id=x.text("OrganId", required=True),
                                receiver_type=x.int("ReceiverType", required=True,
                                                    allowed=(0, 1)) or 0)
                       for x in info.child("ReceiverList").children("Receiver")])
    replacements = [
        ReplacementInfo(document_id=x.text("DocumentId", required=True),
                        organ_ids=[o for o in (_checked(y.path, clean_text(y.element.text))
                                               for y in x.child("OrganIdList").children("OrganId")
                                               if y.element is not None) if o])
        for x in r.child("ReplacementInfoList").children("ReplacementInfo")]
    doc_type = r.int("BussinessDocType", required=True, allowed=range(4))
    return Business(document_id=r.text("DocumentId"), doc_type=BusinessType(doc_type or 0),
                    reason=r.text("BussinessDocReason"),
                    paper=r.int("Paper", allowed=(0, 1)) or 0,
                    staff=_read_staff(r.child("StaffInfo")), document_info=document_info,
                    replacements=replacements)


def _b64decode(path: str, name: str, text: str, limit: int) -> bytes:
    compact = re.sub(r"\s+", "", text or "")
    if len(compact) // 4 * 3 > limit + 2:
        raise errors.attachment_too_large(path, name, limit)
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise errors.bad_base64(path, name) from None
    if len(data) > limit:
        raise errors.attachment_too_large(path, name, limit)
    return data


# Archives a ZIP must not hold (one level only); Office and OpenDocument files are ZIPs too
# and are files, not archives.
_ARCHIVE_EXTENSIONS = {".zip", ".rar", ".7z", ".gz", ".tgz", ".bz2", ".xz", ".tar", ".cab",
                       ".arj", ".lzh", ".z", ".zst", ".edxml"}
_ARCHIVE_MAGIC = (b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00",
                  b"MSCF", b"\x28\xb5\x2f\xfd")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_ZIP_DOCUMENTS = {".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".odg"}


def _is_archive(name: str, head: bytes) -> bool:
    ext = posixpath.splitext(name.lower())[1]
    if ext in _ARCHIVE_EXTENSIONS or head.startswith(_ARCHIVE_MAGIC):
        return True
    return head.startswith(_ZIP_MAGIC) and ext not in _ZIP_DOCUMENTS


def unpack_zip(path: str, name: str, data: bytes,
               limits: Limits = DEFAULT_LIMITS) -> list[tuple[str, bytes]]:
    """The files of the ZIP ``data``, one level: no archive inside, no more than the caps
    (members, total size, ratio), sizes counted on what is read, not on what is declared."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise errors.unreadable_archive(path, name) from None
    if not members or len(members) > limits.archive_members:
        raise (errors.unreadable_archive(path, name) if not members
               else errors.archive_bomb(path, name))
    declared = sum(m.file_size for m in members)
    if declared > limits.archive_bytes:
        raise errors.archive_bomb(path, name)
    out: list[tuple[str, bytes]] = []
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise errors.unreadable_archive(path, name)  # encrypted
        if member.file_size > max(member.compress_size, 1) * limits.archive_ratio:
            raise errors.archive_bomb(path, name)
        base = posixpath.basename(member.filename.replace("\\", "/"))
        if not base:
            raise errors.unreadable_archive(path, name)
        chunks = []
        read = 0
        try:
            with archive.open(member) as fh:
                while True:
                    chunk = fh.read(64 * 1024)
                    if not chunk:
                        break
                    read += len(chunk)
                    total += len(chunk)
                    if (read > member.file_size or total > limits.archive_bytes
                            or read > max(member.compress_size, 1) * limits.archive_ratio):
                        raise errors.archive_bomb(path, name)
                    chunks.append(chunk)
        except errors.AttachmentError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
            raise errors.unreadable_archive(path, name) from None
        content = b"".join(chunks)
        if _is_archive(base, content[:8]):
            raise errors.nested_archive(path, name)
        out.append((clean_text(base), content))
    return out


def _read_attachments(envelope: _Reader, root: _Reader, limits: Limits) -> list[Attachment]:
    references = envelope.child("edXMLBody").child("edXMLManifest").children("Reference")
    encoded: dict[str, _Reader] = {}
    for att in root.child("AttachmentEncoded").children("Attachment"):
        encoded[att.text("ContentId", required=True)] = att
    out = []
    for ref in references:
        cid = ref.text("ContentId", required=True)
        found = encoded.pop(cid, None)
        if found is None:
            raise errors.MissingField(f"AttachmentEncoded/Attachment[ContentId={cid}]")
        out.append(_read_attachment(ref, found, limits))
    # Attachments the manifest does not list are read too: nothing the sender sent is lost.
    for att in encoded.values():
        out.append(_read_attachment(att, att, limits))
    return out


def _read_attachment(ref: _Reader, att: _Reader, limits: Limits) -> Attachment:
    name = att.text("AttachmentName") or ref.text("AttachmentName")
    content_type = (att.text("ContentType") or ref.text("ContentType")
                    or "application/octet-stream")
    transfer = att.child("ContentTransferEncoded", required=True)
    assert transfer.element is not None
    data = _b64decode(transfer.path, name, transfer.element.text or "", limits.attachment_bytes)
    if content_type.lower() == ZIP:
        files = unpack_zip(transfer.path, name, data, limits)
    else:
        files = [(name, data)]
    return Attachment(content_id=att.text("ContentId", required=True), name=name,
                      description=att.text("Description") or ref.text("Description"),
                      content_type=content_type, data=data, files=files)


def _header(root: etree._Element) -> tuple[_Reader, _Reader, _Reader]:
    top = _Reader(root, "")
    envelope = top.child("edXMLEnvelope", required=True)
    header = envelope.child("edXMLHeader", required=True)
    return top, envelope, header


def _signed(header: _Reader) -> bool:
    return header.element is not None and header.element.find(f"{{{DS}}}Signature") is not None


def is_status(root: etree._Element) -> bool:
    message = root.find(f"{{{NS}}}edXMLEnvelope/{{{NS}}}edXMLHeader/{{{NS}}}MessageHeader")
    return message is not None and message.find(f"{{{NS}}}StatusCode") is not None


def read_document(root: etree._Element, limits: Limits = DEFAULT_LIMITS) -> DocumentPackage:
    top, envelope, header = _header(root)
    message = header.child("MessageHeader", required=True)
    message.path = ""  # fields are named from MessageHeader down: From/OrganId, Code/…
    traces = header.child("TraceHeaderList")
    traces.path = "TraceHeaderList"
    business = traces.child("Bussiness")
    business.path = "Bussiness"
    return DocumentPackage(
        header=_read_header(message),
        traces=[TraceHeader(organ_id=t.text("OrganId"), timestamp=t.timestamp("Timestamp"))
                for t in traces.children("TraceHeader")],
        business=_read_business(business),
        attachments=_read_attachments(envelope, top, limits), signed=_signed(header))


def read_status(root: etree._Element) -> StatusPackage:
    _top, _envelope, header = _header(root)
    message = header.child("MessageHeader", required=True)
    message.path = ""
    code = message.text("StatusCode", required=True)
    if code not in STATUS_CODES:
        raise errors.InvalidField("StatusCode", code)
    description = message.text("Description", required=code in STATUS_NEEDS_REASON)
    return StatusPackage(from_=_read_organ(message.child("From", required=True)),
                         response_for=_read_response_for(
                             message.child("ResponseFor", required=True)),
                         staff=_read_staff(message.child("StaffInfo")), status_code=code,
                         description=description,
                         timestamp=message.timestamp("Timestamp", required=True),
                         signed=_signed(header))


def parse(data: bytes, limits: Limits = DEFAULT_LIMITS) -> DocumentPackage | StatusPackage:
    """The package ``data`` holds: a status package when its header has a ``StatusCode``,
    else a document package. Raises an ``errors.ExchangeError`` naming what is wrong; a
    missing or invalid envelope signature is not an error here (``signing.verify``)."""
    root = parse_xml(data, limits)
    if is_status(root):
        return read_status(root)
    return read_document(root, limits)


def parse_document(data: bytes, limits: Limits = DEFAULT_LIMITS) -> DocumentPackage:
    package = parse(data, limits)
    if not isinstance(package, DocumentPackage):
        raise errors.InvalidField("StatusCode", package.status_code)
    return package


def parse_status(data: bytes, limits: Limits = DEFAULT_LIMITS) -> StatusPackage:
    root = parse_xml(data, limits)
    if not is_status(root):
        raise errors.MissingField("StatusCode")
    return read_status(root)


# -- writing ---------------------------------------------------------------------------------

class _Writer:
    def __init__(self, element: etree._Element, path: str) -> None:
        self.element = element
        self.path = path

    def child(self, name: str) -> _Writer:
        path = f"{self.path}/{name}" if self.path else name
        return _Writer(etree.SubElement(self.element, f"{{{NS}}}{name}"), path)

    def text(self, name: str, value: str | None, required: bool = False) -> _Writer:
        node = self.child(name)
        cleaned = _checked(node.path, clean_text(value), required)
        if cleaned:
            node.element.text = cleaned
        return node

    def date(self, name: str, value: date | None, required: bool = False) -> _Writer:
        if value is None and required:
            raise errors.MissingField(f"{self.path}/{name}" if self.path else name)
        return self.text(name, value.strftime(DATE_FORMAT) if value else "")

    def timestamp(self, name: str, value: datetime | None, required: bool = False) -> _Writer:
        if value is None and required:
            raise errors.MissingField(f"{self.path}/{name}" if self.path else name)
        return self.text(name, value.strftime(TIMESTAMP_FORMAT) if value else "")

    def int(self, name: str, value: int | None, allowed: Iterable[int] | None = None) -> _Writer:
        path = f"{self.path}/{name}" if self.path else name
        if value is not None and (value < 0 or (allowed is not None and value not in allowed)):
            raise errors.InvalidField(path, str(value))
        return self.text(name, "" if value is None else str(int(value)))


def _write_organ(w: _Writer, organ: Organ) -> None:
    w.text("OrganId", organ.organ_id, required=True)
    w.text("OrganizationInCharge", organ.in_charge)
    w.text("OrganName", organ.name)
    w.text("OrganAdd", organ.address)
    w.text("Email", organ.email)
    w.text("Telephone", organ.telephone)
    w.text("Fax", organ.fax)
    w.text("Website", organ.website)


def _write_response_for(w: _Writer, response: ResponseFor) -> None:
    w.text("OrganId", response.organ_id)
    w.text("Code", response.code)
    w.date("PromulgationDate", response.promulgation_date)
    w.text("DocumentId", response.document_id, required=True)


def _write_staff(w: _Writer, staff: StaffInfo) -> None:
    w.text("Department", staff.department)
    w.text("Staff", staff.staff)
    w.text("Email", staff.email)
    w.text("Mobile", staff.mobile)


def _write_header(w: _Writer, h: MessageHeader) -> None:
    _write_organ(w.child("From"), h.from_)
    if not h.to:
        raise errors.MissingField("To")
    for i, organ in enumerate(h.to, start=1):
        node = w.child("To")
        node.path = f"To[{i}]"
        _write_organ(node, organ)
    w.text("DocumentId", h.document_id, required=True)
    code = w.child("Code")
    code.text("CodeNumber", h.code.number, required=True)
    code.text("CodeNotation", h.code.notation, required=True)
    prom = w.child("PromulgationInfo")
    prom.text("Place", h.promulgation.place)
    prom.date("PromulgationDate", h.promulgation.date, required=True)
    dtype = w.child("DocumentType")
    dtype.int("Type", h.document_type.type)
    dtype.int("TypeDetail", h.document_type.type_detail)
    dtype.text("TypeName", h.document_type.type_name)
    w.text("Subject", h.subject, required=True)
    w.text("Content", h.content)
    signer = w.child("SignerInfo")
    signer.text("Competence", h.signer.competence)
    signer.text("Position", h.signer.position)
    signer.text("FullName", h.signer.full_name)
    w.date("DueDate", h.due_date)
    other = w.child("OtherInfo")
    other.int("Priority", h.other.priority, allowed=range(5))
    other.text("SphereOfPromulgation", h.other.sphere)
    other.text("TyperNotation", h.other.typer_notation)
    other.int("PromulgationAmount", h.other.promulgation_amount)
    other.int("PageAmount", h.other.page_amount)
    other.text("Direction", "" if h.other.direction is None
               else ("true" if h.other.direction else "false"))
    appendixes = other.child("Appendixes")
    for text in h.other.appendixes:
        appendixes.text("Appendix", text, required=True)
    w.int("SteeringType", h.steering_type, allowed=(1, 2, 3))
    places = w.child("ToPlaces")
    for text in h.to_places:
        places.text("Place", text, required=True)
    if h.response_for is not None:
        _write_response_for(w.child("ResponseFor"), h.response_for)


def _write_business(w: _Writer, b: Business) -> None:
    w.text("DocumentId", b.document_id)
    w.int("BussinessDocType", int(b.doc_type), allowed=range(4))
    w.text("BussinessDocReason", b.reason)
    w.int("Paper", b.paper, allowed=(0, 1))
    if b.staff is not None:
        _write_staff(w.child("StaffInfo"), b.staff)
    if b.document_info is not None:
        info = w.child("BussinessDocumentInfo")
        info.int("DocumentInfo", int(b.document_info.document_info))
        info.int("DocumentReceiver", int(b.document_info.document_receiver))
        receivers = info.child("ReceiverList")
        for r in b.document_info.receivers:
            node = receivers.child("Receiver")
            node.text("OrganId", r.organ_id, required=True)
            node.int("ReceiverType", r.receiver_type, allowed=(0, 1))
    if b.replacements:
        replacements = w.child("ReplacementInfoList")
        for rep in b.replacements:
            node = replacements.child("ReplacementInfo")
            node.text("DocumentId", rep.document_id, required=True)
            organs = node.child("OrganIdList")
            for organ_id in rep.organ_ids:
                organs.text("OrganId", organ_id, required=True)


def _skeleton() -> tuple[etree._Element, _Writer]:
    root = etree.Element(f"{{{NS}}}edXML", nsmap={None: NS})
    envelope = etree.SubElement(root, f"{{{NS}}}edXMLEnvelope", nsmap={"edXML": NS})
    return root, _Writer(envelope, "")


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def attachment_for(name: str, data: bytes, content_type: str | None = None,
                   description: str = "", content_id: str = "") -> Attachment:
    """An attachment of ``data`` under ``name``, its type guessed from the name."""
    guessed = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Attachment(content_id=content_id, name=name, description=description,
                      content_type=guessed, data=data, files=[(name, data)])


def zipped(attachment: Attachment) -> Attachment:
    """``attachment`` packed in a ZIP, as many senders do (ContentType application/zip)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in attachment.files or [(attachment.name, attachment.data)]:
            archive.writestr(name, data)
    return Attachment(content_id=attachment.content_id, name=attachment.name,
                      description=attachment.description, content_type=ZIP,
                      data=buf.getvalue(), files=list(attachment.files))


def build_document(package: DocumentPackage, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The edXML bytes of ``package`` (unsigned: ``signing.sign`` adds the signature)."""
    root, envelope = _skeleton()
    header = envelope.child("edXMLHeader")
    message = header.child("MessageHeader")
    message.path = ""
    _write_header(message, package.header)
    traces = header.child("TraceHeaderList")
    traces.path = "TraceHeaderList"
    for trace in package.traces:
        node = traces.child("TraceHeader")
        node.text("OrganId", trace.organ_id, required=True)
        node.timestamp("Timestamp", trace.timestamp, required=True)
    business = traces.child("Bussiness")
    business.path = "Bussiness"
    _write_business(business, package.business)
    manifest = envelope.child("edXMLBody").child("edXMLManifest")
    manifest.element.set("version", "1.0")
    encoded = _Writer(etree.SubElement(root, f"{{{NS}}}AttachmentEncoded"), "AttachmentEncoded")
    for i, att in enumerate(package.attachments, start=1):
        if len(att.data) > limits.attachment_bytes:
            raise errors.attachment_too_large(f"AttachmentEncoded/Attachment[{i}]", att.name,
                                              limits.attachment_bytes)
        cid = att.content_id or f"cid:{i}"
        ref = manifest.child("Reference")
        ref.text("ContentId", cid, required=True)
        ref.text("ContentType", att.content_type, required=True)
        ref.text("Description", att.description)
        ref.text("AttachmentName", att.name, required=True)
        node = encoded.child("Attachment")
        node.path = f"AttachmentEncoded/Attachment[{i}]"
        node.text("ContentId", cid)
        node.text("AttachmentName", att.name)
        node.text("Description", att.description)
        node.text("ContentType", att.content_type)
        transfer = etree.SubElement(node.element, f"{{{NS}}}ContentTransferEncoded",
                                    nsmap={"edXML": NS})
        transfer.text = base64.b64encode(att.data).decode("ascii")
    data = _serialize(root)
    if len(data) > limits.package_bytes:
        raise errors.PackageTooLarge(limits.package_bytes)
    return data


def build_status(package: StatusPackage) -> bytes:
    """The edXML bytes of a status package."""
    if package.status_code not in STATUS_CODES:
        raise errors.InvalidField("StatusCode", package.status_code)
    root, envelope = _skeleton()
    header = envelope.child("edXMLHeader")
    message = header.child("MessageHeader")
    message.path = ""
    _write_organ(message.child("From"), package.from_)
    _write_response_for(message.child("ResponseFor"), package.response_for)
    if package.staff is not None:
        _write_staff(message.child("StaffInfo"), package.staff)
    message.text("StatusCode", package.status_code, required=True)
    message.text("Description", package.description,
                 required=package.status_code in STATUS_NEEDS_REASON)
    message.timestamp("Timestamp", package.timestamp, required=True)
    return _serialize(root)
