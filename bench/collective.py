"""`make bench`, the collective quarterly progress report.

- `prepare(app)`: on the main bench database (10,000 signatories), load the local-needs data
  and publish the latest closed quarter's report, so its public page is measured with wrk beside
  /livez like the other pages (bench/run.py).
- `measure(log)`: inside bench/totals.py's database (1,000 signatories x 8 quarters x 6
  entries, every entry valued honestly), time generating a quarter's report
  (`report_figures` + `as_snapshot`, what publishing does) and count its statements; on SQLite
  also time laying out one published report as a PDF (the layout does not touch the database).
"""

import statistics
import time
from datetime import UTC, datetime

from bench.totals import CALLS

REPORT_QUARTER = (2026, 2)  # July to September 2026: the bench data's last full quarter


def prepare(app) -> str:
    """Publish the latest closed quarter's report; its public path."""
    from charter_app.demo import local_needs
    from charter_app.demo.collective import latest_closed
    from charter_app.extensions import db
    from charter_app.reports import publishing
    from charter_app.timeutil import london_date

    now = datetime.now(UTC)
    with app.app_context():
        local_needs.seed()
        quarter = latest_closed(london_date(now))
        draft = publishing.start_draft(quarter, london_date(now))
        publishing.save_draft(draft, "Bench commentary.", "", None)
        publishing.publish(draft, None, now)
        db.session.commit()
    return f"/reports/{quarter.financial_year}/q{quarter.number}"


def measure(kind: str, log) -> dict:
    """In an app context on the totals database: generation time and statements, PDF time."""
    from flask import current_app
    from sqlalchemy import event

    from charter_app import pdf
    from charter_app.extensions import db
    from charter_app.reporting.quarters import FinancialQuarter
    from charter_app.reports import publishing
    from charter_app.reports.figures import as_snapshot, report_figures
    from charter_app.reports.views import page_context

    quarter = FinancialQuarter(*REPORT_QUARTER)
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    as_snapshot(report_figures(quarter))  # warm up: compiled and cached
    timings = []
    for _ in range(CALLS):
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", record)
        began = time.perf_counter()
        as_snapshot(report_figures(quarter))
        timings.append(time.perf_counter() - began)
        event.remove(db.engine, "before_cursor_execute", record)
    result = {"generate_ms": statistics.median(timings) * 1000, "generate_sql": len(statements)}
    log(f"report on {kind}: generated in {result['generate_ms']:.0f} ms, "
        f"{result['generate_sql']} statements")

    if kind == "SQLite" and pdf.unavailable_reason() is None:
        now = datetime.now(UTC)
        draft = publishing.start_draft(quarter, now.date())
        publishing.publish(draft, None, now)
        db.session.commit()
        with current_app.test_request_context():
            from flask import render_template

            html = render_template("reports/report_pdf.html", document_title="Bench",
                                   page_url="http://bench.invalid/",
                                   **page_context(draft, draft.snapshot))
            pdf.render_pdf(html)  # warm up: fonts and stylesheets loaded once per process
            layouts = []
            for _ in range(3):
                began = time.perf_counter()
                body = pdf.render_pdf(html)
                layouts.append(time.perf_counter() - began)
        result.update(pdf_seconds=statistics.median(layouts), pdf_bytes=len(body))
        log(f"report PDF: {result['pdf_seconds']:.2f} s, {len(body):,} bytes")
    return result


def report(results: list[dict]) -> str:
    """The Markdown section; `results` are bench/totals.py's, each with a "report" entry."""
    lines = ["| database | generate one quarter's report, ms (median) | SQL statements |",
             "|---|---:|---:|"]
    lines += [f"| {result['kind']} | {result['report']['generate_ms']:.0f} | "
              f"{result['report']['generate_sql']} |" for result in results]
    pdf_line = next((f"Laying out one published report as a PDF (A4, "
                     f"{result['report']['pdf_bytes']:,} bytes): "
                     f"{result['report']['pdf_seconds']:.2f} s, median of 3 after a warm-up; "
                     "kept afterwards, so each version is laid out once."
                     for result in results if "pdf_seconds" in result["report"]),
                    "PDF layout not measured: WeasyPrint's system libraries are missing.")
    from charter_app.reporting.quarters import FinancialQuarter

    quarter = FinancialQuarter(*REPORT_QUARTER).label
    return "\n".join([
        "## The collective quarterly report",
        "",
        f"Generating the {quarter} report (every figure it publishes: `report_figures` and "
        "`as_snapshot`) over the same 1,000 signatories x 8 quarters x 6 entries; median of "
        "the timed calls after a warm-up. The public page of a published report is measured "
        "with wrk in the table above.",
        "",
        *lines,
        "",
        pdf_line,
        "",
    ])
