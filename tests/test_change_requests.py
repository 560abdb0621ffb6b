"""Changes to a signatory's legal details wait for staff; staff approve or reject them once."""

import pytest
from sqlalchemy import func, select

from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage
from charter_app.organisations.models import LegalChangeRequest, Organisation
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in, submit_form
from tests.test_concurrency import HttpSession, _all_at_once


def _owner_and_signatory(build, **fields):
    owner = build.user()
    organisation = build.organisation(owner, status="approved", name="Durham Dales Dairy Ltd",
                                      company_number="01234567", **fields)
    return owner, organisation


def _ask(client, organisation, **changes):
    form = {"name": organisation.name, "legal_form": organisation.legal_form,
            "company_number": organisation.company_number or "",
            "charity_number": organisation.charity_number or "", **changes}
    return submit_form(client, f"/organisations/{organisation.id}/profile/legal", form)


def _requests(organisation_id: int) -> list[LegalChangeRequest]:
    db.session.expire_all()
    return list(db.session.scalars(select(LegalChangeRequest).where(
        LegalChangeRequest.organisation_id == organisation_id)))


def _emails(template: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == template)))


def test_a_name_change_waits_for_staff_and_the_profile_keeps_the_old_name(client, build):
    owner, organisation = _owner_and_signatory(build)
    log_in(client, owner.email, PASSWORD)
    response = _ask(client, organisation, name="Dales Dairy Ltd")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We have sent your change to Business Durham" in html
    assert "Business Durham is reviewing the change" in html

    [change] = _requests(organisation.id)
    assert (change.status, change.old_name, change.new_name, change.requested_by_id) == (
        "pending", "Durham Dales Dairy Ltd", "Dales Dairy Ltd", owner.id)
    assert change.changed_fields() == ["name"]
    public = client.get(f"/signatories/{organisation.slug}").get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Durham Dales Dairy Ltd</h1>' in public

    # A second request while the first waits is turned back, not stacked up.
    again = client.get(f"/organisations/{organisation.id}/profile/legal")
    assert again.status_code == 302
    assert len(_requests(organisation.id)) == 1


def test_a_member_may_not_ask_to_change_legal_details(app, client, build):
    _owner, organisation = _owner_and_signatory(build)
    member = build.user()
    build.member(organisation, member)
    log_in(client, member.email, PASSWORD)
    page = client.get(f"/organisations/{organisation.id}/profile").get_data(as_text=True)
    assert "Ask to change your legal details" not in page
    assert client.get(f"/organisations/{organisation.id}/profile/legal").status_code == 403
    token = csrf_token_from(page)
    response = client.post(f"/organisations/{organisation.id}/profile/legal", data={
        "csrf_token": token, "name": "Taken Over Ltd", "legal_form": "limited_company",
        "company_number": "01234567"})
    assert response.status_code == 403
    assert _requests(organisation.id) == []


def test_asking_for_the_details_already_held_is_a_form_error(client, build):
    owner, organisation = _owner_and_signatory(build)
    log_in(client, owner.email, PASSWORD)
    response = _ask(client, organisation)
    assert response.status_code == 200
    assert "Change at least one detail" in response.get_data(as_text=True)
    assert _requests(organisation.id) == []


def test_the_new_details_follow_the_application_rules(client, build):
    owner, organisation = _owner_and_signatory(build)
    log_in(client, owner.email, PASSWORD)
    html = _ask(client, organisation, legal_form="registered_charity", company_number="").get_data(
        as_text=True)
    assert "Enter your charity number" in html
    html = _ask(client, organisation, legal_form="made_up").get_data(as_text=True)
    assert "Select what kind of organisation it is" in html
    html = _ask(client, organisation, name="x" * 161).get_data(as_text=True)
    assert "160 characters or fewer" in html
    assert _requests(organisation.id) == []


def _staff(app, build):
    staff = build.staff()
    staff_client = app.test_client()
    log_in(staff_client, staff.email, PASSWORD)
    return staff, staff_client


