"""Where a request's time goes in the server itself: one gunicorn worker serves the
application on a benchmark database, one client requests the page (signed in through the
login form, or with a token for the API) for ``--seconds``, and py-spy samples the worker.
Prints the requests served and, for every function, the share of the worker's samples
spent in it or below it (inclusive), largest first.

    python -m bench.spy --url sqlite:////tmp/qlvb-bench/bench-100000.db \\
        --path /incomingview/list/ [--user vanphong] [--match app/]

Unlike ``bench.profile`` (pyinstrument, in-process through the test client) this sees what
a real request costs: gunicorn, the session cookie, the token, the rate limiter.
"""

import collections
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

from bench.run import SECRET, WORK, _children, api_token, gunicorn, login, request

FRAME = re.compile(r" \((.*?):\d+\)")


def shares(raw_path):
    """(total samples, Counter of inclusive samples per function) of py-spy's raw output."""
    inclusive, total = collections.Counter(), 0
    with open(raw_path) as fh:
        for line in fh:
            stack, _, count = line.rstrip().rpartition(" ")
            if not stack or not count.isdigit():
                continue  # a frame's name broken over two lines
            total += int(count)
            for frame in {FRAME.sub(r" (\1)", f) for f in stack.split(";")}:
                inclusive[frame] += int(count)
    return total, inclusive


def main():
    from bench.cpu import page_arguments

    parser = page_arguments(__doc__)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rate", type=int, default=400, help="samples a second")
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--match", default="", help="only functions whose line matches")
    args = parser.parse_args()
    args.path = (args.path or ["/incomingview/list/"])[0]
    spy = os.path.join(os.path.dirname(sys.executable), "py-spy")
    env = {"DATABASE_URL": args.url, "STORAGE_DIR": os.path.join(WORK, "files"),
           "QLVB_CONFIG": "development", "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING"}
    api = args.path.startswith("/api/")
    with gunicorn("run:app", env, workers=1) as (port, pid), \
            tempfile.NamedTemporaryFile(suffix=".txt") as raw:
        cookie = None if api else login(port, args.user)
        headers = api_token(port, args.user) if api else None
        for _ in range(20):  # warm: the caches of the worker are part of it
            request(port, args.path, cookie, headers)
        worker = (_children(pid) or [pid])[0]
        served = [0]
        stop = time.time() + args.seconds + 2

        def client():
            while time.time() < stop:
                request(port, args.path, cookie, headers)
                served[0] += 1

        thread = threading.Thread(target=client)
        thread.start()
        time.sleep(1)
        subprocess.run([spy, "record", "--pid", str(worker), "--duration",
                        str(int(args.seconds)), "--rate", str(args.rate), "--format", "raw",
                        "--output", raw.name, "--nonblocking"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        thread.join()
        total, inclusive = shares(raw.name)
    print(f"{args.path} as {args.user}: {served[0]} requests in "
          f"{args.seconds + 2:.0f} s; {total} samples of the worker")
    shown = 0
    for frame, count in inclusive.most_common():
        if args.match and not re.search(args.match, frame):
            continue
        print(f"{100 * count / max(total, 1):5.1f} %  {frame[:140]}")
        shown += 1
        if shown >= args.top:
            break


if __name__ == "__main__":
    main()
