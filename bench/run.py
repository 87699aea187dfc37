"""The benchmark: seed N documents, serve the application and the hand-written baseline
with gunicorn (2 workers each), measure with real HTTP requests, print a markdown table.

    python -m bench.run --n 100000 --db sqlite --db postgresql

Latency: one client, the application's request and the baseline's interleaved round-robin
(so that whatever else the machine does hits both alike), a few warm-ups, then
``--samples`` rounds; median and p95 of the whole request (connect included). Throughput:
``--clients`` client processes requesting the list page for ``--seconds`` seconds.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.environ.get("BENCH_DIR", "/tmp/qlvb-bench")
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/bench"
PASSWORD = "Demo@2026qlvb"
SECRET = "bench-secret-key-not-for-production"
# Who is measured: a clerk of the largest unit (VPHU), and the office (every unit).
USERS = [("vanthu.vphu", "clerk of the largest unit"), ("vanphong", "office (all units)")]
SEARCH_WORDS = "ke hoach"


# -- HTTP ---------------------------------------------------------------------------------
def request(port, path, cookie=None, headers=None, method="GET", body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    hdrs = dict(headers or {})
    if cookie:
        hdrs["Cookie"] = cookie
    conn.request(method, path, body=body, headers=hdrs)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, resp.getheaders(), data


def timed(port, path, cookie=None, headers=None):
    start = time.perf_counter()
    status, _, data = request(port, path, cookie, headers)
    elapsed = (time.perf_counter() - start) * 1000
    if status != 200:
        raise RuntimeError(f"{path}: HTTP {status}")
    return elapsed


def _cookies(headers):
    out = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            out[key] = val
    return out


def login(port, username):
    """Sign in through the login form (with its CSRF token); return the Cookie header."""
    status, headers, body = request(port, "/login/")
    cookies = _cookies(headers)
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                   "csrf_token": token.group(1).decode() if token else ""})
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    status, headers, _ = request(
        port, "/login/", cookie, {"Content-Type": "application/x-www-form-urlencoded"},
        "POST", form)
    cookies.update(_cookies(headers))
    location = dict((k.lower(), v) for k, v in headers).get("location", "")
    if status != 302 or "/login/" in location:
        raise RuntimeError(f"login of {username} failed ({status})")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def api_token(port, username):
    body = json.dumps({"username": username, "password": PASSWORD, "provider": "db"})
    status, _, data = request(port, "/api/v1/security/login", None,
                              {"Content-Type": "application/json"}, "POST", body)
    if status != 200:
        raise RuntimeError(f"API login of {username} failed ({status})")
    return {"Authorization": "Bearer " + json.loads(data)["access_token"]}


# -- servers ------------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(target, env, workers=2):
    port = free_port()
    cmd = [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--workers", str(workers),
           "--bind", f"127.0.0.1:{port}", "--log-level", "warning", target]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, start_new_session=True)
    try:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"gunicorn {target} exited") from None
                time.sleep(0.1)
        yield port, proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def worker_cpu_ms(pid):
    """CPU time (ms) of a process and its children, from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for p in [pid] + _children(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) * 1000 / tick
        except OSError:
            pass
    return total


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


# -- database -----------------------------------------------------------------------------
def prepare_database(kind, n, reuse):
    """Seed the benchmark database of ``kind`` with ``n`` documents unless it holds them."""
    from sqlalchemy import create_engine, text

    os.makedirs(WORK, exist_ok=True)
    if kind == "sqlite":
        url = f"sqlite:///{WORK}/bench-{n}.db"
    else:
        url = os.environ.get("BENCH_DATABASE_URL", PG_DEFAULT)
        _create_pg_database(url)
    marker = os.path.join(WORK, f"{kind}-{n}.seeded")
    if reuse and os.path.exists(marker) and open(marker).read() == url:
        _upgrade(url)  # a database seeded by an older version: its schema brought up to date
        return url
    from config import _sqlalchemy_url

    engine = create_engine(_sqlalchemy_url(url))
    with engine.begin() as conn:
        if kind == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    if kind == "sqlite" and os.path.exists(url[10:]):
        os.remove(url[10:])
    for name in os.listdir(WORK):  # PostgreSQL: one database for every N
        other = os.path.join(WORK, name)
        if name.startswith(f"{kind}-") and name.endswith(".seeded") and \
                open(other).read() == url:
            os.remove(other)
    print(f"seeding {n:,} documents into {kind} …", flush=True)
    from bench.seed import seed

    seed(url, n, os.path.join(WORK, "files"))
    with open(marker, "w") as f:
        f.write(url)
    return url


