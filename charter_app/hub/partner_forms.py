"""The staff form for a partner's page. Every length the database limits is checked here."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput, GovTextInput
from wtforms import BooleanField, EmailField, HiddenField, StringField
from wtforms.validators import URL, Email, Length, Optional, Regexp

from charter_app.events.models import Partner
from charter_app.forms import column_length, strip_spaces, text_field
from charter_app.hub.forms import PageForm, body_field, slug_field

SLUG_LENGTH = column_length(Partner.slug)
URL_LENGTH = column_length(Partner.tenders_url)
EMAIL_LENGTH = column_length(Partner.social_value_contact_email)


class PartnerPageForm(FlaskForm):
    slug = slug_field("/partners/", "durham-county-council", SLUG_LENGTH)
    # Named `body` so the editor's live preview (which posts `body`) works for it too.
    body = body_field("What it buys", column_length(Partner.what_it_buys),
                      "Say what this partner buys")
    tenders_url = StringField(
        "Where it publishes tenders", widget=GovTextInput(), filters=[strip_spaces],
        description="The full https address of its procurement portal or tenders page.",
        validators=[Optional(),
                    Length(max=URL_LENGTH,
                           message=f"The address must be {URL_LENGTH} characters or fewer"),
                    Regexp(r"\Ahttps://", message="Enter an address starting https://"),
                    URL(message="Enter the address in full, like https://www.example.gov.uk")])
    tenders_text = text_field("How to find its tenders",
                              max_length=column_length(Partner.tenders_text),
                              hint="A sentence or two: the portal's name, how to register.")
    social_value_contact_name = text_field(
        "Social value contact", max_length=column_length(Partner.social_value_contact_name),
        hint="A person or a team.")
    social_value_contact_email = EmailField(
        "Social value contact email", widget=GovTextInput(), filters=[strip_spaces],
        validators=[Optional(),
                    Length(max=EMAIL_LENGTH,
                           message=f"Email address must be {EMAIL_LENGTH} characters or fewer"),
                    Email(message="Enter an email address in the correct format, like "
                                  "name@example.com", check_deliverability=False)])
    published = BooleanField("Published: anyone can see this partner's page",
                             widget=GovCheckboxInput())
    based_on = HiddenField()

    based_on_version = PageForm.based_on_version



class NewPartnerForm(PartnerPageForm):
    name = text_field("Name", "Enter the partner's name",
                      max_length=column_length(Partner.name))


class LogoForm(FlaskForm):
    logo = FileField("Logo", widget=GovFileInput(),
                     description="A PNG, JPEG or WebP image of 5 MB or less. We remove its "
                                 "metadata and make smaller copies for phones.")

    def has_logo(self) -> bool:
        upload = self.logo.data
        return bool(upload and getattr(upload, "filename", ""))


class RemoveLogoForm(FlaskForm):
    """Only the CSRF token."""
