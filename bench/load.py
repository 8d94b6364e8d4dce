"""Load benchmark of the public pages: a script that reports figures, not a test.

It prepares a PostgreSQL database with the demo data, serves the portal with gunicorn in
production mode on a free loopback port, drives each page with `wrk` and prints, per page,
requests per second, p50 and p99 latency, errors and SQL queries per request. The load tool
and the server share the machine's cores, so the figure to compare is each page's throughput
as a share of a trivial Django view (`/healthz`) measured in the same run. The public pages
are cached under the version of their data; one more page asks for a new search on every
request, so it is always rendered afresh.

    .venv/bin/python bench/load.py [--clients 50] [--seconds 60] [--members 400]

Exits 1 when any request failed (or a page did not answer 200 before the load), 2 when it
cannot run. See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlencode

if TYPE_CHECKING:
    from django.test import Client

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sistercities_bench"
HOST = "127.0.0.1"
BENCH_USER = "bench@example.org"
TARGET_SHARE = 0.30

# wrk's own error count leaves out 3xx answers; this script counts anything but 200, so that a
# signed-in page bouncing to the login form cannot pass for a fast page.
WRK_SCRIPT = """
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  not_ok = 0
end

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
  end
end

FRESH_REQUEST

function done(summary, latency, requests)
  local not_ok_total = 0
  for _, thread in ipairs(threads) do
    not_ok_total = not_ok_total + thread:get("not_ok")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"connect": %d, "read": %d, "write": %d, "timeout": %d, "not_ok": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, not_ok_total))
end
"""
# For pages measured afresh: a query string never asked before on every request, so no cache
# can answer it (what a visitor's own search costs).
FRESH_REQUEST = """
local counter = 0

function request()
  counter = counter + 1
  return wrk.format(nil, string.format("%s&fresh=%d-%d", wrk.path, id, counter))
end
"""


@dataclass
class Page:
    label: str
    path: str
    signed_in: bool = False
    fresh: bool = False
    queries: int | None = None
    fresh_queries: int | None = None
    requests_per_s: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    note: str = ""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent connections (50)")
    parser.add_argument("--seconds", type=int, default=60, help="load per page, seconds (60)")
    parser.add_argument("--members", type=int, default=400, help="demo Global Members (400)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument(
        "--timeout", type=int, default=30, help="seconds before wrk counts a request lost (30)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        help=f"PostgreSQL on this machine (DATABASE_URL, else {DEFAULT_DATABASE_URL})",
    )
    args = parser.parse_args()
    if args.clients < 1 or args.seconds < 1 or args.workers < 1 or args.threads < 1:
        parser.error("--clients, --seconds, --workers and --threads must be at least 1")
    args.threads = min(args.threads, args.clients)
    return args


def fail(message: str) -> NoReturn:
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(2)


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database when it is missing; refuse any server off this machine."""
    import dj_database_url
    import psycopg2
    from psycopg2 import sql

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        fail(f"the benchmark runs on PostgreSQL, not {config['ENGINE']}")
    host = config.get("HOST") or ""
    if host and host != "localhost" and not host.startswith("/"):
        try:
            loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            fail(f"the database must be on this machine (loopback), not {host}")
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": host or None,
        "port": config.get("PORT") or None,
    }
    try:
        connection = psycopg2.connect(**{k: v for k, v in params.items() if v is not None})
    except psycopg2.OperationalError as exc:
        fail(f"cannot reach PostgreSQL ({exc.args[0].strip()}); is it running?")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            print(f"Created database {config['NAME']}")
    connection.close()


