"""A report's snapshot (reports/figures.py `as_snapshot`) laid out for its page, its charts and
its CSV: the page of a published report reads only its frozen snapshot."""

from dataclasses import dataclass
from decimal import Decimal

from charter_app.organisations.data_postcodes import AREAS
from charter_app.pledges.catalogue import THEME_ORDER, THEMES, unit_label
from charter_app.reporting import charts
from charter_app.reporting.calculations import SocialValue
from charter_app.reports.figures import UNALLOCATED
from charter_app.reports.local_needs import BAND_DECILES, BAND_KEYS, BAND_LABELS

PERIODS = (("quarter_figures", "this quarter"), ("year_to_date", "financial year to date"),
           ("previous_quarter", "previous quarter"))


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    gross: Decimal
    net: Decimal
    checked_gross: Decimal
    change: Decimal  # gross, on the previous quarter
    ytd_gross: Decimal
    ytd_net: Decimal


def _value(snapshot: dict, period: str, group: str, key: str, field: str) -> Decimal:
    return Decimal(snapshot[period][group].get(key, {}).get(field, "0"))


def _label(snapshot: dict, group: str, key: str) -> str:
    if group == "theme":
        return THEMES.get(key, (key,))[0]
    if group == "measure":
        return snapshot["measures"].get(key, {}).get("name", key)
    return "Not in a County Durham area" if key == UNALLOCATED else key


def _keys(snapshot: dict, group: str) -> list[str]:
    """Every theme and area even with nothing reported; measures with something this year."""
    if group == "theme":
        return list(THEME_ORDER)
    if group == "area":
        return [*AREAS, UNALLOCATED]
    seen = {key for period, _ in PERIODS for key in snapshot[period][group] if key != "total"}
    return sorted(seen, key=lambda code: _label(snapshot, "measure", code))


def rows(snapshot: dict, group: str) -> list[Row]:
    return [Row(key=key, label=_label(snapshot, group, key),
                gross=_value(snapshot, "quarter_figures", group, key, "gross"),
                net=_value(snapshot, "quarter_figures", group, key, "net"),
                checked_gross=_value(snapshot, "quarter_figures", group, key, "checked_gross"),
                change=(_value(snapshot, "quarter_figures", group, key, "gross")
                        - _value(snapshot, "previous_quarter", group, key, "gross")),
                ytd_gross=_value(snapshot, "year_to_date", group, key, "gross"),
                ytd_net=_value(snapshot, "year_to_date", group, key, "net"))
            for key in _keys(snapshot, group)]


def total(snapshot: dict, period: str = "quarter_figures") -> SocialValue:
    figures = snapshot[period]["theme"]["total"]
    return SocialValue(Decimal(figures["gross"]), Decimal(figures["net"]))


@dataclass(frozen=True)
class BandRow:
    key: str
    label: str
    deciles: str  # "deciles 2 to 3"; empty for unallocated
    gross: Decimal
    net: Decimal
    ytd_gross: Decimal
    ytd_net: Decimal


def band_rows(snapshot: dict) -> list[BandRow]:
    """Value by local need, every band then unallocated; [] for a report published before
    bands were reported."""
    by_band = snapshot.get("by_band")
    if not by_band:
        return []

    def value(period: str, key: str, field: str) -> Decimal:
        return Decimal(by_band[period].get(key, {}).get(field, "0"))

    return [BandRow(key=key, label=BAND_LABELS.get(key, "Unallocated"),
                    deciles=BAND_DECILES.get(key, ""),
                    gross=value("quarter_figures", key, "gross"),
                    net=value("quarter_figures", key, "net"),
                    ytd_gross=value("year_to_date", key, "gross"),
                    ytd_net=value("year_to_date", key, "net"))
            for key in (*BAND_KEYS, UNALLOCATED)]


def local_needs_data(snapshot: dict) -> dict | None:
    """The edition and sources the report's bands were worked out from, as published."""
    return (snapshot.get("by_band") or {}).get("data")


# Area names run longer than themes ("Chester-le-Street"): their charts leave them more room.
CHART_LABEL_WIDTHS = {"theme": charts.LABEL_WIDTH, "area": 128, "band": charts.LABEL_WIDTH}


def chart(snapshot: dict, group: str, chart_id: str, title: str) -> charts.BarChart:
    source = band_rows(snapshot) if group == "band" else rows(snapshot, group)
    values = [("Unallocated" if row.key == UNALLOCATED else row.label,
               SocialValue(row.gross, row.net)) for row in source]
    what = {"theme": "themes", "area": "areas", "band": "bands of local need"}[group]
    return charts.gross_and_net_chart(chart_id, title, charts.describe(values, what), values,
                                      CHART_LABEL_WIDTHS[group])


def targets(snapshot: dict) -> list[dict]:
    result = []
    for target in snapshot["targets"]:
        measure = snapshot["measures"].get(target["measure_code"], {})
        result.append({**target, "name": measure.get("name", target["measure_code"]),
                       "unit": unit_label(measure.get("unit", "")),
                       "target": Decimal(target["target"]),
                       "reported": Decimal(target["reported"])})
    return result


CSV_HEADER = ("what", "period", "group", "key", "label", "gross", "net", "checked_gross",
              "count", "target", "reported")


def csv_rows(snapshot: dict) -> list[list]:
    """Every figure in the report, one per line, under CSV_HEADER."""
    lines = []
    for name in ("signatories", "new_signatories", "reports_received",
                 "organisations_at_events", "checked_share"):
        lines.append([name, "quarter", "", "", name.replace("_", " "), "", "", "",
                      snapshot[name] if snapshot[name] is not None else "", "", ""])
    for period, words in PERIODS:
        for group in ("theme", "measure", "area"):
            for key, figures in snapshot[period][group].items():
                label = "Total" if key == "total" else _label(snapshot, group, key)
                lines.append(["social_value", words, group, key, label, figures["gross"],
                              figures["net"], figures["checked_gross"], "", "", ""])
    for period, words in PERIODS[:2]:
        for row in band_rows(snapshot):
            figures = snapshot["by_band"][period].get(row.key, {})
            lines.append(["social_value", words, "band", row.key, row.label,
                          figures.get("gross", "0.00"), figures.get("net", "0.00"),
                          figures.get("checked_gross", "0.00"), "", "", ""])
    small_areas = snapshot.get("by_small_area") or {}  # absent from reports before the map
    for period, words in PERIODS[:2]:
        for code, figures in small_areas.get(period, {}).items():
            lines.append(["social_value", words, "small_area", code,
                          f"{code} (decile {figures['decile']})", figures["gross"],
                          figures["net"], figures["checked_gross"], "", "", ""])
    for target in targets(snapshot):
        lines.append(["targets", "current pledge years", "measure", target["measure_code"],
                      target["name"], "", "", "", target["pledges"], target["target"],
                      target["reported"]])
    return lines
