"""After an event, on a phone: an attendee follows the thank-you email's link, forgets the
rating, then rates the event; staff read the results; staff announce an event and a reader
stops the announcements from the email's link. Every page checked by axe and screenshotted."""

from datetime import timedelta

from playwright.sync_api import expect

from charter_app.events import feedback
from charter_app.extensions import db
from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in


def test_an_attendee_gives_feedback_and_staff_read_it_on_a_phone(browsing, build, app):
    event = build.event(title="Meet the buyer: Northumbrian Water and the NHS trust")
    registration = build.registration(event)
    registration.checked_in_at = event.starts_at + timedelta(minutes=3)
    db.session.commit()
    with app.test_request_context():
        link = f"/events/feedback/{feedback.feedback_token(registration)}"

    page = browsing.open(viewport=PHONE)
    browsing.visit(page, link, "feedback form")
    page.get_by_label("Anything you would like to tell us? (optional)").fill(
        "Well run. Longer slots with the water company next time, please.")
    click_button(page, "Send your feedback")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a rating from 1 to 5")
    expect(page.get_by_label("Anything you would like to tell us? (optional)")).to_have_value(
        "Well run. Longer slots with the water company next time, please.")
    browsing.check(page, "feedback refused")
    page.get_by_label("4 – Good").check()
    click_button(page, "Send your feedback")
    expect(page.locator("h1")).to_have_text("Thank you for your feedback")
    browsing.check(page, "feedback thanks")
    browsing.visit(page, link, "feedback already given")
    expect(page.locator("h1")).to_have_text("We already have your feedback, thank you")
    assert horizontal_overflow(page) == 0

    staff = browsing.open(viewport=PHONE)
    sign_in(browsing, staff, build.staff().email, "staff")
    browsing.visit(staff, f"/staff/events/{event.id}", "staff event page")
    staff.get_by_role("link", name="See the feedback").click()
    browsing.check(staff, "feedback results")
    expect(staff.locator("#feedback-summary")).to_contain_text("4.0 out of 5")
    expect(staff.locator("#comments")).to_contain_text("Longer slots with the water company")
    assert horizontal_overflow(staff) == 0


def test_staff_announce_an_event_and_a_reader_stops_the_emails(browsing, build, smtp):
    reader = build.user()
    reader.wants_event_announcements = True
    db.session.commit()
    event = build.event(title="Workshop: writing a social value statement", kind="workshop")

    staff = browsing.open()
    sign_in(browsing, staff, build.staff().email, "staff")
    browsing.visit(staff, f"/staff/events/{event.id}", "staff event page")
    staff.get_by_role("link", name="Announce by email").click()
    browsing.check(staff, "announce confirmation")
    expect(staff.locator("#recipients")).to_contain_text("1 person")
    click_button(staff, "Announce by email")
    expect(staff.locator(".govuk-notification-banner")).to_contain_text("1 person gets an email")
    browsing.check(staff, "announced")

    [mail] = smtp.wait_for(1)
    unsubscribe = next(link for link in smtp.links(mail) if "/email/unsubscribe/" in link)
    page = browsing.open(viewport=PHONE)
    browsing.visit(page, unsubscribe, "unsubscribe page")
    click_button(page, "Stop these emails")
    expect(page.locator("h1")).to_have_text("You will not get emails about new events")
    browsing.check(page, "unsubscribed")
    assert horizontal_overflow(page) == 0
