"""Demo case studies: a dozen across the themes and areas, mostly published, two waiting for
review and one sent back for changes, so staff have something to moderate.

The stories are told by the demo's own (fictional) signatories, and by the demo partners only
where the text says what such a body generally does; no figure in them is presented as a fact
about County Durham. The pictures are drawn here with Pillow (simple illustrations), never
downloaded, and go through the same image pipeline as an upload.
"""

import io
from datetime import datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import delete, func, select

from charter_app import images
from charter_app.accounts.models import User
from charter_app.events.models import Partner
from charter_app.extensions import db
from charter_app.hub import case_studies
from charter_app.hub.case_studies import CaseStudyText, NewImage, VideoLink
from charter_app.notifications.models import OutboxMessage
from charter_app.organisations.models import ApplicationStatus, Organisation

SKY, GRASS, BRAND, STONE = (198, 226, 232), (96, 153, 84), (16, 97, 101), (177, 180, 182)

# (title, area, themes, summary, body, picture, alt, caption, state, owner: "partner:<name>"
# or an index into the demo signatories)
STORIES = [
    ("Apprentices on the A167 resurfacing", "Durham", ["jobs"],
     "We took on two apprentices from Durham for a year of road and footpath work.",
     "## What we did\n\nWe worked with a local college to recruit two apprentices who live "
     "near our Durham depot. Each spent a year on resurfacing crews, with a day a week at "
     "college.\n\n## What changed\n\nBoth finished their first year and stayed with us.",
     "people", "Two people in hi-vis jackets beside a roller on a new road surface",
     "An illustration of our crew at work", "published", 0),
    ("A repair café in Crook", "Wear Valley", ["environment", "social"],
     "Once a month our staff fix small appliances and bikes for free in the community centre.",
     "## Why\n\nThings that could be mended were going to landfill.\n\n## How it works\n\n"
     "- Volunteers from our workshop give a Saturday morning each month\n"
     "- Neighbours bring lamps, toasters and bikes\n- We teach them how to fix them next time",
     "landscape", "A drawing of green hills with a workshop and a bicycle",
     "An illustration of the Wear Valley", "published", 1),
    ("Buying from Teesdale suppliers first", "Teesdale", ["growth"],
     "We changed how we buy so that small Teesdale firms hear about our contracts first.",
     "We now advertise small contracts to local suppliers for a week before anyone else, and "
     "pay them in 14 days.\n\nThe [TOMs guide](/hub/toms) helped us count the spend.",
     "chart", "A simple bar chart drawing, growing from left to right",
     "An illustration: local spend rising (not to scale)", "published", 2),
    ("Work placements for school leavers in Peterlee", "Easington", ["jobs", "social"],
     "Two-week placements for young people from local secondary schools.",
     "Each placement pairs a school leaver with a mentor. They see every part of the business "
     "and leave with a reference.", "people",
     "Three people around a table with a laptop", None, "published", 3),
    ("Lower-carbon deliveries around Chester-le-Street", "Chester-le-Street", ["environment"],
     "We replaced two diesel vans with electric ones for our local rounds.",
     "Short rounds suit electric vans. We charge them overnight at our yard.\n\n"
     "## Next\n\nWe are looking at cargo bikes for the town centre.", "landscape",
     "A drawing of a delivery van on a road between green fields", None, "published", 4),
    ("Free business advice for Consett start-ups", "Derwentside", ["growth", "innovation"],
     "Our accountants give an hour of free advice a month to new local businesses.",
     "Start-ups book a slot through the local enterprise network. We cover bookkeeping, VAT "
     "and pricing.", "chart", "A drawing of a chart on a whiteboard", None, "published", 5),
    ("Volunteering at a Newton Aycliffe food bank", "Sedgefield", ["social"],
     "Our staff use their volunteering days to sort and deliver food parcels.",
     "Every member of staff has two paid volunteering days a year. Many choose the food bank.",
     "people", "People carrying boxes into a community hall", None, "published", 6),
    ("Digital skills sessions in Stanley library", "Derwentside", ["innovation", "social"],
     "We run drop-in sessions to help older residents get online safely.",
     "Our IT team runs a session each fortnight: email, video calls with family, and spotting "
     "scams.", "chart", "A drawing of a laptop screen with simple shapes", None,
     "published", 7),
    ("School meals with local produce", "Durham", ["growth", "environment"],
     "How a county council can open school catering contracts to local growers.",
     "Councils can divide catering contracts into smaller lots so that local growers and "
     "dairies can bid for them. This case study explains the approach in general terms; check "
     "the council's own guidance for its current contracts.", "landscape",
     "A drawing of fields and a farm building under a blue sky", None, "published",
     "partner:Durham County Council"),
    # For staff to moderate.
    ("Community garden at a Seaham care home", "Easington", ["social", "environment"],
     "Our team built raised beds so residents can garden again.",
     "We gave three days of volunteering and the timber. Residents chose what to grow.",
     "landscape", "A drawing of raised vegetable beds in a garden", None, "submitted", 8),
    ("Mentoring young people in Bishop Auckland", "Wear Valley", ["jobs"],
     "Our managers mentor young people who are looking for their first job.",
     "Each mentor meets their mentee every two weeks for six months.",
     "people", "Two people talking across a table", None, "submitted", 9),
    ("Less waste from our Shildon workshop", "Sedgefield", ["environment"],
     "We sort offcuts so that local schools and makers can use them.",
     "Offcuts used to go in a skip. Now they go to schools and a makers' space.",
     "chart", "A drawing of sorted bins of wood offcuts", None, "changes_requested", 10),
]

