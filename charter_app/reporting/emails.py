"""Emails about social value reports: one function each, owning its template pair
(email_templates/<name>.txt and .html), its subject, its idempotency-key scheme and category.

Names are cleaned to one line, and cut short in subjects, so a name with line breaks or 160
characters can neither break a header nor overflow the subject's column.
"""

from datetime import date, timedelta

from charter_app.accounts.models import User
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.notifications.outbox import queue_email, single_line
from charter_app.organisations.models import ApplicationStatus, Organisation, StatusChange
from charter_app.pledges.catalogue import target_with_unit
from charter_app.pledges.models import PledgePeriod
from charter_app.presentation import uk_date
from charter_app.reporting.models import AnnualUpdate, QuarterlyReport, ReportCheck
from charter_app.reporting.quarters import MISSING_AFTER_DAYS, FinancialQuarter
from charter_app.urls import external_url

SERVICE = EmailCategory.SERVICE
NAME_IN_SUBJECT = 80


def report_page_url(report: QuarterlyReport) -> str:
    """The organisation's own page for a quarter's report, on BASE_URL (works without a request)."""
    quarter = report.financial_quarter
    return external_url("reporting.report", organisation_id=report.organisation_id,
                        financial_year=quarter.financial_year, number=quarter.number)


# --- Staff checks of quarterly reports (reporting/checks.py) ---------------------------------


def report_queried(report: QuarterlyReport, check: ReportCheck, member: User) -> OutboxMessage:
    """Staff queried a report: each member gets the question and a link to the report, which
    they answer by correcting it. One email per member per query."""
    name = single_line(report.organisation.name)
    quarter = report.financial_quarter
    return queue_email(
        template="report_queried",
        subject=(f"A question about the {quarter.label} social value report for "
                 f"{single_line(name, NAME_IN_SUBJECT)}"),
        recipient=member.email,
        idempotency_key=f"report-queried:{report.id}:{check.id}:{member.id}",
        category=SERVICE,
        organisation_name=name,
        quarter_label=quarter.label,
        revision_number=check.revision.number,
        message=check.message,
        report_url=report_page_url(report),
    )


# --- the annual pledge update and lapsing (reporting/annual.py) ------------------------------


def _annual_update_url(organisation: Organisation) -> str:
    return external_url("reporting_annual.annual_update", organisation_id=organisation.id)


def annual_update_received(organisation: Organisation, update: AnnualUpdate,
                           change: StatusChange, member: User) -> OutboxMessage:
    """To each member: the update is in, the next pledge year's dates and pledges."""
    name = single_line(organisation.name)
    reviewed, started = update.pledge_period, update.next_period
    return queue_email(
        template="annual_update_received",
        subject=f"Annual update received for {single_line(name, NAME_IN_SUBJECT)}",
        recipient=member.email,
        idempotency_key=f"annual-update-received:{organisation.id}:{update.id}:{member.id}",
        category=SERVICE,
        organisation_name=name,
        reviewed_from=uk_date(reviewed.starts_on),
        reviewed_to=uk_date(reviewed.ends_on),
        next_from=uk_date(started.starts_on),
        next_to=uk_date(started.ends_on),
        next_due=uk_date(started.ends_on + timedelta(days=1)),
        pledges=[f"{pledge.measure.name}: {target_with_unit(pledge.target, pledge.measure.unit)}"
                 for pledge in started.pledges],
        approved_again=change.from_status == ApplicationStatus.LAPSED,
        update_url=_annual_update_url(organisation),
    )


def signatory_lapsed(organisation: Organisation, change: StatusChange, due_on: date,
                     grace_days: int, member: User) -> OutboxMessage:
    """To each member: the update is long overdue, so the signatory is marked as lapsed."""
    name = single_line(organisation.name)
    return queue_email(
        template="signatory_lapsed",
        subject=f"{single_line(name, NAME_IN_SUBJECT)} is now a lapsed signatory",
        recipient=member.email,
        idempotency_key=f"signatory-lapsed:{organisation.id}:{change.id}:{member.id}",
        category=SERVICE,
        organisation_name=name,
        due_on=uk_date(due_on),
        grace_days=grace_days,
        update_url=_annual_update_url(organisation),
    )


# --- end of the annual update's emails -------------------------------------------------------


# --- reminders of what the Charter asks (reporting/reminders.py) -----------------------------


def days_in_words(due_on: date, today: date) -> str:
    """How far off a due day is, from the day the reminder is written: "in 7 days", "today",
    "1 day late"."""
    days = (due_on - today).days
    if days == 0:
        return "today"
    if days > 0:
        return f"in {days} {'day' if days == 1 else 'days'}"
    return f"{-days} {'day' if days == -1 else 'days'} late"


def annual_update_reminder_key(organisation_id: int, period_id: int, reminder_key: str,
                               member_id: int) -> str:
    return f"annual-update:{organisation_id}:{period_id}:{reminder_key}:{member_id}"


def quarterly_report_reminder_key(organisation_id: int, quarter: FinancialQuarter,
                                  reminder_key: str, member_id: int) -> str:
    return (f"quarterly-report:{organisation_id}:{quarter.financial_year}-q{quarter.number}:"
            f"{reminder_key}:{member_id}")


def annual_update_reminder(organisation: Organisation, period: PledgePeriod, due_on: date,
                           reminder_key: str, today: date, lapses_on: date,
                           member: User) -> OutboxMessage:
    """To each member: the annual update is open, due soon, due today or overdue (one email per
    reminder timing, member and pledge year). A Charter obligation, so it always arrives."""
    name = single_line(organisation.name)
    when = days_in_words(due_on, today)
    return queue_email(
        template="annual_update_reminder",
        subject=(f"Annual update for {single_line(name, NAME_IN_SUBJECT)}: "
                 + (f"due {when}" if due_on >= today else when)),
        recipient=member.email,
        idempotency_key=annual_update_reminder_key(organisation.id, period.id, reminder_key,
                                                   member.id),
        category=SERVICE,
        organisation_name=name,
        due_on=uk_date(due_on),
        when=when,
        late=due_on < today,
        year_from=uk_date(period.starts_on),
        year_to=uk_date(period.ends_on),
        last_day=uk_date(lapses_on - timedelta(days=1)),
        lapses_on=uk_date(lapses_on),
        update_url=_annual_update_url(organisation),
    )


def quarterly_report_reminder(organisation: Organisation, quarter: FinancialQuarter,
                              reminder_key: str, today: date, member: User) -> OutboxMessage:
    """To each member: a quarter is open for reporting, or its report is due soon (one email
    per reminder timing, member and quarter). A Charter obligation, so it always arrives."""
    name = single_line(organisation.name)
    when = days_in_words(quarter.due_on, today)
    return queue_email(
        template="quarterly_report_reminder",
        subject=(f"{quarter.label} social value report for "
                 f"{single_line(name, NAME_IN_SUBJECT)}: due {when}"),
        recipient=member.email,
        idempotency_key=quarterly_report_reminder_key(organisation.id, quarter, reminder_key,
                                                      member.id),
        category=SERVICE,
        organisation_name=name,
        quarter_label=quarter.label,
        quarter_from=uk_date(quarter.starts_on),
        quarter_to=uk_date(quarter.ends_on),
        quarter_ended=quarter.ends_on < today,
        due_on=uk_date(quarter.due_on),
        when=when,
        missing_from=uk_date(quarter.missing_from),
        missing_after_days=MISSING_AFTER_DAYS,
        report_url=external_url("reporting.report", organisation_id=organisation.id,
                                financial_year=quarter.financial_year, number=quarter.number),
    )
