"""What an award says to machines: the Open Badges 2.0 hosted documents (Assertion, BadgeClass,
issuer Profile) and the facts of its Open Badges 3.0 credential. Every URL is absolute, on
BASE_URL, so a document reads the same from a request, a job or a command.

Open Badges 2.0 (IMS Global, https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/
index.html): an Assertion needs id, type, recipient, badge, verification and issuedOn; a
BadgeClass id, type, name, description, image, criteria and issuer; an issuer Profile id, type,
name, url and email. The recipient is an IdentityObject with the salted SHA-256 of the
organisation's email (`sha256$<hex>`), never the address.
"""

from datetime import UTC, datetime
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import select

from charter_app.accounts.models import MemberRole, Membership, User
from charter_app.badges import rules
from charter_app.badges.credentials import CredentialFacts, hashed_email
from charter_app.badges.models import AwardState, BadgeAward, BadgeKind
from charter_app.extensions import db
from charter_app.urls import external_url

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
ISSUER_NAME = "County Durham Pound Charter"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def class_key(award: BadgeAward) -> str:
    """One BadgeClass per kind of badge: "signatory", "reported", "bronze", "silver", "gold"."""
    return award.level if award.kind == BadgeKind.LEVEL else award.kind


def describe(key: str) -> tuple[str, str, str]:
    """(name, description, criteria in words) of a badge class."""
    if key == BadgeKind.SIGNATORY:
        return ("Charter Signatory", "A signatory of the County Durham Pound Charter.",
                rules.SIGNATORY_WORDS)
    if key == BadgeKind.REPORTED:
        return ("Reported", "Filed its annual pledge update for the pledge year named.",
                rules.REPORTED_WORDS)
    level = rules.LEVELS_BY_KEY[key]
    needs = "; ".join(criterion.words for criterion in level.criteria)
    return (f"{level.name} level",
            f"{level.name} level of the County Durham Pound Charter, from the last 12 months "
            f"of evidence.", f"Needs: {needs}. Re-checked every night.")


def recipient_email(award: BadgeAward) -> str:
    """The organisation's published contact email, or its first owner's (hashed, never shown)."""
    organisation = award.organisation
    if organisation.contact_email:
        return organisation.contact_email
    owner = db.session.scalar(
        select(User.email).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id)
        .order_by((Membership.role != MemberRole.OWNER), Membership.id).limit(1))
    return owner or f"organisation-{organisation.id}@invalid"


def issuer_email() -> str:
    """The address badges name for their issuer: the sender's, without its display name."""
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]


def issuer_profile_v2() -> dict:
    return {"@context": OB2_CONTEXT, "type": "Issuer",
            "id": external_url("badges.issuer_v2"), "name": ISSUER_NAME,
            "url": external_url("pages.home"), "email": issuer_email(),
            "description": "Business Durham and the County Durham Pound partnership award these "
                           "badges to signatories of the Charter, from what they report and do."}


def badge_class_v2(key: str) -> dict:
    name, description, criteria = describe(key)
    return {"@context": OB2_CONTEXT, "type": "BadgeClass",
            "id": external_url("badges.badge_class", key=key), "name": name,
            "description": description,
            "image": external_url("badges.class_image", key=key),
            "criteria": {"id": external_url("badges.rules"), "narrative": criteria},
            "issuer": external_url("badges.issuer_v2")}


def assertion_v2(award: BadgeAward, now: datetime) -> dict:
    organisation = award.organisation
    document = {
        "@context": OB2_CONTEXT, "type": "Assertion",
        "id": external_url("badges.assertion", award_id=award.public_id),
        "recipient": {"type": "email", "hashed": True, "salt": award.recipient_salt,
                      "identity": hashed_email(recipient_email(award), award.recipient_salt)},
        "badge": external_url("badges.badge_class", key=class_key(award)),
        "verification": {"type": "hosted"},
        "issuedOn": _iso(award.valid_from),
        "image": external_url("badges.award_png", award_id=award.public_id),
        "narrative": f"{award.name}: {organisation.name}.",
    }
    if organisation.slug:
        document["evidence"] = external_url("directory.profile", slug=organisation.slug)
    if award.valid_until is not None:
        document["expires"] = _iso(award.valid_until)
    if award.state(now) == AwardState.REVOKED:
        document["revoked"] = True
        document["revocationReason"] = award.revocation_reason or "Revoked."
    return document


def credential_facts(award: BadgeAward) -> CredentialFacts:
    organisation = award.organisation
    name, description, criteria = describe(class_key(award))
    return CredentialFacts(
        credential_id=award.credential_id,
        issuer_id=external_url("badge_credentials.issuer"), issuer_name=ISSUER_NAME,
        issuer_url=external_url("pages.home"), issuer_email=issuer_email(),
        achievement_id=external_url("badge_credentials.achievement", key=class_key(award)),
        achievement_name=award.name if award.kind == BadgeKind.REPORTED else name,
        achievement_description=description, criteria_narrative=criteria,
        criteria_url=external_url("badges.rules"),
        image_url=external_url("badges.award_png", award_id=award.public_id),
        recipient_email=recipient_email(award), recipient_salt=award.recipient_salt,
        recipient_name=organisation.name, valid_from=award.valid_from,
        valid_until=award.valid_until,
        status_list_url=external_url("badge_credentials.revocation_list"),
        evidence_url=(external_url("directory.profile", slug=organisation.slug)
                      if organisation.slug else None),
    )
