"""The benchmark: `pitf demo --scale N` data, served as production serves it (gunicorn, 2 sync workers,
config/gunicorn.conf.py, PITF_ENV=production), measured with wrk page by page, each against /healthz.

    make bench                                   # SQLite, scale 10, every page
    make bench BENCH_DATABASE=postgresql         # the database of BENCH_DATABASE_URL (created if missing)
    .venv/bin/python bench/run.py --only scorecards --duration 5s

Every option has an environment variable (BENCH_*); see --help and bench/README.md. Loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/pitf_bench"
ROLES = ("admin", "secretariat", "liaison", "council", "viewer")


@dataclass
class Page:
    group: str  # what --only matches, with the label
    label: str
    path: str
    auth: str  # a role signed in, "api" (the viewer's token), or "" (none)


@dataclass
class Result:
    page: Page
    rps: float
    p50_ms: float
    p99_ms: float
    errors: str


def options() -> argparse.Namespace:
    env = os.environ.get
    p = argparse.ArgumentParser(description="Load test of the platform's pages at scale, behind gunicorn, with wrk.")
    p.add_argument("--database", choices=("sqlite", "postgresql"), default=env("BENCH_DATABASE", "sqlite"))
    p.add_argument("--database-url", default=env("BENCH_DATABASE_URL", PG_DEFAULT),
                   help="PostgreSQL only; its database is created when missing (default %(default)s)")
    p.add_argument("--scale", type=int, default=int(env("BENCH_SCALE", "10")), help="pitf demo --scale N")
    p.add_argument("--duration", default=env("BENCH_DURATION", "15s"), help="wrk -d per page (%(default)s)")
    p.add_argument("--warmup", default=env("BENCH_WARMUP", "3s"), help="wrk -d before each page's run")
    p.add_argument("--timeout", default=env("BENCH_TIMEOUT", "10s"),
                   help="wrk --timeout: a slower response counts as a socket timeout (%(default)s)")
    p.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", "8")), help="wrk -c")
    p.add_argument("--threads", type=int, default=int(env("BENCH_THREADS", "2")), help="wrk -t")
    p.add_argument("--workers", type=int, default=int(env("BENCH_WORKERS", "2")), help="gunicorn workers")
    p.add_argument("--port", type=int, default=int(env("BENCH_PORT", "5077")))
    p.add_argument("--instance", default=env("BENCH_INSTANCE", ""),
                   help="instance folder (default /tmp/pitf-bench-<database>); a rerun reuses its data")
    p.add_argument("--only", action="append", default=[o for o in env("BENCH_ONLY", "").split(",") if o],
                   help="only pages whose group or label contains this (repeatable; /healthz always runs)")
    p.add_argument("--list", action="store_true", help="list the pages and their groups, then stop")
    return p.parse_args()


def fail(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(1)


def run(args: list[str], env: dict, *, stdin: str | None = None, quiet: bool = False) -> str:
    done = subprocess.run(args, env=env, input=stdin, text=True, capture_output=True, cwd=ROOT)  # noqa: S603
    if done.returncode:
        fail(f"{' '.join(args[:4])} failed:\n{done.stdout}{done.stderr}")
    if not quiet and done.stderr.strip():
        print(done.stderr.strip().splitlines()[-1], file=sys.stderr)
    return done.stdout


# ---- the instance and its data --------------------------------------------------------------------

def prepare(opts, instance: Path) -> tuple[dict, dict[str, str]]:
    """The environment gunicorn and the CLI run with, and the bench users' emails by role (created once)."""
    instance.mkdir(parents=True, exist_ok=True)
    instance.chmod(0o700)
    secret_file = instance / "bench-secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(32))
        secret_file.chmod(0o600)
    env = {**os.environ, "PITF_INSTANCE_PATH": str(instance), "PITF_ENV": "production",
           "PITF_SECRET_KEY": secret_file.read_text().strip(), "PITF_WORKERS": str(opts.workers),
           "PITF_BASE_URL": f"http://127.0.0.1:{opts.port}", "PYTHONPATH": str(ROOT)}
    env.pop("PITF_DATABASE_URL", None)  # never a database of someone else's by accident
    if opts.database == "postgresql":
        env["PITF_DATABASE_URL"] = opts.database_url
        create_pg_database(opts.database_url)
    pitf = [str(BIN / "python"), "-c", "from pitf.cli import main; main()"]
    run([*pitf, "db", "upgrade"], env, quiet=True)
    run([*pitf, "reference"], env, quiet=True)
    users = {role: f"bench.{role}@pitf.example.gov" for role in ROLES}
    listed = run([*pitf, "users", "list"], env, quiet=True)
    for role, email in users.items():
        if email in listed:
            continue
        password = password_of(instance, role)
        agency = ["--agency", "DOJ"] if role == "liaison" else []
        run([*pitf, "users", "create", email, "--role", role, *agency, "--name", f"Bench {role.title()}",
             "--password-stdin"], env, stdin=password + "\n", quiet=True)
    print(f"== Data: pitf demo --scale {opts.scale} on {opts.database} ({instance}; reused when loaded)")
    started = time.monotonic()
    out = run([*pitf, "demo", "--scale", str(opts.scale)], env)
    print("   " + out.strip().splitlines()[-1])
    print(f"   data ready in {time.monotonic() - started:.0f} s (wall clock, the demo accounts included)")
    return env, users


