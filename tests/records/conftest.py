"""Fixtures of the records tests: the retention schedule, an approved plan of VPHU, and
documents made through the real services."""

import io
from datetime import date

import pytest

from tests import pdfs
from tests.incoming.conftest import IncomingKit


class RecordsKit:
    """Helpers bound to the app and the world; every change through the services."""

    def __init__(self, app, world):
        from app.extensions import db
        from app.records import services

        self.app, self.world = app, world
        self._incoming = None
        with app.test_request_context():
            s = db.session
            admin = world.user("admin")
            self.rules = {
                "VV": services.add_rule(s, admin, "VV", "Vĩnh viễn", "permanent",
                                        source="Mẫu").id,
                "20": services.add_rule(s, admin, "20", "20 năm", "years", 20).id,
                "5": services.add_rule(s, admin, "5", "5 năm", "years", 5).id,
                "2": services.add_rule(s, admin, "2", "2 năm", "years", 2).id,
            }
            s.commit()
            s.remove()

    @property
    def incoming(self):
        """The incoming kit (its document type made on first use)."""
        if self._incoming is None:
            self._incoming = IncomingKit(self.app, self.world)
        return self._incoming

    def user(self, name):
        return self.world.user(name)

    def plan(self, year=2026, numbering="plan", approve=True, entries=3):
        """A plan of VPHU with a main heading (TH), a sub-heading and ``entries``."""
        from app.extensions import db
        from app.records import services
        from app.records.models import RetentionRule

        with self.app.test_request_context():
            s = db.session
            clerk = self.user("vanthu.vphu")
            plan = services.create_plan(s, clerk, self.world.ids["vphu"], year, numbering)
            main = services.add_heading(s, clerk, plan, "Tổng hợp", "TH")
            sub = services.add_heading(s, clerk, plan, "Hội nghị", parent=main)
            rule = s.get(RetentionRule, self.rules["20"])
            for n in range(entries):
                services.add_entry(s, clerk, plan, sub if n else main, f"Hồ sơ số {n + 1}",
                                   rule, owner=self.user("chuyenvien.vphu"))
            if approve:
                services.approve_plan(s, self.user("lanhdao.vphu"), plan, "15-QĐ/HU",
                                      date(year, 1, 5))
            s.commit()
            ids = plan.id, [e.id for e in plan.entries]
            s.remove()
        return ids

    def open_ad_hoc(self, owner="chuyenvien.vphu", notation="99.TH", rule="20",
                    start=date(2026, 1, 10), title="Hồ sơ hội nghị sơ kết"):
        from app.extensions import db
        from app.records import services
        from app.records.models import RetentionRule

        with self.app.test_request_context():
            s = db.session
            f = services.open_file(s, self.user(owner), title=title, notation=notation,
                                   retention=s.get(RetentionRule, self.rules[rule]),
                                   start_date=start)
            s.commit()
            fid = f.id
            s.remove()
        return fid

    def add(self, file_id, kind, doc_id, user="chuyenvien.vphu"):
        from app.core.scope import ScopeSettings
        from app.extensions import db
        from app.records import services
        from app.records.models import WorkFile

        with self.app.test_request_context():
            s = db.session
            settings = ScopeSettings.from_config(self.app.config)
            item = services.add_document(s, self.user(user), s.get(WorkFile, file_id), kind,
                                         doc_id, settings)
            s.commit()
            iid = item.id
            s.remove()
        return iid

    def paper(self, file_id, day, subject="Biên bản họp", pages=2, user="chuyenvien.vphu"):
        from app.core import storage
        from app.extensions import db
        from app.records import services
        from app.records.models import WorkFile

        with self.app.test_request_context():
            s = db.session
            stored = storage.store(io.BytesIO(pdfs.clean_pdf(subject)), "biên bản.pdf")
            item = services.add_paper(s, self.user(user), s.get(WorkFile, file_id), stored,
                                      subject, day, pages=pages)
            s.commit()
            iid = item.id
            s.remove()
        return iid

    def call(self, fn, *args, user="chuyenvien.vphu", file_id=None, **kwargs):
        """``fn(session, user, file, *args)`` committed; returns what it returned."""
        from app.extensions import db
        from app.records.models import WorkFile

        with self.app.test_request_context():
            s = db.session
            target = s.get(WorkFile, file_id) if file_id is not None else None
            out = fn(s, self.user(user), *((target,) if target is not None else ()),
                     *args, **kwargs)
            s.commit()
            s.remove()
        return out

    def assigned_document(self, symbol="123-CV/TU", document_date=None, text=None):
        """An incoming document of VPHU assigned to the official (who then sees it)."""
        kwargs = {"symbol": symbol}
        if document_date is not None:
            kwargs["document_date"] = document_date
        doc = self.incoming.intake(text=text or f"Văn bản {symbol}", **kwargs)
        self.incoming.assign(doc)
        return doc


def add_archivist(app, world, name="luutru.vphu", unit="vphu"):
    """An account of the agency archive (Lưu trữ cơ quan) in ``unit``."""
    from app.extensions import db
    from app.security import permissions as P
    from app.units.models import Unit
    from tests.conftest import create_user

    with app.app_context():
        user = create_user(db.session, app.appbuilder.sm, name, [P.ROLE_ARCHIVE],
                           db.session.get(Unit, world.ids[unit]))
        db.session.commit()
        world.ids[name] = user.id
        db.session.remove()
    return name


@pytest.fixture
def records(app, world):
    return RecordsKit(app, world)
