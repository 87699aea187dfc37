"""Test harness: the schema is built once per run by the real migrations (on SQLite, or
on PostgreSQL when TEST_DATABASE_URL is set), roles by the real sync; each test gets an
app from the factory, with its configuration as built and empty data tables. No app
context stays pushed while a client makes requests (it would leak the signed-in user
between clients).

The app of a configuration is built once per run and reused (``fresh_app``): building
one costs ~0.3 s (FAB registers every view and compiles their URL rules), and every app
built stays in memory, its API blueprints being kept by the module-level CSRFProtect
(FAB exempts them there), so that a run building one per test grows by megabytes a test
and slows down in the garbage collector."""

import contextlib
import copy
import os
import re
import sqlite3

import pytest
from sqlalchemy import DateTime, create_engine, event, inspect, select, text
from sqlalchemy.engine import Engine

from config import TestConfig, _sqlalchemy_url

# Kept between tests (the security stamp too: moved when the roles are written back).
PERMISSION_TABLES = {"ab_permission", "ab_view_menu", "ab_permission_view", "alembic_version",
                     "security_stamp"}
ROLE_TABLES = ("ab_role", "ab_permission_view_role")
PASSWORD = "Test@2026pass"


def _database_url(tmp_dir):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return _sqlalchemy_url(url)
    return "sqlite:///" + os.path.join(tmp_dir, "test.db")


@event.listens_for(Engine, "connect")
def _no_waiting_for_the_disk(dbapi_connection, connection_record):
    """A test database need not survive a crash: commits do not wait for the disk (~1.4 ms
    a commit on SQLite, ~0.4 ms on PostgreSQL, thousands of commits a run). Locking and
    visibility are unchanged."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous = OFF")
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        dbapi_connection.execute("SET synchronous_commit = off")
        dbapi_connection.autocommit = autocommit


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

        snapshot = {t: _rows(db.session, db.metadata.tables[t]) for t in ROLE_TABLES}
        db.session.remove()
        db.engine.dispose()
    apps = {}  # the apps fresh_app built, by configuration
    yield {"url": url, "roles": snapshot, "apps": apps, "replays": {}}
    for built, _config in apps.values():
        with built.app_context():
            db.engine.dispose()


def _pg_sequences_sql(columns, tables):
    """A query of ``columns`` over the sequences (of serial and identity columns) of
    ``tables``, as ``s`` (pg_sequence)."""
    names = ", ".join(f"'{t.name}'" for t in tables)
    return f"""
        SELECT {columns}
        FROM pg_sequence s
        JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
            AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
        JOIN pg_class t ON t.oid = d.refobjid
        WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(ARRAY[{names}])"""


@contextlib.contextmanager
def audit_unguarded(conn):
    """The audit table's append-only triggers off for the rest of ``conn``'s transaction,
    as a database administrator could turn them off: on PostgreSQL no trigger fires in a
    replication session (a superuser's right); SQLite's are dropped, then made again."""
    from app.core.audit import SQLITE_TRIGGERS

    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        yield
        return
    # The driver begins a transaction before a write only, not before DDL: begin it, so
    # that a failure rolls the triggers' removal back with the rest.
    conn.exec_driver_sql("DELETE FROM audit_chain_head WHERE 0")
    for name in SQLITE_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield
    finally:
        for ddl in SQLITE_TRIGGERS.values():
            conn.exec_driver_sql(ddl)


def _delete_all(conn, tables):
    """DELETE every row of ``tables`` (children first); on PostgreSQL in one round trip.
    The audit table's triggers refuse a DELETE: they are off meanwhile."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica; " + "; ".join(
            f'DELETE FROM "{t.name}"' for t in reversed(tables)))
    else:
        for t in reversed(tables):
            if t.name == "audit_event":
                if conn.exec_driver_sql("SELECT 1 FROM audit_event LIMIT 1").first():
                    with audit_unguarded(conn):
                        conn.execute(t.delete())
            else:
                conn.execute(t.delete())


def _rows(conn, table):
    """The rows of ``table`` (dicts), in the order of its primary key."""
    return [dict(r._mapping)
            for r in conn.execute(select(table).order_by(*table.primary_key.columns))]


