"""`flask --app wsgi charter ...` commands for operators."""

import secrets
import time
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from charter_app.extensions import db


@click.group()
def charter():
    """County Durham Pound Charter commands."""


@charter.command("create-staff")
@click.argument("email")
@click.option("--password", help="Set this password instead of a generated one.")
@click.option("--admin", is_flag=True,
              help="An administrator: also manages staff accounts, measures and settings.")
@with_appcontext
def create_staff(email: str, password: str | None, admin: bool):
    """Create (or promote, or reactivate) a Business Durham staff account."""
    from charter_app.accounts.staff import create_staff as create

    password = password or secrets.token_urlsafe(12)
    user = create(email, password, admin=admin)
    db.session.commit()
    click.echo(f"{user.staff_role.capitalize()} account {user.email} is ready. "
               f"Password: {password}")


@charter.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when data already exists.")
@click.option("--signatories", default=48, show_default=True)
@with_appcontext
def seed_demo(if_empty: bool, signatories: int):
    """Load realistic demo data and print the demo logins."""
    from charter_app.demo import DEMO_LOGINS, has_data, seed

    if if_empty and has_data():
        click.echo("Demo data already loaded.")
    else:
        seed(signatories=signatories)
        db.session.commit()
        click.echo(f"Loaded demo data: {signatories} signatories.")
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
    """Run every scheduled job once, deliver the outbox, and exit."""
    from charter_app.jobs import run_all

    results = run_all(_parse_now(now_text))
    db.session.commit()
    for name, result in results.items():
        click.echo(f"{name}: {result}")


@charter.command("scheduler")
@click.option("--interval", default=60, show_default=True, help="Seconds between runs.")
@with_appcontext
def scheduler(interval: int):
    """Run the jobs every minute in this one process (never inside web workers)."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from sqlalchemy import text

    from charter_app.jobs import run_all

    app = current_app._get_current_object()
    lock = None
    if db.engine.dialect.name == "postgresql":
        # A second scheduler stands by instead of running the same jobs at the same time.
        lock = db.engine.connect()
        if not lock.execute(text("SELECT pg_try_advisory_lock(4242001)")).scalar():
            click.echo("Another scheduler holds the lock; standing by.")
            while not lock.execute(text("SELECT pg_try_advisory_lock(4242001)")).scalar():
                time.sleep(interval)

    def tick():
        with app.app_context():
            try:
                run_all(datetime.now(UTC))
                db.session.commit()
            except Exception:
                db.session.rollback()
                app.logger.exception("scheduled jobs failed")
            finally:
                db.session.remove()

    blocking = BlockingScheduler(timezone="UTC")
    blocking.add_job(tick, "interval", seconds=interval, next_run_time=datetime.now(UTC),
                     max_instances=1, coalesce=True)
    click.echo(f"Scheduler running every {interval}s. Ctrl+C to stop.")
    try:
        blocking.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if lock is not None:
            lock.close()


@charter.command("dev-server")
@click.option("--port", default=5000, show_default=True)
@click.option("--smtp-port", default=None, type=int, help="Default: MAIL_PORT.")
@with_appcontext
def dev_server(port: int, smtp_port: int | None):
    """Development: catch email on a local SMTP server and serve the app on 127.0.0.1."""
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
    try:
        run_simple("127.0.0.1", port, app, use_reloader=False, threaded=True)
    finally:
        catcher.stop()
