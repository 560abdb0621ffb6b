"""Public directory pages are cached for visitors, and never served stale or to the wrong person."""

import pytest

from charter_app.directory.cache import _cache, current_version
from charter_app.extensions import db
from charter_app.organisations.models import Organisation
from tests.builders import PASSWORD
from tests.conftest import counting_statements, log_in, submit_form


@pytest.fixture
def cache_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE", True)
    _cache.clear()
    yield
    _cache.clear()


def _statements(app, client, url):
    with counting_statements(app) as statements:
        response = client.get(url)
    return response, statements


def test_a_repeat_visit_is_served_from_the_cache(app, client, build, cache_on):
    build.organisation(status="approved", name="Cached Bakery")
    first, first_sql = _statements(app, client, "/directory")
    again, again_sql = _statements(app, client, "/directory")
    assert again.get_data() == first.get_data()
    assert "Cached Bakery" in again.get_data(as_text=True)
    assert len(first_sql) >= 3
    assert len(again_sql) == 1  # only the content version is read
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_an_approval_shows_at_once_despite_the_cache(app, client, build, cache_on):
    build.organisation(status="approved", name="Already Listed")
    waiting = build.organisation(status="submitted", name="Newly Approved Joinery")
    for url in ("/directory", "/api/v1/signatories", "/directory.csv"):
        assert "Newly Approved" not in client.get(url).get_data(as_text=True)

    staff_client = app.test_client()
    log_in(staff_client, build.staff().email, PASSWORD)
    page = f"/staff/applications/{waiting.id}"
    assert submit_form(staff_client, f"{page}/approve", {}, page=page).status_code == 302

    for url in ("/directory", "/api/v1/signatories", "/directory.csv"):
        assert "Newly Approved Joinery" in client.get(url).get_data(as_text=True), url


def test_signed_in_people_never_get_the_visitors_page(app, client, build, cache_on):
    build.organisation(status="approved")
    assert "Sign out" not in client.get("/directory").get_data(as_text=True)  # now cached

    member = app.test_client()
    log_in(member, build.user().email, PASSWORD)
    assert "Sign out" in member.get("/directory").get_data(as_text=True)
    # ...and the signed-in page is not handed to the next visitor.
    assert "Sign out" not in client.get("/directory").get_data(as_text=True)


def test_the_htmx_fragment_and_the_full_page_are_cached_apart(client, build, cache_on):
    build.organisation(status="approved")
    full = client.get("/directory?q=test").get_data(as_text=True)
    fragment = client.get("/directory?q=test", headers={"HX-Request": "true"}).get_data(
        as_text=True)
    assert "<html" in full and "<html" not in fragment
    assert "<html" in client.get("/directory?q=test").get_data(as_text=True)


def _content_version_writes(statements) -> list[str]:
    return [s for s in statements
            if "content_versions" in s and s.lstrip().upper().startswith("UPDATE")]


def test_a_drafts_save_leaves_the_public_pages_and_their_version_alone(app, client, build):
    from tests.test_application import DETAILS

    owner = build.user()
    draft = build.organisation(owner)
    log_in(client, owner.email, PASSWORD)
    before = current_version()
    with counting_statements(app) as statements:
        details = submit_form(client, f"/organisations/{draft.id}/details",
                              {**DETAILS, "description": "A new description."})
        pledges = submit_form(client, f"/organisations/{draft.id}/pledges",
                              {"target_CDP_SOC_02": "7"})
    assert details.status_code == pledges.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, draft.id).description == "A new description."
    assert current_version() == before
    assert _content_version_writes(statements) == []  # not even a no-op write on the hot row


def test_a_signatorys_public_edit_shows_at_once_on_cached_pages(client, build, cache_on):
    signatory = build.organisation(status="approved", description="Joinery in Crook.")
    profile = f"/signatories/{signatory.slug}"
    assert "Joinery in Crook." in client.get(profile).get_data(as_text=True)  # now cached
    before = current_version()

    signatory.description = "Joinery and kitchens in Crook."
    db.session.commit()
    assert current_version() == before + 1
    assert "Joinery and kitchens in Crook." in client.get(profile).get_data(as_text=True)


def test_an_approval_moves_the_content_version_on(app, build):
    waiting = build.organisation(status="submitted")
    before = current_version()
    staff_client = app.test_client()
    log_in(staff_client, build.staff().email, PASSWORD)
    page = f"/staff/applications/{waiting.id}"
    assert submit_form(staff_client, f"{page}/approve", {}, page=page).status_code == 302
    db.session.expire_all()
    assert current_version() > before
