"""Installations exchanging through the axis simulator (app/exchange/axis.py) with every
fault on — requests lost, packages delivered twice, held up, reordered, and receivers
whose acknowledgement is lost after they committed: each document arrives exactly once,
every status comes back and applies, a revocation and a replacement complete.

On PostgreSQL two installations (two databases, two apps served on 127.0.0.1) exchange
100 documents; on SQLite one installation exchanges with itself through the axis (its
units reached by their mã định danh), fewer documents."""

import json
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app.exchange import axis as axis_module
from app.exchange import outbox
from app.exchange.models import ExchangeMessage, ExchangePeer
from app.extensions import db
from app.incoming.models import IncomingDocument
from app.jobs import runner
from app.outgoing.models import OutgoingDocument, Recipient
from app.outgoing.services import RecipientSpec
from tests.conftest import World, _make_world, _reset_database
from tests.exchange.conftest import BTCHU, VPHU
from tests.outgoing.conftest import OutgoingKit

SECRET_A = "bi-mat-cua-he-thong-A-0123"
SECRET_B = "bi-mat-cua-he-thong-B-0123"
TIMEOUT = 600  # seconds for the exchange to settle


def _serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


class Side:
    """One installation: its app, world, outgoing kit and base URL."""

    def __init__(self, app, world, url):
        self.app, self.world, self.url = app, world, url
        self.kit = OutgoingKit(app, world)

    def peer(self, name, base_url, secret, organs):
        with self.app.app_context():
            db.session.add(ExchangePeer(name=name, base_url=base_url, organ_ids=organs,
                                        secret=secret, active=True))
            db.session.commit()
            db.session.remove()

    def scalar(self, query):
        with self.app.app_context():
            value = db.session.execute(query).scalar()
            db.session.remove()
        return value

    def work(self):
        """What a timer does: the jobs due, then the packages still waiting handed on."""
        with self.app.test_request_context():
            runner.run_due()
            outbox.requeue(db.session)
            db.session.commit()
            db.session.remove()


def settle(sides, done, what):
    deadline = time.monotonic() + TIMEOUT
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not settled: {what}")
        for side in sides:
            side.work()
        time.sleep(0.2)


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setattr(runner, "BACKOFF", (1, 1, 1))


def _pg_url():
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith(("postgresql", "postgres:")) else None


def _installation(url, tmp):
    from flask_migrate import upgrade

    from app import create_app
    from app.security.sync import sync_roles
    from config import TestConfig, _sqlalchemy_url

    url = _sqlalchemy_url(url)
    _reset_database(url)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, STORAGE_DIR=str(tmp / "files"),
                     AUDIT_ANCHOR_FILE=str(tmp / "audit-anchors.log"))
    with app.app_context():
        upgrade()
        sync_roles(app.appbuilder)
        db.session.remove()
    world = World(app)
    world.ids.update(_make_world(app))
    return app


