"""The state of the outbox and the scheduler, read from the database for /healthz and /metrics.

Neither changes /healthz's status code, which answers for the database alone: a mail outage or a
stopped scheduler must never take web nodes out of the load balancer. They are in its body, for
monitoring to alert on.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from charter_app.extensions import db
from charter_app.monitoring.models import JobRun
from charter_app.notifications.models import OutboxMessage, OutboxStatus
from charter_app.timeutil import utcnow


@dataclass
class OperatingState:
    outbox_counts: dict[str, int]
    oldest_queued_at: datetime | None
    scheduler_last_run: datetime | None
    now: datetime

    @property
    def oldest_queued_seconds(self) -> int | None:
        if self.oldest_queued_at is None:
            return None
        return max(0, int((self.now - self.oldest_queued_at).total_seconds()))

    @property
    def outbox_backed_up(self) -> bool:
        """Failed emails are waiting for staff, or one has been queued for too long."""
        limit = timedelta(minutes=current_app.config["OUTBOX_BACKLOG_MINUTES"])
        late = self.oldest_queued_at is not None and self.now - self.oldest_queued_at > limit
        return late or self.outbox_counts.get(OutboxStatus.FAILED, 0) > 0

    @property
    def scheduler_late(self) -> bool:
        limit = timedelta(minutes=current_app.config["SCHEDULER_LATE_MINUTES"])
        return self.scheduler_last_run is None or self.now - self.scheduler_last_run > limit

    def as_health(self) -> dict:
        last = self.scheduler_last_run
        return {
            "outbox": {
                "backed_up": self.outbox_backed_up,
                "queued": self.outbox_counts.get(OutboxStatus.QUEUED, 0),
                "failed": self.outbox_counts.get(OutboxStatus.FAILED, 0),
                "oldest_queued_seconds": self.oldest_queued_seconds,
            },
            "scheduler": {
                "last_run": last.isoformat() if last else None,
                "seconds_since": int((self.now - last).total_seconds()) if last else None,
                "late": self.scheduler_late,
            },
        }


def operating_state() -> OperatingState:
    """Three small statements: counts by status, the oldest queued email, the last job run."""
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_([OutboxStatus.QUEUED, OutboxStatus.FAILED]))
        .group_by(OutboxMessage.status)).tuples().all())
    oldest = db.session.scalar(select(func.min(OutboxMessage.created_at))
                               .where(OutboxMessage.status == OutboxStatus.QUEUED))
    last_run = db.session.scalar(select(func.max(JobRun.finished_at)))
    return OperatingState(outbox_counts=counts, oldest_queued_at=_aware(oldest),
                          scheduler_last_run=_aware(last_run), now=utcnow())


def _aware(value: datetime | None) -> datetime | None:
    # min()/max() come back without the column's type decorator on some databases.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def record_job_run(job: str, started_at: datetime, outcome: str, duration_ms: int) -> None:
    """Keep when `job` last ran; the caller commits. Safe for two schedulers at once: the row
    is merged, and a clash at commit is only a lost timestamp."""
    db.session.merge(JobRun(job=job, started_at=started_at, finished_at=utcnow(),
                            outcome=outcome, duration_ms=duration_ms))
