"""Partners' public pages in the Knowledge Hub, and staff editing them."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event

from charter_app.events.models import Event
from charter_app.extensions import db
from charter_app.hub import partners
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in


def _page(partner, **changes):
    values = dict(slug="durham-county-council", what_it_buys="Highways **repairs**",
                  tenders_url="https://www.nepo.org", tenders_text="Register on the NEPO portal.",
                  social_value_contact_name="Social value team",
                  social_value_contact_email="social.value@partner.example", published=True)
    values.update(changes)
    partners.save_page(partner, partners.PartnerPage(**values), based_on=partner.version)
    db.session.commit()
    return partner


@pytest.fixture
def staff_client(app, build):
    client = app.test_client()
    log_in(client, build.staff("pat.editor@businessdurham.example").email, PASSWORD)
    return client


def _edit(client, partner_id, **changes):
    url = f"/staff/hub/partners/{partner_id}"
    page = client.get(url).text
    fields = {
        "csrf_token": csrf_token_from(page),
        "based_on": re.search(r'name="based_on" type="hidden" value="(\d+)"', page)[1],
        "slug": "believe-housing", "body": "Repairs and **grounds** maintenance",
        "tenders_url": "https://www.example.org/tenders", "tenders_text": "See the portal.",
        "social_value_contact_name": "Team", "social_value_contact_email": "sv@partner.example",
        "published": "y", "action": "save",
    }
    return client.post(url, data={**fields, **changes})


def test_a_published_partner_is_listed_with_its_page(app_ctx, client, build):
    council = _page(build.partner("Durham County Council"))
    build.partner("Hidden Partner")  # no page: not listed
    index = client.get("/partners").text
    assert 'href="/partners/durham-county-council"' in index
    assert "Hidden Partner" not in index
    page = client.get("/partners/durham-county-council").text
    assert "<strong>repairs</strong>" in page
    assert 'href="https://www.nepo.org"' in page and "Register on the NEPO portal." in page
    assert 'href="mailto:social.value@partner.example"' in page
    assert council.name in page
    assert 'href="/partners"' in client.get("/hub").text


def test_an_unpublished_partner_has_no_page(app_ctx, client, build):
    _page(build.partner("Draft Partner"), slug="draft-partner", published=False)
    assert client.get("/partners/draft-partner").status_code == 404
    assert "Draft Partner" not in client.get("/partners").text


def test_an_invalid_slug_is_404_before_any_query(app_ctx, client):
    statements = []

    def count(*_args):
        statements.append(1)

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert partners.published_partner("../etc") is None
        assert partners.published_partner("x" * 81) is None
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    assert statements == []
    assert client.get("/partners/Not%20A%20Slug").status_code == 404


def test_events_where_the_partner_is_a_buyer_upcoming_first_then_past(app_ctx, client, build):
    partner = _page(build.partner("Northumbrian Water"), slug="northumbrian-water")
    later = build.event(title="Later buyers day", starts_in=timedelta(days=40))
    sooner = build.event(title="Sooner buyers day", starts_in=timedelta(days=10))
    past = build.event(title="Last year's buyers day", starts_in=timedelta(days=20))
    elsewhere = build.event(title="Someone else's day")
    for event in (later, sooner, past):
        build.buyer(event, partner)
    build.buyer(elsewhere)
    # Move one into the past, as time would.
    moved = db.session.get(Event, past.id)
    moved.starts_at -= timedelta(days=400)
    moved.ends_at -= timedelta(days=400)
    db.session.commit()
    page = client.get("/partners/northumbrian-water").text
    assert "Someone else" not in page
    assert (page.index("Sooner buyers day") < page.index("Later buyers day")
            < page.index("Past events") < page.index("Last year&#39;s buyers day"))
    assert f'href="/events/{sooner.id}"' in page


@pytest.mark.parametrize("attack", [
    "<script>alert(1)</script>", "[x](javascript:alert(1))", '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)" onclick="alert(1)">x</a>',
])
def test_what_it_buys_is_sanitised(app_ctx, client, build, attack):
    _page(build.partner("Risky Partner"), slug="risky", what_it_buys=attack)
    page = client.get("/partners/risky").text
    body = page.split("What it buys", 1)[1].split("How to find", 1)[0]
    assert "<script" not in body and "onerror" not in body and "onclick" not in body
    assert "href=\"javascript:" not in body


def test_staff_edit_a_partner_page(app_ctx, client, staff_client, build):
    partner = build.partner("Believe Housing")
    assert "Believe Housing" in staff_client.get("/staff/hub/partners").text
    response = _edit(staff_client, partner.id)
    assert response.status_code == 302
    page = client.get("/partners/believe-housing").text
    assert "<strong>grounds</strong>" in page and 'href="https://www.example.org/tenders"' in page


def test_only_staff_edit_partners(app, client, build):
    partner = build.partner("Believe Housing")
    assert client.get(f"/staff/hub/partners/{partner.id}").status_code in (302, 401, 403)
    member = app.test_client()
    owner = build.user()
    build.organisation(owner, status="approved")
    log_in(member, owner.email, PASSWORD)
    assert member.get("/staff/hub/partners").status_code == 403
    assert member.post(f"/staff/hub/partners/{partner.id}", data={}).status_code in (400, 403)


def test_a_post_without_csrf_is_refused(staff_client, build):
    partner = build.partner("Believe Housing")
    assert _edit(staff_client, partner.id, csrf_token="").status_code == 400


def test_two_staff_editing_at_once_the_second_gets_a_clear_message(app, staff_client, build):
    partner = build.partner("Believe Housing")
    other = app.test_client()
    log_in(other, build.staff("alex.editor@businessdurham.example").email, PASSWORD)
    url = f"/staff/hub/partners/{partner.id}"
    stale = other.get(url).text
    assert _edit(staff_client, partner.id, tenders_text="First").status_code == 302
    response = other.post(url, data={
        "csrf_token": csrf_token_from(stale), "based_on": "1", "slug": "believe-housing",
        "body": "Second", "tenders_text": "Second", "action": "save"})
    assert response.status_code == 409
    assert "Someone saved a newer version of this partner" in response.text
    assert "Second" in response.text  # nothing typed is lost
    # Saving again from the refreshed form replaces it, knowingly.
    based_on = re.search(r'name="based_on" type="hidden" value="(\d+)"', response.text)[1]
    again = other.post(url, data={"csrf_token": csrf_token_from(stale), "based_on": based_on,
                                  "slug": "believe-housing", "body": "Second",
                                  "tenders_text": "Second", "action": "save"})
    assert again.status_code == 302


def test_two_partners_cannot_share_an_address(staff_client, build):
    first = build.partner("Believe Housing")
    second = build.partner("Karbon Homes")
    assert _edit(staff_client, first.id).status_code == 302
    response = _edit(staff_client, second.id)
    assert response.status_code == 409
    assert "Another partner&#39;s page is at /partners/believe-housing" in response.text


@pytest.mark.parametrize(("field", "value", "message"), [
    ("slug", "x" * 81, "Web address must be 80 characters or fewer"),
    ("body", "x" * 2001, "What it buys must be 2,000 characters or fewer"),
    ("tenders_url", "https://example.org/" + "x" * 300, "300 characters or fewer"),
    ("tenders_url", "http://example.org", "starting https://"),
    ("tenders_text", "x" * 501, "500 characters or fewer"),
    ("social_value_contact_name", "x" * 121, "120 characters or fewer"),
    ("social_value_contact_email", "x" * 250 + "@a.example", "254 characters or fewer"),
    ("slug", "Not A Slug", "lower-case letters"),
])
def test_lengths_and_formats_are_checked_in_the_form(staff_client, build, field, value, message):
    partner = build.partner("Believe Housing")
    response = _edit(staff_client, partner.id, **{field: value})
    assert response.status_code == 200
    assert message in response.text


def test_staff_add_a_partner_with_its_page(client, staff_client, build):
    build.partner("Believe Housing")
    url = "/staff/hub/partners/new"
    token = csrf_token_from(staff_client.get(url).text)
    fields = {"csrf_token": token, "name": "Karbon Homes", "slug": "karbon-homes",
              "body": "Repairs", "published": "y", "action": "save"}
    assert staff_client.post(url, data=fields).status_code == 302
    assert "Repairs" in client.get("/partners/karbon-homes").text
    # A name taken, or an address taken: told, and nothing half-made.
    taken = staff_client.post(url, data={**fields, "name": "Believe Housing",
                                         "slug": "believe-housing"})
    assert taken.status_code == 409 and "There is already a partner called" in taken.text
    clash = staff_client.post(url, data={**fields, "name": "Livin"})
    assert clash.status_code == 409 and "Another partner&#39;s page" in clash.text
    assert "Livin" not in staff_client.get("/staff/hub/partners").text
