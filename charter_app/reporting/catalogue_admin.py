"""Administrators manage the measure catalogue: measures, proxy values per financial year, and
the audit log of every change (CatalogueChange).

Each change locks the measure's row while it is checked and made, and compares what the
administrator saw (a fingerprint of the values on their page) with what is there now: someone
else's change in between is refused with a clear message, never overwritten.

Submitted report entries froze the proxy value, source and edition they were computed with, so
nothing here touches report_entries. Changing a year's value that submitted entries used needs
a reason, which the audit log keeps.

Services flush and never commit: the request commits.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from math import ceil

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from charter_app.extensions import db
from charter_app.locking import StateConflict, lock_for_update
from charter_app.pledges.catalogue import THEME_ORDER
from charter_app.pledges.models import Measure, ProxyValue
from charter_app.reporting.models import (
    CatalogueChange,
    QuarterlyReport,
    ReportEntry,
    ReportRevision,
)

# The bands SROI practice scores deflators in (DESIGN.md section 3); any 0-100 value is allowed.
SROI_BANDS = (0, 25, 50, 75, 100)
MEASURE_FIELDS = ("name", "unit", "guidance", "plausible_max", "default_deadweight",
                  "default_attribution", "default_displacement", "active")
PROXY_FIELDS = ("value", "source", "edition", "is_example")
FIELD_LABELS = {
    "name": "Name",
    "unit": "Unit",
    "guidance": "Guidance",
    "plausible_max": "Plausible maximum",
    "default_deadweight": "Default deadweight (%)",
    "default_attribution": "Default attribution (%)",
    "default_displacement": "Default displacement (%)",
    "active": "Active",
    "value": "Proxy value (£ per unit)",
    "source": "Source",
    "edition": "Edition",
    "is_example": "Example value",
}
REASON_MAX_LENGTH = 1000
CHANGES_PER_PAGE = 50


class CatalogueConflict(StateConflict):
    """Someone else changed the catalogue since the administrator's page was loaded."""


class ReasonRequired(Exception):
    """Submitted entries used the value being changed: the change needs a reason."""

    def __init__(self, entry_count: int):
        super().__init__(entry_count)
        self.entry_count = entry_count


def audit_text(value) -> str:
    """A value as the audit log keeps it: 25 not 25.00, yes/no for true/false, '' for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def fingerprint(values: dict) -> str:
    """A short digest of what a page showed, to notice a change made since it was loaded."""
    text = json.dumps({key: audit_text(value) for key, value in values.items()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def changed_fields(before: dict, after: dict) -> tuple[dict[str, str], dict[str, str]]:
    """Only the fields that differ, as text: the audit log's before and after."""
    changed = [key for key in after if audit_text(before.get(key)) != audit_text(after[key])]
    return ({key: audit_text(before.get(key)) for key in changed},
            {key: audit_text(after[key]) for key in changed})


# --- reading the catalogue -------------------------------------------------------------------


def catalogue_by_theme() -> dict[str, list[Measure]]:
    """Every measure, active or not, grouped by theme, with its proxy values (two queries)."""
    measures = db.session.scalars(
        select(Measure).options(selectinload(Measure.proxy_values))
        .order_by(Measure.sort_order, Measure.id)
    ).all()
    grouped: dict[str, list[Measure]] = {theme: [] for theme in THEME_ORDER}
    for measure in measures:
        grouped.setdefault(measure.theme, []).append(measure)
    return grouped


def measure_by_code(code: str) -> Measure | None:
    return db.session.scalar(select(Measure).where(Measure.code == code))


def proxy_value_for(measure: Measure, financial_year: int) -> ProxyValue | None:
    # Fresh from the database, even if this request read the row before taking a lock.
    return db.session.scalar(select(ProxyValue).where(
        ProxyValue.measure_id == measure.id, ProxyValue.financial_year == financial_year)
        .execution_options(populate_existing=True))


