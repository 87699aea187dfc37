"""The register fields of a recognised page, with the document types of this
installation's reference data."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.ocr.fields import Fields, read_fields
from app.reference.models import DocumentType


def document_types(session: Session) -> dict[str, str]:
    """Name → abbreviation of the active document types (empty when the reference data
    cannot be read, e.g. an installation not yet migrated)."""
    try:
        rows = session.execute(select(DocumentType.name, DocumentType.abbreviation)
                               .where(DocumentType.active.is_(True))).all()
    except SQLAlchemyError:
        session.rollback()
        return {}
    return {name: abbreviation for name, abbreviation in rows}


def register_fields(session: Session, text: str) -> Fields:
    """The register fields read from ``text``, the type given as this
    installation's code for it."""
    return read_fields(text, document_types(session))
