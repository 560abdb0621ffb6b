"""The OpenAPI 3.1 description of every API endpoint, served at /api/v1/openapi.json.

Built as a dict rather than kept as a JSON file so the choices (sectors, sizes, themes, areas,
badge levels) are the ones the code accepts, schemas are written once and reused, and the server
is the service's own public address (BASE_URL). A test walks the URL map and fails on any
`/api/` route described nowhere here, and validates real responses against these schemas: a new
endpoint or field is described here in the same change.

Field names and structure follow the OpenAPI Specification 3.1.0, whose schemas are JSON Schema
draft 2020-12 (so `"type": ["string", "null"]` where a value may be null).
"""

from flask import current_app

from charter_app.badges.rules import LEVEL_KEYS
from charter_app.directory.services import MAX_QUERY_LENGTH
from charter_app.organisations.data_postcodes import AREAS
from charter_app.organisations.eligibility import LEGAL_FORMS, SIZE_LABELS, Sector
from charter_app.organisations.models import LISTED_STATUSES
from charter_app.pledges.catalogue import THEMES
from charter_app.urls import external_url

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
# No `license` yet: the partnership has not said under which licence it publishes the
# directory, and a licence is its statement to make (the README says so).
SIGNATORIES_PER_PAGE = 20  # directory.views.api_list's default
SIGNATORIES_MAX_PER_PAGE = 100  # directory.views.API_MAX_PER_PAGE
ENTRIES_PER_PAGE = 100  # reporting.staff_views.API_PER_PAGE
ENTRIES_MAX_PER_PAGE = 500  # reporting.staff_views.API_MAX_PER_PAGE

# Public amounts are rounded to the penny ("1234.50"); the staff export keeps every stored digit,
# at least two places ("0.047"). Quantities and percentages drop trailing zeros ("2.5", "25").
PENNY_AMOUNT = r"^-?[0-9]+\.[0-9]{2}$"
EXACT_AMOUNT = r"^-?[0-9]+\.[0-9]{2,}$"
PLAIN_NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"
FINANCIAL_YEAR = r"^[0-9]{4}-[0-9]{2}$"
PERIOD = r"^[0-9]{4}-[0-9]{2}(-[qQ][1-4])?$"

DESCRIPTION = """\
The County Durham Pound Charter's open data: the signatories listed in the public directory,
their pledges, badges and, where a signatory chooses to publish it, its reported social value.
The same list is published as CSV at `/directory.csv`.

Public endpoints need no key and answer anyone. A value outside a parameter's choices is
ignored (as if the parameter were absent) rather than refused.

`/api/v1/staff/report-entries` is for Business Durham staff, signed in with the service's
session cookie.

Not described here, because they are not JSON APIs of this service: the events' calendar files
(`/events/<id>.ics` and the members' `.ics` feeds, iCalendar), and the badges' Open Badges
documents under `/badges/` (described by the Open Badges 2.0 and 3.0 specifications)."""


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    """The schema, or null (JSON Schema 2020-12: a list of types; null joins any enum)."""
    nullable = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


def _amount(pattern: str, description: str) -> dict:
    return {"type": "string", "pattern": pattern, "description": description}


def _object(properties: dict, required: list[str] | None = None, **extra) -> dict:
    """An object with exactly these properties: a field the API adds must be described."""
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required,
            "additionalProperties": False, **extra}


THEME = {"type": "string", "enum": list(THEMES)}


def _signatory_properties() -> dict:
    return {
        "name": {"type": "string"},
        "slug": {"type": "string", "pattern": r"^[a-z0-9-]+$"},
        "url": {"type": "string", "format": "uri", "description": "The public profile."},
        "identifier": _nullable({"type": "string", "description":
                                 "The org-id.guide identifier (GB-COH-…, GB-CHC-…), when the "
                                 "organisation has a company or charity number."}),
        "sector": {"type": "string", "enum": [sector.value for sector in Sector]},
        "size": {"type": "string", "enum": list(SIZE_LABELS)},
        "legal_form": {"type": "string", "enum": [form[1] for form in LEGAL_FORMS]},
        "area": _nullable({"type": "string", "enum": list(AREAS),
                           "description": "The former district of County Durham."}),
        "town": _nullable({"type": "string"}),
        "website": _nullable({"type": "string"}),
        "description": _nullable({"type": "string"}),
        "themes": {"type": "array", "items": THEME, "uniqueItems": True,
                   "description": "The themes it pledges in this pledge period."},
        "approved_on": {"type": "string", "format": "date"},
        "status": {"type": "string", "enum": [str(status) for status in LISTED_STATUSES],
                   "description": "`lapsed`: still listed, its annual update overdue."},
        "badges": {"type": "array", "items": _ref("Badge"),
                   "description": "Valid badges only: Charter Signatory, the level, Reported."},
    }


