"""Reminders of the Charter's obligations, by time travel: the annual pledge update (30 and 7
days before the anniversary, on it, 14 days late) and each quarterly report (when its quarter
opens, 14 days before it is due). The jobs are called directly with `now`, one call per day, and
the outbox says what went to whom and when."""

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from charter_app.extensions import db
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.organisations.models import ApplicationStatus
from charter_app.reminders import schedule as reminders_schedule
from charter_app.reporting import annual
from charter_app.reporting import reminders as reporting_reminders
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reporting.tasks import (
    lapse_overdue_signatories,
    remind_annual_updates,
    remind_quarterly_reports,
)
from charter_app.timeutil import LONDON
from tests.builders import PASSWORD
from tests.conftest import counting_statements, log_in

S = ApplicationStatus
REMINDERS = {"annual_update_reminder", "quarterly_report_reminder"}
REMINDER_JOBS = (lapse_overdue_signatories, remind_annual_updates, remind_quarterly_reports)


def at_nine(day: date) -> datetime:
    """9am UK time that day (8am or 9am UTC, by the season)."""
    return datetime.combine(day, time(9), tzinfo=LONDON)


def days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@pytest.fixture
def signatory(build):
    def make(approved_on: date, status: str = S.APPROVED, **fields):
        owner = build.user()
        organisation = build.organisation(
            owner, status=status, approved_at=datetime.combine(approved_on, time(9), tzinfo=UTC),
            **fields)
        return organisation, owner
    return make


def outbox_after(last_id: int) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > last_id)
                                   .order_by(OutboxMessage.id)))


def last_id() -> int:
    return db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())
                             .limit(1)) or 0


def reminder_of(message: OutboxMessage) -> str:
    """'annual T-7' or '2027-28 Q1 due-14', from the idempotency key."""
    kind, _organisation, subject, *rest = message.idempotency_key.split(":")
    if kind == "annual-update":
        return f"annual {rest[0]}"
    year, quarter = subject.split("-q")
    return f"{year} Q{quarter} {rest[0]}"


def run_days(first: date, last: date, jobs=REMINDER_JOBS, moment=at_nine, on_day=None):
    """Run the jobs once a day and commit, as the scheduler does; (day, reminder, recipient)
    for each email queued."""
    sent, seen = [], last_id()
    for day in days(first, last):
        if on_day is not None:
            on_day(day)
        for job in jobs:
            job(moment(day))
        db.session.commit()
        queued = outbox_after(seen)
        seen = queued[-1].id if queued else seen
        sent += [(day, reminder_of(m), m.recipient) for m in queued if m.template in REMINDERS]
    return sent


# --- a whole year of days ----------------------------------------------------------------------

def test_a_year_of_days_sends_each_reminder_once_on_its_day(build, signatory):
    """Approved on 3 March 2027: the quarter it joined, every quarter after it, and its first
    anniversary, across both 2027 clock changes (28 March, 31 October), 29 February 2028 and
    the spring 2028 change (26 March). One report is sent on time: its due-soon reminder
    never goes."""
    organisation, owner = signatory(date(2027, 3, 3))

    def report_q2_early(day):
        if day == date(2027, 10, 5):
            build.report(organisation, FinancialQuarter(2027, 2), actor=owner, today=day)

    sent = run_days(date(2027, 3, 3), date(2028, 4, 30), on_day=report_q2_early)

    assert [(day, reminder) for day, reminder, _ in sent] == [
        # Approved in 2026-27 Q4, after it opened: only the reminder that its report is due.
        (date(2027, 4, 1), "2027-28 Q1 opens"),
        (date(2027, 4, 16), "2026-27 Q4 due-14"),
        (date(2027, 7, 1), "2027-28 Q2 opens"),
        (date(2027, 7, 16), "2027-28 Q1 due-14"),
        (date(2027, 10, 1), "2027-28 Q3 opens"),  # Q2's report came on 5 October
        (date(2028, 1, 1), "2027-28 Q4 opens"),
        (date(2028, 1, 16), "2027-28 Q3 due-14"),
        # 3 March 2028 less 30 days, across 29 February: 2 February.
        (date(2028, 2, 2), "annual T-30"),
        (date(2028, 2, 25), "annual T-7"),
        (date(2028, 3, 3), "annual T0"),
        (date(2028, 3, 17), "annual T+14"),
        (date(2028, 4, 1), "2028-29 Q1 opens"),
        (date(2028, 4, 16), "2027-28 Q4 due-14"),
    ]
    assert {recipient for _, _, recipient in sent} == {owner.email}
    assert db.session.get(type(organisation), organisation.id).status == S.APPROVED


