"""Partners' logos on their hub pages: checked, re-encoded and sized by the shared image pipeline
(charter_app/images.py) as case studies' pictures are, and served from /uploads/<name>.

A logo is replaced under the partner's row lock, so two staff uploading at once leave one logo
and no stray files; the old files are deleted once the transaction commits.
"""

from flask import url_for

from charter_app import images
from charter_app.events.models import Partner
from charter_app.extensions import db

# A logo is shown small: beside a heading on the partner's page, and in the list of partners.
LOGO_WIDTHS = (160, 320, 640)


def _files(partner: Partner) -> tuple[str, list[int], str] | None:
    if not partner.logo_stem:
        return None
    return (partner.logo_stem, [int(width) for width in partner.logo_widths.split(",")],
            partner.logo_content_type)


def prepare(stream) -> images.Responsive:
    """The uploaded logo at each size; images.NotAnImage or ImageRefused when it will not do."""
    return images.responsive(images.read_upload(stream), widths=LOGO_WIDTHS)


def set_logo(partner: Partner, logo: images.Responsive) -> Partner:
    locked = db.session.get(Partner, partner.id, with_for_update=True, populate_existing=True)
    old = _files(locked)
    locked.logo_stem = images.store_responsive(logo)
    locked.logo_content_type = logo.content_type
    locked.logo_widths = ",".join(str(width) for width in sorted(logo.versions))
    if old:
        images.forget_responsive(*old)
    db.session.flush()
    return locked


def remove_logo(partner: Partner) -> Partner:
    locked = db.session.get(Partner, partner.id, with_for_update=True, populate_existing=True)
    old = _files(locked)
    locked.logo_stem = locked.logo_content_type = locked.logo_widths = None
    if old:
        images.forget_responsive(*old)
    db.session.flush()
    return locked


def logo_sources(partner: Partner) -> dict | None:
    """src (the narrowest, for a small logo) and srcset for an <img>, or None."""
    files = _files(partner)
    if files is None:
        return None
    stem, widths, content_type = files
    urls = [(width, url_for("case_studies.upload",
                            name=images.upload_name(stem, width, content_type)))
            for width in widths]
    return {"src": urls[0][1], "srcset": ", ".join(f"{url} {width}w" for width, url in urls)}
