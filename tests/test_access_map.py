"""Every page declares who may reach it, the public ones are a deliberate list, and everything
else turns away a visitor who has not signed in."""

import uuid
from urllib.parse import parse_qs, urlsplit

from werkzeug.routing.converters import AnyConverter, NumberConverter, UUIDConverter

from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in

# Adding a public page is a decision: add it here on purpose, with the view's @public.
PUBLIC_ENDPOINTS = {
    "pages.home",
    "hub.index",
    "hub.toms_guide",
    "hub.page",
    "hub.news_index",
    "hub.news_post",
    "hub.news_feed",
    "hub.partners_index",
    "hub.partner",
    "case_studies.index",
    "case_studies.show",
    # Stored uploads under random names (case study images), served with long cache headers.
    "case_studies.upload",
    "search.index",
    "reports.index",
    "reports.report",
    "reports.version",
    "reports.report_csv",
    "reports.report_json",
    "reports.report_pdf",
    "reports.api_index",
    "reports.api_report",
    # A signatory's frozen statement for bids, for whoever holds its unguessable link.
    "statements.shared",
    "statements.shared_pdf",
    "badges.rules",
    "badges.award",
    "badges.award_svg",
    "badges.award_png",
    "badges.assertion",
    "badges.badge_class",
    "badges.class_image",
    "badges.issuer_v2",
    # Open Badges 3.0: what a verifier fetches (issuer, achievements, keys, revocation list),
    # and checking a badge image by uploading it.
    "badge_credentials.issuer",
    "badge_credentials.achievement",
    "badge_credentials.keys",
    "badge_credentials.key",
    "badge_credentials.revocation_list",
    "badge_credentials.verify",
    "pages.charter",
    "pages.accessibility",
    "pages.privacy",
    "pages.cookies",
    "pages.healthz",
    "pages.livez",
    "accounts.register",
    "accounts.confirm_email",
    "accounts.login",
    "accounts.logout",
    "accounts.request_reset",
    "accounts.reset_password",
    "accounts.confirm_email_change",
    "accounts.accept_invitation",
    "accounts.accept_staff_invitation",
    "organisations.start",
    "directory.index",
    "directory.profile",
    "directory.csv",
    "directory.api_list",
    "directory.api_detail",
    "directory.api_description",
    "events.index",
    "events.past",
    "events.event",
    "events.calendar",
    "events.checkin_qr",
    # Reached from an email by a signed token naming the attendee or person, without signing in.
    "event_feedback.give",
    "event_feedback.thanks",
    "event_announcements.unsubscribe",
    "event_registrations.feed",
    # The one-click unsubscribe in optional emails: the link's signed token names the person.
    "email_preferences.unsubscribe",
    # "Send us your ideas": the contact form and the page after it.
    "contact.send",
    "contact.sent",
}
KNOWN_ACCESS = {"public", "login", "signed-in", "staff", "admin", "development", "token"}


def _rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def _access(app, endpoint: str):
    return getattr(app.view_functions[endpoint], "access", None)


