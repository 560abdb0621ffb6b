"""The guidance pages a new installation starts with, read from hub/data/pages/*.md.

Plain Python with no database, so the migration that installs them and the demo seed read the
same files. Each file opens with a few `key: value` lines between `---` lines (slug, title,
summary), then the Markdown body. Staff edit the installed copies in the service; these files
are only the first version.
"""

from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent / "data" / "pages"
# The order they are listed in on /hub.
STANDARD_SLUGS = (
    "how-to-sign-the-charter",
    "social-value-guidance-for-bidders",
    "frequently-asked-questions",
)
INSTALLED_NOTE = "Installed with the service"


def read_page_file(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    _, header, body = text.split("---\n", 2)
    fields = dict(line.split(": ", 1) for line in header.strip().splitlines())
    return {"slug": fields["slug"], "title": fields["title"], "summary": fields["summary"],
            "body": body.strip() + "\n"}


def read_standard_pages() -> list[dict]:
    """Each standard page as slug, title, summary, body and sort_order."""
    found = {page["slug"]: page for page in map(read_page_file, sorted(PAGES_DIR.glob("*.md")))}
    return [{**found[slug], "sort_order": order} for order, slug in enumerate(STANDARD_SLUGS)]