def _pending(build, organisation, owner, **new):
    change = LegalChangeRequest(
        organisation=organisation, requested_by=owner, old_name=organisation.name,
        new_name=new.get("name", organisation.name), old_legal_form=organisation.legal_form,
        new_legal_form=new.get("legal_form", organisation.legal_form),
        old_company_number=organisation.company_number,
        new_company_number=new.get("company_number", organisation.company_number),
        old_charity_number=organisation.charity_number,
        new_charity_number=new.get("charity_number", organisation.charity_number))
    db.session.add(change)
    db.session.commit()
    return change


def test_staff_see_old_and_new_side_by_side_with_duplicate_flags_for_the_new_details(
        app, build):
    owner, organisation = _owner_and_signatory(build)
    build.organisation(build.user(), status="approved", name="Dales Dairy Limited",
                       company_number="07654321")
    change = _pending(build, organisation, owner, name="Dales Dairy Ltd",
                      company_number="07654321")
    _staff_member, staff_client = _staff(app, build)

    listing = staff_client.get("/staff/changes").get_data(as_text=True)
    assert "1 change waiting for review" in listing
    assert "Durham Dales Dairy Ltd" in listing and "Legal name, Company number" in listing
    html = staff_client.get(f"/staff/changes/{change.id}").get_data(as_text=True)
    assert html.index("Durham Dales Dairy Ltd") < html.index("<strong>Dales Dairy Ltd</strong>")
    assert "Now: 01234567" in html
    assert "<strong>07654321</strong>" in html
    assert "Another application has the same company or charity number." in html
    assert "Another application has a very similar name." in html
    application = staff_client.get(f"/staff/applications/{organisation.id}").get_data(
        as_text=True)
    assert "Changes to legal details" in application and "waiting for review" in application


def test_approval_publishes_the_new_name_keeps_the_address_and_emails_the_owners(
        app, client, build, smtp):
    owner, organisation = _owner_and_signatory(build)
    second_owner = build.user()
    build.member(organisation, second_owner, role="owner")
    change = _pending(build, organisation, owner, name="Dales Dairy Ltd",
                      legal_form="cic", company_number="07654321")
    staff, staff_client = _staff(app, build)
    slug = organisation.slug

    page = f"/staff/changes/{change.id}"
    response = submit_form(staff_client, f"{page}/approve", {}, page=page)
    assert response.status_code == 302

    db.session.expire_all()
    organisation = db.session.get(Organisation, organisation.id)
    assert (organisation.name, organisation.legal_form, organisation.sector,
            organisation.company_number, organisation.slug) == (
        "Dales Dairy Ltd", "cic", "third", "07654321", slug)
    [change] = _requests(organisation.id)
    assert (change.status, change.decided_by_id) == ("approved", staff.id)
    assert "Dales Dairy Ltd</h1>" in client.get(f"/signatories/{slug}").get_data(as_text=True)
    assert {message.recipient for message in _emails("legal_change_approved")} == {
        owner.email, second_owner.email}
    smtp.deliver_outbox()
    [message] = smtp.to(owner.email)
    assert message["Subject"] == "Your change to Dales Dairy Ltd is approved"


