"""Calendar files (RFC 5545) for events, built with the `icalendar` library, which escapes the
text (commas, semicolons, new lines) and folds long lines.

Times are written in UTC ("...Z"), which every calendar application reads the same way and
shows in its own time zone: 10am London time on the day of a clock change stays 10am for
someone in County Durham. (A TZID=Europe/London with a generated VTIMEZONE was the other
choice; icalendar 7.3 dates the spring change at 02:00 GMT instead of 01:00, and UTC needs no
VTIMEZONE at all.)
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
from slugify import slugify

from charter_app.events.display import where
from charter_app.events.models import Event, EventStatus

PRODID = "-//County Durham Pound Charter//Events//EN"
FILENAME_LENGTH = 60
ORGANIZER_NAME = "Business Durham (County Durham Pound Charter)"
# The alarm in invitations: a day before, time enough to plan the journey or cancel.
ALARM_BEFORE = timedelta(days=1)


def event_uid(event: Event, base_url: str) -> str:
    """The same for an event in every file, so a calendar updates its entry, never adds one."""
    host = urlsplit(base_url).hostname or "localhost"
    return f"event-{event.id}@{host}"


def calendar_filename(event: Event) -> str:
    """A plain ASCII name for the download: 'meet-the-buyer-durham.ics'."""
    name = slugify(event.title, max_length=FILENAME_LENGTH, word_boundary=True)
    return f"{name or f'event-{event.id}'}.ics"


def _description(event: Event, event_url: str) -> str:
    parts = []
    if event.status == EventStatus.CANCELLED:
        parts.append("This event is cancelled." + (
            f" {event.cancellation_reason.strip()}" if event.cancellation_reason else ""))
    parts.append(event.description.strip())
    parts.append(f"Details: {event_url}")
    return "\n\n".join(part for part in parts if part)


def public_calendar(event: Event, *, event_url: str, base_url: str, stamp: datetime) -> bytes:
    """The event as anyone may download it from its public page (METHOD:PUBLISH): no attendee,
    and for a webinar 'Online' as its place, never the join link."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")

    entry = icalendar.Event()
    cancelled = event.status == EventStatus.CANCELLED
    entry.add("uid", event_uid(event, base_url))
    entry.add("sequence", event.sequence)
    entry.add("dtstamp", stamp.astimezone(UTC))
    entry.add("dtstart", event.starts_at.astimezone(UTC))
    entry.add("dtend", event.ends_at.astimezone(UTC))
    entry.add("summary", f"Cancelled: {event.title}" if cancelled else event.title)
    entry.add("description", _description(event, event_url))
    location = where(event)
    if location:
        entry.add("location", location)
    entry.add("url", event_url)
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(entry)
    return calendar.to_ical()


def invitation(*, uid: str, sequence: int, method: str, summary: str, description: str,
               starts_at: datetime, ends_at: datetime, stamp: datetime, organizer_email: str,
               attendee_email: str, attendee_name: str, url: str,
               location: str | None = None, alarm_before: timedelta | None = ALARM_BEFORE
               ) -> bytes:
    """An invitation sent to one attendee: METHOD:REQUEST adds or updates the entry with this
    UID (a higher SEQUENCE replaces it), METHOD:CANCEL removes it. One UID per registration or
    booking, so each can be changed or removed on its own."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unknown method {method}")
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    entry = icalendar.Event()
    entry.add("uid", uid)
    entry.add("sequence", sequence)
    entry.add("dtstamp", stamp.astimezone(UTC))
    entry.add("dtstart", starts_at.astimezone(UTC))
    entry.add("dtend", ends_at.astimezone(UTC))
    entry.add("summary", summary)
    entry.add("description", description)
    if location:
        entry.add("location", location)
    entry.add("url", url)
    entry.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = icalendar.vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = icalendar.vText(ORGANIZER_NAME)
    entry.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{attendee_email}")
    attendee.params["cn"] = icalendar.vText(attendee_name)
    attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = icalendar.vText(
        "DECLINED" if method == "CANCEL" else "ACCEPTED")
    entry.add("attendee", attendee)
    if alarm_before is not None and method == "REQUEST":
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Reminder: {summary}")
        alarm.add("trigger", -alarm_before)
        entry.add_component(alarm)
    calendar.add_component(entry)
    return calendar.to_ical()
