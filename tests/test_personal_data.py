"""Personal data: tagged in the models, all of it in a user's export, and erased with their
account while their organisation's public record stays consistent."""

import io
import json
import re
import zipfile

from sqlalchemy import func, select

from charter_app.accounts.models import MemberRole, User
from charter_app.contact.models import ContactMessage, ContactReply
from charter_app.events.models import Feedback, Registration
from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage, OutboxStatus
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.personal_data import is_personal, is_secret
from charter_app.privacy import export
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in, submit_form
from tests.test_evidence import drafting, png_bytes, signatory, upload  # noqa: F401

# Column names that suggest a person; each such column is tagged, or listed here with why not.
LOOKS_PERSONAL = re.compile(r"email|name|phone|address|postcode|needs|comment|body|recipient|"
                            r"signatory|contact")
NOT_PERSONAL = {
    "organisations.name": "an organisation's name, published in the directory",
    "organisations.name_key": "the organisation's name, for sorting",
    "measures.name": "a measure in the public catalogue",
    "deprivation_areas.name": "an ONS small area",
    "content_versions.name": "the name of a cache version counter",
    "quality_marks.name": "the name of a quality mark, such as ISO 14001",
    "partners.name": "a public body's name",
    "hub_pages.body": "guidance staff publish",
    "hub_page_versions.body": "guidance staff publish, as it was",
    "news_posts.body": "news staff publish",
    "legal_change_requests.old_name": "an organisation's legal name",
    "legal_change_requests.new_name": "an organisation's legal name",
    "evidence_files.stored_name": "a random file name",
    "evidence_files.original_name": "the name of a file, kept for its download",
    "outbox_messages.attachment_name": "a calendar file's name",
    "outbox_messages.body_erased_at": "when the retention job emptied the bodies",
    "postcode_areas.postcode": "a public postcode-to-area lookup (ONS)",
    "local_needs_imports.filename": "the file staff imported",
    "catalogue_imports.filename": "the file staff imported",
    "sign_in_throttles.email_key": "a keyed hash, not the address",
    "contact_throttles.messages": "a count",
    "contact_replies.message_id": "a key",
    "badge_awards.recipient_salt": "random salt for the hashed recipient of an Open Badge",
    "collective_reports.commentary": "the partnership's published commentary",
    "events.address": "a public venue's address",
    "case_studies.body": "a case study written for publication (rows a user wrote are exported "
                         "through created_by_id)",
    "case_study_images.stored_name": "a random file name",
    "search_documents.body": "a copy of public text (listed signatories, published pages), "
                             "for search",
}


def _columns():
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            yield f"{table.name}.{column.name}", column


def test_every_column_that_looks_personal_is_tagged_or_said_not_to_be(app_ctx):
    untagged = [name for name, column in _columns()
                if LOOKS_PERSONAL.search(name.split(".", 1)[1]) and not name.endswith("_at")
                and not is_personal(column)
                and not is_secret(column) and not NOT_PERSONAL.get(name)]
    assert untagged == [], "tag these info=personal() or say in NOT_PERSONAL why they are not"


def test_the_export_can_reach_every_table_holding_personal_data(app_ctx):
    planned = {plan.table.name: {c.name for c in plan.exported_columns} for plan in export.plan()}
    tagged = {name for name, column in _columns() if is_personal(column)}
    missing = [name for name in tagged
               if name.split(".")[1] not in planned.get(name.split(".")[0], set())]
    assert missing == []
    secrets_exported = [name for name, column in _columns() if is_secret(column)
                        and name.split(".")[1] in planned.get(name.split(".")[0], set())]
    assert secrets_exported == []


def _someone_with_data_everywhere(build):
    """A signatory's owner who appears in every table that holds personal data."""
    user = build.user("sam.robson@wearvalley.example")
    organisation = build.organisation(user, status=ApplicationStatus.APPROVED,
                                      contact_email="office@wearvalley.example",
                                      contact_phone="01388 123456")
    colleague = build.user()
    build.member(organisation, colleague)
    event = build.event()
    mine = build.registration(event, organisation, name="Sam Robson", email=user.email,
                              needs="Step-free access")
    theirs = build.registration(event, organisation, email=colleague.email,
                                needs="Colleague's own needs")
    db.session.add(Feedback(registration_id=mine.id, event_id=event.id, rating=5,
                            comment="Met two buyers"))
    message = ContactMessage(name="Sam Robson", email="SAM.ROBSON@wearvalley.example",
                             organisation="Wear Valley Widgets", topic="idea", body="An idea")
    db.session.add(message)
    db.session.flush()
    db.session.add(ContactReply(message_id=message.id, form_key="a" * 32, subject="Thanks",
                                body="Thank you for the idea"))
    db.session.add(OutboxMessage(idempotency_key="x", template="confirm_email",
                                 recipient=user.email, subject="Confirm", body_text="Hello Sam",
                                 body_html="<p>Hello Sam</p>", status=OutboxStatus.SENT))
    partner = build.partner("Durham County Council")
    partner.social_value_contact_name = "Sam Robson"
    partner.social_value_contact_email = user.email
    db.session.commit()
    return user, organisation, theirs


