"""`make bench`: the public directory, a signatory's dashboard and an event under load, beside
the minimal /livez endpoint; and the collective social value totals on SQLite and PostgreSQL.

1. Builds a throwaway database with the migrations (a SQLite file in a temporary directory, or a
   temporary PostgreSQL database when BENCH_DATABASE_URL points at a server) and seeds 10,000
   signatories with `charter_app.demo.seed`.
2. Serves the app with gunicorn (2 workers, production settings) on a free loopback port.
3. Runs wrk against each endpoint, with a /livez run just before each one so every ratio compares
   two runs made moments apart on the same (possibly noisy) machine.
4. Counts the SQL statements one request to each endpoint sends (in process, same database).
5. Gives one signatory two financial years of reports and a signed-in member, and runs wrk on
   its dashboard the same way (bench/dashboard.py; skipped while the page answers 404).
6. Builds a meet-the-buyer day with 500 registrations and 3 buyers x 12 slots, and runs wrk on
   its public page and the staff check-in list the same way (bench/events.py).
7. Times `reporting.totals.totals_by` over 1,000 signatories x 8 quarters x 6 entries, on SQLite
   and, when BENCH_DATABASE_URL or TEST_DATABASE_URL is set, PostgreSQL (bench/totals.py), and
   on the same data generating a quarter's collective report, and its PDF (bench/collective.py);
   the published report's public page is one of the wrk rows. Then generates that report at
   48,000 and 1,000,000 entries (1,000 and 20,834 signatories) on each database, with the plan
   of every statement it issues (bench/scale.py; BENCH_LARGE=0 skips it).
8. Searches signatories and 1,000 Knowledge Hub documents at /search (bench/search.py: which
   also times the directory's keyword search at 10,000 and 100,000 signatories, run alone).
9. Runs the quarterly reminder scan for 10,000 and 50,000 signatories (peak memory, SQL per
   batch) and drains the outbox into a real SMTP server on loopback (bench/reminders.py).

Prints a Markdown table and saves it to bench/results/latest.md. Settings from the environment:
BENCH_DATABASE_URL, BENCH_SIGNATORIES (10000), BENCH_DURATION (8, seconds per wrk run),
BENCH_CONNECTIONS (8), BENCH_THREADS (2), BENCH_WORKERS (2), BENCH_LARGE (1).
"""

