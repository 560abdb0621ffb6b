"""A signatory's bid-ready social value statement: what it pledged, what it reported for the
last four complete quarters (from reports/figures.py, the one aggregation module), the events it
attended, the quality marks and carbon reduction plan it declares, and its current badge.

Generating one freezes it (`SocialValueStatement.snapshot`, plain JSON with amounts as decimal
strings) at an unguessable address that anyone holding it may open, and supersedes the one
before. Comparing a snapshot with the one that would be made now tells a buyer what changed.
Services flush; the request commits.
"""

from datetime import date, datetime
from decimal import Decimal

import segno
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from charter_app.accounts.models import User
from charter_app.badges.awards import current_awards
from charter_app.badges.models import AwardState, BadgeKind, is_public_id
from charter_app.events.attendance import attended_events
from charter_app.extensions import db
from charter_app.locking import lock_for_update
from charter_app.organisations import declarations
from charter_app.organisations.commitments import COMMITMENTS
from charter_app.organisations.models import Organisation
from charter_app.pledges.catalogue import THEME_ORDER
from charter_app.pledges.models import Measure, Pledge
from charter_app.reporting import totals
from charter_app.reporting.totals import Figures
from charter_app.reports.figures import organisation_figures
from charter_app.reports.statement_models import SocialValueStatement
from charter_app.timeutil import london_date, utcnow

STATEMENT_QUARTERS = 4
EVENTS_SHOWN = 30  # the latest; a statement stays one page
PENNY = Decimal("0.01")
# Sections of a statement, in the words the "changed since" banner uses.
SECTIONS = {
    "organisation": "the organisation's details",
    "charter": "its Charter status",
    "pledges": "its pledges",
    "social_value": "its reported social value",
    "events": "the events it attended",
    "quality_marks": "its quality marks",
    "carbon_reduction_plan": "its carbon reduction plan",
    "badges": "its badges",
}
# Which badge a statement leads with: the level, else the latest Reported one, else Signatory.
BADGE_PRECEDENCE = {BadgeKind.LEVEL: 0, BadgeKind.REPORTED: 1, BadgeKind.SIGNATORY: 2}


class StatementRefused(Exception):
    """Only a listed signatory (approved, or lapsed and marked so) makes statements."""


def _money(value: Decimal) -> str:
    return f"{Decimal(value).quantize(PENNY)}"


def _figures(figures: Figures) -> dict:
    return {"gross": _money(figures.gross), "net": _money(figures.net),
            "checked_gross": _money(figures.checked_gross),
            "unchecked_gross": _money(figures.gross - figures.checked_gross)}


