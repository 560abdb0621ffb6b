"""Awards by the rules, against the database: granted, ended on the right day, revoked and
earned anew; the nightly re-check; and what the public sees of an award (its page, images
baked with the Open Badges 2.0 assertion, the hosted assertion answering 410 once revoked)."""

import html
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

from sqlalchemy import select

from charter_app.badges import awards, baking, tasks
from charter_app.badges.models import BadgeAward
from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus
from charter_app.timeutil import LONDON
from tests.builders import PASSWORD
from tests.conftest import log_in

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(UTC)


def _signatory(build, **fields):
    owner = build.user()
    return build.organisation(owner, status=ApplicationStatus.APPROVED,
                              contact_email="hello@wear-valley.example", **fields), owner


def _held(organisation) -> dict[str, BadgeAward]:
    return {award.kind if award.kind != "level" else award.level: award
            for award in awards.current_awards(organisation.id)}


def _attended(build, organisation, day: date):
    event = build.event()
    registration = build.registration(event, organisation)
    event.starts_at = _at(day)
    registration.checked_in_at = _at(day)
    db.session.commit()


def _silver_evidence(build, organisation, first_report: date):
    """Two reports, first sent on `first_report` and 90 days later, and an event between."""
    first = build.report(organisation)
    second = build.report(organisation, first.financial_quarter.next())
    first.first_submitted_at = _at(first_report)
    second.first_submitted_at = _at(first_report + timedelta(days=90))
    db.session.commit()
    _attended(build, organisation, first_report + timedelta(days=30))


def test_an_approved_signatory_gets_its_badges_once(build):
    organisation, _ = _signatory(build)
    changes = awards.refresh(organisation.id, NOW)
    assert sorted((c.what, c.award.name) for c in changes) == [
        ("gained", "Bronze level"), ("gained", "Charter Signatory")]
    assert awards.refresh(organisation.id, NOW) == []  # idempotent
    assert len(db.session.scalars(select(BadgeAward)).all()) == 2
    # Award ids cannot be guessed: 22 characters of 128 random bits, all different.
    ids = [award.public_id for award in awards.current_awards(organisation.id)]
    assert all(len(public_id) >= 22 for public_id in ids) and len(set(ids)) == 2


def test_a_level_ends_on_the_day_its_evidence_aged_out_however_late_the_check(build):
    organisation, _ = _signatory(build, approved_at=_at(date(2025, 9, 1)))
    _silver_evidence(build, organisation, date(2025, 12, 1))
    awards.refresh(organisation.id, _at(date(2026, 4, 1)))
    silver = _held(organisation)["silver"]
    # The report of 1 December 2025 counts until 30 November 2026; the job runs a week late.
    changes = awards.refresh(organisation.id, _at(date(2026, 12, 7)))
    db.session.commit()
    assert [(c.what, c.award.name) for c in changes] == [("ended", "Silver level"),
                                                          ("gained", "Bronze level")]
    assert silver.valid_until == datetime.combine(date(2026, 12, 1), time(), tzinfo=LONDON)
    assert "no longer all within the last 12 months on 1 December 2026" in silver.ended_reason
    assert _held(organisation)["bronze"].valid_from == silver.valid_until


def test_revoked_on_lapse_and_earned_anew_with_new_ids(build, client):
    organisation, _ = _signatory(build)
    awards.refresh(organisation.id, NOW)
    before = {award.public_id for award in awards.current_awards(organisation.id)}
    organisation.status = ApplicationStatus.LAPSED
    changes = awards.refresh(organisation.id, NOW + timedelta(hours=1))
    db.session.commit()
    assert {c.what for c in changes} == {"revoked"} and len(changes) == 2
    revoked = changes[0].award
    assert "lapsed" in revoked.revocation_reason
    page = client.get(f"/badges/{revoked.public_id}")
    assert page.status_code == 200 and "Revoked" in page.text
    assertion = client.get(f"/badges/{revoked.public_id}.json")
    assert assertion.status_code == 410
    assert assertion.json["revoked"] is True and "lapsed" in assertion.json["revocationReason"]
    organisation.status = ApplicationStatus.APPROVED
    awards.refresh(organisation.id, NOW + timedelta(days=2))
    db.session.commit()
    after = {award.public_id for award in awards.current_awards(organisation.id)}
    assert len(after) == 2 and not after & before
    assert client.get(f"/badges/{revoked.public_id}.json").status_code == 410  # final


def test_the_nightly_recheck_twice_in_a_day_changes_nothing_the_second_time(build):
    organisation, _ = _signatory(build)
    assert tasks.recheck_badges(NOW) == 1
    db.session.commit()
    count = len(db.session.scalars(select(BadgeAward)).all())
    assert tasks.recheck_badges(NOW + timedelta(hours=3)) == 0
    db.session.commit()
    assert len(db.session.scalars(select(BadgeAward)).all()) == count


# Open Badges 2.0 (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html),
# the properties each class marks required.
ASSERTION_REQUIRED = {"id", "type", "recipient", "badge", "verification", "issuedOn"}
BADGE_CLASS_REQUIRED = {"id", "type", "name", "description", "image", "criteria", "issuer"}
ISSUER_REQUIRED = {"id", "type", "name", "url", "email"}
IDENTITY_REQUIRED = {"identity", "type", "hashed"}


