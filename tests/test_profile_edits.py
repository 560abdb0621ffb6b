"""After approval a signatory edits its own public profile: published at once, and recorded."""

import pytest
from sqlalchemy import select

from charter_app.directory.cache import _cache
from charter_app.extensions import db
from charter_app.organisations.models import Organisation, ProfileEdit
from charter_app.organisations.profile_forms import tidy_phone
from tests.builders import PASSWORD
from tests.conftest import log_in, submit_form

PROFILE_FORM = {"description": "We bake bread in Brandon.", "website": "https://example.org",
                "contact_email": "", "contact_phone": ""}


@pytest.fixture
def cache_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE", True)
    _cache.clear()
    yield
    _cache.clear()


def _signatory(build, client, *, role: str = "owner", **fields):
    """An approved signatory, and its owner (or a plain member) signed in on `client`."""
    owner = build.user()
    organisation = build.organisation(owner, status="approved", **fields)
    person = owner
    if role == "member":
        person = build.user()
        build.member(organisation, person)
    log_in(client, person.email, PASSWORD)
    return organisation, person


def _edit(client, organisation, **changes):
    url = f"/organisations/{organisation.id}/profile"
    return submit_form(client, url, {**PROFILE_FORM, **changes})


def test_a_members_edit_is_published_at_once_despite_the_cache(app, client, build, cache_on):
    organisation, member = _signatory(build, client, role="member", name="Brandon Bakery Ltd",
                                      description="We bake bread.")
    visitor = app.test_client()
    profile_url = f"/signatories/{organisation.slug}"
    assert "We bake bread." in visitor.get(profile_url).get_data(as_text=True)  # now cached

    response = _edit(client, organisation, description="Sourdough and stottie cakes, baked "
                     "daily in Brandon.", contact_email="orders@brandonbakery.example",
                     contact_phone="0191 498 0123")
    assert response.status_code == 302

    html = visitor.get(profile_url).get_data(as_text=True)
    assert "Sourdough and stottie cakes" in html
    assert 'href="mailto:orders@brandonbakery.example"' in html
    assert 'href="tel:+441914980123">0191 498 0123</a>' in html
    item = visitor.get(f"/api/v1/signatories/{organisation.slug}").get_json()
    assert item["contact"] == {"email": "orders@brandonbakery.example", "phone": "0191 498 0123"}
    assert "Sourdough" in visitor.get("/directory?q=stottie").get_data(as_text=True)

    edits = db.session.scalars(select(ProfileEdit).where(
        ProfileEdit.organisation_id == organisation.id).order_by(ProfileEdit.field)).all()
    assert [(edit.field, edit.old_value, edit.new_value, edit.actor_id) for edit in edits] == [
        ("contact_email", None, "orders@brandonbakery.example", member.id),
        ("contact_phone", None, "0191 498 0123", member.id),
        ("description", "We bake bread.", "Sourdough and stottie cakes, baked daily in Brandon.",
         member.id),
    ]


def test_no_contact_published_means_no_contact_row_and_no_contact_key(client, build):
    organisation, _owner = _signatory(build, client)
    assert "mailto:" not in client.get(f"/signatories/{organisation.slug}").get_data(as_text=True)
    assert "contact" not in client.get(f"/api/v1/signatories/{organisation.slug}").get_json()


def test_saving_the_same_values_records_nothing(client, build):
    organisation, _owner = _signatory(build, client, description=PROFILE_FORM["description"])
    response = _edit(client, organisation)
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing has changed" in html
    assert db.session.scalars(select(ProfileEdit)).all() == []


@pytest.mark.parametrize(("changes", "message"), [
    ({"contact_email": "orders at brandon"}, "Enter an email address in the correct format"),
    ({"contact_email": "a" * 250 + "@b.example"}, "Email address must be 254 characters"),
    ({"contact_phone": "12345"}, "Enter a UK phone number"),
    ({"contact_phone": "+1 212 555 0100"}, "Enter a UK phone number"),
    ({"contact_phone": "0191 498 0123 0191 498 0123"}, "Enter a UK phone number"),
    ({"website": "not a website"}, "Enter a website address in the correct format"),
    ({"website": "www." + "a" * 183 + ".example"}, "200 characters or fewer, including https"),
    ({"description": ""}, "Describe your organisation"),
    ({"description": "x" * 1001}, "Description must be 1000 characters or fewer"),
])
def test_bad_contact_details_are_form_errors_and_publish_nothing(client, build, changes,
                                                                  message):
    organisation, _owner = _signatory(build, client, description="As before.")
    response = _edit(client, organisation, **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and "<title>Error:" in html
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).description == "As before."