def password_of(instance: Path, role: str) -> str:
    path = instance / f"bench-password-{role}"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(18))
        path.chmod(0o600)
    return path.read_text().strip()


def create_pg_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first():
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def lookups(env: dict) -> dict:
    """Ids the pages need: an item, a meeting with approved minutes, a report year, the audit log's last page."""
    from sqlalchemy import create_engine, text

    url = env.get("PITF_DATABASE_URL") or f"sqlite:///{env['PITF_INSTANCE_PATH']}/pitf.db"
    engine = create_engine(url)
    with engine.connect() as conn:
        one = lambda sql: conn.execute(text(sql)).scalar()  # noqa: E731
        found = {
            "item": one("SELECT id FROM actionitem WHERE external_ref = 'scale-1'"),
            "meeting": one("SELECT m.id FROM meeting m JOIN minutes n ON n.meeting_id = m.id JOIN agenda a ON "
                           "a.meeting_id = m.id WHERE n.status = 'approved' AND m.is_open "
                           "AND m.title NOT LIKE 'Demo: %' ORDER BY m.id LIMIT 1"),
            "year": one("SELECT report_year FROM recommendation GROUP BY report_year ORDER BY count(*) DESC, "
                        "report_year DESC LIMIT 1"),
            "audit_last": max(1, math.ceil((one("SELECT count(*) FROM auditentry") or 0) / 50)),
        }
    engine.dispose()
    if None in found.values():
        fail(f"The scale data lacks what the pages need: {found}")
    return found


def pages(ids: dict) -> list[Page]:
    ai = "/action-items/"
    return [
        Page("healthz", "/healthz", "/healthz", ""),
        Page("action-items", "action items, page 1", ai, "viewer"),
        Page("action-items", "action items, page 600", f"{ai}?page=600", "viewer"),
        Page("action-items", "action items, DOJ overdue", f"{ai}?agency=DOJ&overdue=true", "viewer"),
        Page("action-items", "action items, q=protocol", f"{ai}?q=protocol", "viewer"),
        Page("action-items", "an action item", f"{ai}{ids['item']}", "viewer"),
        *[Page("dashboards", f"dashboard ({role})", "/dashboard", role) for role in ROLES],
        Page("scorecards", "scorecards", "/scorecards/", "viewer"),
        Page("scorecards", "scorecard of DOJ", "/scorecards/DOJ", "viewer"),
        Page("meetings", "meetings", "/meetings/", "viewer"),
        Page("meetings", "a meeting", f"/meetings/{ids['meeting']}", "viewer"),
        Page("meetings", "its minutes", f"/meetings/{ids['meeting']}/minutes", "viewer"),
        Page("recommendations", "recommendations", "/recommendations/", "viewer"),
        Page("recommendations", "recommendations dashboard", "/recommendations/dashboard", "viewer"),
        Page("recommendations", f"annual report {ids['year']}", f"/recommendations/report/{ids['year']}", "viewer"),
        Page("search", "search, a common word", "/search?q=screening", "viewer"),
        Page("search", "search, a phrase", "/search?q=%22forced+labor%22", "viewer"),
        Page("audit", "audit log, page 1", "/admin/audit", "admin"),
        Page("audit", f"audit log, last page ({ids['audit_last']})", f"/admin/audit?page={ids['audit_last']}",
             "admin"),
        Page("notifications", "notifications", "/notifications", "viewer"),
        Page("api", "API action items, page 1", "/api/v1/action-items", "api"),
        Page("api", "API action items, page 600", "/api/v1/action-items?page=600", "api"),
        Page("api", "API meetings", "/api/v1/meetings", "api"),
        Page("api", "API recommendations", "/api/v1/recommendations", "api"),
        Page("api", "API search, a common word", "/api/v1/search?q=screening", "api"),
    ]


