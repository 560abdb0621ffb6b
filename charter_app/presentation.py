"""Template filters and globals: dates in UK time, money, counts, places, labels."""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask import Flask

from charter_app.timeutil import REVIEW_PROMISE_WORKING_DAYS, format_london, review_clock


def money(value: Decimal | None, places: int = 2) -> str:
    """£1,234.50 — rounded only here, for display."""
    if value is None:
        return ""
    quantum = Decimal(1).scaleb(-places)
    return f"£{Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP):,}"


def number(value: Decimal | None) -> str:
    """A quantity without trailing zeros: 12, 12.5, 1,200."""
    if value is None:
        return ""
    # normalize() drops trailing zeros but may leave an exponent (250000 -> 2.5E+5): "f" undoes it.
    return f"{Decimal(value).normalize():,f}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 application', '2 applications', '0 applications'; plural_form for irregular words."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"


def page_numbers(page: int, pages: int) -> list[int | None]:
    """Pagination: the first and last pages and those within two of this one; None marks a
    gap."""
    shown = sorted(n for n in {1, pages, *range(page - 2, page + 3)} if 1 <= n <= pages)
    numbers: list[int | None] = []
    for previous, number in zip([0, *shown], shown, strict=False):
        if number - previous > 1 and previous:
            numbers.append(None)
        numbers.append(number)
    return numbers


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def place(town: str | None, area: str | None) -> str:
    """Where an organisation is: the town, then its area of County Durham only when the area
    says something the town does not ('Stanhope, Wear Valley area', but just 'Durham')."""
    town = (town or "").strip()
    area = (area or "").strip()
    if not area:
        return town
    if not town:
        return f"{area} area"
    town_words, area_words = _words(town), _words(area)
    size = len(area_words)
    if any(town_words[i:i + size] == area_words for i in range(len(town_words) - size + 1)):
        return town
    return f"{town}, {area} area"


def uk_date(value: date | None) -> str:
    """'4 December 2026', for a calendar date that is already a UK date."""
    return f"{value.day} {value:%B %Y}" if value else ""


# What a change of state did, in words for the application's history.
_CHANGE_WORDS = {
    "submitted": "Submitted",
    "approved": "Approved",
    "rejected": "Rejected",
    "draft": "Returned to draft",
    "suspended": "Suspended",
    "lapsed": "Lapsed",
    "withdrawn": "Withdrawn",
}


def status_change_words(from_status: str | None, to_status: str) -> str:
    """'Submitted', 'Resubmitted', 'Approved', 'Reinstated'… instead of 'draft → submitted'."""
    if to_status == "submitted" and from_status == "rejected":
        return "Resubmitted"
    if to_status == "approved" and from_status == "suspended":
        return "Reinstated"
    if to_status == "approved" and from_status in {"approved", "lapsed"}:
        return "Renewed"  # by an annual update (reporting/annual.py)
    return _CHANGE_WORDS.get(to_status, str(to_status).replace("_", " ").capitalize())


def register(app: Flask) -> None:
    app.jinja_env.filters["london"] = format_london
    app.jinja_env.filters["london_date"] = lambda value: format_london(value, with_time=False)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["plural"] = plural
    app.jinja_env.filters["uk_date"] = uk_date
    app.jinja_env.globals["place"] = place
    app.jinja_env.globals["review_clock"] = review_clock
    app.jinja_env.globals["review_promise_days"] = REVIEW_PROMISE_WORKING_DAYS
    app.jinja_env.globals["status_change_words"] = status_change_words
    app.jinja_env.globals["service_name"] = "County Durham Pound Charter"
