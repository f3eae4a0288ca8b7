"""The load run: the portal and the bare baseline (bench/baseline_app.py) under gunicorn on loopback,
each page driven by a bounded load generator (N keep-alive connections for S seconds), side by side.

    python bench/load.py --database-url URL [--connections 16] [--seconds 10] [--workers 2] [--rounds 3]

The database must hold a generated municipality (bench/generate.py; demo users, password
demo-losen-2026). Pages are measured in rounds, the bare page in every round, interleaved, and each
page's median round is printed: requests per second, the ratio to the bare page's throughput in the
same round, p50 and p99 latency, the page's size and the queries of one request. The generator is
Python threads on the same machine: it takes CPU from the servers, the same for every page.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo-losen-2026"
PORTAL_PORT, BARE_PORT = 8731, 8732


def _start(app: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    command = [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--timeout", "60", "--log-level", "warning", app]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def _wait_up(port: int) -> None:
    for _ in range(200):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/favicon.ico")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing answers on port {port}")


class Browser:
    """Just enough of a browser to log in and post a search: one cookie jar, CSRF tokens from pages."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": self.cookie_header()}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), text

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def csrf(self, path: str = "/logga-in") -> str:
        _status, _headers, page = self.request("GET", path)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
            re.search(r'name="csrf_token" value="([^"]+)"', page)
        if not match:
            raise SystemExit(f"no CSRF token on {path}")
        return match.group(1)

    def login(self, username: str) -> Browser:
        status, _h, _t = self.request("POST", "/logga-in", {"csrf_token": self.csrf(), "username": username,
                                                             "password": PASSWORD})
        if status != 303:
            raise SystemExit(f"login as {username} failed ({status})")
        return self

    def search(self, path: str, text: str) -> str:
        """Post a search as the page does; the results' address (its text kept as a session token)."""
        status, headers, _t = self.request("POST", path, {"csrf_token": self.csrf(path), "q": text})
        location = headers.get("Location") or headers.get("location")
        if status != 303 or not location:
            raise SystemExit(f"search on {path} failed ({status})")
        return urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl()


