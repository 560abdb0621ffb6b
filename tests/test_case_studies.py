"""Case studies: signatories write and submit them, staff moderate them, the public reads the
published ones. Who may do what, the states, concurrent decisions, filters, images and emails."""

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from charter_app.extensions import db
from charter_app.hub import case_studies
from charter_app.hub.case_study_models import CaseStudy, CaseStudyImage
from charter_app.notifications.models import OutboxMessage
from tests.conftest import csrf_token_from
from tests.test_reporting_pages import signed_in


def png(size=(1200, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (16, 97, 101)).save(out, "PNG")
    return out.getvalue()


FIELDS = {
    "title": "Apprentices on the Bishop Auckland rail works",
    "summary": "Four local apprentices joined our civil engineering team.",
    "body": "## What we did\n\nWe took on **four apprentices** from Bishop Auckland.",
    "area": "Wear Valley",
    "themes": ["jobs", "social"],
    "video_1-title": "Meet the apprentices",
    "video_1-url": "https://video.example.org/apprentices",
    "video_1-transcript_url": "https://video.example.org/apprentices/transcript",
    "image_alt": "Two apprentices in hard hats beside a digger",
    "image_caption": "Our apprentices at the Newton Cap depot",
}


def send(client, url, fields=None, *, image=None, image_name="photo.jpg", page=None, **kwargs):
    """A multipart POST with the page's CSRF token (the body is built here, in memory)."""
    token = csrf_token_from(client.get(page or "/account").get_data(as_text=True))
    data = MultiDict({"csrf_token": token})
    for key, value in (fields or {}).items():
        for item in value if isinstance(value, list) else [value]:
            data.add(key, item)
    if image is not None:
        data.add("image", FileStorage(io.BytesIO(image), filename=image_name))
    boundary, body = encode_multipart(data)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}",
                       **kwargs)


def mine(organisation, tail=""):
    return f"/organisations/{organisation.id}/case-studies{tail}"


def all_case_studies() -> list[CaseStudy]:
    db.session.expire_all()
    return list(db.session.scalars(select(CaseStudy).order_by(CaseStudy.id)))


def outbox(template: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == template)))


@pytest.fixture
def member(app, build):
    owner = build.user()
    organisation = build.organisation(owner, status="approved", name="Weardale Civils Ltd",
                                      slug="weardale-civils")
    return organisation, owner, signed_in(app, owner)


@pytest.fixture
def staff(app, build):
    return signed_in(app, build.staff())


