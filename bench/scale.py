"""`make bench`, the collective report at two sizes: 48,000 and 1,000,000 report entries.

Both are the bench/totals.py shape (8 quarters x 6 entries per signatory, every report
submitted): 1,000 signatories, then 20,834. A quarter's rows grow with the signatories (6,000 to
125,000), which is what a growing Charter does. Each size gets its own database (SQLite in the
work directory; a throwaway PostgreSQL database when BENCH_DATABASE_URL or TEST_DATABASE_URL is
set), seeded with bulk Core inserts. The report is generated as publishing does
(`report_figures` + `as_snapshot`); each statement it issues is timed and its plan printed.

BENCH_LARGE=0 skips this section; BENCH_LARGE_SIGNATORIES (20834) sets the large size.
"""

import os
import random
import statistics
import time
from pathlib import Path

SMALL = 1000
LARGE = int(os.environ.get("BENCH_LARGE_SIGNATORIES", "20834"))
ENABLED = os.environ.get("BENCH_LARGE", "1") != "0"
CALLS = 5
TITLE = "## The collective report at 1,000,000 entries"
SKIPPED = f"{TITLE}\n\nSkipped (BENCH_LARGE=0)."


def run(workdir: Path, log=print) -> str:
    from bench.databases import throwaway_postgres

    results = []
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    for signatories in (SMALL, LARGE):
        path = workdir / f"scale-{signatories}.sqlite3"
        results.append(measure("SQLite", f"sqlite:///{path}", signatories, log))
        path.unlink(missing_ok=True)
        if base:
            with throwaway_postgres(base, log) as url:
                results.append(measure("PostgreSQL", url, signatories, log))
    return report(results)


def measure(kind: str, url: str, signatories: int, log) -> dict:
    from flask_migrate import upgrade

    from bench.totals import insert_reports
    from charter_app import create_app
    from charter_app.extensions import db

    app = create_app("production", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        inserted = insert_reports(random.Random(6), signatories)
        db.session.commit()
        seed_seconds = time.perf_counter() - began
        log(f"scale on {kind}: {inserted['entries']:,} entries in {seed_seconds:.0f} s")
        statistics_and_visibility(kind)
        result = {"kind": kind, "signatories": signatories, "entries": inserted["entries"],
                  "seed_seconds": seed_seconds, **generation(kind)}
        log(f"scale on {kind}: report at {inserted['entries']:,} entries in "
            f"{result['ms']:.0f} ms, {len(result['statements'])} statements")
        db.session.remove()
        db.engine.dispose()
    return result


def statistics_and_visibility(kind: str) -> None:
    """What a live database has after bulk writes: statistics, and on PostgreSQL the visibility
    map autovacuum keeps, without which no index-only scan skips the table."""
    from sqlalchemy import text

    from charter_app.extensions import db

    if kind == "SQLite":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def generation(kind: str) -> dict:
    """Median time to generate the report, and each statement's time and plan."""
    from sqlalchemy import event

    from bench.collective import REPORT_QUARTER
    from charter_app.extensions import db
    from charter_app.reporting.quarters import FinancialQuarter
    from charter_app.reports.figures import as_snapshot, report_figures

    quarter = FinancialQuarter(*REPORT_QUARTER)
    as_snapshot(report_figures(quarter))  # warm up
    timings = []
    for _ in range(CALLS):
        began = time.perf_counter()
        as_snapshot(report_figures(quarter))
        timings.append(time.perf_counter() - began)
    statements: list[dict] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["began"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        statements.append({"sql": statement, "parameters": parameters,
                           "ms": (time.perf_counter() - conn.info["began"]) * 1000})

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    as_snapshot(report_figures(quarter))
    event.remove(db.engine, "before_cursor_execute", before)
    event.remove(db.engine, "after_cursor_execute", after)
    for statement in statements:
        statement["plan"] = plan(kind, statement["sql"], statement["parameters"])
    return {"ms": statistics.median(timings) * 1000, "statements": statements}


def plan(kind: str, sql: str, parameters) -> str:
    from charter_app.extensions import db

    prefix = "EXPLAIN QUERY PLAN " if kind == "SQLite" else "EXPLAIN (ANALYZE, COSTS OFF) "
    cursor = db.session.connection().connection.cursor()
    cursor.execute(prefix + sql, parameters)
    rows = cursor.fetchall()
    if kind == "SQLite":
        return "\n".join(f"{row[0]:>3} {row[1]:>3} {row[3]}" for row in rows)
    return "\n".join(row[0] for row in rows)


def report(results: list[dict]) -> str:
    lines = ["| database | signatories | entries | generate one quarter's report, ms (median) "
             "| ratio to 48,000 | SQL statements |", "|---|---:|---:|---:|---:|---:|"]
    small = {result["kind"]: result for result in results if result["signatories"] == SMALL}
    for result in results:
        ratio = result["ms"] / small[result["kind"]]["ms"]
        lines.append(f"| {result['kind']} | {result['signatories']:,} | {result['entries']:,} | "
                     f"{result['ms']:.0f} | {ratio:.2f}x | {len(result['statements'])} |")
    plans = []
    for result in results:
        if result["signatories"] != LARGE:
            continue
        plans += [f"### Plans on {result['kind']} at {result['entries']:,} entries", ""]
        for number, statement in enumerate(result["statements"], 1):
            first_line = " ".join(statement["sql"].split())[:160]
            plans += [f"{number}. {statement['ms']:.1f} ms: `{first_line}`", "", "```",
                      statement["plan"], "```", ""]
    return "\n".join([TITLE, "",
                      f"{SMALL:,} and {LARGE:,} signatories x 8 quarters x 6 entries, every "
                      "report submitted; median of "
                      f"{CALLS} generations after a warm-up.", "", *lines, "", *plans])


if __name__ == "__main__":  # python -m bench.scale: this section alone
    import tempfile

    from bench.run import log as bench_log

    print(run(Path(tempfile.mkdtemp(prefix="charter-scale-")), bench_log))