import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.md"
SIGNATORIES = int(os.environ.get("BENCH_SIGNATORIES", "10000"))
DURATION = int(os.environ.get("BENCH_DURATION", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SEARCH_WORD = "Engineering"  # a trade in demo.organisations.PRIVATE_TRADES: in many names

sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- the throwaway database -------------------------------------------------------------------


@contextmanager
def throwaway_database(workdir: Path):
    base = os.environ.get("BENCH_DATABASE_URL")
    if not base:
        yield f"sqlite:///{workdir / 'bench.sqlite3'}", "SQLite"
        return
    from bench.databases import throwaway_postgres

    with throwaway_postgres(base, log) as url:
        yield url, "PostgreSQL"


def environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CHARTER_ENV="production",
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_urlsafe(32),
        RATELIMIT_STORAGE_URI="memory://",
        BASE_URL="http://127.0.0.1",
        PYTHONWARNINGS="ignore",
    )
    return env


def migrate(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    return time.perf_counter() - started


def make_app():
    """The production app, in this process, on the bench database (os.environ is set)."""
    import warnings

    from charter_app import create_app

    warnings.filterwarnings("ignore", message="Using the in-memory storage")
    return create_app("production")


def seed(app) -> float:
    from charter_app import demo
    from charter_app.extensions import db

    started = time.perf_counter()
    with app.app_context():
        demo.seed(signatories=SIGNATORIES, pending=0, with_logins=False, with_reports=False)
        db.session.commit()
    return time.perf_counter() - started


# -- what to request --------------------------------------------------------------------------


def endpoints(app) -> list[tuple[str, str]]:
    from sqlalchemy import func, select

    from charter_app.extensions import db
    from charter_app.organisations.models import ApplicationStatus, Organisation

    with app.app_context():
        approved = select(Organisation).where(Organisation.status == ApplicationStatus.APPROVED)
        total = db.session.scalar(select(func.count()).select_from(approved.subquery()))
        middle = db.session.scalar(approved.order_by(Organisation.id).offset(total // 2).limit(1))
        slug, pledges = middle.slug, len(middle.pledges)
        matches = db.session.scalar(
            select(func.count()).select_from(
                approved.where(Organisation.name.contains(SEARCH_WORD),
                               Organisation.sector == "private").subquery()
            )
        )
    log(f"{total} approved signatories; {matches} private ones named '{SEARCH_WORD}'; "
        f"profile: {slug} ({pledges} pledges)")
    return [
        ("/directory", "/directory"),
        ("/directory?q=…&sector=private", f"/directory?q={SEARCH_WORD}&sector=private"),
        ("/signatories/<slug>", f"/signatories/{slug}"),
        ("/api/v1/signatories", "/api/v1/signatories"),
    ]


def statements_per_request(app, paths: list[str]) -> dict[str, int]:
    """SQL statements sent for one anonymous request (after a warm-up request)."""
    from sqlalchemy import event

    from charter_app.extensions import db

    counts = {}
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, f"{path} answered {response.status_code}"
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany,
                   statements=statements):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            client.get(path)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        counts[path] = len(statements)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return counts


# -- gunicorn and wrk -------------------------------------------------------------------------


@contextmanager
def gunicorn(env: dict[str, str], workdir: Path):
    port = free_port()
    log_path = workdir / "gunicorn.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS),
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_live(base, process, log_path)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log("gunicorn stopped")


LIVE_WITHIN_SECONDS = 180  # gunicorn's workers import the app; a busy machine takes a while


def wait_until_live(base: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + LIVE_WITHIN_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/livez", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /livez in {LIVE_WITHIN_SECONDS} s:\n"
                       f"{log_path.read_text()[-3000:]}")


def warm_up(base: str, path: str, times: int = 10) -> None:
    for _ in range(times):
        with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    assert match, text
    return float(match.group(1)) * UNITS[match.group(2)]


def wrk(base: str, path: str, headers: tuple[str, ...] = ()) -> dict:
    extra = [argument for header in headers for argument in ("-H", header)]
    result = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency", *extra,
         base + path],
        capture_output=True, text=True, check=True,
    )
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if bad:
        raise RuntimeError(f"{path}: {bad.group(1)} error responses\n{out}")
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors.group(1) if errors else ""}


def bench_dashboard(base: str, path: str, sql: int | None, rows: list[dict],
                    livez_runs: list[dict]) -> str:
    """wrk on the signed-in dashboard beside /livez, as one more row; the note for the report."""
    from bench import dashboard

    cookie = dashboard.sign_in(base)
    status = dashboard.status_of(base, path, cookie)
    if status == 404:
        log(f"{path} answered 404: the dashboard is not built yet, skipped")
        return (f"Dashboard: `{path}` answered 404 (the page is not on this branch yet), so it "
                "was not measured.")
    if status != 200 or sql is None:
        raise RuntimeError(f"{path} answered {status} to a signed-in member")
    for _ in range(10):
        dashboard.status_of(base, path, cookie)
    log(f"wrk /livez, then {path} (signed in)")
    reference = wrk(base, "/livez")
    livez_runs.append(reference)
    measured = wrk(base, path, headers=(f"Cookie: {cookie}",))
    # wrk counts a redirect to /login as success: make sure the session held throughout.
    if dashboard.status_of(base, path, cookie) != 200:
        raise RuntimeError(f"{path} stopped answering 200 to the signed-in member")
    rows.append({"label": "/organisations/<id>/dashboard (signed in)", **measured,
                 "ratio": measured["rps"] / reference["rps"], "sql": sql})
    return ("Dashboard: one signatory with two financial years of quarterly reports, "
            "requested by a member signed in through POST /login (a session cookie).")


# -- the report -------------------------------------------------------------------------------