def _clean(db, roles_snapshot):
    """Empty every table but the permissions', numbering from 1 again, and put the
    built-in roles back as synced if a test changed them.

    On PostgreSQL, DELETE and a reset of the sequences (what TRUNCATE ... RESTART IDENTITY
    does): a TRUNCATE of the ~30 tables takes ~0.15 s, giving every table and index a new
    file, where deleting the few rows a test leaves takes ~0.01 s. Reading the ~400 rows
    of the roles to compare them costs less than writing them again (~0.03 s there)."""
    engine = db.engine
    tables = [t for t in db.metadata.sorted_tables if t.name not in PERMISSION_TABLES]
    with engine.begin() as conn:
        roles_changed = any(_rows(conn, db.metadata.tables[t]) != roles_snapshot[t]
                            for t in ROLE_TABLES)
        _delete_all(conn, [t for t in tables if roles_changed or t.name not in ROLE_TABLES])
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(_pg_sequences_sql("setval(s.seqrelid, s.seqstart, false)",
                                                   tables))
        if roles_changed:
            for table in ROLE_TABLES:
                if roles_snapshot[table]:
                    conn.execute(db.metadata.tables[table].insert(), roles_snapshot[table])
            conn.exec_driver_sql("UPDATE security_stamp SET value = value + 1")
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "SELECT setval('ab_role_id_seq', (SELECT max(id) FROM ab_role)); "
                "SELECT setval('ab_permission_view_role_id_seq', "
                "(SELECT max(id) FROM ab_permission_view_role))")


def make_app(database, tmp_path, **overrides):
    from app import create_app

    settings = dict(SQLALCHEMY_DATABASE_URI=database["url"], STORAGE_DIR=str(tmp_path / "files"),
                    AUDIT_ANCHOR_FILE=str(tmp_path / "audit-anchors.log"))
    settings.update(overrides)
    return create_app(TestConfig, **settings)


@contextlib.contextmanager
def fresh_app(database, tmp_path, **overrides):
    """The app of ``overrides`` as a new test needs it: its configuration as built (the
    file store under ``tmp_path``), empty data tables, built-in roles as synced, no login
    attempt counted. Built on first use, then reused (see the module's docstring)."""
    from app.extensions import db

    key = repr(sorted(overrides.items()))
    if key not in database["apps"]:
        built = make_app(database, tmp_path, **overrides)
        database["apps"][key] = (built, dict(built.config))
    app, config = database["apps"][key]
    app.config.clear()
    app.config.update(copy.deepcopy(config), STORAGE_DIR=str(tmp_path / "files"),
                      AUDIT_ANCHOR_FILE=str(tmp_path / "audit-anchors.log"))
    with app.app_context():
        _clean(db, database["roles"])
        app.appbuilder.sm.limiter.reset()
        db.session.remove()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _data_tables(db):
    """The tables a test writes: all but the permissions' and the built-in roles'."""
    return [t for t in db.metadata.sorted_tables
            if t.name not in PERMISSION_TABLES and t.name not in ROLE_TABLES]


def _timeless(db, state):
    """``state`` (table → rows) without the times rows were written (and the audit trail's
    hashes, which cover them)."""
    drop = {t.name: {c.name for c in t.columns if isinstance(c.type, DateTime)}
            for t in _data_tables(db)}
    drop["audit_event"] = drop.get("audit_event", set()) | {"hash", "prev_hash"}
    drop["audit_chain_head"] = drop.get("audit_chain_head", set()) | {"head_hash"}
    return {name: [{k: v for k, v in row.items() if k not in drop[name]} for row in rows]
            for name, rows in state.items()}


def stored_files(app):
    """Every file under the store (hash-named files, and any temporary left-over)."""
    root = app.config["STORAGE_DIR"]
    found = set()
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            found.add(os.path.relpath(os.path.join(dirpath, name), root))
    return found


def staged_files(app):
    """The files the store keeps for a form's next submit (app.core.staging)."""
    from app.core.staging import StagedUpload
    from app.extensions import db

    with app.app_context():
        hashes = db.session.scalars(select(StagedUpload.sha256)).all()
        db.session.remove()
    return {f"{h[:2]}/{h}" for h in hashes}


