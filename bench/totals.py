"""`make bench`, the collective totals: `reporting.totals.totals_by` over every signatory, by
theme, quarter, area and all together, for 1,000 signatories x 8 quarters x 6 entries.

The 48,000 entries go straight into the tables with bulk Core inserts (the services would take
minutes), but their figures are honest: gross and net from `calculations.entry_value` and stored
as `models.exact_pounds`, with each financial year's proxy value (the catalogue's examples, and
the demo's labelled reuse of them for the year before). The bench checks the totals against the
sum of what it inserted, then times each call and counts its SQL statements, which must stay one
per grouping whatever the data size. SQLite always; PostgreSQL too when BENCH_DATABASE_URL or
TEST_DATABASE_URL names a server (a throwaway database is made and dropped).

Settings: BENCH_TOTALS_SIGNATORIES (1000), BENCH_TOTALS_CALLS (7, timed calls per grouping).
"""

import os
import random
import statistics
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

SIGNATORIES = int(os.environ.get("BENCH_TOTALS_SIGNATORIES", "1000"))
CALLS = int(os.environ.get("BENCH_TOTALS_CALLS", "7"))
QUARTERS_PER_SIGNATORY = 8
ENTRIES_PER_REPORT = 6
GROUPS = ("theme", "quarter", "area", "all")
BATCH = 5000


def run(workdir: Path, log=print) -> str:
    """The Markdown section for the results file."""
    from bench.databases import throwaway_postgres

    results = [measure("SQLite", f"sqlite:///{workdir / 'totals.sqlite3'}", log)]
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if base:
        with throwaway_postgres(base, log) as url:
            results.append(measure("PostgreSQL", url, log))
    return report(results)


