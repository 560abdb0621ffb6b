"""Where an organisation stands: the badges it holds today, and what the next level still
needs (its dashboard and its badges page)."""

from dataclasses import dataclass
from datetime import datetime

from charter_app.badges.awards import current_awards
from charter_app.badges.evidence import evidence_for
from charter_app.badges.models import AwardState, BadgeAward
from charter_app.badges.rules import Level, next_level
from charter_app.timeutil import london_date


@dataclass(frozen=True)
class Progress:
    held: list[BadgeAward]  # valid today
    next_level: Level | None  # None at the top
    missing: list[str]  # what the next level still needs, in words


def progress_of(organisation_id: int, now: datetime) -> Progress:
    today = london_date(now)
    held = [award for award in current_awards(organisation_id)
            if award.state(now) == AwardState.VALID]
    upcoming = next_level(evidence_for([organisation_id], today)[organisation_id], today)
    level, missing = upcoming if upcoming else (None, [])
    return Progress(held=held, next_level=level, missing=missing)
