"""`flask --app wsgi charter ...` commands for operators."""

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from charter_app.extensions import db

ROOT = Path(__file__).resolve().parent.parent


@click.group()
@click.pass_context
def charter(context: click.Context):
    """County Durham Pound Charter commands."""
    from charter_app.monitoring.logs import log_context

    # A command's log lines carry its name, as a job's do (the process ends with the command).
    token = log_context.set({"job": f"charter {context.invoked_subcommand}"})
    context.call_on_close(lambda: log_context.reset(token))


def _operator() -> str:
    """Who runs an operator's command, for the audit log: $USER on the server."""
    return os.environ.get("USER") or "operator"


@charter.command("create-staff")
@click.argument("email")
@click.option("--password", help="Set this password instead of a generated one.")
@click.option("--admin", is_flag=True,
              help="An administrator: also manages staff accounts, measures and settings.")
@with_appcontext
def create_staff(email: str, password: str | None, admin: bool):
    """Create (or promote, or reactivate) a Business Durham staff account."""
    from charter_app.accounts.staff import create_staff as create
    from charter_app.audit.recorder import acting_as

    password = password or secrets.token_urlsafe(12)
    with acting_as(_operator(), "charter create-staff"):
        user = create(email, password, admin=admin)
        db.session.commit()
    click.echo(f"{user.staff_role.capitalize()} account {user.email} is ready. "
               f"Password: {password}")


@charter.command("reindex-search")
@with_appcontext
def reindex_search():
    """Rebuild the search index from the signatories, case studies, guidance, news and partners."""
    from charter_app.search import sources  # noqa: F401 - registers what search finds
    from charter_app.search.index import rebuild

    counts = rebuild()
    db.session.commit()
    click.echo("Search index rebuilt: " + ", ".join(
        f"{count} {kind}" for kind, count in counts.items()) + ".")


@charter.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when data already exists.")
@click.option("--signatories", default=49, show_default=True)
@with_appcontext
def seed_demo(if_empty: bool, signatories: int):
    """Load realistic demo data and print the demo logins."""
    from charter_app.demo import DEMO_LOGINS, demo_counts, has_data, seed

    if if_empty and has_data():
        click.echo("Demo data already loaded.")
    else:
        seed(signatories=signatories)
        db.session.commit()
        counts = demo_counts()
        click.echo(f"Loaded demo data: {counts['approved']} approved signatories, "
                   f"{counts['lapsed']} lapsed, "
                   f"{counts['submitted']} applications waiting for review, "
                   f"{counts['draft']} draft; {counts['reports']} quarterly reports "
                   f"({counts['reports_checked']} checked, {counts['reports_queried']} queried, "
                   f"{counts['reports_draft']} drafts) with {counts['entries']} entries; "
                   f"{counts['events']} events with {counts['registrations']} registrations "
                   f"and {counts['bookings']} appointments booked.")
    click.echo("Demo logins:")
    for role, email, password in DEMO_LOGINS:
        click.echo(f"  {role:<28} {email}  password: {password}")


def _parse_now(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@charter.command("run-jobs")
@click.option("--now", "now_text", help="ISO-8601 time to run as (default: now, UTC).")
@with_appcontext
def run_jobs(now_text: str | None):
    """Run every scheduled job once (delivering the outbox last) and exit; 1 if a job failed."""
    from charter_app.jobs import JobFailed, run_all

    results = run_all(_parse_now(now_text))
    for name, result in results.items():
        click.echo(f"{name}: {result}")
    if any(isinstance(result, JobFailed) for result in results.values()):
        raise SystemExit(1)



@charter.group("badge-key")
def badge_key():
    """The RSA key that signs Open Badges 3.0 credentials (see BADGE_SIGNING_KEY_FILE)."""


@badge_key.command("new")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def new_badge_key(path: Path):
    """Write a new signing key to PATH, readable by its owner only; never over an existing file
    (a key that signed credentials must be kept, as a retired key, for them to verify)."""
    from charter_app.badges.signing import generate_key_pem

    pem = generate_key_pem()
    try:
        # O_EXCL: refused if anything is already there, even a link, without a window between
        # checking and writing. The mode is set again after, whatever the umask.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.ClickException(
            f"{path} already exists: it was not replaced. Choose a new file name.") from None
    except OSError as error:
        raise click.ClickException(f"Cannot write {path} ({error.strerror}).") from None
    with os.fdopen(descriptor, "wb") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(pem)
    click.echo(f"Wrote a new badge signing key to {path} (mode 0600). Set "
               f"BADGE_SIGNING_KEY_FILE={path}; list the previous key's file in "
               "BADGE_RETIRED_KEY_FILES so the credentials it signed keep verifying.")


SCHEDULER_LOCK_KEY = 4242001
# The lock's row in pg_locks: a one-number advisory lock keeps its low 32 bits in objid.
_HOLDING_THE_LOCK = (
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 "
    "AND objid = :key AND objsubid = 1 AND pid = pg_backend_pid() AND granted)")


