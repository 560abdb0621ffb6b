"""Badges in the browser: a signatory reads its badges and copies the snippet; a buyer checks
a badge by its page and by uploading the image; the baked SVG and PNG still render in Chromium
and give back their assertion. At 1280 px and 320 px, every page checked by axe."""

import base64
import json

import pytest
from playwright.sync_api import expect

from charter_app.badges import awards, baking
from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus
from charter_app.timeutil import utcnow
from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in

WIDE = {"width": 1280, "height": 800}


def _signatory_with_badges(build, name: str):
    owner = build.user()
    organisation = build.organisation(owner, status=ApplicationStatus.APPROVED, name=name)
    awards.refresh(organisation.id, utcnow())
    db.session.commit()
    return organisation, owner


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["desktop", "phone"])
def test_a_signatory_embeds_its_badge_and_a_buyer_checks_it(browsing, build, viewport):
    organisation, owner = _signatory_with_badges(build, "Consett Kitchens & Bathrooms Ltd")
    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, owner.email, "owner")
    browsing.visit(page, f"/organisations/{organisation.id}/dashboard", "dashboard")
    page.get_by_role("link", name="Your badges, with the images and the snippet for your "
                                   "website").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your badges")
    browsing.check(page, "your badges")
    assert horizontal_overflow(page) == 0
    expect(page.locator("#next-level")).to_contain_text("2 quarterly reports submitted")
    snippet = page.get_by_label("Put it on your website (HTML)").first.input_value()
    assert "alt=\"Charter Signatory, County Durham Pound Charter: Consett Kitchens &amp; " \
           "Bathrooms Ltd. Check it is still valid.\"" in snippet

    # A buyer follows the badge on the signatory's website to its page.
    buyer = browsing.open(viewport=viewport)
    verify_url = snippet.split('href="', 1)[1].split('"', 1)[0]
    path = "/" + verify_url.split("://", 1)[1].split("/", 1)[1]
    browsing.visit(buyer, path, "the badge's page")
    expect(buyer.locator("#verdict")).to_contain_text("Valid")
    assert horizontal_overflow(buyer) == 0

    # A buyer who has only the image uploads it.
    png = buyer.request.get(f"{path}.png").body()
    browsing.visit(buyer, "/badges/verify", "verify by upload")
    buyer.get_by_label("Upload a badge image").set_input_files(
        files=[{"name": "badge.png", "mimeType": "image/png", "buffer": png}])
    click_button(buyer, "Check the badge")
    browsing.check(buyer, "the uploaded badge's verdict")
    expect(buyer.locator("#verdict")).to_contain_text("Valid")
    expect(buyer.locator("main")).to_contain_text("We found this badge in the image you uploaded")


def test_baked_images_still_render_in_chromium_and_give_back_their_assertion(browsing, build,
                                                                              artifacts_dir):
    organisation, _ = _signatory_with_badges(build, "Seaham Harbour Boatworks")
    lapsed, _ = _signatory_with_badges(build, "Stanley Print & Copy")
    lapsed.status = ApplicationStatus.LAPSED
    awards.refresh(lapsed.id, utcnow())
    db.session.commit()
    page = browsing.open()
    images = []
    for award in (awards.current_awards(organisation.id)
                  + awards.history_of(lapsed.id)[:1]):
        svg = page.request.get(f"/badges/{award.public_id}.svg").body()
        png = page.request.get(f"/badges/{award.public_id}.png").body()
        for unbaked in (baking.unbake_svg(svg), baking.unbake_png(png, "openbadges")):
            assert json.loads(unbaked)["id"].endswith(f"/badges/{award.public_id}.json")
        images += [("image/svg+xml", svg), ("image/png", png)]
    tags = "".join(f'<img alt="" width="240" src="data:{kind};base64,'
                   f'{base64.b64encode(data).decode()}">' for kind, data in images)
    page.set_content(f"<!doctype html><title>Baked badges</title><body>{tags}</body>")
    widths = page.eval_on_selector_all("img", "images => images.map(i => i.naturalWidth)")
    assert len(widths) == len(images) and all(width > 0 for width in widths), widths
    page.screenshot(path=str(artifacts_dir / "baked-badges-in-chromium.png"), full_page=True)
