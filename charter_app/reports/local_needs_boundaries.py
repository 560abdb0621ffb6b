"""Importing small areas' boundaries for the local-needs map, County Durham's only.

The file is GeoJSON as the ONS Open Geography Portal publishes LSOA boundaries (a
FeatureCollection in WGS84 longitude and latitude, each feature's code in "LSOA11CD" for 2011
areas or "LSOA21CD" for 2021 ones, any case), whole or already cut down to the county by
scripts/extract_county_durham_boundaries.py. A feature is kept when its area is one of the
edition's County Durham areas already imported with their deciles, so a file for the whole of
England and Wales works as well as the shipped one; areas the file lacks are drawn as absent.

Everything is read and checked before anything is written; the caller commits. Importing an
edition's boundaries again replaces them.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert, select

from charter_app.extensions import db
from charter_app.reports.local_needs import EDITION_GEOGRAPHIES
from charter_app.reports.local_needs_import import ImportRefused, _sha256
from charter_app.reports.local_needs_models import AreaBoundary, DeprivationArea, LocalNeedsImport

CODE_PROPERTIES = {"LSOA2011": "lsoa11cd", "LSOA2021": "lsoa21cd"}
MAX_POINTS_PER_AREA = 5_000  # a county map needs far fewer: simplify the file first
COUNTY_LONGITUDES, COUNTY_LATITUDES = (-2.6, -1.1), (54.4, 55.0)  # County Durham, generously


@dataclass(frozen=True)
class BoundaryCounts:
    areas: int  # County Durham areas with a boundary
    missing: int  # County Durham areas the file has no boundary for


def _polygons(geometry: object, code: str) -> list:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ImportRefused(f"The boundary of {code} is not a Polygon or MultiPolygon. "
                            f"Nothing was imported.")
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise ImportRefused(f"The boundary of {code} has no coordinates. Nothing was imported.")
    return polygons


def _checked_ring(ring: object, code: str) -> list[list[float]]:
    """A closed ring of at least four [longitude, latitude] points within County Durham."""
    if not isinstance(ring, list) or len(ring) < 4:
        raise ImportRefused(f"The boundary of {code} has a ring of fewer than four points. "
                            f"Nothing was imported.")
    points = []
    for point in ring:
        if not (isinstance(point, list) and len(point) >= 2
                and all(isinstance(value, int | float) and math.isfinite(value)
                        for value in point[:2])):
            raise ImportRefused(f"The boundary of {code} has a point that is not a pair of "
                                f"numbers. Nothing was imported.")
        longitude, latitude = point[0], point[1]
        if not (COUNTY_LONGITUDES[0] <= longitude <= COUNTY_LONGITUDES[1]
                and COUNTY_LATITUDES[0] <= latitude <= COUNTY_LATITUDES[1]):
            raise ImportRefused(
                f"The boundary of {code} has a point at {longitude}, {latitude}, not in County "
                f"Durham in longitude and latitude: download the GeoJSON in WGS84 (not British "
                f"National Grid eastings and northings). Nothing was imported.")
        points.append([float(longitude), float(latitude)])
    if points[0] != points[-1]:
        raise ImportRefused(f"The boundary of {code} has a ring that is not closed. "
                            f"Nothing was imported.")
    return points


def read_boundaries(path: Path, edition: str, area_codes: set[str]) -> dict[str, list]:
    """Each listed area's polygons (rings of [longitude, latitude]) from a GeoJSON file."""
    try:
        collection = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportRefused(f"{path.name} is not GeoJSON ({error}). Nothing was "
                            f"imported.") from error
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" \
            or not isinstance(collection.get("features"), list):
        raise ImportRefused(f"{path.name} is not a GeoJSON FeatureCollection. Nothing was "
                            f"imported.")
    wanted = CODE_PROPERTIES[EDITION_GEOGRAPHIES[edition]]
    shapes: dict[str, list] = {}
    for feature in collection["features"]:
        properties = (feature.get("properties") if isinstance(feature, dict) else None) or {}
        codes = {str(key).casefold(): value for key, value in properties.items()}
        if wanted not in codes:
            other = next((name for name in CODE_PROPERTIES.values() if name in codes), None)
            found = f"has {other.upper()}" if other else "has no LSOA code"
            raise ImportRefused(
                f"{path.name}: a feature {found}, but {edition} needs "
                f"{EDITION_GEOGRAPHIES[edition][4:]} LSOAs ({wanted.upper()}). Nothing was "
                f"imported.")
        code = str(codes[wanted]).strip()
        if code not in area_codes:
            continue
        if code in shapes:
            raise ImportRefused(f"{path.name} has {code} twice. Nothing was imported.")
        polygons = [[_checked_ring(ring, code) for ring in polygon]
                    for polygon in _polygons(feature.get("geometry"), code)]
        if sum(len(ring) for polygon in polygons for ring in polygon) > MAX_POINTS_PER_AREA:
            raise ImportRefused(
                f"The boundary of {code} has more than {MAX_POINTS_PER_AREA:,} points: use a "
                f"generalised edition or scripts/extract_county_durham_boundaries.py. Nothing "
                f"was imported.")
        shapes[code] = polygons
    if not shapes:
        raise ImportRefused(f"{path.name} has no boundary for County Durham's {edition} areas. "
                            f"Nothing was imported.")
    return shapes


def import_boundaries(path: Path, *, edition: str, source: str, by: str) -> BoundaryCounts:
    """Replace an edition's boundaries with the file's County Durham areas and record the
    import. Flushes; the caller commits. ImportRefused changes nothing."""
    if edition not in EDITION_GEOGRAPHIES:
        raise ImportRefused(f"Unknown edition {edition!r}: one of "
                            f"{', '.join(EDITION_GEOGRAPHIES)}.")
    if not source.strip():
        raise ImportRefused("Name the source: publisher, product, address and licence.")
    area_codes = set(db.session.scalars(
        select(DeprivationArea.code).where(DeprivationArea.edition == edition)))
    if not area_codes:
        raise ImportRefused(f"Import the {edition} deciles first (import-local-needs): the map "
                            f"shows the areas they list. Nothing was imported.")
    shapes = read_boundaries(path, edition, area_codes)
    db.session.execute(delete(AreaBoundary).where(AreaBoundary.edition == edition))
    db.session.execute(insert(AreaBoundary), [
        {"edition": edition, "code": code, "shape": json.dumps(polygons, separators=(",", ":"))}
        for code, polygons in sorted(shapes.items())])
    db.session.add(LocalNeedsImport(kind="boundaries", edition=edition,
                                    source=source.strip()[:500], filename=path.name[:200],
                                    sha256=_sha256(path), rows=len(shapes),
                                    imported_by=by[:120]))
    db.session.flush()
    return BoundaryCounts(len(shapes), len(area_codes) - len(shapes))
