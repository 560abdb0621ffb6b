"""Badges in public: the API's `badges` (valid awards only, with absolute verification links),
the directory's badge level filter on the page, the CSV and the API, the profile's badge images,
and the page cache showing a new badge at once."""

import csv
import io
import re
from datetime import timedelta

import pytest

from charter_app.badges import awards
from charter_app.badges.models import BadgeAward, BadgeKind
from charter_app.directory.cache import _cache
from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus
from charter_app.timeutil import london_date, utcnow
from tests.conftest import counting_statements
from tests.test_badge_awards import _silver_evidence

BADGE_LINK = re.compile(
    r'<a class="govuk-link" href="/badges/([\w-]+)"><img src="/badges/([\w-]+)\.svg" '
    r'alt="([^"]+)" width="240" height="140"></a>')


@pytest.fixture
def cache_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE", True)
    _cache.clear()
    yield
    _cache.clear()


def _signatory(build, name: str, *, badges: bool = True, **fields):
    organisation = build.organisation(status=ApplicationStatus.APPROVED, name=name, **fields)
    if badges:
        awards.refresh(organisation.id, utcnow())
        db.session.commit()
    return organisation


def _award(organisation, kind: str) -> BadgeAward:
    [award] = [award for award in awards.current_awards(organisation.id) if award.kind == kind]
    return award


def _raise_to_gold(organisation) -> None:
    """Its level award made gold in place: earning gold takes a year of evidence, and the
    rules for that are tested in test_badge_rules.py and test_badge_awards.py."""
    _award(organisation, BadgeKind.LEVEL).level = "gold"
    db.session.commit()


def _verification_url(award: BadgeAward) -> str:
    return f"http://localhost/badges/{award.public_id}"


def test_the_api_lists_valid_badges_with_their_verification_pages(client, build):
    organisation = _signatory(build, "Badged Bakery Ltd", slug="badged-bakery")
    _signatory(build, "Unbadged Joinery Ltd", badges=False)
    signatory = _award(organisation, BadgeKind.SIGNATORY)
    bronze = _award(organisation, BadgeKind.LEVEL)
    expected = [
        {"name": "Charter Signatory", "level": None, "url": _verification_url(signatory)},
        {"name": "Bronze level", "level": "bronze", "url": _verification_url(bronze)},
    ]

    items = {item["name"]: item for item in client.get("/api/v1/signatories").json["items"]}
    assert items["Badged Bakery Ltd"]["badges"] == expected
    assert items["Unbadged Joinery Ltd"]["badges"] == []
    assert client.get("/api/v1/signatories/badged-bakery").json["badges"] == expected
    # Each link is the award's own page, which says it is valid.
    page = client.get(expected[1]["url"].removeprefix("http://localhost"))
    assert page.status_code == 200 and "Badged Bakery Ltd" in page.text


def test_revoked_and_expired_badges_are_not_listed(client, build):
    lapsed = _signatory(build, "Lapsed Builders Ltd", slug="lapsed-builders")
    lapsed.status = ApplicationStatus.LAPSED  # still listed, its badges revoked
    awards.refresh(lapsed.id, utcnow())
    expiring = _signatory(build, "Expiring Ltd", slug="expiring")
    # Still current (as an expired Reported badge stays) but past its end.
    _award(expiring, BadgeKind.SIGNATORY).valid_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert db.session.query(BadgeAward).filter(BadgeAward.revoked_at.is_not(None)).count() == 2

    items = {item["slug"]: item for item in client.get("/api/v1/signatories").json["items"]}
    assert items["lapsed-builders"]["status"] == "lapsed"
    assert items["lapsed-builders"]["badges"] == []
    assert [badge["name"] for badge in items["expiring"]["badges"]] == ["Bronze level"]
    assert client.get("/api/v1/signatories/lapsed-builders").json["badges"] == []
    assert [badge["name"] for badge in
            client.get("/api/v1/signatories/expiring").json["badges"]] == ["Bronze level"]
    assert "Badges</h2>" not in client.get("/signatories/lapsed-builders").text
    assert [alt for _, _, alt in BADGE_LINK.findall(client.get("/signatories/expiring").text)] \
        == ["Bronze level badge"]


def test_reported_badges_come_after_the_level_newest_first(client, build):
    organisation = _signatory(build, "Reporting Ltd", slug="reporting")
    now = utcnow()
    for label, days_ago in (("2024–25", 400), ("2025–26", 30)):
        db.session.add(BadgeAward(
            organisation_id=organisation.id, kind=BadgeKind.REPORTED, year_label=label,
            current_key=f"{organisation.id}:reported:{label}", valid_from=now - timedelta(
                days=days_ago), valid_until=now + timedelta(days=100)))
    db.session.commit()
    names = [badge["name"] for badge in client.get("/api/v1/signatories/reporting").json["badges"]]
    assert names == ["Charter Signatory", "Bronze level", "Reported 2025–26", "Reported 2024–25"]


@pytest.fixture
def levels(build):
    """One signatory at each level and one with no badges yet."""
    _signatory(build, "Bronze Bakers Ltd")
    silver = _signatory(build, "Silver Smiths Ltd")
    _silver_evidence(build, silver, london_date(utcnow()) - timedelta(days=120))
    awards.refresh(silver.id, utcnow())
    db.session.commit()
    assert _award(silver, BadgeKind.LEVEL).level == "silver"
    _raise_to_gold(_signatory(build, "Gold Growers Ltd"))
    _signatory(build, "New Signatory Ltd", badges=False)