def _schemas() -> dict:
    signatory = _signatory_properties()
    penny = "Pounds, rounded half up to the penny."
    figures = _object({"gross": _amount(PENNY_AMOUNT, penny), "net": _amount(PENNY_AMOUNT, penny)})
    exact = "Pounds, exact as stored (at least two decimal places); null when not valued."
    entry = {
        "organisation": {"type": "string"},
        "org_id": _nullable({"type": "string"}),
        "financial_year": {"type": "string", "pattern": FINANCIAL_YEAR},
        "quarter": {"type": "integer", "minimum": 1, "maximum": 4},
        "revision": {"type": "integer", "minimum": 1},
        "measure_code": {"type": "string"},
        "measure_name": {"type": "string"},
        "national_toms_code": _nullable({"type": "string"}),
        "national_toms_edition": _nullable({"type": "string"}),
        "area": _nullable({"type": "string"}),
        "quantity": _amount(PLAIN_NUMBER, "The quantity reported, in the measure's unit."),
        "unit": {"type": "string"},
        "proxy_value": _nullable(_amount(EXACT_AMOUNT, exact)),
        "proxy_source": _nullable({"type": "string"}),
        "proxy_edition": _nullable({"type": "string"}),
        "gross": _nullable(_amount(EXACT_AMOUNT, exact)),
        "deadweight": _amount(PLAIN_NUMBER, "Per cent."),
        "attribution": _amount(PLAIN_NUMBER, "Per cent."),
        "displacement": _amount(PLAIN_NUMBER, "Per cent."),
        "net": _nullable(_amount(EXACT_AMOUNT, exact)),
        "checked": {"type": "boolean", "description": "Staff checked the report."},
    }
    return {
        "Badge": _object({
            "name": {"type": "string"},
            "level": _nullable({"type": "string", "enum": list(LEVEL_KEYS),
                                "description": "null for badges that are not a level."}),
            "url": {"type": "string", "format": "uri",
                    "description": "The award's verification page."},
        }),
        "Signatory": _object(signatory),
        "Pledge": _object({
            "theme": THEME,
            "measure_code": {"type": "string"},
            "measure": {"type": "string"},
            "national_toms_code": _nullable({"type": "string"}),
            "unit": {"type": "string"},
            "target": _amount(PLAIN_NUMBER, "The 12-month target, in the measure's unit."),
        }),
        "Contact": _object({"email": {"type": "string", "format": "email"},
                            "phone": {"type": "string"}},
                           required=[], minProperties=1,
                           description="Only what the signatory chose to publish."),
        "ThemeFigures": figures,
        "SocialValue": _object({
            "currency": {"const": "GBP"},
            "total_gross": _amount(PENNY_AMOUNT, penny),
            "total_net": _amount(PENNY_AMOUNT, penny),
            "checked_gross": _amount(PENNY_AMOUNT, "The part of the gross staff checked."),
            "by_theme": _object({theme: _ref("ThemeFigures") for theme in THEMES}),
            "period": _object({"from": {"type": "string", "format": "date"},
                               "to": {"type": "string", "format": "date"}}),
        }, description="The last four complete quarters. Each amount is its own total rounded, "
                       "so the themes may differ from the total by a penny or two."),
        "SignatoryDetail": _object(
            {**signatory, "pledges": {"type": "array", "items": _ref("Pledge")},
             "contact": _ref("Contact"), "social_value": _ref("SocialValue")},
            required=[*signatory, "pledges"]),
        "Page": _object({
            "items": {"type": "array", "items": _ref("Signatory")},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
        }),
        "ReportEntry": _object(entry),
        "ReportEntryPage": _object({
            "items": {"type": "array", "items": _ref("ReportEntry")},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "per_page": {"type": "integer", "minimum": 1, "maximum": ENTRIES_MAX_PER_PAGE},
        }),
        "Error": _object({"error": {"type": "string"},
                          "status": {"type": "integer", "minimum": 400, "maximum": 599}}),
        **_report_schemas(),
    }


FIGURES_BEFORE_THE_MAP = (
    "measures", "quarter", "signatories", "new_signatories", "reports_received",
    "organisations_at_events", "checked_share", "quarter_figures", "year_to_date",
    "previous_quarter", "targets", "by_band")


