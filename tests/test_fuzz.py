"""Random input to every form and every public page's query string: never a 500.

Property-based (Hypothesis). Every endpoint that accepts POST is found by walking the URL map and
posted to by the kind of user it is for (an applicant with a draft, an owner, staff), with a
valid CSRF token, so the random data reaches the form and the code behind it. The data: text
with control characters and NUL, huge numbers, numbers in other scripts, missing, repeated and
extra fields, and JSON bodies of any shape. Derandomized, so a run is reproducible; the number
of examples keeps the whole module to well under a minute per database.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing.converters import NumberConverter

from charter_app.accounts.models import Invitation, MemberRole, User
from charter_app.extensions import db, limiter
from charter_app.organisations.declaration_models import CarbonReductionPlan, QualityMark
from charter_app.organisations.models import LegalChangeRequest
from charter_app.pledges.services import add_years
from charter_app.tokens import make_token
from tests.builders import PASSWORD, Builders
from tests.conftest import csrf_token_from, log_in

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values people (or tools) send that the code may not expect.
AWKWARD = [
    "", " ", "\x00", "a\x00b", "\r\n", "\t", "0", "-1", "1e999", "NaN", "Infinity", "-0",
    "99999999999999999999999999", str(2**31), str(2**63), "١٢٣٤٥٦٧", "𝟙𝟚𝟛", "İ" * 40,
    "<script>alert(1)</script>", "'; DROP TABLE users; --", "=HYPERLINK(\"x\")", "y", "on",
    "https://" + "a" * 300 + ".example", "x" * 5000, "&" * 160, "\ud7ff\ue000\uffff",
]
text_values = st.one_of(
    st.sampled_from(AWKWARD),
    # Control characters inside otherwise ordinary text; NUL most often, as PostgreSQL
    # refuses it in any text value.
    st.tuples(st.text(st.characters(max_codepoint=0x7F), max_size=20),
              st.sampled_from(["\x00", "\x00", "\x1b", "\x7f"])).map(
        lambda parts: parts[0] + parts[1] + parts[0]),
    st.just("\x00"),
    # Any code point but lone surrogates (a browser cannot send those in UTF-8).
    st.text(st.characters(exclude_categories=("Cs",)), max_size=300),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats() | text_values,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=6,
)


@dataclass
class Target:
    """Where to post, as whom, and the page whose form names the fields."""

    url: str
    form_page: str
    user: User | None = None
    field_values: dict[str, list[str]] = field(default_factory=dict)


def _applicant(build: Builders, **fields):
    owner = build.user()
    return owner, build.organisation(owner, **fields)


def _visitor(url: str) -> Callable[[Builders], Target]:
    return lambda build: Target(url, url)


def _draft_section(section: str) -> Callable[[Builders], Target]:
    def setup(build):
        owner, organisation = _applicant(build)
        url = f"/organisations/{organisation.id}/{section}"
        return Target(url, url, owner)
    return setup


def _staff_page(action: str) -> Callable[[Builders], Target]:
    def setup(build):
        organisation = build.organisation(build.user(), status="submitted")
        page = f"/staff/applications/{organisation.id}"
        url = f"{page}/{action}"
        form_page = url if action == "reject" else f"{page}/confirm-approval"
        return Target(url, form_page, build.staff())
    return setup


def _signatory_page(path: str) -> Callable[[Builders], Target]:
    def setup(build):
        owner, organisation = _applicant(build, status="approved")
        url = f"/organisations/{organisation.id}/{path}"
        return Target(url, url, owner)
    return setup


def _quality_mark(suffix: str) -> Callable[[Builders], Target]:
    def setup(build):
        owner, organisation = _applicant(build, status="approved")
        mark = QualityMark(organisation_id=organisation.id, name="ISO 9001",
                           certificate_number="Q-1")
        db.session.add(mark)
        db.session.commit()
        url = f"/organisations/{organisation.id}/quality-marks/{mark.id}{suffix}"
        return Target(url, url, owner)
    return setup


def _carbon_plan_removal(build):
    owner, organisation = _applicant(build, status="approved")
    db.session.add(CarbonReductionPlan(organisation_id=organisation.id,
                                       url="https://example.org/plan",
                                       published_on=date(2026, 4, 1),
                                       review_on=date(2027, 4, 1)))
    db.session.commit()
    page = f"/organisations/{organisation.id}/quality-marks"
    return Target(f"/organisations/{organisation.id}/carbon-reduction-plan/remove", page, owner)


def _publishing_choice(build):
    owner, organisation = _applicant(build, status="approved")
    page = f"/organisations/{organisation.id}/dashboard"
    return Target(f"{page}/publishing", page, owner)
def _annual_update(build):
    """A signatory whose annual update is open: due in ten days."""
    approved_on = add_years(datetime.now(UTC).date() + timedelta(days=10), -1)
    owner, organisation = _applicant(build, status="approved", approved_at=datetime.combine(
        approved_on, time(12), tzinfo=UTC))
    url = f"/organisations/{organisation.id}/annual-update"
    return Target(url, url, owner)


def _change_request(action: str) -> Callable[[Builders], Target]:
    def setup(build):
        owner, organisation = _applicant(build, status="approved")
        change = LegalChangeRequest(organisation=organisation, old_name=organisation.name,
                                    new_name="Renamed Ltd", new_legal_form="limited_company")
        db.session.add(change)
        db.session.commit()
        page = f"/staff/changes/{change.id}"
        url = f"{page}/{action}"
        return Target(url, url if action == "reject" else page, build.staff())
    return setup


def _standing_page(action: str, status: str = "approved") -> Callable[[Builders], Target]:
    def setup(build):
        # Approved once, whatever it is now: it has its public address and approval date.
        owner, organisation = _applicant(build, status=status, slug=f"fuzz-{action}",
                                         approved_at=datetime.now(UTC))
        url = f"/staff/organisations/{organisation.id}/{action}"
        return Target(url, url, build.staff())
    return setup


def _reset_password(build):
    user = build.user()
    token = make_token("reset-password", {"user": user.id, "fp": user.password_fingerprint})
    return Target(f"/account/reset/{token}", f"/account/reset/{token}")


def _accept_invitation(build):
    owner, organisation = _applicant(build)
    invitation = Invitation(organisation_id=organisation.id, email="colleague@example.org",
                            role=MemberRole.MEMBER, invited_by_id=owner.id)
    db.session.add(invitation)
    db.session.commit()
    token = make_token("invitation", {"invitation": invitation.id})
    return Target(f"/invitation/{token}", f"/invitation/{token}")


def _invite(build):
    owner, organisation = _applicant(build)
    url = f"/organisation/{organisation.id}/invite"
    return Target(url, url, owner)


def _deactivate_staff(build):
    url = f"/staff/people/{build.staff().id}/deactivate"
    return Target(url, url, build.admin())


def _accept_staff_invitation(build):
    newcomer = build.staff()
    token = make_token("staff-invitation",
                       {"user": newcomer.id, "fp": newcomer.password_fingerprint})
    return Target(f"/account/welcome/{token}", f"/account/welcome/{token}")


def _report_check(action: str) -> Callable[[Builders], Target]:
    def setup(build):
        from charter_app.reporting.services import first_quarter

        organisation = build.organisation(build.user(), status="approved")
        report = build.report(organisation, first_quarter(organisation))
        page = f"/staff/reports/{report.id}"
        url = f"{page}/{action}"
        return Target(url, url if action == "query" else page, build.staff())
    return setup
def _catalogue_page(path: str) -> Callable[[Builders], Target]:
    return lambda build: Target(f"/staff/catalogue/{path}", f"/staff/catalogue/{path}",
                                build.admin())


def _catalogue_import(build):
    from charter_app.reporting.catalogue_import import start_import

    admin = build.admin()
    pending = start_import("values.csv", b"measure code,financial year,value,source\n"
                                         b"CDP-JOB-05,2027-28,18.5,Fuzz source\n", admin)
    db.session.commit()
    page = f"/staff/catalogue/imports/{pending.key}"
    return Target(f"{page}/confirm", page, admin)
def _staff_event(action: str) -> Callable[[Builders], Target]:
    """A draft event and the staff page that changes it."""
    def setup(build):
        from charter_app.events import services as events

        staff = build.staff()
        start = datetime(2027, 3, 10, 10, tzinfo=UTC)
        event = events.create_event(events.EventDetails(
            kind="workshop", title="Fuzz workshop", description="Fuzz", starts_at=start,
            ends_at=start + timedelta(hours=2), capacity=20,
            registration_opens_at=start - timedelta(days=30),
            registration_closes_at=start - timedelta(days=1), venue="Hall",
            address="Durham"), by=staff)
        db.session.commit()
        url = f"/staff/events/{event.id}/{action}"
        return Target(url, url, staff)
    return setup


def _meet_the_buyer(page: str, *, supplier: bool = False) -> Callable[[Builders], Target]:
    """A meet-the-buyer event at 10am UK time in a fortnight with a buyer, its timetable and
    a supplier's booking; `page` names {event}, {buyer}, {slot}, {booking}, {partner} and
    {unbooked} (a second buyer, with no bookings)."""
    def setup(build):
        from charter_app.events import bookings
        from charter_app.timeutil import LONDON

        start = datetime.combine(datetime.now(UTC).date() + timedelta(days=14), time(10),
                                 tzinfo=LONDON)
        event = build.event(starts_in=start - datetime.now(UTC))
        buyer = build.buyer(event)
        member, organisation = _applicant(build, status="approved")
        build.registration(event, organisation, email=member.email)
        booking = bookings.book_slot(event.id, buyer.slots[0].id, organisation_id=organisation.id,
                                     by=member, offer="We make widgets.")
        db.session.commit()
        url = page.format(event=event.id, buyer=buyer.id, slot=buyer.slots[1].id,
                          booking=booking.id, partner=buyer.partner_id,
                          unbooked=build.buyer(event).id)
        return Target(url, url, member if supplier else build.staff())
    return setup


def _event_door(action: str) -> Callable[[Builders], Target]:
    """A published event with one place taken and one person waiting, and the staff form
    (`action` names {event}, {confirmed} and {waiting})."""
    def setup(build):
        event = build.event(capacity=1, places_per_organisation=5)
        organisation = build.organisation(status="approved")
        confirmed = build.registration(event, organisation)
        waiting = build.registration(event, organisation)
        base = f"/staff/events/{event.id}"
        url = action.format(event=base, confirmed=confirmed.id, waiting=waiting.id)
        form_page = url if "registrations/" in url else f"{base}/check-in"
        return Target(url, form_page, build.staff())
    return setup


def _event_registration(action: str) -> Callable[[Builders], Target]:
    """An open event and a signatory's member: its register form, or a registration's cancel."""
    def setup(build):
        owner, organisation = _applicant(build, status="approved")
        event = build.event(places_per_organisation=1000, capacity=1000)
        if action == "register":
            url = f"/events/{event.id}/register"
            return Target(url, url, owner)
        registration = build.registration(event, organisation)
        url = f"/events/registrations/{registration.id}/cancel"
        return Target(url, url, owner)
    return setup


def _report_page(url: str, form_page: str, *, started: bool = True, submitted: bool = False,
                 correcting: bool = False, with_file: bool = False):
    """A signatory's quarterly report (this quarter's) in the state the form is for; `url` and
    `form_page` name {base} (the report), {entry} (its pledged entry) and {file} (evidence)."""
    def setup(build):
        from charter_app.reporting import evidence
        from charter_app.reporting import services as reporting

        owner, organisation = _applicant(build, status="approved")
        quarter = reporting.first_quarter(organisation)
        if started:
            report = build.report(organisation, quarter, submit=submitted or correcting,
                                  actor=owner)
            if correcting:
                reporting.start_correction(report, owner)
                db.session.commit()
        base = (f"/organisations/{organisation.id}/reports/{quarter.financial_year}"
                f"/q{quarter.number}")
        values = {"base": base, "entry": f"{base}/entries/{build.measure('CDP-JOB-03').id}"}
        if with_file:
            file = evidence.add_evidence(report.draft_revision.entries[0], evidence.CheckedFile(
                b"%PDF-1.4\n", evidence.PDF, "proof.pdf"), owner)
            db.session.commit()
            values["file"] = f"/organisations/{organisation.id}/evidence/{file.id}"
        return Target(url.format(**values), form_page.format(**values), owner)
    return setup


def _feedback_form(build):
    """An attendee's feedback form, reached by the signed link in the thank-you email."""
    from charter_app.events.feedback import feedback_token

    registration = build.registration(build.event())
    registration.checked_in_at = registration.event.starts_at
    db.session.commit()
    url = f"/events/feedback/{feedback_token(registration)}"
    return Target(url, url)


