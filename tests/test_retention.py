"""Retention rules, each at its boundary: what the privacy notice promises is deleted on the day
its time is up, not a day before, once a day, and shown to staff."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from charter_app.accounts.models import Membership, SignInThrottle, User
from charter_app.contact.models import ContactMessage, ContactReply
from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage, OutboxStatus
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.privacy.models import RetentionRun
from charter_app.privacy.retention import years_before
from charter_app.privacy.tasks import apply_retention
from tests.builders import PASSWORD
from tests.conftest import log_in

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _run(now=NOW) -> dict:
    result = apply_retention(now)
    db.session.commit()
    return result


def _aged(row, **moments):
    for name, value in moments.items():
        setattr(row, name, value)
    db.session.commit()
    return row


def test_an_unconfirmed_account_goes_30_days_after_sign_up_not_a_second_sooner(build):
    _aged(build.user(confirmed=False), created_at=NOW - timedelta(days=30))
    not_yet = _aged(build.user(confirmed=False), created_at=NOW - timedelta(days=30) + SECOND)
    confirmed = _aged(build.user(), created_at=NOW - timedelta(days=400))
    staff = _aged(build.staff(), created_at=NOW - timedelta(days=400), email_confirmed_at=None)
    kept = {not_yet.id, confirmed.id, staff.id}

    assert _run()["unconfirmed_accounts"] == "1 account, 0 draft applications"
    assert set(db.session.scalars(select(User.id))) == kept


def test_an_unconfirmed_account_takes_only_the_drafts_nobody_else_shares(build):
    owner = _aged(build.user(confirmed=False), created_at=NOW - timedelta(days=31))
    alone = build.organisation(owner)
    shared = build.organisation(owner)
    build.member(shared, build.user())
    # A submitted application is staff's business: its unconfirmed owner is kept.
    waiting_owner = _aged(build.user(confirmed=False), created_at=NOW - timedelta(days=31))
    submitted = build.organisation(waiting_owner, status=ApplicationStatus.SUBMITTED)
    owner_id, alone_id, shared_id, submitted_id, waiting_id = (
        owner.id, alone.id, shared.id, submitted.id, waiting_owner.id)

    assert _run()["unconfirmed_accounts"] == "1 account, 1 draft application"
    assert set(db.session.scalars(select(Organisation.id))) == {shared_id, submitted_id}
    assert db.session.get(User, waiting_id) is not None
    # Nothing left pointing at what went, on SQLite as on PostgreSQL.
    assert db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.user_id.in_([owner_id]) | Membership.organisation_id.in_([alone_id]))) == 0


def test_a_draft_application_goes_12_months_after_its_last_change(build):
    owner = build.user()
    due = _aged(build.organisation(owner), updated_at=years_before(NOW, 1)).id
    not_yet = _aged(build.organisation(owner), updated_at=years_before(NOW, 1) + SECOND).id
    approved = _aged(build.organisation(owner, status=ApplicationStatus.APPROVED),
                     updated_at=NOW - timedelta(days=900)).id
    _run()
    assert set(db.session.scalars(select(Organisation.id))) == {not_yet, approved}
    assert due not in set(db.session.scalars(select(Membership.organisation_id)))
    assert db.session.get(User, owner.id) is not None


def _email(created_at, status=OutboxStatus.SENT, key="k"):
    message = OutboxMessage(idempotency_key=key, template="confirm_email",
                            recipient="sam@example.org", subject="Confirm your email address",
                            body_text="Follow this link: https://example.org/confirm/SECRET",
                            body_html="<p>SECRET</p>", status=status, created_at=created_at)
    db.session.add(message)
    db.session.commit()
    return message


def test_email_bodies_are_emptied_after_90_days_and_the_record_of_sending_stays(app_ctx):
    due = _email(NOW - timedelta(days=90), key="due")
    not_yet = _email(NOW - timedelta(days=90) + SECOND, key="not-yet")
    failed = _email(NOW - timedelta(days=200), OutboxStatus.FAILED, key="failed")
    queued = _email(NOW - timedelta(days=200), OutboxStatus.QUEUED, key="queued")
    _run()
    db.session.expire_all()
    for message in (due, failed):
        assert (message.body_text, message.body_html) == ("", "")
        assert message.body_erased_at == NOW
        assert (message.recipient, message.subject) == ("sam@example.org",
                                                        "Confirm your email address")
    for message in (not_yet, queued):
        assert "SECRET" in message.body_text and message.body_erased_at is None


def test_the_outbox_page_says_when_a_body_was_erased(app, build):
    message = _email(NOW - timedelta(days=100))
    _run()
    staff = app.test_client()
    log_in(staff, build.staff().email, PASSWORD)
    page = staff.get(f"/staff/outbox/{message.id}").text
    assert "SECRET" not in page
    assert "Erased on" in page and "kept for 90 days" in page


def test_contact_messages_and_replies_go_a_year_after_they_arrived(app_ctx):
    # A year before 28 February 2027 is 28 February 2026; from 29 February 2028, 28 February.
    assert years_before(datetime(2028, 2, 29, 12, tzinfo=UTC), 1) == \
        datetime(2027, 2, 28, 12, tzinfo=UTC)
    due = ContactMessage(name="A", email="a@example.org", topic="idea", body="x",
                         received_at=years_before(NOW, 1))
    not_yet = ContactMessage(name="B", email="b@example.org", topic="idea", body="y",
                             received_at=years_before(NOW, 1) + SECOND)
    db.session.add_all([due, not_yet])
    db.session.flush()
    db.session.add(ContactReply(message_id=due.id, form_key="f" * 32, subject="Thanks",
                                body="Thank you", sent_at=years_before(NOW, 1)))
    db.session.commit()
    assert _run()["contact_messages"] == "1 message"
    assert list(db.session.scalars(select(ContactMessage.name))) == ["B"]
    assert _count(ContactReply) == 0


def test_spent_rate_limit_counters_are_cleared(app_ctx):
    db.session.add_all([
        SignInThrottle(email_key="a" * 64, failures=3, window_started_at=NOW - timedelta(days=1)),
        SignInThrottle(email_key="b" * 64, failures=1, window_started_at=NOW - timedelta(hours=2)),
    ])
    db.session.commit()
    _run()
    assert list(db.session.scalars(select(SignInThrottle.email_key))) == ["b" * 64]


def test_each_rule_runs_once_a_uk_day_and_the_next_day_catches_up(build):
    _aged(build.user(confirmed=False), created_at=NOW - timedelta(days=40))
    first = _run()
    assert set(first) == {"unconfirmed_accounts", "draft_applications", "email_bodies",
                          "contact_messages", "rate_limit_counters"}
    _aged(build.user(confirmed=False), created_at=NOW - timedelta(days=40))
    assert _run(NOW + timedelta(hours=20)) == {}  # still 23 November in London
    assert _count(User) == 1
    assert _run(NOW + timedelta(hours=22))["unconfirmed_accounts"].startswith("1 account,")
    assert _count(User) == 0
    assert _count(RetentionRun) == 10


@pytest.mark.parametrize("who", ["public", "member"])
def test_the_retention_page_is_for_staff_only(app, build, who):
    client = app.test_client()
    if who == "member":
        log_in(client, build.user().email, PASSWORD)
    response = client.get("/staff/retention")
    assert response.status_code in (302, 403)


def test_staff_see_each_rule_and_what_it_deleted(app, build):
    _aged(build.user(confirmed=False), created_at=NOW - timedelta(days=40))
    _email(NOW - timedelta(days=100))
    staff = app.test_client()
    log_in(staff, build.staff().email, PASSWORD)
    before = staff.get("/staff/retention").text
    assert "have not run yet" in before
    with app.app_context():
        apply_retention(datetime.now(UTC))
        db.session.commit()
    page = staff.get("/staff/retention").text
    assert "30 days after sign-up" in page and "90 days after it was sent" in page
    assert "1 account, 0 draft applications" in page
    assert "1 email body" in page
