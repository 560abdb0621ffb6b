"""Cut County Durham's small areas out of an ONS LSOA boundary file and make it small.

Reads an ONS "Lower Layer Super Output Areas (December 2011) Boundaries" GeoJSON (any
generalisation, WGS84 longitude/latitude, property LSOA11CD or LSOA21CD), keeps the areas listed
in the IoD deciles CSV shipped beside it (County Durham's 324 LSOAs), simplifies every ring with
Douglas-Peucker at TOLERANCE_METRES, rounds coordinates to DECIMALS places and writes a GeoJSON
FeatureCollection that `flask charter import-boundaries` reads. Run by hand when a new edition
of the boundaries is downloaded:

    python scripts/extract_county_durham_boundaries.py LSOA.geojson \
        charter_app/reports/data/lsoa2011_county_durham_boundaries.geojson

Standard library only: a script-time tool, not part of the service.
"""

import argparse
import csv
import json
import math
import sys
from pathlib import Path

DECILES = Path(__file__).resolve().parent.parent / (
    "charter_app/reports/data/iod2019_county_durham_lsoa_deciles.csv")
TOLERANCE_METRES = 40.0  # well under the source's own 200 m generalisation
DECIMALS = 4  # about 7 m east-west and 11 m north-south at 54.7 degrees north
METRES_PER_DEGREE = 111_320.0


def county_codes(deciles: Path) -> set[str]:
    with deciles.open(newline="", encoding="utf-8-sig") as stream:
        return {row["LSOA code (2011)"].strip() for row in csv.DictReader(stream)}


def _offset(point, start, end, scale_x) -> float:
    """Distance in metres from point to the segment start-end (longitude scaled by scale_x)."""
    px, py = (point[0] - start[0]) * scale_x, point[1] - start[1]
    ex, ey = (end[0] - start[0]) * scale_x, end[1] - start[1]
    length = ex * ex + ey * ey
    if length == 0:
        return math.hypot(px, py) * METRES_PER_DEGREE
    along = max(0.0, min(1.0, (px * ex + py * ey) / length))
    return math.hypot(px - along * ex, py - along * ey) * METRES_PER_DEGREE


def simplify(points: list, tolerance: float, scale_x: float) -> list:
    """Douglas-Peucker, iteratively (rings can be long): keeps both ends."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    pending = [(0, len(points) - 1)]
    while pending:
        first, last = pending.pop()
        furthest, distance = None, tolerance
        for index in range(first + 1, last):
            offset = _offset(points[index], points[first], points[last], scale_x)
            if offset > distance:
                furthest, distance = index, offset
        if furthest is not None:
            keep[furthest] = True
            pending += [(first, furthest), (furthest, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def small_ring(ring: list, scale_x: float) -> list | None:
    """The ring simplified and rounded, or None when too little of it is left to draw."""
    simplified = simplify(ring, TOLERANCE_METRES, scale_x)
    rounded = []
    for lon, lat in simplified:
        point = [round(lon, DECIMALS), round(lat, DECIMALS)]
        if not rounded or point != rounded[-1]:
            rounded.append(point)
    if rounded[0] != rounded[-1]:
        rounded.append(rounded[0])
    return rounded if len(rounded) >= 4 else None


def polygons(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    raise ValueError(f"unexpected geometry {geometry['type']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="ONS LSOA boundaries, GeoJSON (WGS84)")
    parser.add_argument("output", type=Path)
    parser.add_argument("--deciles", type=Path, default=DECILES)
    arguments = parser.parse_args()
    wanted = county_codes(arguments.deciles)
    collection = json.loads(arguments.source.read_text(encoding="utf-8"))
    features, points = [], 0
    for feature in collection["features"]:
        properties = feature["properties"]
        code = properties.get("LSOA11CD") or properties.get("LSOA21CD")
        if code not in wanted:
            continue
        shapes = []
        for polygon in polygons(feature["geometry"]):
            scale_x = math.cos(math.radians(polygon[0][0][1]))
            rings = [small_ring(ring, scale_x) for ring in polygon]
            if rings[0] is not None:  # an island smaller than the tolerance is dropped
                shapes.append([ring for ring in rings if ring is not None])
        points += sum(len(ring) for shape in shapes for ring in shape)
        geometry = ({"type": "Polygon", "coordinates": shapes[0]} if len(shapes) == 1
                    else {"type": "MultiPolygon", "coordinates": shapes})
        features.append({"type": "Feature",
                         "properties": {"LSOA11CD": code,
                                        "LSOA11NM": properties.get("LSOA11NM", "")},
                         "geometry": geometry})
    features.sort(key=lambda feature: feature["properties"]["LSOA11CD"])
    missing = wanted - {feature["properties"]["LSOA11CD"] for feature in features}
    if missing:
        print(f"{len(missing)} areas are not in {arguments.source}: {sorted(missing)[:5]}...",
              file=sys.stderr)
        return 1
    output = {"type": "FeatureCollection", "name": collection.get("name", ""),
              "features": features}
    text = json.dumps(output, separators=(",", ":"))
    arguments.output.write_text(text.replace(',{"type":"Feature"', ',\n{"type":"Feature"') + "\n",
                                encoding="utf-8")
    print(f"{len(features)} areas, {points} points, {arguments.output.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
