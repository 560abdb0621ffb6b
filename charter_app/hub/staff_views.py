"""Staff edit the hub: guidance pages (with history and restore), notes on TOMs measures, and
news. Every editor has a live preview (htmx posts the text to `preview` as it is typed) and a
Preview button that does the same with a plain form post when JavaScript is off."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from charter_app import images
from charter_app.access import staff_required
from charter_app.events.buyers import BuyerRefused, PartnerDetails, add_partner
from charter_app.extensions import db
from charter_app.hub import news, pages, partner_logos, partners, toms
from charter_app.hub.forms import NewPageForm, NewsForm, PageForm, PreviewForm, VersionForm
from charter_app.hub.markdown import render_markdown
from charter_app.hub.models import PageKind
from charter_app.hub.news import NewsText
from charter_app.hub.pages import PageConflict, PageText
from charter_app.hub.partner_forms import (
    LogoForm,
    NewPartnerForm,
    PartnerPageForm,
    RemoveLogoForm,
)
from charter_app.hub.views import current_financial_year
from charter_app.pledges.catalogue import THEMES
from charter_app.timeutil import utcnow

bp = Blueprint("hub_staff", __name__, url_prefix="/staff/hub")

# Addresses a new guidance page cannot take: routes of their own, or the measure notes' prefix.
RESERVED_SLUGS = frozenset({"toms", "new"})
CONFLICT = 409


def _wants_preview() -> bool:
    return request.form.get("action") == "preview"


def _page_text(form: PageForm) -> PageText:
    return PageText(form.title.data, form.summary.data or "", form.body.data,
                    bool(form.published.data))


@bp.route("/preview", methods=["POST"])
@staff_required
def preview():
    """The sanitised HTML of the Markdown typed so far (CSRF-checked like every POST)."""
    form = PreviewForm(meta={"csrf": False})
    body = form.body.data if form.validate() else ""
    return render_template("hub/_preview.html", preview=render_markdown(body))


@bp.route("/pages")
@staff_required
def pages_index():
    grouped = toms.guide(current_financial_year(), published_notes_only=False)
    return render_template("hub/staff/pages.html", title="Guidance pages",
                           guidance=pages.guidance_pages(published_only=False),
                           grouped=grouped, themes=THEMES)


@bp.route("/pages/new", methods=["GET", "POST"])
@staff_required
def new_page():
    form = NewPageForm()
    preview_html, status = None, 200
    if request.method == "POST" and _wants_preview():
        preview_html = render_markdown(form.body.data)
    elif form.validate_on_submit():
        slug = form.slug.data
        try:
            if slug in RESERVED_SLUGS or slug.startswith(pages.MEASURE_NOTE_PREFIX):
                raise PageConflict(f"/hub/{slug} is used by the service: choose another address.")
            page = pages.create_page(slug, PageKind.GUIDANCE, _page_text(form),
                                     change_note=form.change_note.data, author=current_user,
                                     now=utcnow(), sort_order=100)
        except PageConflict as conflict:
            form.slug.errors = [*form.slug.errors, str(conflict)]
            status = CONFLICT
        else:
            flash(f"“{page.title}” is saved as version 1.", "success")
            return redirect(url_for("hub_staff.edit_page", slug=page.slug))
    elif request.method == "GET":
        form.change_note.data = "First version"
    return render_template("hub/staff/edit_page.html", title="New guidance page", form=form,
                           page=None, new=True, preview=preview_html), status


@bp.route("/pages/<slug>", methods=["GET", "POST"])
@staff_required
def edit_page(slug: str):
    page = pages.page_by_slug(slug)
    measure = pages.measure_for_note(slug) if page is None else None
    if page is None and measure is None:
        abort(404)
    form = PageForm(obj=page if request.method == "GET" else None)
    conflict, preview_html, status = None, None, 200
    if request.method == "GET":
        form.change_note.data = ""
        form.based_on.data = str(page.version) if page else "0"
        if measure is not None:
            form.title.data = f"Note on {measure.name}"
    elif _wants_preview():
        preview_html = render_markdown(form.body.data)
    elif form.validate_on_submit():
        try:
            if page is None:
                page = pages.create_page(slug, PageKind.MEASURE_NOTE, _page_text(form),
                                         change_note=form.change_note.data,
                                         author=current_user, now=utcnow())
                number = page.version
            else:
                number = pages.save_page(page, _page_text(form),
                                         based_on=form.based_on_version(),
                                         change_note=form.change_note.data,
                                         author=current_user, now=utcnow()).number
        except PageConflict as error:
            conflict, status = str(error), CONFLICT
            page = pages.page_by_slug(slug)
            # Saving again now replaces the newer version, knowingly.
            form.based_on.data = str(page.version) if page else "0"
        else:
            flash(f"Version {number} of “{page.title}” is saved.", "success")
            return redirect(url_for("hub_staff.edit_page", slug=slug))
    return render_template("hub/staff/edit_page.html", title=f"Edit: {form.title.data or slug}",
                           form=form, page=page, measure=measure, new=False, conflict=conflict,
                           preview=preview_html), status


@bp.route("/pages/<slug>/history")
@staff_required
def history(slug: str):
    page = pages.page_by_slug(slug) or abort(404)
    return render_template("hub/staff/history.html", title=f"History: {page.title}", page=page,
                           restore_form=VersionForm(based_on=str(page.version)))


@bp.route("/pages/<slug>/versions/<int:number>")
@staff_required
def version(slug: str, number: int):
    page = pages.page_by_slug(slug) or abort(404)
    found = pages.version_of(page, number) or abort(404)
    return render_template("hub/staff/version.html", title=f"Version {number}: {found.title}",
                           page=page, version=found, body=render_markdown(found.body),
                           restore_form=VersionForm(based_on=str(page.version)))


@bp.route("/pages/<slug>/versions/<int:number>/restore", methods=["POST"])
@staff_required
def restore(slug: str, number: int):
    page = pages.page_by_slug(slug) or abort(404)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        restored = pages.restore_version(page, number, based_on=form.based_on_version(),
                                         author=current_user, now=utcnow())
    except LookupError:
        abort(404)
    except PageConflict:
        flash("Someone saved a newer version of this page since you opened its history. Nothing "
              "was restored: check the history below, then restore again if you still want to.",
              "info")
        return redirect(url_for("hub_staff.history", slug=slug))
    flash(f"Version {number} is restored as version {restored.number}.", "success")
    return redirect(url_for("hub_staff.history", slug=slug))


@bp.route("/news")
@staff_required
def news_list():
    return render_template("hub/staff/news.html", title="News posts", posts=news.all_posts())


def _news_text(form: NewsForm) -> NewsText:
    return NewsText(form.title.data, form.summary.data, form.body.data, bool(form.publish.data))


@bp.route("/news/new", methods=["GET", "POST"])
@bp.route("/news/<int:post_id>", methods=["GET", "POST"])
@staff_required
def edit_news(post_id: int | None = None):
    post = None
    if post_id is not None:
        post = news.post_by_id(post_id) or abort(404)
    form = NewsForm(obj=post if request.method == "GET" else None)
    conflict, preview_html, status = None, None, 200
    if request.method == "GET":
        form.publish.data = bool(post and post.is_published)
        form.based_on.data = str(post.version) if post else "0"
    elif _wants_preview():
        preview_html = render_markdown(form.body.data)
    elif form.validate_on_submit():
        try:
            if post is None:
                post = news.create_post(_news_text(form), author=current_user, now=utcnow())
            else:
                news.save_post(post, _news_text(form), based_on=form.based_on_version(),
                               now=utcnow())
        except PageConflict as error:
            conflict, status = str(error), CONFLICT
            if post is not None:
                form.based_on.data = str(post.version)
        else:
            state = "published" if post.is_published else "saved as a draft"
            flash(f"“{post.title}” is {state}.", "success")
            return redirect(url_for("hub_staff.edit_news", post_id=post.id))
    return render_template("hub/staff/edit_news.html",
                           title=f"Edit: {post.title}" if post else "New news post",
                           form=form, post=post, conflict=conflict, preview=preview_html), status



@bp.route("/partners")
@staff_required
def partners_list():
    return render_template("hub/staff/partners.html", title="Partners' pages",
                           partners=partners.all_partners())


def _partner_page(form: PartnerPageForm) -> partners.PartnerPage:
    return partners.PartnerPage(
        form.slug.data, form.body.data, form.tenders_url.data, form.tenders_text.data,
        form.social_value_contact_name.data, form.social_value_contact_email.data,
        bool(form.published.data))


@bp.route("/partners/new", methods=["GET", "POST"])
@staff_required
def new_partner():
    form = NewPartnerForm()
    preview_html, status = None, 200
    if request.method == "POST" and _wants_preview():
        preview_html = render_markdown(form.body.data)
    elif form.validate_on_submit():
        try:
            partner = add_partner(PartnerDetails(name=form.name.data))
            partners.save_page(partner, _partner_page(form), based_on=partner.version)
        except BuyerRefused as refusal:
            form.name.errors = [*form.name.errors, refusal.message]
            db.session.rollback()
            status = CONFLICT
        except PageConflict as conflict:
            form.slug.errors = [*form.slug.errors, str(conflict)]
            db.session.rollback()  # the partner too: nothing half-made
            status = CONFLICT
        else:
            flash(f"{partner.name} is added.", "success")
            return redirect(url_for("hub_staff.edit_partner", partner_id=partner.id))
    return render_template("hub/staff/edit_partner.html", title="New partner", form=form,
                           partner=None, conflict=None, preview=preview_html), status


@bp.route("/partners/<int:partner_id>", methods=["GET", "POST"])
@staff_required
def edit_partner(partner_id: int):
    """A partner's public page. New partners are added where buyers are (staff events pages);
    this editor gives any of them a page."""
    partner = partners.partner_by_id(partner_id) or abort(404)
    form = PartnerPageForm(obj=partner if request.method == "GET" else None)
    conflict, preview_html, status = None, None, 200
    if request.method == "GET":
        form.body.data = partner.what_it_buys
        form.based_on.data = str(partner.version)
    elif _wants_preview():
        preview_html = render_markdown(form.body.data)
    elif form.validate_on_submit():
        try:
            partners.save_page(partner, _partner_page(form), based_on=form.based_on_version())
        except PageConflict as error:
            conflict, status = str(error), CONFLICT
            # Saving again now replaces the newer version, knowingly.
            form.based_on.data = str(partner.version)
        else:
            state = "published" if partner.published else "saved, not published"
            flash(f"{partner.name}'s page is {state}.", "success")
            return redirect(url_for("hub_staff.edit_partner", partner_id=partner.id))
    return _partner_editor(partner, form, conflict=conflict, preview=preview_html), status


def _partner_editor(partner, form: PartnerPageForm, *, conflict=None, preview=None,
                    logo_form: LogoForm | None = None) -> str:
    return render_template("hub/staff/edit_partner.html", title=f"Edit: {partner.name}",
                           form=form, partner=partner, conflict=conflict, preview=preview,
                           logo_form=logo_form or LogoForm(), remove_logo_form=RemoveLogoForm(),
                           logo=partner_logos.logo_sources(partner))


def _page_form(partner) -> PartnerPageForm:
    form = PartnerPageForm(obj=partner, formdata=None)
    form.body.data = partner.what_it_buys
    form.based_on.data = str(partner.version)
    return form


@bp.route("/partners/<int:partner_id>/logo", methods=["POST"])
@staff_required
def upload_logo(partner_id: int):
    partner = partners.partner_by_id(partner_id) or abort(404)
    logo_form = LogoForm()
    if logo_form.validate_on_submit():
        if not logo_form.has_logo():
            logo_form.logo.errors = [*logo_form.logo.errors, "Select a logo to upload"]
        else:
            try:
                partner_logos.set_logo(partner, partner_logos.prepare(logo_form.logo.data.stream))
            except images.NotAnImage:
                logo_form.logo.errors = [*logo_form.logo.errors,
                                         "The selected file must be a PNG, JPEG or WebP image"]
            except images.ImageRefused as refused:
                logo_form.logo.errors = [*logo_form.logo.errors, str(refused)]
            else:
                flash(f"{partner.name}'s logo is saved.", "success")
                return redirect(url_for("hub_staff.edit_partner", partner_id=partner.id))
    db.session.rollback()
    return _partner_editor(partner, _page_form(partner), logo_form=logo_form), 400


@bp.route("/partners/<int:partner_id>/logo/remove", methods=["POST"])
@staff_required
def remove_logo(partner_id: int):
    partner = partners.partner_by_id(partner_id) or abort(404)
    if RemoveLogoForm().validate_on_submit():
        partner_logos.remove_logo(partner)
        flash(f"{partner.name}'s logo is removed.", "success")
    return redirect(url_for("hub_staff.edit_partner", partner_id=partner.id))
