"""Social value a signatory chooses to publish: on its public profile and in the API.

Off by default (Organisation.publishes_social_value). When on, the profile and
`/api/v1/signatories/<slug>` show the last four complete quarters' totals by theme, gross and
net, with how much of the gross staff checked; the profile adds a table by financial year.

Amounts in the API are decimal strings rounded half up to the penny (calculations.pennies), so
"1234.50", never a float. Each amount is its own exact total rounded, so the themes may add up
to a penny or two more or less than the rounded total. Every theme is present, "0.00" when
nothing was reported in it; `social_value` is left out altogether when the signatory does not
publish.
"""

from dataclasses import dataclass
from datetime import date

from charter_app.extensions import db
from charter_app.locking import lock_for_update
from charter_app.organisations.models import Organisation, ProfileEdit
from charter_app.pledges.catalogue import THEME_ORDER
from charter_app.reporting import totals
from charter_app.reporting.calculations import pennies
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reporting.services import REPORTING_STATUSES, ReportRefused
from charter_app.reporting.totals import Figures
from charter_app.timeutil import london_date, utcnow

PUBLIC_QUARTERS = 4
PUBLISHING_FIELD = "publishes_social_value"
# How the choice reads in the profile's history of changes.
PUBLISHING_WORDS = {True: "shown", False: "not shown"}


@dataclass(frozen=True)
class YearFigures:
    financial_year: str  # "2026-27"
    figures: Figures


@dataclass(frozen=True)
class PublishedSocialValue:
    first: FinancialQuarter
    last: FinancialQuarter
    by_theme: dict[str, Figures]  # every theme, in the usual order
    by_year: list[YearFigures]  # oldest first; empty when not asked for

    @property
    def total(self) -> Figures:
        return sum(self.by_theme.values(), Figures())

    @property
    def starts_on(self) -> date:
        return self.first.starts_on

    @property
    def ends_on(self) -> date:
        return self.last.ends_on


def published_social_value(organisation: Organisation, today: date | None = None, *,
                           with_years: bool = True) -> PublishedSocialValue | None:
    """The figures a signatory publishes, or None when it does not publish them.

    One statement for the last four complete quarters by theme, and one more for the table by
    financial year (with_years=False leaves it out, as the API does).
    """
    if not organisation.publishes_social_value:
        return None
    quarters = totals.last_complete_quarters(today or london_date(utcnow()), PUBLIC_QUARTERS)
    per_theme = totals.totals_by("theme", organisation_id=organisation.id, first=quarters[0],
                                 last=quarters[-1])
    by_year = []
    if with_years:
        for year, themes in totals.by_financial_year(organisation.id).items():
            by_year.append(YearFigures(FinancialQuarter(year, 1).financial_year,
                                       sum(themes.values(), Figures())))
    return PublishedSocialValue(
        first=quarters[0], last=quarters[-1],
        by_theme={theme: per_theme.get(theme, Figures()) for theme in THEME_ORDER},
        by_year=by_year)


def _amount(value) -> str:
    return str(pennies(value))


def social_value_json(figures: PublishedSocialValue) -> dict:
    """The API's `social_value` object (DESIGN.md section 7)."""
    total = figures.total
    return {
        "currency": "GBP",
        "total_gross": _amount(total.gross),
        "total_net": _amount(total.net),
        "checked_gross": _amount(total.checked_gross),
        "by_theme": {theme: {"gross": _amount(value.gross), "net": _amount(value.net)}
                     for theme, value in figures.by_theme.items()},
        "period": {"from": figures.starts_on.isoformat(), "to": figures.ends_on.isoformat()},
    }


def add_social_value(item: dict, organisation: Organisation, today: date | None = None) -> dict:
    """Put `social_value` in an API item when the signatory publishes it (no key otherwise)."""
    figures = published_social_value(organisation, today, with_years=False)
    if figures is not None:
        item["social_value"] = social_value_json(figures)
    return item


def set_publishing(organisation: Organisation, actor, publish: bool) -> ProfileEdit | None:
    """Show or stop showing reported social value in public; recorded as a profile edit.

    None when it already was as asked (nothing recorded). The public pages refresh by
    themselves: the organisation feeds the directory's cache version (directory/cache.py).
    """
    organisation = lock_for_update(Organisation, organisation.id)
    if organisation.status not in REPORTING_STATUSES:
        raise ReportRefused("Only a signatory of the Charter can publish its social value.")
    was = bool(organisation.publishes_social_value)
    if was == publish:
        return None
    organisation.publishes_social_value = publish
    edit = ProfileEdit(organisation=organisation, field=PUBLISHING_FIELD,
                       old_value=PUBLISHING_WORDS[was], new_value=PUBLISHING_WORDS[publish],
                       actor=actor)
    db.session.add(edit)
    db.session.flush()
    return edit
