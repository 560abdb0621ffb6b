"""Development: email the running app sends is caught locally and readable at /dev/mail."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from charter_app.accounts.emails import confirm_email
from charter_app.accounts.models import User
from charter_app.extensions import db
from charter_app.notifications.delivery import deliver_due
from charter_app.notifications.devmail import start_catcher
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_caught_email_is_listed_with_its_links(tmp_path, another_app):
    port = free_port()
    dev_app = another_app(MAIL_PORT=port, MAIL_CATCHER_DIR=str(tmp_path / "mail"),
                          BASE_URL="http://127.0.0.1:5000")
    catcher = start_catcher(str(tmp_path / "mail"), port=port)
    try:
        with dev_app.app_context():
            confirm_email(User(id=1, email="new@example.org"), token="abc")
            db.session.commit()
            assert deliver_due() == 1
            db.session.remove()
        html = dev_app.test_client().get("/dev/mail/").get_data(as_text=True)
    finally:
        catcher.stop()
    assert "Confirm your email address" in html
    assert 'href="http://127.0.0.1:5000/account/confirm/abc"' in html


def test_the_mail_page_does_not_exist_outside_development(client):
    assert client.get("/dev/mail/").status_code == 404


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def test_make_run_delivers_email_through_its_own_worker_and_stops_it_on_exit(
    app_ctx, database_url, tmp_path
):
    """`charter dev-server` (what `make run` starts) runs the outbox worker as its own process,
    so a sign-up's email reaches /dev/mail within seconds; stopping the server stops it too."""
    port, smtp_port = free_port(), free_port()
    mail_dir = tmp_path / "mail"
    environment = {
        **os.environ, "CHARTER_ENV": "development", "DATABASE_URL": database_url,
        "MAIL_CATCHER_DIR": str(mail_dir), "OUTBOX_POLL_SECONDS": "1",
    }
    server = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "flask", "--app", "wsgi", "charter", "dev-server",
         "--port", str(port), "--smtp-port", str(smtp_port)],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while not (workers := _children(server.pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert workers, "dev-server started no worker"
        confirm_email(User(id=1, email="new@example.org"), token="abc")
        db.session.commit()
        while not list(mail_dir.glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.2)
        [caught] = mail_dir.glob("*.eml")
        assert b"new@example.org" in caught.read_bytes()
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    for worker in workers:
        assert not Path(f"/proc/{worker}").exists() or "Z" in Path(
            f"/proc/{worker}/stat").read_text().split()[2], output
