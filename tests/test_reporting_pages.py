"""The signatory's quarterly report pages: the list of quarters, starting a report, entries
with their live value, bad input, check and submit, corrections and their history, and who may
see what."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from charter_app.extensions import db
from charter_app.reporting.models import QuarterlyReport, ReportEntry, ReportRevision
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.timeutil import london_date, utcnow
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in

NOW = FinancialQuarter.containing(london_date(utcnow()))


def signed_in(app, user):
    client = app.test_client()
    log_in(client, user.email, PASSWORD)
    return client


@pytest.fixture
def signatory(build):
    owner = build.user()
    organisation = build.organisation(owner, status="approved",
                                      pledges={"CDP-JOB-03": "52", "CDP-GRO-02": "1000"})
    return organisation, owner


@pytest.fixture
def owner_client(app, signatory):
    return signed_in(app, signatory[1])


def quarter_url(organisation, quarter=NOW, tail=""):
    return (f"/organisations/{organisation.id}/reports/{quarter.financial_year}"
            f"/q{quarter.number}{tail}")


def entry_url(organisation, build, code="CDP-JOB-03", tail=""):
    return quarter_url(organisation, tail=f"/entries/{build.measure(code).id}{tail}")


def post(client, url, data=None, page=None, **kwargs):
    token = csrf_token_from(client.get(page or "/account").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def start(client, organisation):
    return post(client, quarter_url(organisation, tail="/start"))


GOOD_ENTRY = {
    "quantity": "10", "description": "Ten weeks of apprenticeship for Jo", "location": "DH1 3HE",
    "evidence_url": "https://example.org/jo", "deadweight": "0", "deadweight_other": "",
    "attribution": "0", "attribution_other": "", "displacement": "0",
    "displacement_other": "", "deflator_reason": "", "action": "save",
}


def save_entry(client, organisation, build, code="CDP-JOB-03", **changes):
    return post(client, entry_url(organisation, build, code), {**GOOD_ENTRY, **changes})


def test_the_list_shows_each_quarter_its_state_due_date_and_action(app, build, signatory,
                                                                   owner_client):
    organisation, owner = signatory
    organisation.approved_at = datetime.combine(
        FinancialQuarter(NOW.year - 1, NOW.number).starts_on, datetime.min.time(), tzinfo=UTC)
    db.session.commit()
    earlier = FinancialQuarter(NOW.year - 1, NOW.number)
    build.report(organisation, earlier, entries={"CDP-JOB-03": "2"}, actor=owner)

    page = owner_client.get(f"/organisations/{organisation.id}/reports").get_data(as_text=True)
    assert NOW.label in page and earlier.label in page
    assert f"{NOW.due_on.day} {NOW.due_on:%B %Y}" in page  # UK date format
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S)[1:]
    assert len(rows) == 5  # four quarters a year ago to now
    assert "Open" in rows[0] and "Start report" in rows[0]
    assert "Submitted" in rows[-1] and ">View<" in rows[-1]
    assert any("Missing" in row or "Late" in row for row in rows[1:-1])

    account = owner_client.get("/account").get_data(as_text=True)
    assert f"/organisations/{organisation.id}/reports" in account
    application = owner_client.get(f"/organisations/{organisation.id}/application").get_data(
        as_text=True)
    assert f"/organisations/{organisation.id}/reports" in application


def test_starting_twice_lands_on_the_same_report(app, signatory, owner_client):
    organisation, _ = signatory
    first, second = start(owner_client, organisation), start(owner_client, organisation)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"] == quarter_url(organisation)
    assert db.session.scalar(select(func.count()).select_from(QuarterlyReport)) == 1
    page = owner_client.get(quarter_url(organisation)).get_data(as_text=True)
    assert "Weeks of apprenticeship" in page and "Pledged" in page


@pytest.mark.parametrize("path", ["/reports/2026-28/q1", "/reports/2026/q1", "/reports/2026-27/q5",
                                  "/reports/2026-27/q0", "/reports/x/q1/check"])
def test_a_malformed_quarter_is_not_found(signatory, owner_client, path):
    organisation, _ = signatory
    assert owner_client.get(f"/organisations/{organisation.id}{path}").status_code == 404


def test_a_quarter_not_started_is_refused_plainly(signatory, owner_client):
    organisation, _ = signatory
    later = NOW.next()
    page = owner_client.get(quarter_url(organisation, later)).get_data(as_text=True)
    assert f"{later.label} has not started yet: you can report from its first day." in page
    assert "Start report" not in page
    refused = post(owner_client, quarter_url(organisation, later, "/start"),
                   follow_redirects=True)
    assert "has not started yet" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(QuarterlyReport)) == 0


def test_an_entry_shows_its_unit_guidance_help_and_default_percentages(build, signatory,
                                                                     owner_client):
    organisation, _ = signatory
    start(owner_client, organisation)
    page = owner_client.get(entry_url(organisation, build)).get_data(as_text=True)
    measure = build.measure("CDP-JOB-03")
    assert "Pledged" in page and "How many weeks this quarter?" in page
    assert measure.guidance[:40] in page
    assert "How much would have happened anyway" in page
    assert "How much of the result is owed to others" in page
    assert "How much was just moved from elsewhere" in page
    for name in ("deadweight", "attribution", "displacement"):
        assert re.search(rf'name="{name}" type="radio" value="0" checked', page)
        for band in ("25", "50", "75", "100", "other"):
            assert f'name="{name}" type="radio" value="{band}"' in page
    assert 'aria-live="polite"' in page and 'hx-trigger="input delay:400ms"' in page


BAD_INPUT = [
    ({"quantity": "ten"}, "quantity", "Enter the quantity as a number"),
    ({"quantity": "-3"}, "quantity", "Enter a quantity of 0 or more"),
    ({"quantity": "10001"}, "quantity", "no more than 10,000"),
    ({"quantity": "NaN"}, "quantity", "Enter the quantity as a number"),
    ({"quantity": "1.234"}, "quantity", "2 decimal places"),
    ({"quantity": ""}, "quantity", "Enter a quantity"),
    ({"deadweight": "other", "deadweight_other": "150", "deflator_reason": "Because"},
     "deadweight_other", "percentage from 0 to 100"),
    ({"attribution": "other", "attribution_other": "-5", "deflator_reason": "Because"},
     "attribution_other", "percentage from 0 to 100"),
    ({"displacement": "33"}, "displacement", "Choose a percentage for displacement"),
    ({"deadweight": "25"}, "deflator_reason", "why you changed the suggested percentages"),
    ({"description": ""}, "description", "Describe briefly what you did"),
    ({"description": "x" * 501}, "description", "500 characters or fewer"),
    ({"location": "y" * 61}, "location", "60 characters or fewer"),
    ({"deflator_reason": "z" * 201, "deadweight": "50"}, "deflator_reason",
     "200 characters or fewer"),
    ({"evidence_url": "javascript:alert(1)"}, "evidence_url", "starting https://"),
    ({"evidence_url": "ftp://example.org/x"}, "evidence_url", "starting https://"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_INPUT,
                         ids=[f"{case[1]}-{index}" for index, case in enumerate(BAD_INPUT)])
def test_bad_input_is_explained_beside_the_field_and_kept(build, signatory, owner_client,
                                                          changes, field, message):
    organisation, _ = signatory
    start(owner_client, organisation)
    response = save_entry(owner_client, organisation, build, **changes)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count(message) >= 2  # in the summary and beside the field
    assert f'href="#{field}"' in page
    assert re.search(rf'id="{field}-error"', page)
    assert "<title>Error: " in page
    for name, value in changes.items():
        if name not in ("deadweight", "attribution", "displacement") and value:
            escaped = value.replace("&", "&amp;").replace('"', "&#34;").replace("<", "&lt;")
            assert escaped in page, f"{name}'s typed value is lost"
    assert db.session.scalar(select(func.count()).select_from(ReportEntry)) == 0


def _live_figures(html: str) -> tuple[str, str]:
    gross = re.search(r'data-figure="gross">([^<]+)<', html)[1]
    net = re.search(r'data-figure="net">([^<]+)<', html)[1]
    return gross, net


def test_the_live_value_agrees_with_javascript_without_it_and_with_the_submitted_figure(
        build, signatory, owner_client):
    organisation, _ = signatory
    start(owner_client, organisation)
    typed = {**GOOD_ENTRY, "quantity": "10", "deadweight": "50", "attribution": "other",
             "attribution_other": "10", "deflator_reason": "Half would have happened anyway"}
    live = post(owner_client, entry_url(organisation, build, tail="/value"), typed,
                headers={"HX-Request": "true"})
    assert live.status_code == 200
    fragment = live.get_data(as_text=True)
    assert "<html" not in fragment
    assert _live_figures(fragment) == ("£3,097.30", "£1,393.79")  # 3097.30 x 0.5 x 0.9
    assert "£309.73 for each unit" in fragment

    no_js = post(owner_client, entry_url(organisation, build), {**typed, "action": "preview"})
    assert _live_figures(no_js.get_data(as_text=True)) == ("£3,097.30", "£1,393.79")
    assert db.session.scalar(select(func.count()).select_from(ReportEntry)) == 0  # not saved

    saved = post(owner_client, entry_url(organisation, build), typed)
    assert saved.status_code == 302
    post(owner_client, quarter_url(organisation, tail="/check"))
    entry = db.session.scalar(select(ReportEntry))
    assert (entry.gross, entry.net) == (Decimal("3097.30"), Decimal("1393.785"))
    assert entry.deflator_reason == "Half would have happened anyway"

    while_typing = post(owner_client, entry_url(organisation, build, tail="/value"),
                        {**typed, "quantity": "1"}, headers={"HX-Request": "true"})
    assert while_typing.status_code == 404  # submitted: no draft to preview


def test_a_half_typed_quantity_asks_for_a_number_and_no_proxy_says_so(build, signatory,
                                                                      owner_client):
    organisation, _ = signatory
    start(owner_client, organisation)
    half = post(owner_client, entry_url(organisation, build, tail="/value"),
                {**GOOD_ENTRY, "quantity": "1."}, headers={"HX-Request": "true"})
    assert _live_figures(half.get_data(as_text=True)) == ("£309.73", "£309.73")
    bad = post(owner_client, entry_url(organisation, build, tail="/value"),
               {**GOOD_ENTRY, "quantity": "abc"}, headers={"HX-Request": "true"})
    assert "Enter a quantity to see its value" in bad.get_data(as_text=True)
    unvalued = owner_client.get(entry_url(organisation, build, "CDP-GRO-02"))
    assert (f"Reported, not valued: no proxy value for {NOW.financial_year} yet"
            in unvalued.get_data(as_text=True))


def test_other_measures_can_be_added_and_entries_changed_through_the_quarter(
        build, signatory, owner_client):
    organisation, _ = signatory
    start(owner_client, organisation)
    report_page = owner_client.get(quarter_url(organisation)).get_data(as_text=True)
    volunteering = build.measure("CDP-SOC-02")
    assert f'<option value="{volunteering.id}">' in report_page
    chosen = owner_client.get(quarter_url(organisation, tail=f"/entries/choose?measure="
                                                             f"{volunteering.id}"))
    assert chosen.headers["Location"].endswith(f"/entries/{volunteering.id}")
    save_entry(owner_client, organisation, build, "CDP-SOC-02", quantity="12.5")
    save_entry(owner_client, organisation, build, quantity="3")
    save_entry(owner_client, organisation, build, quantity="4")
    entries = {entry.measure.code: entry.quantity for entry in db.session.scalars(
        select(ReportEntry))}
    assert entries == {"CDP-SOC-02": Decimal("12.50"), "CDP-JOB-03": Decimal("4.00")}
    page = owner_client.get(quarter_url(organisation)).get_data(as_text=True)
    assert "12.5 hours" in page and "£218.50 gross, £218.50 net" in page
    post(owner_client, entry_url(organisation, build, "CDP-SOC-02", "/remove"))
    assert db.session.scalar(select(func.count()).select_from(ReportEntry)) == 1


def test_submit_locks_the_report(build, signatory, owner_client):
    organisation, _ = signatory
    start(owner_client, organisation)
    save_entry(owner_client, organisation, build)
    check = owner_client.get(quarter_url(organisation, tail="/check")).get_data(as_text=True)
    assert "Check your report before submitting" in check and "£3,097.30" in check
    assert "What does this correction change?" not in check
    submitted = post(owner_client, quarter_url(organisation, tail="/check"),
                     follow_redirects=True)
    assert "is submitted" in submitted.get_data(as_text=True)

    refused = save_entry(owner_client, organisation, build, quantity="99")
    assert refused.status_code == 302 and refused.headers["Location"] == quarter_url(
        organisation)
    assert owner_client.get(entry_url(organisation, build)).status_code == 302
    assert db.session.scalar(select(ReportEntry.quantity)) == Decimal("10.00")
    again = post(owner_client, quarter_url(organisation, tail="/check"))
    assert again.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ReportRevision)) == 1
    page = owner_client.get(quarter_url(organisation)).get_data(as_text=True)
    assert "Correct this report" in page and "Check and submit" not in page


def test_a_correction_needs_a_note_and_keeps_the_history(app, build, signatory, owner_client):
    organisation, owner = signatory
    start(owner_client, organisation)
    save_entry(owner_client, organisation, build)
    post(owner_client, quarter_url(organisation, tail="/check"))
    post(owner_client, quarter_url(organisation, tail="/correct"))
    post(owner_client, quarter_url(organisation, tail="/correct"))  # a second click: same draft
    assert db.session.scalar(select(func.count()).select_from(ReportRevision)) == 2
    save_entry(owner_client, organisation, build, quantity="12")
    no_note = post(owner_client, quarter_url(organisation, tail="/check"))
    assert no_note.status_code == 200
    assert "Say briefly what this correction changes" in no_note.get_data(as_text=True)
    done = post(owner_client, quarter_url(organisation, tail="/check"),
                {"change_note": "Two more weeks in August"})
    assert done.status_code == 302

    history = owner_client.get(quarter_url(organisation, tail="/revisions"))
    page = history.get_data(as_text=True)
    assert "Correction 1" in page and "First submission" in page
    assert "Two more weeks in August" in page and owner.email in page
    assert re.search(r"Quantity</td>\s*<td[^>]*>10</td>\s*<td[^>]*>12</td>", page)
    assert re.search(r"Gross value</td>\s*<td[^>]*>£3,097.30</td>\s*<td[^>]*>£3,716.76</td>",
                     page)

    staff = signed_in(app, build.staff())
    assert "Two more weeks in August" in staff.get(
        quarter_url(organisation, tail="/revisions")).get_data(as_text=True)
    assert staff.get(quarter_url(organisation)).status_code == 404  # staff check elsewhere


def test_a_correction_can_be_discarded(build, signatory, owner_client):
    organisation, _ = signatory
    start(owner_client, organisation)
    save_entry(owner_client, organisation, build)
    post(owner_client, quarter_url(organisation, tail="/check"))
    post(owner_client, quarter_url(organisation, tail="/correct"))
    save_entry(owner_client, organisation, build, quantity="1")
    post(owner_client, quarter_url(organisation, tail="/discard"))
    report = db.session.scalar(select(QuarterlyReport))
    assert report.draft_revision is None and len(report.revisions) == 1
    assert report.submitted_revision.entries[0].quantity == Decimal("10.00")


def test_a_report_never_submitted_keeps_its_draft(build, signatory, owner_client):
    organisation, _ = signatory
    start(owner_client, organisation)
    save_entry(owner_client, organisation, build)
    refused = post(owner_client, quarter_url(organisation, tail="/discard"),
                   follow_redirects=True)
    assert "never submitted keeps its draft" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ReportEntry)) == 1


def test_another_organisations_member_can_neither_read_nor_change(app, build, signatory,
                                                                  owner_client):
    organisation, _ = signatory
    start(owner_client, organisation)
    save_entry(owner_client, organisation, build)
    stranger = build.user()
    build.organisation(stranger, status="approved")
    client = signed_in(app, stranger)
    for url in (f"/organisations/{organisation.id}/reports", quarter_url(organisation),
                entry_url(organisation, build), quarter_url(organisation, tail="/check"),
                quarter_url(organisation, tail="/revisions")):
        assert client.get(url).status_code == 404, url
    for url in (quarter_url(organisation, tail="/start"), entry_url(organisation, build),
                entry_url(organisation, build, tail="/value"),
                entry_url(organisation, build, tail="/remove"),
                quarter_url(organisation, tail="/check"),
                quarter_url(organisation, tail="/correct"),
                quarter_url(organisation, tail="/discard")):
        assert post(client, url, {**GOOD_ENTRY, "quantity": "99"}).status_code == 404, url
    assert db.session.scalar(select(ReportEntry.quantity)) == Decimal("10.00")
    assert db.session.scalar(select(ReportRevision.submitted_at)) is None
