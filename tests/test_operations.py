"""What operators can see: request ids, JSON logs without secrets, /metrics behind a bearer
token, and /healthz's body (outbox and scheduler) without changing its status code."""

import io
import json
import logging
import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from charter_app.extensions import db
from charter_app.jobs import Job, run_job
from charter_app.monitoring import logs
from charter_app.notifications.models import OutboxMessage
from charter_app.timeutil import utcnow
from tests.builders import PASSWORD
from tests.conftest import link_path, log_in, submit_form

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "metrics-test-token-0123456789"  # noqa: S105 - tests only


@pytest.fixture
def log_lines():
    """Every line our JSON handler writes while the test runs, parsed."""
    stream = io.StringIO()
    handler = logs.build_handler(stream, "json")
    handler._charter = False  # kept when a test builds another app  # type: ignore[attr-defined]
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    lines.text = stream.getvalue  # type: ignore[attr-defined]
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


# --- request ids -------------------------------------------------------------------------------

def test_a_well_formed_request_id_from_the_proxy_is_kept(client):
    response = client.get("/livez", headers={"X-Request-ID": "nginx-0123abcd"})
    assert response.headers["X-Request-ID"] == "nginx-0123abcd"


@pytest.mark.parametrize("given", ["", "a" * 65, "bad id", "x<script>", "id;drop", "é"])
def test_a_malformed_request_id_is_replaced(client, given):
    response = client.get("/livez", headers={"X-Request-ID": given})
    assert response.headers["X-Request-ID"] != given
    assert len(response.headers["X-Request-ID"]) == 32


