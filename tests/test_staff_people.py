"""Staff and administrator roles: administrators list, invite and deactivate staff accounts at
/staff/people; a deactivated person loses access at once and keeps their name on what they did."""

import re
import threading

import pytest
from sqlalchemy import select

from charter_app.accounts import staff
from charter_app.accounts.models import User
from charter_app.extensions import db
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, link_path, log_in, submit_form

NEW_PASSWORD = "a fresh passphrase for the office"


def fresh(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def test_only_administrators_reach_the_staff_accounts_pages(app, build):
    build.admin("boss@businessdurham.example")
    build.staff("officer@businessdurham.example")
    build.user("signatory@example.org")
    expected = {"boss@businessdurham.example": 200, "officer@businessdurham.example": 403,
                "signatory@example.org": 403}

    for email, status in expected.items():
        browser = app.test_client()
        log_in(browser, email, PASSWORD)
        for page in ("/staff/people", "/staff/people/invite"):
            assert browser.get(page).status_code == status, (email, page)
        # Only administrators see the link to the page.
        has_link = 'href="/staff/people"' in browser.get("/account").get_data(as_text=True)
        assert has_link == (status == 200), email


def test_the_list_shows_each_persons_role_and_status(client, build):
    build.admin("boss@businessdurham.example")
    build.staff("officer@businessdurham.example")
    gone = build.staff("gone@businessdurham.example")
    build.user("signatory@example.org")
    staff.deactivate_staff(gone.id, by=db.session.scalar(
        select(User).where(User.email == "boss@businessdurham.example")))
    db.session.commit()
    log_in(client, "boss@businessdurham.example", PASSWORD)

    html = client.get("/staff/people").get_data(as_text=True)
    cards = re.findall(r'<div class="govuk-summary-card app-staff-person">(.*?)</dl>', html, re.S)
    text = [" ".join(re.sub(r"<[^>]+>", " ", card).split()) for card in cards]
    assert len(text) == 3
    assert text[0] == "boss@businessdurham.example (you) Role Administrator Status Active"
    assert text[1] == ("officer@businessdurham.example Deactivate officer@businessdurham.example "
                       "Role Staff Status Active")
    assert text[2].startswith("gone@businessdurham.example Role Staff Status Deactivated ")
    assert "signatory@example.org" not in html


def test_an_invited_administrator_chooses_a_password_once_and_can_manage_staff(
    app, client, build, smtp
):
    build.admin("boss@businessdurham.example")
    log_in(client, "boss@businessdurham.example", PASSWORD)

    response = submit_form(client, "/staff/people/invite",
                           {"email": "New.Person@BusinessDurham.example",
                            "role": "administrator"})
    assert response.status_code == 302
    assert "We have sent new.person@businessdurham.example a link to choose their password." in (
        client.get("/staff/people").get_data(as_text=True))
    [message] = smtp.wait_for(1)
    assert message["To"] == "new.person@businessdurham.example"
    assert ("boss@businessdurham.example has given you a Business Durham staff account for the "
            "County Durham Pound Charter service, with the role: administrator.") in (
        " ".join(smtp.text(message).split()))
    link = link_path(smtp.links(message)[0])

    newcomer = app.test_client()
    response = submit_form(newcomer, link,
                           {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert newcomer.get("/staff/people").status_code == 200
    assert app.test_client().get(link).status_code == 400  # the link worked once


def test_inviting_someone_who_already_has_an_account_says_so(client, build, smtp):
    build.admin("boss@businessdurham.example")
    build.staff("officer@businessdurham.example")
    build.user("signatory@example.org")
    log_in(client, "boss@businessdurham.example", PASSWORD)

    for email, message in (
        ("officer@businessdurham.example", "officer@businessdurham.example already has a staff "
                                           "account"),
        ("signatory@example.org", "This email address already has a signatory account"),
    ):
        response = submit_form(client, "/staff/people/invite", {"email": email, "role": "staff"})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert message in html and "<title>Error: " in html
    assert smtp.messages == []


def test_a_deactivated_person_loses_access_at_once_and_keeps_their_name(app, client, build):
    boss = build.admin("boss@businessdurham.example")
    leaver = build.staff("leaver@businessdurham.example")
    leavers_browser = app.test_client()
    log_in(leavers_browser, leaver.email, PASSWORD)
    assert leavers_browser.get("/staff/").status_code == 200
    log_in(client, boss.email, PASSWORD)

    page = client.get(f"/staff/people/{leaver.id}/deactivate")
    assert "Deactivate this staff account?" in page.get_data(as_text=True)
    response = client.post(f"/staff/people/{leaver.id}/deactivate",
                           data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert "leaver@businessdurham.example can no longer sign in." in (
        client.get("/staff/people").get_data(as_text=True))

    response = leavers_browser.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    refused = submit_form(app.test_client(), "/login", {"email": leaver.email,
                                                        "password": PASSWORD})
    assert "Enter a correct email address and password" in refused.get_data(as_text=True)
    assert fresh(leaver.id).email == "leaver@businessdurham.example"  # never deleted


def test_deactivation_needs_the_csrf_token(client, build):
    boss = build.admin("boss@businessdurham.example")
    officer = build.staff("officer@businessdurham.example")
    log_in(client, boss.email, PASSWORD)

    assert client.post(f"/staff/people/{officer.id}/deactivate").status_code == 400
    assert fresh(officer.id).is_active


def test_an_administrator_cannot_deactivate_themselves(client, build):
    boss = build.admin("boss@businessdurham.example")
    build.admin("deputy@businessdurham.example")
    log_in(client, boss.email, PASSWORD)

    response = submit_form(client, f"/staff/people/{boss.id}/deactivate", {})
    assert response.status_code == 409
    assert "You cannot deactivate your own account: ask another administrator" in (
        response.get_data(as_text=True))
    assert fresh(boss.id).is_active


def test_two_administrators_removing_each_other_leave_one(app_ctx, build):
    first = build.admin("first@businessdurham.example")
    second = build.admin("second@businessdurham.example")

    staff.deactivate_staff(second.id, by=first)
    db.session.commit()
    try:
        staff.deactivate_staff(first.id, by=second)
    except staff.StaffChangeRefused as refusal:
        assert "first@businessdurham.example is the last administrator" in str(refusal)
    else:
        raise AssertionError("the last administrator was deactivated")
    db.session.rollback()
    assert fresh(first.id).is_active


def test_create_staff_admin_command_makes_an_administrator(app, client):
    result = app.test_cli_runner().invoke(
        args=["charter", "create-staff", "chief@businessdurham.example", "--admin"])
    assert result.exit_code == 0, result.output
    password = re.search(r"Administrator account chief@businessdurham\.example is ready\. "
                         r"Password: (\S+)", result.output).group(1)

    log_in(client, "chief@businessdurham.example", password)
    assert client.get("/staff/people").status_code == 200


def test_the_demo_staff_login_is_an_administrator(app, client):
    result = app.test_cli_runner().invoke(args=["charter", "seed-demo", "--signatories", "2"])
    assert result.exit_code == 0, result.output
    assert "Business Durham administrator" in result.output

    log_in(client, "staff@example.org", "demo-staff-password")
    assert client.get("/staff/people").status_code == 200


def test_administrators_deactivating_each_other_at_once_leave_one(app, build):
    """Two requests at the same moment: the administrators' rows are locked in one order, so one
    waits for the other and then sees it would remove the last administrator."""
    first = build.admin("first@businessdurham.example")
    second = build.admin("second@businessdurham.example")
    if db.engine.dialect.name != "postgresql":
        pytest.skip(reason="row locks need PostgreSQL; SQLite runs one writer at a time")
    barrier = threading.Barrier(2)
    outcomes = []

    def deactivate(person_id: int, by_id: int):
        with app.app_context():
            try:
                by = db.session.get(User, by_id)
                barrier.wait()
                staff.deactivate_staff(person_id, by=by)
                db.session.commit()
                outcomes.append("deactivated")
            except staff.StaffChangeRefused:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=deactivate, args=(second.id, first.id)),
               threading.Thread(target=deactivate, args=(first.id, second.id))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["deactivated", "refused"]
    assert [fresh(first.id).is_active, fresh(second.id).is_active].count(True) == 1
