"""Forms for writing and moderating case studies. Every length the database limits is checked
here, before the database sees the value; an image is checked by the pipeline in the view, and a
refused one is an error on this form, which keeps everything else that was typed."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovFileInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp, StopValidation

from charter_app.forms import ChoiceRadios, clean_text, strip_spaces, text_field
from charter_app.hub.case_study_models import (
    ALT_LENGTH,
    BODY_LENGTH,
    CAPTION_LENGTH,
    MAX_VIDEOS,
    MESSAGE_LENGTH,
    SUMMARY_LENGTH,
    TITLE_LENGTH,
    URL_LENGTH,
    VIDEO_TITLE_LENGTH,
)
from charter_app.hub.forms import MARKDOWN_HINT, PageForm
from charter_app.organisations.data_postcodes import AREAS
from charter_app.pledges.catalogue import THEMES

IMAGE_HINT = ("A PNG, JPEG or WebP picture, 5 MB or smaller; we remove its hidden details "
              "(such as where it was taken). Up to 6 images.")


class Choices(SelectMultipleField):
    """Checkboxes whose refusal of a value never offered says so in words."""

    def __init__(self, label, message: str, **kwargs):
        super().__init__(label, widget=GovCheckboxesInput(), **kwargs)
        self.message = message

    def pre_validate(self, form):
        offered = {str(value) for value, _label in self.choices}
        if any(str(value) not in offered for value in self.data or []):
            raise StopValidation(self.message)


def https_field(label: str, hint: str | None = None) -> StringField:
    return StringField(
        label, description=hint, widget=GovTextInput(), filters=[strip_spaces],
        validators=[Optional(),
                    Length(max=URL_LENGTH,
                           message=f"{label} must be {URL_LENGTH} characters or fewer"),
                    Regexp(r"\Ahttps://", message=f"{label}: enter an address starting https://"),
                    URL(message=f"{label}: enter the address in full, like "
                                "https://www.example.org/video")])


class VideoForm(Form):
    """One video link (a sub-form: the page's CSRF token covers it)."""

    title = text_field("Video title", max_length=VIDEO_TITLE_LENGTH)
    url = https_field("Video address", "Where the video is, for example on YouTube or Vimeo. "
                                       "It is shown as a link, never played on our page.")
    transcript_url = https_field("Transcript or captions address",
                                 "Optional: a page with the words of the video.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.url.data and not self.title.data:
            self.title.errors = [*self.title.errors, "Enter the video's title"]
            valid = False
        if (self.title.data or self.transcript_url.data) and not self.url.data:
            self.url.errors = [*self.url.errors, "Enter the video's address"]
            valid = False
        return valid


class CaseStudyForm(FlaskForm):
    title = text_field("Title", "Enter a title", max_length=TITLE_LENGTH)
    summary = TextAreaField(
        "Summary", description="One or two sentences, shown in lists.",
        widget=GovCharacterCount(), filters=[clean_text],
        validators=[DataRequired(message="Enter a summary"),
                    Length(max=SUMMARY_LENGTH,
                           message=f"Summary must be {SUMMARY_LENGTH} characters or fewer")])
    body = TextAreaField(
        "The story", description=MARKDOWN_HINT, widget=GovTextArea(), filters=[clean_text],
        validators=[DataRequired(message="Tell the story of the work"),
                    Length(max=BODY_LENGTH,
                           message=f"The story must be {BODY_LENGTH:,} characters or fewer")])
    area = ChoiceRadios("Area", "Choose the area where the work was done",
                        choices=[(area, area) for area in AREAS])
    themes = Choices("Themes", "Choose only the themes listed",
                     choices=[(code, label) for code, (label, _text) in THEMES.items()])
    measures = Choices("Measures it relates to (optional)", "Choose only the measures listed",
                       choices=[])
    video_1 = FormField(VideoForm, "First video (optional)")
    video_2 = FormField(VideoForm, "Second video (optional)")
    video_3 = FormField(VideoForm, "Third video (optional)")
    image = FileField("Add an image (optional)", widget=GovFileInput(), description=IMAGE_HINT)
    image_alt = text_field(
        "Alternative text for the image", max_length=ALT_LENGTH,
        hint="What the picture shows, for people who cannot see it. Required with an image.")
    image_caption = text_field("Caption (optional)", max_length=CAPTION_LENGTH)
    based_on = HiddenField()

    based_on_version = PageForm.based_on_version

    def videos(self):
        return [self.video_1, self.video_2, self.video_3][:MAX_VIDEOS]

    def has_image(self) -> bool:
        upload = self.image.data
        return bool(upload and getattr(upload, "filename", None))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.themes.data and not self.measures.data:
            self.themes.errors = [*self.themes.errors, "Choose at least one theme"]
            valid = False
        if self.has_image() and not self.image_alt.data:
            self.image_alt.errors = [*self.image_alt.errors,
                                     "Describe the image for people who cannot see it"]
            valid = False
        return valid


class StaffCaseStudyForm(CaseStudyForm):
    """Staff write for a signatory (by its profile's address) or a partner."""

    signatory = StringField(
        "Signatory's web address", widget=GovTextInput(), filters=[clean_text],
        description="The end of its profile's address, after /signatories/, like "
                    "wear-valley-widgets. Leave empty for a partner's case study.",
        validators=[Length(max=180, message="Web address must be 180 characters or fewer")])
    partner = SelectField("Or a partner", widget=GovSelect(), choices=[], validate_choice=False)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if bool(self.signatory.data) == bool(self.partner.data):
            self.signatory.errors = [*self.signatory.errors,
                                     "Enter a signatory's web address or choose a partner, "
                                     "not both"]
            valid = False
        return valid


class ActionForm(FlaskForm):
    """A button that changes state: the CSRF token and the version it was seen at."""

    based_on = HiddenField()

    based_on_version = PageForm.based_on_version


class DecisionForm(ActionForm):
    decision = ChoiceRadios("Your decision", "Choose publish, ask for changes or reject",
                            choices=[("approve", "Publish it"),
                                     ("changes", "Ask for changes"),
                                     ("reject", "Reject it")])
    message = TextAreaField(
        "Message to the author",
        description="Required to ask for changes (say what to change) or to reject (say why). "
                    "It is emailed to the person who sent it.",
        widget=GovCharacterCount(), filters=[clean_text],
        validators=[Length(max=MESSAGE_LENGTH,
                           message=f"The message must be {MESSAGE_LENGTH} characters or fewer")])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.decision.data in ("changes", "reject") and not self.message.data:
            self.message.errors = [*self.message.errors,
                                   "Say what to change" if self.decision.data == "changes"
                                   else "Give the reason for rejecting it"]
            valid = False
        return valid