def test_the_uk_date_decides_the_day_not_utc(signatory):
    """Midnight in London in summer is 11pm UTC the day before: the reminder due on 16 July
    goes from midnight UK time."""
    signatory(date(2027, 3, 3))
    # 11:59pm on 15 July in London: the first run catches up with the quarters open (Q1, Q2).
    assert remind_quarterly_reports(datetime(2027, 7, 15, 22, 59, tzinfo=UTC)) == 2
    db.session.commit()
    caught_up = last_id()
    assert remind_quarterly_reports(datetime(2027, 7, 15, 22, 59, tzinfo=UTC)) == 0
    assert remind_quarterly_reports(datetime(2027, 7, 15, 23, 0, tzinfo=UTC)) == 1  # 16 July
    [message] = outbox_after(caught_up)
    assert reminder_of(message) == "2027-28 Q1 due-14"


def test_an_anniversary_on_29_february(signatory):
    """Approved on 29 February 2024: in 2025 the pledge year ends on 27 February and the update
    is due on 28 February."""
    organisation, _ = signatory(date(2024, 2, 29))
    period = organisation.current_pledge_period
    assert (period.starts_on, period.ends_on) == (date(2024, 2, 29), date(2025, 2, 27))
    assert annual.due_on(period) == date(2025, 2, 28)

    sent = run_days(date(2025, 1, 1), date(2025, 4, 30), jobs=(remind_annual_updates,))
    assert [(day, reminder) for day, reminder, _ in sent] == [
        (date(2025, 1, 29), "annual T-30"),
        (date(2025, 2, 21), "annual T-7"),
        (date(2025, 2, 28), "annual T0"),
        (date(2025, 3, 14), "annual T+14"),
    ]


# --- catching up, idempotency, stopping ----------------------------------------------------------

def test_a_scheduler_down_across_two_reminder_dates_sends_only_the_latest(signatory):
    organisation, owner = signatory(date(2027, 3, 3))  # update due 3 March 2028
    # Last run in January; back on 27 February, after the T-30 and T-7 reminder dates.
    assert remind_annual_updates(at_nine(date(2028, 1, 20))) == 0
    assert remind_annual_updates(at_nine(date(2028, 2, 27))) == 1
    db.session.commit()
    [message] = outbox_after(0)
    assert reminder_of(message) == "annual T-7"
    assert message.subject == f"Annual update for {organisation.name}: due in 5 days"
    # Quarterly: last run on 31 March 2027, back on 20 July, after Q1 opened (1 April) and
    # was due soon (16 July), and after Q2 opened (1 July): the latest of each quarter.
    assert remind_quarterly_reports(at_nine(date(2027, 3, 31))) == 0
    assert remind_quarterly_reports(at_nine(date(2027, 7, 20))) == 2
    db.session.commit()
    assert sorted(reminder_of(m) for m in outbox_after(message.id)) == [
        "2027-28 Q1 due-14", "2027-28 Q2 opens"]


def test_running_a_job_twice_for_one_time_sends_nothing_new(build, signatory):
    organisation, owner = signatory(date(2027, 3, 3))
    build.member(organisation, build.user())
    now = at_nine(date(2028, 4, 16))  # Q4 due soon, Q1 open, the update 44 days late
    first = (remind_annual_updates(now), remind_quarterly_reports(now))
    db.session.commit()
    assert first == (2, 4)
    count = last_id()
    assert (remind_annual_updates(now), remind_quarterly_reports(now)) == (0, 0)
    db.session.commit()
    assert last_id() == count


