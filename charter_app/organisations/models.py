from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_app.extensions import db
from charter_app.organisations.eligibility import org_id
from charter_app.organisations.names import name_key, search_text
from charter_app.personal_data import personal
from charter_app.timeutil import UTCDateTime, utcnow


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"
    SUSPENDED = "suspended"


# The statuses the public directory lists: approved signatories, and lapsed ones (marked as
# such) until their annual update arrives. Withdrawn, suspended and rejected ones are not listed.
LISTED_STATUSES = (ApplicationStatus.APPROVED, ApplicationStatus.LAPSED)


class SizeBand(StrEnum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class Organisation(db.Model):
    __tablename__ = "organisations"
    # Signatories in one status in name order (the staff list); the public directory, which
    # lists two statuses, walks ix_organisations_name_key instead (see directory/services.py).
    __table_args__ = (Index("ix_organisations_directory", "status", "name_key", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    # Lower-case name without legal suffixes or punctuation, for spotting likely duplicates.
    name_key: Mapped[str] = mapped_column(String(160), index=True, default="")
    slug: Mapped[str | None] = mapped_column(String(180), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=ApplicationStatus.DRAFT, index=True)

    legal_form: Mapped[str | None] = mapped_column(String(30))
    sector: Mapped[str | None] = mapped_column(String(10), index=True)
    size_band: Mapped[str | None] = mapped_column(String(10), index=True)
    company_number: Mapped[str | None] = mapped_column(String(8), index=True)
    charity_number: Mapped[str | None] = mapped_column(String(8), index=True)

    address_line_1: Mapped[str | None] = mapped_column(String(120), info=personal())
    address_line_2: Mapped[str | None] = mapped_column(String(120), info=personal())
    town: Mapped[str | None] = mapped_column(String(80))
    postcode: Mapped[str | None] = mapped_column(String(8), info=personal())
    area: Mapped[str | None] = mapped_column(String(40), index=True)
    location_flag: Mapped[str | None] = mapped_column(String(10))
    website: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # An email address and a phone number the organisation chooses to publish (either, both or
    # neither), so a buyer can reach it. The phone is kept as written, tidied; see `contact_tel`.
    contact_email: Mapped[str | None] = mapped_column(String(254), info=personal(email=True))
    contact_phone: Mapped[str | None] = mapped_column(String(20), info=personal())
    # Lower-case name, town and description: what the directory's keyword search looks in.
    search_text: Mapped[str] = mapped_column(Text, default="")

    commitments_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signatory_name: Mapped[str | None] = mapped_column(String(120), info=personal())
    signatory_role: Mapped[str | None] = mapped_column(String(120), info=personal())

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # Reported social value on the profile and in the API: off until the organisation says so.
    publishes_social_value: Mapped[bool] = mapped_column(default=False)
    # The pledge period the directory, profile and API show (see pledges/services.py).
    current_pledge_period_id: Mapped[int | None] = mapped_column(
        ForeignKey("pledge_periods.id", ondelete="SET NULL", use_alter=True)
    )

    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
        back_populates="organisation", cascade="all, delete-orphan"
    )
    # Every year's pledges, kept for ever; the current period's are the ones shown in public.
    pledge_periods: Mapped[list["PledgePeriod"]] = relationship(  # noqa: F821
        back_populates="organisation", cascade="all, delete-orphan",
        order_by="PledgePeriod.number", foreign_keys="PledgePeriod.organisation_id",
    )
    current_pledge_period: Mapped["PledgePeriod | None"] = relationship(  # noqa: F821
        foreign_keys=[current_pledge_period_id], post_update=True
    )
    pledges: Mapped[list["Pledge"]] = relationship(  # noqa: F821
        primaryjoin="Organisation.current_pledge_period_id == foreign(Pledge.period_id)",
        viewonly=True, order_by="Pledge.id",
    )
    status_changes: Mapped[list["StatusChange"]] = relationship(
        back_populates="organisation",
        cascade="all, delete-orphan",
        order_by="StatusChange.id",
    )

    @property
    def identifier(self) -> str | None:
        """The org-id.guide identifier, so open data joins with other public datasets."""
        return org_id(self.sector, self.company_number, self.charity_number)

    # Listed signatories appear on the public pages; see directory/cache.py.
    feeds_public_content = ("directory",)

    @property
    def is_listed(self) -> bool:
        """In the public directory: approved, or lapsed and marked as such."""
        return self.status in LISTED_STATUSES

    def is_published(self) -> bool:
        """Public now, or public until this change: a withdrawal, a suspension and a move
        between approved and lapsed must all refresh the public pages."""
        if self.is_listed:
            return True
        history = inspect(self).attrs.status.history
        return any(status in LISTED_STATUSES for status in history.deleted or ())

    @property
    def contact_tel(self) -> str | None:
        """The published phone number as a tel: link target (+44 and digits only)."""
        if not self.contact_phone:
            return None
        digits = "".join(character for character in self.contact_phone if character.isdigit())
        return "+44" + digits[2:] if digits.startswith("44") else "+44" + digits[1:]

    @property
    def is_editable(self) -> bool:
        return self.status in {ApplicationStatus.DRAFT, ApplicationStatus.REJECTED}

    @property
    def themes(self) -> list[str]:
        from charter_app.pledges.catalogue import THEME_ORDER

        pledged = {pledge.measure.theme for pledge in self.pledges}
        return [theme for theme in THEME_ORDER if theme in pledged]

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r} {self.status}>"


@event.listens_for(Organisation, "before_insert")
@event.listens_for(Organisation, "before_update")
def _derive_search_fields(mapper, connection, organisation: Organisation) -> None:
    """Keep the comparison and search fields in step with what they are made from."""
    organisation.name_key = name_key(organisation.name or "")
    organisation.search_text = search_text(
        organisation.name, organisation.town, organisation.description
    )


class StatusChange(db.Model):
    """Every move between application states: who, when, why."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="status_changes")
    actor: Mapped["User | None"] = relationship()  # noqa: F821


class ProfileEdit(db.Model):
    """One change to one field of a signatory's public profile: who, when, from what to what."""

    __tablename__ = "profile_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(30))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    actor: Mapped["User | None"] = relationship()  # noqa: F821


class ChangeRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class LegalChangeRequest(db.Model):
    """A signatory asks to change its legal name, legal form or numbers; staff decide.

    The old values are kept beside the new, so the record reads the same after the change.
    """

    __tablename__ = "legal_change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default=ChangeRequestStatus.PENDING,
                                        index=True)
    old_name: Mapped[str] = mapped_column(String(160))
    new_name: Mapped[str] = mapped_column(String(160))
    old_legal_form: Mapped[str | None] = mapped_column(String(30))
    new_legal_form: Mapped[str] = mapped_column(String(30))
    old_company_number: Mapped[str | None] = mapped_column(String(8))
    new_company_number: Mapped[str | None] = mapped_column(String(8))
    old_charity_number: Mapped[str | None] = mapped_column(String(8))
    new_charity_number: Mapped[str | None] = mapped_column(String(8))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship()
    requested_by: Mapped["User | None"] = relationship(foreign_keys=[requested_by_id])  # noqa: F821
    decided_by: Mapped["User | None"] = relationship(foreign_keys=[decided_by_id])  # noqa: F821

    FIELDS = ("name", "legal_form", "company_number", "charity_number")

    def changed_fields(self) -> list[str]:
        return [name for name in self.FIELDS
                if getattr(self, f"old_{name}") != getattr(self, f"new_{name}")]
