"""The public directory: listed signatories (approved, and lapsed ones marked as such), searched
and filtered in the database.

Each page loads in a constant number of statements (count, page, pledges with their measures)
whatever its size, so the directory stays fast as the Charter grows.
"""

import math
from dataclasses import asdict, dataclass, field

from flask import url_for
from sqlalchemy import Select, exists, false, func, select, true, union_all
from sqlalchemy.orm import selectinload

from charter_app.badges.models import BadgeAward
from charter_app.badges.rules import LEVEL_KEYS
from charter_app.directory import badges as directory_badges
from charter_app.extensions import db
from charter_app.organisations.data_postcodes import AREAS
from charter_app.organisations.eligibility import LEGAL_FORM_BY_VALUE, SIZE_LABELS, Sector
from charter_app.organisations.models import LISTED_STATUSES, ApplicationStatus, Organisation
from charter_app.pledges.catalogue import THEMES
from charter_app.pledges.models import Measure, Pledge
from charter_app.search.query import matching_count, matching_keys
from charter_app.timeutil import london_date
from charter_app.urls import external_url

MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class DirectoryQuery:
    q: str = ""
    sector: str = ""
    size: str = ""
    theme: str = ""
    area: str = ""
    # Signatories holding exactly this badge level now (gold lists gold, not silver as well).
    level: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "DirectoryQuery":
        """Read the query string, ignoring values that are not among the choices."""

        def choice(name, allowed):
            value = args.get(name, "").strip()
            return value if value in allowed else ""

        try:
            page = max(1, min(int(args.get("page", "1")), 100_000))
        except ValueError:
            page = 1
        return cls(
            q=" ".join(args.get("q", "").split())[:MAX_QUERY_LENGTH],
            sector=choice("sector", {s.value for s in Sector}),
            size=choice("size", set(SIZE_LABELS)),
            theme=choice("theme", set(THEMES)),
            area=choice("area", set(AREAS)),
            level=choice("level", set(LEVEL_KEYS)),
            page=page,
        )

    def params(self, **changes) -> dict:
        """Non-empty query parameters, for links that keep the current search."""
        values = {**asdict(self), **changes}
        if values.get("page") == 1:
            del values["page"]
        return {key: value for key, value in values.items() if value}

    @property
    def is_filtered(self) -> bool:
        return any((self.q, self.sector, self.size, self.theme, self.area, self.level))


@dataclass
class Page:
    items: list[Organisation]
    page: int
    pages: int
    total: int
    per_page: int
    # Themes pledged by each listed organisation, loaded in one query rather than object by object.
    themes: dict[int, list[str]] = field(default_factory=dict)
    # Their valid badges, likewise in one query, when asked for (see directory/badges.py).
    badges: dict[int, list[BadgeAward]] = field(default_factory=dict)

    def links(self, query: DirectoryQuery) -> list[tuple[int | None, str | None, bool]]:
        """Pagination links: the first and last pages, and those within two of this one; a
        gap is (None, None, False), or the page itself when it would hide only one."""
        shown = {1, self.pages, *range(self.page - 2, self.page + 3)}
        links: list[tuple[int | None, str | None, bool]] = []
        previous = 0
        for number in sorted(n for n in shown if 1 <= n <= self.pages):
            if number - previous == 2:
                links.append(self._link(query, number - 1))
            elif number - previous > 2:
                links.append((None, None, False))
            links.append(self._link(query, number))
            previous = number
        return links

    def _link(self, query: DirectoryQuery, number: int) -> tuple[int, str, bool]:
        return number, url_for("directory.index", **query.params(page=number)), number == self.page


def filtered(query: DirectoryQuery, *, walk_name_order: bool = False) -> Select:
    """The listed signatories the query matches. `walk_name_order` (many keyword matches) keeps
    the planner reading signatories in name order and testing each against the matches, rather
    than fetching every match to sort them all for one page."""
    statement = select(Organisation).where(Organisation.status.in_(LISTED_STATUSES))
    if query.q:
        # Every word must start a word of the name, town or description: the search index
        # (search/query.py) finds them without reading every signatory.
        keys = matching_keys("signatories", query.q)
        listed_id = Organisation.id + 0 if walk_name_order else Organisation.id
        statement = statement.where(false() if keys is None else listed_id.in_(keys))
    if query.sector:
        statement = statement.where(Organisation.sector == query.sector)
    if query.size:
        statement = statement.where(Organisation.size_band == query.size)
    if query.area:
        statement = statement.where(Organisation.area == query.area)
    if query.level:
        statement = statement.where(directory_badges.holds_level(query.level))
    if query.theme:
        statement = statement.where(
            exists(
                select(Pledge.id)
                .join(Measure, Measure.id == Pledge.measure_id)
                .where(Pledge.period_id == Organisation.current_pledge_period_id,
                       Measure.theme == query.theme)
            )
        )
    return statement


