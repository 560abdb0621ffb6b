"""Reminders before an event, by time travel: the job is called with `now` hour by hour across
the fortnight before an event, and the outbox shows exactly which reminder went to whom and
when. Reminder moments are exact offsets from the start (168 hours, 24 hours, 1 hour), so
across a clock change the 7-day reminder comes at a different UK clock time from the event."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from charter_app.events import registrations, tasks
from charter_app.events.models import Registration
from charter_app.events.tickets import checkin_code
from charter_app.extensions import db
from charter_app.notifications.models import EmailCategory, OutboxMessage
from tests.conftest import counting_statements

REMINDER_TEMPLATES = ("event_reminder", "event_join_link")
JOIN_URL = "https://meet.example.com/abc"


def event_at(build, starts_at: datetime, **changes):
    """A published event starting at `starts_at` (past or future: the jobs take `now`), open
    for registration from 30 days before until an hour before."""
    changes.setdefault("capacity", 30)
    return build.event(starts_in=starts_at - datetime.now(UTC),
                       registration_opens_at=starts_at - timedelta(days=30),
                       registration_closes_at=starts_at - timedelta(hours=1), **changes)


def register(build, event, who: str, at: datetime) -> Registration:
    return build.registration(event, name=who.capitalize(), email=f"{who}@example.org", now=at)


def reminders() -> dict[str, OutboxMessage]:
    return {message.idempotency_key: message for message in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template.in_(REMINDER_TEMPLATES)))}


def sweep(start: datetime, end: datetime, step: timedelta = timedelta(hours=1),
          ) -> dict[str, datetime]:
    """Run the job at every step from start to end; when each reminder was first queued."""
    seen: dict[str, datetime] = {}
    now = start
    while now <= end:
        tasks.remind_attendees(now)
        db.session.commit()
        for key in set(reminders()) - set(seen):
            seen[key] = now
        now += step
    return seen


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_across_the_fortnight_before_an_event_after_the_clock_change(build):
    # 26 October 2026, 10am UK time: the clocks went back on the 25th, so this is 10:00 UTC.
    starts_at = utc(2026, 10, 26, 10)
    event = event_at(build, starts_at, capacity=2)
    early = register(build, event, "early", utc(2026, 9, 30, 9))
    late = register(build, event, "late", utc(2026, 10, 24, 9))  # two days before
    waiting = register(build, event, "waiting", utc(2026, 10, 1, 9))
    assert waiting.is_waiting

    seen = sweep(starts_at - timedelta(days=14), starts_at + timedelta(hours=6))

    assert seen == {
        # 168 hours before: 10:00 UTC, which was 11am British Summer Time on the 19th.
        f"event-reminder:{early.id}:T-7d": utc(2026, 10, 19, 10),
        f"event-reminder:{early.id}:T-1d": utc(2026, 10, 25, 10),
        # Registered after the 7-day reminder's time: the 1-day one only, never the other late.
        f"event-reminder:{late.id}:T-1d": utc(2026, 10, 25, 10),
    }
    messages = reminders()
    assert {message.recipient for message in messages.values()} == {
        "early@example.org", "late@example.org"}
    reminder = messages[f"event-reminder:{early.id}:T-1d"]
    assert reminder.category == EmailCategory.SERVICE
    assert reminder.subject == f"Reminder: {event.title} on Monday 26 October 2026"
    assert "When: Monday 26 October 2026, 10am to 1pm (UK time)" in reminder.body_text
    assert "Where: Durham Town Hall, Market Place, Durham DH1 3NJ" in reminder.body_text
    assert f"Your check-in code is {checkin_code(early.id)}" in reminder.body_text
    assert "/events/mine" in reminder.body_text  # where to cancel, so someone waiting gets it
    assert JOIN_URL not in reminder.body_text


def test_a_webinar_join_link_goes_an_hour_before_to_those_with_a_place_only(build):
    starts_at = utc(2026, 11, 12, 14)  # 2pm UK time (GMT)
    webinar = event_at(build, starts_at, kind="webinar", capacity=1)
    attendee = register(build, webinar, "attendee", utc(2026, 10, 20, 9))
    waiting = register(build, webinar, "waiting", utc(2026, 10, 21, 9))
    # A place given up gets nothing more.
    quitter = register(build, event_at(build, starts_at, kind="webinar"), "quitter",
                       utc(2026, 10, 20, 9))
    registrations.cancel_registration(quitter.id, now=utc(2026, 10, 22, 9))
    db.session.commit()

    seen = sweep(starts_at - timedelta(days=14), starts_at + timedelta(hours=2))

    assert seen == {
        f"event-reminder:{attendee.id}:T-7d": utc(2026, 11, 5, 14),
        f"event-reminder:{attendee.id}:T-1d": utc(2026, 11, 11, 14),
        f"event-join-link:{attendee.id}": utc(2026, 11, 12, 13),
    }
    join = reminders()[f"event-join-link:{attendee.id}"]
    assert join.subject == f"Join link: {webinar.title} starts at 2pm"
    assert f"Join online: {JOIN_URL}" in join.body_text
    assert join.category == EmailCategory.SERVICE
    assert f"Join online: {JOIN_URL}" in reminders()[
        f"event-reminder:{attendee.id}:T-1d"].body_text
    # Nothing the waiting list was ever sent holds the link (its confirmation included).
    sent = list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == waiting.attendee_email)))
    assert [m.template for m in sent] == ["event_waiting_list"]
    assert all(JOIN_URL not in m.body_text + m.body_html for m in sent)


def test_someone_given_a_place_late_gets_only_what_falls_due_after(build):
    starts_at = utc(2026, 11, 20, 10)
    webinar = event_at(build, starts_at, kind="webinar", capacity=1)
    first = register(build, webinar, "first", utc(2026, 11, 1, 9))
    promoted = register(build, webinar, "promoted", utc(2026, 11, 2, 9))
    # A place comes free 90 minutes before: the next in line has it (and its join link in the
    # "a place came free" email), so the 1-day reminder is not sent late; the join link is.
    registrations.cancel_registration(first.id, now=starts_at - timedelta(minutes=90))
    db.session.commit()
    assert promoted.is_confirmed

    seen = sweep(starts_at - timedelta(hours=3), starts_at, timedelta(minutes=15))

    assert seen == {f"event-join-link:{promoted.id}": starts_at - timedelta(hours=1)}


def test_after_downtime_only_the_latest_reminder_is_sent(build):
    starts_at = utc(2026, 12, 3, 18, 30)
    meeting = event_at(build, starts_at)
    webinar = event_at(build, starts_at, kind="webinar")
    in_person = register(build, meeting, "in.person", utc(2026, 11, 10, 9))
    online = register(build, webinar, "online", utc(2026, 11, 10, 9))

    # The scheduler was down from ten days before until 30 minutes before the start.
    assert tasks.remind_attendees(starts_at - timedelta(days=10)) == 0
    assert tasks.remind_attendees(starts_at - timedelta(minutes=30)) == 3
    db.session.commit()

    assert set(reminders()) == {f"event-reminder:{in_person.id}:T-1d",
                                f"event-reminder:{online.id}:T-1d",
                                f"event-join-link:{online.id}"}


def test_nothing_once_the_event_has_started_nor_for_drafts_or_cancelled_events(build):
    from charter_app.events import services

    starts_at = utc(2026, 12, 10, 10)
    started = event_at(build, starts_at)
    register(build, started, "too.late", utc(2026, 11, 20, 9))
    cancelled = event_at(build, starts_at + timedelta(days=1))
    register(build, cancelled, "cancelled", utc(2026, 11, 20, 9))
    services.cancel_event(cancelled.id, "The venue flooded.", by=None,
                          now=utc(2026, 11, 21, 9))
    draft = event_at(build, starts_at + timedelta(days=1), publish=False)
    db.session.commit()

    # Down from a fortnight before until a minute after the start.
    assert tasks.remind_attendees(starts_at + timedelta(minutes=1)) == 0
    assert tasks.remind_attendees(starts_at + timedelta(hours=20)) == 0
    db.session.commit()
    assert reminders() == {}
    assert draft.status == "draft"


def test_running_twice_sends_nothing_new(build):
    starts_at = utc(2026, 12, 15, 10)
    event = event_at(build, starts_at, kind="webinar")
    for number in range(3):
        register(build, event, f"person{number}", utc(2026, 11, 20, 9))
    now = starts_at - timedelta(minutes=45)

    assert tasks.remind_attendees(now) == 6  # the 1-day reminder and the join link, each
    db.session.commit()
    assert tasks.remind_attendees(now) == 0
    assert tasks.remind_attendees(now + timedelta(minutes=10)) == 0
    db.session.commit()
    assert len(reminders()) == 6


def test_the_scan_reads_in_batches_with_no_statement_per_attendee(app, build, monkeypatch):
    monkeypatch.setattr(tasks, "REMINDER_BATCH_SIZE", 2)
    starts_at = utc(2026, 12, 20, 10)
    event = event_at(build, starts_at, capacity=50)
    people = [register(build, event, f"batch{number}", utc(2026, 11, 25, 9))
              for number in range(5)]
    now = starts_at - timedelta(days=2)

    assert tasks.remind_attendees(now) == 5
    db.session.commit()
    assert set(reminders()) == {f"event-reminder:{p.id}:T-7d" for p in people}
    # A second run: three batches (2, 2, 1), each one key lookup, and the empty end.
    with counting_statements(app) as statements:
        assert tasks.remind_attendees(now) == 0
    assert len(statements) == 3 * 2 + 1


@pytest.mark.parametrize("kind", ["meet_the_buyer", "webinar"])
def test_reminders_arrive_by_smtp_with_links_from_base_url(app, build, smtp, kind):
    starts_at = utc(2026, 12, 28, 10)
    event = event_at(build, starts_at, kind=kind)
    person = register(build, event, "arrives", utc(2026, 12, 1, 9))
    smtp.wait_for(1)  # the confirmation

    tasks.remind_attendees(starts_at - timedelta(days=6))
    db.session.commit()

    [reminder] = [m for m in smtp.wait_for(2) if m["Subject"].startswith("Reminder:")]
    assert reminder["To"] == person.attendee_email
    base = app.config["BASE_URL"].rstrip("/")
    assert all(link.startswith((base, JOIN_URL)) for link in smtp.links(reminder))
    text = smtp.text(reminder)
    assert ("Join online" in text) == (kind == "webinar")
    assert ("check-in code" in text) == (kind != "webinar")
