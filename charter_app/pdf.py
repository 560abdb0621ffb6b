"""PDFs made on the server: an HTML page laid out by WeasyPrint as a tagged PDF (PDF/UA-1), so a
screen reader can follow its headings and tables and an officer can attach it to a board paper.

WeasyPrint needs Pango from the operating system. Where it is missing the service still runs:
PDF links answer 503 with what to install, and the CSV and JSON downloads carry the same figures.
"""

import hashlib
import logging
import os
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Response, current_app, render_template
from slugify import slugify

from charter_app.static_assets import plain_filename

# Debian's names (PDF_PACKAGES in the Makefile); the README's "PDF downloads" says the same.
SYSTEM_PACKAGES = (
    "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core")

# Pages are laid out from our own templates; only our stylesheets and images may be fetched,
# never anything on the network (a URL typed into a profile must not make the server fetch it).
STATIC_PREFIX = "static:///"


# WeasyPrint logs each step of each layout at INFO: noise in a service's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class PdfUnavailable(RuntimeError):
    """The PDF library or the system libraries it loads are not installed."""


@cache
def unavailable_reason() -> str | None:
    """Why PDFs cannot be made here, or None when they can (checked once per process)."""
    try:
        import weasyprint  # noqa: F401  (loading it loads Pango)
    except (ImportError, OSError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def static_file(url: str) -> Path:
    """The file under static/ that `static:///...` names, by its plain or content-hashed name
    (`static:///css/pdf.3f2a9b1c4d5e.css`); anything else is refused."""
    if not url.startswith(STATIC_PREFIX):
        raise ValueError(f"PDFs fetch only the service's own static files, not {url[:80]!r}")
    root = Path(current_app.static_folder).resolve()
    name = plain_filename(unquote(urlsplit(url).path).lstrip("/"))
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ValueError(f"No such static file: {url[:80]!r}")
    return path


@cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_file(url)
            content_type = "text/css" if path.suffix == ".css" else "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    return StaticOnlyFetcher


def render_pdf(html: str) -> bytes:
    """Lay out a complete HTML document (with <html lang> and <title>) as a tagged PDF.

    Stylesheets and images are linked as `static:///css/pdf.css` (see templates/pdf/base.html).
    """
    if unavailable_reason() is not None:
        raise PdfUnavailable(unavailable_reason())
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=_fetcher_class()())
    return document.write_pdf(pdf_variant="pdf/ua-1")


def cache_dir() -> Path:
    return Path(current_app.config.get("PDF_CACHE_DIR")
                or Path(current_app.instance_path) / "pdf-cache")


def cached_pdf(html: str) -> bytes:
    """The PDF of `html`, laid out once. What is laid out is frozen (a published report, a
    statement's snapshot), and layout takes a second or more of CPU, so the file is kept under
    the hash of its HTML: any change to the figures or the templates makes a new one."""
    path = cache_dir() / f"{hashlib.sha256(html.encode()).hexdigest()}.pdf"
    if path.is_file():
        return path.read_bytes()
    body = render_pdf(html)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(body)
    os.replace(partial, path)  # atomic: a reader never sees half a file
    return body


FILENAME_STEM_LENGTH = 100


def pdf_response(template: str, name: str, **context) -> Response:
    """The PDF of `template` as a download named after `name` (ASCII letters, digits and
    hyphens only, so no header can be forged through it), or a page saying what to install."""
    reason = unavailable_reason()
    if reason is not None:
        current_app.logger.warning("PDF requested but unavailable: %s", reason)
        page = render_template("errors/pdf_unavailable.html", title="PDF not available",
                               packages=SYSTEM_PACKAGES)
        return Response(page, status=503, headers={"Retry-After": "3600"})
    body = cached_pdf(render_template(template, **context))
    stem = slugify(name, max_length=FILENAME_STEM_LENGTH) or "document"
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{stem}.pdf"'})
