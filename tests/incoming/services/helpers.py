"""What the service tests of incoming documents share: reading rows back, building parties,
a registered delivery, a document led by a unit."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.errors import DomainError
from app.extensions import db
from app.incoming import services
from app.incoming.models import (
    ExchangeStatus,
    IncomingDocument,
)
from app.notifications.models import Notification


def _doc(doc_id):
    return db.session.get(IncomingDocument, doc_id)


def _actions(doc_id):
    return db.session.execute(
        select(AuditEvent.action).where(AuditEvent.object_type == "IncomingDocument",
                                        AuditEvent.object_id == str(doc_id))
        .order_by(AuditEvent.id)).scalars().all()


def _statuses(doc_id):
    return db.session.execute(
        select(ExchangeStatus.code).where(ExchangeStatus.document_id == doc_id)
        .order_by(ExchangeStatus.id)).scalars().all()


def _notifications(world, name):
    return db.session.execute(
        select(Notification).where(Notification.user_id == world.ids[name])
        .order_by(Notification.id)).scalars().all()


def _ids(clause):
    return set(db.session.execute(select(IncomingDocument.id).where(clause)).scalars())


def _party(world, role, who, deadline=None):
    if isinstance(who, tuple):
        return services.Party(role, unit_id=world.ids[who[1]], deadline=deadline)
    return services.Party(role, user_id=world.ids[who], deadline=deadline)


def _registered_delivery(incoming, world, **overrides):
    """A document delivered by BTCHU to VPHU and registered by the VPHU clerk."""
    symbol = overrides.pop("symbol", "45-BC/BTCHU")
    doc_id = incoming.deliver(symbol=symbol, **overrides)
    with incoming.app.test_request_context():
        services.register(db.session, _doc(doc_id), world.user("vanthu.vphu"),
                          incoming.entry(sender_unit_id=world.ids["btchu"], symbol=symbol,
                                         **overrides))
        db.session.commit()
        db.session.remove()
    return doc_id


def _refused_to(ctx, world, names, step):
    """``step(user)`` is refused (DomainError) to each of the users ``names``; every attempt
    is rolled back."""
    for name in names:
        with pytest.raises(DomainError):
            step(world.user(name))
        ctx.rollback()


def _past(incoming, days):
    return incoming.today() - timedelta(days=days)


def _lead_unit_doc(incoming, world, deadline=None):
    doc_id = incoming.intake()
    incoming.assign(doc_id, lead=("unit", "btchu"), cooperate=["chuyenvien.vphu"],
                    deadline=deadline or incoming.today() + timedelta(days=5))
    return doc_id
