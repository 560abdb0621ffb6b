"""Demo badges: each signatory's awards as the rules give them, replayed over the past year the
way the nightly re-check would have made them, so the history shows levels gained, changed and
ended on their days, Reported badges, expired awards, and the lapsed signatory's revoked ones.
Nothing here is made up beyond the demo's own evidence: the rules decide every award."""

from datetime import datetime, timedelta

from sqlalchemy import select

from charter_app.badges import awards
from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus, Organisation, StatusChange

# The re-check as of these days before today: each one catches up exactly from the last.
REPLAY_DAYS_AGO = (360, 300, 240, 180, 120, 60, 30, 7, 0)


def _lapsed_at(organisation: Organisation) -> datetime | None:
    return db.session.scalar(
        select(StatusChange.created_at).where(StatusChange.organisation_id == organisation.id,
                                              StatusChange.to_status == ApplicationStatus.LAPSED)
        .order_by(StatusChange.id.desc()).limit(1))


def seed(now: datetime) -> None:
    signatories = list(db.session.scalars(
        select(Organisation).where(Organisation.status.in_(
            (ApplicationStatus.APPROVED, ApplicationStatus.LAPSED)))
        .order_by(Organisation.id)))
    lapsed_at = {organisation.id: _lapsed_at(organisation) for organisation in signatories
                 if organisation.status == ApplicationStatus.LAPSED}
    for days_ago in REPLAY_DAYS_AGO:
        moment = now - timedelta(days=days_ago)
        for organisation in signatories:
            if organisation.approved_at is None or organisation.approved_at > moment:
                continue
            lapsed = lapsed_at.get(organisation.id)
            if organisation.id in lapsed_at:
                # Before its lapse it was a signatory in good standing: replay it as one.
                organisation.status = (ApplicationStatus.LAPSED if lapsed and lapsed <= moment
                                       else ApplicationStatus.APPROVED)
            awards.refresh(organisation.id, moment)
    db.session.flush()
