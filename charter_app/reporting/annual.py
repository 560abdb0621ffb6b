"""The annual pledge update, and lapsing when it is long overdue.

A signatory's pledge year N runs from the Nth-but-one anniversary of its approval to the day
before the next (pledges/services.period_dates). The update reviewing year N is due on the
anniversary that ends it (its `ends_on` + 1 day), can be sent from OPENS_DAYS_BEFORE days
before that and any time after, and starts year N+1 on that anniversary, whether it came early
or late. An approved signatory still without it more than LAPSES_AFTER_DAYS days after the
anniversary is lapsed by the daily job (reporting/tasks.py); the update, when it arrives,
approves it again. Dates are UK (Europe/London) dates. Services flush; the caller commits.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy import exists, select

from charter_app.accounts.models import Membership, User
from charter_app.extensions import db
from charter_app.locking import insert_unless_taken, lock_for_update
from charter_app.organisations.applications import transition
from charter_app.organisations.models import ApplicationStatus, Organisation, StatusChange
from charter_app.pledges.catalogue import THEME_ORDER
from charter_app.pledges.models import Measure, PledgePeriod
from charter_app.pledges.services import approval_day, period_dates, start_next_period
from charter_app.presentation import uk_date
from charter_app.reporting import emails
from charter_app.reporting.models import AnnualUpdate, QuarterlyReport
from charter_app.reporting.totals import quantities_by_measure
from charter_app.signals import evidence_changed
from charter_app.timeutil import london_date, utcnow

# The update can be sent from this many days before its anniversary.
OPENS_DAYS_BEFORE = 30
# Lapsed once today is more than this many days after the anniversary: on day 60 after it the
# signatory is still approved; on day 61 it is lapsed.
LAPSES_AFTER_DAYS = 60
# A narrative per pledged theme: a few short paragraphs.
NARRATIVE_MAX_LENGTH = 1000

S = ApplicationStatus
UPDATING_STATUSES = frozenset({S.APPROVED, S.LAPSED})


class UpdateState(StrEnum):
    NOT_YET_OPEN = "not yet open"
    OPEN = "open"  # open and not yet due, or due today
    OVERDUE = "overdue"  # past the anniversary; still approved until LAPSES_AFTER_DAYS pass
    LAPSED = "lapsed"
    DONE = "done"  # the update for the year running today is in; the next year has not begun


class UpdateStatus(NamedTuple):
    due_on: date | None
    state: UpdateState


def opens_on(due_on: date) -> date:
    return due_on - timedelta(days=OPENS_DAYS_BEFORE)


def lapses_on(due_on: date) -> date:
    """The first day a signatory still without the update is lapsed."""
    return due_on + timedelta(days=LAPSES_AFTER_DAYS + 1)


def due_on(period: PledgePeriod) -> date | None:
    """The anniversary that ends the year: when the update reviewing it is due."""
    return period.ends_on + timedelta(days=1) if period.ends_on else None


def annual_update_status(organisation: Organisation, today: date) -> UpdateStatus:
    """When the next annual update is due and where it stands today.

    "done" while the year the update started has not begun (the update came early); after that
    the next one is "not yet open". `due_on` is None for an organisation with no dated pledge
    year (not approved yet).
    """
    period = organisation.current_pledge_period
    if period is None or period.starts_on is None:
        return UpdateStatus(None, UpdateState.NOT_YET_OPEN)
    if today < period.starts_on:
        return UpdateStatus(period.starts_on, UpdateState.DONE)
    due = due_on(period)
    if organisation.status == S.LAPSED:
        return UpdateStatus(due, UpdateState.LAPSED)
    if today < opens_on(due):
        return UpdateStatus(due, UpdateState.NOT_YET_OPEN)
    if today <= due:
        return UpdateStatus(due, UpdateState.OPEN)
    return UpdateStatus(due, UpdateState.OVERDUE)


def can_update(state: UpdateState) -> bool:
    return state in {UpdateState.OPEN, UpdateState.OVERDUE, UpdateState.LAPSED}


def next_year_dates(organisation: Organisation) -> tuple[date, date]:
    """First and last day of the pledge year the update will start."""
    return period_dates(approval_day(organisation),
                        organisation.current_pledge_period.number + 1)


def year_label(period: PledgePeriod) -> str:
    return f"{uk_date(period.starts_on)} to {uk_date(period.ends_on)}"


# --- the year in review ----------------------------------------------------------------------


def achieved_percent(reported: Decimal, target: Decimal) -> int:
    """Reported as a whole percentage of the target, halves up (may be over 100)."""
    return int((reported * 100 / target).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class TargetReview:
    """One measure in the year reviewed: its target (None when reported but not pledged) and
    what the year's submitted quarterly reports add up to."""

    measure: Measure
    target: Decimal | None
    reported: Decimal

    @property
    def percent(self) -> int | None:
        return None if self.target is None else achieved_percent(self.reported, self.target)

    def as_record(self) -> dict:
        def text(value):
            return None if value is None else str(value)

        return {"measure_code": self.measure.code, "measure_name": self.measure.name,
                "unit": self.measure.unit, "theme": self.measure.theme,
                "target": text(self.target), "reported": text(self.reported),
                "percent": text(self.percent)}


