"""Demo pledges: one to four measures per organisation, with 12-month targets in proportion to
its size, in its first pledge period; and the targets its annual updates set for later years."""

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from charter_app.organisations.models import Organisation
from charter_app.pledges.catalogue import is_money
from charter_app.pledges.models import Pledge, PledgePeriod
from charter_app.pledges.services import add_years, period_dates, period_number_on
from charter_app.timeutil import london_date

# What a small organisation (10 to 49 staff) might pledge in a year, per measure; the other
# size bands scale it. Invented for the demo, like the organisations themselves.
TYPICAL_SMALL_TARGET = {
    "CDP-JOB-01": Decimal(8), "CDP-JOB-02": Decimal(1), "CDP-JOB-03": Decimal(104),
    "CDP-JOB-04": Decimal(20), "CDP-JOB-05": Decimal(60), "CDP-JOB-06": Decimal(300),
    "CDP-GRO-01": Decimal(40), "CDP-GRO-02": Decimal(250_000), "CDP-GRO-03": Decimal(15),
    "CDP-SOC-01": Decimal(3_000), "CDP-SOC-02": Decimal(200), "CDP-ENV-01": Decimal(10),
    "CDP-ENV-02": Decimal(20_000), "CDP-ENV-03": Decimal(8), "CDP-INN-01": Decimal(1),
}
SIZE_SCALE = {"micro": Decimal("0.3"), "small": Decimal(1), "medium": Decimal(3),
              "large": Decimal(8)}
# Units counted in whole numbers, and money rounded to tens of pounds; FTE to halves.
WHOLE_UNITS = {"weeks", "hours", "expert hours", "staff", "projects", "miles",
               "session hours x attendees"}


def rounded(amount: Decimal, unit: str) -> Decimal:
    """A quantity as people would write it for this unit (never below the smallest step)."""
    if is_money(unit):
        step = Decimal(10)
    elif unit in WHOLE_UNITS:
        step = Decimal(1)
    elif unit.startswith("tonnes"):
        step = Decimal("0.1")
    else:  # FTE
        step = Decimal("0.5")
    steps = (amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(steps, Decimal(1)) * step


def target_for(rng: random.Random, measure, size_band: str | None) -> Decimal:
    typical = TYPICAL_SMALL_TARGET.get(measure.code)
    if typical is None:  # a measure added to the catalogue since: the old rule of thumb
        return Decimal(rng.randint(1, int(max(Decimal(1), measure.plausible_max / 200))))
    scale = SIZE_SCALE.get(size_band or "small", Decimal(1))
    spread = Decimal(rng.randint(50, 150)) / 100
    return min(rounded(typical * scale * spread, measure.unit), measure.plausible_max)


def first_period(organisation: Organisation) -> PledgePeriod:
    period = PledgePeriod(number=1)
    organisation.pledge_periods.append(period)
    organisation.current_pledge_period = period
    return period


def pledge_at_random(rng: random.Random, organisation: Organisation, measures) -> None:
    period = first_period(organisation)
    for measure in rng.sample(measures, k=rng.randint(1, 4)):
        period.pledges.append(Pledge(measure_id=measure.id,
                                     target=target_for(rng, measure, organisation.size_band)))


def pledge(organisation: Organisation, by_code: dict, targets: dict[str, str]) -> None:
    period = first_period(organisation)
    for code, target in targets.items():
        period.pledges.append(Pledge(measure_id=by_code[code].id, target=Decimal(target)))


def date_first_period(organisation: Organisation) -> None:
    """Approval fixes the first period's dates, as the real approval does."""
    for period in organisation.pledge_periods:
        period.starts_on, period.ends_on = period_dates(
            london_date(organisation.approved_at), period.number)


def anniversaries(organisation: Organisation, today: date) -> list[date]:
    """Every anniversary of approval up to today: each one started a new pledge period."""
    approved_on = london_date(organisation.approved_at)
    return [add_years(approved_on, years)
            for years in range(1, period_number_on(approved_on, today))]


def next_targets(rng: random.Random, organisation: Organisation, by_id: dict, *,
                 extra: dict[str, str] | None = None) -> dict[int, Decimal]:
    """Next year's targets by measure id, as an annual update sets them: most kept or raised,
    now and then one dropped or one added; or, for a fixed choice, all kept and `extra` (targets
    by measure code) added."""
    kept = list(organisation.current_pledge_period.pledges)
    if not extra and len(kept) > 1 and rng.random() < 0.15:
        kept.remove(rng.choice(kept))
    targets = {}
    for old in kept:
        measure = by_id[old.measure_id]
        change = Decimal(rng.choice([100, 100, 110, 120, 125, 150])) / 100
        targets[old.measure_id] = min(rounded(old.target * change, measure.unit),
                                      measure.plausible_max)
    by_code = {measure.code: measure for measure in by_id.values()}
    if extra:
        for code, target in extra.items():
            targets.setdefault(by_code[code].id, Decimal(target))
    elif len(targets) < 4 and rng.random() < 0.25:
        measure = rng.choice([m for m in by_id.values() if m.active and m.id not in targets])
        targets[measure.id] = target_for(rng, measure, organisation.size_band)
    return targets
