"""After an event: the jobs (waiting lists closed, attendees thanked, needs erased), feedback by
a signed link with the results staff read, and attendance in the organisation's history.

Attendance is marked by setting `checked_in_at` directly (the check-in page is built
elsewhere)."""

import re
import threading
from datetime import timedelta

from sqlalchemy import func, select

from charter_app.events import attendance, feedback, tasks
from charter_app.events.models import Feedback, Registration, RegistrationStatus
from charter_app.events.services import cancel_event
from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage
from charter_app.organisations.models import ApplicationStatus
from charter_app.timeutil import format_london
from tests.builders import PASSWORD
from tests.conftest import (
    counting_statements,
    csrf_token_from,
    link_path,
    log_in,
    submit_form,
)
from tests.test_concurrency import HttpSession, _all_at_once


def _checked_in(*registrations: Registration) -> None:
    for registration in registrations:
        registration.checked_in_at = registration.event.starts_at + timedelta(minutes=5)
    db.session.commit()


def _thank_yous() -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.recipient).where(
        OutboxMessage.template == "event_thank_you").order_by(OutboxMessage.id)))


def _run_jobs(app, now) -> dict[str, str]:
    result = app.test_cli_runner().invoke(args=["charter", "run-jobs", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    return dict(line.split(": ", 1) for line in result.output.splitlines())


# --- the jobs ----------------------------------------------------------------------------------

def test_run_jobs_closes_the_waiting_list_thanks_those_who_came_once_and_erases_needs_later(
        app, app_ctx, build, smtp):
    event = build.event(capacity=2, places_per_organisation=5)
    organisation = build.organisation(status=ApplicationStatus.APPROVED)
    came = build.registration(event, organisation, email="came@example.org",
                              needs="Step-free access, please")
    stayed_away = build.registration(event, organisation, email="away@example.org",
                                     needs="Vegetarian lunch")
    waiting = build.registration(event, organisation, email="waiting@example.org")
    _checked_in(came)

    during = _run_jobs(app, event.starts_at + timedelta(minutes=1))
    assert during["close_event_waiting_lists"] == "1"
    assert during["thank_attendees"] == "0"  # not over yet

    after = _run_jobs(app, event.ends_at + timedelta(hours=1))
    assert after["thank_attendees"] == "1"
    assert after["erase_attendee_needs"] == "0"  # kept for 30 days
    thanked = [m for m in smtp.received if m["To"] == "came@example.org"
               and m["Subject"].startswith("Thank you for coming")]
    assert len(thanked) == 1
    assert not [m for m in smtp.received if "Thank you" in m["Subject"]
                and m["To"] != "came@example.org"]
    [feedback_link] = [link for link in smtp.links(thanked[0]) if "/events/feedback/" in link]
    assert feedback_link.startswith(app.config["BASE_URL"].rstrip("/"))

    again = _run_jobs(app, event.ends_at + timedelta(hours=1))
    assert again["thank_attendees"] == "0"
    assert again["close_event_waiting_lists"] == "0"
    assert _thank_yous() == ["came@example.org"]

    month_later = _run_jobs(app, event.ends_at + timedelta(days=30))
    assert month_later["erase_attendee_needs"] == "2"
    db.session.expire_all()
    for registration in (came, stayed_away):
        registration = db.session.get(Registration, registration.id)
        assert registration.needs is None
        assert registration.needs_erased_at == event.ends_at + timedelta(days=30)
    assert db.session.get(Registration, waiting.id).status == RegistrationStatus.NOT_PLACED
    assert _run_jobs(app, event.ends_at + timedelta(days=31))["erase_attendee_needs"] == "0"


def test_thanks_catch_up_after_downtime_but_not_for_events_over_a_month_ago(app_ctx, build):
    recent = build.event(title="Recent workshop")
    old = build.event(title="Old workshop", starts_in=timedelta(days=10))
    cancelled = build.event(title="Cancelled workshop")
    people = {event.id: build.registration(event) for event in (recent, old, cancelled)}
    _checked_in(*people.values())
    cancel_event(cancelled.id, "The venue flooded.")
    db.session.commit()
    # The scheduler was down: it runs again 29 days after the recent event ended, which is
    # more than 30 days after the old one.
    now = recent.ends_at + timedelta(days=29)
    assert old.ends_at <= now - timedelta(days=30)
    assert tasks.thank_attendees(now) == 1
    db.session.commit()
    assert _thank_yous() == [people[recent.id].attendee_email]
    assert tasks.thank_attendees(now) == 0


def test_needs_of_events_that_ended_under_30_days_ago_are_kept(app_ctx, build):
    event = build.event()
    registration = build.registration(event, needs="A hearing loop")
    assert tasks.erase_attendee_needs(event.ends_at + timedelta(days=29, hours=23)) == 0
    db.session.commit()
    db.session.refresh(registration)
    assert registration.needs == "A hearing loop" and registration.needs_erased_at is None


# --- feedback ----------------------------------------------------------------------------------

def _feedback_link(app, smtp, event, registration) -> str:
    _run_jobs(app, event.ends_at + timedelta(minutes=5))
    [message] = [m for m in smtp.received if m["To"] == registration.attendee_email
                 and "Thank you" in m["Subject"]]
    return link_path(next(link for link in smtp.links(message) if "/events/feedback/" in link))


def test_an_attendee_rates_the_event_from_the_email_without_signing_in(app, build, smtp,
                                                                        client):
    event = build.event(title="Meet the buyer: housing")
    registration = build.registration(event)
    _checked_in(registration)
    url = _feedback_link(app, smtp, event, registration)

    page = client.get(url).get_data(as_text=True)
    assert "Meet the buyer: housing" in page and 'name="rating"' in page
    csrf = csrf_token_from(page)

    typed = "The housing buyers were very helpful.\nMore time per slot, please."
    missing = submit_form(client, url, {"comment": typed})
    html = missing.get_data(as_text=True)
    assert missing.status_code == 200
    assert "<title>Error:" in html and "Select a rating from 1 to 5" in html
    assert "More time per slot, please." in html  # nothing typed is lost

    too_long = submit_form(client, url, {"rating": "4", "comment": "x" * 2001})
    assert "Your comment must be 2,000 characters or fewer" in too_long.get_data(as_text=True)
    assert 'value="4" checked' in too_long.get_data(as_text=True)

    sent = submit_form(client, url, {"rating": "4", "comment": typed})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(url + "/thanks")
    assert "Thank you for your feedback" in client.get(url + "/thanks").get_data(as_text=True)
    kept = db.session.scalars(select(Feedback)).one()
    assert (kept.rating, kept.comment, kept.event_id) == (4, typed, event.id)

    # A second answer, by the same link: told so, and the first answer stands.
    second = client.post(url, data={"csrf_token": csrf, "rating": "1"})
    assert second.status_code == 200
    assert "We already have your feedback, thank you" in second.get_data(as_text=True)
    assert "We already have your feedback" in client.get(url).get_data(as_text=True)
    db.session.expire_all()
    assert [f.rating for f in db.session.scalars(select(Feedback))] == [4]


def test_a_bad_or_tampered_feedback_link_says_it_is_not_valid(app_ctx, build, client):
    event = build.event()
    came, absent = build.registration(event), build.registration(event)
    _checked_in(came)
    with app_ctx.test_request_context():
        good = feedback.feedback_token(came)
        not_an_attendee = feedback.feedback_token(absent)
    for token in (good[:-2] + ("AA" if not good.endswith("AA") else "BB"), "nonsense",
                  not_an_attendee, good.replace(".", "x", 1)):
        response = client.get(f"/events/feedback/{token}")
        assert response.status_code == 404, token
        assert "This feedback link is not valid" in response.get_data(as_text=True)
        assert client.get(f"/events/feedback/{token}/thanks").status_code == 404
    assert client.get(f"/events/feedback/{good}").status_code == 200
    assert db.session.scalar(select(func.count(Feedback.id))) == 0


def test_two_answers_at_once_keep_one_and_neither_fails(app, build, live_server):
    event = build.event()
    registration = build.registration(event)
    _checked_in(registration)
    with app.test_request_context():
        url = f"/events/feedback/{feedback.feedback_token(registration)}"
    sessions = [HttpSession(live_server) for _ in range(8)]
    tokens = []
    for session in sessions:
        status, _location, html = session.request("GET", url)
        assert status == 200
        tokens.append(re.search(r'name="csrf_token" value="([^"]+)"', html).group(1))
    pending = iter(zip(sessions, tokens, range(1, 9), strict=True))
    lock = threading.Lock()

    def send():
        with lock:
            session, token, number = next(pending)
        status, _location, html = session.request(
            "POST", url, {"csrf_token": token, "rating": str(number % 5 + 1)})
        return status, "We already have your feedback" in html

    answers = _all_at_once(send, 8)
    assert sorted(status for status, _ in answers) == [200] * 7 + [302]
    assert sum(told for _, told in answers) == 7
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Feedback.id))) == 1


