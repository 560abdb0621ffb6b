"""Realistic demo data: signatories across sectors, sizes, areas and themes, with their pledges,
plus applications waiting for review. Fictional names; real County Durham places."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from charter_app.accounts.models import MemberRole, Membership, User
from charter_app.accounts.services import hash_password
from charter_app.accounts.staff import create_staff
from charter_app.extensions import db
from charter_app.organisations import eligibility
from charter_app.organisations.data_postcodes import DISTRICTS
from charter_app.organisations.models import ApplicationStatus, Organisation, StatusChange
from charter_app.organisations.names import name_key
from charter_app.pledges.catalogue import active_measures
from charter_app.pledges.models import Pledge

DEMO_LOGINS = [
    ("Business Durham administrator", "staff@example.org", "demo-staff-password"),
    ("Signatory (approved)", "signatory@example.org", "demo-signatory-password"),
    ("Applicant (draft)", "applicant@example.org", "demo-applicant-password"),
]

PLACES = {
    "DH1": "Durham", "DH2": "Chester-le-Street", "DH3": "Birtley", "DH6": "Bowburn",
    "DH7": "Lanchester", "DH8": "Consett", "DH9": "Stanley", "DL4": "Shildon",
    "DL5": "Newton Aycliffe", "DL12": "Barnard Castle", "DL13": "Stanhope",
    "DL14": "Bishop Auckland", "DL15": "Crook", "DL16": "Spennymoor", "DL17": "Ferryhill",
    "SR7": "Seaham", "SR8": "Peterlee", "TS28": "Wingate", "TS29": "Trimdon",
}
PRIVATE_TRADES = [
    ("Joinery", "Bespoke joinery, kitchens and shopfitting"),
    ("Engineering", "Precision engineering and fabrication for manufacturers"),
    ("Digital", "Websites, software and IT support for local businesses"),
    ("Catering", "Event catering using produce from Durham farms"),
    ("Accountants", "Bookkeeping, payroll and tax advice for small firms"),
    ("Building Services", "Heating, plumbing and electrical contracting"),
    ("Print", "Design and print for councils, schools and charities"),
    ("Landscapes", "Grounds maintenance and landscaping"),
    ("Logistics", "Local haulage and same-day courier services"),
    ("Solar", "Solar panel and heat pump installation"),
    ("Cleaning", "Commercial cleaning for offices and schools"),
    ("Consulting", "HR and health and safety consultancy"),
]
THIRD_TRADES = [
    ("Community Larder", "Affordable food and cooking sessions for families"),
    ("Youth Project", "Youth clubs, detached youth work and holiday activities"),
    ("Credit Union", "Savings and fair loans for people who live or work locally"),
    ("Men's Shed", "A workshop where older men share skills and beat loneliness"),
    ("Arts Collective", "Community arts, festivals and creative workshops"),
    ("Wheels to Work", "Scooter and bike loans so people can get to work"),
    ("Befriending Service", "Volunteers who visit and phone isolated older people"),
    ("Community Energy", "Community-owned renewable energy and home energy advice"),
    ("Repair Cafe", "Volunteers fixing household items to keep them out of landfill"),
    ("Employability Trust", "Training, mentoring and job search support"),
]
PRIVATE_FORMS = ["limited_company"] * 6 + ["sole_trader", "partnership", "llp"]
THIRD_FORMS = ["registered_charity", "registered_charity", "cio", "cic", "community_group",
               "cooperative", "social_enterprise"]
STREETS = ["Front", "High", "Church", "Station", "Market"]
VARIANTS = ["North", "Valley", "Dales", "Vale", "Moor", "Riverside", "Community"]
SIZES = ["micro"] * 5 + ["small"] * 3 + ["medium"] * 2 + ["large"]


def has_data() -> bool:
    return db.session.scalar(select(Organisation.id).limit(1)) is not None


def _organisation(rng: random.Random, index: int, now: datetime,
                  used_names: set[str]) -> Organisation:
    third = rng.random() < 0.45
    district = rng.choice(list(PLACES))
    place = PLACES[district]
    trade, about = rng.choice(THIRD_TRADES if third else PRIVATE_TRADES)
    legal_form = rng.choice(THIRD_FORMS if third else PRIVATE_FORMS)
    name = f"{place} {trade}"
    if name in used_names:
        name = f"{place} {rng.choice(VARIANTS)} {trade}"
    if name in used_names:
        name = f"{place} {trade} {index}"
    used_names.add(name)
    if legal_form in {"limited_company", "llp"}:
        name += " Ltd" if legal_form == "limited_company" else " LLP"
    elif legal_form == "cic":
        name += " CIC"
    needs = eligibility.number_needed(legal_form)
    company_number = f"{rng.randrange(10**7, 10**8):08d}" if needs == "company" else None
    charity_number = str(rng.randrange(1_100_000, 1_210_000)) if needs == "charity" else None
    postcode = f"{district} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" \
               f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
    area, _whole = DISTRICTS[district]
    return Organisation(
        name=name,
        legal_form=legal_form,
        sector=eligibility.sector_for(legal_form),
        size_band=rng.choice(SIZES),
        company_number=company_number,
        charity_number=charity_number,
        address_line_1=f"{rng.randint(1, 120)} {rng.choice(STREETS)} Street",
        town=place,
        postcode=postcode,
        area=area,
        website=f"https://www.{name_key(name).replace(' ', '')}.example",
        description=f"{about} in and around {place}.",
        commitments_agreed_at=now,
        signatory_name=rng.choice(["Sam", "Alex", "Jo", "Chris", "Pat", "Lee", "Kim", "Ash"])
        + " " + rng.choice(["Robson", "Bell", "Charlton", "Milburn", "Armstrong", "Wilson",
                            "Hall", "Dodds"]),
        signatory_role=rng.choice(["Director", "Managing Director", "Owner", "Chair of Trustees",
                                   "Chief Executive", "Partner"]),
    )


def _pledge(rng: random.Random, organisation: Organisation, measures) -> None:
    for measure in rng.sample(measures, k=rng.randint(1, 4)):
        ceiling = max(Decimal(1), measure.plausible_max / 200)
        target = Decimal(rng.randint(1, int(ceiling)))
        organisation.pledges.append(Pledge(measure_id=measure.id, target=target))


def seed(signatories: int = 48, pending: int = 5, seed_value: int = 2026,
         with_logins: bool = True) -> None:
    """Add demo organisations (approved and pending) and, optionally, the demo logins."""
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    measures = active_measures()
    staff = None
    if with_logins:
        staff = create_staff(DEMO_LOGINS[0][1], DEMO_LOGINS[0][2], admin=True)
    shared_hash = hash_password("not-a-demo-login-" + str(seed_value))
    used_slugs: set[str] = set()
    used_names: set[str] = set()
    for index in range(signatories + pending):
        created = now - timedelta(days=rng.randint(30, 720))
        organisation = _organisation(rng, index, created, used_names)
        organisation.created_at = created
        organisation.submitted_at = created + timedelta(days=rng.randint(0, 6))
        _pledge(rng, organisation, measures)
        owner = User(email=f"owner{index}@{name_key(organisation.name).replace(' ', '')}.example",
                     password_hash=shared_hash, email_confirmed_at=created)
        organisation.memberships.append(Membership(user=owner, role=MemberRole.OWNER))
        organisation.status_changes.append(StatusChange(
            from_status=ApplicationStatus.DRAFT, to_status=ApplicationStatus.SUBMITTED,
            actor=owner, created_at=organisation.submitted_at))
        if index < signatories:
            organisation.status = ApplicationStatus.APPROVED
            organisation.approved_at = organisation.submitted_at + timedelta(days=rng.randint(1, 9))
            slug = name_key(organisation.name).replace(" ", "-")
            while slug in used_slugs:
                slug += "-x"
            used_slugs.add(slug)
            organisation.slug = slug
            organisation.status_changes.append(StatusChange(
                from_status=ApplicationStatus.SUBMITTED, to_status=ApplicationStatus.APPROVED,
                actor=staff, created_at=organisation.approved_at))
        else:
            organisation.status = ApplicationStatus.SUBMITTED
            organisation.submitted_at = now - timedelta(days=pending + signatories - index)
        db.session.add(organisation)
        if index % 500 == 499:
            db.session.flush()
    if with_logins:
        _demo_accounts(rng, now, measures)
    db.session.flush()


def _demo_accounts(rng: random.Random, now: datetime, measures) -> None:
    """The signatory and applicant logins printed by `seed-demo`, and an out-of-area applicant."""
    signatory = User(email=DEMO_LOGINS[1][1], password_hash=hash_password(DEMO_LOGINS[1][2]),
                     email_confirmed_at=now)
    organisation = Organisation(
        name="Teesdale Timber Frames Ltd",
        slug="teesdale-timber-frames", legal_form="limited_company", sector="private",
        size_band="small", company_number="09876543",
        address_line_1="Unit 4, Harmire Enterprise Park",
        town="Barnard Castle", postcode="DL12 8XT", area="Teesdale",
        website="https://www.teesdaletimber.example",
        description="Timber frame homes and garden rooms, built in Teesdale from British timber.",
        commitments_agreed_at=now - timedelta(days=400), signatory_name="Morgan Dent",
        signatory_role="Managing Director", status=ApplicationStatus.APPROVED,
        submitted_at=now - timedelta(days=400), approved_at=now - timedelta(days=395),
    )
    organisation.memberships.append(Membership(user=signatory, role=MemberRole.OWNER))
    by_code = {measure.code: measure for measure in measures}
    for code, target in (("CDP-JOB-03", "104"), ("CDP-GRO-02", "250000"),
                         ("CDP-ENV-03", "40")):
        organisation.pledges.append(Pledge(measure_id=by_code[code].id, target=Decimal(target)))
    db.session.add(organisation)

    applicant = User(email=DEMO_LOGINS[2][1], password_hash=hash_password(DEMO_LOGINS[2][2]),
                     email_confirmed_at=now)
    draft = Organisation(
        name="Weardale Walking Festival",
        legal_form="community_group", sector="third", size_band="micro",
        address_line_1="Town Hall, Front Street", town="Stanhope", postcode="DL13 2UE",
        area="Wear Valley", description="A volunteer-run walking festival every May.",
        status=ApplicationStatus.DRAFT,
    )
    draft.memberships.append(Membership(user=applicant, role=MemberRole.OWNER))
    db.session.add(draft)

    outside = Organisation(
        name="Tyneside Training Partnership",
        legal_form="partnership", sector="private", size_band="medium",
        address_line_1="1 Quayside", town="Newcastle upon Tyne", postcode="NE1 3DX", area=None,
        location_flag="outside", description="Apprenticeship training across the North East.",
        commitments_agreed_at=now, signatory_name="Robin Lowes", signatory_role="Partner",
        status=ApplicationStatus.SUBMITTED, submitted_at=now - timedelta(days=1),
    )
    outside.pledges.append(Pledge(measure_id=by_code["CDP-JOB-03"].id, target=Decimal("520")))
    db.session.add(outside)
