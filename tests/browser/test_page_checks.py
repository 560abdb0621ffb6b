"""The page checks themselves: they must fail on a page with problems, with JavaScript on or off,
or every browser test's "accessible, one h1, good title, no console errors" proves nothing."""

import pytest

BROKEN = """<!DOCTYPE html>
<html lang="en"><head><title>Broken</title></head>
<body><main>
  <h1>One</h1><h1>Two</h1>
  <img src="/static/images/favicon.svg">
  <p style="color:#bbb;background:#fff">Too pale to read</p>
  <script>console.log("inline script ran")</script>
</main></body></html>"""


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_check_fails_a_page_with_problems(browsing, javascript):
    page = browsing.open(javascript=javascript)
    url = f"{browsing.base_url}/broken-on-purpose"
    page.route(url, lambda route: route.fulfill(
        status=200,
        content_type="text/html; charset=utf-8",
        # Like the service's policy, it forbids that inline script.
        headers={"Content-Security-Policy": "default-src 'self'; script-src 'self'; "
                                            "style-src 'self' 'unsafe-inline'"},
        body=BROKEN,
    ))
    page.goto(url)
    with pytest.raises(AssertionError) as failure:
        browsing.check(page, "broken on purpose")
    message = str(failure.value)
    assert "image-alt" in message
    assert "color-contrast" in message
    assert "expected exactly one <h1>, found 2" in message
    assert "title 'Broken' is not" in message
    if javascript:
        assert "Content Security Policy" in message, "a CSP violation went unnoticed"


def test_check_passes_a_good_page(browsing):
    page = browsing.open()
    browsing.visit(page, "/", "home")
