"""Scheduled work: jobs live in their domain's tasks.py, are listed once, and each commits on its
own, so one failing job is logged with its traceback while the others still run. The scheduler
process delivers the outbox every few seconds."""

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from charter_app import jobs
from charter_app.accounts.emails import confirm_email
from charter_app.accounts.models import User
from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage, OutboxStatus

ROOT = Path(__file__).resolve().parent.parent


def queue_for(address: str) -> int:
    return confirm_email(User(id=1, email=address), token="abc").id


def test_every_job_lives_in_its_domain_tasks_module_under_a_unique_name():
    names = [job.name for job in jobs.JOBS]
    assert len(names) == len(set(names))
    for job in jobs.JOBS:
        module = job.run.__module__
        assert module.startswith("charter_app.") and module.endswith(".tasks"), module
    assert names[-1] == "deliver_outbox"  # last, so it sends what the other jobs queued


def test_a_failing_job_is_logged_and_rolled_back_and_the_others_still_run(
    app, app_ctx, smtp, monkeypatch, caplog
):
    def queue_a_welcome(now):
        queue_for("kept@example.org")

    def broken(now):
        queue_for("rolled-back@example.org")  # written, then the job fails
        raise RuntimeError("a bug in this job")

    monkeypatch.setattr(jobs, "JOBS", [
        jobs.Job("queue_a_welcome", queue_a_welcome),
        jobs.Job("broken", broken),
        *jobs.JOBS,
    ])
    with caplog.at_level(logging.ERROR, logger="charter_app.jobs"):
        result = app.test_cli_runner().invoke(
            args=["charter", "run-jobs", "--now", datetime.now(UTC).isoformat()])

    assert result.exit_code == 1  # an operator's cron or monitor sees the failure
    assert "broken: failed (RuntimeError: a bug in this job)" in result.output
    assert "deliver_outbox: 1" in result.output
    [record] = [r for r in caplog.records if "job broken failed" in r.getMessage()]
    assert record.exc_info and "a bug in this job" in caplog.text
    assert "Traceback" in caplog.text
    # The first job's work was committed and delivered; the broken job's work was not kept.
    assert [m["To"] for m in smtp.wait_for(1)] == ["kept@example.org"]
    db.session.expire_all()
    assert list(db.session.scalars(select(OutboxMessage.recipient))) == ["kept@example.org"]


def test_the_scheduler_delivers_the_outbox_within_seconds_and_stops_on_terminate(
    app, app_ctx, smtp, database_url, tmp_path
):
    environment = {
        **os.environ, "CHARTER_ENV": "development", "DATABASE_URL": database_url,
        "MAIL_PORT": str(smtp.port), "MAIL_CATCHER_DIR": str(tmp_path),
        "OUTBOX_POLL_SECONDS": "1",
    }
    scheduler = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "flask", "--app", "wsgi", "charter", "scheduler",
         "--interval", "3600"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(1)
        message_id = queue_for("soon@example.org")
        db.session.commit()
        deadline = time.monotonic() + 30
        while not smtp.received and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [m["To"] for m in smtp.received] == ["soon@example.org"]
        # The server has the message before the scheduler commits the row as sent.
        status = None
        while status != OutboxStatus.SENT and time.monotonic() < deadline:
            db.session.rollback()
            status = db.session.get(OutboxMessage, message_id).status
            time.sleep(0.1)
        assert status == OutboxStatus.SENT
    finally:
        scheduler.send_signal(signal.SIGTERM)
        output = scheduler.communicate(timeout=20)[0]
    assert "outbox every 1s, jobs every 3600s" in output
    assert scheduler.returncode == 0