def with_pledges(statement: Select) -> Select:
    return statement.options(selectinload(Organisation.pledges).joinedload(Pledge.measure))


# Alphabetical by the name without "The" or legal suffixes. With two listed statuses the planners
# walk the name_key index, skipping unlisted rows (PostgreSQL adds an incremental sort on id):
# at 10,000 signatories, 0.07 ms for the first page and 6 ms at offset 4,000 (PostgreSQL 15).
DIRECTORY_ORDER = (Organisation.name_key, Organisation.id)


def themes_of(organisation_ids: list[int]) -> dict[int, list[str]]:
    """The themes each organisation pledges this period, in the themes' usual order."""
    found: dict[int, set[str]] = {organisation_id: set() for organisation_id in organisation_ids}
    if organisation_ids:
        rows = db.session.execute(
            select(Organisation.id, Measure.theme)
            .join(Pledge, Pledge.period_id == Organisation.current_pledge_period_id)
            .join(Measure, Measure.id == Pledge.measure_id)
            .where(Organisation.id.in_(organisation_ids))
            .distinct()
        )
        for organisation_id, theme in rows:
            found[organisation_id].add(theme)
    return {key: [t for t in THEMES if t in themes] for key, themes in found.items()}


# From this many keyword matches, a page is found by walking the name order (see filtered()):
# at 100,000 signatories and 4,500 matches, 2 ms instead of 10 ms for the first page.
WALK_NAME_ORDER_FROM = 500
WALK_ROWS_PER_MATCH = 10


def _keyword_only(query: DirectoryQuery) -> bool:
    return bool(query.q) and not any((query.sector, query.size, query.theme, query.area,
                                      query.level))


def _keyword_page_on_postgresql(query: DirectoryQuery, per_page: int
                                ) -> tuple[list[Organisation], int] | None:
    """A keyword-only page and its count from one reading of the index, on PostgreSQL.

    The matches are read once (a GIN bitmap scan) into a materialised CTE and counted. Of two
    ways to the page, the count picks one inside the statement (a one-time filter on each
    branch): many matches walk the name order, testing each signatory against the matches in
    memory, and stop at the page; few fetch the matches by key and sort them. Left to itself
    the planner walked the name order re-checking the index row by row, 3.4x slower at 100,000
    signatories than at 10,000 for a common word (bench/search.py). None when the page asked
    for is past the last."""
    keys = matching_keys("signatories", query.q)
    if keys is None:
        return [], 0
    matches = keys.cte("matches").prefix_with("MATERIALIZED")
    total = select(func.count()).select_from(matches).scalar_subquery()
    many = total >= WALK_NAME_ORDER_FROM
    offset = (query.page - 1) * per_page

    def branch(condition, matched):
        return (select(Organisation.id, Organisation.name_key, total.label("total"))
                .where(condition, Organisation.status.in_(LISTED_STATUSES), matched)
                .order_by(*DIRECTORY_ORDER).limit(per_page + offset))

    # "IS TRUE" keeps the walk's test a hashed subplan (a set in memory): a plain IN would be
    # turned into a join that scans the matches again for every signatory walked.
    walk = Organisation.id.in_(select(matches.c[0])).is_(true())
    fetch = Organisation.id.in_(select(matches.c[0]))
    either = union_all(branch(many, walk), branch(~many, fetch)).subquery()
    rows = db.session.execute(select(either.c.id, either.c.total)
                              .order_by(either.c.name_key, either.c.id)
                              .limit(per_page).offset(offset)).all()
    if not rows:
        return None
    loaded = {organisation.id: organisation for organisation in db.session.scalars(
        select(Organisation).where(Organisation.id.in_([row.id for row in rows])))}
    return [loaded[row.id] for row in rows], rows[0].total


