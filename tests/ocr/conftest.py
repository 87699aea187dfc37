"""Fixtures of the OCR tests: the app with OCR on, the incoming helpers, and the engine's
availability as this machine has it (reset after a test that pretends otherwise)."""

import pytest

from tests.conftest import fresh_app
from tests.incoming.conftest import IncomingKit


@pytest.fixture
def app(database, tmp_path):
    """The app with OCR on (the other tests run without it)."""
    with fresh_app(database, tmp_path, OCR_ENABLED=True) as app:
        yield app


@pytest.fixture
def incoming(app, world):
    return IncomingKit(app, world)


@pytest.fixture(autouse=True)
def _availability():
    from app.ocr import services

    services._available.clear()
    yield
    services._available.clear()
