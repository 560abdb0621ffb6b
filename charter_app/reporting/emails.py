"""Emails about social value reports: one function each, owning its template pair
(email_templates/<name>.txt and .html), its subject, its idempotency-key scheme and category.

Names are cleaned to one line, and cut short in subjects, so a name with line breaks or 160
characters can neither break a header nor overflow the subject's column.
"""


from charter_app.accounts.models import User
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.notifications.outbox import queue_email, single_line
from charter_app.reporting.models import QuarterlyReport, ReportCheck
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
