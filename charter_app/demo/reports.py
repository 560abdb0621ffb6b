"""Demo quarterly reports: two financial years of them for most signatories, filed through the
reporting services so every figure is worked out, and frozen, as a real submission's would be.
Staff checks and the query go through reporting/checks.py, annual updates through
reporting/annual.py, and the lapse through the daily job, so the demo keeps the same rules.

Most demo signatories signed in the last quarter of the financial year before last (see
organisations.reporting_start), renewed on their anniversary with an annual update, and have
reported every quarter since; staff checked most older reports. The exceptions are what the staff
and dashboard pages need to show: a few signatories are late or missing with recent quarters, one
lapsed when its annual update went more than 60 days overdue, the demo signatory corrected one
report and has another queried, some are part-way through this quarter's report, and a few
publish their figures.

Proxy values: the catalogue has example values for one financial year only. For the year before,
the demo reuses them, saying so in each value's source; they are never added by a migration.
Measures with no proxy value are reported but not valued, as the services' rule says.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select, update

from charter_app.accounts.models import User
from charter_app.demo import organisations, pledges, wording
from charter_app.extensions import db
from charter_app.organisations.data_postcodes import AREAS
from charter_app.organisations.models import ApplicationStatus, Organisation, StatusChange
from charter_app.pledges.models import Measure, PledgePeriod, ProxyValue
from charter_app.reporting import annual, checks, services
from charter_app.reporting import tasks as reporting_tasks
from charter_app.reporting.models import (
    AnnualUpdate,
    CatalogueChange,
    QuarterlyReport,
    ReportCheck,
    ReportEntry,
    ReportRevision,
)
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.timeutil import london_date

PUBLISHERS = 6  # the demo signatory and five others
EXTRA_MEASURES = ("CDP-SOC-02", "CDP-SOC-01", "CDP-JOB-05")  # reported now and then unpledged
QUERY_MESSAGE = (
    "Thank you for this report. Could you add evidence for your figures, such as timesheets, "
    "a rota or invoices? Please correct the report with a link to it or the files attached.")
CORRECTED = "CDP-JOB-03"  # the demo signatory left out an apprentice's weeks
CORRECTION_NOTE = "Added the second apprentice's weeks, which we had left out."


@dataclass
class Stamps:
    """When things really happened. The services stamp rows with the time they run; the demo's
    reports, checks, annual updates and lapse happened in the past, so their times are written
    afterwards, in one statement per table."""

    reports: dict[int, dict] = field(default_factory=dict)
    revisions: list[dict] = field(default_factory=list)
    entries: list[dict] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    periods: list[dict] = field(default_factory=list)
    status_changes: list[dict] = field(default_factory=list)

    def filed(self, report: QuarterlyReport, revision, started: datetime,
              finished: datetime) -> None:
        started = min(started, finished)
        row = self.reports.setdefault(report.id, {"id": report.id, "created_at": started})
        row["updated_at"] = finished
        if revision.submitted_at is not None:
            row.setdefault("first_submitted_at", finished)
        self.revisions.append({"id": revision.id, "created_at": started,
                               "submitted_at": finished if revision.submitted_at else None})
        middle = started + (finished - started) / 2
        self.entries.extend({"id": entry.id, "created_at": middle, "updated_at": middle}
                            for entry in revision.entries)

    def submitted_at(self, report: QuarterlyReport) -> datetime:
        return self.reports[report.id]["updated_at"]

    def checked(self, report: QuarterlyReport, check: ReportCheck, when: datetime) -> None:
        self.checks.append({"id": check.id, "created_at": when})
        self.reports[report.id]["updated_at"] = when

    def renewed(self, update: AnnualUpdate, change_id: int, when: datetime) -> None:
        self.updates.append({"id": update.id, "submitted_at": when})
        self.periods.append({"id": update.next_period_id, "created_at": when})
        self.status_changes.append({"id": change_id, "created_at": when})

    def write(self) -> None:
        db.session.flush()
        rows = list(self.reports.values())
        for keys in {tuple(sorted(row)) for row in rows}:  # executemany needs the same keys
            db.session.execute(update(QuarterlyReport),
                               [row for row in rows if tuple(sorted(row)) == keys])
        for model, rows in ((ReportRevision, self.revisions), (ReportEntry, self.entries),
                            (ReportCheck, self.checks), (AnnualUpdate, self.updates),
                            (PledgePeriod, self.periods), (StatusChange, self.status_changes)):
            if rows:
                db.session.execute(update(model), rows)
        # The objects in the session still hold the times the services gave them.
        db.session.expire_all()


@dataclass
class Plan:
    """What happens to one signatory's reports."""

    organisation: Organisation
    owner: User | None
    showcase: bool = False  # the demo signatory: a correction, a query and a draft
    lapsed_on: date | None = None  # the anniversary it never sent its update for
    unsubmitted: set[FinancialQuarter] = field(default_factory=set)
    drafts: set[FinancialQuarter] = field(default_factory=set)  # started, not submitted