def _unsubscribe(build):
    from charter_app.events.announcements import unsubscribe_token

    user = build.user()
    user.wants_event_announcements = True
    db.session.commit()
    url = f"/events/unsubscribe/{unsubscribe_token(user)}"
    return Target(url, url)


def _email_unsubscribe(build):
    """The one-click unsubscribe in an optional email (no CSRF token needed: the link's is)."""
    from charter_app.notifications.preferences import OptionalEmail, unsubscribe_url
    from tests.conftest import link_path

    staff = build.staff()
    url = link_path(unsubscribe_url(staff, OptionalEmail.STAFF_DIGEST))
    # Its page has no form token to take: the settings page's serves (and is ignored).
    return Target(url, "/account/emails", staff)


def _collective_report(action: str) -> Callable[[Builders], Target]:
    """A closed quarter's report, drafted, and its staff page."""
    def setup(build):
        from charter_app.reporting.quarters import FinancialQuarter
        from charter_app.reports import publishing

        publishing.start_draft(FinancialQuarter(2025, 1), date(2026, 1, 1))
        page = "/staff/collective-reports/2025-26/q1"
        return Target(f"{page}{action}", page, build.staff())
    return setup


def _announce(build):
    url = f"/staff/events/{build.event().id}/announce"
    return Target(url, url, build.staff())


