"""Fixtures of the incoming tests: a document type, stored PDFs, and documents in each
state made through the real services (never by writing rows directly)."""

import io
from datetime import timedelta

import pytest

from tests import conftest, pdfs
from tests.conftest import d

# The test files carry no signature: registering them as e-documents needs a reason.
UNSIGNED_REASON = "Bản thử nghiệm chưa ký số"


@pytest.fixture
def incoming(app, world):
    """Helpers bound to the app and the world (units vphu/btchu, one user per role)."""
    return IncomingKit(app, world)


def created_id(resp):
    """The id of the document the intake screen created, from its redirect to the document."""
    return conftest.created_id(resp, "incomingview")


class IncomingKit:
    def __init__(self, app, world):
        self.app = app
        self.world = world
        from app.extensions import db
        from app.reference.models import DocumentType

        with app.app_context():
            t = DocumentType(name="Công văn", abbreviation="CV", processing_days=7)
            db.session.add(t)
            db.session.commit()
            self.type_id = t.id
            db.session.remove()

    def today(self):
        from app.core.timeutil import local_today

        return local_today()

    def stored_pdf(self, text="Kế hoạch tổ chức hội nghị", name="công văn.pdf"):
        """A clean PDF put in the store through the real safety check."""
        from app.core import storage
        from app.core.filecheck import check_main_pdf

        return storage.store(io.BytesIO(pdfs.clean_pdf(text)), name, check=check_main_pdf)

    def intake_form(self, pdf=None, filename="Công văn đến.pdf", attachments=None, **fields):
        """The intake screen's form as a clerk fills it: a clean PDF and valid register
        fields, another symbol and file than those of ``intake`` (so never a duplicate of
        them). ``attachments`` are (bytes, name) pairs; a field given as None is left out."""
        today = self.today()
        data = {
            "channel": "paper",
            "main_file": (io.BytesIO(pdfs.clean_pdf("Văn bản thử lỗi") if pdf is None else pdf),
                          filename),
            "arrival_date": d(today),
            "arrival_time": "08:30",
            "sender_unit_id": "",
            "author_name": "Tỉnh ủy Hưng Yên",
            "symbol": "555-CV/TU",
            "document_date": d(today - timedelta(days=2)),
            "document_type_id": str(self.type_id),
            "summary": "Về việc kiểm tra dữ liệu nhập",
            "urgency": "0",
            "page_count": "",
            "signer_name": "Nguyễn Văn An",
            "reply_deadline": "",
            "notes": "",
            "secrecy_confirmed": "y",
            "trust_reason": UNSIGNED_REASON,
        }
        if attachments:
            data["attachments"] = [(io.BytesIO(content), name) for content, name in attachments]
        data.update(fields)
        return {k: v for k, v in data.items() if v is not None}

    def post_intake(self, client, **form):
        """``client`` sends the intake form (``intake_form(**form)``)."""
        return client.post("/incomingview/intake", data=self.intake_form(**form),
                           content_type="multipart/form-data")

    def entry(self, **overrides):
        from app.incoming.services import Entry

        today = self.today()
        values = dict(arrival_date=today, author_name="Tỉnh ủy Hưng Yên",
                      symbol="123-CV/TU", document_date=today - timedelta(days=2),
                      document_type_id=self.type_id,
                      summary="Về việc tổ chức hội nghị sơ kết", urgency=0,
                      secrecy_confirmed=True, trust_reason=UNSIGNED_REASON)
        values.update(overrides)
        return Entry(**values)

    def intake(self, clerk="vanthu.vphu", text="Kế hoạch tổ chức hội nghị", **overrides):
        """A paper document received and registered by ``clerk``; returns its id."""
        from app.extensions import db
        from app.incoming import services

        with self.app.test_request_context():
            user = self.world.user(clerk)
            doc = services.intake(db.session, user, "paper", self.entry(**overrides),
                                  self.stored_pdf(text))
            db.session.commit()
            doc_id = doc.id
            db.session.remove()
        return doc_id

    def deliver(self, to="vphu", sender="btchu", text="Báo cáo công tác tổ chức", **overrides):
        """An electronic delivery from unit ``sender`` into ``to``'s inbox; returns its id."""
        from app.extensions import db
        from app.incoming import services

        with self.app.test_request_context():
            entry = self.entry(symbol=overrides.pop("symbol", "45-BC/BTCHU"), **overrides)
            doc = services.deliver(db.session, self.world.ids[to], self.world.ids[sender],
                                   entry, [self.stored_pdf(text)],
                                   sender_user=self.world.user(f"vanthu.{sender}"))
            db.session.commit()
            doc_id = doc.id
            db.session.remove()
        return doc_id

    def assign(self, doc_id, head="lanhdao.vphu", lead="chuyenvien.vphu", deadline=None,
               cooperate=(), inform=()):
        """Direct ``doc_id``: lead/cooperate/inform are user names or ("unit", key)."""
        from app.extensions import db
        from app.incoming import services
        from app.incoming.models import IncomingDocument

        def party(role, who, dl):
            if isinstance(who, tuple):
                return services.Party(role, unit_id=self.world.ids[who[1]], deadline=dl)
            return services.Party(role, user_id=self.world.ids[who], deadline=dl)

        with self.app.test_request_context():
            doc = db.session.get(IncomingDocument, doc_id)
            dl = deadline or services.default_deadline(db.session, doc)
            parties = [party("lead", lead, dl)]
            parties += [party("cooperate", w, dl) for w in cooperate]
            parties += [party("inform", w, None) for w in inform]
            services.assign(db.session, doc, self.world.user(head), "Đề nghị xử lý", parties)
            db.session.commit()
            db.session.remove()

    def get(self, doc_id):
        """A detached snapshot of the document's main fields."""
        from app.extensions import db
        from app.incoming.models import IncomingDocument

        with self.app.app_context():
            doc = db.session.get(IncomingDocument, doc_id)
            snap = {c.name: getattr(doc, c.name) for c in doc.__table__.columns}
            snap["number"] = doc.number_label()
            db.session.remove()
        return snap
