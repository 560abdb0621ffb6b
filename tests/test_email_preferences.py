"""Email preferences: a person turns each optional kind of email on or off on one page, and
turns one kind off from the email itself with one click (RFC 8058): List-Unsubscribe with an
HTTPS URL and List-Unsubscribe-Post, a POST that needs no session and no CSRF token because the
signed token in the URL authorises it. Service and account emails always arrive, and say why."""

import pytest
from sqlalchemy import select

from charter_app.accounts import services as accounts
from charter_app.events import announcements
from charter_app.extensions import db
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.notifications.outbox import queue_email
from charter_app.notifications.preferences import (
    UNSUBSCRIBE_PURPOSE,
    OptionalEmail,
    unsubscribe_token,
    unsubscribe_url,
)
from charter_app.tokens import make_lasting_token, make_token
from tests.builders import PASSWORD
from tests.conftest import link_path, log_in, submit_form

BASE_URL = "https://charter.countydurhampound.example"
ATTRIBUTE = {
    OptionalEmail.EVENT_ANNOUNCEMENTS: "wants_event_announcements",
    OptionalEmail.NEWS: "wants_news",
    OptionalEmail.STAFF_DIGEST: "wants_staff_digest",
}


@pytest.fixture
def https_base_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)


def _wanting_everything(build, *, staff: bool = False):
    user = build.staff() if staff else build.user()
    for attribute in ATTRIBUTE.values():
        setattr(user, attribute, True)
    db.session.commit()
    return user


def _choices(user) -> dict[OptionalEmail, bool]:
    db.session.refresh(user)
    return {kind: getattr(user, attribute) for kind, attribute in ATTRIBUTE.items()}


def _checkboxes(html: str) -> list[str]:
    import re
    return re.findall(r'<input class="govuk-checkboxes__input"[^>]*value="([^"]+)"', html)


def test_a_person_turns_each_optional_email_on_and_off_from_their_account(app, build, client):
    user = build.user()
    log_in(client, user.email, PASSWORD)
    account = client.get("/account").get_data(as_text=True)
    assert 'href="/account/emails"' in account

    page = client.get("/account/emails").get_data(as_text=True)
    assert _checkboxes(page) == ["event_announcements", "news"]  # no staff digest
    assert "Emails you always get" in page
    assert "annual update of your pledges, quarterly report reminders" in page

    response = submit_form(client, "/account/emails",
                           {"wanted": ["event_announcements", "news"]})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/emails"
    saved = client.get("/account/emails").get_data(as_text=True)
    assert "Your email settings are saved." in saved
    assert 'value="news" checked' in saved
    assert _choices(user)[OptionalEmail.EVENT_ANNOUNCEMENTS] is True
    assert _choices(user)[OptionalEmail.NEWS] is True
    assert "New events, partnership news" in client.get("/account").get_data(as_text=True)

    submit_form(client, "/account/emails", {"wanted": ["news"]})
    choices = _choices(user)
    assert (choices[OptionalEmail.EVENT_ANNOUNCEMENTS], choices[OptionalEmail.NEWS]) == (
        False, True)
    submit_form(client, "/account/emails", {})  # nothing ticked: every optional email off
    choices = _choices(user)
    assert (choices[OptionalEmail.EVENT_ANNOUNCEMENTS], choices[OptionalEmail.NEWS]) == (
        False, False)
    assert "Optional emails" in client.get("/account").get_data(as_text=True)

    refused = submit_form(client, "/account/emails", {"wanted": ["staff_digest"]})
    assert refused.status_code == 200
    assert "Select only the emails listed" in refused.get_data(as_text=True)


def test_staff_choose_the_weekly_digest_and_others_cannot(app, build, client):
    staff = _wanting_everything(build, staff=True)
    log_in(client, staff.email, PASSWORD)
    page = client.get("/account/emails").get_data(as_text=True)
    assert _checkboxes(page) == ["event_announcements", "news", "staff_digest"]
    assert 'value="staff_digest" checked' in page

    submit_form(client, "/account/emails", {"wanted": ["event_announcements", "news"]})
    assert _choices(staff) == {OptionalEmail.EVENT_ANNOUNCEMENTS: True, OptionalEmail.NEWS: True,
                               OptionalEmail.STAFF_DIGEST: False}
    submit_form(client, "/account/emails", {"wanted": ["staff_digest"]})
    assert _choices(staff)[OptionalEmail.STAFF_DIGEST] is True


def test_the_old_event_announcements_page_leads_to_the_settings_page(app, build, client):
    log_in(client, build.user().email, PASSWORD)
    response = client.get("/account/event-announcements")
    assert response.status_code == 301
    assert response.headers["Location"] == "/account/emails"


