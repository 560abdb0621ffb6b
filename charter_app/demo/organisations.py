"""Demo organisations: fictional names in real County Durham places, across sectors, sizes and
legal forms; the demo logins' own organisations."""

import random
from datetime import UTC, datetime, time, timedelta

from charter_app.accounts.models import MemberRole, Membership, User
from charter_app.demo import pledges
from charter_app.extensions import db
from charter_app.organisations import eligibility
from charter_app.organisations.data_postcodes import DISTRICTS
from charter_app.organisations.models import ApplicationStatus, Organisation, StatusChange
from charter_app.organisations.names import name_key
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.timeutil import london_date

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


def random_organisation(rng: random.Random, index: int, now: datetime,
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
        # Some publish a contact (from the index, not the generator, so the rest stay as they
        # were): an email on every third, a phone (from Ofcom's range for drama) on every fourth.
        contact_email=(f"hello@{name_key(name).replace(' ', '')}.example"
                       if index % 3 == 0 else None),
        contact_phone=f"0191 498 {index % 1000:04d}" if index % 4 == 0 else None,
        description=f"{about} in and around {place}.",
        commitments_agreed_at=now,
        signatory_name=rng.choice(["Sam", "Alex", "Jo", "Chris", "Pat", "Lee", "Kim", "Ash"])
        + " " + rng.choice(["Robson", "Bell", "Charlton", "Milburn", "Armstrong", "Wilson",
                            "Hall", "Dodds"]),
        signatory_role=rng.choice(["Director", "Managing Director", "Owner", "Chair of Trustees",
                                   "Chief Executive", "Partner"]),
    )


def login_organisations(now: datetime, measures, signatory: User,
                        applicant: User) -> Organisation:
    """The signatory's and applicant's organisations, and an out-of-area applicant.

    The signatory signed early in the last quarter of the financial year before last, so it has
    two full financial years of reports to show."""
    approved_at = datetime.combine(
        reporting_start(now).starts_on + timedelta(days=27), time(10, 30), UTC)
    organisation = Organisation(
        name="Teesdale Timber Frames Ltd",
        slug="teesdale-timber-frames", legal_form="limited_company", sector="private",
        size_band="small", company_number="09876543",
        address_line_1="Unit 4, Harmire Enterprise Park",
        town="Barnard Castle", postcode="DL12 8XT", area="Teesdale",
        website="https://www.teesdaletimber.example",
        contact_email="sales@teesdaletimber.example", contact_phone="01632 960 000",
        description="Timber frame homes and garden rooms, built in Teesdale from British timber.",
        commitments_agreed_at=approved_at - timedelta(days=6), signatory_name="Morgan Dent",
        signatory_role="Managing Director", status=ApplicationStatus.APPROVED,
        submitted_at=approved_at - timedelta(days=6), approved_at=approved_at,
        publishes_social_value=True,
    )
    organisation.memberships.append(Membership(user=signatory, role=MemberRole.OWNER))
    by_code = {measure.code: measure for measure in measures}
    pledges.pledge(organisation, by_code,
                   {"CDP-JOB-03": "104", "CDP-GRO-02": "250000", "CDP-ENV-03": "40"})
    pledges.date_first_period(organisation)
    db.session.add(organisation)

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
    pledges.pledge(outside, by_code, {"CDP-JOB-03": "520"})
    db.session.add(outside)
    return organisation


def record_submission(organisation: Organisation, owner: User) -> None:
    organisation.status_changes.append(StatusChange(
        from_status=ApplicationStatus.DRAFT, to_status=ApplicationStatus.SUBMITTED,
        actor=owner, created_at=organisation.submitted_at))


def reporting_start(now: datetime) -> FinancialQuarter:
    """The last quarter of the financial year before last (2024-25 Q4 in November 2026): most
    demo signatories signed then, so they report for two whole financial years after it."""
    return FinancialQuarter(FinancialQuarter.containing(london_date(now)).year - 2, 4)


def approval_time(rng: random.Random, now: datetime) -> datetime:
    """When a generated signatory was approved: seven in ten in `reporting_start`'s quarter,
    the rest spread over the last financial year and this one (at least a month ago)."""
    signed_in = reporting_start(now)
    roll = rng.random()
    if roll < 0.7:
        first, last = signed_in.starts_on + timedelta(days=5), signed_in.ends_on - timedelta(days=3)
    elif roll < 0.88:
        first, last = signed_in.ends_on + timedelta(days=5), signed_in.ends_on + timedelta(days=362)
    else:
        first = signed_in.ends_on + timedelta(days=370)
        last = max(first, london_date(now) - timedelta(days=30))
    day = first + timedelta(days=rng.randint(0, (last - first).days))
    return datetime.combine(day, time(rng.randint(9, 16), rng.choice([0, 15, 30, 45])), UTC)


def approve(organisation: Organisation, approved_at: datetime, staff: User | None,
            used_slugs: set[str]) -> None:
    organisation.status = ApplicationStatus.APPROVED
    organisation.approved_at = approved_at
    slug = name_key(organisation.name).replace(" ", "-")
    while slug in used_slugs:
        slug += "-x"
    used_slugs.add(slug)
    organisation.slug = slug
    organisation.status_changes.append(StatusChange(
        from_status=ApplicationStatus.SUBMITTED, to_status=ApplicationStatus.APPROVED,
        actor=staff, created_at=organisation.approved_at))
    pledges.date_first_period(organisation)

