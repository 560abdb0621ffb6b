"""Demo pledges: one to four measures per organisation, in its first pledge period."""

import random
from decimal import Decimal

from charter_app.organisations.models import Organisation
from charter_app.pledges.models import Pledge, PledgePeriod
from charter_app.pledges.services import period_dates
from charter_app.timeutil import london_date


def first_period(organisation: Organisation) -> PledgePeriod:
    period = PledgePeriod(number=1)
    organisation.pledge_periods.append(period)
    organisation.current_pledge_period = period
    return period


def pledge_at_random(rng: random.Random, organisation: Organisation, measures) -> None:
    period = first_period(organisation)
    for measure in rng.sample(measures, k=rng.randint(1, 4)):
        ceiling = max(Decimal(1), measure.plausible_max / 200)
        target = Decimal(rng.randint(1, int(ceiling)))
        period.pledges.append(Pledge(measure_id=measure.id, target=target))


def pledge(organisation: Organisation, by_code: dict, targets: dict[str, str]) -> None:
    period = first_period(organisation)
    for code, target in targets.items():
        period.pledges.append(Pledge(measure_id=by_code[code].id, target=Decimal(target)))


def date_first_period(organisation: Organisation) -> None:
    """Approval fixes the first period's dates, as the real approval does."""
    for period in organisation.pledge_periods:
        period.starts_on, period.ends_on = period_dates(
            london_date(organisation.approved_at), period.number)
