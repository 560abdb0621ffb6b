"""What demo signatories write in their reports: plain-English descriptions per measure, reasons
for changing a deflator, and the annual update's narrative per theme. Places are real County
Durham towns; every organisation and event is made up."""

import random

DESCRIPTIONS = {
    "CDP-JOB-01": [
        "{n} FTE of our staff live in County Durham, kept on through the quarter, including "
        "two new starters from {place}.",
        "Recruited locally through a jobs fair in {place}: {n} full-time equivalent posts are "
        "now held by County Durham residents.",
        "Our {place} team: {n} FTE employed who live within the county.",
    ],
    "CDP-JOB-02": [
        "Took on someone who had been out of work for over a year, after a work trial arranged "
        "with the Jobcentre in {place} ({n} FTE).",
        "Recruited through a local employability charity after 18 months out of work "
        "({n} FTE, first year).",
    ],
    "CDP-JOB-03": [
        "{n} weeks across our level 2 and level 3 apprentices on day release at a local college.",
        "Two apprentices from {place}, one in their first year and one finishing level 3: "
        "{n} weeks this quarter.",
        "Started a new level 2 apprenticeship alongside our second-year apprentice ({n} weeks).",
        "Apprentice weeks from our timesheets: {n} weeks in total.",
    ],
    "CDP-JOB-04": [
        "Accredited first aid and manual handling courses for new starters: {n} weeks in total.",
        "New recruits worked through their NVQ level 2 units with a training provider in "
        "{place} ({n} weeks).",
        "Forklift and health and safety certificates for this quarter's new staff.",
    ],
    "CDP-JOB-05": [
        "Careers talks and mock interviews at secondary schools in {place}: {n} hours of "
        "staff time.",
        "Mentoring year 10 pupils in {place} every fortnight, plus a careers fair stand.",
        "Workshop visits and a STEM day for college students ({n} hours).",
    ],
    "CDP-JOB-06": [
        "Weekly CV and interview workshops in {place} for people looking for work.",
        "Job club sessions at the library in {place}: hours times the people who came.",
        "A four-week 'getting back to work' course for parents in {place}.",
    ],
    "CDP-GRO-01": [
        "Free bookkeeping and payroll advice for local charities and start-ups in {place}.",
        "Our staff mentored three small businesses through a start-up programme ({n} hours).",
        "Free help with websites and IT security for voluntary groups in {place}.",
    ],
    "CDP-GRO-02": [
        "Spend with County Durham suppliers: materials, printing and vehicle servicing, mostly "
        "in {place}.",
        "Moved our catering and cleaning contracts to firms based in {place}.",
        "Local supply chain spend from our purchase ledger, suppliers with a County Durham "
        "postcode only.",
    ],
    "CDP-GRO-03": [
        "Staff on our wellbeing programme: mental health first aiders, a walking club and "
        "flexible hours.",
        "Cycle-to-work scheme and monthly wellbeing check-ins for {n} staff.",
    ],
    "CDP-SOC-01": [
        "Donation to the community larder in {place} and free use of our van for deliveries.",
        "Sponsored the junior football club's kit and gave spare materials to a Men's Shed.",
        "Cash donations and donated equipment to three community groups in {place}.",
    ],
    "CDP-SOC-02": [
        "Staff volunteering day clearing footpaths with a community group near {place}.",
        "Volunteers' hours at the food bank in {place}, logged on our rota.",
        "Team volunteering at a community centre in {place}: decorating and a garden tidy.",
        "Hours given by staff to local charities in work time ({n} hours).",
    ],
    "CDP-ENV-01": [
        "Switched the workshop to a renewable electricity tariff and fitted LED lighting.",
        "Solar panels on our unit in {place}: savings worked out from the inverter readings.",
        "Replaced a diesel van and cut business travel; worked out with the government "
        "conversion factors.",
    ],
    "CDP-ENV-02": [
        "Miles driven in our two electric vans, from the vehicle trackers.",
        "Our pool car is now electric; staff mileage taken from the booking log.",
        "Deliveries around {place} by electric van.",
    ],
    "CDP-ENV-03": [
        "Timber offcuts and pallets sent to a local wood recycler instead of a skip.",
        "Repairs at our repair cafe in {place} kept items out of landfill (weighed on the day).",
        "Plasterboard and plastics separated on site and collected for recycling.",
    ],
    "CDP-INN-01": [
        "Designed a community garden with residents in {place}, from the first meeting to "
        "planting.",
        "Worked with tenants in {place} to shape a digital skills drop-in.",
    ],
}
GENERIC = ["Work for this measure in {place} this quarter ({n})."]

# (deflator, percentage, reason): what a signatory might say when it changes the suggestion.
DEFLATOR_CHANGES = {
    "CDP-JOB-01": ("deadweight", 25, "Some of these posts would have been filled locally anyway"),
    "CDP-JOB-02": ("attribution", 25, "The Jobcentre's work trial helped; we claim three quarters"),
    "CDP-JOB-03": ("attribution", 50, "Training shared with the college, so we claim half"),
    "CDP-JOB-04": ("attribution", 25, "A training grant paid for part of the courses"),
    "CDP-JOB-05": ("deadweight", 25, "The schools would have found some of this support elsewhere"),
    "CDP-JOB-06": ("attribution", 50, "Sessions run jointly with the library service"),
    "CDP-GRO-01": ("deadweight", 25, "Some of these firms would have found the advice elsewhere"),
    "CDP-SOC-01": ("attribution", 25, "Matched by a community grant, so we claim three quarters"),
    "CDP-SOC-02": ("attribution", 50, "Run jointly with the parish council, who share the credit"),
    "CDP-ENV-01": ("deadweight", 25, "Some of the saving comes from the grid getting greener"),
    "CDP-ENV-02": ("deadweight", 50, "Half of these miles would have been electric anyway when "
                                     "the old van was due for replacement"),
}
GENERIC_CHANGE = ("attribution", 25, "Delivered with partners, who share a quarter of the credit")

NARRATIVES = {
    "jobs": [
        "We kept our apprentices on and recruited locally through the year. Next year we want "
        "to add a work placement for a school leaver.",
        "Recruitment was slower than we hoped in the spring, but everyone we took on lives in "
        "the county.",
    ],
    "growth": [
        "Most of our spend now goes to suppliers in County Durham; we are still looking for a "
        "local packaging supplier.",
        "Our advice sessions for small firms were popular, so we are offering more of them.",
    ],
    "social": [
        "Staff volunteering went well once we set a day a quarter aside for it.",
        "Our donations went to groups our staff suggested, which kept everyone involved.",
    ],
    "environment": [
        "The electric vans have paid off; next we want to measure the waste we divert more "
        "carefully.",
        "We met our carbon target thanks to the new lighting and solar panels.",
    ],
    "innovation": [
        "The residents' group has taken the project on themselves, which was the aim.",
    ],
}


def description(rng: random.Random, code: str, quantity: str, place: str) -> str:
    return rng.choice(DESCRIPTIONS.get(code, GENERIC)).format(n=quantity, place=place)


def deflator_change(code: str) -> tuple[str, int, str]:
    return DEFLATOR_CHANGES.get(code, GENERIC_CHANGE)


def narrative(rng: random.Random, theme: str) -> str:
    return rng.choice(NARRATIVES.get(theme) or NARRATIVES["social"])
