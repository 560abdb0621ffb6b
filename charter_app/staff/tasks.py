"""The weekly staff digest: what waits for staff, emailed to each of them on Monday morning.

Once a week: the first run at or after Monday 8am UK time (reminders/schedule.py) sends it, one
per person per ISO week (the outbox key `staff-digest:<year>-W<week>:<user id>`). A scheduler
back after downtime sends this week's digest only, never the weeks it missed. What it says is
read in a fixed number of statements however many applications, reports, signatories and
events there are; only the emails themselves cost one each.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import String, and_, cast, exists, func, literal, select

from charter_app.accounts.models import User
from charter_app.events.models import Event, EventStatus, Registration, RegistrationStatus
from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.pledges.models import PledgePeriod
from charter_app.reminders.schedule import STAFF_DIGEST_HOUR, STAFF_DIGEST_WEEKDAY
from charter_app.reporting.models import AnnualUpdate, QuarterlyReport, ReportStatus
from charter_app.staff import emails
from charter_app.timeutil import LONDON, ReviewClock, london_date, review_clock, to_london

# The oldest applications are listed by name; the digest counts the rest.
APPLICATIONS_LISTED = 20
EVENTS_LISTED = 5


@dataclass(frozen=True)
class DigestWeek:
    label: str  # the ISO week, "2026-W48": part of the idempotency key
    starts_on: date  # its Monday (UK date)


@dataclass(frozen=True)
class WaitingApplication:
    organisation_id: int
    name: str
    clock: ReviewClock


@dataclass(frozen=True)
class EventPlaces:
    event: Event
    places_left: int
    waiting: int


@dataclass(frozen=True)
class Digest:
    week: DigestWeek
    applications: list[WaitingApplication]  # the oldest first, at most APPLICATIONS_LISTED
    applications_waiting: int
    reports_to_check: int
    overdue_signatories: int
    lapsed_signatories: int
    events: list[EventPlaces]  # the next few, soonest first


def digest_week(now: datetime) -> DigestWeek | None:
    """The week whose digest is due at `now`: the current ISO week (UK time) once its digest
    moment has come, else None (earlier that week, the last week's moment has passed: after
    downtime it is not sent late)."""
    local = to_london(now)
    year, week, weekday = local.isocalendar()
    monday = local.date() - timedelta(days=weekday - 1)
    due = datetime.combine(monday + timedelta(days=STAFF_DIGEST_WEEKDAY),
                           time(STAFF_DIGEST_HOUR), tzinfo=LONDON)
    if now < due:
        return None
    return DigestWeek(f"{year}-W{week:02d}", monday)


def digest_key(week: DigestWeek, user_id: int) -> str:
    return f"staff-digest:{week.label}:{user_id}"


def _recipients(week: DigestWeek) -> list[User]:
    """Active staff who want the digest and have not had this week's (one statement). Staff
    invited who have not accepted yet (no confirmed address) are not sent one."""
    key = literal(f"staff-digest:{week.label}:") + cast(User.id, String)
    sent = exists().where(OutboxMessage.idempotency_key == key)
    return list(db.session.scalars(
        select(User).where(User.is_staff.is_(True), User.deactivated_at.is_(None),
                           User.email_confirmed_at.is_not(None),
                           User.wants_staff_digest.is_(True), ~sent)
        .order_by(User.id)))


def _waiting_applications(now: datetime) -> tuple[list[WaitingApplication], int]:
    """The oldest submitted applications and how many there are (one statement: the total
    rides along each row)."""
    rows = db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.submitted_at,
               func.count().over())
        .where(Organisation.status == ApplicationStatus.SUBMITTED)
        .order_by(Organisation.submitted_at, Organisation.id)
        .limit(APPLICATIONS_LISTED)).all()
    listed = [WaitingApplication(organisation_id, name, review_clock(submitted_at, now))
              for organisation_id, name, submitted_at, _ in rows]
    return listed, rows[0][3] if rows else 0


def _overdue_signatories(today: date):
    """Approved signatories past the anniversary their annual update was due on (the day after
    their pledge year ends), without it: the count, as a scalar subquery."""
    has_update = exists().where(AnnualUpdate.pledge_period_id == PledgePeriod.id)
    return (
        select(func.count(Organisation.id))
        .join(PledgePeriod, Organisation.current_pledge_period_id == PledgePeriod.id)
        .where(Organisation.status == ApplicationStatus.APPROVED,
               PledgePeriod.ends_on < today - timedelta(days=1), ~has_update)
        .scalar_subquery())


def _counts(today: date) -> tuple[int, int, int]:
    """Reports waiting to be checked, overdue signatories, lapsed ones (one statement)."""
    reports = (select(func.count(QuarterlyReport.id))
               .where(QuarterlyReport.status == ReportStatus.SUBMITTED).scalar_subquery())
    lapsed = (select(func.count(Organisation.id))
              .where(Organisation.status == ApplicationStatus.LAPSED).scalar_subquery())
    return tuple(db.session.execute(select(reports, _overdue_signatories(today), lapsed)).one())


def _count_of(status: RegistrationStatus):
    return (select(func.count(Registration.id))
            .where(and_(Registration.event_id == Event.id, Registration.status == status))
            .correlate(Event).scalar_subquery())


def _next_events(now: datetime) -> list[EventPlaces]:
    """The next published events, each with its places left and waiting list (one statement)."""
    rows = db.session.execute(
        select(Event, _count_of(RegistrationStatus.CONFIRMED),
               _count_of(RegistrationStatus.WAITING))
        .where(Event.status == EventStatus.PUBLISHED, Event.starts_at > now)
        .order_by(Event.starts_at, Event.id).limit(EVENTS_LISTED)).all()
    return [EventPlaces(event, max(0, event.capacity - confirmed), waiting)
            for event, confirmed, waiting in rows]


def gather_digest(week: DigestWeek, now: datetime) -> Digest:
    applications, applications_waiting = _waiting_applications(now)
    reports, overdue, lapsed = _counts(london_date(now))
    return Digest(week=week, applications=applications,
                  applications_waiting=applications_waiting, reports_to_check=reports,
                  overdue_signatories=overdue, lapsed_signatories=lapsed,
                  events=_next_events(now))


def send_staff_digest(now: datetime) -> int:
    """Email this week's digest to each active staff member who wants it and has not had it;
    how many were queued. Before Monday 8am UK time nothing is due."""
    week = digest_week(now)
    if week is None:
        return 0
    recipients = _recipients(week)
    if not recipients:
        return 0
    digest = gather_digest(week, now)
    for user in recipients:
        emails.staff_digest(user, digest, digest_key(week, user.id))
    return len(recipients)
