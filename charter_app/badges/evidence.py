"""Gathers the evidence badges are earned from, for many organisations at once: a fixed
number of queries however many organisations are asked for (the nightly re-check reads them
in batches). Reports count by the UK day they were first submitted, events by the day they
started, annual updates by their pledge year's anniversary."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from charter_app.badges.rules import AnnualUpdateRecord, Evidence
from charter_app.events.models import Event, EventStatus, Registration
from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.pledges.models import Measure, PledgePeriod
from charter_app.reporting.models import (
    AnnualUpdate,
    QuarterlyReport,
    ReportEntry,
    ReportStatus,
)
from charter_app.timeutil import LONDON, london_date

# Evidence older than this cannot count on any day the re-check looks at (it walks back at
# most this far from today to find the day a level dropped).
LOOK_BACK = timedelta(days=2 * 366)


def _since_utc(today: date) -> datetime:
    return datetime.combine(today - LOOK_BACK, time(), tzinfo=LONDON)


def evidence_for(organisation_ids: list[int], today: date) -> dict[int, Evidence]:
    if not organisation_ids:
        return {}
    since = _since_utc(today)
    standing = {row.id: row.status for row in db.session.execute(
        select(Organisation.id, Organisation.status).where(Organisation.id.in_(organisation_ids)))}
    reports, checked = defaultdict(list), defaultdict(list)
    for organisation_id, submitted_at, status in db.session.execute(
            select(QuarterlyReport.organisation_id, QuarterlyReport.first_submitted_at,
                   QuarterlyReport.status)
            .where(QuarterlyReport.organisation_id.in_(organisation_ids),
                   QuarterlyReport.first_submitted_at >= since)):
        reports[organisation_id].append(london_date(submitted_at))
        if status == ReportStatus.CHECKED:
            checked[organisation_id].append(london_date(submitted_at))
    themes: dict[int, dict[str, date]] = defaultdict(dict)
    for organisation_id, submitted_at, theme in db.session.execute(
            select(QuarterlyReport.organisation_id, QuarterlyReport.first_submitted_at,
                   Measure.theme).distinct()
            .join(ReportEntry, ReportEntry.revision_id == QuarterlyReport.submitted_revision_id)
            .join(Measure, Measure.id == ReportEntry.measure_id)
            .where(QuarterlyReport.organisation_id.in_(organisation_ids),
                   QuarterlyReport.first_submitted_at >= since)):
        day = london_date(submitted_at)
        if day > themes[organisation_id].get(theme, date.min):
            themes[organisation_id][theme] = day
    events = defaultdict(set)
    for organisation_id, event_id, starts_at in db.session.execute(
            select(Registration.organisation_id, Event.id, Event.starts_at).distinct()
            .join(Event, Event.id == Registration.event_id)
            .where(Registration.organisation_id.in_(organisation_ids),
                   Registration.checked_in_at.is_not(None),
                   Event.status == EventStatus.PUBLISHED, Event.starts_at >= since)):
        events[organisation_id].add((event_id, london_date(starts_at)))
    updates = defaultdict(list)
    for organisation_id, ends_on, submitted_at in db.session.execute(
            select(PledgePeriod.organisation_id, PledgePeriod.ends_on, AnnualUpdate.submitted_at)
            .outerjoin(AnnualUpdate, AnnualUpdate.pledge_period_id == PledgePeriod.id)
            .where(PledgePeriod.organisation_id.in_(organisation_ids),
                   PledgePeriod.ends_on >= today - LOOK_BACK)):
        updates[organisation_id].append(AnnualUpdateRecord(
            due_on=ends_on + timedelta(days=1),
            filed_on=london_date(submitted_at) if submitted_at else None))
    return {
        organisation_id: Evidence(
            in_good_standing=standing.get(organisation_id) == ApplicationStatus.APPROVED,
            reports=tuple(sorted(reports[organisation_id])),
            checked_reports=tuple(sorted(checked[organisation_id])),
            themes=dict(themes[organisation_id]),
            events=tuple(sorted(day for _, day in events[organisation_id])),
            annual_updates=tuple(sorted(updates[organisation_id],
                                        key=lambda record: record.due_on)),
        )
        for organisation_id in organisation_ids
    }
