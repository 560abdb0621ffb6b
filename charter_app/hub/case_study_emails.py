"""Every email about a case study: one function each, with its template pair under
email_templates/hub/, its subject, key and category.

Keys name the case study and the version the change made, so each submission and each decision
is sent once however often the code that causes it runs, and a resubmission is a new email.
"""

from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.notifications.outbox import queue_email, single_line
from charter_app.urls import external_url

TITLE_IN_SUBJECT = 70
TEMPLATES = {
    "published": ("hub/case_study_published", "Your case study is published: {title}"),
    "changes_requested": ("hub/case_study_changes_requested",
                          "Changes asked for in your case study: {title}"),
    "rejected": ("hub/case_study_rejected", "Your case study was not accepted: {title}"),
}


def case_study_submitted(case_study, staff_mailbox: str) -> OutboxMessage:
    """To the staff mailbox: a case study waits for review, with a link to decide on it."""
    return queue_email(
        template="hub/case_study_submitted",
        subject=f"Case study to review: {single_line(case_study.title, TITLE_IN_SUBJECT)}",
        recipient=staff_mailbox,
        idempotency_key=f"case-study-submitted:{case_study.id}:{case_study.version}",
        category=EmailCategory.SERVICE,
        case_study=case_study,
        owner_name=single_line(case_study.owner_name),
        review_url=external_url("case_studies_staff.review", case_study_id=case_study.id),
    )


def case_study_decided(case_study, member) -> OutboxMessage:
    """To the member who submitted it: published, changes asked for, or rejected (with staff's
    message, as written)."""
    template, subject = TEMPLATES[case_study.status]
    if case_study.organisation_id is not None:
        edit_url = external_url("case_studies.edit", organisation_id=case_study.organisation_id,
                                case_study_id=case_study.id)
    else:
        edit_url = None
    return queue_email(
        template=template,
        subject=subject.format(title=single_line(case_study.title, TITLE_IN_SUBJECT)),
        recipient=member.email,
        idempotency_key=f"case-study-decided:{case_study.id}:{case_study.version}:{member.id}",
        category=EmailCategory.SERVICE,
        case_study=case_study,
        owner_name=single_line(case_study.owner_name),
        public_url=external_url("case_studies.show", slug=case_study.slug),
        edit_url=edit_url,
    )
