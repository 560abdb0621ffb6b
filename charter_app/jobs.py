"""Scheduled work. Each job derives what is due from the database, so a scheduler that was down
catches up, and running a job twice for the same time sends nothing new."""

import logging
from collections.abc import Callable
from datetime import datetime

from charter_app.notifications.outbox import deliver_due

log = logging.getLogger(__name__)

# Jobs that queue email run first; delivery of the outbox runs last.
JOBS: list[tuple[str, Callable[[datetime], object]]] = []


def run_all(now: datetime) -> dict[str, object]:
    results: dict[str, object] = {}
    for name, job in JOBS:
        results[name] = job(now)
    results["deliver_outbox"] = deliver_due(now)
    log.info("jobs at %s: %s", now.isoformat(), results)
    return results
