"""The same edXML package received by several processes at the same instant makes one
document: the others wait on the unique key and answer ``duplicate``."""

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.exchange.models import ExchangeMessage
from app.exchange.receive import receive
from app.extensions import db
from app.incoming.models import IncomingDocument
from app.trust.signatures import Anchors
from tests.exchange.conftest import package


def test_the_same_package_at_once_is_received_once(app, world):
    data = package()
    n = 4
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        try:
            with app.app_context():
                barrier.wait(timeout=60)
                results[i] = receive(db.session, data, anchors=Anchors(),
                                     now=datetime.now(UTC)).result
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert sorted(results) == ["duplicate"] * (n - 1) + ["received"]
    with app.app_context():
        assert db.session.execute(select(func.count(IncomingDocument.id))).scalar() == 1
        assert db.session.execute(select(func.count(ExchangeMessage.id)).where(
            ExchangeMessage.direction == "in")).scalar() == 1
        db.session.remove()