def test_no_reminder_once_the_update_or_report_is_submitted(build, signatory):
    organisation, owner = signatory(date(2027, 3, 3))
    draft_only, other_owner = signatory(date(2027, 3, 3))

    def submit(day):
        if day == date(2028, 2, 26):  # after the T-7 reminder
            period = organisation.current_pledge_period
            annual.submit_annual_update(organisation, annual.UpdateInput(
                period.id, {theme: "We did it." for theme in annual.themes_of(period)},
                {build.measure("CDP-JOB-03").id: Decimal(60)}), owner, day)
        if day == date(2028, 1, 10):  # Q3 of 2027-28, one submitted and one left a draft
            build.report(organisation, FinancialQuarter(2027, 3), actor=owner, today=day)
            build.report(draft_only, FinancialQuarter(2027, 3), actor=other_owner, today=day,
                         submit=False)

    # The first run catches up with the two quarters open for reporting.
    sent = run_days(date(2028, 1, 2), date(2028, 4, 10), on_day=submit)
    mine = [(day, reminder) for day, reminder, to in sent if to == owner.email]
    assert mine == [(date(2028, 1, 2), "2027-28 Q3 opens"), (date(2028, 1, 2), "2027-28 Q4 opens"),
                    (date(2028, 2, 2), "annual T-30"), (date(2028, 2, 25), "annual T-7"),
                    (date(2028, 4, 1), "2028-29 Q1 opens")]
    theirs = [(day, reminder) for day, reminder, to in sent if to == other_owner.email]
    assert (date(2028, 1, 16), "2027-28 Q3 due-14") in theirs  # a draft is not a report
    assert (date(2028, 3, 17), "annual T+14") in theirs


def test_each_member_gets_one_and_only_approved_signatories_are_reminded(build, signatory):
    organisation, owner = signatory(date(2027, 3, 3))
    colleagues = [build.user() for _ in range(2)]
    for colleague in colleagues:
        build.member(organisation, colleague)
    # The same person in a second organisation gets that one's reminder too.
    other, other_owner = signatory(date(2027, 3, 3))
    build.member(other, colleagues[0])
    for status in (S.SUSPENDED, S.LAPSED, S.WITHDRAWN):
        signatory(date(2027, 3, 3), status=status, slug=f"not-approved-{status}")

    sent = run_days(date(2028, 2, 2), date(2028, 2, 2), jobs=(remind_annual_updates,))
    assert sorted(to for _, _, to in sent) == sorted(
        [owner.email, *(c.email for c in colleagues), other_owner.email, colleagues[0].email])
    keys = [m.idempotency_key for m in outbox_after(0)]
    assert len(set(keys)) == len(keys) == 5
    member = colleagues[0]
    assert (f"annual-update:{organisation.id}:{organisation.current_pledge_period_id}:T-30:"
            f"{member.id}") in keys


def test_no_annual_reminder_more_than_60_days_after_the_anniversary(signatory):
    """Left approved (the lapse job not run): day 60 catches up with the 14-days-late reminder;
    from day 61 the lapse notice is the only word."""
    organisation, _ = signatory(date(2027, 3, 3))
    anniversary = date(2028, 3, 3)
    assert remind_annual_updates(at_nine(anniversary + timedelta(days=61))) == 0
    assert remind_annual_updates(at_nine(anniversary + timedelta(days=60))) == 1
    [message] = outbox_after(0)
    assert reminder_of(message) == "annual T+14"
    assert message.subject == f"Annual update for {organisation.name}: 60 days late"


def test_no_quarterly_reminder_after_the_report_is_due(signatory):
    """A scheduler first back the day after Q1's report was due: late reports are for the
    dashboard and staff; the quarter running gets its reminder."""
    signatory(date(2027, 3, 3))
    assert remind_quarterly_reports(at_nine(date(2027, 7, 31))) == 1
    [message] = outbox_after(0)
    assert reminder_of(message) == "2027-28 Q2 opens"