def write(member, fields=FIELDS, image=None, **kwargs) -> CaseStudy:
    organisation, _, client = member
    response = send(client, mine(organisation, "/new"), fields, image=image, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return all_case_studies()[-1]


def version_of(case_study) -> str:
    db.session.expire_all()
    return str(db.session.get(CaseStudy, case_study.id).version)


def submit(member, case_study):
    organisation, _, client = member
    return send(client, mine(organisation, f"/{case_study.id}/submit"),
                {"based_on": version_of(case_study)})


def decide(client, case_study, decision, message="", based_on=None):
    return send(client, f"/staff/hub/case-studies/{case_study.id}/decision",
                {"decision": decision, "message": message,
                 "based_on": based_on or version_of(case_study)})


def test_a_member_writes_a_draft_with_an_image_that_only_they_and_staff_see(
        app, member, staff, client):
    organisation, _, writer = member
    case_study = write(member, image=png(), image_name="really-a-png.jpg")
    assert case_study.status == "draft" and case_study.organisation_id == organisation.id
    assert case_study.theme_codes == ["jobs", "social"]
    [image] = case_study.images
    assert (image.content_type, image.width_list) == ("image/png", [480, 960, 1200])
    folder = Path(app.config["UPLOAD_DIR"])
    assert sorted(path.name for path in folder.glob(image.stored_name + "-*")) == [
        f"{image.stored_name}-{width}.png" for width in (1200, 480, 960)]

    page = writer.get(mine(organisation, f"/{case_study.id}")).get_data(as_text=True)
    assert "Two apprentices in hard hats beside a digger" in page and "Draft" in page
    assert staff.get(f"/staff/hub/case-studies/{case_study.id}").status_code == 200
    # The public sees nothing of a draft.
    assert client.get(f"/case-studies/{case_study.slug}").status_code == 404
    assert case_study.title not in client.get("/case-studies").get_data(as_text=True)


def uploaded_files(app) -> set[str]:
    return {path.name for path in Path(app.config["UPLOAD_DIR"]).glob("*")}


def test_a_file_that_is_not_an_image_is_refused_and_nothing_typed_is_lost(app, member):
    organisation, _, client = member
    before = uploaded_files(app)
    response = send(client, mine(organisation, "/new"), FIELDS,
                    image=b"just some text, honestly", image_name="photo.png")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Error: " in page and 'href="#image"' in page
    assert page.count("The selected file must be a PNG, JPEG or WebP image") >= 2
    for value in ("Apprentices on the Bishop Auckland rail works",
                  "Four local apprentices joined our civil engineering team.",
                  "We took on **four apprentices** from Bishop Auckland.",
                  "https://video.example.org/apprentices/transcript",
                  "Two apprentices in hard hats beside a digger",
                  "Our apprentices at the Newton Cap depot"):
        assert value in page
    assert re.search(r'value="Wear Valley"\s+checked', page)
    assert re.search(r'value="social"\s+checked', page)
    assert all_case_studies() == [] and uploaded_files(app) == before


def test_an_image_needs_alt_text_and_videos_need_https(member):
    organisation, _, client = member
    fields = {**FIELDS, "image_alt": "", "video_1-url": "http://video.example.org/x"}
    page = send(client, mine(organisation, "/new"), fields, image=png((50, 50))
                ).get_data(as_text=True)
    assert "Describe the image for people who cannot see it" in page
    assert "enter an address starting https://" in page
    assert all_case_studies() == []


def test_a_member_submits_and_cannot_publish_their_own(app, member, build):
    organisation, owner, client = member
    case_study = write(member)
    assert submit(member, case_study).status_code == 302
    [case_study] = all_case_studies()
    assert case_study.status == "submitted"
    [email] = outbox("hub/case_study_submitted")
    assert email.recipient == app.config["CONTACT_STAFF_EMAIL"]
    assert f"/staff/hub/case-studies/{case_study.id}" in email.body_text

    # Not through the staff pages, not through the rule itself, and not by editing it now.
    assert decide(client, case_study, "approve").status_code == 403
    with pytest.raises(case_studies.CaseStudyRefused):
        case_studies.decide(case_study, "approve", based_on=case_study.version, by=owner,
                            now=case_study.updated_at)
    db.session.rollback()
    assert send(client, mine(organisation, f"/{case_study.id}"),
                {**FIELDS, "based_on": version_of(case_study)}).status_code == 409
    assert all_case_studies()[0].status == "submitted"


def test_another_organisations_member_can_neither_see_nor_edit(app, member, build):
    organisation, _, _ = member
    case_study = write(member)
    stranger = build.user()
    other = build.organisation(stranger, status="approved")
    client = signed_in(app, stranger)
    base = mine(organisation, f"/{case_study.id}")
    assert client.get(base).status_code == 404
    assert client.get(mine(organisation)).status_code == 404
    assert send(client, base, {**FIELDS, "title": "Mine now", "based_on": "1"}).status_code == 404
    assert send(client, base + "/submit", {"based_on": "1"}).status_code == 404
    # Its own organisation's address does not reach another organisation's case study.
    assert client.get(mine(other, f"/{case_study.id}")).status_code == 404
    assert client.get(f"/staff/hub/case-studies/{case_study.id}").status_code == 403
    assert all_case_studies()[0].title == FIELDS["title"]


def test_an_applicant_not_yet_approved_cannot_write_one(app, build):
    owner = build.user()
    draft = build.organisation(owner, status="submitted")
    client = signed_in(app, owner)
    assert client.get(mine(draft)).status_code == 404
    assert send(client, mine(draft, "/new"), FIELDS).status_code == 404


def test_staff_approve_and_the_public_page_shows_it_with_its_images(app, member, staff, client):
    organisation, owner, _ = member
    case_study = write(member, image=png())
    submit(member, case_study)
    response = decide(staff, case_study, "approve")
    assert response.status_code == 302
    [case_study] = all_case_studies()
    assert case_study.status == "published" and case_study.published_at is not None

    page = client.get(f"/case-studies/{case_study.slug}").get_data(as_text=True)
    image = case_study.images[0]
    assert f'alt="{FIELDS["image_alt"]}"' in page and FIELDS["image_caption"] in page
    assert f"/uploads/{image.stored_name}-480.png 480w" in page and 'sizes="' in page
    assert 'href="/signatories/weardale-civils"' in page
    assert '<a class="govuk-link govuk-!-text-break-word" href="https://video.example.org/' \
           'apprentices"' in page and "<iframe" not in page
    assert "<h3" in page and "<strong>four apprentices</strong>" in page  # Markdown rendered
    listed = client.get("/case-studies").get_data(as_text=True)
    assert case_study.title in listed
    profile = client.get("/signatories/weardale-civils").get_data(as_text=True)
    assert f'href="/case-studies/{case_study.slug}"' in profile

    [email] = outbox("hub/case_study_published")
    assert email.recipient == owner.email and f"/case-studies/{case_study.slug}" in email.body_text

    served = client.get(f"/uploads/{image.stored_name}-960.png")
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in served.headers["Cache-Control"]
    assert Image.open(io.BytesIO(served.data)).size == (960, 480)
    for bad in ("../../config.py", f"{image.stored_name}-961.png", "x.png",
                f"{image.stored_name}-960.exe"):
        assert client.get(f"/uploads/{bad}").status_code == 404


def test_changes_need_a_message_and_a_resubmission_goes_back_for_review(member, staff, client):
    organisation, owner, writer = member
    case_study = write(member)
    submit(member, case_study)
    refused = decide(staff, case_study, "changes", message="")
    assert refused.status_code == 400 and "Say what to change" in refused.get_data(as_text=True)
    assert all_case_studies()[0].status == "submitted"

    decide(staff, case_study, "changes", message="Name the college, please.\nAnd add a photo.")
    [case_study] = all_case_studies()
    assert case_study.status == "changes_requested"
    [email] = outbox("hub/case_study_changes_requested")
    assert email.recipient == owner.email and "Name the college, please." in email.body_text
    page = writer.get(mine(organisation, f"/{case_study.id}")).get_data(as_text=True)
    assert "Name the college, please." in page

    send(writer, mine(organisation, f"/{case_study.id}"),
         {**FIELDS, "body": "With Bishop Auckland College.", "based_on": version_of(case_study)})
    assert submit(member, case_study).status_code == 302
    assert all_case_studies()[0].status == "submitted"
    assert len(outbox("hub/case_study_submitted")) == 2  # each submission tells staff
    assert client.get(f"/case-studies/{case_study.slug}").status_code == 404


def test_a_rejection_needs_a_reason_and_is_final(member, staff, client):
    organisation, owner, writer = member
    case_study = write(member)
    submit(member, case_study)
    assert "Give the reason for rejecting it" in decide(
        staff, case_study, "reject").get_data(as_text=True)
    decide(staff, case_study, "reject", message="This work was outside County Durham.")
    [case_study] = all_case_studies()
    assert case_study.status == "rejected"
    [email] = outbox("hub/case_study_rejected")
    assert "This work was outside County Durham." in email.body_text
    assert send(writer, mine(organisation, f"/{case_study.id}"),
                {**FIELDS, "based_on": version_of(case_study)}).status_code == 409
    again = submit(member, case_study)
    assert all_case_studies()[0].status == "rejected" and again.status_code == 302
    assert client.get(f"/case-studies/{case_study.slug}").status_code == 404


def test_of_two_decisions_made_on_the_same_version_one_wins_and_the_other_is_told(
        app, build, member, staff):
    case_study = write(member)
    submit(member, case_study)
    seen = version_of(case_study)
    second_staff = signed_in(app, build.staff())
    assert decide(staff, case_study, "approve", based_on=seen).status_code == 302
    late = decide(second_staff, case_study, "reject", message="Too short.", based_on=seen)
    assert late.status_code == 409
    assert "Someone else changed this case study since you opened it" in late.get_data(
        as_text=True)
    [case_study] = all_case_studies()
    assert case_study.status == "published" and case_study.decision_message is None
    assert outbox("hub/case_study_rejected") == []


def test_the_update_itself_is_compare_and_set(app_ctx, build):
    """Two sessions read the same version; the second UPDATE finds it gone and is refused."""
    owner, staff = build.user(), build.staff()
    organisation = build.organisation(owner, status="approved")
    text = case_studies.CaseStudyText("A title", "Durham", "Summary", "Body", ["jobs"])
    case_study = case_studies.create(text, author=owner, now=build_now(), organisation=organisation)
    case_studies.submit(case_study, based_on=case_study.version, by=owner, now=build_now(),
                        staff_mailbox="staff@example.org")
    db.session.commit()
    seen = case_study.version
    # Another request decides between this one's read and its write.
    with app_ctx.app_context():
        other = db.session.get(CaseStudy, case_study.id)
        case_studies.decide(other, "approve", based_on=seen, by=staff, now=build_now())
        db.session.commit()
        db.session.remove()
    case_study.status = "rejected"  # as if read before the other request committed
    case_study.decision_message = "Late"
    with pytest.raises(case_studies.CaseStudyConflict):
        case_studies._flush(case_study, "rejected")
    db.session.rollback()
    assert db.session.get(CaseStudy, case_study.id).status == "published"


def build_now():
    from charter_app.timeutil import utcnow

    return utcnow()


def test_a_member_editing_a_published_case_study_takes_it_off_the_public_pages(
        member, staff, client):
    organisation, _, writer = member
    case_study = write(member)
    submit(member, case_study)
    decide(staff, case_study, "approve")
    assert client.get(f"/case-studies/{case_study.slug}").status_code == 200
    assert client.get("/signatories/weardale-civils").get_data(as_text=True).count(
        case_study.title) == 1
    send(writer, mine(organisation, f"/{case_study.id}"),
         {**FIELDS, "summary": "Changed.", "based_on": version_of(case_study)})
    [case_study] = all_case_studies()
    assert case_study.status == "draft" and case_study.published_at is None
    assert client.get(f"/case-studies/{case_study.slug}").status_code == 404
    # The profile (cached for visitors) drops it at once.
    assert case_study.title not in client.get("/signatories/weardale-civils").get_data(
        as_text=True)


def test_staff_write_and_publish_one_for_a_partner_shown_on_its_page(build, staff, client):
    from charter_app.hub import partners

    partner = build.partner("Durham County Council")
    partners.save_page(partner, partners.PartnerPage(
        "durham-county-council", None, None, None, None, None, True), based_on=partner.version)
    db.session.commit()
    response = send(staff, "/staff/hub/case-studies/new",
                    {**FIELDS, "title": "School meals from local farms", "signatory": "",
                     "partner": str(partner.id)}, image=png((300, 200)))
    assert response.status_code == 302
    [case_study] = all_case_studies()
    assert case_study.partner_id == partner.id and case_study.by_staff
    assert decide(staff, case_study, "approve").status_code == 302
    page = client.get("/partners/durham-county-council").get_data(as_text=True)
    assert f'href="/case-studies/{case_study.slug}"' in page
    shown = client.get(f"/case-studies/{case_study.slug}").get_data(as_text=True)
    assert 'href="/partners/durham-county-council"' in shown


def test_staff_name_exactly_one_organisation(staff):
    both = send(staff, "/staff/hub/case-studies/new",
                {**FIELDS, "signatory": "weardale-civils", "partner": "1"})
    assert "not both" in both.get_data(as_text=True)
    unknown = send(staff, "/staff/hub/case-studies/new",
                   {**FIELDS, "signatory": "nobody-here", "partner": ""})
    assert "There is no signatory in the directory at this address" in unknown.get_data(
        as_text=True)
    assert all_case_studies() == []


def _published(build, owner, organisation, title, area, themes, staff_user):
    text = case_studies.CaseStudyText(title, area, "Summary of " + title, "Body", themes)
    case_study = case_studies.create(text, author=owner, now=build_now(),
                                     organisation=organisation)
    case_studies.submit(case_study, based_on=case_study.version, by=owner, now=build_now(),
                        staff_mailbox="staff@example.org")
    case_studies.decide(case_study, "approve", based_on=case_study.version, by=staff_user,
                        now=build_now())
    db.session.commit()
    return case_study


def test_filters_by_theme_area_and_organisation_and_ignores_bad_values(build, client):
    staff_user = build.staff()
    owner = build.user()
    first = build.organisation(owner, status="approved", slug="first-org")
    second = build.organisation(build.user(), status="approved", slug="second-org")
    _published(build, owner, first, "Green roofs in Seaham", "Easington", ["environment"],
               staff_user)
    _published(build, owner, first, "Jobs fair in Consett", "Derwentside", ["jobs"], staff_user)
    _published(build, owner, second, "Repair cafe in Crook", "Wear Valley",
               ["environment", "social"], staff_user)

    def titles(query):
        page = client.get("/case-studies" + query).get_data(as_text=True)
        return {title for title in ("Green roofs in Seaham", "Jobs fair in Consett",
                                    "Repair cafe in Crook") if title in page}, page

    assert titles("?theme=environment")[0] == {"Green roofs in Seaham", "Repair cafe in Crook"}
    assert titles("?area=Derwentside")[0] == {"Jobs fair in Consett"}
    assert titles("?organisation=first-org")[0] == {"Green roofs in Seaham",
                                                    "Jobs fair in Consett"}
    assert titles("?theme=environment&organisation=second-org")[0] == {"Repair cafe in Crook"}
    found, page = titles("?theme=<script>&area=Narnia")
    assert len(found) == 3 and "We did not recognise the theme or area" in page
    assert client.get("/case-studies?page=99").status_code == 404


def test_pagination(build, client, monkeypatch):
    monkeypatch.setattr(case_studies, "PER_PAGE", 2)
    staff_user, owner = build.staff(), build.user()
    organisation = build.organisation(owner, status="approved")
    for number in range(5):
        _published(build, owner, organisation, f"Story number {number}", "Durham", ["growth"],
                   staff_user)
    first = client.get("/case-studies").get_data(as_text=True)
    assert "Story number 4" in first and "Story number 2" not in first
    third = client.get("/case-studies?page=3").get_data(as_text=True)
    assert "Story number 0" in third and "5 case studies" in third


XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "[click](javascript:alert(3))",
    '<a href="javascript:alert(4)">x</a>',
    '<svg/onload=alert(5)>',
    '<iframe src="https://evil.example"></iframe>',
]


