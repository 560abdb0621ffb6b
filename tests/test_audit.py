"""The staff audit log: every change staff, administrators and operators' commands make is
recorded with who, what, when and the values before and after; members' own changes are not; a
rolled-back action leaves nothing; secrets never appear; administrators search it and export it."""

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from charter_app.audit import recorder
from charter_app.audit.models import AuditEntry
from charter_app.extensions import db
from charter_app.hub import pages
from charter_app.timeutil import utcnow
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in, submit_form


def entries(**where) -> list[AuditEntry]:
    db.session.expire_all()
    statement = select(AuditEntry).order_by(AuditEntry.id)
    for name, value in where.items():
        statement = statement.where(getattr(AuditEntry, name) == value)
    return list(db.session.scalars(statement))


@pytest.fixture
def staff_client(app, build):
    client = app.test_client()
    log_in(client, build.staff("sam.officer@businessdurham.example").email, PASSWORD)
    return client


@pytest.fixture
def admin_client(app, build):
    client = app.test_client()
    log_in(client, build.admin("alex.admin@businessdurham.example").email, PASSWORD)
    return client


def test_a_staff_approval_is_recorded_with_who_what_and_before_and_after(staff_client, build):
    organisation = build.organisation(build.user(), status="submitted",
                                      name="Wear Valley Widgets Ltd")
    page = f"/staff/applications/{organisation.id}"
    response = submit_form(staff_client, f"{page}/approve", {}, page=page)
    assert response.status_code == 302
    changes = entries(target_type="organisations", target_id=str(organisation.id))
    [change] = [entry for entry in changes if "status" in (entry.after or {})]
    assert (change.actor, change.role, change.action, change.change) == (
        "sam.officer@businessdurham.example", "staff", "organisations_staff.approve", "updated")
    assert change.target_label == "Wear Valley Widgets Ltd"
    assert change.before["status"] == "submitted"
    assert change.after["status"] == "approved"
    assert change.request_id == response.headers["X-Request-ID"]
    # The status history row it wrote is recorded too, as created.
    assert entries(target_type="status_changes", action="organisations_staff.approve")


def test_a_staff_edit_of_a_hub_page_is_recorded(app_ctx, staff_client):
    pages.install_standard_pages(utcnow())
    db.session.commit()
    url = "/staff/hub/pages/frequently-asked-questions"
    form = staff_client.get(url).text
    response = staff_client.post(url, data={
        "csrf_token": csrf_token_from(form),
        "based_on": re.search(r'name="based_on" type="hidden" value="(\d+)"', form)[1],
        "title": "Questions people ask", "summary": "", "body": "Fresh text",
        "published": "y", "change_note": "Retitled", "action": "save"})
    assert response.status_code == 302
    # The page changes by compare-and-set (one UPDATE statement, not an ORM flush): the rows
    # it matched are read before and after it runs.
    [page_change] = entries(target_type="hub_pages", change="updated")
    assert (page_change.actor, page_change.action) == ("sam.officer@businessdurham.example",
                                                       "hub_staff.edit_page")
    assert page_change.before["title"] == "Frequently asked questions"
    assert page_change.after["title"] == "Questions people ask"
    assert (page_change.before["version"], page_change.after["version"]) == (1, 2)
    [version] = entries(target_type="hub_page_versions", change="created")
    assert (version.actor, version.action) == ("sam.officer@businessdurham.example",
                                               "hub_staff.edit_page")
    assert version.after["title"] == "Questions people ask"
    assert version.after["change_note"] == "Retitled"
    assert version.after["number"] == 2


def test_a_staff_change_to_an_event_is_recorded(staff_client, build):
    event = build.event(title="Meet the buyer: Durham")
    url = f"/staff/events/{event.id}/edit"
    form = staff_client.get(url).get_data(as_text=True)
    fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form))
    fields.update(csrf_token=csrf_token_from(form), title="Meet the buyer: Bishop Auckland",
                  kind="meet_the_buyer", eligibility="any_business",
                  description="Meet the county's buyers.",
                  address="Market Place, Durham DH1 3NJ")
    response = staff_client.post(url, data=fields)
    assert response.status_code == 302
    [change] = entries(target_type="events", change="updated")
    assert change.action == "events_staff.edit"
    assert (change.before["title"], change.after["title"]) == (
        "Meet the buyer: Durham", "Meet the buyer: Bishop Auckland")


def test_a_members_own_changes_are_not_staff_actions(app, build):
    from tests.test_application import DETAILS

    owner = build.user()
    organisation = build.organisation(owner, status="draft")
    client = app.test_client()
    log_in(client, owner.email, PASSWORD)
    response = submit_form(client, f"/organisations/{organisation.id}/details",
                           {**DETAILS, "name": "Renamed By Its Owner Ltd"})
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert organisation.name == "Renamed By Its Owner Ltd"  # the change was made...
    assert entries() == []  # ...and is not in the staff audit log