# ---- HTTP: sign-in and checks ---------------------------------------------------------------------

def request(port: int, method: str, path: str, headers: dict, body: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, r.getheaders(), data


def cookies_of(headers, jar: dict) -> dict:
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key.strip()] = rest.split(";", 1)[0]
    return jar


def sign_in(port: int, email: str, password: str) -> str:
    """Sign in as a browser does (the form's CSRF token, then the session cookie): the Cookie header."""
    status, headers, body = request(port, "GET", "/login", {})
    jar = cookies_of(headers, {})
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body)
    if status != 200 or not token:
        fail(f"GET /login answered {status} without a CSRF token")
    form = urllib.parse.urlencode({"csrf_token": token.group(1).decode(), "email": email, "password": password})
    status, headers, _ = request(port, "POST", "/login", {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
        "Referer": f"http://127.0.0.1:{port}/login"}, form)
    if status != 302:
        fail(f"Signing in as {email} failed (HTTP {status})")
    cookies_of(headers, jar)
    # Follow the redirect as a browser does and keep the cookie it sets (the session's CSRF token is made on
    # the first page): wrk then sends the cookie a browser would, not one that makes a new token each time.
    location = urllib.parse.urlsplit({k.lower(): v for k, v in headers}.get("location", "/dashboard"))
    status, headers, _ = request(port, "GET", location.path + (f"?{location.query}" if location.query else ""),
                                 {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
    if status != 200:
        fail(f"The first page after signing in as {email} answered {status}")
    cookies_of(headers, jar)
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def header_for(page: Page, port: int, users: dict, instance: Path, token: str) -> str:
    if page.auth == "api":
        return f"Authorization: Bearer {token}"
    if page.auth:  # a fresh sign-in per page: no idle timeout reached during a long run
        return "Cookie: " + sign_in(port, users[page.auth], password_of(instance, page.auth))
    return ""


# ---- wrk ------------------------------------------------------------------------------------------

def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(opts, url: str, header: str, duration: str) -> tuple[float, float, float, str]:
    # Every browser says it takes gzip; so does the benchmark (for /healthz too).
    args = ["wrk", "-t", str(opts.threads), "-c", str(opts.connections), "-d", duration, "--timeout", opts.timeout,
            "--latency", "-H", "Accept-Encoding: gzip, deflate, br", url]
    if header:
        args[1:1] = ["-H", header]
    out = subprocess.run(args, text=True, capture_output=True, check=True).stdout  # noqa: S603
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    problems = []
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        problems.append(f"{m.group(1)} non-2xx")
    if (m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)):
        problems += [f"{n} {kind}" for kind, n in zip(("connect errors", "read errors", "write errors", "timeouts"),
                                                       m.groups(), strict=True) if n != "0"]
    if int(re.search(r"(\d+) requests in", out).group(1)) == 0:  # type: ignore[union-attr]
        problems.append(f"no answer within {duration}")  # wrk then prints 0 for the latencies
    errors = ", ".join(problems)
    return rps, p50, p99, errors


def main() -> None:
    opts = options()
    if opts.scale < 1:
        fail("--scale is at least 1")
    if not shutil.which("wrk"):
        fail("wrk is missing: apt-get install -y wrk")
    instance = Path(opts.instance or f"/tmp/pitf-bench-{opts.database}")  # noqa: S108 - a scratch folder of ours
    if opts.list:
        for page in pages({"item": "<id>", "meeting": "<id>", "year": "<year>", "audit_last": "<last>"}):
            print(f"{page.group:<16} {page.label:<36} {page.path}")
        return
    env, users = prepare(opts, instance)
    ids = lookups(env)
    chosen = [p for p in pages(ids) if p.group == "healthz" or not opts.only or
              any(o.lower() in p.group or o.lower() in p.label.lower() for o in opts.only)]
    base = f"http://127.0.0.1:{opts.port}"
    try:
        request(opts.port, "GET", "/healthz", {})
        fail(f"Something already listens on {base}; stop it or set BENCH_PORT.")
    except OSError:
        pass
    log = (instance / "gunicorn.log").open("w")
    server = subprocess.Popen([str(BIN / "python"), "-m", "gunicorn", "-c", "config/gunicorn.conf.py",  # noqa: S603
                               "--workers", str(opts.workers), "-b", f"127.0.0.1:{opts.port}", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    results: list[Result] = []
    try:
        for _ in range(150):
            try:
                if request(opts.port, "GET", "/healthz", {})[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            fail(f"gunicorn did not start; see {instance / 'gunicorn.log'}")
        pitf = [str(BIN / "python"), "-c", "from pitf.cli import main; main()"]
        token = run([*pitf, "tokens", "create", users["viewer"], "--name", "bench"], env, quiet=True).strip()
        print(f"== gunicorn on {base}: {opts.workers} sync workers; wrk -t{opts.threads} -c{opts.connections} "
              f"-d{opts.duration} after a {opts.warmup} warm-up, page by page")
        for page in chosen:
            header = header_for(page, opts.port, users, instance, token)
            status, _, body = request(opts.port, "GET", page.path, dict([header.split(": ", 1)]) if header else {})
            if status != 200:
                fail(f"{page.path} answered {status}, not 200 (as {page.auth or 'nobody'}):\n"
                     f"{body[:400].decode(errors='replace')}\nSee {instance / 'gunicorn.log'}")
            wrk(opts, base + page.path, header, opts.warmup)
            rps, p50, p99, errors = wrk(opts, base + page.path, header, opts.duration)
            results.append(Result(page, rps, p50, p99, errors))
            print(f"   {page.label:<36} {rps:8.1f} req/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  {errors}",
                  flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    report(opts, results, instance)


def report(opts, results: list[Result], instance: Path) -> None:
    health = results[0].rps or 1.0
    entries = os.environ.get("PITF_PAGE_CACHE_ENTRIES", "256")
    cache = "page cache off (every request rendered)" if entries == "0" else f"page cache {entries} pages per worker"
    lines = [f"{opts.database}, scale {opts.scale}, gunicorn {opts.workers} sync workers, {cache}, "
             f"wrk -t{opts.threads} -c{opts.connections} -d{opts.duration}, {time.strftime('%Y-%m-%d %H:%M')} UTC, "
             f"{os.cpu_count()} cores, load average {os.getloadavg()[1]:.1f} (5 min) at the end", "",
             "| page | req/s | p50 ms | p99 ms | share of /healthz | errors |", "|---|---:|---:|---:|---:|---|"]
    for r in results:
        lines.append(f"| {r.page.label} (`{r.page.path}`) | {r.rps:.1f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
                     f"{100 * r.rps / health:.1f}% | {r.errors} |")
    below = [r.page.label for r in results[1:] if r.rps < 0.25 * health]
    lines += ["", f"Issue 12's targets: {len(results) - 1 - len(below)} of {len(results) - 1} pages at 25% of /healthz "
              f"or more" + (f" (below: {'; '.join(below)})." if below else ".")]
    by_label = {r.page.label.split(" (")[0]: r for r in results}
    for first, last in (("action items, page 1", "action items, page 600"),
                        ("audit log, page 1", "audit log, last page"),
                        ("API action items, page 1", "API action items, page 600")):
        if first in by_label and last in by_label and by_label[first].p50_ms:
            ratio = by_label[last].p50_ms / by_label[first].p50_ms
            lines.append(f"{last}: p50 {ratio:.2f}x the first page's (target 1.2x or less).")
    text = "\n".join(lines)
    out = instance / f"bench-{time.strftime('%Y%m%dT%H%M%S')}.md"
    out.write_text(text + "\n")
    print("\n" + text + f"\n\n(saved in {out})")
    if any("Non-2xx" in r.errors for r in results):
        fail("Some requests did not answer 2xx: see the table and gunicorn.log.")


if __name__ == "__main__":
    os.environ.setdefault("TZ", "UTC")
    time.tzset()
    main()
