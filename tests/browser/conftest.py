"""Browser tests: Debian's Chromium driven by Playwright, against the app served by `live_server`.

Every page a test reaches goes through `Browsing.check` (or `Browsing.visit`), which saves a
full-page screenshot to test-artifacts/<test>/<NN>-<step>.png, runs axe-core with the WCAG 2.2 A
and AA rules, and checks the page has one h1, a proper <title> and no console errors (a Content
Security Policy violation is a console error).
"""

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
TITLE_SUFFIX = " – County Durham Pound Charter"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
DESKTOP = {"width": 1024, "height": 768}
TIMEOUT_MS = 10_000

_axe = Axe()


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: apt-get install -y chromium (never `playwright install`)"
    if os.environ.get("CHARTER_REQUIRE_BROWSER") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason=reason)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _chromium_present():
    _require_chromium()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    _require_chromium()
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True)
def _links_follow_the_live_server(links_to_live_server):
    """Links in email point at the server the browser is using."""


@pytest.fixture(scope="session")
def base_url(live_server):
    """Every context's base URL is the live server. Defining it here also shadows
    pytest-playwright 0.10's fallback `base_url`, a session fixture written as an instance
    method: pytest 9 deprecates that with a warning, which this project's filterwarnings
    turns into an error."""
    return live_server


