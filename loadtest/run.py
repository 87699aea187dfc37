"""The load test (``make load``): 100 users for 2 minutes against gunicorn on PostgreSQL
with Redis as the rate-limit store, all on loopback; zero errors or it fails.

1. The database (``LOAD_DATABASE_URL``, default ``postgresql://postgres@127.0.0.1:5432/load``,
   created if missing) is emptied and built as a deployment builds it — the migrations,
   the synced roles, the demo accounts — then seeded with ``LOAD_DOCS`` documents (default
   20,000) by the benchmark's seeder (bench/seed.py), and one account per simulated user
   (clerks, heads and officials of every unit).
2. gunicorn serves ``run:app`` with ``LOAD_WORKERS`` sync workers (default 4, as in
   production) on a free loopback port, the rate limits in Redis (``REDIS_URL``, default
   ``redis://127.0.0.1:6379/7``).
3. locust runs headless (``LOAD_USERS`` users, default 100, arriving ``LOAD_SPAWN_RATE``
   a second, default 2 — each sign-in costs the production password hash, scrypt, ~0.1 s
   of CPU, twice — for ``LOAD_SECONDS`` in all, default 120) with loadtest/locustfile.py;
   the figures go to ``artifacts/load/`` (locust's CSV files) and a summary is printed: per
   request kind and in all, the number of requests, failures, p50 / p95 / p99 and requests per
   second.

The exit status is non-zero if locust saw one failure (an error status, a wrong page, a
refused sign-in) or the server logged an error.

All simulated users come from 127.0.0.1, where in an office each has their own address:
the per-address login limit (``LOGIN_RATE_LIMIT_PER_ADDRESS``, 60 a minute by default) is
raised for this run to 1000 a minute; the limit per address and user name stays as
configured (each user signs in once on the form and once on the API).
"""

import csv
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.environ.get("LOAD_ARTIFACTS", os.path.join(ROOT, "artifacts", "load"))
DB_DEFAULT = "postgresql://postgres@127.0.0.1:5432/load"
PASSWORD = "Load@2026qlvb"
SECRET = "load-test-secret-key-not-for-production"
ROLES = (("vanthu", "clerk"), ("lanhdao", "head"), ("chuyenvien", "official"))


def env_int(name, default):
    return int(os.environ.get(name, default))


