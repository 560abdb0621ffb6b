"""Importing a financial year's proxy values from a CSV file: parse, preview, confirm.

The file (columns: measure code, financial year, value, source, edition; a header row first) is
parsed once into rows kept in a CatalogueImport. Each preview compares them with the catalogue
as it is then: every row is new, changed, unchanged, or an error with its reason. Confirming
applies every row or none: it locks the measures concerned, compares again, and refuses when
the preview the administrator saw is no longer true, when any row is an error, or when a value
that submitted report entries used would change without a reason.
"""

import csv
import hashlib
import io
import json
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, select

from charter_app.extensions import db
from charter_app.forms import clean_text, column_length
from charter_app.locking import StateConflict, lock_for_update
from charter_app.pledges.models import Measure, ProxyValue
from charter_app.reporting.catalogue_admin import (
    CatalogueConflict,
    ProxyDetails,
    audit_text,
    differs,
    submitted_usage,
    write_proxy_value,
)
from charter_app.reporting.catalogue_models import CatalogueImport
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.timeutil import utcnow

MAX_FILE_BYTES = 1024 * 1024
MAX_ROWS = 5000
SOURCE_MAX_LENGTH = 500
CODE_MAX_LENGTH = column_length(Measure.code)
EDITION_MAX_LENGTH = column_length(ProxyValue.edition)
FILENAME_MAX_LENGTH = column_length(CatalogueImport.filename)
# Numeric(14, 4): ten digits before the point, four after.
VALUE_LIMIT = Decimal(10) ** 10
EARLIEST_YEAR, LATEST_YEAR = 2000, 2098
# An unconfirmed preview is kept this long, then cleared away by the next upload.
PENDING_KEPT_FOR = timedelta(days=7)

COLUMNS = ("measure code", "financial year", "value", "source", "edition")
REQUIRED_COLUMNS = COLUMNS[:4]
_PLAIN_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?\Z")
_PLAIN_YEAR = re.compile(r"[0-9]{4}\Z")


class ImportFileRefused(Exception):
    """The file as a whole cannot be read (not CSV, not UTF-8, wrong header, empty...)."""


class ImportAlreadyApplied(StateConflict):
    """The import was confirmed already (a double click, or another administrator)."""


class ImportNotReady(Exception):
    """Rows still have errors, or a reason is needed: the confirmation is refused."""

    def __init__(self, message: str, *, reason_needed: bool = False):
        super().__init__(message)
        self.reason_needed = reason_needed


# --- parsing -------------------------------------------------------------------------------------


def _header_name(cell: str) -> str:
    return " ".join((clean_text(cell) or "").lower().replace("_", " ").split())


def _read_header(header: list[str]) -> dict[str, int]:
    names = [_header_name(cell) for cell in header]
    expected = ", ".join(COLUMNS)
    unknown = [name for name in names if name and name not in COLUMNS]
    if unknown:
        raise ImportFileRefused(
            f"The first row must name the columns: {expected}. "
            f"It has a column called ‘{unknown[0][:40]}’.")
    repeated = [name for name, count in Counter(n for n in names if n).items() if count > 1]
    if repeated:
        raise ImportFileRefused(f"The first row names the column ‘{repeated[0]}’ twice.")
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise ImportFileRefused(
            f"The first row must name the columns: {expected}. "
            f"The ‘{missing[0]}’ column is missing.")
    return {name: index for index, name in enumerate(names) if name}


def parse_year(text: str) -> int:
    """2026 from "2026-27" or "2026"; ValueError with the message to show otherwise."""
    text = text.strip()
    try:
        if not text.isascii():
            raise ValueError(text)
        year = (int(text) if _PLAIN_YEAR.match(text)
                else FinancialQuarter.parse(text, 1).year)
    except ValueError as error:
        raise ValueError("Financial year must be like 2026-27 (or 2026)") from error
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(f"Financial year must be between {EARLIEST_YEAR}-"
                         f"{(EARLIEST_YEAR + 1) % 100:02d} and {LATEST_YEAR}-"
                         f"{(LATEST_YEAR + 1) % 100:02d}")
    return year