def _hold_scheduler_lock(interval: int):
    """On PostgreSQL, a second scheduler stands by instead of running the same jobs at once."""
    from sqlalchemy import text

    if db.engine.dialect.name != "postgresql":
        return None
    lock = db.engine.connect()
    take = text("SELECT pg_try_advisory_lock(:key)").bindparams(key=SCHEDULER_LOCK_KEY)
    if not lock.execute(take).scalar():
        click.echo("Another scheduler holds the lock; standing by.")
        while not lock.execute(take).scalar():
            time.sleep(interval)
    click.echo("This scheduler holds the lock.")
    return lock


def _still_leading(lock) -> bool:
    """Re-checked before every tick: a database restart (or a killed session) ends the session
    that held the lock, and a standby may have taken it since; then this copy must not lead."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        return bool(lock.execute(text(_HOLDING_THE_LOCK), {"key": SCHEDULER_LOCK_KEY}).scalar())
    except DBAPIError:
        return False


@charter.command("import-local-needs")
@click.option("--deciles", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True,
              help="English Indices of Deprivation File 1 (IMD rank and decile per LSOA), CSV.")
@click.option("--postcodes", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="ONS postcode lookup (NSPL, or postcode to OA to LSOA), CSV.")
@click.option("--source", required=True,
              help="Where the files came from: publisher, title, address, licence.")
@click.option("--edition", type=click.Choice(["IoD2019", "IoD2025"]), required=True)
@click.option("--by", default=lambda: os.environ.get("USER", "administrator"),
              help="Who imports (default: $USER).")
@with_appcontext
def import_local_needs(deciles: Path, postcodes: Path | None, source: str, edition: str,
                       by: str):
    """Load County Durham's deprivation deciles (and postcodes) for the report's local needs.

    Importing an edition again replaces it. Nothing changes when a file is refused."""
    from charter_app.audit.recorder import acting_as
    from charter_app.reports.local_needs_import import ImportRefused
    from charter_app.reports.local_needs_import import import_local_needs as load

    try:
        with acting_as(by, "charter import-local-needs"):
            counts = load(deciles, postcodes, edition=edition, source=source, by=by)
            db.session.commit()
    except ImportRefused as refusal:
        db.session.rollback()
        raise click.ClickException(str(refusal)) from refusal
    spread = ", ".join(f"{decile}: {count}" for decile, count in counts.by_decile.items())
    click.echo(f"Imported {edition} for County Durham: {counts.areas} small areas "
               f"(by decile {spread}) and {counts.postcodes} postcodes.")
    if postcodes is None:
        click.echo("No postcode lookup given: every entry stays unallocated until one is "
                   "imported with --postcodes.")


@charter.command("import-boundaries")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True,
              help="ONS LSOA boundaries as GeoJSON (WGS84), whole or County Durham's only.")
@click.option("--source", required=True,
              help="Where the file came from: publisher, product, address, licence.")
@click.option("--edition", type=click.Choice(["IoD2019", "IoD2025"]), required=True,
              help="The deciles' edition whose areas these are (2011 LSOAs for IoD2019).")
@click.option("--by", default=lambda: os.environ.get("USER", "administrator"),
              help="Who imports (default: $USER).")
@with_appcontext
def import_boundaries(path: Path, source: str, edition: str, by: str):
    """Load County Durham's small-area boundaries for the report's map of local needs.

    Import the edition's deciles first. Importing again replaces the edition's boundaries;
    nothing changes when a file is refused."""
    from charter_app.audit.recorder import acting_as
    from charter_app.reports.local_needs_boundaries import import_boundaries as load
    from charter_app.reports.local_needs_import import ImportRefused

    try:
        with acting_as(by, "charter import-boundaries"):
            counts = load(path, edition=edition, source=source, by=by)
            db.session.commit()
    except ImportRefused as refusal:
        db.session.rollback()
        raise click.ClickException(str(refusal)) from refusal
    click.echo(f"Imported the boundaries of {counts.areas} County Durham small areas for "
               f"{edition}.")
    if counts.missing:
        click.echo(f"{counts.missing} of the {edition} areas have no boundary in the file: the "
                   f"map leaves them out.")


@charter.command("backup")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup(destination: Path):
    """Write the database and the uploaded files into DESTINATION, a new or empty folder
    outside the web root (see README, "Backups")."""
    from charter_app.backup import BackupRefused, back_up

    try:
        manifest = back_up(db.engine, destination)
    except BackupRefused as refusal:
        raise click.ClickException(str(refusal)) from refusal
    files = sum(len(found) for found in manifest["files"].values())
    click.echo(f"Backed up {len(manifest['tables'])} tables "
               f"({sum(manifest['tables'].values())} rows) and {files} files to "
               f"{destination.resolve()}.")


@charter.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore(source: Path):
    """Restore a backup from SOURCE into the configured database, which must be empty, and
    the configured upload folders, then check every table and file against the backup."""
    from charter_app.backup import BackupRefused
    from charter_app.backup import restore as restore_backup

    db.session.remove()
    try:
        result = restore_backup(db.engine, source)
    except BackupRefused as refusal:
        raise click.ClickException(str(refusal)) from refusal
    click.echo(f"Restored {result.tables} tables ({result.rows} rows) and {result.files} "
               "files; every count and checksum matches the backup.")


@charter.command("scheduler")
@click.option("--interval", default=60, show_default=True,
              help="Seconds between runs of the scheduled jobs.")
@click.option("--poll", default=None, type=int,
              help="Seconds between deliveries of the outbox (default: OUTBOX_POLL_SECONDS).")
@with_appcontext
def scheduler(interval: int, poll: int | None):
    """The worker process: deliver the outbox every few seconds and run the jobs every minute.

    Web requests never talk to the mail server; this process sends what they queue.
    """
    from apscheduler.schedulers.blocking import BlockingScheduler

    from charter_app.jobs import JOBS, Job, run_all
    from charter_app.monitoring import metrics
    from charter_app.notifications.tasks import deliver_outbox

    app = current_app._get_current_object()
    poll = poll or app.config["OUTBOX_POLL_SECONDS"]
    lock = _hold_scheduler_lock(interval)

    lost_lock = []
    checking = threading.Lock()  # the two ticks' threads share the lock's connection

    def tick(jobs: list[Job]):
        def run():
            with checking:
                leading = lock is None or _still_leading(lock)
            metrics.set_scheduler_leader(leading)
            if not leading:
                if not lost_lock:
                    lost_lock.append(True)
                    click.echo("Lost the scheduler lock (the database restarted?): stopping, "
                               "so the supervisor starts this copy again as a standby.")
                    blocking.shutdown(wait=False)
                return
            with app.app_context():
                try:
                    run_all(datetime.now(UTC), jobs)  # each job commits or rolls back itself
                finally:
                    db.session.remove()
        return run

    blocking = BlockingScheduler(timezone="UTC")
    blocking.add_job(tick(JOBS), "interval", seconds=interval, next_run_time=datetime.now(UTC),
                     max_instances=1, coalesce=True, id="jobs")
    blocking.add_job(tick([Job("deliver_outbox", deliver_outbox)]), "interval", seconds=poll,
                     next_run_time=datetime.now(UTC), max_instances=1, coalesce=True,
                     id="outbox")
    click.echo(f"Scheduler running: outbox every {poll}s, jobs every {interval}s. "
               "Ctrl+C to stop.")
    signal.signal(signal.SIGTERM, _exit_on_terminate)
    try:
        blocking.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if lock is not None:
            lock.close()
    if lost_lock:
        raise SystemExit(3)


def _exit_on_terminate(signum, frame):
    raise SystemExit(0)


def _start_worker(mail_port: int) -> subprocess.Popen:
    """The scheduler as its own process, on the same app and environment as this one."""
    script_info = click.get_current_context().find_object(ScriptInfo)
    app_path = (script_info and script_info.app_import_path) or "wsgi"
    return subprocess.Popen(  # noqa: S603 - our own interpreter and command, no user input
        [sys.executable, "-m", "flask", "--app", app_path, "charter", "scheduler"],
        cwd=str(ROOT), env={**os.environ, "MAIL_PORT": str(mail_port)},
    )


def _stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


@charter.command("dev-server")
@click.option("--port", default=5000, show_default=True)
@click.option("--smtp-port", default=None, type=int, help="Default: MAIL_PORT.")
@with_appcontext
def dev_server(port: int, smtp_port: int | None):
    """Development: catch email on a local SMTP server, deliver it with the worker process, and
    serve the app on 127.0.0.1. Stopping this stops the worker too."""
    from werkzeug.serving import run_simple

    from charter_app.notifications.devmail import start_catcher

    app = current_app._get_current_object()
    smtp_port = smtp_port or app.config["MAIL_PORT"]
    try:
        catcher = start_catcher(app.config["MAIL_CATCHER_DIR"], port=smtp_port)
    except OSError as error:
        raise click.ClickException(
            f"Cannot catch email on 127.0.0.1:{smtp_port} ({error.strerror}). Is another "
            "`make run` running? Stop it, or set MAIL_PORT to a free port."
        ) from error
    click.echo(f"Email is caught on 127.0.0.1:{catcher.port}: read it at "
               f"http://127.0.0.1:{port}/dev/mail")
    signal.signal(signal.SIGTERM, _exit_on_terminate)
    worker = _start_worker(catcher.port)
    try:
        run_simple("127.0.0.1", port, app, use_reloader=False, threaded=True)
    finally:
        _stop_worker(worker)
        catcher.stop()
