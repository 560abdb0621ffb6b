"""Staff insights laid out as tables: the page's tables, its charts and each section's CSV are
all drawn from these rows, so the three always agree."""

from dataclasses import dataclass, field

from charter_app.events.display import KIND_LABELS, kind_label
from charter_app.organisations.data_postcodes import AREAS
from charter_app.organisations.eligibility import SECTOR_LABELS, SIZE_LABELS
from charter_app.pledges.catalogue import THEME_ORDER, theme_label
from charter_app.reporting import charts
from charter_app.reports.insights import Insights
from charter_app.timeutil import format_london

STATE_LABELS = {
    "draft": "Draft",
    "submitted": "Submitted",
    "approved": "Approved",
    "rejected": "Rejected",
    "lapsed": "Lapsed",
    "withdrawn": "Withdrawn",
    "suspended": "Suspended",
}
NOT_GIVEN = "Not given"
SECTIONS = {
    "pipeline": "Applications",
    "signatories": "Signatories",
    "compliance": "Quarterly reporting",
    "renewals": "Lapses and renewals",
    "events": "Event attendance",
}


@dataclass(frozen=True)
class Table:
    """Rows of a label and whole numbers (`figures`), drawn as a chart of the first
    `charted` number columns."""

    table_id: str
    caption: str
    first_column: str
    columns: list[str]
    rows: list[tuple[str, list]]
    charted: int
    chart: charts.CountChart | None = None

    @property
    def is_empty(self) -> bool:
        return not any(any(value for value in values) for _label, values in self.rows)


def _table(table_id: str, caption: str, first_column: str, columns: list[str],
           rows: list[tuple[str, list]], what: str, charted: int | None = None,
           label_width: int = charts.LABEL_WIDTH) -> Table:
    charted = charted or len(columns)
    series = columns[:charted]
    chart_rows = [(label, values[:charted]) for label, values in rows]
    chart = charts.count_chart(f"chart-{table_id}", caption,
                               charts.describe_counts(series, chart_rows, what), series,
                               chart_rows, label_width)
    return Table(table_id, caption, first_column, columns, rows, charted, chart)


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table] = field(default_factory=list)
    # Extra rows only the CSV carries (for events: each event), with their own header.
    csv_header: list[str] | None = None
    csv_rows: list[list] | None = None
    extra_csv_rows: list[list] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return all(table.is_empty for table in self.tables)

    def csv(self) -> tuple[list[str], list[list]]:
        """The section as one CSV: the given rows, or every table's rows with its caption."""
        if self.csv_header is not None:
            return self.csv_header, self.csv_rows or []
        header = ["Table", self.tables[0].first_column, *self.tables[0].columns]
        if len(self.tables) > 1:
            header = ["Table", "Group", "Signatories"]
        return header, [[table.caption, label, *values]
                        for table in self.tables for label, values in table.rows
                        ] + self.extra_csv_rows


def _pipeline(found: Insights) -> Section:
    year = found.filters.financial_year
    rows = [(STATE_LABELS[row.state], [row.now, row.entered]) for row in found.pipeline.states]
    table = _table("pipeline", f"Applications by state: today, and moves into each state in "
                   f"{year}", "State", ["Today", f"In {year}"], rows, "states")
    waiting = found.pipeline.waiting
    caption = "Waiting for review today (working days since submission)"
    extra = [[caption, "Applications waiting", waiting.count, ""],
             [caption, "Median wait", "" if waiting.median is None else waiting.median, ""],
             [caption, "Longest wait", "" if waiting.longest is None else waiting.longest, ""]]
    return Section("pipeline", SECTIONS["pipeline"], [table], extra_csv_rows=extra)


def _labelled(counts: dict, labels: dict, keys: list) -> list[tuple[str, list]]:
    """Every key in `keys`, then any other value found (a key no longer offered), then none."""
    rows = [(labels.get(key, key), [counts.get(key, 0)]) for key in keys]
    rows += [(str(key), [count]) for key, count in counts.items()
             if key is not None and key not in keys]
    if counts.get(None):
        rows.append((NOT_GIVEN, [counts[None]]))
    return rows


def _signatories(found: Insights) -> Section:
    counted = found.signatories
    areas = [found.filters.area] if found.filters.area else AREAS
    where = f"listed signatories, {found.filters.financial_year}"
    tables = [
        _table("sector", f"By sector ({where})", "Sector", ["Signatories"],
               _labelled(counted.by_sector, {"private": "Private", "third": "VCSE"},
                         list(SECTOR_LABELS)), "sectors"),
        _table("size", f"By size ({where})", "Size", ["Signatories"],
               _labelled(counted.by_size, {key: key.capitalize() for key in SIZE_LABELS},
                         list(SIZE_LABELS)), "sizes"),
        _table("area", f"By area ({where})", "Area", ["Signatories"],
               _labelled(counted.by_area, {}, list(areas)), "areas", label_width=130),
        _table("theme", f"By theme pledged ({where})", "Theme", ["Signatories"],
               _labelled(counted.by_theme, {key: theme_label(key) for key in THEME_ORDER},
                         THEME_ORDER), "themes"),
    ]
    return Section("signatories", SECTIONS["signatories"], tables)


def _compliance(found: Insights) -> Section:
    rows = [(row.quarter.label, [row.on_time, row.late, row.missing, row.overdue,
                                 row.not_yet_due, row.expected])
            for row in found.compliance]
    table = _table("compliance", f"Quarterly reports, {found.filters.financial_year}",
                   "Quarter", ["On time", "Submitted late", "Missing", "Overdue, not yet missing",
                               "Not yet due", "Expected to report"],
                   rows, "quarters", charted=4)
    return Section("compliance", SECTIONS["compliance"], [table])


def _renewals(found: Insights) -> Section:
    rows = [(row.quarter.label, [row.due, row.renewed, row.lapsed, row.reinstated])
            for row in found.renewals]
    table = _table("renewals", f"Annual updates and lapses, {found.filters.financial_year}",
                   "Quarter", ["Updates due", "Renewed", "Lapsed", "Renewed after lapsing"],
                   rows, "quarters")
    return Section("renewals", SECTIONS["renewals"], [table])


def _events(found: Insights) -> Section:
    by_kind: dict[str, list[int]] = {kind: [0, 0, 0, 0] for kind in KIND_LABELS}
    for event in found.events:
        totals = by_kind.setdefault(event.kind, [0, 0, 0, 0])
        for index, value in enumerate((event.registered, event.attended, event.no_shows, 1)):
            totals[index] += value
    rows = [(kind_label(kind), values) for kind, values in by_kind.items()]
    table = _table("events", f"Event attendance by type, {found.filters.financial_year}",
                   "Type of event", ["Registered", "Attended", "No-shows", "Events"], rows,
                   "types of event", charted=3, label_width=120)
    header = ["Event", "Type", "Starts (UK time)", "Registered", "Attended", "No-shows"]
    csv_rows = [[event.title, kind_label(event.kind), format_london(event.starts_at),
                 event.registered, event.attended, event.no_shows] for event in found.events]
    csv_rows += [[f"All {label.lower()} events", label, "", *values[:3]]
                 for label, values in rows]
    return Section("events", SECTIONS["events"], [table], header, csv_rows)


def sections(found: Insights) -> list[Section]:
    return [_pipeline(found), _signatories(found), _compliance(found), _renewals(found),
            _events(found)]
