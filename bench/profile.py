"""Profile one page of the application in-process on a benchmark database: the SQL
statements it runs (count and time) and where the Python time goes (pyinstrument).

    python -m bench.profile --url sqlite:////tmp/qlvb-bench/bench-100000.db \\
        --user vanthu.vphu --path /incomingview/list/ --repeat 50
"""

import os
import time

from sqlalchemy import event

SHOW_ALL = [False]
SQL_WIDTH = int(os.environ.get("PROFILE_SQL_WIDTH", "300"))


def main():
    from bench.cpu import get, page_arguments, signed_in

    parser = page_arguments(__doc__)
    parser.add_argument("--sql", action="store_true", help="print the statements of one request")
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    parser.add_argument("--all", action="store_true", help="show library frames too")
    args = parser.parse_args()
    args.path = (args.path or ["/incomingview/list/"])[0]
    SHOW_ALL[0] = args.all

    from pyinstrument import Profiler

    from app.extensions import db

    app, client = signed_in(args.url, args.user)
    statements = []
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        statements.append(((time.perf_counter() - conn.info["t0"]) * 1000, statement))

    for _ in range(3):
        assert get(client, args.path).status_code == 200
    statements.clear()
    get(client, args.path)
    one = list(statements)
    print(f"{args.path} as {args.user}: {len(one)} SQL statements, "
          f"{sum(t for t, _ in one):.1f} ms in the database")
    if args.sql:
        for ms, sql in one:
            print(f"  {ms:7.2f} ms  {' '.join(sql.split())[:SQL_WIDTH]}")
    profiler = Profiler(interval=0.0005)
    start = time.perf_counter()
    profiler.start()
    for _ in range(args.repeat):
        get(client, args.path)
    profiler.stop()
    wall = (time.perf_counter() - start) * 1000 / args.repeat
    print(f"{wall:.1f} ms per request in-process (profiled, {args.repeat} requests)")
    print(profiler.output_text(unicode=True, color=False, show_all=SHOW_ALL[0]))
    if args.html:
        with open(args.html, "w") as fh:
            fh.write(profiler.output_html())


if __name__ == "__main__":
    main()