def test_every_response_has_a_new_id_even_error_pages(client):
    first, second = client.get("/livez"), client.get("/no-such-page")
    assert second.status_code == 404
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_a_500_carries_the_request_id_and_its_log_lines_too(another_app, log_lines):
    app = another_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("exploded")

    boom.access = "public"
    response = app.test_client().get("/boom", headers={"X-Request-ID": "trace-500"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "trace-500"
    mine = [line for line in log_lines() if line.get("request_id") == "trace-500"]
    assert any("exploded" in line.get("exc_info", "") for line in mine)
    [access] = [line for line in mine if line["logger"] == "charter_app.access"]
    assert access["status"] == 500


def test_the_access_line_is_one_json_object_with_what_an_operator_needs(client, log_lines):
    client.get("/directory?q=secret-search", headers={"X-Request-ID": "abc-123"})
    [line] = [line for line in log_lines() if line["logger"] == "charter_app.access"]
    assert line["request_id"] == "abc-123"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/directory", 200)
    assert line["level"] == "INFO"
    assert line["time"].endswith("+00:00")
    assert isinstance(line["duration_ms"], float)
    assert "secret-search" not in json.dumps(line)  # never the query string


def test_production_logs_json_and_development_text(another_app, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    from config import CONFIGS

    assert CONFIGS["production"].LOG_FORMAT == "json"
    assert CONFIGS["development"].LOG_FORMAT == "text"
    assert CONFIGS["testing"].LOG_FORMAT == "text"


def test_job_lines_carry_the_job_name_and_no_request_id(app_ctx, log_lines):
    def noisy(now):
        logging.getLogger("charter_app.test").info("working on it")

    run_job(Job("noisy_job", noisy), utcnow())
    [line] = [line for line in log_lines() if line["message"] == "working on it"]
    assert line["job"] == "noisy_job"
    assert "request_id" not in line


def test_a_commands_lines_carry_its_name(app, log_lines):
    result = app.test_cli_runner().invoke(args=["charter", "run-jobs"])
    assert result.exit_code == 0, result.output
    [summary] = [line for line in log_lines() if line["message"].startswith("jobs at ")]
    assert summary["job"] == "charter run-jobs"
    assert "request_id" not in summary


# --- nothing secret in the logs ----------------------------------------------------------------

def test_a_login_writes_no_password_csrf_token_or_cookie(app, build, log_lines):
    user = build.user("logs@example.org")
    client = app.test_client()
    logging.getLogger("charter_app.test").info(
        "form %s", {"email": user.email, "password": PASSWORD, "csrf_token": "abc.def.ghi"})
    log_in(client, user.email, PASSWORD)
    client.get("/account")
    text = log_lines.text()
    assert PASSWORD not in text
    assert user.password_hash not in text
    assert "abc.def.ghi" not in text
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.value not in text
    assert any(line.get("path") == "/login" for line in log_lines())


def test_a_password_reset_link_never_reaches_the_logs(app, build, smtp, log_lines):
    user = build.user("forgetful@example.org")
    client = app.test_client()
    submit_form(client, "/account/reset", {"email": user.email})
    [message] = smtp.wait_for(1)
    link = link_path(smtp.links(message)[0])
    token = link.rsplit("/", 1)[-1]
    assert client.get(link).status_code == 200
    response = submit_form(client, link, {"password": "A-new-password-42x",
                                          "confirm": "A-new-password-42x"})
    assert response.status_code in (200, 302)
    logging.getLogger("charter_app.test").warning("someone followed %s", link)
    text = log_lines.text()
    assert token not in text
    assert "A-new-password-42x" not in text
    assert "/account/reset/[redacted]" in text


def test_an_outbox_delivery_logs_no_email_body(app, build, smtp, log_lines):
    with app.app_context():
        db.session.add(OutboxMessage(
            idempotency_key="log-test-1", template="test", recipient="reader@example.org",
            subject="Hello", body_text="SECRET-BODY-LINE Your link: /invitation/abcdefghijkl",
            body_html="<p>SECRET-BODY-LINE</p>"))
        db.session.commit()
    [message] = smtp.wait_for(1)
    assert "SECRET-BODY-LINE" in smtp.text(message)
    logging.getLogger("charter_app.test").error("failed body_text=SECRET-BODY-LINE")
    text = log_lines.text()
    assert "SECRET-BODY-LINE" not in text


def test_redaction_covers_headers_tokens_and_hashes():
    line = logs.redact(
        "Authorization: Bearer abc123 Cookie: session=eyJfZnJlc2giOmZhbHNlfQ.Z1a2b3.sig "
        "hash $argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA token=abc password: hunter2 "
        "/email/unsubscribe/InVzZXIi.sig https://x.example/calendar/abc123def.ics")
    for secret in ("abc123", "eyJfZnJl", "$argon2id", "hunter2", "InVzZXIi", "abc123def"):
        assert secret not in line, secret


# --- /metrics ----------------------------------------------------------------------------------

def test_metrics_do_not_exist_without_a_token_configured(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.fixture
def metrics_app(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    return app


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN,
                                    f"Bearer {TOKEN}x"])
def test_metrics_refuse_a_missing_or_wrong_token(metrics_app, header):
    headers = {"Authorization": header} if header else {}
    response = metrics_app.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert "charter_" not in response.get_data(as_text=True)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_metrics_count_requests_by_endpoint_and_read_the_outbox(metrics_app, build):
    client = metrics_app.test_client()
    organisation = build.organisation(status="approved", name="Metric Co", slug="metric-co")
    for _ in range(3):
        client.get(f"/signatories/{organisation.slug}")
    client.get("/no-such-page-at-all")
    old = OutboxMessage(idempotency_key="m1", template="t", recipient="a@example.org",
                        subject="s", body_text="b", body_html="b",
                        created_at=utcnow() - timedelta(hours=1))
    failed = OutboxMessage(idempotency_key="m2", template="t", recipient="b@example.org",
                           subject="s", body_text="b", body_html="b", status="failed")
    db.session.add_all([old, failed])
    db.session.commit()
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert "charter_database_up 1.0" in text
    assert ('charter_http_requests_total{endpoint="directory.profile",method="GET",'
            'status="2xx"}') in text
    assert 'endpoint="unmatched"' in text
    assert "no-such-page" not in text  # the path is never a label
    assert 'charter_outbox_messages{status="queued"} 1.0' in text
    assert 'charter_outbox_messages{status="failed"} 1.0' in text
    age = next(line for line in text.splitlines()
               if line.startswith("charter_outbox_oldest_queued_age_seconds "))
    assert float(age.split()[1]) >= 3600
    assert "charter_http_request_duration_seconds_bucket" in text


def test_metrics_count_jobs_by_name_and_outcome(metrics_app, app_ctx):
    def fails(now):
        raise ValueError("no")

    run_job(Job("metric_ok_job", lambda now: 1), utcnow())
    run_job(Job("metric_failing_job", fails), utcnow())
    text = metrics_app.test_client().get(
        "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    assert 'charter_jobs_total{job="metric_ok_job",outcome="ok"} 1.0' in text
    assert 'charter_jobs_total{job="metric_failing_job",outcome="failed"} 1.0' in text
    assert 'charter_job_duration_seconds_count{job="metric_ok_job",outcome="ok"} 1.0' in text
    last_run = next(line for line in text.splitlines()
                    if line.startswith("charter_scheduler_last_run_timestamp_seconds "))
    assert float(last_run.split()[1]) > 0


SCRAPE = textwrap.dedent("""
    import sys
    from charter_app import create_app
    from charter_app.monitoring import metrics
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=sys.argv[1], METRICS_TOKEN="t")
    client = app.test_client()
    if sys.argv[2] == "serve":
        client.get("/livez")
        metrics.set_scheduler_leader(sys.argv[3] == "lead")
    else:
        print(client.get("/metrics", headers={"Authorization": "Bearer t"}).get_data(as_text=True))
""")


def test_worker_processes_add_up_in_multiprocess_mode(app, database_url, tmp_path):
    """Gunicorn's workers each count their own requests; with PROMETHEUS_MULTIPROC_DIR a scrape
    on any one of them sees the total, and the scheduler's leadership."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "CHARTER_ENV": "testing"}

    def run(*args):
        return subprocess.run([sys.executable, "-c", SCRAPE, database_url, *args], env=env,  # noqa: S603
                              cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)

    run("serve", "lead")
    run("serve", "stand-by")
    text = run("scrape").stdout
    assert 'charter_http_requests_total{endpoint="pages.livez",method="GET",status="2xx"} 2.0' \
        in text
    assert "charter_outbox_messages" in text
    assert list(tmp_path.glob("*.db"))


def test_metrics_still_answer_when_the_database_is_down(another_app, tmp_path):
    unreachable = f"sqlite:///{tmp_path / 'missing' / 'no.sqlite3'}"
    app = another_app(SQLALCHEMY_DATABASE_URI=unreachable, METRICS_TOKEN=TOKEN)
    response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "charter_database_up 0.0" in text
    assert "charter_http_requests_total" in text
    assert "charter_outbox_messages" not in text


def test_scheduler_leadership_is_a_gauge(metrics_app):
    from charter_app.monitoring import metrics

    metrics.set_scheduler_leader(True)
    try:
        text = metrics_app.test_client().get(
            "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
        assert "charter_scheduler_leader 1.0" in text
    finally:
        metrics.set_scheduler_leader(False)


# --- /healthz ----------------------------------------------------------------------------------

def test_healthz_says_the_outbox_is_not_backed_up_and_the_scheduler_never_ran(client):
    body = client.get("/healthz").get_json()
    assert body["outbox"] == {"backed_up": False, "queued": 0, "failed": 0,
                              "oldest_queued_seconds": None}
    assert body["scheduler"] == {"last_run": None, "seconds_since": None, "late": True}


def test_a_mail_outage_backs_up_the_outbox_but_healthz_stays_200(app, client, build):
    db.session.add(OutboxMessage(idempotency_key="h1", template="t", recipient="a@example.org",
                                 subject="s", body_text="b", body_html="b",
                                 created_at=utcnow() - timedelta(minutes=20)))
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert body["outbox"]["backed_up"] is True
    assert body["outbox"]["queued"] == 1
    assert body["outbox"]["oldest_queued_seconds"] >= 20 * 60
    assert response.headers["Cache-Control"] == "no-store"


def test_a_recent_queued_email_is_not_a_backlog_but_a_failed_one_is(client, app_ctx):
    db.session.add(OutboxMessage(idempotency_key="h2", template="t", recipient="a@example.org",
                                 subject="s", body_text="b", body_html="b"))
    db.session.commit()
    assert client.get("/healthz").get_json()["outbox"]["backed_up"] is False
    db.session.add(OutboxMessage(idempotency_key="h3", template="t", recipient="b@example.org",
                                 subject="s", body_text="b", body_html="b", status="failed"))
    db.session.commit()
    assert client.get("/healthz").get_json()["outbox"]["backed_up"] is True


def test_healthz_says_when_the_scheduler_last_ran(client, app_ctx):
    run_job(Job("healthz_job", lambda now: None), utcnow())
    scheduler = client.get("/healthz").get_json()["scheduler"]
    assert scheduler["late"] is False
    assert scheduler["seconds_since"] < 60
    assert scheduler["last_run"].endswith("+00:00")