def _failed_email(build):
    from charter_app.notifications.models import OutboxMessage, OutboxStatus

    message = OutboxMessage(idempotency_key="fuzz:failed", template="application_approved",
                            recipient="fuzz@example.org", subject="Fuzz", body_text="x",
                            body_html="<p>x</p>", status=OutboxStatus.FAILED)
    db.session.add(message)
    db.session.commit()
    page = f"/staff/outbox/{message.id}"
    return Target(f"{page}/retry", page, build.staff())


def _contact_message(action: str) -> Callable[[Builders], Target]:
    def setup(build):
        from charter_app.contact.models import ContactMessage

        message = ContactMessage(name="Fuzz", email="fuzz@example.org", topic="idea", body="x")
        db.session.add(message)
        db.session.commit()
        page = f"/staff/messages/{message.id}"
        return Target(f"{page}/{action}", page, build.staff())
    return setup


def _hub_page(action: str | None) -> Callable[[Builders], Target]:
    """A guidance page with two versions, and its editor (whose preview posts elsewhere: None)."""
    def setup(build):
        from charter_app.hub import pages
        from charter_app.timeutil import utcnow

        pages.install_standard_pages(utcnow())
        page = pages.page_by_slug("frequently-asked-questions")
        text = pages.PageText("FAQ", "", "Edited", True)
        pages.save_page(page, text, based_on=1, change_note="Fuzz", author=None, now=utcnow())
        db.session.commit()
        editor = "/staff/hub/pages/frequently-asked-questions"
        url = "/staff/hub/preview" if action is None else f"{editor}{action}"
        return Target(url, editor, build.staff())
    return setup