def seed(rng: random.Random, showcase: Organisation | None, others: list[Organisation],
         staff: User | None, now: datetime) -> None:
    """Reports, checks, annual updates, lapsing and publishing for approved signatories (already
    flushed, with their first pledge period dated)."""
    today = london_date(now)
    current = FinancialQuarter.containing(today)
    measures = list(db.session.scalars(select(Measure).order_by(Measure.sort_order, Measure.id)))
    by_id = {measure.id: measure for measure in measures}
    demo_proxy_values(measures, [current.year - 1, current.year], staff, now)
    plans = _plans(rng, showcase, others, today)
    stamps = Stamps()
    for plan in plans:
        _file_reports(rng, plan, by_id, staff, now, stamps)
    for plan in plans:
        if plan.lapsed_on:
            _lapse(plan, stamps)
    stamps.write()


# -- proxy values -----------------------------------------------------------------------------


def demo_proxy_values(measures: list[Measure], years: list[int], staff: User | None,
                      now: datetime) -> None:
    """For each year with no proxy value, the example value reused and labelled as such."""
    for measure in measures:
        examples = [proxy for proxy in measure.proxy_values
                    if proxy.is_example and proxy.value is not None]
        if not examples:
            continue
        example = examples[-1]
        have = {proxy.financial_year for proxy in measure.proxy_values}
        for year in years:
            if year in have:
                continue
            label, example_label = _year_label(year), _year_label(example.financial_year)
            source = (f"Demo data only: the {example_label} example value reused for {label}; "
                      f"not a published {label} figure")
            measure.proxy_values.append(ProxyValue(
                financial_year=year, value=example.value, source=source,
                edition=example.edition, is_example=True))
            db.session.add(CatalogueChange(
                subject="proxy_value", measure_code=measure.code, financial_year=year,
                before=None, after={"value": str(example.value), "source": source,
                                    "edition": example.edition},
                reason="Loaded with the demo data so that its reports have figures.",
                batch="demo-data", actor=staff, created_at=now))
    db.session.flush()


def _year_label(year: int) -> str:
    return FinancialQuarter(year, 1).financial_year


# -- who does what ----------------------------------------------------------------------------


def _owner(organisation: Organisation) -> User | None:
    return organisation.memberships[0].user if organisation.memberships else None


