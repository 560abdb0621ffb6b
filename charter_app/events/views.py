"""The public pages of events: upcoming ones, past ones, one event and its calendar file."""

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import current_user

from charter_app.access import public
from charter_app.events import queries, registrations, tickets
from charter_app.events.calendar import calendar_filename, public_calendar
from charter_app.events.display import register_filters
from charter_app.events.models import Eligibility, Event, EventKind
from charter_app.organisations.models import LISTED_STATUSES
from charter_app.timeutil import utcnow
from charter_app.urls import external_url

bp = Blueprint("events", __name__)
bp.record_once(register_filters)


def published_event_or_404(event_id: int) -> Event:
    event = queries.published_event(event_id)
    if event is None:
        abort(404)
    return event


def _page_number() -> int:
    """The `page` asked for; anything that is not a page number means the first."""
    value = request.args.get("page", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else 1


def _page_links(page: queries.EventPage) -> list[tuple[int | None, str | None, bool]]:
    """For the pagination component: the first and last pages and two either side of this
    one; a gap is (None, None, False), or the page itself when it would hide only one."""
    shown = sorted(n for n in {1, page.pages, *range(page.page - 2, page.page + 3)}
                   if 1 <= n <= page.pages)
    links: list[tuple[int | None, str | None, bool]] = []
    previous = 0
    for number in shown:
        if number - previous == 2:
            links.append(_page_link(page, number - 1))
        elif number - previous > 2:
            links.append((None, None, False))
        links.append(_page_link(page, number))
        previous = number
    return links


def _page_link(page: queries.EventPage, number: int) -> tuple[int, str, bool]:
    href = url_for("events.past", page=number) if number > 1 else url_for("events.past")
    return number, href, number == page.page


@bp.route("/events")
@public
def index():
    return render_template("events/index.html", title="Events",
                           events=queries.upcoming_events(utcnow()))


@bp.route("/events/past")
@public
def past():
    page = queries.past_events(utcnow(), _page_number())
    previous_href = _page_link(page, page.page - 1)[1] if page.page > 1 else None
    next_href = _page_link(page, page.page + 1)[1] if page.page < page.pages else None
    title = "Past events" if page.pages == 1 else f"Past events (page {page.page} of {page.pages})"
    return render_template("events/past.html", title=title, page=page,
                           links=_page_links(page), previous_href=previous_href,
                           next_href=next_href)


@bp.route("/events/<int:event_id>")
@public
def event(event_id: int):
    """The event, its places left and, for a signed-in member, their organisations'
    registrations (and a webinar's join link when one of them holds a place). The statements
    sent do not grow with the number of registrations."""
    event = published_event_or_404(event_id)
    now = utcnow()
    mine, organisations = [], []
    if current_user.is_authenticated and not current_user.is_staff:
        mine = queries.members_registrations(event.id, current_user.id)
        organisations = queries.users_organisations(current_user.id)
    return render_template(
        "events/event.html", title=event.title, event=event, has_ended=event.ends_at <= now,
        has_started=event.starts_at <= now,
        places_left=registrations.places_left(event) if event.is_published else 0,
        is_open=registrations.registration_is_open(event, now),
        opens_later=event.is_published and now < event.registration_opens_at,
        mine=mine, may_register=not (event.eligibility == Eligibility.SIGNATORIES
                                     and not any(o.status in LISTED_STATUSES
                                                 for o in organisations)),
        holds_a_place=any(item.registration.is_confirmed for item in mine),
        buyers=queries.buyers_at(event.id) if event.kind == EventKind.MEET_THE_BUYER else [])


@bp.route("/events/<int:event_id>.ics")
@public
def calendar(event_id: int):
    event = published_event_or_404(event_id)
    body = public_calendar(event, event_url=external_url("events.event", event_id=event.id),
                           base_url=current_app.config["BASE_URL"], stamp=utcnow())
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{calendar_filename(event)}"'
    return response


@bp.route("/events/check-in/<code>.png")
@public
def checkin_qr(code: str):
    """The QR image of a check-in code, for confirmation emails (which load it from here)."""
    if tickets.registration_id_from(code) is None:
        abort(404)
    response = Response(tickets.qr_png(code), content_type="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
