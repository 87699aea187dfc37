"""An axis simulator (trục liên thông) for trying installations against each other:
``flask qlvb exchange axis --port N``, and in-process in the tests.

It stores and forwards. A registered system posts a package to the axis as to a peer
(``POST /api/v1/exchange/edoc`` or ``/status``, signed with the connection's secret,
app/exchange/transport.py); the axis answers 202 once the package is queued, then
forwards it to the system serving each recipient (``To/OrganId`` of a document,
``ResponseFor/OrganId`` of a status), signed as that system's connection, until the
system acknowledges it (2xx) or refuses it (422). Like the national axis it also lets a
system fetch what waits for it instead: ``GET /api/v1/exchange/received`` (the list),
``GET /api/v1/exchange/edoc/<id>`` (the package) and ``POST
/api/v1/exchange/edoc/<id>/status`` (``{"status": "done"}`` or ``"fail"``).

Faults, each switchable (``Faults``): ``drop`` (a share of the requests from a sender and
of the forwarding tries are lost: the sender gets 503, the axis tries again later),
``duplicate`` (a share of the packages is delivered twice), ``delay`` (each package is
held up to that many seconds), ``reorder`` (what waits goes in a shuffled order) and
``crash`` (a share of the deliveries reach the receiver, which commits, but its answer is
lost, as if it crashed before acknowledging: the axis delivers again)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import requests
from werkzeug.wrappers import Request, Response

from app.exchange import errors, fields, transport

log = logging.getLogger(__name__)

RECEIVED_PATH = transport.RECEIVED_PATH


@dataclass
class Faults:
    """The faults the axis injects (probabilities 0–1, ``delay`` in seconds)."""

    drop: float = 0.0
    duplicate: float = 0.0
    delay: float = 0.0
    reorder: bool = False
    crash: float = 0.0

    @classmethod
    def every(cls, share: float = 0.1, delay: float = 0.3) -> Faults:
        return cls(drop=share, duplicate=share, delay=delay, reorder=True, crash=share)


@dataclass
class System:
    """A system connected to the axis: its connection name and secret (the same at the
    system), where it answers, the OrganIds it serves."""

    name: str
    base_url: str
    secret: str
    organs: list[str]


@dataclass
class Item:
    """A package waiting for its destination."""

    id: int
    path: str
    body: bytes
    sender: str
    destination: str
    due: float
    copies: int = 1  # deliveries still owed (a duplicate fault owes two)
    tries: int = 0
    state: str = "queued"  # then delivered, refused
    answer: str = ""


@dataclass
class Counters:
    received: int = 0
    dropped: int = 0
    duplicated: int = 0
    crashed: int = 0
    tries: int = 0
    delivered: int = 0
    refused: int = 0
    waiting: int = 0


class Axis:
    """The simulator: a WSGI app (``axis(environ, start_response)``) and its forwarder
    (``pump`` once, or ``start``/``stop`` a thread that pumps)."""

    def __init__(self, faults: Faults | None = None, seed: int = 0, retry_after: float = 0.2
                 ) -> None:
        self.faults = faults or Faults()
        self.systems: dict[str, System] = {}
        self.items: list[Item] = []
        self.counters = Counters()
        self.retry_after = retry_after
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}
        self._next_id = 1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- registration ---------------------------------------------------------------
    def register(self, name: str, base_url: str, secret: str, organs: Iterable[str]) -> None:
        self.systems[name] = System(name, base_url.rstrip("/"), secret, list(organs))

    def serving(self, organ: str) -> System | None:
        return next((s for s in self.systems.values() if organ in s.organs), None)

    # -- the HTTP side --------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = self._handle(request)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        body = request.get_data(cache=False)
        system = self._authenticate(request, body)
        if system is None:
            return _json({"result": "unauthorized"}, 401)
        path = request.path
        if request.method == "POST" and path in (transport.DOCUMENT_PATH,
                                                 transport.STATUS_PATH):
            return self._take(system, path, body)
        if request.method == "GET" and path == RECEIVED_PATH:
            with self._lock:
                waiting = [i for i in self.items
                           if i.destination == system.name and i.state == "queued"]
            return _json({"result": [{"docId": i.id, "from": i.sender, "to": system.name,
                                      "status": i.state, "created_time": i.due}
                                     for i in waiting]}, 200)
        prefix = transport.DOCUMENT_PATH + "/"
        if path.startswith(prefix):
            item = self._item(path[len(prefix):].split("/")[0], system)
            if item is None:
                return _json({"result": "not found"}, 404)
            if request.method == "GET" and path.count("/") == 5:
                return Response(item.body, 200, content_type="application/xml")
            if request.method == "POST" and path.endswith("/status"):
                try:
                    answer = json.loads(body or b"{}")
                except ValueError:
                    answer = {}
                done = isinstance(answer, dict) and answer.get("status") == "done"
                with self._lock:
                    item.state, item.answer = ("delivered", "done") if done else (
                        "queued", "fail")
                return _json({"result": item.state}, 200)
        return _json({"result": "not found"}, 404)

    def _item(self, text: str, system: System) -> Item | None:
        with self._lock:
            return next((i for i in self.items if str(i.id) == text
                         and i.destination == system.name), None)

    def _authenticate(self, request: Request, body: bytes) -> System | None:
        name = request.headers.get(transport.PEER_HEADER) or ""
        stamp = request.headers.get(transport.TIMESTAMP_HEADER) or ""
        given = (request.headers.get(transport.SIGNATURE_HEADER) or "").lower()
        system = self.systems.get(name)
        if system is None or not stamp.isdigit():
            return None
        expected = transport.signature(system.secret, request.method, request.path, stamp,
                                       body)
        if not hmac.compare_digest(expected, given):
            return None
        if abs(time.time() - int(stamp)) > transport.WINDOW.total_seconds():
            return None
        with self._lock:
            if expected in self._seen:
                return None
            now = time.time()
            horizon = now - 2 * transport.WINDOW.total_seconds()
            self._seen = {k: v for k, v in self._seen.items() if v >= horizon}
            self._seen[expected] = now
        return system

    def _take(self, system: System, path: str, body: bytes) -> Response:
        with self._lock:
            if self._random.random() < self.faults.drop:
                self.counters.dropped += 1
                return _json({"result": "dropped"}, 503)
        try:
            kind, ours = fields.read(body)
        except errors.ExchangeError as error:
            return _json({"result": "refused", "reason": str(error)}, 422)
        if kind == "status":
            organs = [str((ours.get("document") or {}).get("code") or "")]
        else:
            organs = [str(r.get("code") or "") for r in ours.get("recipients") or []]
        targets = [self.serving(o) for o in dict.fromkeys(organs)]
        if not organs or any(t is None for t in targets):
            return _json({"result": "refused",
                          "reason": f"no system serves {', '.join(organs)}"}, 422)
        with self._lock:
            self.counters.received += 1
            for target in dict.fromkeys(t.name for t in targets if t is not None):
                copies = 1
                if self._random.random() < self.faults.duplicate:
                    copies = 2
                    self.counters.duplicated += 1
                delay = self._random.random() * self.faults.delay
                self.items.append(Item(self._next_id, path, body, system.name, target,
                                       time.time() + delay, copies))
                self._next_id += 1
        return _json({"result": "queued", "sha256": hashlib.sha256(body).hexdigest()}, 202)

    # -- forwarding -----------------------------------------------------------------
    def pump(self) -> int:
        """Forward what is due once (with the faults); the number of deliveries made."""
        now = time.time()
        with self._lock:
            due = [i for i in self.items if i.state == "queued" and i.due <= now]
            if self.faults.reorder:
                self._random.shuffle(due)
        made = 0
        for item in due:
            made += self._forward(item)
        with self._lock:
            self.counters.waiting = sum(1 for i in self.items if i.state == "queued")
        return made

    def _forward(self, item: Item) -> int:
        system = self.systems[item.destination]
        with self._lock:
            item.tries += 1
            self.counters.tries += 1
            if self._random.random() < self.faults.drop:
                self.counters.dropped += 1
                item.due = time.time() + self.retry_after
                return 0
            crash = self._random.random() < self.faults.crash
        headers = transport.signed_headers(system.name, system.secret, item.path, item.body)
        try:
            resp = requests.post(system.base_url + item.path, data=item.body, headers=headers,
                                 timeout=transport.TIMEOUT)
        except requests.RequestException as exc:
            log.info("axis: #%s to %s: %s", item.id, system.name, exc)
            item.due = time.time() + self.retry_after
            return 0
        with self._lock:
            if crash:
                # The receiver committed; its answer never reaches the axis.
                self.counters.crashed += 1
                item.due = time.time() + self.retry_after
                return 1
            if 200 <= resp.status_code < 300 or resp.status_code == 422:
                item.copies -= 1
                item.answer = resp.text[:500]
                if item.copies <= 0:
                    item.state = "delivered" if resp.status_code != 422 else "refused"
                    if resp.status_code == 422:
                        self.counters.refused += 1
                    else:
                        self.counters.delivered += 1
                else:
                    item.due = time.time() + self.retry_after
            else:
                item.due = time.time() + self.retry_after
        return 1

    def start(self, interval: float = 0.05) -> None:
        """Pump in a thread until ``stop``."""
        self._stop.clear()

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.pump()
                except Exception:  # the simulator keeps going, as an axis would
                    log.exception("axis: pump failed")
                self._stop.wait(interval)

        self._thread = threading.Thread(target=loop, daemon=True, name="axis-pump")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def idle(self) -> bool:
        with self._lock:
            return not any(i.state == "queued" for i in self.items)

    def report(self) -> dict[str, Any]:
        with self._lock:
            out = dict(self.counters.__dict__)
            out["waiting"] = sum(1 for i in self.items if i.state == "queued")
        return out


def _json(value: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(value, ensure_ascii=False), status,
                    content_type="application/json")


@dataclass
class Options:
    """The command's options, for ``serve``."""

    port: int
    systems: list[tuple[str, str, str, str]] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)


def serve(options: Options) -> None:  # pragma: no cover - the command's loop
    """``flask qlvb exchange axis``: serve the simulator until interrupted."""
    from werkzeug.serving import run_simple

    axis = Axis(options.faults)
    for name, url, secret, organs in options.systems:
        axis.register(name, url, secret, [o.strip() for o in organs.split(",") if o.strip()])
    axis.start()
    try:
        run_simple("127.0.0.1", options.port, axis, threaded=True)
    finally:
        axis.stop()