CHANGES = ("Thank you: this is a good story. Please say which schools and makers' space take "
           "the offcuts (with their permission), and add a photo of the sorting area.")


def draw(kind: str, colour_shift: int) -> bytes:
    """A simple illustration, drawn here: a landscape, people, or a rising chart."""
    width, height = 1600, 900
    image = Image.new("RGB", (width, height), SKY)
    pen = ImageDraw.Draw(image)
    if kind == "landscape":
        pen.ellipse((-200, 500, 900, 1300), fill=GRASS)
        pen.ellipse((600, 560, 1900, 1400), fill=(76 + colour_shift, 133, 70))
        pen.ellipse((1250, 90, 1450, 290), fill=(255, 221, 0))
        pen.rectangle((700, 420, 950, 620), fill=BRAND)
        pen.polygon([(680, 420), (825, 320), (970, 420)], fill=(120, 40, 40))
    elif kind == "people":
        pen.rectangle((0, 700, width, height), fill=STONE)
        for index, x in enumerate((350, 750, 1150)):
            colour = (BRAND[0] + 40 * index, BRAND[1], BRAND[2] + colour_shift)
            pen.ellipse((x - 70, 250, x + 70, 390), fill=(241, 194, 125))
            pen.rounded_rectangle((x - 120, 400, x + 120, 760), radius=50, fill=colour)
    else:
        pen.rectangle((150, 780, 1450, 790), fill=(11, 12, 12))
        for index in range(6):
            top = 700 - index * 95 - colour_shift
            pen.rectangle((220 + index * 200, top, 360 + index * 200, 780), fill=BRAND)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed(now: datetime) -> int:
    """Write the demo's case studies through the services, as members and staff would."""
    queued_before = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
    staff = db.session.scalar(select(User).where(User.is_staff).order_by(User.id))
    signatories = list(db.session.scalars(
        select(Organisation).where(Organisation.status == ApplicationStatus.APPROVED,
                                   Organisation.slug.is_not(None))
        .order_by(Organisation.id).limit(12)))
    if staff is None or not signatories:
        return 0
    made = 0
    for number, (title, area, themes, summary, body, picture, alt, caption, state,
                 owner) in enumerate(STORIES):
        when = now - timedelta(days=60 - 4 * number)
        partner = organisation = None
        if isinstance(owner, str):
            partner = db.session.scalar(select(Partner).where(
                Partner.name == owner.removeprefix("partner:")))
            author = staff
            if partner is None:
                continue
        else:
            organisation = signatories[owner % len(signatories)]
            author = organisation.memberships[0].user
        videos = [VideoLink("How we did it (demo link)", "https://video.example.org/demo",
                            "https://video.example.org/demo/transcript")] if number == 0 else []
        picture_bytes = images.responsive(draw(picture, number * 7 % 40))
        case_study = case_studies.create(
            CaseStudyText(title, area, summary, body, themes, videos=videos),
            author=author, now=when, organisation=organisation, partner=partner,
            new_image=NewImage(picture_bytes, alt, caption))
        if state == "published" and partner is not None:
            case_studies.decide(case_study, "approve", based_on=case_study.version, by=staff,
                                now=when)
        elif state != "draft":
            case_studies.submit(case_study, based_on=case_study.version, by=author, now=when,
                                staff_mailbox="demo@example.org")
            if state == "published":
                case_studies.decide(case_study, "approve", based_on=case_study.version,
                                    by=staff, now=when + timedelta(days=2))
            elif state == "changes_requested":
                case_studies.decide(case_study, "changes", based_on=case_study.version,
                                    by=staff, now=when + timedelta(days=2), message=CHANGES)
        made += 1
    # Emails about made-up people's case studies: not left queued for the worker.
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id > queued_before))
    return made
