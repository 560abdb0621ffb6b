"""Accounts: registration and confirmation, sign-in, password reset, invitations, email change,
and the operator's create-staff command. Every email goes through a real SMTP server."""

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from charter_app.accounts.models import Membership, User
from charter_app.extensions import db
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, link_path, log_in, submit_form

NEW_PASSWORD = "a brand new passphrase for durham"
SIGN_IN_ERROR = "Enter a correct email address and password"


def register(client, email: str, password: str = PASSWORD):
    return submit_form(client, "/account/create",
                       {"email": email, "password": password, "password_confirm": password})


def try_log_in(client, email: str, password: str):
    return submit_form(client, "/login", {"email": email, "password": password})


def signs_in(app, email: str, password: str) -> bool:
    """Whether a fresh browser can sign in with these details."""
    response = try_log_in(app.test_client(), email, password)
    if response.status_code == 302:
        return True
    assert SIGN_IN_ERROR in response.get_data(as_text=True)
    return False


def csrf_token(client, page: str) -> str:
    """The token a page's form carries, as a script would find it."""
    return csrf_token_from(client.get(page).get_data(as_text=True))


def only_link(smtp, message) -> str:
    links = smtp.links(message)
    assert len(links) == 1, links
    return link_path(links[0])


def page_without_per_request_values(response, email: str) -> str:
    """The page as a person sees it: nonces, CSRF tokens and the address typed in removed."""
    html = response.get_data(as_text=True).replace(email, "EMAIL")
    html = re.sub(r'nonce="[^"]+"', 'nonce=""', html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": ""', html)


def count_users(email: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(User.id)).where(User.email == email))


# Registration and confirmation -----------------------------------------------------------------

def test_new_account_is_confirmed_by_the_emailed_link_and_lands_on_the_application(
    client, smtp, app_ctx
):
    response = register(client, "new.person@example.org")
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)

    [message] = smtp.wait_for(1)
    assert message["To"] == "new.person@example.org"
    assert message["Subject"] == "Confirm your email address"
    link = only_link(smtp, message)

    # Signed in but not yet confirmed: the application waits for the confirmation.
    log_in(client, "new.person@example.org", PASSWORD)
    response = client.get("/apply")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/confirm"
    assert "Confirm your email address" in client.get("/account/confirm").get_data(as_text=True)

    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/apply"
    assert client.get("/apply").status_code == 200
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user.email_confirmed


def test_the_confirmation_link_confirms_but_never_signs_a_browser_in(app, client, smtp):
    register(client, "phone.reader@example.org")
    [message] = smtp.wait_for(1)

    other_browser = app.test_client()
    response = other_browser.get(only_link(smtp, message))
    assert response.headers["Location"] == "/login"
    page = other_browser.get("/login").get_data(as_text=True)
    assert "Your email address is confirmed. Sign in to continue." in page
    assert other_browser.get("/apply").status_code == 302  # still a visitor

    log_in(other_browser, "phone.reader@example.org", PASSWORD)
    assert other_browser.get("/apply").status_code == 200


def test_a_confirmation_link_works_once_and_makes_the_others_stop_working(app, client, smtp):
    register(client, "twice@example.org")
    [first] = smtp.wait_for(1)
    log_in(client, "twice@example.org", PASSWORD)
    submit_form(client, "/account/confirm/resend", {}, page="/account/confirm")
    [_, second] = smtp.wait_for(2)

    assert client.get(only_link(smtp, first)).headers["Location"] == "/apply"
    for link in (only_link(smtp, first), only_link(smtp, second)):
        response = app.test_client().get(link)
        assert response.status_code == 400
        assert "This link does not work" in response.get_data(as_text=True)


def test_a_confirmation_link_stops_working_when_the_password_changes(app, smtp, build):
    register(app.test_client(), "changed.mind@example.org")
    [confirmation] = smtp.wait_for(1)
    submit_form(app.test_client(), "/account/reset", {"email": "changed.mind@example.org"})
    [_, reset] = smtp.wait_for(2)
    reset_link = only_link(smtp, reset)
    submit_form(app.test_client(), reset_link,
                {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})

    assert app.test_client().get(only_link(smtp, confirmation)).status_code == 400


def test_someone_elses_confirmation_link_does_not_sign_you_into_their_account(
    app, client, smtp, build
):
    # An attacker registers, then sends the victim their own confirmation link.
    register(app.test_client(), "attacker@example.org")
    [message] = smtp.wait_for(1)
    build.user("victim@example.org")
    log_in(client, "victim@example.org", PASSWORD)

    client.get(only_link(smtp, message))
    assert "victim@example.org" in client.get("/account").get_data(as_text=True)
    visitor = app.test_client()
    visitor.get(only_link(smtp, message))
    assert visitor.get("/account").status_code == 302


