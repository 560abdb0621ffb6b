"""/search: one search across the directory and the Knowledge Hub, grouped by kind."""

import re

from flask import Blueprint, abort, make_response, render_template, request, url_for

from charter_app.access import public
from charter_app.extensions import htmx
from charter_app.presentation import page_numbers
from charter_app.search import query as search
from charter_app.search import sources  # noqa: F401 - registers what search finds
from charter_app.search.index import ordered_sources

bp = Blueprint("search", __name__)

# Control characters mean nothing in a search, and PostgreSQL refuses a NUL byte outright.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
MAX_PAGE = 10_000


def _text() -> str:
    return search.clean_query(_CONTROL_CHARACTERS.sub(" ", request.args.get("q", "")))


@bp.route("/search")
@public
def index():
    text = _text()
    kind = request.args.get("kind", "")
    context = {"q": text, "sources": ordered_sources(), "kind_page": None, "groups": []}
    if kind:
        number = request.args.get("page", 1, type=int) or 1
        if not 1 <= number <= MAX_PAGE:
            abort(404)
        kind_page = search.one_kind(text, kind, number)
        if kind_page is None:
            abort(404)
        context["kind_page"] = kind_page
        context["links"] = [
            (n, url_for("search.index", q=text, kind=kind, page=n) if n else None,
             n == kind_page.page)
            for n in page_numbers(kind_page.page, kind_page.pages)]
        title = f"{kind_page.source.label} matching ‘{text}’" if text else "Search"
    else:
        context["groups"] = search.grouped(text) if text else []
        title = f"Search results for ‘{text}’" if text else "Search"
    context["title"] = title
    context["total"] = sum(group.total for group in context["groups"])
    # Live search swaps only the results; a plain request (or htmx's history restore) gets
    # the whole page, as in the directory.
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        response = make_response(render_template("search/_results.html", **context))
        response.headers["HX-Push-Url"] = url_for("search.index", **({"q": text} if text else {}))
    else:
        response = make_response(render_template("search/index.html", **context))
    response.vary.add("HX-Request")
    return response
