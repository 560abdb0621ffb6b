"""The account page's two privacy actions: download everything, delete the account."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput
from wtforms import PasswordField
from wtforms.validators import InputRequired, Length


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        "Your password", widget=GovPasswordInput(),
        description="So nobody at an unattended computer can delete your account.",
        validators=[InputRequired(message="Enter your password"), Length(max=200)])


class DownloadDataForm(FlaskForm):
    """Only the CSRF token: the download is a POST, so another site cannot start one."""