def year_in_review(organisation: Organisation, period: PledgePeriod) -> list[TargetReview]:
    """Each pledge of the year with what was reported against it, in pledge order, then any
    measure reported that year without a pledge."""
    reported = quantities_by_measure(organisation.id, period.id)
    reviews = [TargetReview(pledge.measure, Decimal(pledge.target),
                            reported.pop(pledge.measure_id, Decimal("0.00")))
               for pledge in period.pledges]
    if reported:
        measures = db.session.scalars(select(Measure).where(Measure.id.in_(reported))
                                      .order_by(Measure.sort_order, Measure.id))
        reviews += [TargetReview(measure, None, reported[measure.id]) for measure in measures]
    return reviews


def themes_of(period: PledgePeriod) -> list[str]:
    """The themes pledged in a year, in the usual order: one narrative each."""
    pledged = {pledge.measure.theme for pledge in period.pledges}
    return [theme for theme in THEME_ORDER if theme in pledged]


def update_for(period: PledgePeriod) -> AnnualUpdate | None:
    return db.session.scalar(select(AnnualUpdate).where(
        AnnualUpdate.pledge_period_id == period.id))


def latest_update(organisation: Organisation) -> AnnualUpdate | None:
    return db.session.scalar(select(AnnualUpdate).where(
        AnnualUpdate.organisation_id == organisation.id).order_by(AnnualUpdate.id.desc()).limit(1))


# --- sending the update ----------------------------------------------------------------------


class UpdateRefused(Exception):
    """The update cannot be taken now; the message is for the person who sent it."""


class UpdateAlreadySent(UpdateRefused):
    def __init__(self, update: AnnualUpdate):
        who = f" by {update.submitted_by.email}" if update.submitted_by else ""
        super().__init__(
            f"The annual update for {year_label(update.pledge_period)} was already sent{who} "
            f"on {uk_date(london_date(update.submitted_at))}, so this copy was not sent again.")
        self.update = update


@dataclass
class UpdateInput:
    period_id: int | None  # the year the form reviewed: a stale second tab names an old one
    narratives: dict[str, str]  # by theme
    targets: dict[int, Decimal]  # next year's, by measure id