def _plans(rng: random.Random, showcase: Organisation | None, others: list[Organisation],
           today: date) -> list[Plan]:
    current = FinancialQuarter.containing(today)
    last_complete = _previous(current)
    plans = [Plan(organisation, _owner(organisation)) for organisation in others]
    can_lapse = [plan for plan in plans if _lapsable(plan.organisation, today)]
    if can_lapse:
        lapsed = rng.choice(can_lapse)
        lapsed.lapsed_on = pledges.anniversaries(lapsed.organisation, today)[-1]
    regular = [plan for plan in plans if not plan.lapsed_on]
    late = rng.sample(regular, k=min(len(regular), round(len(others) / 8)))
    for number, plan in enumerate(late):
        plan.unsubmitted.add(last_complete)
        if number < 2:  # and the quarter before, now missing
            plan.unsubmitted.add(_previous(last_complete))
        if number % 2:
            plan.drafts.add(last_complete)
    steady = [plan for plan in regular if plan not in late and _signed_by(
        plan.organisation, _previous(_previous(last_complete)))]
    publishers = rng.sample(steady, k=min(len(steady), PUBLISHERS - (showcase is not None)))
    for plan in publishers:
        plan.organisation.publishes_social_value = True
    for plan in regular:
        if rng.random() < 0.4:
            plan.drafts.add(current)
    if showcase is not None:
        showcase.publishes_social_value = True
        plans.insert(0, Plan(showcase, _owner(showcase), showcase=True, drafts={current}))
    return plans


def _lapsable(organisation: Organisation, today: date) -> bool:
    """Its last anniversary was more than 60 days ago: long enough for the update to lapse."""
    passed = pledges.anniversaries(organisation, today)
    return bool(passed) and (today - passed[-1]).days > 60


def _signed_by(organisation: Organisation, quarter: FinancialQuarter) -> bool:
    return london_date(organisation.approved_at) <= quarter.ends_on


def _previous(quarter: FinancialQuarter) -> FinancialQuarter:
    return FinancialQuarter(quarter.year - (quarter.number == 1), (quarter.number - 2) % 4 + 1)


# -- reports ----------------------------------------------------------------------------------


def _file_reports(rng: random.Random, plan: Plan, by_id: dict, staff: User | None,
                  now: datetime, stamps: Stamps) -> None:
    """The signatory's history in order: each quarter's report, staff checking it, and the
    annual update on each anniversary before the first quarter of the year it starts."""
    organisation, today = plan.organisation, london_date(now)
    quarters = services.reportable_quarters(organisation, today)
    current = quarters[-1]
    anniversaries = pledges.anniversaries(organisation, today)
    last_filed = None
    for index, quarter in enumerate(quarters):
        while anniversaries and anniversaries[0] <= quarter.ends_on \
                and anniversaries[0] != plan.lapsed_on:
            _annual_update(rng, plan, anniversaries.pop(0), last_filed, by_id, today, stamps)
        if services.period_holding(organisation, quarter) is None:
            continue  # after an anniversary whose update never came (the lapsed signatory)
        if quarter == current or quarter in plan.unsubmitted:
            if quarter in plan.drafts:
                _draft(rng, plan, quarter, by_id, now, stamps)
            continue
        report = _submitted(rng, plan, quarter, by_id, now, stamps)
        age = len(quarters) - 2 - index  # 0 for the last complete quarter
        if plan.showcase and age == 3:
            _correct(rng, plan, report, now, stamps)
        filed = stamps.submitted_at(report)
        last_filed = filed if last_filed is None else max(last_filed, filed)
        checked_on = min(stamps.submitted_at(report) + timedelta(days=rng.randint(3, 20)),
                         now - timedelta(minutes=30))
        revision_id = report.submitted_revision_id
        if plan.showcase and age == 0:
            check = checks.query_report(report, revision_id, staff, QUERY_MESSAGE)
        elif rng.random() < (0.25 if age == 0 else 0.75) or (plan.showcase and age > 0):
            check = checks.check_report(report, revision_id, staff)
        else:
            continue
        stamps.checked(report, check, checked_on)


