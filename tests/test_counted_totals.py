"""The summary the collective report reads (counted_totals) stays equal to a recount of the
counted entries, whatever signatories and staff do, and the totals read from it agree with
the totals read from the entries."""

import random
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from charter_app.deletion import delete_where
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused
from charter_app.organisations.models import Organisation
from charter_app.reporting import checks, services, summary, totals
from charter_app.reporting.models import QuarterlyReport, ReportStatus
from charter_app.reporting.quarters import FinancialQuarter

APPROVED = datetime(2026, 5, 10, 9, tzinfo=UTC)
QUARTERS = (FinancialQuarter(2026, 1), FinancialQuarter(2026, 2), FinancialQuarter(2026, 3))
CODES = ("CDP-JOB-03", "CDP-SOC-02", "CDP-JOB-01", "CDP-ENV-01")
# Area names, postcodes typed in different ways, and none: the summary's location key is the
# typed location in capitals without spaces, as local needs match postcodes.
LOCATIONS = (None, "Durham", "dh1 3he", "DH13HE", "Consett", "not a place")


def _in_step() -> None:
    connection = db.session.connection()
    assert summary.stored(connection) == summary.recount(connection)


def _totals_agree(organisations: list[Organisation]) -> None:
    """Every signatory's totals from the summary equal the sum of each one's from the entries."""
    for group in ("theme", "measure", "area", "quarter"):
        collective = totals.totals_by(group)
        added: dict = {}
        for organisation in organisations:
            for key, figures in totals.totals_by(group, organisation_id=organisation.id).items():
                added[key] = added.get(key, totals.Figures()) + figures
        assert collective == added, group


def _step(rng: random.Random, build, organisations, staff, owners) -> None:
    index = rng.randrange(len(organisations))
    organisation, owner = organisations[index], owners[index]
    quarter = rng.choice(QUARTERS)
    report = db.session.scalar(select(QuarterlyReport).where(
        QuarterlyReport.organisation_id == organisation.id,
        QuarterlyReport.financial_year == quarter.year,
        QuarterlyReport.quarter == quarter.number))
    if report is None:
        services.start_report(organisation, quarter, owner, today=date(2026, 12, 1))
        return
    action = rng.choice(("save", "save", "save", "remove", "submit", "correct", "discard",
                         "check", "query", "status"))
    try:
        if action == "save":
            services.save_entry(report, services.EntryInput(
                measure_id=build.measure(rng.choice(CODES)).id,
                quantity=Decimal(rng.randrange(0, 4000)) / 100, description="Work done",
                location=rng.choice(LOCATIONS)), owner)
        elif action == "remove" and report.draft_revision and report.draft_revision.entries:
            services.remove_entry(report, rng.choice(report.draft_revision.entries).id)
        elif action == "submit":
            services.submit_report(report, owner, change_note="Corrected figures")
        elif action == "correct":
            services.start_correction(report, owner)
        elif action == "discard":
            services.discard_draft(report)
        elif action == "check" and report.submitted_revision_id:
            checks.check_report(report, report.submitted_revision_id, staff)
        elif action == "query" and report.submitted_revision_id:
            checks.query_report(report, report.submitted_revision_id, staff, "Which site?")
        elif action == "status":  # staff tools and the demo set the status directly too
            report.status = rng.choice(list(ReportStatus))
            db.session.flush()
    except (services.ReportRefused, services.EntryInvalid, StateChangeRefused,
            checks.RevisionReplaced):
        db.session.rollback()


@pytest.mark.parametrize("seed", [1, 2])
def test_the_summary_equals_a_recount_after_any_sequence_of_changes(build, seed):
    rng = random.Random(seed)
    staff = build.staff()
    owners = [build.user() for _ in range(3)]
    organisations = [build.organisation(owner, status="approved", approved_at=APPROVED)
                     for owner in owners]
    for step in range(120):
        _step(rng, build, organisations, staff, owners)
        if step % 3 == 0:
            db.session.commit()
        _in_step()
    db.session.commit()
    counted = db.session.scalar(select(db.func.count()).select_from(QuarterlyReport).where(
        QuarterlyReport.submitted_revision_id.is_not(None)))
    assert counted >= 3, "the sequence should submit reports for the check to mean anything"
    assert totals.grand_total().gross > 0
    _totals_agree(organisations)

    # Erasing a signatory (deletion.py deletes children first with Core statements) takes its
    # reports out of the totals.
    delete_where(Organisation.__table__, select(Organisation.id).where(
        Organisation.id == organisations[0].id))
    db.session.expire_all()
    _in_step()
    _totals_agree(organisations[1:])


def test_a_rolled_back_change_leaves_the_summary_as_it_was(build):
    owner = build.user()
    organisation = build.organisation(owner, status="approved", approved_at=APPROVED)
    report = build.report(organisation, QUARTERS[1], entries={"CDP-JOB-03": "10"}, actor=owner)
    before = summary.stored(db.session.connection())
    db.session.commit()
    report.status = ReportStatus.CHECKED
    db.session.flush()
    assert totals.grand_total().checked_gross == totals.grand_total().gross > 0
    db.session.rollback()
    assert summary.stored(db.session.connection()) == before
    assert totals.grand_total().checked_gross == 0


def test_rebuild_recounts_after_writes_that_bypass_the_session(build):
    owner = build.user()
    organisation = build.organisation(owner, status="approved", approved_at=APPROVED)
    build.report(organisation, QUARTERS[1], entries={"CDP-JOB-03": "10"}, actor=owner)
    connection = db.session.connection()
    connection.execute(delete(summary.CountedTotal.__table__))
    assert summary.stored(connection) != summary.recount(connection)
    summary.rebuild(connection)
    _in_step()


def test_bulk_updates_through_the_session_keep_the_summary_in_step(build):
    owner = build.user()
    organisation = build.organisation(owner, status="approved", approved_at=APPROVED)
    for quarter in QUARTERS[1:]:
        build.report(organisation, quarter, entries={"CDP-JOB-03": "10", "CDP-SOC-02": "7"},
                     actor=owner)
    db.session.execute(update(QuarterlyReport).where(
        QuarterlyReport.organisation_id == organisation.id).values(status=ReportStatus.CHECKED))
    _in_step()
    assert totals.grand_total().checked_gross == totals.grand_total().gross > 0
    # By primary key, as the demo data sets its timestamps: nothing counted changes.
    report_id = db.session.scalar(select(QuarterlyReport.id).limit(1))
    db.session.execute(update(QuarterlyReport), [{"id": report_id, "status": "submitted"}])
    _in_step()
    assert totals.grand_total().checked_gross < totals.grand_total().gross