def _upgrade(url):
    subprocess.run([sys.executable, "-m", "flask", "--app", "run:app", "db", "upgrade"],
                   cwd=ROOT, check=True, env={**os.environ, "DATABASE_URL": url,
                                              "QLVB_CONFIG": "development",
                                              "LOG_LEVEL": "WARNING"})


def _create_pg_database(url):
    from sqlalchemy import create_engine, text

    from config import _sqlalchemy_url

    base, _, name = _sqlalchemy_url(url).rpartition("/")
    name = name.split("?")[0]
    engine = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": name}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def facts(url):
    """Ids the requests need: the clerk's unit, a document in the middle of it, a type."""
    from sqlalchemy import create_engine, text

    from config import _sqlalchemy_url

    engine = create_engine(_sqlalchemy_url(url))
    with engine.connect() as conn:
        unit = conn.execute(text("SELECT id FROM unit WHERE abbreviation = 'VPHU'")).scalar()
        count = conn.execute(text("SELECT count(*) FROM incoming_document WHERE unit_id = :u"),
                             {"u": unit}).scalar()
        doc = conn.execute(text("SELECT id FROM incoming_document WHERE unit_id = :u "
                                "ORDER BY id LIMIT 1 OFFSET :o"),
                           {"u": unit, "o": count // 2}).scalar()
        dtype = conn.execute(text("SELECT id FROM document_type WHERE abbreviation = 'CV'")) \
            .scalar()
        total = conn.execute(text("SELECT count(*) FROM incoming_document")).scalar() + \
            conn.execute(text("SELECT count(*) FROM outgoing_document")).scalar()
    engine.dispose()
    return {"unit": unit, "unit_docs": count, "doc": doc, "type": dtype, "total": total}


# -- the operations -------------------------------------------------------------------------
def operations(f):
    """(label, application path, baseline path, API?) of each measured request."""
    q = urllib.parse.quote(SEARCH_WORDS)
    deep = 399  # the deepest page the list offers (10,000 rows at 25 a page)
    return [
        ("list page 1", "/incomingview/list/", "/list", False),
        ("list sorted by arrival date", "/incomingview/list/?_oc_IncomingView=arrival_date"
         "&_od_IncomingView=desc", "/list?order=arrival_date", False),
        (f"deep page ({deep + 1})", f"/incomingview/list/?page_IncomingView={deep}",
         f"/list?page={deep}", False),
        ("filtered list (type, date)", f"/incomingview/list/?_flt_0_document_type={f['type']}"
         "&_flt_1_arrival_date=01/01/2024", f"/list?type={f['type']}&since=2024-01-01", False),
        (f"search '{SEARCH_WORDS}'", f"/search/?q={q}", f"/search?q={q}", False),
        ("document page", f"/incomingview/show/{f['doc']}", f"/show/{f['doc']}", False),
        ("API list (JWT)", "/api/v1/incoming/", "/api", True),
    ]


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def measure_latency(app_port, base_port, cookie, token, base_cookie, ops, samples,
                    app_pid=None, base_pid=None):
    """Median and p95 of each operation, and the server CPU each request cost (the
    workers' CPU time before and after it: one client, so the request is all they did)."""
    results = {}
    live = []
    for label, path, base_path, is_api in ops:
        status, _, _ = request(app_port, path, None if is_api else cookie,
                               token if is_api else None)
        if status == 404:
            results[label] = None
            continue
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
        live.append((label, path, base_path, is_api))
        results[label] = {"app": [], "base": [], "app_cpu": 0.0, "base_cpu": 0.0}
    for round_ in range(samples + 2):
        for label, path, base_path, is_api in live:
            a0 = worker_cpu_ms(app_pid) if app_pid else 0.0
            a = timed(app_port, path, None if is_api else cookie, token if is_api else None)
            a1 = worker_cpu_ms(app_pid) if app_pid else 0.0
            b0 = worker_cpu_ms(base_pid) if base_pid else 0.0
            b = timed(base_port, base_path, base_cookie)
            b1 = worker_cpu_ms(base_pid) if base_pid else 0.0
            if round_ >= 2:
                results[label]["app"].append(a)
                results[label]["base"].append(b)
                results[label]["app_cpu"] += (a1 - a0) / samples
                results[label]["base_cpu"] += (b1 - b0) / samples
    return results


def _hammer(args):
    port, path, cookie, until = args
    count = 0
    while time.time() < until:
        status, _, _ = request(port, path, cookie)
        if status == 200:
            count += 1
    return count


def throughput(port, path, cookie, clients, seconds, pids):
    cpu0 = sum(worker_cpu_ms(p) for p in pids)
    start = time.time()
    with multiprocessing.Pool(clients) as pool:
        counts = pool.map(_hammer, [(port, path, cookie, start + seconds)] * clients)
    elapsed = time.time() - start
    done = sum(counts)
    cpu = sum(worker_cpu_ms(p) for p in pids) - cpu0
    return {"rps": done / elapsed, "requests": done, "cpu_ms_per_request": cpu / max(done, 1)}


# -- one database ---------------------------------------------------------------------------
def run_one(kind, n, samples, clients, seconds, reuse):
    url = prepare_database(kind, n, reuse)
    f = facts(url)
    env = {"DATABASE_URL": url, "STORAGE_DIR": os.path.join(WORK, "files"),
           "QLVB_CONFIG": "development", "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING"}
    ops = operations(f)
    out = {"db": kind, "n": n, "facts": f, "users": {}}
    with gunicorn("run:app", env) as (app_port, app_pid), \
            gunicorn("bench.baseline:app", env) as (base_port, base_pid):
        app_pids, base_pids = [app_pid], [base_pid]
        for username, who in USERS:
            cookie = login(app_port, username)
            token = api_token(app_port, username)
            unit = f["unit"] if username.startswith("vanthu") else 0
            _, headers, _ = request(base_port, f"/login/{unit}")
            base_cookie = "; ".join(f"{k}={v}" for k, v in _cookies(headers).items())
            print(f"  {kind}: measuring as {username} ({who}) …", flush=True)
            lat = measure_latency(app_port, base_port, cookie, token, base_cookie, ops,
                                  samples, app_pid, base_pid)
            tp_app = throughput(app_port, ops[0][1], cookie, clients, seconds, app_pids)
            tp_base = throughput(base_port, ops[0][2], base_cookie, clients, seconds,
                                 base_pids)
            out["users"][username] = {"who": who, "latency": lat,
                                      "throughput": {"app": tp_app, "base": tp_base}}
    return out


# -- report ---------------------------------------------------------------------------------
def table(result):
    lines = []
    f = result["facts"]
    lines.append(f"### {result['db']}, {f['total']:,} documents "
                 f"(VPHU: {f['unit_docs']:,} incoming)")
    lines.append("")
    lines.append("| user | request | median ms | p95 ms | baseline median / p95 ms | "
                 "ratio (median) | server CPU ms/req (baseline) |")
    lines.append("|---|---|---:|---:|---:|---:|---:|")
    for username, data in result["users"].items():
        for label, values in data["latency"].items():
            if values is None:
                lines.append(f"| {username} | {label} | n/a (404) | | | | |")
                continue
            am, ap = statistics.median(values["app"]), percentile(values["app"], 0.95)
            bm, bp = statistics.median(values["base"]), percentile(values["base"], 0.95)
            lines.append(f"| {username} | {label} | {am:.1f} | {ap:.1f} | {bm:.1f} / {bp:.1f} "
                         f"| {am / bm:.1f}× | {values['app_cpu']:.1f} "
                         f"({values['base_cpu']:.1f}) |")
        tp = data["throughput"]
        a, b = tp["app"], tp["base"]
        lines.append(f"| {username} | list page 1, {ARGS_CLIENTS[0]} clients: req/s "
                     f"(server CPU ms/req) | {a['rps']:.1f} ({a['cpu_ms_per_request']:.1f}) | "
                     f"| {b['rps']:.1f} ({b['cpu_ms_per_request']:.1f}) | "
                     f"1/{b['rps'] / a['rps']:.1f} | |")
    return "\n".join(lines)


ARGS_CLIENTS = [8]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=int(os.environ.get("N", 100000)))
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--reuse", action="store_true",
                        help="keep a database already seeded with N documents")
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args()
    ARGS_CLIENTS[0] = args.clients
    sys.path.insert(0, ROOT)
    results = []
    for kind in args.db or ["sqlite", "postgresql"]:
        results.append(run_one(kind, args.n, args.samples, args.clients, args.seconds,
                               args.reuse))
        print()
        print(table(results[-1]), flush=True)
        print()
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1, default=str)


if __name__ == "__main__":
    main()