def submitted_usage(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """How many submitted report entries froze a proxy value, per (measure id, financial year),
    for the pairs asked about, in one query."""
    pairs = set(pairs)
    if not pairs:
        return {}
    measure_ids = {measure_id for measure_id, _ in pairs}
    years = {year for _, year in pairs}
    rows = db.session.execute(
        select(ReportEntry.measure_id, QuarterlyReport.financial_year, func.count())
        .join(ReportRevision, ReportEntry.revision_id == ReportRevision.id)
        .join(QuarterlyReport, ReportRevision.report_id == QuarterlyReport.id)
        .where(ReportRevision.submitted_at.is_not(None), ReportEntry.proxy_value.is_not(None),
               ReportEntry.measure_id.in_(measure_ids),
               QuarterlyReport.financial_year.in_(years))
        .group_by(ReportEntry.measure_id, QuarterlyReport.financial_year)
    ).all()
    return {(measure_id, year): count for measure_id, year, count in rows
            if (measure_id, year) in pairs}


# --- measures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureDetails:
    """What an administrator may change about a measure."""

    name: str
    unit: str
    guidance: str
    plausible_max: Decimal
    default_deadweight: Decimal
    default_attribution: Decimal
    default_displacement: Decimal
    active: bool


def details_of(measure: Measure) -> MeasureDetails:
    return MeasureDetails(**{name: getattr(measure, name) for name in MEASURE_FIELDS})


def measure_version(measure: Measure) -> str:
    return fingerprint(asdict(details_of(measure)))


def _record(subject: str, measure_code: str, before: dict, after: dict, actor, *,
            financial_year: int | None = None, reason: str | None = None,
            batch: str | None = None) -> CatalogueChange:
    change = CatalogueChange(subject=subject, measure_code=measure_code,
                             financial_year=financial_year, before=before, after=after,
                             reason=reason or None, batch=batch,
                             actor_id=actor.id if actor is not None else None)
    db.session.add(change)
    return change


def edit_measure(code: str, details: MeasureDetails, *, seen_version: str,
                 actor) -> CatalogueChange | None:
    """Save a measure's details; the audit row, or None when nothing changed.

    LookupError when the measure is gone; CatalogueConflict when it changed since the
    administrator's page was loaded (`seen_version`).
    """
    found = measure_by_code(code)
    measure = lock_for_update(Measure, found.id) if found is not None else None
    if measure is None:
        raise LookupError(code)
    if measure_version(measure) != seen_version:
        raise CatalogueConflict(code)
    before, after = changed_fields(asdict(details_of(measure)), asdict(details))
    if not after:
        return None
    for name in after:
        setattr(measure, name, getattr(details, name))
    change = _record("measure", measure.code, before, after, actor)
    db.session.flush()
    return change


# --- proxy values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProxyDetails:
    value: Decimal
    source: str
    edition: str | None


def proxy_fields(proxy: ProxyValue | None) -> dict:
    if proxy is None:
        return {}
    return {"value": proxy.value, "source": proxy.source, "edition": proxy.edition,
            "is_example": proxy.is_example}


def proxy_version(proxy: ProxyValue | None) -> str:
    return fingerprint(proxy_fields(proxy)) if proxy is not None else "none"


def differs(proxy: ProxyValue | None, details: ProxyDetails) -> bool:
    """Whether the value, its source or its edition would change (a reason may be needed)."""
    if proxy is None:
        return True
    return (proxy.value is None or Decimal(proxy.value) != details.value
            or proxy.source != details.source or (proxy.edition or None) != details.edition)


def write_proxy_value(measure: Measure, financial_year: int, details: ProxyDetails,
                      proxy: ProxyValue | None, actor, *, reason: str | None = None,
                      batch: str | None = None) -> CatalogueChange | None:
    """Set one year's value (an imported value, never an example) and record the change.

    The caller holds the measure's lock and has checked the reason rule.
    """
    before = proxy_fields(proxy)
    wanted = {"value": details.value, "source": details.source, "edition": details.edition,
              "is_example": False}
    old, new = changed_fields(before, wanted)
    if not new:
        return None
    if proxy is None:
        proxy = ProxyValue(measure_id=measure.id, financial_year=financial_year)
        db.session.add(proxy)
        old = {}
    for name, value in wanted.items():
        setattr(proxy, name, value)
    return _record("proxy_value", measure.code, old, new, actor,
                   financial_year=financial_year, reason=reason, batch=batch)


def set_proxy_value(code: str, financial_year: int, details: ProxyDetails, *, seen_version: str,
                    reason: str | None, actor) -> CatalogueChange | None:
    """An administrator sets one year's proxy value from the measure's page.

    LookupError when the measure is gone; CatalogueConflict when the year's value changed since
    the page was loaded; ReasonRequired when submitted entries used the value and no reason
    was given. Submitted entries keep the value they froze either way.
    """
    found = measure_by_code(code)
    measure = lock_for_update(Measure, found.id) if found is not None else None
    if measure is None:
        raise LookupError(code)
    proxy = proxy_value_for(measure, financial_year)
    if proxy_version(proxy) != seen_version:
        raise CatalogueConflict(code)
    if differs(proxy, details) and not reason:
        used = submitted_usage([(measure.id, financial_year)]).get(
            (measure.id, financial_year), 0)
        if used:
            raise ReasonRequired(used)
    change = write_proxy_value(measure, financial_year, details, proxy, actor, reason=reason)
    db.session.flush()
    return change


# --- the audit log -----------------------------------------------------------------------------


@dataclass
class ChangesPage:
    items: list[CatalogueChange]
    page: int
    pages: int
    total: int


def catalogue_changes(page: int = 1, *, batch: str | None = None,
                      per_page: int = CHANGES_PER_PAGE) -> ChangesPage:
    """The audit log, newest first, with who made each change (three queries at most)."""
    statement = select(CatalogueChange)
    if batch:
        statement = statement.where(CatalogueChange.batch == batch)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, ceil(total / per_page))
    page = min(max(1, page), pages)
    items = db.session.scalars(
        statement.options(joinedload(CatalogueChange.actor))
        .order_by(CatalogueChange.created_at.desc(), CatalogueChange.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return ChangesPage(items=list(items), page=page, pages=pages, total=total)


def measure_names(codes: Iterable[str]) -> dict[str, str]:
    codes = set(codes)
    if not codes:
        return {}
    return dict(db.session.execute(
        select(Measure.code, Measure.name).where(Measure.code.in_(codes))).all())
