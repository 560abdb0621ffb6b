"""The nightly re-check of every signatory's badges: levels drop on the day their evidence ages
out, Reported badges expire, and anything a missed signal left behind is put right.

It runs at the first tick of each UK day (the scheduler ticks every minute) and once only: a
row in `badge_rechecks` per day says it is done; a run for a day already done changes nothing.
Organisations are read BATCH_SIZE at a time with their evidence in a fixed number of queries.
"""

from datetime import datetime

from sqlalchemy import or_, select

from charter_app.badges import hooks
from charter_app.badges.evidence import evidence_for
from charter_app.badges.models import BadgeAward, BadgeRecheck
from charter_app.extensions import db
from charter_app.locking import insert_unless_taken
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.timeutil import london_date

BATCH_SIZE = 200


def _needing_a_look(after_id: int) -> list[int]:
    """Approved signatories, and any organisation still holding a current award."""
    holds = select(BadgeAward.organisation_id).where(BadgeAward.current_key.is_not(None))
    return list(db.session.scalars(
        select(Organisation.id)
        .where(Organisation.id > after_id,
               or_(Organisation.status == ApplicationStatus.APPROVED, Organisation.id.in_(holds)))
        .order_by(Organisation.id).limit(BATCH_SIZE)))


def recheck_badges(now: datetime) -> int:
    """Re-check everyone once per UK day; how many organisations' badges changed."""
    today = london_date(now)
    if db.session.scalar(select(BadgeRecheck.id).where(BadgeRecheck.day == today)):
        return 0
    changed, after_id = 0, 0
    while ids := _needing_a_look(after_id):
        evidence = evidence_for(ids, today)
        for organisation_id in ids:
            changes = hooks.apply(organisation_id, now, evidence[organisation_id])
            changed += bool(changes)
        after_id = ids[-1]
    insert_unless_taken(BadgeRecheck, "day", day=today, finished_at=now)
    return changed