def table(rows: list[dict]) -> str:
    lines = [
        "| endpoint | req/s | p50 ms | p99 ms | ratio to /livez | SQL statements |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| `{row['label']}` | {row['rps']:,.0f} | {row['p50']:.1f} | {row['p99']:.1f} | "
            f"{row['ratio']:.0%} | {row['sql']} |"
        )
    return "\n".join(lines)


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk).", file=sys.stderr)
        return 2
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="charter-bench-"))
    try:
        with throwaway_database(workdir) as (database_url, database_kind):
            env = environment(database_url)
            os.environ.update({key: env[key] for key in
                               ("CHARTER_ENV", "DATABASE_URL", "SECRET_KEY",
                                "RATELIMIT_STORAGE_URI", "BASE_URL")})
            log(f"migrating a throwaway {database_kind} database")
            migrate_seconds = migrate(env)
            app = make_app()
            log(f"seeding {SIGNATORIES:,} signatories")
            seed_seconds = seed(app)
            log(f"seeded in {seed_seconds:.1f} s")
            targets = endpoints(app)
            from bench import collective as bench_collective
            from bench import dashboard, totals
            from bench import events as bench_events
            from bench import reminders as bench_reminders
            from bench import search as bench_search

            dashboard_path, dashboard_reports = dashboard.prepare(app)
            log(f"dashboard: {dashboard_path}, {dashboard_reports} quarterly reports")
            dashboard_sql = dashboard.statements(app, dashboard_path)
            event_paths = bench_events.prepare(app)
            report_path = bench_collective.prepare(app)
            targets.append(("/reports/<fy>/q<n> (published report)", report_path))
            # 1,000 guidance pages, news posts and partner pages beside the signatories.
            targets.append(("/search?q=… (full-text, all kinds)", bench_search.prepare(app)))
            log(f"events: {event_paths[0]} and {event_paths[1]}")
            paths = ["/livez"] + [path for _label, path in targets] + [event_paths[0]]
            sql_cached = statements_per_request(app, paths)
            app.config["PUBLIC_PAGE_CACHE"] = False
            sql_uncached = statements_per_request(app, paths)

            rows = []
            livez_runs = []
            # Visitors repeating a request are served from the page cache; the same pages with
            # the cache off show the cost of a miss (after any change, or a new search).
            for cache_on, sql in ((True, sql_cached), (False, sql_uncached)):
                run_env = {**env, "PUBLIC_PAGE_CACHE": "1" if cache_on else "0"}
                suffix = "" if cache_on else " (cache off)"
                with gunicorn(run_env, workdir) as base:
                    for _label, path in [("/livez", "/livez"), *targets]:
                        warm_up(base, path)
                    for label, path in targets:
                        log(f"wrk /livez, then {path}{suffix}")
                        reference = wrk(base, "/livez")
                        livez_runs.append(reference)
                        measured = wrk(base, path)
                        rows.append({"label": label + suffix, **measured,
                                     "ratio": measured["rps"] / reference["rps"],
                                     "sql": sql[path]})
                    if cache_on:
                        dashboard_note = bench_dashboard(base, dashboard_path, dashboard_sql,
                                                         rows, livez_runs)
                        events_note = bench_events.run(base, app, event_paths, rows,
                                                       livez_runs, wrk, sql_cached)
            mean = {key: sum(run[key] for run in livez_runs) / len(livez_runs)
                    for key in ("rps", "p50", "p99")}
            spread = (min(run["rps"] for run in livez_runs), max(run["rps"] for run in livez_runs))
            rows.insert(0, {"label": "/livez", **mean, "ratio": 1.0, "sql": sql["/livez"]})

        log("collective totals")
        totals_section = totals.run(workdir, log)
        from bench import scale

        if scale.ENABLED:
            log("the collective report at 48,000 and 1,000,000 entries")
            scale_section = scale.run(workdir, log)
        else:
            scale_section = scale.SKIPPED
        log("reminders and the outbox")
        reminders_section = bench_reminders.run(workdir, log)
        errors = [f"{row['label']}: {row['errors']}" for row in rows if row.get("errors")]
        report = "\n".join([
            f"# Benchmark {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"{SIGNATORIES:,} signatories on {database_kind}; gunicorn {WORKERS} sync workers; "
            f"`wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s` per endpoint, each run just after "
            f"its own /livez run (the ratio compares the two). Python {platform.python_version()}"
            f", {os.cpu_count()} CPUs.",
            "",
            table(rows),
            "",
            f"/livez is the mean of {len(livez_runs)} runs "
            f"({spread[0]:,.0f} to {spread[1]:,.0f} req/s). SQL statements: one anonymous "
            "request, counted in process with a `before_cursor_execute` listener.",
            dashboard_note,
            events_note,
            f"Migrations {migrate_seconds:.1f} s, seeding {seed_seconds:.1f} s, "
            f"total {time.perf_counter() - started:.0f} s.",
            *([f"Socket errors: {'; '.join(errors)}"] if errors else []),
            "",
            totals_section,
            "",
            scale_section,
            "",
            reminders_section,
        ])
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(report)
        print()
        print(report)
        log(f"saved {RESULTS.relative_to(ROOT)}")
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
