import re

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
    url_for,
)

from charter_app.access import public
from charter_app.badges.rules import LEVELS
from charter_app.csv_export import csv_text
from charter_app.directory import badges as directory_badges
from charter_app.directory import openapi, services
from charter_app.directory.cache import cached_for_visitors
from charter_app.directory.services import DirectoryQuery
from charter_app.extensions import htmx
from charter_app.forms import column_length
from charter_app.hub import case_studies
from charter_app.organisations.eligibility import SECTOR_LABELS, SIZE_LABELS
from charter_app.organisations.models import Organisation
from charter_app.pledges.catalogue import THEMES
from charter_app.reporting import public as published

bp = Blueprint("directory", __name__)

CSV_COLUMNS = ["name", "identifier", "url", "sector", "size", "legal_form", "area", "town",
               "website", "themes", "approved_on", "status", "level", "description"]
API_MAX_PER_PAGE = 100
# What a slug can be (python-slugify's output); anything else is not a signatory's address.
SLUG = re.compile(r"[a-z0-9-]+\Z", re.ASCII)
SLUG_LENGTH = column_length(Organisation.slug)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def _query_from_request() -> DirectoryQuery:
    """The search in the query string, without control characters: they mean nothing in a
    search, and PostgreSQL refuses a NUL byte outright."""
    args = request.args.copy()
    for key, values in args.lists():
        args.setlist(key, [_CONTROL_CHARACTERS.sub(" ", value) for value in values])
    return DirectoryQuery.from_args(args)


class NoLongerListed(Exception):
    def __init__(self, organisation: Organisation):
        super().__init__(organisation.slug)
        self.organisation = organisation


def _signatory_or_404(slug: str) -> Organisation:
    """A listed signatory; 410 Gone for one that withdrew or was suspended; else 404."""
    if not (len(slug) <= SLUG_LENGTH and SLUG.match(slug)):
        abort(404)
    organisation = services.signatory_by_slug(slug)
    if organisation is None:
        former = services.former_signatory_by_slug(slug)
        if former is None:
            abort(404)
        raise NoLongerListed(former)
    return organisation


@bp.errorhandler(NoLongerListed)
def no_longer_listed(gone: NoLongerListed):
    if request.path.startswith("/api/"):
        response = jsonify(error="This organisation is no longer listed as a Charter signatory",
                           status=410)
    else:
        response = make_response(render_template("directory/gone.html", title="No longer listed",
                                                 name=gone.organisation.name))
    response.status_code = 410
    # Browsers keep a 410 without caching headers for ever (Chromium does); a suspension can be
    # lifted, so they must ask again each time.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/directory")
@public
@cached_for_visitors
def index():
    query = _query_from_request()
    page = services.search(query, current_app.config["DIRECTORY_PAGE_SIZE"])
    context = {
        "title": "Signatories" if not query.is_filtered else "Search results: signatories",
        "query": query,
        "page": page,
        "sectors": SECTOR_LABELS,
        "sizes": SIZE_LABELS,
        "theme_options": [(key, label) for key, (label, _about) in THEMES.items()],
        "area_options": [(area, area) for area in services.area_choices()],
        "level_options": [(level.key, level.name) for level in LEVELS],
    }
    # htmx live search swaps only the results; a plain request gets the whole page. So does
    # htmx's own history restore (Back after its cache misses): it swaps the answer into <body>.
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        response = make_response(render_template("directory/_results.html", **context))
        # The address bar gets the tidy address of this search (no empty parameters).
        response.headers["HX-Push-Url"] = url_for("directory.index", **query.params())
    else:
        response = make_response(render_template("directory/index.html", **context))
    response.vary.add("HX-Request")
    return response


@bp.route("/signatories/<slug>")
@public
@cached_for_visitors
def profile(slug: str):
    organisation = _signatory_or_404(slug)
    return render_template("directory/profile.html", title=organisation.name,
                           organisation=organisation, themes=THEMES,
                           badges=directory_badges.badges_of([organisation.id])[organisation.id],
                           social_value=published.published_social_value(organisation),
                           case_studies=case_studies.published_for_organisation(organisation.id))


@bp.route("/directory.csv")
@public
@cached_for_visitors
def csv():
    query = _query_from_request()
    rows = []
    badges = services.badges_of_all_matching(query)
    for organisation in services.all_matching(query):
        held = badges.get(organisation.id, [])
        item = services.as_open_data(organisation, badges=held)
        item["themes"] = ";".join(item["themes"])
        item["level"] = directory_badges.level_of(held) or ""
        rows.append([item[column] for column in CSV_COLUMNS])
    return Response(
        csv_text(CSV_COLUMNS, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=county-durham-pound-signatories.csv"},
    )


@bp.route("/api/v1/signatories")
@public
@cached_for_visitors
def api_list():
    query = _query_from_request()
    try:
        per_page = max(1, min(int(request.args.get("per_page", 20)), API_MAX_PER_PAGE))
    except ValueError:
        per_page = 20
    page = services.search(query, per_page, with_badges=True)
    return jsonify(
        items=[services.as_open_data(organisation, page.themes[organisation.id],
                                     page.badges[organisation.id])
               for organisation in page.items],
        page=page.page,
        pages=page.pages,
        total=page.total,
    )


@bp.route("/api/v1/signatories/<slug>")
@public
@cached_for_visitors
def api_detail(slug: str):
    organisation = _signatory_or_404(slug)
    return jsonify(published.add_social_value(services.as_open_data_detail(organisation),
                                              organisation))


@bp.route("/api/v1/openapi.json")
@public
def api_description():
    response = jsonify(openapi.description())
    # Read by API tools and documentation viewers on other sites.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
