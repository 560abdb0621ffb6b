"""Case studies in the browser: a member writes one with a picture and sends it; staff publish
it; a visitor finds it and sees the picture with its alternative text. At 1280 px and 320 px,
every page checked by axe (with screenshots in test-artifacts/)."""


import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in

WIDE = {"width": 1280, "height": 800}
ALT = "Two apprentices in hard hats beside a digger"


def _picture(tmp_path) -> str:
    path = tmp_path / "site-visit.jpg"  # a PNG with a .jpg name: the content decides
    Image.new("RGB", (1400, 700), (16, 97, 101)).save(path, "PNG")
    return str(path)


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["desktop", "phone"])
def test_a_member_submits_staff_publish_and_a_visitor_reads_it(browsing, build, viewport,
                                                               tmp_path):
    owner = build.user()
    organisation = build.organisation(owner, status="approved", name="Weardale Civils Ltd",
                                      slug="weardale-civils")
    staff = build.staff()

    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, owner.email, "member")
    browsing.visit(page, f"/organisations/{organisation.id}/dashboard", "dashboard")
    page.get_by_role("link", name="Your case studies").click()
    page.wait_for_load_state()
    browsing.check(page, "your case studies")
    page.get_by_role("link", name="Write a case study").click()
    page.wait_for_load_state()
    browsing.check(page, "new case study")
    page.get_by_label("Title", exact=True).fill("Apprentices on the rail works")
    page.get_by_label("Summary", exact=True).fill("Two local apprentices joined our team.")
    page.get_by_label("The story").fill("We took on **two apprentices** from Crook.")
    page.get_by_label("Wear Valley", exact=True).check()
    page.get_by_label("Jobs", exact=True).check()
    page.get_by_label("Add an image (optional)").set_input_files(_picture(tmp_path))
    page.get_by_label("Alternative text for the image").fill(ALT)
    click_button(page, "Save as a draft")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("saved as a draft")
    browsing.check(page, "draft saved")
    click_button(page, "Send to Business Durham")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Sent to Business Durham")
    browsing.check(page, "sent for review")

    desk = browsing.open(viewport=viewport)
    sign_in(browsing, desk, staff.email, "staff")
    browsing.visit(desk, "/staff/hub/case-studies", "staff queue")
    desk.get_by_role("link", name="Apprentices on the rail works").click()
    desk.wait_for_load_state()
    browsing.check(desk, "review")
    desk.get_by_label("Publish it").check()
    click_button(desk, "Confirm the decision")
    expect(desk.locator(".govuk-notification-banner")).to_contain_text("is published")
    browsing.check(desk, "published")

    visitor = browsing.open(viewport=viewport)
    # Found by search, as a visitor would look for it: typed into the search page's box.
    browsing.visit(visitor, "/search", "search")
    visitor.get_by_label("Search signatories, case studies, guidance, news and partners") \
        .fill("apprentices rail")
    visitor.get_by_label("Search signatories, case studies, guidance, news and partners") \
        .press("Enter")
    visitor.wait_for_load_state()
    results = visitor.locator("#results-case-studies")
    expect(results).to_contain_text("Case studies (1)")
    browsing.check(visitor, "search results")
    browsing.visit(visitor, "/case-studies", "case studies")
    assert horizontal_overflow(visitor) == 0
    visitor.get_by_role("link", name="Apprentices on the rail works").click()
    visitor.wait_for_load_state()
    browsing.check(visitor, "case study")
    assert horizontal_overflow(visitor) == 0
    picture = visitor.get_by_role("img", name=ALT)
    expect(picture).to_be_visible()
    assert "480w" in picture.get_attribute("srcset")
    assert visitor.evaluate("document.querySelector('main img').naturalWidth") > 0
    expect(visitor.get_by_role("link", name="Weardale Civils Ltd")).to_be_visible()
