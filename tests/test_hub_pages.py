"""Guidance pages staff edit without a developer: versions, preview, restore, two editors at
once, who may do what; the standard pages a new installation has; the TOMs guide."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from charter_app.extensions import db
from charter_app.hub import pages
from charter_app.hub.models import Page, PageVersion
from charter_app.hub.standard_pages import STANDARD_SLUGS
from charter_app.hub.views import current_financial_year
from charter_app.pledges.models import Measure, ProxyValue
from charter_app.timeutil import utcnow
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in

FAQ = "/staff/hub/pages/frequently-asked-questions"


@pytest.fixture
def installed(app_ctx):
    pages.install_standard_pages(utcnow())
    db.session.commit()


@pytest.fixture
def staff_client(app, build):
    client = app.test_client()
    log_in(client, build.staff("sam.editor@businessdurham.example").email, PASSWORD)
    return client


def _edit(client, url, **changes):
    """Open the editor, change some fields, post it as the browser would."""
    page = client.get(url).text
    fields = {
        "csrf_token": csrf_token_from(page),
        "based_on": re.search(r'name="based_on" type="hidden" value="(\d+)"', page)[1],
        "title": re.search(r'name="title" type="text" value="([^"]*)"', page)[1],
        "summary": "",
        "body": "Some text",
        "published": "y",
        "change_note": "Tidied",
        "action": "save",
    }
    return client.post(url, data={**fields, **changes})


def test_a_fresh_installation_has_the_standard_pages_with_real_text(installed, client):
    index = client.get("/hub").text
    for slug in STANDARD_SLUGS:
        assert f'href="/hub/{slug}"' in index
    bidders = client.get("/hub/social-value-guidance-for-bidders").text
    assert "Procurement Act 2023" in bidders and "PPN 002" in bidders
    assert "/statements/" in bidders
    assert 'href="https://www.gov.uk/government/publications/ppn-002' in bidders
    how_to = client.get("/hub/how-to-sign-the-charter").text
    assert '<a href="/signup" class="govuk-link"' in how_to
    # Installing again changes nothing, and never overwrites what staff edited.
    assert pages.install_standard_pages(utcnow()) == 0


def test_the_migration_installed_the_same_pages(app_ctx, database_url):
    # The session's first test database was built by the migrations; the pages they installed
    # were cleared after an earlier test, so read the data files the migration reads instead.
    from charter_app.hub.standard_pages import read_standard_pages

    assert [page["slug"] for page in read_standard_pages()] == list(STANDARD_SLUGS)
    assert all(len(page["body"]) > 1500 for page in read_standard_pages())


def test_staff_save_a_new_version_with_who_when_and_why(installed, staff_client, client):
    response = _edit(staff_client, FAQ, body="## New heading\n\nFresh **text**.",
                     change_note="Added a heading")
    assert response.status_code == 302
    page = client.get("/hub/frequently-asked-questions").text
    assert '<h3 class="govuk-heading-m">New heading</h3>' in page
    assert "Fresh <strong>text</strong>." in page

    found = pages.page_by_slug("frequently-asked-questions")
    latest = db.session.scalar(select(PageVersion).where(PageVersion.page_id == found.id,
                                                         PageVersion.number == 2))
    assert found.version == 2
    assert latest.author.email == "sam.editor@businessdurham.example"
    assert latest.change_note == "Added a heading"
    history = staff_client.get(f"{FAQ}/history").text
    assert "Added a heading" in history and "sam.editor@businessdurham.example" in history
    assert "Installed with the service" in history


def test_restoring_a_version_makes_a_new_one_and_keeps_the_history(installed, staff_client,
                                                                   client):
    original = pages.page_by_slug("frequently-asked-questions").body
    _edit(staff_client, FAQ, body="Replaced by mistake", change_note="Oops")
    assert "Replaced by mistake" in client.get("/hub/frequently-asked-questions").text

    version_page = staff_client.get(f"{FAQ}/versions/1").text
    assert "Restore this version" in version_page
    response = staff_client.post(f"{FAQ}/versions/1/restore", data={
        "csrf_token": csrf_token_from(version_page), "based_on": "2"})
    assert response.status_code == 302

    db.session.expire_all()
    found = pages.page_by_slug("frequently-asked-questions")
    assert found.version == 3 and found.body == original
    assert [v.number for v in found.versions] == [3, 2, 1]
    assert found.versions[0].restored_from == 1
    assert found.versions[0].change_note == "Restored version 1"
    assert "Replaced by mistake" not in client.get("/hub/frequently-asked-questions").text


def test_two_editors_at_once_the_second_is_told_and_keeps_what_it_typed(installed, app, build,
                                                                       staff_client):
    other = app.test_client()
    log_in(other, build.staff().email, PASSWORD)
    first_form = staff_client.get(FAQ).text
    second_form = other.get(FAQ).text  # both start from version 1

    assert _edit(staff_client, FAQ, body="First editor's text").status_code == 302
    token = csrf_token_from(second_form)
    response = other.post(FAQ, data={
        "csrf_token": token, "based_on": "1", "title": "FAQ", "body": "Second editor's words",
        "published": "y", "change_note": "Mine", "action": "save"})
    assert response.status_code == 409
    assert "Someone saved a newer version of this page" in response.text
    assert "Second editor&#39;s words" in response.text  # kept in the form, not lost
    assert 'name="based_on" type="hidden" value="2"' in response.text
    db.session.expire_all()
    assert pages.page_by_slug("frequently-asked-questions").body == "First editor's text"
    assert first_form  # the first editor's page was opened before either save

    # Saving again, knowingly, replaces the newer version.
    response = other.post(FAQ, data={
        "csrf_token": token, "based_on": "2", "title": "FAQ", "body": "Second editor's words",
        "published": "y", "change_note": "Mine, after reading theirs", "action": "save"})
    assert response.status_code == 302
    db.session.expire_all()
    assert pages.page_by_slug("frequently-asked-questions").version == 3


def test_the_preview_button_works_without_javascript_and_saves_nothing(installed, staff_client):
    response = _edit(staff_client, FAQ, body="# Heading\n\n<script>alert(1)</script>Hi",
                     action="preview")
    assert response.status_code == 200
    assert '<h2 class="govuk-heading-l">Heading</h2>' in response.text
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)" in response.text  # the typed text, escaped in the textarea
    db.session.expire_all()
    assert pages.page_by_slug("frequently-asked-questions").version == 1


def test_the_live_preview_returns_sanitised_html(staff_client):
    token = csrf_token_from(staff_client.get("/staff/hub/pages/new").text)
    response = staff_client.post("/staff/hub/preview", data={
        "body": "**Bold** [x](javascript:alert(1)) <img src=x onerror=alert(1)>"},
        headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 200
    assert "<strong>Bold</strong>" in response.text
    assert "onerror" not in response.text and 'href="javascript' not in response.text
    assert "<html" not in response.text  # a fragment for htmx to swap in


def test_a_preview_without_a_csrf_token_is_refused(staff_client):
    assert staff_client.post("/staff/hub/preview", data={"body": "x"}).status_code == 400


def test_only_staff_edit_pages(installed, app, build, client):
    assert client.get(FAQ).status_code == 302  # to sign in
    member = app.test_client()
    owner = build.user()
    build.organisation(owner, status="approved")
    log_in(member, owner.email, PASSWORD)
    token = csrf_token_from(member.get("/account").text)
    for method, url in [("GET", FAQ), ("POST", FAQ), ("POST", "/staff/hub/preview"),
                        ("POST", f"{FAQ}/versions/1/restore"), ("GET", "/staff/hub/pages"),
                        ("GET", "/staff/hub/news"), ("POST", "/staff/hub/news/new")]:
        response = member.open(url, method=method, data={"body": "x", "based_on": "1"},
                               headers={"X-CSRFToken": token})
        assert response.status_code == 403, f"{method} {url}"
    db.session.expire_all()
    assert pages.page_by_slug("frequently-asked-questions").version == 1


def test_lengths_are_checked_before_the_database(installed, staff_client):
    response = _edit(staff_client, FAQ, title="x" * 151, change_note="")
    assert response.status_code == 200
    assert "Title must be 150 characters or fewer" in response.text
    assert "Say in a few words what you changed" in response.text
    assert response.text.count("x" * 151) >= 1  # kept for correcting


def test_unpublished_pages_are_not_public(installed, staff_client, client):
    _edit(staff_client, FAQ, published="")
    assert client.get("/hub/frequently-asked-questions").status_code == 404
    assert "/hub/frequently-asked-questions" not in client.get("/hub").text


def test_staff_create_a_page_at_a_free_address(staff_client, client):
    page = staff_client.get("/staff/hub/pages/new").text
    data = {"csrf_token": csrf_token_from(page), "slug": "working-with-buyers",
            "title": "Working with buyers", "body": "Meet them.", "published": "y",
            "change_note": "First version", "action": "save"}
    assert staff_client.post("/staff/hub/pages/new", data=data).status_code == 302
    assert "Meet them." in client.get("/hub/working-with-buyers").text
    again = staff_client.post("/staff/hub/pages/new", data=data)
    assert again.status_code == 409 and "There is already a page" in again.text
    reserved = staff_client.post("/staff/hub/pages/new", data={**data, "slug": "toms"})
    assert reserved.status_code == 409 and "used by the service" in reserved.text
    bad = staff_client.post("/staff/hub/pages/new", data={**data, "slug": "Not OK!"})
    assert "Use lower-case letters, numbers and hyphens only" in bad.text


def _proxy(code: str, year: int) -> ProxyValue | None:
    return db.session.scalar(select(ProxyValue).join(Measure).where(
        Measure.code == code, ProxyValue.financial_year == year))


def test_the_toms_guide_shows_each_measure_with_this_years_value_and_an_example(app_ctx,
                                                                                client):
    year = current_financial_year()
    volunteering = _proxy("CDP-SOC-02", year)
    if volunteering is None:  # the catalogue ships example values for its first year only
        volunteering = ProxyValue(measure=db.session.scalar(
            select(Measure).where(Measure.code == "CDP-SOC-02")), financial_year=year,
            value=Decimal("17.48"), source="Example source", edition="Test edition")
        db.session.add(volunteering)
        db.session.commit()
    page = client.get("/hub/toms").text
    for measure in db.session.scalars(select(Measure).where(Measure.active)):
        assert f'id="measure-{measure.code}"' in page
    section = page.split('id="measure-CDP-SOC-02"')[1].split("</section>")[0]
    assert volunteering.source in section
    expected = (Decimal(10) * volunteering.value).quantize(Decimal("0.01"))
    assert f"10 × £{volunteering.value.normalize():,f} = <strong>£{expected:,}</strong>" in section
    # A measure without a value for the year says so rather than inventing one.
    spend = page.split('id="measure-CDP-GRO-03"')[1].split("</section>")[0]
    assert "No value set for" in spend or "has no proxy value" in spend


def test_a_published_measure_note_appears_in_the_guide(staff_client, client):
    url = "/staff/hub/pages/toms-note-cdp-soc-02"
    editor = staff_client.get(url).text
    assert "Note on Volunteering hours" in editor
    response = staff_client.post(url, data={
        "csrf_token": csrf_token_from(editor), "based_on": "0", "title": "Note",
        "body": "Ask the group to **sign** a timesheet.", "published": "y",
        "change_note": "First note", "action": "save"})
    assert response.status_code == 302
    section = client.get("/hub/toms").text.split('id="measure-CDP-SOC-02"')[1]
    assert "Ask the group to <strong>sign</strong> a timesheet." in section.split("</section>")[0]
    # A note is not a page of its own, and an address that is no measure's is no note.
    assert client.get("/hub/toms-note-cdp-soc-02").status_code == 404
    assert staff_client.get("/staff/hub/pages/toms-note-nothing").status_code == 404
    assert db.session.scalar(select(Page).where(Page.slug == "toms-note-cdp-soc-02")).version == 1
