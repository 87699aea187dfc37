"""Test harness: the schema is built once per run by the real migrations (on SQLite, or
on PostgreSQL when TEST_DATABASE_URL is set), roles by the real sync; each test gets a new
app from the factory and empty data tables. No app context stays pushed while a client
makes requests (it would leak the signed-in user between clients)."""

import os
import re

import pytest
from sqlalchemy import create_engine, inspect, text

from config import TestConfig, _sqlalchemy_url

PERMISSION_TABLES = {"ab_permission", "ab_view_menu", "ab_permission_view", "alembic_version"}
ROLE_TABLES = ("ab_role", "ab_permission_view_role")
PASSWORD = "Test@2026pass"


def _database_url(tmp_dir):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return _sqlalchemy_url(url)
    return "sqlite:///" + os.path.join(tmp_dir, "test.db")


def _reset_database(url):
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            for table in inspect(conn).get_table_names():
                conn.execute(text(f'DROP TABLE IF EXISTS "{table}"'))
    engine.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """Migrate an empty database, sync the roles; return the URL and the role snapshot."""
    from flask_migrate import upgrade

    from app import create_app
    from app.security.sync import sync_roles

    tmp = tmp_path_factory.mktemp("db")
    url = _database_url(str(tmp))
    _reset_database(url)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, STORAGE_DIR=str(tmp / "files"))
    with app.app_context():
        upgrade()
        sync_roles(app.appbuilder)
        from app.extensions import db

        snapshot = {t: [dict(r._mapping) for r in db.session.execute(text(f"SELECT * FROM {t}"))]
                    for t in ROLE_TABLES}
        db.session.remove()
        db.engine.dispose()
    return {"url": url, "roles": snapshot}


def _clean(db, roles_snapshot):
    engine = db.engine
    tables = [t for t in db.metadata.sorted_tables if t.name not in PERMISSION_TABLES]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for t in reversed(tables):
                conn.execute(t.delete())
        for table in ROLE_TABLES:
            rows = roles_snapshot[table]
            if rows:
                conn.execute(db.metadata.tables[table].insert(), rows)
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval('ab_role_id_seq', (SELECT max(id) FROM ab_role))"))
            conn.execute(text("SELECT setval('ab_permission_view_role_id_seq', "
                              "(SELECT max(id) FROM ab_permission_view_role))"))


def make_app(database, tmp_path, **overrides):
    from app import create_app

    settings = dict(SQLALCHEMY_DATABASE_URI=database["url"], STORAGE_DIR=str(tmp_path / "files"))
    settings.update(overrides)
    return create_app(TestConfig, **settings)


@pytest.fixture
def app(database, tmp_path):
    app = make_app(database, tmp_path)
    from app.extensions import db

    with app.app_context():
        _clean(db, database["roles"])
        app.appbuilder.sm.limiter.reset()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class World:
    """Two units (VPHU, BTCHU) with one account per role in each, plus admin and office."""

    def __init__(self, app):
        self.app = app
        self.ids = {}

    def user(self, name):
        from app.extensions import db
        from app.security.models import AppUser

        return db.session.get(AppUser, self.ids[name])


def create_user(session, sm, username, role_names, unit=None, kind="person"):
    from werkzeug.security import generate_password_hash

    from app.security.models import AppUser

    user = AppUser(username=username, first_name=username.split(".")[0].title(),
                   last_name="Test", email=f"{username}@test.local", active=True,
                   password=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
                   unit=unit, kind=kind, position="Test")
    user.roles = [sm.find_role(r) for r in role_names]
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def world(app):
    from app.extensions import db
    from app.security import permissions as P
    from app.units.models import Unit

    w = World(app)
    with app.app_context():
        sm = app.appbuilder.sm
        host = Unit(name="Huyện ủy", abbreviation="HU", kind="host", code="000.00.00.H31")
        u1 = Unit(name="Văn phòng Huyện ủy", abbreviation="VPHU", kind="advisory",
                  code="000.00.01.H31", parent=host)
        u2 = Unit(name="Ban Tổ chức Huyện ủy", abbreviation="BTCHU", kind="advisory",
                  code="000.00.02.H31", parent=host)
        db.session.add_all([host, u1, u2])
        db.session.flush()
        w.ids.update(host=host.id, vphu=u1.id, btchu=u2.id)
        w.ids["admin"] = create_user(db.session, sm, "admin", [P.ROLE_ADMIN], u1).id
        w.ids["vanphong"] = create_user(db.session, sm, "vanphong", [P.ROLE_OFFICE], u1).id
        for unit, abbr in ((u1, "vphu"), (u2, "btchu")):
            for prefix, role in (("vanthu", P.ROLE_CLERK), ("lanhdao", P.ROLE_HEAD),
                                 ("chuyenvien", P.ROLE_OFFICIAL), ("qtdv", P.ROLE_UNIT_ADMIN)):
                name = f"{prefix}.{abbr}"
                w.ids[name] = create_user(db.session, sm, name, [role], unit).id
        db.session.commit()
        db.session.remove()
    return w


def login(client, username, password=PASSWORD):
    return client.post("/login/", data={"username": username, "password": password})


def client_for(app, username, password=PASSWORD):
    c = app.test_client()
    resp = login(c, username, password)
    assert resp.status_code == 302, f"login of {username} failed"
    assert "/login/" not in resp.headers.get("Location", ""), f"login of {username} refused"
    return c


def api_token(client, username, password=PASSWORD):
    resp = client.post("/api/v1/security/login",
                       json={"username": username, "password": password, "provider": "db"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {"Authorization": f"Bearer {resp.json['access_token']}"}


def flashes_text(html):
    return re.sub(r"\s+", " ", html)
