"""The County Durham Pound themes and the measure catalogue.

The catalogue itself is data (pledges/data/measures_v<N>.json), loaded by a migration.
"""

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


def template_filters() -> dict:
    return {"theme_label": lambda value: theme_label(value) if value else ""}


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
