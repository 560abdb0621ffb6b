"""Bar charts of gross and net social value, laid out here and drawn as inline SVG by
templates/reporting/_bar_chart.html.

Drawn on the server, so a chart needs no JavaScript and nothing the Content Security Policy
forbids: every size and colour is an SVG attribute (a presentation attribute is not a style).
Bars run across the page, one row of two bars per quarter or theme, so the labels stay
readable when the viewBox shrinks to a 320 px phone. Gross is solid and net is hatched with an
outline, each bar carries its amount, and a legend names both: nothing depends on colour. The
figures themselves are in a table beside each chart, which is the record; the chart's amounts
are whole pounds, the table's pennies.
"""

from dataclasses import dataclass
from decimal import Decimal

from charter_app.presentation import money
from charter_app.reporting.calculations import SocialValue

WIDTH = 360
LABEL_WIDTH = 92  # the row labels ("2026-27 Q1", "Environment") end here, right-aligned
AMOUNT_SPACE = 80  # room after the longest bar for its amount ("£12,345,678")
BAR_HEIGHT = 14
BAR_GAP = 2
ROW_GAP = 14
LEGEND_HEIGHT = 30
ROW_HEIGHT = 2 * BAR_HEIGHT + BAR_GAP + ROW_GAP
SERIES = (("gross", "Gross"), ("net", "Net"))


@dataclass(frozen=True)
class Bar:
    series: str  # "gross" or "net"
    series_label: str
    amount: Decimal
    y: int
    length: Decimal  # 0 for nothing reported
    amount_text: str  # whole pounds, at the bar's end
    amount_x: Decimal


@dataclass(frozen=True)
class Row:
    label: str
    label_y: int
    bars: tuple[Bar, Bar]


class _Described:
    """The ids an SVG chart's aria-labelledby points at: its title and its description."""

    chart_id: str

    @property
    def title_id(self) -> str:
        return f"{self.chart_id}-title"

    @property
    def description_id(self) -> str:
        return f"{self.chart_id}-description"


@dataclass(frozen=True)
class BarChart(_Described):
    """What the template draws: an id (prefix for the SVG's own ids), a title and a description
    for screen readers (aria-labelledby), the view box, and the rows of bars."""

    chart_id: str
    title: str
    description: str
    width: int
    height: int
    bar_start: int
    label_end: int
    rows: tuple[Row, ...]

    @property
    def hatch_id(self) -> str:
        return f"{self.chart_id}-hatch"


def _scale_top(largest: Decimal) -> Decimal:
    """A round number at least as large as the largest amount (1, 2, 2.5 or 5 times a power of
    ten), so bars keep their proportions from chart to chart."""
    if largest <= 0:
        return Decimal(1)
    power = Decimal(10) ** (len(str(int(largest))) - 1)
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if largest <= power * step:
            return power * step
    return power * 10  # pragma: no cover - the loop ends at ten times the power


def gross_and_net_chart(chart_id: str, title: str, description: str,
                        rows: list[tuple[str, SocialValue]],
                        label_width: int = LABEL_WIDTH) -> BarChart:
    """A chart with a gross bar and a net bar for each (label, value) row, in the given order.
    A wider `label_width` makes room for longer labels ("Chester-le-Street") in the same
    width, with shorter bars."""
    bar_start = label_width + 6
    bar_space = WIDTH - bar_start - AMOUNT_SPACE
    top = _scale_top(max((value.gross for _label, value in rows), default=Decimal(0)))
    drawn = []
    for index, (label, value) in enumerate(rows):
        row_top = LEGEND_HEIGHT + index * ROW_HEIGHT
        bars = []
        for position, (series, series_label) in enumerate(SERIES):
            amount = getattr(value, series)
            length = (max(amount, Decimal(0)) / top * bar_space).quantize(Decimal("0.1"))
            bars.append(Bar(series=series, series_label=series_label, amount=amount,
                            y=row_top + position * (BAR_HEIGHT + BAR_GAP), length=length,
                            amount_text=money(amount, 0), amount_x=bar_start + length + 4))
        drawn.append(Row(label=label, label_y=row_top + BAR_HEIGHT + BAR_GAP // 2,
                         bars=(bars[0], bars[1])))
    height = LEGEND_HEIGHT + max(len(rows), 1) * ROW_HEIGHT
    return BarChart(chart_id=chart_id, title=title, description=description, width=WIDTH,
                    height=height, bar_start=bar_start, label_end=label_width,
                    rows=tuple(drawn))


