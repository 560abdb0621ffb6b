"""Send us your ideas, in Chromium: a visitor sends an idea (too quickly first, so the 3-second
rule is met for real, then after waiting), and staff read it, reply and mark it handled. Every
page checked by axe and screenshotted, at 1280 px and at 320 px."""

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import click_button, sign_in

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 320, "height": 640}}


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_send_an_idea_then_staff_reply_and_mark_it_handled(browsing, build, smtp, width):
    viewport = WIDTHS[width]
    page = browsing.open(viewport=viewport)
    browsing.visit(page, "/", "home page")
    page.get_by_role("link", name="Send us your ideas").click()
    browsing.check(page, "contact form")
    page.get_by_label("Your name").fill("Sam Robson")
    page.get_by_label("Email address").fill("sam@wearvalley.example")
    page.get_by_label("Organisation (optional)").fill("Wear Valley Widgets")
    page.get_by_label("An idea").check()
    page.get_by_label("Your message").fill("Run a meet-the-buyer day in Stanhope.")
    # Sent within three seconds of the form being served: refused, with the message kept.
    click_button(page, "Send your message")
    expect(page.locator(".govuk-error-summary")).to_contain_text("quicker than a person")
    expect(page.get_by_label("Your message")).to_have_value(
        "Run a meet-the-buyer day in Stanhope.")
    browsing.check(page, "sent too quickly", status=400)
    time.sleep(3.2)  # a person's pause: the same form, now more than three seconds old
    click_button(page, "Send your message")
    expect(page.locator("h1")).to_have_text("We have your message")
    browsing.check(page, "message sent")
    assert horizontal_overflow(page) == 0
    assert len(smtp.wait_for(2)) == 2

    staff = browsing.open(viewport=viewport)
    sign_in(browsing, staff, build.staff("jo.bell@businessdurham.example").email, "staff")
    browsing.visit(staff, "/staff/", "staff home")
    expect(staff.locator("#new-messages")).to_contain_text("1 new message is waiting")
    staff.get_by_role("link", name="Messages from the public").click()
    browsing.check(staff, "messages list")
    staff.get_by_role("link", name="Sam Robson").click()
    browsing.check(staff, "message page")
    expect(staff.locator("#message-body")).to_have_text("Run a meet-the-buyer day in Stanhope.")
    staff.get_by_label("Your reply").fill("Thank you, Sam.\nWe will ask the partners.")
    click_button(staff, "Send reply")
    expect(staff.locator(".govuk-notification-banner")).to_contain_text(
        "Your reply is on its way to sam@wearvalley.example")
    browsing.check(staff, "reply sent")
    click_button(staff, "Mark handled")
    expect(staff.locator("#message-status")).to_contain_text(
        "Handled by jo.bell@businessdurham.example")
    browsing.check(staff, "marked handled")
    assert horizontal_overflow(staff) == 0
    reply = smtp.wait_for(3)[-1]
    assert reply["Reply-To"] == "charter@businessdurham.example"
