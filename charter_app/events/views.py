"""The public pages of events: upcoming ones, past ones, one event and its calendar file."""

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from charter_app.access import public
from charter_app.events import queries, tickets
from charter_app.events.calendar import calendar_filename, public_calendar
from charter_app.events.display import register_filters
from charter_app.events.models import Event
from charter_app.timeutil import utcnow
from charter_app.urls import external_url

bp = Blueprint("events", __name__)
bp.record_once(register_filters)


def _event_or_404(event_id: int) -> Event:
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
    event = _event_or_404(event_id)
    return render_template("events/event.html", title=event.title, event=event,
                           has_ended=event.ends_at <= utcnow())


@bp.route("/events/<int:event_id>.ics")
@public
def calendar(event_id: int):
    event = _event_or_404(event_id)
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