@pytest.mark.parametrize(("written", "tidied", "tel"), [
    ("0191 498 0123", "0191 498 0123", "+441914980123"),
    ("+44 (0)191 498 0123", "+44 191 498 0123", "+441914980123"),
    ("07700-900123", "07700-900123", "+447700900123"),
    ("(01632) 960 000", "(01632) 960 000", "+441632960000"),
])
def test_uk_phone_numbers_are_accepted_as_written_and_dialled_in_full(
        client, build, written, tidied, tel):
    organisation, _owner = _signatory(build, client)
    assert _edit(client, organisation, contact_phone=written).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Organisation, organisation.id)
    assert saved.contact_phone == tidied == tidy_phone(written)
    assert saved.contact_tel == tel


def test_a_hostile_description_and_contact_are_shown_as_text(client, build):
    organisation, _owner = _signatory(build, client)
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = _edit(client, organisation, description=hostile,
                     contact_email='"><script>@example.org')
    assert "Enter an email address in the correct format" in response.get_data(as_text=True)
    assert _edit(client, organisation, description=hostile,
                 contact_email="o'brien@example.org").status_code == 302
    html = client.get(f"/signatories/{organisation.slug}").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert 'href="mailto:o&#39;brien@example.org"' in html
    history = client.get(f"/organisations/{organisation.id}/profile").get_data(as_text=True)
    assert "<script>alert" not in history


def test_owners_read_the_record_of_changes_and_members_do_not(app, client, build):
    organisation, owner = _signatory(build, client, website="https://old.example")
    assert _edit(client, organisation, website="https://new.example").status_code == 302
    page = client.get(f"/organisations/{organisation.id}/profile").get_data(as_text=True)
    assert "Changes to your profile" in page
    assert f"Website changed by {owner.email} from “https://old.example” to “https://new.example”" \
        in page

    member = build.user()
    build.member(organisation, member)
    member_client = app.test_client()
    log_in(member_client, member.email, PASSWORD)
    page = member_client.get(f"/organisations/{organisation.id}/profile").get_data(as_text=True)
    assert "Changes to your profile" not in page
    assert "Only an owner of" in page


def test_only_an_approved_signatory_has_a_profile_to_edit(client, build):
    owner = build.user()
    draft = build.organisation(owner, status="submitted")
    log_in(client, owner.email, PASSWORD)
    for path in ("profile", "profile/legal"):
        response = client.get(f"/organisations/{draft.id}/{path}")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/organisations/{draft.id}/application"


def test_someone_outside_the_organisation_cannot_see_or_edit_its_profile(app, client, build):
    organisation, _owner = _signatory(build, client)
    stranger = app.test_client()
    log_in(stranger, build.user().email, PASSWORD)
    assert stranger.get(f"/organisations/{organisation.id}/profile").status_code == 404
    assert stranger.post(f"/organisations/{organisation.id}/profile",
                         data=PROFILE_FORM).status_code in {400, 404}


def test_staff_read_the_record_on_the_application_page(app, client, build):
    organisation, owner = _signatory(build, client, contact_phone=None)
    application = client.get(f"/organisations/{organisation.id}/application").get_data(
        as_text=True)
    assert f'href="/organisations/{organisation.id}/profile">edit it</a>' in application
    assert _edit(client, organisation, contact_phone="07700 900123").status_code == 302

    staff_client = app.test_client()
    log_in(staff_client, build.staff().email, PASSWORD)
    html = staff_client.get(f"/staff/applications/{organisation.id}").get_data(as_text=True)
    assert "Changes to the public profile" in html
    assert f"Public phone number by {owner.email}, from “none” to “07700 900123”" in html
