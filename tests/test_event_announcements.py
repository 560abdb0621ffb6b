"""Emails announcing new events: people opt in or out, staff announce a published, upcoming
event once (even when two press the button at once), and each email's one-click unsubscribe
works without signing in."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from charter_app.accounts.models import User
from charter_app.events import announcements
from charter_app.events.models import Event
from charter_app.extensions import db
from charter_app.notifications.models import EmailCategory, OutboxMessage
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, link_path, log_in, submit_form
from tests.test_concurrency import HttpSession, _all_at_once


def _opted_in(build, email: str | None = None, **options) -> User:
    user = build.user(email, **options)
    user.wants_event_announcements = True
    db.session.commit()
    return user


def _announcements() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "event_announcement").order_by(OutboxMessage.id)))


def test_a_person_opts_in_and_out_on_their_email_settings_page(app, build, client):
    user = build.user()
    log_in(client, user.email, PASSWORD)
    # The page that used to hold this one choice leads to the email settings page.
    moved = client.get("/account/event-announcements")
    assert moved.headers["Location"] == "/account/emails"

    response = submit_form(client, "/account/emails", {"wanted": "event_announcements"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.wants_event_announcements is True
    assert "New events" in client.get("/account").get_data(as_text=True)
    page = client.get("/account/emails").get_data(as_text=True)
    assert 'value="event_announcements" checked' in page

    submit_form(client, "/account/emails", {})
    db.session.refresh(user)
    assert user.wants_event_announcements is False


def test_staff_announce_an_event_once_to_active_confirmed_people_who_opted_in(
        app, build, client, smtp):
    wants = _opted_in(build, "wants@example.org")
    _opted_in(build, "unconfirmed@example.org", confirmed=False)
    gone = _opted_in(build, "gone@example.org")
    gone.deactivated_at = datetime.now(UTC)
    build.user("not-interested@example.org")
    db.session.commit()
    event = build.event(title="Meet the buyer: Durham County Council")
    staff = build.staff()
    staff.wants_event_announcements = True
    db.session.commit()
    log_in(client, staff.email, PASSWORD)

    staff_page = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert f'href="/staff/events/{event.id}/announce">Announce by email' in staff_page
    confirm = client.get(f"/staff/events/{event.id}/announce").get_data(as_text=True)
    assert "<strong>2 people</strong> will get an email" in confirm
    response = submit_form(client, f"/staff/events/{event.id}/announce", {})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is announced: 2 people get an email" in page
    assert "Announced by email on" in page

    messages = _announcements()
    assert sorted(m.recipient for m in messages) == sorted([wants.email, staff.email])
    assert {m.category for m in messages} == {EmailCategory.OPTIONAL}
    received = smtp.wait_for(2)
    [mail] = [m for m in received if m["To"] == wants.email]
    assert mail["Subject"] == "New event: Meet the buyer: Durham County Council"
    assert any("/email/unsubscribe/" in link for link in smtp.links(mail))
    assert any(link.endswith("/account/emails") for link in smtp.links(mail))

    # A second announcement is refused, plainly, and sends nothing.
    again = submit_form(client, f"/staff/events/{event.id}/announce", {},
                        page=f"/staff/events/{event.id}", follow_redirects=True)
    assert "was announced by email on" in again.get_data(as_text=True)
    assert "Nothing was sent." in again.get_data(as_text=True)
    assert len(_announcements()) == 2
    assert client.get(f"/staff/events/{event.id}/announce").status_code == 302


@pytest.mark.parametrize(("state", "message"), [
    ("draft", "Only a published event can be announced"),
    ("started", "has started"),
])
def test_only_a_published_upcoming_event_can_be_announced(app_ctx, build, state, message):
    _opted_in(build)
    event = build.event(publish=state != "draft")
    now = event.starts_at if state == "started" else None
    with pytest.raises(announcements.AnnouncementRefused, match=message):
        announcements.announce_event(event.id, now=now)
    db.session.rollback()
    assert db.session.get(Event, event.id).announced_at is None
    assert _announcements() == []


def test_two_staff_announcing_at_once_send_one_set(app, build, live_server):
    people = [_opted_in(build) for _ in range(3)]
    event = build.event()
    staff = [build.staff() for _ in range(6)]
    sessions = []
    for member in staff:
        session = HttpSession(live_server)
        session.sign_in(member.email)
        status, _location, html = session.request("GET", f"/staff/events/{event.id}/announce")
        assert status == 200
        sessions.append((session, csrf_token_from(html)))
    pending = iter(sessions)

    def send():
        session, token = next(pending)
        status, location, _html = session.request(
            "POST", f"/staff/events/{event.id}/announce", {"csrf_token": token})
        return status, location

    answers = _all_at_once(send, len(sessions))
    assert {status for status, _ in answers} == {302}
    db.session.expire_all()
    assert sorted(m.recipient for m in _announcements()) == sorted(p.email for p in people)
    assert db.session.scalar(select(func.count(Event.id)).where(
        Event.announced_at.is_not(None))) == 1


def test_the_unsubscribe_link_turns_announcements_off_without_signing_in(app, build, client,
                                                                          smtp):
    person = _opted_in(build, "reader@example.org")
    event = build.event()
    announcements.announce_event(event.id)
    db.session.commit()
    [mail] = smtp.wait_for(1)
    url = link_path(next(link for link in smtp.links(mail) if "/email/unsubscribe/" in link))

    page = client.get(url)
    assert page.status_code == 200
    assert "Stop these emails" in page.get_data(as_text=True)
    db.session.refresh(person)
    assert person.wants_event_announcements is True  # a visit (or a link scanner) changes nothing

    done = client.post(url)  # one click: no session, no CSRF token (the link's token is enough)
    assert done.status_code == 200
    assert "You will not get emails about new events" in done.get_data(as_text=True)
    db.session.refresh(person)
    assert person.wants_event_announcements is False
    assert "You are not getting emails about new events" in client.get(url).get_data(
        as_text=True)
    # The next announcement passes them by.
    announcements.announce_event(build.event().id)
    db.session.commit()
    assert len(_announcements()) == 1


def test_unsubscribe_links_in_announcements_sent_before_still_work(app, build, client):
    person = _opted_in(build)
    with app.test_request_context():
        url = f"/events/unsubscribe/{announcements.unsubscribe_token(person)}"
    assert submit_form(client, url, {}).status_code == 200
    db.session.refresh(person)
    assert person.wants_event_announcements is False


def test_a_tampered_unsubscribe_link_is_not_valid(app, build, client):
    person = _opted_in(build)
    with app.test_request_context():
        token = announcements.unsubscribe_token(person)
    for bad in (token[:-3] + "xyz", "nonsense", token.replace(".", "-", 1)):
        response = client.get(f"/events/unsubscribe/{bad}")
        assert response.status_code == 404
        assert "This unsubscribe link is not valid" in response.get_data(as_text=True)
    # A feedback link's token is signed for another purpose: it unsubscribes nobody.
    from charter_app.tokens import make_token
    with app.test_request_context():
        other = make_token("event-feedback", {"user": person.id})
    assert client.get(f"/events/unsubscribe/{other}").status_code == 404


def test_staff_event_page_offers_no_announcement_for_drafts(app, build, client):
    event = build.event(publish=False)
    log_in(client, build.staff().email, PASSWORD)
    page = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert "Announce by email" not in page
    response = client.get(f"/staff/events/{event.id}/announce", follow_redirects=True)
    assert "Only a published event can be announced" in response.get_data(as_text=True)
