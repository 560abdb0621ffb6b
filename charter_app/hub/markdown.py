"""Markdown that staff write, rendered to HTML safe to put on a public page: the one place it
happens, so every page, note and news post is sanitised the same way.

markdown-it-py renders CommonMark (with tables); nh3 then keeps only the tags and attributes the
design allows and the URL schemes listed here, whatever the Markdown or any HTML typed into it
produced. GOV.UK Frontend classes are set by the sanitiser itself, after anything the author
wrote in a class attribute has been dropped, so the output looks like the rest of the service.
"""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# The design's allow-list. No h1 (the page has its own), no images, no inline styles (the
# Content Security Policy refuses them anyway).
ALLOWED_TAGS = frozenset({
    "h2", "h3", "h4", "p", "ul", "ol", "li", "a", "strong", "em", "blockquote", "code", "pre",
    "table", "thead", "tbody", "tr", "th", "td", "hr", "br",
})
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
# Relative links (to other pages of the service) are kept too: nh3 passes them unchanged.
URL_SCHEMES = frozenset({"http", "https", "mailto"})
GOVUK_CLASSES = {
    "h2": "govuk-heading-l",
    "h3": "govuk-heading-m",
    "h4": "govuk-heading-s",
    "p": "govuk-body",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "a": "govuk-link",
    "blockquote": "govuk-inset-text",
    "table": "govuk-table",
    "thead": "govuk-table__head",
    "tbody": "govuk-table__body",
    "tr": "govuk-table__row",
    "th": "govuk-table__header",
    "td": "govuk-table__cell",
    "hr": "govuk-section-break govuk-section-break--l govuk-section-break--visible",
    "pre": "app-markdown-code",
}
SET_ATTRIBUTES = {tag: {"class": classes} for tag, classes in GOVUK_CLASSES.items()}
# Markdown tables put their headings in <thead>: each heads its column.
SET_ATTRIBUTES["th"] = {**SET_ATTRIBUTES["th"], "scope": "col"}
# One heading level down from what the author typed: "# Title" would be a second <h1>.
HEADING_LEVELS = {"h1": "h2", "h2": "h3", "h3": "h4", "h4": "h4", "h5": "h4", "h6": "h4"}

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "ol" and attribute == "start":
        return value if value.isdigit() and len(value) <= 6 else None
    return value


def _shift_headings(tokens) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = HEADING_LEVELS[token.tag]


def render_markdown(text: str | None) -> Markup:
    """Markdown to sanitised HTML with GOV.UK classes; safe to output unescaped."""
    tokens = _markdown.parse(text or "")
    _shift_headings(tokens)
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_keep_attribute,
        url_schemes=set(URL_SCHEMES),
        set_tag_attribute_values=SET_ATTRIBUTES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return Markup(cleaned)  # noqa: S704 - sanitised by nh3 just above