def drive(port: int, path: str, cookie: str, connections: int, seconds: float) -> dict:
    """N threads, each a keep-alive connection sending GETs until the time is up."""
    latencies: list[float] = []
    errors = [0]
    size = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        mine: list[float] = []
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                response = connection.getresponse()
                body = response.read()
                if response.status != 200:
                    errors[0] += 1
                size[0] = len(body)
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    count = len(latencies)
    return {"rps": count / elapsed, "p50": latencies[count // 2] if count else float("nan"),
            "p99": latencies[min(count - 1, int(count * 0.99))] if count else float("nan"),
            "count": count, "errors": errors[0], "bytes": size[0]}


def pages(database_url: str) -> list[tuple[str, str, object]]:
    """(label, user, path or a function of the logged-in browser giving the path)."""
    from sqlalchemy import create_engine, text

    from portal.config import database_url as normalised

    engine = create_engine(normalised(database_url))
    with engine.connect() as connection:
        waiting = connection.execute(text(
            "SELECT c.id FROM cases c JOIN org_units u ON u.id = c.org_unit_id WHERE u.name = 'Hemtjänst Norr' "
            "AND c.state = 'awaiting_decision' ORDER BY c.id LIMIT 1")).scalar()
        customer, identity = connection.execute(text(
            "SELECT id, identity_number FROM customers WHERE kind = 'person' AND NOT protected_identity "
            "ORDER BY id DESC LIMIT 1")).one()
        committee = connection.execute(text("SELECT id FROM committees WHERE code = 'SN'")).scalar()
        held, planned = (connection.execute(text(
            "SELECT id FROM meetings WHERE committee_id = :sn AND state = :state ORDER BY meeting_date DESC LIMIT 1"),
            {"sn": committee, "state": state}).scalar() for state in ("held", "planned"))
    engine.dispose()
    formatted = f"{identity[:8]}-{identity[8:]}"
    return [
        ("Mina uppgifter (chef.norr, waiting queue)", "chef.norr", "/"),
        ("Mina uppgifter, the queue's page 5", "chef.norr", "/?beslut_sida=5"),
        ("case list, a decider (menu count kept)", "chef.norr", "/arenden/"),
        ("case list, default", "ekonom", "/arenden/"),
        ("case list, name search", "ekonom", lambda b: b.search("/arenden/", "andersson")),
        ("case page", "chef.norr", f"/arenden/{waiting}"),
        ("customer search, name", "ekonom", lambda b: b.search("/kunder/", "lindqvist")),
        ("customer search, personnummer", "ekonom", lambda b: b.search("/kunder/", formatted)),
        ("customer page", "ekonom", f"/kunder/{customer}"),
        ("committee's delegation report", "sekreterare", f"/sammantraden/namnder/{committee}/delegationsbeslut"),
        ("committee's delegation report, page 2", "sekreterare",
         f"/sammantraden/namnder/{committee}/delegationsbeslut?sida=2"),
        ("meeting page, report issued", "sekreterare", f"/sammantraden/{held}"),
        ("meeting page, report not yet issued", "sekreterare", f"/sammantraden/{planned}"),
        ("jobs page", "ekonom", "/jobb/?visa=alla"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="run only pages whose label contains this")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    env = {**os.environ, "DATABASE_URL": args.database_url, "SECRET_KEY": "bench-secret-key-of-at-least-thirty-two-bytes", "PORTAL_DEVELOPMENT": "1",
           "SESSION_COOKIE_SECURE": "0", "LOGIN_LIMIT_PER_ADDRESS": "10000 per minute",
           "LOGIN_LIMIT_PER_ACCOUNT": "10000 per minute"}
    servers = [_start("wsgi:app", PORTAL_PORT, args.workers, env),
               _start("bench.baseline_app:app", BARE_PORT, args.workers, env)]
    try:
        _wait_up(PORTAL_PORT)
        _wait_up(BARE_PORT)
        browsers: dict[str, Browser] = {}
        plan = []
        for label, user, where in pages(args.database_url):
            if args.only and args.only not in label:
                continue
            browser = browsers.get(user) or browsers.setdefault(user, Browser(PORTAL_PORT).login(user))
            path = where(browser) if callable(where) else where
            status, _h, _t = browser.request("GET", path)  # warm: the first request builds caches
            if status != 200:
                raise SystemExit(f"{label}: {path} answers {status}")
            plan.append((label, path, browser.cookie_header()))
        results: dict[str, list[dict]] = {label: [] for label, _p, _c in plan}
        bare: list[dict] = []
        for _round in range(args.rounds):
            for label, path, cookie in plan:
                base = drive(BARE_PORT, "/", "", args.connections, args.seconds)
                bare.append(base)
                result = drive(PORTAL_PORT, path, cookie, args.connections, args.seconds)
                result["ratio"] = result["rps"] / base["rps"] if base["rps"] else float("nan")
                results[label].append(result)
        print(f"\n{args.connections} connections, {args.seconds:g} s a page, {args.workers} gunicorn workers, "
              f"median of {args.rounds} rounds")
        print(f"{'page':44} {'req/s':>7} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'KB':>7} {'err':>4}")
        base = sorted(bare, key=lambda r: r["rps"])[len(bare) // 2]
        print(f"{'bare Flask + SQLAlchemy + Jinja, 50 rows':44} {base['rps']:7.1f} {1:6.2f} "
              f"{base['p50'] * 1000:7.0f} {base['p99'] * 1000:7.0f} {base['bytes'] / 1024:7.1f} {base['errors']:4}")
        for label, rounds in results.items():
            middle = sorted(rounds, key=lambda r: r["ratio"])[len(rounds) // 2]
            print(f"{label:44} {middle['rps']:7.1f} {middle['ratio']:6.2f} {middle['p50'] * 1000:7.0f} "
                  f"{middle['p99'] * 1000:7.0f} {middle['bytes'] / 1024:7.1f} {sum(r['errors'] for r in rounds):4}")
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
