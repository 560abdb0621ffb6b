"""Business Durham staff review applications: approve, reject with a reason, see flags."""

from charter_app.extensions import db
from tests.builders import PASSWORD
from tests.conftest import link_path, log_in, submit_form


def _staff_client(client, build):
    staff = build.staff()
    log_in(client, staff.email, PASSWORD)
    return staff


def test_queue_lists_submitted_applications_oldest_first(client, build):
    _staff_client(client, build)
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    build.organisation(status="submitted", name="Newer Ltd", submitted_at=now)
    build.organisation(status="submitted", name="Older Ltd", submitted_at=now - timedelta(days=3))
    build.organisation(status="draft", name="Draft Ltd")
    build.organisation(status="approved", name="Approved Ltd")
    html = client.get("/staff/applications").get_data(as_text=True)
    assert html.index("Older Ltd") < html.index("Newer Ltd")
    assert "Draft Ltd" not in html and "Approved Ltd" not in html


def test_approval_lists_the_signatory_and_emails_the_owner(client, build, smtp):
    staff = _staff_client(client, build)
    owner = build.user("owner@wearvalley.example")
    organisation = build.organisation(owner, status="submitted", name="Wear Valley Widgets Ltd")
    page = f"/staff/applications/{organisation.id}"
    response = submit_form(client, f"{page}/approve", {}, page=page)
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert organisation.status == "approved"
    assert organisation.slug == "wear-valley-widgets-ltd"
    change = organisation.status_changes[-1]
    assert (change.from_status, change.to_status, change.actor_id) == (
        "submitted", "approved", staff.id)
    [message] = smtp.wait_for(1, besides_badges=True)
    assert message["To"] == owner.email
    assert "has signed the County Durham Pound Charter" in message["Subject"]
    profile = link_path(smtp.links(message)[0])
    assert profile == "/signatories/wear-valley-widgets-ltd"
    assert "Wear Valley Widgets Ltd" in client.get("/directory").get_data(as_text=True)
    assert client.get(profile).status_code == 200


def test_rejection_needs_a_reason_which_the_organisation_receives(client, build, smtp):
    _staff_client(client, build)
    owner = build.user()
    organisation = build.organisation(owner, status="submitted")
    url = f"/staff/applications/{organisation.id}/reject"
    html = submit_form(client, url, {"reason": "  "}).get_data(as_text=True)
    assert "Enter the reason for rejecting the application" in html
    response = submit_form(client, url, {"reason": "Your address is in Cumbria."})
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert organisation.status == "rejected"
    assert organisation.status_changes[-1].reason == "Your address is in Cumbria."
    message = smtp.wait_for(1)[0]
    assert "Your address is in Cumbria." in smtp.text(message)

    # The organisation sees the reason, can change its answers and submit again.
    client.get("/")  # fresh client state for the owner below
    owner_client = client.application.test_client()
    log_in(owner_client, owner.email, PASSWORD)
    html = owner_client.get(f"/organisations/{organisation.id}/application").get_data(
        as_text=True)
    assert "Your address is in Cumbria." in html
    assert owner_client.get(f"/organisations/{organisation.id}/details").status_code == 200
    response = submit_form(owner_client, f"/organisations/{organisation.id}/submit", {})
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert organisation.status == "submitted"
    assert organisation.rejection_reason is None


def test_an_application_cannot_be_decided_twice(client, build):
    _staff_client(client, build)
    organisation = build.organisation(status="approved")
    page = f"/staff/applications/{organisation.id}"
    submit_form(client, f"{page}/approve", {}, page=page)
    submit_form(client, f"{page}/reject", {"reason": "Too late"})
    db.session.refresh(organisation)
    assert organisation.status == "approved"
    assert organisation.status_changes == []


def test_staff_see_flags_for_out_of_area_postcodes_and_likely_duplicates(client, build):
    _staff_client(client, build)
    build.organisation(status="approved", name="Consett Bakery Ltd", company_number="04455667")
    build.organisation(status="submitted", name="Consett Bakeries Limited")
    applicant = build.organisation(
        status="submitted", name="Consett Bakery", company_number="04455667",
        postcode="NE1 4ST", area=None, location_flag="outside")
    html = client.get(f"/staff/applications/{applicant.id}").get_data(as_text=True)
    assert "The postcode NE1 4ST is outside County Durham" in html
    assert "Another application has the same company or charity number." in html
    assert "Another application has a very similar name." in html
    assert "Consett Bakeries Limited" in html

    plain = build.organisation(status="submitted", name="Unrelated Joinery")
    html = client.get(f"/staff/applications/{plain.id}").get_data(as_text=True)
    assert "Check before you approve" not in html


def test_drafts_are_not_visible_to_staff(client, build):
    _staff_client(client, build)
    draft = build.organisation(status="draft")
    assert client.get(f"/staff/applications/{draft.id}").status_code == 404
