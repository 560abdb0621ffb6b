"""Template filters and globals: dates in UK time, money, labels."""

from decimal import ROUND_HALF_UP, Decimal

from flask import Flask

from charter_app.timeutil import format_london


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


def register(app: Flask) -> None:
    app.jinja_env.filters["london"] = format_london
    app.jinja_env.filters["london_date"] = lambda value: format_london(value, with_time=False)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["number"] = number
    app.jinja_env.globals["service_name"] = "County Durham Pound Charter"
