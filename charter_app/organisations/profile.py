"""A signatory's public profile after approval: what its people change themselves.

Description, website and public contact are published at once and each changed field is recorded
(`ProfileEdit`). Owners and members may both do this: it is what the organisation says about
itself. Legal details go through staff instead (see change_requests.py).
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from charter_app.accounts.models import User
from charter_app.extensions import db
from charter_app.locking import lock_for_update
from charter_app.organisations.models import Organisation, ProfileEdit

PUBLIC_FIELDS = ("description", "website", "contact_email", "contact_phone")
FIELD_LABELS = {
    "description": "Description",
    "website": "Website",
    "contact_email": "Public email address",
    "contact_phone": "Public phone number",
    "name": "Legal name",
    "legal_form": "Kind of organisation",
    "company_number": "Company number",
    "charity_number": "Charity number",
}


@dataclass
class PublicProfile:
    description: str
    website: str | None
    contact_email: str | None
    contact_phone: str | None


class NotASignatory(Exception):
    """Only a listed signatory (approved, or lapsed) has a public profile to edit."""


def update_public_profile(organisation: Organisation, actor: User,
                          profile: PublicProfile) -> list[ProfileEdit]:
    """Publish the new values at once and record each field that changed.

    The row is locked first, so two people saving at once are recorded one after the other,
    each edit's old value being what the other had just saved.
    """
    lock_for_update(Organisation, organisation.id)
    if not organisation.is_listed:
        raise NotASignatory(organisation.status)
    edits = []
    for name in PUBLIC_FIELDS:
        new = getattr(profile, name) or None
        old = getattr(organisation, name)
        if new == old:
            continue
        setattr(organisation, name, new)
        edits.append(ProfileEdit(organisation=organisation, field=name, old_value=old,
                                 new_value=new, actor=actor))
    db.session.add_all(edits)
    db.session.flush()
    return edits


def profile_history(organisation: Organisation, limit: int = 50) -> list[ProfileEdit]:
    """The latest edits first, with who made them."""
    return list(db.session.scalars(
        select(ProfileEdit)
        .where(ProfileEdit.organisation_id == organisation.id)
        .options(selectinload(ProfileEdit.actor))
        .order_by(ProfileEdit.id.desc())
        .limit(limit)
    ))