def test_an_optional_email_offers_one_click_unsubscribe_that_works_without_signing_in(
        app, build, client, smtp, https_base_url):
    reader = build.user("reader@example.org")
    reader.wants_event_announcements = True
    reader.wants_news = True
    db.session.commit()
    announcements.announce_event(build.event().id)
    db.session.commit()
    [mail] = smtp.wait_for(1)

    header = mail["List-Unsubscribe"]
    assert header.startswith(f"<{BASE_URL}/email/unsubscribe/") and header.endswith(">")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header[1:-1]
    assert url in smtp.links(mail)  # the footer's link is the same one
    assert f"{BASE_URL}/account/emails" in smtp.links(mail)
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "Stop these emails" in html and "change your email settings" in html

    # What a mail program does: POST the URL's form body, with no cookie and no CSRF token.
    response = client.post(link_path(url), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You will not get emails about new events" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers  # no session was needed, none was started
    choices = _choices(reader)
    assert choices[OptionalEmail.EVENT_ANNOUNCEMENTS] is False
    assert choices[OptionalEmail.NEWS] is True  # only the kind the link names
    # The next announcement passes them by.
    announcements.announce_event(build.event().id)
    db.session.commit()
    assert len(smtp.messages) == 1


@pytest.mark.parametrize("kind", list(OptionalEmail))
def test_a_link_turns_off_only_its_own_kind_and_a_visit_changes_nothing(app, build, client,
                                                                          kind):
    user = _wanting_everything(build, staff=True)
    with app.app_context():
        path = link_path(unsubscribe_url(user, kind))

    page = client.get(path)
    assert page.status_code == 200
    assert "Stop these emails" in page.get_data(as_text=True)
    assert all(_choices(user).values())  # a link scanner or preview follows links: no change

    done = client.post(path)
    assert done.status_code == 200
    assert _choices(user) == {other: other != kind for other in OptionalEmail}
    again = client.post(path)  # a second click, or a mail program retrying
    assert again.status_code == 200
    assert "You are not getting" in client.get(path).get_data(as_text=True)
    assert _choices(user) == {other: other != kind for other in OptionalEmail}


def test_a_tampered_or_foreign_link_is_refused_and_changes_nothing(app, build, client):
    user = _wanting_everything(build)
    with app.app_context():
        good = unsubscribe_token(user, OptionalEmail.NEWS)
        bad_tokens = [
            good[:-3] + ("xyz" if not good.endswith("xyz") else "abc"),
            "nonsense",
            good.replace(".", "-", 1),
            # Signed for another purpose (an expiring link, a different salt): not accepted.
            make_token(UNSUBSCRIBE_PURPOSE, {"user": user.id, "category": "news"}),
            make_lasting_token("event-feedback", {"user": user.id, "category": "news"}),
            # Well signed, but naming no one, no known kind, or nothing at all.
            make_lasting_token(UNSUBSCRIBE_PURPOSE, {"user": user.id + 1000, "category": "news"}),
            make_lasting_token(UNSUBSCRIBE_PURPOSE, {"user": user.id, "category": "everything"}),
            make_lasting_token(UNSUBSCRIBE_PURPOSE, {"user": True, "category": "news"}),
            make_lasting_token(UNSUBSCRIBE_PURPOSE, {"user": 2**40, "category": "news"}),
            make_lasting_token(UNSUBSCRIBE_PURPOSE, ["news"]),
        ]
    for token in bad_tokens:
        for method in (client.get, client.post):
            response = method(f"/email/unsubscribe/{token}")
            assert response.status_code == 404, token
            assert "This link is not valid" in response.get_data(as_text=True)
    assert all(_choices(user).values())


def test_service_emails_carry_no_unsubscribe_and_say_why_they_always_arrive(
        app, app_ctx, build, smtp, https_base_url):
    user = build.user("member@example.org")
    accounts.request_password_reset(user.email)
    db.session.commit()
    [mail] = smtp.wait_for(1)
    assert mail["List-Unsubscribe"] is None
    assert mail["List-Unsubscribe-Post"] is None
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "so it is sent whatever your email settings" in html
    assert "/email/unsubscribe/" not in html


def test_only_optional_emails_have_an_unsubscribe_url(app_ctx, build, https_base_url):
    user = build.user()
    common = {"template": "email_changed", "subject": "S", "recipient": user.email,
              "user": user, "old_email": "old@example.org"}
    with pytest.raises(ValueError, match="unsubscribe URL"):
        queue_email(idempotency_key="a", category=EmailCategory.OPTIONAL, **common)
    with pytest.raises(ValueError, match="unsubscribe URL"):
        queue_email(idempotency_key="b", category=EmailCategory.SERVICE,
                    unsubscribe_url=unsubscribe_url(user, OptionalEmail.NEWS), **common)
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_only_the_one_click_unsubscribe_skips_the_csrf_check(app, build, client):
    from charter_app.extensions import csrf

    assert csrf._exempt_views == {"charter_app.notifications.preference_views.unsubscribe"}
    user = _wanting_everything(build)
    log_in(client, user.email, PASSWORD)
    assert client.post("/account/emails", data={"wanted": []}).status_code == 400
    assert all(_choices(user).values())
