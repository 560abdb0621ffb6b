"""Emails about social value reports: one function each, owning its template pair
(email_templates/<name>.txt and .html), its subject, its idempotency-key scheme and category.

Names are cleaned to one line, and cut short in subjects, so a name with line breaks or 160
characters can neither break a header nor overflow the subject's column.
"""

from flask import current_app

from charter_app.accounts.models import User
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.notifications.outbox import queue_email, single_line
from charter_app.reporting.models import QuarterlyReport, ReportCheck

SERVICE = EmailCategory.SERVICE
NAME_IN_SUBJECT = 80


def report_page_url(report: QuarterlyReport) -> str:
    """The organisation's own page for a quarter's report, on BASE_URL.

    Built from the path the signatory's report pages answer at
    (/organisations/<id>/reports/<2026-27>/q<n>) rather than url_for, because those pages live
    in the `reporting` blueprint of another branch: switch to external_url(...) at merge.
    """
    quarter = report.financial_quarter
    base = current_app.config["BASE_URL"].rstrip("/")
    return (f"{base}/organisations/{report.organisation_id}/reports/"
            f"{quarter.financial_year}/q{quarter.number}")


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
