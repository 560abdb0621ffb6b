"""Signatories' badges as the public directory shows them: only valid awards (current, not
revoked, not past their end), for many organisations in one query, and the level filter.

An expired Reported badge keeps its `current_key` (that year stays reported), so being current is
not enough: the end date is checked here too, against the moment of the request.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, exists, or_, select

from charter_app.badges.models import BadgeAward, BadgeKind
from charter_app.extensions import db
from charter_app.organisations.models import Organisation
from charter_app.timeutil import utcnow
from charter_app.urls import external_url

# Charter Signatory first, then the level, then Reported badges (newest first, by valid_from).
_KIND_ORDER = case({BadgeKind.SIGNATORY.value: 0, BadgeKind.LEVEL.value: 1},
                   value=BadgeAward.kind, else_=2)


def is_valid(now: datetime) -> ColumnElement[bool]:
    """The SQL twin of `BadgeAward.state(now) == "valid"`, for awards still current."""
    return and_(BadgeAward.current_key.is_not(None), BadgeAward.revoked_at.is_(None),
                or_(BadgeAward.valid_until.is_(None), BadgeAward.valid_until > now))


def badges_of(organisation_ids: Iterable[int] | Select,
              now: datetime | None = None) -> dict[int, list[BadgeAward]]:
    """The valid badges of each organisation, in the order the public sees them, in one query.

    `organisation_ids` may be a select of ids (the CSV's whole filtered list) rather than a list,
    so a long list never becomes thousands of bound parameters.
    """
    found: dict[int, list[BadgeAward]] = {}
    if isinstance(organisation_ids, Select):
        ids: Select | list[int] = organisation_ids
    else:
        ids = list(organisation_ids)
        found = {organisation_id: [] for organisation_id in ids}
        if not ids:
            return found
    now = now or utcnow()
    awards = db.session.scalars(
        select(BadgeAward)
        .where(BadgeAward.organisation_id.in_(ids), is_valid(now))
        .order_by(BadgeAward.organisation_id, _KIND_ORDER, BadgeAward.valid_from.desc(),
                  BadgeAward.id.desc()))
    for award in awards:
        found.setdefault(award.organisation_id, []).append(award)
    return found


def level_of(badges: list[BadgeAward]) -> str | None:
    """The level key ("gold") among an organisation's valid badges, if it holds one."""
    return next((award.level for award in badges if award.kind == BadgeKind.LEVEL), None)


def as_open_data(award: BadgeAward) -> dict:
    """A badge as the API publishes it: `level` is null for badges without one."""
    return {
        "name": award.name,
        "level": award.level if award.kind == BadgeKind.LEVEL else None,
        "url": external_url("badges.award", award_id=award.public_id),
    }


def holds_level(level: str, now: datetime | None = None) -> ColumnElement[bool]:
    """The organisation holds a valid award of exactly this level now."""
    return exists(
        select(BadgeAward.id).where(BadgeAward.organisation_id == Organisation.id,
                                    BadgeAward.kind == BadgeKind.LEVEL.value,
                                    BadgeAward.level == level, is_valid(now or utcnow())))