def _submitted(rng: random.Random, plan: Plan, quarter: FinancialQuarter, by_id: dict,
               now: datetime, stamps: Stamps) -> QuarterlyReport:
    started = _started_on(rng, plan.organisation, quarter)
    report = services.start_report(plan.organisation, quarter, plan.owner, today=started)
    for entry in _entries(rng, plan, report, quarter, by_id, share=Decimal(1)):
        services.save_entry(report, entry, plan.owner)
    revision = services.submit_report(report, plan.owner)
    late = rng.random() < 0.08 and not plan.showcase
    submitted = quarter.ends_on + timedelta(
        days=rng.randint(31, 50) if late else rng.randint(3, 28))
    submitted_at = min(_at(submitted, rng.randint(8, 17)), now - timedelta(hours=1))
    stamps.filed(report, revision, _at(started, 9), submitted_at)
    return report


def _draft(rng: random.Random, plan: Plan, quarter: FinancialQuarter, by_id: dict,
           now: datetime, stamps: Stamps) -> None:
    """Part of a quarter's report: the entries so far, as monthly reporting encourages."""
    started = min(_started_on(rng, plan.organisation, quarter), london_date(now))
    report = services.start_report(plan.organisation, quarter, plan.owner, today=started)
    elapsed = min(Decimal((london_date(now) - quarter.starts_on).days) / 91, Decimal(1))
    entries = _entries(rng, plan, report, quarter, by_id, share=max(elapsed, Decimal("0.3")))
    for entry in entries[:rng.randint(1, 2)]:
        services.save_entry(report, entry, plan.owner)
    edited = min(_at(started + timedelta(days=rng.randint(0, 20)), 10), now)
    stamps.filed(report, report.draft_revision, _at(started, 9), edited)


def _correct(rng: random.Random, plan: Plan, report: QuarterlyReport, now: datetime,
             stamps: Stamps) -> None:
    """The demo signatory's correction: one quantity put right, as a second revision."""
    revision = services.start_correction(report, plan.owner)
    entry = next((entry for entry in revision.entries if entry.measure.code == CORRECTED),
                 revision.entries[0])
    added = min(max(entry.quantity // 4, Decimal(1)), entry.measure.plausible_max - entry.quantity)
    services.save_entry(report, services.EntryInput(
        measure_id=entry.measure_id, quantity=entry.quantity + added,
        description=entry.description + " Corrected: one person's weeks were left out.",
        location=entry.location, evidence_url=entry.evidence_url,
        deadweight=entry.deadweight, attribution=entry.attribution,
        displacement=entry.displacement, deflator_reason=entry.deflator_reason), plan.owner)
    services.submit_report(report, plan.owner, change_note=CORRECTION_NOTE)
    corrected_at = min(stamps.submitted_at(report) + timedelta(days=rng.randint(6, 12)),
                       now - timedelta(hours=2))
    stamps.filed(report, revision, corrected_at - timedelta(hours=1), corrected_at)


def _started_on(rng: random.Random, organisation: Organisation,
                quarter: FinancialQuarter) -> date:
    opens = max(quarter.starts_on, london_date(organisation.approved_at))
    return min(opens + timedelta(days=rng.randint(10, 70)), quarter.ends_on)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), UTC)


# -- entries ----------------------------------------------------------------------------------


def _entries(rng: random.Random, plan: Plan, report: QuarterlyReport,
             quarter: FinancialQuarter, by_id: dict,
             share: Decimal) -> list[services.EntryInput]:
    """An entry per pledged measure (now and then one skipped, or an unpledged one added), with
    a quarter's share of the 12-month target; less in the quarter the signatory signed."""
    organisation = plan.organisation
    approved_on = london_date(organisation.approved_at)
    if approved_on > quarter.starts_on:
        days_left = (quarter.ends_on - approved_on).days + 1
        share *= max(Decimal(days_left) / 91, Decimal("0.2"))
    targets = {pledge.measure_id: pledge.target for pledge in report.pledge_period.pledges}
    chosen = [measure_id for measure_id in targets
              if plan.showcase or rng.random() > 0.1] or list(targets)[:1]
    if rng.random() < 0.08:
        extra = next((m for m in by_id.values() if m.code in EXTRA_MEASURES
                      and m.id not in targets and rng.random() < 0.5), None)
        if extra is not None:
            targets[extra.id] = pledges.target_for(rng, extra, organisation.size_band)
            chosen.append(extra.id)
    return [_entry(rng, organisation, by_id[measure_id], targets[measure_id], share, quarter)
            for measure_id in chosen]


