"""Reference data rules: document types and terms."""

import re
import unicodedata
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.reference.models import DocumentType, Term

TYPE_ABBR_RE = re.compile(r"^[A-ZĐ][A-Za-zĐđ]{0,9}$")


def check_document_type(session: Session, doc_type: DocumentType) -> None:
    doc_type.name = unicodedata.normalize("NFC", (doc_type.name or "").strip())
    doc_type.abbreviation = unicodedata.normalize("NFC", (doc_type.abbreviation or "").strip())
    if not doc_type.name or len(doc_type.name) > 100:
        raise DomainError(_("The type name is required (at most 100 characters)."), field="name")
    if not TYPE_ABBR_RE.match(doc_type.abbreviation):
        raise DomainError(_("The abbreviation starts with a capital letter and has at most 10 "
                            "letters, e.g. CV, QĐi, CTr."), field="abbreviation")
    days = doc_type.processing_days
    if days is None or days < 0 or days > 365:
        raise DomainError(_("Processing days are between 0 and 365."), field="processing_days")
    with session.no_autoflush:
        query = select(func.count(DocumentType.id)).where(
            (DocumentType.name == doc_type.name)
            | (DocumentType.abbreviation == doc_type.abbreviation))
        if doc_type.id is not None:
            query = query.where(DocumentType.id != doc_type.id)
        if session.execute(query).scalar_one():
            raise DomainError(_("Another document type has this name or abbreviation."))


def check_term(session: Session, term: Term) -> None:
    """A term has a name, ends after it starts, and overlaps no other term."""
    term.name = unicodedata.normalize("NFC", (term.name or "").strip())
    if not term.name:
        raise DomainError(_("The term name is required."), field="name")
    if not term.start_date or not term.end_date or term.end_date <= term.start_date:
        raise DomainError(_("The end date must be after the start date."), field="end_date")
    with session.no_autoflush:
        query = select(func.count(Term.id)).where(
            and_(Term.start_date < term.end_date, Term.end_date > term.start_date))
        if term.id is not None:
            query = query.where(Term.id != term.id)
        if session.execute(query).scalar_one():
            raise DomainError(_("This term overlaps another term."), field="start_date")


def term_on(session: Session, day: date) -> Term | None:
    """The term in force on ``day``, or None."""
    return session.execute(
        select(Term).where(Term.start_date <= day, Term.end_date >= day)
    ).scalars().first()