def test_a_user_downloads_everything_held_about_them_and_nobody_elses(app, build, tmp_path):
    user, organisation, colleagues_registration = _someone_with_data_everywhere(build)
    client = app.test_client()
    log_in(client, user.email, PASSWORD)
    account = client.get("/account").text
    response = client.post("/account/data.zip", data={"csrf_token": csrf_token_from(account)})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert re.fullmatch(r'attachment; filename="county-durham-pound-charter-data-'
                        r'\d{4}-\d\d-\d\d\.zip"', response.headers["Content-Disposition"])
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    records = data["records"]

    tagged = {name for name, column in _columns() if is_personal(column)}
    for name in tagged:
        table, column = name.split(".")
        # Nobody invited this user, and only staff actions are audited: no rows to show.
        if table in ("invitations", "audit_entries"):
            continue
        assert table in records, f"no {table} rows in the export"
        assert all(column in row for row in records[table]), name
    assert records["users"][0]["email"] == user.email
    assert "password_hash" not in records["users"][0]
    assert "calendar_token" not in records["users"][0]
    assert [row["body"] for row in records["contact_replies"]] == ["Thank you for the idea"]
    assert [row["comment"] for row in records["event_feedback"]] == ["Met two buyers"]
    assert records["organisations"][0]["contact_phone"] == "01388 123456"
    needs = [row["needs"] for row in records["event_registrations"]]
    assert needs == ["Step-free access"]  # a colleague's registration is theirs, not this user's
    assert colleagues_registration.id not in {row["id"] for row in records["event_registrations"]}


def test_the_export_carries_the_files_they_uploaded(app, build, signatory, drafting):  # noqa: F811
    organisation, owner = signatory
    picture = png_bytes()
    assert upload(drafting, organisation, build, picture, "Our café.png").status_code == 302
    account = drafting.get("/account").text
    response = drafting.post("/account/data.zip", data={"csrf_token": csrf_token_from(account)})
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    uploads = [name for name in archive.namelist() if name.startswith("uploads/evidence/")]
    assert len(uploads) == 1 and uploads[0].endswith("Our café.png")
    stored = json.loads(archive.read("data.json"))["records"]["evidence_files"]
    assert stored[0]["original_name"] == "Our café.png"


def test_the_download_needs_a_csrf_token_and_a_signed_in_user(app, build):
    assert app.test_client().post("/account/data.zip").status_code in (302, 400, 401)
    client = app.test_client()
    log_in(client, build.user().email, PASSWORD)
    assert client.post("/account/data.zip").status_code == 400


def _delete(client, password=PASSWORD):
    return submit_form(client, "/account/delete", {"password": password})


def test_an_owner_deletes_their_account_and_the_signatory_stays_flagged_to_staff(app, build):
    user, organisation, _ = _someone_with_data_everywhere(build)
    user_id, organisation_id, slug = user.id, organisation.id, organisation.slug
    client = app.test_client()
    log_in(client, user.email, PASSWORD)
    response = _delete(client)
    assert response.status_code == 302
    db.session.remove()  # forget what this test's session had loaded

    assert db.session.get(User, user_id) is None
    assert client.get("/account").status_code == 302  # signed out
    kept = db.session.get(Organisation, organisation_id)
    assert kept.status == ApplicationStatus.APPROVED
    assert app.test_client().get(f"/signatories/{slug}").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(ContactMessage)) == 0
    assert db.session.scalar(select(func.count()).select_from(ContactReply)) == 0
    outbox = db.session.scalars(select(OutboxMessage)).all()
    assert not [m for m in outbox if "sam" in (m.recipient + m.body_text).lower()]
    erased = [m for m in outbox if m.recipient == "(deleted account)"]
    assert len(erased) == 1 and erased[0].body_text == ""  # the sent one; queued ones went
    assert db.session.scalars(select(Registration.needs).where(
        Registration.attendee_email == "sam.robson@wearvalley.example")).one() is None

    staff = app.test_client()
    log_in(staff, build.staff().email, PASSWORD)
    home = staff.get("/staff/").text
    assert "1 organisation has no owner left" in home
    assert f"/staff/organisations/{organisation_id}" in home


def test_a_second_owner_means_nothing_is_flagged_and_a_lone_draft_goes(app, build):
    first, second = build.user(), build.user()
    shared = build.organisation(first, status=ApplicationStatus.APPROVED)
    build.member(shared, second, MemberRole.OWNER)
    alone = build.organisation(first).id
    client = app.test_client()
    log_in(client, first.email, PASSWORD)
    assert _delete(client).status_code == 302
    db.session.remove()
    assert db.session.get(Organisation, alone) is None
    staff = app.test_client()
    log_in(staff, build.staff().email, PASSWORD)
    assert "no owner left" not in staff.get("/staff/").text


def test_a_wrong_password_deletes_nothing_and_staff_cannot_delete_here(app, build):
    user = build.user()
    client = app.test_client()
    log_in(client, user.email, PASSWORD)
    page = _delete(client, "not my password")
    assert page.status_code == 200 and "The password is not right" in page.text
    db.session.remove()
    assert db.session.get(User, user.id) is not None
    staff_user = build.staff()
    staff = app.test_client()
    log_in(staff, staff_user.email, PASSWORD)
    assert "ask an administrator to deactivate" in staff.get("/account/delete").text.lower()
    assert db.session.get(User, staff_user.id) is not None


def test_erasure_leaves_no_row_pointing_at_the_deleted_user(app, build):
    user, *_ = _someone_with_data_everywhere(build)
    user_id = user.id
    client = app.test_client()
    log_in(client, user.email, PASSWORD)
    assert _delete(client).status_code == 302
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == "users":
                count = db.session.scalar(select(func.count()).select_from(table).where(
                    key.parent == user_id))
                assert count == 0, f"{table.name}.{key.parent.name}"