def test_staff_see_count_average_distribution_and_dated_comments(app, build, client):
    event = build.event(title="Webinar: bidding for council work", kind="webinar")
    people = [build.registration(event, build.organisation(status="approved"))
              for _ in range(5)]
    _checked_in(*people)
    for person, rating, comment in zip(people, (5, 4, 4, 4), (
            "Clear and useful", None, "<b>More</b> on social value, please", None), strict=False):
        feedback.give_feedback(person, rating, comment, now=event.ends_at + timedelta(days=1))
    db.session.commit()
    staff = build.staff()
    log_in(client, staff.email, PASSWORD)
    event_page = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert f'href="/staff/events/{event.id}/feedback"' in event_page
    html = client.get(f"/staff/events/{event.id}/feedback").get_data(as_text=True)
    assert "4 from 5 attendees checked in" in html
    assert "4.3 out of 5" in html  # 17 / 4 = 4.25, to one decimal
    rows = re.findall(r'<th scope="row" class="govuk-table__header">(\d) – [^<]+</th>\s*'
                      r'<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)%</td>', html)
    assert rows == [("5", "1", "25"), ("4", "3", "75"), ("3", "0", "0"), ("2", "0", "0"),
                    ("1", "0", "0")]
    assert "Clear and useful" in html
    assert "&lt;b&gt;More&lt;/b&gt; on social value, please" in html
    answered_on = format_london(event.ends_at + timedelta(days=1), with_time=False)
    assert f"{answered_on}, rated 5 out of 5" in html