def parse_value(text: str) -> Decimal:
    """Pounds per unit: 0 or more, at most 4 decimal places; £ and thousands commas allowed."""
    plain = text.strip().removeprefix("£").replace(",", "").strip()
    if not plain:
        raise ValueError("Enter the value in pounds per unit")
    if plain.startswith("-"):
        raise ValueError("Value must be 0 or more")
    if not _PLAIN_DECIMAL.match(plain):
        raise ValueError("Value must be a number of pounds, like 17.48")
    try:
        value = Decimal(plain)
    except InvalidOperation as error:  # pragma: no cover - the pattern allows only numbers
        raise ValueError("Value must be a number of pounds, like 17.48") from error
    if value.as_tuple().exponent < -4:
        raise ValueError("Value must have no more than 4 decimal places")
    if value >= VALUE_LIMIT:
        raise ValueError("Value must be less than £10,000,000,000")
    return value


def _cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    if index is None or index >= len(cells):
        return ""
    return clean_text(cells[index]) or ""


def _parse_row(line: int, cells: list[str], columns: dict[str, int]) -> dict:
    problems: list[str] = []
    code = _cell(cells, columns, "measure code").upper()
    if not code:
        problems.append("Enter the measure code")
    elif len(code) > CODE_MAX_LENGTH:
        problems.append(f"Measure code must be {CODE_MAX_LENGTH} characters or fewer")
    year_text = _cell(cells, columns, "financial year")
    year = None
    if not year_text:
        problems.append("Enter the financial year, like 2026-27")
    else:
        try:
            year = parse_year(year_text)
        except ValueError as error:
            problems.append(str(error))
    value = None
    try:
        value = audit_text(parse_value(_cell(cells, columns, "value")))
    except ValueError as error:
        problems.append(str(error))
    source = _cell(cells, columns, "source")
    if not source:
        problems.append("Enter the source of the value")
    elif len(source) > SOURCE_MAX_LENGTH:
        problems.append(f"Source must be {SOURCE_MAX_LENGTH} characters or fewer")
    edition = _cell(cells, columns, "edition")
    if len(edition) > EDITION_MAX_LENGTH:
        problems.append(f"Edition must be {EDITION_MAX_LENGTH} characters or fewer")
    if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns):]):
        problems.append(f"The row has more cells than the {len(columns)} columns named")
    return {"line": line, "measure_code": code[:CODE_MAX_LENGTH], "financial_year": year,
            "value": value, "source": source[:SOURCE_MAX_LENGTH],
            "edition": edition[:EDITION_MAX_LENGTH] or None, "problems": problems}


