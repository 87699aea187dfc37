"""The search index (one row per incoming or outgoing document, written in the same
transaction as the document) and the searches a user saved (tra cứu, Điều 5.2)."""

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import relationship

from app.core.audit import ACTION_LABELS
from app.core.timeutil import utcnow

KINDS = {"in": _l("Incoming"), "out": _l("Outgoing")}

# SQLite keeps its FTS5 table (search_fts, filled by triggers on search_document) and
# PostgreSQL its GIN index (ix_search_fts on search_document.tsv) out of the models: the
# migration creates them. Alembic's comparisons skip these names.
FTS_NAMES = ("search_fts", "ix_search_fts")


def is_fts_object(name):
    """Whether ``name`` is one of the full-text objects the migration owns."""
    return bool(name) and (name in FTS_NAMES or name.startswith("search_fts_"))


def alembic_include_name(name, type_, parent_names):
    """Alembic's ``include_name``: compare everything but the full-text objects."""
    return not is_fts_object(name)


class SearchDocument(Model):
    """What search reads of one document: the fields its filters use, the text shown in the
    results (``text``), and the same folded for the full-text index (``body``)."""

    __tablename__ = "search_document"
    id = Column(Integer, primary_key=True)
    kind = Column(String(3), nullable=False)
    document_id = Column(Integer, nullable=False)
    unit_id = Column(Integer, ForeignKey("unit.id", name="fk_search_document_unit"),
                     nullable=False)
    sender_unit_id = Column(Integer, ForeignKey("unit.id", name="fk_search_document_sender"),
                            nullable=True)
    document_type_id = Column(Integer, ForeignKey("document_type.id",
                                                  name="fk_search_document_type"),
                              nullable=True)
    state = Column(String(20), nullable=False)
    urgency = Column(Integer, nullable=False, default=0)
    doc_date = Column(Date, nullable=True)
    symbol = Column(String(100), nullable=False, default="")
    summary = Column(Text, nullable=False, default="")
    text = Column(Text, nullable=False, default="")
    body = Column(Text, nullable=False, default="")
    # PostgreSQL: to_tsvector('simple', body), written with the row; unused on SQLite.
    tsv = Column(TSVECTOR().with_variant(Text(), "sqlite"), nullable=True)

    __table_args__ = (
        UniqueConstraint("kind", "document_id", name="uq_search_document"),
        CheckConstraint("kind IN ('in', 'out')", name="ck_search_document_kind"),
        Index("ix_search_document_unit", "unit_id", "kind", "doc_date"),
        Index("ix_search_document_date", "doc_date"),
    )

    def kind_label(self):
        return str(KINDS.get(self.kind, self.kind))


class SavedSearch(Model):
    """A search a user keeps under a name; only its owner sees it."""

    __tablename__ = "saved_search"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", name="fk_saved_search_user",
                                         ondelete="CASCADE"), nullable=False)
    user = relationship("AppUser")
    name = Column(String(100), nullable=False)
    query_string = Column(Text, nullable=False, default="")
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_search_name"),)


AUDIT_ACTIONS = {
    "search_saved": _l("Search saved"),
    "search_deleted": _l("Saved search deleted"),
    "search_exported": _l("Search results exported"),
}


def _register():
    ACTION_LABELS.update(AUDIT_ACTIONS)


_register()
