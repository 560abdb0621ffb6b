"""Every email about an organisation's application: one function each, owning its template pair
(email_templates/<name>.txt and .html), its subject, its idempotency-key scheme and its category.

Each goes to one owner about one status change, so the key
`<email>:<organisation>:<status change>:<user>` sends it once per owner however often the code
that causes it runs. Names are cleaned to one line, and cut short in subjects, so a name with
line breaks or 160 characters can neither break a header nor overflow the subject's column.
"""

from charter_app.accounts.models import User
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.notifications.outbox import queue_email, single_line
from charter_app.organisations.models import LegalChangeRequest, Organisation, StatusChange
from charter_app.urls import external_url

SERVICE = EmailCategory.SERVICE
NAME_IN_SUBJECT = 80


def _application_url(organisation: Organisation) -> str:
    return external_url("organisations.application_for", organisation_id=organisation.id)


def application_submitted(organisation: Organisation, change: StatusChange,
                          owner: User) -> OutboxMessage:
    return queue_email(
        template="application_submitted",
        subject="We have your application to sign the Charter",
        recipient=owner.email,
        idempotency_key=f"application-submitted:{organisation.id}:{change.id}:{owner.id}",
        category=SERVICE,
        organisation_name=single_line(organisation.name),
        application_url=_application_url(organisation),
    )


def application_approved(organisation: Organisation, change: StatusChange,
                         owner: User) -> OutboxMessage:
    name = single_line(organisation.name)
    return queue_email(
        template="application_approved",
        subject=(f"{single_line(name, NAME_IN_SUBJECT)} has signed the County Durham Pound "
                 "Charter"),
        recipient=owner.email,
        idempotency_key=f"application-approved:{organisation.id}:{change.id}:{owner.id}",
        category=SERVICE,
        organisation_name=name,
        profile_url=external_url("directory.profile", slug=organisation.slug),
    )


def application_rejected(organisation: Organisation, change: StatusChange, owner: User,
                         reason: str) -> OutboxMessage:
    return queue_email(
        template="application_rejected",
        subject="Your application to sign the Charter",
        recipient=owner.email,
        idempotency_key=f"application-rejected:{organisation.id}:{change.id}:{owner.id}",
        category=SERVICE,
        organisation_name=single_line(organisation.name),
        reason=reason,
        application_url=_application_url(organisation),
    )


def _profile_edit_url(organisation: Organisation) -> str:
    return external_url("organisation_profile.edit", organisation_id=organisation.id)


def legal_change_approved(organisation: Organisation, change: LegalChangeRequest,
                          owner: User) -> OutboxMessage:
    name = single_line(organisation.name)
    return queue_email(
        template="legal_change_approved",
        subject=f"Your change to {single_line(name, NAME_IN_SUBJECT)} is approved",
        recipient=owner.email,
        idempotency_key=f"legal-change-approved:{organisation.id}:{change.id}:{owner.id}",
        category=SERVICE,
        organisation_name=name,
        old_name=single_line(change.old_name),
        profile_url=external_url("directory.profile", slug=organisation.slug),
        edit_url=_profile_edit_url(organisation),
    )


def legal_change_rejected(organisation: Organisation, change: LegalChangeRequest, owner: User,
                          reason: str) -> OutboxMessage:
    return queue_email(
        template="legal_change_rejected",
        subject="Your change to your organisation's legal details",
        recipient=owner.email,
        idempotency_key=f"legal-change-rejected:{organisation.id}:{change.id}:{owner.id}",
        category=SERVICE,
        organisation_name=single_line(organisation.name),
        reason=reason,
        edit_url=_profile_edit_url(organisation),
    )


# A signatory's standing (see standing.py): every member is told, owners and members alike, so
# the key names the member.

def _organisation_url(organisation: Organisation) -> str:
    return external_url("organisations.application_for", organisation_id=organisation.id)


def signatory_withdrawn(organisation: Organisation, change: StatusChange,
                        member: User) -> OutboxMessage:
    name = single_line(organisation.name)
    return queue_email(
        template="signatory_withdrawn",
        subject=(f"{single_line(name, NAME_IN_SUBJECT)} has withdrawn from the County Durham "
                 "Pound Charter"),
        recipient=member.email,
        idempotency_key=f"signatory-withdrawn:{organisation.id}:{change.id}:{member.id}",
        category=SERVICE,
        organisation_name=name,
        withdrawn_by=change.actor.email if change.actor else None,
        reason=change.reason,
        organisation_url=_organisation_url(organisation),
    )


def signatory_suspended(organisation: Organisation, change: StatusChange, member: User,
                        reason: str) -> OutboxMessage:
    name = single_line(organisation.name)
    return queue_email(
        template="signatory_suspended",
        subject=(f"Business Durham has suspended {single_line(name, NAME_IN_SUBJECT)} from the "
                 "Charter"),
        recipient=member.email,
        idempotency_key=f"signatory-suspended:{organisation.id}:{change.id}:{member.id}",
        category=SERVICE,
        organisation_name=name,
        reason=reason,
        organisation_url=_organisation_url(organisation),
    )


def suspension_lifted(organisation: Organisation, change: StatusChange, member: User,
                      note: str | None) -> OutboxMessage:
    name = single_line(organisation.name)
    return queue_email(
        template="suspension_lifted",
        subject=f"{single_line(name, NAME_IN_SUBJECT)} is listed as a Charter signatory again",
        recipient=member.email,
        idempotency_key=f"suspension-lifted:{organisation.id}:{change.id}:{member.id}",
        category=SERVICE,
        organisation_name=name,
        note=note,
        profile_url=external_url("directory.profile", slug=organisation.slug),
    )
