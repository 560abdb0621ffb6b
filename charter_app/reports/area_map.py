"""The map of local needs: County Durham's small areas shaded by deprivation band, with a circle
where value was delivered, laid out here and drawn as inline SVG by
templates/reports/_area_map.html, always beside a table of the same figures.

Value and deciles come from the report's frozen snapshot ("by_small_area", reports/figures.py);
the outlines and the shading of every area come from the boundaries and deciles imported for the
snapshot's edition (an edition's deciles are the published statistics, which never change), in
one statement. The shading is a lightness ramp from dark (severe) to pale (low), and severe is
also hatched, so the map reads in greyscale; the legend names each band.

Projection: longitude is scaled by the cosine of the county's middle latitude (an
equirectangular projection, true enough across a county) and fitted to WIDTH.
"""

import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from markupsafe import Markup
from sqlalchemy import and_, func, select

from charter_app.extensions import db
from charter_app.presentation import money
from charter_app.reports.local_needs import BAND_DECILES, BAND_KEYS, BAND_LABELS, band_for
from charter_app.reports.local_needs_models import (
    AreaBoundary,
    DeprivationArea,
    LocalNeedsImport,
)

WIDTH = 600
# Published versions whose map this process has laid out (a few per quarter at most).
CACHED_SECTIONS = 32
MARGIN = 6
LARGEST_MARKER = 16  # radius of the circle for the largest value
SMALLEST_MARKER = 3  # any value at all stays visible
# Dark to pale: each band's fill differs in lightness alone, so greyscale keeps the order.
FILLS = {"severe": "#2e2a5c", "high": "#6a5ea8", "mild": "#aea7d8", "low": "#efedf7"}


@dataclass(frozen=True)
class MapArea:
    code: str
    name: str
    band: str
    decile: int
    path: str  # SVG path data in the map's view box
    fill: str  # the band's colour, or for severe its hatching


@dataclass(frozen=True)
class Marker:
    code: str
    name: str
    x: float
    y: float
    radius: float
    gross: Decimal


@dataclass(frozen=True)
class LegendBand:
    key: str
    label: str
    deciles: str
    fill: str
    areas: int  # small areas in the band
    areas_with_value: int  # of those, where value was delivered this quarter


@dataclass(frozen=True)
class AreaRow:
    """One line of the table beside the map: a small area where value was delivered."""

    code: str
    name: str
    band_label: str
    decile: int
    gross: Decimal
    net: Decimal
    ytd_gross: Decimal
    ytd_net: Decimal


@dataclass(frozen=True)
class AreaMap:
    map_id: str
    title: str
    description: str
    width: int
    height: int
    areas: tuple[MapArea, ...]
    markers: tuple[Marker, ...]

    @property
    def title_id(self) -> str:
        return f"{self.map_id}-title"

    @property
    def description_id(self) -> str:
        return f"{self.map_id}-description"

    @property
    def hatch_id(self) -> str:
        return f"{self.map_id}-hatch"

    @property
    def severe_fill(self) -> str:
        return FILLS["severe"]


@dataclass(frozen=True)
class MapSection:
    """Everything the page shows for the map: the map (None without boundaries), its legend and
    its table. `published_before_map` marks a report frozen before value was kept by area."""

    area_map: AreaMap | None
    legend: tuple[LegendBand, ...]
    rows: tuple[AreaRow, ...]
    edition: str | None
    published_before_map: bool = False


class _Projection:
    """Longitude and latitude to the view box: north up, fitted to WIDTH."""

    def __init__(self, shapes: list[list]):
        points = [point for polygons in shapes for polygon in polygons for ring in polygon
                  for point in ring]
        longitudes, latitudes = [p[0] for p in points], [p[1] for p in points]
        self.west, self.north = min(longitudes), max(latitudes)
        self.x_scale = math.cos(math.radians((min(latitudes) + self.north) / 2))
        span_x = (max(longitudes) - self.west) * self.x_scale or 1.0
        self.scale = (WIDTH - 2 * MARGIN) / span_x
        self.height = math.ceil((self.north - min(latitudes)) * self.scale + 2 * MARGIN)

    def __call__(self, point: list[float]) -> tuple[float, float]:
        return (round(MARGIN + (point[0] - self.west) * self.x_scale * self.scale, 1),
                round(MARGIN + (self.north - point[1]) * self.scale, 1))


def _path(polygons: list, project: _Projection) -> str:
    rings = []
    for polygon in polygons:
        for ring in polygon:
            points = [project(point) for point in ring[:-1]]
            rings.append("M" + "L".join(f"{x:g},{y:g}" for x, y in points) + "Z")
    # Only numbers and M, L, Z: safe as it is, and escaping 324 long strings on every request
    # was half the report page's time.
    return Markup("".join(rings))  # noqa: S704  (built from floats only)


def _centre(polygons: list, project: _Projection) -> tuple[float, float]:
    """The centroid of the area's largest outer ring, in the view box (shoelace formula)."""
    best = (0.0, 0.0, 0.0)
    for polygon in polygons:
        points = [project(point) for point in polygon[0]]
        area = x_sum = y_sum = 0.0
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            cross = x0 * y1 - x1 * y0
            area += cross
            x_sum += (x0 + x1) * cross
            y_sum += (y0 + y1) * cross
        if area and abs(area) > abs(best[0]):
            best = (area, x_sum / (3 * area), y_sum / (3 * area))
    if not best[0]:
        return project(polygons[0][0][0])
    return round(best[1], 1), round(best[2], 1)