def search(query: DirectoryQuery, per_page: int, with_badges: bool = False) -> Page:
    """One page of the directory; `with_badges` loads the page's valid badges (one query)."""
    found = (_keyword_page_on_postgresql(query, per_page)
             if _keyword_only(query) and db.session.get_bind().dialect.name == "postgresql"
             else None)
    if found is not None:
        items, total = found
        return _page_of(items, query.page if items else 1, total, per_page, with_badges)
    if _keyword_only(query):
        # The index has a document for each listed signatory and no other (search/sources.py,
        # kept in the same transaction), so the index alone counts the matches.
        total = matching_count("signatories", query.q)
    else:
        total = db.session.scalar(
            select(func.count()).select_from(filtered(query).subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(query.page, pages)
    # Sorting every match costs as many look-ups as there are matches; walking the name order
    # costs about (rows before this page) x (signatories / matches): walk when that is smaller.
    # SQLite only: PostgreSQL's planner sees the word's frequency and walks the name order
    # itself when that pays (bench/search.py shows its plans).
    walk = (bool(query.q) and db.session.get_bind().dialect.name == "sqlite"
            and total >= WALK_NAME_ORDER_FROM
            and page * per_page * WALK_ROWS_PER_MATCH <= total)
    statement = filtered(query, walk_name_order=walk)
    items = list(
        db.session.scalars(
            statement.order_by(*DIRECTORY_ORDER).limit(per_page).offset((page - 1) * per_page)
        )
    )
    return _page_of(items, page, total, per_page, with_badges)


def _page_of(items: list[Organisation], page: int, total: int, per_page: int,
             with_badges: bool) -> Page:
    ids = [organisation.id for organisation in items]
    return Page(items=items, page=page, pages=max(1, math.ceil(total / per_page)), total=total,
                per_page=per_page, themes=themes_of(ids),
                badges=directory_badges.badges_of(ids) if with_badges else {})


def all_matching(query: DirectoryQuery) -> list[Organisation]:
    return list(db.session.scalars(with_pledges(filtered(query)).order_by(*DIRECTORY_ORDER)))


def badges_of_all_matching(query: DirectoryQuery) -> dict[int, list[BadgeAward]]:
    """The valid badges of every signatory the query matches, in one query (for the CSV)."""
    return directory_badges.badges_of(filtered(query).with_only_columns(Organisation.id))


def signatory_by_slug(slug: str) -> Organisation | None:
    return db.session.scalar(
        with_pledges(
            select(Organisation).where(
                Organisation.slug == slug, Organisation.status.in_(LISTED_STATUSES)
            )
        )
    )


# Signatories that were listed and are not now: their old address answers 410 Gone, so a buyer
# following an old link learns the organisation is no longer listed (never why).
NO_LONGER_LISTED = (ApplicationStatus.WITHDRAWN, ApplicationStatus.SUSPENDED)


def former_signatory_by_slug(slug: str) -> Organisation | None:
    return db.session.scalar(
        select(Organisation).where(Organisation.slug == slug,
                                   Organisation.status.in_(NO_LONGER_LISTED))
    )


def as_open_data(organisation: Organisation, themes: list[str] | None = None,
                 badges: list[BadgeAward] | None = None) -> dict:
    """A signatory as the API and the CSV publish it. No street address: many are homes.

    `themes` and `badges` save a query when they are already known (see `Page.themes` and
    `Page.badges`).
    """
    if badges is None:
        badges = directory_badges.badges_of([organisation.id])[organisation.id]
    return {
        "name": organisation.name,
        "slug": organisation.slug,
        "url": external_url("directory.profile", slug=organisation.slug),
        "identifier": organisation.identifier,
        "sector": organisation.sector,
        "size": organisation.size_band,
        "legal_form": LEGAL_FORM_BY_VALUE[organisation.legal_form][1],
        "area": organisation.area,
        "town": organisation.town,
        "website": organisation.website,
        "description": organisation.description,
        "themes": organisation.themes if themes is None else themes,
        "approved_on": london_date(organisation.approved_at).isoformat(),
        # "approved", or "lapsed": still listed, its annual update overdue.
        "status": organisation.status,
        "badges": [directory_badges.as_open_data(award) for award in badges],
    }


def as_open_data_detail(organisation: Organisation,
                        badges: list[BadgeAward] | None = None) -> dict:
    item = as_open_data(organisation, badges=badges)
    item["pledges"] = [
        {
            "theme": pledge.measure.theme,
            "measure_code": pledge.measure.code,
            "measure": pledge.measure.name,
            "national_toms_code": pledge.measure.national_toms_code,
            "unit": pledge.measure.unit,
            "target": str(pledge.target),
        }
        for pledge in organisation.pledges
    ]
    # Only what the signatory chose to publish; no key at all when it published neither.
    contact = {key: value for key, value in (("email", organisation.contact_email),
                                             ("phone", organisation.contact_phone)) if value}
    if contact:
        item["contact"] = contact
    return item


def area_choices() -> list[str]:
    return AREAS
