"""CPU time per request of one page, in-process (no server, no profiler): the figure to
compare two versions of the code on a busy machine.

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
    return app, client


def main():
    args = page_arguments(__doc__).parse_args()
    app, client = signed_in(args.url, args.user)
    for path in args.path or ["/incomingview/list/"]:
        for _ in range(5):
            assert client.get(path).status_code == 200
        start = time.process_time()
        for _ in range(args.repeat):
            client.get(path)
        cpu = (time.process_time() - start) * 1000 / args.repeat
        print(f"{path} as {args.user}: {cpu:.1f} ms CPU per request")


if __name__ == "__main__":
    main()