def _entry(rng: random.Random, organisation: Organisation, measure: Measure, target: Decimal,
           share: Decimal, quarter: FinancialQuarter) -> services.EntryInput:
    spread = Decimal(rng.randint(45, 145)) / 100
    quantity = min(pledges.rounded(target / 4 * share * spread, measure.unit),
                   measure.plausible_max)
    place = organisation.town or "County Durham"
    entry = services.EntryInput(
        measure_id=measure.id, quantity=quantity,
        description=wording.description(rng, measure.code, _shown(quantity), place),
        location=_location(rng, organisation))
    if rng.random() < 0.3 and organisation.website:
        entry.evidence_url = (f"{organisation.website}/news/"
                              f"{quarter.year}-q{quarter.number}-{measure.code.lower()}")
    # Changed deflators, where they make a difference: measures valued in that year.
    if rng.random() < 0.2 and services.proxy_for(measure, quarter.year) is not None:
        name, percentage, reason = wording.deflator_change(measure.code)
        setattr(entry, name, Decimal(percentage))
        entry.deflator_reason = reason
    return entry


def _shown(quantity: Decimal) -> str:
    return f"{quantity.normalize():,f}"


def _location(rng: random.Random, organisation: Organisation) -> str | None:
    """Mostly a postcode near the signatory, sometimes an area's name, now and then nothing."""
    roll = rng.random()
    district = (organisation.postcode or "DH1 1AA").split(" ")[0]
    if roll < 0.1:
        return None
    if roll < 0.3:
        return organisation.area or rng.choice(AREAS)
    if roll < 0.4:
        district = rng.choice(list(organisations.PLACES))
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{district} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


# -- annual updates and the lapse -------------------------------------------------------------


def _annual_update(rng: random.Random, plan: Plan, anniversary: date,
                   last_filed: datetime | None, by_id: dict, today: date,
                   stamps: Stamps) -> None:
    """The update reviewing the year that ends on the eve of `anniversary`, sent through the
    service: a few days early, or after the year's last report if that came later (a late
    update, which the service still takes within the grace period)."""
    organisation = plan.organisation
    sent_on = anniversary - timedelta(days=rng.randint(1, 12))
    if last_filed is not None:
        sent_on = max(sent_on, london_date(last_filed) + timedelta(days=1))
    sent_on = min(sent_on, today)
    period = organisation.current_pledge_period
    extra = {"CDP-SOC-02": "120", "CDP-ENV-01": "8"} if plan.showcase else None
    data = annual.UpdateInput(
        period_id=period.id,
        narratives={theme: wording.narrative(rng, theme) for theme in annual.themes_of(period)},
        targets=pledges.next_targets(rng, organisation, by_id, extra=extra))
    update = annual.submit_annual_update(organisation, data, plan.owner, today=sent_on)
    renewal = db.session.scalar(
        select(StatusChange.id).where(StatusChange.organisation_id == organisation.id)
        .order_by(StatusChange.id.desc()).limit(1))
    stamps.renewed(update, renewal, _at(sent_on, rng.randint(9, 16)))


def _lapse(plan: Plan, stamps: Stamps) -> None:
    """The daily job, run on the first day the signatory's update was past its grace period:
    it lapses it (and nobody else, as every other update was sent)."""
    job_ran = _at(annual.lapses_on(plan.lapsed_on), 6)
    reporting_tasks.lapse_overdue_signatories(job_ran)
    lapse = db.session.scalar(
        select(StatusChange.id).where(StatusChange.organisation_id == plan.organisation.id,
                                      StatusChange.to_status == ApplicationStatus.LAPSED))
    stamps.status_changes.append({"id": lapse, "created_at": job_ran})
