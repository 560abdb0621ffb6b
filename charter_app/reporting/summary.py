"""Counted totals kept in step: a quarter's figures without reading its entries.

`counted_totals` holds, for every quarter x measure x area x typed location x checked-or-not,
the sum of the gross and net (whole millionths of a pound) and the number of entries of the
revisions that count (a report's `submitted_revision`). The collective report reads it instead
of the entries, so generating a quarter's report costs the same at 1,000,000 entries as at
48,000 (bench/scale.py). Figures for one organisation still come from the entries
(reporting/totals.py): the summary has no organisation in its key.

It changes in the same transaction as the reports, through the session's flush: before a flush,
the reports it will change or delete (and every report of a deleted organisation) are taken out
of the totals as the database holds them; after it, the reports it added or changed are put
back as they now stand. A submitted revision never changes, so a report's contribution changes
only with its `submitted_revision_id` or its status. Each step is one INSERT ... SELECT ...
ON CONFLICT DO UPDATE adding signed amounts to the stored ones (`gross = gross + excluded`),
which concurrent transactions can interleave safely: nothing is read into Python and written
back. UPDATE and DELETE statements run through the session (ORM bulk updates, and
charter_app/deletion.py walking the foreign keys) take the reports they touch out before they
run and put them back after. Bulk Core inserts outside the session (the benchmarks' seeding)
call `rebuild()`.
"""

from sqlalchemy import (
    BigInteger,
    Integer,
    delete,
    event,
    func,
    literal,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from charter_app.organisations.models import Organisation
from charter_app.reporting.models import (
    CountedTotal,
    QuarterlyReport,
    ReportEntry,
    ReportRevision,
    ReportStatus,
)

_PENDING = "counted_totals_pending"
BATCH = 10_000


def typed_location():
    """An entry's location as local needs match it against postcodes: capitals, no spaces;
    '' for none. Literal SQL (not bound parameters), so PostgreSQL sees the same expression in
    the select list and the GROUP BY."""
    entries = ReportEntry.__table__.c
    spaceless = func.replace(entries.location, literal_column("' '"), literal_column("''"))
    return func.coalesce(func.upper(spaceless), literal_column("''"))


def _contributions(sign: int, reports_where):
    """The counted entries of the reports `reports_where` selects, grouped into summary rows,
    each amount times `sign`."""
    entries, reports = ReportEntry.__table__.c, QuarterlyReport.__table__.c
    area = func.coalesce(entries.area, literal_column("''"))
    location = typed_location()
    checked = reports.status == literal_column(f"'{ReportStatus.CHECKED.value}'")
    signed = literal(sign, Integer)

    def total(column):  # whole millionths as they are stored, not pounds
        return type_coerce(signed * func.coalesce(func.sum(column), literal_column("0")),
                           BigInteger)

    return (
        select(reports.financial_year, reports.quarter, entries.measure_id, area, location,
               checked.label("checked"),
               total(entries.gross), total(entries.net), signed * func.count())
        .select_from(ReportEntry.__table__.join(
            QuarterlyReport.__table__, reports.submitted_revision_id == entries.revision_id))
        .where(reports_where)
        .group_by(reports.financial_year, reports.quarter, entries.measure_id, area, location,
                  checked)
        # Rows in key order, so concurrent transactions lock summary rows in the same order.
        .order_by(reports.financial_year, reports.quarter, entries.measure_id, area, location,
                  checked))


KEY = ("financial_year", "quarter", "measure_id", "area", "location", "checked")
AMOUNTS = ("gross", "net", "entries")


def add(connection, sign: int, reports_where) -> None:
    """Add (sign 1) or take away (sign -1) these reports' counted entries, in one statement."""
    table = CountedTotal.__table__
    dialect = connection.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).from_select([*KEY, *AMOUNTS],
                                          _contributions(sign, reports_where))
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in KEY],
        set_={name: table.c[name] + statement.excluded[name] for name in AMOUNTS})
    connection.execute(statement)


def rebuild(connection) -> None:
    """Recount the whole summary from the entries (after bulk writes, and in the migration)."""
    connection.execute(delete(CountedTotal.__table__))
    add(connection, 1, QuarterlyReport.__table__.c.submitted_revision_id.is_not(None))


def recount(connection) -> dict[tuple, tuple[int, int, int]]:
    """What the summary should hold, from the entries: key -> (gross, net, entries), in
    millionths; rows that add up to nothing are left out (tests compare it with `stored`)."""
    rows = connection.execute(_contributions(
        1, QuarterlyReport.__table__.c.submitted_revision_id.is_not(None)))
    return {tuple(row[:6]): tuple(int(value) for value in row[6:]) for row in rows
            if any(row[6:])}


