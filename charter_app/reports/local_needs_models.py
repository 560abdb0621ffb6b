"""The data behind "value by local need": each small area's deprivation decile, which small area
each postcode lies in, and a record of every import (what, from where, which edition, when, by
whom). Rows are kept per edition of the English Indices of Deprivation: IoD 2019 is published
for the 2011 census areas and IoD 2025 for the 2021 ones, and an area code can exist in both
with different deciles."""

from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from charter_app.extensions import db
from charter_app.timeutil import UTCDateTime, utcnow


class DeprivationArea(db.Model):
    """A small area (LSOA) and its Index of Multiple Deprivation decile (1: most deprived)."""

    __tablename__ = "deprivation_areas"
    __table_args__ = (CheckConstraint("decile BETWEEN 1 AND 10", name="decile_1_to_10"),)

    edition: Mapped[str] = mapped_column(String(10), primary_key=True)  # "IoD2019"
    code: Mapped[str] = mapped_column(String(9), primary_key=True)  # "E01020590"
    name: Mapped[str] = mapped_column(String(80))
    decile: Mapped[int]
    geography: Mapped[str] = mapped_column(String(10))  # "LSOA2011"


class PostcodeArea(db.Model):
    """The small area a postcode lies in, for one edition's geography."""

    __tablename__ = "postcode_areas"

    edition: Mapped[str] = mapped_column(String(10), primary_key=True)
    # Upper case with no spaces ("DH13HE"), so the report can match what a signatory typed
    # with nothing but UPPER and REPLACE, the same on SQLite and PostgreSQL.
    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(9))


class LocalNeedsImport(db.Model):
    """One file an administrator imported: its kind, source, edition and fingerprint."""

    __tablename__ = "local_needs_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "deciles" or "postcodes"
    edition: Mapped[str] = mapped_column(String(10), index=True)
    source: Mapped[str] = mapped_column(String(500))  # publisher, title, address, licence
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int]
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(120))

    def __repr__(self) -> str:
        return f"<LocalNeedsImport {self.kind} {self.edition} {self.rows} rows>"


class AreaBoundary(db.Model):
    """A small area's outline for the report's map, per edition (the edition's census geography).

    `shape` is JSON: a list of polygons, each a list of rings of [longitude, latitude] (WGS84),
    the outer ring first, as simplified for a county map (reports/local_needs_boundaries.py)."""

    __tablename__ = "area_boundaries"

    edition: Mapped[str] = mapped_column(String(10), primary_key=True)
    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    shape: Mapped[str] = mapped_column(Text)
