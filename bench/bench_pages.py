"""Each main page in process against a generated municipality (bench/generate.py): one request's
wall and CPU time (median of repeated runs), its size and the queries it sends. No server, no load:
what one request costs, beside `load.py`'s throughput under load.

    python bench/bench_pages.py --database-url URL [--runs 7]

It reads the database and changes nothing but the sessions of the logins.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

# BENCH_CODE=/path/to/another/checkout measures that checkout's portal (e.g. main before a change)
# with these pages; the database must be at a revision its models can read.
sys.path.insert(0, os.environ.get("BENCH_CODE") or str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parent))

from sqlalchemy import event  # noqa: E402

from load import PASSWORD, pages  # noqa: E402
from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402


class InProcess:
    """load.Browser's two calls on Flask's test client, so load.pages' searches run here too."""

    def __init__(self, client):
        self.client = client

    def csrf(self, path: str) -> str:
        import re

        page = self.client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def search(self, path: str, text: str) -> str:
        response = self.client.post(path, data={"csrf_token": self.csrf(path), "q": text})
        return response.headers["Location"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.environ["PORTAL_DEVELOPMENT"] = "1"
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "bench-" * 8,
                      "SESSION_COOKIE_SECURE": False,
                      "LOGIN_LIMIT_PER_ADDRESS": "10000 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "10000 per minute"})
    clients = {}
    with app.app_context():
        engine = db.engine
    print(f"{'page':44} {'ms':>7} {'CPU ms':>7} {'KB':>7} {'queries':>7}   median of {args.runs} runs")
    for label, user, where in pages(args.database_url):
        if user not in clients:
            client = app.test_client()
            csrf = InProcess(client).csrf("/logga-in")
            response = client.post("/logga-in", data={"csrf_token": csrf, "username": user, "password": PASSWORD})
            if response.status_code != 303:
                raise SystemExit(f"login as {user} failed ({response.status_code})")
            clients[user] = client
        client = clients[user]
        path = where(InProcess(client)) if callable(where) else where
        client.get(path)  # warm: the first request builds the process's caches
        statements: list[str] = []

        def count(*call):
            statements.append(call[2])

        event.listen(engine, "before_cursor_execute", count)
        response = client.get(path)
        event.remove(engine, "before_cursor_execute", count)
        if response.status_code != 200:
            raise SystemExit(f"{label}: {path} answers {response.status_code}")
        walls, cpus = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path).get_data()
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - started_cpu)
        print(f"{label:44} {statistics.median(walls) * 1000:7.0f} {statistics.median(cpus) * 1000:7.0f} "
              f"{len(response.get_data()) / 1024:7.1f} {len(statements):7}", flush=True)


if __name__ == "__main__":
    main()
