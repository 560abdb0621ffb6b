"""Demo logins: the staff, signatory and applicant accounts `seed-demo` prints, and the owners of
the generated organisations."""

from datetime import datetime

from charter_app.accounts.models import MemberRole, Membership, User
from charter_app.accounts.services import hash_password
from charter_app.accounts.staff import create_staff
from charter_app.organisations.models import Organisation
from charter_app.organisations.names import name_key

DEMO_LOGINS = [
    ("Business Durham administrator", "staff@example.org", "demo-staff-password"),
    ("Signatory (approved)", "signatory@example.org", "demo-signatory-password"),
    ("Applicant (draft)", "applicant@example.org", "demo-applicant-password"),
]


def staff_login() -> User:
    return create_staff(DEMO_LOGINS[0][1], DEMO_LOGINS[0][2], admin=True)


def shared_owner_hash(seed_value: int) -> str:
    # One slow hash for every generated owner: nobody signs in as them.
    return hash_password("not-a-demo-login-" + str(seed_value))


def add_owner(organisation: Organisation, index: int, created: datetime,
              password_hash: str) -> User:
    owner = User(email=f"owner{index}@{name_key(organisation.name).replace(' ', '')}.example",
                 password_hash=password_hash, email_confirmed_at=created)
    organisation.memberships.append(Membership(user=owner, role=MemberRole.OWNER))
    return owner


def member_logins(now: datetime) -> tuple[User, User]:
    """The signatory and applicant logins."""
    signatory = User(email=DEMO_LOGINS[1][1], password_hash=hash_password(DEMO_LOGINS[1][2]),
                     email_confirmed_at=now)
    applicant = User(email=DEMO_LOGINS[2][1], password_hash=hash_password(DEMO_LOGINS[2][2]),
                     email_confirmed_at=now)
    return signatory, applicant
