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

from sqlalchemy import and_, func, select

from charter_app.extensions import db
from charter_app.reporting.models import ReportEntry
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reporting.totals import (
    Figures,
    _between,
    _counted,
    _figure_columns,
    grand_total,
)
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


def current_edition() -> LocalNeedsImport | None:
    """The deciles import the figures use: the latest one."""
    return db.session.scalars(
        select(LocalNeedsImport).where(LocalNeedsImport.kind == "deciles")
        .order_by(LocalNeedsImport.id.desc()).limit(1)
    ).first()


def decile_for_postcode(postcode: str, edition: str) -> int | None:
    """The decile of the small area a postcode lies in, or None when the lookup lacks it."""
    return db.session.scalar(
        select(DeprivationArea.decile)
        .join(PostcodeArea, and_(PostcodeArea.area_code == DeprivationArea.code,
                                 PostcodeArea.edition == DeprivationArea.edition))
        .where(PostcodeArea.edition == edition,
               PostcodeArea.postcode == compact_postcode(postcode)))


def totals_by_band(first: FinancialQuarter, last: FinancialQuarter,
                   edition: str | None) -> dict[str | None, Figures]:
    """Figures by band (every band, and UNALLOCATED; None: the total) for quarters first to
    last: one statement grouping counted entries by the decile their location leads to."""
    result = {key: Figures() for key in (*BAND_KEYS, UNALLOCATED)}
    if edition is None:  # nothing imported yet: all of it is unallocated
        result[UNALLOCATED] = grand_total(first=first, last=last)
        result[None] = result[UNALLOCATED]
        return result
    typed = func.upper(func.replace(ReportEntry.location, " ", ""))
    statement = (
        _counted().add_columns(DeprivationArea.decile, *_figure_columns())
        .outerjoin(PostcodeArea, and_(PostcodeArea.edition == edition,
                                      PostcodeArea.postcode == typed))
        .outerjoin(DeprivationArea, and_(DeprivationArea.edition == edition,
                                         DeprivationArea.code == PostcodeArea.area_code))
        .where(_between(first, last))
        .group_by(DeprivationArea.decile))
    for row in db.session.execute(statement):
        key = UNALLOCATED if row.decile is None else band_for(row.decile)
        result[key] += Figures(row.gross, row.net, row.checked_gross)
    result[None] = sum(result.values(), Figures())
    return result


def data_in_use(imported: LocalNeedsImport | None) -> dict | None:
    """What the bands were worked out from, to be frozen with a report: the edition, and the
    source and date of its deciles and (when one was imported with them) its postcode lookup."""
    if imported is None:
        return None
    postcodes = db.session.scalars(
        select(LocalNeedsImport).where(LocalNeedsImport.kind == "postcodes",
                                       LocalNeedsImport.edition == imported.edition,
                                       LocalNeedsImport.id > imported.id)
        .order_by(LocalNeedsImport.id.desc()).limit(1)).first()

    def described(row: LocalNeedsImport | None) -> dict | None:
        return None if row is None else {"source": row.source, "rows": row.rows,
                                         "imported_on": row.imported_at.date().isoformat()}

    return {"edition": imported.edition, "deciles": described(imported),
            "postcodes": described(postcodes)}