def prepare(url, n_docs, n_users, storage):
    """Empty the database at ``url``, seed it, make ``n_users`` accounts; return the facts
    the simulated users need (the accounts, a document type)."""
    from sqlalchemy import create_engine, text
    from werkzeug.security import generate_password_hash

    from bench.run import _create_pg_database
    from bench.seed import seed
    from config import _sqlalchemy_url

    _create_pg_database(url)
    engine = create_engine(_sqlalchemy_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    seed(url, n_docs, storage)

    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.reference.models import DocumentType
    from app.security import permissions as P
    from app.security.models import AppUser
    from app.units.models import Unit

    role_names = {"clerk": P.ROLE_CLERK, "head": P.ROLE_HEAD, "official": P.ROLE_OFFICIAL}
    app = create_app("development", SQLALCHEMY_DATABASE_URI=_sqlalchemy_url(url),
                     STORAGE_DIR=storage, RATELIMIT_ENABLED=False)
    with app.app_context():
        session = db.session
        sm = app.appbuilder.sm
        units = session.execute(select(Unit).where(Unit.kind != "host")
                                .order_by(Unit.id)).unique().scalars().all()
        pw_hash = generate_password_hash(PASSWORD)  # the production method (scrypt)
        accounts = []
        for i in range(n_users):
            unit = units[i % len(units)]
            prefix, role = ROLES[(i // len(units)) % len(ROLES)]
            username = f"tai.{prefix}.{i:03d}"
            user = AppUser(username=username, first_name=f"Người dùng {i:03d}",
                           last_name="Tải thử", email=f"{username}@load.local", active=True,
                           password=pw_hash, unit=unit, kind="person", position=prefix)
            user.roles = [sm.find_role(role_names[role])]
            session.add(user)
            accounts.append({"username": username, "role": role, "unit_id": unit.id})
        session.commit()
        type_id = session.execute(select(DocumentType.id).where(
            DocumentType.abbreviation == "CV")).scalar_one()
        db.session.remove()
        db.engine.dispose()
    random.Random(1).shuffle(accounts)  # the first users spawned: of every role and unit
    return {"accounts": accounts, "type_id": type_id,
            "password": PASSWORD, "n_docs": n_docs}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url, redis_url, workers, storage, log_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url,
           "RATELIMIT_STORAGE_URI": redis_url, "STORAGE_DIR": storage,
           "QLVB_CONFIG": "development", "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING",
           "LOGIN_RATE_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_RATE_LIMIT_PER_ADDRESS",
                                                           "1000 per minute")}
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--log-level", "warning",
         "--error-logfile", "-", "run:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    # Ready when every worker answers (the port is open before the workers are).
    answered = 0
    deadline = time.monotonic() + 120
    while answered < workers * 2 and time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/login/")
            answered += conn.getresponse().status == 200
            conn.close()
        except OSError:
            time.sleep(0.2)
    if answered < workers * 2:
        raise RuntimeError("gunicorn did not answer")
    return proc, port


def summary(stats_csv):
    """The rows of locust's stats CSV as (name, requests, failures, p50, p95, p99, rps)."""
    out = []
    with open(stats_csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.append((row["Name"] if row["Type"] else "", int(row["Request Count"]),
                        int(row["Failure Count"]), row["50%"], row["95%"], row["99%"],
                        float(row["Requests/s"])))
    return out


def print_table(rows, users, seconds, workers, n_docs):
    print(f"\n== load: {users} users for {seconds} s, gunicorn {workers} workers, "
          f"PostgreSQL ({n_docs:,} documents) + Redis")
    print(f"{'request':<42} {'count':>7} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7} {'req/s':>7}")
    for name, count, fails, p50, p95, p99, rps in rows:
        label = name or "all"
        print(f"{label[:42]:<42} {count:>7} {fails:>5} {p50:>7} {p95:>7} {p99:>7} {rps:>7.1f}")


def main():
    url = os.environ.get("LOAD_DATABASE_URL", DB_DEFAULT)
    redis_url = os.environ.get("LOAD_REDIS_URL", os.environ.get("REDIS_URL",
                                                                 "redis://127.0.0.1:6379/7"))
    users = env_int("LOAD_USERS", 100)
    seconds = env_int("LOAD_SECONDS", 120)
    spawn_rate = env_int("LOAD_SPAWN_RATE", 2)
    workers = env_int("LOAD_WORKERS", 4)
    n_docs = env_int("LOAD_DOCS", 20000)
    if not url.startswith(("postgresql://", "postgres://")):
        sys.exit("LOAD_DATABASE_URL must be a PostgreSQL URL")
    os.makedirs(OUT, exist_ok=True)
    storage = os.path.join(OUT, "files")
    started = time.monotonic()
    facts_path = os.path.join(OUT, "facts.json")
    if os.environ.get("LOAD_REUSE") and os.path.exists(facts_path):
        print(f"reusing the database prepared earlier ({facts_path})")
    else:
        print(f"preparing {url}: {n_docs:,} documents, {users} accounts …", flush=True)
        facts = prepare(url, n_docs, users, storage)
        with open(facts_path, "w", encoding="utf-8") as f:
            json.dump(facts, f)
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # no rate-limit counts from an earlier run
    print(f"prepared in {time.monotonic() - started:.0f} s", flush=True)

    server_log = os.path.join(OUT, "gunicorn.log")
    proc, port = start_gunicorn(url, redis_url, workers, storage, server_log)
    try:
        cmd = [os.path.join(os.path.dirname(sys.executable), "locust"),
               "-f", os.path.join(ROOT, "loadtest", "locustfile.py"), "--headless",
               "--host", f"http://127.0.0.1:{port}", "-u", str(users), "-r", str(spawn_rate),
               "-t", f"{seconds}s", "--stop-timeout", "10", "--csv",
               os.path.join(OUT, "load"), "--only-summary",
               "--loglevel", os.environ.get("LOAD_LOGLEVEL", "WARNING"),
               "--exit-code-on-error", "1"]
        print(f"locust: {users} users for {seconds} s against gunicorn ({workers} workers) "
              f"on 127.0.0.1:{port}", flush=True)
        rc = subprocess.call(cmd, cwd=ROOT, env={**os.environ, "LOAD_FACTS": facts_path,
                                                 "PYTHONPATH": ROOT})
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    rows = summary(os.path.join(OUT, "load_stats.csv"))
    with open(facts_path, encoding="utf-8") as f:
        n_docs = json.load(f).get("n_docs", n_docs)
    print_table(rows, users, seconds, workers, n_docs)
    with open(server_log, encoding="utf-8", errors="replace") as f:
        server_errors = [line for line in f if "Traceback" in line or " ERROR " in line
                         or "[CRITICAL]" in line]
    failures = sum(r[2] for r in rows if r[0])
    total = sum(r[1] for r in rows if r[0])
    print(f"\nlocust's CSV files, the facts and the server log: {OUT}")
    if rc != 0 or failures or server_errors or not total:
        print(f"LOAD FAILED: locust exit {rc}, {failures} failed requests, "
              f"{len(server_errors)} server errors (see {OUT}/load_failures.csv, {server_log})")
        return 1
    print("load held: zero errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
