"""Badges follow the evidence at the moment it changes: the receiver of `evidence_changed`
(charter_app/signals.py), connected once by create_app."""

from datetime import datetime

from charter_app.badges import awards, emails
from charter_app.badges.rules import Evidence
from charter_app.extensions import db
from charter_app.organisations.models import Organisation
from charter_app.reporting.annual import members_of
from charter_app.signals import evidence_changed


def apply(organisation_id: int, now: datetime,
          evidence: Evidence | None = None) -> list[awards.Change]:
    """Refresh one organisation's badges and email its members what changed."""
    changes = awards.refresh(organisation_id, now, evidence)
    if changes:
        organisation = db.session.get(Organisation, organisation_id)
        for member in members_of(organisation):
            emails.badges_changed(organisation, changes, member)
    return changes


def _on_evidence_changed(organisation_id: int, now: datetime, **_) -> None:
    apply(organisation_id, now)


def connect() -> None:
    evidence_changed.connect(_on_evidence_changed, weak=False)
