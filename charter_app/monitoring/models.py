"""When each scheduled job last ran and how it went: one row per job, written after the job's
own commit, read by /healthz and /metrics (the scheduler is another process)."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from charter_app.extensions import db
from charter_app.timeutil import UTCDateTime


class JobRun(db.Model):
    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(60), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(10))
    duration_ms: Mapped[int] = mapped_column()
