"""Browser tests: Debian's Chromium driven by Playwright against the application served
by a real HTTP server (werkzeug, threaded) on a free loopback port.

The database is a temporary SQLite file built as a deployment builds it: the migrations,
the synced roles, then the demo set (app/demo.py) — the accounts of the README, with
their password. Every role signs in through the login form. Each step of a walk is
photographed into ``artifacts/browser/<test>/``; a step that fails keeps its picture and
says which step it was.

Run with ``make browser`` (``make test`` does not collect this folder)."""

import logging
import os
import re
import shutil
import threading
from contextlib import contextmanager

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.environ.get("BROWSER_ARTIFACTS", os.path.join(ROOT, "artifacts", "browser"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "Browser@2026qlvb"
TIMEOUT_MS = int(os.environ.get("BROWSER_TIMEOUT_MS", 15000))


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The demo installation served on 127.0.0.1:<free port>; yields its base URL."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.demo import seed_demo
    from app.extensions import db
    from app.security.sync import sync_roles

    tmp = tmp_path_factory.mktemp("browser")
    app = create_app("development", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/qlvb.db",
                     STORAGE_DIR=str(tmp / "files"), RATELIMIT_STORAGE_URI="memory://",
                     SECRET_KEY="browser-tests-secret-key-of-32-bytes",
                     # Every test signs its accounts in anew, several a minute: the
                     # per-account limit of a real office (5 a minute) would refuse them.
                     LOGIN_RATE_LIMIT="60 per minute")
    with app.app_context():
        upgrade()
        sync_roles(app.appbuilder)
        seed_demo(db.session, password=PASSWORD)
        db.session.remove()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium "
                    "(apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                     headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _artifacts_folder():
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    os.makedirs(ARTIFACTS, exist_ok=True)
    yield
    print(f"\nbrowser screenshots: {ARTIFACTS}")


class StepFailed(AssertionError):
    pass


class Walk:
    """One test's walk: a signed-in page per account, and numbered screenshots of every
    step in ``artifacts/browser/<test>/``."""

    def __init__(self, browser, base, name):
        self.browser, self.base = browser, base
        self.folder = os.path.join(ARTIFACTS, name)
        os.makedirs(self.folder, exist_ok=True)
        self.count = 0
        self.pages = {}
        self.contexts = []

    def shot(self, page, label):
        self.count += 1
        slug = re.sub(r"[^\w.-]+", "-", label).strip("-")
        path = os.path.join(self.folder, f"{self.count:02d}-{slug}.png")
        page.screenshot(path=path, full_page=True)
        return path

    @contextmanager
    def step(self, page, label):
        """A step of the walk: photographed when it ends; when it fails, photographed as it
        stands and reported with its name, the page's address and the picture."""
        try:
            yield
        except Exception as error:
            try:
                path = self.shot(page, f"FAILED-{label}")
            except Exception:  # the page itself may be gone
                path = "(no screenshot)"
            raise StepFailed(f"step '{label}' failed at {page.url}: {error}\n"
                             f"screenshot: {path}") from error
        self.shot(page, label)

    def new_page(self):
        """A page in a new browser context (its own cookies), in Vietnamese."""
        context = self.browser.new_context(locale="vi-VN", viewport={"width": 1366,
                                                                      "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        return context.new_page()

    def sign_in(self, username):
        """A new browser context signed in as ``username`` through the login form."""
        if username in self.pages:
            return self.pages[username]
        page = self.new_page()
        with self.step(page, f"{username}-signs-in"):
            page.goto(self.base + "/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.click("form [type=submit]")
            page.wait_for_load_state()
            assert "/login" not in page.url, f"sign-in of {username} refused"
        self.pages[username] = page
        return page

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def walk(chromium, server, request):
    w = Walk(chromium, server, request.node.name)
    yield w
    w.close()
