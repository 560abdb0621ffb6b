"""Events in plain words for people: kinds, who may come, when and where, in UK time."""

from datetime import datetime

from charter_app.events.models import Eligibility, Event, EventKind
from charter_app.timeutil import to_london

KIND_LABELS = {
    EventKind.MEET_THE_BUYER: "Meet the buyer",
    EventKind.WEBINAR: "Webinar",
    EventKind.WORKSHOP: "Workshop",
}

ELIGIBILITY_WORDS = {
    Eligibility.SIGNATORIES: "Charter signatories only",
    Eligibility.ANY_BUSINESS: "Any local business or voluntary organisation, "
                              "whether it has signed the Charter or not",
}

ONLINE = "Online"


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, str(kind).replace("_", " ").capitalize())


def eligibility_words(eligibility: str) -> str:
    return ELIGIBILITY_WORDS.get(eligibility, "")


def time_of_day(value: datetime) -> str:
    """'10am', '1:30pm', 'midday', 'midnight' (GOV.UK style), in UK time."""
    local = to_london(value)
    if local.minute == 0 and local.hour in (0, 12):
        return "midnight" if local.hour == 0 else "midday"
    hour = local.hour % 12 or 12
    minutes = f":{local:%M}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def day(value: datetime) -> str:
    """'Tuesday 3 March 2026', in UK time."""
    local = to_london(value)
    return f"{local:%A} {local.day} {local:%B %Y}"


def when(event: Event) -> str:
    """'Tuesday 3 March 2026, 10am to 1pm'; an event over several days names both days."""
    start = f"{day(event.starts_at)}, {time_of_day(event.starts_at)}"
    if to_london(event.starts_at).date() == to_london(event.ends_at).date():
        return f"{start} to {time_of_day(event.ends_at)}"
    return f"{start} to {day(event.ends_at)}, {time_of_day(event.ends_at)}"


def where(event: Event) -> str:
    """The venue and its address; 'Online' for a webinar (never its join link)."""
    if event.is_online:
        return ONLINE
    return ", ".join(part.strip() for part in (event.venue, event.address) if part and part.strip())


def register_filters(state) -> None:
    """Template filters for every events page (public and staff)."""
    filters = state.app.jinja_env.filters
    filters["event_kind"] = kind_label
    filters["event_eligibility"] = eligibility_words
    filters["event_when"] = when
    filters["event_where"] = where