def _hub_news(build):
    from charter_app.hub import news
    from charter_app.timeutil import utcnow

    post = news.create_post(news.NewsText("Fuzz news", "Summary", "Body", True), author=None,
                            now=utcnow())
    db.session.commit()
    url = f"/staff/hub/news/{post.id}"
    return Target(url, url, build.staff())


def _hub_partner(build):
    partner = build.partner("Fuzz Partner")
    url = f"/staff/hub/partners/{partner.id}"
    return Target(url, url, build.staff())


def _hub_partner_logo(action: str) -> Callable[[Builders], Target]:
    def setup(build):
        partner = build.partner("Fuzz Logo Partner")
        page = f"/staff/hub/partners/{partner.id}"
        return Target(f"{page}/{action}", page, build.staff())
    return setup


def _account_privacy(url: str, page: str) -> Callable[[Builders], Target]:
    return lambda build: Target(url, page, build.user())


def _case_study(action: str, staff: bool = False) -> Callable[[Builders], Target]:
    """A signatory's case study with an image, waiting for review (staff) or a draft (member);
    the form page is its editor (or, for a staff decision, its review page)."""
    def setup(build):
        import io

        from PIL import Image

        from charter_app import images
        from charter_app.hub import case_studies
        from charter_app.timeutil import utcnow

        owner, organisation = _applicant(build, status="approved")
        out = io.BytesIO()
        Image.new("RGB", (40, 30)).save(out, "PNG")
        text = case_studies.CaseStudyText("Fuzz story", "Durham", "Summary", "Body", ["jobs"])
        case_study = case_studies.create(text, author=owner, now=utcnow(),
                                         organisation=organisation,
                                         new_image=case_studies.NewImage(
                                             images.responsive(out.getvalue()), "Alt", None))
        if staff:
            case_studies.submit(case_study, based_on=case_study.version, by=owner, now=utcnow(),
                                staff_mailbox="staff@example.org")
        db.session.commit()
        if staff:
            base = f"/staff/hub/case-studies/{case_study.id}"
            page = base if action == "/decision" else f"{base}/edit"
            return Target(base + action, page, build.staff())
        base = f"/organisations/{organisation.id}/case-studies/{case_study.id}"
        tail = action.replace("{image}", str(case_study.images[0].id))
        return Target(base + tail, base, owner)
    return setup


