"""Importing the local-needs data from the files as they are published, County Durham rows only.

Deciles: the English Indices of Deprivation "File 1: Index of Multiple Deprivation" saved as CSV
(MHCLG; IoD 2019 for 2011 LSOAs, IoD 2025 for 2021 LSOAs). Columns are found by how their
published headers begin, so the wording that follows varies freely between editions and copies:
"LSOA code (2011)" or "LSOA code (2021)", "LSOA name (...)", "Local Authority District code
(...)" and "Index of Multiple Deprivation (IMD) Decile" (with or without "(where 1 is most
deprived 10% of LSOAs)"). Rows of County Durham (local authority E06000047) are kept.

Postcodes: an ONS postcode lookup saved as CSV, either the National Statistics Postcode Lookup
(columns "pcds" or "pcd", and "lsoa11" or "lsoa21") or "Postcode to OA to LSOA to MSOA to LAD"
("pcds", "lsoa11cd" or "lsoa21cd"). Header case does not matter. A postcode is kept when its
small area is one of the County Durham areas being imported, which keeps the whole county and
nothing else, whatever the postcode's letters (DH, DL, SR, TS, NE).

Everything is read and checked before anything is written; the caller commits once. Importing
an edition again replaces that edition's areas and postcodes.
"""

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert

from charter_app.extensions import db
from charter_app.reports.local_needs import (
    COUNTY_DURHAM_LA_CODE,
    EDITION_GEOGRAPHIES,
    compact_postcode,
)
from charter_app.reports.local_needs_models import DeprivationArea, LocalNeedsImport, PostcodeArea

LSOA_CODE = re.compile(r"^E01\d{6}$")
POSTCODE_COLUMNS = ("pcds", "pcd", "pcd2", "pcd7", "pcd8", "postcode")
LSOA_COLUMNS = {"LSOA2011": ("lsoa11cd", "lsoa11"), "LSOA2021": ("lsoa21cd", "lsoa21")}


class ImportRefused(ValueError):
    """The file cannot be imported as it is; the message says why, for the administrator."""


@dataclass(frozen=True)
class ImportCounts:
    areas: int
    postcodes: int
    by_decile: dict[int, int]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _rows(path: Path):
    """Header and rows; names may be Latin-1 in older ONS files, codes are always ASCII."""
    stream = path.open(newline="", encoding="utf-8-sig", errors="replace")
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        stream.close()
        raise ImportRefused(f"{path.name} is empty.")
    return stream, [" ".join(name.split()).casefold() for name in header], reader


def _column(header: list[str], path: Path, *beginnings: str, required: str) -> int:
    for beginning in beginnings:
        for index, name in enumerate(header):
            if name.startswith(beginning):
                return index
    raise ImportRefused(f"{path.name} has no {required} column (expected a header beginning "
                        f"{' or '.join(repr(b) for b in beginnings)}).")


def read_deciles(path: Path, edition: str) -> list[dict]:
    """County Durham's areas and deciles from an IoD File 1 CSV; ImportRefused on any doubt."""
    geography = EDITION_GEOGRAPHIES[edition]
    stream, header, reader = _rows(path)
    with stream:
        code = _column(header, path, "lsoa code", required="LSOA code")
        year = re.search(r"\((\d{4})\)", header[code])
        if year and f"LSOA{year.group(1)}" != geography:
            raise ImportRefused(f"{path.name} is for {year.group(1)} LSOAs but {edition} uses "
                                f"{geography[4:]} LSOAs.")
        name = _column(header, path, "lsoa name", required="LSOA name")
        authority = _column(header, path, "local authority district code",
                            required="local authority district code")
        decile = _column(header, path, "index of multiple deprivation (imd) decile",
                         required="IMD decile")
        areas = []
        for line, row in enumerate(reader, start=2):
            if len(row) <= max(code, name, authority, decile):
                continue
            if row[authority].strip() != COUNTY_DURHAM_LA_CODE:
                continue
            area_code, text = row[code].strip(), row[decile].strip()
            if not LSOA_CODE.match(area_code):
                raise ImportRefused(f"{path.name} line {line}: {area_code!r} is not an English "
                                    f"LSOA code. Nothing was imported.")
            if not (text.isdigit() and 1 <= int(text) <= 10):
                raise ImportRefused(f"{path.name} line {line}: the decile of {area_code} is "
                                    f"{text!r}, not a whole number from 1 to 10. Nothing was "
                                    f"imported.")
            areas.append({"edition": edition, "code": area_code,
                          "name": row[name].strip()[:80], "decile": int(text),
                          "geography": geography})
    if not areas:
        raise ImportRefused(f"{path.name} has no County Durham ({COUNTY_DURHAM_LA_CODE}) rows. "
                            f"Nothing was imported.")
    if len({area["code"] for area in areas}) != len(areas):
        raise ImportRefused(f"{path.name} lists an LSOA twice. Nothing was imported.")
    return areas


