"""The County Durham Pound themes and the measure catalogue.

The catalogue itself is data (pledges/data/measures_v<N>.json), loaded by a migration.
"""

from decimal import Decimal

from sqlalchemy import select

from charter_app.extensions import db
from charter_app.pledges.models import Measure

# The five themes of the County Durham Pound indicators (Durham Community Action, June 2024).
THEMES = {
    "jobs": ("Jobs", "More local people in work, more chances for disadvantaged people."),
    "growth": ("Growth", "More opportunities for local SMEs and VCSEs, better staff wellbeing."),
    "social": ("Social", "Healthier, safer communities and more work in the community."),
    "environment": ("Environment", "Less carbon and pollution, less waste, nature protected."),
    "innovation": ("Innovation", "Social innovation with communities: skills, health, climate."),
}
THEME_ORDER = list(THEMES)


def theme_label(theme: str) -> str:
    return THEMES[theme][0]


# Units in plain words for the pages. The catalogue data keeps its short units (the API and the
# CSV publish them); a unit not listed here is already plain and is shown as it is.
UNIT_LABELS = {
    "FTE": "full-time equivalent jobs",
    "FTE (first year)": "full-time equivalent jobs (first year)",
    "session hours x attendees": "person-hours of support",
    "expert hours": "hours of expert advice",
    "tonnes CO2e": "tonnes of CO2 equivalent",
    "staff": "staff members",
    "£ spent": "pounds spent",
    "£ value": "pounds of value given",
}
# Units counted in pounds: shown as £1,200 rather than "1,200 £ spent".
MONEY_UNITS = frozenset({"£ spent", "£ value"})


def unit_label(unit: str) -> str:
    return UNIT_LABELS.get(unit, unit)


def is_money(unit: str) -> bool:
    return unit in MONEY_UNITS


def target_with_unit(target: Decimal | None, unit: str) -> str:
    """'£12,500' for money, '12.5 full-time equivalent jobs' for the rest."""
    if target is None:
        return ""
    # normalize() may leave an exponent (250000 -> 2.5E+5): the "f" format undoes it.
    value = Decimal(target).normalize()
    if not is_money(unit):
        return f"{value:,f} {unit_label(unit)}"
    # Pounds with pence show both places (£12.50); whole pounds show none (£12,500).
    return f"£{value.quantize(Decimal('0.01')):,f}" if value % 1 else f"£{value:,f}"


def template_filters() -> dict:
    return {
        "theme_label": lambda value: theme_label(value) if value else "",
        "unit_label": unit_label,
        "is_money_unit": is_money,
        "target_with_unit": target_with_unit,
    }


def active_measures() -> list[Measure]:
    return list(
        db.session.scalars(
            select(Measure).where(Measure.active).order_by(Measure.sort_order, Measure.id)
        )
    )


def measures_by_theme() -> dict[str, list[Measure]]:
    grouped: dict[str, list[Measure]] = {theme: [] for theme in THEME_ORDER}
    for measure in active_measures():
        grouped[measure.theme].append(measure)
    return grouped
