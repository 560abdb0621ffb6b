"""Case studies: the public list and pages, the images they show, and signatories writing
their own from the dashboard. Views are thin: the rules are in case_studies.py, which flushes;
the request commits."""

from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from charter_app import images
from charter_app.access import get_membership_for, login_required, public
from charter_app.extensions import db
from charter_app.hub import case_studies
from charter_app.hub.case_studies import CaseStudyRefused, CaseStudyText, NewImage, VideoLink
from charter_app.hub.case_study_forms import ActionForm, CaseStudyForm
from charter_app.hub.markdown import render_markdown
from charter_app.hub.models import SLUG_MAX_LENGTH
from charter_app.organisations.data_postcodes import AREAS
from charter_app.pledges.catalogue import THEMES, theme_label
from charter_app.presentation import page_numbers
from charter_app.timeutil import utcnow

bp = Blueprint("case_studies", __name__)

CONFLICT = 409
MAX_PAGE = 10_000
# Stored uploads never change (a new picture gets a new random name): cache them for a year.
UPLOAD_MAX_AGE = 365 * 24 * 3600


# --- shared with the staff pages --------------------------------------------------------------

def prepare(form: CaseStudyForm) -> CaseStudyForm:
    form.measures.choices = [(str(measure.id), f"{measure.name} ({theme_label(measure.theme)})")
                             for measure in case_studies.measure_choices()]
    return form


def fill(form: CaseStudyForm, case_study) -> None:
    """Put a saved case study into a fresh form (GET)."""
    form.title.data, form.summary.data = case_study.title, case_study.summary
    form.body.data, form.area.data = case_study.body, case_study.area
    form.themes.data = case_study.theme_codes
    form.measures.data = [str(row.measure_id) for row in case_study.measures]
    for video, subform in zip(case_study.videos, form.videos(), strict=False):
        subform.title.data, subform.url.data = video.title, video.url
        subform.transcript_url.data = video.transcript_url
    form.based_on.data = str(case_study.version)


def text_of(form: CaseStudyForm) -> CaseStudyText:
    return CaseStudyText(
        title=form.title.data, area=form.area.data, summary=form.summary.data,
        body=form.body.data, themes=list(form.themes.data or []),
        measure_ids=[int(value) for value in form.measures.data or []],
        videos=[VideoLink(subform.title.data, subform.url.data,
                          subform.transcript_url.data or None)
                for subform in form.videos() if subform.url.data])


def checked_image(form: CaseStudyForm) -> tuple[bool, NewImage | None]:
    """(ok, the new image if one was chosen). A refused file becomes the image field's error,
    and the form, re-shown, keeps everything else that was typed."""
    if not form.has_image():
        return True, None
    try:
        data = images.read_upload(form.image.data.stream)
        prepared = images.responsive(data)
    except images.NotAnImage:
        form.image.errors = [*form.image.errors,
                             "The selected file must be a PNG, JPEG or WebP image"]
        return False, None
    except images.ImageRefused as refused:
        form.image.errors = [*form.image.errors, str(refused)]
        return False, None
    return True, NewImage(prepared, form.image_alt.data, form.image_caption.data or None)


def refused_on_form(form: CaseStudyForm, refusal: CaseStudyRefused) -> None:
    db.session.rollback()  # nothing half-saved, and any image written is deleted
    target = form.image if "image" in str(refusal) else form.title
    target.errors = [*target.errors, str(refusal)]


def image_sources(image) -> dict:
    """src (the widest) and srcset for an <img>."""
    urls = [(width, url_for("case_studies.upload", name=images.upload_name(
        image.stored_name, width, image.content_type))) for width in image.width_list]
    return {"src": urls[-1][1], "srcset": ", ".join(f"{url} {width}w" for width, url in urls)}


def page_context(case_study) -> dict:
    return dict(case_study=case_study, body=render_markdown(case_study.body), themes=THEMES,
                image_sources=image_sources)


# --- public -----------------------------------------------------------------------------------