def parse_proxy_csv(data: bytes) -> list[dict]:
    """The file's rows, each with the problems found in it alone or as a duplicate.

    ImportFileRefused when the file as a whole cannot be used.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileRefused("The file must be 1 MB or smaller")
    if not data.strip():
        raise ImportFileRefused("The file is empty")
    try:
        # utf-8-sig: spreadsheet programs often start a UTF-8 file with a byte-order mark.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileRefused(
            "The file must be a CSV file saved as UTF-8 (in a spreadsheet, choose "
            "‘CSV UTF-8’ when saving)") from error
    if "\x00" in text:
        raise ImportFileRefused("The file must be a CSV file: this one has binary content")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[dict] = []
    columns: dict[str, int] | None = None
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _read_header(cells)
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileRefused(
                    f"The file has more than {MAX_ROWS:,} rows: split it into smaller files")
            rows.append(_parse_row(reader.line_num, cells, columns))
    except csv.Error as error:
        raise ImportFileRefused(
            f"Line {reader.line_num} of the file cannot be read as CSV: {error}") from error
    if columns is None:
        raise ImportFileRefused("The file is empty")
    if not rows:
        raise ImportFileRefused("The file has a header row but no values under it")
    _mark_duplicates(rows)
    return rows


def _mark_duplicates(rows: list[dict]) -> None:
    first_line: dict[tuple[str, int], int] = {}
    for row in rows:
        if not row["measure_code"] or row["financial_year"] is None:
            continue
        key = (row["measure_code"], row["financial_year"])
        if key in first_line:
            row["problems"].append(
                f"Duplicate: line {first_line[key]} already gives this measure’s value for "
                "this year")
        else:
            first_line[key] = row["line"]


def start_import(filename: str | None, data: bytes, actor) -> CatalogueImport:
    """Parse the upload and keep its rows for the preview; nothing in the catalogue changes."""
    rows = parse_proxy_csv(data)
    db.session.execute(delete(CatalogueImport).where(
        CatalogueImport.applied_at.is_(None),
        CatalogueImport.created_at < utcnow() - PENDING_KEPT_FOR))
    upload = CatalogueImport(
        key=secrets.token_hex(16),
        filename=(clean_text(filename) or "upload.csv")[:FILENAME_MAX_LENGTH],
        rows=rows, created_by_id=actor.id if actor is not None else None)
    db.session.add(upload)
    db.session.flush()
    return upload


def import_by_key(key: str) -> CatalogueImport | None:
    if len(key) != 32:
        return None
    return db.session.scalar(select(CatalogueImport).where(CatalogueImport.key == key))


# --- the preview ---------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    line: int
    measure_code: str
    financial_year: int | None
    value: Decimal | None
    source: str
    edition: str | None
    problems: list[str]
    status: str = "error"  # new, changed, unchanged or error
    measure: Measure | None = None
    before: dict = field(default_factory=dict)  # the current value, source, edition
    used_by: int = 0  # submitted entries that froze the current value

    @property
    def financial_year_label(self) -> str:
        return "" if self.financial_year is None else FinancialQuarter(
            self.financial_year, 1).financial_year

    @property
    def details(self) -> ProxyDetails:
        return ProxyDetails(self.value, self.source, self.edition)

    @property
    def before_value(self) -> Decimal | None:
        return Decimal(self.before["value"]) if self.before.get("value") else None

    @property
    def changes(self) -> list[str]:
        """What a changed row changes, in words."""
        if not self.before:
            return []
        words = []
        if self.before_value != self.value:
            words.append("value")
        if self.before["source"] != self.source:
            words.append("source")
        if (self.before["edition"] or None) != self.edition:
            words.append("edition")
        return words or ["example value to an imported one"]

    @property
    def needs_reason(self) -> bool:
        return self.status in ("new", "changed") and self.used_by > 0


@dataclass
class Preview:
    rows: list[PreviewRow]

    @property
    def counts(self) -> Counter:
        return Counter(row.status for row in self.rows)

    @property
    def errors(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.status == "error"]

    @property
    def needing_reason(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.needs_reason]

    @property
    def can_confirm(self) -> bool:
        return not self.errors and any(row.status != "unchanged" for row in self.rows)

    @property
    def version(self) -> str:
        """What the administrator saw: each row's status and the value it replaces."""
        seen = [(row.line, row.status, row.before, row.used_by > 0) for row in self.rows]
        return hashlib.sha256(json.dumps(seen, sort_keys=True).encode()).hexdigest()[:32]