# Every endpoint that accepts POST, and how to reach it as the user it is for. A new one fails
# test_every_form_is_fuzzed until it is added here.
POST_TARGETS: dict[str, Callable[[Builders], Target]] = {
    "accounts.register": _visitor("/account/create"),
    "accounts.login": _visitor("/login"),
    "accounts.request_reset": _visitor("/account/reset"),
    "accounts.reset_password": _reset_password,
    "accounts.accept_invitation": _accept_invitation,
    "accounts.resend_confirmation": lambda build: Target(
        "/account/confirm/resend", "/account/confirm", build.user(confirmed=False)),
    "accounts.logout": lambda build: Target("/logout", "/account", build.user()),
    "accounts.change_email": lambda build: Target("/account/email", "/account/email",
                                                  build.user()),
    "accounts.invite": _invite,
    "organisations.new_details": lambda build: Target("/apply/organisation",
                                                      "/apply/organisation", build.user()),
    "organisations.details": _draft_section("details"),
    "organisations.commitments": _draft_section("commitments"),
    "organisations.pledges": _draft_section("pledges"),
    "organisations.signatory": _draft_section("signatory"),
    "organisations.check_and_submit": _draft_section("submit"),
    "organisations_staff.approve": _staff_page("approve"),
    "organisations_staff.reject": _staff_page("reject"),
    "organisations_staff.approve_change": _change_request("approve"),
    "organisations_staff.reject_change": _change_request("reject"),
    "organisation_profile.edit": _signatory_page("profile"),
    "organisation_profile.legal_change": _signatory_page("profile/legal"),
    "reporting_annual.annual_update": _annual_update,
    "organisation_profile.withdraw": _signatory_page("withdraw"),
    "organisations_standing.suspend": _standing_page("suspend"),
    "organisations_standing.lift_suspension": _standing_page("lift-suspension", "suspended"),
    "reporting_dashboard.publishing": _publishing_choice,
    "staff_people.invite": lambda build: Target("/staff/people/invite", "/staff/people/invite",
                                                build.admin()),
    "staff_people.deactivate": _deactivate_staff,
    "accounts.accept_staff_invitation": _accept_staff_invitation,
    "reporting_staff.check": _report_check("check"),
    "reporting_staff.query": _report_check("query"),
    "reporting_catalogue.measure": _catalogue_page("measures/CDP-JOB-05"),
    "reporting_catalogue.value": _catalogue_page("measures/CDP-JOB-05/values/2026"),
    "reporting_catalogue.new_value": _catalogue_page("measures/CDP-JOB-05/values/new"),
    "reporting_catalogue.upload": _catalogue_page("import"),
    "reporting_catalogue.confirm": _catalogue_import,
    "events_staff.new": lambda build: Target("/staff/events/new", "/staff/events/new",
                                             build.staff()),
    "events_staff.edit": _staff_event("edit"),
    "events_staff.publish": _staff_event("publish"),
    "events_staff.cancel": _staff_event("cancel"),
    "events_staff.duplicate": _staff_event("duplicate"),
    "event_feedback.give": _feedback_form,
    "event_announcements.unsubscribe": _unsubscribe,
    "event_announcements.announce": _announce,
    "email_preferences.settings": lambda build: Target("/account/emails", "/account/emails",
                                                       build.staff()),
    "email_preferences.unsubscribe": _email_unsubscribe,
    "event_buyers.new_partner": _meet_the_buyer("/staff/partners/new"),
    "event_buyers.edit_partner": _meet_the_buyer("/staff/partners/{partner}/edit"),
    "event_buyers.new_buyer": _meet_the_buyer("/staff/events/{event}/buyers/new"),
    "event_buyers.edit_buyer": _meet_the_buyer("/staff/events/{event}/buyers/{buyer}/edit"),
    "event_buyers.remove_buyer": _meet_the_buyer(
        "/staff/events/{event}/buyers/{unbooked}/remove"),
    "event_buyers.timetable": _meet_the_buyer("/staff/events/{event}/buyers/{buyer}/timetable"),
    "event_bookings.book": _meet_the_buyer("/events/{event}/appointments/book/{slot}",
                                           supplier=True),
    "event_bookings.cancel": _meet_the_buyer("/events/{event}/appointments/{booking}/cancel",
                                             supplier=True),
    "event_attendees.give_place": _event_door("{event}/registrations/{waiting}/give-a-place"),
    "event_attendees.cancel_registration": _event_door(
        "{event}/registrations/{confirmed}/cancel"),
    "event_attendees.check_in": _event_door("{event}/check-in/{confirmed}"),
    "event_attendees.undo_check_in": _event_door("{event}/check-in/{confirmed}/undo"),
    "event_attendees.check_in_by_code": _event_door("{event}/check-in/code"),
    "event_attendees.walk_in": _event_door("{event}/check-in/walk-in"),
    "event_registrations.register": _event_registration("register"),
    "event_registrations.cancel": _event_registration("cancel"),
    "event_registrations.calendar_feed": lambda build: Target(
        "/events/mine/calendar-feed", "/events/mine", build.user()),
    "reporting.start": _report_page("{base}/start", "{base}", started=False),
    "reporting.entry": _report_page("{entry}", "{entry}"),
    "reporting.entry_value": _report_page("{entry}/value", "{entry}"),
    "reporting.remove_entry": _report_page("{entry}/remove", "{entry}"),
    "reporting.upload_evidence": _report_page("{entry}/evidence", "{entry}"),
    "reporting.remove_evidence": _report_page("{file}/remove", "{entry}", with_file=True),
    "reporting.check": _report_page("{base}/check", "{base}/check", correcting=True),
    "reporting.correct": _report_page("{base}/correct", "{base}", submitted=True),
    "reporting.discard": _report_page("{base}/discard", "{base}", correcting=True),
    "outbox_staff.retry": _failed_email,
    "badge_credentials.verify": _visitor("/badges/verify"),
    "reports_staff.quarter": _collective_report(""),
    "reports_staff.publish": _collective_report("/publish"),
    "contact.send": _visitor("/contact"),
    "contact_staff.mark_handled": _contact_message("handled"),
    "contact_staff.reply": _contact_message("reply"),
    "hub_staff.preview": _hub_page(None),
    "hub_staff.new_page": lambda build: Target("/staff/hub/pages/new", "/staff/hub/pages/new",
                                               build.staff()),
    "hub_staff.edit_page": _hub_page(""),
    "hub_staff.restore": _hub_page("/versions/1/restore"),
    "hub_staff.edit_news": _hub_news,
    "hub_staff.edit_partner": _hub_partner,
    "hub_staff.upload_logo": _hub_partner_logo("logo"),
    "hub_staff.remove_logo": _hub_partner_logo("logo/remove"),
    "privacy.download_data": _account_privacy("/account/data.zip", "/account"),
    "privacy.delete_account": _account_privacy("/account/delete", "/account/delete"),
    "hub_staff.new_partner": lambda build: Target(
        "/staff/hub/partners/new", "/staff/hub/partners/new", build.staff()),
    "organisation_declarations.add_mark": _signatory_page("quality-marks/new"),
    "organisation_declarations.edit_mark": _quality_mark(""),
    "organisation_declarations.remove_mark": _quality_mark("/remove"),
    "organisation_declarations.carbon_plan": _signatory_page("carbon-reduction-plan"),
    "organisation_declarations.remove_carbon_plan": _carbon_plan_removal,
    "statements.generate": _signatory_page("statement"),
    "case_studies.new": _signatory_page("case-studies/new"),
    "case_studies.edit": _case_study(""),
    "case_studies.submit": _case_study("/submit"),
    "case_studies.remove_image": _case_study("/images/{image}/remove"),
    "case_studies_staff.new": lambda build: Target(
        "/staff/hub/case-studies/new", "/staff/hub/case-studies/new", build.staff()),
    "case_studies_staff.decide": _case_study("/decision", staff=True),
    "case_studies_staff.edit": _case_study("/edit", staff=True),
    "case_studies_staff.remove_image": _case_study("/images/1/remove", staff=True),
}