def measure(kind: str, url: str, log) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import event, text

    from charter_app import create_app
    from charter_app.extensions import db
    from charter_app.reporting import totals

    app = create_app("production", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        log(f"totals on {kind}: migrating")
        upgrade()
        started = time.perf_counter()
        inserted = insert_reports(random.Random(6))
        db.session.commit()
        insert_seconds = time.perf_counter() - started
        log(f"totals on {kind}: {inserted['entries']:,} entries inserted in "
            f"{insert_seconds:.1f} s")
        db.session.execute(text("ANALYZE"))  # statistics, as a live database has
        db.session.commit()

        grand = totals.grand_total()
        assert grand.gross == inserted["gross"] and grand.net == inserted["net"], (
            f"totals {grand} differ from the inserted sums {inserted}")
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        rows = {}
        for group in GROUPS:
            by_group = totals.totals_by(group)  # warm up: compiled and cached
            assert sum((figures.gross for figures in by_group.values()), Decimal(0)) == grand.gross
            timings = []
            for _ in range(CALLS):
                statements.clear()
                event.listen(db.engine, "before_cursor_execute", record)
                began = time.perf_counter()
                totals.totals_by(group)
                timings.append(time.perf_counter() - began)
                event.remove(db.engine, "before_cursor_execute", record)
            rows[group] = {"ms": statistics.median(timings) * 1000, "sql": len(statements),
                           "keys": len(by_group)}
            log(f"totals on {kind}: by {group}, {rows[group]['ms']:.1f} ms, "
                f"{rows[group]['sql']} statement(s)")
        from bench import collective

        report_result = collective.measure(kind, log)
        db.session.remove()
        db.engine.dispose()
    return {"kind": kind, "rows": rows, "insert_seconds": insert_seconds, "report": report_result,
            **inserted}


def insert_reports(rng: random.Random, signatories: int = SIGNATORIES) -> dict:
    """Signatories, their submitted reports (one revision each) and entries, in bulk: Core
    inserts on the tables, a few thousand rows per statement."""
    from sqlalchemy import insert, select, update

    from charter_app.demo.pledges import rounded, target_for
    from charter_app.demo.reports import demo_proxy_values
    from charter_app.extensions import db
    from charter_app.organisations.data_postcodes import AREAS
    from charter_app.organisations.models import Organisation
    from charter_app.pledges.models import Measure
    from charter_app.reporting import summary
    from charter_app.reporting.calculations import Deflators, entry_value
    from charter_app.reporting.models import (
        QuarterlyReport,
        ReportEntry,
        ReportRevision,
        ReportStatus,
        exact_pounds,
    )
    from charter_app.reporting.quarters import FinancialQuarter
    from charter_app.reporting.services import proxy_for

    now = datetime.now(UTC)
    measures = list(db.session.scalars(select(Measure).order_by(Measure.id)))
    demo_proxy_values(measures, [2025, 2026], None, now)
    quarters = [FinancialQuarter(year, number) for year in (2025, 2026) for number in (1, 2, 3, 4)]
    proxies = {(measure.id, year): proxy_for(measure, year)
               for measure in measures for year in (2025, 2026)}
    db.session.execute(insert(Organisation.__table__), [
        {"id": number, "name": f"Bench Signatory {number:04d}", "status": "approved",
         "slug": f"bench-signatory-{number:04d}", "area": rng.choice(AREAS),
         "size_band": rng.choice(["micro", "micro", "small", "medium", "large"]),
         "approved_at": now}
        for number in range(1, signatories + 1)])
    reports, entries = [], []
    gross_sum = net_sum = Decimal(0)
    for organisation in range(1, signatories + 1):
        chosen = rng.sample(measures, ENTRIES_PER_REPORT)
        size = rng.choice(["micro", "small", "medium"])
        area = rng.choice(AREAS)
        for quarter in quarters:
            report_id = len(reports) + 1
            reports.append({
                "id": report_id, "organisation_id": organisation,
                "financial_year": quarter.year, "quarter": quarter.number,
                "status": ReportStatus.CHECKED if rng.random() < 0.4 else ReportStatus.SUBMITTED,
                "first_submitted_at": now})
            for measure in chosen:
                quantity = min(rounded(target_for(rng, measure, size) / 4, measure.unit),
                               measure.plausible_max)
                deflators = Deflators(*(Decimal(rng.choice([0, 0, 0, 25, 50]))
                                        for _ in range(3)))
                proxy = proxies[(measure.id, quarter.year)]
                gross = net = None
                if proxy is not None:
                    value = entry_value(quantity, Decimal(proxy.value), deflators)
                    gross, net = exact_pounds(value.gross), exact_pounds(value.net)
                    gross_sum, net_sum = gross_sum + gross, net_sum + net
                entries.append({
                    "revision_id": report_id, "measure_id": measure.id, "quantity": quantity,
                    "description": f"Bench entry for {measure.code}",
                    "area": area if rng.random() < 0.85 else None,
                    "deadweight": deflators.deadweight, "attribution": deflators.attribution,
                    "displacement": deflators.displacement,
                    "proxy_value": proxy.value if proxy else None, "gross": gross, "net": net})
    for chunk in range(0, len(reports), BATCH):
        db.session.execute(insert(QuarterlyReport.__table__), reports[chunk:chunk + BATCH])
    # One revision per report, with the report's id; each report then points at its own.
    revisions = [{"id": row["id"], "report_id": row["id"], "number": 1, "submitted_at": now}
                 for row in reports]
    for chunk in range(0, len(revisions), BATCH):
        db.session.execute(insert(ReportRevision.__table__), revisions[chunk:chunk + BATCH])
    reports_table = QuarterlyReport.__table__
    db.session.execute(update(reports_table).values(submitted_revision_id=reports_table.c.id))
    for chunk in range(0, len(entries), BATCH):
        db.session.execute(insert(ReportEntry.__table__), entries[chunk:chunk + BATCH])
    # Core inserts bypass the session's flush: recount the summary the reports keep in step.
    summary.rebuild(db.session.connection())
    return {"entries": len(entries), "valued": sum(row["gross"] is not None for row in entries),
            "gross": gross_sum, "net": net_sum}


def report(results: list[dict]) -> str:
    from bench import collective

    kinds = [result["kind"] for result in results]
    header = "| `totals_by(...)` | groups | " + " | ".join(
        f"{kind} ms per call | {kind} SQL statements" for kind in kinds) + " |"
    lines = [header, "|---|---:|" + "---:|---:|" * len(kinds)]
    for group in GROUPS:
        cells = " | ".join(f"{result['rows'][group]['ms']:.1f} | {result['rows'][group]['sql']}"
                           for result in results)
        lines.append(f"| `\"{group}\"` | {results[0]['rows'][group]['keys']} | {cells} |")
    first = results[0]
    inserted = ", ".join(f"{result['kind']} {result['insert_seconds']:.1f} s"
                         for result in results)
    return "\n".join([
        "## Collective totals",
        "",
        f"{SIGNATORIES:,} signatories x {QUARTERS_PER_SIGNATORY} quarters (2025-26 and 2026-27)"
        f" x {ENTRIES_PER_REPORT} entries = {first['entries']:,} entries, {first['valued']:,} "
        "of them valued (measures with no proxy value are reported, not valued); bulk-inserted "
        f"in {inserted}. Gross £{first['gross']:,.2f}, net £{first['net']:,.2f}: "
        "`totals_by` agrees with the sum of the inserted entries on every database. "
        f"Median of {CALLS} calls after a warm-up; statements counted with a "
        "`before_cursor_execute` listener.",
        "",
        *lines,
        "",
        collective.report(results),
    ])
