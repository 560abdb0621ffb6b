"""Staff operate the outbox: they find any email by status, recipient and kind, read it as it is
sent (headers and both bodies, never rendered raw into their page), send a failed one again
(once, however many clicks), and the staff home tells them when emails have failed."""

import itertools
import logging
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from charter_app.extensions import db
from charter_app.notifications.delivery import message_id
from charter_app.notifications.models import EmailCategory, OutboxMessage, OutboxStatus
from charter_app.notifications.outbox import queue_email
from tests.builders import PASSWORD
from tests.conftest import counting_statements, csrf_token_from, free_port, log_in, submit_form
from tests.test_concurrency import HttpSession, _all_at_once

_numbers = itertools.count(1)
ROW = re.compile(r'<tr class="govuk-table__row">\s*<td class="govuk-table__cell[^"]*">'
                 r'<a class="govuk-link" href="/staff/outbox/(\d+)">')


def add_message(recipient: str = "reader@example.org", *, template: str = "application_approved",
                status: str = OutboxStatus.SENT, subject: str = "A subject",
                created_at: datetime | None = None, **fields) -> OutboxMessage:
    message = OutboxMessage(
        idempotency_key=f"test:{next(_numbers)}", template=template, recipient=recipient,
        subject=subject, body_text=fields.pop("body_text", "Hello"),
        body_html=fields.pop("body_html", "<p>Hello</p>"), status=status,
        created_at=created_at or datetime.now(UTC), **fields)
    db.session.add(message)
    db.session.commit()
    return message


def queue_change_notice(recipient: str) -> OutboxMessage:
    """A real email, rendered from its templates as the service queues it."""
    message = queue_email(template="email_changed", subject="Your email address has changed",
                          recipient=recipient, idempotency_key=f"email-changed:{recipient}",
                          category=EmailCategory.TRANSACTIONAL, new_email="new@example.org")
    db.session.commit()
    return message


@pytest.fixture
def staff(build):
    return build.staff()


@pytest.fixture
def staff_client(app, staff):
    client = app.test_client()
    log_in(client, staff.email, PASSWORD)
    return client