FIELD = re.compile(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"(?:[^>]*\bvalue="([^"]*)")?')


def _fields_on(html: str) -> dict[str, list[str]]:
    """Each field's name on the page, with the values its radios or checkboxes offer."""
    fields: dict[str, list[str]] = {}
    for name, value in FIELD.findall(html):
        if name != "csrf_token":
            fields.setdefault(name, [])
            if value:
                fields[name].append(value)
    return fields


@pytest.fixture
def fuzz_app(app, monkeypatch):
    # Rate limits would soon answer 429 and stop the data reaching the forms (put back after).
    monkeypatch.setattr(limiter, "enabled", False)
    return app


def _form_data(fields: dict[str, list[str]]):
    """Some of the page's fields (each missing, once or repeated), plus a few it never had."""
    def value_for(offered):
        single = st.one_of(st.sampled_from(offered), text_values) if offered else text_values
        return st.one_of(single, st.lists(single, max_size=3))

    known = st.fixed_dictionaries({}, optional={
        name: value_for(offered) for name, offered in fields.items()})
    extra = st.dictionaries(st.text(max_size=20).filter(lambda key: key != "csrf_token"),
                            text_values, max_size=2)
    return st.tuples(known, extra).map(lambda pair: {**pair[1], **pair[0]})


def test_every_form_is_fuzzed(app):
    posted = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posted == set(POST_TARGETS)


@pytest.mark.parametrize("endpoint", sorted(POST_TARGETS))
def test_random_form_posts_never_answer_500(fuzz_app, build, endpoint):
    target = POST_TARGETS[endpoint](build)
    client = fuzz_app.test_client()
    if target.user is not None:
        log_in(client, target.user.email, PASSWORD)
    page = client.get(target.form_page)
    assert page.status_code == 200, f"{target.form_page}: {page.status_code}"
    html = page.get_data(as_text=True)
    token = csrf_token_from(html)
    fields = _fields_on(html)

    @FUZZ
    @given(st.data())
    def post(data):
        if data.draw(st.booleans(), label="as JSON"):
            body = data.draw(st.one_of(
                st.dictionaries(st.sampled_from(sorted(fields) or ["x"]), json_values,
                                max_size=6),
                json_values), label="JSON body")
            response = client.post(target.url, json=body, headers={"X-CSRFToken": token})
        else:
            form = data.draw(_form_data(fields), label="form")
            response = client.post(target.url, data={**form, "csrf_token": token})
        assert response.status_code < 500, f"{endpoint} answered {response.status_code}"

    post()


def _public_get_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules()
         if "GET" in rule.methods and rule.endpoint != "static"
         and getattr(app.view_functions[rule.endpoint], "access", None) == "public"),
        key=lambda rule: rule.rule)