def test_the_body_is_sanitised(build, client):
    owner = build.user()
    organisation = build.organisation(owner, status="approved")
    text = case_studies.CaseStudyText("Safe story", "Durham", "<b>summary</b>",
                                      "\n\n".join(XSS), ["social"])
    case_study = case_studies.create(text, author=owner, now=build_now(),
                                     organisation=organisation)
    case_study.status, case_study.published_at = "published", build_now()
    db.session.commit()
    page = client.get(f"/case-studies/{case_study.slug}").get_data(as_text=True)
    body = page.split('<div class="app-markdown">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in body and "<iframe" not in body and "<img" not in body
    assert "<svg" not in body
    assert not re.search(r"<[^>]*\son\w+\s*=", body)  # no event handler in any tag
    assert not re.search(r"href=[\"']?\s*javascript:", body, re.IGNORECASE)
    assert "&lt;b&gt;summary&lt;/b&gt;" in page


def test_no_more_than_six_images(member):
    organisation, _, client = member
    case_study = write(member, image=png((60, 40)))
    for _ in range(5):
        send(client, mine(organisation, f"/{case_study.id}"),
             {**FIELDS, "based_on": version_of(case_study)}, image=png((60, 40)))
    assert len(all_case_studies()[0].images) == 6
    page = client.get(mine(organisation, f"/{case_study.id}")).get_data(as_text=True)
    assert "the most it can have" in page


def test_removing_an_image_removes_its_files_after_the_commit(app, member):
    organisation, _, client = member
    case_study = write(member, image=png((700, 300)))
    image_id, stem = case_study.images[0].id, case_study.images[0].stored_name
    folder = Path(app.config["UPLOAD_DIR"])
    assert len(list(folder.glob(stem + "-*"))) == 2
    response = send(client, mine(organisation, f"/{case_study.id}/images/{image_id}/remove"),
                    {"based_on": version_of(case_study)})
    assert response.status_code == 302
    assert db.session.scalars(select(CaseStudyImage)).all() == []
    assert not list(folder.glob(stem + "-*"))


def test_a_refused_save_leaves_no_image_file(app, member, monkeypatch):
    """The image is written, then the save is refused (a stale version): no file stays."""
    organisation, _, client = member
    case_study = write(member)
    before = uploaded_files(app)
    response = send(client, mine(organisation, f"/{case_study.id}"),
                    {**FIELDS, "based_on": "999"}, image=png((100, 100)))
    assert response.status_code == 409
    assert "Someone else changed this case study" in response.get_data(as_text=True)
    assert uploaded_files(app) == before and all_case_studies()[0].images == []


def test_a_request_over_the_size_limit_is_a_clear_message(app, member, monkeypatch):
    organisation, _, client = member
    # A smaller limit for the test, so it posts kilobytes rather than megabytes.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = send(client, mine(organisation, "/new"), FIELDS, image=png((900, 900)))
    assert response.status_code == 413
    assert "Images must be 5 MB or smaller" in response.get_data(as_text=True)
    assert all_case_studies() == []


def test_the_queue_puts_waiting_case_studies_first_and_leaves_members_drafts_alone(
        member, staff):
    first = write(member, {**FIELDS, "title": "Sent first"})
    write(member, {**FIELDS, "title": "Still a draft"})
    second = write(member, {**FIELDS, "title": "Sent second"})
    published = write(member, {**FIELDS, "title": "Already published"})
    for case_study in (published, first, second):
        submit(member, case_study)
    decide(staff, published, "approve")
    page = staff.get("/staff/hub/case-studies").get_data(as_text=True).split("<table", 1)[1]
    positions = [page.index(title) for title in ("Sent first", "Sent second",
                                                 "Already published")]
    assert positions == sorted(positions) and "Still a draft" not in page


def test_search_finds_a_case_study_once_published_and_not_before(member, staff, client):
    case_study = write(member)
    submit(member, case_study)
    words = FIELDS["title"].split()[0]
    before = client.get(f"/search?q={words}").get_data(as_text=True)
    assert 'id="results-case-studies"' not in before
    assert decide(staff, case_study, "approve").status_code == 302
    found = client.get(f"/search?q={FIELDS['title']}").get_data(as_text=True)
    assert 'id="results-case-studies"' in found
    assert f'href="/case-studies/{all_case_studies()[0].slug}"' in found