@bp.route("/uploads/<name>")
@public
def upload(name: str):
    """A stored upload: its name is checked for shape before the file system is touched."""
    parsed = images.parse_upload_name(name)
    if parsed is None:
        abort(404)
    try:
        content = images.upload_path(name).read_bytes()
    except FileNotFoundError:
        abort(404)
    response = Response(content, mimetype=parsed[2])
    response.add_etag()
    response.make_conditional(request)
    response.headers["Cache-Control"] = f"public, max-age={UPLOAD_MAX_AGE}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _filters() -> tuple[case_studies.Filters, list[str]]:
    """The filters asked for; a value we do not know is ignored, and said so."""
    ignored = []
    theme = request.args.get("theme") or None
    if theme and theme not in THEMES:
        theme, ignored = None, [*ignored, "theme"]
    area = request.args.get("area") or None
    if area and area not in AREAS:
        area, ignored = None, [*ignored, "area"]
    organisation = request.args.get("organisation") or None
    if organisation and not (len(organisation) <= 180 and
                             organisation.replace("-", "").isalnum() and organisation.isascii()):
        organisation, ignored = None, [*ignored, "organisation"]
    return case_studies.Filters(theme, area, organisation), ignored


@bp.route("/case-studies")
@public
def index():
    filters, ignored = _filters()
    number = request.args.get("page", 1, type=int) or 1
    if not 1 <= number <= MAX_PAGE:
        abort(404)
    listing = case_studies.search(filters, number)
    if number > listing.pages:
        abort(404)

    def page_url(n):
        arguments = {key: value for key, value in (("theme", filters.theme), ("area", filters.area),
                     ("organisation", filters.organisation)) if value}
        return url_for("case_studies.index", **arguments, **({"page": n} if n > 1 else {}))

    links = [(n, page_url(n) if n else None, n == listing.page)
             for n in page_numbers(listing.page, listing.pages)]
    return render_template(
        "hub/case_studies/index.html",
        title="Case studies" if number == 1 else f"Case studies, page {number}",
        listing=listing, filters=filters, ignored=ignored, themes=THEMES,
        theme_options=[(code, label) for code, (label, _text) in THEMES.items()],
        area_options=[(area, area) for area in AREAS],
        organisations=case_studies.organisations_with_published(), links=links,
        previous_href=page_url(listing.page - 1) if listing.page > 1 else None,
        next_href=page_url(listing.page + 1) if listing.page < listing.pages else None,
        image_sources=image_sources)


@bp.route("/case-studies/<slug>")
@public
def show(slug: str):
    if len(slug) > SLUG_MAX_LENGTH:
        abort(404)
    found = case_studies.published(slug)
    if found is None:
        abort(404)
    return render_template("hub/case_studies/show.html", title=found.title,
                           description=found.summary, **page_context(found))


# --- signatories ------------------------------------------------------------------------------

MINE = "/organisations/<int:organisation_id>/case-studies"


def _writer(organisation_id: int):
    """A member's listed organisation (404 for anyone else or before approval)."""
    organisation = get_membership_for(organisation_id).organisation
    if not case_studies.may_write_for(organisation):
        abort(404)
    return organisation


def _own(organisation_id: int, case_study_id: int):
    organisation = _writer(organisation_id)
    found = case_studies.for_organisation(organisation.id, case_study_id)
    if found is None:
        abort(404)
    return organisation, found


@bp.route(MINE)
@login_required
def mine(organisation_id: int):
    organisation = _writer(organisation_id)
    return render_template("hub/case_studies/mine.html", title="Your case studies",
                           organisation=organisation,
                           items=case_studies.of_organisation(organisation.id))


@bp.route(MINE + "/new", methods=["GET", "POST"])
@login_required
def new(organisation_id: int):
    organisation = _writer(organisation_id)
    form = prepare(CaseStudyForm())
    status = 200
    if request.method == "POST":
        valid = form.validate_on_submit()
        image_ok, new_image = checked_image(form) if valid else (True, None)
        if valid and image_ok:
            try:
                case_study = case_studies.create(text_of(form), author=current_user,
                                                 now=utcnow(), organisation=organisation,
                                                 new_image=new_image)
            except CaseStudyRefused as refusal:
                refused_on_form(form, refusal)
            else:
                flash(f"“{case_study.title}” is saved as a draft. Send it to Business Durham "
                      "when it is ready.", "success")
                return redirect(url_for("case_studies.edit", organisation_id=organisation.id,
                                        case_study_id=case_study.id))
    return render_template("hub/case_studies/edit.html", title="Write a case study",
                           form=form, organisation=organisation, case_study=None,
                           staff=False), status