# --- axe ---------------------------------------------------------------------------------------


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation.get('impact')}): {violation['help']}")
        lines.append(f"    {violation.get('helpUrl', '')}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            html = re.sub(r"\s+", " ", node.get("html", ""))[:160]
            lines.append(f"    - {target}\n        {html}")
            summary = node.get("failureSummary")
            if summary:
                lines.append("        " + summary.replace("\n", "\n        "))
    return "\n".join(lines)


def _is_govuk_conditional_reveal(rule: str, node: dict) -> bool:
    """GOV.UK Frontend puts aria-expanded on a radio that reveals a question. axe reports it
    (the ARIA spec does not list it for radios); GOV.UK keeps it on purpose because screen
    readers announce it (a known issue: alphagov/govuk-frontend#979). Only that is let through."""
    if rule != "aria-allowed-attr" or "govuk-radios__input" not in node.get("html", ""):
        return False
    messages = [check.get("message", "") for check in node.get("all", []) + node.get("any", [])]
    return bool(messages) and all(re.fullmatch(r'ARIA attribute is not allowed: '
                                               r'aria-expanded="(true|false)"', message)
                                  for message in messages)


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations on a page whose context runs JavaScript."""
    violations = []
    for violation in _axe.run(page, options=AXE_OPTIONS).response["violations"]:
        nodes = [node for node in violation["nodes"]
                 if not _is_govuk_conditional_reveal(violation["id"], node)]
        if nodes:
            violations.append({**violation, "nodes": nodes})
    return violations


def assert_axe_clean(page) -> None:
    violations = axe_violations(page)
    assert not violations, (
        f"axe found {len(violations)} accessibility violation(s) on {page.url}:\n"
        + format_violations(violations)
    )


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)


# --- checking every page -----------------------------------------------------------------------


@dataclass
class _Tab:
    javascript: bool
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)


class Browsing:
    """Opens pages for one test and checks each page the test reaches."""

    def __init__(self, new_context, browser_context_args, folder: Path):
        self._new_context = new_context
        self._context_args = browser_context_args
        self.folder = folder
        self.base_url = browser_context_args["base_url"]
        self._tabs: dict[int, _Tab] = {}
        self._inspectors: dict[tuple[int, int], object] = {}
        self._step = 0

    def open(self, *, javascript: bool = True, viewport: dict | None = None):
        """A new page in a new browser context (its own cookies: a different person)."""
        context = self._new_context(java_script_enabled=javascript, viewport=viewport or DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        tab = _Tab(javascript)
        self._tabs[id(page)] = tab

        def on_console(message):
            if message.type == "error":
                where = message.location.get("url", "")
                tab.console_errors.append(f"{message.text} (at {where})")

        def on_response(response):
            if response.status >= 400 and response.request.resource_type != "document":
                tab.failed_requests.append(f"{response.status} {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: tab.console_errors.append(f"uncaught: {error}"))
        def on_request_failed(request):
            # Leaving a page cancels what it was still loading (a favicon, say): not a fault.
            if request.failure != "net::ERR_ABORTED":
                tab.failed_requests.append(f"{request.failure} {request.url}")

        page.on("requestfailed", on_request_failed)
        page.on("response", on_response)
        return page

    def visit(self, page, path: str, step: str, *, status: int = 200):
        response = page.goto(path)
        assert response is not None and response.status == status, (
            f"GET {path} answered {response.status if response else None}, expected {status}")
        self.check(page, step, status=status)
        return response

    def check(self, page, step: str, *, status: int = 200) -> None:
        """Screenshot, axe, one h1, a proper title, no console errors or failed requests.

        `status` is the document's own status: an error page legitimately makes Chromium log
        "Failed to load resource" for the page itself, and nothing else is excused.
        """
        tab = self._tabs[id(page)]
        page.wait_for_load_state("load")
        self._step += 1
        name = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        page.screenshot(path=str(self.folder / f"{self._step:02d}-{name}.png"), full_page=True)

        problems = []
        violations = self._axe(page, tab)
        if violations:
            problems.append(f"axe found {len(violations)} violation(s):\n"
                            + format_violations(violations))
        h1_count = page.locator("h1").count()
        if h1_count != 1:
            problems.append(f"expected exactly one <h1>, found {h1_count}")
        title = page.title()
        if not title.endswith(TITLE_SUFFIX) or not title.removesuffix(TITLE_SUFFIX).strip():
            problems.append(f"title {title!r} is not '<page> {TITLE_SUFFIX.strip()}'")
        document_url = page.url.split("#")[0]
        errors = [
            error for error in tab.console_errors
            if not (status >= 400 and f"status of {status}" in error
                    and error.endswith(f"(at {document_url})"))
        ]
        if errors:
            problems.append("console errors:\n    " + "\n    ".join(errors))
        if tab.failed_requests:
            problems.append("failed requests:\n    " + "\n    ".join(tab.failed_requests))
        tab.console_errors.clear()
        tab.failed_requests.clear()
        assert not problems, f"step {self._step:02d} '{step}' at {page.url}:\n" + "\n".join(
            problems)

    def _axe(self, page, tab: _Tab) -> list[dict]:
        if tab.javascript:
            return axe_violations(page)
        # With JavaScript disabled Playwright cannot evaluate in the page, so axe runs on the very
        # same markup (scripts removed, so nothing enhances it) served at the same address in a
        # scripting context with the same viewport: the CSS and layout are identical.
        html = _SCRIPT.sub("", page.content())
        url = page.url.split("#")[0]
        inspector = self._inspector(page.viewport_size)

        def same_document(candidate: str) -> bool:
            return candidate.split("#")[0] == url

        inspector.route(same_document, lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=html))
        try:
            inspector.goto(url)
            return axe_violations(inspector)
        finally:
            inspector.unroute(same_document)

    def _inspector(self, viewport: dict):
        key = (viewport["width"], viewport["height"])
        if key not in self._inspectors:
            context = self._new_context(viewport=viewport)
            context.set_default_timeout(TIMEOUT_MS)
            self._inspectors[key] = context.new_page()
        return self._inspectors[key]


@pytest.fixture
def browsing(request, new_context, browser_context_args, artifacts_dir) -> Browsing:
    folder = artifacts_dir / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Browsing(new_context, browser_context_args, folder)


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than its viewport (0 when there is no sideways
    scrolling). Works with JavaScript disabled: locator evaluation runs in Playwright's own world.
    """
    width = page.locator("html").evaluate("html => html.scrollWidth")
    return max(0, width - page.viewport_size["width"])
