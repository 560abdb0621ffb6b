"""`make bench`, reminders: the quarterly-report reminder scan and the outbox drain.

For each size (10,000 and 50,000 approved signatories, `charter_app.demo.seed` without reports or
logins, on SQLite), the bench runs `reporting.reminders.remind_quarterly_reports` once for now:
every signatory's quarter has opened, so each owner is due one reminder. A first pass measures
its peak Python memory (tracemalloc, started just before the scan: the scan must stream in
batches, so the peak should not grow with the number of signatories) and its SQL statements per
batch of 500, and is rolled back; a second pass, without tracemalloc, is timed. For the first
size it then drains the outbox into a real SMTP server on loopback (aiosmtpd, accepting and
counting) with `delivery.deliver_due`, and reports messages per second.

Settings: BENCH_REMINDER_SIZES ("10000,50000").
"""

import math
import os
import socket
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

STATEMENTS_PER_EMAIL = 3
SIZES = [int(size) for size in os.environ.get("BENCH_REMINDER_SIZES", "10000,50000").split(",")]


class _Counting:
    """An SMTP handler that accepts every message and counts it."""

    def __init__(self):
        self.received = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        self.received += 1
        return "250 OK"


def run(workdir: Path, log=print) -> str:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = _Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        results = [measure(size, f"sqlite:///{workdir / f'reminders-{size}.sqlite3'}", port,
                           handler, drain=index == 0, log=log)
                   for index, size in enumerate(SIZES)]
    finally:
        controller.stop()
    return report(results)


def measure(size: int, url: str, port: int, handler: _Counting, *, drain: bool, log) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import event, func, select

    from charter_app import create_app, demo
    from charter_app.extensions import db
    from charter_app.notifications.delivery import deliver_due
    from charter_app.notifications.models import OutboxMessage
    from charter_app.reporting import reminders

    app = create_app("production", SQLALCHEMY_DATABASE_URI=url, MAIL_SERVER="127.0.0.1",
                     MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USERNAME=None, MAIL_PASSWORD=None)
    result = {"size": size}
    with app.app_context():
        upgrade()
        log(f"reminders: seeding {size:,} signatories")
        demo.seed(signatories=size, pending=0, with_logins=False, with_reports=False,
                  with_events=False)
        db.session.commit()
        db.session.remove()
        now = datetime.now(UTC)
        # A count, not a list: keeping each statement's text (the ON CONFLICT insert is compiled
        # afresh every time) would itself grow with the number of emails and spoil the peak.
        statements = [0]

        def record(conn, cursor, statement, parameters, context, executemany):
            statements[0] += 1

        event.listen(db.engine, "before_cursor_execute", record)
        # First pass: peak memory and statements, under tracemalloc (which slows Python several
        # times over), then rolled back; the second pass, untraced, is the one timed and kept.
        tracemalloc.start()
        queued = reminders.remind_quarterly_reports(now)
        result["peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        event.remove(db.engine, "before_cursor_execute", record)
        db.session.rollback()
        started = time.perf_counter()
        if reminders.remind_quarterly_reports(now) != queued:
            raise RuntimeError("the timed scan queued a different number of emails")
        db.session.commit()
        result["scan_seconds"] = time.perf_counter() - started
        batches = math.ceil(size / reminders.BATCH_SIZE)
        # Each email costs its own statements (the key checked, the INSERT ... ON CONFLICT, the
        # row read back); the rest is per batch and must not grow with the batch count.
        result.update(queued=queued, batches=batches,
                      per_batch=(statements[0] - STATEMENTS_PER_EMAIL * queued) / batches)
        log(f"reminders: {queued:,} queued from {size:,} signatories in "
            f"{result['scan_seconds']:.1f} s, peak {result['peak_mib']:.1f} MiB")
        db.session.remove()
        if drain:
            before = handler.received
            started = time.perf_counter()
            while deliver_due(datetime.now(UTC)):
                db.session.remove()
            seconds = time.perf_counter() - started
            result["sent"] = handler.received - before
            result["per_second"] = result["sent"] / seconds
            left = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status != "sent"))
            if left or result["sent"] != queued:
                raise RuntimeError(f"outbox drain: {result['sent']} arrived of {queued}, "
                                   f"{left} not sent")
            log(f"reminders: drained {result['sent']:,} emails at {result['per_second']:.0f}/s")
            db.session.remove()
        db.engine.dispose()
    return result


def report(results: list[dict]) -> str:
    lines = [
        "## Reminders and the outbox",
        "",
        "`remind_quarterly_reports` once, when every signatory's quarter has opened (one email "
        "per owner), on SQLite; peak Python memory of the scan by tracemalloc; SQL statements "
        "per batch of 500 signatories, besides each email's own three (its key checked, its "
        "INSERT ... ON CONFLICT DO NOTHING, the row read back). The drain sends the queued "
        "emails to a real SMTP server on loopback with `deliver_due`.",
        "",
        "| signatories | emails queued | scan s | scan emails/s | peak memory MiB | "
        "SQL per batch | drain emails/s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        drained = f"{row['per_second']:,.0f}" if "per_second" in row else "not run"
        lines.append(f"| {row['size']:,} | {row['queued']:,} | {row['scan_seconds']:.1f} | "
                     f"{row['queued'] / row['scan_seconds']:,.0f} | {row['peak_mib']:.1f} | "
                     f"{row['per_batch']:.0f} | {drained} |")
    return "\n".join(lines)