def _path_value(converter):
    if isinstance(converter, NumberConverter):
        return st.integers(min_value=0, max_value=10**25).map(str)
    return st.one_of(st.just("fuzz-signatory-ltd"), text_values.filter(bool)).map(
        lambda value: quote(value, safe=""))


QUERY_KEYS = ["q", "sector", "size", "theme", "area", "level", "page", "per_page", "next", "format",
              "organisation", "kind"]


# Every public page (a new one fails test_every_public_page_is_fuzzed until it is added here).
PUBLIC_PAGES = [
    "pages.home", "pages.charter", "pages.accessibility", "pages.privacy", "pages.cookies",
    "pages.healthz", "pages.livez", "accounts.register", "accounts.confirm_email",
    "accounts.login", "accounts.request_reset", "accounts.reset_password",
    "accounts.confirm_email_change", "accounts.accept_invitation",
    "accounts.accept_staff_invitation", "organisations.start",
    "directory.index", "directory.profile", "directory.csv", "directory.api_list",
    "directory.api_detail", "directory.api_description", "events.index", "events.past",
    "events.event", "events.calendar", "events.checkin_qr", "event_registrations.feed",
    "event_feedback.give", "event_feedback.thanks", "event_announcements.unsubscribe",
    "email_preferences.unsubscribe",
    "reports.index", "reports.report", "reports.version", "reports.report_csv",
    "reports.report_json", "reports.report_pdf", "reports.api_index", "reports.api_report",
    "badges.rules", "badges.award", "badges.award_svg", "badges.award_png", "badges.assertion",
    "badges.badge_class", "badges.class_image", "badges.issuer_v2",
    "badge_credentials.issuer", "badge_credentials.achievement", "badge_credentials.keys",
    "badge_credentials.key", "badge_credentials.revocation_list", "badge_credentials.verify",
    "contact.send", "contact.sent",
    "hub.index", "hub.toms_guide", "hub.page", "hub.news_index", "hub.news_post", "hub.news_feed",
    "hub.partners_index", "hub.partner", "search.index",
    "case_studies.index", "case_studies.show", "case_studies.upload",
    "statements.shared",
    "statements.shared_pdf",
]