def test_a_tampered_confirmation_link_does_not_work(client, smtp):
    register(client, "careful@example.org")
    [message] = smtp.wait_for(1)
    link = only_link(smtp, message)

    response = client.get(link[:-3] + "xyz")
    assert response.status_code == 400
    assert "This link does not work" in response.get_data(as_text=True)


def test_registering_an_address_that_has_an_account_reveals_nothing_and_emails_the_owner(
    app, build, smtp
):
    build.user("already@example.org")

    fresh = register(app.test_client(), "someone.new@example.org")
    smtp.wait_for(1)
    existing = register(app.test_client(), "already@example.org")
    smtp.wait_for(2)

    assert existing.status_code == fresh.status_code == 200
    assert page_without_per_request_values(existing, "already@example.org") == (
        page_without_per_request_values(fresh, "someone.new@example.org")
    )
    assert count_users("already@example.org") == 1
    [notice] = smtp.to("already@example.org")
    assert notice["Subject"] == "You already have an account"
    assert {link_path(link) for link in smtp.links(notice)} == {"/login", "/account/reset"}


def test_registration_refuses_a_short_or_common_password(client, smtp, app_ctx):
    response = register(client, "weak@example.org", "short")
    assert response.status_code == 200
    assert "Password must be 12 characters or more" in response.get_data(as_text=True)

    # From the 20,000 most common passwords, whatever the case.
    for common in ("Password1234", "QWERTY123456", "1qaz2wsx3edc"):
        response = register(client, "weak@example.org", common)
        assert ("Choose a password that is harder to guess: this one is on a list of passwords "
                "people use most often") in response.get_data(as_text=True)

    assert count_users("weak@example.org") == 0
    assert smtp.messages == []


# Sign-in ---------------------------------------------------------------------------------------

def test_wrong_password_and_unknown_email_get_the_same_answer(client, build):
    build.user("known@example.org")

    wrong_password = try_log_in(client, "known@example.org", "not the right password")
    unknown_email = try_log_in(client, "nobody@example.org", PASSWORD)

    assert wrong_password.status_code == unknown_email.status_code == 200
    for response in (wrong_password, unknown_email):
        html = response.get_data(as_text=True)
        assert SIGN_IN_ERROR in html
        assert "<title>Error: Sign in" in html
    assert client.get("/account").status_code == 302  # still signed out


def test_sign_in_ignores_the_case_and_spaces_of_the_email_address(client, build):
    build.user("mixed.case@example.org")

    response = try_log_in(client, "  Mixed.Case@Example.org ", PASSWORD)
    assert response.status_code == 302