def _create_database(base, name):
    server = make_url(base).set(database="postgres")
    engine = create_engine(server.render_as_string(hide_password=False).replace(
        "postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                            {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def exchange(sender, receiver, the_axis, count):
    """``count`` documents from the sender's VPHU to the receiver's BTCHU, through the
    axis, then a refusal, a revocation and a replacement; returns the figures."""
    started = time.monotonic()
    to_btchu = RecipientSpec(name="Ban Tổ chức Huyện ủy", channel="exchange",
                             organ_id=BTCHU)
    doc_ids = [sender.kit.issued(recipients=(to_btchu,), summary=f"Văn bản liên thông {n}")
               for n in range(count)]
    issued = time.monotonic()
    sides = [sender] if sender is receiver else [sender, receiver]

    def status_count(code):
        return sender.scalar(select(func.count()).select_from(Recipient).where(
            Recipient.document_id.in_(doc_ids), Recipient.status == code))

    def received():
        return receiver.scalar(select(func.count()).select_from(IncomingDocument).where(
            IncomingDocument.unit_id == receiver.world.ids["btchu"]))

    settle(sides, lambda: status_count("01") == count, "every document's 01")
    assert received() == count
    delivered = time.monotonic()

    # The receiver refuses some: 02 with the reason comes back.
    with receiver.app.test_request_context():
        from app.incoming import services as incoming

        refused = db.session.execute(select(IncomingDocument).where(
            IncomingDocument.unit_id == receiver.world.ids["btchu"])
            .order_by(IncomingDocument.id).limit(5)).scalars().all()
        for doc in refused:
            incoming.refuse(db.session, doc, receiver.world.user("vanthu.btchu"),
                            "Không thuộc thẩm quyền")
            db.session.commit()
        db.session.remove()
    settle(sides, lambda: status_count("02") == 5, "the refusals' 02")

    # A revocation: asked, accepted by the receiver's clerk, 15 back.
    recalled = doc_ids[-1]
    with sender.app.test_request_context():
        from app.outgoing import services

        services.request_recall(db.session, db.session.get(OutgoingDocument, recalled),
                                sender.world.user("vanthu.vphu"), "Ban hành nhầm")
        db.session.commit()
        db.session.remove()

    def asked_back():
        return receiver.scalar(select(func.count()).select_from(IncomingDocument).where(
            IncomingDocument.recall_requested_at.is_not(None)))

    settle(sides, lambda: asked_back() == 1, "the revocation")
    with receiver.app.test_request_context():
        doc = db.session.execute(select(IncomingDocument).where(
            IncomingDocument.recall_requested_at.is_not(None))).scalar_one()
        outbox.answer_revocation(db.session, doc, receiver.world.user("vanthu.btchu"), True)
        db.session.commit()
        db.session.remove()
    settle(sides, lambda: sender.scalar(select(Recipient.status).where(
        Recipient.document_id == recalled)) == "15", "the revocation's 15")

    # A replacement: the new document takes the old one's place there.
    replaced = doc_ids[-2]
    new = sender.kit.issued(recipients=(to_btchu,), replaces_id=replaced,
                            summary="Văn bản liên thông (thay thế)")
    settle(sides, lambda: sender.scalar(select(Recipient.status).where(
        Recipient.document_id == new)) == "01", "the replacement's 01")
    assert receiver.scalar(select(func.count()).select_from(IncomingDocument).where(
        IncomingDocument.state == "replaced")) == 1
    # Exactly once, whatever the faults did.
    assert received() == count + 1
    assert receiver.scalar(select(func.count()).select_from(ExchangeMessage).where(
        ExchangeMessage.direction == "in", ExchangeMessage.kind == "document",
        ExchangeMessage.to_organ == BTCHU)) == count + 2
    assert status_count("01") == count - 5 - 1 - 1 + 1  # the replaced one stays at 01
    the_axis.stop()
    report = the_axis.report()
    assert report["dropped"] and report["duplicated"] and report["crashed"]
    return {"documents": count, "issue_seconds": round(issued - started, 1),
            "delivered_seconds": round(delivered - issued, 1),
            "total_seconds": round(time.monotonic() - started, 1), "axis": report}


def _axis():
    the_axis = axis_module.Axis(axis_module.Faults.every(share=0.15, delay=0.5), seed=7,
                                retry_after=0.3)
    server, url = _serve(the_axis)
    the_axis.start()
    return the_axis, server, url


def _figures(result, name):
    print(json.dumps(result, ensure_ascii=False))
    out = os.environ.get("EXCHANGE_FIGURES")
    if out:
        Path(out).write_text(json.dumps({name: result}, ensure_ascii=False, indent=1))


def test_one_installation_exchanges_with_itself_through_the_faulty_axis(
        app, world, fast_retries):
    if _pg_url():
        pytest.skip("on PostgreSQL the two-installation test runs instead")
    the_axis, axis_server, axis_url = _axis()
    server, url = _serve(app)
    try:
        side = Side(app, world, url)
        side.peer("A", axis_url, SECRET_A, f"{BTCHU},{VPHU}")
        the_axis.register("A", url, SECRET_A, [VPHU, BTCHU])
        _figures(exchange(side, side, the_axis, 12), "sqlite")
    finally:
        the_axis.stop()
        server.shutdown()
        axis_server.shutdown()


def test_two_installations_exchange_100_documents_through_the_faulty_axis(
        tmp_path, fast_retries):
    base = _pg_url()
    if not base:
        pytest.skip("two installations need PostgreSQL (TEST_DATABASE_URL)")
    # Named after the suite's own database, so that two suites on one server do not meet.
    own = make_url(base).database
    apps = [_installation(_create_database(base, f"{own}_{side}"), tmp_path / side)
            for side in ("a", "b")]
    the_axis, axis_server, axis_url = _axis()
    servers = [_serve(a) for a in apps]
    try:
        sides = []
        for a, (_server, url) in zip(apps, servers, strict=True):
            w = World(a)
            with a.app_context():
                from app.security.models import AppUser

                w.ids.update({u.username: u.id for u in db.session.execute(
                    select(AppUser)).scalars()})
                from app.units.models import Unit

                w.ids.update({u.abbreviation.lower(): u.id for u in db.session.execute(
                    select(Unit)).scalars()})
                db.session.remove()
            sides.append(Side(a, w, url))
        sender, receiver = sides
        sender.peer("A", axis_url, SECRET_A, BTCHU)
        receiver.peer("B", axis_url, SECRET_B, VPHU)
        the_axis.register("A", sender.url, SECRET_A, [VPHU])
        the_axis.register("B", receiver.url, SECRET_B, [BTCHU])
        _figures(exchange(sender, receiver, the_axis, 100), "postgresql")
    finally:
        the_axis.stop()
        for server, _url in servers:
            server.shutdown()
        axis_server.shutdown()
        for a in apps:
            with a.app_context():
                db.engine.dispose()
