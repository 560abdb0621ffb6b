"""Finding audit entries: by who, action, target text and a date range (days in Europe/London),
newest first, a page at a time or all of them as CSV."""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select

from charter_app.audit.models import ACTION_MAX_LENGTH, ACTOR_MAX_LENGTH, AuditEntry
from charter_app.extensions import db
from charter_app.presentation import page_numbers
from charter_app.timeutil import LONDON

TEXT_MAX_LENGTH = 200
CSV_MAX_ROWS = 100_000
CSV_HEADER = ["time (UTC)", "who", "role", "action", "request id", "change", "target type",
              "target id", "target", "before", "after"]


class SearchRefused(ValueError):
    """A search value the page cannot use; the message says what to do instead."""


def _one_line(text: str, limit: int) -> str:
    # Control characters mean nothing here, and PostgreSQL refuses NUL in a parameter.
    return " ".join("".join(ch for ch in str(text) if ch.isprintable()).split())[:limit]


def _day(text: str, label: str) -> date | None:
    text = _one_line(text, 20)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SearchRefused(f"Enter the {label} date as year-month-day, like 2026-11-23.") from None


@dataclass
class AuditSearch:
    who: str = ""
    action: str = ""
    target: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> "AuditSearch":
        """Read the query string; a date that cannot be read is an error for the page to show."""
        search = cls(who=_one_line(args.get("who", ""), ACTOR_MAX_LENGTH),
                     action=_one_line(args.get("action", ""), ACTION_MAX_LENGTH),
                     target=_one_line(args.get("target", ""), TEXT_MAX_LENGTH))
        for name, label in (("since", "from"), ("until", "to")):
            try:
                setattr(search, name, _day(args.get(name, ""), label))
            except SearchRefused as refusal:
                search.errors[name] = str(refusal)
        if search.since and search.until and search.since > search.until:
            search.errors["until"] = "The ‘to’ date must be the same as or after the ‘from’ date."
        try:
            search.page = max(1, min(int(args.get("page", "1")), 100_000))
        except ValueError:
            search.page = 1
        return search

    def params(self, **changes) -> dict:
        values = {"who": self.who, "action": self.action, "target": self.target,
                  "since": self.since.isoformat() if self.since else "",
                  "until": self.until.isoformat() if self.until else "",
                  "page": self.page, **changes}
        if values["page"] == 1:
            del values["page"]
        return {key: value for key, value in values.items() if value}


def _statement(search: AuditSearch):
    statement = select(AuditEntry)
    if search.who:
        statement = statement.where(
            func.lower(AuditEntry.actor).contains(search.who.lower(), autoescape=True))
    if search.action:
        statement = statement.where(
            func.lower(AuditEntry.action).contains(search.action.lower(), autoescape=True))
    if search.target:
        text = search.target.lower()
        statement = statement.where(or_(
            func.lower(AuditEntry.target_label).contains(text, autoescape=True),
            func.lower(AuditEntry.target_type).contains(text, autoescape=True),
            AuditEntry.target_id == search.target))
    if search.since and "since" not in search.errors:
        statement = statement.where(AuditEntry.at >= _london_midnight(search.since))
    if search.until and "until" not in search.errors:
        statement = statement.where(
            AuditEntry.at < _london_midnight(search.until + timedelta(days=1)))
    return statement


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


@dataclass
class AuditPage:
    items: list[AuditEntry]
    page: int
    pages: int
    total: int

    def numbers(self) -> list[int | None]:
        return page_numbers(self.page, self.pages)


def find_entries(search: AuditSearch, per_page: int = 50) -> AuditPage:
    """One statement for the count, one for the page."""
    statement = _statement(search)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = max(1, min(search.page, pages))
    items = list(db.session.scalars(
        statement.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    return AuditPage(items=items, page=page, pages=pages, total=total)


def csv_rows(search: AuditSearch):
    """Every matching entry, newest first, as CSV rows (cells made safe by csv_text)."""
    statement = _statement(search).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    for entry in db.session.scalars(statement.limit(CSV_MAX_ROWS).execution_options(
            yield_per=1000)):
        yield [entry.at.isoformat(), entry.actor, entry.role, entry.action,
               entry.request_id or "", entry.change, entry.target_type, entry.target_id,
               entry.target_label, _fields(entry.before), _fields(entry.after)]


def _fields(values: dict | None) -> str:
    if not values:
        return ""
    return "; ".join(f"{key}: {value}" for key, value in sorted(values.items()))


def changed_fields(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """(field, before, after) for the page, in field order."""
    before, after = entry.before or {}, entry.after or {}
    return [(key, before.get(key), after.get(key)) for key in sorted({*before, *after})]
