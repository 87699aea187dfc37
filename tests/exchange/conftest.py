"""Fixtures of the receiving and export tests: packages addressed to the world's units,
made through the field map, and outgoing documents brought to a state by the real
services (tests/outgoing/conftest.py)."""

import threading
from datetime import date, datetime, timedelta

import pytest
from werkzeug.serving import make_server

from app.exchange import codec, fields
from tests import pdfs
from tests.exchange import samples
from tests.outgoing.conftest import OutgoingKit

OUTSIDE = "000.01.10.A47"  # Huyện ủy Duy Xuyên of the samples: not a unit here
VPHU, BTCHU = "000.00.01.H31", "000.00.02.H31"  # the world's units (tests/conftest.py)


@pytest.fixture
def outgoing(app, world):
    return OutgoingKit(app, world)


def package(to=BTCHU, pdf_text="Báo cáo số 19 của Huyện ủy", **changes):
    """A package from an outside body to ``to`` carrying a clean PDF, dated a few days
    ago; ``changes`` go to the field dict (samples.ours)."""
    today = date.today()
    ours = samples.ours(
        recipients=[{"code": to, "name": "Ban Tổ chức Huyện ủy"}],
        document_id="", document_date=today - timedelta(days=3),
        reply_deadline=today + timedelta(days=10),
        files=[{"name": "19-BC-HU.pdf", "content_type": "application/pdf",
                "data": pdfs.clean_pdf(pdf_text)}])
    ours.update(changes)
    return fields.build_document(ours)


def document_id_of(data):
    return codec.parse_document(data).header.document_id


def status(document_id, code="03", sender=BTCHU, note=""):
    return fields.build_status({
        "sender": {"code": sender, "name": "Ban Tổ chức Huyện ủy"},
        "document": {"code": VPHU, "symbol": "1/CV", "document_id": document_id},
        "code": code, "note": note, "timestamp": datetime(2026, 1, 6, 8, 0, 0)})


@pytest.fixture
def serve():
    """Serve a WSGI app on 127.0.0.1 in a thread; returns its base URL."""
    servers = []

    def start(wsgi):
        server = make_server("127.0.0.1", 0, wsgi, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
