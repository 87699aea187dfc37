"""Keeping the search index current: a session hook re-reads every incoming or outgoing
document whose row, files or recipients a flush wrote, and writes its index row on the
same connection, so that it commits, or rolls back, with the change itself."""

from sqlalchemy import event, func, literal_column, select
from sqlalchemy.orm import Session

from app.core.timeutil import to_local
from app.incoming.models import IncomingDocument, IncomingFile
from app.outgoing.models import OutgoingDocument, OutgoingFile, Recipient
from app.reference.models import DocumentType
from app.search.folding import index_body
from app.search.models import SearchDocument
from app.security.models import AppUser
from app.units.models import Unit

# Stored text of a document (shown in the results); the index holds MAX_WORDS words of it.
MAX_TEXT = 200_000
_PENDING = "search_pending"
_GONE = "search_gone"


def _name(session, model, pk):
    if pk is None:
        return ""
    obj = session.get(model, pk)
    return obj.name if obj is not None else ""


def _full_name(session, pk):
    user = session.get(AppUser, pk) if pk is not None else None
    return user.get_full_name() if user is not None else ""


def _files_text(session, model, doc_id):
    rows = session.execute(select(model.name, model.text_content)
                           .where(model.document_id == doc_id).order_by(model.id)).all()
    seen, out = set(), []
    for name, content in rows:
        for part in (name, content):
            if part and part not in seen:
                seen.add(part)
                out.append(part)
    return out


def incoming_values(session, doc):
    """The index row of an incoming document: every register field and its files' text."""
    parts = [doc.symbol, doc.number_label(), doc.summary, doc.author_name,
             _name(session, Unit, doc.sender_unit_id),
             _name(session, DocumentType, doc.document_type_id), doc.signer_name,
             doc.notes, doc.direction, doc.result_summary]
    parts += _files_text(session, IncomingFile, doc.id)
    day = doc.arrival_date or doc.document_date or to_local(doc.received_at).date()
    return dict(kind="in", document_id=doc.id, unit_id=doc.unit_id,
                sender_unit_id=doc.sender_unit_id, document_type_id=doc.document_type_id,
                state=doc.state, urgency=doc.urgency or 0, doc_date=day,
                symbol=doc.symbol or "", summary=doc.summary or "", parts=parts)


def outgoing_values(session, doc):
    """The index row of an outgoing document: its fields, recipients and files' text."""
    recipients = session.execute(
        select(Recipient.name, Recipient.unit_id).where(Recipient.document_id == doc.id)
        .order_by(Recipient.id)).all()
    parts = [doc.symbol, str(doc.number or ""), doc.summary,
             _name(session, DocumentType, doc.document_type_id),
             _name(session, Unit, doc.unit_id), _full_name(session, doc.signer_id)]
    parts += [name or _name(session, Unit, unit_id) for name, unit_id in recipients]
    parts += _files_text(session, OutgoingFile, doc.id)
    day = doc.document_date or (to_local(doc.created_at).date() if doc.created_at else None)
    return dict(kind="out", document_id=doc.id, unit_id=doc.unit_id,
                sender_unit_id=doc.unit_id, document_type_id=doc.document_type_id,
                state=doc.state, urgency=doc.urgency or 0, doc_date=day,
                symbol=doc.symbol or "", summary=doc.summary or "", parts=parts)


def write_row(session, values):
    """Insert or update the index row of one document on the session's connection."""
    table = SearchDocument.__table__
    parts = values.pop("parts")
    text = " · ".join(" ".join(str(p).split()) for p in parts if p and str(p).strip())
    values["text"] = text[:MAX_TEXT]
    values["body"] = index_body(values["text"])
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        values["tsv"] = func.to_tsvector(literal_column("'simple'::regconfig"), values["body"])
    where = (table.c.kind == values["kind"]) & (table.c.document_id == values["document_id"])
    if conn.execute(table.update().where(where).values(**values)).rowcount == 0:
        conn.execute(table.insert().values(**values))


def remove_row(session, kind, document_id):
    table = SearchDocument.__table__
    session.connection().execute(table.delete().where(
        table.c.kind == kind, table.c.document_id == document_id))


def index_document(session, doc):
    """Write the index row of ``doc`` (an IncomingDocument or OutgoingDocument)."""
    if isinstance(doc, IncomingDocument):
        write_row(session, incoming_values(session, doc))
    else:
        write_row(session, outgoing_values(session, doc))


def _owner(obj):
    """The document an object of the session belongs to, as (model, instance or id)."""
    if isinstance(obj, (IncomingDocument, OutgoingDocument)):
        return obj
    if isinstance(obj, IncomingFile):
        return obj.document or (IncomingDocument, obj.document_id)
    if isinstance(obj, (OutgoingFile, Recipient)):
        return obj.document or (OutgoingDocument, obj.document_id)
    return None


def _before_flush(session, flush_context, instances):
    pending = session.info.setdefault(_PENDING, [])
    gone = session.info.setdefault(_GONE, set())
    for obj in list(session.new) + list(session.dirty):
        owner = _owner(obj)
        if owner is not None:
            pending.append(owner)
    for obj in session.deleted:
        owner = _owner(obj)
        if owner is obj:
            gone.add(("in" if isinstance(obj, IncomingDocument) else "out", obj.id))
        elif owner is not None:
            pending.append(owner)


def _after_flush_postexec(session, flush_context):
    pending = session.info.pop(_PENDING, [])
    gone = session.info.pop(_GONE, set())
    if not pending and not gone:
        return

    done = set()
    for owner in pending:
        doc = session.get(*owner) if isinstance(owner, tuple) else owner
        if doc is None or doc.id is None:
            continue
        kind = "in" if isinstance(doc, IncomingDocument) else "out"
        if (kind, doc.id) in done or (kind, doc.id) in gone:
            continue
        done.add((kind, doc.id))
        index_document(session, doc)
    for kind, doc_id in gone:
        remove_row(session, kind, doc_id)


def _forget(session, *args):
    session.info.pop(_PENDING, None)
    session.info.pop(_GONE, None)


def install():
    """Listen on every session (once)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush_postexec", _after_flush_postexec)
        event.listen(Session, "after_soft_rollback", _forget)


def reindex_all(session, batch=500, progress=None):
    """Rebuild the whole index (after the migration, or to repair it); returns the count.
    ``progress(done, total)`` hears each batch indexed."""
    total = sum(session.scalar(select(func.count(model.id))) or 0
                for model in (IncomingDocument, OutgoingDocument))
    session.execute(SearchDocument.__table__.delete())
    count = 0
    for model in (IncomingDocument, OutgoingDocument):
        last = 0
        while True:
            docs = session.execute(select(model).where(model.id > last)
                                   .order_by(model.id).limit(batch)).unique().scalars().all()
            if not docs:
                break
            for doc in docs:
                index_document(session, doc)
            count += len(docs)
            if progress is not None:
                progress(count, total)
            last = docs[-1].id
            session.commit()
            session.expunge_all()
    session.commit()
    return count
