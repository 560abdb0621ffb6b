"""Messages from the public: the contact form's spam checks (honeypot, time stamp, limits per
connection and per email address), what a message causes (stored, emailed to staff,
acknowledged), headers nobody can inject into, and staff answering it (reply, mark handled,
who may)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from charter_app.contact import services
from charter_app.contact.models import ContactMessage, ContactReply, ContactThrottle
from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage
from charter_app.timeutil import utcnow
from charter_app.tokens import make_lasting_token
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in

STAFF_MAILBOX = "charter@businessdurham.example"
IDEA = {
    "name": "Sam Robson",
    "email": "sam@wearvalley.example",
    "organisation": "Wear Valley Widgets",
    "topic": "idea",
    "message": "Run a meet-the-buyer day in Stanhope.\nMany of us cannot travel to Durham.",
}


def _stamp(app, seconds_ago: float = 5) -> str:
    with app.app_context():
        return services.form_stamp(utcnow() - timedelta(seconds=seconds_ago))


def send(client, app, *, address: str = "203.0.113.7", stamp: str | None = None, **changes):
    """Open the form, then post it as a person who took five seconds (unless told otherwise)."""
    page = client.get("/contact", environ_base={"REMOTE_ADDR": address})
    data = {**IDEA, "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "form_stamp": stamp if stamp is not None else _stamp(app), "website": "", **changes}
    return client.post("/contact", data=data, environ_base={"REMOTE_ADDR": address})


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _nothing_stored() -> bool:
    return _count(ContactMessage) == _count(OutboxMessage) == _count(ContactThrottle) == 0


# --- sending a message -----------------------------------------------------------------------


def test_the_form_works_without_javascript_and_hides_its_honeypot(client):
    html = client.get("/contact").get_data(as_text=True)
    for name in ("name", "email", "organisation", "topic", "message", "form_stamp"):
        assert f'name="{name}"' in html
    honeypot = re.search(r'<input[^>]*name="website"[^>]*>', html).group(0)
    assert 'tabindex="-1"' in honeypot and 'autocomplete="off"' in honeypot
    assert re.search(r'<label for="website">Leave this field empty', html)
    assert "Becoming a supporter" in html and "A case study to share" in html
    # Every page links to the form.
    assert 'href="/contact"' in client.get("/").get_data(as_text=True)


def test_a_message_is_stored_emailed_to_staff_and_acknowledged(app, app_ctx, client, smtp):
    response = send(client, app)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/contact/sent")
    assert "We have your message" in client.get("/contact/sent").get_data(as_text=True)

    message = db.session.scalar(select(ContactMessage))
    assert (message.name, message.email, message.organisation, message.topic, message.status) == (
        "Sam Robson", "sam@wearvalley.example", "Wear Valley Widgets", "idea", "new")
    assert message.body == IDEA["message"]
    to_staff, = smtp.to(STAFF_MAILBOX)
    assert to_staff["Subject"] == "An idea from Sam Robson"
    assert "Run a meet-the-buyer day in Stanhope." in smtp.text(to_staff)
    assert f"/staff/messages/{message.id}" in smtp.text(to_staff)
    thanks, = smtp.to("sam@wearvalley.example")
    assert thanks["Subject"] == "We have your message"
    assert thanks["Reply-To"] is None
    # The acknowledgement repeats nothing the sender typed: the form is no relay for spam.
    for typed in ("Stanhope", "Sam Robson", "Wear Valley"):
        assert typed not in smtp.text(thanks)
        assert typed not in thanks.get_body(preferencelist=("html",)).get_content()


def test_lengths_are_checked_in_the_form_and_nothing_typed_is_lost(app, app_ctx, client):
    response = send(client, app, name="N" * 121, organisation="O" * 161, message="M" * 5001,
                    topic="spam")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in html and "govuk-error-summary" in html
    for text in ("Your name must be 120 characters or fewer",
                 "Organisation (optional) must be 160 characters or fewer",
                 "Your message must be 5,000 characters or fewer",
                 "Select what your message is about"):
        assert text in html
    assert "M" * 5001 in html and 'value="sam@wearvalley.example"' in html
    assert _nothing_stored()


# --- spam checks -------------------------------------------------------------------------------


def test_the_honeypot_refuses_and_stores_nothing(app, app_ctx, client):
    response = send(client, app, website="https://cheap-pills.example")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "a hidden field meant for automated programs was filled in" in html
    assert "Run a meet-the-buyer day in Stanhope." in html  # the message is kept
    assert "cheap-pills" not in html  # the honeypot is not
    assert _nothing_stored()


def test_a_submission_under_three_seconds_is_refused_and_keeps_the_message(app, app_ctx, client):
    stamp = _stamp(app, seconds_ago=1)
    response = send(client, app, stamp=stamp)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "That was quicker than a person usually types" in html
    assert "Run a meet-the-buyer day in Stanhope." in html
    # Its own stamp comes back: once three seconds have passed since the form was served, the
    # same form goes through without another wait.
    assert f'value="{stamp}"' in html
    assert _nothing_stored()


def test_the_three_second_line_is_exact_to_the_millisecond(app_ctx):
    served = utcnow()
    stamp = services.form_stamp(served)
    with pytest.raises(services.SpamRefused, match="too-quick"):
        services.check_form_stamp(stamp, served + timedelta(seconds=2.998))
    services.check_form_stamp(stamp, served + timedelta(seconds=3))
    with pytest.raises(services.SpamRefused, match="too-quick"):  # served in the future
        services.check_form_stamp(stamp, served - timedelta(seconds=10))


@pytest.mark.parametrize("kind", ["missing", "tampered", "other purpose", "not our payload",
                                  "expired"])
def test_a_missing_forged_or_expired_stamp_is_refused(app, app_ctx, client, kind):
    stamp = _stamp(app)
    with app.test_request_context():
        stamps = {
            "missing": "",
            "tampered": stamp[:-3] + ("AAA" if not stamp.endswith("AAA") else "BBB"),
            # Signed with the app's secret, but for another purpose (an unsubscribe link).
            "other purpose": make_lasting_token("unsubscribe", {"served_ms": 0}),
            "not our payload": make_lasting_token(services.STAMP_PURPOSE, ["served_ms"]),
            "expired": _stamp(app, seconds_ago=8 * 3600 + 1),
        }
    response = send(client, app, stamp=stamps[kind])
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    expected = ("This form was open for a long time" if kind == "expired"
                else "We could not check when you opened this form")
    assert expected in html
    assert "Run a meet-the-buyer day in Stanhope." in html
    assert _nothing_stored()


def test_a_connection_may_send_ten_messages_an_hour(app, app_ctx, client):
    for number in range(10):
        assert send(client, app, email=f"person{number}@example.org").status_code == 302
    refused = send(client, app, email="person10@example.org")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "10 messages have been sent from your connection in the last hour" in html
    assert "Run a meet-the-buyer day in Stanhope." in html
    assert _count(ContactMessage) == 10
    # Another connection is not held back.
    assert send(client, app, address="198.51.100.9", email="x@example.org").status_code == 302
    # The counts hold no address in the clear.
    keys = db.session.scalars(select(ContactThrottle.key)).all()
    assert not any("203.0.113.7" in key or "example.org" in key for key in keys)


def test_an_email_address_may_send_three_messages_an_hour_from_any_connection(
        app, app_ctx, client, another_app):
    for number in range(3):
        assert send(client, app, address=f"192.0.2.{number}").status_code == 302
    # The count is in the database: another worker (another app, its own connections) sees it,
    # and the address counts however it is capitalised.
    other = another_app().test_client()
    refused = send(other, app, address="192.0.2.50", email="SAM@WearValley.example")
    assert refused.status_code == 429
    assert "This email address has sent 3 messages in the last hour" in refused.get_data(
        as_text=True)
    assert _count(ContactMessage) == 3
    assert send(client, app, address="192.0.2.51", email="jo@example.org").status_code == 302


def test_a_refused_message_does_not_count_against_the_limit(app, app_ctx, client):
    for _ in range(5):
        assert send(client, app, website="x").status_code == 400
    for number in range(3):
        assert send(client, app, address=f"192.0.2.{number}").status_code == 302
    assert _count(ContactMessage) == 3


# --- headers -------------------------------------------------------------------------------------


def test_a_name_cannot_inject_email_headers(app, app_ctx, client, smtp):
    name = "Sam\r\nBcc: everyone@victim.example\r\nSubject: Free money"
    assert send(client, app, name=name).status_code == 302
    received = smtp.wait_for(2)
    assert len(received) == 2
    to_staff, = smtp.to(STAFF_MAILBOX)
    assert to_staff["Subject"] == (
        "An idea from Sam Bcc: everyone@victim.example Subject: Free money")
    for message in received:
        assert message["Bcc"] is None
        assert len(message.get_all("Subject")) == 1
        assert "victim.example" not in message["To"]


# --- staff -------------------------------------------------------------------------------------


def _message(app, client, **changes) -> int:
    assert send(client, app, **changes).status_code == 302
    return db.session.scalar(select(ContactMessage.id).order_by(ContactMessage.id.desc()))


def _staff_client(app, build, email: str | None = None):
    staff = build.staff(email)
    client = app.test_client()
    log_in(client, staff.email, PASSWORD)
    return staff, client


def test_only_staff_see_and_answer_messages(app, app_ctx, client, build):
    message_id = _message(app, client)
    pages = ["/staff/messages", f"/staff/messages/{message_id}"]
    for path in pages:
        assert client.get(path).status_code == 302  # to sign in
    signatory = app.test_client()
    log_in(signatory, build.user().email, PASSWORD)
    token = csrf_token_from(signatory.get("/contact").get_data(as_text=True))
    for path in pages:
        assert signatory.get(path).status_code == 403
    for action in ("handled", "reply"):
        response = signatory.post(f"/staff/messages/{message_id}/{action}",
                                  data={"csrf_token": token, "subject": "Hi", "body": "Hi"})
        assert response.status_code == 403
    _, staff = _staff_client(app, build)
    assert staff.get(f"/staff/messages/{message_id}").status_code == 200
    # Without its CSRF token a staff POST changes nothing.
    assert staff.post(f"/staff/messages/{message_id}/handled").status_code == 400
    assert staff.get("/staff/messages/999999").status_code == 404
    db.session.expire_all()
    assert db.session.get(ContactMessage, message_id).status == "new"


def test_the_list_shows_new_messages_first_by_topic_and_status(app, app_ctx, client, build):
    first = _message(app, client, name="Alex First", topic="feedback")
    _message(app, client, name="Billie Second", topic="idea", email="b@example.org")
    _message(app, client, name="Charlie Third", topic="supporter", email="c@example.org")
    staff_user, staff = _staff_client(app, build)
    services.mark_handled(db.session.scalar(select(ContactMessage.id).where(
        ContactMessage.name == "Charlie Third")), staff_user)
    db.session.commit()

    def names(query=""):
        html = staff.get(f"/staff/messages{query}").get_data(as_text=True)
        return re.findall(r'/staff/messages/\d+">([^<]+)</a>', html)

    assert names() == ["Billie Second", "Alex First", "Charlie Third"]
    assert names("?status=handled") == ["Charlie Third"]
    assert names("?status=new&topic=feedback") == ["Alex First"]
    assert names("?topic=case_study") == []
    assert names("?topic=%00&status=nonsense&page=x") == names()
    home = staff.get("/staff/").get_data(as_text=True)
    assert re.search(r'id="new-messages">2 new messages are waiting', home)
    assert first


def test_two_staff_marking_a_message_handled_at_once_get_a_clear_answer(
        app, app_ctx, client, build):
    message_id = _message(app, client)
    jo, first = _staff_client(app, build, "jo.bell@businessdurham.example")
    _, second = _staff_client(app, build, "ali.khan@businessdurham.example")
    page = f"/staff/messages/{message_id}"
    # Both open the message before either marks it handled.
    tokens = [csrf_token_from(staff.get(page).get_data(as_text=True)) for staff in (first, second)]
    done = first.post(f"{page}/handled", data={"csrf_token": tokens[0]}, follow_redirects=True)
    assert "The message is marked handled." in done.get_data(as_text=True)
    late = second.post(f"{page}/handled", data={"csrf_token": tokens[1]})
    assert late.status_code == 302
    told = second.get(page).get_data(as_text=True)
    assert "jo.bell@businessdurham.example already marked this message handled on" in told
    assert "Nothing has changed." in told
    db.session.expire_all()
    message = db.session.get(ContactMessage, message_id)
    assert (message.status, message.handled_by_id) == ("handled", jo.id)
    assert message.handled_at is not None
    assert re.search(r'id="message-status">Handled by jo.bell@businessdurham.example', told)


def test_staff_reply_by_email_from_the_service(app, app_ctx, client, build, smtp):
    message_id = _message(app, client)
    smtp.wait_for(2)
    jo, staff = _staff_client(app, build, "jo.bell@businessdurham.example")
    page = f"/staff/messages/{message_id}"
    html = staff.get(page).get_data(as_text=True)
    form = {"csrf_token": csrf_token_from(html),
            "form_key": re.search(r'name="form_key"[^>]*value="([0-9a-f]{32})"', html).group(1),
            "subject": "Your idea\r\nBcc: everyone@victim.example",
            "body": "Thank you, Sam.\nWe will talk to the Stanhope partners."}
    sent = staff.post(f"{page}/reply", data=form, follow_redirects=True)
    assert "Your reply is on its way to sam@wearvalley.example" in sent.get_data(as_text=True)
    # The same form again (a double click, a resent page) sends nothing more.
    again = staff.post(f"{page}/reply", data=form, follow_redirects=True)
    assert "This reply was already sent" in again.get_data(as_text=True)

    reply = db.session.scalar(select(ContactReply))
    assert _count(ContactReply) == 1
    assert (reply.sent_by_id, reply.body) == (jo.id, form["body"])
    assert reply.sent_at is not None
    mail = smtp.wait_for(3)[-1]
    assert mail["To"] == "sam@wearvalley.example"
    assert mail["Reply-To"] == STAFF_MAILBOX
    assert mail["Bcc"] is None
    assert mail["Subject"] == "Your idea Bcc: everyone@victim.example"
    text = smtp.text(mail)
    assert "We will talk to the Stanhope partners." in text
    assert "Run a meet-the-buyer day in Stanhope." in text  # their message, quoted
    assert len(smtp.wait_for(3)) == 3
    shown = staff.get(page).get_data(as_text=True)
    assert "jo.bell@businessdurham.example" in shown and "We will talk to the Stanhope" in shown
    # The reply does not close the message: staff mark it handled when nothing more is needed.
    assert db.session.get(ContactMessage, message_id).status == "new"


def test_a_reply_must_have_a_subject_and_text_and_keeps_what_was_typed(
        app, app_ctx, client, build):
    message_id = _message(app, client)
    _, staff = _staff_client(app, build)
    page = f"/staff/messages/{message_id}"
    token = csrf_token_from(staff.get(page).get_data(as_text=True))
    response = staff.post(f"{page}/reply", data={"csrf_token": token, "subject": "S" * 151,
                                                  "body": "", "form_key": "not-a-key"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Subject must be 150 characters or fewer" in html and "Enter your reply" in html
    assert "S" * 151 in html
    assert _count(ContactReply) == 0
