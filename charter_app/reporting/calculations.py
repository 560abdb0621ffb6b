"""Social value in pounds: gross from a quantity and its proxy value, net after the SROI
deflators the forum asked about (seed 004): deadweight, attribution and displacement.

Figures stay exact Decimals from entry to total; rounding to pennies happens only for display
(`pennies`, half up), so a total is the sum of exact entries, never of rounded ones.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
PENNY = Decimal("0.01")
# The bands SROI practice scores each deflator in; any whole or decimal 0-100 is allowed too.
DEFLATOR_BANDS = (Decimal(0), Decimal(25), Decimal(50), Decimal(75), Decimal(100))


@dataclass(frozen=True)
class Deflators:
    """Percentages (0 to 100) of the gross value that would have happened anyway (deadweight),
    is owed to others (attribution), or was only moved from elsewhere (displacement)."""

    deadweight: Decimal = Decimal(0)
    attribution: Decimal = Decimal(0)
    displacement: Decimal = Decimal(0)

    def __post_init__(self):
        for name in ("deadweight", "attribution", "displacement"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or not (
                    0 <= value <= HUNDRED):
                raise ValueError(f"{name.capitalize()} must be a percentage from 0 to 100")

    @property
    def kept(self) -> Decimal:
        """The share of the gross value that is counted as net, from 0 to 1."""
        share = Decimal(1)
        for percentage in (self.deadweight, self.attribution, self.displacement):
            share *= 1 - percentage / HUNDRED
        return share


@dataclass(frozen=True)
class SocialValue:
    gross: Decimal
    net: Decimal

    def __add__(self, other: "SocialValue") -> "SocialValue":
        return SocialValue(self.gross + other.gross, self.net + other.net)


ZERO = SocialValue(Decimal(0), Decimal(0))


def entry_value(quantity: Decimal, proxy_value: Decimal,
                deflators: Deflators = Deflators()) -> SocialValue:  # noqa: B008 - immutable
    """Gross = quantity x proxy value; net = gross x (1 - each deflator), all exact."""
    if quantity < 0 or proxy_value < 0:
        raise ValueError("A quantity and a proxy value are never negative")
    gross = quantity * proxy_value
    return SocialValue(gross, gross * deflators.kept)


def total(values: Iterable[SocialValue]) -> SocialValue:
    return sum(values, ZERO)


def pennies(amount: Decimal) -> Decimal:
    """For display only: to the nearest penny, halves up (£0.005 shows as £0.01)."""
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)
