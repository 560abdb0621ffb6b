"""Scheduled work: the one list of jobs, each living in its domain's `tasks.py`.

Each job derives what is due from the database, so a scheduler that was down catches up, and
running a job twice for the same time sends nothing new. Each job commits on its own: one that
fails is rolled back and logged with its traceback, and the others still run.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from charter_app.badges import tasks as badge_tasks
from charter_app.events import tasks as event_tasks
from charter_app.extensions import db
from charter_app.monitoring import health, metrics
from charter_app.monitoring.logs import job_context
from charter_app.notifications import tasks as notification_tasks
from charter_app.privacy import tasks as privacy_tasks
from charter_app.reporting import tasks as reporting_tasks
from charter_app.staff import tasks as staff_tasks
from charter_app.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], object]


# Jobs that queue email run first; delivery of the outbox runs last, so what they queued goes
# out in the same run. The scheduler also delivers the outbox on its own, every few seconds.
JOBS: list[Job] = [
    Job("lapse_overdue_signatories", reporting_tasks.lapse_overdue_signatories),
    Job("remind_annual_updates", reporting_tasks.remind_annual_updates),
    Job("remind_quarterly_reports", reporting_tasks.remind_quarterly_reports),
    Job("close_event_waiting_lists", event_tasks.close_event_waiting_lists),
    Job("remind_attendees", event_tasks.remind_attendees),
    Job("thank_attendees", event_tasks.thank_attendees),
    Job("erase_attendee_needs", event_tasks.erase_attendee_needs),
    Job("send_staff_digest", staff_tasks.send_staff_digest),
    Job("recheck_badges", badge_tasks.recheck_badges),
    Job("apply_retention", privacy_tasks.apply_retention),
    Job("deliver_outbox", notification_tasks.deliver_outbox),
]


class JobFailed:
    """The result of a job that raised: its error, already logged with the traceback."""

    def __init__(self, error: Exception):
        self.error = error

    def __str__(self) -> str:
        return f"failed ({type(self.error).__name__}: {self.error})"


def run_job(job: Job, now: datetime) -> object:
    """Run one job and commit it; then keep when it ran (for /healthz) and count it (/metrics).
    Every line it logs carries the job's name."""
    started_at, clock = utcnow(), time.perf_counter()
    with job_context(job.name):
        try:
            result = job.run(now)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - one failing job must not stop the others
            db.session.rollback()
            log.exception("job %s failed at %s", job.name, now.isoformat())
            result = JobFailed(error)
        seconds = time.perf_counter() - clock
        outcome = "failed" if isinstance(result, JobFailed) else "ok"
        metrics.observe_job(job.name, outcome, seconds)
        try:
            health.record_job_run(job.name, started_at, outcome, int(seconds * 1000))
            db.session.commit()
        except Exception:  # noqa: BLE001 - losing a timestamp must not fail the job
            db.session.rollback()
            log.warning("could not record the run of job %s", job.name, exc_info=True)
    return result


def run_all(now: datetime, jobs: list[Job] | None = None) -> dict[str, object]:
    results = {job.name: run_job(job, now) for job in (JOBS if jobs is None else jobs)}
    log.info("jobs at %s: %s", now.isoformat(), {name: str(r) for name, r in results.items()})
    return results