def test_run_jobs_emails_the_reminders_with_what_is_due_and_by_when(app, signatory, smtp):
    organisation, owner = signatory(date(2027, 3, 3))
    result = app.test_cli_runner().invoke(
        args=["charter", "run-jobs", "--now", "2028-02-25T09:00:00+00:00"])
    assert result.exit_code == 0, result.output
    assert "remind_annual_updates: 1" in result.output
    # A first run catches up: 2027-28 Q4 has been open since 1 January.
    assert "remind_quarterly_reports: 1" in result.output
    [message] = [m for m in smtp.wait_for(2) if m["Subject"].startswith("Annual update")]
    assert message["To"] == owner.email
    assert message["Subject"] == f"Annual update for {organisation.name}: due in 7 days"
    text = smtp.text(message)
    assert "is due on 3 March 2028, in 7 days" in text
    assert "If we do not have it by 2 May 2028" in text
    assert "becomes a lapsed signatory of the Charter on 3 May 2028" in text
    assert f"/organisations/{organisation.id}/annual-update" in text
    assert "whatever your email preferences" in text
    queued = outbox_after(0)
    assert {m.category for m in queued} == {EmailCategory.SERVICE}
    assert {m.unsubscribe_url for m in queued} == {None}


def test_the_scan_reads_signatories_in_batches_with_a_fixed_number_of_statements_each(
        app, build, signatory, monkeypatch):
    """Five signatories read two at a time: every one reminded, the members and what is
    already queued fetched once per batch, whatever the batch holds."""
    monkeypatch.setattr(reporting_reminders, "BATCH_SIZE", 2)
    owners = [signatory(date(2027, 3, 3))[1] for _ in range(5)]
    signatory(date(2027, 3, 3), status=S.SUSPENDED, slug="suspended-between")
    now = at_nine(date(2028, 2, 2))  # T-30 for all five; 2027-28 Q4 open for all five
    with counting_statements(app) as statements:
        assert remind_annual_updates(now) == 5
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    # Per batch (3 of them): the signatories, their members, the keys already queued; then
    # per email queued, the outbox's own check of its key, the insert and the row read back.
    assert (len(selects), len(inserts)) == (3 * 3 + 2 * 5, 5)
    db.session.commit()
    assert sorted(m.recipient for m in outbox_after(0)) == sorted(o.email for o in owners)
    with counting_statements(app) as statements:
        assert remind_annual_updates(now) == 0  # nothing new: 3 statements a batch, no more
    assert len(statements) == 3 * 3


# --- the staff page of every timing ------------------------------------------------------------

def test_staff_read_every_reminder_timing_in_words_from_the_staff_home(app, build, monkeypatch):
    staff = build.staff()
    client = app.test_client()
    log_in(client, staff.email, PASSWORD)
    home = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/reminders"' in home

    page = client.get("/staff/reminders")
    assert page.status_code == 200
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True))).split())
    assert "When reminders are sent" in text
    for said in ("30 days before the anniversary (the update opens)",
                 "7 days before the anniversary", "On the anniversary",
                 "14 days after the anniversary (overdue)",
                 "More than 60 days after the anniversary (on day 61) The signatory is marked "
                 "as lapsed",
                 "On the quarter's first day", "14 days before the report is due",
                 "30 days after the quarter ends The report is due",
                 "60 days after the quarter ends A report not yet sent counts as missing",
                 "7 days before the event", "1 day before the event",
                 "1 hour before a webinar starts The link to join the webinar",
                 "Every Monday at 8am UK time"):
        assert said in text, said
    # The page reads the one place the jobs read: change a timing there, and the page says so.
    monkeypatch.setattr(reminders_schedule, "STAFF_DIGEST_HOUR", 14)
    assert "Every Monday at 2pm UK time" in client.get("/staff/reminders").get_data(as_text=True)
