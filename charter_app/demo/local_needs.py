"""The local-needs data the repository ships, loaded for the demo as an administrator would:
County Durham's IoD 2019 deciles and its small areas' boundaries (charter_app/reports/data/,
sources in SOURCE.md there). No postcode lookup is shipped, so the demo's value stays
unallocated and its map shows the shading with no value marked."""

from pathlib import Path

from charter_app.reports.local_needs_boundaries import import_boundaries
from charter_app.reports.local_needs_import import import_local_needs

DATA = Path(__file__).resolve().parent.parent / "reports" / "data"
DECILES = DATA / "iod2019_county_durham_lsoa_deciles.csv"
DECILES_SOURCE = "MHCLG, English Indices of Deprivation 2019, File 1 (OGL v3), County Durham rows"
BOUNDARIES = DATA / "lsoa2011_county_durham_boundaries.geojson"
BOUNDARIES_SOURCE = ("ONS, LSOA (Dec 2011) Boundaries Super Generalised Clipped (BSC) EW V3 "
                     "(OGL v3; contains OS data, Crown copyright and database right), County "
                     "Durham's areas, simplified")


def seed() -> None:
    import_local_needs(DECILES, None, edition="IoD2019", source=DECILES_SOURCE, by="demo")
    import_boundaries(BOUNDARIES, edition="IoD2019", source=BOUNDARIES_SOURCE, by="demo")
