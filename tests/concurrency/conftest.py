"""The concurrency suite's harness: an app whose engine pool holds every racing request at
once, and ``race``, which sends N requests through the real routes at the same instant
(one test client each, released together by a barrier) and returns their answers."""

import threading

import pytest

from tests.conftest import client_for, fresh_app
from tests.incoming.conftest import IncomingKit
from tests.outgoing.conftest import OutgoingKit

MAX_THREADS = 50


@pytest.fixture
def app(database, tmp_path):
    with fresh_app(database, tmp_path, SQLALCHEMY_ENGINE_OPTIONS={
            "pool_size": MAX_THREADS + 5, "max_overflow": 5, "pool_timeout": 120}) as app:
        yield app


@pytest.fixture
def incoming(app, world):
    return IncomingKit(app, world)


@pytest.fixture
def outgoing(app, world):
    return OutgoingKit(app, world)


class Answer:
    """What one racing request got: its status, its JSON (API) or its flashed text."""

    def __init__(self, resp):
        self.status = resp.status_code
        self.json = resp.get_json(silent=True)
        self.text = resp.get_data(as_text=True)

    def __repr__(self):
        return f"<{self.status} {self.json if self.json is not None else self.text[:200]}>"


def together(calls):
    """Run the callables ``calls`` in threads released together; their results in order.
    An exception in a thread fails the test."""
    n = len(calls)
    barrier = threading.Barrier(n)
    results = [None] * n
    done = [False] * n
    errors = []

    def run(i):
        try:
            barrier.wait(timeout=60)
            results[i] = calls[i]()
            done[i] = True
        except BaseException as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert all(done), "a call did not finish"
    return results


def race(requests):
    """Run the callables ``requests`` (each given a fresh test client, returning a
    response) in threads released together; returns their Answers in order."""
    return [Answer(response) for response in together(requests)]


def api_race(app, n, method, url, headers, **kwargs):
    """``n`` identical API requests at once, each through its own test client; ``kwargs``
    may be a callable giving a fresh set of arguments per request (multipart bodies are
    consumed by the request that sends them)."""
    def one():
        client = app.test_client()
        args = kwargs["make"]() if "make" in kwargs else kwargs
        return getattr(client, method)(url, headers=headers, **args)

    return race([one] * n)


def screen_race(app, n, username, url, data_factory=None):
    """``n`` identical form posts at once by ``username``, each from its own signed-in
    browser (client)."""
    clients = browsers(app, username, n)
    return race([lambda c=c: c.post(url, data=data_factory() if data_factory else {})
                 for c in clients])


def browsers(app, username, n):
    """``n`` clients signed in as ``username`` (one sign-in, its session cookie copied: the
    sign-in's rate limit would refuse n of them in a row)."""
    first = client_for(app, username)
    cookie = first.get_cookie("session")
    out = [first]
    for _ in range(n - 1):
        c = app.test_client()
        c.set_cookie(cookie.key, cookie.value, domain=cookie.domain or "localhost")
        out.append(c)
    return out


def statuses(answers):
    return sorted(a.status for a in answers)
