import hashlib
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_app.extensions import db
from charter_app.personal_data import personal, secret
from charter_app.timeutil import UTCDateTime, utcnow


class MemberRole(StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, info=personal(email=True))
    password_hash: Mapped[str] = mapped_column(String(255), info=secret())
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A new address waits here until the link sent to it is followed.
    pending_email: Mapped[str | None] = mapped_column(String(254), info=personal(email=True))
    is_staff: Mapped[bool] = mapped_column(default=False)
    # Administrators are staff who also manage staff accounts, the measure catalogue and settings.
    is_admin: Mapped[bool] = mapped_column(default=False)
    # Set when an administrator deactivates a staff account: it can no longer sign in, and any
    # session already open stops working. The row stays so recorded actions keep their name.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Named in every session id: bumping it (sign-out, new password, deactivation) ends every
    # session and remember-me cookie issued before, even copies.
    session_generation: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Opted in to emails announcing new events (optional: each carries an unsubscribe link).
    wants_event_announcements: Mapped[bool] = mapped_column(
        default=False, server_default=sa_false())
    # Other optional emails: partnership news, and (for staff) the weekly digest.
    wants_news: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    wants_staff_digest: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    # The private calendar feed's secret (its URL); None until asked for, replaced on reset.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True, info=secret())

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_active(self) -> bool:
        # Flask-Login refuses to sign in an inactive user.
        return self.deactivated_at is None

    @property
    def staff_role(self) -> str | None:
        if not self.is_staff:
            return None
        return "administrator" if self.is_admin else "staff"

    @property
    def password_fingerprint(self) -> str:
        """Changes whenever the password does: used reset links and old sessions stop working."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def get_id(self) -> str:
        # Kept in the session cookie: a new password, or signing out, ends every other session.
        return f"{self.id}.{self.password_fingerprint}.{self.session_generation}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(10), default=MemberRole.MEMBER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped["Organisation"] = relationship(back_populates="memberships")  # noqa: F821

    @property
    def is_owner(self) -> bool:
        return self.role == MemberRole.OWNER


class Invitation(db.Model):
    """A colleague asked to join an organisation; the emailed link carries this row's id, signed."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), info=personal(email=True))
    role: Mapped[str] = mapped_column(String(10), default=MemberRole.MEMBER)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    invited_by: Mapped[User | None] = relationship()


class SignInThrottle(db.Model):
    """Failed sign-ins per account, counted across every address and every worker.

    Keyed by a hash of the typed email, whether or not it has an account, so the throttle itself
    never reveals who is registered.
    """

    __tablename__ = "sign_in_throttles"

    email_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
