"""The same edXML package received by several processes at the same instant makes one
document: the others wait on the unique key and answer ``duplicate``."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from app.exchange.models import ExchangeMessage
from app.exchange.receive import receive
from app.extensions import db
from app.incoming.models import IncomingDocument
from app.trust.signatures import Anchors
from tests.concurrency.conftest import together
from tests.exchange.conftest import package


def test_the_same_package_at_once_is_received_once(app, world):
    data = package()
    n = 4

    def receive_once():
        with app.app_context():
            result = receive(db.session, data, anchors=Anchors(), now=datetime.now(UTC)).result
            db.session.remove()
        return result

    results = together([receive_once] * n)
    assert sorted(results) == ["duplicate"] * (n - 1) + ["received"]
    with app.app_context():
        assert db.session.execute(select(func.count(IncomingDocument.id))).scalar() == 1
        assert db.session.execute(select(func.count(ExchangeMessage.id)).where(
            ExchangeMessage.direction == "in")).scalar() == 1
        db.session.remove()
