import pytest

from app.extensions import db


@pytest.fixture
def ctx(app):
    """A request context with the app's session; removed afterwards. The kit's helpers
    (``incoming.intake`` …) run in the same app context and end this session: fetch users
    and documents again after calling them."""
    with app.test_request_context():
        yield db.session
        db.session.remove()