def _areas_of(edition: str) -> list:
    """Every small area of the edition, with its boundary when one was imported: one
    statement."""
    return db.session.execute(
        select(DeprivationArea.code, DeprivationArea.name, DeprivationArea.decile,
               AreaBoundary.shape)
        .outerjoin(AreaBoundary, and_(AreaBoundary.edition == DeprivationArea.edition,
                                      AreaBoundary.code == DeprivationArea.code))
        .where(DeprivationArea.edition == edition)
        .order_by(DeprivationArea.code)).all()


def _money_of(figures: dict, field: str) -> Decimal:
    return Decimal(figures.get(field, "0"))


def _describe(legend: tuple[LegendBand, ...], markers: list[Marker], quarter_label: str) -> str:
    bands = ", ".join(f"{band.areas} {band.label.lower()}" for band in legend)
    text = (f"A map of County Durham's {sum(band.areas for band in legend)} small areas shaded "
            f"by deprivation, from dark (severe) to pale (low), severe also hatched: {bands}. ")
    if not markers:
        return text + f"No value was placed in a small area in {quarter_label}."
    largest = markers[0]
    return text + (f"Circles, sized by gross value, mark the {len(markers)} areas where value "
                   f"was delivered in {quarter_label}; the largest is {money(largest.gross)} "
                   f"in {largest.name}. The table below gives the same figures.")


def map_section(snapshot: dict, quarter_label: str, map_id: str = "area-map") -> MapSection:
    """The map, legend and table for a report's snapshot."""
    by_area = snapshot.get("by_small_area")
    if by_area is None:
        return MapSection(None, (), (), None, published_before_map=True)
    edition = by_area.get("edition")
    if edition is None:
        return MapSection(None, (), (), None)
    quarter, year = by_area.get("quarter_figures", {}), by_area.get("year_to_date", {})
    found = _areas_of(edition)
    names = {row.code: row.name for row in found}
    rows = tuple(sorted(
        (AreaRow(code, names.get(code, code),
                 BAND_LABELS[band_for(decile)], decile,
                 _money_of(quarter.get(code, {}), "gross"),
                 _money_of(quarter.get(code, {}), "net"),
                 _money_of(year.get(code, {}), "gross"), _money_of(year.get(code, {}), "net"))
         for code, decile in {code: figures["decile"]
                              for code, figures in (*year.items(), *quarter.items())}.items()),
        key=lambda row: (-row.gross, -row.ytd_gross, row.code)))
    counts = {key: [0, 0] for key in BAND_KEYS}
    for row in found:
        counts[band_for(row.decile)][0] += 1
    for figures in quarter.values():
        if _money_of(figures, "gross") > 0:
            counts[band_for(figures["decile"])][1] += 1
    legend = tuple(LegendBand(key, BAND_LABELS[key], BAND_DECILES[key], FILLS[key], *counts[key])
                   for key in BAND_KEYS)
    shapes = {row.code: json.loads(row.shape) for row in found if row.shape}
    if not shapes:
        return MapSection(None, legend, rows, edition)
    project = _Projection(list(shapes.values()))
    fills = {**FILLS, "severe": f"url(#{map_id}-hatch)"}
    areas = tuple(MapArea(row.code, row.name, band_for(row.decile), row.decile,
                          _path(shapes[row.code], project), fills[band_for(row.decile)])
                  for row in found if row.code in shapes)
    largest = max((_money_of(figures, "gross") for figures in quarter.values()),
                  default=Decimal(0))
    markers = []
    for code, figures in quarter.items():
        gross = _money_of(figures, "gross")
        if gross > 0 and code in shapes:
            x, y = _centre(shapes[code], project)
            radius = max(SMALLEST_MARKER,
                         LARGEST_MARKER * math.sqrt(float(gross / largest)))
            markers.append(Marker(code, names.get(code, code), x, y, round(radius, 1), gross))
    markers.sort(key=lambda marker: (-marker.gross, marker.code))  # small circles drawn on top
    area_map = AreaMap(map_id, f"Value delivered by deprivation of small area, {quarter_label}",
                       _describe(legend, markers, quarter_label), WIDTH, project.height, areas,
                       tuple(markers))
    return MapSection(area_map, legend, rows, edition)


class _SectionCache:
    def __init__(self):
        self.sections: OrderedDict[tuple, MapSection] = OrderedDict()
        self.lock = threading.Lock()


def _section_cache() -> _SectionCache:
    # Kept per application, like its configuration (tests build many apps in one process).
    return current_app.extensions.setdefault("published_map_sections", _SectionCache())


def published_map_section(report_key: tuple, snapshot: dict, quarter_label: str) -> MapSection:
    """The map of a published report version, laid out once per process.

    A published version's snapshot never changes, so only a new import of the edition's
    boundaries or deciles can change its map: the key carries the latest import's id, which
    every web node reads, so an import shows at once everywhere. Projecting the 324 areas was
    a third of the report page's time.
    """
    edition = (snapshot.get("by_small_area") or {}).get("edition")
    if edition is None:
        return map_section(snapshot, quarter_label)
    latest_import = db.session.scalar(
        select(func.max(LocalNeedsImport.id)).where(LocalNeedsImport.edition == edition))
    key = (*report_key, quarter_label, latest_import)
    cache = _section_cache()
    with cache.lock:
        if key in cache.sections:
            cache.sections.move_to_end(key)
            return cache.sections[key]
    section = map_section(snapshot, quarter_label)
    with cache.lock:
        cache.sections[key] = section
        while len(cache.sections) > CACHED_SECTIONS:
            cache.sections.popitem(last=False)
    return section
