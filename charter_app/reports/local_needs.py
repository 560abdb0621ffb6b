"""Value by local need: where value was delivered, banded by how deprived that place is.

The chain is postcode -> small area (LSOA) -> Index of Multiple Deprivation decile -> band, the
bands being the Local Needs Analysis's words (severe, high, mild, low) by the rule in `BANDS`,
kept here and nowhere else.

Design: nothing new is stored on a report entry. The figures join each counted entry's
`location` (what the signatory typed) to the postcode lookup in SQL, matching it upper-cased
with its spaces removed against postcodes stored the same way: UPPER and REPLACE behave alike on
SQLite and PostgreSQL, so one grouping statement gives the value per decile, whatever the
number of entries. An entry with no location, an area name, or a postcode the lookup does not
hold is "unallocated". Because the join happens when the figures are read, an import of a new
edition (or of a postcode lookup that was missing) re-bands every past entry with no migration
of data; a published report keeps the bands it was published with in its snapshot.

The edition used is the one whose deciles were imported last (LocalNeedsImport). The counted
entries and the money sums come from reporting/totals.py, so bands add up exactly as themes do.
"""

from dataclasses import dataclass

from sqlalchemy import and_, func, null, select

from charter_app.extensions import db
from charter_app.reporting.models import CountedTotal
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reporting.totals import Figures, _between, summary_figure_columns
from charter_app.reports.local_needs_models import DeprivationArea, LocalNeedsImport, PostcodeArea

# (key, label, deciles): decile 1 is the most deprived tenth of small areas in England.
BANDS = (
    ("severe", "Severe", range(1, 2)),
    ("high", "High", range(2, 4)),
    ("mild", "Mild", range(4, 7)),
    ("low", "Low", range(7, 11)),
)
UNALLOCATED = "unallocated"
BAND_KEYS = tuple(key for key, _, _ in BANDS)
BAND_LABELS = {key: label for key, label, _ in BANDS}


def _deciles_in_words(deciles: range) -> str:
    first, last = deciles[0], deciles[-1]
    return f"decile {first}" if first == last else f"deciles {first} to {last}"


# "Severe: decile 1", "High: deciles 2 to 3", ..., read off BANDS so words and rule agree.
BAND_DECILES = {key: _deciles_in_words(deciles) for key, _, deciles in BANDS}

# Each edition of the English Indices of Deprivation is published for one census geography.
EDITION_GEOGRAPHIES = {"IoD2019": "LSOA2011", "IoD2025": "LSOA2021"}
COUNTY_DURHAM_LA_CODE = "E06000047"


def band_for(decile: int) -> str:
    """The band of an IMD decile (1 to 10); ValueError for anything else."""
    for key, _, deciles in BANDS:
        if decile in deciles:
            return key
    raise ValueError(f"An IMD decile is a whole number from 1 to 10, not {decile!r}")


def compact_postcode(text: str) -> str:
    """How postcodes are keyed in the lookup: upper case, no spaces ("dh1 3he" -> "DH13HE")."""
    return "".join(text.split()).upper()


def imports_in_use() -> tuple[LocalNeedsImport | None, LocalNeedsImport | None]:
    """The deciles import the figures use (the latest) and the postcode lookup imported with
    it, if any: one statement."""
    latest = (select(func.max(LocalNeedsImport.id))
              .where(LocalNeedsImport.kind == "deciles").scalar_subquery())
    rows = db.session.scalars(select(LocalNeedsImport).where(LocalNeedsImport.id >= latest)
                              .order_by(LocalNeedsImport.id)).all()
    if not rows:
        return None, None
    deciles = rows[0]
    postcodes = [row for row in rows
                 if row.kind == "postcodes" and row.edition == deciles.edition]
    return deciles, (postcodes[-1] if postcodes else None)


def decile_for_postcode(postcode: str, edition: str) -> int | None:
    """The decile of the small area a postcode lies in, or None when the lookup lacks it."""
    return db.session.scalar(
        select(DeprivationArea.decile)
        .join(PostcodeArea, and_(PostcodeArea.area_code == DeprivationArea.code,
                                 PostcodeArea.edition == DeprivationArea.edition))
        .where(PostcodeArea.edition == edition,
               PostcodeArea.postcode == compact_postcode(postcode)))


@dataclass(frozen=True)
class NeedTotals:
    """Value by local need for the quarter ("quarter_figures") and the financial year to date
    ("year_to_date"): by band (every band, and UNALLOCATED; None: the total), and by small area
    (each area's code -> its decile and Figures, only areas where value was delivered)."""

    by_band: dict[str, dict[str | None, Figures]]
    by_area: dict[str, dict[str, tuple[int, Figures]]]


def totals_by_need(quarter: FinancialQuarter, edition: str | None) -> NeedTotals:
    """One statement grouping the year's counted entries by quarter and by the small area (and
    so the decile) their location leads to; bands are the areas' sums."""
    # Read from the summary kept in step with the reports (reporting/summary.py), whose
    # locations are already typed as postcodes are matched: capitals, no spaces.
    statement = (select(CountedTotal.quarter, *summary_figure_columns())
                 .where(_between(FinancialQuarter(quarter.year, 1), quarter, CountedTotal),
                        CountedTotal.entries > 0))
    if edition is None:  # nothing imported yet: all of it is unallocated
        statement = (statement.add_columns(null().label("area_code"), null().label("decile"))
                     .group_by(CountedTotal.quarter))
    else:
        statement = (
            statement.add_columns(PostcodeArea.area_code, DeprivationArea.decile)
            .outerjoin(PostcodeArea, and_(PostcodeArea.edition == edition,
                                          PostcodeArea.postcode == CountedTotal.location))
            .outerjoin(DeprivationArea, and_(DeprivationArea.edition == edition,
                                             DeprivationArea.code == PostcodeArea.area_code))
            .group_by(CountedTotal.quarter, PostcodeArea.area_code, DeprivationArea.decile))
    periods = ("quarter_figures", "year_to_date")
    by_band = {period: {key: Figures() for key in (*BAND_KEYS, UNALLOCATED)}
               for period in periods}
    by_area: dict[str, dict[str, tuple[int, Figures]]] = {period: {} for period in periods}
    for row in db.session.execute(statement):
        key = UNALLOCATED if row.decile is None else band_for(row.decile)
        figures = Figures(row.gross, row.net, row.checked_gross)
        for period in periods if row.quarter == quarter.number else periods[1:]:
            by_band[period][key] += figures
            if row.decile is not None:
                _, before = by_area[period].get(row.area_code, (row.decile, Figures()))
                by_area[period][row.area_code] = (row.decile, before + figures)
    for rows in by_band.values():
        rows[None] = sum(rows.values(), Figures())
    return NeedTotals(by_band, by_area)


def data_in_use(deciles: LocalNeedsImport | None,
                postcodes: LocalNeedsImport | None) -> dict | None:
    """What the bands were worked out from, to be frozen with a report: the edition, and the
    source and date of its deciles and of its postcode lookup (None when there is none)."""
    if deciles is None:
        return None

    def described(row: LocalNeedsImport | None) -> dict | None:
        return None if row is None else {"source": row.source, "rows": row.rows,
                                         "imported_on": row.imported_at.date().isoformat()}

    return {"edition": deciles.edition, "deciles": described(deciles),
            "postcodes": described(postcodes)}