def production_environment(database_url: str, var_dir: Path) -> dict[str, str]:
    """The variables of a production deployment, on loopback without TLS."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "sistercities.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "SECURE_SSL_REDIRECT": "false",
            "VAR_DIR": str(var_dir),
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def prepare_portal(members: int) -> tuple[list[Page], str]:
    """Migrate, load the demo, collect static files; return the pages and a signed-in session."""
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import F
    from django.test import Client, override_settings

    from membership.models import Community

    started = time.monotonic()
    print("Migrating, loading the demo data and collecting static files...", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo", members=members, verbosity=0)
    # PostgreSQL plans from table statistics. In production autovacuum gathers them, but on a
    # freshly loaded database it may not have yet (and these machines run with it off).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # The manifest alone is what pages need to render; WhiteNoise's compression of every file
    # takes minutes here and matters only for serving static files, which this does not load.
    manifest_only = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STORAGES=manifest_only):
        call_command("collectstatic", interactive=False, verbosity=0)
    print(f"  ready in {time.monotonic() - started:.0f} s", flush=True)

    user, _ = get_user_model().objects.get_or_create(
        username=BENCH_USER, defaults={"email": BENCH_USER}
    )
    EmailAddress.objects.update_or_create(
        user=user, email=BENCH_USER, defaults={"verified": True, "primary": True}
    )
    signed_in = Client(HTTP_HOST=HOST)
    signed_in.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session_cookie = (
        f"{settings.SESSION_COOKIE_NAME}={signed_in.cookies[settings.SESSION_COOKIE_NAME].value}"
    )

    # The best-connected member: its profile is the heaviest, its name a real search.
    member = (
        Community.objects.global_members()
        .with_membership_summary()
        .order_by(F("partnership_count").desc(nulls_last=True), "name")
        .first()
    )
    if member is None:
        fail("the demo data has no Global Member")
    search = urlencode({"q": member.name, "country": str(member.country)})
    pages = [
        Page("trivial view (baseline)", "/healthz"),
        Page("home", "/"),
        Page("directory", "/directory/"),
        Page("directory search", f"/directory/?{search}"),
        Page("directory search, afresh", f"/directory/?{search}", fresh=True),
        Page("profile", member.get_absolute_url()),
        Page("signed-in: account e-mail*", "/accounts/email/", signed_in=True),
        # Measured again last: the gap between the two shows how much the machine drifted.
        Page("trivial view (again)", "/healthz"),
    ]
    count_queries(pages, Client(HTTP_HOST=HOST), signed_in)
    return pages, session_cookie


def count_queries(pages: list[Page], anonymous: Client, signed_in: Client) -> None:
    """SQL queries of a request to each page, in-process on the same database.

    Counted twice: served from the caches (after a warm-up request), and rendered afresh, as
    on the first request after a change to the data (made here by an UPDATE of no row, which
    the directory's triggers count as a change).
    """
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from membership.models import MembershipClass

    for page in pages:
        client = signed_in if page.signed_in else anonymous
        paths = [f"{page.path}&fresh={n}" for n in range(3)] if page.fresh else [page.path] * 3
        client.get(paths[0])  # warms the per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(paths[1])
        page.queries = len(queries.captured_queries)
        MembershipClass.objects.filter(pk=0).update(name=F("name"))
        with CaptureQueriesContext(connection) as queries:
            client.get(paths[2])
        page.fresh_queries = len(queries.captured_queries)
        if response.status_code != 200:
            page.note = f"in-process answer {response.status_code}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, cookie: str = "", timeout: float = 10) -> int:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        fail(f"no gunicorn beside {sys.executable}; run this script with .venv/bin/python")
    command = [str(gunicorn), "sistercities.wsgi", "-w", str(workers), "-b", f"{HOST}:{port}"]
    command += ["--error-logfile", str(log)]
    # No shell, and every argument is built here.
    server = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            fail(f"gunicorn exited with {server.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if get(port, "/healthz") == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop(server)
    fail("gunicorn did not answer /healthz within 30 seconds")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run_wrk(page: Page, port: int, args: argparse.Namespace, scripts: Path, cookie: str) -> None:
    script = scripts / ("fresh.lua" if page.fresh else "bench.lua")
    command = ["wrk", f"-t{args.threads}", f"-c{args.clients}", f"-d{args.seconds}s"]
    command += [f"--timeout={args.timeout}s", "-s", str(script)]
    if page.signed_in:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://{HOST}:{port}{page.path}")
    print(f"  {page.label}: {args.clients} clients for {args.seconds} s...", flush=True)
    result = subprocess.run(  # noqa: S603  # no shell; every argument is built here
        command,
        capture_output=True,
        text=True,
        timeout=args.seconds + args.timeout + 60,
        check=False,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH-JSON ")), None)
    if result.returncode != 0 or line is None:
        page.errors = max(page.errors, 1)
        page.note = f"wrk failed: {result.stderr.strip() or result.stdout.strip()}"[:200]
        return
    figures = json.loads(line.removeprefix("BENCH-JSON "))
    page.requests_per_s = figures["requests"] / (figures["duration_us"] / 1e6)
    page.p50_ms = figures["p50_us"] / 1000
    page.p99_ms = figures["p99_us"] / 1000
    page.errors += sum(figures[k] for k in ("connect", "read", "write", "timeout", "not_ok"))


def _shown_path(page: Page) -> str:
    path = f"{page.path}&fresh=<new>" if page.fresh else page.path
    return path if len(path) <= 48 else path[:45] + "..."


def print_report(pages: list[Page], args: argparse.Namespace, load: tuple[float, float]) -> None:
    trivial = [page.requests_per_s for page in pages if page.path == "/healthz"]
    baseline = sum(trivial) / len(trivial)
    header = ("page", "path", "req/s", "% of trivial", "p50 ms", "p99 ms", "errors", "queries")
    rows = [
        (
            page.label,
            _shown_path(page),
            f"{page.requests_per_s:.1f}",
            f"{100 * page.requests_per_s / baseline:.0f}%" if baseline else "-",
            f"{page.p50_ms:.1f}",
            f"{page.p99_ms:.1f}",
            str(page.errors),
            "-" if page.queries is None else f"{page.queries} / {page.fresh_queries}",
        )
        for page in pages
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print(
        f"\n{args.clients} clients x {args.seconds} s per page, gunicorn -w {args.workers} "
        f"(sync), wrk -t{args.threads}, {os.cpu_count()} cores shared by both; "
        f"load average {load[0]:.1f} before, {load[1]:.1f} after\n"
    )
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(
            "  ".join(
                cell.ljust(w) if i < 2 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    for page in pages:
        if page.note:
            print(f"note: {page.label}: {page.note}")
    directory = next(page for page in pages if page.path == "/directory/")
    share = directory.requests_per_s / baseline if baseline else 0.0
    verdict = "meets" if share >= TARGET_SHARE else "BELOW"
    print(
        f"\nDirectory throughput / trivial view: {share:.0%} "
        f"({verdict} the {TARGET_SHARE:.0%} target; trivial view = mean of its two runs)"
    )
    print(
        "* /accounts/email/ stands in for the signed-in dashboard until a real one exists; "
        "queries are per request, counted in-process on the same database: served from the "
        "caches / rendered afresh after a change."
    )


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        fail("wrk is not installed: apt-get install -y wrk")
    ensure_database(args.database_url)
    var_dir = Path(tempfile.mkdtemp(prefix="sistercities-bench-"))
    env = production_environment(args.database_url, var_dir)
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    server = None
    try:
        pages, cookie = prepare_portal(args.members)
        from django.db import connections

        connections.close_all()
        (var_dir / "bench.lua").write_text(WRK_SCRIPT.replace("FRESH_REQUEST", ""))
        (var_dir / "fresh.lua").write_text(WRK_SCRIPT.replace("FRESH_REQUEST", FRESH_REQUEST))
        port = free_port()
        server = start_gunicorn(env, port, args.workers, var_dir / "gunicorn.log")
        load_before = os.getloadavg()[0]
        print(f"gunicorn on http://{HOST}:{port}/ (DEBUG off); load:", flush=True)
        for page in pages:
            # Requests of the previous run still queued at the server would slow this one.
            get(port, "/healthz", timeout=args.timeout + 120)
            status = get(port, page.path, cookie if page.signed_in else "", timeout=args.timeout)
            if status != 200:
                page.errors = 1
                page.note = f"answered {status} before the load; not measured"
                continue
            run_wrk(page, port, args, var_dir, cookie)
        print_report(pages, args, (load_before, os.getloadavg()[0]))
        log = (var_dir / "gunicorn.log").read_text()
        if "Traceback" in log or "[CRITICAL]" in log:
            print(f"\ngunicorn reported problems:\n{log[-3000:]}")
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(var_dir, ignore_errors=True)
    return 1 if any(page.errors for page in pages) else 0


if __name__ == "__main__":
    sys.exit(main())
