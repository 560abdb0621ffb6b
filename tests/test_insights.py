"""Staff insights: every figure on the page and in each CSV equals a recount done here in plain
Python from the rows the builders made; filters by year and area; empty years and areas; bad
filters; access; and a bounded number of statements whatever the data size."""

import csv
import io
import re
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from statistics import median

import pytest
from sqlalchemy import select, update

from charter_app.events.models import Event, EventStatus, Registration
from charter_app.extensions import db
from charter_app.organisations.models import Organisation, StatusChange
from charter_app.pledges.models import Measure, PledgePeriod
from charter_app.reporting.models import AnnualUpdate, QuarterlyReport
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reports import insights
from charter_app.timeutil import LONDON, london_date, utcnow, working_days_between
from tests.builders import PASSWORD
from tests.conftest import counting_statements, log_in

KIND_LABELS = {"meet_the_buyer": "Meet the buyer", "webinar": "Webinar",
               "workshop": "Workshop"}
STATE_LABELS = {"draft": "Draft", "submitted": "Submitted", "approved": "Approved",
                "rejected": "Rejected", "lapsed": "Lapsed", "withdrawn": "Withdrawn",
                "suspended": "Suspended"}
INJECTED = "=HYPERLINK(\"http://evil.example\",\"Click\")"


# --- the data ----------------------------------------------------------------------------------


def _this_year() -> int:
    return FinancialQuarter.containing(london_date(utcnow())).year


def _year_start(year: int) -> datetime:
    return datetime.combine(FinancialQuarter(year, 1).starts_on, time(), tzinfo=LONDON)


def _within_this_year(fraction: float) -> datetime:
    """A moment between the start of the running financial year and now."""
    start, now = _year_start(_this_year()).astimezone(UTC), utcnow()
    return start + (now - start) * fraction


def _submit_at(report: QuarterlyReport, moment: datetime) -> None:
    db.session.execute(update(QuarterlyReport).where(QuarterlyReport.id == report.id)
                       .values(first_submitted_at=moment))


def _change(organisation, from_status, to_status, moment) -> None:
    db.session.add(StatusChange(organisation_id=organisation.id, from_status=from_status,
                                to_status=to_status, created_at=moment))