@dataclass
class EditOutcome:
    """What an edit request came to: saved (redirect), or the form to show again."""

    case_study: object
    saved: bool = False
    conflict: str | None = None
    status: int = 200


def save_edit(form: CaseStudyForm, case_study, editable: bool, reload) -> EditOutcome:
    """The editor's POST, shared by members and staff: validate, check the image, save with
    compare-and-set; `reload()` fetches the case study again after a rollback."""
    if not editable:
        abort(CONFLICT)
    valid = form.validate_on_submit()
    image_ok, new_image = checked_image(form) if valid else (True, None)
    if not (valid and image_ok):
        return EditOutcome(case_study)
    try:
        case_studies.save(case_study, text_of(form), based_on=form.based_on_version(),
                          by=current_user, now=utcnow(), new_image=new_image)
    except case_studies.CaseStudyConflict as error:
        db.session.rollback()
        case_study = reload()
        form.based_on.data = str(case_study.version)
        return EditOutcome(case_study, conflict=str(error), status=CONFLICT)
    except CaseStudyRefused as refusal:
        refused_on_form(form, refusal)
        return EditOutcome(reload())
    flash(f"“{case_study.title}” is saved.", "success")
    return EditOutcome(case_study, saved=True)


@bp.route(MINE + "/<int:case_study_id>", methods=["GET", "POST"])
@login_required
def edit(organisation_id: int, case_study_id: int):
    organisation, case_study = _own(organisation_id, case_study_id)
    editable = case_study.status in case_studies.MEMBER_EDITABLE
    form = prepare(CaseStudyForm())
    outcome = EditOutcome(case_study)
    if request.method == "GET":
        fill(form, case_study)
    else:
        outcome = save_edit(form, case_study, editable, lambda: case_studies.for_organisation(
            organisation.id, case_study_id))
        if outcome.saved:
            return redirect(url_for("case_studies.edit", organisation_id=organisation.id,
                                    case_study_id=case_study.id))
    case_study = outcome.case_study
    return render_template(
        "hub/case_studies/edit.html", title=f"Case study: {case_study.title}", form=form,
        organisation=organisation, staff=False, editable=editable,
        conflict=outcome.conflict, action_form=ActionForm(based_on=str(case_study.version)),
        **page_context(case_study)), outcome.status


@bp.route(MINE + "/<int:case_study_id>/submit", methods=["POST"])
@login_required
def submit(organisation_id: int, case_study_id: int):
    organisation, case_study = _own(organisation_id, case_study_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    back = redirect(url_for("case_studies.edit", organisation_id=organisation.id,
                            case_study_id=case_study.id))
    try:
        case_studies.submit(case_study, based_on=form.based_on_version(), by=current_user,
                            now=utcnow(), staff_mailbox=current_app.config["CONTACT_STAFF_EMAIL"])
    except CaseStudyRefused as refusal:
        db.session.rollback()
        flash(str(refusal), "info")
        return back
    flash("Sent to Business Durham. We will email you when they have read it.", "success")
    return back


def remove_image_step(case_study, image_id: int) -> None:
    """Remove one image, for members and staff alike; a stale form is a message, not an error."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        case_studies.remove_image(case_study, image_id, based_on=form.based_on_version(),
                                  by=current_user, now=utcnow())
    except LookupError:
        abort(404)
    except CaseStudyRefused as refusal:
        db.session.rollback()
        flash(str(refusal), "info")
    else:
        flash("The image is removed.", "success")


@bp.route(MINE + "/<int:case_study_id>/images/<int:image_id>/remove", methods=["POST"])
@login_required
def remove_image(organisation_id: int, case_study_id: int, image_id: int):
    organisation, case_study = _own(organisation_id, case_study_id)
    remove_image_step(case_study, image_id)
    return redirect(url_for("case_studies.edit", organisation_id=organisation.id,
                            case_study_id=case_study.id, _anchor="images"))


@bp.errorhandler(413)
def too_large(_error):
    """A body over MAX_CONTENT_LENGTH is refused before the form can be read: say so."""
    return render_template("errors/error.html", title="The file is too large",
                           heading="The file is too large",
                           advice="Images must be 5 MB or smaller. Nothing was saved: go back, "
                                  "choose a smaller image and save again.", status=413), 413