def test_a_rolled_back_action_leaves_no_audit_row(app, build):
    staff = build.staff()
    organisation = build.organisation(build.user(), status="submitted", name="Before Ltd")
    with app.test_request_context("/staff/x", method="POST"):
        from flask import g

        g.audit_actor = recorder.Actor(staff.id, staff.email, "staff", "test.action")
        found = db.session.get(type(organisation), organisation.id)
        found.name = "After Ltd"
        db.session.flush()
        assert db.session.scalar(select(AuditEntry.id)) is not None  # recorded in the flush
        db.session.rollback()
    db.session.remove()
    assert entries() == []


def test_passwords_hashes_and_tokens_are_redacted(app, build):
    with app.app_context(), recorder.acting_as("ops-person", "charter create-staff"):
        from charter_app.accounts.staff import create_staff

        create_staff("new.person@businessdurham.example", "Correct-Horse-9-battery", admin=False)
        db.session.commit()
    [created] = entries(target_type="users")
    assert (created.actor, created.role, created.action) == (
        "ops-person", "operator", "charter create-staff")
    assert created.after["password_hash"] == "[redacted]"
    assert created.after["email"] == "new.person@businessdurham.example"
    stored = str(created.after)
    assert "argon2" not in stored and "Correct-Horse" not in stored
    for column in ("password_hash", "calendar_token", "idempotency_key", "api_secret",
                   "signing_key"):
        assert recorder._safe(column, "x") == "[redacted]"
    assert recorder._safe("status", "approved") == "approved"


def _some_entries(build):
    officer = build.staff("pat.officer@businessdurham.example")
    now = utcnow()
    rows = [
        AuditEntry(at=now - timedelta(days=10), actor_id=officer.id, actor=officer.email,
                   role="staff", action="organisations_staff.approve", change="updated",
                   target_type="organisations", target_id="7", target_label="Old Mill Ltd",
                   before={"status": "submitted"}, after={"status": "approved"}),
        AuditEntry(at=now, actor=officer.email, actor_id=officer.id, role="staff",
                   action="hub_staff.edit_page", change="updated", target_type="hub_pages",
                   target_id="3", target_label="=HYPERLINK(\"http://evil.example\")",
                   before={"title": "A"}, after={"title": "B"}),
        AuditEntry(at=now, actor="ops-person", role="operator", action="charter create-staff",
                   change="created", target_type="users", target_id="9",
                   target_label="new@businessdurham.example", after={"email": "new@x"}),
    ]
    db.session.add_all(rows)
    db.session.commit()
    return now


def test_administrators_search_the_log_by_who_action_target_and_date(admin_client, build):
    now = _some_entries(build)
    def shown(**query):
        page = admin_client.get("/staff/audit", query_string=query)
        assert page.status_code == 200
        return page.text
    everything = shown()
    assert "Old Mill Ltd" in everything and "ops-person" in everything
    assert "ops-person" not in shown(who="pat.officer")
    assert "Old Mill Ltd" not in shown(action="edit_page")
    assert "Old Mill Ltd" in shown(target="old mill")
    recent = shown(since=(now - timedelta(days=1)).date().isoformat())
    assert "Old Mill Ltd" not in recent and "ops-person" in recent
    old = shown(until=(now - timedelta(days=5)).date().isoformat())
    assert "Old Mill Ltd" in old and "ops-person" not in old
    bad = admin_client.get("/staff/audit?since=yesterday")
    assert bad.status_code == 400
    assert "Enter the from date as year-month-day" in bad.text


def test_the_log_is_paginated(admin_client, build):
    db.session.add_all(AuditEntry(actor="ops", role="operator", action="a", change="created",
                                  target_type="t", target_id=str(n), target_label=f"row {n}")
                       for n in range(60))
    db.session.commit()
    first = admin_client.get("/staff/audit").text
    second = admin_client.get("/staff/audit?page=2").text
    assert "60 changes" in first
    assert "row 59" in first and "row 0" not in first
    assert "row 0" in second


def test_the_export_is_a_safe_csv_of_the_search(admin_client, build):
    _some_entries(build)
    response = admin_client.get("/staff/audit.csv?who=pat.officer")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["time (UTC)", "who", "role", "action"]
    assert len(rows) == 3
    labels = {row[8] for row in rows[1:]}
    assert "Old Mill Ltd" in labels
    # A formula typed into a record's name is text in a spreadsheet, never run.
    assert "'=HYPERLINK(\"http://evil.example\")" in labels
    assert ["status: submitted", "status: approved"] in [row[9:11] for row in rows[1:]]


def test_only_administrators_see_the_audit_log(app, build, staff_client):
    assert staff_client.get("/staff/audit").status_code == 403
    assert staff_client.get("/staff/audit.csv").status_code == 403
    member = build.user()
    client = app.test_client()
    log_in(client, member.email, PASSWORD)
    assert client.get("/staff/audit").status_code == 403
    assert app.test_client().get("/staff/audit").status_code == 302


def test_signing_out_is_not_an_audited_change(staff_client):
    response = submit_form(staff_client, "/logout", {}, page="/account")
    assert response.status_code == 302
    assert entries() == []
