"""The weekly staff digest, by time travel: the job is called with `now`, and the outbox shows
who got which week's digest and what it said."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from charter_app.extensions import db
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.organisations.models import ApplicationStatus
from charter_app.staff import tasks
from tests.conftest import counting_statements

# Monday 30 November 2026, 8am UK time (GMT): the digest moment of ISO week 2026-W49.
MONDAY_8AM = datetime(2026, 11, 30, 8, tzinfo=UTC)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def event_at(build, starts_at: datetime, **changes):
    return build.event(starts_in=starts_at - datetime.now(UTC),
                       registration_opens_at=starts_at - timedelta(days=60),
                       registration_closes_at=starts_at - timedelta(hours=1), **changes)


def digests() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "staff_digest").order_by(OutboxMessage.id)))


def test_the_digest_says_what_waits_for_staff(app, build, smtp):
    staff = build.staff("jo.bell@businessdurham.example")
    # Submitted on Monday 9 November: 15 working days waiting on the 30th, 5 past the promise.
    build.organisation(status=ApplicationStatus.SUBMITTED, name="Slow Review Ltd",
                       submitted_at=utc(2026, 11, 9, 10))
    build.organisation(status=ApplicationStatus.SUBMITTED, name="Fresh Application Ltd",
                       submitted_at=utc(2026, 11, 27, 10))
    owner = build.user()
    build.report(build.organisation(owner, status=ApplicationStatus.APPROVED), actor=owner)
    # Its pledge year ended on 31 October: the update was due on 1 November.
    build.organisation(status=ApplicationStatus.APPROVED, name="Overdue Ltd",
                       approved_at=utc(2025, 11, 1, 12))
    build.organisation(status=ApplicationStatus.LAPSED, name="Lapsed Ltd")
    roomy = event_at(build, utc(2026, 12, 10, 10), capacity=3, title="Roomy workshop")
    build.registration(roomy, now=utc(2026, 11, 20, 9))
    full = event_at(build, utc(2026, 12, 3, 10), capacity=1, title="Full webinar",
                    kind="webinar")
    build.registration(full, now=utc(2026, 11, 20, 9))
    build.registration(full, now=utc(2026, 11, 21, 9))

    assert tasks.send_staff_digest(MONDAY_8AM) == 1
    db.session.commit()

    [message] = digests()
    assert message.recipient == staff.email
    assert message.category == EmailCategory.OPTIONAL
    assert message.idempotency_key == f"staff-digest:2026-W49:{staff.id}"
    assert message.subject == "Staff digest for the week of 30 November 2026"
    text = message.body_text
    assert "APPLICATIONS WAITING FOR REVIEW: 2" in text
    assert ("- Slow Review Ltd: waiting 15 working days, OVERDUE by 5 working days "
            "(due by 23 November 2026)") in text
    assert "- Fresh Application Ltd: waiting 1 working day (due by 11 December 2026)" in text
    assert text.index("Slow Review Ltd") < text.index("Fresh Application Ltd")  # oldest first
    assert "REPORTS WAITING TO BE CHECKED: 1" in text
    assert "/staff/reports?status=submitted" in text
    assert "Annual update overdue: 1" in text
    assert "Lapsed: 1" in text
    assert "/staff/organisations?status=lapsed" in text
    assert "- Full webinar: Thursday 3 December 2026, 10am to 1pm\n  Full, 1 on the waiting list"\
        in text
    assert "- Roomy workshop: Thursday 10 December 2026, 10am to 1pm\n  2 places left of 3" \
        in text
    assert text.index("Full webinar") < text.index("Roomy workshop")  # soonest first
    assert "turn it off in your email settings" in text

    [received] = [m for m in smtp.wait_for(1) if m["To"] == staff.email]
    base = app.config["BASE_URL"].rstrip("/")
    links = smtp.links(received)
    assert len(links) >= 8 and all(link.startswith(base + "/") for link in links), links


def test_only_active_staff_who_want_it(build):
    wanted = build.staff()
    build.staff().wants_staff_digest = False
    build.admin().deactivated_at = utc(2026, 11, 1, 9)
    build.user()  # not staff
    build.user(staff=True, confirmed=False)  # invited, has not accepted yet
    db.session.commit()

    assert tasks.send_staff_digest(MONDAY_8AM) == 1
    db.session.commit()
    assert [m.recipient for m in digests()] == [wanted.email]


def test_once_a_week_at_the_first_run_from_monday_8am_uk_time(build):
    staff = build.staff()
    sent = {}
    now = utc(2026, 11, 30, 0)  # Monday of week 49, before 8am
    while now <= utc(2026, 12, 15, 0):
        tasks.send_staff_digest(now)
        db.session.commit()
        for message in digests():
            sent.setdefault(message.idempotency_key, now)
        now += timedelta(minutes=30)

    assert sent == {f"staff-digest:2026-W49:{staff.id}": utc(2026, 11, 30, 8),
                    f"staff-digest:2026-W50:{staff.id}": utc(2026, 12, 7, 8),
                    f"staff-digest:2026-W51:{staff.id}": utc(2026, 12, 14, 8)}


def test_in_summer_8am_uk_time_is_7am_utc():
    assert tasks.digest_week(utc(2026, 7, 6, 6, 59)) is None
    week = tasks.digest_week(utc(2026, 7, 6, 7))
    assert week.label == "2026-W28" and week.starts_on.isoformat() == "2026-07-06"
    # The Sunday after still belongs to that week; an ISO year can start in December.
    assert tasks.digest_week(utc(2026, 7, 12, 22, 59)).label == "2026-W28"
    assert tasks.digest_week(utc(2025, 12, 29, 8)).label == "2026-W01"


def test_after_downtime_only_this_weeks_digest_is_sent(build):
    staff = build.staff()
    # A run on the Saturday of week 48 sends that week's (late in its week, not missed); then
    # down until the Wednesday of week 50: week 49's is never sent, week 50's is.
    assert tasks.send_staff_digest(utc(2026, 11, 28, 9)) == 1
    assert tasks.send_staff_digest(utc(2026, 12, 9, 15)) == 1
    db.session.commit()
    assert [m.idempotency_key for m in digests()] == [f"staff-digest:2026-W48:{staff.id}",
                                                      f"staff-digest:2026-W50:{staff.id}"]
    # Back early on a Monday, before 8am: last week's is not sent late, this week's not early.
    assert tasks.send_staff_digest(utc(2026, 12, 21, 7, 59)) == 0


def test_running_twice_sends_nothing_new(build):
    build.staff()
    build.staff()
    assert tasks.send_staff_digest(MONDAY_8AM) == 2
    db.session.commit()
    assert tasks.send_staff_digest(MONDAY_8AM) == 0
    assert tasks.send_staff_digest(MONDAY_8AM + timedelta(days=3)) == 0
    db.session.commit()
    assert len(digests()) == 2


def _statements_for_one_digest(app, week_offset: int) -> list[str]:
    with counting_statements(app) as statements:
        assert tasks.send_staff_digest(MONDAY_8AM + timedelta(weeks=week_offset)) == 1
    db.session.commit()
    return statements


def test_what_the_digest_reads_takes_the_same_statements_however_much_waits(app, build):
    build.staff()

    def add_work(count: int, start: int):
        for number in range(start, start + count):
            build.organisation(status=ApplicationStatus.SUBMITTED,
                               submitted_at=utc(2026, 11, 2, 10) + timedelta(hours=number))
            build.organisation(status=ApplicationStatus.LAPSED)
            event = event_at(build, utc(2027, 1, 5, 10) + timedelta(days=number), capacity=2)
            build.registration(event, now=utc(2026, 12, 10, 9))

    add_work(1, 0)
    few = _statements_for_one_digest(app, 0)
    add_work(8, 1)
    many = _statements_for_one_digest(app, 1)

    assert len(few) == len(many), "\n---\n".join(many)
    assert "W50" in digests()[-1].idempotency_key
    assert "APPLICATIONS WAITING FOR REVIEW: 9" in digests()[-1].body_text
    assert digests()[-1].body_text.count("1 place left of 2") == tasks.EVENTS_LISTED
