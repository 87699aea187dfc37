from flask_appbuilder import Model
from sqlalchemy import Boolean, CheckConstraint, Column, Date, Integer, String


class DocumentType(Model):
    """A document type (thể loại) with the abbreviation used in symbols, e.g. CV, QC."""

    __tablename__ = "document_type"
    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)
    abbreviation = Column(String(10), nullable=False, unique=True)
    processing_days = Column(Integer, nullable=False, default=10)
    active = Column(Boolean, nullable=False, default=True)

    __table_args__ = (
        CheckConstraint("processing_days >= 0 AND processing_days <= 365",
                        name="ck_document_type_processing_days"),
    )

    def __repr__(self):
        return f"{self.name} ({self.abbreviation})"


class Term(Model):
    """A term (nhiệm kỳ) of the committee; outgoing numbers restart with each term."""

    __tablename__ = "term"
    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)
    start_date = Column(Date, nullable=False)
    end_date = Column(Date, nullable=False)

    __table_args__ = (CheckConstraint("end_date > start_date", name="ck_term_dates"),)

    def __repr__(self):
        return self.name