class _Replay:
    """What a fixture's build made (the rows of the data tables, their sequences, the new
    stored files, its result), and what the tables and the store held before it."""

    def __init__(self, app, day):
        from app.extensions import db

        self.day = day
        self.files_before = stored_files(app)
        with app.app_context():
            with db.engine.connect() as conn:
                self.before = _timeless(db, {t.name: _rows(conn, t) for t in _data_tables(db)})
                self.roles = {t: _rows(conn, db.metadata.tables[t]) for t in ROLE_TABLES}

    def record(self, app, result):
        from app.extensions import db

        self.result = copy.deepcopy(result)
        root = app.config["STORAGE_DIR"]
        self.files = {}
        for relpath in stored_files(app) - self.files_before:
            with open(os.path.join(root, relpath), "rb") as fh:
                self.files[relpath] = fh.read()
        with app.app_context():
            tables = _data_tables(db)
            with db.engine.connect() as conn:
                self.rows = {t.name: _rows(conn, t) for t in tables}
                # A build that changes the roles is not replayed (_clean owns them).
                self.reusable = self.roles == {t: _rows(conn, db.metadata.tables[t])
                                               for t in ROLE_TABLES}
                self.sequences = (conn.exec_driver_sql(_pg_sequences_sql(
                    "s.seqrelid::regclass::text, s.seqstart, pg_sequence_last_value(s.seqrelid)",
                    tables)).all() if db.engine.dialect.name == "postgresql" else [])

    def matches(self, app, day):
        """Whether the tables and the store hold now what they held before the build."""
        from app.extensions import db

        if not self.reusable or day != self.day or stored_files(app) != self.files_before:
            return False
        with app.app_context():
            with db.engine.connect() as conn:
                now = {t.name: _rows(conn, t) for t in _data_tables(db)}
            return _timeless(db, now) == self.before

    def restore(self, app):
        """Put the rows, sequences and files back; return a copy of the result."""
        from app.extensions import db

        with app.app_context():
            tables = _data_tables(db)
            with db.engine.begin() as conn:
                _delete_all(conn, tables)
                for t in tables:
                    if self.rows[t.name]:
                        conn.execute(t.insert(), self.rows[t.name])
                if self.sequences:
                    conn.exec_driver_sql("SELECT " + ", ".join(
                        f"setval('{name}', {start if last is None else last}, "
                        f"{'false' if last is None else 'true'})"
                        for name, start, last in self.sequences))
        root = app.config["STORAGE_DIR"]
        for relpath, content in self.files.items():
            os.makedirs(os.path.dirname(os.path.join(root, relpath)), exist_ok=True)
            with open(os.path.join(root, relpath), "wb") as fh:
                fh.write(content)
        return copy.deepcopy(self.result)


def replay(database, app, key, build):
    """``build()``, a fixture's setup through the real code, made once per run (and day)
    for ``key``: later its rows, stored files and result are copied back instead, when the
    tables and the store hold what they held before that first build (but for the times
    rows were written). Making the world's 11 users costs ~50 ms, a document through the
    services ~30 ms; copying the rows back, a few ms in all."""
    from app.core.timeutil import local_today

    with app.app_context():
        day = local_today()
    cached = database["replays"].get(key)
    if cached is not None and cached.matches(app, day):
        return cached.restore(app)
    made = _Replay(app, day)
    result = build()
    made.record(app, result)
    database["replays"][key] = made
    return result


@pytest.fixture
def app(database, tmp_path):
    with fresh_app(database, tmp_path) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def clients(app, world):
    """One signed-in screen client per user name, made on first use (None: anonymous)."""
    made = {}

    def get(username):
        if username not in made:
            made[username] = client_for(app, username) if username else app.test_client()
            made[username].username = username or "anonymous"
        return made[username]

    return get