def stored(connection) -> dict[tuple, tuple[int, int, int]]:
    table = CountedTotal.__table__
    rows = connection.execute(select(*(table.c[name] for name in KEY),
                                     *(type_coerce(table.c[name], BigInteger) for name in AMOUNTS)))
    return {tuple(row[:6]): tuple(int(value) for value in row[6:]) for row in rows
            if any(row[6:])}


def _touched(session: Session) -> tuple[set[int], set[int]]:
    report_ids, organisation_ids = set(), set()
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, QuarterlyReport) and obj.id is not None:
            report_ids.add(obj.id)
        elif isinstance(obj, Organisation) and obj in session.deleted and obj.id is not None:
            organisation_ids.add(obj.id)
    return report_ids, organisation_ids


@event.listens_for(Session, "before_flush")
def _take_out(session: Session, flush_context, instances) -> None:
    report_ids, organisation_ids = _touched(session)
    session.info.pop(_PENDING, None)
    if not (report_ids or organisation_ids):
        return
    reports = QuarterlyReport.__table__.c
    where = reports.id.in_(report_ids) | reports.organisation_id.in_(organisation_ids)
    add(session.connection(), -1, where)
    session.info[_PENDING] = report_ids


@event.listens_for(Session, "after_flush")
def _put_back(session: Session, flush_context) -> None:
    report_ids = set(session.info.pop(_PENDING, set()))
    report_ids |= {obj.id for obj in session.new if isinstance(obj, QuarterlyReport)}
    if report_ids:
        add(session.connection(), 1, QuarterlyReport.__table__.c.id.in_(report_ids))



# Columns whose change can change a report's contribution; other bulk updates (the demo's
# timestamps) are let through untouched.
_COUNTED_COLUMNS = {
    "quarterly_reports": {"financial_year", "quarter", "status", "submitted_revision_id"},
    "report_revisions": set(),  # only deleting one matters
    "report_entries": {"revision_id", "measure_id", "area", "location", "gross", "net"},
}


def _changed_columns(state) -> set[str]:
    if isinstance(state.parameters, list):  # by primary key: "id" names the row
        return {name for row in state.parameters for name in row} - {"id"}
    values = getattr(state.statement, "_values", None) or {}
    return {getattr(key, "key", key) for key in values}


def _reports_touched(state, table_name: str) -> list[int]:
    reports = QuarterlyReport.__table__.c
    criteria = state.statement.whereclause
    if criteria is None and isinstance(state.parameters, list):
        # A bulk UPDATE by primary key: the rows are named in its parameters.
        table = {"quarterly_reports": QuarterlyReport, "report_revisions": ReportRevision,
                 "report_entries": ReportEntry}[table_name].__table__
        criteria = table.c.id.in_([row["id"] for row in state.parameters if "id" in row])
    if table_name == "quarterly_reports":
        chosen = select(reports.id).where(criteria) if criteria is not None else select(
            reports.id)
    elif table_name == "report_revisions":
        revisions = select(ReportRevision.__table__.c.id)
        chosen = select(reports.id).where(reports.submitted_revision_id.in_(
            revisions.where(criteria) if criteria is not None else revisions))
    else:
        revisions = select(ReportEntry.__table__.c.revision_id)
        chosen = select(reports.id).where(reports.submitted_revision_id.in_(
            revisions.where(criteria) if criteria is not None else revisions))
    return list(state.session.connection().scalars(chosen))


@event.listens_for(Session, "do_orm_execute")
def _bulk_statements(state):
    """An UPDATE or DELETE on reports, revisions or entries that bypasses the flush."""
    if not (state.is_update or state.is_delete):
        return None
    table_name = getattr(state.statement.table, "name", None)
    if table_name not in _COUNTED_COLUMNS:
        return None
    if state.is_update and not _changed_columns(state) & _COUNTED_COLUMNS[table_name]:
        return None
    report_ids = _reports_touched(state, table_name)
    if not report_ids:
        return None
    reports = QuarterlyReport.__table__.c
    connection = state.session.connection()
    # In batches: a statement may carry only so many parameters (65,535 on PostgreSQL).
    batches = [report_ids[start:start + BATCH] for start in range(0, len(report_ids), BATCH)]
    for batch in batches:
        add(connection, -1, reports.id.in_(batch))
    result = state.invoke_statement()
    for batch in batches:
        add(connection, 1, reports.id.in_(batch))
    return result
