"""Reminders of what the Charter asks of each signatory: its annual pledge update and a social
value report every quarter. The timings live in reminders/schedule.py.

Each scan derives what is due from the database and today's UK date, so a scheduler that was
down catches up; it sends only the latest reminder of each kind that fell due (never a burst of
the ones it missed), to each member once: the outbox's idempotency key names the organisation,
the pledge year or quarter, the reminder and the member. Signatories are read in batches of
BATCH_SIZE by keyset (id > the last one seen), with their members and what was already queued
fetched once per batch, so memory stays flat however many there are. Services flush; the job
runner commits.
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, exists, or_, select

from charter_app.accounts.models import Membership, User
from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.pledges.models import PledgePeriod
from charter_app.reminders.schedule import (
    ANNUAL_UPDATE,
    QUARTER_DUE_SOON,
    QUARTER_OPENS,
    Reminder,
    latest_due,
)
from charter_app.reporting import emails
from charter_app.reporting.annual import LAPSES_AFTER_DAYS, due_on, lapses_on
from charter_app.reporting.models import AnnualUpdate, QuarterlyReport
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.timeutil import london_date

BATCH_SIZE = 500


def _batches(statement: Select) -> Iterator[list]:
    """The rows of `statement` (its first entity an Organisation), BATCH_SIZE at a time, in id
    order, each batch a fresh query after the last id seen."""
    last_id = 0
    while True:
        rows = db.session.execute(statement.where(Organisation.id > last_id)
                                  .order_by(Organisation.id).limit(BATCH_SIZE)).all()
        if rows:
            yield rows
        if len(rows) < BATCH_SIZE:
            return
        last_id = rows[-1][0].id


def _members_by_organisation(organisation_ids: list[int]) -> dict[int, list[User]]:
    """Every member (owner or not) of each organisation, in the order they joined."""
    members = defaultdict(list)
    for organisation_id, user in db.session.execute(
            select(Membership.organisation_id, User).join(User, Membership.user_id == User.id)
            .where(Membership.organisation_id.in_(organisation_ids)).order_by(Membership.id)):
        members[organisation_id].append(user)
    return members


def _already_queued(keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(db.session.scalars(select(OutboxMessage.idempotency_key)
                                  .where(OutboxMessage.idempotency_key.in_(keys))))


def _send_batch(wanted: list[tuple[str, object]]) -> int:
    """Queue each (key, send) whose key is not in the outbox yet; how many were queued."""
    queued = _already_queued([key for key, _ in wanted])
    for key, send in wanted:
        if key not in queued:
            send()
    return sum(key not in queued for key, _ in wanted)


# --- the annual pledge update ------------------------------------------------------------------


def annual_reminder_due(due: date, today: date) -> Reminder | None:
    """The latest annual-update reminder that fell due by today for an update due on `due`;
    none once the signatory is past the grace period (the lapse job's notice takes over)."""
    if today > due + timedelta(days=LAPSES_AFTER_DAYS):
        return None
    return latest_due(ANNUAL_UPDATE, due, today)


def remind_annual_updates(now: datetime) -> int:
    """Email each member of each approved signatory whose current pledge year's update is not
    in yet the latest reminder of it that fell due; how many emails were queued."""
    today = london_date(now)
    earliest = min(reminder.offset for reminder in ANNUAL_UPDATE)
    # Only years whose anniversary (ends_on + 1 day) has a reminder due and is not past the
    # grace period: a narrow window of rows, whatever the number of signatories.
    window = PledgePeriod.ends_on.between(today - timedelta(days=LAPSES_AFTER_DAYS + 1),
                                          today - earliest - timedelta(days=1))
    statement = (select(Organisation, PledgePeriod)
                 .join(PledgePeriod, Organisation.current_pledge_period_id == PledgePeriod.id)
                 .where(Organisation.status == ApplicationStatus.APPROVED, window,
                        ~exists().where(AnnualUpdate.pledge_period_id == PledgePeriod.id)))
    sent = 0
    for rows in _batches(statement):
        due_now = [(organisation, period, due_on(period)) for organisation, period in rows]
        due_now = [(organisation, period, due, reminder)
                   for organisation, period, due in due_now
                   if (reminder := annual_reminder_due(due, today)) is not None]
        if not due_now:
            continue
        members = _members_by_organisation([organisation.id for organisation, *_ in due_now])
        wanted = []
        for organisation, period, due, reminder in due_now:
            for member in members[organisation.id]:
                key = emails.annual_update_reminder_key(organisation.id, period.id,
                                                        reminder.key, member.id)
                wanted.append((key, _annual_sender(organisation, period, due, reminder.key,
                                                   today, member)))
        sent += _send_batch(wanted)
    return sent


def _annual_sender(organisation, period, due, key, today, member):
    return lambda: emails.annual_update_reminder(organisation, period, due, key, today,
                                                 lapses_on(due), member)


# --- quarterly self-reports --------------------------------------------------------------------

QUARTER_REMINDERS = (QUARTER_OPENS, QUARTER_DUE_SOON)


def _reminder_anchors(quarter: FinancialQuarter) -> tuple[date, date]:
    """Each quarter reminder's own anchor: the quarter's first day, the day its report is due."""
    return quarter.starts_on, quarter.due_on


def quarter_reminder_due(quarter: FinancialQuarter, today: date,
                         approved_on: date | None = None) -> Reminder | None:
    """The latest quarterly-report reminder that fell due by today (on or after the approval
    day: none is owed for a day the organisation was not yet a signatory); none once the report
    is due (a late or missing report is for the dashboard and staff)."""
    if today > quarter.due_on:
        return None
    latest = None
    for reminder, anchor in zip(QUARTER_REMINDERS, _reminder_anchors(quarter), strict=True):
        day = reminder.due_at(anchor)
        if day <= today and (approved_on is None or day >= approved_on):
            latest = reminder
    return latest


def quarters_to_remind(first: FinancialQuarter, today: date) -> list[FinancialQuarter]:
    """The quarters whose report can still be on time today, from the signatory's first: the
    one running and the one before (a report is due 30 days after its quarter ends)."""
    running = FinancialQuarter.containing(today)
    previous = FinancialQuarter.containing(running.starts_on - timedelta(days=1))
    return [quarter for quarter in (previous, running)
            if quarter >= first and today <= quarter.due_on]


def _submitted(organisation_ids: list[int], quarters: list[FinancialQuarter],
               ) -> set[tuple[int, FinancialQuarter]]:
    """(organisation id, quarter) for each submitted report among these."""
    if not quarters:
        return set()
    rows = db.session.execute(
        select(QuarterlyReport.organisation_id, QuarterlyReport.financial_year,
               QuarterlyReport.quarter)
        .where(QuarterlyReport.organisation_id.in_(organisation_ids),
               QuarterlyReport.submitted_revision_id.is_not(None),
               or_(*(and_(QuarterlyReport.financial_year == quarter.year,
                          QuarterlyReport.quarter == quarter.number) for quarter in quarters))))
    return {(organisation_id, FinancialQuarter(year, number))
            for organisation_id, year, number in rows}


def remind_quarterly_reports(now: datetime) -> int:
    """Email each member of each approved signatory, for each quarter it owes a report for and
    has not submitted, the latest reminder of it that fell due; how many emails were queued."""
    today = london_date(now)
    statement = select(Organisation).where(Organisation.status == ApplicationStatus.APPROVED,
                                           Organisation.approved_at.is_not(None))
    candidates = quarters_to_remind(FinancialQuarter(1, 1), today)
    sent = 0
    for rows in _batches(statement):
        organisations = [organisation for (organisation,) in rows]
        ids = [organisation.id for organisation in organisations]
        submitted = _submitted(ids, candidates)
        members = None
        wanted = []
        for organisation in organisations:
            approved_on = london_date(organisation.approved_at)
            for quarter in quarters_to_remind(FinancialQuarter.containing(approved_on), today):
                reminder = quarter_reminder_due(quarter, today, approved_on)
                if reminder is None or (organisation.id, quarter) in submitted:
                    continue
                members = members if members is not None else _members_by_organisation(ids)
                for member in members[organisation.id]:
                    key = emails.quarterly_report_reminder_key(organisation.id, quarter,
                                                               reminder.key, member.id)
                    wanted.append((key, _quarter_sender(organisation, quarter, reminder.key,
                                                        today, member)))
        sent += _send_batch(wanted)
    return sent


def _quarter_sender(organisation, quarter, key, today, member):
    return lambda: emails.quarterly_report_reminder(organisation, quarter, key, today, member)