@pytest.fixture
def api(app, world):
    """``api(username)`` → (client, headers) with a JWT, made on first use; None is
    anonymous."""
    client = app.test_client()
    tokens = {}

    def get(username):
        if username not in tokens:
            tokens[username] = api_token(client, username) if username else {}
        return client, tokens[username]

    return get


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
def world(app, database):
    w = World(app)
    w.ids.update(replay(database, app, "world", lambda: _make_world(app)))
    return w


def _make_world(app):
    """The world's rows; returns the ids (units and users by name)."""
    from app.extensions import db
    from app.security import permissions as P
    from app.units.models import Unit

    ids = {}
    with app.app_context():
        sm = app.appbuilder.sm
        host = Unit(name="Huyện ủy", abbreviation="HU", kind="host", code="000.00.00.H31")
        u1 = Unit(name="Văn phòng Huyện ủy", abbreviation="VPHU", kind="advisory",
                  code="000.00.01.H31", parent=host)
        u2 = Unit(name="Ban Tổ chức Huyện ủy", abbreviation="BTCHU", kind="advisory",
                  code="000.00.02.H31", parent=host)
        db.session.add_all([host, u1, u2])
        db.session.flush()
        ids.update(host=host.id, vphu=u1.id, btchu=u2.id)
        ids["admin"] = create_user(db.session, sm, "admin", [P.ROLE_ADMIN], u1).id
        ids["vanphong"] = create_user(db.session, sm, "vanphong", [P.ROLE_OFFICE], u1).id
        for unit, abbr in ((u1, "vphu"), (u2, "btchu")):
            for prefix, role in (("vanthu", P.ROLE_CLERK), ("lanhdao", P.ROLE_HEAD),
                                 ("chuyenvien", P.ROLE_OFFICIAL), ("qtdv", P.ROLE_UNIT_ADMIN)):
                name = f"{prefix}.{abbr}"
                ids[name] = create_user(db.session, sm, name, [role], unit).id
        db.session.commit()
        db.session.remove()
    return ids


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


def without_flashes(html):
    """The page without its flashed messages (they name the document a step changed)."""
    return re.sub(r'<div class="alert alert-\w+"[^>]*>.*?</div>', "", html, flags=re.S)


def d(value):
    """A date as the screens write it."""
    return value.strftime("%d/%m/%Y")


def created_id(resp, view):
    """The id of the record a form of ``view`` created, from its redirect to the record."""
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    m = re.search(rf"/{view}/show/(\d+)$", resp.headers["Location"])
    assert m, resp.headers["Location"]
    return int(m.group(1))


def html_of(client, url):
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return resp.get_data(as_text=True)


def rows(app, model, **where):
    """Detached snapshots (dicts) of ``model`` rows matching ``where``."""
    from app.extensions import db

    with app.app_context():
        query = select(model).filter_by(**where).order_by(model.id)
        out = [{c.name: getattr(r, c.name) for c in r.__table__.columns}
               for r in db.session.execute(query).unique().scalars()]
        db.session.remove()
    return out


@pytest.fixture
def scope_settings(app):
    """The scope settings of the test app, as the policies take them."""
    from app.core.scope import ScopeSettings

    return ScopeSettings.from_config(app.config)


@pytest.fixture
def list_builds(monkeypatch):
    """The models whose list statement a request built (FAB's ``apply_all`` called), one
    entry per build: a kept statement adds none."""
    from app.core.views import AppSQLAInterface

    built = []
    apply_all = AppSQLAInterface.apply_all

    def counted(self, *args, **kwargs):
        built.append(self.obj.__name__)
        return apply_all(self, *args, **kwargs)

    monkeypatch.setattr(AppSQLAInterface, "apply_all", counted)
    return built


@pytest.fixture
def app_session(app):
    """The app's session in an app context and no request (what a policy or service
    function needs)."""
    from app.extensions import db

    with app.app_context():
        yield db.session
        db.session.remove()


def keys_kept(session, column, clause, named):
    """The keys of ``named`` (key -> id) whose row ``clause`` keeps, reading ``column`` (the
    id); every key when ``clause`` is None (a policy's "no condition")."""
    query = select(column)
    if clause is not None:
        query = query.where(clause)
    ids = set(session.execute(query).scalars())
    return {key for key, row_id in named.items() if row_id in ids}