def listed(client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, url
    return [int(number) for number in ROW.findall(response.get_data(as_text=True))]


def run_jobs(app, now: datetime) -> str:
    result = app.test_cli_runner().invoke(args=["charter", "run-jobs", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_outbox_lists_newest_first_with_counts_and_finds_by_status_recipient_and_kind(
    staff_client, app_ctx
):
    start = datetime(2026, 6, 1, 9, tzinfo=UTC)
    sent = add_message("Alice@Example.org", template="application_approved",
                       created_at=start)
    failed = add_message("bob@example.org", template="event_reminder",
                         status=OutboxStatus.FAILED, created_at=start + timedelta(hours=1))
    queued = add_message("carol@alice-ltd.example", template="event_reminder",
                         status=OutboxStatus.QUEUED, created_at=start + timedelta(hours=2))

    page = staff_client.get("/staff/outbox").get_data(as_text=True)
    assert listed(staff_client, "/staff/outbox") == [queued.id, failed.id, sent.id]
    assert "All (3)" in page and "Queued (1)" in page and "Sent (1)" in page
    assert "Failed (1)" in page
    # The kinds to choose from are those in the outbox.
    assert re.findall(r'<option value="(\w+)"', page) == ["application_approved",
                                                          "event_reminder"]

    assert listed(staff_client, "/staff/outbox?status=failed") == [failed.id]
    assert listed(staff_client, "/staff/outbox?status=queued") == [queued.id]
    assert listed(staff_client, "/staff/outbox?recipient=ALICE") == [queued.id, sent.id]
    assert listed(staff_client, "/staff/outbox?kind=event_reminder") == [queued.id, failed.id]
    assert listed(staff_client,
                  "/staff/outbox?kind=event_reminder&recipient=alice&status=queued") == [
        queued.id]
    # A wildcard is a character like any other; an unknown status shows everything.
    assert listed(staff_client, "/staff/outbox?recipient=%25") == []
    assert listed(staff_client, "/staff/outbox?status=bogus") == [queued.id, failed.id, sent.id]
    assert "No emails match your search" in staff_client.get(
        "/staff/outbox?recipient=nobody").get_data(as_text=True)


def test_the_outbox_shows_fifty_a_page(staff_client, app_ctx):
    start = datetime(2026, 6, 1, 9, tzinfo=UTC)
    ids = [add_message(f"reader{n}@example.org", created_at=start + timedelta(minutes=n)).id
           for n in range(55)]

    first = listed(staff_client, "/staff/outbox")
    second = listed(staff_client, "/staff/outbox?page=2")
    assert first == ids[::-1][:50]
    assert second == ids[::-1][50:]
    assert 'href="/staff/outbox?page=2"' in staff_client.get("/staff/outbox").get_data(
        as_text=True)
    assert listed(staff_client, "/staff/outbox?page=99") == second


def test_the_outbox_page_sends_the_same_statements_however_many_emails(app, staff_client,
                                                                       app_ctx):
    def statements(url: str) -> int:
        staff_client.get(url)  # warm up
        with counting_statements(app) as seen:
            assert staff_client.get(url).status_code == 200
        return len(seen)

    urls = ["/staff/outbox", "/staff/outbox?status=failed&recipient=reader&kind=event_reminder"]
    for number in range(3):
        add_message(f"reader{number}@example.org", template="event_reminder")
    few = [statements(url) for url in urls]
    for number in range(3, 120):
        add_message(f"reader{number}@example.org", status=OutboxStatus.FAILED,
                    template=["event_reminder", "application_approved"][number % 2])
    many = [statements(url) for url in urls]

    assert few == many
    assert max(many) <= 8, many


def test_a_message_is_shown_as_sent_with_its_headers_and_both_bodies_escaped(
    app, staff_client, app_ctx
):
    message = add_message(
        "reader@example.org", subject="<script>alert('subject')</script> Hello",
        body_text="Dear <script>alert('text')</script> reader",
        body_html="<p>Hello</p><script>alert('html')</script><img src=x onerror=alert(1)>",
        created_at=datetime(2026, 7, 1, 8, 30, tzinfo=UTC),
        sent_at=datetime(2026, 7, 1, 8, 31, tzinfo=UTC), attempts=1,
        unsubscribe_url="https://charter.example/unsubscribe/abc",
        attachment_name="event.ics", attachment_type="text/calendar; method=REQUEST",
        attachment_body="BEGIN:VCALENDAR")

    response = staff_client.get(f"/staff/outbox/{message.id}")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt; Hello" in page
    assert "Dear &lt;script&gt;alert(&#39;text&#39;)&lt;/script&gt; reader" in page
    # The HTML body as escaped source, never rendered into the staff page.
    assert "&lt;p&gt;Hello&lt;/p&gt;&lt;script&gt;alert(&#39;html&#39;)&lt;/script&gt;" in page
    assert "<iframe" not in page
    assert app.config["MAIL_DEFAULT_SENDER"].replace("<", "&lt;").replace(">", "&gt;") in page
    assert message_id(message).replace("<", "&lt;").replace(">", "&gt;") in page
    assert "&lt;https://charter.example/unsubscribe/abc&gt;" in page
    assert "List-Unsubscribe=One-Click" in page
    assert "event.ics (text/calendar; method=REQUEST)" in page
    # Times in Europe/London: 8:30 UTC is 9:30 in British Summer Time.
    assert "1 July 2026, 9:30am" in page and "1 July 2026, 9:31am" in page
    assert "Send it again" not in page  # a sent email has no retry


def test_a_message_without_unsubscribe_has_no_list_headers_and_a_missing_one_is_404(
    staff_client, app_ctx
):
    message = add_message(status=OutboxStatus.QUEUED)
    page = staff_client.get(f"/staff/outbox/{message.id}").get_data(as_text=True)
    assert "List-Unsubscribe" not in page
    assert "Next attempt" in page
    assert staff_client.get(f"/staff/outbox/{message.id + 1}").status_code == 404


def test_a_failed_email_sent_again_arrives_once(app, staff, staff_client, smtp, monkeypatch,
                                                caplog):
    mail_state = app.extensions["mail"]
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 1)
    monkeypatch.setattr(mail_state, "port", free_port())  # the mail server is down
    message = queue_change_notice("patient@example.org")
    now = datetime.now(UTC)
    run_jobs(app, now)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == OutboxStatus.FAILED
    monkeypatch.setattr(mail_state, "port", smtp.port)  # and back
    run_jobs(app, now + timedelta(days=1))
    assert smtp.to("patient@example.org") == []  # failed stays failed

    page = f"/staff/outbox/{message.id}"
    assert "ConnectionRefusedError" in staff_client.get(page).get_data(as_text=True)
    with caplog.at_level(logging.INFO):
        response = submit_form(staff_client, f"{page}/retry", {}, page=page)
    assert response.status_code == 302
    shown = staff_client.get(page).get_data(as_text=True)
    assert "is queued and will be sent again" in shown
    assert "Send it again" not in shown
    db.session.expire_all()
    requeued = db.session.get(OutboxMessage, message.id)
    assert (requeued.status, requeued.attempts) == (OutboxStatus.QUEUED, 0)
    assert [r.getMessage() for r in caplog.records if "re-queued" in r.getMessage()] == [
        f"outbox message {message.id} re-queued by {staff.email} (user {staff.id})"]

    # Other jobs may email the staff member too: only the retried email is counted here.
    run_jobs(app, datetime.now(UTC))
    run_jobs(app, datetime.now(UTC) + timedelta(days=1))
    smtp.wait_for(1)
    time.sleep(0.3)  # anything sent twice would have arrived by now
    delivered = [m for m in smtp.received if m["To"] == "patient@example.org"]
    assert len(delivered) == 1
    assert delivered[0]["Subject"] == "Your email address has changed"
    assert delivered[0]["Message-ID"].strip() == message_id(requeued)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == OutboxStatus.SENT


@pytest.mark.parametrize("status, says", [(OutboxStatus.QUEUED, "is already queued"),
                                          (OutboxStatus.SENT, "has already been sent")])
def test_retrying_an_email_that_is_not_failed_says_so_and_changes_nothing(
    staff_client, app_ctx, status, says
):
    message = add_message("reader@example.org", status=OutboxStatus.FAILED,
                          last_error="SMTPServerDisconnected: gone")
    page = f"/staff/outbox/{message.id}"
    token = csrf_token_from(staff_client.get(page).get_data(as_text=True))
    message.status, message.attempts = status, 3
    db.session.commit()

    response = staff_client.post(f"{page}/retry", data={"csrf_token": token})

    assert response.status_code == 302
    assert f"The email to reader@example.org {says}" in staff_client.get(page).get_data(
        as_text=True)
    db.session.expire_all()
    assert (db.session.get(OutboxMessage, message.id).status,
            db.session.get(OutboxMessage, message.id).attempts) == (status, 3)


def test_a_retry_without_the_csrf_token_is_refused(staff_client, app_ctx):
    message = add_message(status=OutboxStatus.FAILED)
    assert staff_client.post(f"/staff/outbox/{message.id}/retry").status_code == 400
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == OutboxStatus.FAILED


def test_twenty_retries_at_once_requeue_the_email_once(app, build, live_server, caplog):
    staff = build.staff()
    message = add_message("reader@example.org", status=OutboxStatus.FAILED, attempts=8)
    session = HttpSession(live_server)
    session.sign_in(staff.email)
    status, _location, html = session.request("GET", f"/staff/outbox/{message.id}")
    assert status == 200
    form = {"csrf_token": csrf_token_from(html)}

    with caplog.at_level(logging.INFO):
        statuses = _all_at_once(
            lambda: session.request("POST", f"/staff/outbox/{message.id}/retry", form)[0], 20)

    assert set(statuses) == {302}, statuses  # every click answered, none failed
    requeues = [r for r in caplog.records if "re-queued" in r.getMessage()]
    assert len(requeues) == 1
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert (message.status, message.attempts) == (OutboxStatus.QUEUED, 0)


def test_the_staff_home_counts_failed_emails_only_when_there_are_any(staff_client, app_ctx):
    add_message(status=OutboxStatus.SENT)
    add_message(status=OutboxStatus.QUEUED)
    home = staff_client.get("/staff/").get_data(as_text=True)
    assert "failed" not in home.lower()

    for _ in range(3):
        add_message(status=OutboxStatus.FAILED)
    home = staff_client.get("/staff/").get_data(as_text=True)
    assert '<a class="govuk-link" href="/staff/outbox?status=failed">3 emails failed</a>' in home

    for message in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.FAILED)).all()[1:]:
        message.status = OutboxStatus.SENT
    db.session.commit()
    home = staff_client.get("/staff/").get_data(as_text=True)
    assert "1 email failed" in home
