"""Pledges and their periods.

A signatory pledges for a year at a time: period 1 runs from approval to the day before the first
anniversary, period 2 for the year after, and so on. A draft's pledges sit in period 1 with no
dates until approval fixes them. Changing pledges in a later period starts that period's own
pledges and leaves every earlier period's as they were. Services flush; the caller commits.
"""

from datetime import date, timedelta
from decimal import Decimal

from charter_app.extensions import db
from charter_app.pledges.models import Pledge, PledgePeriod
from charter_app.timeutil import london_date, utcnow


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in other years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def period_dates(approved_on: date, number: int) -> tuple[date, date]:
    """First and last day (inclusive) of pledge period `number` for a signatory approved then."""
    starts_on = add_years(approved_on, number - 1)
    return starts_on, add_years(approved_on, number) - timedelta(days=1)


def period_number_on(approved_on: date, today: date) -> int:
    """Which pledge period `today` falls in (1 before the first anniversary)."""
    number = 1
    while add_years(approved_on, number) <= today:
        number += 1
    return number


def fix_first_period_dates(organisation) -> None:
    """At approval, date period 1 from the approval day (it keeps its dates on re-approval)."""
    approved_on = london_date(organisation.approved_at or utcnow())
    for period in organisation.pledge_periods:
        if period.starts_on is None:
            period.starts_on, period.ends_on = period_dates(approved_on, period.number)
    db.session.flush()


def _period_for_editing(organisation, today: date | None) -> PledgePeriod:
    """The period a change of pledges belongs to: period 1 before approval, else the one today
    falls in, made when first needed."""
    number, dates = 1, (None, None)
    if organisation.approved_at is not None:
        approved_on = london_date(organisation.approved_at)
        number = period_number_on(approved_on, today or london_date(utcnow()))
        dates = period_dates(approved_on, number)
    for period in organisation.pledge_periods:
        if period.number == number:
            return period
    period = PledgePeriod(number=number, starts_on=dates[0], ends_on=dates[1])
    organisation.pledge_periods.append(period)
    return period


def set_pledges(organisation, targets: dict[int, Decimal], today: date | None = None) -> None:
    """Make these targets, keyed by measure id, the pledges for the current period.

    Within a period the pledges are replaced; an earlier period's are never touched.
    """
    period = _period_for_editing(organisation, today)
    current = {pledge.measure_id: pledge for pledge in period.pledges}
    for measure_id, pledge in current.items():
        if measure_id not in targets:
            period.pledges.remove(pledge)
    for measure_id, target in targets.items():
        if measure_id in current:
            current[measure_id].target = target
        else:
            period.pledges.append(Pledge(measure_id=measure_id, target=target))
    organisation.current_pledge_period = period
    db.session.flush()
    # The public list of pledges follows the period pointer: reload it.
    db.session.expire(organisation, ["pledges"])


def approval_day(organisation) -> date:
    """The day every pledge year counts from: period 1's first day, fixed at approval (a later
    reinstatement leaves it)."""
    first = organisation.pledge_periods[0] if organisation.pledge_periods else None
    if first is not None and first.starts_on is not None:
        return first.starts_on
    return london_date(organisation.approved_at)


def start_next_period(organisation, targets: dict[int, Decimal]) -> PledgePeriod:
    """Make the period after the current one, dated from the approval's next anniversary
    (whatever today is), with these targets keyed by measure id, and make it current.

    The year reviewed keeps its own pledges; the caller checks the new period does not exist.
    """
    number = organisation.current_pledge_period.number + 1
    starts_on, ends_on = period_dates(approval_day(organisation), number)
    period = PledgePeriod(number=number, starts_on=starts_on, ends_on=ends_on)
    for measure_id, target in targets.items():
        period.pledges.append(Pledge(measure_id=measure_id, target=target))
    organisation.pledge_periods.append(period)
    db.session.flush()
    organisation.current_pledge_period = period
    db.session.flush()
    db.session.expire(organisation, ["pledges"])
    return period