def _day(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return (london_date(value) if isinstance(value, datetime) else value).isoformat()


def _social_value(organisation_id: int, today: date) -> dict:
    quarters = totals.last_complete_quarters(today, STATEMENT_QUARTERS)
    found = organisation_figures(organisation_id, quarters[0], quarters[-1])
    measures = {measure.id: measure for measure in db.session.scalars(select(Measure))}
    codes = {measure.code: measure for measure in measures.values()}
    proxies: dict[str, list] = {}
    for proxy in found.proxies:
        proxies.setdefault(measures[proxy.measure_id].code, []).append({
            "financial_year": f"{proxy.financial_year}-{(proxy.financial_year + 1) % 100:02d}",
            "value": None if proxy.value is None else f"{Decimal(proxy.value).normalize():f}",
            "source": proxy.source, "edition": proxy.edition,
            "national_toms_code": proxy.national_toms_code,
            "national_toms_edition": proxy.national_toms_edition})
    themes = found.grouped["theme"]
    by_measure = sorted(((code, value) for code, value in found.grouped["measure"].items()
                         if code is not None),
                        key=lambda item: (THEME_ORDER.index(codes[item[0]].theme),
                                          codes[item[0]].sort_order, item[0]))
    return {
        "from": quarters[0].starts_on.isoformat(), "to": quarters[-1].ends_on.isoformat(),
        "quarters": [quarter.label for quarter in quarters],
        "total": _figures(found.total),
        "by_theme": [{"theme": theme, **_figures(themes.get(theme, Figures()))}
                     for theme in THEME_ORDER],
        "by_measure": [{"code": code, "name": codes[code].name, "unit": codes[code].unit,
                        "theme": codes[code].theme, **_figures(value),
                        "proxies": proxies.get(code, [])} for code, value in by_measure],
    }


def _pledges(organisation: Organisation) -> dict:
    period = organisation.current_pledge_period
    pledges = [] if period is None else db.session.scalars(
        select(Pledge).where(Pledge.period_id == period.id)
        .options(selectinload(Pledge.measure))).all()
    pledges = sorted(pledges, key=lambda pledge: (THEME_ORDER.index(pledge.measure.theme),
                                                  pledge.measure.sort_order, pledge.measure.code))
    return {"from": _day(period and period.starts_on), "to": _day(period and period.ends_on),
            "items": [{"theme": pledge.measure.theme, "code": pledge.measure.code,
                       "name": pledge.measure.name, "unit": pledge.measure.unit,
                       "target": f"{Decimal(pledge.target).normalize():f}"}
                      for pledge in pledges]}


def _badges(organisation_id: int, now: datetime) -> list[dict]:
    valid = [award for award in current_awards(organisation_id)
             if award.state(now) == AwardState.VALID]
    valid.sort(key=lambda award: (BADGE_PRECEDENCE.get(award.kind, 3), -award.id))
    return [{"name": award.name, "kind": award.kind, "public_id": award.public_id,
             "valid_until": _day(award.valid_until)} for award in valid]


def build_snapshot(organisation: Organisation, now: datetime) -> dict:
    """Everything the statement shows, as of `now`, as plain JSON: a bounded number of
    statements (the figures' five, and one or two for each other section)."""
    today = london_date(now)
    plan = declarations.carbon_plan(organisation.id)
    return {
        "organisation": {"name": organisation.name, "slug": organisation.slug,
                         "identifier": organisation.identifier, "town": organisation.town,
                         "area": organisation.area, "website": organisation.website},
        "charter": {"status": organisation.status,
                    "signed_on": _day(organisation.approved_at),
                    "commitments": [title for _key, title, _text in COMMITMENTS]},
        "pledges": _pledges(organisation),
        "social_value": _social_value(organisation.id, today),
        "events": [{"title": event.title, "kind": event.kind, "on": _day(event.starts_at),
                    "attended": event.attended}
                   for event in attended_events(organisation.id)[:EVENTS_SHOWN]],
        "quality_marks": [{"name": mark.name, "certificate_number": mark.certificate_number,
                           "url": mark.url, "expires_on": _day(mark.expires_on)}
                          for mark in declarations.quality_marks(organisation.id)],
        "carbon_reduction_plan": plan and {"url": plan.url,
                                           "published_on": _day(plan.published_on),
                                           "review_on": _day(plan.review_on)},
        "badges": _badges(organisation.id, now),
    }


def current_statement(organisation_id: int) -> SocialValueStatement | None:
    return db.session.scalar(
        select(SocialValueStatement)
        .where(SocialValueStatement.organisation_id == organisation_id,
               SocialValueStatement.superseded_by_id.is_(None))
        .order_by(SocialValueStatement.id.desc()).limit(1))


def statements_of(organisation_id: int, limit: int = 20) -> list[SocialValueStatement]:
    """The latest first."""
    return list(db.session.scalars(
        select(SocialValueStatement)
        .where(SocialValueStatement.organisation_id == organisation_id)
        .order_by(SocialValueStatement.id.desc()).limit(limit)))


def generate_statement(organisation: Organisation, actor: User,
                       now: datetime | None = None) -> SocialValueStatement:
    """Freeze a new statement and supersede the current one.

    The organisation's row is locked first, so two requests at once make two statements one
    after the other, the second superseding the first: there is only ever one current.
    """
    now = now or utcnow()
    locked = lock_for_update(Organisation, organisation.id)
    if locked is None or not locked.is_listed:
        raise StatementRefused(locked.status if locked else "gone")
    previous = current_statement(organisation.id)
    statement = SocialValueStatement(organisation_id=organisation.id, generated_at=now,
                                     generated_by_id=actor.id,
                                     snapshot=build_snapshot(locked, now))
    db.session.add(statement)
    db.session.flush()
    if previous is not None:
        previous.superseded_by_id = statement.id
        db.session.flush()
    return statement


def statement_by_public_id(public_id: str) -> SocialValueStatement | None:
    if not is_public_id(public_id):
        return None
    return db.session.scalar(
        select(SocialValueStatement).where(SocialValueStatement.public_id == public_id)
        .options(selectinload(SocialValueStatement.superseded_by)))


def changes_since(statement: SocialValueStatement, now: datetime | None = None) -> list[str]:
    """What differs between the snapshot and a statement made now, in words (empty: nothing).
    A new quarter completing counts: the four quarters shown are no longer the latest."""
    organisation = db.session.get(Organisation, statement.organisation_id)
    fresh = build_snapshot(organisation, now or utcnow())
    return [words for section, words in SECTIONS.items()
            if statement.snapshot.get(section) != fresh.get(section)]


# --- for display ------------------------------------------------------------------------------


def _amounts(row: dict) -> dict:
    return {key: (Decimal(value) if key in {"gross", "net", "checked_gross", "unchecked_gross"}
                  else value) for key, value in row.items()}


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def for_display(snapshot: dict) -> dict:
    """The snapshot with its amounts as Decimal and its days as dates, for the templates."""
    value = snapshot["social_value"]
    plan = snapshot["carbon_reduction_plan"]
    return {
        **snapshot,
        "charter": {**snapshot["charter"], "signed_on": _date(snapshot["charter"]["signed_on"])},
        "pledges": {**snapshot["pledges"], "from": _date(snapshot["pledges"]["from"]),
                    "to": _date(snapshot["pledges"]["to"])},
        "social_value": {**value, "from": _date(value["from"]), "to": _date(value["to"]),
                         "total": _amounts(value["total"]),
                         "by_theme": [_amounts(row) for row in value["by_theme"]],
                         "by_measure": [_amounts(row) for row in value["by_measure"]]},
        "events": [{**event, "on": _date(event["on"])} for event in snapshot["events"]],
        "quality_marks": [{**mark, "expires_on": _date(mark["expires_on"])}
                          for mark in snapshot["quality_marks"]],
        "carbon_reduction_plan": plan and {**plan, "published_on": _date(plan["published_on"]),
                                           "review_on": _date(plan["review_on"])},
        "badges": [{**badge, "valid_until": _date(badge["valid_until"])}
                   for badge in snapshot["badges"]],
    }


def qr_svg(url: str, label: str) -> str:
    """An inline SVG QR code of a link, with a title (segno escapes it); no inline style, so
    the CSP allows it. The template marks it safe, as the check-in page does."""
    return segno.make(url, error="m").svg_inline(scale=3, border=2, title=label)
