"""Two scheduler processes on PostgreSQL: one leads, the other stands by and takes over when
the leader dies; a leader whose database session ends (a restart) stops leading at once."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage

ROOT = Path(__file__).resolve().parent.parent
LOCK_HOLDER = ("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 "
               "AND objid = 4242001 AND objsubid = 1 AND granted")


@pytest.fixture
def postgres(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the standby scheduler is a PostgreSQL feature (advisory locks)")
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def _start(database_url: str, tmp_path: Path, name: str) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / f"{name}.log"
    environment = {**os.environ, "CHARTER_ENV": "development", "DATABASE_URL": database_url,
                   "MAIL_PORT": "9", "MAIL_CATCHER_DIR": str(tmp_path),
                   "OUTBOX_POLL_SECONDS": "1"}
    with log.open("w") as output:  # the child keeps its own copy of the file
        process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "flask", "--app", "wsgi", "charter", "scheduler",
             "--interval", "1"],
            cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)
    return process, log


def _wait_for(predicate, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _holder(engine) -> int | None:
    with engine.connect() as connection:
        return connection.execute(text(LOCK_HOLDER)).scalar()


def test_a_standby_takes_over_when_the_leader_dies(postgres, database_url, tmp_path):
    leader, leader_log = _start(database_url, tmp_path, "leader")
    standby = None
    try:
        assert _wait_for(lambda: "holds the lock" in leader_log.read_text())
        standby, standby_log = _start(database_url, tmp_path, "standby")
        assert _wait_for(lambda: "standing by" in standby_log.read_text())
        leader.kill()  # dies without a goodbye: its session, and the lock, go with it
        leader.wait(timeout=10)
        assert _wait_for(lambda: "holds the lock" in standby_log.read_text())
        assert standby.poll() is None
    finally:
        for process in (leader, standby):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=20)


def test_a_leader_whose_session_ends_stops_leading(postgres, database_url, tmp_path):
    leader, log = _start(database_url, tmp_path, "leader")
    try:
        assert _wait_for(lambda: "holds the lock" in log.read_text())
        holder = _holder(postgres)
        assert holder is not None
        with postgres.connect() as connection:  # as a database restart would
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
        assert _wait_for(lambda: leader.poll() is not None, seconds=20)
        assert leader.returncode == 3  # not 0: a supervisor starts it again, as a standby
        assert "Lost the scheduler lock" in log.read_text()
        assert _holder(postgres) is None
    finally:
        if leader.poll() is None:
            leader.kill()


def test_two_run_jobs_at_once_send_each_reminder_once(postgres, app, build, smtp, database_url,
                                                      tmp_path):
    """Two `run-jobs` processes started together (a cron job beside the scheduler, say): every
    reminder is queued once and delivered once, and neither process fails."""
    with app.app_context():
        for number in range(15):
            build.organisation(build.user(f"owner{number}@race.example"), status="approved")
    now = "2027-04-02T09:00:00+00:00"  # a quarter has just opened for every signatory
    environment = {**os.environ, "CHARTER_ENV": "development", "DATABASE_URL": database_url,
                   "MAIL_PORT": str(smtp.port), "MAIL_CATCHER_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "charter", "run-jobs",
               "--now", now]
    runs = [subprocess.Popen(command, cwd=ROOT, env=environment,  # noqa: S603 - our command
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    with app.app_context():
        keys = Counter(db.session.scalars(select(OutboxMessage.idempotency_key)))
    assert len(keys) >= 15 and set(keys.values()) == {1}
    received = smtp.wait_for(len(keys))
    assert len(received) == len(keys)
    assert len({message["Message-ID"] for message in received}) == len(keys)