def test_the_hosted_assertion_badge_class_and_issuer_carry_what_the_spec_requires(build, client):
    organisation, owner = _signatory(build)
    awards.refresh(organisation.id, NOW)
    db.session.commit()
    award = _held(organisation)["signatory"]
    response = client.get(f"/badges/{award.public_id}.json")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    assertion = response.json
    assert assertion.keys() >= ASSERTION_REQUIRED
    assert assertion["@context"] == "https://w3id.org/openbadges/v2"
    assert assertion["id"].endswith(f"/badges/{award.public_id}.json")
    assert assertion["recipient"].keys() >= IDENTITY_REQUIRED
    assert assertion["recipient"]["identity"].startswith("sha256$")
    assert assertion["verification"] == {"type": "hosted"}
    badge_class = client.get(urlsplit(assertion["badge"]).path).json
    assert badge_class.keys() >= BADGE_CLASS_REQUIRED
    issuer = client.get(urlsplit(badge_class["issuer"]).path).json
    assert issuer.keys() >= ISSUER_REQUIRED
    assert "@" in issuer["email"] and "<" not in issuer["email"]  # an address, no display name
    everything = json.dumps([assertion, badge_class, issuer])
    assert "hello@wear-valley.example" not in everything and owner.email not in everything


def test_images_are_baked_with_the_assertion_and_the_page_says_valid(build, client):
    organisation, _ = _signatory(build, name="Wear & Tees <Tools> Ltd")
    awards.refresh(organisation.id, NOW)
    db.session.commit()
    award = _held(organisation)["bronze"]
    svg = client.get(f"/badges/{award.public_id}.svg")
    assert svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.data)  # noqa: S314 - our own output, under test
    assert root.find("{http://www.w3.org/2000/svg}title") is not None
    assert "Wear &amp; Tees &lt;Tools&gt; Ltd" in svg.text
    baked = json.loads(baking.unbake_svg(svg.data))
    assert baked["id"].endswith(f"/badges/{award.public_id}.json")
    png = client.get(f"/badges/{award.public_id}.png")
    assert png.mimetype == "image/png"
    assert json.loads(baking.unbake_png(png.data, "openbadges"))["id"] == baked["id"]
    page = client.get(f"/badges/{award.public_id}")
    assert "Valid" in page.text and "Wear &amp; Tees &lt;Tools&gt; Ltd" in page.text
    assert client.get("/badges/not-an-award").status_code == 404
    assert client.get("/badges/" + "x" * 300).status_code == 404


def test_the_rules_page_lists_every_level_in_words(client):
    page = client.get("/badges").text
    for words in ("Bronze", "Silver", "Gold", "all four quarterly reports submitted",
                  "falls out", "Revocation is final"):
        assert words in page or words.replace("falls out", "counts until") in page


def test_staff_read_the_history_and_members_see_what_the_next_level_needs(build, client, app):
    organisation, owner = _signatory(build)
    awards.refresh(organisation.id, NOW)
    organisation.status = ApplicationStatus.SUSPENDED
    awards.refresh(organisation.id, NOW + timedelta(hours=1))
    organisation.status = ApplicationStatus.APPROVED
    awards.refresh(organisation.id, NOW + timedelta(days=1))
    db.session.commit()
    path = f"/staff/organisations/{organisation.id}/badges"
    log_in(client, owner.email, PASSWORD)
    assert client.get(path).status_code in (403, 404)
    mine = client.get(f"/organisations/{organisation.id}/badges").text
    assert "For the Silver level you still need" in mine
    assert "2 quarterly reports submitted in the last 12 months" in mine
    dashboard = client.get(f"/organisations/{organisation.id}/dashboard").text
    assert "For the Silver level you still need" in dashboard
    staff = app.test_client()
    log_in(staff, build.staff().email, PASSWORD)
    history = staff.get(path).text
    # Four awards: two revoked with the reason, two earned anew since.
    assert history.count("The signatory was suspended by the partnership.") == 2
    assert history.count("Valid") == 2


def test_an_award_id_with_a_nul_byte_or_of_any_length_is_a_404_not_a_database_error(client):
    # PostgreSQL refuses NUL in text: checked before any query (found by tests/test_fuzz.py).
    for award_id in ("%00", "abc%00def", "x" * 33, "short", "a" * 22 + "%0A"):
        for suffix in ("", ".svg", ".png", ".json"):
            assert client.get(f"/badges/{award_id}{suffix}").status_code == 404


def test_the_website_snippet_escapes_the_organisation_name(build, client):
    """A name with quotes and angle brackets cannot break out of the snippet's alt text."""
    organisation, owner = _signatory(build, name='Bolt & "Nut" <Works> Ltd')
    awards.refresh(organisation.id, NOW)
    db.session.commit()
    log_in(client, owner.email, PASSWORD)
    page = client.get(f"/organisations/{organisation.id}/badges").text
    # The snippet, read back from its textarea, parses to one image whose alt is the name.
    snippets = [html.unescape(text) for text in re.findall(
        r"<textarea[^>]*>\s*(&lt;a href=.*?)</textarea>", page, flags=re.S)]
    assert snippets
    for snippet in snippets:
        images = ImageAlts()
        images.feed(snippet)
        assert len(images.alts) == 1
        assert 'Bolt & "Nut" <Works> Ltd. Check it is still valid.' in images.alts[0]
    assert "<Works>" not in page


class ImageAlts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.alts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.alts.append(dict(attrs)["alt"])
