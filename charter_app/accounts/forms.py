from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovRadioInput
from wtforms import PasswordField, RadioField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from charter_app.forms import email_field

# A few of the passwords seen most in breaches; the length rule does most of the work.
COMMON_PASSWORDS = {
    "password1234",
    "passwordpassword",
    "123456789012",
    "qwertyuiopas",
    "iloveyou1234",
    "countydurham1",
    "durhamcounty1",
}


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
        if field.data and field.data.lower() in COMMON_PASSWORDS:
            raise ValidationError("This password is too easy to guess: choose another")


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
