"""A signatory chooses to publish its reported social value: off by default; when on, its public
profile and /api/v1/signatories/<slug> show the last four complete quarters, gross and net."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from charter_app.directory.cache import _cache
from charter_app.extensions import db
from charter_app.organisations.models import Organisation, ProfileEdit
from charter_app.reporting import public
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reporting.totals import Figures
from tests.builders import PASSWORD
from tests.conftest import counting_statements, csrf_token_from, log_in
from tests.test_dashboard import freeze_today, two_years_of_reports

# The last four complete quarters on 22 November 2026: 2025-26 Q3 to 2026-27 Q2.
PUBLISHED = {
    "currency": "GBP",
    "total_gross": "10496.30",
    "total_net": "10195.20",
    "checked_gross": "9816.30",  # 2026-27 Q1 was checked; 2025-26 Q4 was queried
    "by_theme": {
        "jobs": {"gross": "9291.90", "net": "9291.90"},
        "growth": {"gross": "0.00", "net": "0.00"},
        "social": {"gross": "1204.40", "net": "903.30"},
        "environment": {"gross": "0.00", "net": "0.00"},
        "innovation": {"gross": "0.00", "net": "0.00"},
    },
    "period": {"from": "2025-10-01", "to": "2026-09-30"},
}


@pytest.fixture
def fixed_today(monkeypatch):
    return freeze_today(monkeypatch)


@pytest.fixture
def signatory(build, fixed_today):
    return two_years_of_reports(build, fixed_today)


@pytest.fixture
def cache_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE", True)
    _cache.clear()
    yield
    _cache.clear()


def _signed_in(app, email):
    client = app.test_client()
    log_in(client, email, PASSWORD)
    return client


def _choose(client, organisation_id: int, publish: bool):
    dashboard = client.get(f"/organisations/{organisation_id}/dashboard")
    data = {"csrf_token": csrf_token_from(dashboard.get_data(as_text=True))}
    if publish:
        data["publish"] = "y"
    return client.post(f"/organisations/{organisation_id}/dashboard/publishing", data=data)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_off_by_default_nothing_is_public(app, build, signatory, cache_on):
    organisation = db.session.get(Organisation, signatory.organisation_id)
    assert organisation.publishes_social_value is False
    visitor = app.test_client()
    assert "Social value reported" not in visitor.get(
        f"/signatories/{signatory.slug}").get_data(as_text=True)
    assert "social_value" not in visitor.get(f"/api/v1/signatories/{signatory.slug}").get_json()
    dashboard = _signed_in(app, signatory.owner_email).get(
        f"/organisations/{signatory.organisation_id}/dashboard").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="publish"', dashboard)
    assert not re.search(r'<input[^>]*name="publish"[^>]*checked', dashboard)


def test_turning_it_on_and_off_changes_the_cached_profile_and_api(app, build, signatory,
                                                                   cache_on):
    visitor = app.test_client()
    profile_url, api_url = f"/signatories/{signatory.slug}", f"/api/v1/signatories/{signatory.slug}"
    visitor.get(profile_url), visitor.get(api_url)  # cached while unpublished
    owner = _signed_in(app, signatory.owner_email)

    response = _choose(owner, signatory.organisation_id, publish=True)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/organisations/{signatory.organisation_id}/dashboard#publishing")
    assert db.session.get(Organisation, signatory.organisation_id).publishes_social_value
    assert visitor.get(api_url).get_json()["social_value"] == PUBLISHED
    text = _text(visitor.get(profile_url).get_data(as_text=True))
    assert "Social value reported" in text
    assert "reported these figures itself" in text and "self-reported" in text
    assert "2025-26 Q3 to 2026-27 Q2 (1 October 2025 to 30 September 2026)" in text
    assert "Business Durham staff have checked the reports behind £9,816.30 of the " \
           "£10,496.30 gross" in text
    assert "Social £1,204.40 £903.30" in text and "Growth £0.00 £0.00" in text
    assert "Total £10,496.30 £10,195.20" in text
    # By financial year: every year reported, with what staff checked.
    assert "2025-26 £8,490.00 £8,107.50 £3,850.00" in text
    assert "2026-27 £9,816.30 £9,685.20 £9,816.30" in text

    assert _choose(owner, signatory.organisation_id, publish=False).status_code == 302
    assert "social_value" not in visitor.get(api_url).get_json()
    assert "Social value reported" not in visitor.get(profile_url).get_data(as_text=True)

    edits = db.session.scalars(select(ProfileEdit).where(
        ProfileEdit.field == "publishes_social_value").order_by(ProfileEdit.id)).all()
    assert [(edit.old_value, edit.new_value, edit.actor.email) for edit in edits] == [
        ("not shown", "shown", signatory.owner_email),
        ("shown", "not shown", signatory.owner_email)]
    history = owner.get(f"/organisations/{signatory.organisation_id}/profile").get_data(
        as_text=True)
    assert "Social value on the public profile changed" in history


def test_saving_the_same_choice_records_nothing(app, signatory):
    owner = _signed_in(app, signatory.owner_email)
    response = _choose(owner, signatory.organisation_id, publish=False)
    assert response.status_code == 302
    assert "Nothing has changed" in owner.get(response.headers["Location"]).get_data(
        as_text=True)
    assert db.session.scalar(select(db.func.count(ProfileEdit.id))) == 0


def test_the_choice_needs_a_csrf_token_and_a_member(app, build, signatory):
    url = f"/organisations/{signatory.organisation_id}/dashboard/publishing"
    owner = _signed_in(app, signatory.owner_email)
    assert owner.post(url, data={"publish": "y"}).status_code == 400
    outsider = build.user()
    build.organisation(outsider, status="approved")
    other = _signed_in(app, outsider.email)
    token = csrf_token_from(other.get("/account").get_data(as_text=True))
    assert other.post(url, data={"publish": "y", "csrf_token": token}).status_code == 404
    assert not db.session.get(Organisation, signatory.organisation_id).publishes_social_value


def test_a_plain_member_may_publish(app, build, signatory):
    colleague = build.user()
    build.member(db.session.get(Organisation, signatory.organisation_id), colleague)
    client = _signed_in(app, colleague.email)
    assert _choose(client, signatory.organisation_id, publish=True).status_code == 302
    assert db.session.get(Organisation, signatory.organisation_id).publishes_social_value


def test_a_suspended_signatory_cannot_publish(app, build, signatory):
    organisation = db.session.get(Organisation, signatory.organisation_id)
    owner = _signed_in(app, signatory.owner_email)
    page = owner.get(f"/organisations/{organisation.id}/dashboard").get_data(as_text=True)
    organisation.status = "suspended"
    db.session.commit()
    response = owner.post(f"/organisations/{organisation.id}/dashboard/publishing",
                          data={"publish": "y", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert "Only a signatory" in owner.get(response.headers["Location"]).get_data(as_text=True)
    assert not db.session.get(Organisation, organisation.id).publishes_social_value


def test_every_theme_is_present_with_zeros_as_decimal_strings(build, fixed_today):
    organisation = build.organisation(build.user(), status="approved",
                                      publishes_social_value=True)
    figures = public.published_social_value(organisation, fixed_today)
    assert public.social_value_json(figures) == {
        "currency": "GBP", "total_gross": "0.00", "total_net": "0.00", "checked_gross": "0.00",
        "by_theme": {theme: {"gross": "0.00", "net": "0.00"}
                     for theme in ("jobs", "growth", "social", "environment", "innovation")},
        "period": {"from": "2025-10-01", "to": "2026-09-30"},
    }


def test_the_api_amounts_are_rounded_half_up_to_the_penny():
    themes = {theme: Figures() for theme in ("jobs", "growth", "social", "environment",
                                             "innovation")}
    themes["jobs"] = Figures(Decimal("0.005"), Decimal("0.004999"), Decimal("0.005"))
    themes["social"] = Figures(Decimal("1234.5"), Decimal("1000"))
    item = public.social_value_json(public.PublishedSocialValue(
        first=FinancialQuarter(2026, 4), last=FinancialQuarter(2027, 3), by_theme=themes,
        by_year=[]))
    assert item["by_theme"]["jobs"] == {"gross": "0.01", "net": "0.00"}
    assert item["by_theme"]["social"] == {"gross": "1234.50", "net": "1000.00"}
    assert (item["total_gross"], item["total_net"], item["checked_gross"]) == (
        "1234.51", "1000.00", "0.01")
    assert item["period"] == {"from": "2027-01-01", "to": "2027-12-31"}


def test_published_pages_take_a_bounded_number_of_statements(app, build, signatory):
    organisation = db.session.get(Organisation, signatory.organisation_id)
    organisation.publishes_social_value = True
    db.session.commit()
    visitor = app.test_client()
    for url in (f"/signatories/{signatory.slug}", f"/api/v1/signatories/{signatory.slug}"):
        visitor.get(url)
        with counting_statements(app) as statements:
            assert visitor.get(url).status_code == 200
        assert len(statements) <= 6, "\n---\n".join(statements)
