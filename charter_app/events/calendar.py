"""Calendar files (RFC 5545) for events, built with the `icalendar` library, which escapes the
text (commas, semicolons, new lines) and folds long lines.

Times are written in UTC ("...Z"), which every calendar application reads the same way and
shows in its own time zone: 10am London time on the day of a clock change stays 10am for
someone in County Durham. (A TZID=Europe/London with a generated VTIMEZONE was the other
choice; icalendar 7.3 dates the spring change at 02:00 GMT instead of 01:00, and UTC needs no
VTIMEZONE at all.)
"""

from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

import icalendar
from flask import current_app
from slugify import slugify

from charter_app.events.display import where
from charter_app.events.models import Event, EventStatus

PRODID = "-//County Durham Pound Charter//Events//EN"
FILENAME_LENGTH = 60
ORGANIZER_NAME = "Business Durham (County Durham Pound Charter)"
# The alarm in invitations: a day before, time enough to plan the journey or cancel.
ALARM_BEFORE = timedelta(days=1)


def base_host() -> str:
    """The host of BASE_URL, which names every calendar UID this service makes."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def organizer_address() -> str:
    """The address invitations name as their ORGANIZER: the one our emails come from."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    if isinstance(sender, tuple | list):
        return sender[1]
    return parseaddr(sender)[1] or sender


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


def new_calendar(method: str) -> icalendar.Calendar:
    """An empty calendar with our PRODID and the METHOD (PUBLISH, REQUEST or CANCEL)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def new_entry(*, uid: str, sequence: int, stamp: datetime, starts_at: datetime,
              ends_at: datetime, summary: str, description: str, url: str,
              location: str | None, cancelled: bool = False) -> icalendar.Event:
    """A VEVENT with times in UTC: the fields every calendar file of ours has."""
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
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return entry


def public_calendar(event: Event, *, event_url: str, base_url: str, stamp: datetime) -> bytes:
    """The event as anyone may download it from its public page (METHOD:PUBLISH): no attendee,
    and for a webinar 'Online' as its place, never the join link."""
    calendar = new_calendar("PUBLISH")
    cancelled = event.status == EventStatus.CANCELLED
    calendar.add_component(new_entry(
        uid=event_uid(event, base_url), sequence=event.sequence, stamp=stamp,
        starts_at=event.starts_at, ends_at=event.ends_at,
        summary=f"Cancelled: {event.title}" if cancelled else event.title,
        description=_description(event, event_url), url=event_url, location=where(event),
        cancelled=cancelled))
    return calendar.to_ical()


def invitation(*, uid: str, sequence: int, method: str, summary: str, description: str,
               starts_at: datetime, ends_at: datetime, stamp: datetime,
               attendee_email: str, attendee_name: str, url: str,
               location: str | None = None, alarm_before: timedelta | None = ALARM_BEFORE
               ) -> bytes:
    """An invitation sent to one attendee: METHOD:REQUEST adds or updates the entry with this
    UID (a higher SEQUENCE replaces it), METHOD:CANCEL removes it. One UID per registration or
    booking, so each can be changed or removed on its own."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unknown method {method}")
    calendar = new_calendar(method)
    entry = new_entry(uid=uid, sequence=sequence, stamp=stamp, starts_at=starts_at,
                      ends_at=ends_at, summary=summary, description=description, url=url,
                      location=location, cancelled=method == "CANCEL")
    organizer = icalendar.vCalAddress(f"mailto:{organizer_address()}")
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