def test_every_public_page_is_fuzzed(app):
    assert {rule.endpoint for rule in _public_get_rules(app)} == set(PUBLIC_PAGES)


@pytest.mark.parametrize("endpoint", PUBLIC_PAGES)
def test_random_query_strings_on_public_pages_never_answer_500(fuzz_app, build, endpoint):
    build.organisation(status="approved", name="Fuzz Signatory Ltd", slug="fuzz-signatory-ltd")
    client = fuzz_app.test_client()
    rule = next(rule for rule in _public_get_rules(fuzz_app) if rule.endpoint == endpoint)

    @settings(FUZZ, max_examples=50)
    @given(st.data())
    def get(data):
        path = rule.rule
        for name, converter in rule._converters.items():
            value = data.draw(_path_value(converter), label=name)
            path = re.sub(rf"<(?:[^:>]+:)?{name}>", lambda _match, value=value: value, path)
        known = data.draw(st.fixed_dictionaries(
            {}, optional={key: text_values for key in QUERY_KEYS}), label="query")
        extra = data.draw(st.lists(st.tuples(st.text(max_size=10), text_values), max_size=2),
                          label="extra query")
        query = [*known.items(), *extra]
        response = client.get(f"{path}?{urlencode(query)}")
        assert response.status_code < 500, f"GET {path}?{urlencode(query)}"

    get()


# Pages for staff and operators that read a query string: the audit log's search and export,
# and /metrics with any Authorization header.
@pytest.mark.parametrize("path", ["/staff/audit", "/staff/audit.csv"])
def test_random_audit_searches_never_answer_500(fuzz_app, build, path):
    client = fuzz_app.test_client()
    log_in(client, build.admin().email, PASSWORD)

    @settings(FUZZ, max_examples=40)
    @given(st.fixed_dictionaries({}, optional={key: text_values for key in (
        "who", "action", "target", "since", "until", "page")}))
    def search(query):
        response = client.get(f"{path}?{urlencode(query)}")
        assert response.status_code in (200, 400), f"GET {path}?{urlencode(query)}"

    search()


def test_random_metrics_credentials_never_answer_500_or_the_metrics(fuzz_app, monkeypatch):
    monkeypatch.setitem(fuzz_app.config, "METRICS_TOKEN", "the-real-token")
    client = fuzz_app.test_client()

    @settings(FUZZ, max_examples=40)
    @given(st.one_of(text_values, text_values.map(lambda value: "Bearer " + value)))
    def scrape(header):
        header = header.encode("latin-1", "ignore").decode("latin-1").replace("\r", "")
        header = header.replace("\n", "").replace("\x00", "")
        response = client.get("/metrics", headers={"Authorization": header})
        assert response.status_code == 401

    scrape()