def build_scenario(build, prefix: str = "") -> None:
    """Signatories of both sectors, every size and several areas, in every state; reports on
    time, late and never sent; moves between states, renewals and a lapse; events held and to
    come, with check-ins, across this financial year and the one before."""
    year = _this_year()
    last_year_start = _year_start(year - 1).astimezone(UTC)
    q1 = FinancialQuarter(year, 1)
    old = build.organisation(status="approved", name=f"{prefix}Old Mill Ltd",
                             approved_at=last_year_start + timedelta(days=20),
                             size_band="large", area="Durham",
                             pledges={"CDP-JOB-03": "10", "CDP-ENV-01": "5"})
    new = build.organisation(status="approved", name=f"{prefix}New Start CIC", sector="third",
                             size_band="micro", area="Easington",
                             approved_at=_within_this_year(0.05),
                             pledges={"CDP-SOC-01": "3"})
    lapsed = build.organisation(status="lapsed", name=f"{prefix}Lapsed Ltd",
                                size_band="medium", area="Durham",
                                approved_at=last_year_start + timedelta(days=40))
    unplaced = build.organisation(status="approved", name=f"{prefix}Nowhere Ltd", area=None,
                                  approved_at=last_year_start + timedelta(days=70))
    build.organisation(status="withdrawn", name=f"{prefix}Gone Ltd",
                       approved_at=last_year_start + timedelta(days=10))
    build.organisation(status="rejected", name=f"{prefix}Refused Ltd", area="Teesdale")
    build.organisation(status="submitted", name=f"{prefix}Waiting One Ltd",
                       submitted_at=utcnow() - timedelta(days=2))
    build.organisation(status="submitted", name=f"{prefix}Waiting Two Ltd", area="Sedgefield",
                       submitted_at=utcnow() - timedelta(days=16))
    build.organisation(status="draft", name=f"{prefix}Just Started Ltd", complete=False)

    # Reports: last year's four quarters (on time, late, late, never), this year's first.
    for number, delay in ((1, -3), (2, 5), (3, 40)):
        quarter = FinancialQuarter(year - 1, number)
        report = build.report(old, quarter)
        _submit_at(report, datetime.combine(quarter.due_on + timedelta(days=delay),
                                            time(12), tzinfo=UTC))
    report = build.report(lapsed, FinancialQuarter(year - 1, 1))
    _submit_at(report, datetime.combine(FinancialQuarter(year - 1, 1).due_on, time(23, 30),
                                        tzinfo=UTC))  # 00:30 the next day in London: late
    if utcnow().date() > q1.ends_on:
        report = build.report(new, q1)
        _submit_at(report, utcnow() - timedelta(hours=1))
    build.report(unplaced, FinancialQuarter(year - 1, 4), submit=False)

    # Moves, renewals and a lapse.
    _change(new, "draft", "submitted", _within_this_year(0.02))
    _change(new, "submitted", "approved", _within_this_year(0.05))
    _change(lapsed, "approved", "lapsed", _within_this_year(0.3))
    _change(old, "approved", "approved", _within_this_year(0.4))
    _change(unplaced, "lapsed", "approved", _within_this_year(0.6))
    _change(old, "approved", "suspended", last_year_start + timedelta(days=100))
    _change(old, "suspended", "approved", last_year_start + timedelta(days=101))
    for organisation, moment in ((old, _within_this_year(0.4)),
                                 (unplaced, _within_this_year(0.6))):
        db.session.add(AnnualUpdate(organisation_id=organisation.id,
                                    pledge_period_id=organisation.current_pledge_period_id,
                                    submitted_at=moment))
    db.session.commit()

    # Events: one held this year (three places, two checked in), one to come, one cancelled.
    held = build.event(kind="workshop", title=INJECTED if not prefix else f"{prefix}Workshop")
    coming = build.event(kind="webinar", title=f"{prefix}Webinar to come")
    cancelled = build.event(title=f"{prefix}Called off")
    places = [build.registration(held, old), build.registration(held, old),
              build.registration(held, new), build.registration(coming, new),
              build.registration(cancelled, lapsed)]
    starts = _within_this_year(0.5)
    db.session.execute(update(Event).where(Event.id == held.id)
                       .values(starts_at=starts, ends_at=starts + timedelta(hours=3)))
    db.session.execute(update(Event).where(Event.id == cancelled.id)
                       .values(status=EventStatus.CANCELLED))
    for registration in places[:1] + places[2:3]:
        db.session.execute(update(Registration).where(Registration.id == registration.id)
                           .values(checked_in_at=starts + timedelta(minutes=5)))
    db.session.commit()


# --- the recount, in plain Python --------------------------------------------------------------


def _all(model) -> list:
    return list(db.session.scalars(select(model)))


def _in_year(moment: datetime | None, year: int) -> bool:
    return moment is not None and FinancialQuarter.containing(london_date(moment)).year == year


def _in_quarter(moment, quarter: FinancialQuarter) -> bool:
    return moment is not None and quarter.starts_on <= london_date(moment) <= quarter.ends_on


