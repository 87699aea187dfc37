"""Fixtures of the trust tests: the test PKI (made once per run), trust roots loaded the
way the admin loads them, and the incoming/outgoing kits."""

import pytest

from tests import pki
from tests.incoming.conftest import IncomingKit
from tests.outgoing.conftest import OutgoingKit


@pytest.fixture
def incoming(app, world):
    return IncomingKit(app, world)


@pytest.fixture
def outgoing(app, world):
    return OutgoingKit(app, world)


def load_roots(app, *blobs):
    """Load PEM blobs (roots, CA certificates, CRLs) as the admin would."""
    from app.extensions import db
    from app.trust import services

    with app.test_request_context():
        for blob in blobs:
            services.add_anchor(db.session, None, blob)
        db.session.commit()
        db.session.remove()


@pytest.fixture
def trusted(app):
    """The test root and the intermediate's CRL are loaded."""
    p = pki.pki()
    load_roots(app, p.root_pem(), p.crl_pem())
    return p


@pytest.fixture(scope="session")
def agency_p12(tmp_path_factory):
    path = tmp_path_factory.mktemp("agency") / "agency.p12"
    path.write_bytes(pki.pki().agency_p12())
    return str(path)
