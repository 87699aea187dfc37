"""Instructions per request, counted by valgrind's callgrind: the same count for the same
code and data whatever else the machine does, so two versions of the code can be compared
on a busy or a virtual machine where times move by the minute.

    python -m bench.instructions --url sqlite:////tmp/qlvb-bench/bench-100000.db \\
        --path /api/v1/incoming/ [--user vanphong] [--repeat 20]

The application runs in-process under callgrind (Debian's ``valgrind``) with counting off;
each page is requested 20 times to warm up, then counting is switched on
(``callgrind_control``) for ``--repeat`` requests only. The API is called with a token, the
screens with the session, as ``bench.cpu`` does.
"""

import functools
import os
import subprocess
import sys
import tempfile
import time

READY = "ready to count"


def child(url, user, paths, repeat):
    """Under callgrind: warm up, say so, wait for counting to be on, then request each
    page ``repeat`` times inside ``functools.reduce`` (the C function counting is bound
    to)."""
    from bench.cpu import get, signed_in

    _app, client = signed_in(url, user)
    for path in paths:
        for _ in range(20):
            status = get(client, path).status_code
            assert status == 200, f"{path}: HTTP {status}"
    print(READY, flush=True)
    time.sleep(3)
    for path in paths:
        functools.reduce(lambda kept, _: (get(client, path), kept)[1], range(repeat), 0)


def count(url, user, path, repeat):
    """Millions of instructions per request of ``path``."""
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "callgrind.out")
        log = os.path.join(work, "child.log")
        with open(log, "w") as fh:
            proc = subprocess.Popen(
                ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                 "--toggle-collect=functools_reduce", f"--callgrind-out-file={out}",
                 sys.executable, "-m", "bench.instructions", "--child", "--url", url,
                 "--user", user, "--path", path, "--repeat", str(repeat)],
                stdout=fh, stderr=subprocess.STDOUT)
        while READY not in open(log).read():
            if proc.poll() is not None:
                raise RuntimeError(f"{path}: the application stopped\n{open(log).read()[-2000:]}")
            time.sleep(1)
        subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], check=True,
                       capture_output=True)
        if proc.wait() != 0:
            raise RuntimeError(f"{path}: the application failed\n{open(log).read()[-2000:]}")
        with open(out) as fh:
            total = next(int(line.split()[1]) for line in fh if line.startswith("summary:"))
    return total / repeat / 1e6


def main():
    from bench.cpu import page_arguments

    parser = page_arguments(__doc__)
    parser.add_argument("--child", action="store_true", help=argparse_hidden())
    args = parser.parse_args()
    if args.repeat == 50:
        args.repeat = 20  # the default of bench.cpu; 20 is enough for a count
    paths = args.path or ["/incomingview/list/"]
    if args.child:
        child(args.url, args.user, paths, args.repeat)
        return
    for path in paths:
        millions = count(args.url, args.user, path, args.repeat)
        print(f"{path} as {args.user}: {millions:.2f} million instructions per request")


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