def read_postcodes(path: Path, edition: str, area_codes: set[str]) -> list[dict]:
    """The postcodes lying in the given areas, from an ONS postcode lookup CSV."""
    geography = EDITION_GEOGRAPHIES[edition]
    stream, header, reader = _rows(path)
    with stream:
        postcode = _exact(header, path, POSTCODE_COLUMNS, "postcode")
        area = _exact(header, path, LSOA_COLUMNS[geography], f"{geography[4:]} LSOA")
        found: dict[str, str] = {}
        for row in reader:
            if len(row) <= max(postcode, area):
                continue
            area_code = row[area].strip()
            if area_code in area_codes:
                key = compact_postcode(row[postcode])
                if 5 <= len(key) <= 7:
                    found[key] = area_code
    if not found:
        raise ImportRefused(f"{path.name} has no postcode in the County Durham areas being "
                            f"imported. Nothing was imported.")
    return [{"edition": edition, "postcode": key, "area_code": code}
            for key, code in sorted(found.items())]


def _exact(header: list[str], path: Path, names: tuple[str, ...], what: str) -> int:
    for name in names:
        if name in header:
            return header.index(name)
    raise ImportRefused(f"{path.name} has no {what} column (expected one of "
                        f"{', '.join(names)}).")


def import_local_needs(deciles: Path, postcodes: Path | None, *, edition: str, source: str,
                       by: str) -> ImportCounts:
    """Replace an edition's areas (and postcodes) with the files' County Durham rows and record
    each file imported. Flushes; the caller commits. ImportRefused changes nothing."""
    if edition not in EDITION_GEOGRAPHIES:
        raise ImportRefused(f"Unknown edition {edition!r}: one of "
                            f"{', '.join(EDITION_GEOGRAPHIES)}.")
    if not source.strip():
        raise ImportRefused("Name the source: publisher, title, address and licence.")
    areas = read_deciles(deciles, edition)
    codes = [] if postcodes is None else read_postcodes(
        postcodes, edition, {area["code"] for area in areas})
    db.session.execute(delete(PostcodeArea).where(PostcodeArea.edition == edition))
    db.session.execute(delete(DeprivationArea).where(DeprivationArea.edition == edition))
    db.session.execute(insert(DeprivationArea), areas)
    if codes:
        db.session.execute(insert(PostcodeArea), codes)
    files = [("deciles", deciles, len(areas))]
    if postcodes is not None:
        files.append(("postcodes", postcodes, len(codes)))
    for kind, path, count in files:
        db.session.add(LocalNeedsImport(kind=kind, edition=edition, source=source.strip()[:500],
                                        filename=path.name[:200], sha256=_sha256(path),
                                        rows=count, imported_by=by[:120]))
    db.session.flush()
    by_decile: dict[int, int] = {}
    for area in areas:
        by_decile[area["decile"]] = by_decile.get(area["decile"], 0) + 1
    return ImportCounts(len(areas), len(codes), dict(sorted(by_decile.items())))