def _csv(client, query: str) -> dict[str, str]:
    response = client.get(f"/directory.csv{query}")
    assert response.status_code == 200
    return {row["name"]: row["level"] for row in csv.DictReader(io.StringIO(response.text))}


def test_the_csv_has_each_signatorys_level(client, levels):
    assert _csv(client, "") == {"Bronze Bakers Ltd": "bronze", "Silver Smiths Ltd": "silver",
                                "Gold Growers Ltd": "gold", "New Signatory Ltd": ""}


@pytest.mark.parametrize(("level", "expected"), [
    ("gold", ["Gold Growers Ltd"]),  # exactly gold: silver and bronze are not "at least"
    ("silver", ["Silver Smiths Ltd"]),
    ("bronze", ["Bronze Bakers Ltd"]),
])
def test_the_level_filter_lists_exactly_that_level(client, levels, level, expected):
    page = client.get(f"/directory?level={level}").text
    listed = re.findall(r'href="/signatories/[^"]+">([^<]+)</a>', page)
    assert listed == expected
    assert f'<option value="{level}" selected>' in page
    assert [item["name"] for item in
            client.get(f"/api/v1/signatories?level={level}").json["items"]] == expected
    assert list(_csv(client, f"?level={level}")) == expected
    fragment = client.get(f"/directory?level={level}", headers={"HX-Request": "true"})
    assert fragment.headers["HX-Push-Url"] == f"/directory?level={level}"


def test_an_unknown_level_is_ignored(client, levels):
    assert client.get("/api/v1/signatories?level=platinum").json["total"] == 4
    assert len(_csv(client, "?level=GOLD")) == 4
    page = client.get("/directory?level=platinum").text
    assert "4 signatories" in page and "Clear search and filters" not in page


def test_the_level_filter_is_a_labelled_select_in_the_form(client, levels):
    page = client.get("/directory").text
    form = page[page.index('<form method="get"'):page.index("</form>")]
    assert '<label class="govuk-label govuk-label--s" for="level">Badge level</label>' in form
    assert "exactly this level" in form
    assert 'aria-describedby="level-hint"' in form
    assert re.findall(r'<select[^>]*name="level"', form)
    assert re.findall(r'<option value="(\w*)"', form[form.index('name="level"'):]) == [
        "", "bronze", "silver", "gold"]


def test_an_expired_level_does_not_match_the_filter(client, build):
    organisation = _signatory(build, "Faded Gold Ltd")
    _raise_to_gold(organisation)
    _award(organisation, BadgeKind.LEVEL).valid_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/signatories?level=gold").json["total"] == 0
    assert _csv(client, "") == {"Faded Gold Ltd": ""}


def test_the_profile_shows_each_badge_linked_to_its_verification_page(client, build):
    organisation = _signatory(build, "Profile Badges Ltd", slug="profile-badges")
    page = client.get("/signatories/profile-badges").text
    assert '<h2 class="govuk-heading-m" id="badges">Badges</h2>' in page
    shown = BADGE_LINK.findall(page)
    expected = [(award.public_id, award.public_id, f"{award.name} badge") for award in
                (_award(organisation, BadgeKind.SIGNATORY), _award(organisation, BadgeKind.LEVEL))]
    assert shown == expected
    assert '<a class="govuk-link" href="/badges">How badges are earned</a>' in page
    image = client.get(f"/badges/{shown[0][0]}.svg")
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"

    _signatory(build, "No Badges Yet Ltd", slug="no-badges-yet", badges=False)
    bare = client.get("/signatories/no-badges-yet").text
    assert "Badges</h2>" not in bare and "How badges are earned" not in bare


def test_a_cached_profile_shows_a_new_badge_at_once(client, build, cache_on):
    organisation = _signatory(build, "Cached Badges Ltd", slug="cached-badges", badges=False)
    for url in ("/signatories/cached-badges", "/api/v1/signatories", "/directory?level=bronze"):
        client.get(url)  # now cached
    assert "Badges</h2>" not in client.get("/signatories/cached-badges").text

    awards.refresh(organisation.id, utcnow())
    db.session.commit()

    assert [alt for _, _, alt in BADGE_LINK.findall(client.get("/signatories/cached-badges").text)
            ] == ["Charter Signatory badge", "Bronze level badge"]
    [item] = client.get("/api/v1/signatories").json["items"]
    assert len(item["badges"]) == 2
    assert "Cached Badges Ltd" in client.get("/directory?level=bronze").text


def _api_statements(app, client) -> list[str]:
    client.get("/api/v1/signatories")  # warm up
    client.delete_cookie("session")
    with counting_statements(app) as statements:
        response = client.get("/api/v1/signatories?per_page=100")
    assert response.status_code == 200
    return statements


def test_the_api_lists_badges_without_a_query_per_signatory(app, client, build):
    for number in range(2):
        _signatory(build, f"Few {number:02d} Ltd")
    few = _api_statements(app, client)
    for number in range(18):
        _signatory(build, f"Many {number:02d} Ltd")
    many = _api_statements(app, client)
    body = client.get("/api/v1/signatories?per_page=100").json
    assert body["total"] == 20 and all(len(item["badges"]) == 2 for item in body["items"])
    assert len(few) == len(many), "\n---\n".join(many)
    assert any("badge_awards" in statement for statement in many)