def describe(rows: list[tuple[str, SocialValue]], what: str) -> str:
    """One or two sentences a screen reader reads instead of the picture: the totals, and the
    row with the most gross value."""
    gross = sum((value.gross for _label, value in rows), Decimal(0))
    net = sum((value.net for _label, value in rows), Decimal(0))
    if gross <= 0:
        return f"No social value was reported for these {what}. The table has each one."
    label, highest = max(rows, key=lambda row: row[1].gross)
    return (f"In total {money(gross)} gross and {money(net)} net over {len(rows)} {what}. "
            f"The most gross value was in {label}: {money(highest.gross)} gross, "
            f"{money(highest.net)} net. The table has every figure.")


# --- counts: one bar per series in each row --------------------------------------------------
# Up to four series, told apart by fill, not colour alone: solid, hatched, dotted and outlined
# white, so a greyscale print still separates them; each bar also carries its count.
COUNT_FILLS = ("solid", "hatch", "dots", "outline")


@dataclass(frozen=True)
class CountBar:
    fill: str  # one of COUNT_FILLS
    label: str
    count: int
    y: int
    length: Decimal
    count_x: Decimal


@dataclass(frozen=True)
class CountRow:
    label: str
    label_y: int
    bars: tuple[CountBar, ...]


@dataclass(frozen=True)
class CountChart(_Described):
    """Like BarChart, for whole numbers in up to four named series."""

    chart_id: str
    title: str
    description: str
    width: int
    height: int
    bar_start: int
    label_end: int
    legend: tuple[tuple[str, str, int, int], ...]  # (fill, label, y, x)
    rows: tuple[CountRow, ...]


    def pattern_id(self, fill: str) -> str:
        return f"{self.chart_id}-{fill}"


def count_chart(chart_id: str, title: str, description: str, series: list[str],
                rows: list[tuple[str, list[int]]], label_width: int = LABEL_WIDTH) -> CountChart:
    """A chart with one bar per series (named in `series`, at most four) for each
    (label, counts) row, in the given order."""
    if not 1 <= len(series) <= len(COUNT_FILLS):
        raise ValueError(f"a count chart draws one to {len(COUNT_FILLS)} series")
    bar_start = label_width + 6
    bar_space = WIDTH - bar_start - 40  # room for a count ("1,234") after the longest bar
    top = _scale_top(Decimal(max((max(counts, default=0) for _label, counts in rows),
                                 default=0)))
    row_height = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP + ROW_GAP
    # One legend entry a line: long names ("Overdue, not yet missing") stay whole.
    legend_height = len(series) * 20 + 10
    legend = tuple((COUNT_FILLS[index], label, index * 20 + 6, bar_start)
                   for index, label in enumerate(series))
    drawn = []
    for index, (label, counts) in enumerate(rows):
        row_top = legend_height + index * row_height
        bars = []
        for position, count in enumerate(counts):
            length = (Decimal(max(count, 0)) / top * bar_space).quantize(Decimal("0.1"))
            bars.append(CountBar(fill=COUNT_FILLS[position], label=series[position],
                                 count=count, y=row_top + position * (BAR_HEIGHT + BAR_GAP),
                                 length=length, count_x=bar_start + length + 4))
        middle = row_top + (row_height - ROW_GAP) // 2
        drawn.append(CountRow(label=label, label_y=middle, bars=tuple(bars)))
    height = legend_height + max(len(rows), 1) * row_height
    return CountChart(chart_id=chart_id, title=title, description=description, width=WIDTH,
                      height=height, bar_start=bar_start, label_end=label_width,
                      legend=legend, rows=tuple(drawn))


def describe_counts(series: list[str], rows: list[tuple[str, list[int]]], what: str) -> str:
    """What a screen reader reads instead of the picture: each series' total and its largest
    row."""
    if not any(any(counts) for _label, counts in rows):
        return f"Nothing to count for these {what}. The table has each one."
    parts = []
    for index, name in enumerate(series):
        total = sum(counts[index] for _label, counts in rows)
        label, counts = max(rows, key=lambda row: row[1][index])
        parts.append(f"{name}: {total} in all" + (f", most in {label} ({counts[index]})"
                                                  if total else ""))
    return f"Over {len(rows)} {what}. " + "; ".join(parts) + ". The table has every figure."