def preview(upload: CatalogueImport) -> Preview:
    """Every row compared with the catalogue as it is now (three queries)."""
    rows = [PreviewRow(line=row["line"], measure_code=row["measure_code"],
                       financial_year=row["financial_year"],
                       value=None if row["value"] is None else Decimal(row["value"]),
                       source=row["source"], edition=row["edition"],
                       problems=list(row["problems"]))
            for row in upload.rows]
    codes = {row.measure_code for row in rows if row.measure_code}
    # populate_existing: compared with the rows as they are now, not as this request first
    # read them (the confirmation compares again once it holds the locks).
    measures = {measure.code: measure for measure in db.session.scalars(
        select(Measure).where(Measure.code.in_(codes))
        .execution_options(populate_existing=True))} if codes else {}
    years = {row.financial_year for row in rows if row.financial_year is not None}
    current = {(proxy.measure_id, proxy.financial_year): proxy for proxy in db.session.scalars(
        select(ProxyValue).where(ProxyValue.measure_id.in_([m.id for m in measures.values()]),
                                 ProxyValue.financial_year.in_(years))
        .execution_options(populate_existing=True))} if measures else {}
    for row in rows:
        row.measure = measures.get(row.measure_code)
        if row.measure_code and row.measure is None:
            row.problems.append(f"No measure has the code ‘{row.measure_code}’")
        if row.problems:
            continue
        proxy = current.get((row.measure.id, row.financial_year))
        if proxy is not None:
            row.before = {"value": audit_text(proxy.value), "source": proxy.source,
                          "edition": proxy.edition or "", "is_example": proxy.is_example}
        if proxy is None:
            row.status = "new"
        elif differs(proxy, row.details) or proxy.is_example:
            row.status = "changed"
        else:
            row.status = "unchanged"
    usage = submitted_usage((row.measure.id, row.financial_year) for row in rows
                            if row.status in ("new", "changed"))
    for row in rows:
        if row.status in ("new", "changed"):
            row.used_by = usage.get((row.measure.id, row.financial_year), 0)
            if row.status == "changed" and not differs(current.get(
                    (row.measure.id, row.financial_year)), row.details):
                # Only the example flag changes: the value itself stays, no reason needed.
                row.used_by = 0
    return Preview(rows)


# --- confirming ----------------------------------------------------------------------------------


def apply_import(key: str, *, seen_version: str, reason: str | None, actor) -> Preview:
    """Write every new and changed row, or nothing; the preview as applied.

    LookupError for an unknown key; ImportAlreadyApplied when it was confirmed before;
    CatalogueConflict when the catalogue changed since the preview was shown; ImportNotReady
    when rows have errors or a reason is needed and missing.
    """
    found = import_by_key(key)
    upload = lock_for_update(CatalogueImport, found.id) if found is not None else None
    if upload is None:
        raise LookupError(key)
    if upload.is_applied:
        raise ImportAlreadyApplied(key)
    codes = sorted({row["measure_code"] for row in upload.rows if row["measure_code"]})
    # Lock the measures in one order (by id), so two imports never wait on each other in turn.
    for measure_id in db.session.scalars(
            select(Measure.id).where(Measure.code.in_(codes)).order_by(Measure.id)):
        lock_for_update(Measure, measure_id)
    checked = preview(upload)
    if checked.version != seen_version:
        raise CatalogueConflict(key)
    if checked.errors:
        raise ImportNotReady("Correct the rows with errors, then upload the file again")
    needing = checked.needing_reason
    if needing and not reason:
        lines = ", ".join(str(row.line) for row in needing)
        raise ImportNotReady(
            f"Give a reason for changing values that submitted reports used (lines {lines})",
            reason_needed=True)
    proxies = {(proxy.measure_id, proxy.financial_year): proxy for proxy in db.session.scalars(
        select(ProxyValue).where(ProxyValue.measure_id.in_(
            [row.measure.id for row in checked.rows])))}
    for row in checked.rows:
        if row.status in ("new", "changed"):
            write_proxy_value(row.measure, row.financial_year, row.details,
                              proxies.get((row.measure.id, row.financial_year)), actor,
                              reason=reason, batch=upload.key)
    upload.applied_at = utcnow()
    upload.applied_by_id = actor.id if actor is not None else None
    upload.applied_counts = {status: checked.counts.get(status, 0)
                             for status in ("new", "changed", "unchanged")}
    db.session.flush()
    return checked
