"""Granting, ending and revoking badges by the rules (badges/rules.py), at the moment the
evidence changes (the `evidence_changed` signal) and every night (badges/tasks.py).

`refresh` is idempotent: with nothing new it changes nothing. It locks the organisation's row,
so two requests refreshing one organisation at once take turns; `current_key` (unique) is the
backstop. Services flush and never commit.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from charter_app.badges.evidence import evidence_for
from charter_app.badges.models import BadgeAward, BadgeKind
from charter_app.badges.rules import (
    LEVEL_KEYS,
    LEVELS_BY_KEY,
    Evidence,
    first_day_without,
    level_on,
)
from charter_app.extensions import db
from charter_app.locking import lock_for_update
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.pledges.models import PledgePeriod
from charter_app.presentation import uk_date
from charter_app.reporting.models import AnnualUpdate
from charter_app.timeutil import LONDON, london_date

REVOKED_BECAUSE = {
    ApplicationStatus.LAPSED: "The signatory lapsed: its annual pledge update was more than "
                              "60 days late.",
    ApplicationStatus.SUSPENDED: "The signatory was suspended by the partnership.",
    ApplicationStatus.WITHDRAWN: "The signatory withdrew from the Charter.",
}


@dataclass(frozen=True)
class Change:
    """One thing that happened to an organisation's badges, for its email and the tests."""

    what: str  # "gained" | "ended" | "revoked"
    award: BadgeAward


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=LONDON)


def season_label(starts_on: date, ends_on: date) -> str:
    """"2026–27" for a pledge year from 2026 to 2027; "2026" within one calendar year."""
    if starts_on.year == ends_on.year:
        return str(starts_on.year)
    return f"{starts_on.year}–{ends_on.year % 100:02d}"


def current_awards(organisation_id: int) -> list[BadgeAward]:
    return list(db.session.scalars(
        select(BadgeAward).where(BadgeAward.organisation_id == organisation_id,
                                 BadgeAward.current_key.is_not(None))
        .order_by(BadgeAward.id)))


def history_of(organisation_id: int) -> list[BadgeAward]:
    """Every award the organisation has held, newest first."""
    return list(db.session.scalars(
        select(BadgeAward).where(BadgeAward.organisation_id == organisation_id)
        .order_by(BadgeAward.valid_from.desc(), BadgeAward.id.desc())))


def _issue(organisation: Organisation, kind: BadgeKind, key: str, label: str, now: datetime,
           **values) -> BadgeAward:
    award = BadgeAward(organisation_id=organisation.id, kind=kind, current_key=key,
                       year_label=label, valid_from=values.pop("valid_from", now), **values)
    db.session.add(award)
    db.session.flush()
    return award


def _revoke(award: BadgeAward, reason: str, now: datetime) -> None:
    award.revoked_at = now
    award.revocation_reason = reason[:300]
    award.current_key = None


def _end(award: BadgeAward, at: datetime, reason: str) -> None:
    award.valid_until = at
    award.ended_reason = reason[:300]
    award.current_key = None


def _signatory(organisation: Organisation, held: dict[str, BadgeAward], now: datetime,
               changes: list[Change]) -> None:
    key = f"{organisation.id}:signatory"
    if key not in held:
        since = now
        if organisation.approved_at is not None and not held:
            # First badges of a signatory approved before badges existed: since its approval.
            since = min(now, organisation.approved_at)
        award = _issue(organisation, BadgeKind.SIGNATORY, key,
                       f"Since {london_date(since).year}", now, valid_from=since)
        changes.append(Change("gained", award))


def _reported(organisation: Organisation, held: dict[str, BadgeAward], now: datetime,
              changes: list[Change]) -> None:
    """A Reported badge for the latest pledge year whose update is in, until the next falls
    due (the anniversary of the year that update started), unless that day has passed."""
    latest = db.session.execute(
        select(AnnualUpdate, PledgePeriod)
        .join(PledgePeriod, PledgePeriod.id == AnnualUpdate.pledge_period_id)
        .where(AnnualUpdate.organisation_id == organisation.id, AnnualUpdate.submitted_at <= now)
        .order_by(PledgePeriod.ends_on.desc()).limit(1)).first()
    if latest is None:
        return
    update, reviewed = latest
    key = f"{organisation.id}:reported:{reviewed.id}"
    if key in held or db.session.scalar(select(BadgeAward.id).where(
            BadgeAward.current_key == key)):
        return
    next_period = db.session.get(PledgePeriod, update.next_period_id) if update.next_period_id \
        else None
    next_due = (next_period.ends_on + timedelta(days=1) if next_period and next_period.ends_on
                else reviewed.ends_on + timedelta(days=366))
    until = _london_midnight(next_due + timedelta(days=1))
    if until <= now:
        return
    award = _issue(organisation, BadgeKind.REPORTED, key,
                   season_label(reviewed.starts_on, reviewed.ends_on), now,
                   pledge_period_id=reviewed.id, valid_from=min(now, update.submitted_at),
                   valid_until=until)
    changes.append(Change("gained", award))


def _level(organisation: Organisation, held: dict[str, BadgeAward], evidence: Evidence,
           now: datetime, changes: list[Change]) -> None:
    today = london_date(now)
    key = f"{organisation.id}:level"
    earned = level_on(evidence, today)
    award = held.get(key)
    if award is not None and earned is not None and award.level == earned.key:
        award.checked_on = today
        return
    since = now
    if award is not None:
        dropped = first_day_without(award.level, evidence, award.checked_on or today, today)
        if earned is not None and LEVEL_KEYS.index(earned.key) > LEVEL_KEYS.index(award.level):
            _end(award, now, f"Replaced by the {earned.name} level on {uk_date(today)}.")
        else:
            day = dropped or today
            since = max(award.valid_from, _london_midnight(day))
            name = LEVELS_BY_KEY[award.level].name
            _end(award, since, f"The evidence for the {name} level was no longer all within "
                               f"the last 12 months on {uk_date(day)}.")
        changes.append(Change("ended", award))
    if earned is not None:
        new = _issue(organisation, BadgeKind.LEVEL, key, str(today.year), now,
                     level=earned.key, checked_on=today, valid_from=since)
        changes.append(Change("gained", new))


def refresh(organisation_id: int, now: datetime, evidence: Evidence | None = None) -> list[Change]:
    """Bring one organisation's badges in line with the rules as of `now`."""
    organisation = lock_for_update(Organisation, organisation_id)
    if organisation is None:
        return []
    held = {award.current_key: award for award in current_awards(organisation_id)}
    changes: list[Change] = []
    if organisation.status != ApplicationStatus.APPROVED:
        # A fixed reason for each status: staff's own notes on a suspension are not public.
        reason = REVOKED_BECAUSE.get(organisation.status,
                                     "The organisation is no longer a signatory.")
        for award in held.values():
            if award.state(now) == "valid":
                _revoke(award, reason, now)
                changes.append(Change("revoked", award))
            else:
                award.current_key = None
        db.session.flush()
        return changes
    if evidence is None:
        evidence = evidence_for([organisation_id], london_date(now))[organisation_id]
    _signatory(organisation, held, now, changes)
    _reported(organisation, held, now, changes)
    _level(organisation, held, evidence, now, changes)
    db.session.flush()
    return changes
