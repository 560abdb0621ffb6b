"""In a real browser, pages load their static files by content-hashed names, GOV.UK Frontend still
starts (its import follows the hashed name), and a second page reuses the cached files."""

import logging
import re

from playwright.sync_api import expect

HASHED = re.compile(r"/static/.+\.[0-9a-f]{12}\.[A-Za-z0-9]+$")


def _static_requests_served(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if record.name == "charter_app.access" and "/static/" in record.getMessage()]


def test_pages_load_hashed_files_and_the_next_page_takes_them_from_the_cache(browsing, caplog):
    caplog.set_level(logging.INFO, logger="charter_app.access")
    page = browsing.open()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/static/" in request.url
            else None)

    browsing.visit(page, "/", "home")

    assert asked and all(HASHED.search(url) for url in asked), asked
    assert any("/govuk/govuk-frontend.min." in url for url in asked)
    # GOV.UK Frontend marks each component it starts: the hashed import worked.
    expect(page.locator("[data-govuk-skip-link-init]")).to_have_count(1)
    served_first = len(_static_requests_served(caplog))
    assert served_first >= 4

    browsing.visit(page, "/charter", "the charter")

    assert _static_requests_served(caplog)[served_first:] == [], "the files were fetched again"
