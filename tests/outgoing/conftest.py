"""Fixtures of the outgoing tests: document types (CV, QC), the two terms of the committee,
stored files, extra staffed units, and documents brought to each state through the real
services (draft → submit → sign → number → final PDF → issue), never by writing rows.

Every helper runs in its own request context, commits and ends the session (like
IncomingKit): fetch users and documents again after calling one."""

import io
from datetime import date
from itertools import count

import pytest

from tests import pdfs

TERMS = (("Nhiệm kỳ 2020-2025", date(2020, 10, 1), date(2025, 9, 30)),
         ("Nhiệm kỳ 2025-2030", date(2025, 10, 1), date(2030, 9, 30)))
TYPES = (("Công văn", "CV"), ("Quy chế", "QC"))


@pytest.fixture
def outgoing(app, world):
    """Helpers bound to the app and the world (units vphu/btchu, one user per role)."""
    return OutgoingKit(app, world)


class OutgoingKit:
    def __init__(self, app, world):
        from app.extensions import db
        from app.reference.models import DocumentType, Term

        self.app = app
        self.world = world
        self._serial = count(1)
        self.types, self.terms = {}, []
        with app.app_context():
            for name, abbreviation in TYPES:
                t = db.session.query(DocumentType).filter_by(abbreviation=abbreviation).first()
                if t is None:
                    t = DocumentType(name=name, abbreviation=abbreviation, processing_days=7)
                    db.session.add(t)
                    db.session.flush()
                self.types[abbreviation] = t.id
            for name, start, end in TERMS:
                term = Term(name=name, start_date=start, end_date=end)
                db.session.add(term)
                db.session.flush()
                self.terms.append(term.id)
            db.session.commit()
            db.session.remove()

    # -- people and units ------------------------------------------------------------------

    def add_user(self, username, role, unit_key):
        """One more account of ``role`` in the unit ``unit_key``; returns its id."""
        from app.extensions import db
        from app.units.models import Unit
        from tests.conftest import create_user

        with self.app.app_context():
            unit = db.session.get(Unit, self.world.ids[unit_key])
            user = create_user(db.session, self.app.appbuilder.sm, username, [role], unit)
            self.world.ids[username] = user.id
            db.session.commit()
            db.session.remove()
        return self.world.ids[username]

    def add_unit(self, key, abbreviation, name):
        """A unit of the system with a clerk, a head and an official (vanthu.KEY, …)."""
        from app.extensions import db
        from app.security import permissions as P
        from app.units.models import Unit

        with self.app.app_context():
            unit = Unit(name=name, abbreviation=abbreviation, kind="advisory",
                        parent_id=self.world.ids["host"])
            db.session.add(unit)
            db.session.commit()
            self.world.ids[key] = unit.id
            db.session.remove()
        for prefix, role in (("vanthu", P.ROLE_CLERK), ("lanhdao", P.ROLE_HEAD),
                             ("chuyenvien", P.ROLE_OFFICIAL)):
            self.add_user(f"{prefix}.{key}", role, key)
        return self.world.ids[key]

    # -- files ----------------------------------------------------------------------------

    def stored_pdf(self, text=None, name="văn bản.pdf"):
        """A clean PDF through the real safety check; distinct bytes on every call unless
        ``text`` is given (so recipients never see two deliveries as duplicates)."""
        from app.core import storage
        from app.core.filecheck import check_main_pdf

        text = text or f"Văn bản đi số {next(self._serial)}"
        return storage.store(io.BytesIO(pdfs.clean_pdf(text)), name, check=check_main_pdf)

    def stored_docx(self, text=None, name="dự thảo.docx"):
        from app.core import storage
        from app.core.filecheck import check_attachment

        text = text or f"Dự thảo số {next(self._serial)}"
        return storage.store(io.BytesIO(pdfs.docx_bytes(text)), name, check=check_attachment)

    def spec(self, who, channel=None):
        """A recipient: a unit key of the world (electronic by default) or an outside
        body's name (paper by default)."""
        from app.outgoing.services import RecipientSpec

        if who in self.world.ids:
            return RecipientSpec(unit_id=self.world.ids[who], channel=channel or "electronic")
        return RecipientSpec(name=who, channel=channel or "paper")

    # -- the steps ----------------------------------------------------------------------

    def _step(self, fn):
        from app.extensions import db

        with self.app.test_request_context():
            result = fn(db.session)
            db.session.commit()
            db.session.remove()
        return result

    def _doc(self, session, doc_id):
        from app.outgoing.models import OutgoingDocument

        return session.get(OutgoingDocument, doc_id)

    def draft(self, author="chuyenvien.vphu", doc_type="CV", recipients=("btchu",),
              signer="lanhdao.vphu", urgency=0, summary="Về việc tổ chức hội nghị", **kw):
        """A draft by ``author``; returns its id. ``recipients`` are keys or RecipientSpec."""
        from app.outgoing import services

        def run(session):
            specs = [r if isinstance(r, services.RecipientSpec) else self.spec(r)
                     for r in recipients]
            doc = services.create_draft(
                session, self.world.user(author), self.types[doc_type], summary, urgency,
                self.stored_docx(), recipients=specs,
                signer_id=self.world.ids[signer] if signer else None, **kw)
            return doc.id

        return self._step(run)

    def submit(self, doc_id, by="chuyenvien.vphu", to="lanhdao.vphu", comment="Kính trình"):
        from app.outgoing import services

        self._step(lambda s: services.submit(s, self._doc(s, doc_id), self.world.user(by),
                                             self.world.ids[to], comment))

    def sign(self, doc_id, by="lanhdao.vphu", form=""):
        from app.outgoing import services

        self._step(lambda s: services.sign(s, self._doc(s, doc_id), self.world.user(by), form))

    def set_signed_at(self, doc_id, when):
        """Test setup only: pretend the document was signed at ``when`` (naive UTC)."""
        def run(session):
            self._doc(session, doc_id).signed_at = when

        self._step(run)

    def number(self, doc_id, clerk="vanthu.vphu", document_date=None):
        """Number the document; returns its symbol."""
        from app.outgoing import services

        return self._step(lambda s: services.assign_number(
            s, self._doc(s, doc_id), self.world.user(clerk), document_date).symbol)

    def attach_final(self, doc_id, clerk="vanthu.vphu", text=None):
        """Attach a fresh clean PDF as the final file; returns its sha256."""
        from app.outgoing import services

        return self._step(lambda s: services.attach_final(
            s, self._doc(s, doc_id), self.world.user(clerk), self.stored_pdf(text)).sha256)

    def issue(self, doc_id, clerk="vanthu.vphu", late_reason=""):
        from app.outgoing import services

        self._step(lambda s: services.issue(s, self._doc(s, doc_id), self.world.user(clerk),
                                            late_reason))

    def signed(self, author="chuyenvien.vphu", signer="lanhdao.vphu", **kw):
        """A draft submitted straight to ``signer`` and signed; returns its id."""
        doc_id = self.draft(author=author, signer=signer, **kw)
        self.submit(doc_id, by=author, to=signer)
        self.sign(doc_id, by=signer)
        return doc_id

    def ready(self, clerk="vanthu.vphu", **kw):
        """Signed, numbered and with its final PDF: waiting to be issued; returns its id."""
        doc_id = self.signed(**kw)
        self.number(doc_id, clerk=clerk)
        self.attach_final(doc_id, clerk=clerk)
        return doc_id

    def issued(self, clerk="vanthu.vphu", **kw):
        """Issued to its recipients; returns its id."""
        doc_id = self.ready(clerk=clerk, **kw)
        self.issue(doc_id, clerk=clerk)
        return doc_id

    def delivered(self, doc_id):
        """{recipient unit id: incoming document id} of an issued document."""
        from sqlalchemy import select

        from app.outgoing.models import Recipient

        return self._step(lambda s: dict(s.execute(
            select(Recipient.unit_id, Recipient.incoming_document_id)
            .where(Recipient.document_id == doc_id,
                   Recipient.incoming_document_id.isnot(None))).all()))