def recount(year: int, area: str | None) -> dict[str, dict]:
    """Every section's figures, {section: {label: [values]}}, from the raw rows."""
    today, now = london_date(utcnow()), utcnow()
    organisations = {row.id: row for row in _all(Organisation)}

    def in_area(organisation_id) -> bool:
        return area is None or organisations[organisation_id].area == area

    chosen = [row for row in organisations.values() if in_area(row.id)]
    changes = [row for row in _all(StatusChange)
               if in_area(row.organisation_id) and _in_year(row.created_at, year)]
    quarters = [FinancialQuarter(year, number) for number in range(1, 5)]

    # The pipeline.
    now_by_state = Counter(row.status for row in chosen)
    moved = Counter(row.to_status for row in changes if row.from_status != row.to_status)
    moved["draft"] = sum(_in_year(row.created_at, year) for row in chosen)
    pipeline = {STATE_LABELS[state]: [now_by_state[state], moved[state]]
                for state in STATE_LABELS}
    waits = [working_days_between(london_date(row.submitted_at), today)
             for row in chosen if row.status == "submitted"]
    pipeline["Applications waiting"] = [len(waits), ""]
    pipeline["Median wait"] = [median(waits) if waits else "", ""]
    pipeline["Longest wait"] = [max(waits) if waits else "", ""]

    # Signatories.
    year_end = FinancialQuarter(year, 4).ends_on
    listed = [row for row in chosen if row.status in ("approved", "lapsed")
              and london_date(row.approved_at) <= year_end]
    measures = {row.id: row.theme for row in _all(Measure)}
    periods = {row.id: row for row in _all(PledgePeriod)}
    signatories = Counter()
    for row in listed:
        signatories[("sector", row.sector)] += 1
        signatories[("size", row.size_band)] += 1
        signatories[("area", row.area)] += 1
        period = periods.get(row.current_pledge_period_id)
        for theme in {measures[pledge.measure_id] for pledge in (period.pledges if period
                                                                  else [])}:
            signatories[("theme", theme)] += 1

    # Reporting compliance.
    reports = [row for row in _all(QuarterlyReport)
               if row.financial_year == year and row.submitted_revision_id is not None]
    compliance = {}
    for quarter in quarters:
        if today < quarter.starts_on:
            continue
        due, missing_from = (quarter.ends_on + timedelta(days=30),
                             quarter.ends_on + timedelta(days=60))
        expected = {row.id for row in chosen if row.status in ("approved", "lapsed")
                    and row.approved_at and london_date(row.approved_at) <= quarter.ends_on}
        sent = [row for row in reports if row.quarter == quarter.number
                and row.organisation_id in expected]
        on_time = sum(london_date(row.first_submitted_at) <= due for row in sent)
        late = len(sent) - on_time
        not_in = len(expected) - len(sent)
        missing = not_in if today >= missing_from else 0
        overdue = not_in if due < today < missing_from else 0
        compliance[quarter.label] = [on_time, late, missing, overdue,
                                     not_in - missing - overdue, len(expected)]

    # Lapses and renewals.
    updates = [row for row in _all(AnnualUpdate) if in_area(row.organisation_id)]
    renewals = {}
    for quarter in quarters:
        renewals[quarter.label] = [
            sum(1 for period in periods.values() if in_area(period.organisation_id)
                and period.ends_on
                and quarter.starts_on <= period.ends_on + timedelta(days=1) <= quarter.ends_on),
            sum(_in_quarter(row.submitted_at, quarter) for row in updates),
            sum(_in_quarter(row.created_at, quarter) for row in changes
                if (row.from_status, row.to_status) == ("approved", "lapsed")),
            sum(_in_quarter(row.created_at, quarter) for row in changes
                if (row.from_status, row.to_status) == ("lapsed", "approved")),
        ]

    # Events.
    events = {row.id: row for row in _all(Event)
              if row.status == "published" and _in_year(row.starts_at, year)}
    per_event = {row.id: [0, 0, 0] for row in events.values()}
    for registration in _all(Registration):
        if registration.event_id not in events or registration.status != "confirmed":
            continue
        if area is not None and not (registration.organisation_id
                                     and in_area(registration.organisation_id)):
            continue
        counts = per_event[registration.event_id]
        counts[0] += 1
        counts[1] += registration.checked_in_at is not None
        counts[2] += (registration.checked_in_at is None
                      and events[registration.event_id].ends_at <= now)
    by_kind = {label: [0, 0, 0, 0] for label in KIND_LABELS.values()}
    for event_id, counts in per_event.items():
        totals = by_kind[KIND_LABELS[events[event_id].kind]]
        for index, value in enumerate([*counts, 1]):
            totals[index] += value
    return {"pipeline": pipeline, "signatories": dict(signatories), "compliance": compliance,
            "renewals": renewals, "events": by_kind,
            # As the CSV writes it: a title a spreadsheet would run is quoted.
            "each_event": {("'" if events[key].title.startswith("=") else "")
                           + events[key].title: value for key, value in per_event.items()}}


# --- reading what the service shows ------------------------------------------------------------


def _number(cell: str):
    if cell == "":
        return ""
    value = Decimal(cell)
    return int(value) if value == int(value) else float(value)