def test_sign_in_returns_to_the_page_asked_for(client, build):
    build.user("returning@example.org")
    response = client.get("/account")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert parse_qs(urlsplit(login_url).query)["next"] == ["/account"]

    response = submit_form(client, login_url,
                           {"email": "returning@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/account"


@pytest.mark.parametrize("target", [
    "https://evil.example/login",
    "//evil.example/login",
    "/\\evil.example/login",
    "/\t/evil.example/login",
    "javascript:alert(1)",
])
def test_sign_in_never_sends_the_user_to_another_site(client, build, target):
    build.user("target@example.org")

    response = client.post(
        "/login?" + urlencode({"next": target}),
        data={"csrf_token": csrf_token(client, "/login"), "email": "target@example.org",
              "password": PASSWORD},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.scheme == parts.netloc == ""
    assert location.startswith("/")
    assert not location.startswith("//")
    assert "\\" not in location


# Password reset --------------------------------------------------------------------------------

def test_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(app, build, smtp):
    build.user("known@example.org")

    unknown = submit_form(app.test_client(), "/account/reset", {"email": "nobody@example.org"})
    assert smtp.messages == []
    known = submit_form(app.test_client(), "/account/reset", {"email": "known@example.org"})
    [message] = smtp.wait_for(1)

    assert message["To"] == "known@example.org"
    assert unknown.status_code == known.status_code == 200
    assert page_without_per_request_values(unknown, "nobody@example.org") == (
        page_without_per_request_values(known, "known@example.org")
    )


def test_reset_link_changes_the_password_once(app, client, build, smtp):
    build.user("forgetful@example.org", confirmed=False)

    submit_form(client, "/account/reset", {"email": "forgetful@example.org"})
    [message] = smtp.wait_for(1)
    link = only_link(smtp, message)

    response = submit_form(client, link, {"password": NEW_PASSWORD,
                                          "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/apply"
    # Following the emailed link proved the address, so the application opens.
    assert client.get("/apply").status_code == 200

    second_use = app.test_client().get(link)
    assert second_use.status_code == 400
    assert "This link does not work" in second_use.get_data(as_text=True)

    assert signs_in(app, "forgetful@example.org", NEW_PASSWORD)
    assert not signs_in(app, "forgetful@example.org", PASSWORD)


def test_a_new_password_signs_out_every_other_browser(app, client, build, smtp):
    build.user("shared@example.org")
    other_browser = app.test_client()
    log_in(other_browser, "shared@example.org", PASSWORD)
    assert other_browser.get("/account").status_code == 200

    submit_form(client, "/account/reset", {"email": "shared@example.org"})
    [message] = smtp.wait_for(1)
    submit_form(client, only_link(smtp, message),
                {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})

    assert client.get("/account").status_code == 200  # the browser that reset it stays in
    response = other_browser.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_reset_link_works_for_an_hour_and_not_after(app, client, build, smtp, monkeypatch):
    build.user("slow@example.org")
    submit_form(client, "/account/reset", {"email": "slow@example.org"})
    [message] = smtp.wait_for(1)
    assert "for 60 minutes" in smtp.text(message)
    link = only_link(smtp, message)
    real_timestamp = TimestampSigner.get_timestamp

    def later(seconds):
        monkeypatch.setattr(TimestampSigner, "get_timestamp",
                            lambda self: real_timestamp(self) + seconds)

    later(59 * 60)
    assert client.get(link).status_code == 200

    later(61 * 60)
    response = client.get(link)
    assert response.status_code == 400
    assert "This link does not work" in response.get_data(as_text=True)
    response = client.post(link, data={"csrf_token": csrf_token(client, "/login"),
                                       "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert signs_in(app, "slow@example.org", PASSWORD)


# Invitations -----------------------------------------------------------------------------------

def _invite(client, organisation_id: int, email: str, role: str = "member"):
    return submit_form(client, f"/organisation/{organisation_id}/invite",
                       {"email": email, "role": role})


def test_invited_colleague_sets_a_password_and_joins_the_organisation(app, client, build, smtp):
    owner = build.user("owner@example.org")
    organisation = build.organisation(owner, name="Wear Valley Joinery")
    organisation_id = organisation.id
    log_in(client, "owner@example.org", PASSWORD)

    response = _invite(client, organisation_id, "Colleague@Example.org")
    assert response.status_code == 302
    [message] = smtp.wait_for(1)
    assert message["To"] == "colleague@example.org"
    assert message["Subject"] == "Join Wear Valley Joinery on the County Durham Pound Charter"
    assert "owner@example.org has invited you" in smtp.text(message)
    link = only_link(smtp, message)

    colleague = app.test_client()
    page = colleague.get(link).get_data(as_text=True)
    assert "Join Wear Valley Joinery" in page
    response = submit_form(colleague, link, {"password": NEW_PASSWORD,
                                             "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/apply"
    assert colleague.get("/apply").headers["Location"] == (
        f"/organisations/{organisation_id}/application"
    )

    account = client.get("/account").get_data(as_text=True)
    assert "People at Wear Valley Joinery" in account
    assert "colleague@example.org</td>" in account
    assert signs_in(app, "colleague@example.org", NEW_PASSWORD)

    second_use = app.test_client().get(link)
    assert second_use.status_code == 400
    assert "This link does not work" in second_use.get_data(as_text=True)


def test_an_invitation_can_be_accepted_once_only(app, client, build, smtp, app_ctx):
    owner = build.user("owner@example.org")
    organisation_id = build.organisation(owner).id
    log_in(client, "owner@example.org", PASSWORD)
    _invite(client, organisation_id, "colleague@example.org")
    link = only_link(smtp, smtp.wait_for(1)[0])

    first = app.test_client()
    submit_form(first, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})

    second = app.test_client()
    assert second.get(link).status_code == 400
    response = second.post(link, data={"csrf_token": csrf_token(second, "/login"),
                                       "password": "someone else's password",
                                       "password_confirm": "someone else's password"})
    assert response.status_code == 400
    assert signs_in(app, "colleague@example.org", NEW_PASSWORD)
    assert not signs_in(app, "colleague@example.org", "someone else's password")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Membership.id)).where(
        Membership.organisation_id == organisation_id)) == 2


def test_a_member_who_is_not_an_owner_cannot_invite(client, build, smtp):
    owner = build.user("owner@example.org")
    organisation = build.organisation(owner)
    build.member(organisation, build.user("member@example.org"))
    organisation_id = organisation.id
    log_in(client, "member@example.org", PASSWORD)

    assert client.get(f"/organisation/{organisation_id}/invite").status_code == 403
    response = client.post(f"/organisation/{organisation_id}/invite",
                           data={"csrf_token": csrf_token(client, "/account"),
                                 "email": "friend@example.org", "role": "owner"})
    assert response.status_code == 403
    assert "Invite a colleague" not in client.get("/account").get_data(as_text=True)
    assert smtp.messages == []


def test_a_user_of_another_organisation_cannot_see_the_invite_page(client, build, smtp):
    organisation_id = build.organisation(build.user("owner@example.org")).id
    build.organisation(build.user("outsider@example.org"))
    log_in(client, "outsider@example.org", PASSWORD)

    assert client.get(f"/organisation/{organisation_id}/invite").status_code == 404
    response = client.post(f"/organisation/{organisation_id}/invite",
                           data={"csrf_token": csrf_token(client, "/account"),
                                 "email": "friend@example.org", "role": "owner"})
    assert response.status_code == 404
    assert smtp.messages == []


# Email change ----------------------------------------------------------------------------------

def test_changing_email_takes_effect_only_when_the_new_address_confirms(
    app, client, build, smtp
):
    build.user("old@example.org")
    log_in(client, "old@example.org", PASSWORD)

    response = submit_form(client, "/account/email", {"email": "new@example.org"})
    assert response.status_code == 302
    assert "changing to new@example.org" in client.get("/account").get_data(as_text=True)
    [message] = smtp.wait_for(1)
    assert message["To"] == "new@example.org"
    link = only_link(smtp, message)

    assert signs_in(app, "old@example.org", PASSWORD)
    assert not signs_in(app, "new@example.org", PASSWORD)

    # Followed in another browser: the change is made, and nobody is signed in by the link.
    response = app.test_client().get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    smtp.wait_for(2)
    [notice] = smtp.to("old@example.org")
    assert notice["Subject"] == "Your email address has changed"
    assert "is now new@example.org" in smtp.text(notice)

    assert signs_in(app, "new@example.org", PASSWORD)
    assert not signs_in(app, "old@example.org", PASSWORD)
    assert app.test_client().get(link).status_code == 400


def test_changing_email_to_a_taken_address_looks_the_same_and_tells_its_holder(
    client, build, smtp, app_ctx
):
    build.user("me@example.org")
    build.user("taken@example.org")
    log_in(client, "me@example.org", PASSWORD)

    taken = submit_form(client, "/account/email", {"email": "Taken@example.org"})
    taken_page = client.get("/account").get_data(as_text=True)
    free = submit_form(client, "/account/email", {"email": "free@example.org"})
    free_page = client.get("/account").get_data(as_text=True)

    assert taken.status_code == free.status_code == 302
    assert "We have sent a link to Taken@example.org. Follow it to finish the change." in taken_page
    assert "We have sent a link to free@example.org. Follow it to finish the change." in free_page
    smtp.wait_for(2)
    [notice] = smtp.to("taken@example.org")
    assert notice["Subject"] == "Someone tried to use your email address"
    assert [link_path(link) for link in smtp.links(notice)] == ["/login"]
    [confirm] = smtp.to("free@example.org")
    assert confirm["Subject"] == "Confirm your new email address"
    db.session.expire_all()
    assert db.session.scalar(select(User.email).where(User.email == "taken@example.org"))

    response = submit_form(client, "/account/email", {"email": " ME@example.org"})
    assert "This is already your email address" in response.get_data(as_text=True)
    assert len(smtp.messages) == 2


def test_change_email_is_rate_limited_per_account_whatever_the_address(app, client, build):
    build.user("me@example.org")
    log_in(client, "me@example.org", PASSWORD)

    answers = [
        submit_form(client, "/account/email", {"email": f"guess{n}@example.org"},
                    environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}).status_code
        for n in range(6)
    ]
    assert answers == [302] * 5 + [429]


# Operators -------------------------------------------------------------------------------------

def test_create_staff_command_makes_an_account_that_reaches_the_staff_pages(app, client):
    result = app.test_cli_runner().invoke(
        args=["charter", "create-staff", "Officer@BusinessDurham.example"]
    )
    assert result.exit_code == 0, result.output
    match = re.search(r"Staff account officer@businessdurham\.example is ready\. "
                      r"Password: (\S+)", result.output)
    assert match, result.output

    response = try_log_in(client, "officer@businessdurham.example", match.group(1))
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/applications"
    assert client.get("/staff/").status_code == 200


def test_create_staff_command_promotes_an_existing_account(app, client, build):
    build.user("promoted@example.org")
    client_before = app.test_client()
    log_in(client_before, "promoted@example.org", PASSWORD)
    assert client_before.get("/staff/").status_code == 403

    result = app.test_cli_runner().invoke(
        args=["charter", "create-staff", "promoted@example.org", "--password", NEW_PASSWORD]
    )
    assert result.exit_code == 0, result.output

    log_in(client, "promoted@example.org", NEW_PASSWORD)
    assert client.get("/staff/").status_code == 200