def _report_schemas() -> dict:
    """The collective quarterly report (charter_app/reports): its index, and its figures as
    published (reports/figures.py `as_snapshot`), amounts to the penny as strings."""
    money = _amount(PENNY_AMOUNT, "Pounds, to the penny.")
    triplet = _object({"gross": money, "net": money, "checked_gross": money})
    keyed = {"type": "object", "additionalProperties": _ref("ReportValue"),
             "description": "By key (a theme, measure code, area or band), with `total`."}
    groups = _object({"theme": keyed, "measure": keyed, "area": keyed})
    source = _nullable(_object({"source": {"type": "string"}, "rows": {"type": "integer"},
                                "imported_on": {"type": "string", "format": "date"}}))
    by_area = {"type": "object", "description": "By small area (LSOA code), where value was "
               "delivered: its IMD decile and value.",
               "additionalProperties": _object({"decile": {"type": "integer", "minimum": 1,
                                                           "maximum": 10},
                                                "gross": money, "net": money,
                                                "checked_gross": money})}
    period = {"financial_year": {"type": "string", "pattern": FINANCIAL_YEAR},
              "number": {"type": "integer", "minimum": 1, "maximum": 4}}
    return {
        "ReportValue": triplet,
        "ReportGroups": groups,
        # Reports published before the map have no by_small_area: not required.
        "ReportFigures": _object({
            "measures": {"type": "object", "additionalProperties": _object(
                {"name": {"type": "string"}, "unit": {"type": "string"}, "theme": THEME})},
            "quarter": _object({**period, "from": {"type": "string", "format": "date"},
                                "to": {"type": "string", "format": "date"}}),
            "signatories": {"type": "integer", "minimum": 0},
            "new_signatories": {"type": "integer", "minimum": 0},
            "reports_received": {"type": "integer", "minimum": 0},
            "organisations_at_events": {"type": "integer", "minimum": 0},
            "checked_share": _nullable({"type": "string", "pattern": PLAIN_NUMBER,
                                        "description": "0 to 1; null with nothing reported."}),
            "quarter_figures": _ref("ReportGroups"),
            "year_to_date": _ref("ReportGroups"),
            "previous_quarter": _ref("ReportGroups"),
            "targets": {"type": "array", "items": _object({
                "measure_code": {"type": "string"}, "pledges": {"type": "integer"},
                "target": _amount(PLAIN_NUMBER, "In the measure's unit."),
                "reported": _amount(PLAIN_NUMBER, "In the measure's unit."),
                "met": {"type": "integer"}})},
            "by_band": _object({
                "data": _nullable(_object({"edition": {"type": "string"},
                                           "deciles": source, "postcodes": source})),
                "quarter_figures": keyed, "year_to_date": keyed}, required=["data"]),
            "by_small_area": _object({
                "edition": _nullable({"type": "string"}),
                "quarter_figures": by_area, "year_to_date": by_area}, required=["edition"]),
        }, required=[*FIGURES_BEFORE_THE_MAP]),
        "Report": _object({
            "quarter": {"type": "string"}, "version": {"type": "integer", "minimum": 1},
            "published_at": {"type": "string", "format": "date-time"},
            "url": {"type": "string", "format": "uri"},
            "commentary": {"type": "string"}, "highlights": {"type": "string"},
            "change_note": _nullable({"type": "string"}),
            "currency": {"type": "string", "enum": ["GBP"]},
            "figures": _ref("ReportFigures"),
        }),
        "ReportIndex": _object({"items": {"type": "array", "items": _object({
            "quarter": {"type": "string"}, **period,
            "version": {"type": "integer", "minimum": 1},
            "published_at": {"type": "string", "format": "date-time"},
            "url": {"type": "string", "format": "uri"},
            "api_url": {"type": "string", "format": "uri"}})}}),
    }


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def _json(schema_name: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema_name)}}}


def _page_parameters(default: int, maximum: int) -> list[dict]:
    return [
        _query("page", {"type": "integer", "minimum": 1, "default": 1},
               "The page; past the last, the last page."),
        _query("per_page", {"type": "integer", "minimum": 1, "maximum": maximum,
                            "default": default}, f"Items per page, at most {maximum}."),
    ]


def _signatory_filters() -> list[dict]:
    return [
        _query("q", {"type": "string", "maxLength": MAX_QUERY_LENGTH},
               "Words that must all appear in the name, town or description."),
        _query("sector", {"type": "string", "enum": [sector.value for sector in Sector]},
               "Private sector, or voluntary, community and social enterprise."),
        _query("size", {"type": "string", "enum": list(SIZE_LABELS)},
               "; ".join(f"`{key}`: {label}" for key, label in SIZE_LABELS.items())),
        _query("theme", THEME, "Pledges in this theme in its current pledge period."),
        _query("area", {"type": "string", "enum": list(AREAS)}, "Based in this area."),
        _query("level", {"type": "string", "enum": list(LEVEL_KEYS)},
               "Holds exactly this badge level now (gold lists gold, not silver too)."),
    ]


