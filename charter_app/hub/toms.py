"""The TOMs guide: the measure catalogue as a reader needs it, generated from the data.

Each measure shows its proxy value for the current financial year with the value's source and
edition, and a worked example: a typical quantity times that value, in exact Decimals (the
same rule reports use, reporting/calculations.py), rounded only when shown.
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from charter_app.extensions import db
from charter_app.hub import pages
from charter_app.hub.models import Page
from charter_app.pledges.catalogue import THEME_ORDER, active_measures, is_money
from charter_app.pledges.models import Measure, ProxyValue
from charter_app.reporting.calculations import entry_value

# A round, modest quantity for each unit, so the example reads like a small organisation's year.
EXAMPLE_QUANTITIES = {
    "FTE": Decimal(1),
    "FTE (first year)": Decimal(1),
    "weeks": Decimal(52),
    "hours": Decimal(10),
    "expert hours": Decimal(10),
    "session hours x attendees": Decimal(20),
    "£ spent": Decimal(1000),
    "£ value": Decimal(500),
    "staff": Decimal(10),
    "tonnes CO2e": Decimal(5),
    "tonnes": Decimal(5),
    "miles": Decimal(1000),
}
DEFAULT_EXAMPLE_QUANTITY = Decimal(10)


@dataclass(frozen=True)
class WorkedExample:
    quantity: Decimal
    proxy_value: Decimal
    value: Decimal  # exact: quantity x proxy value
    money_unit: bool


@dataclass(frozen=True)
class GuideEntry:
    measure: Measure
    proxy: ProxyValue | None
    example: WorkedExample | None
    note: Page | None
    note_slug: str


def worked_example(measure: Measure, proxy: ProxyValue | None) -> WorkedExample | None:
    if proxy is None or proxy.value is None:
        return None
    quantity = EXAMPLE_QUANTITIES.get(measure.unit, DEFAULT_EXAMPLE_QUANTITY)
    value = entry_value(quantity, proxy.value).gross
    return WorkedExample(quantity, proxy.value, value, is_money(measure.unit))


def guide(financial_year: int, *, published_notes_only: bool = True) -> dict[str, list[GuideEntry]]:
    """The active measures by theme, each with this year's proxy value, example and note."""
    measures = active_measures()
    proxies = {proxy.measure_id: proxy for proxy in db_proxies(financial_year)}
    notes = pages.measure_notes(published_only=published_notes_only)
    grouped: dict[str, list[GuideEntry]] = {theme: [] for theme in THEME_ORDER}
    for measure in measures:
        proxy = proxies.get(measure.id)
        slug = pages.measure_note_slug(measure.code)
        grouped[measure.theme].append(GuideEntry(
            measure, proxy, worked_example(measure, proxy), notes.get(slug), slug))
    return grouped


def db_proxies(financial_year: int) -> list[ProxyValue]:
    return list(db.session.scalars(
        select(ProxyValue).where(ProxyValue.financial_year == financial_year)))