def test_an_event_with_no_feedback_says_so(app, build, client):
    event = build.event()
    log_in(client, build.staff().email, PASSWORD)
    html = client.get(f"/staff/events/{event.id}/feedback").get_data(as_text=True)
    assert "No feedback yet (0 attendees checked in)" in html
    assert client.get("/staff/events/999999/feedback").status_code == 404


def test_average_is_rounded_half_up_to_one_decimal():
    results = feedback.FeedbackResults(answers=4, attended=4,
                                       distribution={1: 0, 2: 0, 3: 1, 4: 1, 5: 2})
    assert str(results.average) == "4.3"  # 4.25
    assert feedback.FeedbackResults(0, 0, dict.fromkeys(feedback.RATINGS, 0)).average is None


# --- attendance in the organisation's history --------------------------------------------------

def test_attendance_lists_events_the_organisation_came_to_in_one_query(app, app_ctx, build):
    owner = build.user()
    organisation = build.organisation(owner, status=ApplicationStatus.APPROVED)
    other = build.organisation(status=ApplicationStatus.APPROVED)
    first = build.event(title="First workshop", starts_in=timedelta(days=3),
                        closes_before=timedelta(hours=1))
    second = build.event(title="Second workshop", starts_in=timedelta(days=5))
    not_attended = build.event(title="Skipped workshop")
    cancelled = build.event(title="Cancelled day")
    pair = [build.registration(first, organisation) for _ in range(2)]
    single = build.registration(second, organisation)
    build.registration(not_attended, organisation)
    theirs = build.registration(second, other)
    dropped = build.registration(cancelled, organisation)
    _checked_in(*pair, single, theirs, dropped)
    cancel_event(cancelled.id, "Snow.")
    db.session.commit()

    organisation_id = organisation.id
    with counting_statements(app) as statements:
        attended = attendance.attended_events(organisation_id)
    assert len(statements) == 1
    assert [(a.title, a.attended) for a in attended] == [("Second workshop", 1),
                                                          ("First workshop", 2)]
    assert attendance.attendance_count(organisation.id) == 2
    assert attendance.attendance_count(other.id) == 1

    client = app.test_client()
    log_in(client, owner.email, PASSWORD)
    html = client.get(f"/organisations/{organisation.id}/dashboard").get_data(as_text=True)
    section = html[html.index('id="events-attended"'):]
    assert "Second workshop" in section and "First workshop" in section
    assert "(2 people)" in section and "(1 person)" in section
    assert "Skipped workshop" not in html and "Cancelled day" not in html


def test_an_organisation_that_attended_nothing_is_pointed_to_upcoming_events(app, build):
    owner = build.user()
    organisation = build.organisation(owner, status=ApplicationStatus.APPROVED)
    client = app.test_client()
    log_in(client, owner.email, PASSWORD)
    html = client.get(f"/organisations/{organisation.id}/dashboard").get_data(as_text=True)
    assert "Events attended" in html
    assert 'None yet. <a class="govuk-link" href="/events">See upcoming events</a>' in html
