"""Staff moderate case studies (publish, ask for changes, reject) and write their own, for a
signatory or a partner. Views are thin: the rules are in case_studies.py."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from charter_app.access import staff_required
from charter_app.extensions import db
from charter_app.hub import case_studies, partners
from charter_app.hub.case_studies import CaseStudyRefused
from charter_app.hub.case_study_forms import (
    ActionForm,
    CaseStudyForm,
    DecisionForm,
    StaffCaseStudyForm,
)
from charter_app.hub.case_study_views import (
    EditOutcome,
    checked_image,
    fill,
    page_context,
    prepare,
    refused_on_form,
    remove_image_step,
    save_edit,
    text_of,
    too_large,
)
from charter_app.organisations.models import LISTED_STATUSES, Organisation
from charter_app.timeutil import utcnow

bp = Blueprint("case_studies_staff", __name__, url_prefix="/staff/hub/case-studies")
bp.register_error_handler(413, too_large)
CONFLICT = 409


def _case_study(case_study_id: int):
    return case_studies.by_id(case_study_id) or abort(404)


def _prepared(form: StaffCaseStudyForm) -> StaffCaseStudyForm:
    prepare(form)
    form.partner.choices = [("", "None")] + [(str(partner.id), partner.name)
                                             for partner in partners.all_partners()]
    return form


@bp.route("")
@staff_required
def queue():
    return render_template("hub/case_studies/queue.html", title="Case studies",
                           items=case_studies.moderation_queue())


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    form = _prepared(StaffCaseStudyForm())
    if request.method == "POST" and form.validate_on_submit():
        organisation = partner = None
        if form.signatory.data:
            organisation = db.session.scalar(select(Organisation).where(
                Organisation.slug == form.signatory.data,
                Organisation.status.in_(LISTED_STATUSES)))
            if organisation is None:
                form.signatory.errors = [*form.signatory.errors,
                                         "There is no signatory in the directory at this "
                                         "address"]
        else:
            partner = partners.partner_by_id(int(form.partner.data)) \
                if form.partner.data.isdigit() else None
            if partner is None:
                form.partner.errors = [*form.partner.errors, "Choose a partner from the list"]
        image_ok, new_image = checked_image(form) if not form.errors else (True, None)
        if not form.errors and image_ok:
            try:
                case_study = case_studies.create(
                    text_of(form), author=current_user, now=utcnow(),
                    organisation=organisation, partner=partner, new_image=new_image)
            except CaseStudyRefused as refusal:
                refused_on_form(form, refusal)
            else:
                flash(f"“{case_study.title}” is saved as a draft: publish it when it is ready.",
                      "success")
                return redirect(url_for("case_studies_staff.review",
                                        case_study_id=case_study.id))
    return render_template("hub/case_studies/edit.html", title="New case study", form=form,
                           organisation=None, case_study=None, staff=True)


@bp.route("/<int:case_study_id>")
@staff_required
def review(case_study_id: int):
    case_study = _case_study(case_study_id)
    form = DecisionForm(based_on=str(case_study.version))
    return render_template("hub/case_studies/review.html", title=f"Review: {case_study.title}",
                           decision_form=form, conflict=None, **page_context(case_study))


@bp.route("/<int:case_study_id>/decision", methods=["POST"])
@staff_required
def decide(case_study_id: int):
    case_study = _case_study(case_study_id)
    form = DecisionForm()
    conflict, status = None, 400
    if form.validate_on_submit():
        try:
            case_studies.decide(case_study, form.decision.data, based_on=form.based_on_version(),
                                by=current_user, now=utcnow(), message=form.message.data)
        except CaseStudyRefused as refusal:
            db.session.rollback()
            conflict, status = str(refusal), CONFLICT
            case_study = _case_study(case_study_id)
            form.based_on.data = str(case_study.version)
        else:
            done = case_studies.DECISIONS[form.decision.data][1]
            flash(f"“{case_study.title}” is {done}.", "success")
            return redirect(url_for("case_studies_staff.queue"))
    return render_template("hub/case_studies/review.html", title=f"Review: {case_study.title}",
                           decision_form=form, conflict=conflict,
                           **page_context(case_study)), status


@bp.route("/<int:case_study_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(case_study_id: int):
    case_study = _case_study(case_study_id)
    # Whose it is does not change once written: the plain form, without the choice.
    form = prepare(CaseStudyForm())
    editable = case_study.status != case_studies.Status.REJECTED
    outcome = EditOutcome(case_study)
    if request.method == "GET":
        fill(form, case_study)
    else:
        outcome = save_edit(form, case_study, editable, lambda: _case_study(case_study_id))
        if outcome.saved:
            return redirect(url_for("case_studies_staff.edit", case_study_id=case_study.id))
    case_study = outcome.case_study
    return render_template(
        "hub/case_studies/edit.html", title=f"Edit: {case_study.title}", form=form,
        organisation=case_study.organisation, staff=True,
        editable=editable, conflict=outcome.conflict,
        action_form=ActionForm(based_on=str(case_study.version)),
        **page_context(case_study)), outcome.status


@bp.route("/<int:case_study_id>/images/<int:image_id>/remove", methods=["POST"])
@staff_required
def remove_image(case_study_id: int, image_id: int):
    case_study = _case_study(case_study_id)
    remove_image_step(case_study, image_id)
    return redirect(url_for("case_studies_staff.edit", case_study_id=case_study.id,
                            _anchor="images"))