def _paths() -> dict:
    not_found = _json("Error", "No signatory at this address.")
    return {
        "/api/v1/openapi.json": {"get": {
            "operationId": "getOpenApiDescription",
            "summary": "This description",
            "tags": ["API"],
            "responses": {"200": {"description": "The OpenAPI 3.1 description of this API.",
                                  "content": {"application/json": {
                                      "schema": {"type": "object"}}}}},
        }},
        "/api/v1/signatories": {"get": {
            "operationId": "listSignatories",
            "summary": "Signatories listed in the directory",
            "description": "Alphabetical by name (without \"The\" or legal suffixes).",
            "tags": ["Signatories"],
            "parameters": [*_signatory_filters(),
                           *_page_parameters(SIGNATORIES_PER_PAGE, SIGNATORIES_MAX_PER_PAGE)],
            "responses": {"200": _json("Page", "One page of signatories.")},
        }},
        "/api/v1/signatories/{slug}": {"get": {
            "operationId": "getSignatory",
            "summary": "One signatory, with its pledges",
            "tags": ["Signatories"],
            "parameters": [{"name": "slug", "in": "path", "required": True,
                            "schema": {"type": "string", "pattern": r"^[a-z0-9-]+$"}}],
            "responses": {
                "200": _json("SignatoryDetail", "The signatory."),
                "404": not_found,
                "410": _json("Error", "The organisation is no longer listed (it withdrew or "
                                      "was suspended)."),
            },
        }},
        "/api/v1/reports": {"get": {
            "operationId": "listReports",
            "summary": "Published quarterly progress reports, the newest quarter first",
            "tags": ["Reports"],
            "responses": {"200": _json("ReportIndex", "Each quarter's latest version.")},
        }},
        "/api/v1/reports/{financial_year}/q{number}": {"get": {
            "operationId": "getReport",
            "summary": "One quarter's report: every figure as published (its latest version)",
            "tags": ["Reports"],
            "parameters": [
                {"name": "financial_year", "in": "path", "required": True,
                 "schema": {"type": "string", "pattern": FINANCIAL_YEAR},
                 "description": "The financial year, `2026-27`."},
                {"name": "number", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 4},
                 "description": "The quarter: 1 (April to June) to 4 (January to March)."}],
            "responses": {"200": _json("Report", "The report's figures, frozen when published."),
                          "404": _json("Error", "No report of that quarter is published.")},
        }},
        "/api/v1/staff/report-entries": {"get": {
            "operationId": "listReportEntries",
            "summary": "Every counted report entry (staff only)",
            "description": "The entries of each report's submitted revision, oldest quarter "
                           "first, with exact figures: the collective report's raw data.",
            "tags": ["Staff"],
            "security": [{"staffSession": []}],
            "parameters": [
                _query("from", {"type": "string", "pattern": PERIOD},
                       "First financial year or quarter, included: `2026-27` or `2026-27-q2`."),
                _query("to", {"type": "string", "pattern": PERIOD},
                       "Last financial year or quarter, included."),
                *_page_parameters(ENTRIES_PER_PAGE, ENTRIES_MAX_PER_PAGE),
            ],
            "responses": {
                "200": _json("ReportEntryPage", "One page of entries."),
                "400": _json("Error", "`from` or `to` is not a financial year or quarter."),
                "401": _json("Error", "Not signed in."),
                "403": _json("Error", "Signed in, but not as staff."),
            },
        }},
    }


def description() -> dict:
    """The OpenAPI 3.1 document, with the server at BASE_URL."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "County Durham Pound Charter open data API",
            "version": API_VERSION,
            "description": DESCRIPTION,
            "contact": {"name": "Business Durham", "url": external_url("pages.home")},
        },
        "servers": [{"url": current_app.config["BASE_URL"].rstrip("/")}],
        "tags": [{"name": "Signatories"}, {"name": "Reports"}, {"name": "Staff"},
                 {"name": "API"}],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {"staffSession": {
                "type": "apiKey", "in": "cookie",
                "name": current_app.config.get("SESSION_COOKIE_NAME", "session"),
                "description": "The session cookie of Business Durham staff signed in at "
                               "/login.",
            }},
        },
    }
