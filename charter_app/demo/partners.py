"""Demo pages for the demo partners (the buyers at the demo meet-the-buyer day).

Only public facts, in general terms, each with where it comes from: Durham County Council
advertises its tenders through NEPO, the North East Procurement Organisation (nepo.org, which
runs the region's councils' shared e-tendering portal); above-threshold public contracts are
published on the government's Find a Tender service (find-tender.service.gov.uk) under the
Procurement Act 2023. Where we are not certain how a body advertises, the text says "check".
The contacts are placeholders, marked as demo data: never a real person or mailbox.
"""

from charter_app.events.models import Partner
from charter_app.hub import partners

FIND_A_TENDER = "https://www.find-tender.service.gov.uk"
DEMO_CONTACT = "Demo contact (placeholder, not a real mailbox)"
DEMO_EMAIL = "social.value@partner.example"

PAGES = {
    "Durham County Council": partners.PartnerPage(
        slug="durham-county-council",
        what_it_buys="As a county council it buys, in general terms:\n\n"
                     "- highways and building maintenance\n- school catering\n"
                     "- adult and children's social care\n- IT and professional services",
        tenders_url="https://www.nepo.org",
        tenders_text="The council advertises its tenders through NEPO, the North East "
                     "Procurement Organisation: register as a supplier on the NEPO portal. "
                     "Check durham.gov.uk for its current guidance to suppliers.",
        social_value_contact_name=DEMO_CONTACT, social_value_contact_email=DEMO_EMAIL,
        published=True),
    "Northumbrian Water": partners.PartnerPage(
        slug="northumbrian-water",
        what_it_buys="As a water and sewerage company it buys, in general terms:\n\n"
                     "- civil engineering and groundworks\n- fleet servicing\n"
                     "- site security\n- maintenance of its treatment works and networks",
        tenders_url=FIND_A_TENDER,
        tenders_text="Large utility contracts are published on Find a Tender. Check nwl.co.uk "
                     "for how Northumbrian Water advertises smaller contracts.",
        social_value_contact_name=DEMO_CONTACT, social_value_contact_email=DEMO_EMAIL,
        published=True),
    "Believe Housing": partners.PartnerPage(
        slug="believe-housing",
        what_it_buys="As a housing association it buys, in general terms:\n\n"
                     "- repairs to empty (void) homes and planned maintenance\n"
                     "- grounds maintenance\n- tenancy support services",
        tenders_url=FIND_A_TENDER,
        tenders_text="Check believehousing.co.uk for how it advertises contracts; contracts "
                     "above the thresholds appear on Find a Tender.",
        social_value_contact_name=DEMO_CONTACT, social_value_contact_email=DEMO_EMAIL,
        published=True),
}


def give_partners_pages(demo_partners: list[Partner]) -> None:
    for partner in demo_partners:
        page = PAGES.get(partner.name)
        if page is not None and partner.slug is None:
            partners.save_page(partner, page, based_on=partner.version)
