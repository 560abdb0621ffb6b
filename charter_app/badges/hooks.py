"""Badges follow the evidence at the moment it changes: the receiver of `evidence_changed`
(charter_app/signals.py), connected once by create_app."""

from datetime import datetime

from charter_app.badges import awards
from charter_app.badges.rules import Evidence
from charter_app.signals import evidence_changed


def apply(organisation_id: int, now: datetime,
          evidence: Evidence | None = None) -> list[awards.Change]:
    """Refresh one organisation's badges. (Emailing the members what changed, and connecting
    this to the signal, come with the next slice of the badges issue.)"""
    return awards.refresh(organisation_id, now, evidence)


def _on_evidence_changed(organisation_id: int, now: datetime, **_) -> None:
    apply(organisation_id, now)


def connect() -> None:
    evidence_changed.connect(_on_evidence_changed, weak=False)
