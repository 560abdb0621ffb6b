import gzip
from functools import cache
from pathlib import Path

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovRadioInput
from wtforms import PasswordField, RadioField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from charter_app.forms import email_field

# The 20,000 passwords seen most in breaches (source and licence: data/SOURCE.md), plus a few
# a County Durham user might think clever.
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt.gz"
LOCAL_COMMON_PASSWORDS = {"countydurham1", "durhamcounty1", "countydurhampound", "durhamcharter1"}


@cache
def common_passwords() -> frozenset[str]:
    """Loaded once per process, lower-cased."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        listed = {line.strip().lower() for line in lines if line.strip()}
    return frozenset(listed | LOCAL_COMMON_PASSWORDS)


def is_common_password(password: str) -> bool:
    return password.strip().lower() in common_passwords()


def new_password_field(label: str = "Create a password") -> PasswordField:
    return PasswordField(
        label,
        description="At least 12 characters. A few words strung together is easy to remember.",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Enter a password"),
            Length(min=12, message="Password must be 12 characters or more"),
            Length(max=200, message="Password must be 200 characters or fewer"),
        ],
    )


# Made before NewPasswordForm's fields: WTForms orders fields by creation, and the error summary
# must list them in the order the page shows them (email first).
_REGISTER_EMAIL = email_field(hint="We will send a link to confirm it.")


class NewPasswordForm(FlaskForm):
    """A new password, typed twice, that is long enough and not a common one."""

    password = new_password_field()
    password_confirm = PasswordField(
        "Confirm your password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Confirm your password"),
            EqualTo("password", message="The passwords do not match"),
        ],
    )

    def validate_password(self, field):
        if field.data and is_common_password(field.data):
            raise ValidationError(
                "Choose a password that is harder to guess: this one is on a list of passwords "
                "people use most often")


class RegisterForm(NewPasswordForm):
    email = _REGISTER_EMAIL


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=200)],
    )


class RequestResetForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(NewPasswordForm):
    password = new_password_field("New password")


class ChangeEmailForm(FlaskForm):
    email = email_field("New email address", hint="We will send a link to this address.")


class InviteForm(FlaskForm):
    email = email_field("Your colleague's email address")
    role = RadioField(
        "What can they do?",
        widget=GovRadioInput(),
        choices=[
            ("member", "Member: can edit the application and reports"),
            ("owner", "Owner: can also invite and manage colleagues"),
        ],
        default="member",
        validators=[InputRequired(message="Choose what your colleague can do")],
    )


class AcceptInvitationForm(NewPasswordForm):
    """Create a password to join the organisation that sent the invitation."""


class InviteStaffForm(FlaskForm):
    email = email_field("Their work email address")
    role = RadioField(
        "Role",
        widget=GovRadioInput(),
        choices=[
            ("staff", "Staff: review applications, run events, check reports"),
            ("administrator", "Administrator: also manages staff accounts, the measure "
                              "catalogue and settings"),
        ],
        default="staff",
        validators=[InputRequired(message="Choose a role")],
    )


class ConfirmForm(FlaskForm):
    """A button and its CSRF token, for a confirmation step."""
