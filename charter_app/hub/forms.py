"""Staff forms for guidance pages and news. Every length the database limits is checked here."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from charter_app.forms import clean_text, text_field
from charter_app.hub.models import (
    BODY_MAX_LENGTH,
    CHANGE_NOTE_MAX_LENGTH,
    NEWS_BODY_MAX_LENGTH,
    SLUG_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
)

MARKDOWN_HINT = ("Markdown: ## for a heading, - for a list, **bold**, [link text](https://...). "
                 "Blank line between paragraphs.")


def body_field(label: str, max_length: int, required_message: str) -> TextAreaField:
    return TextAreaField(
        label, description=MARKDOWN_HINT, widget=GovTextArea(), filters=[clean_text],
        validators=[DataRequired(message=required_message),
                    Length(max=max_length,
                           message=f"{label} must be {max_length:,} characters or fewer")])


def summary_field(required_message: str | None = None) -> TextAreaField:
    validators = [DataRequired(message=required_message)] if required_message else []
    validators.append(Length(max=SUMMARY_MAX_LENGTH,
                             message=f"Summary must be {SUMMARY_MAX_LENGTH} characters or fewer"))
    return TextAreaField("Summary", description="One or two sentences, shown in lists.",
                         widget=GovCharacterCount(), filters=[clean_text], validators=validators)


class PageForm(FlaskForm):
    title = text_field("Title", "Enter a title", max_length=TITLE_MAX_LENGTH)
    summary = summary_field()
    body = body_field("Page text", BODY_MAX_LENGTH, "Enter the page text")
    published = BooleanField("Published: anyone can read this page", widget=GovCheckboxInput())
    change_note = TextAreaField(
        "What you changed", description="Kept in the page's history with your name.",
        widget=GovCharacterCount(), filters=[clean_text],
        validators=[DataRequired(message="Say in a few words what you changed"),
                    Length(max=CHANGE_NOTE_MAX_LENGTH,
                           message=f"The note must be {CHANGE_NOTE_MAX_LENGTH} characters or "
                                   f"fewer")])
    # The version the editor started from: the compare-and-set token.
    based_on = HiddenField()

    def based_on_version(self) -> int:
        value = self.based_on.data or ""
        return int(value) if value.isdigit() and len(value) < 10 else -1


def slug_field(prefix: str, example: str, max_length: int = SLUG_MAX_LENGTH) -> StringField:
    """The end of a page's address, after `prefix`."""
    return StringField(
        "Web address", widget=GovTextInput(), filters=[clean_text],
        description=f"The end of the page's address, after {prefix}: lower-case letters, "
                    f"numbers and hyphens, like {example}.",
        validators=[DataRequired(message="Enter the web address"),
                    Length(max=max_length,
                           message=f"Web address must be {max_length} characters or fewer"),
                    Regexp(r"\A[a-z0-9]+(-[a-z0-9]+)*\Z",
                           message="Use lower-case letters, numbers and hyphens only, like "
                                   f"{example}")])


class NewPageForm(PageForm):
    slug = slug_field("/hub/", "working-with-buyers")


class NewsForm(FlaskForm):
    title = text_field("Title", "Enter a title", max_length=TITLE_MAX_LENGTH)
    summary = summary_field("Enter a summary")
    body = body_field("Post", NEWS_BODY_MAX_LENGTH, "Enter the text of the post")
    publish = BooleanField("Published: show it on /news, the home page and the feed",
                           widget=GovCheckboxInput())
    based_on = HiddenField()

    based_on_version = PageForm.based_on_version


class VersionForm(FlaskForm):
    """Restoring a version: only the CSRF token and the version it was seen against."""

    based_on = HiddenField()

    based_on_version = PageForm.based_on_version


class PreviewForm(FlaskForm):
    body = TextAreaField(filters=[clean_text],
                         validators=[Length(max=BODY_MAX_LENGTH)])
