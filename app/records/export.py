"""A closed file exported for the archive (docs/domain.md §9.9): its documents as files in
the order of the index, the index as PDF, the metadata as XML with the field names of
NĐ 30 Phụ lục VI (checked against ``schema/ho-so.xsd``), and a manifest of SHA-256 sums.

    DIR/FILE_CODE/FILE_CODE.001.pdf …    the documents, by ordinal
    DIR/FILE_CODE/muc-luc-van-ban.pdf    the index (7 columns)
    DIR/FILE_CODE/FILE_CODE.xml          the metadata
    DIR/FILE_CODE/manifest-sha256.txt    "sha256  name" of each file above"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil

from flask_babel import gettext as _
from lxml import etree
from sqlalchemy.orm import Session

from app.core import storage
from app.core.errors import DomainError
from app.core.workflow import FileState
from app.records import printing, services
from app.records.models import FileItem, WorkFile

SCHEMA = os.path.join(os.path.dirname(__file__), "schema", "ho-so.xsd")
INDEX_NAME = "muc-luc-van-ban.pdf"
MANIFEST_NAME = "manifest-sha256.txt"
RIGHTS = "Hạn chế"  # Party documents: for internal use


@functools.cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(SCHEMA))


def _cut(value: object, n: int) -> str:
    return ("" if value is None else str(value))[:n]


def split_symbol(symbol: str | None) -> tuple[str, str]:
    """"123-CV/TU" → ("123", "CV/TU"): CodeNumber and CodeNotation."""
    m = re.match(r"^\s*(\d+)\s*[-/]\s*(.*)$", symbol or "")
    return (m.group(1), m.group(2)) if m else ("", (symbol or "").strip())


def item_source(item: FileItem) -> tuple[str, str] | None:
    """(sha256, name) of the stored file that stands for the document in the export."""
    if item.incoming is not None:
        main = item.incoming.main_file()
        return (main.sha256, main.name) if main is not None else None
    if item.outgoing is not None:
        f = item.outgoing.final_file() or item.outgoing.current_draft()
        return (f.sha256, f.name) if f is not None else None
    return (item.file_sha256, item.file_name or "") if item.file_sha256 else None


def export_name(f: WorkFile, item: FileItem, source_name: str) -> str:
    ext = os.path.splitext(source_name)[1].lower() or ".pdf"
    return f"{f.code}.{item.ordinal:03d}{ext}"


def metadata_xml(f: WorkFile, items: list[FileItem], names: dict[int, str]) -> bytes:
    """The XML of the file and its documents in ordinal order."""
    def add(parent: etree._Element, tag: str, value: object) -> None:
        etree.SubElement(parent, tag).text = "" if value is None else str(value)

    organ, _sep, rest = f.code.partition(f".{f.year}.")
    root = etree.Element("HoSo")
    for tag, value in (
        ("FileCode", f.code), ("OrganId", _cut(organ, 30)), ("FileCatalog", f.year),
        ("FileNotation", f.notation), ("Title", f.title),
        ("Maintenance", _cut(f.retention.text(), 30)), ("Rights", RIGHTS),
        ("Creator", _cut(f.owner.get_full_name(), 30)), ("Language", _cut(f.language, 50)),
        ("StartDate", f.start_date.isoformat()),
        ("EndDate", (f.end_date or f.start_date).isoformat()),
        ("DocTotal", f.doc_total), ("PageTotal", f.page_total),
        ("Description", _cut(f.description, 500)),
    ):
        add(root, tag, value)
    for item in items:
        if item.left_out:
            continue
        cells = printing.item_cells(item)
        number, notation = split_symbol(cells[0])
        doc = etree.SubElement(root, "TaiLieu")
        day = services.item_date(item) or f.start_date
        type_name = (item.incoming.document_type.name if item.incoming is not None
                     and item.incoming.document_type else
                     item.outgoing.document_type.name if item.outgoing is not None
                     and item.outgoing.document_type else item.type_name or "")
        subject = (item.incoming.summary if item.incoming is not None else
                   item.outgoing.summary if item.outgoing is not None else item.subject)
        for tag, value in (
            ("FileCode", f.code), ("DocOrdinal", item.ordinal),
            ("TypeName", _cut(type_name, 100)), ("CodeNumber", _cut(number, 30)),
            ("CodeNotation", _cut(notation, 50)), ("IssuedDate", day.isoformat()),
            ("OrganName", _cut(cells[3], 500)), ("Subject", _cut(subject, 500)),
            ("Language", _cut(f.language, 50)),
            ("PageAmount", min(services.item_pages(item), 9999)),
            ("Description", ""), ("FileName", _cut(names.get(item.id, ""), 100)),
        ):
            add(doc, tag, value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def validate(xml: bytes) -> None:
    """Raise DomainError naming the first fault when ``xml`` breaks the schema."""
    doc = etree.fromstring(xml)
    if not schema().validate(doc):
        raise DomainError(_("The metadata do not follow the schema: %(error)s",
                            error=str(schema().error_log.last_error)))


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def export_file(session: Session, f: WorkFile, out_dir: str, mark: str,
                with_documents: bool = True) -> str:
    """Write the export of the closed file ``f`` under ``out_dir``; return its folder."""
    if f.state == FileState.OPEN:
        raise DomainError(_("The file %(code)s is open: close it before exporting it.",
                            code=f.code))
    folder = os.path.join(out_dir, f.code)
    os.makedirs(folder, exist_ok=True)
    items = services.items_loaded(session, f)
    kept = [i for i in items if not i.left_out]
    names: dict[int, str] = {}
    written: list[str] = []
    if with_documents:
        for item in kept:
            source = item_source(item)
            if source is None:
                continue
            name = export_name(f, item, source[1])
            shutil.copyfile(storage.path_for(source[0]), os.path.join(folder, name))
            names[item.id] = name
            written.append(name)
    with open(os.path.join(folder, INDEX_NAME), "wb") as fh:
        printing.build(fh, printing.index_document(f, items, mark), "pdf")
    written.append(INDEX_NAME)
    xml = metadata_xml(f, items, names)
    validate(xml)
    xml_name = f"{f.code}.xml"
    with open(os.path.join(folder, xml_name), "wb") as fh:
        fh.write(xml)
    written.append(xml_name)
    with open(os.path.join(folder, MANIFEST_NAME), "w", encoding="utf-8") as fh:
        for name in written:
            fh.write(f"{sha256_of(os.path.join(folder, name))}  {name}\n")
    return folder
