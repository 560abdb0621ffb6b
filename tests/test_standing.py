"""A signatory's standing after approval: withdrawing (its owners), suspending and lifting a
suspension (staff), and lapsed signatories in public. Each change is recorded, emailed to every
member through the real SMTP server, refused plainly when made twice, and shown at once on the
public pages despite their cache."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from charter_app.accounts.models import MemberRole
from charter_app.directory.cache import _cache
from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage
from charter_app.organisations import standing
from charter_app.organisations.applications import S, TransitionNotAllowed, transition
from charter_app.organisations.models import Organisation, StatusChange
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in, submit_form
from tests.test_concurrency import HttpSession, _all_at_once


@pytest.fixture
def cache_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE", True)
    _cache.clear()
    yield
    _cache.clear()


def signatory(build, owner=None, *, status=S.APPROVED, name="Brancepeth Bakery Ltd",
              slug="brancepeth-bakery"):
    """A signatory approved a year and more ago, now in `status`."""
    return build.organisation(owner, status=status, name=name, slug=slug,
                              approved_at=datetime.now(UTC) - timedelta(days=430))


def signed_in(app, user):
    client = app.test_client()
    log_in(client, user.email, PASSWORD)
    return client


def public_views(client, slug: str) -> dict[str, object]:
    """What a visitor sees of one signatory on each public page."""
    rows = list(csv.DictReader(io.StringIO(client.get("/directory.csv").get_data(as_text=True))))
    return {
        "directory": client.get("/directory").get_data(as_text=True),
        "csv": {row["url"].rsplit("/", 1)[-1]: row["status"] for row in rows},
        "api": {item["slug"]: item["status"]
                for item in client.get("/api/v1/signatories").get_json()["items"]},
        "profile": client.get(f"/signatories/{slug}").status_code,
        "api_detail": client.get(f"/api/v1/signatories/{slug}").status_code,
    }


def changes_to(organisation, status) -> list[StatusChange]:
    return list(db.session.scalars(select(StatusChange).where(
        StatusChange.organisation_id == organisation.id, StatusChange.to_status == status)))


def queued(template: str) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.template == template))


# -- withdrawing --------------------------------------------------------------------------------


def test_an_owner_withdraws_and_the_organisation_leaves_every_public_page(
        app, client, build, smtp, cache_on):
    owner = build.user("owner@brancepeth.example")
    organisation = signatory(build, owner)
    build.member(organisation, build.user("colleague@brancepeth.example"))
    before = public_views(client, "brancepeth-bakery")  # and now cached for visitors
    assert "Brancepeth Bakery Ltd" in before["directory"]
    assert before["csv"] == before["api"] == {"brancepeth-bakery": "approved"}

    owner_client = signed_in(app, owner)
    edit = owner_client.get(f"/organisations/{organisation.id}/profile").get_data(as_text=True)
    assert f"/organisations/{organisation.id}/withdraw" in edit
    url = f"/organisations/{organisation.id}/withdraw"
    page = owner_client.get(url).get_data(as_text=True)
    assert "Are you sure you want to withdraw from the Charter?" in page
    assert "its record stays with Business Durham" in page
    response = submit_form(owner_client, url, {"reason": "  We are closing our Durham office. "})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/organisations/{organisation.id}/application"

    db.session.refresh(organisation)
    assert organisation.status == S.WITHDRAWN
    change = organisation.status_changes[-1]
    assert (change.from_status, change.to_status, change.actor_id, change.reason) == (
        S.APPROVED, S.WITHDRAWN, owner.id, "We are closing our Durham office.")
    messages = smtp.wait_for(2)
    assert sorted(message["To"] for message in messages) == [
        "colleague@brancepeth.example", "owner@brancepeth.example"]
    assert all("has withdrawn from the County Durham Pound Charter" in message["Subject"]
               for message in messages)
    assert "We are closing our Durham office." in smtp.text(messages[0])

    after = public_views(client, "brancepeth-bakery")
    assert "Brancepeth Bakery Ltd" not in after["directory"]
    assert after["csv"] == after["api"] == {}
    assert (after["profile"], after["api_detail"]) == (410, 410)
    gone = client.get("/signatories/brancepeth-bakery")
    assert "Brancepeth Bakery Ltd is no longer listed" in gone.get_data(as_text=True)
    # Browsers keep a bare 410 for ever; a suspended signatory may be listed again.
    assert gone.headers["Cache-Control"] == "no-cache"
    assert client.get("/api/v1/signatories/brancepeth-bakery").headers["Cache-Control"] == (
        "no-cache")
    # The organisation keeps its record, and says so.
    home = owner_client.get(f"/organisations/{organisation.id}/application").get_data(
        as_text=True)
    assert "has withdrawn from the Charter" in home
    assert "Your answers" in home


def test_a_lapsed_signatory_may_withdraw_without_giving_a_reason(app, build, smtp):
    owner = build.user()
    organisation = signatory(build, owner, status=S.LAPSED)
    url = f"/organisations/{organisation.id}/withdraw"
    assert submit_form(signed_in(app, owner), url, {"reason": ""}).status_code == 302
    db.session.refresh(organisation)
    assert organisation.status == S.WITHDRAWN
    assert organisation.status_changes[-1].reason is None
    assert "The reason given" not in smtp.text(smtp.wait_for(1)[0])


def test_only_an_owner_of_the_organisation_may_withdraw_it(app, client, build):
    owner = build.user()
    organisation = signatory(build, owner)
    url = f"/organisations/{organisation.id}/withdraw"
    plain_member = build.user()
    build.member(organisation, plain_member, MemberRole.MEMBER)
    other_owner = build.user()
    signatory(build, other_owner, name="Other Ltd", slug="other")
    for user, expected in ((plain_member, 403), (other_owner, 404), (build.staff(), 404)):
        person = signed_in(app, user)
        token = csrf_token_from(person.get("/account").get_data(as_text=True))
        assert person.get(url).status_code == expected
        assert person.post(url, data={"csrf_token": token}).status_code == expected
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    member_page = signed_in(app, plain_member).get(
        f"/organisations/{organisation.id}/profile").get_data(as_text=True)
    assert "Only an owner of" in member_page and "/withdraw" not in member_page
    db.session.refresh(organisation)
    assert organisation.status == S.APPROVED


def test_withdrawing_needs_the_csrf_token_and_a_reason_of_bounded_length(app, build):
    owner = build.user()
    organisation = signatory(build, owner)
    url = f"/organisations/{organisation.id}/withdraw"
    owner_client = signed_in(app, owner)
    assert owner_client.post(url, data={"reason": "No token"}).status_code == 400
    html = submit_form(owner_client, url, {"reason": "x" * 2001}).get_data(as_text=True)
    assert "Reason must be 2000 characters or fewer" in html
    assert "x" * 2001 in html  # nothing typed is lost
    db.session.refresh(organisation)
    assert organisation.status == S.APPROVED


def test_withdrawing_twice_says_so_and_records_and_emails_once(app, build):
    owner = build.user()
    organisation = signatory(build, owner)
    url = f"/organisations/{organisation.id}/withdraw"
    owner_client = signed_in(app, owner)
    token = csrf_token_from(owner_client.get(url).get_data(as_text=True))
    assert owner_client.post(url, data={"csrf_token": token}).status_code == 302
    again = owner_client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert again.status_code == 200
    assert "already withdrawn from the Charter. Nothing has changed." in again.get_data(
        as_text=True)
    assert len(changes_to(organisation, S.WITHDRAWN)) == 1
    assert queued("signatory_withdrawn") == 1


def test_ten_withdrawals_at_once_withdraw_once(app, build, live_server):
    owner = build.user()
    organisation = signatory(build, owner)
    session = HttpSession(live_server)
    session.sign_in(owner.email)
    url = f"/organisations/{organisation.id}/withdraw"
    status, _location, html = session.request("GET", url)
    assert status == 200
    form = {"csrf_token": csrf_token_from(html)}
    statuses = _all_at_once(lambda: session.request("POST", url, form)[0], count=10)
    assert set(statuses) == {302}, statuses
    db.session.expire_all()
    assert len(changes_to(organisation, S.WITHDRAWN)) == 1
    assert queued("signatory_withdrawn") == 1


# -- suspending and lifting -------------------------------------------------------------------


def test_staff_suspend_with_a_reason_confirmed_then_lift_the_suspension(
        app, client, build, smtp, cache_on):
    owner = build.user("owner@brancepeth.example")
    organisation = signatory(build, owner, status=S.LAPSED)
    build.member(organisation, build.user("colleague@brancepeth.example"))
    assert public_views(client, "brancepeth-bakery")["api"] == {"brancepeth-bakery": "lapsed"}
    staff = build.staff("jo@businessdurham.example")
    staff_client = signed_in(app, staff)

    # Found in the list of lapsed signatories, by name.
    listing = staff_client.get("/staff/organisations?status=lapsed&q=brancepeth").get_data(
        as_text=True)
    assert "Brancepeth Bakery Ltd" in listing and "1 lapsed signatory" in listing
    assert "Brancepeth" not in staff_client.get(
        "/staff/organisations?status=lapsed&q=nomatch").get_data(as_text=True)
    page = f"/staff/organisations/{organisation.id}"
    assert f"{page}/suspend" in staff_client.get(page).get_data(as_text=True)

    url = f"{page}/suspend"
    html = submit_form(staff_client, url, {"reason": ""}).get_data(as_text=True)
    assert "Enter the reason for suspending the signatory" in html
    reason = "Your profile names a company that was dissolved."
    confirm = submit_form(staff_client, url, {"reason": reason})
    assert confirm.status_code == 200
    confirm_html = confirm.get_data(as_text=True)
    assert "Are you sure you want to suspend Brancepeth Bakery Ltd?" in confirm_html
    assert "emails its 2 members your reason" in confirm_html
    db.session.refresh(organisation)
    assert organisation.status == S.LAPSED  # nothing yet: the reason is only checked
    token = csrf_token_from(confirm_html)
    changed = staff_client.post(url, data={"csrf_token": token, "reason": reason,
                                           "change": "yes"}).get_data(as_text=True)
    assert "Suspend this signatory" in changed and reason in changed
    response = staff_client.post(url, data={"csrf_token": token, "reason": reason,
                                            "confirmed": "yes"})
    assert response.status_code == 302 and response.headers["Location"] == page

    db.session.refresh(organisation)
    assert organisation.status == S.SUSPENDED
    suspension = changes_to(organisation, S.SUSPENDED)
    assert [(c.from_status, c.actor_id, c.reason) for c in suspension] == [
        (S.LAPSED, staff.id, reason)]
    messages = smtp.wait_for(2)
    assert sorted(message["To"] for message in messages) == [
        "colleague@brancepeth.example", "owner@brancepeth.example"]
    assert reason in smtp.text(messages[0])
    after = public_views(client, "brancepeth-bakery")
    assert after["api"] == after["csv"] == {}
    assert "Brancepeth Bakery Ltd" not in after["directory"]
    assert (after["profile"], after["api_detail"]) == (410, 410)
    owner_home = signed_in(app, owner).get(
        f"/organisations/{organisation.id}/application").get_data(as_text=True)
    assert reason in owner_home

    # The history shows who, when, from, to and why.
    history = staff_client.get(page).get_data(as_text=True)
    assert "jo@businessdurham.example" in history and reason in history
    assert f"{page}/lift-suspension" in history

    lift = f"{page}/lift-suspension"
    assert "Are you sure you want to lift the suspension" in staff_client.get(lift).get_data(
        as_text=True)
    assert submit_form(staff_client, lift, {"note": "Thank you."}).status_code == 302
    db.session.refresh(organisation)
    assert organisation.status == S.APPROVED
    assert changes_to(organisation, S.APPROVED)[-1].reason == "Thank you."
    lifted = smtp.wait_for(4, besides_badges=True)[2:]
    assert {message["Subject"] for message in lifted} == {
        "Brancepeth Bakery Ltd is listed as a Charter signatory again"}
    assert public_views(client, "brancepeth-bakery")["api"] == {"brancepeth-bakery": "approved"}


def test_suspending_twice_says_already_suspended_and_records_once(app, build):
    organisation = signatory(build, build.user())
    staff_client = signed_in(app, build.staff())
    url = f"/staff/organisations/{organisation.id}/suspend"
    token = csrf_token_from(staff_client.get(url).get_data(as_text=True))
    form = {"csrf_token": token, "reason": "A good reason.", "confirmed": "yes"}
    assert staff_client.post(url, data=form).status_code == 302
    again = staff_client.post(url, data=form, follow_redirects=True)
    assert again.status_code == 200
    assert "Brancepeth Bakery Ltd is already suspended. Nothing has changed." in again.get_data(
        as_text=True)
    lift = f"/staff/organisations/{organisation.id}/lift-suspension"
    assert staff_client.post(lift, data={"csrf_token": token}).status_code == 302
    again = staff_client.post(lift, data={"csrf_token": token}, follow_redirects=True)
    assert "is already approved. Nothing has changed." in again.get_data(as_text=True)
    assert len(changes_to(organisation, S.SUSPENDED)) == 1
    assert len(changes_to(organisation, S.APPROVED)) == 1
    assert queued("signatory_suspended") == 1 and queued("suspension_lifted") == 1


def test_ten_suspensions_at_once_suspend_once(app, build, live_server):
    organisation = signatory(build, build.user())
    session = HttpSession(live_server)
    session.sign_in(build.staff().email)
    url = f"/staff/organisations/{organisation.id}/suspend"
    status, _location, html = session.request("GET", url)
    assert status == 200
    form = {"csrf_token": csrf_token_from(html), "reason": "Reason.", "confirmed": "yes"}
    statuses = _all_at_once(lambda: session.request("POST", url, form)[0], count=10)
    assert set(statuses) == {302}, statuses
    db.session.expire_all()
    assert len(changes_to(organisation, S.SUSPENDED)) == 1
    assert queued("signatory_suspended") == 1


def test_a_change_made_meanwhile_is_refused_by_the_lock_not_repeated(app, build):
    """The service re-reads the status under the lock: a stale copy cannot suspend twice."""
    organisation = signatory(build, build.user())
    staff = build.staff()
    with app.app_context():  # another request, which commits first
        other = db.session.get(Organisation, organisation.id)
        transition(other, S.SUSPENDED, None, reason="First")
        db.session.commit()
        db.session.remove()
    with pytest.raises(TransitionNotAllowed) as refused:
        standing.suspend(organisation, staff, "Second")
    assert refused.value.already_done
    with pytest.raises(TransitionNotAllowed) as refused:
        standing.withdraw(organisation, staff, None)
    assert (refused.value.current, refused.value.already_done) == (S.SUSPENDED, False)
    db.session.rollback()


def test_only_staff_reach_the_signatory_pages(app, client, build):
    owner = build.user()
    organisation = signatory(build, owner)
    pages = ["/staff/organisations", f"/staff/organisations/{organisation.id}",
             f"/staff/organisations/{organisation.id}/suspend"]
    owner_client = signed_in(app, owner)
    token = csrf_token_from(owner_client.get("/account").get_data(as_text=True))
    for url in pages:
        assert owner_client.get(url).status_code == 403
        assert client.get(url).status_code == 302
    assert owner_client.post(pages[2], data={"csrf_token": token, "reason": "x",
                                             "confirmed": "yes"}).status_code == 403
    staff_client = signed_in(app, build.staff())
    assert staff_client.post(pages[2], data={"reason": "x", "confirmed": "yes"}).status_code == 400
    db.session.refresh(organisation)
    assert organisation.status == S.APPROVED
    # Applications that were never approved are not signatories.
    draft = build.organisation(build.user(), status=S.SUBMITTED)
    assert staff_client.get(f"/staff/organisations/{draft.id}").status_code == 404


def test_a_suspension_reason_is_bounded_and_nothing_typed_is_lost(app, build):
    organisation = signatory(build, build.user())
    staff_client = signed_in(app, build.staff())
    url = f"/staff/organisations/{organisation.id}/suspend"
    html = submit_form(staff_client, url, {"reason": "y" * 2001, "confirmed": "yes"}).get_data(
        as_text=True)
    assert "Reason must be 2000 characters or fewer" in html and "y" * 2001 in html
    db.session.refresh(organisation)
    assert organisation.status == S.APPROVED


def test_the_staff_list_filters_by_status_and_pages(app, build):
    for number in range(27):
        signatory(build, name=f"Listed {number:02d} Ltd", slug=f"listed-{number}")
    signatory(build, status=S.WITHDRAWN, name="Gone Ltd", slug="gone")
    build.organisation(status=S.SUBMITTED, name="Applicant Ltd")
    staff_client = signed_in(app, build.staff())
    first = staff_client.get("/staff/organisations").get_data(as_text=True)
    assert "27 approved signatories" in first and "Withdrawn (1)" in first
    assert "Listed 00 Ltd" in first and "Listed 26 Ltd" not in first
    assert "Gone Ltd" not in first and "Applicant Ltd" not in first
    second = staff_client.get("/staff/organisations?page=2").get_data(as_text=True)
    assert "Listed 26 Ltd" in second and "Listed 00 Ltd" not in second
    withdrawn = staff_client.get("/staff/organisations?status=withdrawn").get_data(as_text=True)
    assert "Gone Ltd" in withdrawn and "Listed 00 Ltd" not in withdrawn
    odd = staff_client.get("/staff/organisations?status=draft&page=x&q=%00")
    assert odd.status_code == 200


# -- lapsed signatories in public -------------------------------------------------------------


def test_lapsed_signatories_are_listed_and_marked_everywhere(app, client, build):
    signatory(build, name="Approved Joinery Ltd", slug="approved-joinery")
    signatory(build, status=S.LAPSED, name="Lapsed Laundry Ltd", slug="lapsed-laundry")
    views = public_views(client, "lapsed-laundry")
    assert views["api"] == views["csv"] == {"approved-joinery": "approved",
                                            "lapsed-laundry": "lapsed"}
    card = views["directory"].split("Lapsed Laundry Ltd</a>", 1)[1].split("</h3>", 1)[0]
    assert "govuk-tag" in card and "Lapsed" in card
    assert views["directory"].count(">Lapsed</strong>") == 1
    assert "2 signatories" in views["directory"]
    assert (views["profile"], views["api_detail"]) == (200, 200)
    profile = client.get("/signatories/lapsed-laundry").get_data(as_text=True)
    assert ">Lapsed</strong>" in profile
    assert "annual pledge update is overdue" in profile
    assert client.get("/api/v1/signatories/lapsed-laundry").get_json()["status"] == "lapsed"
    approved = client.get("/signatories/approved-joinery").get_data(as_text=True)
    assert "Lapsed" not in approved
    # Filters and search count lapsed signatories too.
    assert client.get("/api/v1/signatories?q=laundry").get_json()["total"] == 1
    assert client.get("/api/v1/signatories?sector=private").get_json()["total"] == 2


def test_lapsing_and_renewal_refresh_the_cached_public_pages(app, client, build, cache_on):
    organisation = signatory(build, name="Lapsing Ltd", slug="lapsing")
    assert ">Lapsed</strong>" not in client.get("/signatories/lapsing").get_data(as_text=True)
    assert client.get("/api/v1/signatories").get_json()["items"][0]["status"] == "approved"

    transition(organisation, S.LAPSED, None)  # as the lapsing job does
    db.session.commit()
    assert ">Lapsed</strong>" in client.get("/signatories/lapsing").get_data(as_text=True)
    assert client.get("/api/v1/signatories").get_json()["items"][0]["status"] == "lapsed"

    transition(organisation, S.APPROVED, None)  # the annual update arrived
    db.session.commit()
    assert ">Lapsed</strong>" not in client.get("/signatories/lapsing").get_data(as_text=True)
    assert client.get("/api/v1/signatories").get_json()["items"][0]["status"] == "approved"


def test_a_lapsed_signatory_can_still_edit_its_public_profile(app, build):
    owner = build.user()
    organisation = signatory(build, owner, status=S.LAPSED)
    owner_client = signed_in(app, owner)
    url = f"/organisations/{organisation.id}/profile"
    html = owner_client.get(url).get_data(as_text=True)
    assert "Your Charter signature has lapsed" in html
    response = submit_form(owner_client, url, {"description": "Fresh bread daily in Durham."})
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert organisation.description == "Fresh bread daily in Durham."