def test_rejection_needs_a_reason_keeps_the_old_details_and_emails_it(app, build, smtp):
    owner, organisation = _owner_and_signatory(build)
    change = _pending(build, organisation, owner, name="Dales Dairy Ltd")
    _staff_member, staff_client = _staff(app, build)
    url = f"/staff/changes/{change.id}/reject"
    assert "Enter the reason for rejecting the change" in submit_form(
        staff_client, url, {"reason": ""}).get_data(as_text=True)
    response = submit_form(staff_client, url, {"reason": "Companies House still shows the "
                                                         "old name."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).name == "Durham Dales Dairy Ltd"
    [change] = _requests(organisation.id)
    assert (change.status, change.reason) == ("rejected", "Companies House still shows the "
                                                          "old name.")
    smtp.deliver_outbox()
    [message] = smtp.to(owner.email)
    assert "Companies House still shows the old name." in smtp.text(message)


@pytest.mark.parametrize("second", ["approve", "reject"])
def test_a_second_decision_says_it_was_decided_and_changes_nothing(app, build, second):
    owner, organisation = _owner_and_signatory(build)
    change = _pending(build, organisation, owner, name="Dales Dairy Ltd")
    _staff_member, staff_client = _staff(app, build)
    page = f"/staff/changes/{change.id}"
    token = csrf_token_from(staff_client.get(page).get_data(as_text=True))
    assert staff_client.post(f"{page}/approve", data={"csrf_token": token}).status_code == 302

    data = {"csrf_token": token, "reason": "Not the same company."}
    response = staff_client.post(f"{page}/{second}", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    expected = ("This change is already approved. Nothing has changed." if second == "approve"
                else "This change was already approved, so it cannot be rejected now.")
    assert expected in html
    [change] = _requests(organisation.id)
    assert change.status == "approved" and change.reason is None
    assert len(_emails("legal_change_approved")) == 1
    assert _emails("legal_change_rejected") == []


def test_decisions_at_once_decide_once_and_email_once(app, build, live_server):
    owner, organisation = _owner_and_signatory(build)
    change = _pending(build, organisation, owner, name="Dales Dairy Ltd")
    staff = build.staff()
    session = HttpSession(live_server)
    session.sign_in(staff.email)
    page = f"/staff/changes/{change.id}"
    status, _location, html = session.request("GET", page)
    assert status == 200
    form = {"csrf_token": csrf_token_from(html), "reason": "Not the same company."}
    actions = iter(["approve", "reject"] * 10)
    paths = [f"{page}/{next(actions)}" for _ in range(20)]

    statuses = _all_at_once(lambda: session.request("POST", paths.pop(), form)[0], count=20)

    assert set(statuses) == {302}, statuses
    [change] = _requests(organisation.id)
    assert change.status in {"approved", "rejected"}
    emails = _emails("legal_change_approved") + _emails("legal_change_rejected")
    assert len(emails) == 1 and emails[0].template == f"legal_change_{change.status}"
    name = db.session.scalar(select(Organisation.name).where(Organisation.id == organisation.id))
    assert name == ("Dales Dairy Ltd" if change.status == "approved" else "Durham Dales Dairy Ltd")


def test_requests_at_once_make_one_request(app, build, live_server):
    owner, organisation = _owner_and_signatory(build)
    session = HttpSession(live_server)
    session.sign_in(owner.email)
    page = f"/organisations/{organisation.id}/profile/legal"
    status, _location, html = session.request("GET", page)
    assert status == 200
    form = {"csrf_token": csrf_token_from(html), "name": "Dales Dairy Ltd",
            "legal_form": "limited_company", "company_number": "01234567"}

    statuses = _all_at_once(lambda: session.request("POST", page, form)[0], count=10)

    assert set(statuses) == {302}, statuses
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LegalChangeRequest)) == 1


def test_approving_an_application_asks_for_confirmation_first(app, build):
    organisation = build.organisation(build.user(), status="submitted", name="Careful Ltd")
    _staff_member, staff_client = _staff(app, build)
    page = f"/staff/applications/{organisation.id}"
    html = staff_client.get(page).get_data(as_text=True)
    # The Approve button is a link to the question, not a form that approves.
    assert f'href="{page}/confirm-approval">Approve</a>' in html
    question = staff_client.get(f"{page}/confirm-approval").get_data(as_text=True)
    assert "Are you sure you want to approve Careful Ltd?" in question
    assert "lists Careful Ltd in the public directory" in question
    assert "emails its owner" in question
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).status == "submitted"

    assert f'action="{page}/approve"' in question
    response = submit_form(staff_client, f"{page}/approve", {}, page=f"{page}/confirm-approval")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).status == "approved"
    # Once approved, the question is not asked again.
    again = staff_client.get(f"{page}/confirm-approval")
    assert again.status_code == 302 and again.headers["Location"] == page


def test_an_unknown_or_impossible_change_id_is_not_found(app, build):
    _staff_member, staff_client = _staff(app, build)
    token = csrf_token_from(staff_client.get("/staff/changes").get_data(as_text=True))
    for change_id in (999_999, 2**63):
        assert staff_client.get(f"/staff/changes/{change_id}").status_code == 404
        for action in ("approve", "reject"):
            response = staff_client.post(f"/staff/changes/{change_id}/{action}",
                                         data={"csrf_token": token, "reason": "No."})
            assert response.status_code == 404, (change_id, action)
