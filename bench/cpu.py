"""CPU time per request, in-process (no server, no profiler): the figure to compare two
versions of the code on a busy machine. Without ``--path``: every request ``make bench``
measures (the API with a token and no session cookie, as its clients call it).

    python -m bench.cpu --url sqlite:////tmp/qlvb-bench/bench-100000.db --user vanphong
"""

import argparse
import time


def page_arguments(doc):
    """The arguments every in-process tool takes: database, user, page(s), repetitions."""
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--user", default="vanthu.vphu")
    parser.add_argument("--path", action="append")
    parser.add_argument("--repeat", type=int, default=50)
    return parser


def signed_in(url, username):
    """The app on the benchmark database ``url`` and a test client signed in as
    ``username`` (the demo password)."""
    from app import create_app
    from bench.run import PASSWORD

    app = create_app("development", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                     RATELIMIT_ENABLED=False, LOG_LEVEL="WARNING")
    client = app.test_client()
    resp = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302, f"login of {username}: {resp.status_code}"
    # The API as its clients call it: a token, no session cookie.
    client.api_client = app.test_client()
    resp = client.api_client.post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db"})
    assert resp.status_code == 200, f"API login of {username}: {resp.status_code}"
    client.api_headers = {"Authorization": "Bearer " + resp.get_json()["access_token"]}
    return app, client


def get(client, path):
    """GET ``path`` as the signed-in user: the API (``/api/``) with the JWT, the screens
    with the session."""
    if path.startswith("/api/"):
        return client.api_client.get(path, headers=client.api_headers)
    return client.get(path)


def benchmark_paths(url):
    """The application's side of every request ``make bench`` measures."""
    from bench.run import facts, operations

    return [path for _, path, _, _ in operations(facts(url))]


def main():
    args = page_arguments(__doc__).parse_args()
    app, client = signed_in(args.url, args.user)
    for path in args.path or benchmark_paths(args.url):
        for _ in range(5):
            status = get(client, path).status_code
            if status == 404:
                print(f"{path} as {args.user}: 404, not measured")
                break
            assert status == 200, f"{path}: HTTP {status}"
        else:
            measure(client, path, args)


def measure(client, path, args):
    """The best of three rounds of ``--repeat`` requests (a busy machine only adds)."""
    best = None
    for _ in range(3):
        start = time.process_time()
        for _ in range(args.repeat):
            get(client, path)
        cpu = (time.process_time() - start) * 1000 / args.repeat
        best = cpu if best is None else min(best, cpu)
    print(f"{path} as {args.user}: {best:.1f} ms CPU per request")


if __name__ == "__main__":
    main()