def submit_annual_update(organisation: Organisation, data: UpdateInput, actor: User,
                         today: date) -> AnnualUpdate:
    """Record the year's review, start the next pledge year on the anniversary with the new
    targets, approve a lapsed signatory again, write it in the history and email the members.

    The organisation row stays locked until the caller commits, so of two submissions at once
    the second finds the update made and gets UpdateAlreadySent; the unique (organisation,
    year) constraint backs that up.
    """
    lock_for_update(Organisation, organisation.id)
    db.session.expire(organisation, ["current_pledge_period", "pledge_periods"])
    if organisation.status not in UPDATING_STATUSES:
        raise UpdateRefused("Only a signatory of the Charter can send an annual update.")
    period = organisation.current_pledge_period
    if data.period_id != period.id:
        earlier = db.session.scalar(select(AnnualUpdate).where(
            AnnualUpdate.organisation_id == organisation.id,
            AnnualUpdate.pledge_period_id == data.period_id))
        if earlier is not None:
            raise UpdateAlreadySent(earlier)
        raise UpdateRefused("That page was out of date, so nothing was sent. This is the latest.")
    due, state = annual_update_status(organisation, today)
    if not can_update(state):
        raise UpdateRefused(f"Your annual update opens on {uk_date(opens_on(due))}."
                            if state == UpdateState.NOT_YET_OPEN
                            else "Your annual update for this year is already sent.")
    themes = themes_of(period)
    if set(data.narratives) != set(themes) or not all(data.narratives.values()):
        raise UpdateRefused("Write a few lines for each theme you pledged.")
    if not data.targets:
        raise UpdateRefused("Pledge at least one measure for next year.")

    reviews = year_in_review(organisation, period)
    update = insert_unless_taken(
        AnnualUpdate, ("organisation_id", "pledge_period_id"),
        organisation_id=organisation.id, pledge_period_id=period.id,
        narratives={theme: data.narratives[theme] for theme in themes},
        achieved=[review.as_record() for review in reviews],
        submitted_at=utcnow(), submitted_by_id=actor.id)
    if update is None:
        raise UpdateAlreadySent(update_for(period))
    next_period = start_next_period(organisation, data.targets)
    update.next_period = next_period
    _attach_waiting_reports(organisation, next_period)
    change = _record_renewal(organisation, period, next_period, actor)
    db.session.flush()
    evidence_changed.send(organisation.id, now=utcnow())
    for member in members_of(organisation):
        emails.annual_update_received(organisation, update, change, member)
    return update


def _attach_waiting_reports(organisation: Organisation, period: PledgePeriod) -> None:
    """Quarters reported before their pledge year existed (the update came late) count towards
    it now: a quarter counts towards the year that holds its last day."""
    waiting = db.session.scalars(select(QuarterlyReport).where(
        QuarterlyReport.organisation_id == organisation.id,
        QuarterlyReport.pledge_period_id.is_(None)))
    for report in waiting:
        if period.starts_on <= report.financial_quarter.ends_on <= period.ends_on:
            report.pledge_period_id = period.id


def _record_renewal(organisation: Organisation, reviewed: PledgePeriod,
                    started: PledgePeriod, actor: User) -> StatusChange:
    """The organisation's history (its status changes) shows every renewal: a lapsed
    signatory moves back to approved; an approved one gets an approved-to-approved entry,
    which the history calls "Renewed"."""
    reason = (f"Annual update received for {year_label(reviewed)}; the next pledge year "
              f"starts on {uk_date(started.starts_on)}")
    if organisation.status == S.LAPSED:
        return transition(organisation, S.APPROVED, actor, reason=reason)
    change = StatusChange(organisation=organisation, from_status=S.APPROVED,
                          to_status=S.APPROVED, actor=actor, reason=reason)
    db.session.add(change)
    return change


def members_of(organisation: Organisation) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership).where(Membership.organisation_id == organisation.id)
        .order_by(Membership.id)))


# --- lapsing ---------------------------------------------------------------------------------


def overdue_signatories(today: date) -> list[Organisation]:
    """Approved signatories whose current year's update is more than LAPSES_AFTER_DAYS late."""
    # lapses_on(due) <= today, with due = ends_on + 1 day.
    latest_end = today - timedelta(days=LAPSES_AFTER_DAYS + 2)
    has_update = exists().where(AnnualUpdate.pledge_period_id == PledgePeriod.id)
    return list(db.session.scalars(
        select(Organisation)
        .join(PledgePeriod, Organisation.current_pledge_period_id == PledgePeriod.id)
        .where(Organisation.status == S.APPROVED, PledgePeriod.ends_on <= latest_end,
               ~has_update)
        .order_by(Organisation.id)))


def lapse_if_overdue(organisation: Organisation, today: date) -> StatusChange | None:
    """Lapse the signatory if, checked again under the row lock, it is still approved and its
    update is still past the grace period; email its members. None when it is not."""
    lock_for_update(Organisation, organisation.id)
    db.session.expire(organisation, ["current_pledge_period", "pledge_periods"])
    due, state = annual_update_status(organisation, today)
    if organisation.status != S.APPROVED or state != UpdateState.OVERDUE \
            or today < lapses_on(due):
        return None
    change = transition(
        organisation, S.LAPSED, None,
        reason=(f"Annual update due on {uk_date(due)} not received within "
                f"{LAPSES_AFTER_DAYS} days"))
    for member in members_of(organisation):
        emails.signatory_lapsed(organisation, change, due, LAPSES_AFTER_DAYS, member)
    return change