def read_csv(client, section: str, query: str = "") -> list[list[str]]:
    response = client.get(f"/staff/insights/{section}.csv{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    filename = re.search(r'filename="([^"]+)"', response.headers["Content-Disposition"])[1]
    assert re.fullmatch(r"insights-[a-z]+-[0-9]{4}-[0-9]{2}(-[a-z-]+)?\.csv", filename)
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


class Tables(HTMLParser):
    """Each table's rows, by the table's id: the header cell and the numbers."""

    def __init__(self):
        super().__init__()
        self.tables, self.table, self.row, self.cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table":
            self.table = self.tables.setdefault(attributes.get("id"), [])
        elif tag == "tr" and self.table is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.table.append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def page_tables(client, query: str = "") -> dict[str, dict]:
    response = client.get(f"/staff/insights{query}")
    assert response.status_code == 200
    parser = Tables()
    parser.feed(response.get_data(as_text=True))
    return {table_id.removesuffix("-table"): {row[0]: [_number(cell) for cell in row[1:]]
                                              for row in rows[1:]}
            for table_id, rows in parser.tables.items()}


def shown(client, query: str = "") -> dict[str, dict]:
    """The figures of each section, from the CSVs, after checking the page shows the same."""
    tables = page_tables(client, query)
    found = {}

    def zeros(rows) -> dict:
        """An empty section shows "No data" and no table: its CSV must hold only zeros."""
        return {row[0]: [0 for value in row[1:] if value != ""] for row in rows}
    for section in ("pipeline", "compliance", "renewals", "events"):
        rows = read_csv(client, section, query)[1:]
        if section == "events":
            found["each_event"] = {row[0]: [int(value) for value in row[3:]] for row in rows
                                   if not row[0].startswith("All ")}
            rows = [row for row in rows if row[0].startswith("All ")]
            found[section] = {row[1]: [int(value) for value in row[3:]] for row in rows}
            table = tables.get("events") or {label: [0, 0, 0, 0] for label in found[section]}
            assert {label: values[:3] for label, values in table.items()} == found[section]
            found[section] = {label: [*values, table[label][3]]
                              for label, values in found[section].items()}
            continue
        found[section] = {row[1]: [_number(value) for value in row[2:]] for row in rows}
        shown_table = tables.get(section) or zeros(
            [[label, *values] for label, values in found[section].items()
             if label in STATE_LABELS.values() or "Q" in label])
        table = {label: values for label, values in found[section].items()
                 if label in shown_table}
        assert table == shown_table, section
    labels = {"sector": {"Private": "private", "VCSE": "third"},
              "size": {"Micro": "micro", "Small": "small", "Medium": "medium",
                       "Large": "large"},
              "theme": {"Jobs": "jobs", "Growth": "growth", "Social": "social",
                        "Environment": "environment", "Innovation": "innovation"}}
    found["signatories"] = {}
    for group in ("sector", "size", "area", "theme"):
        for label, (count,) in tables.get(group, {}).items():
            key = None if label == "Not given" else labels.get(group, {}).get(label, label)
            if count:
                found["signatories"][(group, key)] = count
    csv_rows = read_csv(client, "signatories", query)[1:]
    assert sum(int(row[2]) for row in csv_rows) == sum(found["signatories"].values())
    return found


@pytest.fixture
def staff_client(app, build):
    staff = build.staff()
    client = app.test_client()
    log_in(client, staff.email, PASSWORD)
    return client


# --- the tests ---------------------------------------------------------------------------------


def test_every_figure_equals_a_recount_from_the_raw_rows(app, build, staff_client):
    build_scenario(build)
    year = _this_year()
    expected = recount(year, None)
    assert shown(staff_client) == expected
    # Something of each kind was counted, so the comparison is not of zeros.
    assert expected["pipeline"]["Submitted"] == [2, 1]
    assert expected["pipeline"]["Lapsed"] == [1, 1]
    assert expected["signatories"][("area", None)] == 1
    assert expected["events"]["Workshop"] == [3, 2, 1, 1]
    assert expected["renewals"][FinancialQuarter.containing(
        london_date(_within_this_year(0.4))).label][1] >= 1


def test_the_year_filter_counts_that_year(app, build, staff_client):
    build_scenario(build)
    last_year = FinancialQuarter(_this_year() - 1, 1).financial_year
    query = f"?year={last_year}"
    expected = recount(_this_year() - 1, None)
    assert shown(staff_client, query) == expected
    assert expected["compliance"][f"{last_year} Q1"][:2] == [1, 1]  # the one on BST: late
    assert expected["compliance"][f"{last_year} Q2"][:2] == [0, 1]
    assert f"Showing {last_year}, all of County Durham." in staff_client.get(
        f"/staff/insights{query}").get_data(as_text=True)


@pytest.mark.parametrize("area", ["Durham", "Easington"])
def test_the_area_filter_counts_that_area_only(app, build, staff_client, area):
    build_scenario(build)
    expected = recount(_this_year(), area)
    assert shown(staff_client, f"?area={area}") == expected
    assert set(key for group, key in expected["signatories"] if group == "area") == {area}


def test_an_empty_area_and_an_empty_database_show_no_data(app, build, staff_client):
    page = staff_client.get("/staff/insights").get_data(as_text=True)
    assert page.count("No data for") == 5
    build_scenario(build)
    page = staff_client.get("/staff/insights?area=Wear+Valley").get_data(as_text=True)
    assert "No data for applications" in page
    assert "No data for signatories" in page
    for section in ("pipeline", "signatories", "compliance", "renewals", "events"):
        assert read_csv(staff_client, section, "?area=Wear+Valley")[0]


@pytest.mark.parametrize("query, message", [
    ("?year=2026-28", "Choose a financial year from the list"),
    ("?year=1999-00", "Choose a financial year from the list"),
    ("?year=%00%27;drop", "Choose a financial year from the list"),
    ("?area=Gateshead", "Choose an area of County Durham from the list"),
    ("?area=" + "x" * 5000, "Choose an area of County Durham from the list"),
])
def test_bad_filters_get_a_message_not_an_error(app, build, staff_client, query, message):
    page = staff_client.get(f"/staff/insights{query}")
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    assert "Error: Staff insights" in page.get_data(as_text=True)
    download = staff_client.get(f"/staff/insights/events.csv{query}")
    assert download.status_code == 400
    assert message in download.get_data(as_text=True)


def test_a_csv_cell_never_runs_as_a_formula(app, build, staff_client):
    build_scenario(build)
    rows = read_csv(staff_client, "events")
    titles = [row[0] for row in rows[1:]]
    assert "'" + INJECTED in titles
    assert INJECTED not in titles


def test_a_csv_is_named_for_its_section_year_and_area(app, build, staff_client):
    response = staff_client.get("/staff/insights/signatories.csv?year=&area=Chester-le-Street")
    year = FinancialQuarter(_this_year(), 1).financial_year
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="insights-signatories-{year}-chester-le-street.csv"')
    assert staff_client.get("/staff/insights/secrets.csv").status_code == 404


def test_only_staff_see_the_insights(app, build):
    owner = build.user()
    build.organisation(owner, status="approved")
    client = app.test_client()
    assert client.get("/staff/insights").status_code == 302
    assert client.get("/staff/insights/pipeline.csv").status_code == 302
    log_in(client, owner.email, PASSWORD)
    assert client.get("/staff/insights").status_code == 403
    assert client.get("/staff/insights/events.csv").status_code == 403


def test_the_staff_home_links_to_the_insights(app, build, staff_client):
    assert 'href="/staff/insights"' in staff_client.get("/staff/").get_data(as_text=True)


def test_the_same_number_of_statements_whatever_the_data_size(app, build):
    filters = insights.Filters(year=_this_year(), area=None)
    counts = []
    for size in (1, 4):
        for number in range(size):
            build_scenario(build, prefix=f"{size}-{number} ")
        with counting_statements(app) as statements:
            found = insights.insights(filters, utcnow())
        counts.append(len(statements))
        assert found.pipeline.states[1].now == 2 * (size if size == 1 else size + 1)
    assert counts[0] == counts[1] <= 10
