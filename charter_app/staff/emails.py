"""Emails to staff: one function each, owning its template pair, subject, key and category.

The weekly digest is optional: staff may turn it off, and it says where.
"""

from typing import TYPE_CHECKING

from charter_app.accounts.models import User
from charter_app.events import display
from charter_app.notifications import preferences
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.notifications.outbox import queue_email, single_line
from charter_app.presentation import plural, uk_date
from charter_app.reporting.models import ReportStatus
from charter_app.timeutil import REVIEW_PROMISE_WORKING_DAYS
from charter_app.urls import external_url

if TYPE_CHECKING:
    from charter_app.staff.tasks import Digest


def _places(left: int, capacity: int, waiting: int) -> str:
    """'2 places left of 30', or 'Full, 3 on the waiting list'."""
    words = f"{plural(left, 'place')} left of {capacity}" if left else "Full"
    return f"{words}, {waiting} on the waiting list" if waiting else words


def staff_digest(user: User, digest: "Digest", idempotency_key: str) -> OutboxMessage:
    """This week's digest for one member of staff: applications waiting against the review
    promise, reports to check, overdue and lapsed signatories, and the next events' places."""
    applications = [{
        "name": single_line(item.name),
        "waiting": item.clock.waiting,
        "overdue": item.clock.overdue,
        "days_over": item.clock.days_over,
        "due": uk_date(item.clock.due),
        "url": external_url("organisations_staff.application",
                            organisation_id=item.organisation_id),
    } for item in digest.applications]
    events = [{
        "title": single_line(item.event.title),
        "when": display.when(item.event),
        "places": _places(item.places_left, item.event.capacity, item.waiting),
        "url": external_url("events_staff.event", event_id=item.event.id),
    } for item in digest.events]
    message = queue_email(
        template="staff_digest",
        subject=f"Staff digest for the week of {uk_date(digest.week.starts_on)}",
        recipient=user.email,
        idempotency_key=idempotency_key,
        category=EmailCategory.OPTIONAL,
        week_of=uk_date(digest.week.starts_on),
        promise_days=REVIEW_PROMISE_WORKING_DAYS,
        applications=applications,
        applications_waiting=digest.applications_waiting,
        more_applications=digest.applications_waiting - len(applications),
        queue_url=external_url("organisations_staff.queue"),
        reports_to_check=digest.reports_to_check,
        reports_url=external_url("reporting_staff.reports", status=ReportStatus.SUBMITTED.value),
        overdue_signatories=digest.overdue_signatories,
        lapsed_signatories=digest.lapsed_signatories,
        signatories_url=external_url("organisations_standing.signatories"),
        lapsed_url=external_url("organisations_standing.signatories", status="lapsed"),
        events=events,
        events_url=external_url("events_staff.index"),
        unsubscribe_url=preferences.unsubscribe_url(user, preferences.OptionalEmail.STAFF_DIGEST),
    )
    return message
