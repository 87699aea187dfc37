"""Fixtures of the OCR tests that store documents: the incoming helpers, and the engine's
availability as this machine has it (reset after a test that pretends otherwise)."""

import pytest

from tests.incoming.conftest import IncomingKit


@pytest.fixture
def incoming(app, world):
    return IncomingKit(app, world)


@pytest.fixture(autouse=True)
def _availability():
    from app.ocr import services

    services._available.clear()
    yield
    services._available.clear()
