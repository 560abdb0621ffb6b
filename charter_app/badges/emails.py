"""The email an organisation gets when its badges change: gained, changed or lost. One email
per change set and member; a service message (it is about the organisation's own standing)."""

import hashlib

from charter_app.accounts.models import User
from charter_app.badges.awards import Change
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.notifications.outbox import queue_email, single_line
from charter_app.organisations.models import Organisation
from charter_app.presentation import uk_date
from charter_app.timeutil import london_date
from charter_app.urls import external_url

NAME_IN_SUBJECT = 80


def _subject(changes: list[Change]) -> str:
    kinds = {change.what for change in changes}
    if kinds == {"gained"}:
        return "You have earned a new badge" if len(changes) == 1 else "You have earned new badges"
    if kinds == {"revoked"}:
        return "Your badges have been withdrawn"
    return "Your badges have changed"


def _line(change: Change) -> dict:
    award = change.award
    if change.what == "gained":
        text = f"Earned: {award.name}, from {uk_date(london_date(award.valid_from))}"
    elif change.what == "ended":
        text = f"Ended: {award.name}. {award.ended_reason or ''}".strip()
    else:
        text = f"Revoked: {award.name}. {award.revocation_reason or ''}".strip()
    return {"text": text, "url": external_url("badges.award", award_id=award.public_id)}


def badges_changed(organisation: Organisation, changes: list[Change],
                   member: User) -> OutboxMessage:
    # The key names exactly these changes, so a repeat of the same refresh sends nothing new.
    names = ",".join(f"{change.what}:{change.award.public_id}" for change in changes)
    digest = hashlib.sha256(names.encode()).hexdigest()[:24]
    return queue_email(
        template="badges_changed",
        subject=f"{_subject(changes)}: {single_line(organisation.name, NAME_IN_SUBJECT)}",
        recipient=member.email,
        idempotency_key=f"badges:{organisation.id}:{digest}:{member.id}",
        category=EmailCategory.SERVICE,
        organisation_name=single_line(organisation.name),
        lines=[_line(change) for change in changes],
        dashboard_url=external_url("badges.mine", organisation_id=organisation.id),
        rules_url=external_url("badges.rules"),
    )