def _sample_url(app, rule) -> str:
    """The rule's URL with sample values: a visitor who is not signed in is turned away before
    anything is looked up, so they need not exist."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, NumberConverter):
            values[name] = 1
        elif isinstance(converter, UUIDConverter):
            values[name] = uuid.UUID(int=1)
        elif isinstance(converter, AnyConverter):
            values[name] = min(converter.items)
        else:
            values[name] = "sample"
    with app.test_request_context():
        return app.url_for(rule.endpoint, **values)


def test_every_view_declares_who_may_reach_it(app):
    undeclared = sorted(rule.endpoint for rule in _rules(app)
                        if _access(app, rule.endpoint) is None)
    assert undeclared == [], "declare access: @public, @login_required, @signed_in, @staff..."
    unknown = {rule.endpoint: _access(app, rule.endpoint) for rule in _rules(app)
               if _access(app, rule.endpoint) not in KNOWN_ACCESS}
    assert unknown == {}


def test_public_pages_are_exactly_the_agreed_list(app):
    public = {rule.endpoint for rule in _rules(app) if _access(app, rule.endpoint) == "public"}
    assert sorted(public - PUBLIC_ENDPOINTS) == [], "a new public page: add it on purpose"
    assert sorted(PUBLIC_ENDPOINTS - public) == [], "no longer public: take it off the list"


def test_every_protected_page_sends_an_anonymous_visitor_to_sign_in(app, client):
    page = client.get("/login").get_data(as_text=True)
    # A real CSRF token, so only the access check can turn a POST away.
    token = csrf_token_from(page)
    checked, wrong = 0, {}
    for rule in _rules(app):
        access = _access(app, rule.endpoint)
        if access == "public":
            continue
        url = _sample_url(app, rule)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method, headers={"X-CSRFToken": token})
            checked += 1
            location = urlsplit(response.headers.get("Location", ""))
            sent_to_sign_in = (response.status_code == 302 and location.path == "/login"
                               and parse_qs(location.query).get("next") == [url])
            hidden = access == "development" and response.status_code == 404
            # /metrics is for Prometheus: no token configured (as here), it does not exist.
            hidden = hidden or (access == "token" and response.status_code == 404)
            # An API client cannot follow a sign-in page: it is told 401, in JSON.
            api_refused = (url.startswith("/api/") and response.status_code == 401
                           and response.is_json)
            if not (sent_to_sign_in or hidden or api_refused):
                wrong[f"{method} {url}"] = (response.status_code, location.geturl())
    assert wrong == {}
    assert checked >= 20  # the walk really covered the protected pages


def test_every_administrator_page_turns_away_staff_who_are_not_administrators(app, build):
    officer = build.staff("officer@businessdurham.example")
    client = app.test_client()
    log_in(client, officer.email, PASSWORD)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    refused = {}
    for rule in _rules(app):
        if _access(app, rule.endpoint) != "admin":
            continue
        url = _sample_url(app, rule).replace("/1/", f"/{officer.id}/")
        for method in sorted(rule.methods & {"GET", "POST"}):
            refused[f"{method} {url}"] = client.open(
                url, method=method, headers={"X-CSRFToken": token}).status_code
    assert len(refused) >= 4
    assert set(refused.values()) == {403}, refused


def test_every_staff_page_turns_away_signed_in_people_who_are_not_staff(app, build):
    owner = build.user()
    organisation = build.organisation(owner, status="approved")
    client = app.test_client()
    log_in(client, owner.email, PASSWORD)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    refused = {}
    for rule in _rules(app):
        if _access(app, rule.endpoint) not in {"staff", "admin"}:
            continue
        # The signatory's own id, so a page that looked it up would find it.
        url = _sample_url(app, rule).replace("/1/", f"/{organisation.id}/")
        for method in sorted(rule.methods & {"GET", "POST"}):
            refused[f"{method} {url}"] = client.open(
                url, method=method, headers={"X-CSRFToken": token}).status_code
    assert len(refused) >= 10
    assert set(refused.values()) == {403}, refused
CATALOGUE_ENDPOINTS = {
    "reporting_catalogue.index", "reporting_catalogue.measure", "reporting_catalogue.value",
    "reporting_catalogue.new_value", "reporting_catalogue.upload", "reporting_catalogue.preview",
    "reporting_catalogue.confirm", "reporting_catalogue.changes",
}


def test_the_measure_catalogue_is_for_administrators_only(app):
    catalogue = {rule.endpoint for rule in _rules(app)
                 if rule.endpoint.startswith("reporting_catalogue.")}
    assert catalogue == CATALOGUE_ENDPOINTS
    assert {_access(app, endpoint) for endpoint in catalogue} == {"admin"}
# Quarterly reports: every page and form of one organisation's reports, as the member of
# another organisation sees them (and staff, who read the history and evidence only).
REPORTING_ENDPOINTS = {
    "reporting.reports": ("GET", "/reports"),
    "reporting.report": ("GET", "/reports/{quarter}"),
    "reporting.start": ("POST", "/reports/{quarter}/start"),
    "reporting.choose_measure": ("GET", "/reports/{quarter}/entries/choose?measure={measure}"),
    "reporting.entry": ("GET POST", "/reports/{quarter}/entries/{measure}"),
    "reporting.entry_value": ("POST", "/reports/{quarter}/entries/{measure}/value"),
    "reporting.remove_entry": ("POST", "/reports/{quarter}/entries/{measure}/remove"),
    "reporting.upload_evidence": ("POST", "/reports/{quarter}/entries/{measure}/evidence"),
    "reporting.evidence_file": ("GET", "/evidence/{file}"),
    "reporting.remove_evidence": ("POST", "/evidence/{file}/remove"),
    "reporting.check": ("GET POST", "/reports/{quarter}/check"),
    "reporting.correct": ("POST", "/reports/{quarter}/correct"),
    "reporting.discard": ("POST", "/reports/{quarter}/discard"),
    "reporting.revisions": ("GET", "/reports/{quarter}/revisions"),
}
STAFF_MAY_READ = {"reporting.evidence_file", "reporting.revisions"}


def test_another_organisations_member_finds_no_report_page(app, build):
    from charter_app.extensions import db
    from charter_app.reporting import evidence
    from charter_app.reporting import services as reporting

    assert set(REPORTING_ENDPOINTS) == {rule.endpoint for rule in _rules(app)
                                        if rule.endpoint.startswith("reporting.")}
    owner = build.user()
    organisation = build.organisation(owner, status="approved")
    report = build.report(organisation, actor=owner)
    reporting.start_correction(report, owner)
    file = evidence.add_evidence(report.draft_revision.entries[0], evidence.CheckedFile(
        b"%PDF-1.4\n", evidence.PDF, "proof.pdf"), owner)
    db.session.commit()
    quarter = report.financial_quarter
    values = {"quarter": f"{quarter.financial_year}/q{quarter.number}", "file": file.id,
              "measure": build.measure("CDP-JOB-03").id}
    stranger = build.user()
    build.organisation(stranger, status="approved")
    staff = build.staff()
    answers = {}
    for who in (stranger, staff):
        client = app.test_client()
        log_in(client, who.email, PASSWORD)
        token = csrf_token_from(client.get("/account").get_data(as_text=True))
        for endpoint, (methods, tail) in REPORTING_ENDPOINTS.items():
            url = f"/organisations/{organisation.id}" + tail.format(**values)
            for method in methods.split():
                status = client.open(url, method=method, data={"csrf_token": token}).status_code
                answers[(who.email, endpoint, method)] = status
    wrong = {key: status for key, status in answers.items()
             if status != (200 if key[0] == staff.email and key[1] in STAFF_MAY_READ else 404)}
    assert wrong == {}
def test_an_organisations_pages_are_hidden_from_another_organisations_member(app, build):
    """Every signed-in page addressed by an organisation id alone answers 404 to a member of
    another organisation, as if the organisation did not exist."""
    target = build.organisation(build.user(), status="approved")
    outsider = build.user()
    build.organisation(outsider, status="approved")
    client = app.test_client()
    log_in(client, outsider.email, PASSWORD)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    answers = {}
    for rule in _rules(app):
        if set(rule.arguments) != {"organisation_id"} or _access(app, rule.endpoint) != "login":
            continue
        with app.test_request_context():
            url = app.url_for(rule.endpoint, organisation_id=target.id)
        for method in sorted(rule.methods & {"GET", "POST"}):
            answers[f"{method} {url}"] = client.open(
                url, method=method, headers={"X-CSRFToken": token}).status_code
    assert f"GET /organisations/{target.id}/dashboard" in answers
    assert {url: answer for url, answer in answers.items() if answer != 404} == {}


def test_another_organisations_appointments_are_not_found(app, build):
    """A supplier's booking, and booking for an organisation, answer 404 to a member of
    another organisation, even one with its own place at the event."""
    from datetime import UTC, datetime, time, timedelta

    from charter_app.events import bookings
    from charter_app.extensions import db
    from charter_app.timeutil import LONDON

    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=14), time(10),
                             tzinfo=LONDON)
    event = build.event(starts_in=start - datetime.now(UTC))
    buyer = build.buyer(event)
    owner = build.user()
    supplier = build.organisation(owner, status="approved")
    build.registration(event, supplier, email=owner.email)
    booking = bookings.book_slot(event.id, buyer.slots[0].id, organisation_id=supplier.id,
                                 by=owner, offer="We make widgets.")
    db.session.commit()
    outsider = build.user()
    build.registration(event, build.organisation(outsider, status="approved"),
                       email=outsider.email)
    client = app.test_client()
    log_in(client, outsider.email, PASSWORD)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    base = f"/events/{event.id}/appointments"
    answers = {
        "GET cancel": client.get(f"{base}/{booking.id}/cancel").status_code,
        "POST cancel": client.post(f"{base}/{booking.id}/cancel",
                                   data={"csrf_token": token}).status_code,
        "GET as the supplier": client.get(f"{base}?organisation={supplier.id}").status_code,
        "POST book as the supplier": client.post(
            f"{base}/book/{buyer.slots[1].id}",
            data={"csrf_token": token, "organisation": supplier.id,
                  "offer": "We make widgets."}).status_code,
    }
    assert answers == dict.fromkeys(answers, 404)
    assert db.session.get(type(booking), booking.id).status == "booked"


# Staff at the door: the registrations page, check-in, walk-ins and the CSV exports.
EVENT_ATTENDEE_ENDPOINTS = {
    "event_attendees.registrations", "event_attendees.give_place",
    "event_attendees.cancel_registration", "event_attendees.check_in_page",
    "event_attendees.check_in", "event_attendees.undo_check_in",
    "event_attendees.check_in_by_code", "event_attendees.walk_in",
    "event_attendees.export_csv",
}


def test_the_event_attendee_pages_are_for_staff_only(app):
    attendees = {rule.endpoint for rule in _rules(app)
                 if rule.endpoint.startswith("event_attendees.")}
    assert attendees == EVENT_ATTENDEE_ENDPOINTS
    assert {_access(app, endpoint) for endpoint in attendees} == {"staff"}


def test_an_event_registration_is_hidden_from_another_organisations_member(app, build):
    """The attendee page and its cancel form answer 404 to anyone outside the organisation."""
    event = build.event()
    registration = build.registration(event)
    outsider = build.user()
    build.organisation(outsider, status="approved")
    client = app.test_client()
    log_in(client, outsider.email, PASSWORD)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    endpoints = {rule.endpoint for rule in _rules(app) if "registration_id" in rule.arguments
                 and rule.endpoint.startswith("event_registrations.")}
    assert endpoints == {"event_registrations.registration", "event_registrations.cancel"}
    answers = {}
    for url in (f"/events/registrations/{registration.id}",
                f"/events/registrations/{registration.id}/cancel"):
        for method in ("GET", "POST"):
            answers[f"{method} {url}"] = client.open(
                url, method=method, data={"csrf_token": token}).status_code
    assert answers.pop(f"POST /events/registrations/{registration.id}") == 405
    assert set(answers.values()) == {404}, answers


# Staff insights: the page and each section's CSV.
INSIGHTS_ENDPOINTS = {"insights_staff.page", "insights_staff.section_csv"}


def test_the_insights_are_for_staff_only(app):
    found = {rule.endpoint for rule in _rules(app) if rule.endpoint.startswith("insights_staff.")}
    assert found == INSIGHTS_ENDPOINTS
    assert {_access(app, endpoint) for endpoint in found} == {"staff"}


def test_metrics_are_the_only_page_behind_a_bearer_token(app):
    token_pages = {rule.endpoint for rule in _rules(app) if _access(app, rule.endpoint) == "token"}
    assert token_pages == {"monitoring.prometheus_metrics"}


def test_the_audit_log_is_for_administrators_only(app):
    found = {rule.endpoint for rule in _rules(app) if rule.endpoint.startswith("audit_staff.")}
    assert found == {"audit_staff.index", "audit_staff.export_csv"}
    assert {_access(app, endpoint) for endpoint in found} == {"admin"}
